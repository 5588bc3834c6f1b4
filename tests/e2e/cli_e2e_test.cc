// End-to-end: drives the real `cityid` binary through the whole CLI path and its failure paths.
#include <fcntl.h>
#include <gtest/gtest.h>

#include "e2e_util.h"
#include <spawn.h>
#include <sqlite3.h>
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

int64_t CountRows(const fs::path& db, const std::string& table) {
  sqlite3* h = nullptr;
  sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* s = nullptr;
  int64_t n = -1;
  if (sqlite3_prepare_v2(h, ("SELECT count(*) FROM " + table).c_str(), -1, &s, nullptr) ==
          SQLITE_OK &&
      sqlite3_step(s) == SQLITE_ROW) {
    n = sqlite3_column_int64(s, 0);
  }
  sqlite3_finalize(s);
  sqlite3_close(h);
  return n;
}

std::string BlobOf(const fs::path& db, const std::string& sql) {
  sqlite3* h = nullptr;
  sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* s = nullptr;
  std::string out;
  if (sqlite3_prepare_v2(h, sql.c_str(), -1, &s, nullptr) == SQLITE_OK &&
      sqlite3_step(s) == SQLITE_ROW) {
    out.assign(static_cast<const char*>(sqlite3_column_blob(s, 0)),
               static_cast<size_t>(sqlite3_column_bytes(s, 0)));
  }
  sqlite3_finalize(s);
  sqlite3_close(h);
  return out;
}

// Every byte of every file under `dir` (database, WAL, shared memory, keys...).
std::string AllBytes(const fs::path& dir) {
  std::string all;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) all += Slurp(e.path());
  }
  return all;
}

class CliE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv("CITYID_ALLOW_CLOCK_OVERRIDE", "1", 1);  // the suite pins the clock with --now
    tmp_ = fs::temp_directory_path() /
           ("cityid-e2e-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(tmp_);
    fs::create_directories(tmp_);
    // Applicant files written by tests name "portrait.png" beside them, like the examples.
    fs::copy_file(Example("portrait.png"), tmp_ / "portrait.png");
    data_ = tmp_ / "data";
  }
  void TearDown() override {
    if (!HasFailure()) fs::remove_all(tmp_);
  }
  void Init(const fs::path& data, const std::string& policy = "new-york-points.toml") {
    auto r = Cityid({"init", "--data", data.string(), "--policy", Source() + "/policies/" + policy},
                    tmp_);
    ASSERT_EQ(r.code, 0) << r.err;
  }
  std::string Example(const std::string& name) { return Source() + "/examples/" + name; }
  fs::path Write(const std::string& name, const std::string& text) {
    const fs::path p = tmp_ / name;
    std::ofstream(p, std::ios::binary) << text;
    return p;
  }
  std::string Data() const { return data_.string(); }

  struct Card {
    std::string application, person, number, qr;
  };
  // enroll (example José) -> approve -> issue in `data`.
  Card EnrollApproveIssue(const fs::path& data) {
    Card c;
    auto e = Cityid({"--json", "enroll", "--data", data.string(), "--applicant", Example("applicant-jose.json")}, tmp_);
    EXPECT_EQ(e.code, 0) << e.err;
    c.application = e.Json().value("application_id", "");
    c.person = e.Json().value("person_id", "");
    EXPECT_EQ(Cityid({"approve", "--data", data.string(), "--application", c.application}, tmp_).code, 0);
    auto i = Cityid({"--json", "issue", "--data", data.string(), "--application", c.application}, tmp_);
    EXPECT_EQ(i.code, 0) << i.err;
    c.number = i.Json().value("card_number", "");
    c.qr = i.Json().value("qr_payload", "");
    return c;
  }
  fs::path ExportKeys() {
    const fs::path keys = tmp_ / "keys.json";
    EXPECT_EQ(Cityid({"keys", "export", "--data", Data(), "--out", keys.string()}, tmp_).code, 0);
    return keys;
  }

  fs::path tmp_;
  fs::path data_;
};

