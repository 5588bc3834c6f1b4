// End-to-end: the tamper-evident access log. Builds a log with real commands, then plays an
// attacker with write access to the database file (the append-only triggers dropped) and checks
// that `cityid audit verify` catches every kind of edit.
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

#include "audit/entry.h"
#include "audit/merkle.h"
#include "base/bytes.h"

extern char** environ;

namespace {

namespace fs = std::filesystem;
using cityid::Bytes;
using nlohmann::json;

using namespace cityid::e2e;  // NOLINT: test file
using RunResult = Run;

// The attacker: direct SQL on the database file, bypassing cityid.
class RawDb {
 public:
  explicit RawDb(const fs::path& db) {
    EXPECT_EQ(sqlite3_open_v2(db.c_str(), &h_, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
  }
  ~RawDb() { sqlite3_close(h_); }
  void Exec(const std::string& sql) {
    char* err = nullptr;
    EXPECT_EQ(sqlite3_exec(h_, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK)
        << sql << ": " << (err ? err : "");
    sqlite3_free(err);
  }
  int64_t Int(const std::string& sql) {
    sqlite3_stmt* s = nullptr;
    int64_t n = -1;
    if (sqlite3_prepare_v2(h_, sql.c_str(), -1, &s, nullptr) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW) {
      n = sqlite3_column_int64(s, 0);
    }
    sqlite3_finalize(s);
    return n;
  }
  cityid::audit::Entry Entry(int64_t seq) {
    sqlite3_stmt* s = nullptr;
    cityid::audit::Entry e;
    const std::string sql =
        "SELECT at, actor, role, site, action, subject, reason FROM audit_log WHERE seq = " +
        std::to_string(seq);
    if (sqlite3_prepare_v2(h_, sql.c_str(), -1, &s, nullptr) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW) {
      auto text = [&](int c) {
        const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s, c));
        return p ? std::string(p) : std::string();
      };
      e = {sqlite3_column_int64(s, 0), text(1), text(2), text(3), text(4), text(5), text(6)};
    } else {
      ADD_FAILURE() << "no entry " << seq;
    }
    sqlite3_finalize(s);
    return e;
  }
  // Writes an entry's leaf hash as the attacker would, to match edited fields.
  void SetLeafHash(int64_t seq, const Bytes& hash) {
    Exec("UPDATE audit_log SET leaf_hash = x'" + cityid::HexEncode(hash) +
         "' WHERE seq = " + std::to_string(seq));
  }
  // Puts an entry's fields back (the test's values hold no quotes).
  void Restore(int64_t seq, const cityid::audit::Entry& e) {
    Exec("UPDATE audit_log SET at = " + std::to_string(e.at) + ", actor = '" + e.actor +
         "', role = '" + e.role + "', site = '" + e.site + "', action = '" + e.action +
         "', subject = '" + e.subject + "', reason = '" + e.reason +
         "' WHERE seq = " + std::to_string(seq));
  }
  void DropTriggers() {
    Exec("DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;");
  }

 private:
  sqlite3* h_ = nullptr;
};

class AuditE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv("CITYID_ALLOW_CLOCK_OVERRIDE", "1", 1);  // the suite pins the clock with --now
    tmp_ = fs::temp_directory_path() /
           ("cityid-audit-e2e-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(tmp_);
    fs::create_directories(tmp_);
    data_ = tmp_ / "data";
  }
  void TearDown() override {
    if (!HasFailure()) fs::remove_all(tmp_);
  }
  std::string Data() const { return data_.string(); }
  std::string Example(const std::string& name) { return Source() + "/examples/" + name; }
  fs::path Db() const { return data_ / "cityid.db"; }

