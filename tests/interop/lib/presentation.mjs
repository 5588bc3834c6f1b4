// cityid presentations (selective disclosure), written from docs/card-format.md §10 (and the §1-§9
// it builds on), RFC 8392/8949/9052/9053/9285 alone: no cityid code. Shared by
// verify_presentation.mjs (the verifier) and selftest.mjs (which also builds presentations with
// buildPresentation, from the document, to check the verifier against §10.6's worked example).
//
//   "CP1:" || Base45( 18([ protected, {-65537: bstr .cbor [+ bstr .cbor [key, salt, value]]},
//                         payload, signature ]) )
//   payload = {1: iss, 4: exp (the card's), 6: iat, -65537: {98: [list id, index], 99: {k => digest}}}
import { Tag, decode as cborDecode } from 'cbor2';

import { Base45Error, decodeBase45, encodeBase45 } from './base45.mjs';
import {
  ALG_EDDSA, b64urlEncode, bitIsSet, C169, CheckError, CLOCK_SKEW_SECONDS, concat, COSE_ALG,
  COSE_KID, CWT, decodeStrict, ed25519, encodeCbor, equalBytes, keyIdFor, MAX_COSE_BYTES,
  MAX_QR_CHARS, openSign1, sha256, sigStructure, TAG_COSE_SIGN1, utf8,
} from './format.mjs';

// §10: prefix, private-use labels, derived claims, limits.
export const PRESENTATION_PREFIX = 'CP1:';
export const CWT_PRESENTATION = -65537;    // §10.3, RFC 8392 §9.1 private use
export const COSE_DISCLOSURES = -65537;    // §10.2, RFC 9052 §11.1 private use
export const MAX_DISCLOSURES = 16;         // §10.2
export const SALT_BYTES = 16, DIGEST_BYTES = 16;
export const AGE = { 95: 18, 96: 21, 97: 65 };  // §10.1: age_over_18/21/65
const ADDRESS = 10;                        // §10.4: Claim 169 Address

/** §10.4: disclosure name of each key a verifier may be shown (photo is 16 and 17). */
export const DISCLOSURE_NAMES = {
  [C169.id]: 'card_number', [C169.fullName]: 'name', [C169.dob]: 'date_of_birth',
  [C169.gender]: 'gender', [ADDRESS]: 'address', [C169.image]: 'photo', [C169.imageFormat]: 'photo_format',
  95: 'age_over_18', 96: 'age_over_21', 97: 'age_over_65',
};

const fail = (check, message) => { throw new CheckError(check, message); };
const bad = (message) => fail('bad-claims', message);

const isUint = (v) => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) || (typeof v === 'bigint' && v >= 0n);
const isInt = (v) => (typeof v === 'number' && Number.isSafeInteger(v)) || typeof v === 'bigint';
const isBytes = (v) => v instanceof Uint8Array;
const printable = (s, min, max) => typeof s === 'string' && s.length >= min && s.length <= max && /^[\x21-\x7e]*$/.test(s);
// §4/§5: 1-256 bytes of UTF-8 without control characters.
const textOk = (s) => typeof s === 'string' && s.length > 0 && utf8.encode(s).length <= 256 && !/\p{Cc}/u.test(s);
function realDate(yyyymmdd) {
  if (typeof yyyymmdd !== 'string' || !/^\d{8}$/.test(yyyymmdd)) return false;
  const y = +yyyymmdd.slice(0, 4), m = +yyyymmdd.slice(4, 6), d = +yyyymmdd.slice(6, 8);
  const t = new Date(Date.UTC(y, m - 1, d));
  return y >= 1 && t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
}
const iso = (t) => new Date(Number(t) * 1000).toISOString().replace('.000Z', 'Z');

