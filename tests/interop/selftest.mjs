#!/usr/bin/env node
// Checks the JavaScript side of the interop test against the known answers that the standards and
// docs/card-format.md publish, before it is trusted to judge cityid: the verifier
// (web/common/card/, the browser's module) and the independent encoder (lib/): RFC 9285 §4.3
// examples, the §6 digest known answer, the §7 example status list, the byte-level shapes of
// §2/§3, and §10.6's presentation known answers and worked example (built here from the document
// by the encoder, then judged by the web module through lib/presentation.mjs, the
// verify_presentation.mjs core). Prints "N passed, N failed"; exit 0 only when all pass.
import assert from 'node:assert/strict';

import { Base45Error, decodeBase45, encodeBase45 } from '../../web/common/card/base45.js';
import { b64urlDecode } from '../../web/common/card/bytes.js';
import { bitIsSet, parseKeySet, verifyStatusList } from '../../web/common/card/keys.js';
import { verifyCard } from '../../web/common/card/card.js';
import { buildCard, claimsPayload, coseBytes, identityMap, jwkSet, newKey, qrText, sampleAttributes } from './lib/card.mjs';
import { checkEmittedCard } from './lib/conformance.mjs';
import {
  ALG_EDDSA, COSE_ALG, COSE_KID, decodeStrict, deflateZlib, deflateZlibCompressed, digestFor, ed25519, encodeCbor,
  hex, saltFor, setBit, sigStructure, signStatusList, TAG_COSE_SIGN1, utf8,
} from './lib/format.mjs';
import { buildPresentation, disclosureBytes, disclosureDigest, verifyPresentation } from './lib/presentation.mjs';

const text = (s) => utf8.encode(s);
const tests = [];
const test = (name, fn) => tests.push([name, fn]);

test('RFC 9285 examples encode', () => {
  assert.equal(encodeBase45(text('AB')), 'BB8');
  assert.equal(encodeBase45(text('Hello!!')), '%69 VD92EX0');
  assert.equal(encodeBase45(text('base-45')), 'UJCLQE7W581');
  assert.equal(encodeBase45(text('ietf!')), 'QED8WEX0');
});
test('RFC 9285 examples decode, and strictness', () => {
  assert.equal(Buffer.from(decodeBase45('QED8WEX0')).toString(), 'ietf!');
  assert.equal(Buffer.from(decodeBase45('%69 VD92EX0')).toString(), 'Hello!!');
  for (const bad of ['GGW', 'A', 'BB8A', 'bb8', 'BB8\n', ':Z']) {
    assert.throws(() => decodeBase45(bad), Base45Error, JSON.stringify(bad));
  }
});
test('§6 known answer: salt and digest of key 4 "Jose Garcia"', () => {
  const seed = Uint8Array.from({ length: 32 }, (_, i) => i);
  assert.equal(hex(encodeCbor('Jose Garcia')), '6b4a6f736520476172636961');
  assert.equal(hex(saltFor(seed, 4)), 'b579c07442be83410c0196b96b27add8');
  assert.equal(hex(digestFor(seed, 4, encodeCbor('Jose Garcia'))), '301d792585aed465ec63a4b512c63af0');
  assert.equal(hex(encodeCbor(99)), '1863');
});
test('§7 example encodedList: 131072 bits, only bit 98765 (byte 12345, mask 0x04) set', async () => {
  const pako = (await import('pako')).default;
  const encoded = 'uH4sIAAAAAAACA-3QQREAAAwCIB_2z2yO7SACCQAAAAAAAAAAAAAA8FYVAAAAwBUDFtE4twBAAAA';
  const bits = pako.ungzip(b64urlDecode(encoded.slice(1)));
  assert.equal(bits.length * 8, 131072);
  assert.equal(bits[12345], 0x04);
  assert.ok(bitIsSet(bits, 98765));
  assert.equal(bits.reduce((n, b) => n + (b ? 1 : 0), 0), 1);
});
test('§2 zlib header is 78 01 (stored); §3 protected header is A2 01 27 04 48 <kid>', () => {
  assert.equal(hex(deflateZlib(text('x')).slice(0, 2)), '7801');
  assert.equal(hex(deflateZlibCompressed(text('x')).slice(0, 2)), '78da');
  const key = newKey();
  const card = buildCard(sampleAttributes(1795608000), key);
  assert.equal(hex(card.protectedBytes), 'a2012704' + '48' + hex(key.kid));
  assert.equal(card.cose[0], 0xd2);  // tag 18 in one byte
  const { tags, value } = decodeStrict(card.cose, { maxDepth: 4, maxItems: 256, what: 'cose', topTags: [[TAG_COSE_SIGN1]] });
  assert.deepEqual(tags, [18]);
  assert.equal(value.length, 4);
  assert.ok(card.qr.length <= 600, `${card.qr.length} characters`);
});
test('strict CBOR refuses duplicates, indefinite lengths, trailing bytes, inner tags', () => {
  const opts = { maxDepth: 4, maxItems: 16, what: 't' };
  for (const h of ['a201020103', '9f01ff', 'a1010200', 'a101c11a00000001', '62c328', 'f0']) {
    assert.throws(() => decodeStrict(Buffer.from(h, 'hex'), opts), { check: 'bad-cbor' }, h);
  }
  // 1 inside five arrays: the 1 is at depth 5 (the outer array is at depth 0).
  const deep = Buffer.from('818181818101', 'hex');
  assert.throws(() => decodeStrict(deep, opts), { check: 'bad-cbor', message: /deeper/ });
  assert.doesNotThrow(() => decodeStrict(deep, { ...opts, maxDepth: 5 }));
});
test('status list round trip and tamper detection', async () => {
  const { signStatusList, setBit } = await import('./lib/format.mjs');
  const key = newKey();
  const keys = parseKeySet(JSON.stringify(jwkSet('https://x.example', [key])));
  const bits = new Uint8Array(16384);
  setBit(bits, 7);
  const json = signStatusList({ id: '1', issuer: 'https://x.example', validFrom: 100, validUntil: 1000, bits, secretKey: key.secretKey });
  const list = verifyStatusList(json, keys, 500);
  assert.ok(bitIsSet(list.bits, 7) && !bitIsSet(list.bits, 6));
  assert.equal(bits[0], 0x01);  // index 7 is the least significant bit of byte 0
  assert.throws(() => verifyStatusList(json.replace('"validUntil":1000', '"validUntil":1001'), keys, 500), { check: 'bad-signature' });
  assert.throws(() => verifyStatusList(json, keys, 1000), { check: 'bad-status-list' });
});

