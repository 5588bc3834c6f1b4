// The in-browser Claim 169 verifier (docs/card-format.md §8 and §10.5): no DOM, no network, no
// storage. The page hands it the text a QR code holds, the key set and status lists it loaded
// beforehand, and the clock; it answers with a verdict, the failing check and what the card or
// presentation discloses.
import { verifyCard } from './card.js';
import { PRESENTATION_PREFIX, verifyPresentation } from './presentation.js';
import { CheckError } from './keys.js';

export { parseKeySet, verifyStatusList, CheckError, bitIsSet } from './keys.js';
export { decodeBase45, encodeBase45 } from './base45.js';
export { PRESENTATION_PREFIX };

/**
 * verifyPayload(text, {keySet, statusLists, now}) →
 *   {verdict: 'valid'|'revoked'|'expired'|'invalid', kind: 'card'|'presentation', check?,
 *    detail?, claims?, revocation?: 'checked'|'stale'|'not-checked', keyId?, expiresAt?, ...}
 * `text` is the QR text (spaces and line ends around it are trimmed, as `cityid verify` does). `keySet` is
 * parseKeySet's answer; `statusLists` verifyStatusList's answers; `now` Unix seconds.
 * `claims` (valid, expired, revoked only): for a card every field it carries (names, date of
 * birth, photo bytes and type, card number, issuer, times); for a presentation only what it
 * discloses. `check` (invalid only) names the failed check as `cityid verify` does.
 */
export function verifyPayload(text, { keySet, statusLists = [], now } = {}) {
  // As `cityid verify` reads its input (cmd_verify.cc Trim): spaces and line ends at either end.
  const payload = typeof text === 'string' ? text.replace(/^[ \r\n]+|[ \r\n]+$/g, '') : '';
  const kind = payload.startsWith(PRESENTATION_PREFIX) ? 'presentation' : 'card';
  if (!keySet) return { verdict: 'invalid', kind, check: 'no-keys', detail: 'no key set loaded' };
  if (!Number.isFinite(now)) now = Math.floor(Date.now() / 1000);
  if (payload.length === 0) return { verdict: 'invalid', kind, check: 'bad-payload', detail: 'the payload is empty' };
  try {
    const r = kind === 'presentation'
      ? verifyPresentation(payload, keySet, now, statusLists)
      : verifyCard(payload, keySet, now, statusLists);
    const { list, ...rest } = r;
    return { kind, ...rest, ...(list ? { statusListValidUntil: list.validUntil } : {}) };
  } catch (e) {
    if (e instanceof CheckError) return { verdict: 'invalid', kind, check: e.check, detail: e.message };
    // Anything else is a bug in this module, never a card's doing: still an answer, not a throw.
    return { verdict: 'invalid', kind, check: 'internal', detail: String(e && e.message) };
  }
}
