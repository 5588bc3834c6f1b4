// End-to-end, against the real `cityid serve` (issue 14 §2 and §4): what a partner learns and
// what staff below supervisor may do.
//  - a partner (or clerk) enrolling an applicant who already applied elsewhere learns only that
//    the application was flagged for review, never the other application, its site or the kind
//    of match; a supervisor still sees the pair;
//  - another site's application or card answers a partner exactly as a missing one (status and
//    problem body byte for byte);
//  - a clerk's replace cannot revoke a card for a reason that is a supervisor's decision;
//  - the data-request register refuses a scope that names a person by date of birth, over HTTP
//    and from the CLI (exit 3, invalid input).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "server_harness.h"

namespace {

using namespace cityid::e2e;  // NOLINT(build/namespaces): the harness is this test's vocabulary
using nlohmann::json;

class StaffPowersE2eTest : public ServerTest {
 protected:
  StaffPowersE2eTest() : ServerTest("powers", /*fixed_clock=*/true) {}

  // examples/applicant-jose.json without its photo path (the API takes photos as base64).
  static json Applicant() {
    json a = json::parse(Slurp(Source() + "/examples/applicant-jose.json"));
    a.erase("photo");
    return a;
  }
};

TEST_F(StaffPowersE2eTest, PartnerEnrollmentAnswerHidesOtherApplications) {
  AddStaff("carla", "clerk");
  AddStaff("pat", "partner", "library-east");
  const Session clerk = Login("carla", {});
  const Session partner = Login("pat", {});
  const json hall = Post("/api/v1/applications", Applicant(), &clerk, 201);
  ASSERT_TRUE(hall.is_object());
  const std::string hall_id = hall["id"];

  // The partner enrolls the same name, date of birth and passport number at its own site.
  auto res = client_->Post("/api/v1/applications", partner.Headers(), Applicant().dump(),
                           "application/json");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 201) << res->body;
  const json answer = json::parse(res->body);
  EXPECT_EQ(answer["state"], "flagged");
  EXPECT_EQ(answer["flagged_for_review"], true);
  EXPECT_EQ(answer["site"], "library-east");
  EXPECT_FALSE(answer.contains("duplicates")) << res->body;
  for (const std::string& leak : {hall_id, std::string("city-hall"), std::string("name_exact"),
                                  std::string("\"document\""), std::string("other_applications")}) {
    EXPECT_EQ(res->body.find(leak), std::string::npos) << leak << " in " << res->body;
  }
  // Reading it back, or listing the queue, says no more.
  const std::string id = answer["id"];
  auto read = client_->Get("/api/v1/applications/" + id, partner.Headers());
  ASSERT_TRUE(read);
  ASSERT_EQ(read->status, 200) << read->body;
  EXPECT_EQ(json::parse(read->body)["flags"], json({{"flagged_for_review", true}}));
  EXPECT_EQ(read->body.find(hall_id), std::string::npos) << read->body;
  auto list = client_->Get("/api/v1/applications?state=flagged", partner.Headers());
  ASSERT_TRUE(list);
  ASSERT_EQ(list->status, 200);
  EXPECT_EQ(list->body.find(hall_id), std::string::npos) << list->body;
}

TEST_F(StaffPowersE2eTest, SupervisorStillSeesDuplicatePair) {
  AddStaff("carla", "clerk");
  const cityid::Bytes sam = AddStaff("sam", "supervisor");
  const Session clerk = Login("carla", {});
  const Session supervisor = Login("sam", sam);
  const std::string first = Post("/api/v1/applications", Applicant(), &clerk, 201)["id"];
  const json flagged = Post("/api/v1/applications", Applicant(), &clerk, 201);
  ASSERT_EQ(flagged["state"], "flagged");
  const json seen =
      Get("/api/v1/applications/" + flagged["id"].get<std::string>(), supervisor, 200);
  ASSERT_TRUE(seen["flags"].is_array()) << seen.dump();
  bool pair = false;
  for (const auto& f : seen["flags"]) {
    EXPECT_TRUE(f.contains("kind"));
    for (const auto& other : f["other_applications"]) pair = pair || other == first;
  }
  EXPECT_TRUE(pair) << seen.dump();
  const json own = Post("/api/v1/applications", Applicant(), &supervisor, 201);
  EXPECT_EQ(own["flagged_for_review"], true);
  ASSERT_TRUE(own["duplicates"].is_array());
  EXPECT_FALSE(own["duplicates"].empty()) << own.dump();
}

