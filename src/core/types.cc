#include "core/types.h"

#include <array>
#include <utility>

namespace cityid::core {
namespace {

constexpr std::array<std::pair<ApplicationState, const char*>, 10> kAppStates = {{
    {ApplicationState::kBooked, "booked"},
    {ApplicationState::kInReview, "in_review"},
    {ApplicationState::kDocumentsChecked, "documents_checked"},
    {ApplicationState::kFlagged, "flagged"},
    {ApplicationState::kApproved, "approved"},
    {ApplicationState::kPrinted, "printed"},
    {ApplicationState::kIssued, "issued"},
    {ApplicationState::kRejected, "rejected"},
    {ApplicationState::kWithdrawn, "withdrawn"},
    {ApplicationState::kNoShow, "no_show"},
}};

constexpr std::array<std::pair<CardState, const char*>, 5> kCardStates = {{
    {CardState::kActive, "active"},
    {CardState::kSuspended, "suspended"},
    {CardState::kRevoked, "revoked"},
    {CardState::kExpired, "expired"},
    {CardState::kReplaced, "replaced"},
}};

constexpr std::array<std::pair<Role, const char*>, 6> kRoles = {{
    {Role::kClerk, "clerk"},
    {Role::kSupervisor, "supervisor"},
    {Role::kPartner, "partner"},
    {Role::kAuditor, "auditor"},
    {Role::kAdmin, "admin"},
    {Role::kSystem, "system"},
}};

template <typename T, size_t N>
const char* NameOf(const std::array<std::pair<T, const char*>, N>& table, T v) {
  for (const auto& [k, name] : table) {
    if (k == v) return name;
  }
  return "unknown";
}

template <typename T, size_t N>
std::optional<T> Parse(const std::array<std::pair<T, const char*>, N>& table, std::string_view s) {
  for (const auto& [k, name] : table) {
    if (s == name) return k;
  }
  return std::nullopt;
}

}  // namespace

const char* Name(ApplicationState s) { return NameOf(kAppStates, s); }
const char* Name(CardState s) { return NameOf(kCardStates, s); }
const char* Name(Role r) { return NameOf(kRoles, r); }
std::optional<ApplicationState> ParseApplicationState(std::string_view s) {
  return Parse(kAppStates, s);
}
std::optional<CardState> ParseCardState(std::string_view s) { return Parse(kCardStates, s); }
std::optional<Role> ParseRole(std::string_view s) { return Parse(kRoles, s); }

bool IsAllowed(ApplicationState from, ApplicationState to) {
  using S = ApplicationState;
  switch (from) {
    case S::kBooked:
      return to == S::kInReview || to == S::kWithdrawn || to == S::kNoShow;
    case S::kInReview:
      return to == S::kDocumentsChecked || to == S::kFlagged || to == S::kRejected ||
             to == S::kWithdrawn;
    case S::kDocumentsChecked:
      return to == S::kFlagged || to == S::kApproved || to == S::kRejected || to == S::kWithdrawn;
    case S::kFlagged:
      return to == S::kApproved || to == S::kRejected || to == S::kWithdrawn;
    case S::kApproved:
      return to == S::kPrinted || to == S::kWithdrawn;
    case S::kPrinted:
      return to == S::kIssued || to == S::kWithdrawn;
    case S::kIssued:
    case S::kRejected:
    case S::kWithdrawn:
    case S::kNoShow:
      return false;
  }
  return false;
}

bool IsAllowed(CardState from, CardState to) {
  using C = CardState;
  switch (from) {
    case C::kActive:
      return to == C::kSuspended || to == C::kRevoked || to == C::kExpired || to == C::kReplaced;
    case C::kSuspended:
      return to == C::kActive || to == C::kRevoked || to == C::kExpired || to == C::kReplaced;
    case C::kRevoked:
    case C::kExpired:
    case C::kReplaced:
      return false;
  }
  return false;
}

}  // namespace cityid::core
