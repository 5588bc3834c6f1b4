// End-to-end: a site added with the real `cityid site add`, then the real `cityid serve` on a
// free port driven over HTTP as an applicant would: list sites and free slots, book, check the
// status with reference + PIN (in a header), move, cancel, a wrong PIN refused, and concurrent
// bookings of a slot's last seat — exactly one wins. The name to call is never in the database
// in clear.
#include <gtest/gtest.h>

#include <atomic>
#include <ctime>
#include <nlohmann/json.hpp>
#include <tuple>

#include "server_harness.h"

namespace {

using namespace cityid::e2e;  // NOLINT(build/namespaces): the harness is this test's vocabulary
using nlohmann::json;

const std::string kName = "Zoe Quintero-Appointmentsmarker";

// The UTC date `days` from today, "YYYY-MM-DD" (the site runs on +00:00, all day).
std::string DaysAhead(int days) {
  const std::time_t t = std::time(nullptr) + static_cast<std::time_t>(days) * 86400;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}
std::string Tomorrow() { return DaysAhead(1); }

// The real clock: bookings are for tomorrow.
class AppointmentsE2eTest : public ServerTest {
 protected:
  AppointmentsE2eTest() : ServerTest("apt", /*fixed_clock=*/false) {}
  // `client`: the applicant's address as the trusted proxy forwards it (servers started with
  // --trusted-proxy 127.0.0.1); empty: none, the peer address counts.
  httplib::Result Book(httplib::Client& c, const std::string& slot, const std::string& name,
                       const std::string& client = "") {
    json body{{"site", "city-hall"}, {"slot", slot}, {"name", name}, {"language", "es"},
              {"contact", "+1 555 0100"}};
    httplib::Headers h;
    if (!client.empty()) h.emplace("X-Forwarded-For", client);
    return c.Post("/api/v1/appointments", h, body.dump(), "application/json");
  }
  httplib::Headers Pin(const std::string& pin) { return {{"X-Booking-PIN", pin}}; }

};

TEST_F(AppointmentsE2eTest, BookCheckMoveCancelAndTheLastSeatGoesToExactlyOne) {
  // The admin adds a site with the CLI, next to the running server.
  auto [code, out] =
      CliCode({"--json", "site", "add", "--data", data_, "--id", "city-hall", "--name", "City Hall",
               "--kind", "city_hall", "--address", "1 Centre St", "--timezone", "+00:00", "--hours",
               "mon-sun 00:00-24:00", "--slot-minutes", "60", "--capacity", "1"});
  ASSERT_EQ(code, 0) << last_err_;
  EXPECT_EQ(json::parse(out)["id"], "city-hall");
  // Behind a proxy (the test), so that the racers below are eight applicants, not one client
  // over its cap of live bookings.
  ASSERT_EQ(StopServer(), 0);
  ASSERT_NO_FATAL_FAILURE(StartServer({"--trusted-proxy", "127.0.0.1"}));
  // Bad input to the CLI: a message and exit 3 (invalid input).
  auto [bad_code, bad_out] =
      CliCode({"site", "add", "--data", data_, "--id", "x y", "--name", "X", "--kind", "embassy",
               "--address", "A", "--timezone", "+00:00", "--hours", "mon 09:00-10:00"});
  EXPECT_EQ(bad_code, 3);
  EXPECT_FALSE(last_err_.empty());

  auto sites = client_->Get("/api/v1/sites");
  ASSERT_TRUE(sites);
  ASSERT_EQ(sites->status, 200) << sites->body;
  EXPECT_EQ(json::parse(sites->body)["sites"][0]["id"], "city-hall");
  EXPECT_EQ(json::parse(sites->body)["sites"][0]["languages"], json::array());

  // A site may say which languages its staff speak and how to get in; the portal shows both.
  auto [lib_code, lib_out] = CliCode(
      {"--json", "site", "add", "--data", data_, "--id", "north-library", "--name", "North Library",
       "--kind", "library", "--address", "12 Grand St", "--timezone", "America/New_York",
       "--hours", "mon-fri 09:00-17:00", "--languages", "en,es,zh", "--accessibility",
       "Step-free entrance on Grand St"});
  ASSERT_EQ(lib_code, 0) << last_err_;
  EXPECT_EQ(json::parse(lib_out)["languages"], json({"en", "es", "zh"}));
  const json listed = json::parse(client_->Get("/api/v1/sites")->body)["sites"];
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[1]["id"], "north-library");
  EXPECT_EQ(listed[1]["languages"], json({"en", "es", "zh"}));
  EXPECT_EQ(listed[1]["accessibility"], "Step-free entrance on Grand St");
  EXPECT_EQ(CliCode({"site", "add", "--data", data_, "--id", "west-library", "--name", "W",
                     "--kind", "library", "--address", "A", "--timezone", "+00:00", "--hours",
                     "mon 09:00-10:00", "--languages", "English"})
                .first,
            3);

