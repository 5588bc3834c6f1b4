// End-to-end: faults that damaged a data folder (issue 14 §5), each against the real binary.
// Every case names the fault; each asserts the documented exit code and problem slug.
#include <grp.h>
#include <gtest/gtest.h>
#include <pwd.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "e2e_util.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace cityid::e2e;  // NOLINT(build/namespaces): test file

constexpr int kExitUnavailable = 8;
constexpr int kExitPrecondition = 4;
constexpr int kExitDataLoss = 7;
constexpr int kExitInvalidInput = 3;
constexpr int kExitAlreadyExists = 9;
constexpr int kCrashExit = 86;  // what the CITYID_TEST_BATCH_CRASH hook exits with

// Read-only SQLite access to a data folder's database (while no cityid process writes).
int64_t Count(const fs::path& db, const std::string& sql) {
  sqlite3* h = nullptr;
  int64_t n = -1;
  if (sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(h, sql.c_str(), -1, &s, nullptr) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW) {
      n = sqlite3_column_int64(s, 0);
    }
    sqlite3_finalize(s);
  }
  sqlite3_close(h);
  return n;
}

// A distinct applicant per index (letters only in names; its own date of birth and passport),
// so no two are possible duplicates.
json Applicant(int i) {
  std::string suffix;
  for (int n = i + 1; n > 0; n /= 26) suffix += static_cast<char>('a' + n % 26);
  json a = json::parse(R"({
    "legal_name": {"given": "Ana", "family": "Lopez"}, "date_of_birth": "1990-04-12",
    "documents": [{"type": "foreign_passport", "number": "P1", "expires": "2030-01-01"},
                  {"type": "utility_bill", "issued": "2026-11-01"}]})");
  a["legal_name"]["given"] = "Ana" + suffix;
  a["legal_name"]["family"] = "Lopez" + suffix;
  a["documents"][0]["number"] = "P" + std::to_string(100000 + i);
  const int day = 1 + i % 28, month = 1 + (i / 28) % 12;
  a["date_of_birth"] = std::string("1990-") + (month < 10 ? "0" : "") + std::to_string(month) +
                       "-" + (day < 10 ? "0" : "") + std::to_string(day);
  return a;
}

// The slug of a --json error answer.
std::string Slug(const cityid::e2e::Run& r) {
  const json j = json::parse(r.out, nullptr, false);
  if (j.is_discarded() || !j.contains("error")) return "(no JSON error: " + r.out + r.err + ")";
  return j["error"].value("type", "");
}

class FaultsE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv("CITYID_ALLOW_CLOCK_OVERRIDE", "1", 1);  // the suite pins the clock with --now
    tmp_ = fs::temp_directory_path() /
           ("cityid-faults-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(tmp_);
    fs::create_directories(tmp_);
    fs::copy_file(Source() + "/examples/portrait.png", tmp_ / "portrait.png");
    data_ = (tmp_ / "data").string();
  }
  void TearDown() override {
    ::unsetenv("CITYID_TEST_INIT_FAIL_AFTER");
    ::unsetenv("CITYID_TEST_BATCH_CRASH");
    if (!HasFailure()) fs::remove_all(tmp_);
  }
  std::string Policy() const { return Source() + "/policies/new-york-points.toml"; }
  cityid::e2e::Run Init(const std::string& data) {
    return Cityid({"--json", "init", "--data", data, "--policy", Policy()}, tmp_);
  }
  cityid::e2e::Run Enroll(const std::string& data, const json& applicant = Applicant(0)) {
    const fs::path p = tmp_ / ("applicant-" + std::to_string(files_++) + ".json");
    std::ofstream(p) << applicant.dump();
    return Cityid({"--json", "enroll", "--data", data, "--applicant", p.string()}, tmp_);
  }
  cityid::e2e::Run Verify(const std::string& data) {
    return Cityid({"--json", "audit", "verify", "--data", data}, tmp_);
  }
  fs::path Db(const std::string& data) const { return fs::path(data) / "cityid.db"; }
  fs::path LogKey(const std::string& data) const {
    for (const auto& e : fs::directory_iterator(fs::path(data) / "keys")) {
      if (e.path().filename().string().rfind("log-", 0) == 0) return e.path();
    }
    return {};
  }

  fs::path tmp_;
  std::string data_;
  int files_ = 0;
};

