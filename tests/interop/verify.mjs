#!/usr/bin/env node
// An independent verifier of cityid card payloads, written from docs/card-format.md (§1-§9),
// MOSIP Claim 169 v1.2.0 and RFC 8392/9052/9053/9285 only: it shares no code with cityid.
//
//   node verify.mjs --keys KEYS.json [--status LIST.json ...] [--now UNIX_SECONDS]
//                   (--file QR.txt | PAYLOAD | -)
//
// Prints one JSON object {verdict, reason, failed_check?, claims?} and exits 0 only for a valid
// card (10 invalid, 11 revoked, 12 expired, as `cityid verify`; 2 for a usage error).
// Beyond what a verifier needs, it also holds cityid to what the document says cityid emits
// (preferred serialization, ascending map keys, the 13-byte protected header), so that an
// encoder drifting from the document fails this check.
import { Base45Error, decodeBase45 } from './lib/base45.mjs';
import { runVerifierCli } from './lib/cli.mjs';
import {
  assertAscending, bitIsSet, C169, CheckError, CLOCK_SKEW_SECONDS, CWT, decodeStrict,
  inflateZlibCapped, MAX_COSE_BYTES, MAX_QR_CHARS, openSign1, utf8,
} from './lib/format.mjs';

const fail = (check, message) => { throw new CheckError(check, message); };

const isUint = (v) => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) || (typeof v === 'bigint' && v >= 0n);
const isInt = (v) => (typeof v === 'number' && Number.isSafeInteger(v)) || typeof v === 'bigint';
const printable = (s, min, max) => typeof s === 'string' && s.length >= min && s.length <= max && /^[\x21-\x7e]*$/.test(s);
const isBytes = (v) => v instanceof Uint8Array;
const isText = (v) => typeof v === 'string';

function realDate(yyyymmdd) {
  if (!/^\d{8}$/.test(yyyymmdd)) return false;
  const y = +yyyymmdd.slice(0, 4), m = +yyyymmdd.slice(4, 6), d = +yyyymmdd.slice(6, 8);
  const t = new Date(Date.UTC(y, m - 1, d));
  return y >= 1 && t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
}
function nameOk(s) {
  return isText(s) && s.length > 0 && utf8.encode(s).length <= 256 && !/\p{Cc}/u.test(s);
}
const iso = (t) => new Date(Number(t) * 1000).toISOString().replace('.000Z', 'Z');

// §1-§3, §8 steps 1-5: text -> verified COSE payload bytes.
function openEnvelope(text, keySet) {
  if (text.length > MAX_QR_CHARS) fail('payload-too-large', `QR text longer than ${MAX_QR_CHARS} characters`);
  if (text.length === 0) fail('bad-base45', 'empty payload');
  let compressed;
  try {
    compressed = decodeBase45(text);
  } catch (e) {
    if (e instanceof Base45Error) fail('bad-base45', `Base45: ${e.message}`);
    throw e;
  }
  const cose = inflateZlibCapped(compressed, MAX_COSE_BYTES);
  return openSign1(cose, keySet);
}

