#pragma once
// The end-to-end tests' harness for the real `cityid serve`: start it on a free port of
// 127.0.0.1 with its own temporary data folder, run the real CLI against the same folder, add
// staff with `cityid staff add --password-stdin`, log in (TOTP), and speak JSON to the API.
// One copy here, so every server test starts, waits and stops the server the same way.
#include <httplib.h>
#include <signal.h>

#include <chrono>
#include <ctime>
#include <memory>
#include <thread>
#include <utility>

#include "auth/totp.h"
#include "base/bytes.h"
#include "e2e_util.h"

namespace cityid::e2e {

inline const std::string kPassword = "correct horse battery staple";
// kNow as a number, for TOTP codes of a server run at the examples' date.
inline constexpr int64_t kNowSeconds = 1795608000;

// Starts the binary with `args` (the binary's path is prepended), stdin, stdout and stderr
// redirected to files. Returns the pid, or -1 (a test failure) when it cannot start.
inline pid_t Spawn(std::vector<std::string> args, const fs::path& in, const fs::path& out,
                   const fs::path& err) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, in.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&fa, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  args.insert(args.begin(), Binary());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  if (posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ) != 0) {
    ADD_FAILURE() << "cannot start " << argv[0];
    pid = -1;
  }
  posix_spawn_file_actions_destroy(&fa);
  return pid;
}