TEST_F(FaultsE2eTest, ZeroLengthDatabaseIsNeverReplacedByAFreshOneUnderTheOldKeys) {
  ASSERT_EQ(Init(data_).code, 0);
  ASSERT_EQ(Enroll(data_).code, 0);
  std::ofstream(Db(data_), std::ios::trunc).close();  // a truncated copy, a failed restore
  for (const char* side : {"-wal", "-shm"}) fs::remove(Db(data_).string() + side);
  auto verify = Verify(data_);
  EXPECT_EQ(verify.code, kExitDataLoss) << verify.out << verify.err;  // was 0, "intact: 0 entries"
  EXPECT_EQ(Slug(verify), "store-corrupt");
  EXPECT_NE(verify.err.find("backup"), std::string::npos) << verify.err;
  auto enroll = Enroll(data_);
  EXPECT_EQ(enroll.code, kExitDataLoss);
  EXPECT_EQ(fs::file_size(Db(data_)), 0u) << "nothing may be created in it";
  // init does not paper over it either.
  EXPECT_EQ(Init(data_).code, kExitAlreadyExists);
  // A deleted database beside the keys: the same answer, and init refuses to make one.
  fs::remove(Db(data_));
  auto missing = Cityid({"--json", "show", "--data", data_, "--application", "x"}, tmp_);
  EXPECT_EQ(missing.code, kExitDataLoss) << missing.err;
  EXPECT_EQ(Slug(missing), "store-corrupt");
  auto reinit = Init(data_);
  EXPECT_EQ(reinit.code, kExitDataLoss) << reinit.err;
  EXPECT_FALSE(fs::exists(Db(data_)));
}

TEST_F(FaultsE2eTest, AnotherFoldersKeyIsRefusedBeforeAnyWriteNamingTheKey) {
  const std::string other = (tmp_ / "other").string();
  ASSERT_EQ(Init(data_).code, 0);
  ASSERT_EQ(Init(other).code, 0);
  ASSERT_EQ(Enroll(data_).code, 0);
  const fs::path keys = fs::path(data_) / "keys";
  for (const std::string name : {"kek.key", "blind-index.key"}) {
    fs::copy_file(keys / name, tmp_ / (name + ".own"), fs::copy_options::overwrite_existing);
    fs::copy_file(fs::path(other) / "keys" / name, keys / name,
                  fs::copy_options::overwrite_existing);
    auto r = Enroll(data_, Applicant(1));
    EXPECT_EQ(r.code, kExitPrecondition) << name << ": " << r.out << r.err;
    EXPECT_EQ(Slug(r), "key-mismatch") << name;
    EXPECT_NE(r.err.find(name), std::string::npos) << r.err;
    EXPECT_EQ(Count(Db(data_), "SELECT count(*) FROM persons"), 1) << "nothing written";
    fs::copy_file(tmp_ / (name + ".own"), keys / name, fs::copy_options::overwrite_existing);
  }
  // The log key: audit commands refuse it too.
  const fs::path own_log = LogKey(data_);
  fs::rename(own_log, tmp_ / "own-log.key");
  fs::copy_file(LogKey(other), keys / LogKey(other).filename());
  auto head = Cityid({"--json", "audit", "head", "--data", data_}, tmp_);
  EXPECT_EQ(head.code, kExitPrecondition) << head.out << head.err;
  EXPECT_EQ(Slug(head), "key-mismatch");
  EXPECT_NE(head.err.find("access-log key"), std::string::npos) << head.err;
  EXPECT_EQ(Count(Db(data_), "SELECT count(*) FROM tree_heads"), 0);
  fs::remove(LogKey(data_));
  fs::rename(tmp_ / "own-log.key", own_log);
  EXPECT_EQ(Enroll(data_, Applicant(1)).code, 0);
  EXPECT_EQ(Verify(data_).code, 0);
}

