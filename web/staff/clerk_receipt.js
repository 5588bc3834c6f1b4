// The applicant's enrollment receipt, in THEIR language (not the clerk's): the application's
// reference, what happens next, and how to see who accessed their record (the access code from
// the enrollment answer and the portal's address). Printed with the page's print styles (only
// the receipt prints). The access code is shown here once and never kept after the section is
// left.
import { h } from '../common/dom.js';
import { SHIPPED } from '../common/i18n.js';

const RTL = new Set(['ar']);
const LOCALES = { en: 'en', es: 'es', zh: 'zh-Hans', ar: 'ar' };
const cache = new Map();

async function messagesFor(code) {
  const use = SHIPPED.includes(code) ? code : 'en';
  if (!cache.has(use)) {
    const res = await fetch(`/messages/${use}.json`);
    cache.set(use, res.ok ? await res.json() : null);
  }
  return { code: use, messages: cache.get(use) };
}

function lookup(messages, key) {
  let v = messages;
  for (const part of key.split('.')) {
    if (v == null || typeof v !== 'object') return undefined;
    v = v[part];
  }
  return v;
}

/** A translator for one language, like i18n.js's t(). */
function translator(code, messages) {
  return (key, params = {}) => {
    let m = lookup(messages, key);
    if (m && typeof m === 'object') {
      const form = typeof params.count === 'number' ? new Intl.PluralRules(LOCALES[code] || code).select(params.count) : 'other';
      m = m[form] ?? m.other;
    }
    if (typeof m !== 'string') return key;
    return m.replace(/\{(\w+)\}/g, (all, name) => (name in params ? String(params[name]) : all));
  };
}

/**
 * The receipt element. `answer` is the enrollment answer ({ id, state, access_code, ... }),
 * `names` the legal name as typed, `language` the applicant's, `city` the city's name and
 * `origin` the portal's (https://id.example.city).
 */
export async function receiptView({ answer, names, language, city, origin }) {
  let { code, messages } = await messagesFor(language);
  if (!messages) ({ code, messages } = await messagesFor('en'));
  const tr = translator(code, messages || {});
  const date = new Intl.DateTimeFormat(LOCALES[code] || code, { dateStyle: 'long' }).format(new Date());
  const fullName = [names.given, names.family].filter(Boolean).join(' ');
  const historyUrl = `${origin}/#history`;
  const flagged = answer.flagged_for_review || answer.state === 'flagged';
  return h(
    'section',
    { class: 'receipt', id: 'enroll-receipt', lang: code === 'zh' ? 'zh-Hans' : code, dir: RTL.has(code) ? 'rtl' : 'ltr', 'aria-labelledby': 'receipt-title' },
    h('p', { class: 'receipt-city' }, city),
    h('h3', { id: 'receipt-title', class: 'receipt-title' }, tr('staff_clerk.receipt.title')),
    h(
      'dl',
      { class: 'receipt-facts' },
      h('div', {}, h('dt', {}, tr('staff_clerk.receipt.name')), h('dd', {}, h('bdi', {}, fullName))),
      h('div', {}, h('dt', {}, tr('staff_clerk.receipt.date')), h('dd', {}, date)),
      h('div', {}, h('dt', {}, tr('staff_clerk.receipt.reference')), h('dd', { class: 'receipt-ref', dir: 'ltr' }, answer.id)),
    ),
    h('h4', {}, tr('staff_clerk.receipt.nextHeading')),
    h('p', {}, flagged ? tr('staff_clerk.receipt.nextReview') : tr('staff_clerk.receipt.next')),
    answer.access_code
      ? [
          h('h4', {}, tr('staff_clerk.receipt.historyHeading')),
          h('p', {}, tr('staff_clerk.receipt.history')),
          h('p', { class: 'receipt-code-line' }, tr('staff_clerk.receipt.code'), ' ', h('strong', { class: 'receipt-code', dir: 'ltr' }, answer.access_code)),
          h('p', { class: 'receipt-url-line' }, tr('staff_clerk.receipt.where'), ' ', h('strong', { class: 'receipt-url', dir: 'ltr' }, historyUrl)),
          h('p', { class: 'receipt-keep' }, tr('staff_clerk.receipt.keep')),
        ]
      : null,
  );
}
