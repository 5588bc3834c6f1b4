#include "store/sqlite/sqlite_store.h"

#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <vector>

#include "store/sqlite/schema.h"
#include "store/sqlite/sqlite_internal.h"

namespace cityid::store {
namespace sqlite_internal {

Status SqlError(sqlite3* db, std::string_view what) {
  const int code = sqlite3_extended_errcode(db);
  const int sys = sqlite3_system_errno(db);
  std::string msg = std::string(what) + ": " + sqlite3_errmsg(db);
  // Conditions of the machine, not of the data: each says what to do (exit 8, HTTP 503).
  if ((code & 0xff) == SQLITE_BUSY || (code & 0xff) == SQLITE_LOCKED) {
    return Error(ErrorId::kStoreBusy,
                 msg +
                     "; another process holds the database's write lock (a batch import, a "
                     "backup, a second server): retry when it has finished");
  }
  if ((code & 0xff) == SQLITE_FULL ||
      ((code & 0xff) == SQLITE_IOERR && (sys == ENOSPC || sys == EDQUOT || sys == EFBIG))) {
    return Error(ErrorId::kStoreFull,
                 msg +
                     "; the disk (or quota) holding the data folder is full: free space, then "
                     "retry (nothing was written)");
  }
  if ((code & 0xff) == SQLITE_READONLY || (code & 0xff) == SQLITE_PERM ||
      ((code & 0xff) == SQLITE_CANTOPEN && (sys == EACCES || sys == EPERM || sys == EROFS))) {
    return Error(ErrorId::kStoreReadOnly,
                 msg +
                     "; the data folder or its database cannot be written (permissions, a "
                     "read-only mount): cityid needs write access to the folder and its files");
  }
  if (code == SQLITE_CONSTRAINT_PRIMARYKEY || code == SQLITE_CONSTRAINT_UNIQUE) {
    return Error(ErrorId::kAlreadyExists, msg);
  }
  if ((code & 0xff) == SQLITE_CORRUPT || (code & 0xff) == SQLITE_NOTADB) {
    return Error(ErrorId::kStoreCorrupt, msg);
  }
  if ((code & 0xff) == SQLITE_FULL || (code & 0xff) == SQLITE_IOERR) {
    return Error(ErrorId::kIo, msg);
  }
  return Error(ErrorId::kInternal, msg);
}


Result<std::unique_ptr<Store>> SqliteStore::Open(const std::string& path, const SqliteOptions& o) {
  auto store = std::make_unique<SqliteStore>();
  sqlite3* raw = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  store->db_.reset(raw);
  if (rc != SQLITE_OK) {
    if (raw == nullptr)
      return Error(ErrorId::kIo, "cannot open database '" + path + "': out of memory");
    Status s = SqlError(raw, "cannot open database '" + path + "'");
    if (s.id() == ErrorId::kInternal) return Error(ErrorId::kIo, s.message());
    return s;
  }
  sqlite3_busy_timeout(raw, o.busy_timeout_ms);
  sqlite3_extended_result_codes(raw, 1);
  // Verify it is a database before changing anything.
  if (sqlite3_exec(raw, "SELECT count(*) FROM sqlite_master", nullptr, nullptr, nullptr) !=
      SQLITE_OK) {
    Status s = SqlError(raw, "'" + path + "'");
    if (s.code() == StatusCode::kUnavailable) return s;
    // On a read-only mount SQLite opens the file read-only and then fails on the WAL's shared
    // memory file with a bare "unable to open database file" (no errno): that is the folder,
    // not the data, and restoring a backup over a healthy database would be the wrong advice.
    const std::string dir = std::filesystem::path(path).parent_path().string();
    struct statvfs fs {};
    const std::string folder = dir.empty() ? "." : dir;
    if ((::statvfs(folder.c_str(), &fs) == 0 && (fs.f_flag & ST_RDONLY) != 0) ||
        ::access(folder.c_str(), W_OK) != 0) {
      return Error(ErrorId::kStoreReadOnly,
                   "'" + path + "': " + sqlite3_errmsg(raw) +
                       "; the data folder or its database cannot be written (permissions, a "
                       "read-only mount): cityid needs write access to the folder and its files");
    }
    return Error(ErrorId::kStoreCorrupt, "'" + path + "' is not a cityid database: " +
                                             sqlite3_errmsg(raw));
  }
  if (o.must_exist) {
    // An empty file (truncated, or a failed copy) opens as an empty database: migrating it would
    // put a fresh, empty store under the folder's old keys and lose every record silently.
    sqlite3_stmt* st = nullptr;
    bool has_schema = false;
    if (sqlite3_prepare_v2(raw,
                           "SELECT 1 FROM sqlite_master WHERE type = 'table' AND "
                           "name = 'schema_migrations'",
                           -1, &st, nullptr) == SQLITE_OK) {
      has_schema = sqlite3_step(st) == SQLITE_ROW;
    }
    sqlite3_finalize(st);
    if (!has_schema) {
      return Error(
          ErrorId::kStoreCorrupt,
          "'" + path +
              "' holds no cityid database (it is empty or was replaced) while "
              "the folder's keys exist; nothing was changed. Restore cityid.db from your "
              "latest backup (docs/operations.md, \"Restoring a backup\"); do not run init");
    }
  }
  CITYID_RETURN_IF_ERROR(store->Exec("PRAGMA journal_mode=WAL"));
  CITYID_RETURN_IF_ERROR(store->Exec("PRAGMA foreign_keys=ON"));
  CITYID_RETURN_IF_ERROR(store->Exec("PRAGMA secure_delete=ON"));
  CITYID_RETURN_IF_ERROR(store->Exec("PRAGMA temp_store=MEMORY"));
  if (o.bulk_import) {
    // See SqliteOptions::bulk_import. SQLite clamps mmap_size to its compile-time maximum
    // (2 GB in Debian's build); pages beyond it are read as usual.
    CITYID_RETURN_IF_ERROR(store->Exec("PRAGMA cache_size=-2000"));
    CITYID_RETURN_IF_ERROR(store->Exec("PRAGMA mmap_size=2147418112"));
  } else {
    // Random ids and blind indexes spread every enrollment over ~15 B-tree pages: a 64 MiB
    // page cache and a 40 MB WAL between checkpoints let repeated writes to hot pages coalesce
    // (measured: -16% per enrollment at 20k persons).
    CITYID_RETURN_IF_ERROR(store->Exec("PRAGMA cache_size=-65536"));
  }
  CITYID_RETURN_IF_ERROR(store->Exec("PRAGMA wal_autocheckpoint=10000"));
  CITYID_RETURN_IF_ERROR(
      store->Exec(o.synchronous_full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL"));
  CITYID_RETURN_IF_ERROR(store->Migrate());
  const bool in_memory = path == ":memory:" || path.empty() || path.rfind("file:", 0) == 0;
  if (o.background_checkpoint && !in_memory) {
    store->checkpointer_ = Checkpointer::Start(path, o.synchronous_full);
    if (store->checkpointer_) store->checkpointer_->Attach(raw);
  }
  return std::unique_ptr<Store>(std::move(store));
}

Status SqliteStore::Migrate() {
  CITYID_RETURN_IF_ERROR(Exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
      "applied_at INTEGER NOT NULL) STRICT"));
  // Every version missing from schema_migrations is applied, not only those above the highest
  // applied: areas number their migrations independently (schema.h), so one written earlier
  // may land after a higher one. Migrations of different areas never depend on each other.
  int current = 0;
  std::vector<int> applied;
  {
    sqlite3_stmt* s = Prepare("SELECT version FROM schema_migrations ORDER BY version");
    if (!s) return SqlError(db_.get(), "migrations");
    Query q(db_.get(), s);
    for (;;) {
      CITYID_ASSIGN_OR_RETURN(bool row, q.Step());
      if (!row) break;
      applied.push_back(static_cast<int>(q.Int(0)));
      current = std::max(current, applied.back());
    }
  }
  int latest = 0;
  for (const auto& m : sqlite_schema::kMigrations) {
    if (m.version <= latest) std::abort();  // versions must strictly increase (schema.h)
    latest = m.version;
  }
  if (current > latest) {
    return Error(ErrorId::kStoreCorrupt, "database schema v" + std::to_string(current) +
                                             " is newer than this cityid (v" +
                                             std::to_string(latest) + ")");
  }
  for (const auto& m : sqlite_schema::kMigrations) {
    if (std::find(applied.begin(), applied.end(), m.version) != applied.end()) continue;
    const int v = m.version;
    CITYID_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
    Status s = Exec(m.sql);
    if (s.ok()) {
      const std::string rec = "INSERT INTO schema_migrations VALUES (" + std::to_string(v) +
                              ", strftime('%s','now'))";
      s = Exec(rec.c_str());
    }
    if (s.ok()) s = Exec("COMMIT");
    if (!s.ok()) {
      sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
      return s.WithContext("migration v" + std::to_string(v));
    }
  }
  schema_version_ = latest;
  return Status::Ok();
}

// ---- SqliteTx ----

Query SqliteTx::Q(const char* sql) {
  sqlite3_stmt* s = store_.Prepare(sql);
  if (!s) std::abort();  // SQL in this file is static: failing to prepare is a programming error
  return Query(store_.db(), s);
}

Status SqliteTx::ExecChanged(Query& q, std::string_view what) {
  CITYID_RETURN_IF_ERROR(q.Exec());
  if (sqlite3_changes(store_.db()) == 0) return Error(ErrorId::kNotFound, std::string(what));
  return Status::Ok();
}

Status SqliteTx::InsertPerson(const PersonRow& r) {
  CITYID_RETURN_IF_ERROR(RequireWritable());
  auto q = Q("INSERT INTO persons (id, wrapped_key, sealed, schema_version, created_at, "
             "updated_at) VALUES (?,?,?,?,?,?)");
  q.Bind(r.id).Bind(r.wrapped_key).Bind(r.sealed).Bind(r.schema_version).Bind(r.created_at)
      .Bind(r.updated_at);
  return q.Exec();
}

Result<std::optional<PersonRow>> SqliteTx::GetPerson(std::string_view id) {
  auto q = Q("SELECT id, wrapped_key, sealed, schema_version, created_at, updated_at "
             "FROM persons WHERE id = ?");
  q.Bind(id);
  CITYID_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return std::optional<PersonRow>();
  PersonRow r{q.Text(0), q.Blob(1), q.Blob(2), static_cast<int>(q.Int(3)), q.Int(4), q.Int(5)};
  return std::optional<PersonRow>(std::move(r));
}

Status SqliteTx::UpdatePerson(const PersonRow& r) {
  CITYID_RETURN_IF_ERROR(RequireWritable());
  auto q = Q("UPDATE persons SET wrapped_key = ?, sealed = ?, schema_version = ?, updated_at = ? "
             "WHERE id = ?");
  q.Bind(r.wrapped_key).Bind(r.sealed).Bind(r.schema_version).Bind(r.updated_at).Bind(r.id);
  return ExecChanged(q, "person");
}

namespace {

// How dedup_keys stores a key (schema v12): the blind index cut to its first 16 bytes (128
// bits: a chance collision between two people only flags an application for review, as any
// possible duplicate does) and the kind of the four cityid computes as one letter. Each
// enrollment inserts several random keys into this B-tree; smaller rows mean fewer pages for
// the same keys. The API keeps the full keys and kind names: callers never see the difference.
constexpr size_t kStoredDedupKeyBytes = 16;

ByteView StoredDedupKey(ByteView key) {
  return key.first(std::min(key.size(), kStoredDedupKeyBytes));
}

constexpr std::pair<std::string_view, std::string_view> kDedupKindCodes[] = {
    {"name_exact", "e"}, {"name_phonetic", "p"}, {"name_joined", "j"}, {"document", "d"}};

std::string_view StoredDedupKind(std::string_view kind) {
  for (const auto& [name, code] : kDedupKindCodes) {
    if (name == kind) return code;
  }
  return kind;  // any other kind is stored as it is (never one letter: the codes are distinct)
}

std::string DedupKindName(std::string_view stored) {
  for (const auto& [name, code] : kDedupKindCodes) {
    if (code == stored) return std::string(name);
  }
  return std::string(stored);
}

// A person's dedup key list (persons.dedup_keys): "kind:HEX" entries separated by spaces.
Result<std::vector<std::pair<std::string, Bytes>>> ParseDedupKeyList(std::string_view listed) {
  std::vector<std::pair<std::string, Bytes>> out;
  while (!listed.empty()) {
    const size_t end = std::min(listed.find(' '), listed.size());
    const std::string_view entry = listed.substr(0, end);
    listed.remove_prefix(std::min(end + 1, listed.size()));
    if (entry.empty()) continue;
    const size_t colon = entry.find(':');
    if (colon == std::string_view::npos) {
      return Error(ErrorId::kStoreCorrupt, "person's dedup key list: entry without a kind");
    }
    auto key = HexDecode(entry.substr(colon + 1));
    if (!key.ok()) return Error(ErrorId::kStoreCorrupt, "person's dedup key list: " + key.status().message());
    out.emplace_back(std::string(entry.substr(0, colon)), std::move(key).value());
  }
  return out;
}

}  // namespace

Status SqliteTx::DeletePerson(std::string_view id) {
  CITYID_RETURN_IF_ERROR(RequireWritable());
  // The person's dedup keys (name keys and identity documents' number indexes alike), listed
  // in their row (schema v11): each deleted by its primary key, no scan.
  std::string listed;
  {
    auto q = Q("SELECT dedup_keys FROM persons WHERE id = ?");
    q.Bind(id);
    CITYID_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) return Error(ErrorId::kNotFound, "person");
    listed = q.Text(0);
  }
  CITYID_ASSIGN_OR_RETURN(auto keys, ParseDedupKeyList(listed));
  for (const auto& [kind, key] : keys) {
    auto q = Q("DELETE FROM dedup_keys WHERE key = ? AND kind = ? AND person_id = ?");
    q.Bind(StoredDedupKey(key)).Bind(StoredDedupKind(kind)).Bind(id);
    CITYID_RETURN_IF_ERROR(q.Exec());
  }
  {
    auto code = Q("DELETE FROM access_codes WHERE person_id = ?");
    code.Bind(id);
    CITYID_RETURN_IF_ERROR(code.Exec());
  }
  auto q = Q("DELETE FROM persons WHERE id = ?");
  q.Bind(id);
  return ExecChanged(q, "person");
}

Status SqliteTx::PutAccessCode(std::string_view person_id, ByteView code_hash,
                               UnixSeconds issued_at) {
  CITYID_RETURN_IF_ERROR(RequireWritable());
  {
    auto q = Q("DELETE FROM access_codes WHERE person_id = ?");
    q.Bind(person_id);
    CITYID_RETURN_IF_ERROR(q.Exec());
  }
  auto q = Q("INSERT INTO access_codes (code_hash, person_id, issued_at) VALUES (?,?,?)");
  q.Bind(code_hash).Bind(person_id).Bind(issued_at);
  return q.Exec();
}

Result<std::optional<std::string>> SqliteTx::FindAccessCode(ByteView code_hash) {
  auto q = Q("SELECT person_id FROM access_codes WHERE code_hash = ?");
  q.Bind(code_hash);
  CITYID_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return std::optional<std::string>();
  return std::optional<std::string>(q.Text(0));
}

Result<int64_t> SqliteTx::CountPersons() {
  auto q = Q("SELECT count(*) FROM persons");
  CITYID_ASSIGN_OR_RETURN(bool row, q.Step());
  return row ? q.Int(0) : 0;
}

Status SqliteTx::InsertApplication(const ApplicationRow& r) {
  CITYID_RETURN_IF_ERROR(RequireWritable());
  auto q = Q("INSERT INTO applications (id, person_id, state, site, policy_version, "
             "evaluation_json, flags_json, created_by, decided_by, decision_reason, hold_reason, "
             "created_at, updated_at, documents_json) "
             "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,json(?))");
  q.Bind(r.id).Bind(r.person_id).Bind(r.state).Bind(r.site).Bind(r.policy_version)
      .Bind(r.evaluation_json).Bind(r.flags_json).Bind(r.created_by).Bind(r.decided_by)
      .Bind(r.decision_reason).Bind(r.hold_reason).Bind(r.created_at).Bind(r.updated_at)
      .Bind(r.documents_json.empty() ? std::string_view("[]") : std::string_view(r.documents_json));
  return q.Exec();
}

namespace {
constexpr const char* kAppColumns =
    "id, person_id, state, site, policy_version, evaluation_json, flags_json, created_by, "
    "decided_by, decision_reason, hold_reason, created_at, updated_at";

ApplicationRow ReadApplication(const Query& q) {
  ApplicationRow r;
  r.id = q.Text(0);
  r.person_id = q.Text(1);
  r.state = q.Text(2);
  r.site = q.Text(3);
  r.policy_version = q.Text(4);
  r.evaluation_json = q.Text(5);
  r.flags_json = q.Text(6);
  r.created_by = q.Text(7);
  r.decided_by = q.Text(8);
  r.decision_reason = q.Text(9);
  r.hold_reason = q.Text(10);
  r.created_at = q.Int(11);
  r.updated_at = q.Int(12);
  return r;
}

constexpr const char* kCardColumns =
    "number, person_id, application_id, state, issued_at, expires_at, status_list_id, "
    "status_index, key_id, replaced_by, updated_at, subject";

CardRow ReadCard(const Query& q) {
  CardRow r;
  r.number = q.Text(0);
  r.person_id = q.Text(1);
  r.application_id = q.Text(2);
  r.state = q.Text(3);
  r.issued_at = q.Int(4);
  r.expires_at = q.Int(5);
  r.status_list_id = q.Text(6);
  r.status_index = static_cast<uint32_t>(q.Int(7));
  r.key_id = q.Blob(8);
  r.replaced_by = q.Text(9);
  r.updated_at = q.Int(10);
  r.subject = q.Text(11);
  return r;
}

// "state IN (?,?,...)" with a fixed maximum number of states to keep statements cacheable.
constexpr size_t kMaxStates = 8;
}  // namespace

Result<std::optional<ApplicationRow>> SqliteTx::GetApplication(std::string_view id) {
  static const std::string sql = std::string("SELECT ") + kAppColumns +
                                 " FROM applications WHERE id = ?";
  auto q = Q(sql.c_str());
  q.Bind(id);
  CITYID_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return std::optional<ApplicationRow>();
  return std::optional<ApplicationRow>(ReadApplication(q));
}

Status SqliteTx::UpdateApplication(const ApplicationRow& r) {
  CITYID_RETURN_IF_ERROR(RequireWritable());
  auto q = Q("UPDATE applications SET state = ?, flags_json = ?, decided_by = ?, "
             "decision_reason = ?, hold_reason = ?, updated_at = ? WHERE id = ?");
  q.Bind(r.state).Bind(r.flags_json).Bind(r.decided_by).Bind(r.decision_reason)
      .Bind(r.hold_reason).Bind(r.updated_at).Bind(r.id);
  return ExecChanged(q, "application");
}

Result<std::vector<ApplicationRow>> SqliteTx::ListApplications(const ApplicationFilter& f) {
  if (f.states.size() > kMaxStates) return Error(ErrorId::kInvalidArgument, "too many states");
  static const std::string sql =
      std::string("SELECT ") + kAppColumns +
      " FROM applications WHERE (? = 0 OR state IN (?,?,?,?,?,?,?,?)) AND updated_at < ? "
      "AND (? = '' OR person_id = ?) AND (? = 0 OR person_id IN (SELECT id FROM persons)) "
      "ORDER BY created_at, id LIMIT ?";
  auto q = Q(sql.c_str());
  q.Bind(static_cast<int64_t>(f.states.size()));
  for (size_t i = 0; i < kMaxStates; ++i) q.Bind(i < f.states.size() ? f.states[i] : std::string());
  q.Bind(f.updated_before.value_or(INT64_MAX)).Bind(f.person_id).Bind(f.person_id)
      .Bind(f.person_exists).Bind(static_cast<int64_t>(f.limit));
  std::vector<ApplicationRow> out;
  while (true) {
    CITYID_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    out.push_back(ReadApplication(q));
  }
  return out;
}

// Checked documents live in their application's row (documents_json, schema v3); an identity
// document's number index is a dedup key of kind 'document' of the application's person.
Status SqliteTx::InsertCheckedDocument(const CheckedDocumentRow& r) {
  CITYID_RETURN_IF_ERROR(RequireWritable());
  if (r.category != "identity" && r.category != "residency" && r.category != "both") {
    return Error(ErrorId::kInvalidArgument, "checked document category must be identity, "
                                            "residency or both");
  }
  {
    auto q = Q("UPDATE applications SET documents_json = json_insert(documents_json, '$[#]', "
               "json_object('category', ?, 'identity_points', ?, 'residency_points', ?, "
               "'accepted', ?, 'checked_by', ?, 'checked_at', ?)) WHERE id = ?");
    q.Bind(r.category).Bind(r.identity_points).Bind(r.residency_points).Bind(r.accepted)
        .Bind(r.checked_by).Bind(r.checked_at).Bind(r.application_id);
    CITYID_RETURN_IF_ERROR(ExecChanged(q, "application of the checked document"));
  }
  if (r.number_index.empty()) return Status::Ok();
  std::string person_id;
  {
    auto q = Q("SELECT person_id FROM applications WHERE id = ?");
    q.Bind(r.application_id);
    CITYID_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) return Error(ErrorId::kNotFound, "application of the checked document");
    person_id = q.Text(0);
  }
  return InsertDedupKey({r.number_index, "document", person_id});
}

Result<std::vector<CheckedDocumentRow>> SqliteTx::DocumentsForApplication(std::string_view id) {
  auto q = Q("SELECT json_extract(d.value, '$.category'), "
             "json_extract(d.value, '$.identity_points'), "
             "json_extract(d.value, '$.residency_points'), json_extract(d.value, '$.accepted'), "
             "json_extract(d.value, '$.checked_by'), json_extract(d.value, '$.checked_at') "
             "FROM applications a, json_each(a.documents_json) d WHERE a.id = ? "
             "ORDER BY d.key");
  q.Bind(id);
  std::vector<CheckedDocumentRow> out;
  while (true) {
    CITYID_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    // The number index is not returned: it is a dedup key of the person (FindDocumentIndex).
    out.push_back({std::string(id), q.Text(0), static_cast<int>(q.Int(1)),
                   static_cast<int>(q.Int(2)), q.Int(3) != 0, q.Text(4), q.Int(5), Bytes()});
  }
  return out;
}

Status SqliteTx::InsertDedupKey(const DedupKeyRow& r) {
  CITYID_RETURN_IF_ERROR(RequireWritable());
  {
    auto q = Q("INSERT OR IGNORE INTO dedup_keys (key, kind, person_id) VALUES (?,?,?)");
    q.Bind(StoredDedupKey(r.key)).Bind(StoredDedupKind(r.kind)).Bind(r.person_id);
    CITYID_RETURN_IF_ERROR(q.Exec());
  }
  if (sqlite3_changes(store_.db()) == 0) return Status::Ok();  // a set: already there
  return ListDedupKey(r.person_id, r.kind, r.key);
}

Status SqliteTx::ListDedupKey(std::string_view person_id, std::string_view kind,
                              const Bytes& key) {
  auto q = Q("UPDATE persons SET dedup_keys = ltrim(dedup_keys || ' ' || ? || ':' || hex(?)) "
             "WHERE id = ?");
  q.Bind(kind).Bind(key).Bind(person_id);
  return ExecChanged(q, "person of the dedup key");
}

Result<std::vector<DedupKeyRow>> SqliteTx::FindDedupKeys(const std::vector<Bytes>& keys) {
  std::vector<DedupKeyRow> out;
  for (const Bytes& k : keys) {
    auto q = Q("SELECT kind, person_id FROM dedup_keys WHERE key = ?");
    q.Bind(StoredDedupKey(k));
    while (true) {
      CITYID_ASSIGN_OR_RETURN(bool row, q.Step());
      if (!row) break;
      out.push_back({k, DedupKindName(q.Text(0)), q.Text(1)});
    }
  }
  return out;
}

Result<std::vector<std::string>> SqliteTx::FindDocumentIndex(ByteView number_index) {
  auto q = Q("SELECT DISTINCT person_id FROM dedup_keys WHERE key = ? AND kind = ?");
  q.Bind(StoredDedupKey(number_index)).Bind(StoredDedupKind("document"));
  std::vector<std::string> out;
  while (true) {
    CITYID_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    out.push_back(q.Text(0));
  }
  return out;
}

Status SqliteTx::InsertCard(const CardRow& r) {
  CITYID_RETURN_IF_ERROR(RequireWritable());
  static const std::string sql = std::string("INSERT INTO cards (") + kCardColumns +
                                 ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?)";
  auto q = Q(sql.c_str());
  q.Bind(r.number).Bind(r.person_id).Bind(r.application_id).Bind(r.state).Bind(r.issued_at)
      .Bind(r.expires_at).Bind(r.status_list_id).Bind(r.status_index).Bind(r.key_id)
      .Bind(r.replaced_by).Bind(r.updated_at).Bind(r.subject);
  return q.Exec();
}