TEST_F(FaultsE2eTest, FolderFromBeforeKeyBindingIsBoundOnFirstOpenAndOnlyToItsOwnKek) {
  const std::string other = (tmp_ / "other").string();
  ASSERT_EQ(Init(data_).code, 0);
  ASSERT_EQ(Init(other).code, 0);
  ASSERT_EQ(Enroll(data_).code, 0);
  {  // as a folder made before schema v14 recorded the check values
    sqlite3* h = nullptr;
    ASSERT_EQ(sqlite3_open(Db(data_).c_str(), &h), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(h, "DELETE FROM store_facts", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(h);
  }
  const fs::path keys = fs::path(data_) / "keys";
  fs::copy_file(keys / "kek.key", tmp_ / "kek.own");
  fs::copy_file(fs::path(other) / "keys" / "kek.key", keys / "kek.key",
                fs::copy_options::overwrite_existing);
  auto wrong = Enroll(data_, Applicant(1));
  EXPECT_EQ(wrong.code, kExitPrecondition) << wrong.err;
  EXPECT_EQ(Slug(wrong), "key-mismatch");
  EXPECT_EQ(Count(Db(data_), "SELECT count(*) FROM store_facts WHERE name LIKE 'key_check.%'"), 0);
  fs::copy_file(tmp_ / "kek.own", keys / "kek.key", fs::copy_options::overwrite_existing);
  ASSERT_EQ(Enroll(data_, Applicant(1)).code, 0);
  EXPECT_EQ(Count(Db(data_), "SELECT count(*) FROM store_facts WHERE name LIKE 'key_check.%'"), 3);
}

TEST_F(FaultsE2eTest, AuditVerifyReportsAMissingLogKeyAndCreatesNone) {
  ASSERT_EQ(Init(data_).code, 0);
  ASSERT_EQ(Enroll(data_).code, 0);
  ASSERT_EQ(Cityid({"audit", "head", "--data", data_}, tmp_).code, 0);
  const fs::path key = LogKey(data_);
  fs::rename(key, tmp_ / "log.key");
  auto verify = Verify(data_);
  EXPECT_EQ(verify.code, kExitPrecondition) << verify.out << verify.err;
  EXPECT_EQ(Slug(verify), "keys-missing");
  auto show = Cityid({"--json", "show", "--data", data_, "--application", "x"}, tmp_);
  EXPECT_EQ(show.code, kExitPrecondition) << show.err;
  EXPECT_EQ(Slug(show), "keys-missing");
  EXPECT_TRUE(LogKey(data_).empty()) << "a read-only command made a key: " << LogKey(data_);
  fs::rename(tmp_ / "log.key", key);  // with the old key back, everything works
  EXPECT_EQ(Verify(data_).code, 0);
  EXPECT_EQ(Enroll(data_, Applicant(1)).code, 0);
}

TEST_F(FaultsE2eTest, InitInterruptedAtAnyStepIsClearedAndFinishedByASecondInit) {
  for (int step = 1; step <= 5; ++step) {
    SCOPED_TRACE("interrupted after step " + std::to_string(step));
    const std::string data = (tmp_ / ("data" + std::to_string(step))).string();
    ::setenv("CITYID_TEST_INIT_FAIL_AFTER", std::to_string(step).c_str(), 1);
    auto cut = Init(data);
    ::unsetenv("CITYID_TEST_INIT_FAIL_AFTER");
    EXPECT_EQ(cut.code, kExitUnavailable) << cut.err;
    // Nobody uses the half-made folder: each command says to run init again.
    auto use = Enroll(data);
    EXPECT_EQ(use.code, kExitPrecondition) << use.err;
    EXPECT_EQ(Slug(use), "store-not-initialized");
    EXPECT_NE(use.err.find("interrupted"), std::string::npos) << use.err;
    EXPECT_EQ(Verify(data).code, kExitPrecondition);
    // The second init finishes it: a usable folder.
    auto again = Init(data);
    ASSERT_EQ(again.code, 0) << again.err;
    EXPECT_EQ(Enroll(data).code, 0);
    auto verify = Verify(data);
    EXPECT_EQ(verify.code, 0) << verify.err;
    EXPECT_EQ(Init(data).code, kExitAlreadyExists);
  }
}

// An init marker beside a database that holds records (restored from a backup with the folder,
// or made by hand) must not make a second init wipe the folder: init never writes a person or
// an audit entry, so such a database was in use.
TEST_F(FaultsE2eTest, InitMarkerBesideAFolderInUseClearsNothing) {
  ASSERT_EQ(Init(data_).code, 0);
  ASSERT_EQ(Enroll(data_).code, 0);
  std::ofstream(fs::path(data_) / ".init-incomplete") << "stray\n";
  auto again = Init(data_);
  EXPECT_EQ(again.code, kExitPrecondition) << again.out << again.err;
  EXPECT_EQ(Slug(again), "failed-precondition");
  EXPECT_EQ(Count(Db(data_), "SELECT count(*) FROM persons"), 1);
  EXPECT_TRUE(fs::exists(fs::path(data_) / "keys" / "kek.key"));
  fs::remove(fs::path(data_) / ".init-incomplete");
  EXPECT_EQ(Verify(data_).code, 0);
}

TEST_F(FaultsE2eTest, BusyDatabaseIsExit8WithWhatToDo) {
  ASSERT_EQ(Init(data_).code, 0);
  sqlite3* h = nullptr;
  ASSERT_EQ(sqlite3_open(Db(data_).c_str(), &h), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(h, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  auto r = Enroll(data_);  // waits out the busy timeout (5 s), then gives up
  // A key rotation under the same lock changes no key file: a rotation the log never saw would
  // sign cards with a key no entry accounts for.
  auto key_files = [&] {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(fs::path(data_) / "keys")) {
      names.push_back(e.path().filename().string() + ":" + std::to_string(fs::file_size(e)));
    }
    std::sort(names.begin(), names.end());
    return names;
  };
  const auto keys_before = key_files();
  const std::string issuer_before = Slurp(fs::path(data_) / "keys" / "issuer.json");
  auto rotate = Cityid({"--json", "keys", "rotate", "--data", data_}, tmp_);
  sqlite3_exec(h, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(h);
  EXPECT_EQ(r.code, kExitUnavailable) << r.out << r.err;  // was 1, "internal"
  EXPECT_EQ(Slug(r), "store-busy");
  EXPECT_NE(r.err.find("retry"), std::string::npos) << r.err;
  EXPECT_EQ(rotate.code, kExitUnavailable) << rotate.out << rotate.err;
  EXPECT_EQ(key_files(), keys_before);
  EXPECT_EQ(Slurp(fs::path(data_) / "keys" / "issuer.json"), issuer_before);
  EXPECT_EQ(Enroll(data_).code, 0);
}

// The real binary with a file-size limit (RLIMIT_FSIZE) of `limit` bytes: every write past it
// fails as on a full disk. SIGXFSZ is ignored, so the write returns an error instead.
cityid::e2e::Run CityidWithFileSizeLimit(const std::vector<std::string>& args, const fs::path& tmp,
                                         rlim_t limit) {
  const fs::path out = tmp / "limited.out", err = tmp / "limited.err";
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(o, 1);
    ::dup2(e, 2);
    ::signal(SIGXFSZ, SIG_IGN);
    struct rlimit rl {
      limit, limit
    };
    ::setrlimit(RLIMIT_FSIZE, &rl);
    std::vector<std::string> full = {Binary(), "--now", kNow, "--actor", "e2e"};
    full.insert(full.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : full) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  cityid::e2e::Run r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = Slurp(out);
  r.err = Slurp(err);
  return r;
}

// The real binary as `uid`/`gid` (when this test runs as root, which permissions do not stop).
cityid::e2e::Run CityidAs(uid_t uid, gid_t gid, const std::vector<std::string>& args,
                          const fs::path& tmp) {
  const fs::path out = tmp / "as.out", err = tmp / "as.err";
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(o, 1);
    ::dup2(e, 2);
    if (::geteuid() != uid &&
        (::setgroups(0, nullptr) != 0 || ::setgid(gid) != 0 || ::setuid(uid) != 0)) {
      ::_exit(126);
    }
    std::vector<std::string> full = {Binary(), "--now", kNow, "--actor", "e2e"};
    full.insert(full.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : full) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  cityid::e2e::Run r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = Slurp(out);
  r.err = Slurp(err);
  return r;
}

TEST_F(FaultsE2eTest, ReadOnlyDataFolderIsExit8WithWhatToDo) {
  ASSERT_EQ(Init(data_).code, 0);
  const fs::path applicant = tmp_ / "applicant.json";
  std::ofstream(applicant) << Applicant(0).dump();
  fs::permissions(applicant,
                  fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);
  // The folder belongs to the account that runs cityid (root cannot be kept from writing: the
  // folder is handed to "nobody", who runs the command), then is made read-only.
  uid_t uid = ::geteuid();
  gid_t gid = ::getegid();
  if (uid == 0) {
    fs::permissions(tmp_, fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec);
    const struct passwd* nobody = ::getpwnam("nobody");
    ASSERT_NE(nobody, nullptr);
    uid = nobody->pw_uid;
    gid = nobody->pw_gid;
    for (const auto& e : fs::recursive_directory_iterator(data_)) {
      ASSERT_EQ(::chown(e.path().c_str(), uid, gid), 0);
    }
    ASSERT_EQ(::chown(data_.c_str(), uid, gid), 0);
  }
  fs::permissions(Db(data_), fs::perms::owner_read);
  fs::permissions(data_, fs::perms::owner_read | fs::perms::owner_exec);
  auto r = CityidAs(uid, gid,
                    {"--json", "enroll", "--data", data_, "--applicant", applicant.string()}, tmp_);
  fs::permissions(data_, fs::perms::owner_all);
  fs::permissions(Db(data_), fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_EQ(r.code, kExitUnavailable) << r.out << r.err;  // was 1, "internal"
  EXPECT_EQ(Slug(r), "store-read-only");
  EXPECT_NE(r.err.find("write access"), std::string::npos) << r.err;
}

TEST_F(FaultsE2eTest, FullDiskAtStartUpIsExit8WithWhatToDo) {
  ASSERT_EQ(Init(data_).code, 0);
  const fs::path applicant = tmp_ / "applicant.json";
  std::ofstream(applicant) << Applicant(0).dump();
  auto r = CityidWithFileSizeLimit(
      {"--json", "enroll", "--data", data_, "--applicant", applicant.string()}, tmp_, 8192);
  EXPECT_EQ(r.code, kExitUnavailable) << r.out << r.err;  // was 1, "internal"
  EXPECT_EQ(Slug(r), "store-full");
  EXPECT_NE(r.err.find("free space"), std::string::npos) << r.err;
  EXPECT_EQ(Enroll(data_).code, 0);  // with space again, it works
}

// A PNG of a few hundred bytes that says 20000 x 20000 pixels (1.6 GB decoded).
std::string DecompressionBombPng() {
  std::string png("\x89PNG\r\n\x1a\n", 8);
  auto be32 = [](uint32_t v) {
    return std::string{static_cast<char>(v >> 24), static_cast<char>(v >> 16),
                       static_cast<char>(v >> 8), static_cast<char>(v)};
  };
  png += be32(13) + "IHDR" + be32(20000) + be32(20000) + std::string("\x08\x02\x00\x00\x00", 5) +
         be32(0);
  png += be32(200) + "IDAT" + std::string(200, '\0') + be32(0);
  png += be32(0) + "IEND" + std::string("\xae\x42\x60\x82", 4);
  return png;
}

TEST_F(FaultsE2eTest, DecompressionBombPhotoIsRefusedAtEnrollment) {
  ASSERT_EQ(Init(data_).code, 0);
  std::ofstream(tmp_ / "bomb.png", std::ios::binary) << DecompressionBombPng();
  json a = Applicant(0);
  a["photo"] = "bomb.png";
  auto r = Enroll(data_, a);
  EXPECT_EQ(r.code, kExitInvalidInput) << r.out << r.err;  // was 0: enrolled, approved, issued
  EXPECT_EQ(Slug(r), "invalid-photo");
  EXPECT_NE(r.err.find("4000"), std::string::npos) << "names the limit: " << r.err;
  EXPECT_EQ(Count(Db(data_), "SELECT count(*) FROM persons"), 0);
  a["photo"] = "portrait.png";
  EXPECT_EQ(Enroll(data_, a).code, 0);
}

TEST_F(FaultsE2eTest, SiteIdWithAPathIsRefused) {
  ASSERT_EQ(Init(data_).code, 0);
  json a = Applicant(0);
  a["site"] = "../../x";
  auto r = Enroll(data_, a);
  EXPECT_EQ(r.code, kExitInvalidInput) << r.out << r.err;
  EXPECT_EQ(Slug(r), "invalid-argument");
  EXPECT_NE(r.err.find("site"), std::string::npos) << r.err;
  const fs::path p = tmp_ / "plain.json";
  std::ofstream(p) << Applicant(1).dump();
  auto flag = Cityid(
      {"--json", "enroll", "--data", data_, "--applicant", p.string(), "--site", "../../x"}, tmp_);
  EXPECT_EQ(flag.code, kExitInvalidInput);
  EXPECT_EQ(Count(Db(data_), "SELECT count(*) FROM applications"), 0);
  a["site"] = "library-east";
  EXPECT_EQ(Enroll(data_, a).code, 0);
}

TEST_F(FaultsE2eTest, DeletedPolicyIsNamedAndRestoredByInit) {
  ASSERT_EQ(Init(data_).code, 0);
  ASSERT_EQ(Enroll(data_).code, 0);
  fs::remove(fs::path(data_) / "policy.toml");
  // Another city's policy is not this folder's: its cards would be signed as that city.
  auto other = Cityid({"--json", "init", "--data", data_, "--policy",
                       Source() + "/policies/san-francisco-list.toml"},
                      tmp_);
  EXPECT_EQ(other.code, kExitInvalidInput) << other.out << other.err;
  EXPECT_EQ(Slug(other), "invalid-policy");
  EXPECT_FALSE(fs::exists(fs::path(data_) / "policy.toml"));
  auto r = Enroll(data_, Applicant(1));
  EXPECT_EQ(r.code, kExitPrecondition) << r.err;
  EXPECT_EQ(Slug(r), "store-not-initialized");
  EXPECT_NE(r.err.find("policy.toml"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("cityid init"), std::string::npos) << r.err;
  auto restore = Init(data_);
  ASSERT_EQ(restore.code, 0) << restore.err;  // was 9, "already initialized"
  EXPECT_EQ(restore.Json()["restored"], "policy");
  EXPECT_TRUE(fs::exists(fs::path(data_) / "policy.toml"));
  EXPECT_EQ(Enroll(data_, Applicant(1)).code, 0);
  EXPECT_EQ(Count(Db(data_), "SELECT count(*) FROM persons"), 2);
  EXPECT_EQ(Verify(data_).code, 0);
  EXPECT_EQ(Init(data_).code, kExitAlreadyExists);
}

TEST_F(FaultsE2eTest, BatchResumedAfterACrashAtAnyPointEnrollsEachLineOnce) {
  constexpr int kLines = 12;
  std::string text;
  for (int i = 0; i < kLines; ++i) {
    text += Applicant(i).dump() + "\n";
    if (i == 4) text += "\n";  // a blank line is not an input
  }
  const fs::path batch = tmp_ / "queue.jsonl";
  std::ofstream(batch) << text;
  // Crash inside the K-th enrollment's transaction (before it commits) or just after it.
  for (const std::string crash : {"1", "5", "5+", "6", "12", "12+"}) {
    SCOPED_TRACE("crash at " + crash);
    const std::string data = (tmp_ / ("data-" + crash)).string();
    ASSERT_EQ(Init(data).code, 0);
    ::setenv("CITYID_TEST_BATCH_CRASH", crash.c_str(), 1);
    auto cut = Cityid({"--json", "enroll", "--data", data, "--batch", batch.string()}, tmp_);
    ::unsetenv("CITYID_TEST_BATCH_CRASH");
    ASSERT_EQ(cut.code, kCrashExit) << cut.out << cut.err;
    auto resume = Cityid({"--json", "enroll", "--data", data, "--batch", batch.string()}, tmp_);
    ASSERT_EQ(resume.code, 0) << resume.out << resume.err;
    const int committed = std::stoi(crash) - (crash.back() == '+' ? 0 : 1);
    EXPECT_EQ(resume.Json()["enrolled"], kLines - committed);
    EXPECT_EQ(resume.Json()["flagged"], 0);
    EXPECT_EQ(Count(fs::path(data) / "cityid.db", "SELECT count(*) FROM persons"), kLines);
    EXPECT_EQ(Count(fs::path(data) / "cityid.db",
                    "SELECT count(*) FROM applications WHERE state = 'flagged'"),
              0);
    // Run again: nothing left to do.
    auto again = Cityid({"--json", "enroll", "--data", data, "--batch", batch.string()}, tmp_);
    ASSERT_EQ(again.code, 0) << again.err;
    EXPECT_EQ(again.Json()["enrolled"], 0);
    EXPECT_EQ(Count(fs::path(data) / "cityid.db", "SELECT count(*) FROM persons"), kLines);
    EXPECT_EQ(Verify(data).code, 0);
  }
}

}  // namespace
