// The records and keys routes (routes_records.h): holds, retention, key status and the
// two-person emergency destruction in a running server.
#include "http/routes_records.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <thread>

#include "auth/staff.h"
#include "auth/totp.h"
#include "core/register.h"
#include "core/workflow.h"
#include "http/problem.h"
#include "http/server.h"
#include "http/test_server.h"
#include "store/sqlite/sqlite_store.h"

namespace cityid::http {
namespace {

using nlohmann::json;
constexpr int64_t kDay = 86400;

class RecordsRoutesTest : public ServerFixture {
 protected:
  // The server may (or, after Start(false), may not) destroy the key files on the two-person
  // approval.
  ServerConfig Config() override {
    ServerConfig config = ServerFixture::Config();
    if (destructible_) config.destructible_keys = keys_.get();
    return config;
  }
  void Start(bool destructible) {
    destructible_ = destructible;
    StartServer(Config());
  }
  void Stop() { StopServer(); }
  Session AddAndLogin(const std::string& user, const std::string& role) { return SignIn(user, role); }
  // Two admins "ada" and "bea" whose accounts are past the approver's cooling-off period
  // (core::kApproverCoolingOffSeconds): made, then the clock moves on, then signed in.
  std::pair<Session, Session> SettledAdmins() {
    const Bytes sa = AddStaff("ada", "admin");
    const Bytes sb = AddStaff("bea", "admin");
    clock_.Advance(core::kApproverCoolingOffSeconds);
    return {Login("ada", sa), Login("bea", sb)};
  }
  bool destructible_ = true;
  // The answer, with its status checked; problems are application/problem+json.
  json Send(const Session& s, const std::string& method, const std::string& path, int expect_status,
            const std::string& body = "{}") {
    auto res = method == "GET" ? client_->Get(path, With(s))
                               : client_->Post(path, With(s), body, "application/json");
    EXPECT_TRUE(res) << path;
    if (!res) return json();
    EXPECT_EQ(res->status, expect_status) << method << " " << path << ": " << res->body;
    EXPECT_EQ(res->get_header_value("Cache-Control"), "no-store") << path;
    if (res->status >= 400) {
      EXPECT_EQ(res->get_header_value("Content-Type"), "application/problem+json");
    }
    return json::parse(res->body, nullptr, false);
  }
  static std::string Type(const json& problem) {
    if (!problem.is_object() || !problem.contains("type")) return "";
    return problem["type"].get<std::string>().substr(std::string(kProblemTypeBase).size());
  }

