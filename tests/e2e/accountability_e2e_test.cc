// End-to-end: legal holds, the data-request register and the transparency report, driving the
// real `cityid` binary (docs/transparency.md).
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "e2e_util.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

using namespace cityid::e2e;  // NOLINT: test file

// kNow + 400 days: past the abandoned (30 d) and rejected (90 d) retention periods, well before
// any card issued at kNow expires.
const std::string kLater = std::to_string(std::stoll(kNow) + 400 * 86400);

int64_t Scalar(const fs::path& db, const std::string& sql) {
  sqlite3* h = nullptr;
  sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* s = nullptr;
  int64_t n = -1;
  if (sqlite3_prepare_v2(h, sql.c_str(), -1, &s, nullptr) == SQLITE_OK &&
      sqlite3_step(s) == SQLITE_ROW) {
    n = sqlite3_column_int64(s, 0);
  }
  sqlite3_finalize(s);
  sqlite3_close(h);
  return n;
}

// The published row `label` of table `id` in a JSON report.
json Row(const json& report, const std::string& id, const std::string& label) {
  for (const auto& t : report["tables"]) {
    if (t["id"] != id) continue;
    for (const auto& r : t["rows"]) {
      if (r["label"] == label) return r["cells"];
    }
  }
  return json();
}

class AccountabilityE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv("CITYID_ALLOW_CLOCK_OVERRIDE", "1", 1);
    tmp_ = fs::temp_directory_path() /
           ("cityid-acct-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(tmp_);
    fs::create_directories(tmp_);
    fs::copy_file(Source() + "/examples/portrait.png", tmp_ / "portrait.png");
    data_ = (tmp_ / "data").string();
    auto r = Cityid({"init", "--data", data_, "--policy",
                     Source() + "/policies/new-york-points.toml"}, tmp_);
    ASSERT_EQ(r.code, 0) << r.err;
  }
  void TearDown() override {
    if (!HasFailure()) fs::remove_all(tmp_);
  }

  struct Enrolled {
    std::string given, application, person;
  };
  // Enrolls a distinct applicant (own name, date of birth and passport) at `site`.
  Enrolled Enroll(int n, const std::string& site) {
    static const char* kGiven[] = {"Amaru", "Belen", "Citlali", "Dalia", "Elena", "Fiorela",
                                   "Gisela", "Hortensia", "Ixchel", "Jacinta", "Killa",
                                   "Luzmila", "Milagros", "Nayeli"};
    Enrolled e;
    e.given = kGiven[n];
    json a = {{"legal_name", {{"given", e.given}, {"family", "Mamani"}}},
              {"date_of_birth", std::to_string(1970 + n) + "-03-0" + std::to_string(1 + n % 9)},
              {"address", {{"line1", "350 Grand Ave"}, {"city", "New York"}, {"state", "NY"},
                           {"postal_code", "10002"}}},
              {"gender", "X"},
              {"language", "es"},
              {"photo", "portrait.png"},
              {"documents", json::array({{{"type", "foreign_passport"},
                                          {"number", "K" + std::to_string(40000000 + n * 7919)},
                                          {"expires", "2031-03-01"}},
                                         {{"type", "utility_bill"}, {"issued", "2026-11-02"}}})}};
    const fs::path file = tmp_ / ("applicant-" + std::to_string(n) + ".json");
    std::ofstream(file) << a.dump();
    auto r = Cityid({"--json", "enroll", "--data", data_, "--applicant", file.string(), "--site", site},
                    tmp_);
    EXPECT_EQ(r.code, 0) << r.err;
    e.application = r.Json().value("application_id", "");
    e.person = r.Json().value("person_id", "");
    EXPECT_FALSE(r.Json().contains("duplicates") && !r.Json()["duplicates"].empty()) << r.out;
    return e;
  }

  fs::path tmp_;
  std::string data_;
};

