// cityid keys destroy request|approve — emergency destruction of the key-encryption key under
// the two-person rule (core/destruction.h, docs/operations.md).
#include <filesystem>
#include <iostream>

#include "audit/verify.h"
#include "base/file.h"
#include "cli/common.h"
#include "core/destruction.h"
#include "store/sqlite/sqlite_store.h"

namespace cityid::cli {
namespace {

struct DestroyOptions {
  std::string data = "data";
  std::string reason;
  std::string request;
};

// Destruction needs only the store and the key folder (not the policy, not the officers' shares
// when the data keys are split): it must work even when the rest of the data folder is damaged.
struct Opened {
  std::unique_ptr<crypto::Keyring> keys;
  std::unique_ptr<store::Store> store;
};

Result<Opened> OpenForDestruction(const std::string& data) {
  if (!PathExists(data + "/cityid.db")) {
    return Error(ErrorId::kStoreNotInitialized, "'" + data + "' is not a cityid data folder");
  }
  CITYID_RETURN_IF_ERROR(crypto::InitCrypto());
  Opened o;
  CITYID_ASSIGN_OR_RETURN(o.keys, crypto::Keyring::LoadForDestruction(data + "/keys"));
  CITYID_ASSIGN_OR_RETURN(o.store, store::OpenSqliteStore(data + "/cityid.db"));
  return o;
}

Status RequireActor(const GlobalOptions& g) {
  if (g.actor.empty()) {
    return Error(ErrorId::kMissingField,
                 "--actor ADMIN is required: the user name of an admin staff account");
  }
  return Status::Ok();
}

int Request(const GlobalOptions& g, const DestroyOptions& o) {
  Output out(g);
  if (Status s = RequireActor(g); !s.ok()) return out.Fail(s);
  auto opened = OpenForDestruction(o.data);
  if (!opened.ok()) return out.Fail(opened.status());
  const auto clock = MakeClock(g);
  SystemRng rng;
  auto req = core::RequestDestruction(*opened->store, *clock, rng, g.actor, o.reason);
  if (!req.ok()) return out.Fail(req.status());
  nlohmann::ordered_json j = {{"request_id", req->id},
                              {"requested_by", req->requested_by},
                              {"requested_at", FormatTime(req->requested_at)},
                              {"approve_before", FormatTime(req->expires_at)},
                              {"keys_destroyed", false}};
  out.Result(j, "Destruction request " + req->id + " recorded by " + req->requested_by +
                    ". Nothing is destroyed yet: a DIFFERENT admin must run\n  cityid keys "
                    "destroy approve --data " + o.data + " --actor ADMIN2 --request " + req->id +
                    "\nbefore " + FormatTime(req->expires_at) + ".");
  return kExitOk;
}

int Approve(const GlobalOptions& g, const DestroyOptions& o) {
  Output out(g);
  if (Status s = RequireActor(g); !s.ok()) return out.Fail(s);
  auto opened = OpenForDestruction(o.data);
  if (!opened.ok()) return out.Fail(opened.status());
  const auto clock = MakeClock(g);
  SystemRng rng;
  auto done =
      core::ApproveDestruction(*opened->store, *opened->keys, *clock, rng, g.actor, o.request);
  if (!done.ok()) return out.Fail(done.status());
  nlohmann::ordered_json files = nlohmann::ordered_json::array();
  for (const auto& f : done->destroyed_files) {
    files.push_back(std::filesystem::path(f).filename().string());
  }
  nlohmann::ordered_json j = {{"request_id", done->request_id},
                              {"requested_by", done->requested_by},
                              {"approved_by", done->approved_by},
                              {"keys_destroyed", true},
                              {"destroyed_files", files},
                              {"final_tree_head", audit::TreeHeadToJson(done->final_head)}};
  out.Result(j, "Key-encryption key destroyed (request " + done->request_id + ", requested by " +
                    done->requested_by + ", approved by " + done->approved_by + "): " +
                    std::to_string(files.size()) +
                    " key file(s) overwritten and removed. No person record can be decrypted. "
                    "Final signed tree head: " +
                    std::to_string(done->final_head.tree_size) + " entries, root " +
                    HexEncode(audit::HashToBytes(done->final_head.root_hash)) + ".");
  return kExitOk;
}

}  // namespace

void RegisterKeysDestroy(CLI::App& app, GlobalOptions& g, Runner& run) {
  CLI::App* keys = KeysCommand(app);
  auto* destroy = keys->add_subcommand(
      "destroy", "Emergency destruction of the key-encryption key (two different admins)");
  destroy->require_subcommand(1);
  {
    auto o = std::make_shared<DestroyOptions>();
    auto* cmd = destroy->add_subcommand(
        "request", "First admin (--actor): record a destruction request; destroys nothing");
    cmd->add_option("--data", o->data, "Data folder")->capture_default_str();
    cmd->add_option("--reason", o->reason, "Why (logged; no personal data)")->required();
    cmd->callback([&g, &run, o] { run = [&g, o] { return Request(g, *o); }; });
  }
  {
    auto o = std::make_shared<DestroyOptions>();
    auto* cmd = destroy->add_subcommand(
        "approve",
        "Second, different admin (--actor), within 15 minutes: destroy the KEK and blind-index "
        "key, log it and sign a final tree head");
    cmd->add_option("--data", o->data, "Data folder")->capture_default_str();
    cmd->add_option("--request", o->request, "Request id (dst_...)")->required();
    cmd->callback([&g, &run, o] { run = [&g, o] { return Approve(g, *o); }; });
  }
}

}  // namespace cityid::cli
