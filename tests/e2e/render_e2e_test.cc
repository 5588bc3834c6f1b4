// End-to-end: the printed card. Drives the real `cityid` binary: issue a card, render it to PNG
// and PDF, then verify the card from the picture alone (tests/e2e/e2e_util.h);
// and the print station's GET /api/v1/cards/{number}/print.pdf on the real `cityid serve`
// (tests/e2e/server_harness.h).
#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include <nlohmann/json.hpp>

#include "server_harness.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

using namespace cityid::e2e;  // NOLINT: test file

class RenderE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv("CITYID_ALLOW_CLOCK_OVERRIDE", "1", 1);  // the suite pins the clock with --now
    tmp_ = fs::temp_directory_path() /
           ("cityid-render-e2e-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(tmp_);
    fs::create_directories(tmp_);
    data_ = tmp_ / "data";
  }
  void TearDown() override {
    if (!HasFailure()) fs::remove_all(tmp_);
  }
  std::string Example(const std::string& name) { return Source() + "/examples/" + name; }
  std::string Data() const { return data_.string(); }

  // init -> enroll (example José) -> approve -> issue; returns the card number.
  std::string IssueCard() {
    auto init = Cityid(
        {"init", "--data", Data(), "--policy", Source() + "/policies/new-york-points.toml"}, tmp_);
    EXPECT_EQ(init.code, 0) << init.err;
    auto e = Cityid(
        {"--json", "enroll", "--data", Data(), "--applicant", Example("applicant-jose.json")},
        tmp_);
    EXPECT_EQ(e.code, 0) << e.err;
    const std::string app = e.Json().value("application_id", "");
    EXPECT_EQ(Cityid({"approve", "--data", Data(), "--application", app}, tmp_).code, 0);
    auto i = Cityid({"--json", "issue", "--data", Data(), "--application", app}, tmp_);
    EXPECT_EQ(i.code, 0) << i.err;
    return i.Json().value("card_number", "");
  }

  fs::path tmp_;
  fs::path data_;
};

TEST_F(RenderE2eTest, RenderedCardVerifiesFromThePicture) {
  const std::string number = IssueCard();
  ASSERT_FALSE(number.empty());
  const fs::path png = tmp_ / "card.png";
  auto r = Cityid({"--json", "render", "--data", Data(), "--card", number, "--side", "both",
                   "--out", png.string()},
                  tmp_);
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_EQ(r.Json()["format"], "png");
  const std::string bytes = Slurp(png);
  ASSERT_GT(bytes.size(), 24u);
  EXPECT_EQ(bytes.substr(1, 3), "PNG");
  // Nothing personal in clear in the log line printed (the picture itself is the card).
  EXPECT_EQ(r.out.find("García"), std::string::npos);

  auto v = Cityid({"--json", "verify", "--image", png.string(), "--data", Data()}, tmp_);
  ASSERT_EQ(v.code, 0) << v.out << v.err;
  const json j = v.Json();
  EXPECT_EQ(j["verdict"], "valid");
  EXPECT_EQ(j["disclosed"]["card_number"], number);
  EXPECT_EQ(j["disclosed"]["date_of_birth"], "1990-04-12");

  // A reprint of one side, with its own reason for the audit log.
  auto back = Cityid({"--json", "render", "--data", Data(), "--card", number, "--side", "back",
                      "--reason", "reprint after damage", "--out", (tmp_ / "back.png").string()},
                     tmp_);
  EXPECT_EQ(back.code, 0) << back.err;
}

TEST_F(RenderE2eTest, PdfRendersAsId1) {
  const std::string number = IssueCard();
  const fs::path pdf = tmp_ / "card.pdf";
  auto r = Cityid({"render", "--data", Data(), "--card", number, "--out", pdf.string()}, tmp_);
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string bytes = Slurp(pdf);
  EXPECT_EQ(bytes.rfind("%PDF", 0), 0u);
  EXPECT_NE(bytes.find("/MediaBox [ 0 0 242.645669 153.014173 ]"), std::string::npos);
}

