#include "core/report.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <unordered_map>

#include "base/date.h"
#include "core/register.h"

namespace cityid::core {
namespace {

using nlohmann::ordered_json;

constexpr int kMaxMonths = 120;
constexpr size_t kAuditPage = 10000;
const char* const kRejectCategories[] = {"documents", "duplicate", "eligibility", "other"};

struct Month {
  int year = 0;
  int month = 0;
  int Index() const { return year * 12 + (month - 1); }
  std::string ToString() const {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d-%02d", year, month);
    return buf;
  }
  static Month FromIndex(int i) { return Month{i / 12, i % 12 + 1}; }
};

Result<Month> ParseMonth(std::string_view field, std::string_view text) {
  auto d = Date::Parse(std::string(text) + "-01");
  if (text.size() != 7 || !d.ok()) {
    return Error(ErrorId::kInvalidArgument, std::string(field) + ": expected YYYY-MM");
  }
  return Month{d->year, d->month};
}

// Rows by label, so tables are filled in any order and listed sorted.
class Counter {
 public:
  void Add(const std::string& row, int month_index) { ++counts_[row][month_index]; }
  const std::map<std::string, std::map<int, int64_t>>& counts() const { return counts_; }

 private:
  std::map<std::string, std::map<int, int64_t>> counts_;
};

struct SiteOf {
  std::string site;
  bool flagged = false;
};

class Builder {
 public:
  Builder(store::Tx& tx, Month from, Month to) : tx_(tx), from_(from), to_(to) {}

  Status Run() {
    const UnixSeconds start = Date{from_.year, from_.month, 1}.ToUnix();
    const Month after = Month::FromIndex(to_.Index() + 1);
    const UnixSeconds end = Date{after.year, after.month, 1}.ToUnix();
    int64_t seq = 0;
    while (true) {
      CITYID_ASSIGN_OR_RETURN(auto page, tx_.ReadAudit(seq, kAuditPage));
      for (const auto& row : page) {
        if (row.entry.at >= start && row.entry.at < end) CITYID_RETURN_IF_ERROR(Count(row.entry));
      }
      if (page.size() < kAuditPage) break;
      seq = page.back().seq + 1;
    }
    CITYID_ASSIGN_OR_RETURN(auto requests, tx_.ListDataRequests());
    for (const auto& r : requests) {
      auto d = Date::Parse(r.received_on);
      if (!d.ok()) continue;
      const int m = Month{d->year, d->month}.Index();
      if (m < from_.Index() || m > to_.Index()) continue;
      site_tables_["data_requests_" + r.response].Add(r.kind, m);
    }
    return Status::Ok();
  }

  Report Finish(std::string from, std::string to) const {
    Report report;
    report.from = std::move(from);
    report.to = std::move(to);
    for (int m = from_.Index(); m <= to_.Index(); ++m) {
      report.months.push_back(Month::FromIndex(m).ToString());
    }
    std::vector<std::string> sites(sites_.begin(), sites_.end());
    auto table = [&](const std::string& id, const std::string& title,
                     const std::string& row_header, const std::vector<std::string>& rows) {
      ReportTable t;
      t.id = id;
      t.title = title;
      t.row_header = row_header;
      t.rows = rows;
      t.columns = report.months;
      t.counts.assign(rows.size(), std::vector<int64_t>(report.months.size(), 0));
      auto it = site_tables_.find(id);
      if (it != site_tables_.end()) {
        for (size_t r = 0; r < rows.size(); ++r) {
          auto row = it->second.counts().find(rows[r]);
          if (row == it->second.counts().end()) continue;
          for (const auto& [m, n] : row->second) t.counts[r][m - from_.Index()] = n;
        }
      }
      report.tables.push_back(std::move(t));
    };
    table("applications_received", "Applications received", "Site", sites);
    table("applications_approved", "Applications approved", "Site", sites);
    for (const char* c : kRejectCategories) {
      const std::string label = std::string(c) == "other" ? "other reason or not categorized" : c;
      table(std::string("applications_rejected_") + c, "Applications rejected: " + label, "Site",
            sites);
    }
    table("applications_withdrawn", "Applications withdrawn or abandoned", "Site", sites);
    table("duplicates_flagged", "Possible duplicates flagged", "Site", sites);
    table("duplicates_resolved", "Flagged applications resolved (approved or rejected)", "Site",
          sites);
    table("cards_issued", "Cards issued", "Site", sites);
    table("cards_renewed", "Cards renewed", "Site", sites);
    table("cards_replaced", "Cards replaced (lost or stolen)", "Site", sites);
    table("cards_revoked", "Cards revoked", "Site", sites);
    table("cards_expired", "Cards expired", "Site", sites);
    table("purges_on_request", "Records destroyed on request", "Site", sites);
    table("purges_retention", "Records destroyed by the retention schedule", "Site", sites);
    const std::vector<std::string> hold_rows(std::begin(kHoldCategories), std::end(kHoldCategories));
    table("holds_placed", "Legal holds placed", "Hold category", hold_rows);
    table("holds_released", "Legal holds released", "Hold category", hold_rows);
    const std::vector<std::string> kinds(std::begin(kRequestKinds), std::end(kRequestKinds));
    for (const char* response : kRequestResponses) {
      table(std::string("data_requests_") + response,
            std::string("Data requests received, now ") + response, "Request kind", kinds);
    }
    return report;
  }

