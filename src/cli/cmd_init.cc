// cityid init --data DIR --policy FILE
#include <dirent.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <optional>

#include "base/file.h"
#include "cli/common.h"
#include "credential/status_list.h"
#include "crypto/sign.h"
#include "store/sqlite/sqlite_store.h"

namespace cityid::cli {
namespace {

struct InitOptions {
  std::string data = "data";
  std::string policy;
};

}  // namespace

namespace {

// Test hook for the atomicity of init (tests/e2e/durability_e2e_test.cc): with
// CITYID_TEST_INIT_FAIL_AFTER=N, init stops with kIo right after its step N (1 marker, 2 policy,
// 3 keys, 4 database, 5 status list and key checks), as a full disk or a crash there would,
// leaving what it wrote so far. Unset in production: no effect.
Status InjectedFault(int step) {
  const char* v = std::getenv("CITYID_TEST_INIT_FAIL_AFTER");
  if (v == nullptr || std::to_string(step) != v) return Status::Ok();
  return Error(ErrorId::kIo, "init stopped after step " + std::to_string(step) +
                                 " (CITYID_TEST_INIT_FAIL_AFTER)");
}

Status RemoveIfPresent(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return Error(ErrorId::kIo, "cannot remove " + path + " left by an interrupted init");
  }
  return Status::Ok();
}

// Refuses when the database beside an init marker holds a person or an audit entry: init never
// writes either, so the folder was in use after all (a marker restored from a backup, or made by
// hand) and clearing it would destroy records. A database init had not finished creating (no
// such tables, or an empty file) holds nothing.
Status RefuseIfInUse(const std::string& data) {
  const std::string path = data + "/cityid.db";
  if (!PathExists(path)) return Status::Ok();
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  int64_t rows = -1;
  if (rc == SQLITE_OK) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db,
                           "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN "
                           "('persons', 'audit_log')",
                           -1, &st, nullptr) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
      rows = sqlite3_column_int64(st, 0) == 2 ? -2 : 0;
    }
    sqlite3_finalize(st);
    if (rows == -2 &&
        sqlite3_prepare_v2(db,
                           "SELECT (SELECT count(*) FROM persons) + (SELECT count(*) FROM audit_log)",
                           -1, &st, nullptr) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
      rows = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
  }
  sqlite3_close(db);
  if (rows == 0) return Status::Ok();
  return Error(ErrorId::kFailedPrecondition,
               "'" + data + "' has an init marker (" + std::string(kInitMarkerFile).substr(1) +
                   ") but its database " +
                   (rows > 0 ? std::string("holds records") : std::string("cannot be read")) +
                   ": it was in use, so init clears nothing. If the folder is in use, remove the "
                   "marker file; otherwise move the folder aside and run init again");
}

// Removes what an interrupted init wrote (only ever run while its marker is there and
// RefuseIfInUse found no record: nothing was written under these keys).
Status ClearInterruptedInit(const std::string& data) {
  CITYID_RETURN_IF_ERROR(RefuseIfInUse(data));
  for (const char* name :
       {"/cityid.db", "/cityid.db-wal", "/cityid.db-shm", "/cityid.db-journal", "/policy.toml"}) {
    CITYID_RETURN_IF_ERROR(RemoveIfPresent(data + name));
  }
  const std::string keys = data + "/keys";
  if (DIR* d = ::opendir(keys.c_str())) {
    std::vector<std::string> names;
    while (const struct dirent* e = ::readdir(d)) {
      const std::string name = e->d_name;
      if (name != "." && name != "..") names.push_back(name);
    }
    ::closedir(d);
    for (const auto& name : names) CITYID_RETURN_IF_ERROR(RemoveIfPresent(keys + "/" + name));
    ::rmdir(keys.c_str());
  }
  return Status::Ok();
}

Status SyncFolder(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Error(ErrorId::kIo, "cannot open " + dir);
  const bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok ? Status::Ok() : Error(ErrorId::kIo, "cannot fsync " + dir);
}

// The store and keys are there and only policy.toml is missing: copy the policy back.
Status RestorePolicy(const std::string& data, const std::string& text, const policy::Policy& policy,
                     nlohmann::ordered_json& out) {
  store::SqliteOptions opts;
  opts.must_exist = true;
  opts.background_checkpoint = false;
  CITYID_ASSIGN_OR_RETURN(auto store, store::OpenSqliteStore(data + "/cityid.db", opts));
  std::optional<std::string> issuer;
  CITYID_RETURN_IF_ERROR(store->Read([&](store::Tx& tx) -> Status {
    CITYID_ASSIGN_OR_RETURN(issuer, tx.GetFact(kPolicyIssuerFact));
    return Status::Ok();
  }));
  if (issuer && *issuer != policy.issuer()) {
    return Error(ErrorId::kInvalidPolicy,
                 "'" + data + "' was created for the issuer " + *issuer + ", and this policy is " +
                     policy.issuer() +
                     "'s: cards would be signed as another city. Restore the folder's own "
                     "policy.toml from the backup (docs/operations.md)");
  }
  CITYID_RETURN_IF_ERROR(WriteFileAtomic(data + "/policy.toml", text, 0644));
  out["data"] = data;
  out["restored"] = "policy";
  out["city"] = policy.city_name();
  out["policy_version"] = policy.version();
  out["policy_fingerprint"] = policy.Fingerprint();
  return Status::Ok();
}

}  // namespace