// Counts the page objects of a cairo PDF ("/Type /Page" not followed by "s").
size_t PdfPages(const std::string& pdf) {
  size_t n = 0;
  for (size_t at = pdf.find("/Type /Page"); at != std::string::npos;
       at = pdf.find("/Type /Page", at + 1)) {
    if (pdf.compare(at, 12, "/Type /Pages") != 0) ++n;
  }
  return n;
}

TEST_F(RenderE2eTest, BleedPdfForPrintShops) {
  const std::string number = IssueCard();
  const fs::path pdf = tmp_ / "bleed.pdf";
  auto r = Cityid({"--json", "render", "--data", Data(), "--card", number, "--bleed", "--out",
                   pdf.string()},
                  tmp_);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.Json()["bleed"], true);
  const std::string bytes = Slurp(pdf);
  // The card (85.60 x 53.98 mm) plus 3 mm bleed and 5 mm of crop marks on every side.
  EXPECT_NE(bytes.find("/MediaBox [ 0 0 288 198.368504 ]"), std::string::npos);
  EXPECT_EQ(PdfPages(bytes), 2u);  // front, back
}

TEST_F(RenderE2eTest, SheetOfSeveralCardsWithDuplexBacks) {
  const std::string number = IssueCard();
  // Repeatable and comma separated: three copies of the card (e.g. a misprint reserve).
  const fs::path pdf = tmp_ / "sheet.pdf";
  auto r = Cityid({"--json", "render", "--data", Data(), "--card", number, "--card",
                   number + "," + number, "--sheet", "a4", "--bleed", "--out", pdf.string()},
                  tmp_);
  ASSERT_EQ(r.code, 0) << r.err;
  const json j = r.Json();
  EXPECT_EQ(j["card_numbers"].size(), 3u);
  EXPECT_EQ(j["sheet"], "a4");
  const std::string bytes = Slurp(pdf);
  EXPECT_NE(bytes.find("/MediaBox [ 0 0 595.275591 841.889764 ]"), std::string::npos);
  EXPECT_EQ(PdfPages(bytes), 2u);  // one sheet: fronts, then mirrored backs
  auto letter = Cityid({"render", "--data", Data(), "--card", number, "--sheet", "letter",
                        "--side", "front", "--out", (tmp_ / "letter.pdf").string()},
                       tmp_);
  ASSERT_EQ(letter.code, 0) << letter.err;
  const std::string lbytes = Slurp(tmp_ / "letter.pdf");
  EXPECT_NE(lbytes.find("/MediaBox [ 0 0 612 792 ]"), std::string::npos);
  EXPECT_EQ(PdfPages(lbytes), 1u);
}

TEST_F(RenderE2eTest, PrintOptionsFailClearly) {
  const std::string number = IssueCard();
  const std::string png = (tmp_ / "x.png").string(), pdf = (tmp_ / "x.pdf").string();
  // Several cards need a sheet; bleed and sheets are PDF only; unknown paper size.
  auto several = Cityid({"render", "--data", Data(), "--card", number + "," + number, "--out", pdf},
                        tmp_);
  EXPECT_EQ(several.code, 3);
  EXPECT_NE(several.err.find("--sheet"), std::string::npos) << several.err;
  EXPECT_EQ(Cityid({"render", "--data", Data(), "--card", number, "--bleed", "--out", png}, tmp_)
                .code,
            3);
  auto a3 = Cityid({"render", "--data", Data(), "--card", number, "--sheet", "a3", "--out", pdf},
                   tmp_);
  EXPECT_EQ(a3.code, 3);
  EXPECT_NE(a3.err.find("a4 or letter"), std::string::npos) << a3.err;
  // One unknown card in the list fails the whole run and names it; nothing is written.
  auto unknown = Cityid({"render", "--data", Data(), "--card", number + ",000000000000", "--sheet",
                         "a4", "--out", pdf},
                        tmp_);
  EXPECT_EQ(unknown.code, 5);
  EXPECT_NE(unknown.err.find("000000000000"), std::string::npos) << unknown.err;
  EXPECT_FALSE(fs::exists(pdf));
}

