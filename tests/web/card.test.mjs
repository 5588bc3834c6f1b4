// The in-browser verifier module (web/common/card/), run in Node with no browser, against payloads
// the real binary made: its verdict and failing check must equal `cityid verify --json`'s on the
// same payload, key set and status list (WEB.md: "tested on its own against the same payloads as
// the C++ verifier ... so the two cannot drift").
//
//   CITYID_BIN=$PWD/build-dev/bin/cityid node --test tests/web/card.test.mjs
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';

import {
  parseKeySet, verifyPayload, verifyStatusList, decodeBase45, encodeBase45,
} from '../../web/common/card/index.js';
import { makeCity, oracleVerify, REPO, runCityid, signedCardWithPhoto, testKey } from './cards.mjs';

const webRequire = createRequire(join(REPO, 'web', 'package.json'));
const { ed25519 } = webRequire('@noble/curves/ed25519');
const pako = webRequire('pako');

const nowSec = () => Math.floor(Date.now() / 1000);
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:';
const SIX_YEARS = 6 * 365 * 86400;

let city, other, keysJson, keySet, statusJson, list;
let valid, revoked, expired, foreign, over21, several, named;
const timings = [];

before(() => {
  city = makeCity().init();
  valid = city.issue();
  revoked = city.issue();
  expired = city.issue({ now: nowSec() - SIX_YEARS });
  over21 = city.present(valid.number, 'age_over_21');
  several = city.present(valid.number, 'name,date_of_birth,card_number,age_over_18,age_over_65,gender');
  named = city.present(valid.number, 'name,age_over_21');
  city.revoke(revoked.number);
  keysJson = city.keysJson();
  statusJson = city.statusListJson();
  keySet = parseKeySet(keysJson);
  list = verifyStatusList(statusJson, keySet, nowSec());
  other = makeCity().init();
  foreign = other.issue();
});

/** Verifies `text` both ways; asserts the same verdict, failing check and claims. */
function agree(text, { keys = keysJson, lists = [statusJson], now, label = 'payload' } = {}) {
  const ks = parseKeySet(keys);
  const at = now ?? nowSec();
  const verified = lists.map((l) => verifyStatusList(l, ks, at));
  const t0 = performance.now();
  const mine = verifyPayload(text, { keySet: ks, statusLists: verified, now: at });
  timings.push([label, performance.now() - t0]);
  const theirs = oracleVerify(text, keys, lists, { now });
  assert.equal(mine.verdict, theirs.verdict, `${label}: verdict (cityid: ${JSON.stringify(theirs)}, mine: ${mine.detail})`);
  assert.equal(mine.kind, theirs.kind ?? 'card', `${label}: kind`);
  if (theirs.verdict === 'invalid') {
    assert.equal(mine.check, theirs.failed_check, `${label}: failed check (cityid: ${theirs.detail}; mine: ${mine.detail})`);
    assert.equal(mine.claims, undefined, `${label}: an invalid payload shows nothing`);
  } else {
    assert.equal(mine.keyId, theirs.key_id, `${label}: key id`);
    if (mine.kind === 'card') {
      for (const [k, v] of Object.entries(theirs.disclosed)) assert.equal(mine.claims[k], v, `${label}: claim ${k}`);
    } else {
      const { photo, photo_type: _t, ...rest } = mine.claims;
      const { photo: theirPhoto, ...theirRest } = theirs.disclosed;
      assert.deepEqual(rest, theirRest, `${label}: disclosed`);
      assert.equal(photo === undefined, theirPhoto === undefined, `${label}: photo disclosed`);
    }
  }
  return mine;
}

test('a valid card: valid, with the fields the card carries', () => {
  const r = agree(valid.qr, { label: 'valid card' });
  assert.equal(r.verdict, 'valid');
  assert.equal(r.revocation, 'checked');
  assert.equal(r.claims.card_number, valid.number);
  assert.equal(r.claims.full_name, 'Ana Ruiz');
  assert.equal(r.claims.date_of_birth, '1985-02-03');
  assert.equal(r.claims.expires_at, valid.expiresAt);
});