Result<std::optional<CardRow>> SqliteTx::GetCardBySubject(std::string_view subject) {
  static const std::string sql = std::string("SELECT ") + kCardColumns +
                                 " FROM cards WHERE subject = ? AND subject != ''";
  auto q = Q(sql.c_str());
  q.Bind(subject);
  CITYID_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return std::optional<CardRow>();
  return std::optional<CardRow>(ReadCard(q));
}

Result<std::optional<CardRow>> SqliteTx::GetCard(std::string_view number) {
  static const std::string sql = std::string("SELECT ") + kCardColumns +
                                 " FROM cards WHERE number = ?";
  auto q = Q(sql.c_str());
  q.Bind(number);
  CITYID_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return std::optional<CardRow>();
  return std::optional<CardRow>(ReadCard(q));
}

Status SqliteTx::UpdateCard(const CardRow& r) {
  CITYID_RETURN_IF_ERROR(RequireWritable());
  auto q = Q("UPDATE cards SET state = ?, replaced_by = ?, updated_at = ? WHERE number = ?");
  q.Bind(r.state).Bind(r.replaced_by).Bind(r.updated_at).Bind(r.number);
  return ExecChanged(q, "card");
}

Result<std::vector<CardRow>> SqliteTx::ListCards(const CardFilter& f) {
  if (f.states.size() > kMaxStates) return Error(ErrorId::kInvalidArgument, "too many states");
  static const std::string sql =
      std::string("SELECT ") + kCardColumns +
      " FROM cards WHERE (? = 0 OR state IN (?,?,?,?,?,?,?,?)) AND expires_at < ? "
      "AND (? = '' OR person_id = ?) AND (? = 0 OR person_id IN (SELECT id FROM persons)) "
      "ORDER BY issued_at, number LIMIT ?";
  auto q = Q(sql.c_str());
  q.Bind(static_cast<int64_t>(f.states.size()));
  for (size_t i = 0; i < kMaxStates; ++i) q.Bind(i < f.states.size() ? f.states[i] : std::string());
  q.Bind(f.expires_before.value_or(INT64_MAX)).Bind(f.person_id).Bind(f.person_id)
      .Bind(f.person_exists).Bind(static_cast<int64_t>(f.limit));
  std::vector<CardRow> out;
  while (true) {
    CITYID_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    out.push_back(ReadCard(q));
  }
  return out;
}