// Issue 14 §6: a mononym in family and a native-script name with no language are enrolled,
// issued and shown; the transliterated spelling is answered for the clerk to confirm.
TEST_F(CliE2eTest, NativeScriptMononymWithoutLanguageIsIssuedAndItsLatinSpellingAnswered) {
  Init(data_);
  const fs::path file = tmp_ / "applicant-mononym.json";
  std::ofstream(file) << R"({"legal_name": {"family": "Пушкин"}, "date_of_birth": "1990-04-12",
    "documents": [{"type": "foreign_passport", "number": "M1", "expires": "2030-01-01"},
                  {"type": "utility_bill", "issued": "2026-11-01"}]})";
  auto enroll = Cityid({"--json", "enroll", "--data", Data(), "--applicant", file.string()}, tmp_);
  ASSERT_EQ(enroll.code, 0) << enroll.err;
  const json e = enroll.Json();
  ASSERT_TRUE(e.contains("latin_name")) << enroll.out;
  EXPECT_EQ(e["latin_name"]["printed"], "Pushkin");
  EXPECT_EQ(e["latin_name"]["given"], "");
  EXPECT_EQ(e["latin_name"]["transliterated"], true);
  const std::string app = e["application_id"];
  ASSERT_EQ(Cityid({"approve", "--data", Data(), "--application", app}, tmp_).code, 0);
  auto issue = Cityid({"--json", "issue", "--data", Data(), "--application", app}, tmp_);
  ASSERT_EQ(issue.code, 0) << issue.err;
  const std::string number = issue.Json()["card_number"];
  auto show = Cityid({"--json", "show", "--data", Data(), "--card", number}, tmp_);
  EXPECT_EQ(show.code, 0) << show.err;
  // The human answer says the spelling and asks for it to be checked.
  std::ofstream(file) << R"({"legal_name": {"given": "Анна", "family": "Ким"}, "date_of_birth": "1991-04-12",
    "documents": [{"type": "foreign_passport", "number": "M2", "expires": "2030-01-01"},
                  {"type": "utility_bill", "issued": "2026-11-01"}]})";
  auto human = Cityid({"enroll", "--data", Data(), "--applicant", file.string()}, tmp_);
  ASSERT_EQ(human.code, 0) << human.err;
  EXPECT_NE(human.out.find("Anna Kim"), std::string::npos) << human.out;
  EXPECT_NE(human.out.find("applicant's documents"), std::string::npos) << human.out;
  // An emoji is refused at enrollment (invalid input, exit 3), naming the field.
  std::ofstream(file) << R"({"legal_name": {"given": "Ana\ud83d\ude00"}, "date_of_birth": "1990-04-12",
    "documents": []})";
  auto emoji = Cityid({"--json", "enroll", "--data", Data(), "--applicant", file.string()}, tmp_);
  EXPECT_EQ(emoji.code, 3) << emoji.out << emoji.err;
  EXPECT_NE((emoji.out + emoji.err).find("invalid-name"), std::string::npos) << emoji.out << emoji.err;
}

