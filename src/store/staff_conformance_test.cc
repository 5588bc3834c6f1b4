// Conformance of every Store backend for staff accounts, sessions and failed logins (v4).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "store/sqlite/sqlite_store.h"

namespace cityid::store {
namespace {

using Factory = std::function<std::unique_ptr<Store>(const std::string& dir)>;

struct Backend {
  std::string name;
  Factory open;
};

class StaffConformanceTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("cityid-staff-store-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    store_ = GetParam().open(dir_.string());
    ASSERT_NE(store_, nullptr);
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  static StaffRow Staff(const std::string& id, const std::string& user, const std::string& role) {
    StaffRow r;
    r.id = id;
    r.user_name = user;
    r.role = role;
    r.site = role == "partner" ? "site_library" : "";
    r.password_hash = "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA";
    r.created_at = r.updated_at = 100;
    return r;
  }
  static SessionRow Session(uint8_t tag, const std::string& staff, UnixSeconds at) {
    return SessionRow{Bytes(32, tag), staff, Bytes(32, static_cast<uint8_t>(tag + 1)), at, at};
  }
  Status Write(const std::function<Status(Tx&)>& fn) { return store_->Write(fn); }

  std::filesystem::path dir_;
  std::unique_ptr<Store> store_;
};

TEST_P(StaffConformanceTest, InsertsAndReadsStaffByIdAndUserName) {
  StaffRow s = Staff("stf_a", "ana", "supervisor");
  s.totp_sealed = Bytes(60, 7);
  ASSERT_TRUE(Write([&](Tx& tx) { return tx.InsertStaff(s); }).ok());
  ASSERT_TRUE(store_->Read([&](Tx& tx) -> Status {
    auto by_id = tx.GetStaff("stf_a");
    EXPECT_TRUE(by_id.ok());
    EXPECT_TRUE(by_id->has_value());
    EXPECT_EQ((*by_id)->user_name, "ana");
    EXPECT_EQ((*by_id)->role, "supervisor");
    EXPECT_EQ((*by_id)->totp_sealed, Bytes(60, 7));
    EXPECT_FALSE((*by_id)->disabled);
    auto by_name = tx.GetStaffByUserName("ana");
    EXPECT_TRUE(by_name->has_value());
    EXPECT_EQ((*by_name)->id, "stf_a");
    EXPECT_FALSE(tx.GetStaffByUserName("bob")->has_value());
    EXPECT_FALSE(tx.GetStaff("stf_zz")->has_value());
    return Status::Ok();
  }).ok());
}

TEST_P(StaffConformanceTest, RefusesDuplicateUserName) {
  ASSERT_TRUE(Write([&](Tx& tx) { return tx.InsertStaff(Staff("stf_a", "ana", "clerk")); }).ok());
  Status s = Write([&](Tx& tx) { return tx.InsertStaff(Staff("stf_b", "ana", "clerk")); });
  EXPECT_EQ(s.code(), StatusCode::kAlreadyExists);
}

TEST_P(StaffConformanceTest, RefusesUnknownRoleAndPartnerWithoutSite) {
  EXPECT_FALSE(Write([&](Tx& tx) { return tx.InsertStaff(Staff("stf_a", "a", "system")); }).ok());
  StaffRow p = Staff("stf_p", "p", "partner");
  p.site = "";
  EXPECT_FALSE(Write([&](Tx& tx) { return tx.InsertStaff(p); }).ok());
}

TEST_P(StaffConformanceTest, EmptyTotpIsStoredAsNone) {
  ASSERT_TRUE(Write([&](Tx& tx) { return tx.InsertStaff(Staff("stf_a", "ana", "clerk")); }).ok());
  ASSERT_TRUE(store_->Read([&](Tx& tx) -> Status {
    EXPECT_TRUE((*tx.GetStaff("stf_a"))->totp_sealed.empty());
    return Status::Ok();
  }).ok());
}

// v16: a TOTP secret waiting for its first code is stored apart from the confirmed one, and
// UpdateStaff replaces both (confirming moves it; resetting clears both).
TEST_P(StaffConformanceTest, StoresAndUpdatesAPendingTotp) {
  StaffRow s = Staff("stf_a", "ana", "supervisor");
  s.totp_pending = Bytes(60, 3);
  ASSERT_TRUE(Write([&](Tx& tx) { return tx.InsertStaff(s); }).ok());
  ASSERT_TRUE(store_->Read([&](Tx& tx) -> Status {
    auto r = **tx.GetStaff("stf_a");
    EXPECT_TRUE(r.totp_sealed.empty());
    EXPECT_EQ(r.totp_pending, Bytes(60, 3));
    return Status::Ok();
  }).ok());
  ASSERT_TRUE(Write([&](Tx& tx) -> Status {
    StaffRow r = **tx.GetStaff("stf_a");
    r.totp_sealed = r.totp_pending;
    r.totp_pending.clear();
    return tx.UpdateStaff(r);
  }).ok());
  ASSERT_TRUE(store_->Read([&](Tx& tx) -> Status {
    auto r = **tx.GetStaffByUserName("ana");
    EXPECT_EQ(r.totp_sealed, Bytes(60, 3));
    EXPECT_TRUE(r.totp_pending.empty());
    auto all = *tx.ListStaff();
    EXPECT_EQ(all.at(0).totp_sealed, Bytes(60, 3));
    return Status::Ok();
  }).ok());
}

TEST_P(StaffConformanceTest, ListsStaffByUserNameAndUpdates) {
  ASSERT_TRUE(Write([&](Tx& tx) -> Status {
    CITYID_RETURN_IF_ERROR(tx.InsertStaff(Staff("stf_1", "zoe", "clerk")));
    return tx.InsertStaff(Staff("stf_2", "abe", "auditor"));
  }).ok());
  ASSERT_TRUE(Write([&](Tx& tx) -> Status {
    StaffRow r = **tx.GetStaff("stf_1");
    r.disabled = true;
    r.updated_at = 200;
    return tx.UpdateStaff(r);
  }).ok());
  ASSERT_TRUE(store_->Read([&](Tx& tx) -> Status {
    auto all = tx.ListStaff();
    EXPECT_EQ(all->size(), 2u);
    EXPECT_EQ((*all)[0].user_name, "abe");
    EXPECT_EQ((*all)[1].user_name, "zoe");
    EXPECT_TRUE((*all)[1].disabled);
    EXPECT_EQ((*all)[1].updated_at, 200);
    return Status::Ok();
  }).ok());
  Status missing = Write([&](Tx& tx) { return tx.UpdateStaff(Staff("stf_9", "x", "clerk")); });
  EXPECT_EQ(missing.code(), StatusCode::kNotFound);
}

TEST_P(StaffConformanceTest, TotpStepIsClaimedOnlyOnce) {
  ASSERT_TRUE(Write([&](Tx& tx) { return tx.InsertStaff(Staff("stf_a", "ana", "admin")); }).ok());
  auto claim = [&](int64_t step) {
    bool ok = false;
    EXPECT_TRUE(Write([&](Tx& tx) -> Status {
      CITYID_ASSIGN_OR_RETURN(ok, tx.ClaimTotpStep("stf_a", step));
      return Status::Ok();
    }).ok());
    return ok;
  };
  EXPECT_TRUE(claim(1000));
  EXPECT_FALSE(claim(1000));  // replay of the same step
  EXPECT_FALSE(claim(999));   // an older step
  EXPECT_TRUE(claim(1001));
  Status unknown = Write([&](Tx& tx) { return tx.ClaimTotpStep("stf_none", 5).status(); });
  EXPECT_EQ(unknown.code(), StatusCode::kNotFound);
}

TEST_P(StaffConformanceTest, SessionsAreFoundByHashTouchedAndDeleted) {
  ASSERT_TRUE(Write([&](Tx& tx) -> Status {
    CITYID_RETURN_IF_ERROR(tx.InsertStaff(Staff("stf_a", "ana", "clerk")));
    CITYID_RETURN_IF_ERROR(tx.InsertSession(Session(1, "stf_a", 100)));
    return tx.InsertSession(Session(3, "stf_a", 100));
  }).ok());
  ASSERT_TRUE(Write([&](Tx& tx) { return tx.TouchSession(Bytes(32, 1), 150); }).ok());
  ASSERT_TRUE(store_->Read([&](Tx& tx) -> Status {
    auto s = tx.GetSession(Bytes(32, 1));
    EXPECT_TRUE(s->has_value());
    EXPECT_EQ((*s)->staff_id, "stf_a");
    EXPECT_EQ((*s)->csrf_hash, Bytes(32, 2));
    EXPECT_EQ((*s)->created_at, 100);
    EXPECT_EQ((*s)->last_seen_at, 150);
    EXPECT_FALSE(tx.GetSession(Bytes(32, 9))->has_value());
    return Status::Ok();
  }).ok());
  ASSERT_TRUE(Write([&](Tx& tx) { return tx.DeleteSession(Bytes(32, 1)); }).ok());
  EXPECT_EQ(Write([&](Tx& tx) { return tx.DeleteSession(Bytes(32, 1)); }).code(),
            StatusCode::kNotFound);
  int64_t n = 0;
  ASSERT_TRUE(Write([&](Tx& tx) -> Status {
    CITYID_ASSIGN_OR_RETURN(n, tx.DeleteSessionsOfStaff("stf_a"));
    return Status::Ok();
  }).ok());
  EXPECT_EQ(n, 1);
}

TEST_P(StaffConformanceTest, ExpiredSessionsAreDeletedByIdleOrAge) {
  ASSERT_TRUE(Write([&](Tx& tx) -> Status {
    CITYID_RETURN_IF_ERROR(tx.InsertStaff(Staff("stf_a", "ana", "clerk")));
    CITYID_RETURN_IF_ERROR(tx.InsertSession(Session(1, "stf_a", 100)));    // idle
    SessionRow old = Session(3, "stf_a", 10);                               // too old
    old.last_seen_at = 500;
    CITYID_RETURN_IF_ERROR(tx.InsertSession(old));
    return tx.InsertSession(Session(5, "stf_a", 450));                     // fresh
  }).ok());
  int64_t n = 0;
  ASSERT_TRUE(Write([&](Tx& tx) -> Status {
    CITYID_ASSIGN_OR_RETURN(n, tx.DeleteExpiredSessions(/*idle_before=*/400, /*created_before=*/50));
    return Status::Ok();
  }).ok());
  EXPECT_EQ(n, 2);
  ASSERT_TRUE(store_->Read([&](Tx& tx) -> Status {
    EXPECT_TRUE(tx.GetSession(Bytes(32, 5))->has_value());
    return Status::Ok();
  }).ok());
}

TEST_P(StaffConformanceTest, SessionNeedsAnExistingStaffMember) {
  EXPECT_FALSE(Write([&](Tx& tx) { return tx.InsertSession(Session(1, "stf_none", 1)); }).ok());
}

TEST_P(StaffConformanceTest, FailedLoginsAreCountedFromATimeAndCleared) {
  ASSERT_TRUE(Write([&](Tx& tx) -> Status {
    CITYID_RETURN_IF_ERROR(tx.InsertStaff(Staff("stf_a", "ana", "clerk")));
    for (UnixSeconds at : {100, 200, 300}) CITYID_RETURN_IF_ERROR(tx.InsertFailedLogin("stf_a", at));
    return Status::Ok();
  }).ok());
  ASSERT_TRUE(store_->Read([&](Tx& tx) -> Status {
    auto since = tx.FailedLoginsSince("stf_a", 200);
    EXPECT_EQ(*since, (std::vector<UnixSeconds>{200, 300}));
    EXPECT_TRUE(tx.FailedLoginsSince("stf_b", 0)->empty());
    return Status::Ok();
  }).ok());
  ASSERT_TRUE(Write([&](Tx& tx) { return tx.ClearFailedLogins("stf_a"); }).ok());
  ASSERT_TRUE(store_->Read([&](Tx& tx) -> Status {
    EXPECT_TRUE(tx.FailedLoginsSince("stf_a", 0)->empty());
    return Status::Ok();
  }).ok());
}

TEST_P(StaffConformanceTest, WritesAreRefusedInsideRead) {
  Status s = store_->Read([&](Tx& tx) { return tx.InsertStaff(Staff("stf_a", "ana", "clerk")); });
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied);
}

INSTANTIATE_TEST_SUITE_P(
    Backends, StaffConformanceTest,
    ::testing::Values(
        Backend{"SqliteFile",
                [](const std::string& dir) {
                  auto s = OpenSqliteStore(dir + "/cityid.db");
                  return s.ok() ? std::move(s).value() : nullptr;
                }},
        Backend{"SqliteMemory",
                [](const std::string&) {
                  auto s = OpenSqliteStore(":memory:");
                  return s.ok() ? std::move(s).value() : nullptr;
                }}),
    [](const ::testing::TestParamInfo<Backend>& p) { return p.param.name; });

}  // namespace
}  // namespace cityid::store