TEST_F(RenderE2eTest, FailuresAreClear) {
  const std::string number = IssueCard();
  // Unknown card (valid check digit is not needed to be refused).
  auto missing = Cityid(
      {"render", "--data", Data(), "--card", "0000 0000 0000", "--out", (tmp_ / "x.png").string()},
      tmp_);
  EXPECT_EQ(missing.code, 5) << missing.err;
  // Wrong extension and side are usage-level input errors (exit 3).
  EXPECT_EQ(
      Cityid({"render", "--data", Data(), "--card", number, "--out", (tmp_ / "x.gif").string()},
             tmp_)
          .code,
      3);
  EXPECT_EQ(Cityid({"render", "--data", Data(), "--card", number, "--side", "top", "--out",
                    (tmp_ / "x.png").string()},
                   tmp_)
                .code,
            3);
  // A picture without a QR code, and a file that is no picture.
  const fs::path front = tmp_ / "front.png";
  ASSERT_EQ(Cityid({"render", "--data", Data(), "--card", number, "--side", "front", "--out",
                    front.string()},
                   tmp_)
                .code,
            0);
  auto no_qr = Cityid({"verify", "--image", front.string(), "--data", Data()}, tmp_);
  EXPECT_EQ(no_qr.code, 5) << no_qr.err;  // not found: no QR code in the picture
  EXPECT_NE(no_qr.err.find("QR"), std::string::npos) << no_qr.err;
  { std::ofstream(tmp_ / "junk.png") << "not a picture"; }
  auto junk = Cityid({"verify", "--image", (tmp_ / "junk.png").string(), "--data", Data()}, tmp_);
  EXPECT_EQ(junk.code, 3) << junk.err;
}

// ---- The print station: GET /api/v1/cards/{number}/print.pdf on the real server -------------

class PrintEndpointE2eTest : public RenderE2eTest {
 protected:
  void TearDown() override {
    if (server_ > 0) {
      kill(server_, SIGTERM);
      EXPECT_EQ(Wait(server_), 0) << Slurp(tmp_ / "server.err");
    }
    RenderE2eTest::TearDown();
  }

  // `cityid serve` on a free port over the data folder, at the suite's --now.
  void StartServer() {
    server_ = Spawn({"--now", kNow, "serve", "--data", Data(), "--listen", "127.0.0.1:0",
                     "--policy", Source() + "/policies/new-york-points.toml"},
                    "/dev/null", tmp_ / "server.out", tmp_ / "server.err");
    ASSERT_GT(server_, 0);
    const int port = WaitForPort(tmp_ / "server.out");
    ASSERT_GT(port, 0) << Slurp(tmp_ / "server.err");
    client_ = LocalClient(port);
  }

  // `cityid staff add` then POST /api/v1/sessions; the session cookie. Roles without TOTP only
  // (clerk, partner, auditor).
  httplib::Headers Staff(const std::string& user, const std::string& role,
                         const std::string& site = "") {
    const std::string password = "correct horse battery staple";
    std::vector<std::string> add = {"--json", "staff", "add", "--data", Data(), "--user", user,
                                    "--role", role, "--password-stdin"};
    if (!site.empty()) add.insert(add.end(), {"--site", site});
    auto r = Cityid(add, tmp_, password + "\n");
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_FALSE(r.Json().contains("totp_uri")) << role << " needs TOTP: not for this helper";
    auto res = client_->Post("/api/v1/sessions", json{{"user", user}, {"password", password}}.dump(),
                             "application/json");
    EXPECT_TRUE(res);
    if (!res) return {};
    EXPECT_EQ(res->status, 201) << res->body;
    const std::string cookie = res->get_header_value("Set-Cookie");
    const json body = json::parse(res->body, nullptr, false);
    const std::string csrf = body.is_object() ? body.value("csrf_token", "") : "";
    return {{"Cookie", cookie.substr(0, cookie.find(';'))}, {"X-CSRF-Token", csrf}};
  }

