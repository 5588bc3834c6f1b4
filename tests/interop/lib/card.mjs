// Builds a card the way docs/card-format.md §2-§7 say cityid does, from the document alone.
import { randomBytes, randomInt } from 'node:crypto';

import { Tag } from 'cbor2';

import { encodeBase45 } from '../../../web/common/card/base45.js';
import {
  ALG_EDDSA, C169, COSE_ALG, COSE_KID, CWT, deflateZlib, digestFor, ed25519, encodeCbor,
  keyIdFor, sigStructure, TAG_COSE_SIGN1,
} from './format.mjs';

export const LIST_BITS = 131072;  // §7: the W3C minimum, which cityid uses

/** A fresh Ed25519 key: {secretKey, publicKey, kid}. */
export function newKey() {
  const secretKey = ed25519.utils.randomPrivateKey();
  const publicKey = ed25519.getPublicKey(secretKey);
  return { secretKey, publicKey, kid: keyIdFor(publicKey) };
}

/** Random card content in cityid's layout (card number of 12 digits, status index random). */
export function sampleAttributes(now) {
  let number = String(randomInt(1, 10));
  for (let i = 0; i < 11; i++) number += String(randomInt(0, 10));
  return {
    issuer: 'https://id.interop.example',
    cardNumber: number,
    fullName: 'Ana Lucia Ferreira',
    givenName: 'Ana Lucia',
    familyName: 'Ferreira',
    dob: '19850317',
    nativeName: 'آنا لوسيا فيريرا',
    nativeLanguage: 'ara',
    listId: '1',
    index: randomInt(0, LIST_BITS),
    iat: now,
    exp: now + 5 * 365 * 86400,
  };
}

/**
 * The Claim 169 map (keys ascending, §5) with the key-99 digests of §6 computed from `seed`.
 * `digestKeys` (default: the attribute keys) lets a caller build a map whose digests do not
 * cover the attributes, to test that a verifier refuses it; `digestLength` likewise.
 */
export function identityMap(a, seed, { digestKeys, digestLength = 16 } = {}) {
  const attrs = new Map();
  attrs.set(C169.id, a.cardNumber);
  attrs.set(C169.fullName, a.fullName);
  if (a.givenName) attrs.set(C169.firstName, a.givenName);
  if (a.familyName) attrs.set(C169.lastName, a.familyName);
  attrs.set(C169.dob, a.dob);
  if (a.gender) attrs.set(C169.gender, a.gender);
  if (a.nativeName) {
    attrs.set(C169.secondaryFullName, a.nativeName);
    attrs.set(C169.secondaryLanguage, a.nativeLanguage);
  }
  const digests = new Map();
  for (const k of digestKeys ?? [...attrs.keys()]) {
    const value = attrs.has(k) ? attrs.get(k) : `absent-${k}`;
    digests.set(k, digestFor(seed, k, encodeCbor(value)).slice(0, digestLength));
  }
  const id = new Map(attrs);
  id.set(C169.statusRef, [a.listId, a.index]);
  id.set(C169.digests, new Map([...digests].sort(([x], [y]) => x - y)));
  return id;
}

/** CWT claims map bytes (§4): iss, exp, iat, 169, in ascending key order. */
export function claimsPayload(a, identity) {
  return encodeCbor(new Map([[CWT.iss, a.issuer], [CWT.exp, a.exp], [CWT.iat, a.iat], [CWT.identity, identity]]));
}

/** COSE_Sign1 (§3) over `payload`; `kid` defaults to the signing key's own. */
export function sign1(payload, key, kid = key.kid) {
  const protectedBytes = encodeCbor(new Map([[COSE_ALG, ALG_EDDSA], [COSE_KID, kid]]));
  const signature = ed25519.sign(sigStructure(protectedBytes, payload), key.secretKey);
  return { protectedBytes, signature };
}

export const coseBytes = (protectedBytes, payload, signature) =>
  encodeCbor(new Tag(TAG_COSE_SIGN1, [protectedBytes, new Map(), payload, signature]));

/** COSE bytes -> zlib (§2) -> Base45 (§1). */
export const qrText = (cose) => encodeBase45(deflateZlib(cose));

/** A whole signed card: {qr, payload, cose, seed}. */
export function buildCard(a, key, options = {}) {
  const seed = options.seed ?? new Uint8Array(randomBytes(32));
  const payload = claimsPayload(a, identityMap(a, seed, options));
  const { protectedBytes, signature } = sign1(payload, key, options.kid);
  const cose = coseBytes(protectedBytes, payload, signature);
  return { qr: qrText(cose), payload, cose, protectedBytes, signature, seed };
}

/** The JWK Set `cityid keys export` writes for these keys. */
export function jwkSet(issuer, keys) {
  return {
    issuer,
    keys: keys.map((k) => ({
      kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig',
      kid: Buffer.from(k.kid).toString('base64url'),
      x: Buffer.from(k.publicKey).toString('base64url'),
      status: 'active',
    })),
  };
}
