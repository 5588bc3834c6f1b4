#pragma once
// The RFC 6962 / RFC 9162 §2.1 Merkle tree over audit-log leaf hashes (DESIGN §8): tree hashes,
// inclusion proofs (audit paths) and consistency proofs, generation and verification, and the
// signed tree head.
//
// Costs (n leaves): MerkleTree keeps the hash of every complete, aligned subtree ("levels": level
// k holds floor(n / 2^k) hashes), at most 2n hashes of 32 bytes (64 MB for a million leaves).
// Building it is O(n) hash operations, once; appending a leaf is amortized O(1). From it,
// RootAt(m) costs O(log n) hashes, an inclusion or consistency proof O(log² n) hashes in the worst
// case (each of the O(log n) proof nodes is either stored or folded from O(log n) stored nodes),
// which is under 500 SHA-256 calls for 10^6 leaves. Verification is O(log n) and needs no tree.

#include <array>
#include <bit>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/clock.h"
#include "base/status.h"

namespace cityid::audit {

inline constexpr size_t kHashBytes = 32;
using Hash = std::array<uint8_t, kHashBytes>;

// Converts a 32-byte string of bytes; kInvalidArgument on any other length.
Result<Hash> ToHash(ByteView bytes);
inline Bytes HashToBytes(const Hash& h) { return Bytes(h.begin(), h.end()); }

// RFC 6962 interior node hash: SHA-256(0x01 || left || right).
Hash HashChildren(const Hash& left, const Hash& right);
// Root of the empty tree: SHA-256("").
Hash EmptyRoot();

// RFC 6962's split: the largest power of two strictly smaller than n. REQUIRES: n >= 2.
inline uint64_t SplitPoint(uint64_t n) { return uint64_t{1} << (std::bit_width(n - 1) - 1); }

// Where leaf hashes come from (a vector in tests, the store's audit_log in production).
// Implementations need not be thread-safe.
class LeafSource {
 public:
  virtual ~LeafSource() = default;
  // Number of leaves.
  virtual uint64_t Size() const = 0;
  // Fills `out` with the leaf hashes [begin, begin + out.size()). Fails with kInvalidArgument if
  // the range exceeds Size(), or with the source's own error (e.g. kStoreBusy).
  virtual Status ReadLeaves(uint64_t begin, std::span<Hash> out) const = 0;
  // Leaf hash `index`, through ReadLeaves.
  Result<Hash> Leaf(uint64_t index) const;
};

// Leaf hashes held in memory.
class VectorLeafSource final : public LeafSource {
 public:
  explicit VectorLeafSource(std::vector<Hash> leaves) : leaves_(std::move(leaves)) {}
  uint64_t Size() const override { return leaves_.size(); }
  Status ReadLeaves(uint64_t begin, std::span<Hash> out) const override;

 private:
  std::vector<Hash> leaves_;
};

// An append-only Merkle tree with every complete subtree hash cached (see costs above).
// Not thread-safe for Append; const methods may run concurrently.
class MerkleTree {
 public:
  MerkleTree() = default;
  // Reads all of `source` (in batches) and builds the tree: O(n) hashes. Fails with the source's
  // error.
  static Result<MerkleTree> Build(const LeafSource& source);

  void Append(const Hash& leaf_hash);
  uint64_t size() const { return levels_.empty() ? 0 : levels_[0].size(); }
  const Hash& leaf(uint64_t index) const { return levels_[0][index]; }  // REQUIRES: index < size()

  // MTH(D[0:size()]) and MTH(D[0:tree_size]). RootAt fails with kInvalidArgument if
  // tree_size > size().
  Hash Root() const { return SubtreeHash(0, size()); }
  Result<Hash> RootAt(uint64_t tree_size) const;

  // RFC 6962 §2.1.1 PATH(index, D[0:tree_size]), leaf-side first. Fails with kInvalidArgument
  // unless index < tree_size <= size().
  Result<std::vector<Hash>> InclusionProof(uint64_t index, uint64_t tree_size) const;
  // RFC 6962 §2.1.2 PROOF(old_size, D[0:new_size]). Empty when old_size is 0 or equals new_size.
  // Fails with kInvalidArgument unless old_size <= new_size <= size().
  Result<std::vector<Hash>> ConsistencyProof(uint64_t old_size, uint64_t new_size) const;

 private:
  // MTH(D[begin:end]). REQUIRES: end <= size(), and begin is a multiple of a power of two that is
  // >= end - begin (true of every range the RFC recursion visits).
  Hash SubtreeHash(uint64_t begin, uint64_t end) const;
  void InclusionPath(uint64_t index, uint64_t begin, uint64_t end, std::vector<Hash>& out) const;
  void SubProof(uint64_t m, uint64_t begin, uint64_t end, bool whole, std::vector<Hash>& out) const;

  std::vector<std::vector<Hash>> levels_;  // levels_[k][i] = MTH(D[i*2^k : (i+1)*2^k])
};

// RFC 9162 §2.1.3.2: true iff `proof` shows that `leaf_hash` is leaf `index` of the tree of
// `tree_size` leaves whose root is `root`.
bool VerifyInclusion(const Hash& leaf_hash, uint64_t index, uint64_t tree_size,
                     std::span<const Hash> proof, const Hash& root);

// RFC 9162 §2.1.4.2: true iff `proof` shows that the tree (old_size, old_root) is a prefix of
// (new_size, new_root). old_size == 0 (any tree extends the empty one) and old_size == new_size
// (equal roots) take an empty proof.
bool VerifyConsistency(uint64_t old_size, uint64_t new_size, const Hash& old_root,
                       const Hash& new_root, std::span<const Hash> proof);

// A signed tree head (RFC 6962 §3.5 in spirit), signed by the keyring's log key.
struct SignedTreeHead {
  uint64_t tree_size = 0;
  UnixSeconds timestamp = 0;
  Hash root_hash{};
  Bytes key_id;     // log key id (crypto::KeyIdFor of its public key)
  Bytes signature;  // Ed25519 over TreeHeadSigningInput
};

// The exact bytes the log key signs:
//   "cityid-tree-head-v1" (19 ASCII bytes, no terminator)
//   || tree_size (8 bytes, big-endian) || timestamp (8 bytes, big-endian, two's complement)
//   || root_hash (32 bytes)
Bytes TreeHeadSigningInput(uint64_t tree_size, UnixSeconds timestamp, const Hash& root_hash);

}  // namespace cityid::audit