  pid_t server_ = -1;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(PrintEndpointE2eTest, ClerkGetsTheCardAsId1PdfLikeTheCli) {
  const std::string number = IssueCard();
  ASSERT_FALSE(number.empty());
  // What `cityid render` writes for the same card, before the server holds the store.
  const fs::path cli_pdf = tmp_ / "cli.pdf";
  ASSERT_EQ(Cityid({"render", "--data", Data(), "--card", number, "--out", cli_pdf.string()},
                   tmp_)
                .code,
            0);
  StartServer();
  const httplib::Headers clerk = Staff("carla", "clerk");
  const std::string path = "/api/v1/cards/" + number + "/print.pdf?reason=new_card";

  auto res = client_->Get(path, clerk);
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/pdf");
  EXPECT_EQ(res->get_header_value("Cache-Control"), "no-store");
  EXPECT_EQ(res->get_header_value("Content-Disposition"),
            "attachment; filename=\"card-" + number + ".pdf\"");
  const std::string& pdf = res->body;
  EXPECT_EQ(pdf.rfind("%PDF", 0), 0u);
  // ID-1: 85.60 x 53.98 mm = 242.65 x 153.01 pt; front then back.
  EXPECT_NE(pdf.find("/MediaBox [ 0 0 242.645669 153.014173 ]"), std::string::npos);
  EXPECT_EQ(PdfPages(pdf), 2u);
  // The same library functions as the CLI, the same record, the same day: the same bytes.
  EXPECT_TRUE(pdf == Slurp(cli_pdf)) << "server and CLI PDFs differ";

  // One side; the print shop's page with bleed and crop marks.
  auto front = client_->Get(path + "&side=front", clerk);
  ASSERT_TRUE(front);
  ASSERT_EQ(front->status, 200) << front->body;
  EXPECT_EQ(PdfPages(front->body), 1u);
  auto bleed = client_->Get(path + "&side=both&bleed=1", clerk);
  ASSERT_TRUE(bleed);
  ASSERT_EQ(bleed->status, 200) << bleed->body;
  EXPECT_NE(bleed->body.find("/MediaBox [ 0 0 288 198.368504 ]"), std::string::npos);
  EXPECT_EQ(PdfPages(bleed->body), 2u);

  // Bad query parameters are 400 problems, checked before the record is read.
  for (const char* q :
       {"&side=top", "&bleed=yes", "&side=front&side=back", "&reason=misprint", "&note=x"}) {
    auto bad = client_->Get(path + q, clerk);
    ASSERT_TRUE(bad) << q;
    EXPECT_EQ(bad->status, 400) << q << ": " << bad->body;
    EXPECT_EQ(bad->get_header_value("Content-Type"), "application/problem+json") << q;
  }
}

TEST_F(PrintEndpointE2eTest, OnlyCounterStaffMayPrintAndEachPrintIsLogged) {
  const std::string number = IssueCard();
  ASSERT_FALSE(number.empty());
  StartServer();
  const httplib::Headers clerk = Staff("carla", "clerk");
  const httplib::Headers partner = Staff("pat", "partner", "east-library");
  const httplib::Headers auditor = Staff("audrey", "auditor");
  const std::string path = "/api/v1/cards/" + number + "/print.pdf?reason=new_card";

  auto anonymous = client_->Get(path);
  ASSERT_TRUE(anonymous);
  EXPECT_EQ(anonymous->status, 401);
  for (const auto* who : {&partner, &auditor}) {
    auto denied = client_->Get(path, *who);
    ASSERT_TRUE(denied);
    EXPECT_EQ(denied->status, 403) << denied->body;
    EXPECT_EQ(denied->get_header_value("Content-Type"), "application/problem+json");
    EXPECT_EQ(ProblemType(denied), "role-not-allowed");
  }
  // Unknown and malformed numbers.
  auto unknown = client_->Get("/api/v1/cards/000000000000/print.pdf?reason=new_card", clerk);
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404) << unknown->body;
  EXPECT_EQ(unknown->get_header_value("Content-Type"), "application/problem+json");
  EXPECT_EQ(ProblemType(unknown), "card-not-found");
  auto malformed = client_->Get("/api/v1/cards/12ab/print.pdf?reason=new_card", clerk);
  ASSERT_TRUE(malformed);
  EXPECT_EQ(malformed->status, 400) << malformed->body;
  EXPECT_EQ(ProblemType(malformed), "invalid-card-number");