test('line ends and spaces around the text are trimmed, as cityid verify reads its input', () => {
  for (const text of [`${valid.qr}\r\n`, `${valid.qr}\n`, ` ${valid.qr} `]) {
    assert.equal(verifyPayload(text, { keySet, statusLists: [list], now: nowSec() }).verdict, 'valid');
  }
});

test('without a status list a genuine card is valid, revocation not checked', () => {
  const r = agree(valid.qr, { lists: [], label: 'valid card, no list' });
  assert.equal(r.revocation, 'not-checked');
});

test('a revoked card: revoked, and still says whose card it is', () => {
  const r = agree(revoked.qr, { label: 'revoked card' });
  assert.equal(r.verdict, 'revoked');
  assert.equal(r.claims.card_number, revoked.number);
});

test('an expired card (issued six years ago): expired', () => {
  const r = agree(expired.qr, { label: 'expired card' });
  assert.equal(r.verdict, 'expired');
  assert.equal(r.claims.card_number, expired.number);
});

test('a card signed by another city\'s key: invalid, unknown-key', () => {
  const r = agree(foreign.qr, { label: 'foreign card' });
  assert.equal(r.check, 'unknown-key');
  // With the other city's own keys and list it verifies: the key is the only difference.
  agree(foreign.qr, { keys: other.keysJson(), lists: [other.statusListJson()], label: 'foreign card, own keys' });
});

test('one character changed anywhere: never valid, and the same failing check as cityid', () => {
  const positions = [0, 1, 2, 3, 10, 30, 60, 100, 150, 200, 250, 300, valid.qr.length - 3, valid.qr.length - 2, valid.qr.length - 1];
  const checks = new Set();
  for (const i of positions) {
    const c = valid.qr[i];
    const swapped = ALPHABET[(ALPHABET.indexOf(c) + 1) % ALPHABET.length];
    const text = valid.qr.slice(0, i) + swapped + valid.qr.slice(i + 1);
    const r = agree(text, { label: `card, character ${i} changed` });
    assert.equal(r.verdict, 'invalid', `character ${i}`);
    checks.add(r.check);
  }
  // A stored zlib stream carries an Adler-32 of the COSE bytes: most changes stop there.
  assert.ok(checks.has('bad-compression'), `checks: ${[...checks]}`);
});

test('a signature flipped inside the COSE (zlib re-wrapped): bad-signature', () => {
  const cose = pako.inflate(decodeBase45(valid.qr));
  cose[cose.length - 1] ^= 1;
  const r = agree(encodeBase45(pako.deflate(cose, { level: 0 })), { label: 'card, signature bit flipped' });
  assert.equal(r.check, 'bad-signature');
});

test('a name changed inside the signed payload: bad-signature', () => {
  const cose = pako.inflate(decodeBase45(valid.qr));
  const at = Buffer.from(cose).indexOf('Ruiz');
  assert.ok(at > 0);
  cose[at] = 'L'.charCodeAt(0);
  const r = agree(encodeBase45(pako.deflate(cose, { level: 9 })), { label: 'card, name altered' });
  assert.equal(r.check, 'bad-signature');
});

test('presentations: only what is disclosed', () => {
  const r = agree(over21, { label: 'presentation age_over_21' });
  assert.equal(r.verdict, 'valid');
  assert.equal(r.kind, 'presentation');
  assert.deepEqual(r.claims, { age_over_21: true });
  const s = agree(several, { label: 'presentation, six attributes' });
  assert.deepEqual(Object.keys(s.claims).sort(), ['age_over_18', 'age_over_65', 'card_number', 'date_of_birth', 'full_name', 'gender']);
  assert.equal(s.claims.full_name, 'Ana Ruiz');
  assert.equal(s.claims.age_over_65, false);
});