  const std::string day = Tomorrow();
  auto slots = client_->Get("/api/v1/sites/city-hall/slots?from=" + day + "&to=" + day);
  ASSERT_TRUE(slots);
  ASSERT_EQ(slots->status, 200) << slots->body;
  const json free = json::parse(slots->body)["slots"];
  ASSERT_EQ(free.size(), 24u);
  const std::string slot0 = free[0]["start"], slot1 = free[1]["start"], slot5 = free[5]["start"];

  // Book, then read the booking back with the PIN in a header.
  auto booked = Book(*client_, slot0, kName);
  ASSERT_TRUE(booked);
  ASSERT_EQ(booked->status, 201) << booked->body;
  const json receipt = json::parse(booked->body);
  const std::string ref = receipt["reference"], pin = receipt["pin"];
  auto status = client_->Get("/api/v1/appointments/" + ref, Pin(pin));
  ASSERT_EQ(status->status, 200) << status->body;
  EXPECT_EQ(json::parse(status->body)["name"], kName);
  EXPECT_EQ(json::parse(status->body)["state"], "booked");
  // A wrong PIN, or none, is refused as if the booking did not exist.
  std::string wrong = pin;
  wrong[0] = wrong[0] == '2' ? '3' : '2';
  for (const auto& p : {wrong, std::string()}) {
    auto refused = client_->Get("/api/v1/appointments/" + ref, Pin(p));
    EXPECT_EQ(refused->status, 404);
    EXPECT_EQ(refused->get_header_value("Content-Type"), "application/problem+json");
    EXPECT_EQ(ProblemType(refused), "booking-not-found");
  }
  // The slot is now full; the listing says so.
  EXPECT_EQ(json::parse(client_->Get("/api/v1/sites/city-hall/slots?from=" + day + "&to=" + day)
                            ->body)["slots"].size(),
            23u);

  // Move, then cancel.
  auto moved = client_->Post("/api/v1/appointments/" + ref + "/move", Pin(pin),
                             json{{"slot", slot1}}.dump(), "application/json");
  ASSERT_EQ(moved->status, 200) << moved->body;
  EXPECT_EQ(json::parse(moved->body)["state"], "moved");
  EXPECT_EQ(json::parse(moved->body)["slot"], slot1);
  auto wrong_cancel = client_->Post("/api/v1/appointments/" + ref + "/cancel", Pin(wrong), "",
                                    "application/json");
  EXPECT_EQ(wrong_cancel->status, 404);
  auto cancelled = client_->Post("/api/v1/appointments/" + ref + "/cancel", Pin(pin), "",
                                 "application/json");
  ASSERT_EQ(cancelled->status, 200) << cancelled->body;
  EXPECT_EQ(json::parse(client_->Get("/api/v1/appointments/" + ref, Pin(pin))->body)["state"],
            "cancelled");