/** RFC 8949 §3: preferred head of an unsigned integer of major type `major` (0 uint, 2 bstr...). */
export function cborHead(major, n) {
  const m = major << 5;
  if (n < 24) return Uint8Array.of(m | n);
  if (n < 0x100) return Uint8Array.of(m | 24, n);
  if (n < 0x10000) return Uint8Array.of(m | 25, n >> 8, n & 0xff);
  if (n < 0x100000000) return Uint8Array.of(m | 26, n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
  throw new RangeError('head argument too large');
}

/** §6/§10.2: SHA-256(salt || CBOR(key) || value)[0..16), `value` the bytes as received. */
export const disclosureDigest = (key, salt, valueBytes) => sha256(salt, cborHead(0, key), valueBytes).slice(0, DIGEST_BYTES);

/** §10.2: disclosure = [key, salt, value] with preferred head, key and salt; value bytes as is. */
export const disclosureBytes = (key, salt, valueBytes) => concat(Uint8Array.of(0x83), cborHead(0, key), cborHead(2, salt.length), salt, valueBytes);

// Strict CBOR (§8 step 4) without requiring preferred serialization: a disclosed value "may be
// any well-formed item" (§10.2). Tags come back as Tag objects (format.mjs clears cbor2's tag
// decoders) and are refused by the type checks.
const STRICT_ANY_SERIALIZATION = {
  rejectDuplicateKeys: true, rejectStreaming: true, rejectSimple: true, preferMap: true, maxDepth: 16,
};

// Runs `fn`; a CBOR failure inside the disclosures or the payload is `bad-claims` (§10.5 steps 4, 5).
function asClaims(fn) {
  try {
    return fn();
  } catch (e) {
    if (e instanceof CheckError && e.check === 'bad-cbor') bad(e.message);
    throw e;
  }
}

// RFC 8949 §4.2.1 core deterministic order of map keys: bytewise lexicographic order of their
// encodings (for integers: 0, 1, ..., then -1, -2, ...).
const keyOrder = (a, b) => Buffer.compare(Buffer.from(encodeCbor(a)), Buffer.from(encodeCbor(b)));

// ---- §10.5 steps 1-3: text -> verified COSE_Sign1 ----------------------------------------------

function openEnvelope(text, keySet) {
  if (text.length > MAX_QR_CHARS) fail('payload-too-large', `text longer than ${MAX_QR_CHARS} characters`);
  if (!text.startsWith(PRESENTATION_PREFIX)) fail('bad-payload', `not a presentation (no ${PRESENTATION_PREFIX} prefix)`);
  let cose;
  try {
    cose = decodeBase45(text.slice(PRESENTATION_PREFIX.length));
  } catch (e) {
    if (e instanceof Base45Error) fail('bad-base45', `Base45: ${e.message}`);
    throw e;
  }
  if (cose.length > MAX_COSE_BYTES) fail('payload-too-large', `COSE_Sign1 larger than ${MAX_COSE_BYTES} bytes`);
  // §3 / §8 step 4, no zlib (§10.1). Strict and preferred: the limits are those of a card's COSE.
  return openSign1(cose, keySet);
}

// ---- §10.5 step 4: the signed payload ------------------------------------------------------------

function readPayload(payloadBytes, keySet, key) {
  const { value: cwt } = asClaims(() => decodeStrict(payloadBytes, { maxDepth: 4, maxItems: 1024, what: 'payload' }));
  if (!(cwt instanceof Map)) bad('CWT claims must be a map');
  for (const k of cwt.keys()) if (!isInt(k)) bad('CWT claim keys must be integers');
  // §10.3 "a CBOR map, in this order" (1, 4, 6, -65537): what cityid emits, checked as verify.mjs
  // checks a card's ascending keys. Generalised to RFC 8949 §4.2.1 order, as nbf and other
  // claims may be present.
  const keys = [...cwt.keys()];
  for (let i = 1; i < keys.length; i++) if (keyOrder(keys[i - 1], keys[i]) >= 0) bad('CWT claims not in the documented order');
  const iss = cwt.get(CWT.iss), exp = cwt.get(CWT.exp), iat = cwt.get(CWT.iat), nbf = cwt.get(CWT.nbf);
  if (!textOk(iss)) bad('iss (1) missing or not 1-256 bytes of UTF-8 without control characters');
  if (!isUint(exp)) bad('exp (4) missing or not an unsigned integer');
  if (!isUint(iat)) bad('iat (6) missing or not an unsigned integer');
  if (nbf !== undefined && !isUint(nbf)) bad('nbf (5) must be an unsigned integer');
  if (cwt.has(CWT.identity)) bad('a presentation must not carry claim 169 (that is a card)');
  const p = cwt.get(CWT_PRESENTATION);
  if (!(p instanceof Map)) bad('presentation claim (-65537) missing or not a map');
  const pk = [...p.keys()];
  if (pk.some((k) => k !== C169.statusRef && k !== C169.digests)) bad('presentation claim may hold only 98 and 99');
  if (pk.length === 2 && pk[0] !== C169.statusRef) bad('presentation claim keys not in ascending order');
  const ref = p.get(C169.statusRef);
  if (!Array.isArray(ref) || ref.length !== 2 || !printable(ref[0], 1, 32) || !isUint(ref[1]) || BigInt(ref[1]) >= 2n ** 32n) {
    bad('status reference (98) missing or not [list id (1-32 printable ASCII), index < 2^32]');
  }
  const digests = p.get(C169.digests);
  if (!(digests instanceof Map)) bad('digest map (99) missing or not a map');
  let prev = -1;
  for (const [k, d] of digests) {
    if (!isUint(k) || typeof k === 'bigint') bad('digest map keys must be unsigned integers (disclosure keys are uint)');
    if (!isBytes(d) || d.length !== DIGEST_BYTES) bad(`digest for key ${k} must be 16 bytes`);
    if (k <= prev) bad('digest map keys not in ascending order');  // §10.3 "ascending keys"
    prev = k;
  }
  if (Number(exp) <= Number(iat)) bad('exp must be after iat');
  if (keySet.issuer && iss !== keySet.issuer) bad('iss differs from the key set issuer');
  if (key.status === 'retired' && key.notAfter !== undefined && Number(exp) > key.notAfter) {
    fail('unknown-key', 'the card expires after its retired key\'s not_after');
  }
  return {
    iss, exp: Number(exp), iat: Number(iat), nbf: nbf === undefined ? undefined : Number(nbf),
    statusList: { id: ref[0], index: Number(ref[1]) }, digests,
  };
}

// ---- §10.5 step 5: the (unsigned) disclosures ----------------------------------------------------

// §10.4: the value of each key's type; returns the JSON form reported in `disclosed`.
function interpret(key, valueBytes, value) {
  const what = `disclosed ${DISCLOSURE_NAMES[key] ?? '?'} (key ${key})`;
  if (key in AGE) {
    if (valueBytes.length !== 1 || (valueBytes[0] !== 0xf5 && valueBytes[0] !== 0xf4)) bad(`${what} must be true or false`);
    return valueBytes[0] === 0xf5;
  }
  switch (key) {
    case C169.id:
      if (!printable(value, 1, 64)) bad(`${what} must be 1-64 printable ASCII characters`);
      return value;
    case C169.fullName:
    case ADDRESS:
      if (!textOk(value)) bad(`${what} must be 1-256 bytes of UTF-8 text without control characters`);
      return value;
    case C169.dob:
      if (!realDate(value)) bad(`${what} must be a real YYYYMMDD date`);
      return value;
    case C169.gender:
      if (![1, 2, 3].includes(value)) bad(`${what} must be 1, 2 or 3`);
      return value;
    case C169.image:
      if (!isBytes(value) || value.length === 0 || value.length > 2048) bad(`${what} must be 1-2048 bytes`);
      return b64urlEncode(value);
    case C169.imageFormat:
      if (![1, 2, 3, 4].includes(value)) bad(`${what} must be 1-4`);
      return value;
    default:
      return bad(`disclosure of key ${key}, which §10.4 does not define`);
  }
}

function readDisclosures(unprotected, digests) {
  if (!unprotected.has(COSE_DISCLOSURES)) bad('no disclosures (unprotected header label -65537)');
  const listBytes = unprotected.get(COSE_DISCLOSURES);
  if (!isBytes(listBytes)) fail('bad-cose', 'disclosures (-65537) must be a byte string');
  const { value: list } = asClaims(() => decodeStrict(listBytes, { maxDepth: 1, maxItems: 1 + MAX_DISCLOSURES, what: 'disclosure list' }));
  if (!Array.isArray(list)) bad('disclosures must be an array of byte strings');
  if (list.length === 0) bad('the presentation discloses nothing');
  if (list.length > MAX_DISCLOSURES) bad(`more than ${MAX_DISCLOSURES} disclosures`);
  const disclosed = new Map();  // key -> JSON value
  list.forEach((d, i) => {
    if (!isBytes(d)) bad(`disclosure ${i} is not a byte string`);
    let item;
    try {
      item = cborDecode(d, STRICT_ANY_SERIALIZATION);
    } catch (e) {
      bad(`disclosure ${i}: ${e.message}`);
    }
    if (!Array.isArray(item) || item.length !== 3) bad(`disclosure ${i} must be [key, salt, value]`);
    const [key, salt] = item;
    if (!isUint(key) || typeof key === 'bigint') bad(`disclosure ${i}: key must be an unsigned integer`);
    if (!isBytes(salt) || salt.length !== SALT_BYTES) bad(`disclosure ${i}: salt must be 16 bytes`);
    // §10.2: array head, key and salt in preferred serialization, so the value starts here.
    const prefix = disclosureBytes(key, salt, new Uint8Array(0));
    if (d.length <= prefix.length || !equalBytes(d.slice(0, prefix.length), prefix)) {
      bad(`disclosure for key ${key}: head, key or salt not in preferred serialization`);
    }
    const valueBytes = d.slice(prefix.length);
    const signed = digests.get(key);
    if (!signed) bad(`disclosure for key ${key} has no signed digest`);
    if (disclosed.has(key)) bad(`key ${key} is disclosed twice`);
    if (!equalBytes(disclosureDigest(key, salt, valueBytes), signed)) bad(`disclosure for key ${key} does not match its signed digest`);
    disclosed.set(key, interpret(key, valueBytes, item[2]));
  });
  // §10.2 "Photo (photo) discloses two entries, keys 16 and 17".
  if (disclosed.has(C169.image) !== disclosed.has(C169.imageFormat)) bad('photo (16) and its format (17) must be disclosed together');
  return disclosed;
}

// ---- the whole of §10.5 --------------------------------------------------------------------------

/**
 * Verifies a presentation's text. `lists` are status lists already checked with
 * verifyStatusList. Returns {verdict, reason, failed_check?, disclosed?, presentation?}:
 * `disclosed` maps §10.4 names to the values as §10.4 types them (date_of_birth the YYYYMMDD text,
 * gender 1-3, photo base64url, age_over_N booleans), present for valid, expired and revoked.
 */
export function verifyPresentation(text, keySet, now, lists) {
  let disclosed, presentation;
  try {
    const { payload, unprotected, kidText, key } = openEnvelope(text, keySet);
    const p = readPayload(payload, keySet, key);
    const byKey = readDisclosures(unprotected, p.digests);
    const keys = [...byKey.keys()].sort((a, b) => a - b);
    disclosed = Object.fromEntries(keys.map((k) => [DISCLOSURE_NAMES[k], byKey.get(k)]));
    presentation = {
      issuer: p.iss, key_id: kidText, iat: p.iat, exp: p.exp, presented_at: iso(p.iat), expires_at: iso(p.exp),
      ...(p.nbf !== undefined ? { nbf: p.nbf } : {}),
      status_list: p.statusList, digest_keys: [...p.digests.keys()].map(Number), disclosed_keys: keys,
    };
    if (p.iat > now + CLOCK_SKEW_SECONDS) bad('iat is in the future');
    if (p.nbf !== undefined && p.nbf > now + CLOCK_SKEW_SECONDS) bad('nbf is in the future');
    if (p.exp <= now) return { verdict: 'expired', reason: 'exp (the card\'s expiry) has passed', disclosed, presentation };
    if (lists.length) {
      const list = lists.find((l) => l.id === p.statusList.id);
      if (!list) fail('bad-status-list', 'no status list with the card\'s list id was given');
      if (p.statusList.index >= list.size) fail('bad-status-list', 'status index outside the list');
      if (bitIsSet(list.bits, p.statusList.index)) {
        return { verdict: 'revoked', reason: `bit ${p.statusList.index} of status list ${list.id} is set`, disclosed, presentation };
      }
      presentation.revocation = `checked against status list ${list.id}`;
    } else {
      presentation.revocation = 'not checked (no status list given)';
    }
    return { verdict: 'valid', reason: 'all checks passed', disclosed, presentation };
  } catch (e) {
    if (!(e instanceof CheckError)) throw e;
    return { verdict: 'invalid', failed_check: e.check, reason: `${e.check}: ${e.message}` };
  }
}

// ---- building (selftest only): a presentation exactly as §10.2/§10.3 lay it out ----------------

/**
 * {qr, cose, payload, protectedBytes, disclosures} for `card` = {issuer, exp, listId, index,
 * digests: Map(key -> 16 bytes)}, disclosing `items` = [{key, salt, valueBytes}] (their digests
 * are added to the map when absent, as for derived claims). Options let tests break one thing.
 */
export function buildPresentation(card, items, secretKey, iat, { disclosureList, unprotected } = {}) {
  const digests = new Map(card.digests);
  for (const { key, salt, valueBytes } of items) if (!digests.has(key)) digests.set(key, disclosureDigest(key, salt, valueBytes));
  const sorted = new Map([...digests].sort(([a], [b]) => a - b));
  const payload = encodeCbor(new Map([
    [CWT.iss, card.issuer], [CWT.exp, card.exp], [CWT.iat, iat],
    [CWT_PRESENTATION, new Map([[C169.statusRef, [card.listId, card.index]], [C169.digests, sorted]])],
  ]));
  const publicKey = ed25519.getPublicKey(secretKey);
  const protectedBytes = encodeCbor(new Map([[COSE_ALG, ALG_EDDSA], [COSE_KID, keyIdFor(publicKey)]]));
  const signature = ed25519.sign(sigStructure(protectedBytes, payload), secretKey);
  const list = disclosureList ?? items.map(({ key, salt, valueBytes }) => disclosureBytes(key, salt, valueBytes));
  const header = unprotected ?? new Map([[COSE_DISCLOSURES, encodeCbor(list)]]);
  const cose = encodeCbor(new Tag(TAG_COSE_SIGN1, [protectedBytes, header, payload, signature]));
  return { qr: PRESENTATION_PREFIX + encodeBase45(cose), cose, payload, protectedBytes };
}
