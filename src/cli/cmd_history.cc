// cityid history --data DIR (--code-stdin | --reference REF --pin-stdin) [--lang en|es] [--json]
// cityid access-code --data DIR --application ID [--json]
// A clerk at the counter shows an applicant who accessed their record, when and why
// (core/access_history.h): roles and sites, never staff ids. The applicant types their access
// code (printed on their enrollment receipt) or a booking reference's PIN; either is read from
// stdin so it stays out of the shell history and the process list. The view is logged with the
// clerk as actor. The card number and date of birth no longer open the history: both are on the
// card. `access-code` gives the applicant a new code (after checking their identity): the old
// one stops working; logged as "history.code_issue".
#include <iostream>

#include "cli/common.h"
#include "core/access_code.h"
#include "core/access_history.h"
#include "core/appointments.h"

namespace cityid::cli {
namespace {

struct HistoryOptions {
  std::string data = "data";
  bool code_stdin = false;
  std::string reference;
  bool pin_stdin = false;
  std::string lang = "en";
};

Result<std::string> ReadSecretFromStdin(const char* what) {
  std::string line;
  if (!std::getline(std::cin, line) || line.empty()) {
    return Error(ErrorId::kMissingField,
                 std::string(what) + ": expected on the first line of stdin");
  }
  if (line.back() == '\r') line.pop_back();
  return line;
}

int History(const GlobalOptions& g, const HistoryOptions& o) {
  Output out(g);
  const bool by_code = o.code_stdin;
  const bool by_booking = !o.reference.empty() || o.pin_stdin;
  if (by_code == by_booking || (by_booking && (o.reference.empty() || !o.pin_stdin))) {
    std::cerr << "error: Usage error: give --code-stdin, or --reference and --pin-stdin\n";
    return kExitUsage;
  }
  auto secret = ReadSecretFromStdin(by_code ? "access code" : "pin");
  if (!secret.ok()) return out.Fail(secret.status());
  auto dir = DataDir::Open(o.data, g);
  if (!dir.ok()) return out.Fail(dir.status());
  const core::Actor clerk = MakeActor(g, core::Role::kClerk);
  core::BookingContext ctx = core::BookingContextOf((*dir)->ctx());
  const core::HistoryViewer viewer{&clerk};
  auto h = by_code ? core::AccessHistoryByCode(ctx, *secret, viewer)
                   : core::AccessHistoryByBooking(ctx, o.reference, *secret, viewer);
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

struct AccessCodeOptions {
  std::string data = "data";
  std::string application;
};

int ReissueCode(const GlobalOptions& g, const AccessCodeOptions& o) {
  Output out(g);
  auto dir = DataDir::Open(o.data, g);
  if (!dir.ok()) return out.Fail(dir.status());
  auto code =
      core::ReissueAccessCode((*dir)->ctx(), o.application, MakeActor(g, core::Role::kClerk));
  if (!code.ok()) return out.Fail(code.status());
  nlohmann::ordered_json j;
  j["application_id"] = o.application;
  j["access_code"] = *code;
  out.Result(
      j, "New access code for the applicant (shown once; the old one no longer works): " + *code);
  return kExitOk;
}

}  // namespace

void RegisterHistory(CLI::App& app, GlobalOptions& g, Runner& run) {
  auto o = std::make_shared<HistoryOptions>();
  auto* cmd = app.add_subcommand(
      "history", "Show an applicant who accessed their record, when and why (roles, not names)");
  cmd->add_option("--data", o->data, "Data folder")->capture_default_str();
  cmd->add_flag("--code-stdin", o->code_stdin,
                "Read the applicant's access code (on their enrollment receipt) from stdin");
  cmd->add_option("--reference", o->reference, "Booking reference (with --pin-stdin)");
  cmd->add_flag("--pin-stdin", o->pin_stdin, "Read the booking's PIN from the first line of stdin");
  cmd->add_option("--lang", o->lang, "Language of the human output")
      ->check(CLI::IsMember({"en", "es"}))
      ->capture_default_str();
  cmd->callback([&g, &run, o] { run = [&g, o] { return History(g, *o); }; });

  auto c = std::make_shared<AccessCodeOptions>();
  auto* code = app.add_subcommand(
      "access-code",
      "Give an applicant a new access code for their history (the old one stops working)");
  code->add_option("--data", c->data, "Data folder")->capture_default_str();
  code->add_option("--application", c->application, "One of the applicant's application ids")
      ->required();
  code->callback([&g, &run, c] { run = [&g, c] { return ReissueCode(g, *c); }; });
}

}  // namespace cityid::cli
