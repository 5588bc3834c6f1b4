// The access log's proofs, checked in the browser (no DOM here; tests/web/staff_merkle.test.mjs
// runs it in node against vectors from the C++ side). The same rules as src/audit/ and
// docs/audit.md:
//   leaf data   "cityid-audit-v1" || at (8 bytes BE) || actor, role, site, action, subject, reason
//               (each a 4-byte BE length then its UTF-8 bytes)
//   leaf hash   SHA-256(0x00 || leaf data); node hash SHA-256(0x01 || left || right) (RFC 6962)
//   tree head   Ed25519 by the log key over "cityid-tree-head-v1" || tree_size (8 BE)
//               || timestamp (8 BE) || root_hash (32)
//   log key     a JWK {kty OKP, crv Ed25519, use cityid-tree-head, kid, x}; kid = base64url of
//               the first 8 bytes of SHA-256(x)
// Inclusion and consistency proofs are verified with RFC 9162 §2.1.3.2 and §2.1.4.2.
import { sha256 } from '@noble/hashes/sha2';

import { b64urlDecode, b64urlEncode, concat, equalBytes, toHex, utf8 } from '../common/card/bytes.js';
import { keyIdFor, verifyEd25519 } from '../common/card/keys.js';

export { toHex };

/** Lowercase or uppercase hex of exactly `bytes` bytes (default 32) → Uint8Array; null if not. */
export function fromHex(text, bytes = 32) {
  if (typeof text !== 'string' || text.length !== bytes * 2 || !/^[0-9a-fA-F]*$/.test(text)) return null;
  const out = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function u64be(n) {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt.asUintN(64, BigInt(n)));
  return out;
}

function u32be(n) {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n);
  return out;
}

/** audit::CanonicalBytes of an entry {at, actor, role, site, action, subject, reason}. */
export function canonicalBytes(entry) {
  const parts = [utf8.encode('cityid-audit-v1'), u64be(entry.at)];
  for (const field of ['actor', 'role', 'site', 'action', 'subject', 'reason']) {
    const b = utf8.encode(String(entry[field] ?? ''));
    parts.push(u32be(b.length), b);
  }
  return concat(...parts);
}

/** RFC 6962 leaf hash of an entry's fields. */
export const leafHash = (entry) => sha256(concat(Uint8Array.of(0), canonicalBytes(entry)));

/** RFC 6962 interior node hash. */
export const hashChildren = (left, right) => sha256(concat(Uint8Array.of(1), left, right));

/** MTH of a list of leaf hashes (for tests and small logs). */
export function rootOf(leaves) {
  if (leaves.length === 0) return sha256(new Uint8Array(0));
  if (leaves.length === 1) return leaves[0];
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return hashChildren(rootOf(leaves.slice(0, k)), rootOf(leaves.slice(k)));
}

/** The bytes a tree head's signature covers (audit::TreeHeadSigningInput). */
export function treeHeadSigningInput(treeSize, timestamp, rootHash) {
  return concat(utf8.encode('cityid-tree-head-v1'), u64be(treeSize), u64be(timestamp), rootHash);
}

/**
 * RFC 9162 §2.1.3.2: true iff `proof` (array of 32-byte hashes) shows `leaf` is leaf `index`
 * of the tree of `treeSize` leaves with root `root`.
 */