  // Malformed requests: problem+json 4xx, never 5xx.
  for (const auto& [body, type] :
       std::vector<std::pair<std::string, std::string>>{
           {"{not json", "malformed-json"},
           {json{{"site", "city-hall"}, {"slot", slot0}, {"name", "A"}, {"language", "es"},
                 {"ssn", "1"}}.dump(), "unknown-field"},
           {json{{"site", "city-hall"}, {"slot", "tomorrow"}, {"name", "A"}, {"language", "es"}}
                .dump(), "invalid-argument"},
           {json{{"site", "'; DROP TABLE sites; --"}, {"slot", slot0}, {"name", "A"},
                 {"language", "es"}}.dump(), "invalid-argument"},
           {json{{"site", "city-hall"}, {"slot", slot0}, {"language", "es"}}.dump(),
            "missing-field"}}) {
    auto r = client_->Post("/api/v1/appointments", body, "application/json");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400) << body;
    EXPECT_EQ(ProblemType(r), type) << r->body;
  }

  // Eight applicants race for the last (only) seat of one slot: exactly one gets it.
  std::atomic<int> won{0}, full{0}, other{0};
  std::vector<std::thread> racers;
  for (int i = 0; i < 8; ++i) {
    racers.emplace_back([&, i] {
      httplib::Client c("127.0.0.1", port_);
      c.set_tcp_nodelay(true);
      auto r = Book(c, slot5, "Racer " + std::to_string(i), "198.51.100." + std::to_string(i));
      if (r && r->status == 201) {
        ++won;
      } else if (r && r->status == 409 && ProblemType(r) == "slot-full") {
        ++full;
      } else {
        ++other;
        ADD_FAILURE() << (r ? std::to_string(r->status) + " " + r->body
                            : "no answer: " + httplib::to_string(r.error()));
      }
    });
  }
  for (auto& t : racers) t.join();
  EXPECT_EQ(won.load(), 1);
  EXPECT_EQ(full.load(), 7);
  EXPECT_EQ(other.load(), 0);

  // At the counter: staff (made with the real CLI) mark a booking attended, once. The first
  // slot is free again (moved away, then cancelled) and starts within a day.
  const std::string password = "correct horse battery staple";
  for (const auto& [user, role, site] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"carla", "clerk", ""}, {"pat", "partner", "east-library"}}) {
    std::vector<std::string> args = {"staff", "add", "--data", data_, "--user", user, "--role",
                                     role, "--password-stdin"};
    if (!site.empty()) args.insert(args.end(), {"--site", site});
    ASSERT_EQ(CliCode(args, password + "\n").first, 0) << last_err_;
  }
  auto login = [&](const std::string& user) {
    auto r = client_->Post("/api/v1/sessions", json{{"user", user}, {"password", password}}.dump(),
                           "application/json");
    EXPECT_TRUE(r);
    if (!r) return httplib::Headers{};
    EXPECT_EQ(r->status, 201) << r->body;
    const std::string cookie = r->get_header_value("Set-Cookie");
    return httplib::Headers{{"Cookie", cookie.substr(0, cookie.find(';'))},
                            {"X-CSRF-Token", json::parse(r->body)["csrf_token"].get<std::string>()}};
  };
  const httplib::Headers clerk = login("carla"), partner = login("pat");
  auto visit = Book(*client_, slot0, "Counter Visitor");
  ASSERT_EQ(visit->status, 201) << visit->body;
  const std::string visit_ref = json::parse(visit->body)["reference"];
  const std::string visit_pin = json::parse(visit->body)["pin"];
  const std::string attended_path = "/api/v1/appointments/" + visit_ref + "/attended";
  // Not without a session, not a partner of another site, not for a no-show before its time.
  EXPECT_EQ(client_->Post(attended_path, "{}", "application/json")->status, 401);
  // Another site's booking answers exactly as an unknown reference (issue 14 §2).
  auto elsewhere = client_->Post(attended_path, partner, "{}", "application/json");
  EXPECT_EQ(elsewhere->status, 404);
  EXPECT_EQ(ProblemType(elsewhere), "booking-not-found");
  auto unknown =
      client_->Post("/api/v1/appointments/ZZZZ-ZZZZ/attended", partner, "{}", "application/json");
  EXPECT_EQ(unknown->status, 404);
  EXPECT_EQ(unknown->body, elsewhere->body);
  auto early = client_->Post("/api/v1/appointments/" + visit_ref + "/no-show", clerk, "{}",
                             "application/json");
  EXPECT_EQ(early->status, 409);
  EXPECT_EQ(ProblemType(early), "failed-precondition");
  auto attended = client_->Post(attended_path, clerk, "{}", "application/json");
  ASSERT_EQ(attended->status, 200) << attended->body;
  EXPECT_EQ(json::parse(attended->body)["state"], "attended");
  EXPECT_EQ(attended->body.find("Counter Visitor"), std::string::npos);
  auto again = client_->Post(attended_path, clerk, "{}", "application/json");
  EXPECT_EQ(again->status, 409);
  EXPECT_EQ(ProblemType(again), "invalid-transition");
  EXPECT_EQ(json::parse(client_->Get("/api/v1/appointments/" + visit_ref, Pin(visit_pin))->body)["state"],
            "attended");
  // The cancelled booking cannot be marked either.
  EXPECT_EQ(client_->Post("/api/v1/appointments/" + ref + "/attended", clerk, "{}",
                          "application/json")->status,
            409);

  // Nothing the applicant typed is in the database files in clear.
  EXPECT_EQ(StopServer(), 0) << Slurp(tmp_ / "server.err");
  for (const auto& entry : fs::directory_iterator(data_)) {
    if (!entry.is_regular_file()) continue;
    const std::string bytes = Slurp(entry.path());
    EXPECT_EQ(bytes.find("Appointmentsmarker"), std::string::npos) << entry.path();
    EXPECT_EQ(bytes.find("555 0100"), std::string::npos) << entry.path();
  }
}

