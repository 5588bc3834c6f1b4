// cityid hold place|release|list: legal holds that keep a record from being purged
// (core/register.h, docs/transparency.md).
#include "cli/common.h"
#include "core/register.h"

namespace cityid::cli {
namespace {

struct HoldOptions {
  std::string data = "data";
  std::string person;
  std::string category;
  std::string note;
  std::string notes_reason;  // list: decrypt notes, logged with this reason
};

int Place(const GlobalOptions& g, const HoldOptions& o) {
  Output out(g);
  auto dir = DataDir::Open(o.data, g);
  if (!dir.ok()) return out.Fail(dir.status());
  Status s = core::PlaceHold((*dir)->ctx(), o.person, o.category, o.note,
                             MakeActor(g, core::Role::kAdmin));
  if (!s.ok()) return out.Fail(s);
  out.Result({{"person_id", o.person}, {"held", true}, {"reason_category", o.category}},
             "Person " + o.person + " is under a legal hold (" + o.category +
                 "): neither retention nor a purge request will destroy the record until it "
                 "is released.");
  return kExitOk;
}

int Release(const GlobalOptions& g, const HoldOptions& o) {
  Output out(g);
  auto dir = DataDir::Open(o.data, g);
  if (!dir.ok()) return out.Fail(dir.status());
  Status s = core::ReleaseHold((*dir)->ctx(), o.person, MakeActor(g, core::Role::kAdmin));
  if (!s.ok()) return out.Fail(s);
  out.Result({{"person_id", o.person}, {"held", false}},
             "Legal hold on " + o.person + " released; the record follows the retention "
             "schedule again.");
  return kExitOk;
}

int List(const GlobalOptions& g, const HoldOptions& o) {
  Output out(g);
  auto dir = DataDir::Open(o.data, g);
  if (!dir.ok()) return out.Fail(dir.status());
  std::optional<std::string_view> reason;
  if (!o.notes_reason.empty()) reason = o.notes_reason;
  // Listing without notes is an auditor's read; with notes it needs the admin role.
  auto holds = core::ListHolds((*dir)->ctx(),
                               MakeActor(g, reason ? core::Role::kAdmin : core::Role::kAuditor),
                               reason);
  if (!holds.ok()) return out.Fail(holds.status());
  nlohmann::ordered_json arr = nlohmann::ordered_json::array();
  std::string human = holds->empty() ? "No legal holds.\n" : "";
  for (const auto& h : *holds) {
    nlohmann::ordered_json j{{"person_id", h.person_id},
                             {"reason_category", h.category},
                             {"placed_at", h.placed_at ? FormatTime(h.placed_at) : ""},
                             {"placed_by", h.placed_by},
                             {"application_ids", h.application_ids},
                             {"has_note", h.has_note}};
    if (h.note) j["note"] = *h.note;
    arr.push_back(std::move(j));
    human += h.person_id + "  " + h.category + "  placed " +
             (h.placed_at ? FormatTime(h.placed_at) : "?") + " by " + h.placed_by +
             (h.note ? "  note: " + *h.note : (h.has_note ? "  (note sealed)" : "")) + "\n";
  }
  out.Result({{"holds", arr}}, human);
  return kExitOk;
}

}  // namespace

void RegisterHold(CLI::App& app, GlobalOptions& g, Runner& run) {
  auto* hold = app.add_subcommand("hold", "Admin: legal holds that keep a record from purging");
  hold->require_subcommand(1);
  {
    auto o = std::make_shared<HoldOptions>();
    auto* cmd = hold->add_subcommand("place", "Hold a person's record from every purge");
    cmd->add_option("--data", o->data, "Data folder")->capture_default_str();
    cmd->add_option("--person", o->person, "Person id")->required();
    cmd->add_option("--reason-category", o->category,
                    "litigation, court_order, records_request or other (logged in clear)")
        ->required();
    cmd->add_option("--note", o->note,
                    "Free text, sealed under the person's data key (never in the log)");
    cmd->callback([&g, &run, o] { run = [&g, o] { return Place(g, *o); }; });
  }
  {
    auto o = std::make_shared<HoldOptions>();
    auto* cmd = hold->add_subcommand("release", "Lift a person's legal hold");
    cmd->add_option("--data", o->data, "Data folder")->capture_default_str();
    cmd->add_option("--person", o->person, "Person id")->required();
    cmd->callback([&g, &run, o] { run = [&g, o] { return Release(g, *o); }; });
  }
  {
    auto o = std::make_shared<HoldOptions>();
    auto* cmd = hold->add_subcommand("list", "List current legal holds");
    cmd->add_option("--data", o->data, "Data folder")->capture_default_str();
    cmd->add_option("--show-notes", o->notes_reason,
                    "Also decrypt the notes; the value is the reason, logged per note read");
    cmd->callback([&g, &run, o] { run = [&g, o] { return List(g, *o); }; });
  }
}

}  // namespace cityid::cli
