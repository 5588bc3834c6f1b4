#include "cli/common.h"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <iostream>

#include "base/file.h"
#include "crypto/envelope.h"
#include "crypto/sign.h"
#include "store/sqlite/sqlite_store.h"

namespace cityid::cli {

int ExitCodeFor(const Status& s) {
  switch (s.code()) {
    case StatusCode::kOk: return kExitOk;
    case StatusCode::kInvalidArgument:
    case StatusCode::kResourceExhausted: return kExitInvalidInput;
    case StatusCode::kFailedPrecondition: return kExitPrecondition;
    case StatusCode::kNotFound: return kExitNotFound;
    case StatusCode::kPermissionDenied:
    case StatusCode::kUnauthenticated: return kExitPermission;
    case StatusCode::kDataLoss: return kExitDataLoss;
    case StatusCode::kUnavailable: return kExitUnavailable;
    case StatusCode::kAlreadyExists: return kExitAlreadyExists;
    case StatusCode::kInternal: return kExitInternal;
  }
  return kExitInternal;
}

void Output::Result(const nlohmann::ordered_json& j, const std::string& human) const {
  if (g_.json) {
    std::cout << j.dump(2) << "\n";
  } else {
    std::cout << human;
    if (!human.empty() && human.back() != '\n') std::cout << "\n";
  }
}

int Output::Fail(const Status& s, const nlohmann::ordered_json& extra,
                 const std::string& human_extra) const {
  const ErrorInfo& info = GetErrorInfo(s.id());
  if (g_.json) {
    nlohmann::ordered_json j;
    j["error"] = {{"type", info.slug}, {"title", info.summary}, {"detail", s.message()}};
    if (extra.is_object()) {
      for (auto it = extra.begin(); it != extra.end(); ++it) j["error"][it.key()] = it.value();
    }
    std::cout << j.dump(2) << "\n";
  }
  std::cerr << "error: " << info.summary << ": " << s.message() << " [" << info.slug << "]\n";
  if (!human_extra.empty()) std::cerr << human_extra;
  return ExitCodeFor(s);
}

namespace {

// Prints a command-line usage error (exit 2) the same way as every other error.
int UsageError(bool json, const std::string& message) {
  if (json) {
    nlohmann::ordered_json j;
    j["error"] = {{"type", "usage"}, {"title", "Usage error"}, {"detail", message}};
    std::cout << j.dump(2) << "\n";
  }
  std::cerr << "error: Usage error: " << message << " (see cityid --help)\n";
  return kExitUsage;
}

}  // namespace

std::unique_ptr<Clock> MakeClock(const GlobalOptions& g) {
  if (g.now) return std::make_unique<FixedClock>(*g.now);
  return std::make_unique<SystemClock>();
}

core::Actor MakeActor(const GlobalOptions& g, core::Role role) {
  core::Actor a;
  if (!g.actor.empty()) {
    a.id = g.actor;
  } else {
    // The login name of the process owner, not $USER (which anyone can set).
    const struct passwd* pw = ::getpwuid(::geteuid());
    a.id = std::string("cli:") + (pw && pw->pw_name ? pw->pw_name : "uid" + std::to_string(::geteuid()));
  }
  a.role = role;
  return a;
}

std::string FormatTime(UnixSeconds t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

Result<std::vector<crypto::SecretBytes>> ReadKekShares(const GlobalOptions& g) {
  std::vector<std::string> paths = g.kek_shares;
  if (const char* env = std::getenv("CITYID_KEK_SHARES"); env != nullptr) {
    std::string_view rest(env);
    while (!rest.empty()) {
      const size_t colon = rest.find(':');
      const std::string_view one = rest.substr(0, colon);
      if (!one.empty()) paths.emplace_back(one);
      if (colon == std::string_view::npos) break;
      rest.remove_prefix(colon + 1);
    }
  }
  std::vector<crypto::SecretBytes> out;
  for (const auto& p : paths) {
    CITYID_ASSIGN_OR_RETURN(crypto::SecretBytes text, crypto::ReadShareFile(p));
    out.push_back(std::move(text));
  }
  return out;
}

Result<std::unique_ptr<crypto::Keyring>> LoadKeyring(const std::string& data,
                                                      const GlobalOptions& g) {
  // Shares are read only for a sealed folder: a stale CITYID_KEK_SHARES must not break others.
  std::vector<crypto::SecretBytes> shares;
  if (crypto::Keyring::IsSealed(data + "/keys")) {
    CITYID_ASSIGN_OR_RETURN(shares, ReadKekShares(g));
  }
  return crypto::Keyring::Load(data + "/keys", nullptr, shares);
}

namespace {

// What each bound key is, for the operator: which file to put back.
std::string KeyDescription(const std::string& name, const std::string& keys_dir, bool sealed) {
  if (name == "kek") {
    return sealed ? "the key-encryption key opened from the officers' shares (" + keys_dir +
                        "/data-keys.sealed)"
                  : keys_dir + "/kek.key (the key-encryption key)";
  }
  if (name == "blind-index") {
    return sealed ? "the blind-index key opened from the officers' shares (" + keys_dir +
                        "/data-keys.sealed)"
                  : keys_dir + "/blind-index.key";
  }
  return "the access-log key (" + keys_dir + "/log-<kid>.key)";
}

Status KeyMismatch(const std::string& name, const std::string& keys_dir, bool sealed) {
  return Error(ErrorId::kKeyMismatch,
               KeyDescription(name, keys_dir, sealed) +
                   " does not belong to this data folder: it is not the key recorded in "
                   "cityid.db when the folder was created (another folder's key?). Nothing was "
                   "written. Put back this folder's own key from the offline key backup "
                   "(docs/operations.md, \"Keys bound to their store\")");
}

}  // namespace

Status CheckKeyBinding(store::Store& store,
                       const std::vector<std::pair<std::string, std::string>>& checks,
                       const std::string& keys_dir, bool sealed, const crypto::Keyring* keys,
                       bool record_missing, UnixSeconds now) {
  std::vector<std::pair<std::string, std::string>> missing;
  CITYID_RETURN_IF_ERROR(store.Read([&](store::Tx& tx) -> Status {
    for (const auto& [name, value] : checks) {
      CITYID_ASSIGN_OR_RETURN(auto recorded, tx.GetFact(kKeyCheckFact + name));
      if (!recorded) {
        missing.emplace_back(name, value);
      } else if (*recorded != value) {
        return KeyMismatch(name, keys_dir, sealed);
      }
    }
    return Status::Ok();
  }));
  if (missing.empty() || !record_missing) return Status::Ok();
  // A folder made before keys were bound (schema v14): bind the keys it opens with now, once.
  // The KEK is vouched for only if it opens a record already there.
  return store.Write([&](store::Tx& tx) -> Status {
    for (const auto& [name, value] : missing) {
      CITYID_ASSIGN_OR_RETURN(auto recorded, tx.GetFact(kKeyCheckFact + name));
      if (recorded) {  // another process bound it meanwhile
        if (*recorded != value) return KeyMismatch(name, keys_dir, sealed);
        continue;
      }
      if (name == "kek" && keys != nullptr) {
        store::ApplicationFilter f;
        f.person_exists = true;
        f.limit = 1;
        CITYID_ASSIGN_OR_RETURN(auto apps, tx.ListApplications(f));
        if (!apps.empty()) {
          CITYID_ASSIGN_OR_RETURN(auto person, tx.GetPerson(apps[0].person_id));
          if (person && !crypto::UnwrapDataKey(keys->kek(), person->wrapped_key, person->id).ok()) {
            return KeyMismatch(name, keys_dir, sealed);
          }
        }
      }
      CITYID_RETURN_IF_ERROR(tx.PutFact(kKeyCheckFact + name, value, now));
    }
    return Status::Ok();
  });
}

Result<std::unique_ptr<DataDir>> DataDir::Open(const std::string& path, const GlobalOptions& g,
                                               DataKeys data_keys,
                                               const store::SqliteOptions& store_options) {
  CITYID_RETURN_IF_ERROR(CheckDataFolder(path));
  CITYID_RETURN_IF_ERROR(crypto::InitCrypto());
  std::unique_ptr<DataDir> d(new DataDir());
  CITYID_ASSIGN_OR_RETURN(auto policy, policy::Policy::Load(path + "/policy.toml"));
  d->policy_ = std::make_unique<policy::Policy>(std::move(policy));
  // The store first: it says whether a missing log key may be made (a folder from before the
  // log key existed, which never signed a tree head) and which keys belong to it.
  store::SqliteOptions opts = store_options;
  opts.must_exist = true;
  CITYID_ASSIGN_OR_RETURN(d->store_, store::OpenSqliteStore(path + "/cityid.db", opts));
  bool log_known = false;
  CITYID_RETURN_IF_ERROR(d->store_->Read([&](store::Tx& tx) -> Status {
    CITYID_ASSIGN_OR_RETURN(auto bound, tx.GetFact(std::string(kKeyCheckFact) + "log"));
    CITYID_ASSIGN_OR_RETURN(auto head, tx.LatestTreeHead());
    log_known = bound.has_value() || head.has_value();
    return Status::Ok();
  }));
  const auto log_mode =
      log_known ? crypto::LogKeyMode::kMustExist : crypto::LogKeyMode::kCreateIfMissing;
  const bool sealed = crypto::Keyring::IsSealed(path + "/keys");
  if (data_keys == DataKeys::kNeeded) {
    std::vector<crypto::SecretBytes> shares;
    if (sealed) {
      CITYID_ASSIGN_OR_RETURN(shares, ReadKekShares(g));
    }
    CITYID_ASSIGN_OR_RETURN(d->keys_,
                            crypto::Keyring::Load(path + "/keys", nullptr, shares, log_mode));
  } else {
    CITYID_ASSIGN_OR_RETURN(
        d->keys_, crypto::Keyring::LoadWithoutDataKeys(path + "/keys", nullptr, log_mode));
  }
  d->clock_ = MakeClock(g);
  // Before any command writes: every key given must be this store's own.
  CITYID_RETURN_IF_ERROR(CheckKeyBinding(*d->store_, d->keys_->KeyChecks(), path + "/keys", sealed,
                                         d->keys_.get(), true, SystemClock().Now()));
  // A folder from before the policy's issuer was recorded: record it now, once (read first, so
  // that a command that only reads never waits for the write lock).
  bool issuer_known = false;
  CITYID_RETURN_IF_ERROR(d->store_->Read([&](store::Tx& tx) -> Status {
    CITYID_ASSIGN_OR_RETURN(auto issuer, tx.GetFact(kPolicyIssuerFact));
    issuer_known = issuer.has_value();
    return Status::Ok();
  }));
  if (!issuer_known) {
    CITYID_RETURN_IF_ERROR(d->store_->Write([&](store::Tx& tx) -> Status {
      CITYID_ASSIGN_OR_RETURN(auto issuer, tx.GetFact(kPolicyIssuerFact));
      if (issuer) return Status::Ok();
      return tx.PutFact(kPolicyIssuerFact, d->policy_->issuer(), SystemClock().Now());
    }));
  }
  CITYID_ASSIGN_OR_RETURN(d->names_, dedup::NameNormalizer::Create());
  d->ctx_.reset(new core::Context{*d->store_, *d->keys_, *d->policy_, *d->names_, *d->clock_,
                                  d->rng_});
  return d;
}

Status CheckDataFolder(const std::string& path) {
  if (PathExists(path + kInitMarkerFile)) {
    return Error(ErrorId::kStoreNotInitialized,
                 "'" + path +
                     "': cityid init was interrupted before it finished (nothing in it "
                     "is in use); run it again: cityid init --data " +
                     path + " --policy POLICY.toml (it clears what the interrupted run left)");
  }
  const bool db = PathExists(path + "/cityid.db");
  const bool keys = PathExists(path + "/keys/kek.key") || crypto::Keyring::IsSealed(path + "/keys");
  if (!db && !keys) {
    return Error(ErrorId::kStoreNotInitialized,
                 "'" + path + "' is not a cityid data folder; run: cityid init --data " + path +
                     " --policy POLICY.toml");
  }
  if (!db) {
    return Error(ErrorId::kStoreCorrupt,
                 "'" + path +
                     "/cityid.db' is missing while the folder's keys exist; nothing was "
                     "changed. Restore cityid.db from your latest backup (docs/operations.md, "
                     "\"Restoring a backup\"); do not run init");
  }
  if (!PathExists(path + "/policy.toml")) {
    return Error(ErrorId::kStoreNotInitialized,
                 "'" + path +
                     "/policy.toml' (the city policy) is missing; the database and keys "
                     "are there. Put it back from your backup, or restore it with: cityid init "
                     "--data " +
                     path + " --policy POLICY.toml (which then only copies the policy)");
  }
  return Status::Ok();
}

CLI::App* KeysCommand(CLI::App& app) {
  try {
    return app.get_subcommand("keys");
  } catch (const CLI::OptionNotFound&) {
    CLI::App* keys = app.add_subcommand("keys", "Keys: publish, rotate, split among officers, destroy");
    keys->require_subcommand(1);
    return keys;
  }
}

int RunCli(int argc, char** argv) {
  CLI::App app{
      "cityid - municipal ID cards: enroll, vet without keeping documents, issue cards that "
      "verify offline, account for every access.",
      "cityid"};
  app.require_subcommand(1);
  app.fallthrough();  // global options (--json, --actor) may also follow the subcommand
  app.set_version_flag("--version", "cityid 0.1.0");
  GlobalOptions g;
  app.add_flag("--json", g.json, "Machine-readable JSON output");
  app.add_option("--actor", g.actor, "Who is acting, for the audit log (default cli:<login name>)")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app.add_option("--kek-share", g.kek_shares,
                 "An officer's key share file, when the data keys are split (cityid keys split); "
                 "repeat once per share. Also CITYID_KEK_SHARES=FILE:FILE:...")
      ->type_name("FILE")
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_option("--now", g.now, "Act as of this Unix time (testing and back-office replay)")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast)
      ->group("");
  Runner run;
  RegisterInit(app, g, run);
  RegisterEnroll(app, g, run);
  RegisterDecisions(app, g, run);
  RegisterCards(app, g, run);
  RegisterVerify(app, g, run);
  RegisterPresent(app, g, run);
  RegisterExports(app, g, run);
  RegisterPurge(app, g, run);
  RegisterShow(app, g, run);
  RegisterRender(app, g, run);
  RegisterAudit(app, g, run);
  RegisterServe(app, g, run);
  RegisterStaff(app, g, run);
  RegisterHold(app, g, run);
  RegisterRequests(app, g, run);
  RegisterReport(app, g, run);
  RegisterSites(app, g, run);
  RegisterKeysDestroy(app, g, run);
  RegisterKeysSplit(app, g, run);
  RegisterHistory(app, g, run);
  bool json_requested = false;
  for (int i = 1; i < argc; ++i) json_requested = json_requested || std::string(argv[i]) == "--json";
  // Name an unknown command plainly (CLI11 would say "A subcommand is required").
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--actor" || a == "--now" || a == "--kek-share") {
      ++i;
      continue;
    }
    if (a.rfind("-", 0) == 0) continue;
    try {
      (void)app.get_subcommand_ptr(a);
    } catch (const CLI::OptionNotFound&) {
      return UsageError(json_requested, "unknown command '" + a + "'");
    }
    break;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return UsageError(json_requested, e.what());
  }
  if (!run) return kExitUsage;
  // --now moves the clock for everything a command writes (issue and expiry dates, retention,
  // audit times); a slip such as milliseconds for seconds could purge every record. Commands
  // that change data accept it only when CITYID_ALLOW_CLOCK_OVERRIDE=1 (tests, replays).
  if (g.now) {
    const std::string cmd = app.get_subcommands().empty() ? "" : app.get_subcommands()[0]->get_name();
    const char* allow = std::getenv("CITYID_ALLOW_CLOCK_OVERRIDE");
    if (cmd != "verify" && cmd != "show" && !(allow && std::string(allow) == "1")) {
      std::cerr << "error: --now is only for verify and show (set CITYID_ALLOW_CLOCK_OVERRIDE=1 "
                   "to replay other commands at another time)\n";
      return kExitUsage;
    }
  }
  try {
    return run();
  } catch (const std::exception& e) {
    // No library exception should get here; if one does, fail cleanly without details.
    std::cerr << "error: internal error (" << e.what() << ")\n";
    return kExitInternal;
  }
}

}  // namespace cityid::cli
