// cityid keys export|rotate, cityid status-list export
#include <iostream>

#include "base/file.h"
#include "cli/common.h"

namespace cityid::cli {
namespace {

struct ExportOptions {
  std::string data = "data";
  std::string out;
  std::string list;
  int valid_hours = 48;
};

int WriteOrPrint(const GlobalOptions& g, const std::string& path, const std::string& text,
                 const std::string& what) {
  Output out(g);
  if (path.empty()) {
    std::cout << text;
    if (!text.empty() && text.back() != '\n') std::cout << "\n";
    return kExitOk;
  }
  Status s = WriteFileAtomic(path, text, 0644);
  if (!s.ok()) return out.Fail(s);
  out.Result({{"written", path}}, "Wrote " + what + " to " + path);
  return kExitOk;
}

int KeysExport(const GlobalOptions& g, const ExportOptions& o) {
  Output out(g);
  auto dir = DataDir::Open(o.data, g, DataDir::DataKeys::kNotNeeded);
  if (!dir.ok()) return out.Fail(dir.status());
  const std::string json = (*dir)->keys().PublicKeys((*dir)->policy().issuer()).ToJson();
  return WriteOrPrint(g, o.out, json, "the public key set");
}

int KeysRotate(const GlobalOptions& g, const ExportOptions& o) {
  Output out(g);
  auto dir = DataDir::Open(o.data, g);
  if (!dir.ok()) return out.Fail(dir.status());
  // Keyring is const inside DataDir; reload a mutable one for the rotation.
  auto keys = LoadKeyring(o.data, g);
  if (!keys.ok()) return out.Fail(keys.status());
  // The retiring key may have signed a card today; none of its cards expires later than this.
  const UnixSeconds now = (*dir)->clock().Now();
  const UnixSeconds not_after =
      Date::FromUnix(now).AddYears((*dir)->policy().validity_years()).ToUnix() + 86399;
  // The rotation happens inside the transaction that logs it: with the database's write lock
  // already held, a busy or read-only store refuses before any key file changes (a rotation
  // that the log never saw would sign cards with a key no entry accounts for).
  Status s = (*dir)->store().Write([&](store::Tx& tx) -> Status {
    CITYID_RETURN_IF_ERROR((*keys)->RotateIssuerKey((*dir)->rng(), not_after));
    audit::Entry e{(*dir)->clock().Now(), MakeActor(g, core::Role::kAdmin).id, "admin", "",
                   "keys.rotate", Base64UrlEncode((*keys)->issuer_signer().key_id()), ""};
    return tx.AppendAudit(e).status();
  });
  if (!s.ok()) return out.Fail(s);
  const std::string kid = Base64UrlEncode((*keys)->issuer_signer().key_id());
  out.Result({{"active_key_id", kid}},
             "New issuer key " + kid + " is active; old keys stay published for verification. "
             "Re-publish the key set (cityid keys export).");
  return kExitOk;
}

int StatusExport(const GlobalOptions& g, const ExportOptions& o) {
  Output out(g);
  auto dir = DataDir::Open(o.data, g, DataDir::DataKeys::kNotNeeded);
  if (!dir.ok()) return out.Fail(dir.status());
  std::string list = o.list;
  if (list.empty()) {
    auto ids = core::StatusListIds((*dir)->ctx());
    if (!ids.ok()) return out.Fail(ids.status());
    if (ids->empty()) {
      return out.Fail(Error(ErrorId::kNotFound, "no status list yet (no card issued)"));
    }
    if (ids->size() > 1) {
      std::string all;
      for (const auto& id : *ids) all += " " + id;
      return out.Fail(Error(ErrorId::kInvalidArgument,
                            "several status lists exist (" + all.substr(1) + "): pick one with --list"));
    }
    list = ids->front();
  }
  // Short validity bounds how long a list signed before a revocation can be replayed.
  if (o.valid_hours <= 0 || o.valid_hours > 24 * 7) {
    return out.Fail(Error(ErrorId::kInvalidArgument, "--valid-hours must be 1..168 (7 days)"));
  }
  auto json = core::ExportStatusList((*dir)->ctx(), list, int64_t{o.valid_hours} * 3600);
  if (!json.ok()) return out.Fail(json.status());
  return WriteOrPrint(g, o.out, *json, "status list " + list);
}

}  // namespace

void RegisterExports(CLI::App& app, GlobalOptions& g, Runner& run) {
  auto* keys = KeysCommand(app);
  {
    auto o = std::make_shared<ExportOptions>();
    auto* cmd = keys->add_subcommand("export", "Write the public key set (JWK Set) verifiers need");
    cmd->add_option("--data", o->data, "Data folder")->capture_default_str();
    cmd->add_option("--out", o->out, "Write to this file instead of standard output");
    cmd->callback([&g, &run, o] { run = [&g, o] { return KeysExport(g, *o); }; });
  }
  {
    auto o = std::make_shared<ExportOptions>();
    auto* cmd = keys->add_subcommand("rotate", "Admin: start signing with a new issuer key");
    cmd->add_option("--data", o->data, "Data folder")->capture_default_str();
    cmd->callback([&g, &run, o] { run = [&g, o] { return KeysRotate(g, *o); }; });
  }
  auto* sl = app.add_subcommand("status-list", "Revocation status lists");
  sl->require_subcommand(1);
  {
    auto o = std::make_shared<ExportOptions>();
    auto* cmd = sl->add_subcommand("export", "Write a signed, compressed revocation status list");
    cmd->add_option("--data", o->data, "Data folder")->capture_default_str();
    cmd->add_option("--list", o->list, "Status list id (default: the only one)");
    cmd->add_option("--out", o->out, "Write to this file instead of standard output");
    cmd->add_option("--valid-hours", o->valid_hours, "How long verifiers may cache it")
        ->capture_default_str();
    cmd->callback([&g, &run, o] { run = [&g, o] { return StatusExport(g, *o); }; });
  }
}

}  // namespace cityid::cli
