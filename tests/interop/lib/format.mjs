// The cityid card format, written from docs/card-format.md, MOSIP Claim 169 v1.2.0 and RFC
// 8392/9052/9285 alone (no cityid code): shared by verify.mjs and encode.mjs.
import { createHash, createHmac } from 'node:crypto';

import { ed25519 } from '@noble/curves/ed25519';
import { decode as cborDecode, encode as cborEncode, Tag } from 'cbor2';
import pako from 'pako';

// docs/card-format.md §8: limits.
export const MAX_QR_CHARS = 4096;
export const MAX_COSE_BYTES = 16 * 1024;
export const MAX_STATUS_JSON_BYTES = 4 * 1024 * 1024;
export const MAX_BITSTRING_BYTES = 2 * 1024 * 1024;
export const MIN_LIST_BITS = 131072;
export const MAX_LIST_BITS = 1 << 24;
export const CLOCK_SKEW_SECONDS = 300;

// CWT claim keys (RFC 8392 §4) and Claim 169 keys (§5).
export const CWT = { iss: 1, exp: 4, nbf: 5, iat: 6, identity: 169 };
export const C169 = {
  id: 1, fullName: 4, firstName: 5, lastName: 7, dob: 8, gender: 9, image: 16, imageFormat: 17,
  secondaryFullName: 19, secondaryLanguage: 20, statusRef: 98, digests: 99,
};
// COSE header labels and algorithm (RFC 9052 §3.1, RFC 9053 §2.2).
export const COSE_ALG = 1, COSE_CRIT = 2, COSE_KID = 4, ALG_EDDSA = -8;
export const TAG_COSE_SIGN1 = 18, TAG_CWT = 61;

/** A verdict-deciding failure: `check` is the docs/card-format.md §8 failure name. */
export class CheckError extends Error {
  constructor(check, message) {
    super(message);
    this.check = check;
  }
}
const fail = (check, message) => { throw new CheckError(check, message); };

// --- bytes ----------------------------------------------------------------------------------

export const utf8 = new TextEncoder();
export const hex = (b) => Buffer.from(b).toString('hex');
export const sha256 = (...parts) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};
export const equalBytes = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
export const concat = (...parts) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
};

/** Unpadded base64url (RFC 4648 §5). */
export const b64urlEncode = (bytes) => Buffer.from(bytes).toString('base64url');
/** Strict: only the base64url alphabet, no padding, no impossible length. Returns null if bad. */
export function b64urlDecode(text) {
  if (typeof text !== 'string' || !/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) return null;
  const bytes = new Uint8Array(Buffer.from(text, 'base64url'));
  return b64urlEncode(bytes) === text ? bytes : null;  // rejects non-zero trailing bits
}

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

/** Inflates exactly one zlib stream: Adler-32 checked, no preset dictionary, no trailing bytes,
 *  output capped at `cap` bytes (the cap is enforced while inflating). */
export function inflateZlibCapped(bytes, cap) {
  const inflator = new pako.Inflate({ chunkSize: 4096 });
  const chunks = [];
  let total = 0;
  let overflow = false;
  inflator.onData = (chunk) => {
    total += chunk.length;
    if (total > cap) { overflow = true; throw new Error('cap'); }
    chunks.push(chunk);
  };
  try {
    inflator.push(bytes, true);
  } catch (e) {
    if (overflow) fail('payload-too-large', `inflated payload exceeds ${cap} bytes`);
    fail('bad-compression', `zlib: ${e.message}`);
  }
  if (inflator.err) fail('bad-compression', `zlib: ${inflator.msg || 'error ' + inflator.err}`);
  if (!inflator.ended) fail('bad-compression', 'zlib: truncated stream');
  if (inflator.strm.avail_in !== 0) fail('bad-compression', 'zlib: trailing bytes after the stream');
  return concat(...chunks);
}

/** zlib as §2 says cityid emits it: stored deflate blocks (level 0, header 78 01). */
export const deflateZlib = (bytes) => pako.deflate(bytes, { level: 0 });
/** A compressed stream (level 9, header 78 DA), which §2 says every verifier accepts too. */
export const deflateZlibCompressed = (bytes) => pako.deflate(bytes, { level: 9 });

// --- keys -----------------------------------------------------------------------------------

/** kid = first 8 bytes of SHA-256(Ed25519 public key) (§3). */
export const keyIdFor = (publicKey) => sha256(publicKey).slice(0, 8);

/**
 * Parses a cityid JWK Set ({"issuer", "keys": [{kty OKP, crv Ed25519, kid, x, status,
 * not_after?}]}). Returns {issuer, byKid: Map(kid base64url -> {x, status, notAfter})}.
 * Throws Error on a malformed set: a bad key set is a usage problem, not a card verdict.
 */
