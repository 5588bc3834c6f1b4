#include "audit/entry.h"

#include <gtest/gtest.h>
#include <sodium.h>

namespace cityid::audit {
namespace {

TEST(AuditEntryTest, CanonicalEncodingSeparatesFields) {
  Entry a{1, "ab", "c", "", "x", "s", ""};
  Entry b{1, "a", "bc", "", "x", "s", ""};
  EXPECT_NE(CanonicalBytes(a), CanonicalBytes(b));
  EXPECT_NE(LeafHash(a), LeafHash(b));
  EXPECT_EQ(LeafHash(a), LeafHash(a));
}

TEST(AuditEntryTest, EmptyTreeHashIsSha256OfEmptyString) {
  ASSERT_GE(sodium_init(), 0);
  EXPECT_EQ(HexEncode(MerkleTreeHash({})),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(AuditEntryTest, TreeHashChangesWithAnyLeafOrOrder) {
  std::vector<Bytes> leaves;
  for (int i = 0; i < 7; ++i) leaves.push_back(LeafHash(Entry{i, "a", "r", "", "act", "s", ""}));
  const Bytes root = MerkleTreeHash(leaves);
  auto swapped = leaves;
  std::swap(swapped[2], swapped[3]);
  EXPECT_NE(MerkleTreeHash(swapped), root);
  auto shorter = leaves;
  shorter.pop_back();
  EXPECT_NE(MerkleTreeHash(shorter), root);
}

}  // namespace
}  // namespace cityid::audit