  // The print is logged: the record and the payload were read, with the print station's reason.
  ASSERT_EQ(client_->Get(path, clerk)->status, 200);
  const fs::path entries = tmp_ / "entries.json";
  auto audit = Cityid({"audit", "export", "--data", Data(), "--entries", entries.string(),
                       "--tree-heads", (tmp_ / "heads.json").string()},
                      tmp_);
  ASSERT_EQ(audit.code, 0) << audit.err;
  const std::string log = Slurp(entries);
  size_t reads = 0;
  for (size_t at = log.find("card printing (print station)"); at != std::string::npos;
       at = log.find("card printing (print station)", at + 1)) {
    ++reads;
  }
  EXPECT_EQ(reads, 2u) << log;  // the payload signed and the record read, once each
  EXPECT_NE(log.find("card printing (print station): new_card"), std::string::npos) << log;
}

// Printing decrypts the record, so like reading one it needs a stated reason: without one (or
// with one outside the categories) nothing is read, logged or printed; with one it prints.
TEST_F(PrintEndpointE2eTest, PrintWithoutReasonIsRefusedAndNothingIsRead) {
  const std::string number = IssueCard();
  ASSERT_FALSE(number.empty());
  StartServer();
  const httplib::Headers clerk = Staff("carla", "clerk");
  const std::string base = "/api/v1/cards/" + number + "/print.pdf";
  // Reads logged with the print station's reason (the audit log exported by the CLI).
  const auto print_reads = [&] {
    const fs::path entries = tmp_ / "entries.json";
    auto audit = Cityid({"audit", "export", "--data", Data(), "--entries", entries.string(),
                         "--tree-heads", (tmp_ / "heads.json").string()},
                        tmp_);
    EXPECT_EQ(audit.code, 0) << audit.err;
    const std::string log = Slurp(entries);
    size_t n = 0;
    for (size_t at = log.find("card printing (print station)"); at != std::string::npos;
         at = log.find("card printing (print station)", at + 1)) {
      ++n;
    }
    return n;
  };
  auto none = client_->Get(base, clerk);
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 400) << none->body;
  EXPECT_EQ(ProblemType(none), "missing-field");
  auto other = client_->Get(base + "?reason=curious", clerk);
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 400) << other->body;
  EXPECT_EQ(ProblemType(other), "invalid-argument");
  EXPECT_EQ(print_reads(), 0u);  // nothing read, nothing logged
  auto allowed = client_->Get(base + "?reason=misprint&side=front", clerk);
  ASSERT_TRUE(allowed);
  ASSERT_EQ(allowed->status, 200) << allowed->body;
  EXPECT_EQ(allowed->get_header_value("Content-Type"), "application/pdf");
  EXPECT_EQ(print_reads(), 2u);  // the payload and the record, with the reason
}

TEST_F(PrintEndpointE2eTest, RevokedCardIsNotPrinted) {
  const std::string number = IssueCard();
  ASSERT_FALSE(number.empty());
  ASSERT_EQ(Cityid({"revoke", "--data", Data(), "--card", number, "--reason", "reported stolen"},
                   tmp_)
                .code,
            0);
  StartServer();
  const httplib::Headers clerk = Staff("carla", "clerk");
  auto res = client_->Get("/api/v1/cards/" + number + "/print.pdf?reason=misprint", clerk);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 409) << res->body;
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/problem+json");
  EXPECT_EQ(ProblemType(res), "invalid-transition");
}

