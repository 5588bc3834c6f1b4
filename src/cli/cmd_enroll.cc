// cityid enroll --data DIR --applicant FILE
#include <filesystem>
#include <iostream>
#include <iterator>

#include "base/file.h"
#include "cli/common.h"

namespace cityid::cli {
namespace {

struct EnrollOptions {
  std::string data = "data";
  std::string applicant;
  std::string site;
};

int Enroll(const GlobalOptions& g, const EnrollOptions& o) {
  Output out(g);
  auto dir = DataDir::Open(o.data, g);
  if (!dir.ok()) return out.Fail(dir.status());
  // "-" reads standard input, so a form can pipe the applicant in without a file on disk.
  Result<std::string> text = std::string();
  if (o.applicant == "-") {
    std::string buf((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
    if (buf.size() > core::kMaxApplicantFileBytes) {
      return out.Fail(Error(ErrorId::kResourceExhausted, "applicant on standard input is larger than 64 KiB"));
    }
    text = std::move(buf);
  } else {
    text = ReadFileBounded(o.applicant, core::kMaxApplicantFileBytes);
  }
  if (!text.ok()) {
    // A missing or unreadable file is the clerk's input mistake, not an outage.
    return out.Fail(Error(ErrorId::kInvalidArgument, "applicant file: " + text.status().message()));
  }
  const std::string base = o.applicant == "-" ? std::string(".")
                                              : std::filesystem::path(o.applicant).parent_path().string();
  const Date today = Date::FromUnix((*dir)->clock().Now());
  auto input = core::ParseApplicantJson(*text, base.empty() ? "." : base, today);
  if (!input.ok()) return out.Fail(input.status());
  if (!o.site.empty()) input->site = o.site;
  auto actor = MakeActor(g, core::Role::kClerk);
  auto r = core::Enroll((*dir)->ctx(), *input, actor);
  if (!r.ok()) {
    if (r.status().id() == ErrorId::kDocumentsInsufficient) {
      // Show the clerk the whole evaluation: each document's verdict and what would help.
      std::vector<policy::PresentedDocument> docs;
      for (const auto& d : input->documents) docs.push_back({d.type, d.issued, d.expires, !d.number.empty()});
      const policy::Evaluation eval = (*dir)->policy().Evaluate(docs, today);
      return out.Fail(r.status(),
                      {{"evaluation", nlohmann::ordered_json::parse(eval.ToJson())}},
                      eval.Explain());
    }
    return out.Fail(r.status());
  }

  nlohmann::ordered_json j;
  j["application_id"] = r->application_id;
  j["person_id"] = r->person_id;
  j["status"] = core::Name(r->state);
  j["evaluation"] = nlohmann::ordered_json::parse(r->evaluation_json);
  j["duplicates"] = nlohmann::ordered_json::array();
  std::string human = "Application " + r->application_id + " (person " + r->person_id + "): " +
                      core::Name(r->state) + "\n" + r->explanation;
  for (const auto& d : r->duplicates) {
    j["duplicates"].push_back({{"kind", d.kind}, {"other_applications", d.other_applications}});
    human += "POSSIBLE DUPLICATE (" + d.kind + "): matches application(s)";
    for (const auto& a : d.other_applications) human += " " + a;
    human += " - a supervisor must review before approval\n";
  }
  out.Result(j, human);
  return kExitOk;
}

}  // namespace

void RegisterEnroll(CLI::App& app, GlobalOptions& g, Runner& run) {
  auto o = std::make_shared<EnrollOptions>();
  auto* cmd = app.add_subcommand(
      "enroll", "Vet an applicant's checked documents and record the application");
  cmd->add_option("--data", o->data, "Data folder")->capture_default_str();
  cmd->add_option("--applicant", o->applicant, "Applicant file (JSON, see docs/cli.md), or - for stdin")
      ->required();
  cmd->add_option("--site", o->site, "Enrollment site id (overrides the file's site)");
  cmd->callback([&g, &run, o] { run = [&g, o] { return Enroll(g, *o); }; });
}

}  // namespace cityid::cli
