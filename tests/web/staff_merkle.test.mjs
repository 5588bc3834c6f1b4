// The auditor page's proof checker (web/staff/merkle.js), in node: the Certificate Transparency
// reference vectors (the same ones src/audit/merkle_test.cc checks), every inclusion and
// consistency proof of trees up to 40 leaves (and tampered ones failing), and agreement with the
// C++ side on a real log: `cityid audit export` (leaf hashes, signed head, log key) and
// `cityid audit proof` (an inclusion proof), made by the real binary.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { createHash } from 'node:crypto';

import { staffSession, startServer } from './harness.mjs';
import {
  canonicalBytes,
  checkConsistency,
  checkEntryInclusion,
  checkTreeHead,
  fromHex,
  hashChildren,
  leafHash,
  parseLogKey,
  rootOf,
  toHex,
  verifyConsistency,
  verifyInclusion,
} from '../../web/staff/merkle.js';

const sha256 = (bytes) => new Uint8Array(createHash('sha256').update(bytes).digest());
const raw = (hex) => sha256(Uint8Array.of(0, ...(fromHex(hex, hex.length / 2) ?? [])));
const H = (hex) => fromHex(hex);

// google/certificate-transparency's reference leaves and roots of the first n leaves.
const LEAF_DATA = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'];
const ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];

// RFC 6962 §2.1.1 PATH and §2.1.2 PROOF, straight from the definitions (the generator the
// verifier is checked against).
function split(n) {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}
function pathOf(m, leaves) {
  const n = leaves.length;
  if (n <= 1) return [];
  const k = split(n);
  return m < k
    ? [...pathOf(m, leaves.slice(0, k)), rootOf(leaves.slice(k))]
    : [...pathOf(m - k, leaves.slice(k)), rootOf(leaves.slice(0, k))];
}
function subproof(m, leaves, whole) {
  const n = leaves.length;
  if (m === n) return whole ? [] : [rootOf(leaves)];
  const k = split(n);
  return m <= k
    ? [...subproof(m, leaves.slice(0, k), whole), rootOf(leaves.slice(k))]
    : [...subproof(m - k, leaves.slice(k), false), rootOf(leaves.slice(0, k))];
}
const proofOf = (m, leaves) => (m === 0 || m === leaves.length ? [] : subproof(m, leaves, true));

const synthetic = (n) =>
  Array.from({ length: n }, (_, i) => leafHash({ at: i, actor: 'a', role: 'clerk', site: '', action: 'x', subject: String(i), reason: '' }));
const flip = (h, byte = 0) => {
  const c = Uint8Array.from(h);
  c[byte] ^= 1;
  return c;
};

describe('RFC 6962 reference vectors', () => {
  const leaves = LEAF_DATA.map(raw);
  test('roots of the first n leaves', () => {
    for (let n = 0; n <= 8; n++) assert.equal(toHex(rootOf(leaves.slice(0, n))), ROOTS[n], `n=${n}`);
  });
  test('inclusion proofs of leaves 0 and 5 in 8', () => {
    const p0 = [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ];
    const p5 = [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ];
    assert.deepEqual(pathOf(0, leaves).map(toHex), p0);
    assert.deepEqual(pathOf(5, leaves).map(toHex), p5);
    assert.equal(verifyInclusion(leaves[0], 0, 8, p0.map(H), H(ROOTS[8])), true);
    assert.equal(verifyInclusion(leaves[5], 5, 8, p5.map(H), H(ROOTS[8])), true);
    assert.equal(verifyInclusion(leaves[5], 4, 8, p5.map(H), H(ROOTS[8])), false);
  });
  test('consistency proofs 2→8, 2→5, 6→8', () => {
    const cases = [
      [2, 8, ['5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4']],
      [2, 5, ['5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', 'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b']],
      [6, 8, ['0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a', 'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0', 'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7']],
    ];
    for (const [m, n, proof] of cases) {
      assert.deepEqual(proofOf(m, leaves.slice(0, n)).map(toHex), proof, `${m}->${n}`);
      assert.equal(verifyConsistency(m, n, H(ROOTS[m]), H(ROOTS[n]), proof.map(H)), true, `${m}->${n}`);
    }
    assert.equal(verifyConsistency(0, 8, H(ROOTS[8]), H(ROOTS[8]), []), false);
    assert.equal(verifyConsistency(0, 8, H(ROOTS[0]), H(ROOTS[8]), []), true);
  });
});

