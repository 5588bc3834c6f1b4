// End-to-end: `cityid present` makes a presentation of a card that `cityid verify` accepts,
// revealing only what was chosen; tampering, revocation and bad names fail like cards do.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "credential/base45.h"
#include "e2e_util.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace cityid::e2e;  // NOLINT: test file

// (action, subject, reason) of every audit entry with `action`.
std::vector<std::vector<std::string>> AuditEntries(const fs::path& db, const std::string& action) {
  std::vector<std::vector<std::string>> out;
  sqlite3* h = nullptr;
  sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(h, "SELECT action, subject, reason FROM audit_log WHERE action = ?1",
                         -1, &s, nullptr) == SQLITE_OK) {
    sqlite3_bind_text(s, 1, action.c_str(), -1, SQLITE_TRANSIENT);
    while (sqlite3_step(s) == SQLITE_ROW) {
      std::vector<std::string> row;
      for (int c = 0; c < 3; ++c) {
        row.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(s, c)));
      }
      out.push_back(std::move(row));
    }
  }
  sqlite3_finalize(s);
  sqlite3_close(h);
  return out;
}

class PresentE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv("CITYID_ALLOW_CLOCK_OVERRIDE", "1", 1);
    tmp_ = fs::temp_directory_path() /
           ("cityid-present-e2e-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(tmp_);
    fs::create_directories(tmp_);
    data_ = (tmp_ / "data").string();
    const std::string examples = Source() + "/examples/";
    fs::copy_file(examples + "portrait.png", tmp_ / "portrait.png");
    ASSERT_EQ(Cityid({"init", "--data", data_, "--policy",
                      Source() + "/policies/new-york-points.toml"}, tmp_).code, 0);
    // The example applicant (José García, born 1990-04-12): enroll, approve, issue.
    auto e = Cityid({"--json", "enroll", "--data", data_, "--applicant",
                     examples + "applicant-jose.json"}, tmp_);
    ASSERT_EQ(e.code, 0) << e.err;
    const std::string app = e.Json().value("application_id", "");
    ASSERT_EQ(Cityid({"approve", "--data", data_, "--application", app}, tmp_).code, 0);
    auto i = Cityid({"--json", "issue", "--data", data_, "--application", app}, tmp_);
    ASSERT_EQ(i.code, 0) << i.err;
    card_ = i.Json().value("card_number", "");
    card_qr_ = i.Json().value("qr_payload", "");
    keys_ = (tmp_ / "keys.json").string();
    status_ = (tmp_ / "status.json").string();
    ASSERT_EQ(Cityid({"keys", "export", "--data", data_, "--out", keys_}, tmp_).code, 0);
    ASSERT_EQ(Cityid({"status-list", "export", "--data", data_, "--out", status_}, tmp_).code, 0);
  }
  void TearDown() override {
    if (!HasFailure()) fs::remove_all(tmp_);
  }

  cityid::e2e::Run Present(const std::string& disclose, const std::string& out_file = "") {
    std::vector<std::string> args = {"--json", "present", "--data", data_, "--card", card_,
                                     "--disclose", disclose};
    if (!out_file.empty()) {
      args.push_back("--out");
      args.push_back(out_file);
    }
    return Cityid(args, tmp_);
  }
  cityid::e2e::Run Verify(const std::string& payload) {
    return Cityid({"--json", "verify", payload, "--keys", keys_, "--status", status_}, tmp_);
  }

  fs::path tmp_;
  std::string data_, card_, card_qr_, keys_, status_;
};