Result<bool> SqliteTx::StatusIndexInUse(std::string_view list_id, uint32_t index) {
  auto q = Q("SELECT 1 FROM cards WHERE status_list_id = ? AND status_index = ?");
  q.Bind(list_id).Bind(index);
  return q.Step();
}

Result<std::optional<StatusListRow>> SqliteTx::GetStatusList(std::string_view id) {
  auto q = Q("SELECT id, size, bits, updated_at FROM status_lists WHERE id = ?");
  q.Bind(id);
  CITYID_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return std::optional<StatusListRow>();
  return std::optional<StatusListRow>(
      StatusListRow{q.Text(0), static_cast<uint32_t>(q.Int(1)), q.Blob(2), q.Int(3)});
}

Status SqliteTx::PutStatusList(const StatusListRow& r) {
  CITYID_RETURN_IF_ERROR(RequireWritable());
  auto q = Q("INSERT INTO status_lists VALUES (?,?,?,?) ON CONFLICT(id) DO UPDATE SET "
             "size = excluded.size, bits = excluded.bits, updated_at = excluded.updated_at");
  q.Bind(r.id).Bind(r.size).Bind(r.bits).Bind(r.updated_at);
  return q.Exec();
}

Result<std::vector<std::string>> SqliteTx::StatusListIds() {
  auto q = Q("SELECT id FROM status_lists ORDER BY rowid");
  std::vector<std::string> out;
  while (true) {
    CITYID_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    out.push_back(q.Text(0));
  }
  return out;
}

