// End-to-end: staff accounts made with the real `cityid staff add --password-stdin`, then the real
// `cityid serve` on a free port: login with a TOTP code computed here, the CSRF token, roles,
// logout, lockout, and 401/403/429 problem+json.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "server_harness.h"

namespace {

using namespace cityid::e2e;  // NOLINT(build/namespaces): the harness is this test's vocabulary
using nlohmann::json;

// The real clock throughout: TOTP codes are computed here for the server's now.
class AuthE2eTest : public ServerTest {
 protected:
  AuthE2eTest() : ServerTest("auth", /*fixed_clock=*/false) {}
  // A login attempt with any password and TOTP code; the raw answer.
  httplib::Result TryLogin(const std::string& user, const std::string& password,
                           const std::string& totp = "") {
    json body{{"user", user}, {"password", password}};
    if (!totp.empty()) body["totp"] = totp;
    return client_->Post("/api/v1/sessions", body.dump(), "application/json");
  }
};

void ExpectProblem(const httplib::Result& r, int status, const std::string& type) {
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, status) << r->body;
  EXPECT_EQ(r->get_header_value("Content-Type"), "application/problem+json");
  EXPECT_EQ(ProblemType(r), type) << r->body;
}

TEST_F(AuthE2eTest, StaffLogInWithTotpUseCsrfAndLogOut) {
  const cityid::Bytes ada_secret = AddStaff("ada", "admin");
  ASSERT_EQ(ada_secret.size(), cityid::auth::kTotpSecretBytes);
  EXPECT_TRUE(AddStaff("carla", "clerk").empty());
  // The TOTP secret and the password are nowhere in the database files in clear.
  for (const char* file : {"cityid.db", "cityid.db-wal"}) {
    const std::string raw = Slurp(fs::path(data_) / file);
    EXPECT_EQ(raw.find(std::string(ada_secret.begin(), ada_secret.end())), std::string::npos) << file;
    EXPECT_EQ(raw.find(cityid::auth::Base32Encode(ada_secret)), std::string::npos) << file;
    EXPECT_EQ(raw.find(kPassword), std::string::npos) << file;
  }

  // An admin without the code is told a code is needed; with it, logged in.
  ExpectProblem(TryLogin("ada", kPassword), 401, "totp-required");
  const std::string code = cityid::auth::TotpCode(ada_secret, std::time(nullptr));
  auto login = TryLogin("ada", kPassword, code);
  ASSERT_TRUE(login);
  ASSERT_EQ(login->status, 201) << login->body;
  const std::string set_cookie = login->get_header_value("Set-Cookie");
  EXPECT_NE(set_cookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(set_cookie.find("SameSite=Strict"), std::string::npos);
  const std::string cookie = set_cookie.substr(0, set_cookie.find(';'));
  const std::string csrf = json::parse(login->body)["csrf_token"];
  // The same code cannot be used twice.
  ExpectProblem(TryLogin("ada", kPassword, code), 401, "invalid-credentials");

  httplib::Headers with_cookie{{"Cookie", cookie}};
  httplib::Headers with_csrf{{"Cookie", cookie}, {"X-CSRF-Token", csrf}};
  auto list = client_->Get("/api/v1/staff", with_cookie);
  ASSERT_EQ(list->status, 200) << list->body;
  EXPECT_EQ(json::parse(list->body)["staff"].size(), 2u);

  const std::string new_partner =
      json{{"user", "pat"}, {"role", "partner"}, {"site", "library-east"}, {"password", kPassword}}.dump();
  ExpectProblem(client_->Post("/api/v1/staff", with_cookie, new_partner, "application/json"), 403,
                "csrf-token-invalid");
  auto created = client_->Post("/api/v1/staff", with_csrf, new_partner, "application/json");
  ASSERT_EQ(created->status, 201) << created->body;
  EXPECT_EQ(json::parse(created->body)["staff"]["site"], "library-east");

  // A clerk may not administer staff; nobody anonymous may.
  auto clerk = TryLogin("carla", kPassword);
  ASSERT_EQ(clerk->status, 201) << clerk->body;
  const std::string clerk_cookie = clerk->get_header_value("Set-Cookie").substr(
      0, clerk->get_header_value("Set-Cookie").find(';'));
  ExpectProblem(client_->Get("/api/v1/staff", httplib::Headers{{"Cookie", clerk_cookie}}), 403,
                "role-not-allowed");
  ExpectProblem(client_->Get("/api/v1/staff"), 401, "unauthenticated");
  auto me = client_->Get("/api/v1/sessions/current", httplib::Headers{{"Cookie", clerk_cookie}});
  ASSERT_EQ(me->status, 200);
  EXPECT_EQ(json::parse(me->body)["staff"]["role"], "clerk");

  // Logout ends the session.
  auto out = client_->Delete("/api/v1/sessions/current", with_csrf);
  ASSERT_TRUE(out);
  EXPECT_EQ(out->status, 204);
  ExpectProblem(client_->Get("/api/v1/staff", with_cookie), 401, "unauthenticated");

  // The CLI sees the account the API made; every change is in a verifying audit log.
  auto [code_list, listed] = CliCode({"--json", "staff", "list", "--data", data_});
  EXPECT_EQ(code_list, 0) << last_err_;
  EXPECT_EQ(json::parse(listed)["staff"].size(), 3u);
  auto [code_disable, disabled] =
      CliCode({"--json", "staff", "disable", "--data", data_, "--user", "carla"});
  EXPECT_EQ(code_disable, 0) << last_err_;
  ExpectProblem(client_->Get("/api/v1/sessions/current", httplib::Headers{{"Cookie", clerk_cookie}}),
                401, "unauthenticated");
  auto [code_audit, audit_out] = CliCode({"audit", "verify", "--data", data_});
  EXPECT_EQ(code_audit, 0) << audit_out << last_err_;
}

TEST_F(AuthE2eTest, FailedLoginsAreUniformThenLockTheAccount) {
  AddStaff("carla", "clerk");
  auto wrong = TryLogin("carla", "not the password");
  auto unknown = TryLogin("nobody", "not the password");
  ExpectProblem(wrong, 401, "invalid-credentials");
  ExpectProblem(unknown, 401, "invalid-credentials");
  EXPECT_EQ(wrong->body, unknown->body);
  for (int i = 0; i < 4; ++i)
    ExpectProblem(TryLogin("carla", "not the password"), 401, "invalid-credentials");
  auto locked = TryLogin("carla", kPassword);
  ExpectProblem(locked, 429, "login-rate-limited");
  const int retry_after = std::atoi(locked->get_header_value("Retry-After").c_str());
  EXPECT_GT(retry_after, 0);
  EXPECT_LE(retry_after, 15 * 60);
}

TEST_F(AuthE2eTest, PasswordIsReadFromStdinOnlyAndChecked) {
  // Without --password-stdin: refused (there is no way to pass it on the command line).
  auto [no_flag, out1] = CliCode(
      {"staff", "add", "--data", data_, "--user", "carla", "--role", "clerk"}, kPassword + "\n");
  EXPECT_EQ(no_flag, 3) << last_err_;
  EXPECT_NE(last_err_.find("--password-stdin"), std::string::npos) << last_err_;
  auto [argv_pw, out2] = CliCode({"staff", "add", "--data", data_, "--user", "carla", "--role",
                                  "clerk", "--password", kPassword});
  EXPECT_EQ(argv_pw, 2) << last_err_;  // usage error: no such option
  auto [weak, out3] = CliCode(
      {"staff", "add", "--data", data_, "--user", "carla", "--role", "clerk", "--password-stdin"},
      "short\n");
  EXPECT_EQ(weak, 3) << last_err_;
  EXPECT_NE(last_err_.find("weak-password"), std::string::npos) << last_err_;
  auto [partner, out4] = CliCode(
      {"staff", "add", "--data", data_, "--user", "pat", "--role", "partner", "--password-stdin"},
      kPassword + "\n");
  EXPECT_EQ(partner, 3) << last_err_;
  auto [ok, out5] = CliCode(
      {"staff", "add", "--data", data_, "--user", "carla", "--role", "clerk", "--password-stdin"},
      kPassword + "\n");
  EXPECT_EQ(ok, 0) << last_err_;
  auto [dup, out6] = CliCode(
      {"staff", "add", "--data", data_, "--user", "carla", "--role", "clerk", "--password-stdin"},
      kPassword + "\n");
  EXPECT_EQ(dup, 9) << last_err_;  // already exists
  EXPECT_EQ(Slurp(fs::path(data_) / "cityid.db").find(kPassword), std::string::npos);
}

}  // namespace
