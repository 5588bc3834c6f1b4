// cityid requests add|answer|list|show: the data-request register (core/register.h,
// docs/transparency.md).
#include "cli/common.h"
#include "core/register.h"

namespace cityid::cli {
namespace {

struct RequestOptions {
  std::string data = "data";
  std::string id;
  core::DataRequestInput in;
  std::string response;
  std::string responded;
  std::vector<std::string> disclosed;
  int64_t persons = 0;
};

nlohmann::ordered_json ToJson(const store::DataRequestRow& r) {
  nlohmann::ordered_json disclosed = nlohmann::ordered_json::array();
  size_t start = 0;
  while (start < r.disclosed.size()) {
    size_t comma = r.disclosed.find(',', start);
    if (comma == std::string::npos) comma = r.disclosed.size();
    disclosed.push_back(r.disclosed.substr(start, comma - start));
    start = comma + 1;
  }
  return {{"id", r.id},
          {"kind", r.kind},
          {"received_on", r.received_on},
          {"requesting_body", r.requesting_body},
          {"legal_basis", r.legal_basis},
          {"scope", r.scope},
          {"response", r.response},
          {"responded_on", r.responded_on},
          {"disclosed", disclosed},
          {"persons_covered", r.persons_covered},
          {"recorded_by", r.recorded_by},
          {"updated_at", FormatTime(r.updated_at)}};
}

std::string Line(const store::DataRequestRow& r) {
  return r.id + "  " + r.received_on + "  " + r.kind + "  " + r.requesting_body + "  -> " +
         r.response + (r.responded_on.empty() ? "" : " on " + r.responded_on) +
         (r.disclosed.empty() ? "" : ", disclosed: " + r.disclosed) +
         (r.persons_covered ? ", persons covered: " + std::to_string(r.persons_covered) : "");
}

int Add(const GlobalOptions& g, const RequestOptions& o) {
  Output out(g);
  auto dir = DataDir::Open(o.data, g);
  if (!dir.ok()) return out.Fail(dir.status());
  auto id = core::RecordDataRequest((*dir)->ctx(), o.in, MakeActor(g, core::Role::kAdmin));
  if (!id.ok()) return out.Fail(id.status());
  out.Result({{"id", *id}, {"response", "pending"}},
             "Recorded data request " + *id + " (pending). When answered: cityid requests "
             "answer --id " + *id + " --response ...");
  return kExitOk;
}

int Answer(const GlobalOptions& g, const RequestOptions& o) {
  Output out(g);
  auto dir = DataDir::Open(o.data, g);
  if (!dir.ok()) return out.Fail(dir.status());
  core::DataRequestAnswer a{o.response, o.responded, o.disclosed, o.persons};
  Status s = core::AnswerDataRequest((*dir)->ctx(), o.id, a, MakeActor(g, core::Role::kAdmin));
  if (!s.ok()) return out.Fail(s);
  out.Result({{"id", o.id}, {"response", o.response}},
             "Data request " + o.id + ": " + o.response + " on " + o.responded);
  return kExitOk;
}

int List(const GlobalOptions& g, const RequestOptions& o) {
  Output out(g);
  auto dir = DataDir::Open(o.data, g);
  if (!dir.ok()) return out.Fail(dir.status());
  auto rows = core::ListDataRequests((*dir)->ctx(), MakeActor(g, core::Role::kAuditor));
  if (!rows.ok()) return out.Fail(rows.status());
  nlohmann::ordered_json arr = nlohmann::ordered_json::array();
  std::string human = rows->empty() ? "The register is empty.\n" : "";
  for (const auto& r : *rows) {
    arr.push_back(ToJson(r));
    human += Line(r) + "\n";
  }
  out.Result({{"data_requests", arr}}, human);
  return kExitOk;
}

int Show(const GlobalOptions& g, const RequestOptions& o) {
  Output out(g);
  auto dir = DataDir::Open(o.data, g);
  if (!dir.ok()) return out.Fail(dir.status());
  auto r = core::GetDataRequest((*dir)->ctx(), o.id, MakeActor(g, core::Role::kAuditor));
  if (!r.ok()) return out.Fail(r.status());
  out.Result(ToJson(*r), Line(*r) + "\n  legal basis: " + r->legal_basis +
                             "\n  scope: " + r->scope + "\n");
  return kExitOk;
}

}  // namespace

void RegisterRequests(CLI::App& app, GlobalOptions& g, Runner& run) {
  auto* req = app.add_subcommand(
      "requests", "The data-request register: subpoenas, warrants, court orders, records requests");
  req->require_subcommand(1);
  {
    auto o = std::make_shared<RequestOptions>();
    auto* cmd = req->add_subcommand("add", "Admin: record a request as received (pending)");
    cmd->add_option("--data", o->data, "Data folder")->capture_default_str();
    cmd->add_option("--kind", o->in.kind,
                    "subpoena, warrant, court_order, records_request or other")
        ->required();
    cmd->add_option("--received", o->in.received_on, "Date received, YYYY-MM-DD")->required();
    cmd->add_option("--body", o->in.requesting_body, "Who asked (agency, court, requester)")
        ->required();
    cmd->add_option("--legal-basis", o->in.legal_basis, "Statute, rule or order cited")->required();
    cmd->add_option("--scope", o->in.scope,
                    "What was asked, never who: no names, ids, card or document numbers")
        ->required();
    cmd->callback([&g, &run, o] { run = [&g, o] { return Add(g, *o); }; });
  }
  {
    auto o = std::make_shared<RequestOptions>();
    auto* cmd = req->add_subcommand("answer", "Admin: record (or correct) the city's response");
    cmd->add_option("--data", o->data, "Data folder")->capture_default_str();
    cmd->add_option("--id", o->id, "Register entry id (req_...)")->required();
    cmd->add_option("--response", o->response, "refused, narrowed, complied or withdrawn")
        ->required();
    cmd->add_option("--responded", o->responded, "Date answered, YYYY-MM-DD")->required();
    cmd->add_option("--disclosed", o->disclosed,
                    "What was handed over, as categories (comma-separated or repeated): "
                    "aggregate_counts, application_status, card_status, enrollment_dates, "
                    "enrollment_site, person_record, photo, access_log")
        ->delimiter(',');
    cmd->add_option("--persons", o->persons, "How many persons' data was disclosed")
        ->capture_default_str();
    cmd->callback([&g, &run, o] { run = [&g, o] { return Answer(g, *o); }; });
  }
  {
    auto o = std::make_shared<RequestOptions>();
    auto* cmd = req->add_subcommand("list", "The whole register, oldest first");
    cmd->add_option("--data", o->data, "Data folder")->capture_default_str();
    cmd->callback([&g, &run, o] { run = [&g, o] { return List(g, *o); }; });
  }
  {
    auto o = std::make_shared<RequestOptions>();
    auto* cmd = req->add_subcommand("show", "One register entry");
    cmd->add_option("--data", o->data, "Data folder")->capture_default_str();
    cmd->add_option("--id", o->id, "Register entry id (req_...)")->required();
    cmd->callback([&g, &run, o] { run = [&g, o] { return Show(g, *o); }; });
  }
}

}  // namespace cityid::cli
