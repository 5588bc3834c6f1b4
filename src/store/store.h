#pragma once
// The Store interface (DESIGN §4). Rows hold only what DESIGN §4 allows in clear: pseudonymous
// ids, states, dates, sites, staff ids, document categories and points, blind indexes, and
// per-person ciphertext. There is no column for a name, a date of birth, an address, a document
// number, a document image, a nationality or an immigration status.
//
// Every access runs inside Store::Write or Store::Read; a state change and its audit entry are
// written in the same Write and so commit or roll back together.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/entry.h"
#include "audit/merkle.h"
#include "base/bytes.h"
#include "base/clock.h"
#include "base/status.h"

namespace cityid::store {

struct PersonRow {
  std::string id;      // pseudonymous, random
  Bytes wrapped_key;   // data key wrapped by the KEK
  Bytes sealed;        // XChaCha20-Poly1305 record
  int schema_version = 1;
  UnixSeconds created_at = 0;
  UnixSeconds updated_at = 0;
};

struct ApplicationRow {
  std::string id;
  std::string person_id;
  std::string state;           // core::ApplicationState name
  std::string site;
  std::string policy_version;  // fingerprint of the policy that evaluated it
  std::string evaluation_json; // totals only (satisfied, rule, points); details are encrypted
  std::string flags_json;      // duplicate flags: kinds and other application ids, no personal data
  std::string created_by;
  std::string decided_by;
  std::string decision_reason;
  std::string hold_reason;     // legal hold: not purged while non-empty
  // Checked documents written with the row (InsertApplication only; read them back with
  // DocumentsForApplication): a JSON array of {category, identity_points, residency_points,
  // accepted, checked_by, checked_at} — the CheckedDocumentRow fields without the number index.
  // Empty means none.
  std::string documents_json;
  UnixSeconds created_at = 0;
  UnixSeconds updated_at = 0;
};

struct CheckedDocumentRow {
  std::string application_id;
  // identity, residency or both. Deliberately not the catalogue id: "foreign_passport" next to
  // an application would be the list of who showed foreign documents that DESIGN §9 rules out.
  // The id lives only in the person's encrypted record.
  std::string category;
  int identity_points = 0;
  int residency_points = 0;
  bool accepted = false;
  std::string checked_by;
  UnixSeconds checked_at = 0;
  Bytes number_index;          // blind index of type+number; empty when the document has none.
                               // Stored as a dedup key (kind "document") of the application's
                               // person; DocumentsForApplication returns it empty.
};

struct DedupKeyRow {
  Bytes key;                   // blind index
  std::string kind;            // name_exact, name_phonetic, document
  std::string person_id;
};

struct CardRow {
  std::string number;
  std::string person_id;
  std::string application_id;
  std::string state;           // core::CardState name
  UnixSeconds issued_at = 0;
  UnixSeconds expires_at = 0;
  std::string status_list_id;
  uint32_t status_index = 0;
  Bytes key_id;                // issuer key that signed it
  std::string replaced_by;     // number of the card that superseded it
  UnixSeconds updated_at = 0;
  // The card's pseudonymous id ("crd_" + random), its subject in the audit log, which never
  // holds a card number (schema v13).
  std::string subject;
  // When the print station marked the card printed (0: not yet; schema v17).
  UnixSeconds printed_at = 0;
  // The policy's after-print retention (core::MarkPrinted) is still to be applied to the
  // holder's record: set at issue, cleared when the card is marked printed or the print window
  // closes (core::PurgeExpired).
  bool retention_due = false;
};

struct StatusListRow {
  std::string id;
  uint32_t size = 0;
  Bytes bits;
  UnixSeconds updated_at = 0;
};

struct AuditRow {
  int64_t seq = 0;             // 0-based leaf index
  audit::Entry entry;
  Bytes leaf_hash;
};

// A search of the access log (the auditor's log browser, GET /api/v1/audit/entries). Empty
// strings and nullopt match anything; `at` bounds are Unix seconds, `since` inclusive and `until`
// exclusive. Ascending: entries with seq >= `from_seq`; descending: seq <= `from_seq`.
struct AuditFilter {
  std::string action;                  // exact action, e.g. "card.revoke"
  std::string site;                    // exact site id
  std::optional<UnixSeconds> since;
  std::optional<UnixSeconds> until;
  int64_t from_seq = 0;
  bool descending = false;
  size_t limit = 100;
};

struct ApplicationFilter {
  std::vector<std::string> states;          // empty: any
  std::optional<UnixSeconds> updated_before;
  std::string person_id;                    // empty: any
  bool person_exists = false;               // only rows whose person record still exists
  size_t limit = 1000;
};

struct CardFilter {
  std::vector<std::string> states;          // empty: any
  std::optional<UnixSeconds> expires_before;
  std::string person_id;                    // empty: any
  bool person_exists = false;               // only rows whose person record still exists
  bool unprinted = false;                   // only cards not marked printed (printed_at 0)
  // Only cards with retention_due set that were issued before this time.
  std::optional<UnixSeconds> retention_due_issued_before;
  size_t limit = 1000;
};

// A staff account (src/auth). Staff data, never an applicant's: user name in clear, the password
// as an Argon2id string, the TOTP secret sealed under a KEK-derived key (empty when none).
struct StaffRow {
  std::string id;              // "stf_" + random
  std::string user_name;       // lowercase [a-z0-9._-]
  std::string role;            // clerk, supervisor, partner, auditor, admin
  std::string site;            // required for partners; may be empty otherwise
  std::string password_hash;   // crypto_pwhash_str output
  Bytes totp_sealed;           // nonce || ciphertext || tag; empty: no second factor
  // A TOTP secret shown at a first sign-in and not yet confirmed by a code (sealed like
  // totp_sealed); empty when none is waiting (migration v16, auth/sessions.h).
  Bytes totp_pending;
  int64_t totp_last_step = 0;  // last accepted TOTP time step (replay guard)
  bool disabled = false;
  UnixSeconds created_at = 0;
  UnixSeconds updated_at = 0;
};

// A staff session: only hashes of the bearer token and of its CSRF token are stored.
struct SessionRow {
  Bytes token_hash;            // 32 bytes
  std::string staff_id;
  Bytes csrf_hash;             // 32 bytes
  UnixSeconds created_at = 0;
  UnixSeconds last_seen_at = 0;
};

// One entry of the data-request register (DESIGN §8, docs/transparency.md): a subpoena, warrant,
// court order or records request and what the city answered. Holds no applicant personal data:
// scope is checked by core (core/register.h) before it gets here.
struct DataRequestRow {
  std::string id;               // "req_" + random
  std::string kind;             // subpoena, warrant, court_order, records_request, other
  std::string received_on;      // YYYY-MM-DD
  std::string requesting_body;
  std::string legal_basis;
  std::string scope;
  std::string response;         // pending, refused, narrowed, complied, withdrawn
  std::string responded_on;     // YYYY-MM-DD; empty while pending
  std::string disclosed;        // comma-separated disclosure categories; empty when none
  int64_t persons_covered = 0;
  std::string recorded_by;
  UnixSeconds created_at = 0;
  UnixSeconds updated_at = 0;
};

// A pending or decided emergency-destruction request (two-person rule, core/destruction.h).
// Staff ids and a free-text reason only.
struct DestructionRequestRow {
  std::string id;               // "dst_" + random
  std::string requested_by;
  std::string reason;
  UnixSeconds requested_at = 0;
  std::string state;            // pending, executed, expired
  std::string approved_by;      // empty unless executed
  UnixSeconds decided_at = 0;   // 0 while pending
};

// An enrollment site (core/appointments.h): public information only, the site's own address.
struct SiteRow {
  std::string id;               // lowercase [a-z0-9-], chosen by the admin, e.g. "city-hall"
  std::string name;
  std::string kind;             // city_hall, library, partner
  std::string address;          // the site's street address (never a person's)
  std::string timezone;         // IANA zone ("America/New_York") or fixed offset "+HH:MM"
  std::string hours_json;       // weekly opening hours, core::OpeningHours JSON
  int slot_minutes = 30;
  int capacity = 1;             // bookings per slot
  std::string closed_json;      // closure dates, JSON array of "YYYY-MM-DD", sorted
  UnixSeconds created_at = 0;
  UnixSeconds updated_at = 0;
  std::string languages_json = "[]";  // languages staff speak: JSON array of codes ("en", "es")
  std::string accessibility;          // access notes for applicants, free text ("" = none)
};

// A booking. No personal data in clear: `sealed` is the name to call and the optional contact
// under the booking's own data key (`wrapped_key`, wrapped by the KEK); the PIN is a keyed hash.
struct AppointmentRow {
  std::string id;               // "apt_" + random; the audit subject
  std::string reference;        // public reference code, unique
  Bytes pin_hash;               // 32 bytes
  std::string site_id;
  UnixSeconds slot_start = 0;   // UTC
  int seat = 0;                 // 0 .. site capacity - 1, unique per live booking and slot
  Bytes wrapped_key;
  Bytes sealed;
  std::string language;         // BCP 47 tag, e.g. "es"
  std::string state;            // booked, moved, cancelled, attended
  UnixSeconds created_at = 0;
  UnixSeconds updated_at = 0;
  UnixSeconds expires_at = 0;   // after the appointment; the row is deleted then
};

// Operations inside one transaction. Not thread-safe; valid only inside the Write/Read callback
// that received it. Write operations fail with kPermissionDenied inside Read. Lookups return
// nullopt when the row is absent; other failures are kInternal / kStoreBusy / kAlreadyExists.
class Tx {
 public:
  virtual ~Tx() = default;