Result<int64_t> SqliteTx::AppendAudit(const audit::Entry& e) {
  CITYID_RETURN_IF_ERROR(RequireWritable());
  CITYID_ASSIGN_OR_RETURN(int64_t seq, AuditSize());
  auto q = Q("INSERT INTO audit_log VALUES (?,?,?,?,?,?,?,?,?)");
  q.Bind(seq).Bind(e.at).Bind(e.actor).Bind(e.role).Bind(e.site).Bind(e.action).Bind(e.subject)
      .Bind(e.reason).Bind(audit::LeafHash(e));
  CITYID_RETURN_IF_ERROR(q.Exec());
  return seq;
}

Result<std::vector<AuditRow>> SqliteTx::ReadAudit(int64_t from_seq, size_t limit) {
  auto q = Q("SELECT seq, at, actor, role, site, action, subject, reason, leaf_hash "
             "FROM audit_log WHERE seq >= ? ORDER BY seq LIMIT ?");
  q.Bind(from_seq).Bind(static_cast<int64_t>(limit));
  std::vector<AuditRow> out;
  while (true) {
    CITYID_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    AuditRow r;
    r.seq = q.Int(0);
    r.entry = audit::Entry{q.Int(1), q.Text(2), q.Text(3), q.Text(4), q.Text(5), q.Text(6),
                           q.Text(7)};
    r.leaf_hash = q.Blob(8);
    out.push_back(std::move(r));
  }
  return out;
}

