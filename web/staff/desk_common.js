// What the print station and the card desk share (issue 17): one plain sentence for a failed
// answer, card-number formatting, and the link to a downloaded PDF.
import { problemSlug } from '../common/api.js';
import { h } from '../common/dom.js';
import { t } from '../common/i18n.js';

// Problem types (src/base/errors.h) with a sentence of their own in staff_desk.errors.
const KNOWN = new Set([
  'invalid-card-number',
  'card-not-found',
  'invalid-transition',
  'role-not-allowed',
  'permission-denied',
  'missing-field',
  'field-too-long',
  'invalid-argument',
  'person-not-found',
]);

/** One sentence in the reader's language, with the next step, for a failed API answer. */
export function cardErrorText(answer) {
  if (answer.network) return t('staff_desk.errors.offline');
  const slug = problemSlug(answer);
  if (KNOWN.has(slug)) return t(`staff_desk.errors.${slug}`);
  if (answer.status === 429) return t('staff_desk.errors.busy');
  return t('staff_desk.errors.server');
}

/** The 12 digits of a typed card number (spaces and dashes dropped), or null. */
export function cardDigits(text) {
  const digits = String(text || '').replace(/[\s-]/g, '');
  return /^[0-9]{12}$/.test(digits) ? digits : null;
}

/** "1234 5678 9012" for 12 digits. */
export function formatCardNumber(digits) {
  return String(digits).replace(/^(\d{4})(\d{4})(\d{4})$/, '$1 $2 $3');
}

/** A link that saves the PDF held at `url` (a blob: URL) under `name`. */
export function pdfLink(url, name, label) {
  return h('a', { href: url, download: name, class: 'pdf-link' }, label);
}

/**
 * `text` (a card number) as a left-to-right island inside a sentence, so that in Arabic its
 * digit groups keep their order (Unicode isolates: LRI ... PDI).
 */
export function ltr(text) {
  return `\u2066${text}\u2069`;
}
