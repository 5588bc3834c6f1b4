// cityid enroll --data DIR --applicant FILE
// cityid enroll --data DIR --batch FILE.jsonl   (bulk import: one applicant JSON per line)
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>

#include "base/file.h"
#include "cli/common.h"

namespace cityid::cli {
namespace {

struct EnrollOptions {
  std::string data = "data";
  std::string applicant;
  std::string batch;
  std::string site;
};

// Bulk import (a partner site's offline queue, a migration): every line of a JSON Lines file is
// one applicant, enrolled exactly as `--applicant` would, each in its own transaction, pipelined
// (core::EnrollMany). A bad line is reported and skipped; the others go on.
int EnrollBatch(const GlobalOptions& g, const EnrollOptions& o) {
  Output out(g);
  store::SqliteOptions bulk;
  bulk.bulk_import = true;
  auto dir = DataDir::Open(o.data, g, DataDir::DataKeys::kNeeded, bulk);
  if (!dir.ok()) return out.Fail(dir.status());
  std::ifstream file(o.batch, std::ios::binary);
  if (!file) {
    return out.Fail(Error(ErrorId::kInvalidArgument, "--batch: cannot open '" + o.batch + "'"));
  }
  const std::string parent = std::filesystem::path(o.batch).parent_path().string();
  const std::string base = parent.empty() ? "." : parent;
  const Date today = Date::FromUnix((*dir)->clock().Now());
  auto actor = MakeActor(g, core::Role::kClerk);

  std::vector<size_t> line_of;  // input index -> line number (blank lines are not inputs)
  size_t line_no = 0;
  auto next = [&]() -> std::optional<Result<core::ApplicantInput>> {
    std::string line;
    while (std::getline(file, line)) {
      ++line_no;
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      line_of.push_back(line_no);
      if (line.size() > core::kMaxApplicantFileBytes) {
        return Result<core::ApplicantInput>(
            Error(ErrorId::kResourceExhausted, "applicant is larger than 64 KiB"));
      }
      auto input = core::ParseApplicantJson(line, base, today);
      if (input.ok() && !o.site.empty()) input->site = o.site;
      return input;
    }
    return std::nullopt;
  };
  size_t enrolled = 0, flagged = 0, failed = 0;
  std::optional<Status> first_failure;
  nlohmann::ordered_json failures = nlohmann::ordered_json::array();
  std::string human;
  core::EnrollMany((*dir)->ctx(), next, actor, [&](size_t i, Result<core::EnrollResult> r) {
    // line_of[i] was recorded by `next` before input i was prepared, so it is there.
    const size_t line = line_of[i];
    if (!r.ok()) {
      ++failed;
      if (!first_failure) first_failure = r.status();
      failures.push_back({{"line", line},
                          {"error", GetErrorInfo(r.status().id()).slug},
                          {"message", r.status().message()}});
      human += "line " + std::to_string(line) + ": " + r.status().ToString() + "\n";
      return;
    }
    ++enrolled;
    if (r->state == core::ApplicationState::kFlagged) {
      ++flagged;
      human += "line " + std::to_string(line) + ": application " + r->application_id +
               " flagged as a possible duplicate - a supervisor must review\n";
    }
    // Progress on standard error (also with --json, whose answer is on standard output); the
    // line number is where to resume if the import is cut short (docs/cli.md).
    if ((enrolled + failed) % 1000 == 0) {
      std::cerr << (enrolled + failed) << " applicants processed, through line " << line << "\n";
    }
  });
  nlohmann::ordered_json j;
  j["enrolled"] = enrolled;
  j["flagged"] = flagged;
  j["failed"] = failed;
  j["failures"] = std::move(failures);
  human += std::to_string(enrolled) + " enrolled (" + std::to_string(flagged) +
           " flagged as possible duplicates), " + std::to_string(failed) + " failed";
  if (!first_failure) {
    out.Result(j, human);
    return kExitOk;
  }
  return out.Fail(Error(first_failure->id(), std::to_string(failed) + " of " +
                                                 std::to_string(enrolled + failed) +
                                                 " applicants failed; the others were enrolled"),
                  j, human);
}

int Enroll(const GlobalOptions& g, const EnrollOptions& o) {
  if (!o.batch.empty()) return EnrollBatch(g, o);
  Output out(g);
  if (o.applicant.empty()) {
    return out.Fail(Error(ErrorId::kInvalidArgument, "give --applicant FILE or --batch FILE"));
  }
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
  // For the applicant's enrollment receipt; shown this once (core/access_code.h).
  j["access_code"] = r->access_code;
  std::string human = "Application " + r->application_id + " (person " + r->person_id + "): " +
                      core::Name(r->state) + "\n" + r->explanation;
  for (const auto& d : r->duplicates) {
    j["duplicates"].push_back({{"kind", d.kind}, {"other_applications", d.other_applications}});
    human += "POSSIBLE DUPLICATE (" + d.kind + "): matches application(s)";
    for (const auto& a : d.other_applications) human += " " + a;
    human += " - a supervisor must review before approval\n";
  }
  if (!human.empty() && human.back() != '\n') human += "\n";
  human += "Access code for the applicant's receipt (shown once): " + r->access_code;
  out.Result(j, human);
  return kExitOk;
}

}  // namespace

void RegisterEnroll(CLI::App& app, GlobalOptions& g, Runner& run) {
  auto o = std::make_shared<EnrollOptions>();
  auto* cmd = app.add_subcommand(
      "enroll", "Vet an applicant's checked documents and record the application");
  cmd->add_option("--data", o->data, "Data folder")->capture_default_str();
  auto* single = cmd->add_option("--applicant", o->applicant,
                                 "Applicant file (JSON, see docs/cli.md), or - for stdin");
  auto* batch = cmd->add_option("--batch", o->batch,
                                "Bulk import: a JSON Lines file, one applicant per line");
  single->excludes(batch);
  cmd->add_option("--site", o->site, "Enrollment site id (overrides the file's site)");
  cmd->callback([&g, &run, o] { run = [&g, o] { return Enroll(g, *o); }; });
}

}  // namespace cityid::cli
