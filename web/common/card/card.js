// A card (docs/card-format.md §1-§8): Base45 → zlib (16 KiB cap) → COSE_Sign1 → CWT → Claim 169.
import { Base45Error, decodeBase45 } from './base45.js';
import { CborMap, isInt64 } from './cbor.js';
import {
  asciiToken, bad, checkSigner, checkValidity, compactDate, GENDER, isoTime, MAX_CARD_NUMBER_BYTES,
  MAX_ISSUER_BYTES, MAX_NAME_BYTES, MAX_PHOTO_BYTES, MAX_STATUS_LIST_ID_BYTES, PHOTO_MIME, textOk,
} from './claims.js';
import { openSign1, strict } from './cose.js';
import { inflateZlib, InflateError } from './inflate.js';
import { fail } from './keys.js';

export const MAX_QR_CHARS = 4096;
export const MAX_COSE_BYTES = 16 * 1024;

const CWT_ISS = 1, CWT_EXP = 4, CWT_NBF = 5, CWT_IAT = 6, CWT_169 = 169;
const K = { id: 1, fullName: 4, firstName: 5, lastName: 7, dob: 8, gender: 9, photo: 16, photoFormat: 17, native: 19, nativeLanguage: 20, status: 98, digests: 99 };

const key = (v) => (typeof v === 'bigint' ? v.toString() : String(v));
const smallInt = (v) => isInt64(v) && v >= -1000000 && v <= 1000000;
const readText = (v, what) => (typeof v === 'string' ? v : bad(`${what} is not a text string`));
const readInt = (v, what) => (isInt64(v) ? v : bad(`${what} is not an integer`));
const readSmallInt = (v, what) => (smallInt(v) ? Number(v) : bad(`${what} is out of range or not an integer`));

/** §8 steps 1-5: QR text → verified COSE parts. */
export function openCard(text, keySet) {
  if (text.length > MAX_QR_CHARS) fail('payload-too-large', `QR text exceeds ${MAX_QR_CHARS} characters`);
  let compressed;
  try {
    compressed = decodeBase45(text);
  } catch (e) {
    if (e instanceof Base45Error) fail('bad-base45', e.message);
    throw e;
  }
  let cose;
  try {
    cose = inflateZlib(compressed, MAX_COSE_BYTES);
  } catch (e) {
    if (e instanceof InflateError) fail(e.tooLarge ? 'payload-too-large' : 'bad-compression', e.message);
    throw e;
  }
  return openSign1(cose, keySet);
}

function parseClaim169(id, c) {
  if (!(id instanceof CborMap)) bad('claim 169 is not a map');
  const attributeKeys = [];
  let haveStatus = false, haveDigests = false, haveDob = false;
  let digests;
  for (const [rawKey, v] of id.entries) {
    const k = readSmallInt(rawKey, 'claim 169 key');
    if (k === K.status || k === K.digests) {
      if ((k === K.status && haveStatus) || (k === K.digests && haveDigests)) bad(`claim 169 key ${k} appears twice`);
      if (k === K.status) {
        haveStatus = true;
        if (!Array.isArray(v) || v.length !== 2) bad('claim 169 key 98 (status) must be an array of 2');
        c.statusListId = readText(v[0], 'status list id');
        const index = v[1];
        if (!isInt64(index) || index < 0) bad('status index is not an unsigned integer');
        if (index > 0xffffffff) bad('status index exceeds 2^32 - 1');
        c.statusIndex = Number(index);
      } else {
        haveDigests = true;
        if (!(v instanceof CborMap)) bad('claim 169 key 99 (digests) must be a map');
        digests = new Map();
        for (const [dk, d] of v.entries) {
          const n = readSmallInt(dk, 'digest map key');
          if (!(d instanceof Uint8Array) || d.length !== 16) bad(`digest for key ${n} must be a 16-byte string`);
          if (digests.has(n)) bad(`digest map key ${n} appears twice`);
          digests.set(n, d);
        }
      }
      continue;
    }
    if (attributeKeys.includes(k)) bad(`claim 169 key ${k} appears twice`);
    attributeKeys.push(k);
    switch (k) {
      case K.id: c.cardNumber = readText(v, 'ID (1)'); break;
      case K.fullName: c.fullName = readText(v, 'Full Name (4)'); break;
      case K.firstName:
        c.givenName = readText(v, 'First Name (5)');
        if (!c.givenName) bad('First Name (5) is empty');
        break;
      case K.lastName:
        c.familyName = readText(v, 'Last Name (7)');
        if (!c.familyName) bad('Last Name (7) is empty');
        break;
      case K.dob:
        c.dateOfBirth = compactDate(readText(v, 'Date of Birth (8)'));
        if (!c.dateOfBirth) bad('Date of Birth (8) is not a valid YYYYMMDD date');
        haveDob = true;
        break;
      case K.gender: c.gender = readSmallInt(v, 'Gender (9)'); break;
      case K.photo:
        if (!(v instanceof Uint8Array)) bad('Binary Image (16) is not a byte string');
        if (v.length === 0) bad('Binary Image (16) is empty');
        c.photo = v;
        break;
      case K.photoFormat: c.photoFormat = readSmallInt(v, 'Binary Image Format (17)'); break;
      case K.native:
        c.fullNameNative = readText(v, 'Secondary Full Name (19)');
        if (!c.fullNameNative) bad('Secondary Full Name (19) is empty');
        break;
      case K.nativeLanguage:
        c.nativeLanguage = readText(v, 'Secondary Language (20)');
        if (!c.nativeLanguage) bad('Secondary Language (20) is empty');
        break;
      default: break;  // a later attribute: signed and digested, not interpreted
    }
  }
  if (!haveStatus) bad('claim 169 key 98 (status) missing');
  if (!haveDigests) bad('claim 169 key 99 (digests) missing');
  if (!haveDob) bad('Date of Birth (8) missing');
  if (digests.size !== attributeKeys.length) bad('digest map does not cover exactly the attributes present');
  for (const k of attributeKeys) if (!digests.has(k)) bad(`attribute ${k} has no digest`);
  // CheckClaims with the free-text name rule (a signed card is the issuer's word).
  if (!asciiToken(c.cardNumber ?? '', MAX_CARD_NUMBER_BYTES)) bad('claim 169: card_number must be 1..64 printable ASCII characters without spaces');
  if (!textOk(c.fullName ?? '', MAX_NAME_BYTES, true)) bad('claim 169: full_name is missing or not acceptable text');
  for (const f of ['givenName', 'familyName', 'fullNameNative']) {
    if (!textOk(c[f] ?? '', MAX_NAME_BYTES, false)) bad(`claim 169: ${f} is not acceptable text`);
  }
  if (!c.fullNameNative !== !c.nativeLanguage) bad('claim 169: full_name_native and native_language must be both set or both empty');
  if (c.nativeLanguage && !/^[a-z]{3}$/.test(c.nativeLanguage)) bad('claim 169: native_language must be a three-letter lowercase ISO 639-3 code');
  if (c.gender !== undefined && ![1, 2, 3].includes(c.gender)) bad('claim 169: gender must be 1, 2 or 3');
  if (!c.photo !== (c.photoFormat === undefined)) bad('claim 169: photo and photo_format must be both set or both empty');
  if (c.photo && c.photo.length > MAX_PHOTO_BYTES) bad(`claim 169: photo exceeds ${MAX_PHOTO_BYTES} bytes`);
  if (c.photoFormat !== undefined && ![1, 2, 3, 4].includes(c.photoFormat)) bad('claim 169: photo_format must be 1..4');
  if (!asciiToken(c.statusListId ?? '', MAX_STATUS_LIST_ID_BYTES)) bad('claim 169: status_list_id must be 1..32 printable ASCII characters without spaces');
}