  // A log of a few dozen entries from real commands, with tree heads along the way and one
  // at the end (so every entry is covered by a signed head).
  void BuildLog() {
    auto init = Cityid(
        {"init", "--data", Data(), "--policy", Source() + "/policies/new-york-points.toml"}, tmp_);
    ASSERT_EQ(init.code, 0) << init.err;
    for (int round = 0; round < 4; ++round) {
      auto e = Cityid(
          {"--json", "enroll", "--data", Data(), "--applicant", Example("applicant-jose.json")},
          tmp_);
      ASSERT_EQ(e.code, 0) << e.err;
      const std::string app = e.Json().value("application_id", "");
      // From the second round on, José is a possible duplicate: a supervisor decides.
      auto a = Cityid({"--actor", "supervisor-" + std::to_string(round), "approve", "--data",
                       Data(), "--application", app, "--reason", "different person, checked"},
                      tmp_);
      ASSERT_EQ(a.code, 0) << a.err;
      auto i = Cityid({"--json", "issue", "--data", Data(), "--application", app}, tmp_);
      ASSERT_EQ(i.code, 0) << i.err;
      const std::string card = i.Json().value("card_number", "");
      if (round % 2 == 1) {
        auto r = Cityid({"revoke", "--data", Data(), "--card", card, "--reason", "reported stolen"},
                        tmp_);
        ASSERT_EQ(r.code, 0) << r.err;
      }
      auto h = Cityid({"audit", "head", "--data", Data()}, tmp_);
      ASSERT_EQ(h.code, 0) << h.err;
    }
    RawDb db(Db());
    entries_ = db.Int("SELECT count(*) FROM audit_log");
    // 4 rounds of enroll, approve, issue (no "retention after print" update since issue 17: the
    // address is dropped when the card is marked printed), 2 revokes, staff-less CLI actors.
    ASSERT_GE(entries_, 25);
    ASSERT_EQ(db.Int("SELECT count(*) FROM tree_heads"), 4);
  }
  RunResult Verify() { return Cityid({"--json", "audit", "verify", "--data", Data()}, tmp_); }
  // Asserts that verification fails with exit 7 and returns the error object.
  json ExpectTampered(const std::string& what) {
    auto r = Verify();
    EXPECT_EQ(r.code, 7) << what << ": " << r.out << r.err;
    const json j = r.Json();
    EXPECT_EQ(j["error"]["type"], "store-corrupt") << what;
    EXPECT_EQ(j["error"]["intact"], false) << what;
    return j["error"];
  }

