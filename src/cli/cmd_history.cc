// cityid history --data DIR (--card NUMBER --dob YYYY-MM-DD | --reference REF --pin-stdin)
//                [--lang en|es] [--json]
// A clerk at the counter shows an applicant who accessed their record, when and why
// (core/access_history.h): roles and sites, never staff ids. The applicant gives the card number
// and date of birth (or a booking reference and its PIN, read from stdin so it stays out of the
// shell history and the process list). The view is logged with the clerk as actor.
#include <iostream>

#include "cli/common.h"
#include "core/access_history.h"
#include "core/appointments.h"

namespace cityid::cli {
namespace {

struct HistoryOptions {
  std::string data = "data";
  std::string card;
  std::string dob;
  std::string reference;
  bool pin_stdin = false;
  std::string lang = "en";
};

Result<std::string> ReadPinFromStdin() {
  std::string line;
  if (!std::getline(std::cin, line) || line.empty()) {
    return Error(ErrorId::kMissingField, "pin: expected on the first line of stdin");
  }
  if (line.back() == '\r') line.pop_back();
  return line;
}

int History(const GlobalOptions& g, const HistoryOptions& o) {
  Output out(g);
  const bool by_card = !o.card.empty() || !o.dob.empty();
  const bool by_booking = !o.reference.empty() || o.pin_stdin;
  if (by_card == by_booking || (by_card && (o.card.empty() || o.dob.empty())) ||
      (by_booking && (o.reference.empty() || !o.pin_stdin))) {
    std::cerr << "error: Usage error: give --card and --dob, or --reference and --pin-stdin\n";
    return kExitUsage;
  }
  std::string pin;
  if (by_booking) {
    auto p = ReadPinFromStdin();
    if (!p.ok()) return out.Fail(p.status());
    pin = std::move(*p);
  }
  auto dir = DataDir::Open(o.data, g);
  if (!dir.ok()) return out.Fail(dir.status());
  const core::Actor clerk = MakeActor(g, core::Role::kClerk);
  core::BookingContext ctx = core::BookingContextOf((*dir)->ctx());
  const core::HistoryViewer viewer{&clerk};
  auto h = by_card ? core::AccessHistoryByCard(ctx, o.card, o.dob, viewer)
                   : core::AccessHistoryByBooking(ctx, o.reference, pin, viewer);
  if (!h.ok()) return out.Fail(h.status());

  nlohmann::ordered_json j;
  j["entries"] = nlohmann::ordered_json::array();
  std::string human = "Access history, oldest first (" + std::to_string(h->entries.size()) +
                      (h->truncated ? ", the latest only" : "") + "):\n";
  for (const auto& e : h->entries) {
    nlohmann::ordered_json x;
    x["at"] = FormatTime(e.at);
    x["action"] = e.action;
    x["description"] = {{"en", e.action_en}, {"es", e.action_es}};
    x["role"] = e.role;
    x["site"] = e.site;
    x["reason"] = e.reason;
    x["about"] = e.about;
    x["seq"] = e.seq;
    j["entries"].push_back(std::move(x));
    human += FormatTime(e.at) + "  " + (o.lang == "es" ? e.action_es : e.action_en) + " — " +
             e.role + (e.site.empty() ? "" : " (" + e.site + ")") +
             (e.reason.empty() ? "" : ": " + e.reason) + "\n";
  }
  j["truncated"] = h->truncated;
  if (!human.empty() && human.back() == '\n') human.pop_back();
  out.Result(j, human);
  return kExitOk;
}

}  // namespace

void RegisterHistory(CLI::App& app, GlobalOptions& g, Runner& run) {
  auto o = std::make_shared<HistoryOptions>();
  auto* cmd = app.add_subcommand(
      "history", "Show an applicant who accessed their record, when and why (roles, not names)");
  cmd->add_option("--data", o->data, "Data folder")->capture_default_str();
  cmd->add_option("--card", o->card, "Card number (with --dob)");
  cmd->add_option("--dob", o->dob, "The applicant's date of birth, YYYY-MM-DD (with --card)");
  cmd->add_option("--reference", o->reference, "Booking reference (with --pin-stdin)");
  cmd->add_flag("--pin-stdin", o->pin_stdin, "Read the booking's PIN from the first line of stdin");
  cmd->add_option("--lang", o->lang, "Language of the human output")
      ->check(CLI::IsMember({"en", "es"}))
      ->capture_default_str();
  cmd->callback([&g, &run, o] { run = [&g, o] { return History(g, *o); }; });
}

}  // namespace cityid::cli
