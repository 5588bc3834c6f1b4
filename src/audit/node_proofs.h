#pragma once
// Proofs from stored subtree hashes (docs/audit.md "Proof storage"). MerkleTree (merkle.h) keeps
// every node in memory, built from all n leaves: O(n) to start. NodeTree instead asks a
// NodeSource for the few nodes a proof needs — the hash of a complete, aligned subtree is what
// the store keeps (store.h "audit tree nodes") — so an inclusion or consistency proof costs
// O(log n) node reads and hashes, whatever n is:
//   * every proof node is the hash of a range [begin, end) the RFC recursion visits; all but at
//     most one per proof (the ragged right edge) are complete subtrees, i.e. one stored node;
//   * a ragged range is folded from its O(log n) complete subtrees (one per set bit of its size).
// A node the source does not hold (entries appended since the nodes were last extended) is
// folded from its two children, recursively down to leaf hashes: correct for any lag, and O(lag)
// for that part.
//
// Output is identical to MerkleTree's: same RFC 6962 §2.1.1 / §2.1.2 paths, checked by
// VerifyInclusion / VerifyConsistency.

#include <cstdint>
#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include "audit/merkle.h"
#include "base/status.h"

namespace cityid::audit {

// Where subtree hashes come from. Implementations need not be thread-safe.
class NodeSource {
 public:
  virtual ~NodeSource() = default;
  // Number of leaves.
  virtual uint64_t Size() const = 0;
  // The hash of node (level, index) = MTH(leaves [index * 2^level, (index + 1) * 2^level)) if
  // held, else nullopt. Level 0 is the leaf hash and must be held for every index < Size().
  // REQUIRES: (index + 1) * 2^level <= Size(). Fails with the source's own error.
  virtual Result<std::optional<Hash>> Stored(int level, uint64_t index) const = 0;
};

// A NodeSource over a function (e.g. a lambda over store::Tx::GetAuditNode, which the audit
// module cannot name: the store depends on it).
class FunctionNodeSource final : public NodeSource {
 public:
  using Fn = std::function<Result<std::optional<Hash>>(int level, uint64_t index)>;
  FunctionNodeSource(uint64_t size, Fn fn) : size_(size), fn_(std::move(fn)) {}
  uint64_t Size() const override { return size_; }
  Result<std::optional<Hash>> Stored(int level, uint64_t index) const override {
    return fn_(level, index);
  }

 private:
  uint64_t size_;
  Fn fn_;
};

// Proofs and roots over a NodeSource. Borrows the source, which must outlive it.
class NodeTree {
 public:
  explicit NodeTree(const NodeSource& source) : source_(source) {}

  // Leaf hash `index`; kInvalidArgument unless index < Size(); kStoreCorrupt if not held.
  Result<Hash> Leaf(uint64_t index) const;
  // MTH(D[0:tree_size]); kInvalidArgument if tree_size > Size().
  Result<Hash> RootAt(uint64_t tree_size) const;
  // As MerkleTree::InclusionProof / ConsistencyProof, with the same argument checks.
  Result<std::vector<Hash>> InclusionProof(uint64_t index, uint64_t tree_size) const;
  Result<std::vector<Hash>> ConsistencyProof(uint64_t old_size, uint64_t new_size) const;

  // Node reads made so far (for tests and benchmarks: O(log n) per proof).
  uint64_t reads() const { return reads_; }

 private:
  Result<Hash> Node(int level, uint64_t index) const;
  Result<Hash> SubtreeHash(uint64_t begin, uint64_t end) const;
  Status InclusionPath(uint64_t index, uint64_t begin, uint64_t end, std::vector<Hash>& out) const;
  Status SubProof(uint64_t m, uint64_t begin, uint64_t end, bool whole,
                  std::vector<Hash>& out) const;

  const NodeSource& source_;
  mutable uint64_t reads_ = 0;
};

}  // namespace cityid::audit
