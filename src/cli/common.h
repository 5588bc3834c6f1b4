#pragma once
// Shared plumbing for the `cityid` subcommands: the data folder, output (human or --json),
// and the one mapping from Status to exit code.

#include <CLI/CLI.hpp>

#include <iosfwd>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/rng.h"
#include "base/status.h"
#include "core/workflow.h"
#include "crypto/keyring.h"
#include "dedup/dedup_keys.h"
#include "dedup/name_normalizer.h"
#include "policy/policy.h"
#include "store/sqlite/sqlite_store.h"
#include "store/store.h"

namespace cityid::cli {

// Exit codes (documented in docs/cli.md). Derived from the StatusCode in ExitCodeFor only.
inline constexpr int kExitOk = 0;
inline constexpr int kExitInternal = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitInvalidInput = 3;
inline constexpr int kExitPrecondition = 4;
inline constexpr int kExitNotFound = 5;
inline constexpr int kExitPermission = 6;
inline constexpr int kExitDataLoss = 7;
inline constexpr int kExitUnavailable = 8;
inline constexpr int kExitAlreadyExists = 9;
// `cityid verify` verdicts.
inline constexpr int kExitCardInvalid = 10;
inline constexpr int kExitCardRevoked = 11;
inline constexpr int kExitCardExpired = 12;

int ExitCodeFor(const Status& s);

// Options shared by every subcommand.
struct GlobalOptions {
  bool json = false;
  std::string actor;                 // for the audit log; default "cli:$USER"
  std::optional<int64_t> now;        // --now (Unix seconds): evaluate as of this time
  std::vector<std::string> kek_shares;  // --kek-share FILE (repeatable): officers' key shares
};

// The officers' key shares for a data folder whose data keys are split (`cityid keys split`):
// the --kek-share files, then the files named in CITYID_KEK_SHARES (colon-separated).
Result<std::vector<crypto::SecretBytes>> ReadKekShares(const GlobalOptions& g);

// Loads DATA/keys with the shares of ReadKekShares when the data keys are sealed.
Result<std::unique_ptr<crypto::Keyring>> LoadKeyring(const std::string& data,
                                                      const GlobalOptions& g);

// Writes results: a JSON object on stdout with --json, otherwise human text on stdout.
// Errors: with --json a problem object on stdout, always a line on stderr.
class Output {
 public:
  explicit Output(const GlobalOptions& g) : g_(g) {}
  bool json() const { return g_.json; }
  // Prints `j` (with --json) or `human` (otherwise).
  void Result(const nlohmann::ordered_json& j, const std::string& human) const;
  // Prints the error and returns its exit code. `extra` members (e.g. the policy evaluation)
  // are added to the JSON error object; `human_extra` is printed to stderr after the line.
  int Fail(const Status& s, const nlohmann::ordered_json& extra = nullptr,
           const std::string& human_extra = "") const;

 private:
  const GlobalOptions& g_;
};

// An opened data folder: DATA/cityid.db, DATA/keys/, DATA/policy.toml.
class DataDir {
 public:
  // Fails with kStoreNotInitialized when DATA has not been initialized with `cityid init`.
  // Commands that never decrypt (publishing keys and status lists, verifying, workflow state,
  // the report) pass kNotNeeded: they open without the data keys, so they need no officers'
  // shares when the keys are split. `store_options` tune the database for the command
  // (`enroll --batch` opens it for a bulk import).
  enum class DataKeys { kNeeded, kNotNeeded };
  static Result<std::unique_ptr<DataDir>> Open(const std::string& path, const GlobalOptions& g,
                                               DataKeys data_keys = DataKeys::kNeeded,
                                               const store::SqliteOptions& store_options = {});

  core::Context& ctx() { return *ctx_; }
  const policy::Policy& policy() const { return *policy_; }
  const crypto::Keyring& keys() const { return *keys_; }
  // Writable: only for `cityid serve`, which may destroy the data keys on a two-admin approval
  // (http::ServerConfig::destructible_keys).
  crypto::Keyring& mutable_keys() { return *keys_; }
  store::Store& store() { return *store_; }
  const Clock& clock() const { return *clock_; }
  Rng& rng() { return rng_; }

