// Conformance of the data-request register and the legal-hold listing, run against every
// Store backend.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "store/sqlite/sqlite_store.h"

namespace cityid::store {
namespace {

using Factory = std::function<std::unique_ptr<Store>(const std::string& dir)>;

struct Backend {
  std::string name;
  Factory open;
};

class RegisterConformanceTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("cityid-register-" + std::to_string(::getpid()) + "-" +
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

  static DataRequestRow Request(const std::string& id, const std::string& received_on) {
    DataRequestRow r;
    r.id = id;
    r.kind = "subpoena";
    r.received_on = received_on;
    r.requesting_body = "Federal agency";
    r.legal_basis = "administrative subpoena";
    r.scope = "all applicant records 2022-2025";
    r.response = "pending";
    r.recorded_by = "admin1";
    r.created_at = r.updated_at = 100;
    return r;
  }
  static ApplicationRow App(const std::string& id, const std::string& person,
                            const std::string& hold) {
    ApplicationRow a;
    a.id = id;
    a.person_id = person;
    a.state = "issued";
    a.site = "city-hall";
    a.policy_version = "v";
    a.evaluation_json = "{}";
    a.flags_json = "[]";
    a.created_by = "clerk1";
    a.hold_reason = hold;
    a.created_at = a.updated_at = 100;
    return a;
  }

  std::filesystem::path dir_;
  std::unique_ptr<Store> store_;
};

TEST_P(RegisterConformanceTest, DataRequestRoundTripsEveryColumn) {
  DataRequestRow r = Request("req_1", "2026-11-20");
  r.response = "narrowed";
  r.responded_on = "2026-11-30";
  r.disclosed = "aggregate_counts,card_status";
  r.persons_covered = 3;
  r.updated_at = 200;
  ASSERT_TRUE(store_->Write([&](Tx& tx) { return tx.InsertDataRequest(r); }).ok());
  ASSERT_TRUE(store_->Read([&](Tx& tx) -> Status {
    CITYID_ASSIGN_OR_RETURN(auto got, tx.GetDataRequest("req_1"));
    EXPECT_TRUE(got.has_value());
    if (!got) return Status::Ok();
    EXPECT_EQ(got->kind, "subpoena");
    EXPECT_EQ(got->received_on, "2026-11-20");
    EXPECT_EQ(got->requesting_body, "Federal agency");
    EXPECT_EQ(got->legal_basis, "administrative subpoena");
    EXPECT_EQ(got->scope, "all applicant records 2022-2025");
    EXPECT_EQ(got->response, "narrowed");
    EXPECT_EQ(got->responded_on, "2026-11-30");
    EXPECT_EQ(got->disclosed, "aggregate_counts,card_status");
    EXPECT_EQ(got->persons_covered, 3);
    EXPECT_EQ(got->recorded_by, "admin1");
    EXPECT_EQ(got->created_at, 100);
    EXPECT_EQ(got->updated_at, 200);
    return Status::Ok();
  }).ok());
}

TEST_P(RegisterConformanceTest, MissingDataRequestIsNullopt) {
  ASSERT_TRUE(store_->Read([&](Tx& tx) -> Status {
    CITYID_ASSIGN_OR_RETURN(auto got, tx.GetDataRequest("req_absent"));
    EXPECT_FALSE(got.has_value());
    return Status::Ok();
  }).ok());
}

TEST_P(RegisterConformanceTest, DuplicateDataRequestIdIsAlreadyExists) {
  ASSERT_TRUE(store_->Write([&](Tx& tx) { return tx.InsertDataRequest(Request("req_1", "2026-11-20")); }).ok());
  Status s = store_->Write([&](Tx& tx) { return tx.InsertDataRequest(Request("req_1", "2026-11-21")); });
  EXPECT_EQ(s.code(), StatusCode::kAlreadyExists);
}

TEST_P(RegisterConformanceTest, UpdateReplacesAnswerAndKeepsCreatedAt) {
  ASSERT_TRUE(store_->Write([&](Tx& tx) { return tx.InsertDataRequest(Request("req_1", "2026-11-20")); }).ok());
  DataRequestRow answered = Request("req_1", "2026-11-20");
  answered.response = "refused";
  answered.responded_on = "2026-11-28";
  answered.created_at = 999;  // ignored: created_at never changes
  answered.updated_at = 300;
  ASSERT_TRUE(store_->Write([&](Tx& tx) { return tx.UpdateDataRequest(answered); }).ok());
  ASSERT_TRUE(store_->Read([&](Tx& tx) -> Status {
    CITYID_ASSIGN_OR_RETURN(auto got, tx.GetDataRequest("req_1"));
    EXPECT_TRUE(got.has_value());
    if (!got) return Status::Ok();
    EXPECT_EQ(got->response, "refused");
    EXPECT_EQ(got->responded_on, "2026-11-28");
    EXPECT_EQ(got->created_at, 100);
    EXPECT_EQ(got->updated_at, 300);
    return Status::Ok();
  }).ok());
}

TEST_P(RegisterConformanceTest, UpdateOfMissingDataRequestIsNotFound) {
  Status s = store_->Write([&](Tx& tx) { return tx.UpdateDataRequest(Request("req_x", "2026-11-20")); });
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
}

TEST_P(RegisterConformanceTest, SchemaRefusesUnknownKindAndResponse) {
  DataRequestRow bad_kind = Request("req_1", "2026-11-20");
  bad_kind.kind = "friendly_chat";
  EXPECT_FALSE(store_->Write([&](Tx& tx) { return tx.InsertDataRequest(bad_kind); }).ok());
  DataRequestRow bad_response = Request("req_2", "2026-11-20");
  bad_response.response = "ignored";
  EXPECT_FALSE(store_->Write([&](Tx& tx) { return tx.InsertDataRequest(bad_response); }).ok());
}

TEST_P(RegisterConformanceTest, ListIsOrderedByReceivedDateThenId) {
  ASSERT_TRUE(store_->Write([&](Tx& tx) -> Status {
    CITYID_RETURN_IF_ERROR(tx.InsertDataRequest(Request("req_b", "2026-12-01")));
    CITYID_RETURN_IF_ERROR(tx.InsertDataRequest(Request("req_c", "2026-10-05")));
    return tx.InsertDataRequest(Request("req_a", "2026-12-01"));
  }).ok());
  ASSERT_TRUE(store_->Read([&](Tx& tx) -> Status {
    CITYID_ASSIGN_OR_RETURN(auto all, tx.ListDataRequests());
    EXPECT_EQ(all.size(), 3u);
    if (all.size() != 3) return Status::Ok();
    EXPECT_EQ(all[0].id, "req_c");
    EXPECT_EQ(all[1].id, "req_a");
    EXPECT_EQ(all[2].id, "req_b");
    return Status::Ok();
  }).ok());
}

TEST_P(RegisterConformanceTest, InsertInsideReadIsPermissionDenied) {
  Status s = store_->Read([&](Tx& tx) { return tx.InsertDataRequest(Request("req_1", "2026-11-20")); });
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied);
}

TEST_P(RegisterConformanceTest, HeldApplicationsListsOnlyNonEmptyHolds) {
  ASSERT_TRUE(store_->Write([&](Tx& tx) -> Status {
    CITYID_RETURN_IF_ERROR(tx.InsertApplication(App("app_2", "per_b", R"({"category":"litigation"})")));
    CITYID_RETURN_IF_ERROR(tx.InsertApplication(App("app_1", "per_a", "")));
    return tx.InsertApplication(App("app_3", "per_a", R"({"category":"court_order"})"));
  }).ok());
  ASSERT_TRUE(store_->Read([&](Tx& tx) -> Status {
    CITYID_ASSIGN_OR_RETURN(auto held, tx.ListHeldApplications());
    EXPECT_EQ(held.size(), 2u);
    if (held.size() != 2) return Status::Ok();
    EXPECT_EQ(held[0].id, "app_3");  // per_a sorts before per_b
    EXPECT_EQ(held[0].person_id, "per_a");
    EXPECT_EQ(held[0].hold_reason, R"({"category":"court_order"})");
    EXPECT_EQ(held[1].id, "app_2");
    return Status::Ok();
  }).ok());
  // Releasing (clearing hold_reason) removes the row from the listing.
  ASSERT_TRUE(store_->Write([&](Tx& tx) -> Status {
    CITYID_ASSIGN_OR_RETURN(auto app, tx.GetApplication("app_2"));
    app->hold_reason.clear();
    return tx.UpdateApplication(*app);
  }).ok());
  ASSERT_TRUE(store_->Read([&](Tx& tx) -> Status {
    CITYID_ASSIGN_OR_RETURN(auto held, tx.ListHeldApplications());
    EXPECT_EQ(held.size(), 1u);
    return Status::Ok();
  }).ok());
}

INSTANTIATE_TEST_SUITE_P(
    Backends, RegisterConformanceTest,
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
    [](const auto& backend_info) { return backend_info.param.name; });

}  // namespace
}  // namespace cityid::store
