// End-to-end (issue 14 §3): the real `cityid serve` behind a trusted proxy (here the test
// itself, 127.0.0.1, sending X-Forwarded-For): login limits per client and per account, the
// lockout holding against parallel guesses, and /metrics only on its own listener, behind a
// token read from a file.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "server_harness.h"

namespace {

using namespace cityid::e2e;  // NOLINT(build/namespaces): the harness is this test's vocabulary
using nlohmann::json;

class LimitsE2eTest : public ServerTest {
 protected:
  LimitsE2eTest() : ServerTest("limits", /*fixed_clock=*/false) {}
  static httplib::Result LoginFrom(httplib::Client& c, const std::string& client,
                                   const std::string& user, const std::string& password) {
    return c.Post("/api/v1/sessions", {{"X-Forwarded-For", client}},
                  json{{"user", user}, {"password", password}}.dump(), "application/json");
  }
  // The metrics port `cityid serve` printed ("metrics on http://127.0.0.1:PORT/metrics"); 0
  // when it printed none.
  int MetricsPort() {
    const std::string text = Slurp(tmp_ / "server.out");
    const std::string marker = "metrics on http://127.0.0.1:";
    const auto at = text.find(marker);
    return at == std::string::npos ? 0 : std::atoi(text.c_str() + at + marker.size());
  }
};

TEST_F(LimitsE2eTest, MadeUpLoginsBehindTheProxyLockOutOnlyThatClient) {
  AddStaff("carla", "clerk");
  ASSERT_EQ(StopServer(), 0);
  ASSERT_NO_FATAL_FAILURE(StartServer({"--trusted-proxy", "127.0.0.1,::1"}));
  for (int i = 0; i < 20; ++i) {
    auto r = LoginFrom(*client_, "203.0.113.66", "made-up-" + std::to_string(i), "wrong password");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 401) << r->body;
  }
  auto stranger = LoginFrom(*client_, "203.0.113.66", "carla", kPassword);
  ASSERT_TRUE(stranger);
  EXPECT_EQ(stranger->status, 429);
  EXPECT_EQ(ProblemType(stranger), "login-rate-limited");
  // The clerk behind the same proxy still logs in.
  auto clerk = LoginFrom(*client_, "203.0.113.7", "carla", kPassword);
  ASSERT_TRUE(clerk);
  EXPECT_EQ(clerk->status, 201) << clerk->body;
}

TEST_F(LimitsE2eTest, SpoofedForwardedForWithoutTrustedProxyIsIgnored) {
  // The default server trusts no proxy: a new X-Forwarded-For per guess changes nothing.
  for (int i = 0; i < 20; ++i) {
    auto r = LoginFrom(*client_, "198.51.100." + std::to_string(i), "made-up-" + std::to_string(i),
                       "wrong password");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 401) << r->body;
  }
  auto r = LoginFrom(*client_, "198.51.100.200", "anyone", "wrong password");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 429);
  EXPECT_EQ(ProblemType(r), "login-rate-limited");
}

// 30 parallel wrong passwords for one account gave 12 tries at a14d931, not 5. Whatever the
// timing, exactly 5 are verified (401) and the rest refused (429): the attempt is reserved
// before the hash.
TEST_F(LimitsE2eTest, ParallelWrongPasswordsGetNoMoreTriesThanTheLockout) {
  AddStaff("carla", "clerk");
  ASSERT_EQ(StopServer(), 0);
  ASSERT_NO_FATAL_FAILURE(StartServer({"--trusted-proxy", "127.0.0.1", "--threads", "32"}));
  std::atomic<int> wrong{0}, limited{0}, other{0};
  std::vector<std::thread> guessers;
  for (int i = 0; i < 30; ++i) {
    guessers.emplace_back([&, i] {
      httplib::Client c("127.0.0.1", port_);  // a connection each, closed after the answer
      c.set_read_timeout(30, 0);
      // Thirty addresses: only the account's lockout applies. A burst of new connections can
      // see one closed before the request was read (the server logs no request for it); that
      // one is sent again, so every guess gets exactly one answer.
      httplib::Result r(nullptr, httplib::Error::Unknown);
      for (int attempt = 0; attempt < 5; ++attempt) {
        r = LoginFrom(c, "198.51.100." + std::to_string(i), "carla",
                      "wrong password " + std::to_string(i));
        if (r) break;
      }
      if (r && r->status == 401) {
        ++wrong;
      } else if (r && r->status == 429 && ProblemType(r) == "login-rate-limited") {
        ++limited;
      } else {
        ++other;
        ADD_FAILURE() << (r ? std::to_string(r->status) + " " + r->body
                            : "no answer: " + httplib::to_string(r.error()));
      }
    });
  }
  for (auto& t : guessers) t.join();
  EXPECT_EQ(wrong.load(), 5);
  EXPECT_EQ(limited.load(), 25);
  EXPECT_EQ(other.load(), 0);
}

