// COSE_Sign1 (RFC 9052 §4.2) as docs/card-format.md §3 and §8 steps 4-5 define it, following the
// reference's order (src/credential/cose.cc): whole-input strict CBOR, the outer tags (18, or 61
// then 18), the 4-array, the unprotected header, payload, signature, the protected header; then
// the kid in the trusted key set and the Ed25519 signature. Nothing is interpreted before that.
import { b64urlEncode, utf8 } from './bytes.js';
import { CborError, CborMap, cborHead, decodeStrict, isInt64, splitTags } from './cbor.js';
import { fail, verifyEd25519 } from './keys.js';

const TAG_COSE_SIGN1 = 18n, TAG_CWT = 61n;
const ALG = 1, CRIT = 2, KID = 4, EDDSA = -8;

function strict(bytes, limits, check) {
  try {
    return decodeStrict(bytes, limits);
  } catch (e) {
    if (e instanceof CborError) fail(check, e.message);
    throw e;
  }
}

/** RFC 9052 §4.4 Sig_structure with empty external AAD: ["Signature1", protected, h'', payload]. */
export function sigStructure(protectedBytes, payload) {
  const context = utf8.encode('Signature1');
  const parts = [
    Uint8Array.of(0x84), cborHead(3, context.length), context,
    cborHead(2, protectedBytes.length), protectedBytes, Uint8Array.of(0x40),
    cborHead(2, payload.length), payload,
  ];
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

function parseProtected(bytes) {
  if (bytes.length === 0) fail('bad-cose', 'protected header is empty (no alg, no kid)');
  const prot = strict(bytes, { maxDepth: 2, maxItems: 64 }, 'bad-cose');
  if (!(prot instanceof CborMap)) fail('bad-cose', 'protected header is not a map');
  let alg, kid, haveAlg = false, haveKid = false;
  for (const [label, v] of prot.entries) {
    if (!isInt64(label)) fail('bad-cose', 'protected header label is not an integer');
    if (label === ALG) {
      if (haveAlg) fail('bad-cose', 'protected header: alg appears twice');
      if (!isInt64(v)) fail('bad-cose', 'protected header: alg is not an integer');
      haveAlg = true;
      alg = v;
    } else if (label === KID) {
      if (haveKid) fail('bad-cose', 'protected header: kid appears twice');
      if (!(v instanceof Uint8Array)) fail('bad-cose', 'protected header: kid is not a byte string');
      haveKid = true;
      kid = v;
    } else {
      fail('bad-cose', `protected header: unsupported label ${label}`);
    }
  }
  if (!haveAlg) fail('bad-cose', 'protected header: alg missing');
  if (alg !== EDDSA) fail('bad-cose', 'protected header: alg is not EdDSA (-8)');
  if (!haveKid) fail('bad-cose', 'protected header: kid missing');
  if (kid.length !== 8) fail('bad-cose', 'protected header: kid must be 8 bytes');
  return kid;
}

/**
 * Strictly parses COSE_Sign1 bytes and verifies them against `keySet`.
 * Returns {payload, unprotected (CborMap), kid (base64url), key}. Throws CheckError.
 */
export function openSign1(cose, keySet) {
  strict(cose, { maxDepth: 4, maxItems: 256, allowTags: true }, 'bad-cbor');
  let split;
  try {
    split = splitTags(cose, 2);
  } catch (e) {
    if (e instanceof CborError) fail('bad-cbor', e.message);
    throw e;
  }
  const { tags, rest } = split;
  const sign1Only = tags.length === 1 && tags[0] === TAG_COSE_SIGN1;
  const cwtSign1 = tags.length === 2 && tags[0] === TAG_CWT && tags[1] === TAG_COSE_SIGN1;
  if (!sign1Only && !cwtSign1) fail('bad-cose', 'not a tagged COSE_Sign1 (tag 18, optionally inside tag 61)');
  const arr = strict(rest, { maxDepth: 2, maxItems: 256 }, 'bad-cbor');
  if (!Array.isArray(arr) || arr.length !== 4) fail('bad-cose', 'COSE_Sign1 must be an array of 4');
  const [protectedBytes, unprotected, payload, signature] = arr;
  if (!(protectedBytes instanceof Uint8Array)) fail('bad-cose', 'protected header is not a byte string');
  if (!(unprotected instanceof CborMap)) fail('bad-cose', 'unprotected header is not a map');
  for (const [label] of unprotected.entries) {
    if (label === ALG || label === CRIT || label === KID) fail('bad-cose', `unprotected header must not carry label ${label} (alg, crit, kid)`);
  }
  if (!(payload instanceof Uint8Array)) fail('bad-cose', 'payload is not a byte string');
  if (!(signature instanceof Uint8Array)) fail('bad-cose', 'signature is not a byte string');
  if (signature.length !== 64) fail('bad-cose', 'signature must be 64 bytes');
  const kidBytes = parseProtected(protectedBytes);
  const kid = b64urlEncode(kidBytes);
  const key = keySet.byKid.get(kid);
  if (!key) fail('unknown-key', 'kid not in the trusted key set');
  if (!verifyEd25519(signature, sigStructure(protectedBytes, payload), key.x)) fail('bad-signature', 'Ed25519 signature does not verify');
  return { payload, unprotected, kid, key };
}

export { strict };