  virtual Status InsertPerson(const PersonRow& row) = 0;
  virtual Result<std::optional<PersonRow>> GetPerson(std::string_view id) = 0;
  // Replaces wrapped_key, sealed, schema_version and updated_at of an existing person.
  virtual Status UpdatePerson(const PersonRow& row) = 0;
  // Crypto-shreds: deletes the wrapped key and ciphertext, the person's dedup keys and their
  // checked-document blind indexes. Applications and cards stay, pseudonymous. kNotFound if absent.
  virtual Status DeletePerson(std::string_view id) = 0;
  virtual Result<int64_t> CountPersons() = 0;

  virtual Status InsertApplication(const ApplicationRow& row) = 0;
  virtual Result<std::optional<ApplicationRow>> GetApplication(std::string_view id) = 0;
  // Replaces the mutable columns (state, flags, decision, hold, updated_at) of an existing row.
  virtual Status UpdateApplication(const ApplicationRow& row) = 0;
  virtual Result<std::vector<ApplicationRow>> ListApplications(const ApplicationFilter& f) = 0;

  virtual Status InsertCheckedDocument(const CheckedDocumentRow& row) = 0;
  virtual Result<std::vector<CheckedDocumentRow>> DocumentsForApplication(std::string_view id) = 0;

  virtual Status InsertDedupKey(const DedupKeyRow& row) = 0;
  // Rows whose key equals any of `keys`.
  virtual Result<std::vector<DedupKeyRow>> FindDedupKeys(const std::vector<Bytes>& keys) = 0;
  // Persons (other than none) who presented a document with this blind index.
  virtual Result<std::vector<std::string>> FindDocumentIndex(ByteView number_index) = 0;

