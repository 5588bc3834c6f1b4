// End-to-end: the applicant's view of accesses to their record (issue 6), with the real
// `cityid serve` and CLI. A clerk (site city-hall) enrolls, a supervisor approves, the clerk
// issues the card and then reads the record with a reason; the applicant, with only the card
// number and date of birth, sees over POST /api/v1/access-history that their record was read —
// role, site and reason — and never who (no user name, no staff id). Wrong credentials get one
// generic 401; `cityid history` shows the same at the counter.
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

#include "auth/totp.h"
#include "base/bytes.h"
#include "core/ids.h"

extern char** environ;

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::string kSource = CITYID_TEST_SOURCE_DIR;
const std::string kBinary = CITYID_TEST_BINARY;
const std::string kPassword = "correct horse battery staple";
constexpr cityid::UnixSeconds kNow = 1795608000;  // 2026-11-25 12:00 UTC (the examples' date)
const std::string kNowText = "1795608000";

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
  args.insert(args.begin(), {kBinary, "--now", kNowText});
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

struct Session {
  std::string cookie;
  std::string csrf;
  httplib::Headers Headers() const { return {{"Cookie", cookie}, {"X-CSRF-Token", csrf}}; }
};

class HistoryE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv("CITYID_ALLOW_CLOCK_OVERRIDE", "1", 1);
    tmp_ = fs::temp_directory_path() /
           ("cityid-history-e2e-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(tmp_);
    fs::create_directories(tmp_);
    data_ = (tmp_ / "data").string();
    server_ = Spawn({"serve", "--data", data_, "--listen", "127.0.0.1:0", "--policy",
                     kSource + "/policies/new-york-points.toml"},
                    "/dev/null", tmp_ / "server.out", tmp_ / "server.err");
    ASSERT_GT(server_, 0);
    for (int i = 0; i < 400 && port_ == 0; ++i) {
      const std::string out = Slurp(tmp_ / "server.out");
      const auto at = out.find("http://127.0.0.1:");
      if (at != std::string::npos) port_ = std::atoi(out.c_str() + at + 17);
      if (port_ == 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ASSERT_GT(port_, 0) << Slurp(tmp_ / "server.err");
    client_ = std::make_unique<httplib::Client>("127.0.0.1", port_);
    client_->set_read_timeout(30, 0);
    client_->set_write_timeout(30, 0);
  }
  void TearDown() override {
    if (server_ > 0) {
      kill(server_, SIGTERM);
      EXPECT_EQ(Wait(server_), 0) << Slurp(tmp_ / "server.err");
    }
    if (!HasFailure()) fs::remove_all(tmp_);
  }

  struct CliRun {
    int code = -1;
    std::string out, err;
  };
  // Runs the real CLI with `stdin_text` on stdin.
  CliRun Cli(std::vector<std::string> args, const std::string& stdin_text = "") {
    { std::ofstream(tmp_ / "cli.in") << stdin_text; }
    const int code =
        Wait(Spawn(std::move(args), tmp_ / "cli.in", tmp_ / "cli.out", tmp_ / "cli.err"));
    return {code, Slurp(tmp_ / "cli.out"), Slurp(tmp_ / "cli.err")};
  }
  // `cityid staff add`; returns the TOTP secret ("" when the role has none).
  cityid::Bytes AddStaff(const std::string& user, const std::string& role,
                         const std::string& site) {
    const CliRun r = Cli({"--json", "staff", "add", "--data", data_, "--user", user, "--role", role,
                          "--site", site, "--password-stdin"},
                         kPassword + "\n");
    EXPECT_EQ(r.code, 0) << r.out << r.err;
    const json j = json::parse(r.out, nullptr, false);
    if (!j.is_object() || !j.contains("totp_uri")) return {};
    const std::string uri = j["totp_uri"];
    const auto at = uri.find("secret=") + 7;
    auto secret = cityid::auth::Base32Decode(uri.substr(at, uri.find('&', at) - at));
    EXPECT_TRUE(secret.ok());
    return secret.ok() ? *secret : cityid::Bytes();
  }
  Session Login(const std::string& user, const cityid::Bytes& secret) {
    json body{{"user", user}, {"password", kPassword}};
    if (!secret.empty()) body["totp"] = cityid::auth::TotpCode(secret, kNow);
    auto res = client_->Post("/api/v1/sessions", body.dump(), "application/json");
    EXPECT_TRUE(res);
    if (!res) return {};
    EXPECT_EQ(res->status, 201) << res->body;
    const std::string set_cookie = res->get_header_value("Set-Cookie");
    const json j = json::parse(res->body, nullptr, false);
    return {set_cookie.substr(0, set_cookie.find(';')),
            j.is_object() && j.contains("csrf_token") ? j["csrf_token"].get<std::string>() : ""};
  }
  // POSTs JSON as `s` (or anonymously) and checks the status; returns {parsed body, raw body}.
  std::pair<json, std::string> Post(const std::string& path, const json& body, const Session* s,
                                    int expect) {
    auto res = s ? client_->Post(path, s->Headers(), body.dump(), "application/json")
                 : client_->Post(path, body.dump(), "application/json");
    EXPECT_TRUE(res) << path;
    if (!res) return {json(), ""};
    EXPECT_EQ(res->status, expect) << path << ": " << res->body;
    if (res->status >= 400) {
      EXPECT_EQ(res->get_header_value("Content-Type"), "application/problem+json");
    }
    return {json::parse(res->body, nullptr, false), res->body};
  }

  fs::path tmp_;
  std::string data_;
  pid_t server_ = -1;
  int port_ = 0;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(HistoryE2eTest, ApplicantSeesTheStaffReadWithRoleSiteAndReasonButNotWho) {
  AddStaff("carla", "clerk", "city-hall");
  const cityid::Bytes sam_secret = AddStaff("sam", "supervisor", "city-hall");
  const Session clerk = Login("carla", {});
  const Session supervisor = Login("sam", sam_secret);
  const json me = json::parse(client_->Get("/api/v1/sessions/current", clerk.Headers())->body);
  const std::string carla_id = me["staff"]["id"];
  ASSERT_FALSE(carla_id.empty());

  // Enroll (examples/applicant-jose.json, without the photo), approve, issue, then a read with a
  // reason.
  json applicant = json::parse(Slurp(kSource + "/examples/applicant-jose.json"));
  applicant.erase("photo");
  const json app = Post("/api/v1/applications", applicant, &clerk, 201).first;
  ASSERT_TRUE(app.is_object() && app.contains("id"));
  const std::string app_id = app["id"], person_id = app["person_id"];
  Post("/api/v1/applications/" + app_id + "/approve", json::object(), &supervisor, 200);
  const json card =
      Post("/api/v1/applications/" + app_id + "/issue", json::object(), &clerk, 201).first;
  ASSERT_TRUE(card.contains("card_number"));
  const std::string number = card["card_number"];
  Post("/api/v1/persons/" + person_id + "/read", json{{"reason", "benefits office inquiry"}},
       &clerk, 200);

  // The applicant, anonymously, with the card number as printed and the date of birth.
  const std::string printed =
      number.substr(0, 4) + " " + number.substr(4, 4) + " " + number.substr(8);
  auto [h, raw] =
      Post("/api/v1/access-history",
           json{{"card_number", printed}, {"date_of_birth", "1990-04-12"}}, nullptr, 200);
  ASSERT_TRUE(h.contains("entries")) << raw;
  bool saw_read = false, saw_issue = false;
  for (const auto& e : h["entries"]) {
    EXPECT_FALSE(e.contains("actor")) << e.dump();
    if (e["action"] == "card.issue") saw_issue = e["description"]["en"] == "card issued";
    if (e["action"] == "person.read" && e["reason"] == "benefits office inquiry") {
      saw_read = true;
      EXPECT_EQ(e["description"]["en"], "record read");
      EXPECT_EQ(e["description"]["es"], "expediente consultado");
      EXPECT_EQ(e["role"], "clerk");
      EXPECT_EQ(e["site"], "city-hall");
      EXPECT_EQ(e["about"], "record");
    }
  }
  EXPECT_TRUE(saw_read) << raw;
  EXPECT_TRUE(saw_issue) << raw;
  EXPECT_EQ(h["entries"].back()["action"], "history.view");
  EXPECT_EQ(h["entries"].back()["role"], "applicant");
  // Never who: no user name, no staff id, no personal data.
  for (const std::string& secret : {std::string("carla"), std::string("sam"), carla_id,
                                    std::string("stf_"), std::string("García"), person_id}) {
    EXPECT_EQ(raw.find(secret), std::string::npos) << secret << " in " << raw;
  }

  // Wrong date of birth and an unknown card: the same generic 401.
  auto [wrong, wrong_raw] =
      Post("/api/v1/access-history", json{{"card_number", number}, {"date_of_birth", "1990-04-13"}},
           nullptr, 401);
  EXPECT_EQ(wrong["type"], "https://cityid.example/problems/invalid-credentials");
  // Another well-formed number (its own check digit) that was never issued.
  std::string other =
      number.substr(0, 10) + (number[10] == '9' ? '0' : static_cast<char>(number[10] + 1));
  other += static_cast<char>('0' + cityid::core::DammCheckDigit(other));
  const std::string unknown_raw =
      Post("/api/v1/access-history", json{{"card_number", other}, {"date_of_birth", "1990-04-12"}},
           nullptr, 401)
          .second;
  EXPECT_EQ(unknown_raw, wrong_raw);

  // The clerk at the counter: `cityid history` shows the same, logged as the clerk (actor e2e).
  const CliRun run = Cli({"--json", "--actor", "e2e-clerk", "history", "--data", data_, "--card",
                          number, "--dob", "1990-04-12"});
  ASSERT_EQ(run.code, 0) << run.out << run.err;
  const std::string& out = run.out;
  const json cli = json::parse(out, nullptr, false);
  ASSERT_TRUE(cli.is_object()) << out;
  bool cli_read = false;
  for (const auto& e : cli["entries"]) {
    cli_read = cli_read || (e["action"] == "person.read" && e["role"] == "clerk" &&
                            e["site"] == "city-hall" && e["reason"] == "benefits office inquiry");
  }
  EXPECT_TRUE(cli_read) << out;
  EXPECT_EQ(cli["entries"].back()["action"], "history.view");
  EXPECT_EQ(cli["entries"].back()["role"], "clerk");
  // The applicant's earlier view is there too, as the applicant's.
  bool earlier_view = false;
  for (const auto& e : cli["entries"]) {
    earlier_view = earlier_view || (e["action"] == "history.view" && e["role"] == "applicant");
  }
  EXPECT_TRUE(earlier_view) << out;
  for (const char* secret : {"carla", "e2e-clerk", "stf_"}) {
    EXPECT_EQ(out.find(secret), std::string::npos) << secret << " in " << out;
  }
  // Usage: a card without a date of birth.
  EXPECT_EQ(Cli({"history", "--data", data_, "--card", number}).code, 2);
  // A wrong date of birth at the counter fails too, without saying which part was wrong.
  const CliRun bad = Cli({"history", "--data", data_, "--card", number, "--dob", "1991-04-12"});
  EXPECT_EQ(bad.code, 6);  // permission: invalid-credentials
  EXPECT_NE(bad.err.find("invalid-credentials"), std::string::npos) << bad.err;
}

}  // namespace