export function verifyInclusion(leaf, index, treeSize, proof, root) {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(treeSize) || index < 0 || index >= treeSize) {
    return false;
  }
  let fn = index;
  let sn = treeSize - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = hashChildren(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = hashChildren(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && equalBytes(r, root);
}

/**
 * RFC 9162 §2.1.4.2: true iff `proof` shows the tree (oldSize, oldRoot) is a prefix of
 * (newSize, newRoot). Equal sizes need an empty proof and equal roots; oldSize 0 is trivially
 * consistent (an empty proof).
 */
export function verifyConsistency(oldSize, newSize, oldRoot, newRoot, proof) {
  if (!Number.isSafeInteger(oldSize) || !Number.isSafeInteger(newSize) || oldSize < 0 || oldSize > newSize) {
    return false;
  }
  if (oldSize === 0) return proof.length === 0 && equalBytes(oldRoot, sha256(new Uint8Array(0)));
  if (oldSize === newSize) return proof.length === 0 && equalBytes(oldRoot, newRoot);
  if (proof.length === 0) return false;
  let path = proof;
  // When oldSize is a power of two the old root is the first node of the path.
  if ((oldSize & (oldSize - 1)) === 0) path = [oldRoot, ...proof];
  let fn = oldSize - 1;
  let sn = newSize - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = path[0];
  let sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = hashChildren(c, fr);
      sr = hashChildren(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = hashChildren(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && equalBytes(fr, oldRoot) && equalBytes(sr, newRoot);
}

/**
 * The log key from its JWK: {kid, key (32 bytes)}; null when it is not an Ed25519 tree-head key
 * or its kid is not the first 8 bytes of SHA-256(x).
 */
export function parseLogKey(jwk) {
  if (!jwk || jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || jwk.use !== 'cityid-tree-head') return null;
  let key;
  try {
    key = b64urlDecode(String(jwk.x));
  } catch {
    return null;
  }
  if (key.length !== 32 || b64urlEncode(keyIdFor(key)) !== jwk.kid) return null;
  return { kid: jwk.kid, key };
}

/**
 * A signed tree head as the API gives it ({tree_size, timestamp, root_hash, key_id, signature})
 * checked against the log key: {ok: true, head: {size, timestamp, root}} or {ok: false, why}
 * where `why` is 'malformed', 'wrong-key' or 'bad-signature'.
 */
export function checkTreeHead(json, logKey) {
  const root = fromHex(json?.root_hash);
  if (!root || !Number.isSafeInteger(json.tree_size) || !Number.isSafeInteger(json.timestamp)) {
    return { ok: false, why: 'malformed' };
  }
  if (!logKey || json.key_id !== logKey.kid) return { ok: false, why: 'wrong-key' };
  let signature;
  try {
    signature = b64urlDecode(String(json.signature));
  } catch {
    return { ok: false, why: 'bad-signature' };
  }
  const input = treeHeadSigningInput(json.tree_size, json.timestamp, root);
  if (signature.length !== 64 || !verifyEd25519(signature, input, logKey.key)) {
    return { ok: false, why: 'bad-signature' };
  }
  return { ok: true, head: { size: json.tree_size, timestamp: json.timestamp, root } };
}

/** Parses a list of hex hashes; null if any is not 32 bytes of hex. */
export function hashList(list) {
  if (!Array.isArray(list)) return null;
  const out = list.map((x) => fromHex(x));
  return out.every(Boolean) ? out : null;
}

/**
 * The whole in-browser check of one entry, as the page shows it. `entry` is the entry as the
 * page holds it (its fields and seq, from the entries answer), `proof` the
 * cityid-inclusion-proof-v1 answer, `logKey` from parseLogKey. Returns {ok: true, head} or
 * {ok: false, step} with step one of 'head' (signature), 'leaf' (the entry's fields do not hash
 * to the leaf hash the proof is about), 'path' (the audit path does not lead to the signed root).
 */
export function checkEntryInclusion(entry, proof, logKey) {
  const head = checkTreeHead(proof?.tree_head, logKey);
  if (!head.ok) return { ok: false, step: 'head', why: head.why };
  const leaf = leafHash(entry);
  const claimed = fromHex(proof.leaf_hash);
  if (!claimed || !equalBytes(leaf, claimed) || proof.seq !== entry.seq) return { ok: false, step: 'leaf' };
  const path = hashList(proof.audit_path);
  if (!path || !verifyInclusion(leaf, entry.seq, head.head.size, path, head.head.root)) {
    return { ok: false, step: 'path' };
  }
  return { ok: true, head: head.head };
}

/**
 * The check between a head the page saw earlier (`older`, as checkTreeHead returned it) and the
 * cityid-consistency-proof-v1 answer: both heads signed, the old one the same the page
 * remembered, and the proof valid. {ok: true, head: newer} or {ok: false, step} with step
 * 'head', 'changed' (the server's old head is not the one remembered) or 'proof'.
 */
export function checkConsistency(older, answer, logKey) {
  const oldHead = checkTreeHead(answer?.old_tree_head, logKey);
  const newHead = checkTreeHead(answer?.new_tree_head, logKey);
  if (!oldHead.ok || !newHead.ok) return { ok: false, step: 'head' };
  if (oldHead.head.size !== older.size || !equalBytes(oldHead.head.root, older.root)) {
    return { ok: false, step: 'changed' };
  }
  const proof = hashList(answer.proof);
  if (!proof || !verifyConsistency(older.size, newHead.head.size, older.root, newHead.head.root, proof)) {
    return { ok: false, step: 'proof' };
  }
  return { ok: true, head: newHead.head };
}
