// The staff console's admin routes (issue 17, people part): TOTP enrolment at the first
// sign-in, resetting a TOTP, editing a site and its closures (http/routes_people.h).
#include <gtest/gtest.h>
#include <httplib.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "auth/staff.h"
#include "auth/totp.h"
#include "http/problem.h"
#include "http/routes_people.h"
#include "http/server.h"
#include "http/test_server.h"
#include "store/sqlite/sqlite_store.h"

namespace cityid::http {
namespace {

using nlohmann::json;

class PeopleTest : public ServerFixture {
 protected:
  // The secret of a totp-enrollment-required answer (checking the answer's shape).
  static Bytes EnrollmentSecret(const httplib::Result& res) {
    EXPECT_TRUE(res);
    if (!res) return {};
    EXPECT_EQ(res->status, 401) << res->body;
    EXPECT_EQ(ProblemType(res), "totp-enrollment-required");
    EXPECT_EQ(res->get_header_value("Cache-Control"), "no-store");
    const json j = json::parse(res->body);
    const std::string uri = j.value("otpauth_uri", "");
    const std::string secret = j.value("otpauth_secret", "");
    EXPECT_EQ(uri.rfind("otpauth://totp/", 0), 0u) << uri;
    EXPECT_NE(uri.find("secret=" + secret), std::string::npos);
    EXPECT_EQ(j.value("otpauth_qr_svg", "").rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0), 0u);
    auto bytes = auth::Base32Decode(secret);
    EXPECT_TRUE(bytes.ok());
    return bytes.ok() ? *bytes : Bytes();
  }
  Session Admin() { return Login("ada", AddStaff("ada", "admin")); }
};

TEST(QrSvgTest, DrawsASelfContainedSvg) {
  auto svg = QrSvg("otpauth://totp/cityid:ana?secret=JBSWY3DPEHPK3PXP");
  ASSERT_TRUE(svg.ok());
  EXPECT_EQ(svg->rfind("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 ", 0), 0u);
  EXPECT_NE(svg->find("<path fill=\"#000\" d=\"M"), std::string::npos);
  EXPECT_EQ(svg->find("script"), std::string::npos);
  EXPECT_EQ(svg->find("href"), std::string::npos);
  EXPECT_EQ(QrSvg("").status().id(), ErrorId::kInvalidArgument);
  EXPECT_EQ(QrSvg(std::string(2000, 'a')).status().id(), ErrorId::kInvalidArgument);
}

TEST_F(PeopleTest, AnAccountMadeThroughTheApiEnrolsItsTotpAtTheFirstSignIn) {
  Session admin = Admin();
  auto created = client_->Post("/api/v1/staff", With(admin),
                               json{{"user", "sam"}, {"role", "supervisor"}, {"password", kPassword}}.dump(),
                               "application/json");
  ASSERT_EQ(created->status, 201) << created->body;
  EXPECT_EQ(json::parse(created->body)["staff"]["totp_state"], "pending");

  const Bytes first = EnrollmentSecret(LoginRaw("sam", ""));
  // Each try shows a new secret; the one shown before no longer counts.
  const Bytes second = EnrollmentSecret(LoginRaw("sam", ""));
  ASSERT_FALSE(first.empty());
  EXPECT_NE(first, second);
  auto stale = LoginRaw("sam", auth::TotpCode(first, kNow));
  EXPECT_EQ(stale->status, 401);
  EXPECT_EQ(ProblemType(stale), "invalid-credentials");
  // A wrong password never gets a secret.
  auto wrong = client_->Post("/api/v1/sessions", json{{"user", "sam"}, {"password", "not the one"}}.dump(),
                             "application/json");
  EXPECT_EQ(ProblemType(wrong), "invalid-credentials");
  EXPECT_EQ(json::parse(wrong->body).count("otpauth_uri"), 0u);

  Session sam = SessionOf(LoginRaw("sam", auth::TotpCode(second, kNow)));
  EXPECT_EQ(client_->Get("/api/v1/sessions/current", With(sam))->status, 200);
  auto list = client_->Get("/api/v1/staff", With(admin));
  EXPECT_NE(list->body.find("\"user\":\"sam\""), std::string::npos);
  json sam_row;
  const json listed = json::parse(list->body);
  for (const auto& s : listed["staff"]) {
    if (s["user"] == "sam") sam_row = s;
  }
  EXPECT_EQ(sam_row["totp_state"], "enrolled");
  // Enrolled: the next sign-in asks for a code as for any supervisor.
  clock_.Advance(30);
  EXPECT_EQ(ProblemType(LoginRaw("sam", "")), "totp-required");
  Login("sam", second);
}

TEST_F(PeopleTest, WrongEnrolmentCodesCountTowardsTheLockout) {
  Session admin = Admin();
  ASSERT_EQ(client_->Post("/api/v1/staff", With(admin),
                          json{{"user", "sam"}, {"role", "admin"}, {"password", kPassword}}.dump(),
                          "application/json")->status, 201);
  const Bytes secret = EnrollmentSecret(LoginRaw("sam", ""));
  const std::string good = auth::TotpCode(secret, kNow);
  const std::string bad = good == "000000" ? "111111" : "000000";
  for (int i = 0; i < 5; ++i) EXPECT_EQ(ProblemType(LoginRaw("sam", bad)), "invalid-credentials");
  auto locked = LoginRaw("sam", good);
  EXPECT_EQ(locked->status, 429);
  EXPECT_EQ(ProblemType(locked), "login-rate-limited");
}

TEST_F(PeopleTest, ResetTotpSendsTheAccountBackToEnrolmentAndEndsItsSessions) {
  Session admin = Admin();
  const Bytes secret = AddStaff("sam", "supervisor");
  Session sam = Login("sam", secret);
  auto reset = Call("POST", "/api/v1/staff/sam/reset-totp", admin);
  ASSERT_EQ(reset->status, 200) << reset->body;
  EXPECT_EQ(json::parse(reset->body)["staff"]["totp_state"], "pending");
  EXPECT_EQ(client_->Get("/api/v1/sessions/current", With(sam))->status, 401);
  clock_.Advance(30);
  const Bytes fresh = EnrollmentSecret(LoginRaw("sam", auth::TotpCode(secret, clock_.Now())));
  EXPECT_NE(fresh, secret);
  Login("sam", fresh);

  AddStaff("carla", "clerk");
  auto clerk_reset = Call("POST", "/api/v1/staff/carla/reset-totp", admin);
  EXPECT_EQ(clerk_reset->status, 409);
  EXPECT_EQ(ProblemType(clerk_reset), "failed-precondition");
  auto missing = Call("POST", "/api/v1/staff/nobody/reset-totp", admin);
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(ProblemType(missing), "staff-not-found");
  EXPECT_EQ(ProblemType(Call("POST", "/api/v1/staff/Bad%20Name/reset-totp", admin)), "invalid-argument");
  auto extra = Call("POST", "/api/v1/staff/sam/reset-totp", admin, json{{"why", "x"}});
  EXPECT_EQ(extra->status, 400);
  // Not one's own (as for disabling): the session and the code stay.
  auto self = Call("POST", "/api/v1/staff/ada/reset-totp", admin);
  EXPECT_EQ(self->status, 409) << self->body;
  EXPECT_EQ(ProblemType(self), "failed-precondition");
  EXPECT_EQ(client_->Get("/api/v1/sessions/current", With(admin))->status, 200);
  // Audited.
  bool audited = false;
  ASSERT_TRUE(store_->Read([&](store::Tx& tx) -> Status {
    CITYID_ASSIGN_OR_RETURN(auto rows, tx.ReadAudit(0, 1000));
    for (const auto& r : rows) audited = audited || r.entry.action == "staff.reset_totp";
    return Status::Ok();
  }).ok());
  EXPECT_TRUE(audited);
}

TEST_F(PeopleTest, OnlyAdminsMayResetTotpOrEditSites) {
  Admin();
  std::vector<Session> others;
  AddStaff("carla", "clerk");
  others.push_back(Login("carla", {}));
  others.push_back(Login("sam", AddStaff("sam", "supervisor")));
  AddStaff("pat", "partner", "east-library");
  others.push_back(Login("pat", {}));
  AddStaff("aud", "auditor");
  others.push_back(Login("aud", {}));
  for (const Session& s : others) {
    for (auto [method, path] : {std::pair<const char*, const char*>{"POST", "/api/v1/staff/ada/reset-totp"},
                                {"PUT", "/api/v1/sites/city-hall"},
                                {"POST", "/api/v1/sites/city-hall/closures"},
                                {"DELETE", "/api/v1/sites/city-hall/closures/2026-12-24"}}) {
      auto res = Call(method, path, s);
      EXPECT_EQ(res->status, 403) << method << " " << path;
      EXPECT_EQ(ProblemType(res), "role-not-allowed");
    }
  }
}

class SitesAdminTest : public PeopleTest {
 protected:
  json Site(int capacity, const std::string& hours = "mon-fri 09:00-17:00") {
    return json{{"name", "City Hall"},       {"kind", "city_hall"}, {"address", "1 Centre St"},
                {"timezone", "+00:00"},       {"hours", hours},      {"slot_minutes", 30},
                {"capacity", capacity},       {"languages", {"en", "es"}},
                {"accessibility", "Step-free entrance"}};
  }
  void SetUp() override {
    PeopleTest::SetUp();
    admin_ = Admin();
    json add = Site(2);
    add["id"] = "city-hall";
    auto res = client_->Post("/api/v1/sites", With(admin_), add.dump(), "application/json");
    ASSERT_EQ(res->status, 201) << res->body;
  }
  void Book(const std::string& slot) {
    auto res = client_->Post("/api/v1/appointments",
                             json{{"site", "city-hall"}, {"slot", slot}, {"name", "A"}, {"language", "en"}}.dump(),
                             "application/json");
    ASSERT_EQ(res->status, 201) << res->body;
  }
  json PublicSite() {
    const json all = json::parse(client_->Get("/api/v1/sites")->body);
    for (const auto& s : all["sites"]) {
      if (s["id"] == "city-hall") return s;
    }
    return json();
  }
  Session admin_;
};

TEST_F(SitesAdminTest, EditsASiteAndKeepsBookingsValid) {
  json edit = Site(3, "mon-fri 09:00-17:00; sat 10:00-12:00");
  edit["name"] = "City Hall (main)";
  auto res = Call("PUT", "/api/v1/sites/city-hall", admin_, edit);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(json::parse(res->body)["capacity"], 3);
  EXPECT_EQ(PublicSite()["name"], "City Hall (main)");
  EXPECT_TRUE(PublicSite()["hours"].contains("sat"));

  Book("2026-11-26T09:00:00Z");
  Book("2026-11-26T09:00:00Z");
  // Two seats are booked at 09:00 on Thursday: capacity 1 would strand one of them.
  auto fewer = Call("PUT", "/api/v1/sites/city-hall", admin_, Site(1));
  EXPECT_EQ(fewer->status, 409);
  EXPECT_EQ(ProblemType(fewer), "site-bookings-conflict");
  EXPECT_NE(json::parse(fewer->body)["detail"].get<std::string>().find("1 live booking "), std::string::npos);
  // Opening at 10:00 would leave both outside the hours.
  auto later = Call("PUT", "/api/v1/sites/city-hall", admin_, Site(2, "mon-fri 10:00-17:00"));
  EXPECT_EQ(ProblemType(later), "site-bookings-conflict");
  EXPECT_NE(json::parse(later->body)["detail"].get<std::string>().find("2 live bookings"), std::string::npos);
  EXPECT_EQ(PublicSite()["capacity"], 3);
  // Capacity 2 keeps both.
  EXPECT_EQ(Call("PUT", "/api/v1/sites/city-hall", admin_, Site(2))->status, 200);

  auto bad = Call("PUT", "/api/v1/sites/city-hall", admin_, Site(0));
  EXPECT_EQ(bad->status, 400);
  EXPECT_EQ(ProblemType(bad), "invalid-argument");
  json no_hours = Site(2);
  no_hours.erase("hours");
  EXPECT_EQ(ProblemType(Call("PUT", "/api/v1/sites/city-hall", admin_, no_hours)), "missing-field");
  json with_id = Site(2);
  with_id["id"] = "other";
  EXPECT_EQ(Call("PUT", "/api/v1/sites/city-hall", admin_, with_id)->status, 400);
  auto missing = Call("PUT", "/api/v1/sites/nowhere", admin_, Site(2));
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(ProblemType(missing), "site-not-found");
}

TEST_F(SitesAdminTest, ClosesAndReopensDaysWithAReason) {
  auto closed = Call("POST", "/api/v1/sites/city-hall/closures", admin_,
                     json{{"date", "2026-12-24"}, {"reason", "Public holiday"}});
  ASSERT_EQ(closed->status, 200) << closed->body;
  const json site = PublicSite();
  EXPECT_EQ(site["closed"], json::array({"2026-12-24"}));
  EXPECT_EQ(site["closures"][0]["reason"], "Public holiday");
  auto slots = client_->Get("/api/v1/sites/city-hall/slots?from=2026-12-24&to=2026-12-24");
  EXPECT_EQ(json::parse(slots->body)["slots"].size(), 0u);

  // A day with bookings is refused: the applicants would be stranded.
  Book("2026-11-26T09:00:00Z");
  auto busy = Call("POST", "/api/v1/sites/city-hall/closures", admin_, json{{"date", "2026-11-26"}});
  EXPECT_EQ(busy->status, 409);
  EXPECT_EQ(ProblemType(busy), "site-bookings-conflict");

  auto reopened = Call("DELETE", "/api/v1/sites/city-hall/closures/2026-12-24", admin_);
  ASSERT_EQ(reopened->status, 200) << reopened->body;
  EXPECT_EQ(PublicSite()["closed"], json::array());
  auto again = Call("DELETE", "/api/v1/sites/city-hall/closures/2026-12-24", admin_);
  EXPECT_EQ(again->status, 404);
  EXPECT_EQ(ProblemType(again), "not-found");

  EXPECT_EQ(ProblemType(Call("POST", "/api/v1/sites/city-hall/closures", admin_, json{{"date", "24/12/2026"}})),
            "invalid-date");
  EXPECT_EQ(ProblemType(Call("POST", "/api/v1/sites/city-hall/closures", admin_, json::object())),
            "missing-field");
  EXPECT_EQ(Call("POST", "/api/v1/sites/city-hall/closures", admin_,
                 json{{"date", "2026-12-25"}, {"reason", std::string(201, 'x')}})->status, 400);
  EXPECT_EQ(ProblemType(Call("DELETE", "/api/v1/sites/city-hall/closures/not-a-date", admin_)),
            "invalid-date");
  EXPECT_EQ(ProblemType(Call("POST", "/api/v1/sites/nowhere/closures", admin_, json{{"date", "2026-12-25"}})),
            "site-not-found");
}

}  // namespace
}  // namespace cityid::http
