// The clerk's pages' routes (http/routes_clerk.h): the card's Latin spelling of a typed name and
// the day's appointments at a site. Roles, bad input, partner scope, no-store.
#include <gtest/gtest.h>
#include <httplib.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "auth/staff.h"
#include "auth/totp.h"
#include "core/appointments.h"
#include "core/audit_log.h"
#include "core/workflow.h"
#include "http/problem.h"
#include "http/server.h"
#include "http/test_server.h"
#include "store/sqlite/sqlite_store.h"

namespace cityid::http {
namespace {

using nlohmann::json;

class ClerkRoutesTest : public ServerFixture {
 protected:
  Session Staff(const std::string& user, const std::string& role, const std::string& site = "") {
    return SignIn(user, role, site);
  }
  httplib::Result Latin(const Session& s, const std::string& body) {
    return client_->Post("/api/v1/names/latin", With(s), body, "application/json");
  }
  size_t AuditEntries() {
    size_t n = 0;
    EXPECT_TRUE(store_->Read([&](store::Tx& tx) -> Status {
      CITYID_ASSIGN_OR_RETURN(auto size, tx.AuditSize());
      n = static_cast<size_t>(size);
      return Status::Ok();
    }).ok());
    return n;
  }
};

TEST_F(ClerkRoutesTest, LatinSpellingIsWhatEnrollmentPrints) {
  Session clerk = Staff("carla", "clerk");
  // One field: Cyrillic is transliterated (BGN/PCGN) and folded to ASCII, as the card prints it.
  auto res = Latin(clerk, R"({"name": "Хосе"})");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(res->get_header_value("Cache-Control"), "no-store");
  json j = json::parse(res->body);
  EXPECT_EQ(j["latin"], "Khose");
  EXPECT_EQ(j["ascii"], "Khose");
  EXPECT_EQ(j["transliterated"], true);
  // Latin script prints as written, diacritics kept; its ASCII fold drops them.
  j = json::parse(Latin(clerk, R"({"name": "  José  María "})")->body);
  EXPECT_EQ(j["latin"], "José María");
  EXPECT_EQ(j["ascii"], "Jose Maria");
  EXPECT_EQ(j["transliterated"], false);
  // Both parts: the printed full name, given then family, and each part; the same spelling an
  // enrollment of that name answers.
  res = Latin(clerk, R"({"given": "王", "family": "芳"})");
  ASSERT_EQ(res->status, 200) << res->body;
  j = json::parse(res->body);
  core::ApplicantInput in;
  in.legal_name = {"王", "芳"};
  auto spelled = core::PrintedLatinName(*names_, in.legal_name);
  ASSERT_TRUE(spelled.ok());
  EXPECT_EQ(j["latin"], spelled->printed);
  EXPECT_EQ(j["given"]["latin"], spelled->latin.given);
  EXPECT_EQ(j["family"]["latin"], spelled->latin.family);
  EXPECT_EQ(j["transliterated"], true);
  EXPECT_EQ(j["latin"], "Wang Fang");
  // And what an enrollment of that name records for the card, word for word.
  in.date_of_birth = {1990, 4, 12};
  in.documents.push_back({"foreign_passport", "P1", std::nullopt, Date{2030, 1, 1}});
  in.documents.push_back({"utility_bill", "", Date{2026, 11, 1}, std::nullopt});
  auto enrolled = core::Enroll(*ctx_, in, core::Actor{"c", core::Role::kClerk, ""});
  ASSERT_TRUE(enrolled.ok()) << enrolled.status().ToString();
  EXPECT_EQ(j["latin"], enrolled->printed_name);
  EXPECT_TRUE(enrolled->latin_name_transliterated);
  // Arabic: ta marbuta read as heh.
  j = json::parse(Latin(clerk, R"({"given": "فاطمة"})")->body);
  EXPECT_EQ(j["given"]["latin"], j["latin"]);
  EXPECT_EQ(j["family"]["latin"], "");
  EXPECT_EQ(j["transliterated"], true);
}

TEST_F(ClerkRoutesTest, LatinSpellingIsNeverLogged) {
  Session clerk = Staff("carla", "clerk");
  const size_t before = AuditEntries();
  for (const char* body : {R"({"name": "Хосе"})", R"({"given": "王", "family": "芳"})", R"({"name": "Ana😀"})"}) {
    ASSERT_TRUE(Latin(clerk, body));
  }
  // Nothing is logged: the name is nobody's until an enrollment.
  EXPECT_EQ(AuditEntries(), before);
}

TEST_F(ClerkRoutesTest, LatinSpellingRefusesWhatANameMayNotHold) {
  Session clerk = Staff("carla", "clerk");
  struct Case {
    const char* body;
    int status;
    const char* type;
  };
  const Case cases[] = {
      {R"({"name": "Ana😀"})", 400, "invalid-name"},
      {R"({"name": "Ana\u0007"})", 400, "invalid-argument"},
      {R"({"name": "Ana1"})", 400, "invalid-name"},
      {R"({"name": ""})", 400, "missing-field"},
      {R"({"name": 5})", 400, "invalid-argument"},
      {R"({"given": "", "family": "  "})", 400, "missing-field"},
      {R"({})", 400, "missing-field"},
      {R"({"name": "Ana", "given": "Ana"})", 400, "unknown-field"},
      {R"({"given": "Ana", "dob": "1990-01-01"})", 400, "unknown-field"},
      {"[1]", 400, "malformed-json"},
  };
  for (const Case& c : cases) {
    auto res = Latin(clerk, c.body);
    ASSERT_TRUE(res) << c.body;
    EXPECT_EQ(res->status, c.status) << c.body << " " << res->body;
    EXPECT_EQ(ProblemType(res), c.type) << c.body << " " << res->body;
  }
  // Longer than a name part may be (127 bytes canonical), and far longer than any name.
  auto res = Latin(clerk, json{{"name", std::string(130, 'a')}}.dump());
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(ProblemType(res), "field-too-long");
  res = Latin(clerk, json{{"name", std::string(600, 'a')}}.dump());
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(ProblemType(res), "field-too-long");
  // A script ICU cannot spell (Lao): the clerk is told to type the passport's spelling.
  res = Latin(clerk, R"({"name": "ສົມ"})");
  EXPECT_EQ(res->status, 400) << res->body;
  EXPECT_EQ(ProblemType(res), "invalid-name");
  EXPECT_NE(json::parse(res->body)["detail"].get<std::string>().find("latin_name"),
            std::string::npos);
  // The message never quotes the name.
  res = Latin(clerk, R"({"name": "Secretname😀"})");
  EXPECT_EQ(res->body.find("Secretname"), std::string::npos);
}

TEST_F(ClerkRoutesTest, LatinSpellingIsForTheCounterRoles) {
  for (const char* role : {"clerk", "supervisor", "partner", "admin"}) {
    Session s = Staff(std::string("u-") + role, role, std::string(role) == "partner" ? "lib" : "");
    auto res = Latin(s, R"({"name": "Хосе"})");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200) << role << " " << res->body;
  }
  Session auditor = Staff("aud", "auditor");
  auto res = Latin(auditor, R"({"name": "Хосе"})");
  EXPECT_EQ(res->status, 403);
  EXPECT_EQ(ProblemType(res), "role-not-allowed");
  res = client_->Post("/api/v1/names/latin", R"({"name": "Хосе"})", "application/json");
  EXPECT_EQ(res->status, 401);
  // Without the CSRF token.
  Session clerk = Staff("carla", "clerk");
  res = client_->Post("/api/v1/names/latin", httplib::Headers{{"Cookie", clerk.cookie}},
                      R"({"name": "Хосе"})", "application/json");
  EXPECT_EQ(res->status, 403);
  EXPECT_EQ(ProblemType(res), "csrf-token-invalid");
}

// Two sites open all day; bookings at City Hall today (2026-11-25 local) and tomorrow.
class DayAppointmentsTest : public ClerkRoutesTest {
 protected:
  void SetUp() override {
    ClerkRoutesTest::SetUp();
    core::BookingContext b{*store_, *keys_, clock_, rng_};
    const core::Actor root{"cli:root", core::Role::kAdmin, ""};
    for (const char* id : {"city-hall", "library-east"}) {
      core::SiteInput in{id, "Site", "city_hall", "1 Centre St", "-05:00",
                         "mon-sun 00:00-24:00", 60, 5, {}, ""};
      ASSERT_TRUE(core::AddSite(b, in, root).ok());
    }
    // kNow is 07:00 at -05:00: slots at 09:00 and 10:00 local today, 09:00 tomorrow.
    auto book = [&](UnixSeconds slot, const std::string& name, const std::string& lang) {
      auto r = core::Book(b, core::BookingInput{"city-hall", slot, name, "rosa@example.org", lang});
      EXPECT_TRUE(r.ok()) << r.status().ToString();
      return r.ok() ? *r : core::BookingReceipt{};
    };
    rosa_ = book(kNow + 2 * 3600, "Rosa Martínez", "es");
    wang_ = book(kNow + 3 * 3600, "王芳", "zh");
    later_ = book(kNow + 26 * 3600, "Next Day", "en");
    ASSERT_TRUE(core::CancelBooking(b, wang_.reference, wang_.pin).ok());
  }
  httplib::Result Day(const Session& s, const std::string& site, const std::string& query = "") {
    return client_->Get("/api/v1/sites/" + site + "/appointments" + query, With(s));
  }
  core::BookingReceipt rosa_, wang_, later_;
};

TEST_F(DayAppointmentsTest, ListsTheSitesDayWithNamesToCallAndLogsEachRead) {
  Session clerk = Staff("carla", "clerk");
  const size_t before = AuditEntries();
  auto res = Day(clerk, "city-hall");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(res->get_header_value("Cache-Control"), "no-store");
  const json j = json::parse(res->body);
  EXPECT_EQ(j["site"], "city-hall");
  EXPECT_EQ(j["timezone"], "-05:00");
  EXPECT_EQ(j["date"], "2026-11-25");  // the site's today
  EXPECT_EQ(j["truncated"], false);
  ASSERT_EQ(j["appointments"].size(), 2u);
  EXPECT_EQ(j["appointments"][0]["reference"], rosa_.reference);
  EXPECT_EQ(j["appointments"][0]["local"], "2026-11-25T09:00");
  EXPECT_EQ(j["appointments"][0]["slot"], "2026-11-25T14:00:00Z");
  EXPECT_EQ(j["appointments"][0]["state"], "booked");
  EXPECT_EQ(j["appointments"][0]["language"], "es");
  EXPECT_EQ(j["appointments"][0]["name"], "Rosa Martínez");
  EXPECT_EQ(j["appointments"][1]["name"], "王芳");
  EXPECT_EQ(j["appointments"][1]["state"], "cancelled");
  // Never the PIN or the contact.
  EXPECT_EQ(res->body.find(rosa_.pin), std::string::npos);
  EXPECT_EQ(res->body.find("rosa@example.org"), std::string::npos);
  EXPECT_EQ(res->body.find("contact"), std::string::npos);
  // One access entry per decrypted booking, naming the staff member, never the name.
  EXPECT_EQ(AuditEntries(), before + 2);
  store::AuditRow last;
  ASSERT_TRUE(store_->Read([&](store::Tx& tx) -> Status {
    CITYID_ASSIGN_OR_RETURN(auto rows, tx.ReadAudit(static_cast<int64_t>(before), 10));
    EXPECT_EQ(rows.size(), 2u);
    if (!rows.empty()) last = rows.back();
    return Status::Ok();
  }).ok());
  EXPECT_EQ(last.entry.action, "appointment.read");
  EXPECT_EQ(last.entry.role, "clerk");
  EXPECT_EQ(last.entry.reason, "counter: the day's appointments");
  // Another day, by its local date.
  res = Day(clerk, "city-hall", "?date=2026-11-26");
  ASSERT_EQ(res->status, 200) << res->body;
  const json next = json::parse(res->body);
  ASSERT_EQ(next["appointments"].size(), 1u);
  EXPECT_EQ(next["appointments"][0]["reference"], later_.reference);
  // A day with none.
  res = Day(clerk, "library-east", "?date=2026-11-25");
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(json::parse(res->body)["appointments"].size(), 0u);
}

TEST_F(DayAppointmentsTest, PartnerSeesOnlyItsOwnSiteAndAnotherIsLikeAMissingOne) {
  Session hall = Staff("pat", "partner", "city-hall");
  Session east = Staff("lee", "partner", "library-east");
  auto res = Day(hall, "city-hall");
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(json::parse(res->body)["appointments"].size(), 2u);
  const size_t before = AuditEntries();
  auto other = Day(east, "city-hall");
  auto missing = Day(east, "no-such-site");
  EXPECT_EQ(other->status, 404);
  EXPECT_EQ(ProblemType(other), "site-not-found");
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(ProblemType(missing), "site-not-found");
  EXPECT_EQ(other->body.find("Rosa"), std::string::npos);
  EXPECT_EQ(AuditEntries(), before);  // nothing was read
  // The detail names the id asked for either way, so the two answers differ only in it.
  auto strip = [](std::string body, const std::string& id) {
    for (size_t at; (at = body.find(id)) != std::string::npos;) body.erase(at, id.size());
    return body;
  };
  EXPECT_EQ(strip(other->body, "city-hall"), strip(missing->body, "no-such-site"));
}

TEST_F(DayAppointmentsTest, RolesAndBadInput) {
  for (const char* role : {"clerk", "supervisor", "admin"}) {
    Session s = Staff(std::string("u-") + role, role);
    EXPECT_EQ(Day(s, "city-hall")->status, 200) << role;
  }
  Session auditor = Staff("aud", "auditor");
  auto res = Day(auditor, "city-hall");
  EXPECT_EQ(res->status, 403);
  EXPECT_EQ(ProblemType(res), "role-not-allowed");
  EXPECT_EQ(client_->Get("/api/v1/sites/city-hall/appointments")->status, 401);
  Session clerk = Staff("carla", "clerk");
  struct Case {
    std::string site, query, type;
    int status;
  };
  const Case cases[] = {
      {"city-hall", "?date=2026-13-01", "invalid-argument", 400},
      {"city-hall", "?date=tomorrow", "invalid-argument", 400},
      {"city-hall", "?day=2026-11-25", "invalid-argument", 400},
      {"city-hall", "?date=2026-11-25&date=2026-11-26", "invalid-argument", 400},
      {"City_Hall", "", "invalid-argument", 400},
      {"nowhere", "", "site-not-found", 404},
  };
  for (const Case& c : cases) {
    auto r = Day(clerk, c.site, c.query);
    ASSERT_TRUE(r) << c.site << c.query;
    EXPECT_EQ(r->status, c.status) << c.site << c.query << " " << r->body;
    EXPECT_EQ(ProblemType(r), c.type) << c.site << c.query << " " << r->body;
  }
}

}  // namespace
}  // namespace cityid::http