 private:
  Result<SiteOf> Application(const std::string& id) {
    auto it = apps_.find(id);
    if (it != apps_.end()) return it->second;
    CITYID_ASSIGN_OR_RETURN(auto row, tx_.GetApplication(id));
    SiteOf s{"unknown", false};
    if (row) s = SiteOf{row->site, !row->flags_json.empty() && row->flags_json != "[]"};
    apps_.emplace(id, s);
    return s;
  }
  // `subject`: the card's pseudonymous id, or its number in entries written before schema v13.
  Result<std::string> CardSite(const std::string& subject) {
    std::optional<store::CardRow> card;
    if (subject.starts_with("crd_")) {
      CITYID_ASSIGN_OR_RETURN(card, tx_.GetCardBySubject(subject));
    } else {
      CITYID_ASSIGN_OR_RETURN(card, tx_.GetCard(subject));
    }
    if (!card) return std::string("unknown");
    CITYID_ASSIGN_OR_RETURN(SiteOf s, Application(card->application_id));
    return s.site;
  }
  Result<std::string> PersonSite(const std::string& person_id) {
    store::ApplicationFilter f;
    f.person_id = person_id;
    f.limit = 1;
    CITYID_ASSIGN_OR_RETURN(auto apps, tx_.ListApplications(f));
    return apps.empty() ? std::string("unknown") : apps.front().site;
  }

  void AddSite(const std::string& table, const std::string& site, int m) {
    sites_.insert(site);
    site_tables_[table].Add(site, m);
  }

  Status Count(const audit::Entry& e) {
    const Date d = Date::FromUnix(e.at);
    const int m = Month{d.year, d.month}.Index();
    const std::string& a = e.action;
    if (a.rfind("application.", 0) == 0) {
      const char* table = nullptr;
      if (a == "application.enroll") table = "applications_received";
      if (a == "application.approve") table = "applications_approved";
      if (a == "application.withdraw") table = "applications_withdrawn";
      if (a == "application.flag") table = "duplicates_flagged";
      if (a == "application.issue") table = "cards_issued";
      std::string reject_table;
      if (a == "application.reject") {
        reject_table = "applications_rejected_other";
        for (const char* c : kRejectCategories) {
          if (e.reason.rfind(std::string(c) + ": ", 0) == 0) {
            reject_table = std::string("applications_rejected_") + c;
          }
        }
        table = reject_table.c_str();
      }
      if (!table) return Status::Ok();
      CITYID_ASSIGN_OR_RETURN(SiteOf s, Application(e.subject));
      AddSite(table, s.site, m);
      if (s.flagged && (a == "application.approve" || a == "application.reject")) {
        AddSite("duplicates_resolved", s.site, m);
      }
      return Status::Ok();
    }
    if (a.rfind("card.", 0) == 0) {
      const char* table = nullptr;
      if (a == "card.renew") table = "cards_renewed";
      if (a == "card.replace") table = "cards_replaced";
      if (a == "card.revoke") table = "cards_revoked";
      if (a == "card.expire") table = "cards_expired";
      if (!table) return Status::Ok();  // card.issue is counted once per application.issue
      CITYID_ASSIGN_OR_RETURN(std::string site, CardSite(e.subject));
      AddSite(table, site, m);
      return Status::Ok();
    }
    if (a == "person.purge") {
      CITYID_ASSIGN_OR_RETURN(std::string site, PersonSite(e.subject));
      AddSite(e.reason.rfind("retention", 0) == 0 ? "purges_retention" : "purges_on_request", site,
              m);
      return Status::Ok();
    }
    if (a == "hold.place" || a == "hold.release") {
      const std::string category = IsHoldCategory(e.reason) ? e.reason : "other";
      site_tables_[a == "hold.place" ? "holds_placed" : "holds_released"].Add(category, m);
    }
    return Status::Ok();
  }