 private:
  DataDir() = default;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<crypto::Keyring> keys_;
  std::unique_ptr<policy::Policy> policy_;
  std::unique_ptr<dedup::NameNormalizer> names_;
  std::unique_ptr<Clock> clock_;
  SystemRng rng_;
  std::unique_ptr<core::Context> ctx_;
};

// The clock for this run: --now when given, else the system clock.
std::unique_ptr<Clock> MakeClock(const GlobalOptions& g);

// Actor for the audit log with the role a subcommand acts in.
core::Actor MakeActor(const GlobalOptions& g, core::Role role);

std::string FormatTime(UnixSeconds t);  // "2026-11-25T20:33:00Z"

// The `keys` command group (export, rotate, split, destroy), created on first use.
CLI::App* KeysCommand(CLI::App& app);

// Each subcommand registers itself; `run` is set to the function to call after parsing.
using Runner = std::function<int()>;
void RegisterInit(CLI::App& app, GlobalOptions& g, Runner& run);
void RegisterEnroll(CLI::App& app, GlobalOptions& g, Runner& run);
void RegisterDecisions(CLI::App& app, GlobalOptions& g, Runner& run);   // approve, reject
void RegisterCards(CLI::App& app, GlobalOptions& g, Runner& run);       // issue, payload, revoke, renew, replace
void RegisterVerify(CLI::App& app, GlobalOptions& g, Runner& run);
void RegisterPresent(CLI::App& app, GlobalOptions& g, Runner& run);     // selective disclosure
void RegisterExports(CLI::App& app, GlobalOptions& g, Runner& run);     // keys, status-list
void RegisterPurge(CLI::App& app, GlobalOptions& g, Runner& run);
void RegisterShow(CLI::App& app, GlobalOptions& g, Runner& run);        // status of an application/card
void RegisterRender(CLI::App& app, GlobalOptions& g, Runner& run);      // the printed card (PNG/PDF)
void RegisterAudit(CLI::App& app, GlobalOptions& g, Runner& run);       // head, verify, export, proof
void RegisterServe(CLI::App& app, GlobalOptions& g, Runner& run);       // the HTTP server
void RegisterStaff(CLI::App& app, GlobalOptions& g, Runner& run);       // staff add, list, disable
void RegisterHold(CLI::App& app, GlobalOptions& g, Runner& run);        // legal holds
void RegisterRequests(CLI::App& app, GlobalOptions& g, Runner& run);    // data-request register
void RegisterReport(CLI::App& app, GlobalOptions& g, Runner& run);      // transparency report
void RegisterSites(CLI::App& app, GlobalOptions& g, Runner& run);       // site add, list, close
void RegisterKeysDestroy(CLI::App& app, GlobalOptions& g, Runner& run); // keys destroy (after RegisterExports)
void RegisterKeysSplit(CLI::App& app, GlobalOptions& g, Runner& run);   // keys split (after RegisterExports)
void RegisterHistory(CLI::App& app, GlobalOptions& g, Runner& run);     // an applicant's access history

// Creates a data folder (database, keys, policy copy); what `init` does. kAlreadyExists if DIR
// is initialized; the policy is validated before anything is created. All or nothing: a marker
// file (kInitMarkerFile) exists while it runs, no command opens a folder that has it, and a
// second init clears what an interrupted one left and starts over. A folder whose store and
// keys are there but whose policy.toml is missing gets only the policy copied back.
Status InitializeDataDir(const std::string& data, const std::string& policy_path,
                         nlohmann::ordered_json& out);

// Present in DATA while `init` runs (and after it was interrupted).
inline constexpr char kInitMarkerFile[] = "/.init-incomplete";
// Store facts (store::Tx::GetFact) "key_check.<kek|blind-index|log>": the keys of this store.
inline constexpr char kKeyCheckFact[] = "key_check.";
// Store fact: the issuer (policy::Policy::issuer) of the policy the folder was created with,
// recorded at init (and on first open of an older folder). A missing policy.toml is restored
// only with a policy of the same issuer: another city's file would sign cards as that city.
inline constexpr char kPolicyIssuerFact[] = "policy.issuer";

// Says what is missing from a data folder and how to restore it: kStoreNotInitialized (never
// initialized, init interrupted, policy.toml missing), kStoreCorrupt (cityid.db missing beside
// existing keys).
Status CheckDataFolder(const std::string& path);

// Compares each (name, check value) of a keyring (Keyring::KeyChecks) with the one the store
// recorded: kKeyMismatch naming the key when one differs. A value not recorded yet (folders
// made before schema v14) is recorded when `record_missing`; the KEK only if it opens a record
// already in the store.
Status CheckKeyBinding(store::Store& store,
                       const std::vector<std::pair<std::string, std::string>>& checks,
                       const std::string& keys_dir, bool sealed, const crypto::Keyring* keys,
                       bool record_missing, UnixSeconds now);

// Builds the app and runs it. Returns the process exit code. Never throws.
int RunCli(int argc, char** argv);

}  // namespace cityid::cli
