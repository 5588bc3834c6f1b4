#include "auth/rate_limiter.h"

#include <gtest/gtest.h>

namespace cityid::auth {
namespace {

TEST(FailureLimiterTest, BlocksAfterMaxFailuresUntilOldestLeavesWindow) {
  FailureLimiter l(3, 100);
  EXPECT_EQ(l.RetryAfter("a", 1000), 0);
  l.RecordFailure("a", 1000);
  l.RecordFailure("a", 1010);
  EXPECT_EQ(l.RetryAfter("a", 1010), 0);
  l.RecordFailure("a", 1020);
  EXPECT_EQ(l.RetryAfter("a", 1020), 80);   // 1000 + 100 - 1020
  EXPECT_EQ(l.RetryAfter("a", 1099), 1);
  EXPECT_EQ(l.RetryAfter("a", 1100), 0);   // the first failure has left the window
  EXPECT_EQ(l.RetryAfter("b", 1020), 0);   // keys are independent
}

TEST(FailureLimiterTest, ResetClearsAKey) {
  FailureLimiter l(1, 100);
  l.RecordFailure("a", 5);
  EXPECT_GT(l.RetryAfter("a", 5), 0);
  l.Reset("a");
  EXPECT_EQ(l.RetryAfter("a", 5), 0);
}

TEST(FailureLimiterTest, KeepsAtMostMaxKeysDroppingTheStalest) {
  FailureLimiter l(1, 1000, 2);
  l.RecordFailure("a", 10);
  l.RecordFailure("b", 20);
  l.RecordFailure("c", 30);  // full: "a" (oldest) is dropped
  EXPECT_EQ(l.RetryAfter("a", 30), 0);
  EXPECT_GT(l.RetryAfter("b", 30), 0);
  EXPECT_GT(l.RetryAfter("c", 30), 0);
}

TEST(FailureLimiterTest, ReservedAttemptsCountUntilSettled) {
  FailureLimiter l(3, 60);
  EXPECT_EQ(l.Reserve("k", 1000), 0);
  EXPECT_EQ(l.Reserve("k", 1000), 0);
  EXPECT_EQ(l.Reserve("k", 1000), 0);
  // Full of attempts under way: refused without a failure being recorded yet.
  EXPECT_GT(l.Reserve("k", 1000), 0);
  EXPECT_GT(l.RetryAfter("k", 1000), 0);
  l.Settle("k", 1000, false);  // a success frees its place
  EXPECT_EQ(l.Reserve("k", 1000), 0);
  l.Settle("k", 1000, true);
  l.Settle("k", 1000, true);
  l.Settle("k", 1000, true);
  EXPECT_EQ(l.RetryAfter("k", 1000), 60);  // three failures recorded: the window applies
  EXPECT_EQ(l.RetryAfter("other", 1000), 0);
}

}  // namespace
}  // namespace cityid::auth
