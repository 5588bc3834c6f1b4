// A presentation (docs/card-format.md §10): "CP1:" + Base45(COSE_Sign1), no zlib; the disclosures
// sit in the unprotected header (-65537) and each is checked against the signed digest map.
// Follows src/credential/presentation.cc (VerifyPresentation) check for check.
import { sha256 } from '@noble/hashes/sha2';

import { Base45Error, decodeBase45 } from './base45.js';
import { concat, equalBytes } from './bytes.js';
import { CborMap, cborHead, cborInt, decodeStrict, CborError, isInt64 } from './cbor.js';
import {
  asciiToken, bad, checkSigner, checkValidity, compactDate, GENDER, isoTime, MAX_CARD_NUMBER_BYTES,
  MAX_ISSUER_BYTES, MAX_NAME_BYTES, MAX_PHOTO_BYTES, MAX_STATUS_LIST_ID_BYTES, PHOTO_MIME, textOk,
} from './claims.js';
import { openSign1, strict } from './cose.js';
import { fail } from './keys.js';

export const PRESENTATION_PREFIX = 'CP1:';
const MAX_QR_CHARS = 4096;
const MAX_COSE_BYTES = 16 * 1024;
const MAX_DISCLOSURES = 16;
const CWT_ISS = 1, CWT_EXP = 4, CWT_NBF = 5, CWT_IAT = 6, CWT_169 = 169, CWT_PRESENTATION = -65537;
const DISCLOSURES_LABEL = -65537;
const AGE = { 95: 18, 96: 21, 97: 65 };

const keyOf = (v) => (typeof v === 'bigint' ? v.toString() : String(v));
const readInt = (v, what) => (isInt64(v) ? v : bad(`${what} is not an integer`));

function parsePresentationClaim(p, out) {
  if (!(p instanceof CborMap)) bad('presentation claim (-65537) is not a map');
  let haveStatus = false, haveDigests = false;
  for (const [k, v] of p.entries) {
    if (!isInt64(k)) bad('presentation claim key is not an integer');
    if (k === 98 && !haveStatus) {
      haveStatus = true;
      if (!Array.isArray(v) || v.length !== 2) bad('key 98 (status) must be an array of 2');
      if (!asciiToken(v[0], MAX_STATUS_LIST_ID_BYTES)) bad('status list id must be 1..32 printable ASCII characters');
      if (!isInt64(v[1]) || v[1] < 0 || v[1] > 0xffffffff) bad('status index is not a 32-bit unsigned integer');
      out.statusRef = { id: v[0], index: Number(v[1]) };
    } else if (k === 99 && !haveDigests) {
      haveDigests = true;
      if (!(v instanceof CborMap)) bad('key 99 (digests) must be a map');
      out.digests = new Map();
      for (const [dk, d] of v.entries) {
        const n = readInt(dk, 'digest map key');
        if (n < 0 || n > 1000) bad('digest map key is out of range');
        if (!(d instanceof Uint8Array) || d.length !== 16) bad('digest must be a 16-byte string');
        if (out.digests.has(Number(n))) bad(`digest map key ${n} appears twice`);
        out.digests.set(Number(n), d);
      }
      if (out.digests.size === 0) bad('digest map is empty');
    } else {
      bad(`presentation claim key ${k} is unknown or repeated`);
    }
  }
  if (!haveStatus) bad('key 98 (status) missing');
  if (!haveDigests) bad('key 99 (digests) missing');
}

function parsePayload(payload) {
  const cwt = strict(payload, { maxDepth: 4, maxItems: 1024 }, 'bad-claims');
  if (!(cwt instanceof CborMap)) bad('CWT claims are not a map');
  const seen = new Set();
  const out = { meta: {} };
  let havePresentation = false;
  for (const [k, v] of cwt.entries) {
    const key = readInt(k, 'CWT claim key');
    if (seen.has(keyOf(key))) bad(`CWT claim ${key} twice`);
    seen.add(keyOf(key));
    if (key === CWT_ISS) {
      if (typeof v !== 'string') bad('iss (1) is not a text string');
      if (!textOk(v, MAX_ISSUER_BYTES, true)) bad('iss is not acceptable text');
      out.meta.iss = v;
    } else if (key === CWT_EXP) out.meta.exp = readInt(v, 'exp (4)');
    else if (key === CWT_IAT) out.meta.iat = readInt(v, 'iat (6)');
    else if (key === CWT_NBF) out.meta.nbf = readInt(v, 'nbf (5)');
    else if (key === CWT_169) bad('a presentation must not carry claim 169 (that is a card)');
    else if (key === CWT_PRESENTATION) { parsePresentationClaim(v, out); havePresentation = true; }
  }
  if (out.meta.iss === undefined) bad('iss (1) missing');
  if (out.meta.exp === undefined) bad('exp (4) missing');
  if (out.meta.iat === undefined) bad('iat (6) missing');
  if (!havePresentation) bad('presentation claim (-65537) missing');
  if (out.meta.iat < 0 || out.meta.exp <= out.meta.iat) bad('exp must be after iat');
  return out;
}

