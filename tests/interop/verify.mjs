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
import { readFileSync } from 'node:fs';

import { Base45Error, decodeBase45 } from './lib/base45.mjs';
import {
  ALG_EDDSA, assertAscending, b64urlEncode, bitIsSet, C169, CheckError, CLOCK_SKEW_SECONDS,
  COSE_ALG, COSE_CRIT, COSE_KID, CWT, decodeStrict, inflateZlibCapped, MAX_COSE_BYTES,
  MAX_QR_CHARS, parseKeySet, sigStructure, TAG_COSE_SIGN1, TAG_CWT, utf8, verifyEd25519,
  verifyStatusList,
} from './lib/format.mjs';

const EXIT = { valid: 0, invalid: 10, revoked: 11, expired: 12 };
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
  const { value: sign1 } = decodeStrict(cose, {
    maxDepth: 4, maxItems: 256, what: 'COSE_Sign1', topTags: [[TAG_COSE_SIGN1], [TAG_CWT, TAG_COSE_SIGN1]],
  });
  if (!Array.isArray(sign1) || sign1.length !== 4) fail('bad-cose', 'COSE_Sign1 must be an array of 4');
  const [protectedBytes, unprotected, payload, signature] = sign1;
  if (!isBytes(protectedBytes)) fail('bad-cose', 'protected header must be a byte string');
  const { value: prot } = decodeStrict(protectedBytes, { maxDepth: 4, maxItems: 256, what: 'protected header' });
  if (!(prot instanceof Map)) fail('bad-cose', 'protected header must be a map');
  const labels = [...prot.keys()];
  if (prot.size !== 2 || !prot.has(COSE_ALG) || !prot.has(COSE_KID)) {
    fail('bad-cose', `protected header must hold exactly alg and kid (labels: ${labels.join(', ')})`);
  }
  if (prot.get(COSE_ALG) !== ALG_EDDSA) fail('bad-cose', 'alg must be -8 (EdDSA)');
  const kid = prot.get(COSE_KID);
  if (!isBytes(kid) || kid.length !== 8) fail('bad-cose', 'kid must be an 8-byte string');
  // §3: the protected bucket is always A2 01 27 04 48 <kid> (13 bytes) as cityid emits it.
  if (protectedBytes.length !== 13 || labels[0] !== COSE_ALG) fail('bad-cose', 'protected header is not the documented 13-byte {1: -8, 4: kid}');
  if (!(unprotected instanceof Map)) fail('bad-cose', 'unprotected header must be a map');
  for (const l of [COSE_ALG, COSE_CRIT, COSE_KID]) if (unprotected.has(l)) fail('bad-cose', `unprotected header carries label ${l}`);
  if (!isBytes(payload)) fail('bad-cose', 'payload must be an attached byte string');
  if (!isBytes(signature) || signature.length !== 64) fail('bad-cose', 'signature must be 64 bytes');

  const kidText = b64urlEncode(kid);
  const key = keySet.byKid.get(kidText);
  if (!key) fail('unknown-key', 'kid is not in the trusted key set');
  if (!verifyEd25519(signature, sigStructure(protectedBytes, payload), key.x)) fail('bad-signature', 'Ed25519 signature does not verify');
  return { payload, kidText, key };
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

function usage(message) {
  process.stderr.write(`verify.mjs: ${message}\n` +
    'usage: node verify.mjs --keys KEYS.json [--status LIST.json ...] [--now UNIX_SECONDS] (--file QR.txt | PAYLOAD | -)\n');
  process.exit(2);
}

function main(argv) {
  const o = { status: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => (i + 1 < argv.length ? argv[++i] : usage(`${a} needs a value`));
    if (a === '--keys') o.keys = next();
    else if (a === '--status') o.status.push(next());
    else if (a === '--now') o.now = next();
    else if (a === '--file') o.file = next();
    else if (a.startsWith('--')) usage(`unknown option ${a}`);
    else if (o.payload === undefined) o.payload = a;
    else usage('more than one payload given');
  }
  if (!o.keys) usage('--keys is required');
  if ((o.file === undefined) === (o.payload === undefined)) usage('give exactly one of --file FILE, PAYLOAD or -');
  let now = Math.floor(Date.now() / 1000);
  if (o.now !== undefined) {
    if (!/^\d+$/.test(o.now)) usage('--now must be Unix seconds');
    now = Number(o.now);
  }
  let keySet;
  try {
    keySet = parseKeySet(readFileSync(o.keys, 'utf8'));
  } catch (e) {
    usage(`--keys ${o.keys}: ${e.message}`);
  }
  const raw = o.file !== undefined ? readFileSync(o.file, 'utf8') : o.payload === '-' ? readFileSync(0, 'utf8') : o.payload;
  // Only line ends are trimmed: a space is a Base45 character.
  const text = raw.replace(/[\r\n]+$/, '');

  let result;
  const lists = [];
  try {
    for (const path of o.status) lists.push(verifyStatusList(readFileSync(path, 'utf8'), keySet, now));
    result = verifyCard(text, keySet, now, lists);
  } catch (e) {
    if (!(e instanceof CheckError)) throw e;
    result = { verdict: 'invalid', failed_check: e.check, reason: `status list: ${e.check}: ${e.message}` };
  }
  process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  process.exit(EXIT[result.verdict]);
}

main(process.argv.slice(2));
