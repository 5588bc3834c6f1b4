// Two-person emergency destruction of the data keys (core/destruction.h; docs/api.md "Records
// and keys"): admin A requests it with a reason and a typed phrase; admin B, on their own
// session, sees the pending request and approves it with the typed phrase within the window;
// the page then says what is destroyed and what the server does from now on. The API enforces
// the two-person rule: the requester's approval comes back as a plain sentence.
import { h, replace } from '../common/dom.js';
import { formatTime, t } from '../common/i18n.js';
import { errorSlot, facts, field, num, resultSlot, sentenceFor, when } from './records_common.js';

/** True when `typed` is the confirmation phrase of the reader's language (case and spaces aside). */
function phraseMatches(typed) {
  const norm = (s) => s.normalize('NFC').trim().replace(/\s+/g, ' ').toLocaleLowerCase();
  return norm(typed) === norm(t('staff_records.destroy.phrase'));
}

export function mountDestruction(root, ctx, { onDestroyed }) {
  let alive = true;
  let list = null; // { requests, keys_destroyed, window_seconds } | { error }
  let outcome = null; // the approval's answer, once this page approved
  const error = errorSlot();
  const result = resultSlot();

  function draw() {
    replace(
      root,
      h('h2', { id: 'rec-destroy-h', tabindex: '-1' }, t('staff_records.destroy.heading')),
      h('p', {}, t('staff_records.destroy.intro')),
      error.el,
      result.el,
      body(),
    );
  }

  function body() {
    if (list === null) return h('p', { class: 'rec-loading' }, t('staff_records.loading'));
    if (list.error) return h('p', { class: 'notice bad' }, list.error);
    const out = [];
    if (list.keys_destroyed) {
      out.push(
        h(
          'div',
          { class: 'notice bad rec-destroyed', id: 'rec-destroyed' },
          h('h3', {}, t('staff_records.destroy.destroyedHeading')),
          h('p', {}, t('staff_records.destroy.destroyedNow')),
          outcome
            ? h(
                'p',
                {},
                t('staff_records.destroy.destroyedFiles', { count: outcome.destroyed_files.length, size: outcome.final_tree_head.tree_size ?? 0 }),
              )
            : null,
        ),
      );
    }
    out.push(h('h3', {}, t('staff_records.destroy.recentHeading')));
    if (!list.requests.length) out.push(h('p', { id: 'rec-destroy-none' }, t('staff_records.destroy.none')));
    else out.push(h('ul', { class: 'rec-requests', id: 'rec-destroy-requests' }, list.requests.map(requestItem)));
    out.push(h('div', { class: 'actions' }, h('button', { type: 'button', class: 'secondary', onClick: load }, t('staff_records.destroy.refresh'))));
    const pending = list.requests.some((r) => r.state === 'pending');
    if (!list.keys_destroyed && !pending) out.push(requestForm());
    return out;
  }

  function requestItem(r) {
    const by = h('bdi', {}, r.requested_by_user || r.requested_by);
    const parts = [
      facts([
        [t('staff_records.destroy.state'), h('strong', { class: `rec-state rec-state-${r.state}` }, t(`staff_records.destroy.states.${r.state}`))],
        [t('staff_records.destroy.requestedBy'), r.requested_by_you ? [by, ' ', t('staff_records.destroy.you')] : by],
        [t('staff_records.destroy.reason'), h('bdi', {}, r.reason)],
        [t('staff_records.destroy.requestedAt'), when(r.requested_at)],
        r.state === 'pending'
          ? [t('staff_records.destroy.approveBefore'), when(r.approve_before)]
          : r.state === 'executed'
            ? [t('staff_records.destroy.approvedBy'), h('bdi', {}, r.approved_by_user || r.approved_by || '')]
            : null,
      ].filter(Boolean)),
    ];
    if (r.state === 'pending' && !list.keys_destroyed) {
      if (r.requested_by_you) {
        parts.push(h('p', { class: 'notice warn' }, t('staff_records.destroy.waiting', { time: formatTime(new Date(r.approve_before * 1000)) })));
      }
      parts.push(approveForm(r));
    }
    return h('li', { class: 'rec-request', 'data-state': r.state }, ...parts);
  }

  function approveForm(r) {
    const phrase = field({
      label: t('staff_records.destroy.typePhrase', { phrase: t('staff_records.destroy.phrase') }),
      hint: t('staff_records.destroy.approveHint'),
      attrs: { autocomplete: 'off', spellcheck: 'false', name: 'approve-phrase' },
    });
    return h(
      'form',
      {
        class: 'rec-form rec-approve',
        novalidate: true,
        onSubmit: async (ev) => {
          ev.preventDefault();
          error.hide();
          result.hide();
          if (!phraseMatches(phrase.input.value)) {
            error.show(t('staff_records.destroy.phraseWrong', { phrase: t('staff_records.destroy.phrase') }));
            return;
          }
          const answer = await ctx.api(`/api/v1/destruction-requests/${encodeURIComponent(r.id)}/approve`, { method: 'POST', body: { confirm: true } });
          if (!alive) return;
          phrase.input.value = '';
          if (!answer.ok) {
            await load();
            // The two-person rule refuses the requester, and also an account the requester made
            // or took over, or one too new (core/destruction.h): a different sentence for each.
            error.show(sentenceFor(answer, r.requested_by_you ? {} : { 'two-person-rule': 'staff_records.errors.twoPersonAccount' }));
            return;
          }
          outcome = answer.data;
          await load();
          onDestroyed();
          document.getElementById('rec-destroyed')?.setAttribute('tabindex', '-1');
          document.getElementById('rec-destroyed')?.focus();
        },
      },
      h('h4', {}, t('staff_records.destroy.approveHeading')),
      phrase.wrap,
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'danger' }, t('staff_records.destroy.approve'))),
    );
  }

  function requestForm() {
    const reason = field({
      label: t('staff_records.destroy.reasonLabel'),
      hint: t('staff_records.destroy.reasonHint'),
      kind: 'textarea',
      attrs: { maxlength: 500, name: 'destroy-reason' },
    });
    const phrase = field({
      label: t('staff_records.destroy.typePhrase', { phrase: t('staff_records.destroy.phrase') }),
      attrs: { autocomplete: 'off', spellcheck: 'false', name: 'request-phrase' },
    });
    return h(
      'form',
      {
        class: 'rec-form rec-request-form',
        novalidate: true,
        onSubmit: async (ev) => {
          ev.preventDefault();
          error.hide();
          result.hide();
          if (!reason.input.value.trim()) {
            error.show(t('staff_records.destroy.reasonMissing'));
            return;
          }
          if (!phraseMatches(phrase.input.value)) {
            error.show(t('staff_records.destroy.phraseWrong', { phrase: t('staff_records.destroy.phrase') }));
            return;
          }
          const answer = await ctx.api('/api/v1/destruction-requests', { method: 'POST', body: { reason: reason.input.value.trim(), confirm: true } });
          if (!alive) return;
          if (!answer.ok) {
            error.show(sentenceFor(answer));
            return;
          }
          await load();
          result.show(t('staff_records.destroy.requested', { time: formatTime(new Date(answer.data.approve_before * 1000)) }));
        },
      },
      h('h3', {}, t('staff_records.destroy.requestHeading')),
      h('p', {}, t('staff_records.destroy.requestIntro', { minutes: num(Math.round((list.window_seconds || 900) / 60)) })),
      reason.wrap,
      phrase.wrap,
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'danger' }, t('staff_records.destroy.request'))),
    );
  }

  async function load() {
    const answer = await ctx.api('/api/v1/destruction-requests');
    if (!alive) return;
    list = answer.ok ? answer.data : { error: sentenceFor(answer) };
    draw();
  }

  draw();
  ctx.onLanguageChange(draw);
  load();
  return () => {
    alive = false;
    list = null;
    outcome = null;
  };
}
