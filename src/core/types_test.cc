#include "core/types.h"

#include <gtest/gtest.h>

namespace cityid::core {
namespace {

TEST(TypesTest, NamesRoundTrip) {
  for (auto s : {ApplicationState::kBooked, ApplicationState::kFlagged, ApplicationState::kIssued,
                 ApplicationState::kNoShow}) {
    EXPECT_EQ(ParseApplicationState(Name(s)), s);
  }
  for (auto s : {CardState::kActive, CardState::kReplaced}) EXPECT_EQ(ParseCardState(Name(s)), s);
  for (auto r : {Role::kClerk, Role::kAdmin, Role::kAuditor}) EXPECT_EQ(ParseRole(Name(r)), r);
  EXPECT_FALSE(ParseApplicationState("approved ").has_value());
}

TEST(TypesTest, ApplicationStateMachineFollowsDesign) {
  using S = ApplicationState;
  EXPECT_TRUE(IsAllowed(S::kDocumentsChecked, S::kApproved));
  EXPECT_TRUE(IsAllowed(S::kFlagged, S::kApproved));
  EXPECT_TRUE(IsAllowed(S::kApproved, S::kPrinted));
  EXPECT_TRUE(IsAllowed(S::kPrinted, S::kIssued));
  EXPECT_FALSE(IsAllowed(S::kBooked, S::kApproved));
  EXPECT_FALSE(IsAllowed(S::kRejected, S::kApproved));
  EXPECT_FALSE(IsAllowed(S::kIssued, S::kWithdrawn));
  EXPECT_FALSE(IsAllowed(S::kDocumentsChecked, S::kIssued));
}

TEST(TypesTest, CardStateMachineHasTerminalStates) {
  using C = CardState;
  EXPECT_TRUE(IsAllowed(C::kActive, C::kRevoked));
  EXPECT_TRUE(IsAllowed(C::kSuspended, C::kActive));
  for (auto to : {C::kActive, C::kSuspended, C::kRevoked, C::kExpired, C::kReplaced}) {
    EXPECT_FALSE(IsAllowed(C::kRevoked, to));
    EXPECT_FALSE(IsAllowed(C::kReplaced, to));
  }
}

}  // namespace
}  // namespace cityid::core
