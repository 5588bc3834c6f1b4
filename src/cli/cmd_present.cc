// cityid present --card NUMBER --disclose age_over_21[,name,...] [--out FILE]
// A presentation: a small signed payload that reveals only the chosen attributes
// (docs/card-format.md §10). `cityid verify` accepts it like a card.
#include <iostream>

#include "base/file.h"
#include "cli/common.h"
#include "core/ids.h"
#include "credential/presentation.h"

namespace cityid::cli {
namespace {

struct PresentOptions {
  std::string data = "data";
  std::string card;
  std::string disclose;
  std::string out;
};

int Present(const GlobalOptions& g, const PresentOptions& o) {
  Output out(g);
  // Names first: a typo is a usage error, before any data is opened or logged.
  auto keys = credential::ParseDisclosureNames(o.disclose);
  if (!keys.ok()) {
    if (g.json) {
      nlohmann::ordered_json j;
      j["error"] = {{"type", "usage"}, {"title", "Usage error"}, {"detail", keys.status().message()}};
      std::cout << j.dump() << "\n";
    }
    std::cerr << "error: Usage error: --disclose: " << keys.status().message() << "\n";
    return kExitUsage;
  }
  if (Status s = crypto::InitCrypto(); !s.ok()) return out.Fail(s);
  auto dir = DataDir::Open(o.data, g);
  if (!dir.ok()) return out.Fail(dir.status());
  auto p = core::Present((*dir)->ctx(), o.card, *keys, MakeActor(g, core::Role::kClerk));
  if (!p.ok()) return out.Fail(p.status());
  if (!o.out.empty()) {
    Status s = WriteFileAtomic(o.out, p->qr_text + "\n", 0600);
    if (!s.ok()) return out.Fail(s);
  }
  nlohmann::ordered_json j;
  j["card_number"] = p->card_number;
  nlohmann::ordered_json names = nlohmann::ordered_json::array();
  for (const int key : *keys) {
    if (key != credential::kC169PhotoFormat) names.push_back(credential::DisclosureName(key));
  }
  j["discloses"] = names;
  j["presented_at"] = FormatTime(p->presented_at);
  j["expires_at"] = FormatTime(p->expires_at);
  j["qr_payload"] = p->qr_text;
  std::string human = "Presentation of card " + core::FormatCardNumber(p->card_number) +
                      ", discloses " + names.dump() + ", valid until " +
                      FormatTime(p->expires_at).substr(0, 10) + "\n";
  human += "QR payload (" + std::to_string(p->qr_text.size()) + " characters):\n" + p->qr_text;
  out.Result(j, human);
  return kExitOk;
}

}  // namespace

void RegisterPresent(CLI::App& app, GlobalOptions& g, Runner& run) {
  auto o = std::make_shared<PresentOptions>();
  auto* cmd = app.add_subcommand(
      "present", "Make a presentation of a card that discloses only chosen attributes (logged)");
  cmd->add_option("--data", o->data, "Data folder")->capture_default_str();
  cmd->add_option("--card", o->card, "Card number")->required();
  cmd->add_option("--disclose", o->disclose,
                  "Comma-separated attributes to disclose: " + credential::DisclosureNameList())
      ->required();
  cmd->add_option("--out", o->out, "Also write the presentation text to this file");
  cmd->footer("`cityid verify` checks a presentation like a card (exit 0 valid, 10 invalid, "
              "11 revoked, 12 expired).");
  cmd->callback([&g, &run, o] { run = [&g, o] { return Present(g, *o); }; });
}

}  // namespace cityid::cli