// /metrics was public and counted rare events exactly.
TEST_F(LimitsE2eTest, MetricsOnlyOnTheirOwnListenerBehindTheToken) {
  // Default: no metrics listener, and the public port does not serve them.
  auto pub = client_->Get("/metrics");
  ASSERT_TRUE(pub);
  EXPECT_EQ(pub->status, 404);
  EXPECT_EQ(MetricsPort(), 0);

  const std::string token = "e2e-metrics-token-0123456789";
  { std::ofstream(tmp_ / "metrics.token") << token << "\n"; }
  ASSERT_EQ(StopServer(), 0);
  ASSERT_NO_FATAL_FAILURE(StartServer({"--metrics-listen", "127.0.0.1:0", "--metrics-token-file",
                                       (tmp_ / "metrics.token").string()}));
  EXPECT_EQ(client_->Get("/metrics")->status, 404);
  EXPECT_EQ(client_->Get("/metrics", {{"Authorization", "Bearer " + token}})->status, 404);
  int port = 0;
  for (int i = 0; i < 100 && port == 0; ++i) {
    port = MetricsPort();
    if (port == 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_GT(port, 0) << Slurp(tmp_ / "server.out");
  auto m = LocalClient(port);
  auto refused = m->Get("/metrics");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 401);
  EXPECT_EQ(refused->body.find("cityid_"), std::string::npos);
  auto ok = m->Get("/metrics", {{"Authorization", "Bearer " + token}});
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  EXPECT_NE(ok->body.find("cityid_http_requests_total"), std::string::npos);

  // A token file that is too short, or a token without a listener: refused at start.
  ASSERT_EQ(StopServer(), 0);
  { std::ofstream(tmp_ / "short.token") << "short\n"; }
  auto bad = Cli({"serve", "--data", data_, "--listen", "127.0.0.1:0", "--metrics-listen",
                  "127.0.0.1:0", "--metrics-token-file", (tmp_ / "short.token").string()});
  EXPECT_EQ(bad.code, 3) << bad.err;
  EXPECT_NE(bad.err.find("16 characters"), std::string::npos) << bad.err;
  auto no_listener = Cli({"serve", "--data", data_, "--listen", "127.0.0.1:0",
                          "--metrics-token-file", (tmp_ / "metrics.token").string()});
  EXPECT_EQ(no_listener.code, 3) << no_listener.err;
  auto bad_proxy = Cli(
      {"serve", "--data", data_, "--listen", "127.0.0.1:0", "--trusted-proxy", "proxy.example"});
  EXPECT_EQ(bad_proxy.code, 3) << bad_proxy.err;
  EXPECT_NE(bad_proxy.err.find("--trusted-proxy"), std::string::npos) << bad_proxy.err;
  // The metrics listener on the public port would serve /metrics to the public (both sockets
  // bind with SO_REUSEPORT, and connections split between them): refused at start.
  auto same_port = Cli({"serve", "--data", data_, "--listen", "127.0.0.1:18477",
                        "--metrics-listen", "0.0.0.0:18477"});
  EXPECT_EQ(same_port.code, 3) << same_port.err;
  EXPECT_NE(same_port.err.find("--metrics-listen"), std::string::npos) << same_port.err;
}

}  // namespace