test('a presentation whose disclosed value was changed: bad-claims (its digest)', () => {
  const cose = decodeBase45(named.slice(4));
  const at = Buffer.from(cose).indexOf('Ruiz');
  assert.ok(at > 0);
  cose[at] = 'L'.charCodeAt(0);
  const r = agree(`CP1:${encodeBase45(cose)}`, { label: 'presentation, value altered' });
  assert.equal(r.check, 'bad-claims');
  assert.match(r.detail, /does not match its signed digest/);
});

test('presentations: signature flipped, another city\'s keys, one character changed, revoked, expired', () => {
  const cose = decodeBase45(named.slice(4));
  cose[cose.length - 1] ^= 1;
  assert.equal(agree(`CP1:${encodeBase45(cose)}`, { label: 'presentation, signature flipped' }).check, 'bad-signature');
  assert.equal(agree(over21, { keys: other.keysJson(), lists: [], label: 'presentation, foreign keys' }).check, 'unknown-key');
  for (const i of [4, 20, 100, 200, over21.length - 1]) {
    const c = over21[i];
    const text = over21.slice(0, i) + ALPHABET[(ALPHABET.indexOf(c) + 7) % ALPHABET.length] + over21.slice(i + 1);
    assert.equal(agree(text, { label: `presentation, character ${i} changed` }).verdict, 'invalid');
  }
  // The card was valid when presented; verified after it expired or by a clock far ahead.
  const later = nowSec() + SIX_YEARS;
  assert.equal(agree(over21, { lists: [], now: later, label: 'presentation, after expiry' }).verdict, 'expired');
});

test('a presentation of a card revoked afterwards: revoked', () => {
  const card = city.issue();
  const p = city.present(card.number, 'age_over_18');
  city.revoke(card.number);
  const r = agree(p, { lists: [city.statusListJson()], label: 'presentation, card revoked' });
  assert.equal(r.verdict, 'revoked');
  assert.deepEqual(Object.keys(r.claims), ['age_over_18']);
});

test('a card given a presentation prefix, and a presentation without it', () => {
  assert.equal(agree(`CP1:${valid.qr}`, { label: 'card with CP1:' }).verdict, 'invalid');
  assert.equal(agree(over21.slice(4), { label: 'presentation without CP1:' }).verdict, 'invalid');
});

test('garbage: each refused with cityid\'s failing check', () => {
  const inputs = [
    '', 'hello world', 'HELLO', 'https://id.nyc.example/verify', '{"payload":"x"}', 'CP1:', 'CP1:ABC',
    'CP1:hello', 'ABC', 'A'.repeat(4097), `${valid.qr}\t`, `${valid.qr}  X`, valid.qr.toLowerCase(),
    valid.qr.slice(0, 200), valid.qr.slice(0, -3), `${valid.qr}00`, 'V7F', ':::', 'GGW',
    encodeBase45(pako.deflate(new Uint8Array(20000))), encodeBase45(pako.gzip(pako.inflate(decodeBase45(valid.qr)))),
    encodeBase45(Uint8Array.of(0x78, 0x01, 0x01, 0x00, 0x00, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01)),
  ];
  for (const text of inputs) {
    const r = agree(text, { label: `garbage ${JSON.stringify(text.slice(0, 24))}` });
    assert.equal(r.verdict, 'invalid');
  }
});

test('cards from the independent encoder (tests/interop): every case as cityid judges it', () => {
  const out = mkdtempSync(join(tmpdir(), 'cityid-interop-'));
  const enc = spawnSync(process.execPath, [join(REPO, 'tests', 'interop', 'encode.mjs'), '--out', out], { encoding: 'utf8' });
  assert.equal(enc.status, 0, enc.stderr);
  const read = (f) => readFileSync(join(out, f), 'utf8').replace(/\n$/, '');
  const keys = read('keys.json');
  const lists = [read('status.json')];
  assert.equal(agree(read('card.txt'), { keys, lists, label: 'interop card' }).verdict, 'valid');
  assert.equal(agree(read('card.txt'), { keys, lists: [read('status-revoked.json')], label: 'interop card, revoked' }).verdict, 'revoked');
  const cases = JSON.parse(read('cases.json'));
  assert.ok(cases.length >= 10);
  for (const c of cases) {
    const r = agree(read(c.file), { keys, lists, label: `interop ${c.file} (${c.what})` });
    assert.equal(r.verdict, c.expect, c.file);
    assert.equal(r.check, c.failed_check ?? undefined, c.file);
  }
});