  virtual Status InsertCard(const CardRow& row) = 0;
  virtual Result<std::optional<CardRow>> GetCard(std::string_view number) = 0;
  // The card whose CardRow::subject is `subject` (non-empty).
  virtual Result<std::optional<CardRow>> GetCardBySubject(std::string_view subject) = 0;
  virtual Status UpdateCard(const CardRow& row) = 0;
  virtual Result<std::vector<CardRow>> ListCards(const CardFilter& f) = 0;
  virtual Result<bool> StatusIndexInUse(std::string_view list_id, uint32_t index) = 0;

  virtual Result<std::optional<StatusListRow>> GetStatusList(std::string_view id) = 0;
  virtual Status PutStatusList(const StatusListRow& row) = 0;
  // Ids of every status list, in creation order.
  virtual Result<std::vector<std::string>> StatusListIds() = 0;

  // Appends an entry; returns its 0-based sequence number.
  virtual Result<int64_t> AppendAudit(const audit::Entry& e) = 0;
  virtual Result<std::vector<AuditRow>> ReadAudit(int64_t from_seq, size_t limit) = 0;
  virtual Result<int64_t> AuditSize() = 0;
  // Up to `f.limit` entries matching `f`, in seq order (descending when f.descending). A scan of
  // the log from `f.from_seq` (the table's primary key), O(entries scanned).
  virtual Result<std::vector<AuditRow>> SearchAudit(const AuditFilter& f) = 0;
  // The latest `limit` entries whose subject is exactly `subject`, oldest first (the applicant's
  // view of accesses to their record, core/access_history.h). Indexed (schema v8): O(log n + k).
  virtual Result<std::vector<AuditRow>> AuditBySubject(std::string_view subject,
                                                       size_t limit) = 0;