Result<std::vector<AuditRow>> SqliteTx::AuditBySubject(std::string_view subject, size_t limit) {
  auto q = Q("SELECT seq, at, actor, role, site, action, subject, reason, leaf_hash "
             "FROM audit_log WHERE subject = ? ORDER BY seq DESC LIMIT ?");
  q.Bind(subject).Bind(static_cast<int64_t>(limit));
  std::vector<AuditRow> out;
  while (true) {
    CITYID_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    AuditRow r;
    r.seq = q.Int(0);
    r.entry = audit::Entry{q.Int(1), q.Text(2), q.Text(3), q.Text(4), q.Text(5), q.Text(6),
                           q.Text(7)};
    r.leaf_hash = q.Blob(8);
    out.push_back(std::move(r));
  }
  std::reverse(out.begin(), out.end());
  return out;
}

Result<std::vector<AuditRow>> SqliteTx::SearchAudit(const AuditFilter& f) {
  // Every condition is always present and switched off by its own flag, so two static statement
  // texts serve every combination (the prepared-statement cache keys on them).
#define CITYID_AUDIT_SEARCH                                                                   \
  "SELECT seq, at, actor, role, site, action, subject, reason, leaf_hash FROM audit_log "    \
  "WHERE (? = '' OR action = ?) AND (? = '' OR site = ?) AND (? = 0 OR at >= ?) "             \
  "AND (? = 0 OR at < ?) AND "
  static constexpr const char* kAscending = CITYID_AUDIT_SEARCH "seq >= ? ORDER BY seq LIMIT ?";
  static constexpr const char* kDescending =
      CITYID_AUDIT_SEARCH "seq <= ? ORDER BY seq DESC LIMIT ?";
#undef CITYID_AUDIT_SEARCH
  auto q = Q(f.descending ? kDescending : kAscending);
  q.Bind(f.action).Bind(f.action).Bind(f.site).Bind(f.site);
  q.Bind(int64_t{f.since.has_value()}).Bind(f.since.value_or(0));
  q.Bind(int64_t{f.until.has_value()}).Bind(f.until.value_or(0));
  q.Bind(f.from_seq).Bind(static_cast<int64_t>(f.limit));
  std::vector<AuditRow> out;
  while (true) {
    CITYID_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    AuditRow r;
    r.seq = q.Int(0);
    r.entry = audit::Entry{q.Int(1), q.Text(2), q.Text(3), q.Text(4), q.Text(5), q.Text(6),
                           q.Text(7)};
    r.leaf_hash = q.Blob(8);
    out.push_back(std::move(r));
  }
  return out;
}

