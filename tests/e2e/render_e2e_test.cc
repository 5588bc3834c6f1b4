// End-to-end: the printed card. Drives the real `cityid` binary: issue a card, render it to PNG
// and PDF, then verify the card from the picture alone (helpers copied from cli_e2e_test.cc).
#include <fcntl.h>
#include <gtest/gtest.h>

#include "e2e_util.h"
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

extern char** environ;

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
  EXPECT_NE(unknown.code, 0);
  EXPECT_NE(unknown.err.find("000000000000"), std::string::npos) << unknown.err;
  EXPECT_FALSE(fs::exists(pdf));
}

TEST_F(RenderE2eTest, FailuresAreClear) {
  const std::string number = IssueCard();
  // Unknown card (valid check digit is not needed to be refused).
  auto missing = Cityid(
      {"render", "--data", Data(), "--card", "0000 0000 0000", "--out", (tmp_ / "x.png").string()},
      tmp_);
  EXPECT_NE(missing.code, 0);
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
  EXPECT_NE(no_qr.code, 0);
  EXPECT_NE(no_qr.err.find("QR"), std::string::npos) << no_qr.err;
  { std::ofstream(tmp_ / "junk.png") << "not a picture"; }
  auto junk = Cityid({"verify", "--image", (tmp_ / "junk.png").string(), "--data", Data()}, tmp_);
  EXPECT_EQ(junk.code, 3) << junk.err;
}

}  // namespace
