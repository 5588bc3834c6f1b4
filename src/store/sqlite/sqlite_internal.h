#pragma once
// Internals of the SQLite store shared by its implementation files (sqlite_store.cc for the
// core tables, sqlite_<area>.cc for each further area). Not part of the store's interface:
// include only from src/store/sqlite/.

#include <sqlite3.h>

#include <cstdlib>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "store/sqlite/checkpointer.h"
#include "store/sqlite/sqlite_store.h"
#include "store/store.h"

namespace cityid::store::sqlite_internal {

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct StmtFinalizer {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using DbPtr = std::unique_ptr<sqlite3, DbCloser>;
using StmtPtr = std::unique_ptr<sqlite3_stmt, StmtFinalizer>;

// Maps the connection's last error to a Status (busy, constraint, corrupt, I/O, internal).
Status SqlError(sqlite3* db, std::string_view what);

// A bound, resettable prepared statement (borrowed from the cache).
class Query {
 public:
  Query(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  ~Query() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  Query& Bind(std::string_view v) {
    sqlite3_bind_text(stmt_, ++index_, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Query& Bind(const std::string& v) { return Bind(std::string_view(v)); }
  Query& Bind(const char* v) { return Bind(std::string_view(v)); }
  Query& Bind(int64_t v) {
    sqlite3_bind_int64(stmt_, ++index_, v);
    return *this;
  }
  Query& Bind(int v) { return Bind(static_cast<int64_t>(v)); }
  Query& Bind(uint32_t v) { return Bind(static_cast<int64_t>(v)); }
  Query& Bind(bool v) { return Bind(static_cast<int64_t>(v ? 1 : 0)); }
  Query& Bind(ByteView v) {
    sqlite3_bind_blob(stmt_, ++index_, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Query& Bind(const Bytes& v) { return Bind(ByteView(v)); }
  Query& BindNullableBlob(const Bytes& v) {
    if (v.empty()) {
      sqlite3_bind_null(stmt_, ++index_);
      return *this;
    }
    return Bind(v);
  }

  // Executes a statement that returns no rows.
  Status Exec() {
    const int rc = sqlite3_step(stmt_);
    if (rc != SQLITE_DONE) return SqlError(db_, "exec");
    return Status::Ok();
  }
  // Advances; Result<bool> true when a row is available.
  Result<bool> Step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return SqlError(db_, "query");
  }
  std::string Text(int col) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
    return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, col))) : std::string();
  }
  int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }
  Bytes Blob(int col) const {
    const auto* p = static_cast<const uint8_t*>(sqlite3_column_blob(stmt_, col));
    return p ? Bytes(p, p + sqlite3_column_bytes(stmt_, col)) : Bytes();
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
  int index_ = 0;
};

class SqliteStore;

class SqliteTx final : public Tx {
 public:
  SqliteTx(SqliteStore& store, bool writable) : store_(store), writable_(writable) {}

  Status InsertPerson(const PersonRow& r) override;
  Result<std::optional<PersonRow>> GetPerson(std::string_view id) override;
  Status UpdatePerson(const PersonRow& r) override;
  Status DeletePerson(std::string_view id) override;
  Result<int64_t> CountPersons() override;
  Status InsertApplication(const ApplicationRow& r) override;
  Result<std::optional<ApplicationRow>> GetApplication(std::string_view id) override;
  Status UpdateApplication(const ApplicationRow& r) override;
  Result<std::vector<ApplicationRow>> ListApplications(const ApplicationFilter& f) override;
  Status InsertCheckedDocument(const CheckedDocumentRow& r) override;
  Result<std::vector<CheckedDocumentRow>> DocumentsForApplication(std::string_view id) override;
  Status InsertDedupKey(const DedupKeyRow& r) override;
  Result<std::vector<DedupKeyRow>> FindDedupKeys(const std::vector<Bytes>& keys) override;
  Result<std::vector<std::string>> FindDocumentIndex(ByteView number_index) override;
  Status InsertCard(const CardRow& r) override;
  Result<std::optional<CardRow>> GetCard(std::string_view number) override;
  Result<std::optional<CardRow>> GetCardBySubject(std::string_view subject) override;
  Status UpdateCard(const CardRow& r) override;
  Result<std::vector<CardRow>> ListCards(const CardFilter& f) override;
  Result<bool> StatusIndexInUse(std::string_view list_id, uint32_t index) override;
  Result<std::optional<StatusListRow>> GetStatusList(std::string_view id) override;
  Status PutStatusList(const StatusListRow& r) override;
  Result<std::vector<std::string>> StatusListIds() override;
  Result<int64_t> AppendAudit(const audit::Entry& e) override;
  Result<std::vector<AuditRow>> ReadAudit(int64_t from_seq, size_t limit) override;
  Result<int64_t> AuditSize() override;
  Result<std::vector<AuditRow>> SearchAudit(const AuditFilter& f) override;
  Result<std::vector<AuditRow>> AuditBySubject(std::string_view subject, size_t limit) override;
  Status AppendTreeHead(const audit::SignedTreeHead& head) override;
  Result<std::vector<audit::SignedTreeHead>> ListTreeHeads() override;
  Result<std::optional<audit::SignedTreeHead>> LatestTreeHead() override;
  // ---- staff and sessions ---- (sqlite_staff.cc)
  Status InsertStaff(const StaffRow& r) override;
  Result<std::optional<StaffRow>> GetStaff(std::string_view id) override;
  Result<std::optional<StaffRow>> GetStaffByUserName(std::string_view user_name) override;
  Result<std::vector<StaffRow>> ListStaff() override;
  Status UpdateStaff(const StaffRow& r) override;
  Result<bool> ClaimTotpStep(std::string_view staff_id, int64_t step) override;
  Status InsertSession(const SessionRow& r) override;
  Result<std::optional<SessionRow>> GetSession(ByteView token_hash) override;
  Status TouchSession(ByteView token_hash, UnixSeconds last_seen_at) override;
  Status DeleteSession(ByteView token_hash) override;
  Result<int64_t> DeleteSessionsOfStaff(std::string_view staff_id) override;
  Result<int64_t> DeleteExpiredSessions(UnixSeconds idle_before, UnixSeconds created_before) override;
  Status InsertFailedLogin(std::string_view staff_id, UnixSeconds at) override;
  Result<std::vector<UnixSeconds>> FailedLoginsSince(std::string_view staff_id,
                                                     UnixSeconds since) override;
  Status ClearFailedLogins(std::string_view staff_id) override;
  // ---- data-request register (sqlite_register.cc) ----
  Status InsertDataRequest(const DataRequestRow& r) override;
  Status UpdateDataRequest(const DataRequestRow& r) override;
  Result<std::optional<DataRequestRow>> GetDataRequest(std::string_view id) override;
  Result<std::vector<DataRequestRow>> ListDataRequests() override;
  Result<std::vector<ApplicationRow>> ListHeldApplications() override;
  // ---- audit tree nodes (sqlite_audit_nodes.cc) ----
  Result<int64_t> ExtendAuditNodes() override;
  Result<int64_t> AuditNodesCovered() override;
  Result<std::optional<audit::Hash>> GetAuditNode(int level, int64_t index) override;
  Status InsertDestructionRequest(const DestructionRequestRow& r) override;
  Result<std::optional<DestructionRequestRow>> GetDestructionRequest(std::string_view id) override;
  Status UpdateDestructionRequest(const DestructionRequestRow& r) override;

  // ---- sites and appointments ---- (sqlite_sites.cc)
  Status InsertSite(const SiteRow& r) override;
  Status UpdateSite(const SiteRow& r) override;
  Result<std::optional<SiteRow>> GetSite(std::string_view id) override;
  Result<std::vector<SiteRow>> ListSites() override;
  Status InsertAppointment(const AppointmentRow& r) override;
  Result<std::optional<AppointmentRow>> GetAppointmentByReference(
      std::string_view reference) override;
  Status UpdateAppointment(const AppointmentRow& r) override;
  Result<std::vector<int>> TakenSeats(std::string_view site_id, UnixSeconds slot_start) override;
  Result<std::vector<std::pair<UnixSeconds, int64_t>>> CountLiveBookings(
      std::string_view site_id, UnixSeconds from, UnixSeconds to) override;
  Result<std::vector<AppointmentRow>> ListAppointments(std::string_view site_id, UnixSeconds from,
                                                       UnixSeconds to, size_t limit) override;
  Result<std::vector<std::string>> ExpiredAppointmentIds(UnixSeconds now, size_t limit) override;
  Status DeleteAppointment(std::string_view id) override;
  Result<std::optional<std::string>> GetFact(std::string_view name) override;
  Status PutFact(std::string_view name, std::string_view value, UnixSeconds at) override;
  Status PutAccessCode(std::string_view person_id, ByteView code_hash,
                       UnixSeconds issued_at) override;
  Result<std::optional<std::string>> FindAccessCode(ByteView code_hash) override;

 private:
  Query Q(const char* sql);
  Status RequireWritable() const {
    if (!writable_) return Error(ErrorId::kPermissionDenied, "write inside a read transaction");
    return Status::Ok();
  }
  Status ExecChanged(Query& q, std::string_view what);
  // Appends (kind, key) to the person's own list of dedup keys (schema v11).
  Status ListDedupKey(std::string_view person_id, std::string_view kind, const Bytes& key);
  SqliteStore& store_;
  bool writable_;
};

class SqliteStore final : public Store {
 public:
  static Result<std::unique_ptr<Store>> Open(const std::string& path, const SqliteOptions& o);

  Status Write(const std::function<Status(Tx&)>& fn) override { return Run(fn, true); }
  Status Read(const std::function<Status(Tx&)>& fn) override { return Run(fn, false); }
  Status Compact() override {
    std::lock_guard lock(mu_);
    // The checkpoint's first result column is 1 when readers kept it from completing: then old
    // frames (possibly holding shredded pages) remain, and the caller must know.
    int busy = 0;
    auto on_row = [](void* out, int, char** values, char**) {
      *static_cast<int*>(out) = values[0] ? std::atoi(values[0]) : 0;
      return 0;
    };
    if (sqlite3_exec(db_.get(), "PRAGMA wal_checkpoint(TRUNCATE);", on_row, &busy, nullptr) !=
        SQLITE_OK) {
      return SqlError(db_.get(), "checkpoint");
    }
    if (busy != 0) {
      return Error(ErrorId::kStoreBusy,
                   "write-ahead log not truncated: another process is reading; retry");
    }
    return Status::Ok();
  }
  int SchemaVersion() const override { return schema_version_; }
  StoreStats Stats() override {
    std::lock_guard lock(mu_);
    // CACHE_WRITE counts the pages the pager wrote: in WAL mode, the frames each commit appends.
    // Read and reset into a 64-bit total (SQLite's counter is an int).
    int current = 0, highest = 0;
    if (sqlite3_db_status(db_.get(), SQLITE_DBSTATUS_CACHE_WRITE, &current, &highest, 1) ==
        SQLITE_OK) {
      pages_written_ += static_cast<uint64_t>(current);
    }
    return {commits_, pages_written_};
  }

  // Returns a cached prepared statement for `sql` (a string literal: cached by address).
  sqlite3_stmt* Prepare(const char* sql) {
    auto it = cache_.find(sql);
    if (it != cache_.end()) return it->second.get();
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v3(db_.get(), sql, -1, SQLITE_PREPARE_PERSISTENT, &raw, nullptr) !=
        SQLITE_OK) {
      return nullptr;
    }
    cache_.emplace(sql, StmtPtr(raw));
    return raw;
  }
  sqlite3* db() { return db_.get(); }
  // Background checkpoint passes so far (0 without a background checkpointer).
  int CheckpointPasses() const { return checkpointer_ ? checkpointer_->passes() : 0; }

 private:
  Status Exec(const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_.get(), sql, nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : "unknown";
      sqlite3_free(err);
      // A busy, read-only or full database is a condition of the machine (SqlError says what
      // to do, exit 8 / HTTP 503), not an internal error.
      Status mapped = SqlError(db_.get(), "sql");
      if (mapped.code() == StatusCode::kUnavailable) return mapped;
      return Error(ErrorId::kInternal, std::string("sql: ") + msg);
    }
    return Status::Ok();
  }
  Status Migrate();
  Status Run(const std::function<Status(Tx&)>& fn, bool write) {
    std::lock_guard lock(mu_);
    CITYID_RETURN_IF_ERROR(Exec(write ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED"));
    SqliteTx tx(*this, write);
    Status s = fn(tx);
    if (s.ok()) {
      if (sqlite3_exec(db_.get(), "COMMIT", nullptr, nullptr, nullptr) == SQLITE_OK) {
        if (write) ++commits_;
        return Status::Ok();
      }
      s = SqlError(db_.get(), "commit");
    }
    sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
    return s;
  }

  std::mutex mu_;
  DbPtr db_;
  std::unordered_map<const char*, StmtPtr> cache_;
  int schema_version_ = 0;
  uint64_t commits_ = 0;
  uint64_t pages_written_ = 0;
  // Last: stopped (and its connection closed) before the writer's connection closes.
  std::unique_ptr<Checkpointer> checkpointer_;
};

}  // namespace cityid::store::sqlite_internal