TEST_F(CliE2eTest, WholeLifecycleInitEnrollApproveIssueVerifyRevokePurge) {
  Init(data_);
  auto enroll = Cityid({"--json", "enroll", "--data", Data(), "--applicant", Example("applicant-jose.json")}, tmp_);
  ASSERT_EQ(enroll.code, 0) << enroll.err;
  const json e = enroll.Json();
  EXPECT_EQ(e["status"], "documents_checked");
  EXPECT_TRUE(e["evaluation"]["satisfied"].get<bool>());
  const std::string app = e["application_id"];
  const std::string person = e["person_id"];

  auto approve = Cityid({"approve", "--data", Data(), "--application", app}, tmp_);
  ASSERT_EQ(approve.code, 0) << approve.err;
  auto issue = Cityid({"--json", "issue", "--data", Data(), "--application", app}, tmp_);
  ASSERT_EQ(issue.code, 0) << issue.err;
  const json card = issue.Json();
  const std::string qr = card["qr_payload"];
  const std::string number = card["card_number"];
  EXPECT_LE(qr.size(), 600u) << "typical card payload must fit 600 Base45 characters";

  // Publish keys and status list; verify with no data folder at all.
  const fs::path keys = tmp_ / "keys.json";
  const fs::path status = tmp_ / "status.json";
  ASSERT_EQ(Cityid({"keys", "export", "--data", Data(), "--out", keys.string()}, tmp_).code, 0);
  ASSERT_EQ(Cityid({"status-list", "export", "--data", Data(), "--out", status.string()}, tmp_).code, 0);
  auto verify = Cityid({"--json", "verify", qr, "--keys", keys.string(), "--status", status.string()}, tmp_);
  ASSERT_EQ(verify.code, 0) << verify.out << verify.err;
  const json v = verify.Json();
  EXPECT_EQ(v["verdict"], "valid");
  EXPECT_EQ(v["disclosed"]["card_number"], number);
  EXPECT_EQ(v["disclosed"]["date_of_birth"], "1990-04-12");
  // From standard input and from a file, too.
  EXPECT_EQ(Cityid({"verify", "-", "--keys", keys.string()}, tmp_, qr + "\n").code, 0);
  EXPECT_EQ(Cityid({"verify", "--file", Write("qr.txt", qr).string(), "--keys", keys.string()}, tmp_).code, 0);

  // Nothing personal in clear anywhere in the data folder (database, WAL, keys).
  {
    const std::string raw = AllBytes(data_);
    for (const char* needle : {"José", "Jos\xc3\xa9", "García", "Garcia", "GARCIA", "1990-04-12",
                               "19900412", "G12345678", "Grand Ave", "10002"}) {
      EXPECT_EQ(raw.find(needle), std::string::npos) << "found in clear: " << needle;
    }
  }

  // Revoke, republish, verify: revoked.
  ASSERT_EQ(Cityid({"revoke", "--data", Data(), "--card", number, "--reason", "reported stolen"}, tmp_).code, 0);
  ASSERT_EQ(Cityid({"status-list", "export", "--data", Data(), "--out", status.string()}, tmp_).code, 0);
  auto revoked = Cityid({"--json", "verify", qr, "--keys", keys.string(), "--status", status.string()}, tmp_);
  EXPECT_EQ(revoked.code, 11) << revoked.out;
  EXPECT_EQ(revoked.Json()["verdict"], "revoked");

  // Purge: the wrapped data key and the ciphertext are gone from every file.
  const fs::path db = data_ / "cityid.db";
  const std::string wrapped = BlobOf(db, "SELECT wrapped_key FROM persons WHERE id = '" + person + "'");
  const std::string sealed = BlobOf(db, "SELECT sealed FROM persons WHERE id = '" + person + "'");
  ASSERT_GT(wrapped.size(), 32u);
  ASSERT_GT(sealed.size(), 32u);
  auto purge = Cityid({"purge", "--data", Data(), "--person", person}, tmp_);
  ASSERT_EQ(purge.code, 0) << purge.err;
  EXPECT_EQ(CountRows(db, "persons"), 0);
  const std::string raw = AllBytes(data_);
  EXPECT_EQ(raw.find(wrapped), std::string::npos) << "wrapped data key survived the purge";
  EXPECT_EQ(raw.find(sealed.substr(0, 48)), std::string::npos) << "ciphertext survived the purge";
  EXPECT_EQ(Cityid({"purge", "--data", Data(), "--person", person}, tmp_).code, 5);
}

