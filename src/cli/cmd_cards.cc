// cityid issue | payload | revoke | renew | replace
#include "base/file.h"
#include "cli/common.h"
#include "core/ids.h"

namespace cityid::cli {
namespace {

struct CardOptions {
  std::string data = "data";
  std::string application;
  std::string card;
  std::string reason;
  std::string out;  // write the QR payload text to this file
};

int PrintCard(const GlobalOptions& g, const CardOptions& o, const core::IssuedCard& c,
              const char* verb) {
  Output out(g);
  if (!o.out.empty()) {
    Status s = WriteFileAtomic(o.out, c.qr_text + "\n", 0600);
    if (!s.ok()) return out.Fail(s);
  }
  nlohmann::ordered_json j;
  j["card_number"] = c.card_number;
  j["application_id"] = c.application_id;
  j["person_id"] = c.person_id;
  j["issued_at"] = FormatTime(c.issued_at);
  j["expires_at"] = FormatTime(c.expires_at);
  if (!c.replaced.empty()) j["replaces"] = c.replaced;
  j["qr_payload"] = c.qr_text;
  std::string human = std::string(verb) + " card " + core::FormatCardNumber(c.card_number) +
                      ", valid until " + FormatTime(c.expires_at).substr(0, 10) + "\n";
  if (!c.replaced.empty()) human += "Replaces card " + core::FormatCardNumber(c.replaced) + "\n";
  human += "QR payload (" + std::to_string(c.qr_text.size()) + " characters):\n" + c.qr_text;
  out.Result(j, human);
  return kExitOk;
}

int IssueCmd(const GlobalOptions& g, const CardOptions& o) {
  Output out(g);
  auto dir = DataDir::Open(o.data, g);
  if (!dir.ok()) return out.Fail(dir.status());
  auto c = core::Issue((*dir)->ctx(), o.application, MakeActor(g, core::Role::kClerk));
  if (!c.ok()) return out.Fail(c.status());
  return PrintCard(g, o, *c, "Issued");
}

int PayloadCmd(const GlobalOptions& g, const CardOptions& o) {
  Output out(g);
  auto dir = DataDir::Open(o.data, g);
  if (!dir.ok()) return out.Fail(dir.status());
  auto qr = core::CardPayload((*dir)->ctx(), o.card, MakeActor(g, core::Role::kClerk), o.reason);
  if (!qr.ok()) return out.Fail(qr.status());
  if (!o.out.empty()) {
    Status s = WriteFileAtomic(o.out, *qr + "\n", 0600);
    if (!s.ok()) return out.Fail(s);
  }
  out.Result({{"card_number", o.card}, {"qr_payload", *qr}}, *qr);
  return kExitOk;
}

int RevokeCmd(const GlobalOptions& g, const CardOptions& o) {
  Output out(g);
  auto dir = DataDir::Open(o.data, g);
  if (!dir.ok()) return out.Fail(dir.status());
  Status s = core::Revoke((*dir)->ctx(), o.card, MakeActor(g, core::Role::kSupervisor), o.reason);
  if (!s.ok()) return out.Fail(s);
  out.Result({{"card_number", o.card}, {"status", "revoked"}},
             "Card " + o.card + " revoked. Publish the status list (cityid status-list export) "
             "so offline verifiers see it.");
  return kExitOk;
}

int SupersedeCmd(const GlobalOptions& g, const CardOptions& o, bool renew) {
  Output out(g);
  auto dir = DataDir::Open(o.data, g);
  if (!dir.ok()) return out.Fail(dir.status());
  auto actor = MakeActor(g, core::Role::kClerk);
  auto c = renew ? core::Renew((*dir)->ctx(), o.card, actor)
                 : core::Replace((*dir)->ctx(), o.card, actor, o.reason);
  if (!c.ok()) return out.Fail(c.status());
  return PrintCard(g, o, *c, renew ? "Renewed:" : "Replacement:");
}

CLI::App* Sub(CLI::App& app, const char* name, const char* help,
              const std::shared_ptr<CardOptions>& o) {
  auto* cmd = app.add_subcommand(name, help);
  cmd->add_option("--data", o->data, "Data folder")->capture_default_str();
  return cmd;
}

}  // namespace

void RegisterCards(CLI::App& app, GlobalOptions& g, Runner& run) {
  {
    auto o = std::make_shared<CardOptions>();
    auto* cmd = Sub(app, "issue", "Issue the card of an approved application", o);
    cmd->add_option("--application", o->application, "Application id")->required();
    cmd->add_option("--out", o->out, "Also write the QR payload text to this file");
    cmd->callback([&g, &run, o] { run = [&g, o] { return IssueCmd(g, *o); }; });
  }
  {
    auto o = std::make_shared<CardOptions>();
    auto* cmd = Sub(app, "payload", "Rebuild a card's QR payload for a reprint (logged)", o);
    cmd->add_option("--card", o->card, "Card number")->required();
    cmd->add_option("--reason", o->reason, "Why (for the audit log)")->required();
    cmd->add_option("--out", o->out, "Write the QR payload text to this file");
    cmd->callback([&g, &run, o] { run = [&g, o] { return PayloadCmd(g, *o); }; });
  }
  {
    auto o = std::make_shared<CardOptions>();
    auto* cmd = Sub(app, "revoke", "Supervisor: revoke a card", o);
    cmd->add_option("--card", o->card, "Card number")->required();
    cmd->add_option("--reason", o->reason, "Why (for the audit log)")->required();
    cmd->callback([&g, &run, o] { run = [&g, o] { return RevokeCmd(g, *o); }; });
  }
  {
    auto o = std::make_shared<CardOptions>();
    auto* cmd = Sub(app, "renew", "Issue a new card with a new expiry; the old one is replaced", o);
    cmd->add_option("--card", o->card, "Current card number")->required();
    cmd->add_option("--out", o->out, "Also write the QR payload text to this file");
    cmd->callback([&g, &run, o] { run = [&g, o] { return SupersedeCmd(g, *o, true); }; });
  }
  {
    auto o = std::make_shared<CardOptions>();
    auto* cmd = Sub(app, "replace", "Lost or stolen card: new number, the old card is revoked", o);
    cmd->add_option("--card", o->card, "Lost card number")->required();
    cmd->add_option("--reason", o->reason, "Why (default: lost or stolen)");
    cmd->add_option("--out", o->out, "Also write the QR payload text to this file");
    cmd->callback([&g, &run, o] { run = [&g, o] { return SupersedeCmd(g, *o, false); }; });
  }
}

}  // namespace cityid::cli