// Waits for `pid`; its exit code, or 128 + the signal that ended it.
inline int Wait(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// The last path segment of a problem+json answer's `type` ("" when there is none).
inline std::string ProblemType(const httplib::Result& r) {
  if (!r) return "";
  const nlohmann::json j = nlohmann::json::parse(r->body, nullptr, false);
  if (!j.is_object() || !j.contains("type") || !j["type"].is_string()) return "";
  const std::string t = j["type"];
  return t.substr(t.rfind('/') + 1);
}

// A staff member's session: the cookie and the CSRF token every state change carries.
struct Session {
  std::string cookie;
  std::string csrf;
  httplib::Headers Headers() const { return {{"Cookie", cookie}, {"X-CSRF-Token", csrf}}; }
};

// The port `cityid serve` printed to `out` ("listening on http://127.0.0.1:PORT"), waiting up
// to 20 s for it; 0 if it never did.
inline int WaitForPort(const fs::path& out) {
  for (int i = 0; i < 400; ++i) {
    const std::string text = Slurp(out);
    const auto at = text.find("http://127.0.0.1:");
    if (at != std::string::npos) return std::atoi(text.c_str() + at + 17);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return 0;
}

// A keep-alive client of 127.0.0.1:`port` with Nagle off (httplib writes a POST's headers and
// body separately; with Nagle each POST would wait for a delayed ACK) and 30 s timeouts.
inline std::unique_ptr<httplib::Client> LocalClient(int port) {
  auto c = std::make_unique<httplib::Client>("127.0.0.1", port);
  c->set_read_timeout(30, 0);
  c->set_write_timeout(30, 0);
  c->set_tcp_nodelay(true);
  c->set_keep_alive(true);
  return c;
}

// Fixture: a temporary folder per test (kept when the test fails), `cityid serve` on its data
// folder, the CLI on the same folder. `fixed_clock` runs server and CLI at kNow (the examples'
// date); otherwise both use the real clock.
class ServerTest : public ::testing::Test {
 protected:
  ServerTest(std::string name, bool fixed_clock)
      : name_(std::move(name)), fixed_clock_(fixed_clock) {}

  void SetUp() override {
    if (fixed_clock_) ::setenv("CITYID_ALLOW_CLOCK_OVERRIDE", "1", 1);
    tmp_ = fs::temp_directory_path() /
           ("cityid-" + name_ + "-e2e-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(tmp_);
    fs::create_directories(tmp_);
    data_ = (tmp_ / "data").string();
    ASSERT_NO_FATAL_FAILURE(StartServer());
  }
  void TearDown() override {
    if (server_ > 0) {
      kill(server_, SIGTERM);
      EXPECT_EQ(Wait(server_), 0) << Slurp(tmp_ / "server.err");
    }
    if (!HasFailure()) fs::remove_all(tmp_);
  }

  // The arguments that put the binary at the test's clock (empty with the real clock).
  std::vector<std::string> ClockArgs() const {
    return fixed_clock_ ? std::vector<std::string>{"--now", kNow} : std::vector<std::string>{};
  }

  // Starts `cityid serve` on data_ with the New York policy (plus `extra` arguments) and waits
  // until it listens; sets server_, port_ and client_. The previous server must be stopped.
  void StartServer(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = ClockArgs();
    args.insert(args.end(), {"serve", "--data", data_, "--listen", "127.0.0.1:0", "--policy",
                             Source() + "/policies/new-york-points.toml"});
    args.insert(args.end(), extra.begin(), extra.end());
    server_ = Spawn(args, "/dev/null", tmp_ / "server.out", tmp_ / "server.err");
    ASSERT_GT(server_, 0);
    port_ = WaitForPort(tmp_ / "server.out");
    ASSERT_GT(port_, 0) << Slurp(tmp_ / "server.err");
    client_ = LocalClient(port_);
  }

  // Stops the server with `signal` and returns its exit code (server_ is then -1).
  int StopServer(int signal = SIGTERM) {
    if (server_ <= 0) return -1;
    kill(server_, signal);
    const int code = Wait(server_);
    server_ = -1;
    return code;
  }

  // The real CLI on the same clock, `input` on its standard input.
  e2e::Run Cli(std::vector<std::string> args, const std::string& input = "") {
    { std::ofstream(tmp_ / "cli.in") << input; }
    std::vector<std::string> full = ClockArgs();
    full.insert(full.end(), args.begin(), args.end());
    e2e::Run r;
    const pid_t pid = Spawn(full, tmp_ / "cli.in", tmp_ / "cli.out", tmp_ / "cli.err");
    if (pid > 0) r.code = Wait(pid);
    r.out = Slurp(tmp_ / "cli.out");
    r.err = Slurp(tmp_ / "cli.err");
    return r;
  }

  // The same, for tests that read the exit code and stdout: stderr is kept in last_err_.
  std::pair<int, std::string> CliCode(const std::vector<std::string>& args,
                                      const std::string& input = "") {
    const e2e::Run r = Cli(args, input);
    last_err_ = r.err;
    return {r.code, r.out};
  }

  // `cityid staff add --password-stdin` (password kPassword); returns the TOTP secret, empty
  // when the role has none.
  Bytes AddStaff(const std::string& user, const std::string& role, const std::string& site = "") {
    std::vector<std::string> args = {"--json", "staff", "add",    "--data", data_,
                                     "--user", user,    "--role", role,     "--password-stdin"};
    if (!site.empty()) args.insert(args.end(), {"--site", site});
    const e2e::Run r = Cli(args, kPassword + "\n");
    EXPECT_EQ(r.code, 0) << r.out << r.err;
    const nlohmann::json j = nlohmann::json::parse(r.out, nullptr, false);
    EXPECT_TRUE(j.is_object()) << r.out;
    if (!j.is_object() || !j.contains("totp_uri")) return {};
    const std::string uri = j["totp_uri"];
    const auto at = uri.find("secret=") + 7;
    auto secret = auth::Base32Decode(uri.substr(at, uri.find('&', at) - at));
    EXPECT_TRUE(secret.ok());
    return secret.ok() ? *secret : Bytes();
  }

  // Logs `user` in with kPassword and, when `secret` is given, the TOTP code of the test's
  // clock; expects 201.
  Session Login(const std::string& user, const Bytes& secret) {
    nlohmann::json body{{"user", user}, {"password", kPassword}};
    if (!secret.empty()) {
      const int64_t now = fixed_clock_ ? kNowSeconds : static_cast<int64_t>(std::time(nullptr));
      body["totp"] = auth::TotpCode(secret, now);
    }
    auto res = client_->Post("/api/v1/sessions", body.dump(), "application/json");
    EXPECT_TRUE(res);
    if (!res) return {};
    EXPECT_EQ(res->status, 201) << res->body;
    const std::string set_cookie = res->get_header_value("Set-Cookie");
    const nlohmann::json j = nlohmann::json::parse(res->body, nullptr, false);
    return {set_cookie.substr(0, set_cookie.find(';')),
            j.is_object() && j.contains("csrf_token") ? j["csrf_token"].get<std::string>() : ""};
  }

  // POSTs JSON as `s` (or anonymously) and checks the status (an error must be problem+json);
  // returns the parsed body.
  nlohmann::json Post(const std::string& path, const nlohmann::json& body, const Session* s,
                      int expect) {
    auto res = s ? client_->Post(path, s->Headers(), body.dump(), "application/json")
                 : client_->Post(path, body.dump(), "application/json");
    EXPECT_TRUE(res) << path;
    if (!res) return nlohmann::json();
    EXPECT_EQ(res->status, expect) << path << ": " << res->body;
    if (res->status >= 400) {
      EXPECT_EQ(res->get_header_value("Content-Type"), "application/problem+json");
    }
    return nlohmann::json::parse(res->body, nullptr, false);
  }

  // GETs as `s` and checks the status; returns the parsed body.
  nlohmann::json Get(const std::string& path, const Session& s, int expect) {
    auto res = client_->Get(path, s.Headers());
    EXPECT_TRUE(res) << path;
    if (!res) return nlohmann::json();
    EXPECT_EQ(res->status, expect) << path << ": " << res->body;
    return nlohmann::json::parse(res->body, nullptr, false);
  }

  fs::path tmp_;
  std::string data_;
  pid_t server_ = -1;
  int port_ = 0;
  std::unique_ptr<httplib::Client> client_;
  std::string last_err_;  // stderr of the last CliCode

 private:
  std::string name_;
  bool fixed_clock_;
};

}  // namespace cityid::e2e
