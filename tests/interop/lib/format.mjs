// The cityid card format for the interop ENCODER, written from docs/card-format.md, MOSIP Claim
// 169 v1.2.0 and RFC 8392/9052/9285 (no cityid code): card.mjs, encode.mjs and presentation.mjs
// build foreign cards, keys and status lists with it (cbor2, pako, node:crypto). The verifying
// side is not here: verify.mjs and verify_presentation.mjs verify with the browser's module,
// web/common/card/ (one JavaScript implementation of the checks, shared with the /verify page).
// What stays here on that side is the emitter check (checkEmitted* in conformance.mjs): what the
// document says cityid EMITS, beyond what a verifier must accept.
import { createHash, createHmac } from 'node:crypto';

import { ed25519 } from '@noble/curves/ed25519';
import { decode as cborDecode, encode as cborEncode, Tag } from 'cbor2';
import pako from 'pako';

import { b64urlEncode, concat, utf8 } from '../../../web/common/card/bytes.js';
import { CheckError, fail, keyIdFor, statusListSigningInput } from '../../../web/common/card/keys.js';

export { b64urlEncode, concat, utf8, CheckError, keyIdFor, statusListSigningInput };

// CWT claim keys (RFC 8392 §4) and Claim 169 keys (§5).
export const CWT = { iss: 1, exp: 4, nbf: 5, iat: 6, identity: 169 };
export const C169 = {
  id: 1, fullName: 4, firstName: 5, lastName: 7, dob: 8, gender: 9, image: 16, imageFormat: 17,
  secondaryFullName: 19, secondaryLanguage: 20, statusRef: 98, digests: 99,
};
// COSE header labels and algorithm (RFC 9052 §3.1, RFC 9053 §2.2).
export const COSE_ALG = 1, COSE_CRIT = 2, COSE_KID = 4, ALG_EDDSA = -8;
export const TAG_COSE_SIGN1 = 18, TAG_CWT = 61;

// --- bytes ----------------------------------------------------------------------------------

export const hex = (b) => Buffer.from(b).toString('hex');
export const sha256 = (...parts) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};


// --- CBOR -----------------------------------------------------------------------------------

// Every tag comes back as a plain Tag object: the format allows tags 18 (and 61) on the outside
// only, and cbor2's default tag decoders (dates, bignums, regexps...) would hide a tag.
for (const t of [...Tag.getAllDecoders().keys()]) Tag.clearDecoder(t);

const STRICT = {
  rejectDuplicateKeys: true,  // §8.4
  rejectStreaming: true,      // definite lengths only
  rejectSimple: true,         // no unassigned simple values
  requirePreferred: true,     // RFC 8949 preferred serialization, as cityid says it emits
  preferMap: true,            // maps with integer keys stay Maps
  maxDepth: 16,
};

/**
 * Strict CBOR decode of exactly one item (definite lengths, no duplicate keys, no trailing
 * bytes, valid UTF-8, no unassigned simple values, preferred serialization), then §8.4's limits.
 * Leading tags are peeled off first and must be one of `topTags` (each a list, outermost first);
 * no tag is allowed anywhere else. Limits count the untagged item: it is at depth 0, each array
 * or map level adds one, and every data item (map keys included) counts toward `maxItems`.
 * Returns {tags, value}. Throws CheckError('bad-cbor').
 */
export function decodeStrict(bytes, { maxDepth, maxItems, what, topTags = [[]] }) {
  let value;
  try {
    value = cborDecode(bytes, STRICT);
  } catch (e) {
    fail('bad-cbor', `${what}: ${e.message}`);
  }
  const tags = [];
  while (value instanceof Tag) {
    tags.push(Number(value.tag));
    value = value.contents;
  }
  if (!topTags.some((t) => t.length === tags.length && t.every((x, i) => x === tags[i]))) {
    fail('bad-cbor', `${what}: tags [${tags.join(', ')}] where ${topTags.map((t) => `[${t.join(', ')}]`).join(' or ')} expected`);
  }
  let items = 0;
  const walk = (v, depth) => {
    if (++items > maxItems) fail('bad-cbor', `${what}: more than ${maxItems} data items`);
    if (depth > maxDepth) fail('bad-cbor', `${what}: nested deeper than ${maxDepth}`);
    if (v instanceof Tag) fail('bad-cbor', `${what}: tag ${v.tag} inside the item`);
    if (Array.isArray(v)) v.forEach((x) => walk(x, depth + 1));
    else if (v instanceof Map) for (const [k, x] of v) { walk(k, depth + 1); walk(x, depth + 1); }
  };
  walk(value, 0);
  return { tags, value };
}

/** Checks that an integer-keyed map lists its keys in ascending order (§4, §5 "emitted in
 *  ascending key order"). */
export function assertAscending(map, what, check = 'bad-claims') {
  let prev = -Infinity;
  for (const k of map.keys()) {
    if (typeof k !== 'number' || !Number.isInteger(k)) fail(check, `${what}: key is not an integer`);
    if (k <= prev) fail(check, `${what}: keys not in ascending order`);
    prev = k;
  }
}

export const encodeCbor = (v) => cborEncode(v);

/** RFC 9052 §4.4 Sig_structure for COSE_Sign1 with empty external AAD. */
export const sigStructure = (protectedBytes, payload) =>
  cborEncode(['Signature1', protectedBytes, new Uint8Array(0), payload]);

// --- zlib (RFC 1950) ------------------------------------------------------------------------

/** zlib as §2 says cityid emits it: stored deflate blocks (level 0, header 78 01). */
export const deflateZlib = (bytes) => pako.deflate(bytes, { level: 0 });
/** A compressed stream (level 9, header 78 DA), which §2 says every verifier accepts too. */
export const deflateZlibCompressed = (bytes) => pako.deflate(bytes, { level: 9 });

// --- keys -----------------------------------------------------------------------------------

export { ed25519 };

// --- salted digests (§6) --------------------------------------------------------------------

/** salt_k = HMAC-SHA-256(seed, "cityid-salt" || CBOR(k))[0..16) */
export const saltFor = (seed, key) =>
  new Uint8Array(createHmac('sha256', seed).update(concat(utf8.encode('cityid-salt'), cborEncode(key))).digest()).slice(0, 16);
/** digest_k = SHA-256(salt_k || CBOR(k) || CBOR(value_k))[0..16) */
export const digestFor = (seed, key, valueCbor) => sha256(saltFor(seed, key), cborEncode(key), valueCbor).slice(0, 16);

// --- status list (§7) -----------------------------------------------------------------------

/** W3C bit order: index 0 is the most significant bit of byte 0. */
export const setBit = (bits, index) => { bits[index >> 3] |= 0x80 >> (index & 7); };

/** gzip as §7 says: level 9, mtime 0, no file name (pako writes OS 3 = Unix; zlib does too). */
export const gzipBits = (bits) => pako.gzip(bits, { level: 9, header: { time: 0, os: 3 } });

/** The signed status list JSON, members in the documented order, one line, no spaces. */
export function signStatusList({ id, issuer, validFrom, validUntil, bits, secretKey }) {
  const o = {
    type: 'BitstringStatusList', id, statusPurpose: 'revocation', issuer, validFrom, validUntil,
    encodedList: 'u' + b64urlEncode(gzipBits(bits)),
  };
  const signature = ed25519.sign(statusListSigningInput(o), secretKey);
  o.proof = { alg: 'EdDSA', kid: b64urlEncode(keyIdFor(ed25519.getPublicKey(secretKey))), signature: b64urlEncode(signature) };
  return JSON.stringify(o);
}
