#include "core/report.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/register.h"
#include "core/workflow.h"
#include "store/sqlite/sqlite_store.h"

namespace cityid::core {
namespace {

std::string SourceDir() {
  const char* s = std::getenv("CITYID_SOURCE_DIR");
  return s ? s : CITYID_TEST_SOURCE_DIR;
}

// 2026-11-25 12:00 UTC
constexpr UnixSeconds kNow = 1795608000;
constexpr int64_t kDay = 86400;

using Kind = PublishedCell::Kind;

const ReportTable* Find(const Report& r, const std::string& id) {
  for (const auto& t : r.tables) {
    if (t.id == id) return &t;
  }
  return nullptr;
}

// Raw count of `row` in `month` of table `id` (-1 when the row or month is absent).
int64_t Count(const Report& r, const std::string& id, const std::string& row,
              const std::string& month) {
  const ReportTable* t = Find(r, id);
  if (!t) return -1;
  for (size_t i = 0; i < t->rows.size(); ++i) {
    for (size_t c = 0; c < t->columns.size(); ++c) {
      if (t->rows[i] == row && t->columns[c] == month) return t->counts[i][c];
    }
  }
  return -1;
}

TEST(PublishTest, SmallCountsAreSuppressedAndZeroStays) {
  ReportTable t{"x", "X", "Site", {"a", "b"}, {"2026-11", "2026-12"}, {{0, 12}, {10, 20}}};
  PublishedTable p = Publish(t);
  ASSERT_EQ(p.rows.size(), 3u);
  ASSERT_EQ(p.columns.size(), 3u);
  EXPECT_EQ(p.cells[0][0].Text(), "0");
  EXPECT_EQ(p.cells[0][1].Text(), "12");
  EXPECT_EQ(p.cells[0][2].Text(), "12");
  EXPECT_EQ(p.cells[1][2].Text(), "30");
  EXPECT_EQ(p.cells[2][0].Text(), "10");
  EXPECT_EQ(p.cells[2][1].Text(), "32");
  EXPECT_EQ(p.cells[2][2].Text(), "42");
  EXPECT_EQ(p.rows.back(), "Total");
  EXPECT_EQ(p.columns.back(), "Total");
}

TEST(PublishTest, TotalsOverASuppressedCountAreWithheld) {
  // b/2026-11 = 3 is suppressed: its row total (3 + 20), its column total (0 + 3) and the
  // grand total would each give it back by subtraction.
  ReportTable t{"x", "X", "Site", {"a", "b"}, {"2026-11", "2026-12"}, {{0, 12}, {3, 20}}};
  PublishedTable p = Publish(t);
  EXPECT_EQ(p.cells[1][0].kind, Kind::kSmall);
  EXPECT_EQ(p.cells[1][0].Text(), "<10");
  EXPECT_EQ(p.cells[1][2].kind, Kind::kWithheld);  // row total
  EXPECT_EQ(p.cells[2][0].kind, Kind::kWithheld);  // column total
  EXPECT_EQ(p.cells[2][2].kind, Kind::kWithheld);  // grand total
  // Lines without a suppressed count keep exact totals.
  EXPECT_EQ(p.cells[0][2].Text(), "12");
  EXPECT_EQ(p.cells[2][1].Text(), "32");
  EXPECT_EQ(p.cells[2][2].Text(), "withheld");
}

TEST(PublishTest, NoPublishedFigurePinsASuppressedCount) {
  // Every suppressed inner count must sit in a withheld row total, a withheld column total and
  // a withheld grand total.
  ReportTable t{"x", "X", "Site", {"a", "b", "c"}, {"m1", "m2", "m3"},
                {{1, 0, 50}, {9, 10, 0}, {0, 0, 0}}};
  PublishedTable p = Publish(t);
  for (size_t r = 0; r < 3; ++r) {
    for (size_t c = 0; c < 3; ++c) {
      if (p.cells[r][c].kind != Kind::kSmall) continue;
      EXPECT_EQ(p.cells[r][3].kind, Kind::kWithheld) << r << "," << c;
      EXPECT_EQ(p.cells[3][c].kind, Kind::kWithheld) << r << "," << c;
    }
  }
  EXPECT_EQ(p.cells[3][3].kind, Kind::kWithheld);
  EXPECT_EQ(p.cells[2][3].Text(), "0");  // an all-zero row is exact
  EXPECT_EQ(p.cells[3][2].Text(), "50");
}

class ReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(crypto::InitCrypto().ok());
    dir_ = std::filesystem::temp_directory_path() /
           ("cityid-report-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    auto keys = crypto::Keyring::Create((dir_ / "keys").string(), rng_);
    ASSERT_TRUE(keys.ok()) << keys.status().ToString();
    keys_ = std::move(keys).value();
    auto store = store::OpenSqliteStore(":memory:");
    ASSERT_TRUE(store.ok());
    store_ = std::move(store).value();
    auto policy = policy::Policy::Load(SourceDir() + "/policies/new-york-points.toml");
    ASSERT_TRUE(policy.ok()) << policy.status().ToString();
    policy_ = std::make_unique<policy::Policy>(std::move(policy).value());
    names_ = std::move(dedup::NameNormalizer::Create()).value();
    ctx_ = std::make_unique<Context>(Context{*store_, *keys_, *policy_, *names_, clock_, rng_});
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  EnrollResult EnrollAt(const std::string& site, int n) {
    ApplicantInput in;
    static const char* kGiven[] = {"Ana", "Bea", "Carla", "Dora", "Eva", "Fela", "Gina",
                                   "Hilda", "Ines", "Juana", "Karla", "Lena", "Mara", "Nora"};
    in.legal_name = {kGiven[n % 14], "Quispe"};
    in.date_of_birth = {1980 + n, 4, 12};
    in.address = Address{"1 Main St", "", "New York", "NY", "10001"};
    in.language = "es";
    in.site = site;
    in.documents.push_back({"foreign_passport", "P" + std::to_string(7000000 + n + 100 * site.size()),
                            std::nullopt, Date{2030, 1, 1}});
    in.documents.push_back({"utility_bill", "", Date{2026, 11, 1}, std::nullopt});
    auto e = Enroll(*ctx_, in, clerk_);
    EXPECT_TRUE(e.ok()) << e.status().ToString();
    return *e;
  }

  std::filesystem::path dir_;
  SeededRng rng_{11};
  FixedClock clock_{kNow};
  std::unique_ptr<crypto::Keyring> keys_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<policy::Policy> policy_;
  std::unique_ptr<dedup::NameNormalizer> names_;
  std::unique_ptr<Context> ctx_;
  Actor clerk_{"clerk-1", Role::kClerk, "city-hall"};
  Actor supervisor_{"sup-1", Role::kSupervisor, "city-hall"};
  Actor admin_{"admin-1", Role::kAdmin, ""};
  Actor system_{"system:retention", Role::kSystem, ""};
};

TEST_F(ReportTest, CountsWorkflowEventsPerSiteAndMonth) {
  // November: 12 at city hall (10 approved and issued, 2 rejected), 2 at a library.
  std::vector<EnrollResult> hall;
  for (int i = 0; i < 12; ++i) hall.push_back(EnrollAt("city-hall", i));
  auto lib1 = EnrollAt("library-east", 12);
  auto lib2 = EnrollAt("library-east", 13);
  std::vector<std::string> cards;
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(Approve(*ctx_, hall[i].application_id, supervisor_, "").ok());
    auto c = Issue(*ctx_, hall[i].application_id, clerk_);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    cards.push_back(c->card_number);
  }
  ASSERT_TRUE(Reject(*ctx_, hall[10].application_id, supervisor_, "bill too old", "documents").ok());
  ASSERT_TRUE(Reject(*ctx_, hall[11].application_id, supervisor_, "not a resident").ok());
  ASSERT_TRUE(Reject(*ctx_, lib1.application_id, supervisor_, "age", "eligibility").ok());
  ASSERT_TRUE(Revoke(*ctx_, cards[0], supervisor_, "fraud").ok());
  ASSERT_TRUE(Renew(*ctx_, cards[1], clerk_).ok());
  ASSERT_TRUE(Replace(*ctx_, cards[2], clerk_, "lost").ok());
  ASSERT_TRUE(PlaceHold(*ctx_, hall[3].person_id, "litigation", "", admin_).ok());
  ASSERT_TRUE(PurgePerson(*ctx_, hall[4].person_id, admin_, "applicant request").ok());
  auto req = RecordDataRequest(*ctx_, {"subpoena", "2026-11-20", "Agency", "subpoena",
                                       "all records"}, admin_);
  ASSERT_TRUE(req.ok());
  ASSERT_TRUE(AnswerDataRequest(*ctx_, *req, {"refused", "2026-11-24", {}, 0}, admin_).ok());

