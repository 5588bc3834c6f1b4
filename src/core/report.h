#pragma once
// The transparency report (DESIGN §8, issue 6, docs/transparency.md): what the program did, per
// site and per month, with small counts suppressed so no one can be singled out.
//
// Counts are derived from the audit log (each workflow action is logged once, with its time)
// joined to the pseudonymous rows for the site (an application's site; a card's application's
// site; a purged person's application's site), and from the data-request register. No
// demographic breakdown exists: the rows hold no such data.
//
// Suppression (Publish): an inner count of 1..9 is shown as "<10" (0 stays 0). A row or column
// total is published only when every count it adds up is published exactly, and the grand total
// only when every inner count is; otherwise the total is "withheld". So each suppressed count
// sits in a row, a column and a grand total that are all withheld, and adding any amount to it
// and to those three totals leaves every published figure true: no subtraction recovers it.
// Tables never share a published total (rejections are reported per category only, data
// requests per response only), so no sum across tables recovers one either.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "store/store.h"

namespace cityid::core {

inline constexpr int64_t kSuppressBelow = 10;

// Raw counts of one table: rows (sites or categories) by months. Internal: never print raw
// counts; Publish() them.
struct ReportTable {
  std::string id;          // stable, e.g. "applications_received"
  std::string title;       // e.g. "Applications received"
  std::string row_header;  // "Site", "Hold category", "Request kind"
  std::vector<std::string> rows;
  std::vector<std::string> columns;           // months, "YYYY-MM"
  std::vector<std::vector<int64_t>> counts;   // [row][column]
};

struct Report {
  std::string from;                 // "YYYY-MM"
  std::string to;                   // "YYYY-MM", inclusive
  std::vector<std::string> months;  // from..to
  std::vector<ReportTable> tables;
};

// Counts everything that happened from the first day of `from` to the last day of `to` (UTC).
// Fails with kInvalidArgument when a month is not "YYYY-MM", `to` is before `from`, or the span
// exceeds 120 months; store errors otherwise. Reads in one read transaction; writes nothing.
Result<Report> BuildReport(store::Store& store, std::string_view from, std::string_view to);

struct PublishedCell {
  enum class Kind { kExact, kSmall, kWithheld };
  Kind kind = Kind::kExact;
  int64_t value = 0;  // meaningful only for kExact
  std::string Text() const;  // "12", "0", "<10" or "withheld"
};

// A table after suppression: cells[r][c] for r < rows, c < columns; the last column of each row
// is the row total; the last row ("Total") holds the column totals and the grand total.
struct PublishedTable {
  std::string id;
  std::string title;
  std::string row_header;
  std::vector<std::string> rows;     // with "Total" appended
  std::vector<std::string> columns;  // with "Total" appended
  std::vector<std::vector<PublishedCell>> cells;
};

PublishedTable Publish(const ReportTable& table);

// Renderings of the published report (never of raw counts).
// JSON: {"format": "cityid-transparency-report-v1", "from", "to", "suppression": {...},
//        "tables": [{"id", "title", "row_header", "columns", "rows": [{"label", "cells"}]}]};
// a cell is a number or the string "<10" / "withheld".
std::string ReportJson(const Report& report);
// CSV (RFC 4180): header `table,row,column,value`, one line per cell.
std::string ReportCsv(const Report& report);
// A self-contained HTML page: one <table> per table, each with a <caption>, <th scope>, no
// scripts, no external resources.
std::string ReportHtml(const Report& report);

}  // namespace cityid::core
