#include "audit/node_proofs.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <map>
#include <utility>

#include "audit/merkle.h"

namespace cityid::audit {
namespace {

Hash LeafFor(uint64_t i) {
  Hash h;
  const uint8_t in[9] = {0, static_cast<uint8_t>(i), static_cast<uint8_t>(i >> 8), 1, 2, 3, 4, 5, 6};
  crypto_hash_sha256(h.data(), in, sizeof in);
  return h;
}

// A source holding leaves and the complete subtrees of its first `covered` leaves (as the store
// after ExtendAuditNodes ran at `covered`), optionally missing every node of one level.
class MapNodeSource final : public NodeSource {
 public:
  MapNodeSource(uint64_t n, uint64_t covered, int drop_level = -1) : n_(n) {
    MerkleTree t;
    for (uint64_t i = 0; i < n; ++i) t.Append(LeafFor(i));
    for (uint64_t i = 0; i < n; ++i) nodes_[{0, i}] = LeafFor(i);
    for (int level = 1; (uint64_t{1} << level) <= covered; ++level) {
      if (level == drop_level) continue;
      const uint64_t w = uint64_t{1} << level;
      for (uint64_t i = 0; (i + 1) * w <= covered; ++i) nodes_[{level, i}] = Fold(t, i * w, w);
    }
  }
  uint64_t Size() const override { return n_; }
  Result<std::optional<Hash>> Stored(int level, uint64_t index) const override {
    auto it = nodes_.find({level, index});
    if (it == nodes_.end()) return std::optional<Hash>();
    return std::optional<Hash>(it->second);
  }

 private:
  // MTH of the aligned range [begin, begin + w) from leaves, by the RFC definition.
  static Hash Fold(const MerkleTree& t, uint64_t begin, uint64_t w) {
    if (w == 1) return t.leaf(begin);
    return HashChildren(Fold(t, begin, w / 2), Fold(t, begin + w / 2, w / 2));
  }
  uint64_t n_;
  std::map<std::pair<int, uint64_t>, Hash> nodes_;
};

MerkleTree FullTree(uint64_t n) {
  MerkleTree t;
  for (uint64_t i = 0; i < n; ++i) t.Append(LeafFor(i));
  return t;
}

TEST(NodeTreeTest, ProofsEqualThoseFromAllLeavesForEverySizeUpTo70) {
  ASSERT_GE(sodium_init(), 0);
  constexpr uint64_t kMax = 70;
  const MerkleTree full = FullTree(kMax);
  // Nodes stored for all leaves, for none, and lagging by a few entries.
  for (uint64_t covered : {kMax, uint64_t{0}, uint64_t{64}, uint64_t{37}}) {
    MapNodeSource src(kMax, covered);
    NodeTree tree(src);
    for (uint64_t n = 0; n <= kMax; ++n) {
      ASSERT_EQ(*tree.RootAt(n), *full.RootAt(n)) << n;
      for (uint64_t m = 0; m < n; ++m) {
        auto p = tree.InclusionProof(m, n);
        ASSERT_TRUE(p.ok());
        ASSERT_EQ(*p, *full.InclusionProof(m, n)) << m << " " << n << " covered " << covered;
        EXPECT_TRUE(VerifyInclusion(LeafFor(m), m, n, *p, *full.RootAt(n)));
      }
      for (uint64_t m = 0; m <= n; ++m) {
        auto p = tree.ConsistencyProof(m, n);
        ASSERT_TRUE(p.ok());
        ASSERT_EQ(*p, *full.ConsistencyProof(m, n)) << m << " " << n << " covered " << covered;
        EXPECT_TRUE(VerifyConsistency(m, n, *full.RootAt(m), *full.RootAt(n), *p));
      }
    }
  }
}

TEST(NodeTreeTest, FoldsNodesMissingFromTheSource) {
  ASSERT_GE(sodium_init(), 0);
  MapNodeSource src(70, 70, /*drop_level=*/3);
  NodeTree tree(src);
  const MerkleTree full = FullTree(70);
  EXPECT_EQ(*tree.InclusionProof(5, 70), *full.InclusionProof(5, 70));
  EXPECT_EQ(*tree.ConsistencyProof(9, 70), *full.ConsistencyProof(9, 70));
}

TEST(NodeTreeTest, ReadsLogarithmicallyManyNodesWhenAllAreStored) {
  ASSERT_GE(sodium_init(), 0);
  constexpr uint64_t kN = 1000;
  MapNodeSource src(kN, kN);
  NodeTree tree(src);
  ASSERT_TRUE(tree.InclusionProof(517, kN).ok());
  ASSERT_TRUE(tree.ConsistencyProof(333, kN).ok());
  // log2(1000) < 10: each proof is at most ~10 nodes, plus one ragged edge of <= 10 subtrees.
  EXPECT_LE(tree.reads(), 60u);
}

TEST(NodeTreeTest, RejectsRangesBeyondTheLog) {
  ASSERT_GE(sodium_init(), 0);
  MapNodeSource src(10, 10);
  NodeTree tree(src);
  EXPECT_EQ(tree.InclusionProof(10, 10).status().id(), ErrorId::kInvalidArgument);
  EXPECT_EQ(tree.InclusionProof(0, 11).status().id(), ErrorId::kInvalidArgument);
  EXPECT_EQ(tree.ConsistencyProof(5, 11).status().id(), ErrorId::kInvalidArgument);
  EXPECT_EQ(tree.ConsistencyProof(6, 5).status().id(), ErrorId::kInvalidArgument);
  EXPECT_EQ(tree.RootAt(11).status().id(), ErrorId::kInvalidArgument);
  EXPECT_EQ(tree.Leaf(10).status().id(), ErrorId::kInvalidArgument);
}

TEST(NodeTreeTest, MissingLeafIsStoreCorrupt) {
  class NoLeaves final : public NodeSource {
   public:
    uint64_t Size() const override { return 4; }
    Result<std::optional<Hash>> Stored(int, uint64_t) const override {
      return std::optional<Hash>();
    }
  } src;
  NodeTree tree(src);
  EXPECT_EQ(tree.InclusionProof(1, 4).status().id(), ErrorId::kStoreCorrupt);
}

}  // namespace
}  // namespace cityid::audit