TEST_F(CliE2eTest, DuplicateIsFlaggedForSupervisor) {
  Init(data_);
  ASSERT_EQ(Cityid({"enroll", "--data", Data(), "--applicant", Example("applicant-jose.json")}, tmp_).code, 0);
  auto dup = Cityid({"--json", "enroll", "--data", Data(), "--applicant", Example("applicant-khose-duplicate.json")}, tmp_);
  ASSERT_EQ(dup.code, 0) << dup.err;
  const json j = dup.Json();
  EXPECT_EQ(j["status"], "flagged");
  EXPECT_EQ(j["flagged_for_review"], true);
  // The counter (a clerk) learns only that it was flagged, never the other application.
  EXPECT_FALSE(j.contains("duplicates")) << dup.out;
  EXPECT_EQ(dup.out.find("app_"), dup.out.find(j["application_id"].get<std::string>()));
  const std::string app = j["application_id"];
  // The supervisor's `show` names the pair.
  auto shown = Cityid({"--json", "show", "--data", Data(), "--application", app}, tmp_);
  ASSERT_EQ(shown.code, 0) << shown.err;
  EXPECT_FALSE(shown.Json()["duplicates"].empty()) << shown.out;
  EXPECT_EQ(Cityid({"approve", "--data", Data(), "--application", app}, tmp_).code, 4);
  // Separation of duties: whoever enrolled a flagged application cannot approve it.
  EXPECT_EQ(Cityid({"approve", "--data", Data(), "--application", app, "--reason", "checked"}, tmp_).code, 6);
  EXPECT_EQ(Cityid({"--actor", "supervisor-2", "approve", "--data", Data(), "--application", app, "--reason", "different person, checked"}, tmp_).code, 0);
}

TEST_F(CliE2eTest, BatchEnrollsEachLineAndReportsBadLinesWithoutStopping) {
  Init(data_);
  const int64_t audit_before = CountRows(data_ / "cityid.db", "audit_log");
  auto line = [&](const std::string& example) {
    return json::parse(Slurp(Example(example))).dump() + "\n";
  };
  const fs::path batch = Write("queue.jsonl", line("applicant-jose.json") + "\n" +
                                                  line("applicant-missing-residency.json") +
                                                  "{not json\n" +
                                                  line("applicant-khose-duplicate.json"));
  auto r = Cityid({"--json", "enroll", "--data", Data(), "--batch", batch.string()}, tmp_);
  EXPECT_EQ(r.code, 4) << "two lines failed: the first failure's exit status (refused documents)";
  const json j = r.Json()["error"];  // a failed command puts its details under "error"
  EXPECT_EQ(j["type"], "documents-insufficient");
  EXPECT_EQ(j["enrolled"], 2);
  EXPECT_EQ(j["flagged"], 1);  // Хосе is José again
  EXPECT_EQ(j["failed"], 2);
  ASSERT_EQ(j["failures"].size(), 2u);
  EXPECT_EQ(j["failures"][0]["line"], 3);  // the blank line 2 is not an applicant
  EXPECT_EQ(j["failures"][0]["error"], "documents-insufficient");
  EXPECT_EQ(j["failures"][1]["line"], 4);
  EXPECT_EQ(CountRows(data_ / "cityid.db", "persons"), 2);
  // Same checks and audit entries as one at a time: an enroll entry each, plus the flag.
  EXPECT_EQ(CountRows(data_ / "cityid.db", "audit_log") - audit_before, 1 + 1 + 1);

  const fs::path good = Write("good.jsonl", line("applicant-jose.json"));
  auto ok = Cityid({"--json", "enroll", "--data", Data(), "--batch", good.string()}, tmp_);
  EXPECT_EQ(ok.code, 0) << ok.err;
  EXPECT_EQ(ok.Json()["flagged"], 1);
  EXPECT_EQ(
      Cityid({"enroll", "--data", Data(), "--batch", (tmp_ / "missing.jsonl").string()}, tmp_).code,
      3);
  EXPECT_EQ(Cityid({"enroll", "--data", Data()}, tmp_).code, 3);  // neither --applicant nor --batch
}

