#!/usr/bin/env node
// Independently builds cityid cards from docs/card-format.md §2-§7 alone (no cityid code), so
// that `cityid verify` can be checked against a foreign encoder.
//
//   node encode.mjs --out DIR [--now UNIX_SECONDS] [--issuer URL]
//
// Signs with a freshly generated Ed25519 key and writes to DIR:
//   card.txt             the QR text of a valid card
//   claims.json          what card.txt encodes, in verify.mjs's "claims" shape
//   keys.json            the JWK Set with the fresh key, in `cityid keys export`'s shape
//   status.json          a signed status list (§7) where the card's bit is clear
//   status-revoked.json  the same list with the card's bit set
//   cases.json           [{file, expect, failed_check, what}]: other encodings of the card, and
//                        bad and expired cards, written beside it, each with the verdict a
//                        verifier must give
// and prints a summary as JSON.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import {
  buildCard, claimsPayload, coseBytes, identityMap, jwkSet, LIST_BITS, newKey, qrText,
  sampleAttributes, sign1,
} from './lib/card.mjs';
import { encodeBase45 } from '../../web/common/card/base45.js';
import { C169, deflateZlibCompressed, encodeCbor, setBit, signStatusList } from './lib/format.mjs';

function usage(message) {
  process.stderr.write(`encode.mjs: ${message}\nusage: node encode.mjs --out DIR [--now UNIX_SECONDS] [--issuer URL]\n`);
  process.exit(2);
}

/** `payload` with the first occurrence of `needle` (encoded) replaced by `replacement` of equal length. */
function patch(payload, needle, replacement) {
  const hay = Buffer.from(payload);
  const at = hay.indexOf(Buffer.from(needle));
  if (at < 0 || needle.length !== replacement.length) throw new Error('patch target not found');
  const out = new Uint8Array(payload);
  out.set(replacement, at);
  return out;
}

