#pragma once
// The Store interface (DESIGN §4). Rows hold only what DESIGN §4 allows in clear: pseudonymous
// ids, states, dates, sites, staff ids, document categories and points, blind indexes, and
// per-person ciphertext. There is no column for a name, a date of birth, an address, a document
// number, a document image, a nationality or an immigration status.
//
// Every access runs inside Store::Write or Store::Read; a state change and its audit entry are
// written in the same Write and so commit or roll back together.

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
  Bytes number_index;          // blind index of type+number; empty when the document has none
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
  size_t limit = 1000;
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

  // Signed tree heads of the audit log, oldest first. AppendTreeHead fails with
  // kFailedPrecondition if the head covers more entries than the log holds or fewer than the
  // latest stored head (heads never shrink); it does not check the signature or the root.
  virtual Status AppendTreeHead(const audit::SignedTreeHead& head) = 0;
  virtual Result<std::vector<audit::SignedTreeHead>> ListTreeHeads() = 0;
  // The most recently appended head; nullopt when none.
  virtual Result<std::optional<audit::SignedTreeHead>> LatestTreeHead() = 0;
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
};

}  // namespace cityid::store