  // December: the library's open application is abandoned and purged by retention.
  clock_.Advance(31 * kDay);
  auto sum = PurgeExpired(*ctx_, system_);
  ASSERT_TRUE(sum.ok()) << sum.status().ToString();
  ASSERT_EQ(sum->persons_purged, 1);

  auto r = BuildReport(*store_, "2026-11", "2026-12");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->months, (std::vector<std::string>{"2026-11", "2026-12"}));
  EXPECT_EQ(Count(*r, "applications_received", "city-hall", "2026-11"), 12);
  EXPECT_EQ(Count(*r, "applications_received", "library-east", "2026-11"), 2);
  EXPECT_EQ(Count(*r, "applications_approved", "city-hall", "2026-11"), 10);
  EXPECT_EQ(Count(*r, "cards_issued", "city-hall", "2026-11"), 10);  // renew/replace not counted
  EXPECT_EQ(Count(*r, "applications_rejected_documents", "city-hall", "2026-11"), 1);
  EXPECT_EQ(Count(*r, "applications_rejected_other", "city-hall", "2026-11"), 1);
  EXPECT_EQ(Count(*r, "applications_rejected_eligibility", "library-east", "2026-11"), 1);
  EXPECT_EQ(Count(*r, "cards_renewed", "city-hall", "2026-11"), 1);
  EXPECT_EQ(Count(*r, "cards_replaced", "city-hall", "2026-11"), 1);
  // Revoked: one by a supervisor, one because its holder was purged.
  EXPECT_EQ(Count(*r, "cards_revoked", "city-hall", "2026-11"), 2);
  EXPECT_EQ(Count(*r, "purges_on_request", "city-hall", "2026-11"), 1);
  EXPECT_EQ(Count(*r, "purges_retention", "library-east", "2026-12"), 1);
  EXPECT_EQ(Count(*r, "applications_withdrawn", "library-east", "2026-12"), 1);
  EXPECT_EQ(Count(*r, "holds_placed", "litigation", "2026-11"), 1);
  EXPECT_EQ(Count(*r, "holds_released", "litigation", "2026-11"), 0);
  EXPECT_EQ(Count(*r, "data_requests_refused", "subpoena", "2026-11"), 1);
  EXPECT_EQ(Count(*r, "data_requests_pending", "subpoena", "2026-11"), 0);

