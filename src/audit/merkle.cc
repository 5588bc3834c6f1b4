#include "audit/merkle.h"

#include <sodium.h>

namespace cityid::audit {

Result<Hash> ToHash(ByteView bytes) {
  if (bytes.size() != kHashBytes) {
    return Error(ErrorId::kInvalidArgument,
                 "hash must be 32 bytes, not " + std::to_string(bytes.size()));
  }
  Hash h;
  std::copy(bytes.begin(), bytes.end(), h.begin());
  return h;
}

Hash HashChildren(const Hash& left, const Hash& right) {
  crypto_hash_sha256_state st;
  crypto_hash_sha256_init(&st);
  const uint8_t one = 0x01;
  crypto_hash_sha256_update(&st, &one, 1);
  crypto_hash_sha256_update(&st, left.data(), left.size());
  crypto_hash_sha256_update(&st, right.data(), right.size());
  Hash out;
  crypto_hash_sha256_final(&st, out.data());
  return out;
}

Hash EmptyRoot() {
  Hash out;
  crypto_hash_sha256(out.data(), nullptr, 0);
  return out;
}

Result<Hash> LeafSource::Leaf(uint64_t index) const {
  Hash h;
  CITYID_RETURN_IF_ERROR(ReadLeaves(index, std::span<Hash>(&h, 1)));
  return h;
}

Status VectorLeafSource::ReadLeaves(uint64_t begin, std::span<Hash> out) const {
  if (begin > leaves_.size() || out.size() > leaves_.size() - begin) {
    return Error(ErrorId::kInvalidArgument, "leaf range beyond the tree");
  }
  std::copy(leaves_.begin() + static_cast<std::ptrdiff_t>(begin),
            leaves_.begin() + static_cast<std::ptrdiff_t>(begin + out.size()), out.begin());
  return Status::Ok();
}

Result<MerkleTree> MerkleTree::Build(const LeafSource& source) {
  constexpr uint64_t kBatch = 4096;
  MerkleTree tree;
  const uint64_t n = source.Size();
  std::vector<Hash> batch;
  for (uint64_t begin = 0; begin < n; begin += kBatch) {
    batch.resize(static_cast<size_t>(std::min(kBatch, n - begin)));
    CITYID_RETURN_IF_ERROR(source.ReadLeaves(begin, batch));
    for (const Hash& h : batch) tree.Append(h);
  }
  return tree;
}

void MerkleTree::Append(const Hash& leaf_hash) {
  if (levels_.empty()) levels_.emplace_back();
  levels_[0].push_back(leaf_hash);
  // Each completed pair completes a subtree one level up.
  for (size_t k = 0; levels_[k].size() % 2 == 0; ++k) {
    const auto& level = levels_[k];
    Hash parent = HashChildren(level[level.size() - 2], level[level.size() - 1]);
    if (levels_.size() == k + 1) levels_.emplace_back();
    levels_[k + 1].push_back(parent);
  }
}

Hash MerkleTree::SubtreeHash(uint64_t begin, uint64_t end) const {
  const uint64_t n = end - begin;
  if (n == 0) return EmptyRoot();
  // The RFC tree over an aligned range is its perfect subtrees (one per set bit of n, largest
  // first) folded from the right: MTH = H(P1, H(P2, ... H(Pk-1, Pk))).
  Hash nodes[64];
  int count = 0;
  uint64_t pos = begin;
  for (int k = 63; k >= 0; --k) {
    const uint64_t width = uint64_t{1} << k;
    if ((n & width) == 0) continue;
    nodes[count++] = levels_[static_cast<size_t>(k)][pos >> k];
    pos += width;
  }
  Hash acc = nodes[count - 1];
  for (int i = count - 2; i >= 0; --i) acc = HashChildren(nodes[i], acc);
  return acc;
}

Result<Hash> MerkleTree::RootAt(uint64_t tree_size) const {
  if (tree_size > size()) {
    return Error(ErrorId::kInvalidArgument, "tree size " + std::to_string(tree_size) +
                                                " exceeds the log (" + std::to_string(size()) +
                                                " entries)");
  }
  return SubtreeHash(0, tree_size);
}

void MerkleTree::InclusionPath(uint64_t index, uint64_t begin, uint64_t end,
                               std::vector<Hash>& out) const {
  const uint64_t n = end - begin;
  if (n <= 1) return;
  const uint64_t k = SplitPoint(n);
  if (index < begin + k) {
    InclusionPath(index, begin, begin + k, out);
    out.push_back(SubtreeHash(begin + k, end));
  } else {
    InclusionPath(index, begin + k, end, out);
    out.push_back(SubtreeHash(begin, begin + k));
  }
}

Result<std::vector<Hash>> MerkleTree::InclusionProof(uint64_t index, uint64_t tree_size) const {
  if (tree_size > size() || index >= tree_size) {
    return Error(ErrorId::kInvalidArgument, "no leaf " + std::to_string(index) + " in a tree of " +
                                                std::to_string(tree_size) + " (log has " +
                                                std::to_string(size()) + ")");
  }
  std::vector<Hash> out;
  InclusionPath(index, 0, tree_size, out);
  return out;
}

void MerkleTree::SubProof(uint64_t m, uint64_t begin, uint64_t end, bool whole,
                          std::vector<Hash>& out) const {
  const uint64_t n = end - begin;
  if (m == n) {
    if (!whole) out.push_back(SubtreeHash(begin, end));
    return;
  }
  const uint64_t k = SplitPoint(n);
  if (m <= k) {
    SubProof(m, begin, begin + k, whole, out);
    out.push_back(SubtreeHash(begin + k, end));
  } else {
    SubProof(m - k, begin + k, end, false, out);
    out.push_back(SubtreeHash(begin, begin + k));
  }
}

Result<std::vector<Hash>> MerkleTree::ConsistencyProof(uint64_t old_size, uint64_t new_size) const {
  if (new_size > size() || old_size > new_size) {
    return Error(ErrorId::kInvalidArgument,
                 "no consistency proof from " + std::to_string(old_size) + " to " +
                     std::to_string(new_size) + " (log has " + std::to_string(size()) + ")");
  }
  std::vector<Hash> out;
  if (old_size == 0 || old_size == new_size) return out;
  SubProof(old_size, 0, new_size, true, out);
  return out;
}

bool VerifyInclusion(const Hash& leaf_hash, uint64_t index, uint64_t tree_size,
                     std::span<const Hash> proof, const Hash& root) {
  if (index >= tree_size) return false;
  uint64_t fn = index;
  uint64_t sn = tree_size - 1;
  Hash r = leaf_hash;
  for (const Hash& p : proof) {
    if (sn == 0) return false;
    if ((fn & 1) != 0 || fn == sn) {
      r = HashChildren(p, r);
      if ((fn & 1) == 0) {
        while ((fn & 1) == 0 && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      r = HashChildren(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && sodium_memcmp(r.data(), root.data(), kHashBytes) == 0;
}

bool VerifyConsistency(uint64_t old_size, uint64_t new_size, const Hash& old_root,
                       const Hash& new_root, std::span<const Hash> proof) {
  if (old_size > new_size) return false;
  if (old_size == 0) return proof.empty() && old_root == EmptyRoot();
  if (old_size == new_size) return proof.empty() && old_root == new_root;
  if (proof.empty()) return false;
  std::vector<Hash> path;
  // When the old tree is a perfect subtree, its root is the first node and the RFC omits it.
  if (std::has_single_bit(old_size)) path.push_back(old_root);
  path.insert(path.end(), proof.begin(), proof.end());
  uint64_t fn = old_size - 1;
  uint64_t sn = new_size - 1;
  while ((fn & 1) != 0) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash fr = path[0];
  Hash sr = path[0];
  for (size_t i = 1; i < path.size(); ++i) {
    const Hash& c = path[i];
    if (sn == 0) return false;
    if ((fn & 1) != 0 || fn == sn) {
      fr = HashChildren(c, fr);
      sr = HashChildren(c, sr);
      if ((fn & 1) == 0) {
        while ((fn & 1) == 0 && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      sr = HashChildren(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && fr == old_root && sr == new_root;
}

Bytes TreeHeadSigningInput(uint64_t tree_size, UnixSeconds timestamp, const Hash& root_hash) {
  Bytes out = cityid::ToBytes("cityid-tree-head-v1");
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<uint8_t>(tree_size >> (8 * i)));
  const uint64_t t = static_cast<uint64_t>(timestamp);
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<uint8_t>(t >> (8 * i)));
  out.insert(out.end(), root_hash.begin(), root_hash.end());
  return out;
}

}  // namespace cityid::audit