// One anonymous client booked all 240 seats of a site in 0.4 s at a14d931. Now a client
// (behind the trusted proxy, the forwarded address) is refused once it holds its cap of live
// bookings, with a 429 that says what to do; other clients are not affected.
TEST_F(AppointmentsE2eTest, OneClientIsRefusedOnceItHoldsItsCapOfBookings) {
  auto [code, out] =
      CliCode({"--json", "site", "add", "--data", data_, "--id", "city-hall", "--name", "City Hall",
               "--kind", "city_hall", "--address", "1 Centre St", "--timezone", "+00:00", "--hours",
               "mon-sun 00:00-24:00", "--slot-minutes", "60", "--capacity", "100"});
  ASSERT_EQ(code, 0) << last_err_;
  ASSERT_EQ(StopServer(), 0);
  ASSERT_NO_FATAL_FAILURE(StartServer({"--trusted-proxy", "127.0.0.1"}));  // default caps 3, 2
  auto slots_of = [&](int days) {
    const std::string day = DaysAhead(days);
    auto r = client_->Get("/api/v1/sites/city-hall/slots?from=" + day + "&to=" + day);
    EXPECT_TRUE(r && r->status == 200);
    return json::parse(r->body)["slots"];
  };
  const json day2 = slots_of(2), day3 = slots_of(3), day4 = slots_of(4);
  auto book_from = [&](const std::string& client, const json& slot) {
    json body{{"site", "city-hall"}, {"slot", slot["start"]}, {"name", "Seat Taker"},
              {"language", "en"}};
    return client_->Post("/api/v1/appointments", {{"X-Forwarded-For", client}}, body.dump(),
                         "application/json");
  };
  // Book from one client until refused.
  const std::vector<json> attempts = {day2[0], day2[1], day2[2], day3[0], day4[0]};
  std::vector<int> statuses;
  std::vector<std::string> types;
  std::string first_ref, first_pin;
  for (const json& slot : attempts) {
    auto r = book_from("203.0.113.66", slot);
    ASSERT_TRUE(r);
    statuses.push_back(r->status);
    types.push_back(r->status == 201 ? "" : ProblemType(r));
    if (first_ref.empty() && r->status == 201) {
      first_ref = json::parse(r->body)["reference"];
      first_pin = json::parse(r->body)["pin"];
    }
    if (r->status == 429) {
      EXPECT_EQ(r->get_header_value("Content-Type"), "application/problem+json");
      EXPECT_NE(json::parse(r->body)["detail"].get<std::string>().find("cancel"), std::string::npos);
    }
  }
  // Two on one day (the per-site-and-day cap), the third another day, then the per-client cap.
  EXPECT_EQ(statuses, (std::vector<int>{201, 201, 429, 201, 429}));
  EXPECT_EQ(types[2], "booking-limit-reached");
  EXPECT_EQ(types[4], "booking-limit-reached");
  // Another client books as usual.
  auto other = book_from("203.0.113.7", day2[2]);
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 201) << other->body;
  // Cancelling a booking gives the client its place back.
  auto cancelled = client_->Post("/api/v1/appointments/" + first_ref + "/cancel",
                                 {{"X-Booking-PIN", first_pin}, {"X-Forwarded-For", "203.0.113.66"}},
                                 "", "application/json");
  ASSERT_EQ(cancelled->status, 200) << cancelled->body;
  auto again = book_from("203.0.113.66", day4[0]);
  EXPECT_EQ(again->status, 201) << again->body;

  // An operator may raise the caps (a kiosk, an organization booking for many).
  ASSERT_EQ(StopServer(), 0);
  ASSERT_NO_FATAL_FAILURE(StartServer({"--trusted-proxy", "127.0.0.1", "--max-bookings-per-client",
                                       "10", "--max-bookings-per-client-site-day", "10"}));
  for (int i = 3; i < 6; ++i) EXPECT_EQ(book_from("203.0.113.66", day3[i])->status, 201);
}

}  // namespace
