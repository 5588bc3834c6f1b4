// End-to-end durability: the real `cityid serve` takes a stream of enrollments
// (POST /api/v1/applications) from a client thread and is killed with SIGKILL mid-stream —
// no graceful shutdown, no checkpoint, the WAL left as it was. Then, on the same data folder:
//  - every enrollment that got a 2xx answer is in the database, with its person;
//  - nothing is half-written: every application has its person and vice versa, and the audit
//    log holds exactly one application.enroll per application (plus any duplicate flags) and
//    nothing else since the stream began;
//  - `cityid audit verify --data DIR` exits 0 and counts exactly the log's entries;
//  - the restarted server serves again, and a new enrollment succeeds.
// At most one request is in flight (one client thread), so at most one application may exist
// that was committed but not acknowledged.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>

#include "server_harness.h"

namespace {

using namespace cityid::e2e;  // NOLINT(build/namespaces): the harness is this test's vocabulary
using nlohmann::json;

constexpr int kKillAfterAcks = 25;

// Every process of this test runs at the examples' date: the applicant's documents are current.
pid_t SpawnAtNow(std::vector<std::string> args, const fs::path& in, const fs::path& out,
                 const fs::path& err) {
  args.insert(args.begin(), {"--now", kNow});
  return Spawn(std::move(args), in, out, err);
}

// A distinct applicant per index (letters only in the name: digits are not name characters),
// so the stream does not trip duplicate detection more than it must.
json Applicant(int i) {
  std::string suffix;
  for (int n = i + 1; n > 0; n /= 26) suffix += static_cast<char>('a' + n % 26);
  json a = json::parse(R"({
    "legal_name": {"given": "Ana", "family": "Lopez"}, "date_of_birth": "1990-04-12",
    "documents": [{"type": "foreign_passport", "number": "P1", "expires": "2030-01-01"},
                  {"type": "utility_bill", "issued": "2026-11-01"}]})");
  a["legal_name"]["given"] = "Ana" + suffix;
  a["documents"][0]["number"] = "P" + std::to_string(100000 + i);
  return a;
}

// Read-only SQLite access to the data folder (after the server is dead).
class Db {
 public:
  explicit Db(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << "cannot open " << path;
    }
  }
  ~Db() { sqlite3_close(db_); }
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  int64_t Int(const std::string& sql) {
    sqlite3_stmt* st = nullptr;
    int64_t v = -1;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
      v = sqlite3_column_int64(st, 0);
    } else {
      ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db_);
    }
    sqlite3_finalize(st);
    return v;
  }
  std::set<std::string> Strings(const std::string& sql) {
    sqlite3_stmt* st = nullptr;
    std::set<std::string> out;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db_);
      return out;
    }
    while (sqlite3_step(st) == SQLITE_ROW) {
      out.insert(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
    }
    sqlite3_finalize(st);
    return out;
  }

 private:
  sqlite3* db_ = nullptr;
};

class DurabilityE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv("CITYID_ALLOW_CLOCK_OVERRIDE", "1", 1);
    tmp_ = fs::temp_directory_path() / ("cityid-durability-e2e-" + std::to_string(::getpid()) +
                                        "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(tmp_);
    fs::create_directories(tmp_);
    data_ = (tmp_ / "data").string();
  }
  void TearDown() override {
    if (server_ > 0) {
      kill(server_, SIGKILL);
      Wait(server_);
    }
    if (!HasFailure()) fs::remove_all(tmp_);
  }

  // Starts `cityid serve` on a free port; returns the port (0 on failure).
  int StartServer(const std::string& name, bool first_start) {
    std::vector<std::string> args = {"serve", "--data", data_, "--listen", "127.0.0.1:0"};
    if (first_start) {
      args.insert(args.end(), {"--policy", Source() + "/policies/new-york-points.toml"});
    }
    server_ = SpawnAtNow(args, "/dev/null", tmp_ / (name + ".out"), tmp_ / (name + ".err"));
    if (server_ <= 0) return 0;
    const int port = WaitForPort(tmp_ / (name + ".out"));
    if (port == 0) ADD_FAILURE() << Slurp(tmp_ / (name + ".err"));
    return port;
  }

  // `cityid [args]`, stdin from `input`; returns the exit code and stdout (stderr in cli.err).
  std::pair<int, std::string> Cli(std::vector<std::string> args, const std::string& input = "") {
    { std::ofstream(tmp_ / "cli.in") << input; }
    const pid_t pid = SpawnAtNow(args, tmp_ / "cli.in", tmp_ / "cli.out", tmp_ / "cli.err");
    const int code = Wait(pid);
    return {code, Slurp(tmp_ / "cli.out")};
  }

  // A clerk's session cookie and CSRF token.
  httplib::Headers LoginClerk(httplib::Client& c) {
    auto res = c.Post("/api/v1/sessions", json{{"user", "carla"}, {"password", kPassword}}.dump(),
                      "application/json");
    EXPECT_TRUE(res);
    if (!res) return {};
    EXPECT_EQ(res->status, 201) << res->body;
    const std::string cookie = res->get_header_value("Set-Cookie");
    const json j = json::parse(res->body, nullptr, false);
    return {{"Cookie", cookie.substr(0, cookie.find(';'))},
            {"X-CSRF-Token", j.value("csrf_token", std::string())}};
  }

  fs::path tmp_;
  std::string data_;
  pid_t server_ = -1;
};

