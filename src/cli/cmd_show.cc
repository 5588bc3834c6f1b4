// cityid show --application ID | --card NUMBER : workflow state, never personal data.
#include <iostream>

#include "cli/common.h"
#include "core/ids.h"

namespace cityid::cli {
namespace {

struct ShowOptions {
  std::string data = "data";
  std::string application;
  std::string card;
};

int Show(const GlobalOptions& g, const ShowOptions& o) {
  Output out(g);
  if (o.application.empty() == o.card.empty()) {
    std::cerr << "error: Usage error: give exactly one of --application or --card\n";
    return kExitUsage;
  }
  auto dir = DataDir::Open(o.data, g, DataDir::DataKeys::kNotNeeded);
  if (!dir.ok()) return out.Fail(dir.status());
  nlohmann::ordered_json j;
  std::string human;
  Status s = (*dir)->store().Read([&](store::Tx& tx) -> Status {
    if (!o.application.empty()) {
      CITYID_ASSIGN_OR_RETURN(auto app, tx.GetApplication(o.application));
      if (!app) return Error(ErrorId::kApplicationNotFound, "no application with that id");
      j["application_id"] = app->id;
      j["person_id"] = app->person_id;
      j["status"] = app->state;
      j["site"] = app->site;
      j["created_at"] = FormatTime(app->created_at);
      j["updated_at"] = FormatTime(app->updated_at);
      j["evaluation"] = nlohmann::ordered_json::parse(app->evaluation_json, nullptr, false);
      j["duplicates"] = nlohmann::ordered_json::parse(app->flags_json, nullptr, false);
      if (!app->decision_reason.empty()) j["decision_reason"] = app->decision_reason;
      human = "Application " + app->id + ": " + app->state + " (site " + app->site +
              ", updated " + FormatTime(app->updated_at) + ")";
      return Status::Ok();
    }
    CITYID_ASSIGN_OR_RETURN(std::string number, core::ParseCardNumber(o.card));
    CITYID_ASSIGN_OR_RETURN(auto card, tx.GetCard(number));
    if (!card) return Error(ErrorId::kCardNotFound, "no card with that number");
    j["card_number"] = card->number;
    j["status"] = card->state;
    j["application_id"] = card->application_id;
    j["issued_at"] = FormatTime(card->issued_at);
    j["expires_at"] = FormatTime(card->expires_at);
    if (!card->replaced_by.empty()) j["replaced_by"] = card->replaced_by;
    human = "Card " + core::FormatCardNumber(card->number) + ": " + card->state + ", expires " +
            FormatTime(card->expires_at).substr(0, 10);
    if (!card->replaced_by.empty()) human += ", replaced by " + card->replaced_by;
    return Status::Ok();
  });
  if (!s.ok()) return out.Fail(s);
  out.Result(j, human);
  return kExitOk;
}

}  // namespace

void RegisterShow(CLI::App& app, GlobalOptions& g, Runner& run) {
  auto o = std::make_shared<ShowOptions>();
  auto* cmd = app.add_subcommand("show", "Show the status of an application or card (no personal data)");
  cmd->add_option("--data", o->data, "Data folder")->capture_default_str();
  cmd->add_option("--application", o->application, "Application id");
  cmd->add_option("--card", o->card, "Card number");
  cmd->callback([&g, &run, o] { run = [&g, o] { return Show(g, *o); }; });
}

}  // namespace cityid::cli