  // Signed tree heads of the audit log, oldest first. AppendTreeHead fails with
  // kFailedPrecondition if the head covers more entries than the log holds or fewer than the
  // latest stored head (heads never shrink); it does not check the signature or the root.
  virtual Status AppendTreeHead(const audit::SignedTreeHead& head) = 0;
  virtual Result<std::vector<audit::SignedTreeHead>> ListTreeHeads() = 0;
  // The most recently appended head; nullopt when none.
  virtual Result<std::optional<audit::SignedTreeHead>> LatestTreeHead() = 0;

  // ---- staff and sessions ----
  // kAlreadyExists when the id or the user name is taken.
  virtual Status InsertStaff(const StaffRow& row) = 0;
  virtual Result<std::optional<StaffRow>> GetStaff(std::string_view id) = 0;
  virtual Result<std::optional<StaffRow>> GetStaffByUserName(std::string_view user_name) = 0;
  // Every account, by user name.
  virtual Result<std::vector<StaffRow>> ListStaff() = 0;
  // Replaces role, site, password_hash, totp_sealed, totp_pending, disabled and updated_at;
  // kNotFound if absent.
  virtual Status UpdateStaff(const StaffRow& row) = 0;
  // Records `step` as the staff member's last used TOTP step iff it is later than the stored one.
  // Returns false when it is not (a replayed code); kNotFound when the staff id is unknown.
  virtual Result<bool> ClaimTotpStep(std::string_view staff_id, int64_t step) = 0;
  virtual Status InsertSession(const SessionRow& row) = 0;
  virtual Result<std::optional<SessionRow>> GetSession(ByteView token_hash) = 0;
  virtual Status TouchSession(ByteView token_hash, UnixSeconds last_seen_at) = 0;
  // kNotFound when no such session.
  virtual Status DeleteSession(ByteView token_hash) = 0;
  // Ends every session of a staff member; returns how many there were.
  virtual Result<int64_t> DeleteSessionsOfStaff(std::string_view staff_id) = 0;
  // Deletes sessions idle since before `idle_before` or created before `created_before`.
  virtual Result<int64_t> DeleteExpiredSessions(UnixSeconds idle_before,
                                                UnixSeconds created_before) = 0;
  virtual Status InsertFailedLogin(std::string_view staff_id, UnixSeconds at) = 0;
  // Failed logins of a staff member at or after `since`, oldest first (their times).
  virtual Result<std::vector<UnixSeconds>> FailedLoginsSince(std::string_view staff_id,
                                                             UnixSeconds since) = 0;
  virtual Status ClearFailedLogins(std::string_view staff_id) = 0;

  // ---- data-request register ----
  // kAlreadyExists when the id is taken.
  virtual Status InsertDataRequest(const DataRequestRow& row) = 0;
  // Replaces every column but id and created_at; kNotFound when absent.
  virtual Status UpdateDataRequest(const DataRequestRow& row) = 0;
  virtual Result<std::optional<DataRequestRow>> GetDataRequest(std::string_view id) = 0;
  // Every entry, by received_on then id.
  virtual Result<std::vector<DataRequestRow>> ListDataRequests() = 0;
  // Applications under a legal hold (non-empty hold_reason), by person id then id.
  virtual Result<std::vector<ApplicationRow>> ListHeldApplications() = 0;

  // ---- audit tree nodes ----
  // Hashes of the complete, aligned subtrees of the audit log's RFC 6962 tree (docs/audit.md):
  // node (level, index) = MTH(entries [index * 2^level, (index + 1) * 2^level)). Level 0 is the
  // entry's leaf hash (audit_log); levels >= 1 are stored. ExtendAuditNodes writes every node
  // completed by entries appended since it last ran (amortised O(1) writes per entry, O(log n)
  // reads to resume) and returns the entries now covered; kStoreCorrupt if the log has a gap or
  // a malformed leaf hash; kPermissionDenied inside Read.
  virtual Result<int64_t> ExtendAuditNodes() = 0;
  // Entries covered by stored nodes: every complete subtree within [0, covered) is stored.
  virtual Result<int64_t> AuditNodesCovered() = 0;
  // Node (level, index); nullopt when not stored (or, at level 0, no such entry).
  virtual Result<std::optional<audit::Hash>> GetAuditNode(int level, int64_t index) = 0;

  // ---- emergency destruction requests (core/destruction.h) ----
  // kAlreadyExists when the id is taken.
  virtual Status InsertDestructionRequest(const DestructionRequestRow& row) = 0;
  virtual Result<std::optional<DestructionRequestRow>> GetDestructionRequest(std::string_view id) = 0;
  // Replaces state, approved_by and decided_at; kNotFound when absent.
  virtual Status UpdateDestructionRequest(const DestructionRequestRow& row) = 0;