Result<int64_t> SqliteTx::AuditSize() {
  auto q = Q("SELECT coalesce(max(seq) + 1, 0) FROM audit_log");
  CITYID_ASSIGN_OR_RETURN(bool row, q.Step());
  return row ? q.Int(0) : 0;
}

namespace {
constexpr const char* kTreeHeadSelect =
    "SELECT tree_size, timestamp, root_hash, key_id, signature FROM tree_heads ";

Result<audit::SignedTreeHead> ReadTreeHead(const Query& q) {
  audit::SignedTreeHead h;
  h.tree_size = static_cast<uint64_t>(q.Int(0));
  h.timestamp = q.Int(1);
  auto root = audit::ToHash(q.Blob(2));
  if (!root.ok()) return Error(ErrorId::kStoreCorrupt, "tree_heads.root_hash is not 32 bytes");
  h.root_hash = *root;
  h.key_id = q.Blob(3);
  h.signature = q.Blob(4);
  return h;
}
}  // namespace

Status SqliteTx::AppendTreeHead(const audit::SignedTreeHead& h) {
  CITYID_RETURN_IF_ERROR(RequireWritable());
  CITYID_ASSIGN_OR_RETURN(int64_t entries, AuditSize());
  if (h.tree_size > static_cast<uint64_t>(entries)) {
    return Error(ErrorId::kFailedPrecondition, "tree head covers " + std::to_string(h.tree_size) +
                                                   " entries; the log has " +
                                                   std::to_string(entries));
  }
  CITYID_ASSIGN_OR_RETURN(auto latest, LatestTreeHead());
  if (latest && h.tree_size < latest->tree_size) {
    return Error(ErrorId::kFailedPrecondition, "tree head smaller than the latest one");
  }
  auto q = Q("INSERT INTO tree_heads (tree_size, timestamp, root_hash, key_id, signature) "
             "VALUES (?,?,?,?,?)");
  q.Bind(static_cast<int64_t>(h.tree_size)).Bind(h.timestamp).Bind(audit::HashToBytes(h.root_hash))
      .Bind(h.key_id).Bind(h.signature);
  return q.Exec();
}