// §10.4: the value of each key's type, as the name `cityid verify --json` prints it under.
function interpret(key, valueBytes, disclosed) {
  const what = `disclosed key ${key}`;
  if (key in AGE) {
    if (valueBytes.length !== 1 || (valueBytes[0] !== 0xf5 && valueBytes[0] !== 0xf4)) bad(`${what} must be true or false`);
    disclosed[`age_over_${AGE[key]}`] = valueBytes[0] === 0xf5;
    return;
  }
  // The value is one well-formed item (the disclosure was validated whole); read it.
  let v;
  try {
    v = decodeStrict(valueBytes, { maxDepth: 1, maxItems: 4 });
  } catch (e) {
    if (e instanceof CborError) bad(`${what}: ${e.message}`);
    throw e;
  }
  switch (key) {
    case 1:
      if (!asciiToken(v, MAX_CARD_NUMBER_BYTES)) bad(`${what} is not a card number`);
      disclosed.card_number = v;
      return;
    case 4:
    case 10:
      if (typeof v !== 'string') bad(`${what} is not a text string`);
      if (!textOk(v, MAX_NAME_BYTES, true)) bad(`${what} is not acceptable text`);
      disclosed[key === 4 ? 'full_name' : 'address'] = v;
      return;
    case 8: {
      if (typeof v !== 'string') bad(`${what} is not a text string`);
      const d = compactDate(v);
      if (!d) bad(`${what} is not a valid YYYYMMDD date`);
      disclosed.date_of_birth = d;
      return;
    }
    case 9:
      if (!isInt64(v) || v < 1 || v > 3) bad(`${what} must be 1, 2 or 3`);
      disclosed.gender = GENDER[Number(v)];
      return;
    case 16:
      if (!(v instanceof Uint8Array) || v.length === 0 || v.length > MAX_PHOTO_BYTES) bad(`${what} is not a photo`);
      disclosed.photo = v;
      return;
    case 17:
      if (!isInt64(v) || v < 1 || v > 4) bad(`${what} must be 1..4`);
      disclosed.photo_format = Number(v);
      disclosed.photo_type = PHOTO_MIME[Number(v)];
      return;
    default:
      bad(`disclosure of key ${key}, which cityid does not define`);
  }
}

function checkDisclosures(unprotected, digests) {
  let list;
  for (const [label, v] of unprotected.entries) {
    if (label === DISCLOSURES_LABEL) {
      if (!(v instanceof Uint8Array)) fail('bad-cose', 'disclosures (-65537) must be a byte string');
      list = v;
    }
  }
  if (!list) bad('the presentation carries no disclosures (unprotected header -65537)');
  const items = strict(list, { maxDepth: 1, maxItems: 1 + 4 * MAX_DISCLOSURES }, 'bad-claims');
  if (!Array.isArray(items)) bad('disclosures must be an array of byte strings');
  if (items.length === 0) bad('the presentation discloses nothing');
  if (items.length > MAX_DISCLOSURES) bad(`more than ${MAX_DISCLOSURES} disclosures`);
  const disclosed = {};
  const done = new Set();
  items.forEach((d, i) => {
    if (!(d instanceof Uint8Array)) bad(`disclosure ${i} is not a byte string`);
    const item = strict(d, { maxDepth: 1, maxItems: 4 }, 'bad-claims');
    if (!Array.isArray(item) || item.length !== 3) bad(`disclosure ${i} must be [key, salt, value]`);
    const [k, salt] = item;
    if (!isInt64(k) || k < 0 || k > 1000) bad('disclosure key is not a claim key');
    if (!(salt instanceof Uint8Array) || salt.length !== 16) bad(`disclosure salt for key ${k} must be 16 bytes`);
    const key = Number(k);
    const prefix = concat(Uint8Array.of(0x83), cborInt(key), cborHead(2, salt.length), salt);
    if (d.length <= prefix.length || !equalBytes(d.subarray(0, prefix.length), prefix)) bad(`disclosure for key ${key} is not in preferred serialization`);
    const value = d.subarray(prefix.length);
    const signed = digests.get(key);
    if (!signed) bad(`disclosure for key ${key} has no signed digest`);
    if (done.has(key)) bad(`key ${key} is disclosed twice`);
    const digest = sha256(concat(salt, cborInt(key), value)).subarray(0, 16);
    if (!equalBytes(digest, signed)) bad(`disclosure for key ${key} does not match its signed digest`);
    interpret(key, value, disclosed);
    done.add(key);
  });
  if (('photo' in disclosed) !== ('photo_format' in disclosed)) bad('photo and photo format must be disclosed together');
  return disclosed;
}

/** The whole of §10.5 for a presentation's text. */
export function verifyPresentation(text, keySet, now, lists) {
  if (text.length > MAX_QR_CHARS) fail('payload-too-large', `QR text exceeds ${MAX_QR_CHARS} characters`);
  if (!text.startsWith(PRESENTATION_PREFIX)) fail('bad-payload', 'not a presentation (no CP1: prefix)');
  let cose;
  try {
    cose = decodeBase45(text.slice(PRESENTATION_PREFIX.length));
  } catch (e) {
    if (e instanceof Base45Error) fail('bad-base45', e.message);
    throw e;
  }
  if (cose.length > MAX_COSE_BYTES) fail('payload-too-large', 'presentation exceeds the decoder\'s limit');
  const { payload, unprotected, kid, key: signer } = openSign1(cose, keySet);
  const p = parsePayload(payload);
  checkSigner(p.meta, signer, keySet);
  const claims = checkDisclosures(unprotected, p.digests);
  const v = checkValidity(p.meta, now, p.statusRef, lists);
  return {
    ...v, claims, keyId: kid, statusRef: p.statusRef,
    expiresAt: Number(p.meta.exp), issuedAt: Number(p.meta.iat),
    presentedAt: isoTime(p.meta.iat), issuer: p.meta.iss,
  };
}
