#pragma once
// The applicant's view of the access log (issue 6, DESIGN §8, docs/audit.md "The applicant's
// view"): who accessed their record, when and why — as roles and sites, never as staff ids or
// user names.
//
// An applicant has no account. They prove who they are with either
//   - a card number and their date of birth: the card's person record is decrypted and its date
//     of birth compared in constant time (sodium_memcmp over the canonical "YYYY-MM-DD"); or
//   - a booking reference and PIN (core/appointments.h, GetBooking's constant-time PIN check).
//     Applications carry no booking reference (a booking is deleted after its day and is never
//     linked to the application made at it), so this shows the booking's own entries only.
// Wrong credentials of either kind give the same kInvalidCredentials, whichever part was wrong
// (an unknown card, a purged record, a wrong date of birth, an unknown reference, a wrong PIN).
// Rate limiting is the caller's (the HTTP route counts failures per client address).
//
// What is shown: every log entry whose subject is one of the person's pseudonymous ids — the
// person id, their application ids and their card numbers (card path), or the booking id
// (booking path) — with its time, action (also in plain English and Spanish), the actor's
// role, the site, the logged reason and what it was about (record, application, card,
// appointment). The actor field is never copied out. Viewing is itself logged, in the same
// transaction that reads the entries: action `history.view`, subject the person id (or booking
// id), actor "public" and role "applicant" like the other unauthenticated applicant actions
// (core/appointments.h), or the clerk's own actor when a clerk looks it up at the counter.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "core/appointments.h"
#include "core/types.h"

namespace cityid::core {

// At most this many entries (the most recent) are returned; `truncated` says when there were
// more.
inline constexpr size_t kMaxHistoryEntries = 500;

struct HistoryEntry {
  int64_t seq = 0;  // position in the log (for an inclusion proof)
  UnixSeconds at = 0;
  std::string action;     // the log's action id, e.g. "person.read"
  std::string action_en;  // "record read"
  std::string action_es;  // "expediente consultado"
  std::string role;       // the actor's role: clerk, supervisor, partner, admin, system, applicant
  std::string site;       // may be empty
  std::string reason;     // as logged; may be empty
  std::string about;      // record, application, card, appointment
};

struct AccessHistory {
  std::vector<HistoryEntry> entries;  // oldest first, including this view
  bool truncated = false;
};

// Plain words for a log action, in English and Spanish. Unknown actions get a generic
// "other access (<action>)" / "otro acceso (<action>)".
struct ActionWords {
  std::string en;
  std::string es;
};
ActionWords DescribeAction(std::string_view action);

// Who is looking. `staff` null: the applicant themselves over the public API (logged as actor
// "public", role "applicant", no site). Otherwise a clerk (or supervisor, partner, admin) helping
// the applicant at the counter, logged as that actor.
struct HistoryViewer {
  const Actor* staff = nullptr;
};

// The access history of the person holding card `card_number` (any state, as long as the
// person's record still exists) born on `date_of_birth` ("YYYY-MM-DD").
// Errors: kInvalidCardNumber / kInvalidDate for malformed input (nothing looked up);
// kInvalidCredentials when no such card, the record is gone or the date differs;
// kPermissionDenied when `viewer.staff` has the auditor or system role.
Result<AccessHistory> AccessHistoryByCard(BookingContext& ctx, std::string_view card_number,
                                          std::string_view date_of_birth,
                                          const HistoryViewer& viewer = {});

// The access history of the booking reached by `reference` and `pin` (GetBooking).
// kInvalidCredentials when either is wrong; kPermissionDenied as above.
Result<AccessHistory> AccessHistoryByBooking(BookingContext& ctx, std::string_view reference,
                                             std::string_view pin,
                                             const HistoryViewer& viewer = {});

}  // namespace cityid::core