// ---- The print station's queue, batch sheets and marking printed (issue 17) ---------------

// A second applicant (another name, another passport) enrolled, approved and issued over the
// data folder of IssueCard; their card number.
std::string IssueSecond(const fs::path& tmp, const std::string& data) {
  json a = json::parse(Slurp(Source() + "/examples/applicant-jose.json"));
  a["legal_name"] = {{"given", "Maria"}, {"family", "Okafor"}};
  a["date_of_birth"] = "1985-07-30";
  a["documents"][0]["number"] = "K99887766";
  a["photo"] = Source() + "/examples/portrait.png";
  const fs::path file = tmp / "maria.json";
  std::ofstream(file) << a.dump();
  auto e = Cityid({"--json", "enroll", "--data", data, "--applicant", file.string()}, tmp);
  EXPECT_EQ(e.code, 0) << e.err;
  const std::string app = e.Json().value("application_id", "");
  EXPECT_EQ(Cityid({"approve", "--data", data, "--application", app}, tmp).code, 0);
  auto i = Cityid({"--json", "issue", "--data", data, "--application", app}, tmp);
  EXPECT_EQ(i.code, 0) << i.err;
  return i.Json().value("card_number", "");
}

TEST_F(PrintEndpointE2eTest, QueueListsUnprintedCardsAndMarkPrintedDropsTheAddress) {
  const std::string first = IssueCard();
  ASSERT_FALSE(first.empty());
  const std::string second = IssueSecond(tmp_, Data());
  ASSERT_FALSE(second.empty());
  StartServer();
  const httplib::Headers clerk = Staff("carla", "clerk");
  const httplib::Headers partner = Staff("pat", "partner", "east-library");
  const httplib::Headers auditor = Staff("audrey", "auditor");

  auto queue = client_->Get("/api/v1/print-queue", clerk);
  ASSERT_TRUE(queue);
  ASSERT_EQ(queue->status, 200) << queue->body;
  EXPECT_EQ(queue->get_header_value("Cache-Control"), "no-store");
  json q = json::parse(queue->body);
  ASSERT_EQ(q["cards"].size(), 2u) << q.dump();
  // Oldest first; both were issued at the suite's pinned --now, so by number after that.
  const std::set<std::string> listed = {q["cards"][0]["number"], q["cards"][1]["number"]};
  EXPECT_EQ(listed, (std::set<std::string>{first, second}));
  EXPECT_LT(q["cards"][0]["number"].get<std::string>(), q["cards"][1]["number"].get<std::string>());
  EXPECT_EQ(q["cards"][0]["printed_at"], 0);
  EXPECT_EQ(q["more"], false);
  EXPECT_EQ(queue->body.find("García"), std::string::npos);  // no personal data
  auto bad_query = client_->Get("/api/v1/print-queue?limit=5", clerk);
  ASSERT_TRUE(bad_query);
  EXPECT_EQ(bad_query->status, 400);
  EXPECT_EQ(ProblemType(bad_query), "invalid-argument");

  // Roles that do not print: 403, for each route.
  for (const auto* who : {&partner, &auditor}) {
    auto r = client_->Get("/api/v1/print-queue", *who);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 403) << r->body;
    EXPECT_EQ(ProblemType(r), "role-not-allowed");
    r = client_->Post("/api/v1/cards/" + first + "/printed", *who, "{}", "application/json");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 403) << r->body;
    EXPECT_EQ(ProblemType(r), "role-not-allowed");
    r = client_->Post("/api/v1/print-sheets", *who,
                      json{{"cards", {first}}, {"reason", "new_card"}}.dump(), "application/json");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 403) << r->body;
    EXPECT_EQ(ProblemType(r), "role-not-allowed");
  }

  // Both cards on one A4 sheet: a front page and a back page.
  auto sheet = client_->Post("/api/v1/print-sheets", clerk,
                             json{{"cards", {first, second}}, {"sheet", "a4"},
                                  {"reason", "new_card"}}.dump(),
                             "application/json");
  ASSERT_TRUE(sheet);
  ASSERT_EQ(sheet->status, 200) << sheet->body;
  EXPECT_EQ(sheet->get_header_value("Content-Type"), "application/pdf");
  EXPECT_EQ(sheet->get_header_value("Cache-Control"), "no-store");
  EXPECT_EQ(sheet->body.rfind("%PDF", 0), 0u);
  EXPECT_EQ(PdfPages(sheet->body), 2u);
  EXPECT_NE(sheet->body.find("/MediaBox [ 0 0 595.275591 841.889764 ]"), std::string::npos);
  // Bad sheet requests: 400 with the problem type, before anything is read.
  const std::vector<std::pair<json, std::string>> bad = {
      {json{{"cards", {first}}}, "missing-field"},                                 // no reason
      {json{{"cards", {first}}, {"reason", "fun"}}, "invalid-argument"},
      {json{{"cards", json::array()}, {"reason", "new_card"}}, "invalid-argument"},
      {json{{"cards", {first, first}}, {"reason", "new_card"}}, "invalid-argument"},
      {json{{"cards", {"12ab"}}, {"reason", "new_card"}}, "invalid-card-number"},
      {json{{"cards", {first}}, {"reason", "new_card"}, {"sheet", "a3"}}, "invalid-argument"},
      {json{{"cards", {first}}, {"reason", "new_card"}, {"copies", 2}}, "unknown-field"},
  };
  for (const auto& [body, type] : bad) {
    auto r = client_->Post("/api/v1/print-sheets", clerk, body.dump(), "application/json");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400) << body.dump() << ": " << r->body;
    EXPECT_EQ(ProblemType(r), type) << body.dump() << ": " << r->body;
  }
  auto unknown = client_->Post("/api/v1/print-sheets", clerk,
                               json{{"cards", {"000000000000"}}, {"reason", "new_card"}}.dump(),
                               "application/json");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404) << unknown->body;
  EXPECT_EQ(ProblemType(unknown), "card-not-found");

  // Marking printed: the card leaves the queue and the record loses the address.
  auto marked = client_->Post("/api/v1/cards/" + first + "/printed", clerk, "{}",
                              "application/json");
  ASSERT_TRUE(marked);
  ASSERT_EQ(marked->status, 200) << marked->body;
  EXPECT_GT(json::parse(marked->body)["printed_at"].get<int64_t>(), 0);
  auto again = client_->Post("/api/v1/cards/" + first + "/printed", clerk, "{}",
                             "application/json");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 409) << again->body;
  EXPECT_EQ(ProblemType(again), "invalid-transition");
  auto extra = client_->Post("/api/v1/cards/" + second + "/printed", clerk,
                             json{{"copies", 1}}.dump(), "application/json");
  ASSERT_TRUE(extra);
  EXPECT_EQ(extra->status, 400) << extra->body;
  EXPECT_EQ(ProblemType(extra), "unknown-field");
  queue = client_->Get("/api/v1/print-queue", clerk);
  ASSERT_TRUE(queue);
  q = json::parse(queue->body);
  ASSERT_EQ(q["cards"].size(), 1u) << q.dump();
  EXPECT_EQ(q["cards"][0]["number"], second);
  auto card = client_->Get("/api/v1/cards/" + first, clerk);
  ASSERT_TRUE(card);
  EXPECT_GT(json::parse(card->body)["printed_at"].get<int64_t>(), 0);

  // The audit log has the print and the retention after print.
  const fs::path entries = tmp_ / "entries.json";
  auto audit = Cityid({"audit", "export", "--data", Data(), "--entries", entries.string(),
                       "--tree-heads", (tmp_ / "heads.json").string()},
                      tmp_);
  ASSERT_EQ(audit.code, 0) << audit.err;
  const std::string log = Slurp(entries);
  EXPECT_NE(log.find("card.printed"), std::string::npos) << log;
  EXPECT_NE(log.find("retention after print: address removed"), std::string::npos) << log;
}

}  // namespace
