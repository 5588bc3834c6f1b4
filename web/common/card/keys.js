// The city's public key set (docs/card-format.md §9 step 1) and its signed status lists (§7).
import { ed25519 } from '@noble/curves/ed25519';
import { sha256 } from '@noble/hashes/sha2';

import { b64urlDecode, b64urlEncode, concat, equalBytes, utf8 } from './bytes.js';
import { inflateGzip } from './inflate.js';

export const CLOCK_SKEW_SECONDS = 300;
export const MAX_STATUS_JSON_BYTES = 4 * 1024 * 1024;
export const MAX_BITSTRING_BYTES = 2 * 1024 * 1024;
export const MIN_LIST_BITS = 131072;
export const MAX_LIST_BITS = 1 << 24;

/** A verdict-deciding failure; `check` is the docs/card-format.md §8 slug. */
export class CheckError extends Error {
  constructor(check, message) {
    super(message);
    this.check = check;
  }
}
export const fail = (check, message) => { throw new CheckError(check, message); };

/** kid = the first 8 bytes of SHA-256(public key). */
export const keyIdFor = (publicKey) => sha256(publicKey).slice(0, 8);

/** RFC 8032 strict verification (canonical encodings), as libsodium does. */
export function verifyEd25519(signature, message, publicKey) {
  try {
    return ed25519.verify(signature, message, publicKey, { zip215: false });
  } catch {
    return false;
  }
}

/**
 * Parses `/.well-known/cityid-keys` (a JWK Set with a top-level `issuer`), given as JSON text or
 * an already parsed object. Every key must be OKP/Ed25519 with `kid` = base64url of the first 8
 * bytes of SHA-256(x). Returns {issuer, byKid: Map(kid -> {kid, x, status, notAfter})}.
 * Throws Error for a malformed set (that is no card's fault).
 */
export function parseKeySet(json) {
  const j = typeof json === 'string' ? JSON.parse(json) : json;
  if (typeof j !== 'object' || j === null || !Array.isArray(j.keys)) throw new Error('key set: expected {"keys": [...]}');
  if (j.issuer !== undefined && typeof j.issuer !== 'string') throw new Error('key set: issuer must be a string');
  const byKid = new Map();
  j.keys.forEach((k, i) => {
    if (typeof k !== 'object' || k === null || k.kty !== 'OKP' || k.crv !== 'Ed25519') throw new Error(`keys[${i}]: not OKP/Ed25519`);
    const x = b64urlDecode(k.x);
    const kid = b64urlDecode(k.kid);
    if (!x || x.length !== 32) throw new Error(`keys[${i}].x: expected 32 bytes, base64url`);
    if (!kid || !equalBytes(kid, keyIdFor(x))) throw new Error(`keys[${i}].kid: not the first 8 bytes of SHA-256(x)`);
    if (k.not_after !== undefined && !Number.isSafeInteger(k.not_after)) throw new Error(`keys[${i}].not_after: integer expected`);
    // As crypto/sign.cc: the same key twice is refused, not silently replaced (the second copy
    // could drop the first one's not_after and so un-retire the key).
    if (byKid.has(k.kid)) throw new Error(`keys[${i}].kid: duplicate key id`);
    byKid.set(k.kid, { kid: k.kid, x, status: k.status ?? 'active', notAfter: k.not_after });
  });
  if (byKid.size === 0) throw new Error('key set: no keys');
  return { issuer: j.issuer ?? '', byKid };
}

const STATUS_MEMBERS = ['type', 'id', 'statusPurpose', 'issuer', 'validFrom', 'validUntil', 'encodedList', 'proof'];
const PROOF_MEMBERS = ['alg', 'kid', 'signature'];

/** §7: "cityid-status-list-v1" || 0x00 || F(type) || ... || F(encodedList). */
export function statusListSigningInput(o) {
  const parts = [utf8.encode('cityid-status-list-v1'), Uint8Array.of(0)];
  for (const s of [o.type, o.id, o.statusPurpose, o.issuer, String(o.validFrom), String(o.validUntil), o.encodedList]) {
    const b = utf8.encode(s);
    const len = new Uint8Array(4);
    new DataView(len.buffer).setUint32(0, b.length);
    parts.push(len, b);
  }
  return concat(...parts);
}

const printableId = (s) => typeof s === 'string' && s.length >= 1 && s.length <= 32 && /^[\x21-\x7e]+$/.test(s);
const isUint = (v) => Number.isSafeInteger(v) && v >= 0;

/**
 * §7 "Status list checks" in the documented order: shape, key, **signature before anything is
 * decoded**, issuer, times (validUntil after validFrom, validFrom not ahead, validUntil not passed), then the gzip'd bitstring (2 MiB cap) and its size.
 * `json` is the text (or parsed object) of `/api/v1/status-lists/{id}`.
 * Returns {id, size, bits, kid, validFrom, validUntil, stale}. A list past its `validUntil` is
 * refused (`bad-status-list`) unless `allowStale` is set, when it comes back with `stale: true`
 * (the page then warns; a set bit in it still means revoked).
 * Throws CheckError('bad-status-list' | 'unknown-key' | 'bad-signature').
 */
export function verifyStatusList(json, keySet, now, { allowStale = false } = {}) {
  const bad = (m) => fail('bad-status-list', m);
  let o = json;
  if (typeof json === 'string') {
    if (utf8.encode(json).length > MAX_STATUS_JSON_BYTES) bad('status list JSON larger than 4 MiB');
    try { o = JSON.parse(json); } catch (e) { bad(`status list: ${e.message}`); }
  }
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
  if (!printableId(o.id)) bad('status list id: 1-32 printable ASCII characters');
  // As status_list.cc: a list whose window is empty or backwards is refused, stale or not.
  if (o.validUntil <= o.validFrom) bad('status list validUntil is not after validFrom');
  if (o.validFrom > now + CLOCK_SKEW_SECONDS) bad('status list not valid yet');
  const stale = o.validUntil <= now;
  if (stale && !allowStale) bad('status list is stale (validUntil has passed)');
  if (!o.encodedList.startsWith('u')) bad('encodedList: multibase prefix "u" expected');
  const gz = b64urlDecode(o.encodedList.slice(1));
  if (!gz) bad('encodedList: not unpadded base64url');
  let bits;
  try {
    bits = inflateGzip(gz, MAX_BITSTRING_BYTES);
  } catch (e) {
    bad(`encodedList: ${e.message}`);
  }
  const size = bits.length * 8;
  if (size < MIN_LIST_BITS || size > MAX_LIST_BITS) bad(`status list size ${size} outside [${MIN_LIST_BITS}, ${MAX_LIST_BITS}]`);
  return { id: o.id, size, bits, kid: p.kid, validFrom: o.validFrom, validUntil: o.validUntil, stale };
}

/** W3C bit order: index 0 is the most significant bit of byte 0. A set bit means revoked. */
export const bitIsSet = (bits, index) => (bits[index >> 3] & (0x80 >> (index & 7))) !== 0;

export { b64urlEncode };