  // A later report does not see November.
  auto jan = BuildReport(*store_, "2027-01", "2027-01");
  ASSERT_TRUE(jan.ok());
  EXPECT_EQ(Count(*jan, "applications_received", "city-hall", "2027-01"), -1);  // no site rows
}

TEST_F(ReportTest, DuplicatesFlaggedAndResolvedAreCounted) {
  auto first = EnrollAt("city-hall", 1);
  auto again = EnrollAt("city-hall", 1);  // same name, date of birth and passport
  ASSERT_EQ(again.state, ApplicationState::kFlagged);
  ASSERT_TRUE(Reject(*ctx_, again.application_id, supervisor_, "same person", "duplicate").ok());
  auto r = BuildReport(*store_, "2026-11", "2026-11");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Count(*r, "duplicates_flagged", "city-hall", "2026-11"), 1);
  EXPECT_EQ(Count(*r, "duplicates_resolved", "city-hall", "2026-11"), 1);
  EXPECT_EQ(Count(*r, "applications_rejected_duplicate", "city-hall", "2026-11"), 1);
}

TEST_F(ReportTest, RejectRefusesAnUnknownCategory) {
  auto e = EnrollAt("city-hall", 1);
  EXPECT_EQ(Reject(*ctx_, e.application_id, supervisor_, "x", "nationality").code(),
            StatusCode::kInvalidArgument);
}