TEST_F(StaffPowersE2eTest, PartnerCannotTellOtherSitesApplicationFromMissing) {
  AddStaff("carla", "clerk");
  AddStaff("pat", "partner", "library-east");
  const cityid::Bytes sam = AddStaff("sam", "supervisor");
  const Session clerk = Login("carla", {});
  const Session partner = Login("pat", {});
  const Session supervisor = Login("sam", sam);
  const std::string app = Post("/api/v1/applications", Applicant(), &clerk, 201)["id"];
  Post("/api/v1/applications/" + app + "/approve", json::object(), &supervisor, 200);
  const std::string number =
      Post("/api/v1/applications/" + app + "/issue", json::object(), &clerk, 201)["card_number"];
  ASSERT_EQ(number.size(), 12u);

  const std::vector<std::pair<std::string, std::string>> pairs = {
      {"/api/v1/applications/" + app, "/api/v1/applications/app_7k2m9q4x8w3z5n6p"},
      {"/api/v1/cards/" + number, "/api/v1/cards/100000000001"},
  };
  for (const auto& [elsewhere, missing] : pairs) {
    auto a = client_->Get(elsewhere, partner.Headers());
    auto b = client_->Get(missing, partner.Headers());
    ASSERT_TRUE(a && b) << elsewhere;
    EXPECT_EQ(a->status, 404) << a->body;
    EXPECT_EQ(a->status, b->status) << elsewhere;
    EXPECT_EQ(a->body, b->body) << elsewhere;  // no request id in problem bodies
    EXPECT_EQ(a->get_header_value("Content-Type"), "application/problem+json");
    EXPECT_EQ(a->get_header_value("Content-Type"), b->get_header_value("Content-Type"));
    // The same id is there for staff without a site scope.
    Get(elsewhere, clerk, 200);
  }
}

TEST_F(StaffPowersE2eTest, ClerkCannotRevokeThroughReplace) {
  AddStaff("carla", "clerk");
  const cityid::Bytes sam = AddStaff("sam", "supervisor");
  const Session clerk = Login("carla", {});
  const Session supervisor = Login("sam", sam);
  const std::string app = Post("/api/v1/applications", Applicant(), &clerk, 201)["id"];
  Post("/api/v1/applications/" + app + "/approve", json::object(), &supervisor, 200);
  const std::string number =
      Post("/api/v1/applications/" + app + "/issue", json::object(), &clerk, 201)["card_number"];
  // Revoke is the supervisor's; a replace "for" a revocation reason is refused to the clerk, and
  // the card stays active.
  Post("/api/v1/cards/" + number + "/revoke", json{{"reason", "fraud"}}, &clerk, 403);
  const json refused =
      Post("/api/v1/cards/" + number + "/replace", json{{"reason", "fraud"}}, &clerk, 403);
  EXPECT_EQ(refused["type"], "https://cityid.example/problems/permission-denied");
  EXPECT_EQ(Get("/api/v1/cards/" + number, clerk, 200)["state"], "active");
  // The holder's report: the clerk replaces; the old card is revoked.
  const json fresh =
      Post("/api/v1/cards/" + number + "/replace", json{{"reason", "stolen"}}, &clerk, 201);
  EXPECT_EQ(fresh["replaced"], number);
  EXPECT_EQ(Get("/api/v1/cards/" + number, clerk, 200)["state"], "revoked");
  // A supervisor replaces for any stated reason.
  Post("/api/v1/cards/" + fresh["card_number"].get<std::string>() + "/replace",
       json{{"reason", "issued to the wrong person, reissued"}}, &supervisor, 201);
}

TEST_F(StaffPowersE2eTest, RegisterRefusesScopeNamingAPersonAndDateOfBirth) {
  const cityid::Bytes ada = AddStaff("ada", "admin");
  const Session admin = Login("ada", ada);
  json request{{"kind", "subpoena"},
               {"received_on", "2026-11-20"},
               {"requesting_body", "Federal agency"},
               {"legal_basis", "administrative subpoena"},
               {"scope", "all records of Ana Lopez, born 1990-04-12"}};
  const json refused = Post("/api/v1/data-requests", request, &admin, 400);
  EXPECT_EQ(refused["type"], "https://cityid.example/problems/invalid-argument");
  EXPECT_NE(refused.value("detail", "").find("by category"), std::string::npos) << refused.dump();
  EXPECT_EQ(refused.dump().find("1990-04-12"), std::string::npos) << refused.dump();
  request["scope"] = "enrollment records at East Library, 2026-01-01 to 2026-03-31";
  Post("/api/v1/data-requests", request, &admin, 201);

  // The CLI: exit 3 (invalid input), the text not echoed, nothing recorded.
  auto cli = Cli({"requests", "add", "--data", data_, "--kind", "warrant", "--received",
                  "2026-11-22", "--body", "Police", "--legal-basis", "warrant", "--scope",
                  "J. Smith DOB 04/12/1990, phone (212) 555-0187"});
  EXPECT_EQ(cli.code, 3) << cli.err;
  EXPECT_NE(cli.err.find("by category"), std::string::npos) << cli.err;
  EXPECT_EQ(cli.err.find("04/12/1990"), std::string::npos) << cli.err;
  EXPECT_EQ(Get("/api/v1/data-requests", admin, 200)["data_requests"].size(), 1u);
}

}  // namespace
