// The admin's "Records and keys" section (issue 17): legal holds, retention status, key status
// and the two-person emergency destruction (records_destroy.js); and the data-request register
// (records_register.js), which auditors read. Everything comes from the documented API
// (docs/api.md "Records and keys"); nothing personal is kept once the section unmounts.
import { h, replace } from '../common/dom.js';
import { t } from '../common/i18n.js';
import { errorSlot, facts, field, num, resultSlot, sentenceFor, when } from './records_common.js';
import { mountDestruction } from './records_destroy.js';
import { mountRegisterSection } from './records_register.js';

const HOLD_CATEGORIES = ['litigation', 'court_order', 'records_request', 'other'];

export function mountRecords(root, ctx) {
  let alive = true;
  const parts = {
    holds: h('section', { class: 'rec-part', 'aria-labelledby': 'rec-holds-h' }),
    retention: h('section', { class: 'rec-part', 'aria-labelledby': 'rec-retention-h' }),
    keys: h('section', { class: 'rec-part', 'aria-labelledby': 'rec-keys-h' }),
    destroy: h('section', { class: 'rec-part', 'aria-labelledby': 'rec-destroy-h' }),
  };
  const state = { holds: null, retention: null, keys: null };
  let unmountDestroy = null;

  function draw() {
    ctx.setTitle(t('staff.nav.records'));
    replace(
      root,
      h('h1', { id: 'section-heading', tabindex: '-1' }, t('staff.nav.records')),
      h('p', { class: 'rec-intro' }, t('staff_records.intro')),
      h(
        'nav',
        { class: 'rec-toc', 'aria-label': t('staff_records.toc') },
        h(
          'ul',
          {},
          [
            ['rec-holds-h', 'staff_records.holds.heading'],
            ['rec-retention-h', 'staff_records.retention.heading'],
            ['rec-keys-h', 'staff_records.keys.heading'],
            ['rec-destroy-h', 'staff_records.destroy.heading'],
          ].map(([id, key]) =>
            h('li', {}, h('button', { type: 'button', class: 'rec-link secondary', onClick: () => document.getElementById(id)?.focus() }, t(key))),
          ),
        ),
      ),
      parts.holds,
      parts.retention,
      parts.keys,
      parts.destroy,
    );
    drawHolds();
    drawRetention();
    drawKeys();
  }

  // ---- legal holds ----
  const holdError = errorSlot();
  const holdResult = resultSlot();
  let releasing = null; // the person id whose release waits for a confirmation
  let holdsListSlot = h('div');
  function refreshHoldsList() {
    replace(holdsListSlot, holdsList());
  }

  function drawHolds() {
    const target = field({
      label: t('staff_records.holds.target'),
      hint: t('staff_records.holds.targetHint'),
      attrs: { autocomplete: 'off', spellcheck: 'false', name: 'hold-target' },
    });
    const category = field({
      label: t('staff_records.holds.category'),
      kind: 'select',
      options: HOLD_CATEGORIES.map((c) => [c, t(`staff_records.holds.categories.${c}`)]),
    });
    const note = field({ label: t('staff_records.holds.note'), hint: t('staff_records.holds.noteHint'), kind: 'textarea', attrs: { maxlength: 500 } });
    const form = h(
      'form',
      {
        class: 'rec-form',
        novalidate: true,
        onSubmit: async (ev) => {
          ev.preventDefault();
          holdError.hide();
          holdResult.hide();
          const text = target.input.value.trim();
          if (!text) {
            holdError.show(t('staff_records.holds.targetMissing'));
            return;
          }
          const person = await resolvePerson(text);
          if (!alive) return;
          if (!person.ok) {
            holdError.show(person.sentence);
            return;
          }
          const body = { category: category.input.value };
          if (note.input.value.trim()) body.note = note.input.value.trim();
          const answer = await ctx.api(`/api/v1/persons/${encodeURIComponent(person.id)}/hold`, { method: 'POST', body });
          if (!alive) return;
          if (!answer.ok) {
            holdError.show(sentenceFor(answer, { 'already-exists': 'staff_records.errors.alreadyHeld' }));
            return;
          }
          target.input.value = '';
          note.input.value = '';
          await loadHolds();
          holdResult.show(t('staff_records.holds.placed', { category: t(`staff_records.holds.categories.${body.category}`) }));
        },
      },
      h('h3', {}, t('staff_records.holds.placeHeading')),
      target.wrap,
      category.wrap,
      note.wrap,
      h('div', { class: 'actions' }, h('button', { type: 'submit' }, t('staff_records.holds.place'))),
    );
    replace(
      parts.holds,
      h('h2', { id: 'rec-holds-h', tabindex: '-1' }, t('staff_records.holds.heading')),
      h('p', {}, t('staff_records.holds.intro')),
      holdError.el,
      holdResult.el,
      (holdsListSlot = h('div', { id: 'rec-holds-list' }, holdsList())),
      form,
    );
  }

  function holdsList() {
    if (state.holds === null) return h('p', { class: 'rec-loading' }, t('staff_records.loading'));
    if (state.holds.error) return h('p', { class: 'notice bad' }, state.holds.error);
    const holds = state.holds.list;
    if (!holds.length) return h('p', { id: 'rec-holds-empty' }, t('staff_records.holds.none'));
    return h(
      'div',
      { class: 'rec-table-wrap', tabindex: '0', role: 'region', 'aria-label': t('staff_records.holds.caption', { count: holds.length }) },
      h(
        'table',
        { id: 'rec-holds-table' },
        h('caption', {}, t('staff_records.holds.caption', { count: holds.length })),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['person', 'category', 'placed', 'note', 'action'].map((c) => h('th', { scope: 'col' }, t(`staff_records.holds.columns.${c}`))),
          ),
        ),
        h(
          'tbody',
          {},
          holds.map((hold) =>
            h(
              'tr',
              {},
              h('td', {}, h('bdi', { class: 'rec-id' }, hold.person_id)),
              h('td', {}, t(`staff_records.holds.categories.${hold.category}`)),
              h('td', {}, when(hold.placed_at)),
              h('td', {}, hold.has_note ? t('staff_records.holds.hasNote') : t('staff_records.holds.noNote')),
              h('td', {}, releaseCell(hold)),
            ),
          ),
        ),
      ),
    );
  }

  function releaseCell(hold) {
    if (releasing !== hold.person_id) {
      return h(
        'button',
        {
          type: 'button',
          class: 'secondary',
          'aria-label': t('staff_records.holds.releaseFor', { action: t('staff_records.holds.release'), id: hold.person_id }),
          onClick: () => {
            releasing = hold.person_id;
            refreshHoldsList();
            document.getElementById('rec-release-confirm')?.focus();
          },
        },
        t('staff_records.holds.release'),
      );
    }
    return h(
      'div',
      { class: 'rec-confirm' },
      h('p', {}, t('staff_records.holds.releaseQuestion')),
      h(
        'div',
        { class: 'actions' },
        h(
          'button',
          {
            type: 'button',
            id: 'rec-release-confirm',
            onClick: async () => {
              holdError.hide();
              holdResult.hide();
              const answer = await ctx.api(`/api/v1/persons/${encodeURIComponent(hold.person_id)}/hold`, { method: 'DELETE' });
              if (!alive) return;
              releasing = null;
              if (!answer.ok) {
                refreshHoldsList();
                holdError.show(sentenceFor(answer, { 'not-found': 'staff_records.errors.notHeld' }));
                return;
              }
              await loadHolds();
              holdResult.show(t('staff_records.holds.released'));
            },
          },
          t('staff_records.holds.releaseYes'),
        ),
        h(
          'button',
          {
            type: 'button',
            class: 'secondary',
            onClick: () => {
              releasing = null;
              refreshHoldsList();
            },
          },
          t('staff_records.cancel'),
        ),
      ),
    );
  }

  // A person id ("per_...") as typed, or a card number → its application → its person.
  async function resolvePerson(text) {
    if (/^per_[A-Za-z0-9_-]{1,60}$/.test(text)) return { ok: true, id: text };
    const digits = text.replace(/[\s-]/g, '');
    if (!/^[0-9]{6,20}$/.test(digits)) return { ok: false, sentence: t('staff_records.holds.targetInvalid') };
    const card = await ctx.api(`/api/v1/cards/${encodeURIComponent(digits)}`);
    if (!card.ok) return { ok: false, sentence: sentenceFor(card, { 'not-found': 'staff_records.errors.cardNotFound', 'invalid-argument': 'staff_records.holds.targetInvalid' }) };
    const app = await ctx.api(`/api/v1/applications/${encodeURIComponent(card.data.application_id)}`);
    if (!app.ok) return { ok: false, sentence: sentenceFor(app) };
    return { ok: true, id: app.data.person_id };
  }

  async function loadHolds() {
    const answer = await ctx.api('/api/v1/holds');
    if (!alive) return;
    state.holds = answer.ok ? { list: answer.data.holds } : { error: sentenceFor(answer) };
    refreshHoldsList();
  }

  // ---- retention ----
  const retentionError = errorSlot();
  const retentionResult = resultSlot();
  let confirmingRun = false;

  function drawRetention() {
    const r = state.retention;
    let body;
    if (r === null) body = h('p', { class: 'rec-loading' }, t('staff_records.loading'));
    else if (r.error) body = h('p', { class: 'notice bad' }, r.error);
    else {
      const p = r.data;
      body = [
        facts(
          [
            [t('staff_records.retention.cardsToExpire'), num(p.cards_to_expire)],
            [t('staff_records.retention.abandoned', { days: p.policy.abandoned_application_days }), num(p.persons_to_purge.abandoned_application)],
            [t('staff_records.retention.rejected', { days: p.policy.rejected_application_days }), num(p.persons_to_purge.rejected_application)],
            [t('staff_records.retention.cardExpired', { days: p.policy.after_card_expiry_days }), num(p.persons_to_purge.card_expired)],
            [t('staff_records.retention.total'), num(p.persons_to_purge.total), { id: 'rec-retention-total' }],
            [t('staff_records.retention.held'), num(p.held), { id: 'rec-retention-held' }],
            [t('staff_records.retention.lastAction'), p.last_action_at ? when(p.last_action_at) : t('staff_records.retention.never')],
          ],
          { id: 'rec-retention-facts' },
        ),
        runControls(p),
      ];
    }
    replace(
      parts.retention,
      h('h2', { id: 'rec-retention-h', tabindex: '-1' }, t('staff_records.retention.heading')),
      h('p', {}, t('staff_records.retention.intro')),
      retentionError.el,
      retentionResult.el,
      body,
    );
  }

  function runControls(p) {
    if (!confirmingRun) {
      return h(
        'div',
        { class: 'actions' },
        h(
          'button',
          {
            type: 'button',
            class: 'secondary',
            onClick: () => {
              confirmingRun = true;
              retentionResult.hide();
              drawRetention();
              document.getElementById('rec-run-check')?.focus();
            },
          },
          t('staff_records.retention.run'),
        ),
      );
    }
    return h(
      'div',
      { class: 'rec-confirm', id: 'rec-run-check', tabindex: '-1' },
      h('h3', {}, t('staff_records.retention.checkHeading')),
      h('p', {}, t('staff_records.retention.checkText', { persons: p.persons_to_purge.total, cards: p.cards_to_expire, held: p.held })),
      p.print_windows_to_close > 0 ? h('p', {}, t('staff_records.retention.checkPrintWindows', { count: p.print_windows_to_close })) : null,
      h(
        'div',
        { class: 'actions' },
        h(
          'button',
          {
            type: 'button',
            class: 'danger',
            onClick: async () => {
              retentionError.hide();
              const answer = await ctx.api('/api/v1/retention/run', { method: 'POST', body: { confirm: true } });
              if (!alive) return;
              confirmingRun = false;
              if (!answer.ok) {
                drawRetention();
                retentionError.show(sentenceFor(answer));
                return;
              }
              await loadRetention();
              const d = answer.data;
              let done = t('staff_records.retention.done', { persons: d.persons_purged, cards: d.cards_expired });
              // Addresses dropped because a card was never marked printed: irreversible, so said.
              if (d.print_windows_closed > 0) done = `${done} ${t('staff_records.retention.donePrintWindows', { count: d.print_windows_closed })}`;
              retentionResult.show(done);
            },
          },
          t('staff_records.retention.runYes'),
        ),
        h(
          'button',
          {
            type: 'button',
            class: 'secondary',
            onClick: () => {
              confirmingRun = false;
              drawRetention();
            },
          },
          t('staff_records.cancel'),
        ),
      ),
    );
  }

  async function loadRetention() {
    const answer = await ctx.api('/api/v1/retention');
    if (!alive) return;
    state.retention = answer.ok ? { data: answer.data } : { error: sentenceFor(answer) };
    drawRetention();
  }

  // ---- keys ----
  function drawKeys() {
    const k = state.keys;
    let body;
    if (k === null) body = h('p', { class: 'rec-loading' }, t('staff_records.loading'));
    else if (k.error) body = h('p', { class: 'notice bad' }, k.error);
    else {
      const d = k.data;
      const dataState = d.data_keys.state;
      let dataText = t(`staff_records.keys.data.${dataState}`);
      if (dataState === 'sealed' && d.data_keys.split) {
        dataText = t('staff_records.keys.data.sealedSplit', { k: d.data_keys.split.threshold, n: d.data_keys.split.count });
      }
      body = [
        h('h3', {}, t('staff_records.keys.issuerHeading')),
        h(
          'div',
          { class: 'rec-table-wrap', tabindex: '0', role: 'region', 'aria-label': t('staff_records.keys.issuerHeading') },
          h(
            'table',
            { id: 'rec-issuer-keys' },
            h('caption', {}, t('staff_records.keys.issuerCaption', { issuer: d.issuer })),
            h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('staff_records.keys.kid')), h('th', { scope: 'col' }, t('staff_records.keys.status')))),
            h(
              'tbody',
              {},
              d.issuer_keys.map((key) =>
                h(
                  'tr',
                  {},
                  h('td', {}, h('code', { class: 'rec-kid', dir: 'ltr' }, key.kid)),
                  h(
                    'td',
                    {},
                    key.status === 'active'
                      ? t('staff_records.keys.active')
                      : key.not_after
                        ? t('staff_records.keys.retiredUntil', { date: when(key.not_after) })
                        : t('staff_records.keys.retired'),
                  ),
                ),
              ),
            ),
          ),
        ),
        facts([
          [t('staff_records.keys.logKey'), h('code', { class: 'rec-kid', dir: 'ltr' }, d.log_key.kid)],
          [t('staff_records.keys.dataKeys'), h('span', { id: 'rec-data-keys', class: `rec-data-${dataState}` }, dataText)],
        ]),
        h('p', { class: 'hint' }, t('staff_records.keys.noMaterial'), ' ', h('code', { dir: 'ltr' }, '/.well-known/cityid-keys')),
      ];
    }
    replace(parts.keys, h('h2', { id: 'rec-keys-h', tabindex: '-1' }, t('staff_records.keys.heading')), h('p', {}, t('staff_records.keys.intro')), body);
  }

  async function loadKeys() {
    const answer = await ctx.api('/api/v1/keys/status');
    if (!alive) return;
    state.keys = answer.ok ? { data: answer.data } : { error: sentenceFor(answer) };
    drawKeys();
  }

  draw();
  // Draws its own part (and redraws it on a language change itself).
  unmountDestroy = mountDestruction(parts.destroy, ctx, { onDestroyed: () => loadKeys() });
  ctx.onLanguageChange(draw);
  loadHolds();
  loadRetention();
  loadKeys();

  return () => {
    alive = false;
    if (unmountDestroy) unmountDestroy();
    state.holds = null;
    state.retention = null;
    state.keys = null;
    releasing = null;
  };
}

export function mountRegister(root, ctx) {
  return mountRegisterSection(root, ctx);
}