export function parseKeySet(text) {
  const j = JSON.parse(text);
  if (typeof j !== 'object' || j === null || !Array.isArray(j.keys)) throw new Error('key set: expected {"keys": [...]}');
  if (j.issuer !== undefined && typeof j.issuer !== 'string') throw new Error('key set: issuer must be a string');
  const byKid = new Map();
  j.keys.forEach((k, i) => {
    if (k.kty !== 'OKP' || k.crv !== 'Ed25519') throw new Error(`keys[${i}]: not OKP/Ed25519`);
    const x = b64urlDecode(k.x);
    const kid = b64urlDecode(k.kid);
    if (!x || x.length !== 32) throw new Error(`keys[${i}].x: expected 32 bytes base64url`);
    if (!kid || !equalBytes(kid, keyIdFor(x))) throw new Error(`keys[${i}].kid: not the first 8 bytes of SHA-256(x)`);
    if (k.not_after !== undefined && !Number.isInteger(k.not_after)) throw new Error(`keys[${i}].not_after: integer expected`);
    byKid.set(k.kid, { x, status: k.status ?? 'active', notAfter: k.not_after });
  });
  return { issuer: j.issuer ?? '', byKid };
}

export const verifyEd25519 = (signature, message, publicKey) => {
  try {
    // zip215: false = RFC 8032 strict verification (canonical S and encodings), as libsodium.
    return ed25519.verify(signature, message, publicKey, { zip215: false });
  } catch {
    return false;
  }
};
export { ed25519 };

// --- salted digests (§6) --------------------------------------------------------------------

/** salt_k = HMAC-SHA-256(seed, "cityid-salt" || CBOR(k))[0..16) */
export const saltFor = (seed, key) =>
  new Uint8Array(createHmac('sha256', seed).update(concat(utf8.encode('cityid-salt'), cborEncode(key))).digest()).slice(0, 16);
/** digest_k = SHA-256(salt_k || CBOR(k) || CBOR(value_k))[0..16) */
export const digestFor = (seed, key, valueCbor) => sha256(saltFor(seed, key), cborEncode(key), valueCbor).slice(0, 16);

// --- status list (§7) -----------------------------------------------------------------------

export const STATUS_MEMBERS = ['type', 'id', 'statusPurpose', 'issuer', 'validFrom', 'validUntil', 'encodedList', 'proof'];
export const PROOF_MEMBERS = ['alg', 'kid', 'signature'];

/** "cityid-status-list-v1" || 0x00 || F(type) || ... || F(encodedList), F = u32 BE length || bytes */
export function statusListSigningInput(o) {
  const parts = [utf8.encode('cityid-status-list-v1'), new Uint8Array([0])];
  for (const s of [o.type, o.id, o.statusPurpose, o.issuer, String(o.validFrom), String(o.validUntil), o.encodedList]) {
    const b = utf8.encode(s);
    const len = new Uint8Array(4);
    new DataView(len.buffer).setUint32(0, b.length);
    parts.push(len, b);
  }
  return concat(...parts);
}

const printable = (s, max) => typeof s === 'string' && s.length >= 1 && s.length <= max && /^[\x21-\x7e]+$/.test(s);
const isUint = (v) => Number.isSafeInteger(v) && v >= 0;

/**
 * §7 "Status list checks", in the documented order. Returns {id, size, bits, kid}.
 * Throws CheckError('bad-status-list' | 'unknown-key' | 'bad-signature').
 */
export function verifyStatusList(text, keySet, now) {
  const bad = (m) => fail('bad-status-list', m);
  if (utf8.encode(text).length > MAX_STATUS_JSON_BYTES) bad('status list JSON larger than 4 MiB');
  let o;
  try { o = JSON.parse(text); } catch (e) { bad(`status list: ${e.message}`); }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) bad('status list: not a JSON object');
  const members = Object.keys(o);
  if (members.length !== STATUS_MEMBERS.length || !STATUS_MEMBERS.every((m) => m in o)) bad(`status list: members must be exactly ${STATUS_MEMBERS.join(', ')}`);
  const p = o.proof;
  if (typeof p !== 'object' || p === null || Object.keys(p).length !== 3 || !PROOF_MEMBERS.every((m) => typeof p[m] === 'string')) bad('status list: proof must be {alg, kid, signature}');
  for (const m of ['type', 'id', 'statusPurpose', 'issuer', 'encodedList']) if (typeof o[m] !== 'string') bad(`status list: ${m} must be a string`);
  for (const m of ['validFrom', 'validUntil']) if (!isUint(o[m])) bad(`status list: ${m} must be a non-negative integer`);
  if (o.type !== 'BitstringStatusList' || o.statusPurpose !== 'revocation' || p.alg !== 'EdDSA') bad('status list: type, statusPurpose or proof.alg not as specified');
  const key = keySet.byKid.get(p.kid);
  if (!key) fail('unknown-key', 'status list signed by a key not in the key set');
  const sig = b64urlDecode(p.signature);
  if (!sig || sig.length !== 64 || !verifyEd25519(sig, statusListSigningInput(o), key.x)) fail('bad-signature', 'status list signature does not verify');
  // Only now is the signed content interpreted.
  if (keySet.issuer && o.issuer !== keySet.issuer) bad('status list issuer differs from the key set issuer');
  if (!printable(o.id, 32)) bad('status list id: 1-32 printable ASCII characters');
  if (o.validFrom > now + CLOCK_SKEW_SECONDS) bad('status list not valid yet');
  if (o.validUntil <= now) bad('status list is stale (validUntil has passed)');
  if (!o.encodedList.startsWith('u')) bad('encodedList: multibase prefix "u" expected');
  const gz = b64urlDecode(o.encodedList.slice(1));
  if (!gz) bad('encodedList: not unpadded base64url');
  let bits;
  try {
    bits = inflateGzipCapped(gz, MAX_BITSTRING_BYTES);
  } catch (e) {
    bad(`encodedList: ${e.message}`);
  }
  const size = bits.length * 8;
  if (size < MIN_LIST_BITS || size > MAX_LIST_BITS) bad(`status list size ${size} outside [${MIN_LIST_BITS}, ${MAX_LIST_BITS}]`);
  return { id: o.id, size, bits, kid: p.kid };
}

