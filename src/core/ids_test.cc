#include "core/ids.h"

#include <gtest/gtest.h>

#include <set>

namespace cityid::core {
namespace {

TEST(IdsTest, NewIdHasPrefixAndIsUnique) {
  SeededRng rng(1);
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string id = NewId("per_", rng);
    EXPECT_EQ(id.size(), 4u + 16u);
    EXPECT_EQ(id.rfind("per_", 0), 0u);
    EXPECT_TRUE(seen.insert(id).second);
  }
}

TEST(IdsTest, CardNumbersAreValidRandomAndNotSequential) {
  SeededRng rng(2);
  std::string prev;
  for (int i = 0; i < 1000; ++i) {
    std::string n = NewCardNumber(rng);
    ASSERT_EQ(n.size(), 12u);
    EXPECT_NE(n[0], '0');
    auto parsed = ParseCardNumber(n);
    ASSERT_TRUE(parsed.ok()) << n;
    EXPECT_EQ(*parsed, n);
    EXPECT_NE(n, prev);
    prev = n;
  }
}

TEST(IdsTest, CheckDigitCatchesEverySingleDigitErrorAndAdjacentTransposition) {
  SeededRng rng(3);
  for (int k = 0; k < 50; ++k) {
    const std::string n = NewCardNumber(rng);
    for (size_t i = 0; i < n.size(); ++i) {
      for (char d = '0'; d <= '9'; ++d) {
        if (d == n[i]) continue;
        std::string bad = n;
        bad[i] = d;
        EXPECT_FALSE(ParseCardNumber(bad).ok()) << bad;
      }
      if (i + 1 < n.size() && n[i] != n[i + 1]) {
        std::string swapped = n;
        std::swap(swapped[i], swapped[i + 1]);
        EXPECT_FALSE(ParseCardNumber(swapped).ok()) << swapped;
      }
    }
  }
}

TEST(IdsTest, ParseAcceptsSeparatorsAndRejectsJunk) {
  SeededRng rng(4);
  const std::string n = NewCardNumber(rng);
  EXPECT_EQ(*ParseCardNumber(FormatCardNumber(n)), n);
  EXPECT_EQ(ParseCardNumber("12ab").status().id(), ErrorId::kInvalidCardNumber);
  EXPECT_EQ(ParseCardNumber("1234").status().id(), ErrorId::kInvalidCardNumber);
  EXPECT_EQ(ParseCardNumber(std::string(5000, '1')).status().id(), ErrorId::kInvalidCardNumber);
}

}  // namespace
}  // namespace cityid::core
