// End-to-end: the real `cityid serve` binary on a free port, driven over HTTP while the CLI
// changes the same data folder; graceful shutdown on SIGTERM.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "server_harness.h"

namespace {

using namespace cityid::e2e;  // NOLINT(build/namespaces): the harness is this test's vocabulary
using nlohmann::json;

// Server and CLI both run at the examples' date (--now kNow, allowed by
// CITYID_ALLOW_CLOCK_OVERRIDE=1): a card issued by the CLI is valid to the server whatever the
// real date, so every verdict below is asserted exactly.
class ServeE2eTest : public ServerTest {
 protected:
  ServeE2eTest() : ServerTest("serve", /*fixed_clock=*/true) {}
  // A CLI command against the same data folder (--json, at the test's clock); returns stdout.
  std::string CliOut(std::vector<std::string> args, int expect = 0) {
    args.insert(args.begin(), "--json");
    const cityid::e2e::Run r = Cli(args);
    EXPECT_EQ(r.code, expect) << r.err;
    return r.out;
  }
  // The server's verdict on `payload` ("" when the request failed).
  std::string Verdict(const std::string& payload) {
    auto v = client_->Post("/api/v1/verify", json{{"payload", payload}}.dump(), "application/json");
    EXPECT_TRUE(v);
    if (!v) return "";
    EXPECT_EQ(v->status, 200) << v->body;
    const json j = json::parse(v->body, nullptr, false);
    return j.is_object() && j.contains("verdict") ? j["verdict"].get<std::string>() : v->body;
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
  const std::string payload = card["qr_payload"];
  // Verified once before the revocation, so the server holds the list in its cache.
  EXPECT_EQ(Verdict(payload), "valid");

  CliOut({"revoke", "--data", data_, "--card", card["card_number"], "--reason", "stolen"});
  // The CLI wrote the revocation behind the server's back; the server sees it within its
  // refresh interval (5 s by default). Poll for it, with a deadline well past that interval.
  std::string after;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while ((after = Verdict(payload)) == "valid" && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(after, "revoked");

  auto keys = client_->Get("/.well-known/cityid-keys");
  EXPECT_EQ(keys->status, 200);
  EXPECT_EQ(client_->Get("/api/v1/status-lists/1")->status, 200);
}

// With --status-refresh-seconds 0 the server rereads the list for every verification: the
// first verification after the CLI's revocation already says "revoked".
TEST_F(ServeE2eTest, RefreshIntervalZeroSeesARevocationAtOnce) {
  ASSERT_EQ(StopServer(), 0) << Slurp(tmp_ / "server.err");
  ASSERT_NO_FATAL_FAILURE(StartServer({"--status-refresh-seconds", "0"}));
  const json e = json::parse(CliOut(
      {"enroll", "--data", data_, "--applicant", Source() + "/examples/applicant-jose.json"}));
  CliOut(
      {"--actor", "supervisor", "approve", "--data", data_, "--application", e["application_id"]});
  const json card =
      json::parse(CliOut({"issue", "--data", data_, "--application", e["application_id"]}));
  EXPECT_EQ(Verdict(card["qr_payload"]), "valid");
  CliOut({"revoke", "--data", data_, "--card", card["card_number"], "--reason", "stolen"});
  EXPECT_EQ(Verdict(card["qr_payload"]), "revoked");
  // Out of range: a usage error (exit 2), not a server that never refreshes.
  const cityid::e2e::Run bad =
      Cli({"serve", "--data", data_, "--listen", "127.0.0.1:0", "--status-refresh-seconds", "-1"});
  EXPECT_EQ(bad.code, 2) << bad.err;
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