describe('every proof up to 40 leaves', () => {
  const all = synthetic(40);
  test('inclusion: valid ones verify, a changed leaf, index, node, or length fails', () => {
    for (let n = 1; n <= 40; n++) {
      const leaves = all.slice(0, n);
      const root = rootOf(leaves);
      for (let i = 0; i < n; i++) {
        const proof = pathOf(i, leaves);
        assert.equal(verifyInclusion(leaves[i], i, n, proof, root), true, `${i}/${n}`);
        assert.equal(verifyInclusion(leaves[i], n, n, proof, root), false);
        if (n === 1) continue;
        assert.equal(verifyInclusion(leaves[(i + 1) % n], i, n, proof, root), false);
        assert.equal(verifyInclusion(leaves[i], (i + 1) % n, n, proof, root), false);
        const bad = proof.slice();
        bad[i % bad.length] = flip(bad[i % bad.length]);
        assert.equal(verifyInclusion(leaves[i], i, n, bad, root), false);
        assert.equal(verifyInclusion(leaves[i], i, n, proof.slice(0, -1), root), false);
        assert.equal(verifyInclusion(leaves[i], i, n, [...proof, root], root), false);
      }
    }
  });
  test('consistency: valid ones verify, tampered, swapped roots, wrong size or short ones fail', () => {
    for (let n = 1; n <= 40; n++) {
      const leaves = all.slice(0, n);
      const newRoot = rootOf(leaves);
      for (let m = 0; m <= n; m++) {
        const oldRoot = rootOf(leaves.slice(0, m));
        const proof = proofOf(m, leaves);
        assert.equal(verifyConsistency(m, n, oldRoot, newRoot, proof), true, `${m}->${n}`);
        if (m === 0 || m === n) continue;
        const bad = proof.slice();
        bad[m % bad.length] = flip(bad[m % bad.length], 31);
        assert.equal(verifyConsistency(m, n, oldRoot, newRoot, bad), false);
        assert.equal(verifyConsistency(m, n, newRoot, newRoot, proof), false);
        assert.equal(verifyConsistency(m, n, oldRoot, oldRoot, proof), false);
        assert.equal(verifyConsistency(m - 1, n, oldRoot, newRoot, proof), false);
        assert.equal(verifyConsistency(m, n, oldRoot, newRoot, []), false);
        assert.equal(verifyConsistency(m, n, oldRoot, newRoot, proof.slice(0, -1)), false);
      }
    }
  });
  test('node hash is SHA-256(0x01 || left || right)', () => {
    const [a, b] = synthetic(2);
    assert.deepEqual(hashChildren(a, b), sha256(Uint8Array.of(1, ...a, ...b)));
  });
});

