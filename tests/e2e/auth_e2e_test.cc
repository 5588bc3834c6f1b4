// End-to-end: staff accounts made with the real `cityid staff add --password-stdin`, then the real
// `cityid serve` on a free port: login with a TOTP code computed here, the CSRF token, roles,
// logout, lockout, and 401/403/429 problem+json.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "auth/totp.h"

extern char** environ;

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::string kSource = CITYID_TEST_SOURCE_DIR;
const std::string kBinary = CITYID_TEST_BINARY;
const std::string kPassword = "correct horse battery staple";

std::string Slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

pid_t Spawn(std::vector<std::string> args, const fs::path& in, const fs::path& out,
            const fs::path& err) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, in.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&fa, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  args.insert(args.begin(), kBinary);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  return pid;
}

int Wait(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string ProblemType(const httplib::Result& r) {
  const json j = json::parse(r->body, nullptr, false);
  if (!j.is_object() || !j.contains("type")) return "";
  const std::string t = j["type"];
  return t.substr(t.rfind('/') + 1);
}

class AuthE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tmp_ = fs::temp_directory_path() / ("cityid-auth-e2e-" + std::to_string(::getpid()) + "-" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(tmp_);
    fs::create_directories(tmp_);
    data_ = (tmp_ / "data").string();
    // The real clock throughout: TOTP codes are computed here for the server's now.
    server_ = Spawn({"serve", "--data", data_, "--listen", "127.0.0.1:0", "--policy",
                     kSource + "/policies/new-york-points.toml"},
                    "/dev/null", tmp_ / "server.out", tmp_ / "server.err");
    ASSERT_GT(server_, 0);
    for (int i = 0; i < 200 && port_ == 0; ++i) {
      const std::string out = Slurp(tmp_ / "server.out");
      const auto at = out.find("http://127.0.0.1:");
      if (at != std::string::npos) port_ = std::atoi(out.c_str() + at + 17);
      if (port_ == 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ASSERT_GT(port_, 0) << Slurp(tmp_ / "server.err");
    client_ = std::make_unique<httplib::Client>("127.0.0.1", port_);
    client_->set_tcp_nodelay(true);  // header and body go out in separate writes: no Nagle wait
    client_->set_keep_alive(true);
  }
  void TearDown() override {
    if (server_ > 0) {
      kill(server_, SIGTERM);
      EXPECT_EQ(Wait(server_), 0) << Slurp(tmp_ / "server.err");
    }
    if (!HasFailure()) fs::remove_all(tmp_);
  }
  // Runs the CLI with `input` on stdin; returns {exit code, stdout}.
  std::pair<int, std::string> Cli(std::vector<std::string> args, const std::string& input = "") {
    { std::ofstream(tmp_ / "cli.in") << input; }
    const pid_t pid = Spawn(args, tmp_ / "cli.in", tmp_ / "cli.out", tmp_ / "cli.err");
    const int code = Wait(pid);
    last_err_ = Slurp(tmp_ / "cli.err");
    return {code, Slurp(tmp_ / "cli.out")};
  }
  // `cityid staff add`; returns the TOTP secret ("" when the role has none).
  cityid::Bytes AddStaff(const std::string& user, const std::string& role,
                         const std::string& site = "") {
    std::vector<std::string> args = {"--json", "staff", "add", "--data", data_, "--user", user,
                                     "--role", role, "--password-stdin"};
    if (!site.empty()) args.insert(args.end(), {"--site", site});
    auto [code, out] = Cli(args, kPassword + "\n");
    EXPECT_EQ(code, 0) << last_err_;
    const json j = json::parse(out, nullptr, false);
    EXPECT_TRUE(j.is_object()) << out;
    if (!j.is_object() || !j.contains("totp_uri")) return {};
    const std::string uri = j["totp_uri"];
    const auto at = uri.find("secret=") + 7;
    auto secret = cityid::auth::Base32Decode(uri.substr(at, uri.find('&', at) - at));
    EXPECT_TRUE(secret.ok());
    return secret.ok() ? *secret : cityid::Bytes();
  }
  httplib::Result Login(const std::string& user, const std::string& password,
                        const std::string& totp = "") {
    json body{{"user", user}, {"password", password}};
    if (!totp.empty()) body["totp"] = totp;
    return client_->Post("/api/v1/sessions", body.dump(), "application/json");
  }
  fs::path tmp_;
  std::string data_;
  pid_t server_ = -1;
  int port_ = 0;
  std::string last_err_;
  std::unique_ptr<httplib::Client> client_;
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
  ExpectProblem(Login("ada", kPassword), 401, "totp-required");
  const std::string code = cityid::auth::TotpCode(ada_secret, std::time(nullptr));
  auto login = Login("ada", kPassword, code);
  ASSERT_TRUE(login);
  ASSERT_EQ(login->status, 201) << login->body;
  const std::string set_cookie = login->get_header_value("Set-Cookie");
  EXPECT_NE(set_cookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(set_cookie.find("SameSite=Strict"), std::string::npos);
  const std::string cookie = set_cookie.substr(0, set_cookie.find(';'));
  const std::string csrf = json::parse(login->body)["csrf_token"];
  // The same code cannot be used twice.
  ExpectProblem(Login("ada", kPassword, code), 401, "invalid-credentials");

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
  auto clerk = Login("carla", kPassword);
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
  auto [code_list, listed] = Cli({"--json", "staff", "list", "--data", data_});
  EXPECT_EQ(code_list, 0) << last_err_;
  EXPECT_EQ(json::parse(listed)["staff"].size(), 3u);
  auto [code_disable, disabled] = Cli({"--json", "staff", "disable", "--data", data_, "--user", "carla"});
  EXPECT_EQ(code_disable, 0) << last_err_;
  ExpectProblem(client_->Get("/api/v1/sessions/current", httplib::Headers{{"Cookie", clerk_cookie}}),
                401, "unauthenticated");
  auto [code_audit, audit_out] = Cli({"audit", "verify", "--data", data_});
  EXPECT_EQ(code_audit, 0) << audit_out << last_err_;
}

TEST_F(AuthE2eTest, FailedLoginsAreUniformThenLockTheAccount) {
  AddStaff("carla", "clerk");
  auto wrong = Login("carla", "not the password");
  auto unknown = Login("nobody", "not the password");
  ExpectProblem(wrong, 401, "invalid-credentials");
  ExpectProblem(unknown, 401, "invalid-credentials");
  EXPECT_EQ(wrong->body, unknown->body);
  for (int i = 0; i < 4; ++i) ExpectProblem(Login("carla", "not the password"), 401, "invalid-credentials");
  auto locked = Login("carla", kPassword);
  ExpectProblem(locked, 429, "login-rate-limited");
  const int retry_after = std::atoi(locked->get_header_value("Retry-After").c_str());
  EXPECT_GT(retry_after, 0);
  EXPECT_LE(retry_after, 15 * 60);
}

TEST_F(AuthE2eTest, PasswordIsReadFromStdinOnlyAndChecked) {
  // Without --password-stdin: refused (there is no way to pass it on the command line).
  auto [no_flag, out1] = Cli({"staff", "add", "--data", data_, "--user", "carla", "--role", "clerk"},
                             kPassword + "\n");
  EXPECT_EQ(no_flag, 3) << last_err_;
  EXPECT_NE(last_err_.find("--password-stdin"), std::string::npos) << last_err_;
  auto [argv_pw, out2] = Cli({"staff", "add", "--data", data_, "--user", "carla", "--role", "clerk",
                              "--password", kPassword});
  EXPECT_EQ(argv_pw, 2) << last_err_;  // usage error: no such option
  auto [weak, out3] = Cli({"staff", "add", "--data", data_, "--user", "carla", "--role", "clerk",
                           "--password-stdin"}, "short\n");
  EXPECT_EQ(weak, 3) << last_err_;
  EXPECT_NE(last_err_.find("weak-password"), std::string::npos) << last_err_;
  auto [partner, out4] = Cli({"staff", "add", "--data", data_, "--user", "pat", "--role", "partner",
                              "--password-stdin"}, kPassword + "\n");
  EXPECT_EQ(partner, 3) << last_err_;
  auto [ok, out5] = Cli({"staff", "add", "--data", data_, "--user", "carla", "--role", "clerk",
                         "--password-stdin"}, kPassword + "\n");
  EXPECT_EQ(ok, 0) << last_err_;
  auto [dup, out6] = Cli({"staff", "add", "--data", data_, "--user", "carla", "--role", "clerk",
                          "--password-stdin"}, kPassword + "\n");
  EXPECT_EQ(dup, 9) << last_err_;  // already exists
  EXPECT_EQ(Slurp(fs::path(data_) / "cityid.db").find(kPassword), std::string::npos);
}

}  // namespace