TEST_F(CliE2eTest, InsufficientDocumentsExplainAndWriteNothing) {
  Init(data_);
  auto r = Cityid({"enroll", "--data", Data(), "--applicant", Example("applicant-missing-residency.json")}, tmp_);
  EXPECT_EQ(r.code, 4);
  EXPECT_NE(r.err.find("residency"), std::string::npos) << r.err;
  EXPECT_EQ(CountRows(data_ / "cityid.db", "persons"), 0);
}

TEST_F(CliE2eTest, BadInputGivesClearErrorAndLeavesStoreUnchanged) {
  Init(data_);
  const std::string good = Slurp(Example("applicant-jose.json"));
  struct Case {
    std::string name;
    std::string text;
    std::string expect_in_error;
  };
  std::string over_long = good;
  over_long.replace(over_long.find("\"José\""), std::string("\"José\"").size(), "\"" + std::string(300, 'x') + "\"");
  std::string non_utf8 = good;
  non_utf8.replace(non_utf8.find("José"), 5, "Jos\xe9");
  std::string unknown_type = good;
  unknown_type.replace(unknown_type.find("utility_bill"), 12, "moon_rock");
  std::string bad_date = good;
  bad_date.replace(bad_date.find("1990-04-12"), 10, "1990-02-31");
  std::string ssn = good;
  ssn.replace(ssn.find("\"gender\""), 8, "\"ssn\": \"123-45-6789\", \"gender\"");
  const std::vector<Case> cases = {
      {"malformed json", "{\"legal_name\": {", "malformed-json"},
      {"over-long name", over_long, "field-too-long"},
      {"non-utf8 name", non_utf8, "invalid-utf8"},
      {"unknown document type", unknown_type, "unknown-document-type"},
      {"impossible date", bad_date, "invalid-date"},
      {"never-stored field", ssn, "unknown-field"},
  };
  for (const auto& c : cases) {
    const fs::path f = Write("bad.json", c.text);
    auto r = Cityid({"enroll", "--data", Data(), "--applicant", f.string()}, tmp_);
    EXPECT_EQ(r.code, 3) << c.name << ": " << r.err;
    EXPECT_NE(r.err.find(c.expect_in_error), std::string::npos) << c.name << ": " << r.err;
    EXPECT_EQ(r.err.find("123-45-6789"), std::string::npos) << "error echoed a value";
  }
  EXPECT_EQ(CountRows(data_ / "cityid.db", "persons"), 0);
  EXPECT_EQ(CountRows(data_ / "cityid.db", "applications"), 0);
  EXPECT_EQ(CountRows(data_ / "cityid.db", "audit_log"), 0);
}

TEST_F(CliE2eTest, TamperedTruncatedAndForeignPayloadsAreInvalid) {
  Init(data_);
  const std::string qr = EnrollApproveIssue(data_).qr;
  const fs::path keys = ExportKeys();

  auto truncated = Cityid({"--json", "verify", qr.substr(0, qr.size() / 2), "--keys", keys.string()}, tmp_);
  EXPECT_EQ(truncated.code, 10);
  EXPECT_EQ(truncated.Json()["verdict"], "invalid");

  // Flip one character in the middle (stay inside the Base45 alphabet).
  std::string flipped = qr;
  char& c = flipped[flipped.size() / 2];
  c = c == 'A' ? 'B' : 'A';
  auto f = Cityid({"--json", "verify", flipped, "--keys", keys.string()}, tmp_);
  EXPECT_EQ(f.code, 10);
  EXPECT_FALSE(f.Json().contains("disclosed")) << "no field may be shown from an unverified payload";

  EXPECT_EQ(Cityid({"verify", "not base45 at all!", "--keys", keys.string()}, tmp_).code, 10);

  // A card from another city's keys.
  const fs::path other = tmp_ / "other";
  Init(other);
  const std::string foreign = EnrollApproveIssue(other).qr;
  auto fr = Cityid({"--json", "verify", foreign, "--keys", keys.string()}, tmp_);
  EXPECT_EQ(fr.code, 10);
  EXPECT_EQ(fr.Json()["failed_check"], "unknown-key");
}