// §4-§7, §8 step 6: verified payload bytes -> claims.
function readClaims(payload, keySet, key) {
  const { value: cwt } = decodeStrict(payload, { maxDepth: 4, maxItems: 1024, what: 'CWT claims' });
  if (!(cwt instanceof Map)) fail('bad-claims', 'CWT claims must be a map');
  for (const k of cwt.keys()) if (!isInt(k)) fail('bad-claims', 'CWT claim keys must be integers');
  assertAscending(cwt, 'CWT claims');
  const iss = cwt.get(CWT.iss), exp = cwt.get(CWT.exp), iat = cwt.get(CWT.iat), nbf = cwt.get(CWT.nbf);
  if (!nameOk(iss)) fail('bad-claims', 'iss (1) must be 1-256 bytes of UTF-8 text without control characters');
  if (!isUint(exp)) fail('bad-claims', 'exp (4) must be an unsigned integer');
  if (!isUint(iat)) fail('bad-claims', 'iat (6) must be an unsigned integer');
  if (nbf !== undefined && !isUint(nbf)) fail('bad-claims', 'nbf (5) must be an unsigned integer');
  if (keySet.issuer && iss !== keySet.issuer) fail('bad-claims', 'iss differs from the key set issuer');
  if (key.status === 'retired' && key.notAfter !== undefined && Number(exp) > key.notAfter) {
    fail('unknown-key', 'card expires after its retired key\'s not_after');
  }

  const id = cwt.get(CWT.identity);
  if (!(id instanceof Map)) fail('bad-claims', 'claim 169 must be a map');
  for (const k of id.keys()) if (!isInt(k)) fail('bad-claims', 'claim 169 keys must be integers');
  assertAscending(id, 'claim 169');
  const get = (k) => id.get(k);
  const claims = {};

  if (!printable(get(C169.id), 1, 64)) fail('bad-claims', 'ID (1) must be 1-64 printable ASCII characters');
  claims.card_number = get(C169.id);
  if (!nameOk(get(C169.fullName))) fail('bad-claims', 'Full Name (4) missing or not a valid name');
  claims.full_name = get(C169.fullName);
  for (const [k, name] of [[C169.firstName, 'given_name'], [C169.lastName, 'family_name']]) {
    if (!id.has(k)) continue;
    if (!nameOk(get(k))) fail('bad-claims', `key ${k} must be a non-empty name`);
    claims[name] = get(k);
  }
  const dob = get(C169.dob);
  if (!isText(dob) || !realDate(dob)) fail('bad-claims', 'Date of Birth (8) must be a real YYYYMMDD date');
  claims.date_of_birth = `${dob.slice(0, 4)}-${dob.slice(4, 6)}-${dob.slice(6, 8)}`;
  if (id.has(C169.gender)) {
    const g = get(C169.gender);
    if (![1, 2, 3].includes(g)) fail('bad-claims', 'Gender (9) must be 1, 2 or 3');
    claims.gender = { 1: 'M', 2: 'F', 3: 'X' }[g];
  }
  if (id.has(C169.image) !== id.has(C169.imageFormat)) fail('bad-claims', 'Binary Image (16) and its format (17) go together');
  if (id.has(C169.image)) {
    const image = get(C169.image);
    if (!isBytes(image) || image.length === 0 || image.length > 2048) fail('bad-claims', 'Binary Image (16) must be 1-2048 bytes');
    if (![1, 2, 3, 4].includes(get(C169.imageFormat))) fail('bad-claims', 'Binary Image Format (17) must be 1-4');
    claims.photo_bytes = get(C169.image).length;
    claims.photo_format = get(C169.imageFormat);
  }
  if (id.has(C169.secondaryFullName) !== id.has(C169.secondaryLanguage)) fail('bad-claims', 'keys 19 and 20 go together');
  if (id.has(C169.secondaryFullName)) {
    if (!nameOk(get(C169.secondaryFullName))) fail('bad-claims', 'Secondary Full Name (19) is not a valid name');
    if (!isText(get(C169.secondaryLanguage)) || !/^[a-z]{3}$/.test(get(C169.secondaryLanguage))) fail('bad-claims', 'Secondary Language (20) must be an ISO 639-3 code');
    claims.full_name_native = get(C169.secondaryFullName);
    claims.native_language = get(C169.secondaryLanguage);
  }

  const ref = get(C169.statusRef);
  if (!Array.isArray(ref) || ref.length !== 2 || !printable(ref[0], 1, 32) || !isUint(ref[1]) || BigInt(ref[1]) >= 2n ** 32n) {
    fail('bad-claims', 'status reference (98) must be [list id, index < 2^32]');
  }
  claims.status_list = { id: ref[0], index: Number(ref[1]) };

  const digests = get(C169.digests);
  if (!(digests instanceof Map)) fail('bad-claims', 'attribute digests (99) must be a map');
  for (const [k, d] of digests) {
    if (!isInt(k)) fail('bad-claims', 'digest keys must be integers');
    if (!isBytes(d) || d.length !== 16) fail('bad-claims', `digest for key ${k} must be 16 bytes`);
  }
  const attributes = [...id.keys()].filter((k) => k !== C169.statusRef && k !== C169.digests).map(Number);
  const covered = [...digests.keys()].map(Number);
  const missing = attributes.filter((k) => !covered.includes(k));
  const extra = covered.filter((k) => !attributes.includes(k));
  if (missing.length || extra.length) {
    fail('bad-claims', `digest keys must be exactly the attribute keys (missing [${missing}], extra [${extra}])`);
  }
  claims.digest_keys = covered;
  const known = new Set(Object.values(C169));
  claims.unknown_keys = attributes.filter((k) => !known.has(k));

  claims.issuer = iss;
  claims.iat = Number(iat);
  claims.exp = Number(exp);
  claims.issued_at = iso(iat);
  claims.expires_at = iso(exp);
  if (nbf !== undefined) { claims.nbf = Number(nbf); claims.not_before = iso(nbf); }
  return claims;
}

/** The whole of §8. Returns {verdict, reason, failed_check?, claims?}. */
export function verifyCard(text, keySet, now, lists) {
  let claims;
  try {
    const { payload, kidText, key } = openEnvelope(text, keySet);
    claims = readClaims(payload, keySet, key);
    claims.key_id = kidText;
    if (claims.iat > now + CLOCK_SKEW_SECONDS) fail('bad-claims', 'iat is in the future');
    if (claims.nbf !== undefined && claims.nbf > now + CLOCK_SKEW_SECONDS) fail('bad-claims', 'nbf is in the future');
    if (claims.exp <= now) return { verdict: 'expired', reason: 'exp has passed', claims };
    if (lists.length) {
      const list = lists.find((l) => l.id === claims.status_list.id);
      if (!list) fail('bad-status-list', 'no status list with the card\'s list id was given');
      if (claims.status_list.index >= list.size) fail('bad-status-list', 'status index outside the list');
      if (bitIsSet(list.bits, claims.status_list.index)) {
        return { verdict: 'revoked', reason: `bit ${claims.status_list.index} of status list ${list.id} is set`, claims };
      }
      claims.revocation = `checked against status list ${list.id}`;
    } else {
      claims.revocation = 'not checked (no status list given)';
    }
    return { verdict: 'valid', reason: 'all checks passed', claims };
  } catch (e) {
    if (!(e instanceof CheckError)) throw e;
    return { verdict: 'invalid', failed_check: e.check, reason: `${e.check}: ${e.message}` };
  }
}

runVerifierCli('verify.mjs', process.argv.slice(2), verifyCard);