  fs::path tmp_;
  fs::path data_;
  int64_t entries_ = 0;
};

TEST_F(AuditE2eTest, IntactLogVerifiesExportsAndProves) {
  BuildLog();
  auto v = Verify();
  ASSERT_EQ(v.code, 0) << v.out << v.err;
  EXPECT_EQ(v.Json()["entries"], entries_);
  EXPECT_EQ(v.Json()["tree_heads"], 4);

  // An outside auditor with only the exported files and the log key.
  const fs::path entries = tmp_ / "entries.json", heads = tmp_ / "heads.json",
                 key = tmp_ / "log-key.json";
  auto x = Cityid({"audit", "export", "--data", Data(), "--entries", entries.string(),
                   "--tree-heads", heads.string(), "--log-key", key.string()},
                  tmp_);
  ASSERT_EQ(x.code, 0) << x.err;
  auto outside = Cityid({"--json", "audit", "verify", "--entries", entries.string(), "--tree-heads",
                         heads.string(), "--log-key", key.string()},
                        tmp_);
  ASSERT_EQ(outside.code, 0) << outside.out << outside.err;
  EXPECT_EQ(outside.Json()["entries"], entries_);
  // The log key is not an issuer key.
  const json k = json::parse(Slurp(key));
  auto issuer = Cityid({"keys", "export", "--data", Data()}, tmp_);
  EXPECT_EQ(issuer.out.find(k["kid"].get<std::string>()), std::string::npos);

  // A tampered export fails the outside check too.
  json ej = json::parse(Slurp(entries));
  ej["entries"][3]["actor"] = "someone-else";
  { std::ofstream(tmp_ / "bad.json") << ej.dump(); }
  auto bad = Cityid({"--json", "audit", "verify", "--entries", (tmp_ / "bad.json").string(),
                     "--tree-heads", heads.string(), "--log-key", key.string()},
                    tmp_);
  EXPECT_EQ(bad.code, 7) << bad.out;
  EXPECT_EQ(bad.Json()["error"]["failed_seq"], 3);

  // Inclusion proofs of every entry verify against the latest signed head.
  for (int64_t seq = 0; seq < entries_; seq += 5) {
    auto p = Cityid({"audit", "proof", "--data", Data(), "--seq", std::to_string(seq)}, tmp_);
    ASSERT_EQ(p.code, 0) << p.err;
    const json j = p.Json();
    EXPECT_EQ(j["format"], "cityid-inclusion-proof-v1");
    std::vector<cityid::audit::Hash> path;
    for (const auto& h : j["audit_path"]) {
      path.push_back(*cityid::audit::ToHash(*cityid::HexDecode(h.get<std::string>())));
    }
    const auto leaf = *cityid::audit::ToHash(*cityid::HexDecode(j["leaf_hash"].get<std::string>()));
    const auto root =
        *cityid::audit::ToHash(*cityid::HexDecode(j["tree_head"]["root_hash"].get<std::string>()));
    EXPECT_TRUE(cityid::audit::VerifyInclusion(
        leaf, static_cast<uint64_t>(seq), j["tree_head"]["tree_size"].get<uint64_t>(), path, root))
        << seq;
  }
  EXPECT_EQ(
      Cityid({"audit", "proof", "--data", Data(), "--seq", std::to_string(entries_)}, tmp_).code,
      4);
}

TEST_F(AuditE2eTest, DetectsAChangedFieldInEveryEntry) {
  BuildLog();
  RawDb db(Db());
  db.DropTriggers();
  for (int64_t seq = 0; seq < entries_; ++seq) {
    const std::string where = " WHERE seq = " + std::to_string(seq);
    const cityid::audit::Entry original = db.Entry(seq);
    const Bytes original_hash = cityid::audit::LeafHash(original);
    // A naive edit: the stored leaf hash no longer matches the fields.
    db.Exec("UPDATE audit_log SET subject = subject || 'x'" + where);
    json err = ExpectTampered("subject of " + std::to_string(seq));
    EXPECT_EQ(err["failed_seq"], seq) << err.dump();
    // A careful edit: the leaf hash recomputed too; the signed head covering it disagrees.
    cityid::audit::Entry edited = db.Entry(seq);
    db.SetLeafHash(seq, cityid::audit::LeafHash(edited));
    err = ExpectTampered("subject and leaf hash of " + std::to_string(seq));
    EXPECT_TRUE(err.contains("failed_tree_head")) << err.dump();
    // Restore, and the log is intact again.
    db.Restore(seq, original);
    db.SetLeafHash(seq, original_hash);
  }
  EXPECT_EQ(Verify().code, 0);
  // Every other field too, on one entry.
  const cityid::audit::Entry seventh = db.Entry(7);
  for (const std::string set : {"at = at + 1", "actor = 'x'", "role = 'admin'", "site = 'x'",
                                "action = 'card.issue'", "reason = 'none'"}) {
    db.Exec("UPDATE audit_log SET " + set + " WHERE seq = 7");
    EXPECT_EQ(ExpectTampered(set)["failed_seq"], 7);
    db.Restore(7, seventh);
  }
  EXPECT_EQ(Verify().code, 0);
}

TEST_F(AuditE2eTest, DetectsADeletedEntry) {
  BuildLog();
  RawDb db(Db());
  db.DropTriggers();
  db.Exec("DELETE FROM audit_log WHERE seq = 11");
  const json err = ExpectTampered("delete");
  EXPECT_EQ(err["failed_seq"], 11);
}

TEST_F(AuditE2eTest, DetectsADeletedLastEntry) {
  BuildLog();
  RawDb db(Db());
  db.DropTriggers();
  db.Exec("DELETE FROM audit_log WHERE seq = (SELECT max(seq) FROM audit_log)");
  const json err = ExpectTampered("delete last");
  EXPECT_EQ(err["failed_tree_head"], 3);
}

TEST_F(AuditE2eTest, DetectsSwappedEntries) {
  BuildLog();
  RawDb db(Db());
  db.DropTriggers();
  // Swap entries 4 and 5 whole (fields and leaf hashes): each entry is self-consistent.
  db.Exec("UPDATE audit_log SET seq = -1 WHERE seq = 4");
  db.Exec("UPDATE audit_log SET seq = 4 WHERE seq = 5");
  db.Exec("UPDATE audit_log SET seq = 5 WHERE seq = -1");
  const json err = ExpectTampered("swap");
  EXPECT_TRUE(err.contains("failed_tree_head")) << err.dump();
}

TEST_F(AuditE2eTest, DetectsAnInsertedEntry) {
  BuildLog();
  RawDb db(Db());
  db.DropTriggers();
  // Make room after entry 6 and plant a well-formed entry with a correct leaf hash.
  db.Exec("UPDATE audit_log SET seq = -seq - 1000 WHERE seq >= 7");
  db.Exec("UPDATE audit_log SET seq = -seq - 1000 + 1 WHERE seq < -999");
  const cityid::audit::Entry planted{1795608000,    "e2e",   "clerk",  "",
                                     "person.read", "per_x", "routine"};
  db.Exec(
      "INSERT INTO audit_log VALUES (7, 1795608000, 'e2e', 'clerk', '', 'person.read', "
      "'per_x', 'routine', x'" +
      cityid::HexEncode(cityid::audit::LeafHash(planted)) + "')");
  ASSERT_EQ(db.Int("SELECT count(*) FROM audit_log"), entries_ + 1);
  ASSERT_EQ(db.Int("SELECT max(seq) FROM audit_log"), entries_);
  const json err = ExpectTampered("insert");
  EXPECT_TRUE(err.contains("failed_tree_head")) << err.dump();
}

TEST_F(AuditE2eTest, HeadRefusesToSignATamperedLog) {
  BuildLog();
  {
    RawDb db(Db());
    db.DropTriggers();
    db.Exec("UPDATE audit_log SET reason = 'rewritten' WHERE seq = 2");
  }
  auto h = Cityid({"--json", "audit", "head", "--data", Data()}, tmp_);
  EXPECT_EQ(h.code, 7) << h.out;
  EXPECT_EQ(RawDb(Db()).Int("SELECT count(*) FROM tree_heads"), 4);
}

TEST_F(AuditE2eTest, LogStaysVerifiableAfterEmergencyDestruction) {
  BuildLog();
  for (const char* admin : {"ada", "bea"}) {
    auto add = Cityid({"staff", "add", "--data", Data(), "--user", admin, "--role", "admin",
                       "--password-stdin"},
                      tmp_, "correct horse battery staple 42\n");
    ASSERT_EQ(add.code, 0) << add.err;
  }
  // A week on: an approver's account must be older than the cooling-off period
  // (core::kApproverCoolingOffSeconds) at the time of the request.
  const std::string later = std::to_string(std::stoll(kNow) + 8 * 86400);
  auto req = Cityid({"--json", "--now", later, "keys", "destroy", "request", "--data", Data(),
                     "--actor", "ada", "--reason", "drill: seizure imminent"},
                    tmp_);
  ASSERT_EQ(req.code, 0) << req.out << req.err;
  const std::string id = req.Json().value("request_id", "");
  ASSERT_FALSE(id.empty()) << req.out;
  auto done = Cityid({"--now", later, "keys", "destroy", "approve", "--data", Data(), "--actor",
                      "bea", "--request", id},
                     tmp_);
  ASSERT_EQ(done.code, 0) << done.out << done.err;
  ASSERT_FALSE(fs::exists(data_ / "keys" / "kek.key"));

  // The log key is all that is left, and all an auditor needs: the whole log, the destruction
  // entries and the final head included, verifies; proofs and new heads still work.
  auto v = Verify();
  ASSERT_EQ(v.code, 0) << v.out << v.err;
  RawDb db(Db());
  EXPECT_EQ(v.Json()["entries"], db.Int("SELECT count(*) FROM audit_log"));
  EXPECT_EQ(db.Int("SELECT count(*) FROM audit_log WHERE action = 'keys.destroy'"), 1);
  auto p = Cityid({"audit", "proof", "--data", Data(), "--seq", "0"}, tmp_);
  EXPECT_EQ(p.code, 0) << p.err;
  EXPECT_EQ(Cityid({"--now", later, "audit", "head", "--data", Data()}, tmp_).code, 0);
  EXPECT_EQ(Verify().code, 0);
}

// A folder whose log key is lost: `audit verify` reports it missing (exit 4) and makes none
// (issue 14 §5: it used to make a new key, report tampering, then clash with the old key).
TEST_F(AuditE2eTest, LostLogKeyIsReportedMissingAndNeverReplaced) {
  BuildLog();
  fs::path lost;
  for (const auto& e : fs::directory_iterator(data_ / "keys")) {
    if (e.path().filename().string().rfind("log-", 0) == 0) lost = e.path();
  }
  ASSERT_FALSE(lost.empty());
  fs::rename(lost, tmp_ / "log.key");
  auto v = Verify();
  EXPECT_EQ(v.code, 4) << v.out << v.err;
  EXPECT_EQ(v.Json()["error"]["type"], "keys-missing");
  auto e = Cityid(
      {"--json", "enroll", "--data", Data(), "--applicant", Example("applicant-jose.json")}, tmp_);
  EXPECT_EQ(e.code, 4) << e.err;  // heads were signed: no command makes a new key
  for (const auto& f : fs::directory_iterator(data_ / "keys")) {
    EXPECT_NE(f.path().filename().string().rfind("log-", 0), 0u) << f.path();
  }
  fs::rename(tmp_ / "log.key", lost);
  EXPECT_EQ(Verify().code, 0);
}

// A folder made before the log key existed (no log key, no tree head, none recorded) gets one
// on first use by a command that opens the folder, 0600, and then keeps it.
TEST_F(AuditE2eTest, OlderDataFolderGetsALogKeyOnFirstUse) {
  auto init = Cityid(
      {"init", "--data", Data(), "--policy", Source() + "/policies/new-york-points.toml"}, tmp_);
  ASSERT_EQ(init.code, 0) << init.err;
  for (const auto& e : fs::directory_iterator(data_ / "keys")) {
    if (e.path().filename().string().rfind("log-", 0) == 0) fs::remove(e.path());
  }
  { RawDb(Db()).Exec("DELETE FROM store_facts WHERE name = 'key_check.log'"); }
  EXPECT_EQ(Verify().code, 4);  // read-only: reported missing, not made
  auto e = Cityid(
      {"--json", "enroll", "--data", Data(), "--applicant", Example("applicant-jose.json")}, tmp_);
  ASSERT_EQ(e.code, 0) << e.err;
  int found = 0;
  for (const auto& f : fs::directory_iterator(data_ / "keys")) {
    if (f.path().filename().string().rfind("log-", 0) == 0) {
      ++found;
      EXPECT_EQ(fs::status(f.path()).permissions() & fs::perms::all,
                fs::perms::owner_read | fs::perms::owner_write);
    }
  }
  EXPECT_EQ(found, 1);
  EXPECT_EQ(Verify().code, 0);
}

}  // namespace
