// Shared by the records section's parts (records.js, records_destroy.js, records_register.js):
// plain sentences for failed answers, the error summary and the small builders every part uses.
import { problemSlug } from '../common/api.js';
import { h, newId, replace } from '../common/dom.js';
import { formatDateTime, formatNumber, t } from '../common/i18n.js';

const SLUG_KEYS = {
  'two-person-rule': 'twoPersonRule',
  'destruction-window-expired': 'windowExpired',
  'destruction-request-not-found': 'requestNotFound',
  'keys-missing': 'keysDestroyed',
  'person-not-found': 'personNotFound',
  'card-not-found': 'cardNotFound',
  'application-not-found': 'personNotFound',
  'already-exists': 'alreadyHeld',
  'not-found': 'notFound',
  'role-not-allowed': 'roleNotAllowed',
  'invalid-date': 'invalidDate',
  'missing-field': 'missingField',
  'field-too-long': 'tooLong',
  'invalid-argument': 'invalid',
  'failed-precondition': 'precondition',
  'store-busy': 'busy',
};

/** One plain sentence, in the reader's language, for a failed API answer. */
export function sentenceFor(answer, overrides = {}) {
  if (answer.network) return t('staff_records.errors.offline');
  const slug = problemSlug(answer);
  if (overrides[slug]) return t(overrides[slug]);
  const key = SLUG_KEYS[slug];
  if (key) return t(`staff_records.errors.${key}`);
  if (answer.status >= 500) return t('staff_records.errors.server');
  return t('staff_records.errors.generic');
}

/**
 * An error summary slot: show(text) puts one focused role=alert sentence in it; hide() empties
 * it. The slot stays in the DOM (empty) so it keeps its place.
 */
export function errorSlot() {
  const id = newId('rec-error');
  const el = h('div', { id, class: 'rec-error-slot' });
  return {
    el,
    show(text) {
      replace(
        el,
        h(
          'div',
          { class: 'error-summary', role: 'alert', tabindex: '-1', id: `${id}-summary` },
          h('h3', { class: 'rec-error-title' }, t('staff_records.errors.summary')),
          h('p', {}, text),
        ),
      );
      el.firstChild.focus();
    },
    hide() {
      replace(el);
    },
  };
}

/** A status line (role=status) that is focused when shown, for results. */
export function resultSlot() {
  const el = h('div', { class: 'rec-result', role: 'status' });
  return {
    el,
    show(...children) {
      replace(el, h('div', { class: 'notice ok', tabindex: '-1' }, ...children));
      el.firstChild.focus();
    },
    warn(...children) {
      replace(el, h('div', { class: 'notice warn', tabindex: '-1' }, ...children));
      el.firstChild.focus();
    },
    hide() {
      replace(el);
    },
  };
}

/** A labelled field: { wrap, input }. `kind` is 'input' | 'textarea' | 'select'. */
export function field({ label, hint, kind = 'input', attrs = {}, options = [] }) {
  const id = newId('rec-field');
  const hintId = hint ? `${id}-hint` : null;
  let input;
  if (kind === 'select') {
    input = h('select', { id, 'aria-describedby': hintId, ...attrs }, options.map(([v, text]) => h('option', { value: v }, text)));
  } else if (kind === 'textarea') {
    input = h('textarea', { id, rows: 3, 'aria-describedby': hintId, ...attrs });
  } else {
    input = h('input', { id, type: 'text', 'aria-describedby': hintId, ...attrs });
  }
  const wrap = h('div', { class: 'field' }, h('label', { for: id }, label), hint ? h('p', { class: 'hint', id: hintId }, hint) : null, input);
  return { wrap, input };
}

/** A date-time from Unix seconds, in the reader's locale. */
export function when(seconds) {
  return formatDateTime(new Date(seconds * 1000));
}

export function num(n) {
  return formatNumber(n);
}

/** A definition list of [term, value] pairs. */
export function facts(pairs, attrs = {}) {
  return h('dl', { class: 'rec-facts', ...attrs }, pairs.map(([term, value, valueAttrs]) => [h('dt', {}, term), h('dd', valueAttrs || {}, value)]));
}