  // An enrolled person (and their application id).
  std::pair<std::string, std::string> Enroll(const std::string& family,
                                             std::optional<core::Address> address = {}) {
    core::ApplicantInput in;
    in.address = std::move(address);
    in.legal_name = {"Ana", family};
    in.date_of_birth = {1990, 4, 12};
    in.documents.push_back({"foreign_passport", "P-" + family, std::nullopt, Date{2030, 1, 1}});
    in.documents.push_back(
        {"utility_bill", "", Date::FromUnix(clock_.Now() - 5 * kDay), std::nullopt});
    auto e = core::Enroll(*ctx_, in, core::Actor{"c", core::Role::kClerk, ""});
    EXPECT_TRUE(e.ok()) << e.status().ToString();
    auto app =
        core::ViewApplication(*ctx_, e->application_id, core::Actor{"a", core::Role::kAdmin, ""});
    EXPECT_TRUE(app.ok());
    return {app->person_id, e->application_id};
  }
};

TEST_F(RecordsRoutesTest, HoldsListShowsCategoryAndNeverTheNote) {
  const Session admin = AddAndLogin("ada", "admin");
  const Session auditor = AddAndLogin("aud", "auditor");
  const Session clerk = AddAndLogin("carla", "clerk");
  auto [person, app] = Enroll("Lopez");
  Send(admin, "POST", "/api/v1/persons/" + person + "/hold", 201,
       R"({"category":"court_order","note":"Case 12 caption"})");
  const json list = Send(admin, "GET", "/api/v1/holds", 200);
  ASSERT_EQ(list["holds"].size(), 1u);
  EXPECT_EQ(list["holds"][0]["person_id"], person);
  EXPECT_EQ(list["holds"][0]["category"], "court_order");
  EXPECT_EQ(list["holds"][0]["has_note"], true);
  EXPECT_EQ(list["holds"][0]["application_ids"], json::array({app}));
  EXPECT_EQ(list.dump().find("caption"), std::string::npos);
  EXPECT_EQ(Send(auditor, "GET", "/api/v1/holds", 200)["holds"].size(), 1u);
  EXPECT_EQ(Type(Send(clerk, "GET", "/api/v1/holds", 403)), "role-not-allowed");
  // Released: the list is empty again.
  auto res = client_->Delete("/api/v1/persons/" + person + "/hold", With(admin));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_TRUE(Send(admin, "GET", "/api/v1/holds", 200)["holds"].empty());
}

TEST_F(RecordsRoutesTest, RetentionPreviewCountsWhatTheRunThenDoes) {
  const core::Actor sup{"s", core::Role::kSupervisor, ""};
  auto [rejected, rejected_app] = Enroll("Lopez");
  auto [held, held_app] = Enroll("Garcia");
  auto [abandoned, abandoned_app] = Enroll("Chen");
  auto [fresh, fresh_app] = Enroll("Haddad");
  ASSERT_TRUE(core::Reject(*ctx_, rejected_app, sup, "documents not genuine").ok());
  ASSERT_TRUE(core::Reject(*ctx_, held_app, sup, "documents not genuine").ok());
  ASSERT_TRUE(
      core::PlaceHold(*ctx_, held, "litigation", "", core::Actor{"a", core::Role::kAdmin, ""})
          .ok());
  // 91 days on: both rejections are past 90 days, the untouched applications past 30.
  clock_.Advance(91 * kDay);
  Enroll("Novak");  // enrolled today: kept
  (void)fresh;
  // Signed in now (sessions from 91 days ago have long ended).
  const Session admin = AddAndLogin("ada", "admin");
  const Session supervisor = AddAndLogin("sam", "supervisor");
  json p = Send(admin, "GET", "/api/v1/retention", 200);
  EXPECT_EQ(p["policy"]["rejected_application_days"], 90);
  EXPECT_EQ(p["policy"]["abandoned_application_days"], 30);
  EXPECT_EQ(p["persons_to_purge"]["rejected_application"], 1);
  EXPECT_EQ(p["persons_to_purge"]["abandoned_application"], 2);  // Chen, Haddad
  EXPECT_EQ(p["persons_to_purge"]["total"], 3);
  EXPECT_EQ(p["held"], 1);
  EXPECT_EQ(p["cards_to_expire"], 0);
  EXPECT_TRUE(p["last_action_at"].is_null());
  // Running it needs an explicit confirmation.
  EXPECT_EQ(Type(Send(admin, "POST", "/api/v1/retention/run", 400)), "missing-field");
  EXPECT_EQ(Type(Send(admin, "POST", "/api/v1/retention/run", 400, R"({"confirm":false})")),
            "invalid-argument");
  EXPECT_EQ(Type(Send(supervisor, "POST", "/api/v1/retention/run", 403, R"({"confirm":true})")),
            "role-not-allowed");
  EXPECT_EQ(Type(Send(supervisor, "GET", "/api/v1/retention", 403)), "role-not-allowed");
  const json run = Send(admin, "POST", "/api/v1/retention/run", 200, R"({"confirm":true})");
  EXPECT_EQ(run["persons_purged"], 3);
  EXPECT_GE(run["held"], 1);
  p = Send(admin, "GET", "/api/v1/retention", 200);
  EXPECT_EQ(p["persons_to_purge"]["total"], 0);
  EXPECT_EQ(p["held"], 1);
  EXPECT_EQ(p["last_action_at"], clock_.Now());
}

// The preview and the run name every irreversible step: a card never marked printed past the
// print window (30 days by default) has its holder's address dropped, and both say so. A record
// under a legal hold keeps its address until the hold is released.
TEST_F(RecordsRoutesTest, RetentionPreviewAndRunCountThePrintWindowsClosed) {
  const core::Actor sup{"s", core::Role::kSupervisor, ""};
  const core::Actor clerk{"c", core::Role::kClerk, ""};
  const core::Actor root{"a", core::Role::kAdmin, ""};
  const core::Address home{"1 Main St", "", "New York", "NY", "10001"};
  auto [person, app] = Enroll("Lopez", home);
  auto [held, held_app] = Enroll("Garcia", home);
  for (const std::string& a : {app, held_app}) {
    ASSERT_TRUE(core::Approve(*ctx_, a, sup, "ok").ok());
    ASSERT_TRUE(core::Issue(*ctx_, a, clerk).ok());
  }
  ASSERT_TRUE(core::PlaceHold(*ctx_, held, "litigation", "", root).ok());
  clock_.Advance(31 * kDay);
  auto address = [&](const std::string& id) {
    auto r = core::ReadPerson(*ctx_, id, root, "test: is the address kept");
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() && r->address.has_value();
  };
  EXPECT_TRUE(address(person));  // kept until printed or the window closes
  const Session admin = AddAndLogin("ada", "admin");
  EXPECT_EQ(Send(admin, "GET", "/api/v1/retention", 200)["print_windows_to_close"], 1);
  const json run = Send(admin, "POST", "/api/v1/retention/run", 200, R"({"confirm":true})");
  EXPECT_EQ(run["print_windows_closed"], 1);
  EXPECT_FALSE(address(person));
  EXPECT_TRUE(address(held));  // the job never changes a record under a hold
  EXPECT_EQ(Send(admin, "GET", "/api/v1/retention", 200)["print_windows_to_close"], 0);
  EXPECT_EQ(Send(admin, "POST", "/api/v1/retention/run", 200, R"({"confirm":true})")
                ["print_windows_closed"],
            0);
  // Released: the next run drops it.
  ASSERT_TRUE(core::ReleaseHold(*ctx_, held, root).ok());
  EXPECT_EQ(Send(admin, "GET", "/api/v1/retention", 200)["print_windows_to_close"], 1);
  EXPECT_EQ(Send(admin, "POST", "/api/v1/retention/run", 200, R"({"confirm":true})")
                ["print_windows_closed"],
            1);
  EXPECT_FALSE(address(held));
}

TEST_F(RecordsRoutesTest, KeyStatusNamesTheIssuerKidAndHoldsNoKeyMaterial) {
  const Session admin = AddAndLogin("ada", "admin");
  const Session auditor = AddAndLogin("aud", "auditor");
  const json status = Send(admin, "GET", "/api/v1/keys/status", 200);
  auto pub = client_->Get("/.well-known/cityid-keys");
  ASSERT_TRUE(pub);
  const json jwks = json::parse(pub->body);
  ASSERT_EQ(status["issuer_keys"].size(), 1u);
  EXPECT_EQ(status["issuer_keys"][0]["kid"], jwks["keys"][0]["kid"]);
  EXPECT_EQ(status["issuer_keys"][0]["status"], "active");
  EXPECT_EQ(status["issuer"], jwks["issuer"]);
  EXPECT_EQ(status["log_key"]["kid"], Base64UrlEncode(keys_->LogPublicKey().key_id));
  EXPECT_EQ(status["data_keys"]["state"], "present");
  EXPECT_TRUE(status["data_keys"]["split"].is_null());
  // Public facts only: not even the public key bytes, and no secret.
  EXPECT_EQ(status.dump().find(jwks["keys"][0]["x"].get<std::string>()), std::string::npos);
  EXPECT_EQ(Type(Send(auditor, "GET", "/api/v1/keys/status", 403)), "role-not-allowed");
}

TEST_F(RecordsRoutesTest, TwoAdminsDestroyTheKeysAndTheServerThenRefusesRecordsClearly) {
  const auto [a, b] = SettledAdmins();
  const Session auditor = AddAndLogin("aud", "auditor");
  const Session supervisor = AddAndLogin("sam", "supervisor");
  auto [person, app] = Enroll("Lopez");
  ASSERT_TRUE(core::Approve(*ctx_, app, core::Actor{"s", core::Role::kSupervisor, ""}, "ok").ok());
  auto card = core::Issue(*ctx_, app, core::Actor{"c", core::Role::kClerk, ""});
  ASSERT_TRUE(card.ok());

  // Bad requests first: nothing recorded.
  EXPECT_EQ(Type(Send(a, "POST", "/api/v1/destruction-requests", 400, R"({"reason":"x"})")),
            "missing-field");
  EXPECT_EQ(Type(Send(a, "POST", "/api/v1/destruction-requests", 400, R"({"confirm":true})")),
            "missing-field");
  EXPECT_EQ(Type(Send(supervisor, "POST", "/api/v1/destruction-requests", 403,
                      R"({"reason":"x","confirm":true})")),
            "role-not-allowed");
  EXPECT_EQ(Type(Send(auditor, "GET", "/api/v1/destruction-requests", 403)), "role-not-allowed");
  EXPECT_TRUE(Send(a, "GET", "/api/v1/destruction-requests", 200)["requests"].empty());

  const json req = Send(a, "POST", "/api/v1/destruction-requests", 201,
                        R"({"reason":"servers seized","confirm":true})");
  const std::string id = req["id"];
  EXPECT_EQ(req["state"], "pending");
  EXPECT_EQ(req["requested_by_user"], "ada");
  EXPECT_EQ(req["requested_by_you"], true);
  EXPECT_EQ(req["approve_before"], clock_.Now() + core::kDefaultDestructionWindowSeconds);

  // The requester cannot approve; the second admin sees it pending, not theirs.
  EXPECT_EQ(Type(Send(a, "POST", "/api/v1/destruction-requests/" + id + "/approve", 403,
                      R"({"confirm":true})")),
            "two-person-rule");
  const json seen = Send(b, "GET", "/api/v1/destruction-requests", 200);
  ASSERT_EQ(seen["requests"].size(), 1u);
  EXPECT_EQ(seen["requests"][0]["id"], id);
  EXPECT_EQ(seen["requests"][0]["state"], "pending");
  EXPECT_EQ(seen["requests"][0]["requested_by_you"], false);
  EXPECT_EQ(seen["keys_destroyed"], false);
  EXPECT_EQ(Type(Send(b, "POST", "/api/v1/destruction-requests/" + id + "/approve", 400)),
            "missing-field");
  EXPECT_EQ(Type(Send(b, "POST", "/api/v1/destruction-requests/dst_nope/approve", 404,
                      R"({"confirm":true})")),
            "destruction-request-not-found");
  EXPECT_EQ(Type(Send(b, "POST", "/api/v1/destruction-requests/nope/approve", 400,
                      R"({"confirm":true})")),
            "invalid-argument");
  EXPECT_EQ(Type(Send(supervisor, "POST", "/api/v1/destruction-requests/" + id + "/approve", 403,
                      R"({"confirm":true})")),
            "role-not-allowed");
  ASSERT_TRUE(std::filesystem::exists(dir_ / "keys" / "kek.key"));

  const json done = Send(b, "POST", "/api/v1/destruction-requests/" + id + "/approve", 200,
                         R"({"confirm":true})");
  EXPECT_EQ(done["keys_destroyed"], true);
  EXPECT_EQ(done["state"], "executed");
  EXPECT_FALSE(done["destroyed_files"].empty());
  EXPECT_TRUE(done["final_tree_head"].is_object());
  EXPECT_FALSE(std::filesystem::exists(dir_ / "keys" / "kek.key"));

  // Afterwards: what needs the data keys is a clear 409 keys-missing, never a crash or a 500.
  json p = Send(b, "POST", "/api/v1/persons/" + person + "/read", 409,
                R"({"reason":"check after destruction"})");
  EXPECT_EQ(Type(p), "keys-missing");
  EXPECT_NE(p["detail"].get<std::string>().find("destroyed"), std::string::npos);
  EXPECT_EQ(Type(Send(b, "POST", "/api/v1/applications", 409, "{}")), "keys-missing");
  EXPECT_EQ(Type(Send(b, "POST", "/api/v1/destruction-requests/" + id + "/approve", 409,
                      R"({"confirm":true})")),
            "keys-missing");
  auto login = client_->Post("/api/v1/sessions", R"({"user":"sam","password":"a long passphrase"})",
                             "application/json");
  ASSERT_TRUE(login);
  EXPECT_EQ(login->status, 409);
  // What needs no data key keeps answering: the list, key status, the log, verification.
  const json after = Send(a, "GET", "/api/v1/destruction-requests", 200);
  EXPECT_EQ(after["keys_destroyed"], true);
  EXPECT_EQ(after["requests"][0]["state"], "executed");
  EXPECT_EQ(after["requests"][0]["approved_by_user"], "bea");
  EXPECT_EQ(Send(a, "GET", "/api/v1/keys/status", 200)["data_keys"]["state"], "destroyed");
  EXPECT_EQ(Send(auditor, "GET", "/api/v1/audit/head", 200)["signed_tree_head"].is_object(), true);
  auto verify =
      client_->Post("/api/v1/verify", json{{"payload", card->qr_text}}.dump(), "application/json");
  ASSERT_TRUE(verify);
  EXPECT_EQ(verify->status, 200) << verify->body;
}

// Destruction while other requests read records: each read either completes before the keys
// are wiped (200) or is refused after (409 keys-missing); never a 500, never a crash, and once
// the approval has answered every read is refused.
TEST_F(RecordsRoutesTest, DestructionUnderConcurrentReadsNeverFailsARequestBadly) {
  const auto [a, b] = SettledAdmins();
  const Session reader = AddAndLogin("sam", "supervisor");
  auto [person, app] = Enroll("Lopez");
  const json req = Send(a, "POST", "/api/v1/destruction-requests", 201,
                        R"({"reason":"drill under load","confirm":true})");
  std::atomic<bool> stop{false};
  std::atomic<int> ok{0}, refused{0}, other{0};
  std::vector<std::thread> readers;
  for (int i = 0; i < 4; ++i) {
    readers.emplace_back([&, person = person] {
      httplib::Client c("127.0.0.1", port_);
      while (!stop.load()) {
        auto res = c.Post("/api/v1/persons/" + person + "/read", With(reader),
                          R"({"reason":"load during destruction"})", "application/json");
        if (!res) {
          ++other;
        } else if (res->status == 200) {
          ++ok;
        } else if (res->status == 409 &&
                   Type(json::parse(res->body, nullptr, false)) == "keys-missing") {
          ++refused;
        } else {
          ++other;
        }
      }
    });
  }
  // Polls `done` for at most 20 s (a broken server must fail the test, not hang it).
  auto wait = [](const std::function<bool()>& done) {
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!done() && std::chrono::steady_clock::now() < end) std::this_thread::yield();
    return done();
  };
  // Let some reads succeed first.
  EXPECT_TRUE(wait([&] { return ok.load() >= 8; }));
  Send(b, "POST", "/api/v1/destruction-requests/" + req["id"].get<std::string>() + "/approve", 200,
       R"({"confirm":true})");
  const int after = refused.load();
  EXPECT_TRUE(wait([&] { return refused.load() >= after + 8; }));
  stop = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(other.load(), 0);
  EXPECT_GE(ok.load(), 8);
  EXPECT_GE(refused.load(), 8);
  EXPECT_EQ(Type(Send(reader, "POST", "/api/v1/persons/" + person + "/read", 409,
                      R"({"reason":"after"})")),
            "keys-missing");
  EXPECT_EQ(client_->Get("/healthz")->status, 200);
}

TEST_F(RecordsRoutesTest, ApprovalAfterTheWindowIsRefusedAndDestroysNothing) {
  const auto [a, b] = SettledAdmins();
  const json req =
      Send(a, "POST", "/api/v1/destruction-requests", 201, R"({"reason":"drill","confirm":true})");
  clock_.Advance(core::kDefaultDestructionWindowSeconds + 1);
  EXPECT_EQ(Send(b, "GET", "/api/v1/destruction-requests", 200)["requests"][0]["state"], "expired");
  EXPECT_EQ(Type(Send(b, "POST",
                      "/api/v1/destruction-requests/" + req["id"].get<std::string>() + "/approve",
                      409, R"({"confirm":true})")),
            "destruction-window-expired");
  EXPECT_TRUE(std::filesystem::exists(dir_ / "keys" / "kek.key"));
  EXPECT_EQ(Send(a, "GET", "/api/v1/keys/status", 200)["data_keys"]["state"], "present");
}

// Issue 17: one admin alone made a second admin account through the API (or took one over by
// resetting its one-time code, knowing its password) and approved with it. The route refuses
// with the two-person problem and destroys nothing; so does a freshly made account.
TEST_F(RecordsRoutesTest, OneAdminCannotApproveWithAnAccountTheyMadeOrTookOver) {
  const Bytes ada_secret = AddStaff("ada", "admin");
  AddStaff("bea", "admin");
  clock_.Advance(core::kApproverCoolingOffSeconds);
  Session a = Login("ada", ada_secret);
  // First sign-in of an account with no confirmed code: the answer shows a secret once; the
  // one who knows the password enrols it and signs in.
  auto enrol = [&](const std::string& user) {
    auto first = LoginRaw(user, "");
    EXPECT_TRUE(first);
    if (!first) return Session{};
    const json j = json::parse(first->body, nullptr, false);
    auto secret = auth::Base32Decode(j.value("otpauth_secret", ""));
    EXPECT_TRUE(secret.ok()) << first->body;
    return secret.ok() ? Login(user, *secret) : Session{};
  };
  auto approve = [&](const Session& s, const std::string& id) {
    return Send(s, "POST", "/api/v1/destruction-requests/" + id + "/approve", 403,
                R"({"confirm":true})");
  };
  Send(a, "POST", "/api/v1/staff", 201,
       json{{"user", "mal"}, {"role", "admin"}, {"password", kPassword}}.dump());
  // Even once the made account is old enough, who made it still counts.
  clock_.Advance(core::kApproverCoolingOffSeconds + 60);
  a = Login("ada", ada_secret);  // the earlier session has timed out
  const Session mal = enrol("mal");
  const json req = Send(a, "POST", "/api/v1/destruction-requests", 201,
                        R"({"reason":"drill","confirm":true})");
  const std::string id = req["id"];
  json p = approve(mal, id);
  EXPECT_EQ(Type(p), "two-person-rule");
  EXPECT_NE(p["detail"].get<std::string>().find("was created by the admin who requested"),
            std::string::npos)
      << p.dump();

  // ada resets bea's code and, knowing bea's first password, enrols it as bea.
  Send(a, "POST", "/api/v1/staff/bea/reset-totp", 200);
  const Session bea = enrol("bea");
  p = approve(bea, id);
  EXPECT_EQ(Type(p), "two-person-rule");
  EXPECT_NE(p["detail"].get<std::string>().find("reset by the admin who requested"),
            std::string::npos)
      << p.dump();

  // An account made by someone else a moment ago is too new.
  const Session cal = AddAndLogin("cal", "admin");
  p = approve(cal, id);
  EXPECT_EQ(Type(p), "two-person-rule");
  EXPECT_NE(p["detail"].get<std::string>().find("created less than 7 days before the request"),
            std::string::npos)
      << p.dump();

  EXPECT_TRUE(std::filesystem::exists(dir_ / "keys" / "kek.key"));
  EXPECT_EQ(Send(a, "GET", "/api/v1/destruction-requests", 200)["requests"][0]["state"],
            "pending");
}

TEST_F(RecordsRoutesTest, AServerWithoutWritableKeysLeavesApprovalToTheCli) {
  Stop();
  Start(/*destructible=*/false);
  const auto [a, b] = SettledAdmins();
  const json req =
      Send(a, "POST", "/api/v1/destruction-requests", 201, R"({"reason":"drill","confirm":true})");
  const json p =
      Send(b, "POST", "/api/v1/destruction-requests/" + req["id"].get<std::string>() + "/approve",
           409, R"({"confirm":true})");
  EXPECT_EQ(Type(p), "failed-precondition");
  EXPECT_TRUE(std::filesystem::exists(dir_ / "keys" / "kek.key"));
}

TEST(RecordsRoutesAllowList, RoutesThatNeedTheDataKeysAreNotServedAfterDestruction) {
  EXPECT_TRUE(ServedAfterKeyDestruction("POST", "/api/v1/verify"));
  EXPECT_TRUE(ServedAfterKeyDestruction("GET", "/api/v1/audit/proof"));
  EXPECT_FALSE(ServedAfterKeyDestruction("POST", "/api/v1/persons/{id}/read"));
  EXPECT_FALSE(ServedAfterKeyDestruction("POST", "/api/v1/sessions"));
  EXPECT_FALSE(ServedAfterKeyDestruction("GET", "/api/v1/cards/{number}/print.pdf"));
  EXPECT_FALSE(ServedAfterKeyDestruction("POST", "/api/v1/destruction-requests/{id}/approve"));
}

}  // namespace
}  // namespace cityid::http
