#include "crypto/shares.h"

#include <gtest/gtest.h>

#include <string>

#include "base/bytes.h"
#include "crypto/sign.h"

namespace cityid::crypto {
namespace {

class SharesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(InitCrypto().ok());
    secret_ = SecretBytes(32);
    rng_.Fill(secret_.mutable_view());
  }
  std::string Text(const Share& s) { return std::string(AsChars(EncodeShare(s).view())); }
  SeededRng rng_{7};
  SecretBytes secret_;
};

TEST_F(SharesTest, EveryThresholdSubsetRebuildsTheSecret) {
  auto shares = SplitSecret(secret_, 3, 5, "AAAAAAAAAAA", rng_);
  ASSERT_TRUE(shares.ok()) << shares.status().ToString();
  ASSERT_EQ(shares->size(), 5u);
  int subsets = 0;
  for (int mask = 0; mask < 32; ++mask) {
    if (__builtin_popcount(static_cast<unsigned>(mask)) < 3) continue;
    std::vector<Share> pick;
    for (int i = 0; i < 5; ++i) {
      if ((mask & (1 << i)) != 0) pick.push_back((*shares)[static_cast<size_t>(i)]);
    }
    auto got = CombineShares(pick);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_TRUE(ConstantTimeEquals(got->view(), secret_.view())) << "mask " << mask;
    ++subsets;
  }
  EXPECT_EQ(subsets, 16);  // C(5,3) + C(5,4) + C(5,5)
}

TEST_F(SharesTest, FewerThanThresholdIsRefusedAndWouldNotRebuild) {
  auto shares = *SplitSecret(secret_, 3, 5, "AAAAAAAAAAA", rng_);
  std::vector<Share> two = {shares[0], shares[3]};
  auto refused = CombineShares(two);
  EXPECT_EQ(refused.status().id(), ErrorId::kKeysSealed);
  EXPECT_NE(refused.status().message().find("3 needed"), std::string::npos);
  // Even if the header were edited to claim k = 2, two shares interpolate to something else.
  for (auto& s : two) s.threshold = 2;
  auto wrong = CombineShares(two);
  ASSERT_TRUE(wrong.ok());
  EXPECT_FALSE(ConstantTimeEquals(wrong->view(), secret_.view()));
}

TEST_F(SharesTest, RepeatedMixedOrMismatchedSharesAreRefused) {
  auto a = *SplitSecret(secret_, 2, 3, "AAAAAAAAAAA", rng_);
  auto b = *SplitSecret(secret_, 2, 3, "BBBBBBBBBBB", rng_);
  // A share given twice counts once.
  EXPECT_EQ(CombineShares({a[0], a[0]}).status().id(), ErrorId::kKeysSealed);
  auto twice = CombineShares({a[0], a[2], a[0]});
  ASSERT_TRUE(twice.ok());
  EXPECT_TRUE(ConstantTimeEquals(twice->view(), secret_.view()));
  Share forged = a[1];
  forged.y.data()[0] ^= 1;
  EXPECT_EQ(CombineShares({a[1], forged}).status().id(), ErrorId::kKeysInvalid);
  EXPECT_EQ(CombineShares({a[0], b[1]}).status().id(), ErrorId::kKeysInvalid);
  EXPECT_EQ(CombineShares({}).status().id(), ErrorId::kKeysSealed);
}

TEST_F(SharesTest, SplitParametersAreChecked) {
  EXPECT_EQ(SplitSecret(secret_, 1, 3, "AAAAAAAAAAA", rng_).status().id(), ErrorId::kInvalidArgument);
  EXPECT_EQ(SplitSecret(secret_, 4, 3, "AAAAAAAAAAA", rng_).status().id(), ErrorId::kInvalidArgument);
  EXPECT_EQ(SplitSecret(secret_, 2, 256, "AAAAAAAAAAA", rng_).status().id(),
            ErrorId::kInvalidArgument);
  EXPECT_EQ(SplitSecret(SecretBytes(), 2, 3, "AAAAAAAAAAA", rng_).status().id(),
            ErrorId::kInvalidArgument);
  EXPECT_TRUE(SplitSecret(secret_, 255, 255, "AAAAAAAAAAA", rng_).ok());
}

TEST_F(SharesTest, TextRoundTripsAndCatchesDamage) {
  auto shares = *SplitSecret(secret_, 2, 3, "AAAAAAAAAAA", rng_);
  const std::string line = Text(shares[1]);
  EXPECT_EQ(line.rfind("cityid-kek-share-v1 AAAAAAAAAAA 2 3 2 ", 0), 0u) << line;
  auto parsed = ParseShare("  " + line + "\r\n");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->x, 2);
  EXPECT_EQ(parsed->threshold, 2);
  EXPECT_EQ(parsed->count, 3);
  EXPECT_TRUE(ConstantTimeEquals(parsed->y.view(), shares[1].y.view()));
  auto back = CombineShares({*ParseShare(Text(shares[0])), *parsed});
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(ConstantTimeEquals(back->view(), secret_.view()));

  // Any single changed character of the share is caught by the check digits.
  for (size_t i = std::string("cityid-kek-share-v1 ").size(); i < line.size(); ++i) {
    std::string bad = line;
    bad[i] = bad[i] == 'A' ? 'B' : 'A';
    if (bad[i] == line[i]) continue;
    auto r = ParseShare(bad);
    EXPECT_FALSE(r.ok()) << "position " << i;
    if (!r.ok()) {
      EXPECT_EQ(r.status().id(), ErrorId::kKeysInvalid);
      // The error never echoes the share value.
      EXPECT_EQ(r.status().message().find(line.substr(line.size() - 30, 20)), std::string::npos);
    }
  }
  for (std::string bad : {std::string(""), std::string("cityid-kek-v1 abc"),
                          std::string("cityid-kek-share-v1 a b c"), line + " extra"}) {
    EXPECT_EQ(ParseShare(bad).status().id(), ErrorId::kKeysInvalid) << bad;
  }
}

}  // namespace
}  // namespace cityid::crypto
