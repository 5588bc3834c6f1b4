// cityid init --data DIR --policy FILE
#include <sys/stat.h>

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

Status InitializeDataDir(const std::string& data, const std::string& policy_path,
                         nlohmann::ordered_json& out) {
  const InitOptions o{data, policy_path};
  CITYID_RETURN_IF_ERROR(crypto::InitCrypto());
  // Validate the policy before creating anything.
  CITYID_ASSIGN_OR_RETURN(auto policy, policy::Policy::Load(o.policy));
  if (PathExists(o.data + "/cityid.db") || PathExists(o.data + "/keys/kek.key") ||
      PathExists(o.data + "/keys/data-keys.sealed")) {
    return Error(ErrorId::kAlreadyExists, "'" + o.data + "' is already initialized");
  }
  CITYID_RETURN_IF_ERROR(MakeDirs(o.data, 0700));
  CITYID_ASSIGN_OR_RETURN(std::string text, ReadFileBounded(o.policy, policy::kMaxPolicyBytes));
  CITYID_RETURN_IF_ERROR(WriteFileAtomic(o.data + "/policy.toml", text, 0644));
  SystemRng rng;
  CITYID_ASSIGN_OR_RETURN(auto keys, crypto::Keyring::Create(o.data + "/keys", rng));
  CITYID_ASSIGN_OR_RETURN(auto store, store::OpenSqliteStore(o.data + "/cityid.db"));
  ::chmod((o.data + "/cityid.db").c_str(), 0600);
  // An empty revocation list from day one, so it can be published before the first card.
  const auto list = credential::StatusList::Create("1");
  CITYID_RETURN_IF_ERROR(store->Write([&](store::Tx& tx) {
    return tx.PutStatusList({"1", static_cast<uint32_t>(list.size()), list.ToBytes(),
                             SystemClock().Now()});
  }));
  out["data"] = o.data;
  out["city"] = policy.city_name();
  out["policy_version"] = policy.version();
  out["policy_fingerprint"] = policy.Fingerprint();
  out["issuer"] = policy.issuer();
  out["issuer_key_id"] = Base64UrlEncode(keys->issuer_signer().key_id());
  out["schema_version"] = store->SchemaVersion();
  return Status::Ok();
}

namespace {

}  // namespace

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
      out.Result(j, "Initialized " + o->data + " for " + j["city"].get<std::string>() +
                        " (policy " + j["policy_version"].get<std::string>() +
                        ", issuer key " + j["issuer_key_id"].get<std::string>() + ").\n" +
                        "Keys are in " + o->data + "/keys (mode 0600): back them up offline.");
      return kExitOk;
    };
  });
}

}  // namespace cityid::cli