TEST_F(ReportTest, RefusesBadPeriods) {
  EXPECT_EQ(BuildReport(*store_, "2026-13", "2026-12").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(BuildReport(*store_, "2026-1", "2026-12").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(BuildReport(*store_, "2026-12", "2026-11").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(BuildReport(*store_, "2000-01", "2012-01").status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(BuildReport(*store_, "2026-01", "2026-12").ok());
}

TEST_F(ReportTest, RenderingsHoldNoIdsAndSuppressSmallCounts) {
  std::vector<EnrollResult> all;
  for (int i = 0; i < 11; ++i) all.push_back(EnrollAt("city-hall", i));
  ASSERT_TRUE(Approve(*ctx_, all[0].application_id, supervisor_, "").ok());
  auto card = Issue(*ctx_, all[0].application_id, clerk_);
  ASSERT_TRUE(card.ok());
  auto r = BuildReport(*store_, "2026-11", "2026-11");
  ASSERT_TRUE(r.ok());
  const std::string json_text = ReportJson(*r);
  const std::string csv = ReportCsv(*r);
  const std::string html = ReportHtml(*r);
  for (const std::string* out : {&json_text, &csv, &html}) {
    for (const auto& e : all) {
      EXPECT_EQ(out->find(e.person_id), std::string::npos);
      EXPECT_EQ(out->find(e.application_id), std::string::npos);
    }
    EXPECT_EQ(out->find(card->card_number), std::string::npos);
    EXPECT_EQ(out->find("Quispe"), std::string::npos);
  }
  auto j = nlohmann::json::parse(json_text);
  EXPECT_EQ(j["format"], "cityid-transparency-report-v1");
  bool saw_received = false;
  for (const auto& t : j["tables"]) {
    if (t["id"] == "applications_received") {
      saw_received = true;
      EXPECT_EQ(t["rows"][0]["label"], "city-hall");
      EXPECT_EQ(t["rows"][0]["cells"][0], 11);
      EXPECT_EQ(t["rows"][0]["cells"][1], 11);
    }
    if (t["id"] == "applications_approved") {
      EXPECT_EQ(t["rows"][0]["cells"][0], "<10");
      EXPECT_EQ(t["rows"][0]["cells"][1], "withheld");
      EXPECT_EQ(t["rows"][1]["label"], "Total");
      EXPECT_EQ(t["rows"][1]["cells"][1], "withheld");
    }
  }
  EXPECT_TRUE(saw_received);
  EXPECT_EQ(csv.rfind("table,row,column,value\r\n", 0), 0u);
  EXPECT_NE(csv.find("applications_received,city-hall,2026-11,11\r\n"), std::string::npos);
  EXPECT_NE(csv.find("applications_approved,city-hall,2026-11,<10\r\n"), std::string::npos);
  EXPECT_NE(html.find("<caption>Applications received</caption>"), std::string::npos);
  EXPECT_NE(html.find("<th scope=\"col\">2026-11</th>"), std::string::npos);
  EXPECT_NE(html.find("<th scope=\"row\">city-hall</th>"), std::string::npos);
  EXPECT_NE(html.find("<html lang=\"en\">"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("http"), std::string::npos);  // no external resources
}

// The page a city publishes (cityid report --format html): key figures, an inline SVG chart per
// table with activity (title, description, every bar labelled, small counts hatched), its numbers
// beside it without zero-filled rows or months, and one sentence for the tables with nothing.
TEST_F(ReportTest, HtmlHasChartsWithTheirNumbersAndNoZeroFilledRows) {
  std::vector<EnrollResult> all;
  for (int i = 0; i < 11; ++i) all.push_back(EnrollAt("city-hall", i));
  ASSERT_TRUE(Approve(*ctx_, all[0].application_id, supervisor_, "").ok());
  ASSERT_TRUE(Issue(*ctx_, all[0].application_id, clerk_).ok());
  auto r = BuildReport(*store_, "2026-10", "2026-12");
  ASSERT_TRUE(r.ok());
  const std::string html = ReportHtml(*r);
  auto has = [&](const std::string& s) { return html.find(s) != std::string::npos; };
  auto count = [&](const std::string& s) {
    size_t n = 0;
    for (size_t at = html.find(s); at != std::string::npos; at = html.find(s, at + 1)) ++n;
    return n;
  };
  // Key figures: grand totals as published.
  EXPECT_TRUE(has("<dt>Applications received</dt><dd>11</dd>")) << html;
  EXPECT_TRUE(has("<dt>Applications approved</dt><dd>withheld</dd>"));
  EXPECT_TRUE(has("<dt>Cards revoked</dt><dd>0</dd>"));
  // A chart for each table with activity (received, approved, issued), named by its title.
  EXPECT_EQ(count("<svg class=\"chart\" role=\"img\""), 3u);
  EXPECT_TRUE(has("<title id=\"applications_received-title\">Applications received</title>"));
  EXPECT_TRUE(has("aria-labelledby=\"applications_received-title applications_received-desc\""));
  EXPECT_TRUE(has("<desc id=\"applications_received-desc\">"));
  // Received: one exact bar of 11, drawn full length and labelled; approved and issued: one
  // hatched bar each, labelled <10.
  EXPECT_EQ(count("class=\"exact\""), 1u);
  EXPECT_TRUE(has("width=\"230\" height=\"18\" class=\"exact\""));
  EXPECT_TRUE(has(">11</text>"));
  EXPECT_EQ(count("class=\"small\" fill=\"url(#"), 2u);
  EXPECT_EQ(count(">&lt;10</text>"), 2u);
  // The numbers: the month with activity and the total only; no row of zeros anywhere.
  EXPECT_TRUE(has("<th scope=\"col\">2026-11</th>"));
  EXPECT_FALSE(has("<th scope=\"col\">2026-10</th>"));
  EXPECT_FALSE(has("<th scope=\"col\">2026-12</th>"));
  EXPECT_TRUE(has("<tr><th scope=\"row\">city-hall</th><td>11</td><td>11</td></tr>"));
  size_t rows = 0;
  for (size_t at = html.find("<tr><th scope=\"row\">"); at != std::string::npos;
       at = html.find("<tr><th scope=\"row\">", at + 1)) {
    const std::string row = html.substr(at, html.find("</tr>", at) - at);
    size_t tds = 0, zeros = 0;
    for (size_t p = row.find("<td>"); p != std::string::npos; p = row.find("<td>", p + 1)) {
      ++tds;
      zeros += row.compare(p, 10, "<td>0</td>") == 0;
    }
    EXPECT_GT(tds, 0u);
    EXPECT_LT(zeros, tds) << "a zero-filled row: " << row;
    ++rows;
  }
  EXPECT_EQ(rows, 6u);  // three tables: city-hall and Total each
  // Tables with nothing: one sentence, no table.
  EXPECT_TRUE(has("<p id=\"none\">None in this period: applications rejected: documents; "));
  EXPECT_TRUE(has("; cards revoked; "));
  EXPECT_FALSE(has("<caption>Cards revoked</caption>"));
  // Self-contained: no script, no external resource.
  EXPECT_FALSE(has("<script"));
  EXPECT_FALSE(has("http"));
  EXPECT_FALSE(has("xlink"));
}

}  // namespace
}  // namespace cityid::core
