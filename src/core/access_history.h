#pragma once
// The applicant's view of the access log (issue 6, DESIGN §8, docs/audit.md "The applicant's
// view"): who accessed their record, when and why — as roles and sites, never as staff ids or
// user names.
//
// An applicant has no account. They prove who they are with either
//   - their access code (core/access_code.h): a random secret printed on their enrollment
//     receipt, on nothing the card carries and derivable from nothing in the log; the store
//     keeps only its keyed hash, looked up by that hash. (Until issue 14 the card number and
//     date of birth opened the history; both are printed on the card and in its QR, so that
//     path is gone.) A code that matches nobody has no target to count failures against: the
//     HTTP route limits those per client address and globally; or
//   - a booking reference and PIN (core/appointments.h, GetBooking's constant-time PIN check).
//     Applications carry no booking reference (a booking is deleted after its day and is never
//     linked to the application made at it), so this shows the booking's own entries only.
//     Each wrong PIN for an existing booking is logged as `history.denied` about the booking
//     (actor "public", or the clerk); after kMaxDeniedPerTarget of them within
//     kDeniedWindowSeconds the booking's history is refused (kBookingRateLimited), even with
//     the right PIN, until the window has passed.
// Wrong credentials of either kind give the same kInvalidCredentials, whichever part was wrong
// (an unknown or re-issued code, a purged record, an unknown reference, a wrong PIN).
//
// What is shown: every log entry whose subject is one of the person's pseudonymous ids — the
// person id, their application ids and their cards' pseudonymous ids (and, for entries written
// before schema v13, the card numbers) on the code path, or the booking id on the booking path
// — with its time, action (also in plain English and Spanish), the actor's
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

// Wrong PINs for one booking before its history is refused for the rest of the window.
inline constexpr int kMaxDeniedPerTarget = 5;
inline constexpr int64_t kDeniedWindowSeconds = 15 * 60;

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

// The access history of the person whose access code is `access_code` (as typed: case, spaces
// and dashes do not matter). Errors: kInvalidArgument when it cannot be a code (nothing looked
// up); kInvalidCredentials when no live code matches or the record is gone; kPermissionDenied
// when `viewer.staff` has the auditor or system role.
Result<AccessHistory> AccessHistoryByCode(BookingContext& ctx, std::string_view access_code,
                                          const HistoryViewer& viewer = {});

// The access history of the booking reached by `reference` and `pin` (GetBooking).
// kInvalidCredentials when either is wrong (a wrong PIN for an existing booking is logged as
// `history.denied`); kBookingRateLimited when the booking has kMaxDeniedPerTarget denials in the
// last kDeniedWindowSeconds; kPermissionDenied as above.
Result<AccessHistory> AccessHistoryByBooking(BookingContext& ctx, std::string_view reference,
                                             std::string_view pin,
                                             const HistoryViewer& viewer = {});

}  // namespace cityid::core