function main(argv) {
  const o = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => (i + 1 < argv.length ? argv[++i] : usage(`${a} needs a value`));
    if (a === '--out') o.out = next();
    else if (a === '--now') o.now = next();
    else if (a === '--issuer') o.issuer = next();
    else usage(`unknown argument ${a}`);
  }
  if (!o.out) usage('--out DIR is required');
  if (o.now !== undefined && !/^\d+$/.test(o.now)) usage('--now must be Unix seconds');
  const now = o.now !== undefined ? Number(o.now) : Math.floor(Date.now() / 1000);
  mkdirSync(o.out, { recursive: true });
  const write = (name, text) => writeFileSync(join(o.out, name), text);

  const a = sampleAttributes(now);
  if (o.issuer) a.issuer = o.issuer;
  const key = newKey();
  const card = buildCard(a, key);
  write('card.txt', card.qr + '\n');
  write('keys.json', JSON.stringify(jwkSet(a.issuer, [key]), null, 2) + '\n');

  const claims = {
    card_number: a.cardNumber, full_name: a.fullName, given_name: a.givenName,
    family_name: a.familyName,
    date_of_birth: `${a.dob.slice(0, 4)}-${a.dob.slice(4, 6)}-${a.dob.slice(6)}`,
    full_name_native: a.nativeName, native_language: a.nativeLanguage,
    status_list: { id: a.listId, index: a.index },
    issuer: a.issuer, iat: a.iat, exp: a.exp,
    issued_at: new Date(a.iat * 1000).toISOString().replace('.000Z', 'Z'),
    expires_at: new Date(a.exp * 1000).toISOString().replace('.000Z', 'Z'),
  };
  write('claims.json', JSON.stringify(claims, null, 2) + '\n');

  const bits = new Uint8Array(LIST_BITS / 8);
  const list = { id: a.listId, issuer: a.issuer, validFrom: now, validUntil: now + 7 * 86400, secretKey: key.secretKey };
  write('status.json', signStatusList({ ...list, bits }) + '\n');
  const revoked = new Uint8Array(bits);
  setBit(revoked, a.index);
  write('status-revoked.json', signStatusList({ ...list, bits: revoked }) + '\n');

  // Other encodings of the card a verifier must accept, and cards it must refuse (or call
  // expired), each changing one thing.
  const cases = [];
  const add = (file, qr, expect, failedCheck, what) => {
    write(file, qr + '\n');
    cases.push({ file, expect, failed_check: failedCheck, what });
  };
  add('compressed.txt', encodeBase45(deflateZlibCompressed(card.cose)), 'valid', null,
    'the same card deflate-compressed (level 9) instead of stored blocks');
  const resign = (attrs, options) => buildCard(attrs, key, { seed: card.seed, ...options }).qr;
  {
    // A value changed after signing (same length, so the CBOR stays well-formed).
    const payload = patch(card.payload, new TextEncoder().encode('Ferreira'), new TextEncoder().encode('Ferreiro'));
    add('value-after-signing.txt', qrText(coseBytes(card.protectedBytes, payload, card.signature)), 'invalid', 'bad-signature',
      'family name changed after signing');
  }
  {
    // One bit of the date-of-birth digest flipped after signing.
    const id = identityMap(a, card.seed);
    const digest = id.get(C169.digests).get(C169.dob);
    const flipped = new Uint8Array(digest);
    flipped[0] ^= 0x01;
    const payload = patch(card.payload, digest, flipped);
    add('digest-after-signing.txt', qrText(coseBytes(card.protectedBytes, payload, card.signature)), 'invalid', 'bad-signature',
      'a digest changed after signing');
  }
  const attributeKeys = [...identityMap(a, card.seed).keys()].filter((k) => k !== C169.statusRef && k !== C169.digests);
  add('digest-missing.txt', resign(a, { digestKeys: attributeKeys.filter((k) => k !== C169.dob) }), 'invalid', 'bad-claims',
    'signed, but the date of birth has no digest');
  add('digest-extra.txt', resign(a, { digestKeys: [...attributeKeys, C169.gender].sort((x, y) => x - y) }), 'invalid', 'bad-claims',
    'signed, with a digest for an attribute that is not there');
  add('digest-short.txt', resign(a, { digestLength: 15 }), 'invalid', 'bad-claims', 'signed, with 15-byte digests');
  add('impossible-date.txt', resign({ ...a, dob: '19850231' }), 'invalid', 'bad-claims', 'signed, date of birth 1985-02-31');
  add('wrong-issuer.txt', resign({ ...a, issuer: 'https://id.elsewhere.example' }), 'invalid', 'bad-claims',
    'signed, iss differs from the key set issuer');
  add('foreign-key.txt', buildCard(a, newKey()).qr, 'invalid', 'unknown-key', 'signed by a key that is not in keys.json');
  add('forged-kid.txt', buildCard(a, newKey(), { kid: key.kid }).qr, 'invalid', 'bad-signature',
    'signed by another key under the trusted kid');
  add('expired.txt', resign({ ...a, iat: now - 6 * 365 * 86400, exp: now - 86400 }), 'expired', null, 'exp is yesterday');
  {
    // A payload whose protected header says another algorithm (ES256, -7), signed anyway.
    const payload = claimsPayload(a, identityMap(a, card.seed));
    const protectedBytes = encodeCbor(new Map([[1, -7], [4, key.kid]]));
    const { signature } = sign1(payload, key);
    add('wrong-alg.txt', qrText(coseBytes(protectedBytes, payload, signature)), 'invalid', 'bad-cose', 'alg -7 in the protected header');
  }
  write('cases.json', JSON.stringify(cases, null, 2) + '\n');

  process.stdout.write(JSON.stringify({ out: o.out, kid: jwkSet(a.issuer, [key]).keys[0].kid, card_number: a.cardNumber,
    status_index: a.index, qr_chars: card.qr.length, cases: cases.length }, null, 2) + '\n');
}

main(process.argv.slice(2));