TEST_F(AccountabilityE2eTest, HoldsRegisterRetentionAndSuppressedReport) {
  // 11 applicants at city hall, 2 at a library.
  std::vector<Enrolled> hall;
  for (int i = 0; i < 11; ++i) hall.push_back(Enroll(i, "city-hall"));
  const Enrolled lib_held = Enroll(11, "library-east");
  const Enrolled lib_abandoned = Enroll(12, "library-east");

  std::vector<std::string> cards;
  for (int i = 0; i < 10; ++i) {
    ASSERT_EQ(Cityid({"approve", "--data", data_, "--application", hall[i].application}, tmp_).code, 0);
    auto r = Cityid({"--json", "issue", "--data", data_, "--application", hall[i].application}, tmp_);
    ASSERT_EQ(r.code, 0) << r.err;
    cards.push_back(r.Json().value("card_number", ""));
  }
  // Reject with a category; an unknown category is a usage error.
  EXPECT_EQ(Cityid({"reject", "--data", data_, "--application", hall[10].application, "--reason",
                    "bill older than 60 days", "--reason-category", "nationality"}, tmp_).code, 2);
  ASSERT_EQ(Cityid({"reject", "--data", data_, "--application", hall[10].application, "--reason",
                    "bill older than 60 days", "--reason-category", "documents"}, tmp_).code, 0);
  ASSERT_EQ(Cityid({"revoke", "--data", data_, "--card", cards[0], "--reason", "reported stolen"},
                   tmp_).code, 0);

  // The register: a refused subpoena and a narrowed records request.
  auto add = Cityid({"--json", "requests", "add", "--data", data_, "--kind", "subpoena",
                     "--received", "2026-11-20", "--body", "Federal agency", "--legal-basis",
                     "administrative subpoena", "--scope", "all applicant records 2023-2025"}, tmp_);
  ASSERT_EQ(add.code, 0) << add.err;
  const std::string subpoena = add.Json().value("id", "");
  ASSERT_EQ(Cityid({"requests", "answer", "--data", data_, "--id", subpoena, "--response",
                    "refused", "--responded", "2026-11-24"}, tmp_).code, 0);
  add = Cityid({"--json", "requests", "add", "--data", data_, "--kind", "records_request",
                "--received", "2026-11-21", "--body", "Local newspaper", "--legal-basis",
                "state public records act", "--scope", "number of cards issued per site"}, tmp_);
  ASSERT_EQ(add.code, 0) << add.err;
  const std::string records = add.Json().value("id", "");
  ASSERT_EQ(Cityid({"requests", "answer", "--data", data_, "--id", records, "--response",
                    "narrowed", "--responded", "2026-11-25", "--disclosed", "aggregate_counts"},
                   tmp_).code, 0);
  // A scope naming a card number is refused, and nothing is recorded.
  auto bad = Cityid({"requests", "add", "--data", data_, "--kind", "warrant", "--received",
                     "2026-11-22", "--body", "Police", "--legal-basis", "warrant", "--scope",
                     "holder of card " + cards[1]}, tmp_);
  EXPECT_EQ(bad.code, 3) << bad.err;
  EXPECT_EQ(bad.err.find(cards[1]), std::string::npos);  // the error never echoes the value
  EXPECT_EQ(Cityid({"requests", "answer", "--data", data_, "--id", "req_nosuchentry00000",
                    "--response", "refused", "--responded", "2026-11-24"}, tmp_).code, 5);
  auto list = Cityid({"--json", "requests", "list", "--data", data_}, tmp_);
  ASSERT_EQ(list.code, 0) << list.err;
  ASSERT_EQ(list.Json()["data_requests"].size(), 2u);
  EXPECT_EQ(list.Json()["data_requests"][0]["id"], subpoena);
  EXPECT_EQ(list.Json()["data_requests"][0]["response"], "refused");
  auto show = Cityid({"--json", "requests", "show", "--data", data_, "--id", records}, tmp_);
  ASSERT_EQ(show.code, 0) << show.err;
  EXPECT_EQ(show.Json()["disclosed"], json::array({"aggregate_counts"}));

  // Legal hold on the first library applicant; a purge request is refused.
  ASSERT_EQ(Cityid({"hold", "place", "--data", data_, "--person", lib_held.person,
                    "--reason-category", "litigation", "--note", "Mamani v. City"}, tmp_).code, 0);
  EXPECT_EQ(Cityid({"hold", "place", "--data", data_, "--person", lib_held.person,
                    "--reason-category", "other"}, tmp_).code, 9);
  EXPECT_EQ(Cityid({"hold", "place", "--data", data_, "--person", lib_abandoned.person,
                    "--reason-category", "because"}, tmp_).code, 3);
  EXPECT_EQ(Cityid({"purge", "--data", data_, "--person", lib_held.person}, tmp_).code, 4);
  auto holds = Cityid({"--json", "hold", "list", "--data", data_}, tmp_);
  ASSERT_EQ(holds.code, 0) << holds.err;
  ASSERT_EQ(holds.Json()["holds"].size(), 1u);
  EXPECT_EQ(holds.Json()["holds"][0]["reason_category"], "litigation");
  EXPECT_EQ(holds.Json()["holds"][0]["has_note"], true);
  EXPECT_FALSE(holds.Json()["holds"][0].contains("note"));
  // The note is in no file of the data folder in clear (it is sealed), nor in the log.
  const fs::path db = fs::path(data_) / "cityid.db";
  EXPECT_EQ(Scalar(db, "SELECT count(*) FROM audit_log WHERE reason LIKE '%Mamani%'"), 0);
  EXPECT_EQ(Scalar(db, "SELECT count(*) FROM applications WHERE hold_reason LIKE '%Mamani%'"), 0);
  auto notes = Cityid({"--json", "hold", "list", "--data", data_, "--show-notes", "annual review"},
                      tmp_);
  ASSERT_EQ(notes.code, 0) << notes.err;
  EXPECT_EQ(notes.Json()["holds"][0]["note"], "Mamani v. City");

  // Retention far ahead: the abandoned library application and the rejected one go; the held
  // record and the cardholders stay.
  auto purge = Cityid({"--json", "--now", kLater, "purge", "--data", data_, "--expired"}, tmp_);
  ASSERT_EQ(purge.code, 0) << purge.err;
  EXPECT_EQ(purge.Json()["persons_purged"], 2);
  EXPECT_EQ(purge.Json()["held"], 1);
  EXPECT_EQ(Scalar(db, "SELECT count(*) FROM persons WHERE id = '" + lib_held.person + "'"), 1);
  EXPECT_EQ(Scalar(db, "SELECT count(*) FROM persons WHERE id = '" + lib_abandoned.person + "'"), 0);
  EXPECT_EQ(Scalar(db, "SELECT count(*) FROM persons WHERE id = '" + hall[10].person + "'"), 0);
  EXPECT_EQ(Scalar(db, "SELECT count(*) FROM persons"), 11);

  // The report, in all three formats.
  auto rj = Cityid({"report", "--data", data_, "--from", "2026-11", "--to", "2027-12",
                    "--format", "json"}, tmp_);
  ASSERT_EQ(rj.code, 0) << rj.err;
  const json report = rj.Json();
  EXPECT_EQ(report["format"], "cityid-transparency-report-v1");
  // Columns: 14 months, then the total.
  const json received = Row(report, "applications_received", "city-hall");
  ASSERT_EQ(received.size(), 15u) << rj.out;
  EXPECT_EQ(received[0], 11);
  EXPECT_EQ(received[1], 0);
  EXPECT_EQ(received[14], 11);
  EXPECT_EQ(Row(report, "applications_received", "library-east")[0], "<10");
  // The November total (city hall + library) and the grand total would give the library's
  // count back: withheld.
  EXPECT_EQ(Row(report, "applications_received", "Total")[0], "withheld");
  EXPECT_EQ(Row(report, "applications_received", "Total")[14], "withheld");
  EXPECT_EQ(Row(report, "applications_received", "Total")[1], 0);
  EXPECT_EQ(Row(report, "applications_approved", "city-hall")[0], 10);
  EXPECT_EQ(Row(report, "applications_approved", "Total")[14], 10);
  EXPECT_EQ(Row(report, "cards_issued", "city-hall")[0], 10);
  EXPECT_EQ(Row(report, "applications_rejected_documents", "city-hall")[0], "<10");
  EXPECT_EQ(Row(report, "cards_revoked", "city-hall")[0], "<10");
  EXPECT_EQ(Row(report, "purges_retention", "city-hall")[13], "<10");     // 2027-12
  EXPECT_EQ(Row(report, "purges_retention", "library-east")[13], "<10");
  EXPECT_EQ(Row(report, "purges_on_request", "Total")[14], 0);
  EXPECT_EQ(Row(report, "holds_placed", "litigation")[0], "<10");
  EXPECT_EQ(Row(report, "data_requests_refused", "subpoena")[0], "<10");
  EXPECT_EQ(Row(report, "data_requests_narrowed", "records_request")[0], "<10");
  EXPECT_EQ(Row(report, "data_requests_complied", "Total")[14], 0);

  const fs::path csv = tmp_ / "report.csv";
  const fs::path html = tmp_ / "report.html";
  ASSERT_EQ(Cityid({"report", "--data", data_, "--from", "2026-11", "--to", "2027-12", "--format",
                    "csv", "--out", csv.string()}, tmp_).code, 0);
  ASSERT_EQ(Cityid({"report", "--data", data_, "--from", "2026-11", "--to", "2027-12", "--format",
                    "html", "--out", html.string()}, tmp_).code, 0);
  const std::string csv_text = Slurp(csv);
  const std::string html_text = Slurp(html);
  EXPECT_NE(csv_text.find("applications_received,city-hall,2026-11,11\r\n"), std::string::npos);
  EXPECT_NE(csv_text.find("applications_received,library-east,2026-11,<10\r\n"), std::string::npos);
  EXPECT_NE(csv_text.find("applications_received,Total,Total,withheld\r\n"), std::string::npos);
  EXPECT_NE(html_text.find("<caption>Applications received</caption>"), std::string::npos);
  EXPECT_NE(html_text.find("<th scope=\"row\">library-east</th>"), std::string::npos);
  EXPECT_NE(html_text.find("&lt;10"), std::string::npos);
  EXPECT_EQ(html_text.find("<script"), std::string::npos);

  // No report holds a person id, application id, card number or name.
  std::vector<Enrolled> everyone = hall;
  everyone.push_back(lib_held);
  everyone.push_back(lib_abandoned);
  const std::string& json_text = rj.out;
  for (const std::string* text : {&json_text, &csv_text, &html_text}) {
    for (const auto& e : everyone) {
      EXPECT_EQ(text->find(e.person), std::string::npos);
      EXPECT_EQ(text->find(e.application), std::string::npos);
      EXPECT_EQ(text->find(e.given), std::string::npos) << e.given;
    }
    for (const auto& c : cards) EXPECT_EQ(text->find(c), std::string::npos);
    EXPECT_EQ(text->find("Mamani"), std::string::npos);
  }

  // Bad periods are input errors.
  EXPECT_EQ(Cityid({"report", "--data", data_, "--from", "2026-13", "--to", "2027-01"}, tmp_).code, 3);
  EXPECT_EQ(Cityid({"report", "--data", data_, "--from", "2027-01", "--to", "2026-01"}, tmp_).code, 3);
  EXPECT_EQ(Cityid({"report", "--data", data_, "--from", "2026-11", "--to", "2026-12", "--format",
                    "pdf"}, tmp_).code, 2);

  // Released, the held record follows retention again; the log verifies throughout.
  ASSERT_EQ(Cityid({"hold", "release", "--data", data_, "--person", lib_held.person}, tmp_).code, 0);
  EXPECT_EQ(Cityid({"hold", "release", "--data", data_, "--person", lib_held.person}, tmp_).code, 5);
  purge = Cityid({"--json", "--now", kLater, "purge", "--data", data_, "--expired"}, tmp_);
  ASSERT_EQ(purge.code, 0) << purge.err;
  EXPECT_EQ(purge.Json()["persons_purged"], 1);
  EXPECT_EQ(Scalar(db, "SELECT count(*) FROM persons WHERE id = '" + lib_held.person + "'"), 0);
  EXPECT_EQ(Scalar(db, "SELECT count(*) FROM audit_log WHERE action = 'hold.release'"), 1);
  EXPECT_EQ(Scalar(db, "SELECT count(*) FROM audit_log WHERE action LIKE 'data_request.%'"), 4);
  EXPECT_EQ(Cityid({"audit", "verify", "--data", data_}, tmp_).code, 0);
}

}  // namespace