TEST_F(CliE2eTest, VerifyFailsClosedWhenGivenStatusListsDoNotCoverTheCard) {
  Init(data_);
  const std::string qr = EnrollApproveIssue(data_).qr;
  const fs::path keys = ExportKeys();
  // A status list from another city (other keys) is refused outright.
  const fs::path other = tmp_ / "other";
  Init(other);
  EnrollApproveIssue(other);
  const fs::path foreign_list = tmp_ / "foreign-status.json";
  ASSERT_EQ(Cityid({"status-list", "export", "--data", other.string(), "--out", foreign_list.string()}, tmp_).code, 0);
  // Exit 3 (invalid input: signed by an unknown key), not a verdict on the card.
  EXPECT_EQ(
      Cityid({"verify", qr, "--keys", keys.string(), "--status", foreign_list.string()}, tmp_).code,
      3);
}

TEST_F(CliE2eTest, ClockOverrideIsRefusedForCommandsThatWrite) {
  Init(data_);
  ::unsetenv("CITYID_ALLOW_CLOCK_OVERRIDE");
  auto r = Cityid({"purge", "--data", Data(), "--expired"}, tmp_);
  ::setenv("CITYID_ALLOW_CLOCK_OVERRIDE", "1", 1);
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("--now"), std::string::npos);
}

TEST_F(CliE2eTest, ApplicantFromStandardInputLeavesNoFile) {
  Init(data_);
  std::string text = Slurp(Example("applicant-jose.json"));
  text.replace(text.find("\"photo\": \"portrait.png\","), std::string("\"photo\": \"portrait.png\",").size(), "");
  auto r = Cityid({"--json", "enroll", "--data", Data(), "--applicant", "-"}, tmp_, text);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.Json()["status"], "documents_checked");
}

TEST_F(CliE2eTest, RefusalExplainsWhichDocumentDidNotCount) {
  Init(data_);
  std::string text = Slurp(Example("applicant-jose.json"));
  text.replace(text.find("2026-11-02"), 10, "2026-01-02");  // utility bill too old
  auto r = Cityid({"--json", "enroll", "--data", Data(), "--applicant", Write("old-bill.json", text).string()}, tmp_);
  EXPECT_EQ(r.code, 4);
  EXPECT_NE(r.err.find("utility_bill not accepted"), std::string::npos) << r.err;
  const json j = r.Json();
  EXPECT_EQ(j["error"]["type"], "documents-insufficient");
  EXPECT_FALSE(j["error"]["evaluation"]["documents"][1]["accepted"].get<bool>());
}

TEST_F(CliE2eTest, UsageErrorsAreReportedLikeOtherErrors) {
  auto r = Cityid({"--json", "frobnicate"}, tmp_);
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.Json()["error"]["type"], "usage");
  EXPECT_NE(r.err.find("unknown command 'frobnicate'"), std::string::npos);
}

TEST_F(CliE2eTest, StatusListCanBePublishedBeforeTheFirstCard) {
  Init(data_);
  const fs::path list = tmp_ / "status.json";
  ASSERT_EQ(Cityid({"status-list", "export", "--data", Data(), "--out", list.string()}, tmp_).code, 0);
  EXPECT_NE(Slurp(list).find("BitstringStatusList"), std::string::npos);
}

