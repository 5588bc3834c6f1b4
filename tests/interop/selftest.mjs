#!/usr/bin/env node
// Checks the independent implementation against the known answers that the standards and
// docs/card-format.md publish, before it is trusted to judge cityid:
// RFC 9285 §4.3 examples, the §6 digest known answer, the §7 example status list, and the
// byte-level shapes of §2/§3. Prints "N passed, N failed"; exit 0 only when all pass.
import assert from 'node:assert/strict';

import { Base45Error, decodeBase45, encodeBase45 } from './lib/base45.mjs';
import { buildCard, jwkSet, newKey, sampleAttributes } from './lib/card.mjs';
import {
  b64urlDecode, bitIsSet, decodeStrict, deflateZlib, deflateZlibCompressed, digestFor, encodeCbor, hex, parseKeySet,
  saltFor, TAG_COSE_SIGN1, utf8, verifyStatusList,
} from './lib/format.mjs';

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
