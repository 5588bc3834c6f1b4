#pragma once
// The enrollment workflow (DESIGN §7). Each transition is one function: it checks the actor's
// role and the policy, writes the new state and its audit entries in one store transaction, and
// is the only way to change state. Personal data is read and written only through the envelope
// (crypto/envelope.h); every such read or write is logged.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/rng.h"
#include "core/applicant.h"
#include "core/types.h"
#include "crypto/keyring.h"
#include "dedup/dedup_keys.h"
#include "dedup/name_normalizer.h"
#include "policy/policy.h"
#include "store/store.h"

namespace cityid::credential {
class StatusList;
}

namespace cityid::core {

// Everything a transition needs, passed explicitly (no globals). Borrowed references: the
// caller keeps them alive. Thread-safety follows the parts: Store is thread-safe; Rng and
// NameNormalizer must not be shared across threads.
struct Context {
  store::Store& store;
  const crypto::Keyring& keys;
  const policy::Policy& policy;
  const dedup::NameNormalizer& names;
  const Clock& clock;
  Rng& rng;
};

// A possible duplicate: which kind of key matched and the other person's applications.
struct DuplicateFlag {
  std::string kind;                          // name_exact, name_phonetic, document
  std::vector<std::string> other_applications;
};

struct EnrollResult {
  std::string application_id;
  std::string person_id;
  ApplicationState state = ApplicationState::kDocumentsChecked;
  std::string evaluation_json;   // policy::Evaluation::ToJson()
  std::string explanation;       // policy::Evaluation::Explain()
  // The other applications a blind index matched, for roles MaySeeDuplicatePairs allows; empty
  // for any other actor, who learns only that the application was flagged (state kFlagged).
  std::vector<DuplicateFlag> duplicates;
  // The Latin name the card will print: its parts and the printed full name (Claim 169's
  // full name, given then family).
  PersonName latin_name;
  std::string printed_name;
  // True when cityid spelled the name in Latin letters itself (the legal name is not in Latin
  // script and no latin_name was given, ICU transliteration as dedup/name_normalizer.h): the
  // clerk confirms the spelling against the applicant's documents (passport, visa) and, if it
  // differs, rejects the application and enrolls again with latin_name. The CLI and the API
  // answer it only then (kTransliterationNotice).
  bool latin_name_transliterated = false;
  // The applicant's access code (core/access_code.h), for their enrollment receipt: shown this
  // once, stored only as a keyed hash. Empty from EnrollMany: a bulk import has no applicant at
  // the counter to hand it to; staff issue one later (ReissueAccessCode).
  std::string access_code;
};

// The Latin spelling a card prints for a legal name when the applicant gives none of their
// own (no latin_name): exactly what Enroll decides, so a page can show it while the clerk types
// (POST /api/v1/names/latin). A name in Latin script prints as written, diacritics kept
// (transliterated false); any other script is spelled by NameNormalizer::ToAscii, part by part,
// in canonical form (transliterated true). `ascii` is the ASCII fold of each part (the card's
// ASCII name). Errors: a part refused by base/names.h (kInvalidName, kFieldTooLong,
// kInvalidUtf8, kInvalidArgument; context "<field>.given"/".family"), kMissingField when both
// parts are empty, kInvalidName when cityid cannot spell a part in Latin letters (Lao, Khmer,
// Tibetan: the clerk then types the spelling from the applicant's passport). A pure function:
// nothing is read, written or logged. Uses `names` (thread-safe: dedup/name_normalizer.h).
struct PrintedLatin {
  PersonName legal;  // the legal name in canonical form
  PersonName latin;  // the parts the card prints
  PersonName ascii;  // ToAscii of each legal part
  std::string printed;  // latin joined as the card prints it (given then family)
  bool transliterated = false;
};
// With `need_latin` false (the applicant gave their own Latin spelling), a name ICU cannot
// spell is not an error: `latin` and `printed` stay empty and the caller prints the applicant's.
Result<PrintedLatin> PrintedLatinName(const dedup::NameNormalizer& normalizer,
                                      const PersonName& legal,
                                      const std::string& field = "legal_name",
                                      bool need_latin = true);

// What enrollment answers with a transliterated name.
inline constexpr const char* kTransliterationNotice =
    "cityid spelled the name in Latin letters; check this spelling against the applicant's "
    "documents (passport, visa). If it differs, reject this application and enroll again with "
    "latin_name as in the documents.";
// Whether `role` may see the pair behind a duplicate flag: the other applications' ids and the
// kind of match (name, phonetic name, document). Supervisors decide flagged applications, so
// they (and admins and the system) see it; staff below supervisor (clerk, partner) learn only
// that an application was flagged for review, so enrolling made-up documents cannot probe
// whether a person applied anywhere.
bool MaySeeDuplicatePairs(Role role);

// An application row's duplicate flags (store::ApplicationRow::flags_json, a JSON array of
// {kind, other_applications}) as `role` may see them: unchanged for MaySeeDuplicatePairs roles,
// otherwise only {"flagged_for_review": true|false}.
std::string FlagsAsSeenBy(Role role, std::string_view flags_json);

// Whether `actor` acts for `site`: partners only for their own site (a partner with no site for
// none); every other role for every site.
bool InSiteScope(const Actor& actor, std::string_view site);

// One application as `actor` may see it (states, totals and flags, no personal data; nothing is
// decrypted or logged). kApplicationNotFound, with the same message, when there is no such
// application and when it is outside the actor's site scope: a partner cannot tell another
// site's application from a missing one, and both paths do the same single lookup. flags_json
// is FlagsAsSeenBy(actor.role, ...).
// kPermissionDenied for auditors (never applications). Uses only ctx.store (callers need not
// serialize). REQUIRES clerk, partner, supervisor, admin.
Result<store::ApplicationRow> ViewApplication(Context& ctx, std::string_view application_id,
                                              const Actor& actor);

// One card as `actor` may see it (no personal data, nothing logged). `card_number` must be
// canonical (ParseCardNumber). kCardNotFound, with the same message, for an unknown card and a
// card whose application is outside the actor's site scope; both paths look up the card and
// then an application (a placeholder id when the card is missing) so they cost the same.
// Uses only ctx.store. REQUIRES clerk, partner, supervisor, admin.
Result<store::CardRow> ViewCard(Context& ctx, std::string_view card_number, const Actor& actor);

struct IssuedCard {
  std::string card_number;
  std::string card_subject;      // its pseudonymous id in the audit log ("crd_...")
  std::string person_id;
  std::string application_id;
  std::string qr_text;           // Base45 Claim 169 payload
  UnixSeconds issued_at = 0;
  UnixSeconds expires_at = 0;
  std::string replaced;          // the old card number (renew / replace)
};

struct PurgeSummary {
  int persons_purged = 0;
  int applications_withdrawn = 0;
  int cards_expired = 0;
  int cards_revoked = 0;
  int held = 0;                  // records kept because of a legal hold
  int print_windows_closed = 0;  // unprinted cards whose holder's address (photo) was dropped
};

// Vets and records an application at the counter. Fails, writing nothing, with:
//   kUnderMinimumAge, kUnknownDocumentType, kInvalidDate/kMissingField (document dates/number
//   the policy needs), kDocumentsInsufficient (message: what is missing and what would help),
//   kInvalidUtf8/kFieldTooLong (names), kPermissionDenied (role).
// On success the application is `documents_checked`, or `flagged` when a blind index matches
// another person (never merged, never rejected automatically), and the result carries the
// applicant's new access code.
// REQUIRES role clerk, partner, supervisor or admin.
Result<EnrollResult> Enroll(Context& ctx, const ApplicantInput& input, const Actor& actor);

// Enrolls a stream of applicants, each exactly as Enroll does (same checks, its own transaction,
// same durability and audit entries), pipelined for bulk imports such as a partner site's
// offline queue: while one enrollment commits, the next is vetted, transliterated and encrypted
// on a second thread. `next` (called on that thread) yields each input, or an input error, and
// nullopt at the end. `on_result(i, result)` is called for the i-th input, in order, on the
// calling thread; a failed input does not stop the others. REQUIRES: nobody else uses ctx.names
// or ctx.rng during the call; the same roles as Enroll. `in_commit(tx, i)`, when set, runs
// inside the i-th input's own transaction, last (a bulk import records its progress there, so
// the progress and the enrollments it counts commit together); an error rolls the input back.
void EnrollMany(Context& ctx, const std::function<std::optional<Result<ApplicantInput>>()>& next,
                const Actor& actor,
                const std::function<void(size_t, Result<EnrollResult>)>& on_result,
                const std::function<Status(store::Tx&, size_t)>& in_commit = nullptr);

// documents_checked|flagged -> approved. A flagged application needs a non-empty reason.
// REQUIRES role supervisor or admin.
Status Approve(Context& ctx, std::string_view application_id, const Actor& actor,
               std::string_view reason);

// in_review|documents_checked|flagged -> rejected, with a reason. REQUIRES supervisor or admin.
// `category` (optional: documents, duplicate, eligibility, other; kInvalidArgument otherwise) is
// what the transparency report counts rejections by; the audit entry's reason is then
// "<category>: <reason>" (core/report.h parses it back).
Status Reject(Context& ctx, std::string_view application_id, const Actor& actor,
              std::string_view reason, std::string_view category = {});

// approved -> printed -> issued: creates the card (random number, random status-list index) and
// signs its QR payload. The record keeps the address and photo the card prints until the card
// is marked printed (MarkPrinted) or its print window closes (PurgeExpired).
// REQUIRES role clerk, supervisor or admin.
Result<IssuedCard> Issue(Context& ctx, std::string_view application_id, const Actor& actor);

// Rebuilds the QR payload of an existing card from the encrypted record (for reprints). Logged.
Result<std::string> CardPayload(Context& ctx, std::string_view card_number, const Actor& actor,
                                std::string_view reason);

// active|suspended -> revoked; sets the card's status-list bit. REQUIRES supervisor or admin.
Status Revoke(Context& ctx, std::string_view card_number, const Actor& actor,
              std::string_view reason);

// Issues a new card with a new expiry for the same person; the old card becomes `replaced` and
// its status bit is set. REQUIRES clerk, supervisor or admin.
Result<IssuedCard> Renew(Context& ctx, std::string_view card_number, const Actor& actor);

// Lost or stolen card: new number, the old card is revoked (its status bit set); logged as
// card.replace with the reason (empty: "lost or stolen"). Revoking is a supervisor's decision,
// so a clerk may replace only at the holder's report, with a reason IsCounterReplaceReason
// accepts (the holder leaves with the successor card); any other reason is kPermissionDenied
// for a clerk, and a supervisor's revoke or replace. REQUIRES clerk, supervisor or admin.
Result<IssuedCard> Replace(Context& ctx, std::string_view card_number, const Actor& actor,
                           std::string_view reason);

// The print station's queue: active cards not yet marked printed, oldest issue first, at most
// `limit`. Store rows only (no personal data, nothing decrypted, nothing logged).
// REQUIRES clerk, supervisor or admin.
Result<std::vector<store::CardRow>> PrintQueue(Context& ctx, const Actor& actor, size_t limit);

// Marks an active card printed (it leaves PrintQueue; logged as card.printed) and applies the
// policy's after-print retention to the holder's record in the same transaction: the address,
// and the photo unless policy keeps them, are removed and the record re-keyed (logged as
// person.update "retention after print: ..."). Returns the updated card row. Errors:
// kInvalidCardNumber, kCardNotFound, kInvalidTransition (not active, or already marked
// printed). REQUIRES clerk, supervisor or admin.
Result<store::CardRow> MarkPrinted(Context& ctx, std::string_view card_number, const Actor& actor);

// The reasons a clerk may give to Replace: "lost", "stolen", "lost or stolen", "damaged" (and
// empty, the default "lost or stolen").
bool IsCounterReplaceReason(std::string_view reason);

// Crypto-shreds a person on their request: deletes the wrapped data key and record, their
// blind indexes; revokes their active cards; withdraws open applications; then compacts the
// store so no copy stays in the write-ahead log. Fails with kFailedPrecondition under a legal
// hold. REQUIRES admin.
Status PurgePerson(Context& ctx, std::string_view person_id, const Actor& actor,
                   std::string_view reason);

// Applies the policy's retention schedule (abandoned and rejected applications, records after
// card expiry; marks expired cards; the after-print retention for cards not marked printed
// within the policy's print_window_days). REQUIRES admin or system.
Result<PurgeSummary> PurgeExpired(Context& ctx, const Actor& actor);

// The signed status list `list_id` as JSON (credential::StatusList::ToSignedJson), valid for
// `valid_seconds`. kNotFound if no card uses that list yet.
Result<std::string> ExportStatusList(Context& ctx, std::string_view list_id,
                                     int64_t valid_seconds);

// Ids of all status lists in use.
Result<std::vector<std::string>> StatusListIds(Context& ctx);

struct Presentation {
  std::string card_number;
  std::string qr_text;           // "CP1:" + Base45, docs/card-format.md §10
  UnixSeconds presented_at = 0;  // the presentation's iat
  UnixSeconds expires_at = 0;    // the card's expiry
};

// Builds a presentation (credential/presentation.h) of an active, unexpired card that discloses
// only `disclose` (credential::ParseDisclosureNames keys). Reads the person's record and the
// card's digest seed, rebuilds the card payload with the issuance code and reads its signed
// digests back, then signs the presentation with the issuer key; logs "card.present" (subject
// the card's crd_ id, reason the disclosed names) in the same transaction. Fails, logging nothing,
// with kCardNotFound, kCardRevoked (revoked), kCardExpired (expired state or past its expiry),
// kInvalidTransition (suspended or replaced), kFailedPrecondition (an attribute the card does
// not carry), kPersonNotFound (purged), kPermissionDenied. REQUIRES role clerk, supervisor,
// admin or system (the holder's portal).
Result<Presentation> Present(Context& ctx, std::string_view card_number,
                             const std::vector<int>& disclose, const Actor& actor);

// Reads a person's record (decrypts), logging who read it and why. REQUIRES a non-empty reason
// and role clerk, supervisor or admin.
Result<PersonRecord> ReadPerson(Context& ctx, std::string_view person_id, const Actor& actor,
                                std::string_view reason);

}  // namespace cityid::core