test('emitter checks (conformance.mjs) refuse what a verifier accepts: header and key order', () => {
  const key = newKey();
  const keys = parseKeySet(JSON.stringify(jwkSet('https://id.interop.example', [key])));
  const now = 1795608000;
  const a = sampleAttributes(now);
  const signed = (protectedBytes, payload) =>
    qrText(coseBytes(protectedBytes, payload, ed25519.sign(sigStructure(protectedBytes, payload), key.secretKey)));
  const good = buildCard(a, key);
  assert.equal(verifyCard(good.qr, keys, now, []).verdict, 'valid');
  assert.deepEqual(checkEmittedCard(good.qr).unknownKeys, []);
  // kid before alg: still 13 bytes and a valid signature, but not §3's A2 01 27 04 48 <kid>.
  const kidFirst = signed(encodeCbor(new Map([[COSE_KID, key.kid], [COSE_ALG, ALG_EDDSA]])), good.payload);
  assert.equal(verifyCard(kidFirst, keys, now, []).verdict, 'valid');
  assert.throws(() => checkEmittedCard(kidFirst), { check: 'bad-cose' });
  // CWT claims in descending key order: §4 says ascending.
  const reversed = encodeCbor(new Map([...decodeStrict(claimsPayload(a, identityMap(a, good.seed)), { maxDepth: 4, maxItems: 1024, what: 'p' }).value].reverse()));
  const descending = signed(good.protectedBytes, reversed);
  assert.equal(verifyCard(descending, keys, now, []).verdict, 'valid');
  assert.throws(() => checkEmittedCard(descending), { check: 'bad-claims', message: /ascending/ });
});