Status InitializeDataDir(const std::string& data, const std::string& policy_path,
                         nlohmann::ordered_json& out) {
  const InitOptions o{data, policy_path};
  CITYID_RETURN_IF_ERROR(crypto::InitCrypto());
  // Validate the policy before creating anything.
  CITYID_ASSIGN_OR_RETURN(auto policy, policy::Policy::Load(o.policy));
  CITYID_ASSIGN_OR_RETURN(std::string text, ReadFileBounded(o.policy, policy::kMaxPolicyBytes));
  const std::string marker = o.data + kInitMarkerFile;
  const bool resuming = PathExists(marker);
  const bool has_db = PathExists(o.data + "/cityid.db");
  const bool has_keys =
      PathExists(o.data + "/keys/kek.key") || crypto::Keyring::IsSealed(o.data + "/keys");
  if (!resuming && (has_db || has_keys)) {
    if (has_db && has_keys && !PathExists(o.data + "/policy.toml")) {
      return RestorePolicy(o.data, text, policy, out);
    }
    if (!has_db) {
      // Keys without a database: never a fresh database under old keys (CheckDataFolder).
      return CheckDataFolder(o.data);
    }
    return Error(ErrorId::kAlreadyExists, "'" + o.data + "' is already initialized");
  }
  // 1. The marker: from here until it is removed, the folder is not in use and a second init
  // starts it over.
  CITYID_RETURN_IF_ERROR(MakeDirs(o.data, 0700));
  if (resuming) CITYID_RETURN_IF_ERROR(ClearInterruptedInit(o.data));
  CITYID_RETURN_IF_ERROR(WriteFileAtomic(marker,
                                         "cityid init is running or was interrupted; "
                                         "run cityid init again\n",
                                         0600));
  CITYID_RETURN_IF_ERROR(InjectedFault(1));
  // 2. The policy.
  CITYID_RETURN_IF_ERROR(WriteFileAtomic(o.data + "/policy.toml", text, 0644));
  CITYID_RETURN_IF_ERROR(InjectedFault(2));
  // 3. The keys.
  SystemRng rng;
  CITYID_ASSIGN_OR_RETURN(auto keys, crypto::Keyring::Create(o.data + "/keys", rng));
  CITYID_RETURN_IF_ERROR(InjectedFault(3));
  // 4. The database.
  CITYID_ASSIGN_OR_RETURN(auto store, store::OpenSqliteStore(o.data + "/cityid.db"));
  ::chmod((o.data + "/cityid.db").c_str(), 0600);
  CITYID_RETURN_IF_ERROR(InjectedFault(4));
  // 5. An empty revocation list from day one, so it can be published before the first card,
  // and the check values binding the keys to this store (cli/common.cc, CheckKeyBinding).
  const auto list = credential::StatusList::Create("1");
  const UnixSeconds now = SystemClock().Now();
  CITYID_RETURN_IF_ERROR(store->Write([&](store::Tx& tx) -> Status {
    CITYID_RETURN_IF_ERROR(
        tx.PutStatusList({"1", static_cast<uint32_t>(list.size()), list.ToBytes(), now}));
    for (const auto& [name, value] : keys->KeyChecks()) {
      CITYID_RETURN_IF_ERROR(tx.PutFact(kKeyCheckFact + name, value, now));
    }
    return tx.PutFact(kPolicyIssuerFact, policy.issuer(), now);
  }));
  CITYID_RETURN_IF_ERROR(InjectedFault(5));
  // Done: the folder is in use from the moment the marker is gone.
  if (::unlink(marker.c_str()) != 0) return Error(ErrorId::kIo, "cannot remove " + marker);
  CITYID_RETURN_IF_ERROR(SyncFolder(o.data));
  out["data"] = o.data;
  out["city"] = policy.city_name();
  out["policy_version"] = policy.version();
  out["policy_fingerprint"] = policy.Fingerprint();
  out["issuer"] = policy.issuer();
  out["issuer_key_id"] = Base64UrlEncode(keys->issuer_signer().key_id());
  out["schema_version"] = store->SchemaVersion();
  return Status::Ok();
}

void RegisterInit(CLI::App& app, GlobalOptions& g, Runner& run) {
  auto o = std::make_shared<InitOptions>();
  auto* cmd = app.add_subcommand("init", "Create a data folder: database, keys and city policy");
  cmd->add_option("--data", o->data, "Data folder to create")->capture_default_str();
  cmd->add_option("--policy", o->policy, "City policy (TOML), e.g. policies/new-york-points.toml")
      ->required();
  cmd->callback([&g, &run, o] {
    run = [&g, o] {
      Output out(g);
      nlohmann::ordered_json j;
      Status s = InitializeDataDir(o->data, o->policy, j);
      if (!s.ok()) return out.Fail(s);
      if (j.contains("restored")) {
        out.Result(j, "Restored the missing policy.toml of " + o->data + " (" +
                          j["city"].get<std::string>() + ", policy " +
                          j["policy_version"].get<std::string>() +
                          "); the database and keys were not touched.");
        return kExitOk;
      }
      out.Result(j, "Initialized " + o->data + " for " + j["city"].get<std::string>() +
                        " (policy " + j["policy_version"].get<std::string>() +
                        ", issuer key " + j["issuer_key_id"].get<std::string>() + ").\n" +
                        "Keys are in " + o->data + "/keys (mode 0600): back them up offline.");
      return kExitOk;
    };
  });
}

}  // namespace cityid::cli