test('status lists: signature checked before decoding, foreign and stale lists refused', () => {
  const o = JSON.parse(statusJson);
  assert.throws(() => verifyStatusList(JSON.stringify({ ...o, encodedList: `${o.encodedList.slice(0, 20)}${o.encodedList[20] === 'B' ? 'C' : 'B'}${o.encodedList.slice(21)}` }), keySet, nowSec()),
    (e) => e.check === 'bad-signature');
  assert.throws(() => verifyStatusList(other.statusListJson(), keySet, nowSec()), (e) => e.check === 'unknown-key');
  const after = o.validUntil + 1;
  assert.throws(() => verifyStatusList(statusJson, keySet, after), (e) => e.check === 'bad-status-list' && /stale/.test(e.message));
  const stale = verifyStatusList(statusJson, keySet, after, { allowStale: true });
  assert.equal(stale.stale, true);
  assert.throws(() => verifyStatusList({ ...o, extra: 1 }, keySet, nowSec()), (e) => e.check === 'bad-status-list');
  // The card's list id must be the one given: fail closed, as cityid does.
  const r = verifyPayload(valid.qr, { keySet, statusLists: [{ ...list, id: '2' }], now: nowSec() });
  assert.equal(r.check, 'bad-status-list');
});

test('status lists: a gzip bomb stops at the 2 MiB cap', () => {
  const secretKey = ed25519.utils.randomPrivateKey();
  const x = ed25519.getPublicKey(secretKey);
  const kid = Buffer.from(webRequire('@noble/hashes/sha2').sha256(x).slice(0, 8)).toString('base64url');
  const ks = parseKeySet({ issuer: 'https://bomb.example', keys: [{ kty: 'OKP', crv: 'Ed25519', kid, x: Buffer.from(x).toString('base64url') }] });
  const now = nowSec();
  const sign = (bits, { validFrom = now, validUntil = now + 3600 } = {}) => {
    const l = { type: 'BitstringStatusList', id: '1', statusPurpose: 'revocation', issuer: 'https://bomb.example', validFrom, validUntil, encodedList: `u${Buffer.from(pako.gzip(bits, { level: 9 })).toString('base64url')}` };
    const enc = new TextEncoder();
    const parts = [enc.encode('cityid-status-list-v1'), Uint8Array.of(0)];
    for (const s of [l.type, l.id, l.statusPurpose, l.issuer, String(l.validFrom), String(l.validUntil), l.encodedList]) {
      const b = enc.encode(s);
      const len = Buffer.alloc(4);
      len.writeUInt32BE(b.length);
      parts.push(len, b);
    }
    l.proof = { alg: 'EdDSA', kid, signature: Buffer.from(ed25519.sign(Buffer.concat(parts), secretKey)).toString('base64url') };
    return JSON.stringify(l);
  };
  assert.equal(verifyStatusList(sign(new Uint8Array(16384)), ks, now).size, 131072);
  assert.throws(() => verifyStatusList(sign(new Uint8Array(3 * 1024 * 1024)), ks, now), (e) => e.check === 'bad-status-list' && /beyond/.test(e.message));
  assert.throws(() => verifyStatusList(sign(new Uint8Array(1024)), ks, now), (e) => e.check === 'bad-status-list' && /size/.test(e.message));
  // A signed list whose validity window is backwards is refused as `cityid verify` refuses it,
  // even where a stale list would be let through with a warning.
  const backwards = sign(new Uint8Array(16384), { validFrom: now - 60, validUntil: now - 120 });
  assert.throws(() => verifyStatusList(backwards, ks, now, { allowStale: true }), (e) => e.check === 'bad-status-list' && /validUntil is not after validFrom/.test(e.message));
});

