// The card desk (issue 17): look a card up by number (its state and dates: GET
// /api/v1/cards/{number} gives no personal data), then renew it, replace it at the holder's
// report (lost, stolen, damaged: a new number, the old card revoked) or, for supervisors and
// administrators, revoke it with a reason. The API stays the authority: a clerk who reached a
// revoke anyway gets 403, and the page shows revoking only to the roles that may.
import { h, replace } from '../common/dom.js';
import { formatDate, formatDateTime, t } from '../common/i18n.js';
import { cardDigits, cardErrorText, formatCardNumber, ltr } from './desk_common.js';

const REVOKERS = new Set(['supervisor', 'admin']);
const REPLACE_REASONS = ['lost', 'stolen', 'damaged'];
const MAX_REASON = 500;

export function mountDesk(root, ctx) {
  const role = ctx.session?.staff?.role;
  const state = {
    typed: '',
    card: null, // the GET answer for the card looked up
    fieldError: null, // the number field's own message
    error: null, // the error summary's sentence
    busy: false,
    action: null, // 'renew' | 'replace' | 'revoke' while its form is open
    replaceReason: '',
    revokeReason: '',
    result: null, // { kind, oldNumber, newNumber, card }
  };
  let alive = true;
  let focusAfter = null;

  async function lookUp(number, focus = 'card') {
    state.busy = true;
    state.error = null;
    state.fieldError = null;
    draw();
    const answer = await ctx.api(`/api/v1/cards/${number}`);
    state.busy = false;
    if (!alive) return;
    if (!answer.ok) {
      state.card = null;
      state.error = cardErrorText(answer);
      if (answer.status === 404 || answer.status === 400) state.fieldError = state.error;
      focusAfter = 'error';
    } else {
      state.card = answer.data;
      focusAfter = focus;
    }
    draw();
  }

  function submitLookup(e) {
    e.preventDefault();
    const input = document.getElementById('desk-number');
    state.typed = input ? input.value : state.typed;
    const digits = cardDigits(state.typed);
    state.result = null;
    state.action = null;
    if (!digits) {
      state.card = null;
      state.fieldError = t('staff_desk.desk.numberInvalid');
      state.error = state.fieldError;
      focusAfter = 'error';
      draw();
      return;
    }
    lookUp(digits);
  }

  async function act(kind) {
    const number = state.card.number;
    let path;
    let body;
    if (kind === 'renew') {
      path = `/api/v1/cards/${number}/renew`;
      body = {};
    } else if (kind === 'replace') {
      if (!REPLACE_REASONS.includes(state.replaceReason)) {
        state.error = t('staff_desk.desk.replaceReasonMissing');
        focusAfter = 'error';
        draw();
        return;
      }
      path = `/api/v1/cards/${number}/replace`;
      body = { reason: state.replaceReason };
    } else {
      const reason = state.revokeReason.trim();
      if (!reason) {
        state.error = t('staff_desk.desk.revokeReasonMissing');
        focusAfter = 'error';
        draw();
        return;
      }
      path = `/api/v1/cards/${number}/revoke`;
      body = { reason };
    }
    state.busy = true;
    state.error = null;
    draw();
    const answer = await ctx.api(path, { method: 'POST', body });
    state.busy = false;
    if (!alive) return;
    if (!answer.ok) {
      state.error = cardErrorText(answer);
      focusAfter = 'error';
      draw();
      return;
    }
    state.action = null;
    state.replaceReason = '';
    state.revokeReason = '';
    state.result = {
      kind,
      oldNumber: number,
      newNumber: kind === 'revoke' ? null : answer.data.card_number,
    };
    // The old card as it is now (revoked or replaced), from the server.
    const fresh = await ctx.api(`/api/v1/cards/${number}`);
    if (!alive) return;
    if (fresh.ok) state.card = fresh.data;
    else if (kind === 'revoke' && answer.data) state.card = answer.data;
    focusAfter = 'result';
    draw();
  }

  function errorSummary() {
    if (!state.error) return null;
    return h(
      'div',
      { class: 'error-summary', id: 'desk-error', role: 'alert', tabindex: '-1', 'aria-labelledby': 'desk-error-title' },
      h('h2', { id: 'desk-error-title', class: 'error-title' }, t('staff_desk.errors.summary')),
      h('p', {}, state.error),
    );
  }

  function lookupForm() {
    const hintId = 'desk-number-hint';
    const errId = 'desk-number-error';
    return h(
      'form',
      { class: 'desk-lookup', novalidate: true, onSubmit: submitLookup },
      h(
        'div',
        { class: `field${state.fieldError ? ' field-error' : ''}` },
        h('label', { for: 'desk-number' }, t('staff_desk.desk.number')),
        h('p', { class: 'hint', id: hintId }, t('staff_desk.desk.numberHint')),
        state.fieldError ? h('p', { class: 'error-message', id: errId }, state.fieldError) : null,
        h('input', {
          type: 'text',
          id: 'desk-number',
          name: 'card-number',
          inputmode: 'numeric',
          autocomplete: 'off',
          spellcheck: 'false',
          dir: 'ltr',
          value: state.typed,
          'aria-describedby': state.fieldError ? `${hintId} ${errId}` : hintId,
          'aria-invalid': state.fieldError ? 'true' : null,
          onInput: (e) => {
            state.typed = e.target.value;
          },
        }),
      ),
      h('div', { class: 'actions' }, h('button', { type: 'submit', disabled: state.busy }, t('staff_desk.desk.lookUp'))),
    );
  }

  function dateOf(unix) {
    return formatDate(unix * 1000, { timeZone: 'UTC' });
  }

  function cardFacts(card) {
    const stateWord = t(`staff_desk.states.${card.state}`);
    const rows = [
      [t('staff_desk.desk.state'), h('strong', { class: `card-state state-${card.state}`, id: 'desk-card-state' }, stateWord)],
      [t('staff_desk.desk.issued'), dateOf(card.issued_at)],
      [t('staff_desk.desk.expires'), dateOf(card.expires_at)],
      [
        t('staff_desk.desk.printed'),
        card.printed_at ? formatDateTime(card.printed_at * 1000) : t('staff_desk.desk.notPrinted'),
      ],
    ];
    if (card.replaced_by) {
      rows.push([t('staff_desk.desk.replacedBy'), h('span', { dir: 'ltr' }, formatCardNumber(card.replaced_by))]);
    }
    return h(
      'dl',
      { class: 'desk-facts' },
      rows.map(([k, v]) => h('div', {}, h('dt', {}, k), h('dd', {}, v))),
    );
  }

  function resultNotice() {
    const r = state.result;
    if (!r) return null;
    const oldN = formatCardNumber(r.oldNumber);
    const parts = [];
    if (r.kind === 'revoke') {
      parts.push(h('p', {}, t('staff_desk.desk.revoked', { number: ltr(oldN) })));
    } else {
      const newN = formatCardNumber(r.newNumber);
      parts.push(
        h('p', {}, t(r.kind === 'renew' ? 'staff_desk.desk.renewed' : 'staff_desk.desk.replaced')),
        h(
          'dl',
          { class: 'desk-facts desk-numbers' },
          h('div', {}, h('dt', {}, t('staff_desk.desk.newNumber')), h('dd', {}, h('strong', { id: 'desk-new-number', dir: 'ltr' }, newN))),
          h('div', {}, h('dt', {}, t('staff_desk.desk.oldNumber')), h('dd', {}, h('span', { id: 'desk-old-number', dir: 'ltr' }, oldN))),
        ),
        h('p', {}, t('staff_desk.desk.oldStops')),
        h(
          'div',
          { class: 'actions' },
          h(
            'button',
            { type: 'button', id: 'desk-print-new', onClick: () => ctx.navigate('print', { card: r.newNumber }) },
            t('staff_desk.desk.printNew'),
          ),
        ),
      );
    }
    return h('div', { class: 'notice ok', id: 'desk-result', role: 'status', tabindex: '-1' }, parts);
  }

  function confirmButtons(kind, label, danger) {
    return h(
      'div',
      { class: 'actions' },
      h('button', { type: 'submit', class: danger ? 'danger' : null, disabled: state.busy }, label),
      h(
        'button',
        {
          type: 'button',
          class: 'secondary',
          onClick: () => {
            state.action = null;
            state.error = null;
            focusAfter = `desk-open-${kind}`;
            draw();
          },
        },
        t('staff_desk.common.cancel'),
      ),
    );
  }

  function actionForm(kind) {
    const submit = (e) => {
      e.preventDefault();
      act(kind);
    };
    if (kind === 'renew') {
      return h(
        'form',
        { class: 'desk-action', id: 'desk-form', novalidate: true, onSubmit: submit, 'aria-labelledby': 'desk-form-title' },
        h('h3', { id: 'desk-form-title', tabindex: '-1' }, t('staff_desk.desk.renewTitle')),
        h('p', {}, t('staff_desk.desk.renewExplain')),
        confirmButtons('renew', t('staff_desk.desk.renewConfirm'), false),
      );
    }
    if (kind === 'replace') {
      return h(
        'form',
        { class: 'desk-action', id: 'desk-form', novalidate: true, onSubmit: submit, 'aria-labelledby': 'desk-form-title' },
        h('h3', { id: 'desk-form-title', tabindex: '-1' }, t('staff_desk.desk.replaceTitle')),
        h('p', {}, t('staff_desk.desk.replaceExplain')),
        h(
          'fieldset',
          {},
          h('legend', {}, t('staff_desk.desk.replaceWhy')),
          REPLACE_REASONS.map((r) =>
            h(
              'div',
              { class: 'choice' },
              h('input', {
                type: 'radio',
                name: 'replace-reason',
                id: `desk-reason-${r}`,
                value: r,
                checked: state.replaceReason === r,
                onChange: () => {
                  state.replaceReason = r;
                },
              }),
              h('label', { for: `desk-reason-${r}` }, t(`staff_desk.desk.reasons.${r}`)),
            ),
          ),
        ),
        confirmButtons('replace', t('staff_desk.desk.replaceConfirm'), false),
      );
    }
    return h(
      'form',
      { class: 'desk-action', id: 'desk-form', novalidate: true, onSubmit: submit, 'aria-labelledby': 'desk-form-title' },
      h('h3', { id: 'desk-form-title', tabindex: '-1' }, t('staff_desk.desk.revokeTitle')),
      h('p', {}, t('staff_desk.desk.revokeExplain')),
      h(
        'div',
        { class: 'field' },
        h('label', { for: 'desk-revoke-reason' }, t('staff_desk.desk.revokeWhy')),
        h('p', { class: 'hint', id: 'desk-revoke-hint' }, t('staff_desk.desk.revokeHint')),
        h(
          'textarea',
          {
            id: 'desk-revoke-reason',
            rows: '3',
            maxlength: String(MAX_REASON),
            'aria-describedby': 'desk-revoke-hint',
            onInput: (e) => {
              state.revokeReason = e.target.value;
            },
          },
          state.revokeReason,
        ),
      ),
      confirmButtons('revoke', t('staff_desk.desk.revokeConfirm'), true),
    );
  }

  function actions(card) {
    if (card.state !== 'active') {
      return h('p', { class: 'notice warn', id: 'desk-inactive' }, t('staff_desk.desk.inactive', { state: t(`staff_desk.states.${card.state}`) }));
    }
    if (state.action) return actionForm(state.action);
    const open = (kind) => () => {
      state.action = kind;
      state.error = null;
      state.result = null;
      focusAfter = 'desk-form-title';
      draw();
    };
    return h(
      'div',
      { class: 'actions desk-actions' },
      h('button', { type: 'button', id: 'desk-open-renew', class: 'secondary', onClick: open('renew') }, t('staff_desk.desk.renew')),
      h('button', { type: 'button', id: 'desk-open-replace', class: 'secondary', onClick: open('replace') }, t('staff_desk.desk.replace')),
      REVOKERS.has(role)
        ? h('button', { type: 'button', id: 'desk-open-revoke', class: 'danger', onClick: open('revoke') }, t('staff_desk.desk.revoke'))
        : null,
    );
  }

  function cardView() {
    const card = state.card;
    if (!card) return null;
    return h(
      'section',
      { class: 'desk-card', 'aria-labelledby': 'desk-card-heading' },
      h(
        'h2',
        { id: 'desk-card-heading', tabindex: '-1' },
        t('staff_desk.desk.cardHeading'),
        ' ',
        h('span', { dir: 'ltr', class: 'card-number' }, formatCardNumber(card.number)),
      ),
      cardFacts(card),
      actions(card),
    );
  }

  function draw() {
    if (!alive) return;
    ctx.setTitle(t('staff.nav.desk'));
    replace(
      root,
      h('h1', { id: 'section-heading', tabindex: '-1' }, t('staff.nav.desk')),
      h('p', { class: 'lead' }, t('staff_desk.desk.intro')),
      errorSummary(),
      resultNotice(),
      lookupForm(),
      cardView(),
    );
    const f = focusAfter;
    focusAfter = null;
    if (f === 'error') document.getElementById('desk-error')?.focus();
    else if (f === 'card') document.getElementById('desk-card-heading')?.focus();
    else if (f === 'result') document.getElementById('desk-result')?.focus();
    else if (f) document.getElementById(f)?.focus();
  }

  ctx.onLanguageChange(() => draw());
  draw();

  return () => {
    alive = false;
    state.card = null;
    state.result = null;
    state.typed = '';
    state.revokeReason = '';
  };
}