TEST_F(DurabilityE2eTest, EveryAcknowledgedEnrollmentSurvivesKill9WithNothingHalfWritten) {
  const int port = StartServer("server1", /*first_start=*/true);
  ASSERT_GT(port, 0);
  // The clerk is made by the real CLI while the server runs (same data folder).
  auto [added, added_out] = Cli({"--json", "staff", "add", "--data", data_, "--user", "carla",
                                 "--role", "clerk", "--password-stdin"},
                                kPassword + "\n");
  ASSERT_EQ(added, 0) << added_out << Slurp(tmp_ / "cli.err");

  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(10, 0);
  client.set_keep_alive(true);
  client.set_tcp_nodelay(true);
  const httplib::Headers clerk = LoginClerk(client);
  ASSERT_FALSE(clerk.empty());
  const int64_t audit_before = [&] {
    Db db(data_ + "/cityid.db");
    return db.Int("SELECT count(*) FROM audit_log");
  }();
  ASSERT_GT(audit_before, 0);

  // The stream: one request at a time until the connection fails (the server is gone).
  std::mutex mu;
  std::vector<std::string> acknowledged;
  std::atomic<int> acks{0};
  std::atomic<bool> refused{false};
  std::thread stream([&] {
    for (int i = 0; i < 10000; ++i) {
      auto res = client.Post("/api/v1/applications", clerk, Applicant(i).dump(), "application/json");
      if (!res) return;  // connection reset: the server was killed
      if (res->status / 100 != 2) {
        refused = true;
        ADD_FAILURE() << "enrollment " << i << ": " << res->status << " " << res->body;
        return;
      }
      const json j = json::parse(res->body, nullptr, false);
      std::lock_guard lock(mu);
      acknowledged.push_back(j.value("id", std::string()));
      acks++;
    }
  });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (acks < kKillAfterAcks && !refused && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  // Mid-stream: the client thread has its next request in flight or about to be.
  ASSERT_EQ(kill(server_, SIGKILL), 0);
  EXPECT_EQ(Wait(server_), 128 + SIGKILL);
  server_ = -1;
  stream.join();
  ASSERT_FALSE(refused);
  ASSERT_GE(acks.load(), kKillAfterAcks) << "the server answered too slowly";

  {
    Db db(data_ + "/cityid.db");
    const std::set<std::string> stored = db.Strings("SELECT id FROM applications");
    for (const auto& id : acknowledged) EXPECT_EQ(stored.count(id), 1u) << id << " was lost";
    // At most the one request in flight at the kill was committed without an answer.
    EXPECT_LE(stored.size(), acknowledged.size() + 1);
    const int64_t apps = static_cast<int64_t>(stored.size());
    // No half-written record: each application has its person, each person its application.
    EXPECT_EQ(db.Int("SELECT count(*) FROM applications a LEFT JOIN persons p "
                     "ON p.id = a.person_id WHERE p.id IS NULL"),
              0);
    EXPECT_EQ(db.Int("SELECT count(*) FROM persons p LEFT JOIN applications a "
                     "ON a.person_id = p.id WHERE a.id IS NULL"),
              0);
    EXPECT_EQ(db.Int("SELECT count(*) FROM persons"), apps);
    // The log holds the stream's changes, exactly: one application.enroll per application,
    // duplicate flags if any, nothing else.
    const std::string since = " FROM audit_log WHERE seq > (SELECT min(seq) - 1 + " +
                              std::to_string(audit_before) + " FROM audit_log)";
    EXPECT_EQ(db.Int("SELECT count(*)" + since + " AND action = 'application.enroll'"), apps);
    EXPECT_EQ(db.Int("SELECT count(*)" + since +
                     " AND action NOT IN ('application.enroll', 'application.flag')"),
              0);
    const int64_t flags = db.Int("SELECT count(*)" + since + " AND action = 'application.flag'");
    const int64_t audit_after = db.Int("SELECT count(*) FROM audit_log");
    EXPECT_EQ(audit_after, audit_before + apps + flags);

    // The log verifies end to end, and counts what the table holds.
    auto [code, out] = Cli({"--json", "audit", "verify", "--data", data_});
    ASSERT_EQ(code, 0) << out << Slurp(tmp_ / "cli.err");
    const json verified = json::parse(out, nullptr, false);
    ASSERT_TRUE(verified.is_object()) << out;
    EXPECT_EQ(verified["entries"].get<int64_t>(), audit_after) << out;
  }

  // The server starts again on the same folder and serves: the data is there, new work goes in.
  const int again = StartServer("server2", /*first_start=*/false);
  ASSERT_GT(again, 0);
  httplib::Client c2("127.0.0.1", again);
  c2.set_read_timeout(10, 0);
  auto health = c2.Get("/readyz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  const httplib::Headers clerk2 = LoginClerk(c2);
  for (const auto& id : acknowledged) {
    auto res = c2.Get("/api/v1/applications/" + id, clerk2);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200) << id << ": " << res->body;
  }
  auto more = c2.Post("/api/v1/applications", clerk2, Applicant(20000).dump(), "application/json");
  ASSERT_TRUE(more);
  EXPECT_EQ(more->status, 201) << more->body;
  kill(server_, SIGTERM);
  EXPECT_EQ(Wait(server_), 0) << Slurp(tmp_ / "server2.err");
  server_ = -1;
}

}  // namespace