// §10.6: the §1 card (seed 00..1F), its disclosures and the whole age_over_21 presentation.
const seed = Uint8Array.from({ length: 32 }, (_, i) => i);
const hexBytes = (h) => new Uint8Array(Buffer.from(h, 'hex'));
const ageSalt = Uint8Array.from({ length: 16 }, (_, i) => 0x20 + i);
function exampleCard() {
  const values = new Map([[1, '123456789012'], [4, 'Jose Garcia'], [5, 'Jose'], [7, 'Garcia'], [8, '19900412']]);
  const digests = new Map([...values].map(([k, v]) => [k, digestFor(seed, k, encodeCbor(v))]));
  return { issuer: 'https://id.sfgov.example', exp: 1953417599, listId: '1', index: 98765, digests };
}
const nameItem = () => ({ key: 4, salt: saltFor(seed, 4), valueBytes: encodeCbor('Jose Garcia') });
const ageItem = (v = true) => ({ key: 96, salt: ageSalt, valueBytes: Uint8Array.of(v ? 0xf5 : 0xf4) });

test('§10.6 known answers: name and age_over_21 disclosures and their digests', () => {
  const name = nameItem();
  assert.equal(hex(disclosureBytes(name.key, name.salt, name.valueBytes)), '830450b579c07442be83410c0196b96b27add86b4a6f736520476172636961');
  assert.equal(hex(disclosureDigest(4, name.salt, name.valueBytes)), '301d792585aed465ec63a4b512c63af0');
  assert.equal(hex(disclosureBytes(96, ageSalt, Uint8Array.of(0xf5))), '83186050' + '202122232425262728292a2b2c2d2e2f' + 'f5');  // 21 bytes
  assert.equal(hex(disclosureDigest(96, ageSalt, Uint8Array.of(0xf5))), '0cae2ffda8ffff0bdc3bad5d1cf62f7c');
  assert.equal(hex(disclosureDigest(96, ageSalt, Uint8Array.of(0xf4))), '613b5eb4d928ce6e9a8df89d33671448');
});
test('§10.6 worked example: 282-byte COSE, 427 characters, verifies and discloses only age_over_21', () => {
  const key = newKey();
  const keys = parseKeySet(JSON.stringify(jwkSet('https://id.sfgov.example', [key])));
  const p = buildPresentation(exampleCard(), [ageItem()], key.secretKey, 1795608000);
  assert.equal(p.payload.length, 168);
  assert.equal(p.cose.length, 282);
  assert.equal(p.qr.length, 427);
  assert.ok(p.qr.startsWith('CP1:'));
  assert.equal(hex(p.cose.slice(0, 3)), 'd2844d');
  assert.equal(hex(p.cose.slice(16, 29)), 'a13a00010000578155831860' + '50');
  const r = verifyPresentation(p.qr, keys, 1795608000, []);
  assert.equal(r.verdict, 'valid', r.reason);
  assert.deepEqual(r.disclosed, { age_over_21: true });
  assert.deepEqual(r.presentation.digest_keys, [1, 4, 5, 7, 8, 96]);
  assert.deepEqual(r.presentation.status_list, { id: '1', index: 98765 });
});
test('§10.5 presentation checks: tampering, duplicates, unknown keys, signature, time, status', () => {
  const key = newKey();
  const keys = parseKeySet(JSON.stringify(jwkSet('https://id.sfgov.example', [key])));
  const card = exampleCard();
  const now = 1795608000;
  const build = (items, opts) => buildPresentation(card, items, key.secretKey, now, opts).qr;
  const judge = (qr, at = now, lists = []) => verifyPresentation(qr, keys, at, lists);
  const items = [nameItem(), ageItem()];
  const good = build(items);
  const ok = judge(good);
  assert.equal(ok.verdict, 'valid', ok.reason);
  assert.deepEqual(ok.disclosed, { name: 'Jose Garcia', age_over_21: true });
  const list = (extra) => items.map((i) => disclosureBytes(i.key, i.salt, i.valueBytes)).concat(extra ?? []);
  const expectInvalid = (qr, check, message) => {
    const r = judge(qr);
    assert.equal(r.verdict, 'invalid', `${message}: ${r.reason}`);
    assert.equal(r.failed_check, check, `${message}: ${r.reason}`);
    assert.equal(r.disclosed, undefined, message);
  };
  // Changed after signing (the disclosures are outside the signature): digests catch it.
  const forged = list();
  forged[0] = disclosureBytes(4, saltFor(seed, 4), encodeCbor('Jose Garcib'));
  expectInvalid(build(items, { disclosureList: forged }), 'bad-claims', 'altered name');
  const flippedAge = list();
  flippedAge[1] = disclosureBytes(96, ageSalt, Uint8Array.of(0xf4));
  expectInvalid(build(items, { disclosureList: flippedAge }), 'bad-claims', 'age_over_21 flipped to false');
  expectInvalid(build(items, { disclosureList: list([list()[0]]) }), 'bad-claims', 'name disclosed twice');
  expectInvalid(build(items, { disclosureList: [] }), 'bad-claims', 'empty disclosure list');
  expectInvalid(build(items, { unprotected: new Map() }), 'bad-claims', 'no disclosure header');
  expectInvalid(build(items, { disclosureList: list([disclosureBytes(95, ageSalt, Uint8Array.of(0xf5))]) }), 'bad-claims', 'no signed digest for 95');
  // Key 5 (first name) has a signed digest but is no §10.4 disclosure.
  const firstName = { key: 5, salt: saltFor(seed, 5), valueBytes: encodeCbor('Jose') };
  expectInvalid(build([...items, firstName]), 'bad-claims', 'key 5 disclosed');
  // A non-preferred key encoding (18 04) moves the value's offset: refused.
  const nonPreferred = list();
  nonPreferred[0] = Uint8Array.from([0x83, 0x18, ...nonPreferred[0].slice(1)]);
  expectInvalid(build(items, { disclosureList: nonPreferred }), 'bad-claims', 'key 4 as 18 04');
  // The value itself may be any well-formed item: "Jose Garcia" with a 2-byte length head, hashed as is.
  const longHead = { key: 4, salt: saltFor(seed, 4), valueBytes: hexBytes('780b4a6f736520476172636961') };
  const issuerHashedLongHead = { ...card, digests: new Map([...card.digests, [4, disclosureDigest(4, longHead.salt, longHead.valueBytes)]]) };
  const r = verifyPresentation(buildPresentation(issuerHashedLongHead, [longHead], key.secretKey, now).qr, keys, now, []);
  assert.equal(r.verdict, 'valid', r.reason);
  // Signature, keys, prefix.
  const cose = decodeBase45(good.slice(4));
  cose[cose.length - 10] ^= 0x01;
  expectInvalid('CP1:' + encodeBase45(cose), 'bad-signature', 'flipped signature bit');
  const other = parseKeySet(JSON.stringify(jwkSet('https://id.sfgov.example', [newKey()])));
  assert.equal(verifyPresentation(good, other, now, []).failed_check, 'unknown-key');
  assert.equal(judge(good.slice(4)).failed_check, 'bad-payload');
  assert.equal(judge(buildCard(sampleAttributes(now), key).qr).failed_check, 'bad-payload');
  // Time: iat 300 s ahead is tolerated, 301 s is not; exp <= now is expired (disclosures shown).
  assert.equal(judge(good, now - 300).verdict, 'valid');
  assert.equal(judge(good, now - 301).failed_check, 'bad-claims');
  const late = judge(good, card.exp);
  assert.equal(late.verdict, 'expired');
  assert.deepEqual(late.disclosed, { name: 'Jose Garcia', age_over_21: true });
  // Status: the card's bit of the card's list.
  const bits = new Uint8Array(16384);
  const signed = (b, id = '1') => verifyStatusList(signStatusList({ id, issuer: card.issuer, validFrom: now, validUntil: now + 86400, bits: b, secretKey: key.secretKey }), keys, now);
  assert.equal(judge(good, now, [signed(bits)]).verdict, 'valid');
  const revoked = new Uint8Array(bits);
  setBit(revoked, card.index);
  assert.equal(judge(good, now, [signed(revoked)]).verdict, 'revoked');
  assert.equal(judge(good, now, [signed(bits, '2')]).failed_check, 'bad-status-list');
});

let passed = 0, failed = 0;
for (const [name, fn] of tests) {
  try {
    await fn();
    passed++;
    console.log(`ok   ${name}`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}: ${e.message}`);
  }
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