/** ParseCwt: verified payload bytes → {meta, c}. */
export function parseCardPayload(payload) {
  const cwt = strict(payload, { maxDepth: 4, maxItems: 1024 }, 'bad-claims');
  if (!(cwt instanceof CborMap)) bad('CWT claims are not a map');
  const seen = new Set();
  const meta = {};
  const c = {};
  let have169 = false;
  for (const [k, v] of cwt.entries) {
    if (!isInt64(k)) bad('CWT claim key is not an integer');
    if (seen.has(key(k))) bad(`CWT claim ${k} twice`);
    seen.add(key(k));
    if (k === CWT_ISS) meta.iss = readText(v, 'iss (1)');
    else if (k === CWT_EXP) meta.exp = readInt(v, 'exp (4)');
    else if (k === CWT_NBF) meta.nbf = readInt(v, 'nbf (5)');
    else if (k === CWT_IAT) meta.iat = readInt(v, 'iat (6)');
    else if (k === CWT_169) { parseClaim169(v, c); have169 = true; }
  }
  if (meta.iss === undefined) bad('iss (1) missing');
  if (meta.exp === undefined) bad('exp (4) missing');
  if (meta.iat === undefined) bad('iat (6) missing');
  if (!have169) bad('claim 169 missing');
  if (!textOk(meta.iss, MAX_ISSUER_BYTES, true)) bad('CWT: issuer is missing or not acceptable text');
  if (meta.iat < 0) bad('CWT: issued_at is negative');
  if (meta.exp <= meta.iat) bad('CWT: expires_at must be after issued_at');
  return { meta, c };
}

/** The claims a verifier may show for a card: everything the card itself discloses. */
function cardClaims(meta, c) {
  const out = { card_number: c.cardNumber, full_name: c.fullName };
  if (c.givenName) out.given_name = c.givenName;
  if (c.familyName) out.family_name = c.familyName;
  if (c.fullNameNative) {
    out.full_name_native = c.fullNameNative;
    out.native_language = c.nativeLanguage;
  }
  out.date_of_birth = c.dateOfBirth;
  if (c.gender !== undefined) out.gender = GENDER[c.gender];
  if (c.photo) {
    out.photo = c.photo;
    out.photo_format = c.photoFormat;
    out.photo_type = PHOTO_MIME[c.photoFormat];
  }
  out.issuer = meta.iss;
  out.issued_at = isoTime(meta.iat);
  out.expires_at = isoTime(meta.exp);
  return out;
}

/** The whole of §8 for a card's QR text. */
export function verifyCard(text, keySet, now, lists) {
  const { payload, kid, key: signer } = openCard(text, keySet);
  const { meta, c } = parseCardPayload(payload);
  checkSigner(meta, signer, keySet);
  const claims = cardClaims(meta, c);
  const statusRef = { id: c.statusListId, index: c.statusIndex };
  const v = checkValidity(meta, now, statusRef, lists);
  return { ...v, claims, keyId: kid, statusRef, expiresAt: Number(meta.exp), issuedAt: Number(meta.iat) };
}
