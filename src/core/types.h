#pragma once
// Domain types: workflow states, roles, actors (DESIGN §2, §7).

#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace cityid::core {

enum class ApplicationState {
  kBooked,
  kInReview,
  kDocumentsChecked,
  kFlagged,
  kApproved,
  kPrinted,
  kIssued,
  kRejected,
  kWithdrawn,
  kNoShow,
};

enum class CardState { kActive, kSuspended, kRevoked, kExpired, kReplaced };

enum class Role { kClerk, kSupervisor, kPartner, kAuditor, kAdmin, kSystem };

const char* Name(ApplicationState s);
const char* Name(CardState s);
const char* Name(Role r);
std::optional<ApplicationState> ParseApplicationState(std::string_view s);
std::optional<CardState> ParseCardState(std::string_view s);
std::optional<Role> ParseRole(std::string_view s);

// True when DESIGN §7 allows `from` -> `to`.
bool IsAllowed(ApplicationState from, ApplicationState to);
bool IsAllowed(CardState from, CardState to);

// Who is acting. `id` is a staff id or "cli:<user>" / "system:<job>"; never a person's name.
struct Actor {
  std::string id;
  Role role = Role::kClerk;
  std::string site;
};

}  // namespace cityid::core
