#include "core/audit_log.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "audit/verify.h"
#include "base/rng.h"
#include "crypto/sign.h"
#include "store/sqlite/sqlite_store.h"

namespace cityid::core {
namespace {

constexpr int64_t kEntries = 1000;

// A 1,000-entry log in a database file, with signed heads at 250, 600 and 1,000 entries, and
// the attacker: a second connection editing the file directly, triggers dropped.
class AuditLogTamperTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(crypto::InitCrypto().ok());
    dir_ = std::filesystem::temp_directory_path() /
           ("cityid-audit-log-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    const std::string path = (dir_ / "cityid.db").string();
    store_ = std::move(store::OpenSqliteStore(path)).value();
    key_ = crypto::Ed25519Signer::Generate(rng_);
    int64_t seq = 0;
    for (const int64_t upto : {250, 600, 1000}) {
      ASSERT_TRUE(store_->Write([&](store::Tx& tx) -> Status {
        for (; seq < upto; ++seq) {
          const std::string n = std::to_string(seq);
          CITYID_RETURN_IF_ERROR(tx.AppendAudit({1795608000 + seq, "stf_" + n, "clerk", "city-hall",
                                                 seq % 2 ? "person.read" : "application.enroll",
                                                 "per_" + n, seq % 3 ? "" : "counter visit"})
                                     .status());
        }
        return Status::Ok();
      }).ok());
      auto head = SignScheduledTreeHead(*store_, *key_, 1795700000 + upto);
      ASSERT_TRUE(head.ok() && head->has_value());
    }
    ASSERT_EQ(sqlite3_open(path.c_str(), &db_), SQLITE_OK);
    // The attacker does not care for durability: no fsync per edit (the test stays fast).
    Exec("PRAGMA synchronous=OFF; DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;");
  }
  void TearDown() override {
    sqlite3_close(db_);
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Exec(const std::string& sql) {
    char* err = nullptr;
    ASSERT_EQ(sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK)
        << sql << ": " << (err ? err : "");
  }
  // What `cityid audit verify --data DIR` runs; returns the verifier for its findings.
  Status Verify(audit::LogVerifier* verifier) {
    size_t heads = 0;
    return store_->Read([&](store::Tx& tx) { return VerifyStoredLog(tx, *verifier, &heads); });
  }
  void ExpectDetected(const std::string& what, int64_t near_seq) {
    audit::LogVerifier v(key_->public_key());
    const Status s = Verify(&v);
    ASSERT_EQ(s.id(), ErrorId::kStoreCorrupt) << what;
    ASSERT_TRUE(v.failed_seq().has_value() || v.failed_head().has_value()) << what;
    if (v.failed_seq()) {
      EXPECT_LE(std::abs(*v.failed_seq() - near_seq), 1) << what << ": " << s.message();
    }
  }

  std::filesystem::path dir_;
  SeededRng rng_{11};
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<crypto::Ed25519Signer> key_;
  sqlite3* db_ = nullptr;
};

TEST_F(AuditLogTamperTest, IntactLogVerifies) {
  audit::LogVerifier v(key_->public_key());
  ASSERT_TRUE(Verify(&v).ok());
  EXPECT_EQ(v.entries(), static_cast<uint64_t>(kEntries));
}

TEST_F(AuditLogTamperTest, EveryChangedEntryIsDetected) {
  for (int64_t seq = 0; seq < kEntries; ++seq) {
    const std::string where = " WHERE seq = " + std::to_string(seq);
    // A field changed in place (the leaf hash no longer matches), then put back.
    Exec("UPDATE audit_log SET reason = reason || 'x'" + where);
    ExpectDetected("changed entry " + std::to_string(seq), seq);
    Exec("UPDATE audit_log SET reason = substr(reason, 1, length(reason) - 1)" + where);
  }
  audit::LogVerifier v(key_->public_key());
  EXPECT_TRUE(Verify(&v).ok());
}

TEST_F(AuditLogTamperTest, EveryDeletedEntryIsDetected) {
  Exec("CREATE TABLE saved AS SELECT * FROM audit_log WHERE 0");
  for (int64_t seq = 0; seq < kEntries; ++seq) {
    const std::string where = " WHERE seq = " + std::to_string(seq);
    Exec("INSERT INTO saved SELECT * FROM audit_log" + where + "; DELETE FROM audit_log" + where);
    ExpectDetected("deleted entry " + std::to_string(seq), seq);
    Exec("INSERT INTO audit_log SELECT * FROM saved; DELETE FROM saved");
  }
  audit::LogVerifier v(key_->public_key());
  EXPECT_TRUE(Verify(&v).ok());
}

TEST_F(AuditLogTamperTest, EverySwapOfNeighboursIsDetected) {
  for (int64_t seq = 0; seq + 1 < kEntries; ++seq) {
    const std::string a = std::to_string(seq), b = std::to_string(seq + 1);
    // Swap two entries' places, leaf hashes and all (each still matches its own fields).
    Exec("UPDATE audit_log SET seq = -1 WHERE seq = " + a + "; UPDATE audit_log SET seq = " + a +
         " WHERE seq = " + b + "; UPDATE audit_log SET seq = " + b + " WHERE seq = -1");
    ExpectDetected("swapped " + a + " and " + b, seq);
    Exec("UPDATE audit_log SET seq = -1 WHERE seq = " + a + "; UPDATE audit_log SET seq = " + a +
         " WHERE seq = " + b + "; UPDATE audit_log SET seq = " + b + " WHERE seq = -1");
  }
  audit::LogVerifier v(key_->public_key());
  EXPECT_TRUE(Verify(&v).ok());
}

TEST_F(AuditLogTamperTest, AnInsertedEntryIsDetectedAnywhere) {
  // A forged entry with a correct leaf hash, slipped in at every 25th place (the later ones move
  // up by one), then taken out again.
  for (int64_t seq = 0; seq < kEntries; seq += 25) {
    const std::string at = std::to_string(seq);
    Exec("UPDATE audit_log SET seq = -seq - 2 WHERE seq >= " + at +
         "; UPDATE audit_log SET seq = -seq - 1 WHERE seq < -1");
    audit::Entry forged{1795608000 + seq, "stf_x", "admin", "city-hall", "person.read", "per_x", ""};
    const Bytes leaf = audit::LeafHash(forged);
    sqlite3_stmt* st = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db_,
                                 "INSERT INTO audit_log (seq, at, actor, role, site, action, "
                                 "subject, reason, leaf_hash) VALUES (?,?,?,?,?,?,?,?,?)",
                                 -1, &st, nullptr),
              SQLITE_OK)
        << sqlite3_errmsg(db_);
    sqlite3_bind_int64(st, 1, seq);
    sqlite3_bind_int64(st, 2, forged.at);
    int i = 3;
    for (const std::string* f : {&forged.actor, &forged.role, &forged.site, &forged.action,
                                 &forged.subject, &forged.reason}) {
      sqlite3_bind_text(st, i++, f->c_str(), -1, SQLITE_TRANSIENT);
    }
    sqlite3_bind_blob(st, 9, leaf.data(), static_cast<int>(leaf.size()), SQLITE_TRANSIENT);
    ASSERT_EQ(sqlite3_step(st), SQLITE_DONE) << sqlite3_errmsg(db_);
    sqlite3_finalize(st);
    ExpectDetected("inserted at " + at, seq);
    Exec("DELETE FROM audit_log WHERE seq = " + at +
         "; UPDATE audit_log SET seq = -seq WHERE seq > " + at +
         "; UPDATE audit_log SET seq = -seq - 1 WHERE seq < 0");
  }
  audit::LogVerifier v(key_->public_key());
  EXPECT_TRUE(Verify(&v).ok());
}

}  // namespace
}  // namespace cityid::core
