// Checks shared by cards and presentations, following src/credential/card.cc and
// src/base/names.cc: text fields, dates, the times and the status-list bit.
import { utf8 } from './bytes.js';
import { CLOCK_SKEW_SECONDS, bitIsSet, fail } from './keys.js';

export const bad = (message) => fail('bad-claims', message);

export const MAX_NAME_BYTES = 255;
export const MAX_ISSUER_BYTES = 256;
export const MAX_CARD_NUMBER_BYTES = 64;
export const MAX_STATUS_LIST_ID_BYTES = 32;
export const MAX_PHOTO_BYTES = 2048;

/** names::CheckText: at most `maxBytes` of UTF-8, no control characters, no bidirectional
 *  embeddings, overrides or isolates. Empty is allowed only when not required. */
export function textOk(s, maxBytes, required) {
  if (typeof s !== 'string') return false;
  if (s.length === 0) return !required;
  if (utf8.encode(s).length > maxBytes) return false;
  for (const ch of s) {
    const c = ch.codePointAt(0);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return false;
    if ((c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069)) return false;
  }
  return true;
}

/** 1..max printable ASCII characters without spaces (IsAsciiToken). */
export const asciiToken = (s, max) => typeof s === 'string' && s.length >= 1 && s.length <= max && /^[\x21-\x7e]+$/.test(s);

function daysInMonth(y, m) {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(m) ? 30 : 31;
}
/** Date::ParseCompact: YYYYMMDD, a real day, years 1000-9999. Returns 'YYYY-MM-DD' or null. */
export function compactDate(s) {
  if (typeof s !== 'string' || !/^[0-9]{8}$/.test(s)) return null;
  const y = +s.slice(0, 4), m = +s.slice(4, 6), d = +s.slice(6, 8);
  if (y < 1000 || m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) return null;
  return `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}`;
}

/** Unix seconds → RFC 3339 UTC, as `cityid verify` prints them. */
export function isoTime(t) {
  const n = Number(t);
  const d = new Date(n * 1000);
  return Number.isFinite(d.getTime()) ? d.toISOString().replace('.000Z', 'Z') : String(t);
}

export const GENDER = { 1: 'M', 2: 'F', 3: 'X' };
export const PHOTO_MIME = { 1: 'image/jpeg', 2: 'image/jp2', 3: 'image/avif', 4: 'image/webp' };

/** CheckSigner: iss against the key set, a retired key's not_after against exp. */
export function checkSigner(meta, key, keySet) {
  if (keySet.issuer && meta.iss !== keySet.issuer) bad('iss does not match the trusted key set\'s issuer');
  if (key.notAfter !== undefined && meta.exp > key.notAfter) {
    fail('unknown-key', 'signing key is retired and signed nothing expiring this late');
  }
}

/**
 * CheckValidity (§8 steps 7-8): nbf and iat at most now + 300 s, exp after now, then the status
 * list. `lists` are lists from verifyStatusList. Returns {verdict, revocation, detail?};
 * throws CheckError for an invalid outcome.
 */
export function checkValidity(meta, now, statusRef, lists) {
  if (meta.nbf !== undefined && meta.nbf > now + CLOCK_SKEW_SECONDS) bad('nbf is in the future');
  if (meta.iat > now + CLOCK_SKEW_SECONDS) bad('iat is in the future');
  if (meta.exp <= now) return { verdict: 'expired', revocation: 'not-checked', detail: 'exp has passed' };
  if (!lists || lists.length === 0) return { verdict: 'valid', revocation: 'not-checked' };
  const list = lists.find((l) => l.id === statusRef.id);
  if (!list) fail('bad-status-list', `the credential uses status list ${statusRef.id}, which was not given; revocation cannot be checked`);
  if (statusRef.index >= list.size) bad('status index is outside the status list');
  const revocation = list.stale ? 'stale' : 'checked';
  if (bitIsSet(list.bits, statusRef.index)) return { verdict: 'revoked', revocation, detail: 'status list bit set', list };
  return { verdict: 'valid', revocation, list };
}