Result<std::vector<audit::SignedTreeHead>> SqliteTx::ListTreeHeads() {
  static const std::string sql = std::string(kTreeHeadSelect) + "ORDER BY id";
  auto q = Q(sql.c_str());
  std::vector<audit::SignedTreeHead> out;
  while (true) {
    CITYID_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    CITYID_ASSIGN_OR_RETURN(auto h, ReadTreeHead(q));
    out.push_back(std::move(h));
  }
  return out;
}

Result<std::optional<audit::SignedTreeHead>> SqliteTx::LatestTreeHead() {
  static const std::string sql = std::string(kTreeHeadSelect) + "ORDER BY id DESC LIMIT 1";
  auto q = Q(sql.c_str());
  CITYID_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return std::optional<audit::SignedTreeHead>();
  CITYID_ASSIGN_OR_RETURN(auto h, ReadTreeHead(q));
  return std::optional<audit::SignedTreeHead>(std::move(h));
}

// ---- store facts (schema v14) ----

Result<std::optional<std::string>> SqliteTx::GetFact(std::string_view name) {
  auto q = Q("SELECT value FROM store_facts WHERE name = ?");
  q.Bind(name);
  CITYID_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return std::optional<std::string>();
  return std::optional<std::string>(q.Text(0));
}

Status SqliteTx::PutFact(std::string_view name, std::string_view value, UnixSeconds at) {
  CITYID_RETURN_IF_ERROR(RequireWritable());
  auto q =
      Q("INSERT INTO store_facts (name, value, updated_at) VALUES (?,?,?) "
        "ON CONFLICT(name) DO UPDATE SET value = excluded.value, "
        "updated_at = excluded.updated_at");
  q.Bind(name).Bind(value).Bind(at);
  return q.Exec();
}

}  // namespace sqlite_internal

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path,
                                              const SqliteOptions& options) {
  return sqlite_internal::SqliteStore::Open(path, options);
}

}  // namespace cityid::store
