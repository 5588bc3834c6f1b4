#include "audit/merkle.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include "audit/entry.h"

namespace cityid::audit {
namespace {

Hash H(std::string_view hex) { return *ToHash(*HexDecode(hex)); }
std::string Hex(const Hash& h) { return HexEncode(ByteView(h)); }

Hash RawLeafHash(std::string_view hex_data) {
  const Bytes data = *HexDecode(hex_data);
  Bytes in = {0x00};
  in.insert(in.end(), data.begin(), data.end());
  Hash out;
  crypto_hash_sha256(out.data(), in.data(), in.size());
  return out;
}

// The Certificate Transparency reference leaves (google/certificate-transparency,
// transparency-dev/merkle testonly): data, and the root of the first n leaves.
const char* const kLeafData[] = {"",
                                 "00",
                                 "10",
                                 "2021",
                                 "3031",
                                 "40414243",
                                 "5051525354555657",
                                 "606162636465666768696a6b6c6d6e6f"};
const char* const kRoots[] = {
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

class MerkleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_GE(sodium_init(), 0);
    for (const char* d : kLeafData) reference_.Append(RawLeafHash(d));
  }
  static MerkleTree Synthetic(uint64_t n) {
    MerkleTree t;
    for (uint64_t i = 0; i < n; ++i) {
      t.Append(*ToHash(LeafHash(
          Entry{static_cast<UnixSeconds>(i), "a", "clerk", "", "x", std::to_string(i), ""})));
    }
    return t;
  }
  MerkleTree reference_;
};

TEST_F(MerkleTest, RootsMatchCertificateTransparencyVectors) {
  for (uint64_t n = 0; n <= 8; ++n) EXPECT_EQ(Hex(*reference_.RootAt(n)), kRoots[n]) << n;
  EXPECT_EQ(Hex(EmptyRoot()), kRoots[0]);
}

TEST_F(MerkleTest, InclusionProofsMatchCertificateTransparencyVectors) {
  EXPECT_TRUE(reference_.InclusionProof(0, 1)->empty());
  const std::vector<Hash> p0 = {
      H("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
      H("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
      H("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4")};
  EXPECT_EQ(*reference_.InclusionProof(0, 8), p0);
  const std::vector<Hash> p5 = {
      H("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
      H("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
      H("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")};
  EXPECT_EQ(*reference_.InclusionProof(5, 8), p5);
  EXPECT_TRUE(VerifyInclusion(reference_.leaf(5), 5, 8, p5, H(kRoots[8])));
}

TEST_F(MerkleTest, ConsistencyProofsMatchCertificateTransparencyVectors) {
  const std::vector<Hash> p28 = {
      H("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
      H("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4")};
  EXPECT_EQ(*reference_.ConsistencyProof(2, 8), p28);
  const std::vector<Hash> p25 = {
      H("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
      H("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b")};
  EXPECT_EQ(*reference_.ConsistencyProof(2, 5), p25);
  const std::vector<Hash> p68 = {
      H("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
      H("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
      H("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")};
  EXPECT_EQ(*reference_.ConsistencyProof(6, 8), p68);
  EXPECT_TRUE(VerifyConsistency(6, 8, H(kRoots[6]), H(kRoots[8]), p68));
  EXPECT_TRUE(VerifyConsistency(2, 5, H(kRoots[2]), H(kRoots[5]), p25));
}

TEST_F(MerkleTest, AgreesWithTheRecursiveDefinitionForEverySize) {
  std::vector<Bytes> leaves;
  MerkleTree t;
  for (int i = 0; i < 70; ++i) {
    const Bytes leaf = LeafHash(Entry{i, "a", "r", "", "act", "s", ""});
    leaves.push_back(leaf);
    t.Append(*ToHash(leaf));
    ASSERT_EQ(HashToBytes(t.Root()), MerkleTreeHash(leaves)) << i;
    for (size_t m = 0; m <= leaves.size(); m += 7) {
      std::vector<Bytes> prefix(leaves.begin(), leaves.begin() + static_cast<std::ptrdiff_t>(m));
      ASSERT_EQ(HashToBytes(*t.RootAt(m)), MerkleTreeHash(prefix));
    }
  }
}

TEST_F(MerkleTest, EveryInclusionProofVerifiesAndTamperedOnesFail) {
  const MerkleTree t = Synthetic(40);
  for (uint64_t n = 1; n <= t.size(); ++n) {
    const Hash root = *t.RootAt(n);
    for (uint64_t i = 0; i < n; ++i) {
      auto proof = *t.InclusionProof(i, n);
      ASSERT_TRUE(VerifyInclusion(t.leaf(i), i, n, proof, root)) << i << "/" << n;
      if (n > 1) {
        EXPECT_FALSE(VerifyInclusion(t.leaf((i + 1) % n), i, n, proof, root));
        EXPECT_FALSE(VerifyInclusion(t.leaf(i), (i + 1) % n, n, proof, root));
        auto bad = proof;
        bad[i % bad.size()][0] ^= 1;
        EXPECT_FALSE(VerifyInclusion(t.leaf(i), i, n, bad, root));
        auto shorter = proof;
        shorter.pop_back();
        EXPECT_FALSE(VerifyInclusion(t.leaf(i), i, n, shorter, root));
        auto longer = proof;
        longer.push_back(root);
        EXPECT_FALSE(VerifyInclusion(t.leaf(i), i, n, longer, root));
      }
      EXPECT_FALSE(VerifyInclusion(t.leaf(i), n, n, proof, root));
    }
  }
}

TEST_F(MerkleTest, EveryConsistencyProofVerifiesAndTamperedOnesFail) {
  const MerkleTree t = Synthetic(40);
  for (uint64_t n = 1; n <= t.size(); ++n) {
    const Hash new_root = *t.RootAt(n);
    for (uint64_t m = 0; m <= n; ++m) {
      const Hash old_root = *t.RootAt(m);
      auto proof = *t.ConsistencyProof(m, n);
      ASSERT_TRUE(VerifyConsistency(m, n, old_root, new_root, proof)) << m << "/" << n;
      if (m == 0 || m == n) continue;
      auto bad = proof;
      bad[m % bad.size()][31] ^= 0x80;
      EXPECT_FALSE(VerifyConsistency(m, n, old_root, new_root, bad));
      EXPECT_FALSE(VerifyConsistency(m, n, new_root, new_root, proof));
      EXPECT_FALSE(VerifyConsistency(m, n, old_root, old_root, proof));
      EXPECT_FALSE(VerifyConsistency(m - 1, n, old_root, new_root, proof));
      EXPECT_FALSE(VerifyConsistency(m, n, old_root, new_root, {}));
      auto shorter = proof;
      shorter.pop_back();
      EXPECT_FALSE(VerifyConsistency(m, n, old_root, new_root, shorter));
    }
  }
}

TEST_F(MerkleTest, RefusesRangesBeyondTheTree) {
  EXPECT_EQ(reference_.RootAt(9).status().id(), ErrorId::kInvalidArgument);
  EXPECT_EQ(reference_.InclusionProof(8, 8).status().id(), ErrorId::kInvalidArgument);
  EXPECT_EQ(reference_.InclusionProof(0, 9).status().id(), ErrorId::kInvalidArgument);
  EXPECT_EQ(reference_.ConsistencyProof(5, 4).status().id(), ErrorId::kInvalidArgument);
  EXPECT_EQ(reference_.ConsistencyProof(1, 9).status().id(), ErrorId::kInvalidArgument);
  EXPECT_TRUE(reference_.ConsistencyProof(0, 8)->empty());
  EXPECT_TRUE(reference_.ConsistencyProof(8, 8)->empty());
  EXPECT_FALSE(VerifyConsistency(0, 8, H(kRoots[8]), H(kRoots[8]), {}));
}

TEST_F(MerkleTest, BuildsFromALeafSourceInBatches) {
  std::vector<Hash> leaves;
  for (int i = 0; i < 10000; ++i) {
    leaves.push_back(*ToHash(LeafHash(Entry{i, "a", "r", "", "x", "s", ""})));
  }
  VectorLeafSource source(leaves);
  EXPECT_EQ(*source.Leaf(9999), leaves[9999]);
  EXPECT_EQ(source.Leaf(10000).status().id(), ErrorId::kInvalidArgument);
  auto built = MerkleTree::Build(source);
  ASSERT_TRUE(built.ok());
  MerkleTree appended;
  for (const Hash& h : leaves) appended.Append(h);
  EXPECT_EQ(built->Root(), appended.Root());
  EXPECT_EQ(built->size(), 10000u);
}

// A million leaves: built once in O(n), then proofs in O(log² n) without touching the leaves.
TEST_F(MerkleTest, MillionLeafProofsAreFastAfterOneBuild) {
  MerkleTree t;
  Hash h{};
  for (uint32_t i = 0; i < 1000000; ++i) {
    h[0] = static_cast<uint8_t>(i);
    h[1] = static_cast<uint8_t>(i >> 8);
    h[2] = static_cast<uint8_t>(i >> 16);
    t.Append(h);
  }
  const Hash root = t.Root();
  for (uint64_t i = 0; i < 1000000; i += 9973) {
    auto proof = *t.InclusionProof(i, t.size());
    ASSERT_TRUE(VerifyInclusion(t.leaf(i), i, t.size(), proof, root));
    const uint64_t m = i + 1;
    auto c = *t.ConsistencyProof(m, t.size());
    ASSERT_TRUE(VerifyConsistency(m, t.size(), *t.RootAt(m), root, c));
  }
}

TEST_F(MerkleTest, SigningInputIsDocumentedLayout) {
  Hash root{};
  root[31] = 0xAB;
  const Bytes in = TreeHeadSigningInput(0x0102, 0x0304, root);
  ASSERT_EQ(in.size(), 19u + 8 + 8 + 32);
  EXPECT_EQ(AsChars(ByteView(in).first(19)), "cityid-tree-head-v1");
  EXPECT_EQ(in[19 + 6], 0x01);
  EXPECT_EQ(in[19 + 7], 0x02);
  EXPECT_EQ(in[27 + 6], 0x03);
  EXPECT_EQ(in[27 + 7], 0x04);
  EXPECT_EQ(in.back(), 0xAB);
}

}  // namespace
}  // namespace cityid::audit