test('after a key rotation: the retired key still verifies the cards it signed, the new key the new ones', () => {
  const c = makeCity().init();
  const before = c.issue();
  const r = runCityid(['keys', 'rotate', '--data', c.data]);
  assert.equal(r.code, 0, r.stderr);
  const after = c.issue();
  const keys = c.keysJson();
  const set = JSON.parse(keys);
  assert.equal(set.keys.length, 2);
  assert.ok(set.keys.some((k) => k.status === 'retired' && Number.isInteger(k.not_after)), keys);
  const lists = [c.statusListJson()];
  const old = agree(before.qr, { keys, lists, label: 'card signed before the rotation' });
  const fresh = agree(after.qr, { keys, lists, label: 'card signed after the rotation' });
  assert.equal(old.verdict, 'valid');
  assert.equal(fresh.verdict, 'valid');
  assert.notEqual(old.keyId, fresh.keyId);
});

test('a card with a photo (signed here: cityid cards carry none yet): the bytes and their type', () => {
  const key = testKey();
  const keys = JSON.stringify({ issuer: 'https://photo.example', keys: [key.jwk] });
  const photo = Uint8Array.from({ length: 700 }, (_, i) => (i * 7) & 0xff);
  const text = signedCardWithPhoto({ key, issuer: 'https://photo.example', photo });
  const r = agree(text, { keys, lists: [], label: 'card with a photo' });
  assert.equal(r.verdict, 'valid');
  assert.deepEqual([...r.claims.photo], [...photo]);
  assert.equal(r.claims.photo_type, 'image/jpeg');
  // A retired key whose not_after is before the card's expiry signed nothing like it.
  const retired = JSON.stringify({ issuer: 'https://photo.example', keys: [{ ...key.jwk, status: 'retired', not_after: nowSec() }] });
  assert.equal(agree(text, { keys: retired, lists: [], label: 'card past its retired key\'s not_after' }).check, 'unknown-key');
  // The wrong issuer for the key set: refused, as cityid refuses it.
  const wrong = signedCardWithPhoto({ key, issuer: 'https://elsewhere.example', photo });
  assert.equal(agree(wrong, { keys, lists: [], label: 'card, wrong issuer' }).check, 'bad-claims');
});

test('key sets: a kid that is not SHA-256(x) is refused', () => {
  const j = JSON.parse(keysJson);
  j.keys[0].kid = 'AAAAAAAAAAA';
  assert.throws(() => parseKeySet(JSON.stringify(j)), /kid/);
  assert.throws(() => parseKeySet('{"keys": []}'), /no keys/);
  // The same key twice (here a retired copy, then one without not_after): refused, as
  // `cityid verify` refuses it, rather than the later copy replacing the earlier.
  const twice = JSON.parse(keysJson);
  twice.keys = [{ ...twice.keys[0], status: 'retired', not_after: 1 }, { ...twice.keys[0] }];
  assert.throws(() => parseKeySet(JSON.stringify(twice)), /duplicate key id/);
  assert.equal(verifyPayload(valid.qr, { keySet: undefined }).verdict, 'invalid');
});

test('timing (for the bench): verification per payload in this process', () => {
  const byLabel = new Map();
  for (const [label, ms] of timings) byLabel.set(label, ms);
  const now = nowSec();
  const statusLists = [list];
  for (const [label, text] of [['card', valid.qr], ['presentation', over21]]) {
    for (let i = 0; i < 5; i++) verifyPayload(text, { keySet, statusLists, now });
    const n = 50;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) assert.equal(verifyPayload(text, { keySet, statusLists, now }).verdict, 'valid');
    console.log(`verifyPayload ${label}: ${((performance.now() - t0) / n).toFixed(2)} ms per payload (node, warm)`);
  }
  assert.ok(byLabel.size > 10);
});