TEST_F(PresentE2eTest, AgeOver21PresentationVerifiesAndRevealsOnlyThat) {
  const fs::path file = tmp_ / "over21.txt";
  auto p = Present("age_over_21", file.string());
  ASSERT_EQ(p.code, 0) << p.out << p.err;
  const std::string qr = p.Json().value("qr_payload", "");
  ASSERT_EQ(qr.rfind("CP1:", 0), 0u) << qr;
  EXPECT_LT(qr.size(), card_qr_.size()) << "a presentation is smaller than the card";
  std::printf("[ size     ] card %zu chars, age_over_21 presentation %zu chars\n",
              card_qr_.size(), qr.size());
  EXPECT_EQ(Slurp(file), qr + "\n");

  // Same command and flags as for a card, from the file.
  auto v = Cityid({"--json", "verify", "--file", file.string(), "--keys", keys_, "--status",
                   status_}, tmp_);
  ASSERT_EQ(v.code, 0) << v.out << v.err;
  const json j = v.Json();
  EXPECT_EQ(j["verdict"], "valid");
  EXPECT_EQ(j["kind"], "presentation");
  EXPECT_EQ(j["disclosed"], json({{"age_over_21", true}}));
  EXPECT_EQ(j["revocation"], "checked against status list 1");
  for (const char* needle : {"Garc", "Jos", "1990", card_.c_str()}) {
    EXPECT_EQ(v.out.find(needle), std::string::npos) << needle;
    EXPECT_EQ(qr.find(needle), std::string::npos) << needle;
  }
  // Human output too.
  auto human = Cityid({"verify", qr, "--keys", keys_}, tmp_);
  EXPECT_EQ(human.code, 0);
  EXPECT_NE(human.out.find("Age over 21:   yes"), std::string::npos) << human.out;

  // Presenting read personal data: logged, with the names disclosed and never a value.
  const auto entries = AuditEntries(tmp_ / "data" / "cityid.db", "card.present");
  ASSERT_EQ(entries.size(), 1u);
  // Under the card's pseudonymous id, never its number (issue 14 §1).
  EXPECT_TRUE(entries[0][1].starts_with("crd_")) << entries[0][1];
  EXPECT_EQ(entries[0][1].find(card_), std::string::npos);
  EXPECT_EQ(entries[0][2], "disclosed: age_over_21");
  EXPECT_EQ(Cityid({"audit", "verify", "--data", data_}, tmp_).code, 0);
}

TEST_F(PresentE2eTest, TamperedNameDisclosureIsInvalidWithExitCode10) {
  auto p = Present("name");
  ASSERT_EQ(p.code, 0) << p.err;
  const std::string qr = p.Json().value("qr_payload", "");
  auto ok = Verify(qr);
  ASSERT_EQ(ok.code, 0) << ok.out;
  EXPECT_EQ(ok.Json()["disclosed"], json({{"full_name", "Jos\xc3\xa9 Garc\xc3\xad" "a"}}));

  // Change one letter of the disclosed name and re-encode: the signature still verifies (the
  // disclosures are outside it) but the digest does not match.
  auto bytes = cityid::credential::Base45Decode(qr.substr(4), 1 << 16);
  ASSERT_TRUE(bytes.ok());
  std::string raw(bytes->begin(), bytes->end());
  const size_t at = raw.find("Garc");
  ASSERT_NE(at, std::string::npos);
  raw[at] = 'K';  // "José Karcía"
  const std::string tampered =
      "CP1:" + cityid::credential::Base45Encode(cityid::AsBytes(raw));
  auto bad = Verify(tampered);
  EXPECT_EQ(bad.code, 10) << bad.out;
  const json j = bad.Json();
  EXPECT_EQ(j["verdict"], "invalid");
  EXPECT_EQ(j["failed_check"], "bad-claims");
  EXPECT_NE(j["detail"].get<std::string>().find("does not match its signed digest"),
            std::string::npos) << j.dump();
  EXPECT_FALSE(j.contains("disclosed"));
  // Any changed character of the text is refused too.
  std::string flipped = qr;
  flipped[qr.size() / 2] = flipped[qr.size() / 2] == 'A' ? 'B' : 'A';
  EXPECT_EQ(Verify(flipped).code, 10);
}

TEST_F(PresentE2eTest, UnknownNameIsAUsageErrorListingValidNames) {
  auto r = Cityid({"present", "--data", data_, "--card", card_, "--disclose",
                   "age_over_21,nationality"}, tmp_);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("nationality"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("age_over_18"), std::string::npos) << r.err;
  // Nothing read, nothing logged.
  EXPECT_TRUE(AuditEntries(tmp_ / "data" / "cityid.db", "card.present").empty());
}

TEST_F(PresentE2eTest, RevokedCardCannotBePresentedAndOldPresentationsVerifyAsRevoked) {
  auto p = Present("age_over_21");
  ASSERT_EQ(p.code, 0) << p.err;
  const std::string qr = p.Json().value("qr_payload", "");
  ASSERT_EQ(Cityid({"revoke", "--data", data_, "--card", card_, "--reason", "reported stolen"},
                   tmp_).code, 0);
  auto again = Present("age_over_21");
  EXPECT_EQ(again.code, 4) << again.out;
  EXPECT_NE(again.err.find("revoked"), std::string::npos) << again.err;
  ASSERT_EQ(Cityid({"status-list", "export", "--data", data_, "--out", status_}, tmp_).code, 0);
  auto v = Verify(qr);
  EXPECT_EQ(v.code, 11) << v.out;
  EXPECT_EQ(v.Json()["verdict"], "revoked");
}

TEST_F(PresentE2eTest, AttributeNotOnTheCardIsRefused) {
  auto r = Present("address");
  EXPECT_EQ(r.code, 4) << r.out << r.err;
  EXPECT_NE(r.err.find("does not carry address"), std::string::npos) << r.err;
}

}  // namespace
