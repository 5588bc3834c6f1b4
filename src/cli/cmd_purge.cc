// cityid purge --person ID | --expired
#include <iostream>

#include "cli/common.h"

namespace cityid::cli {
namespace {

struct PurgeOptions {
  std::string data = "data";
  std::string person;
  std::string reason;
  bool expired = false;
};

int Purge(const GlobalOptions& g, const PurgeOptions& o) {
  Output out(g);
  if (o.person.empty() == !o.expired) {
    std::cerr << "error: Usage error: give exactly one of --person ID or --expired\n";
    return kExitUsage;
  }
  auto dir = DataDir::Open(o.data, g);
  if (!dir.ok()) return out.Fail(dir.status());
  if (!o.person.empty()) {
    Status s = core::PurgePerson((*dir)->ctx(), o.person, MakeActor(g, core::Role::kAdmin),
                                 o.reason);
    if (!s.ok()) return out.Fail(s);
    out.Result({{"person_id", o.person}, {"purged", true}},
               "Person " + o.person + " crypto-shredded: their data key is destroyed, their "
               "record and blind indexes deleted, their cards revoked.");
    return kExitOk;
  }
  auto sum = core::PurgeExpired((*dir)->ctx(), MakeActor(g, core::Role::kSystem));
  if (!sum.ok()) return out.Fail(sum.status());
  nlohmann::ordered_json j{{"persons_purged", sum->persons_purged},
                           {"applications_withdrawn", sum->applications_withdrawn},
                           {"cards_expired", sum->cards_expired},
                           {"cards_revoked", sum->cards_revoked},
                           {"held", sum->held},
                           {"print_windows_closed", sum->print_windows_closed}};
  out.Result(j, "Retention run: " + std::to_string(sum->persons_purged) + " person(s) purged, " +
                    std::to_string(sum->cards_expired) + " card(s) marked expired, " +
                    std::to_string(sum->applications_withdrawn) + " application(s) withdrawn, " +
                    std::to_string(sum->held) + " kept under legal hold, " +
                    std::to_string(sum->print_windows_closed) +
                    " unprinted card(s) past the print window (address dropped).");
  return kExitOk;
}

}  // namespace

void RegisterPurge(CLI::App& app, GlobalOptions& g, Runner& run) {
  auto o = std::make_shared<PurgeOptions>();
  auto* cmd = app.add_subcommand(
      "purge", "Crypto-shred a person's record (--person) or apply the retention schedule (--expired)");
  cmd->add_option("--data", o->data, "Data folder")->capture_default_str();
  cmd->add_option("--person", o->person, "Person id to destroy (applicant's request)");
  cmd->add_option("--reason", o->reason, "Why (default: applicant request)");
  cmd->add_flag("--expired", o->expired, "Purge everything past the policy's retention periods");
  cmd->callback([&g, &run, o] { run = [&g, o] { return Purge(g, *o); }; });
}

}  // namespace cityid::cli