describe('agrees with the C++ log (cityid audit export and proof)', () => {
  let server;
  let exported;
  before(async () => {
    server = await startServer();
    const admin = await staffSession(server, { user: 'ada', role: 'admin' });
    await staffSession(server, { user: 'zhu', role: 'clerk' });
    await staffSession(server, { user: 'bo', role: 'partner', site: 'city-hall' });
    const r = await admin.fetch('/api/v1/staff');
    assert.equal(r.status, 200);
    const head = server.cli(['audit', 'head', '--data', server.dataDir]);
    assert.equal(head.code, 0, head.stderr);
    const dir = path.join(server.tmp, 'export');
    fs.mkdirSync(dir);
    const files = { entries: path.join(dir, 'e.json'), heads: path.join(dir, 'h.json'), key: path.join(dir, 'k.json') };
    const ex = server.cli(['audit', 'export', '--data', server.dataDir, '--entries', files.entries, '--tree-heads', files.heads, '--log-key', files.key]);
    assert.equal(ex.code, 0, ex.stderr);
    exported = {
      entries: JSON.parse(fs.readFileSync(files.entries, 'utf8')).entries,
      heads: JSON.parse(fs.readFileSync(files.heads, 'utf8')).tree_heads,
      key: JSON.parse(fs.readFileSync(files.key, 'utf8')),
    };
  });
  after(async () => {
    await server?.stop();
  });

  test('leaf hashes, root, head signature and an inclusion proof', () => {
    const { entries, heads, key } = exported;
    assert.ok(entries.length >= 3, `entries: ${entries.length}`);
    for (const e of entries) assert.equal(toHex(leafHash(e)), e.leaf_hash, `seq ${e.seq}`);
    const logKey = parseLogKey(key);
    assert.ok(logKey, 'the log key parses and its kid matches x');
    assert.equal(parseLogKey({ ...key, kid: 'AAAAAAAAAAA' }), null);
    assert.equal(parseLogKey({ ...key, use: 'sig' }), null);
    const head = heads.at(-1);
    const checked = checkTreeHead(head, logKey);
    assert.equal(checked.ok, true, JSON.stringify(checked));
    assert.equal(head.tree_size, entries.length);
    assert.equal(toHex(rootOf(entries.map(leafHash))), head.root_hash);
    assert.deepEqual(checkTreeHead({ ...head, timestamp: head.timestamp + 1 }, logKey), { ok: false, why: 'bad-signature' });
    assert.deepEqual(checkTreeHead({ ...head, key_id: 'x' }, logKey), { ok: false, why: 'wrong-key' });

    const seq = entries.length - 2;
    const p = server.cli(['audit', 'proof', '--data', server.dataDir, '--seq', String(seq)]);
    assert.equal(p.code, 0, p.stderr);
    const proof = JSON.parse(p.stdout);
    assert.deepEqual(checkEntryInclusion(entries[seq], proof, logKey), { ok: true, head: checked.head });
    // The same entry with one field changed no longer hashes to the proof's leaf.
    assert.deepEqual(checkEntryInclusion({ ...entries[seq], reason: `${entries[seq].reason}x` }, proof, logKey), { ok: false, step: 'leaf' });
    // A changed path node.
    const badPath = { ...proof, audit_path: proof.audit_path.map((x, i) => (i === 0 ? toHex(flip(H(x))) : x)) };
    assert.deepEqual(checkEntryInclusion(entries[seq], badPath, logKey), { ok: false, step: 'path' });
    // The canonical bytes start with the domain tag and the big-endian time.
    const bytes = canonicalBytes(entries[seq]);
    assert.equal(new TextDecoder().decode(bytes.slice(0, 15)), 'cityid-audit-v1');
    assert.equal(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(15), BigInt(entries[seq].at));
  });

  test('a consistency proof between the remembered head and a newer one', async () => {
    const { key, heads } = exported;
    const logKey = parseLogKey(key);
    const older = checkTreeHead(heads.at(-1), logKey).head;
    // More entries, a second head.
    await staffSession(server, { user: 'li', role: 'supervisor' });
    assert.equal(server.cli(['audit', 'head', '--data', server.dataDir]).code, 0);
    const auditor = await staffSession(server, { user: 'olga', role: 'auditor' });
    const now = await auditor.fetch('/api/v1/audit/head');
    assert.equal(now.status, 200, now.text);
    assert.deepEqual(parseLogKey(now.json.log_key), logKey, 'the API serves the same log key');
    const newer = now.json.signed_tree_head;
    const answer = await auditor.fetch(`/api/v1/audit/consistency?from=${older.size}&to=${newer.tree_size}`);
    assert.equal(answer.status, 200, answer.text);
    assert.equal(checkConsistency(older, answer.json, logKey).ok, true);
    // A head the page remembered that is not the server's old head.
    assert.deepEqual(checkConsistency({ ...older, root: flip(older.root) }, answer.json, logKey), { ok: false, step: 'changed' });
    const tampered = { ...answer.json, proof: answer.json.proof.map((x) => toHex(flip(H(x), 5))) };
    assert.deepEqual(checkConsistency(older, tampered, logKey), { ok: false, step: 'proof' });
  });
});
