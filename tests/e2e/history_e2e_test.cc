// End-to-end: the applicant's view of accesses to their record (issue 6), with the real
// `cityid serve` and CLI. A clerk (site city-hall) enrolls, a supervisor approves, the clerk
// issues the card and then reads the record with a reason; the applicant, with only the card
// number and date of birth, sees over POST /api/v1/access-history that their record was read —
// role, site and reason — and never who (no user name, no staff id). Wrong credentials get one
// generic 401; `cityid history` shows the same at the counter.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/ids.h"
#include "server_harness.h"

namespace {

using namespace cityid::e2e;  // NOLINT(build/namespaces): the harness is this test's vocabulary
using nlohmann::json;

// Server and CLI run at 2026-11-25 12:00 UTC (the examples' date).
class HistoryE2eTest : public ServerTest {
 protected:
  HistoryE2eTest() : ServerTest("history", /*fixed_clock=*/true) {}
};

TEST_F(HistoryE2eTest, ApplicantSeesTheStaffReadWithRoleSiteAndReasonButNotWho) {
  AddStaff("carla", "clerk", "city-hall");
  const cityid::Bytes sam_secret = AddStaff("sam", "supervisor", "city-hall");
  const Session clerk = Login("carla", {});
  const Session supervisor = Login("sam", sam_secret);
  const json me = json::parse(client_->Get("/api/v1/sessions/current", clerk.Headers())->body);
  const std::string carla_id = me["staff"]["id"];
  ASSERT_FALSE(carla_id.empty());

  // Enroll (examples/applicant-jose.json, without the photo), approve, issue, then a read with a
  // reason.
  json applicant = json::parse(Slurp(Source() + "/examples/applicant-jose.json"));
  applicant.erase("photo");
  const json app = Post("/api/v1/applications", applicant, &clerk, 201);
  ASSERT_TRUE(app.is_object() && app.contains("id"));
  const std::string app_id = app["id"], person_id = app["person_id"];
  Post("/api/v1/applications/" + app_id + "/approve", json::object(), &supervisor, 200);
  const json card = Post("/api/v1/applications/" + app_id + "/issue", json::object(), &clerk, 201);
  ASSERT_TRUE(card.contains("card_number"));
  const std::string number = card["card_number"];
  Post("/api/v1/persons/" + person_id + "/read", json{{"reason", "benefits office inquiry"}},
       &clerk, 200);

  // The applicant, anonymously, with the card number as printed and the date of birth.
  const std::string printed =
      number.substr(0, 4) + " " + number.substr(4, 4) + " " + number.substr(8);
  const json h =
      Post("/api/v1/access-history",
           json{{"card_number", printed}, {"date_of_birth", "1990-04-12"}}, nullptr, 200);
  const std::string raw = h.dump();
  ASSERT_TRUE(h.contains("entries")) << raw;
  bool saw_read = false, saw_issue = false;
  for (const auto& e : h["entries"]) {
    EXPECT_FALSE(e.contains("actor")) << e.dump();
    if (e["action"] == "card.issue") saw_issue = e["description"]["en"] == "card issued";
    if (e["action"] == "person.read" && e["reason"] == "benefits office inquiry") {
      saw_read = true;
      EXPECT_EQ(e["description"]["en"], "record read");
      EXPECT_EQ(e["description"]["es"], "expediente consultado");
      EXPECT_EQ(e["role"], "clerk");
      EXPECT_EQ(e["site"], "city-hall");
      EXPECT_EQ(e["about"], "record");
    }
  }
  EXPECT_TRUE(saw_read) << raw;
  EXPECT_TRUE(saw_issue) << raw;
  EXPECT_EQ(h["entries"].back()["action"], "history.view");
  EXPECT_EQ(h["entries"].back()["role"], "applicant");
  // Never who: no user name, no staff id, no personal data.
  for (const std::string& secret : {std::string("carla"), std::string("sam"), carla_id,
                                    std::string("stf_"), std::string("García"), person_id}) {
    EXPECT_EQ(raw.find(secret), std::string::npos) << secret << " in " << raw;
  }

  // Wrong date of birth and an unknown card: the same generic 401.
  const json wrong =
      Post("/api/v1/access-history", json{{"card_number", number}, {"date_of_birth", "1990-04-13"}},
           nullptr, 401);
  EXPECT_EQ(wrong["type"], "https://cityid.example/problems/invalid-credentials");
  // Another well-formed number (its own check digit) that was never issued.
  std::string other =
      number.substr(0, 10) + (number[10] == '9' ? '0' : static_cast<char>(number[10] + 1));
  other += static_cast<char>('0' + cityid::core::DammCheckDigit(other));
  Post("/api/v1/access-history", json{{"card_number", other}, {"date_of_birth", "1990-04-12"}},
       nullptr, 401);
  // The two answers must not be told apart: the same bytes, not only the same JSON.
  const auto body_for = [&](const std::string& card_number, const std::string& dob) {
    auto res = client_->Post("/api/v1/access-history",
                             json{{"card_number", card_number}, {"date_of_birth", dob}}.dump(),
                             "application/json");
    return res ? res->body : std::string("(no answer)");
  };
  EXPECT_EQ(body_for(other, "1990-04-12"), body_for(number, "1990-04-13"));

  // The clerk at the counter: `cityid history` shows the same, logged as the clerk (actor e2e).
  const cityid::e2e::Run run = Cli({"--json", "--actor", "e2e-clerk", "history", "--data", data_,
                                    "--card", number, "--dob", "1990-04-12"});
  ASSERT_EQ(run.code, 0) << run.out << run.err;
  const std::string& out = run.out;
  const json cli = json::parse(out, nullptr, false);
  ASSERT_TRUE(cli.is_object()) << out;
  bool cli_read = false;
  for (const auto& e : cli["entries"]) {
    cli_read = cli_read || (e["action"] == "person.read" && e["role"] == "clerk" &&
                            e["site"] == "city-hall" && e["reason"] == "benefits office inquiry");
  }
  EXPECT_TRUE(cli_read) << out;
  EXPECT_EQ(cli["entries"].back()["action"], "history.view");
  EXPECT_EQ(cli["entries"].back()["role"], "clerk");
  // The applicant's earlier view is there too, as the applicant's.
  bool earlier_view = false;
  for (const auto& e : cli["entries"]) {
    earlier_view = earlier_view || (e["action"] == "history.view" && e["role"] == "applicant");
  }
  EXPECT_TRUE(earlier_view) << out;
  for (const char* secret : {"carla", "e2e-clerk", "stf_"}) {
    EXPECT_EQ(out.find(secret), std::string::npos) << secret << " in " << out;
  }
  // Usage: a card without a date of birth.
  EXPECT_EQ(Cli({"history", "--data", data_, "--card", number}).code, 2);
  // A wrong date of birth at the counter fails too, without saying which part was wrong.
  const cityid::e2e::Run bad =
      Cli({"history", "--data", data_, "--card", number, "--dob", "1991-04-12"});
  EXPECT_EQ(bad.code, 6);  // permission: invalid-credentials
  EXPECT_NE(bad.err.find("invalid-credentials"), std::string::npos) << bad.err;
}

}  // namespace