  store::Tx& tx_;
  Month from_;
  Month to_;
  std::unordered_map<std::string, SiteOf> apps_;
  std::set<std::string> sites_;
  std::map<std::string, Counter> site_tables_;
};

PublishedCell Inner(int64_t n) {
  if (n > 0 && n < kSuppressBelow) return {PublishedCell::Kind::kSmall, 0};
  return {PublishedCell::Kind::kExact, n};
}

PublishedCell Total(int64_t n, bool all_exact) {
  if (!all_exact) return {PublishedCell::Kind::kWithheld, 0};
  return Inner(n);  // sums of 0s and 10+s are never 1..9; kept for safety
}

// JSON value of a cell: a number when exact, else its marker.
ordered_json CellJson(const PublishedCell& c) {
  if (c.kind == PublishedCell::Kind::kExact) return c.value;
  return c.Text();
}

// ASCII lower case (the report's English titles, in a sentence).
std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string HtmlEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

// RFC 4180 quoting; a leading =, +, - or @ is prefixed with ' so a spreadsheet never runs a
// site name as a formula.
std::string CsvField(std::string_view s) {
  std::string v(s);
  if (!v.empty() && (v[0] == '=' || v[0] == '+' || v[0] == '-' || v[0] == '@')) v = "'" + v;
  if (v.find_first_of(",\"\r\n") == std::string::npos) return v;
  std::string out = "\"";
  for (char c : v) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

constexpr const char* kSuppressionRule =
    "Counts from 1 to 9 are shown as <10. A total is published only when every count it adds up "
    "is published exactly; otherwise it is withheld, so no suppressed count can be recovered by "
    "subtraction.";

}  // namespace

std::string PublishedCell::Text() const {
  switch (kind) {
    case Kind::kExact: return std::to_string(value);
    case Kind::kSmall: return "<10";
    case Kind::kWithheld: return "withheld";
  }
  return "withheld";
}

Result<Report> BuildReport(store::Store& store, std::string_view from, std::string_view to) {
  CITYID_ASSIGN_OR_RETURN(Month f, ParseMonth("from", from));
  CITYID_ASSIGN_OR_RETURN(Month t, ParseMonth("to", to));
  if (t.Index() < f.Index()) return Error(ErrorId::kInvalidArgument, "to: before from");
  if (t.Index() - f.Index() + 1 > kMaxMonths) {
    return Error(ErrorId::kInvalidArgument, "period: longer than 120 months");
  }
  std::optional<Report> report;
  CITYID_RETURN_IF_ERROR(store.Read([&](store::Tx& tx) -> Status {
    Builder b(tx, f, t);
    CITYID_RETURN_IF_ERROR(b.Run());
    report = b.Finish(f.ToString(), t.ToString());
    return Status::Ok();
  }));
  return std::move(*report);
}

PublishedTable Publish(const ReportTable& t) {
  PublishedTable p;
  p.id = t.id;
  p.title = t.title;
  p.row_header = t.row_header;
  p.rows = t.rows;
  p.rows.push_back("Total");
  p.columns = t.columns;
  p.columns.push_back("Total");
  const size_t nr = t.rows.size();
  const size_t nc = t.columns.size();
  std::vector<int64_t> col_sum(nc, 0);
  std::vector<bool> col_exact(nc, true);
  int64_t grand = 0;
  bool all_exact = true;
  for (size_t r = 0; r < nr; ++r) {
    std::vector<PublishedCell> row;
    int64_t sum = 0;
    bool exact = true;
    for (size_t c = 0; c < nc; ++c) {
      const int64_t n = t.counts[r][c];
      PublishedCell cell = Inner(n);
      const bool ok = cell.kind == PublishedCell::Kind::kExact;
      exact = exact && ok;
      col_exact[c] = col_exact[c] && ok;
      sum += n;
      col_sum[c] += n;
      row.push_back(cell);
    }
    row.push_back(Total(sum, exact));
    all_exact = all_exact && exact;
    grand += sum;
    p.cells.push_back(std::move(row));
  }
  std::vector<PublishedCell> totals;
  for (size_t c = 0; c < nc; ++c) totals.push_back(Total(col_sum[c], col_exact[c]));
  totals.push_back(Total(grand, all_exact));
  p.cells.push_back(std::move(totals));
  return p;
}

std::string ReportJson(const Report& report) {
  ordered_json j;
  j["format"] = "cityid-transparency-report-v1";
  j["from"] = report.from;
  j["to"] = report.to;
  j["suppression"] = {{"below", kSuppressBelow}, {"small", "<10"}, {"withheld", "withheld"},
                      {"rule", kSuppressionRule}};
  j["tables"] = ordered_json::array();
  for (const auto& raw : report.tables) {
    const PublishedTable t = Publish(raw);
    ordered_json jt{{"id", t.id}, {"title", t.title}, {"row_header", t.row_header},
                    {"columns", t.columns}, {"rows", ordered_json::array()}};
    for (size_t r = 0; r < t.rows.size(); ++r) {
      ordered_json cells = ordered_json::array();
      for (const auto& c : t.cells[r]) cells.push_back(CellJson(c));
      jt["rows"].push_back({{"label", t.rows[r]}, {"cells", cells}});
    }
    j["tables"].push_back(std::move(jt));
  }
  return j.dump(2) + "\n";
}

std::string ReportCsv(const Report& report) {
  std::string out = "table,row,column,value\r\n";
  for (const auto& raw : report.tables) {
    const PublishedTable t = Publish(raw);
    for (size_t r = 0; r < t.rows.size(); ++r) {
      for (size_t c = 0; c < t.columns.size(); ++c) {
        out += CsvField(t.id) + "," + CsvField(t.rows[r]) + "," + CsvField(t.columns[c]) + "," +
               CsvField(t.cells[r][c].Text()) + "\r\n";
      }
    }
  }
  return out;
}

namespace {

// The tables the HTML page opens with, as key figures (their grand totals).
constexpr const char* kKeyFigures[] = {"applications_received", "applications_approved",
                                       "cards_issued", "cards_revoked"};

// What of a published table is worth showing: rows (not "Total") with anything other than an
// exact 0 in a month, and the month columns where any of them has.
struct ShownParts {
  std::vector<size_t> rows;
  std::vector<size_t> months;
};

ShownParts Shown(const PublishedTable& t) {
  ShownParts s;
  const size_t months = t.columns.size() - 1;
  auto nonzero = [](const PublishedCell& c) {
    return c.kind != PublishedCell::Kind::kExact || c.value != 0;
  };
  for (size_t r = 0; r + 1 < t.rows.size(); ++r) {
    for (size_t m = 0; m < months; ++m) {
      if (nonzero(t.cells[r][m])) {
        s.rows.push_back(r);
        break;
      }
    }
  }
  for (size_t m = 0; m < months; ++m) {
    for (size_t r : s.rows) {
      if (nonzero(t.cells[r][m])) {
        s.months.push_back(m);
        break;
      }
    }
  }
  return s;
}

// A horizontal bar chart of one table as inline SVG: for each shown row a group label, then one
// bar per non-zero month, each labelled with its figure. A suppressed count ("<10") is a hatched,
// dashed bar drawn at 10 and labelled "<10", so nothing depends on colour. The SVG carries a
// <title> and <desc> and is named by them (role="img").
std::string ChartSvg(const PublishedTable& t, const ShownParts& shown) {
  struct Bar {
    std::string group;  // a row label, or empty for a bar
    std::string label;  // the month
    const PublishedCell* cell = nullptr;
  };
  std::vector<Bar> bars;
  int64_t max = 10;
  for (size_t r : shown.rows) {
    bars.push_back({t.rows[r], "", nullptr});
    for (size_t m : shown.months) {
      const PublishedCell& c = t.cells[r][m];
      if (c.kind == PublishedCell::Kind::kExact && c.value == 0) continue;
      if (c.kind == PublishedCell::Kind::kExact) max = std::max(max, c.value);
      bars.push_back({"", t.columns[m], &c});
    }
  }
  constexpr int kLabelW = 105, kBarMax = 230, kRowH = 26;
  const int width = kLabelW + kBarMax + 65;
  const int height = static_cast<int>(bars.size()) * kRowH + 8;
  const std::string id = HtmlEscape(t.id);
  std::string h;
  h += "<svg class=\"chart\" role=\"img\" viewBox=\"0 0 " + std::to_string(width) + " " +
       std::to_string(height) + "\" aria-labelledby=\"" + id + "-title " + id + "-desc\">\n";
  h += "<title id=\"" + id + "-title\">" + HtmlEscape(t.title) + "</title>\n";
  h += "<desc id=\"" + id + "-desc\">Bar chart: one bar per month that is not zero, grouped by " +
       HtmlEscape(ToLower(t.row_header)) +
       ", each labelled with its figure. Hatched bars are counts under 10 (shown as &lt;10); "
       "their length is not the real figure. The same figures are in the table.</desc>\n";
  h += "<defs><pattern id=\"" + id +
       "-hatch\" patternUnits=\"userSpaceOnUse\" width=\"6\" height=\"6\" "
       "patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#fff\"/>"
       "<rect width=\"2.5\" height=\"6\" fill=\"#005ea2\"/></pattern></defs>\n";
  for (size_t i = 0; i < bars.size(); ++i) {
    const int y = 4 + static_cast<int>(i) * kRowH;
    const Bar& b = bars[i];
    if (b.cell == nullptr) {
      h += "<text x=\"0\" y=\"" + std::to_string(y + 18) + "\" font-weight=\"bold\">" +
           HtmlEscape(b.group) + "</text>\n";
      continue;
    }
    const bool small = b.cell->kind != PublishedCell::Kind::kExact;
    const int64_t v = small ? 10 : b.cell->value;
    const int w = std::max<int>(2, static_cast<int>(v * kBarMax / max));
    h += "<text x=\"" + std::to_string(kLabelW - 8) + "\" y=\"" + std::to_string(y + 17) +
         "\" text-anchor=\"end\">" + HtmlEscape(b.label) + "</text>";
    h += "<rect x=\"" + std::to_string(kLabelW) + "\" y=\"" + std::to_string(y + 3) +
         "\" width=\"" + std::to_string(w) + "\" height=\"" + std::to_string(kRowH - 8) + "\" " +
         (small ? "class=\"small\" fill=\"url(#" + id + "-hatch)\" stroke=\"#111\" "
                  "stroke-dasharray=\"3 2\""
                : std::string("class=\"exact\" fill=\"#005ea2\"")) +
         "/>";
    h += "<text x=\"" + std::to_string(kLabelW + w + 6) + "\" y=\"" + std::to_string(y + 17) +
         "\">" + HtmlEscape(b.cell->Text()) + "</text>\n";
  }
  h += "</svg>\n";
  return h;
}

// The numbers beside a chart: the shown rows and the totals, in the shown months and the total.
std::string NumbersTable(const PublishedTable& t, const ShownParts& shown) {
  std::vector<size_t> cols = shown.months;
  cols.push_back(t.columns.size() - 1);
  std::string h = "<table id=\"" + HtmlEscape(t.id) + "\">\n<caption>" + HtmlEscape(t.title) +
                  "</caption>\n<thead>\n<tr><th scope=\"col\">" + HtmlEscape(t.row_header) +
                  "</th>";
  for (size_t c : cols) h += "<th scope=\"col\">" + HtmlEscape(t.columns[c]) + "</th>";
  h += "</tr>\n</thead>\n<tbody>\n";
  auto row = [&](size_t r) {
    std::string out = "<tr><th scope=\"row\">" + HtmlEscape(t.rows[r]) + "</th>";
    for (size_t c : cols) out += "<td>" + HtmlEscape(t.cells[r][c].Text()) + "</td>";
    return out + "</tr>\n";
  };
  for (size_t r : shown.rows) h += row(r);
  h += "</tbody>\n<tfoot>\n" + row(t.rows.size() - 1) + "</tfoot>\n</table>\n";
  return h;
}

}  // namespace

std::string ReportHtml(const Report& report) {
  const std::string period = report.from == report.to ? report.from : report.from + " to " + report.to;
  std::vector<PublishedTable> tables;
  for (const auto& raw : report.tables) tables.push_back(Publish(raw));
  std::string h;
  h += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  h += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  h += "<title>Transparency report, " + HtmlEscape(period) + "</title>\n";
  h += "<style>\nbody{font-family:system-ui,sans-serif;max-width:72rem;margin:1rem auto;"
       "padding:0 1rem;color:#111;background:#fff;line-height:1.4}\n"
       "section{border-top:1px solid #888;margin-top:1.5rem}\n"
       ".figures{display:grid;gap:.75rem;grid-template-columns:repeat(auto-fit,minmax(10rem,1fr));"
       "margin:0 0 1rem}\n"
       ".figures div{border:1px solid #888;padding:.5rem .75rem}\n"
       ".figures dd{margin:0;font-size:1.6rem;font-weight:bold}\n"
       ".pair{display:grid;gap:1rem;align-items:start}\n"
       "@media (min-width:60em){.pair{grid-template-columns:1fr 1fr}}\n"
       "figure{margin:0}\n svg.chart{display:block;width:100%;max-width:30rem;font-size:15px}\n"
       ".scroll{overflow-x:auto}\n"
       "table{border-collapse:collapse;margin:0 0 1rem}\n"
       "caption{text-align:left;font-weight:bold;padding:.5rem 0}\n"
       "th,td{border:1px solid #555;padding:.25rem .5rem}\n"
       "td{text-align:right;font-variant-numeric:tabular-nums}\n"
       "th[scope=row]{text-align:left}\n"
       "tfoot th,tfoot td{font-weight:bold}\n</style>\n";
  h += "</head>\n<body>\n<main>\n";
  h += "<h1>Transparency report, " + HtmlEscape(period) + "</h1>\n";
  h += "<p>" + HtmlEscape(kSuppressionRule) +
       " Months are calendar months in UTC. No table breaks counts down by any personal "
       "characteristic. Rows and months with nothing to count are left out of the charts and "
       "tables.</p>\n";
  h += "<h2>Key figures</h2>\n<dl class=\"figures\">\n";
  for (const char* id : kKeyFigures) {
    for (const auto& t : tables) {
      if (t.id != id) continue;
      h += "<div><dt>" + HtmlEscape(t.title) + "</dt><dd>" +
           HtmlEscape(t.cells.back().back().Text()) + "</dd></div>\n";
    }
  }
  h += "</dl>\n";
  std::vector<std::string> quiet;
  for (const auto& t : tables) {
    const ShownParts shown = Shown(t);
    if (shown.rows.empty()) {
      quiet.push_back(t.title);
      continue;
    }
    h += "<section aria-labelledby=\"" + HtmlEscape(t.id) + "-h\">\n<h2 id=\"" +
         HtmlEscape(t.id) + "-h\">" + HtmlEscape(t.title) + "</h2>\n<div class=\"pair\">\n";
    h += "<figure>\n" + ChartSvg(t, shown) +
         "<figcaption>Each bar is labelled with its figure; hatched bars are counts under "
         "10.</figcaption>\n</figure>\n";
    h += "<div class=\"scroll\">\n" + NumbersTable(t, shown) + "</div>\n</div>\n</section>\n";
  }
  if (!quiet.empty()) {
    h += "<section aria-labelledby=\"none-h\">\n<h2 id=\"none-h\">Nothing to report</h2>\n";
    std::string list;
    for (size_t i = 0; i < quiet.size(); ++i) {
      if (i > 0) list += i + 1 == quiet.size() ? "; and " : "; ";
      list += ToLower(quiet[i]);
    }
    h += "<p id=\"none\">None in this period: " + HtmlEscape(list) + ".</p>\n</section>\n";
  }
  h += "</main>\n</body>\n</html>\n";
  return h;
}

}  // namespace cityid::core
