// End-to-end: the real `cityid serve` binary on a free port, driven over HTTP while the CLI
// changes the same data folder; graceful shutdown on SIGTERM.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

extern char** environ;

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::string kSource = CITYID_TEST_SOURCE_DIR;
const std::string kBinary = CITYID_TEST_BINARY;

std::string Slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

pid_t Spawn(std::vector<std::string> args, const fs::path& out, const fs::path& err,
            const fs::path& in = "/dev/null") {
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

class ServeE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv("CITYID_ALLOW_CLOCK_OVERRIDE", "1", 1);
    tmp_ = fs::temp_directory_path() / ("cityid-serve-e2e-" + std::to_string(::getpid()) + "-" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(tmp_);
    fs::create_directories(tmp_);
    data_ = (tmp_ / "data").string();
    // First start creates the data folder and its keys.
    server_ = Spawn({"serve", "--data", data_, "--listen", "127.0.0.1:0", "--policy",
                     kSource + "/policies/new-york-points.toml"},
                    tmp_ / "server.out", tmp_ / "server.err");
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
    if (server_ > 0 && !stopped_) {
      kill(server_, SIGKILL);
      Wait(server_);
    }
    if (!HasFailure()) fs::remove_all(tmp_);
  }
  // Runs a CLI command against the same data folder; returns stdout.
  std::string Cli(std::vector<std::string> args, int expect = 0) {
    args.insert(args.begin(), {"--now", "1795608000", "--json"});
    const pid_t pid = Spawn(args, tmp_ / "cli.out", tmp_ / "cli.err");
    EXPECT_EQ(Wait(pid), expect) << Slurp(tmp_ / "cli.err");
    return Slurp(tmp_ / "cli.out");
  }

  fs::path tmp_;
  std::string data_;
  pid_t server_ = -1;
  int port_ = 0;
  bool stopped_ = false;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(ServeE2eTest, VerifiesCardsIssuedByTheCliAndSeesRevocation) {
  auto h = client_->Get("/healthz");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->status, 200);
  const json e = json::parse(Cli({"enroll", "--data", data_, "--applicant", kSource + "/examples/applicant-jose.json"}));
  Cli({"--actor", "supervisor", "approve", "--data", data_, "--application", e["application_id"]});
  const json card = json::parse(Cli({"issue", "--data", data_, "--application", e["application_id"]}));
  // The card was issued "today" per --now; the server's clock is real, so check only signature
  // and revocation: the verdict is valid or expired depending on the real date, never invalid.
  auto v = client_->Post("/api/v1/verify", json{{"payload", card["qr_payload"]}}.dump(), "application/json");
  ASSERT_TRUE(v);
  ASSERT_EQ(v->status, 200) << v->body;
  const std::string verdict = json::parse(v->body)["verdict"];
  EXPECT_TRUE(verdict == "valid" || verdict == "expired") << v->body;

  Cli({"revoke", "--data", data_, "--card", card["card_number"], "--reason", "stolen"});
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
  kill(server_, SIGTERM);
  EXPECT_EQ(Wait(server_), 0) << Slurp(tmp_ / "server.err");
  stopped_ = true;
  EXPECT_NE(Slurp(tmp_ / "server.err").find("shutting down"), std::string::npos);
  // Restart on the same folder: keys are reused, not regenerated.
  const std::string keys_before = Slurp(fs::path(data_) / "keys" / "issuer.json");
  const pid_t again = Spawn({"serve", "--data", data_, "--listen", "127.0.0.1:0"}, tmp_ / "s2.out", tmp_ / "s2.err");
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
  kill(server_, SIGTERM);
  ASSERT_EQ(Wait(server_), 0) << Slurp(tmp_ / "server.err");
  stopped_ = true;
  { std::ofstream(tmp_ / "password.txt") << "correct horse battery staple 42\n"; }
  const pid_t add = Spawn({"staff", "add", "--data", data_, "--user", "ada", "--role", "admin",
                           "--password-stdin"},
                          tmp_ / "cli.out", tmp_ / "cli.err", tmp_ / "password.txt");
  ASSERT_EQ(Wait(add), 0) << Slurp(tmp_ / "cli.err");
  const std::string shares = (tmp_ / "shares").string();
  Cli({"keys", "split", "--data", data_, "--actor", "ada", "--threshold", "2", "--shares", "3",
       "--out", shares});

  const pid_t refused = Spawn({"serve", "--data", data_, "--listen", "127.0.0.1:0"},
                              tmp_ / "s1.out", tmp_ / "s1.err");
  EXPECT_EQ(Wait(refused), 4);
  EXPECT_NE(Slurp(tmp_ / "s1.err").find("keys-sealed"), std::string::npos) << Slurp(tmp_ / "s1.err");

  ::setenv("CITYID_KEK_SHARES", (shares + "/share-3-of-3.txt:" + shares + "/share-1-of-3.txt").c_str(), 1);
  const pid_t served = Spawn({"serve", "--data", data_, "--listen", "127.0.0.1:0"},
                             tmp_ / "s2.out", tmp_ / "s2.err");
  ::unsetenv("CITYID_KEK_SHARES");
  int port = 0;
  for (int i = 0; i < 200 && port == 0; ++i) {
    const std::string out = Slurp(tmp_ / "s2.out");
    const auto at = out.find("http://127.0.0.1:");
    if (at != std::string::npos) port = std::atoi(out.c_str() + at + 17);
    if (port == 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
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