TEST_F(CliE2eTest, NamesInOtherScriptsGetReadableLatinAndNativeOrder) {
  Init(data_);
  std::string text = Slurp(Example("applicant-jose.json"));
  text.replace(text.find("{\"given\": \"José\", \"family\": \"García\"}"),
               std::string("{\"given\": \"José\", \"family\": \"García\"}").size(),
               "{\"given\": \"小明\", \"family\": \"王\"}");
  const fs::path f = Write("zh.json", text);
  auto e = Cityid({"--json", "enroll", "--data", Data(), "--applicant", f.string()}, tmp_);
  ASSERT_EQ(e.code, 0) << e.err;
  const std::string app = e.Json()["application_id"];
  ASSERT_EQ(Cityid({"approve", "--data", Data(), "--application", app}, tmp_).code, 0);
  const std::string qr = Cityid({"--json", "issue", "--data", Data(), "--application", app}, tmp_).Json()["qr_payload"];
  auto v = Cityid({"--json", "verify", qr, "--data", Data()}, tmp_);
  ASSERT_EQ(v.code, 0) << v.out;
  EXPECT_EQ(v.Json()["disclosed"]["full_name"], "Xiao Ming Wang");
  EXPECT_EQ(v.Json()["disclosed"]["full_name_native"], "王小明");
}

TEST_F(CliE2eTest, ExpiredCardIsReportedExpired) {
  Init(data_);
  const std::string qr = EnrollApproveIssue(data_).qr;
  const fs::path keys = ExportKeys();
  // Twenty years later (bypass the fixture's --now by passing a later one last wins).
  auto r = Cityid({"--now", "2426608000", "--json", "verify", qr, "--keys", keys.string()}, tmp_);
  EXPECT_EQ(r.code, 12) << r.out << r.err;
}

TEST_F(CliE2eTest, MalformedPolicyRefusedAndNothingCreated) {
  const fs::path bad = Write("bad.toml", "[city\nname = 'x'\n");
  auto r = Cityid({"init", "--data", Data(), "--policy", bad.string()}, tmp_);
  EXPECT_EQ(r.code, 3) << r.err;
  EXPECT_NE(r.err.find("malformed-toml"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(data_));
}

TEST_F(CliE2eTest, CommandsOnMissingDataFolderSayHowToInit) {
  auto r = Cityid({"enroll", "--data", (tmp_ / "nowhere").string(), "--applicant", Example("applicant-jose.json")}, tmp_);
  EXPECT_EQ(r.code, 4);
  EXPECT_NE(r.err.find("cityid init"), std::string::npos) << r.err;
  EXPECT_EQ(Cityid({"frobnicate"}, tmp_).code, 2);
  EXPECT_EQ(Cityid({"verify", "ABC"}, tmp_).code, 3);  // no keys given
}

TEST_F(CliE2eTest, RenewAndReplaceCards) {
  Init(data_);
  const std::string number = EnrollApproveIssue(data_).number;
  auto replaced = Cityid({"--json", "replace", "--data", Data(), "--card", number}, tmp_);
  ASSERT_EQ(replaced.code, 0) << replaced.err;
  const std::string fresh = replaced.Json()["card_number"];
  EXPECT_NE(fresh, number);
  auto shown = Cityid({"--json", "show", "--data", Data(), "--card", number}, tmp_).Json();
  EXPECT_EQ(shown["status"], "revoked");
  EXPECT_EQ(shown["replaced_by"], fresh);
  auto renewed = Cityid({"--json", "renew", "--data", Data(), "--card", fresh}, tmp_);
  ASSERT_EQ(renewed.code, 0) << renewed.err;
  EXPECT_EQ(Cityid({"--json", "show", "--data", Data(), "--card", fresh}, tmp_).Json()["status"], "replaced");
  // Retention run succeeds and keeps the active cardholder.
  auto purge = Cityid({"--json", "purge", "--data", Data(), "--expired"}, tmp_);
  ASSERT_EQ(purge.code, 0) << purge.err;
  EXPECT_EQ(purge.Json()["persons_purged"], 0);
}

}  // namespace
