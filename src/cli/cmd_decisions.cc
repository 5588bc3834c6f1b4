// cityid approve|reject --data DIR --application ID [--reason TEXT]
#include "cli/common.h"

namespace cityid::cli {
namespace {

struct DecisionOptions {
  std::string data = "data";
  std::string application;
  std::string reason;
  std::string reason_category;  // reject only: documents, duplicate, eligibility, other
};

int Decide(const GlobalOptions& g, const DecisionOptions& o, bool approve) {
  Output out(g);
  auto dir = DataDir::Open(o.data, g);
  if (!dir.ok()) return out.Fail(dir.status());
  auto actor = MakeActor(g, core::Role::kSupervisor);
  Status s = approve ? core::Approve((*dir)->ctx(), o.application, actor, o.reason)
                     : core::Reject((*dir)->ctx(), o.application, actor, o.reason,
                                    o.reason_category);
  if (!s.ok()) return out.Fail(s);
  const char* state = approve ? "approved" : "rejected";
  nlohmann::ordered_json j{{"application_id", o.application}, {"status", state}};
  out.Result(j, "Application " + o.application + ": " + state);
  return kExitOk;
}

void Add(CLI::App& app, GlobalOptions& g, Runner& run, bool approve) {
  auto o = std::make_shared<DecisionOptions>();
  auto* cmd = app.add_subcommand(approve ? "approve" : "reject",
                                 approve ? "Supervisor: approve an application"
                                         : "Supervisor: reject an application (reason required)");
  cmd->add_option("--data", o->data, "Data folder")->capture_default_str();
  cmd->add_option("--application", o->application, "Application id")->required();
  auto* reason = cmd->add_option(
      "--reason", o->reason,
      approve ? "Why (required for a flagged application)" : "Why (shown to the applicant)");
  if (!approve) {
    reason->required();
    cmd->add_option("--reason-category", o->reason_category,
                    "What the transparency report counts it under")
        ->check(CLI::IsMember({"documents", "duplicate", "eligibility", "other"}));
  }
  cmd->callback([&g, &run, o, approve] { run = [&g, o, approve] { return Decide(g, *o, approve); }; });
}

}  // namespace

void RegisterDecisions(CLI::App& app, GlobalOptions& g, Runner& run) {
  Add(app, g, run, true);
  Add(app, g, run, false);
}

}  // namespace cityid::cli