function inflateGzipCapped(bytes, cap) {
  if (bytes.length < 18 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) throw new Error('not a gzip stream');
  const inflator = new pako.Inflate({ chunkSize: 65536 });  // gzip detected from the header
  const chunks = [];
  let total = 0;
  inflator.onData = (chunk) => {
    total += chunk.length;
    if (total > cap) throw new Error(`inflates beyond ${cap} bytes`);
    chunks.push(chunk);
  };
  inflator.push(bytes, true);
  if (inflator.err || !inflator.ended) throw new Error(`gzip: ${inflator.msg || 'truncated'}`);
  if (inflator.strm.avail_in !== 0) throw new Error('gzip: trailing bytes');
  return concat(...chunks);
}

/** W3C bit order: index 0 is the most significant bit of byte 0. */
export const bitIsSet = (bits, index) => (bits[index >> 3] & (0x80 >> (index & 7))) !== 0;
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

// §3, §8 steps 4-5 (cards) and §10.5 steps 2-3 (presentations): the strictly decoded COSE_Sign1
// bytes -> its parts, once the protected header is the documented one and the signature verifies
// under a key of `keySet`. Returns {payload, unprotected, kidText, key}.
export function openSign1(cose, keySet) {
  const { value: sign1 } = decodeStrict(cose, {
    maxDepth: 4, maxItems: 256, what: 'COSE_Sign1', topTags: [[TAG_COSE_SIGN1], [TAG_CWT, TAG_COSE_SIGN1]],
  });
  if (!Array.isArray(sign1) || sign1.length !== 4) fail('bad-cose', 'COSE_Sign1 must be an array of 4');
  const [protectedBytes, unprotected, payload, signature] = sign1;
  if (!(protectedBytes instanceof Uint8Array)) fail('bad-cose', 'protected header must be a byte string');
  const { value: prot } = decodeStrict(protectedBytes, { maxDepth: 4, maxItems: 256, what: 'protected header' });
  if (!(prot instanceof Map)) fail('bad-cose', 'protected header must be a map');
  const labels = [...prot.keys()];
  if (prot.size !== 2 || !prot.has(COSE_ALG) || !prot.has(COSE_KID)) {
    fail('bad-cose', `protected header must hold exactly alg and kid (labels: ${labels.join(', ')})`);
  }
  if (prot.get(COSE_ALG) !== ALG_EDDSA) fail('bad-cose', 'alg must be -8 (EdDSA)');
  const kid = prot.get(COSE_KID);
  if (!(kid instanceof Uint8Array) || kid.length !== 8) fail('bad-cose', 'kid must be an 8-byte string');
  // §3: the protected bucket is always A2 01 27 04 48 <kid> (13 bytes) as cityid emits it.
  if (protectedBytes.length !== 13 || labels[0] !== COSE_ALG) fail('bad-cose', 'protected header is not the documented 13-byte {1: -8, 4: kid}');
  if (!(unprotected instanceof Map)) fail('bad-cose', 'unprotected header must be a map');
  for (const l of [COSE_ALG, COSE_CRIT, COSE_KID]) if (unprotected.has(l)) fail('bad-cose', `unprotected header carries label ${l}`);
  if (!(payload instanceof Uint8Array)) fail('bad-cose', 'payload must be an attached byte string');
  if (!(signature instanceof Uint8Array) || signature.length !== 64) fail('bad-cose', 'signature must be 64 bytes');

  const kidText = b64urlEncode(kid);
  const key = keySet.byKid.get(kidText);
  if (!key) fail('unknown-key', 'kid is not in the trusted key set');
  if (!verifyEd25519(signature, sigStructure(protectedBytes, payload), key.x)) fail('bad-signature', 'Ed25519 signature does not verify');
  return { payload, unprotected, kidText, key };
}
