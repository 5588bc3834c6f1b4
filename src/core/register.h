#pragma once
// Accountability records kept by administrators (DESIGN §8, docs/transparency.md):
//
// - Legal holds. An admin holds a person's record from purging (retention and on request) while
//   litigation, a court order or a records request needs it kept. The hold lives on the
//   person's application rows (`hold_reason`, which PurgePerson / PurgeExpired already respect)
//   as a small JSON object: the reason *category* in clear, who placed it and when, and the
//   optional free-text note sealed under the person's own data key — a note may name the person
//   (a case caption often does), so it is never in clear in the database and never in the
//   append-only log, and it is crypto-shredded with the person once the hold is released and
//   the record purged. The audit log gets `hold.place` / `hold.release` with the category only.
//
// - The data-request register: every subpoena, warrant, court order or records request, and
//   what was answered. Entries describe requests, never applicants: text fields are checked for
//   identifiers (ids, card and document numbers, e-mail addresses) and refused if they hold one.
//   Each create and answer appends `data_request.recorded` / `data_request.answered` to the
//   audit log in the same transaction, subject = the register entry's id.
//
// All functions write in one store transaction; on error nothing is written.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "core/types.h"
#include "core/workflow.h"
#include "store/store.h"

namespace cityid::core {

// ---- legal holds ----

// Hold reason categories, shown in clear and counted in the transparency report.
inline constexpr const char* kHoldCategories[] = {"litigation", "court_order", "records_request",
                                                  "other"};
bool IsHoldCategory(std::string_view category);

struct HoldInfo {
  std::string person_id;
  std::string category;
  UnixSeconds placed_at = 0;
  std::string placed_by;
  std::vector<std::string> application_ids;
  bool has_note = false;
  std::optional<std::string> note;  // set only when notes were asked for and could be opened
};

// Holds every application of `person_id` from purging. `note` (optional, at most 500 bytes of
// UTF-8 without control characters) is sealed under the person's data key. Fails with
// kPermissionDenied (not admin), kInvalidArgument (unknown category, bad note),
// kPersonNotFound (no such person, or already purged: nothing left to hold), kAlreadyExists
// (already held). Appends `hold.place` (subject person id, reason = category).
// REQUIRES role admin.
Status PlaceHold(Context& ctx, std::string_view person_id, std::string_view category,
                 std::string_view note, const Actor& actor);

// Lifts the hold; the sealed note is overwritten (secure_delete) with the column. Fails with
// kPermissionDenied, or kNotFound when the person is not held. Appends `hold.release` (reason =
// the released hold's category). The record then follows the retention schedule again.
// REQUIRES role admin.
Status ReleaseHold(Context& ctx, std::string_view person_id, const Actor& actor);

// Every current hold, by person id. With `note_reason` (non-empty), notes are decrypted and each
// read appends `hold.note_read` (subject person id, reason = note_reason); that needs role admin.
// Without it nothing is decrypted or logged. REQUIRES role admin or auditor.
Result<std::vector<HoldInfo>> ListHolds(Context& ctx, const Actor& actor,
                                        std::optional<std::string_view> note_reason);

// ---- data-request register ----

inline constexpr const char* kRequestKinds[] = {"subpoena", "warrant", "court_order",
                                                "records_request", "other"};
inline constexpr const char* kRequestResponses[] = {"pending", "refused", "narrowed",
                                                    "complied", "withdrawn"};
// What may be handed over, as categories (never the records themselves in the register).
inline constexpr const char* kDisclosureCategories[] = {
    "aggregate_counts", "application_status", "card_status", "enrollment_dates",
    "enrollment_site", "person_record", "photo", "access_log"};

struct DataRequestInput {
  std::string kind;             // one of kRequestKinds
  std::string received_on;      // YYYY-MM-DD, not after today
  std::string requesting_body;  // 1..200 bytes
  std::string legal_basis;      // 1..300 bytes
  std::string scope;            // 1..1000 bytes: what was asked, never who
};

struct DataRequestAnswer {
  std::string response;                // one of kRequestResponses except "pending"
  std::string responded_on;            // YYYY-MM-DD, from received_on to today
  std::vector<std::string> disclosed;  // kDisclosureCategories; empty = nothing disclosed
  int64_t persons_covered = 0;         // persons whose data was disclosed
};

// Checks that `text` (named `field` in errors) holds no applicant identifier: no pseudonymous
// person/application/card id, no card, document, phone or social-security number (an
// alphanumeric token with 6+ digits, a token of letters and 5+ digits, 9+ digits in groups
// joined by '-', ' ' or '.', a phone number such as "(212) 555-0187" or "555-0187"), no e-mail
// address. Names cannot be detected; docs/transparency.md tells staff not to write them.
// Returns kInvalidArgument naming the field and telling the operator to describe the request by
// category, never echoing the text.
Status CheckNoApplicantIdentifiers(std::string_view field, std::string_view text);

// Checks that every calendar day in `text` (1990-04-12, 12/04/1990, 4.12.90, 12 April 1990,
// April 12, 1990) is part of a request period: one end of a range ("2026-01-01 to 2026-03-31",
// "between D and D", "D - D", "D/D") or opened by "since", "after", "before" or "until". Any
// other day (a date of birth, typically) is kInvalidArgument, never echoed. Months and years
// ("2026-03", "March 2026", "2023-2025") are periods and always accepted.
Status CheckNoPersonalDates(std::string_view field, std::string_view text);

// Records a request as `pending`; returns its id ("req_..."). Text fields pass
// CheckNoApplicantIdentifiers, and the scope also CheckNoPersonalDates. Fails with
// kPermissionDenied, kInvalidArgument / kMissingField / kFieldTooLong / kInvalidUtf8 / kInvalidDate
// (bad input). Appends `data_request.recorded` (reason = kind). REQUIRES role admin.
Result<std::string> RecordDataRequest(Context& ctx, const DataRequestInput& in,
                                      const Actor& actor);

// Sets (or corrects) the answer to a recorded request. Fails with kPermissionDenied, kNotFound,
// kInvalidArgument (bad response/category/count: nothing may be disclosed and persons_covered
// must be 0 when refused or withdrawn), kInvalidDate. Appends `data_request.answered`
// (reason = response). REQUIRES role admin.
Status AnswerDataRequest(Context& ctx, std::string_view id, const DataRequestAnswer& answer,
                         const Actor& actor);

// The register (it holds no personal data, so reading it is not logged).
// REQUIRES role admin or auditor.
Result<std::vector<store::DataRequestRow>> ListDataRequests(Context& ctx, const Actor& actor);
// kNotFound when absent. REQUIRES role admin or auditor.
Result<store::DataRequestRow> GetDataRequest(Context& ctx, std::string_view id,
                                             const Actor& actor);

}  // namespace cityid::core
