// cityid report --data DIR --from YYYY-MM --to YYYY-MM --format json|csv|html [--out FILE]
#include <iostream>

#include "base/file.h"
#include "cli/common.h"
#include "core/report.h"

namespace cityid::cli {
namespace {

struct ReportOptions {
  std::string data = "data";
  std::string from;
  std::string to;
  std::string format = "json";
  std::string out;
};

int Report(const GlobalOptions& g, const ReportOptions& o) {
  Output out(g);
  auto dir = DataDir::Open(o.data, g, DataDir::DataKeys::kNotNeeded);
  if (!dir.ok()) return out.Fail(dir.status());
  auto report = core::BuildReport((*dir)->store(), o.from, o.to);
  if (!report.ok()) return out.Fail(report.status());
  const std::string text = o.format == "csv"    ? core::ReportCsv(*report)
                           : o.format == "html" ? core::ReportHtml(*report)
                                                : core::ReportJson(*report);
  if (o.out.empty()) {
    std::cout << text;
    return kExitOk;
  }
  // The report is for publication: world-readable like the key set and status lists.
  Status s = WriteFileAtomic(o.out, text, 0644);
  if (!s.ok()) return out.Fail(s);
  out.Result({{"report", o.out}, {"format", o.format}, {"from", report->from}, {"to", report->to}},
             "Transparency report " + report->from + " to " + report->to + " written to " + o.out);
  return kExitOk;
}

}  // namespace

void RegisterReport(CLI::App& app, GlobalOptions& g, Runner& run) {
  auto o = std::make_shared<ReportOptions>();
  auto* cmd = app.add_subcommand(
      "report", "Transparency report per site and month; counts 1-9 shown as <10");
  cmd->add_option("--data", o->data, "Data folder")->capture_default_str();
  cmd->add_option("--from", o->from, "First month, YYYY-MM")->required();
  cmd->add_option("--to", o->to, "Last month, YYYY-MM (inclusive)")->required();
  cmd->add_option("--format", o->format, "json, csv or html")
      ->check(CLI::IsMember({"json", "csv", "html"}))
      ->capture_default_str();
  cmd->add_option("--out", o->out, "Write to this file instead of standard output");
  cmd->callback([&g, &run, o] { run = [&g, o] { return Report(g, *o); }; });
}

}  // namespace cityid::cli