  // ---- sites and appointments ----
  // kAlreadyExists when the id is taken.
  virtual Status InsertSite(const SiteRow& row) = 0;
  // Replaces every column but id and created_at; kNotFound when absent.
  virtual Status UpdateSite(const SiteRow& row) = 0;
  virtual Result<std::optional<SiteRow>> GetSite(std::string_view id) = 0;
  // Every site, by id.
  virtual Result<std::vector<SiteRow>> ListSites() = 0;
  // kAlreadyExists when the id or reference is taken, or when another live (booked or moved)
  // booking holds the same site, slot and seat.
  virtual Status InsertAppointment(const AppointmentRow& row) = 0;
  virtual Result<std::optional<AppointmentRow>> GetAppointmentByReference(
      std::string_view reference) = 0;
  // Replaces slot_start, seat, state, updated_at and expires_at; kNotFound when absent;
  // kAlreadyExists when the new seat is held by another live booking.
  virtual Status UpdateAppointment(const AppointmentRow& row) = 0;
  // Seats held by live bookings at one slot of a site, ascending.
  virtual Result<std::vector<int>> TakenSeats(std::string_view site_id, UnixSeconds slot_start) = 0;
  // Live bookings per slot start of a site with from <= slot_start < to, by slot start.
  virtual Result<std::vector<std::pair<UnixSeconds, int64_t>>> CountLiveBookings(
      std::string_view site_id, UnixSeconds from, UnixSeconds to) = 0;
  // Every booking of a site (any state) with from <= slot_start < to, by slot start then
  // reference; at most `limit`. For the counter's list of the day (core::ListSiteAppointments).
  virtual Result<std::vector<AppointmentRow>> ListAppointments(std::string_view site_id,
                                                               UnixSeconds from, UnixSeconds to,
                                                               size_t limit) = 0;
  // Ids of bookings with expires_at <= now (at most `limit`), oldest first.
  virtual Result<std::vector<std::string>> ExpiredAppointmentIds(UnixSeconds now,
                                                                 size_t limit) = 0;
  // Deletes a booking (its wrapped key with it: crypto-shredding); kNotFound when absent.
  virtual Status DeleteAppointment(std::string_view id) = 0;

  // ---- store facts (schema v14): small named values that are no personal data ----
  // The key check values that bind DATA/keys to this store ("key_check.kek", ...) and the
  // progress of bulk imports ("batch.<hash>" -> last committed line).
  virtual Result<std::optional<std::string>> GetFact(std::string_view name) = 0;
  // Inserts or replaces `name`.
  virtual Status PutFact(std::string_view name, std::string_view value, UnixSeconds at) = 0;
  // ---- applicants' access codes (schema v13, core/access_code.h) ----
  // Only a keyed hash of each code is stored. PutAccessCode replaces the person's code, if any
  // (the old one stops working); kAlreadyExists if another person holds the same hash.
  // DeletePerson deletes the person's code.
  virtual Status PutAccessCode(std::string_view person_id, ByteView code_hash,
                               UnixSeconds issued_at) = 0;
  // The person whose code has this hash, if any.
  virtual Result<std::optional<std::string>> FindAccessCode(ByteView code_hash) = 0;
};

// Counters since the store was opened, for operations (/metrics) and benchmarks.
struct StoreStats {
  uint64_t commits = 0;        // write transactions committed
  uint64_t pages_written = 0;  // database pages those commits wrote (to the write-ahead log)
};

class Store {
 public:
  virtual ~Store() = default;
  // Runs `fn` in one write transaction; commits iff it returns OK, else rolls back and returns
  // its Status. Writers are serialized. Thread-safe.
  virtual Status Write(const std::function<Status(Tx&)>& fn) = 0;
  // Runs `fn` in a read transaction (a consistent snapshot). Thread-safe.
  virtual Status Read(const std::function<Status(Tx&)>& fn) = 0;
  // Removes residue of deleted data: checkpoints and truncates the write-ahead log.
  virtual Status Compact() = 0;
  // Current schema version.
  virtual int SchemaVersion() const = 0;
  // Write counters since open. Thread-safe (waits for a running transaction).
  virtual StoreStats Stats() = 0;
};

}  // namespace cityid::store
