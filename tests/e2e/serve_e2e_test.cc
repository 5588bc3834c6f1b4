// End-to-end: the real `cityid serve` binary on a free port, driven over HTTP while the CLI
// changes the same data folder; graceful shutdown on SIGTERM.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "server_harness.h"

namespace {

using namespace cityid::e2e;  // NOLINT(build/namespaces): the harness is this test's vocabulary
using nlohmann::json;

// The server runs on the real clock; the CLI at the examples' date (--now).
class ServeE2eTest : public ServerTest {
 protected:
  ServeE2eTest() : ServerTest("serve", /*fixed_clock=*/false) {
    ::setenv("CITYID_ALLOW_CLOCK_OVERRIDE", "1", 1);
  }
  // A CLI command against the same data folder (--now kNow --json); returns stdout.
  std::string CliOut(std::vector<std::string> args, int expect = 0) {
    args.insert(args.begin(), {"--now", kNow, "--json"});
    const cityid::e2e::Run r = Cli(args);
    EXPECT_EQ(r.code, expect) << r.err;
    return r.out;
  }
};

TEST_F(ServeE2eTest, VerifiesCardsIssuedByTheCliAndSeesRevocation) {
  auto h = client_->Get("/healthz");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->status, 200);
  const json e = json::parse(CliOut(
      {"enroll", "--data", data_, "--applicant", Source() + "/examples/applicant-jose.json"}));
  CliOut(
      {"--actor", "supervisor", "approve", "--data", data_, "--application", e["application_id"]});
  const json card =
      json::parse(CliOut({"issue", "--data", data_, "--application", e["application_id"]}));
  // The card was issued "today" per --now; the server's clock is real, so check only signature
  // and revocation: the verdict is valid or expired depending on the real date, never invalid.
  auto v = client_->Post("/api/v1/verify", json{{"payload", card["qr_payload"]}}.dump(), "application/json");
  ASSERT_TRUE(v);
  ASSERT_EQ(v->status, 200) << v->body;
  const std::string verdict = json::parse(v->body)["verdict"];
  EXPECT_TRUE(verdict == "valid" || verdict == "expired") << v->body;

  CliOut({"revoke", "--data", data_, "--card", card["card_number"], "--reason", "stolen"});
  std::this_thread::sleep_for(std::chrono::milliseconds(5500));  // the server's refresh interval
  v = client_->Post("/api/v1/verify", json{{"payload", card["qr_payload"]}}.dump(), "application/json");
  ASSERT_TRUE(v);
  if (verdict == "valid") {
    EXPECT_EQ(json::parse(v->body)["verdict"], "revoked") << v->body;
  }

  auto keys = client_->Get("/.well-known/cityid-keys");
  EXPECT_EQ(keys->status, 200);
  EXPECT_EQ(client_->Get("/api/v1/status-lists/1")->status, 200);
}

TEST_F(ServeE2eTest, SigtermStopsCleanlyAndRestartKeepsData) {
  EXPECT_EQ(client_->Get("/readyz")->status, 200);
  EXPECT_EQ(StopServer(), 0) << Slurp(tmp_ / "server.err");
  EXPECT_NE(Slurp(tmp_ / "server.err").find("shutting down"), std::string::npos);
  // Restart on the same folder: keys are reused, not regenerated.
  const std::string keys_before = Slurp(fs::path(data_) / "keys" / "issuer.json");
  const pid_t again = Spawn({"serve", "--data", data_, "--listen", "127.0.0.1:0"}, "/dev/null",
                            tmp_ / "s2.out", tmp_ / "s2.err");
  for (int i = 0; i < 100 && Slurp(tmp_ / "s2.out").find("http://") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_NE(Slurp(tmp_ / "s2.out").find("http://"), std::string::npos) << Slurp(tmp_ / "s2.err");
  kill(again, SIGTERM);
  EXPECT_EQ(Wait(again), 0);
  EXPECT_EQ(Slurp(fs::path(data_) / "keys" / "issuer.json"), keys_before);
}

// With the data keys split among officers, the server starts only with K shares (here from the
// environment, as a service manager would pass them) and serves as before.
TEST_F(ServeE2eTest, SplitKeysServeOnlyWithTheOfficersShares) {
  ASSERT_EQ(StopServer(), 0) << Slurp(tmp_ / "server.err");
  const cityid::e2e::Run add =
      Cli({"staff", "add", "--data", data_, "--user", "ada", "--role", "admin", "--password-stdin"},
          kPassword + "\n");
  ASSERT_EQ(add.code, 0) << add.err;
  const std::string shares = (tmp_ / "shares").string();
  CliOut({"keys", "split", "--data", data_, "--actor", "ada", "--threshold", "2", "--shares", "3",
          "--out", shares});

  const pid_t refused = Spawn({"serve", "--data", data_, "--listen", "127.0.0.1:0"}, "/dev/null",
                              tmp_ / "s1.out", tmp_ / "s1.err");
  EXPECT_EQ(Wait(refused), 4);
  EXPECT_NE(Slurp(tmp_ / "s1.err").find("keys-sealed"), std::string::npos) << Slurp(tmp_ / "s1.err");

  ::setenv("CITYID_KEK_SHARES", (shares + "/share-3-of-3.txt:" + shares + "/share-1-of-3.txt").c_str(), 1);
  const pid_t served = Spawn({"serve", "--data", data_, "--listen", "127.0.0.1:0"}, "/dev/null",
                             tmp_ / "s2.out", tmp_ / "s2.err");
  ::unsetenv("CITYID_KEK_SHARES");
  const int port = WaitForPort(tmp_ / "s2.out");
  ASSERT_GT(port, 0) << Slurp(tmp_ / "s2.err");
  httplib::Client c("127.0.0.1", port);
  auto ready = c.Get("/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200);
  kill(served, SIGTERM);
  EXPECT_EQ(Wait(served), 0) << Slurp(tmp_ / "s2.err");
}

TEST_F(ServeE2eTest, MalformedRequestsNeverCrashTheServer) {
  const std::vector<std::string> bodies = {"", "{", "null", "[1,2]", "{\"payload\": null}",
                                           "{\"payload\": \"\\u0000\"}", std::string(70000, '{'),
                                           "{\"payload\": \"'; DROP TABLE persons; --\"}"};
  for (const auto& b : bodies) {
    auto r = client_->Post("/api/v1/verify", b, "application/json");
    ASSERT_TRUE(r) << "server died on: " << b.substr(0, 40);
    EXPECT_LT(r->status, 500) << b.substr(0, 40);
  }
  EXPECT_EQ(client_->Get("/healthz")->status, 200);
}

}  // namespace
