// The Decisions section's words: flag kinds, states and failed answers as plain sentences in the
// reader's language (translated by code, never from the server's English), and the reasons the
// page writes into the access log.
import { problemSlug } from '../common/api.js';
import { has, t } from '../common/i18n.js';

/** The states a supervisor can still decide (core::Approve, core::Reject). */
export const DECIDABLE = ['in_review', 'documents_checked', 'flagged'];

/** Why a record is opened (the access log's words: stable English, like the print station's). */
export const READ_CATEGORIES = ['duplicate', 'documents', 'eligibility', 'other'];
const READ_LOGGED = {
  duplicate: 'possible duplicate',
  documents: 'documents',
  eligibility: 'eligibility',
  other: 'other',
};

/** The reject categories core::Reject accepts (the transparency report counts them). */
export const REJECT_CATEGORIES = ['documents', 'duplicate', 'eligibility', 'other'];

// The access log keeps the reason as text, at most 500 bytes (http ReasonField); the applicant
// reads it in their access history. The words typed are the supervisor's; the prefix says what
// the read was for, in the same words for every reader of the log.
const MAX_REASON_BYTES = 500;

/**
 * The logged reason for reading a record: "decision review: possible duplicate: <words>" for
 * the application opened, "decision review, matched record: ..." for the one it matched.
 */
export function readReason(category, words, matched) {
  const head = matched ? 'decision review, matched record' : 'decision review';
  const text = `${head}: ${READ_LOGGED[category]}`;
  return words ? `${text}: ${words}` : text;
}

export function fitsReason(text) {
  return new TextEncoder().encode(text).length <= MAX_REASON_BYTES;
}

/** The plain sentence for a duplicate flag's kind. */
export function flagWords(kind) {
  return has(`staff_decide.flag.${kind}`) ? t(`staff_decide.flag.${kind}`) : t('staff_decide.flag.other');
}

/** The distinct kinds of an application's flags, in a stable order. */
export function flagKinds(app) {
  const flags = Array.isArray(app.flags) ? app.flags : [];
  const order = ['document', 'name_exact', 'name_phonetic', 'name_joined'];
  const kinds = [...new Set(flags.map((f) => f.kind))];
  return kinds.sort((a, b) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99));
}

/** The other applications a flagged one matched, each with the kinds that matched it. */
export function matchedApplications(app) {
  const byId = new Map();
  for (const f of Array.isArray(app.flags) ? app.flags : []) {
    for (const id of f.other_applications || []) {
      if (!byId.has(id)) byId.set(id, []);
      byId.get(id).push(f.kind);
    }
  }
  return [...byId].map(([id, kinds]) => ({ id, kinds }));
}

export function stateWords(state) {
  return has(`staff_decide.state.${state}`) ? t(`staff_decide.state.${state}`) : state;
}

/**
 * One sentence for a failed answer. `action` is what was tried: 'load', 'read', 'approve',
 * 'reject' or 'issue' (a refused reason and a 403 mean different things for each).
 */
export function failureSentence(answer, action) {
  if (answer.network) return t('staff_decide.errors.offline');
  const slug = problemSlug(answer);
  const withReason = action === 'read' || action === 'approve' || action === 'reject';
  switch (slug) {
    case 'invalid-transition':
      return t('staff_decide.errors.decided');
    case 'application-not-found':
      return t('staff_decide.errors.notFound');
    case 'person-not-found':
      return t('staff_decide.errors.personGone');
    case 'failed-precondition':
      return action === 'approve' ? t('staff_decide.errors.reasonFlagged') : t('staff_decide.errors.decided');
    case 'missing-field':
      return action === 'reject' ? t('staff_decide.errors.reasonReject') : t('staff_decide.errors.reasonRefused');
    case 'permission-denied':
      return action === 'approve' ? t('staff_decide.errors.sameClerk') : t('staff_decide.errors.forbidden');
    case 'role-not-allowed':
    case 'site-not-allowed':
      return t('staff_decide.errors.forbidden');
    case 'keys-sealed':
    case 'keys-missing':
    case 'decrypt-failed':
      return t('staff_decide.errors.sealed');
    case 'store-busy':
    case 'http-503':
      return t('staff_decide.errors.busy');
    case 'invalid-argument':
    case 'invalid-name':
    case 'invalid-utf8':
    case 'field-too-long':
      if (withReason) return t('staff_decide.errors.reasonRefused');
      break;
    default:
      break;
  }
  return action === 'load' ? t('staff_decide.errors.load') : t('staff_decide.errors.server');
}
