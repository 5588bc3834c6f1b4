// End to end: `cityid keys split` seals the data keys k-of-n among officers. The real binary,
// a real data folder: without k shares nothing personal can be read or written; with them,
// every command works as before; emergency destruction needs no share and leaves the shares
// opening nothing.
#include <cstdlib>

#include "e2e_util.h"

namespace cityid::e2e {
namespace {

using json = nlohmann::json;

class KeySplitE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv("CITYID_ALLOW_CLOCK_OVERRIDE", "1", 1);
    ::unsetenv("CITYID_KEK_SHARES");
    tmp_ = fs::temp_directory_path() /
           ("cityid-split-e2e-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(tmp_);
    fs::create_directories(tmp_);
    data_ = (tmp_ / "data").string();
    shares_ = (tmp_ / "shares").string();
    auto init = Cityid(
        {"init", "--data", data_, "--policy", Source() + "/policies/new-york-points.toml"}, tmp_);
    ASSERT_EQ(init.code, 0) << init.err;
    for (const char* admin : {"ada", "bea"}) {
      auto add = Cityid({"staff", "add", "--data", data_, "--user", admin, "--role", "admin",
                         "--password-stdin"},
                        tmp_, "correct horse battery staple 42\n");
      ASSERT_EQ(add.code, 0) << add.err;
    }
  }
  void TearDown() override {
    ::unsetenv("CITYID_KEK_SHARES");
    if (!HasFailure()) fs::remove_all(tmp_);
  }
  std::string Share(int x, int n = 3) const {
    return shares_ + "/share-" + std::to_string(x) + "-of-" + std::to_string(n) + ".txt";
  }
  e2e::Run Enroll(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"--json", "enroll", "--data", data_, "--applicant",
                                     Source() + "/examples/applicant-jose.json"};
    args.insert(args.end(), extra.begin(), extra.end());
    return Cityid(args, tmp_);
  }
  e2e::Run Split(int k, int n, const std::string& out, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"--json", "keys", "split", "--data", data_, "--actor",
                                     "ada", "--threshold", std::to_string(k), "--shares",
                                     std::to_string(n), "--out", out};
    args.insert(args.end(), extra.begin(), extra.end());
    return Cityid(args, tmp_);
  }
  // Every byte of every file under the data folder.
  std::string AllBytes() const {
    std::string all;
    for (const auto& e : fs::recursive_directory_iterator(data_)) {
      if (e.is_regular_file()) all += Slurp(e.path());
    }
    return all;
  }

  fs::path tmp_;
  std::string data_;
  std::string shares_;
};

TEST_F(KeySplitE2eTest, SplitKeysNeedThresholdSharesForPersonalData) {
  auto before = Enroll();
  ASSERT_EQ(before.code, 0) << before.err;
  const std::string kek_line = Slurp(fs::path(data_) / "keys" / "kek.key");
  const std::string kek_b64 = kek_line.substr(kek_line.find(' ') + 1, 43);
  ASSERT_EQ(kek_b64.size(), 43u);

  auto split = Split(2, 3, shares_);
  ASSERT_EQ(split.code, 0) << split.out << split.err;
  const json j = split.Json();
  EXPECT_EQ(j["threshold"], 2);
  EXPECT_EQ(j["shares"], 3);
  ASSERT_EQ(j["files"].size(), 3u);
  for (int x = 1; x <= 3; ++x) {
    ASSERT_TRUE(fs::exists(Share(x))) << Share(x);
    EXPECT_EQ(fs::status(Share(x)).permissions() & fs::perms::all,
              fs::perms::owner_read | fs::perms::owner_write);
  }
  EXPECT_FALSE(fs::exists(fs::path(data_) / "keys" / "kek.key"));
  EXPECT_FALSE(fs::exists(fs::path(data_) / "keys" / "blind-index.key"));
  // The KEK is nowhere in the data folder in the clear (text or raw form).
  EXPECT_EQ(AllBytes().find(kek_b64), std::string::npos);

  // Without enough shares: a clear "keys-sealed" error saying how many are needed and how.
  auto none = Enroll();
  EXPECT_EQ(none.code, 4) << none.out;
  EXPECT_EQ(none.Json()["error"]["type"], "keys-sealed");
  EXPECT_NE(none.err.find("2-of-3"), std::string::npos) << none.err;
  EXPECT_NE(none.err.find("--kek-share"), std::string::npos) << none.err;
  auto one = Enroll({"--kek-share", Share(2)});
  EXPECT_EQ(one.code, 4) << one.out;
  EXPECT_NE(one.err.find("1 distinct share(s) given, 2 needed"), std::string::npos) << one.err;
  // The same share twice (say in a flag and in the environment) counts once.
  ::setenv("CITYID_KEK_SHARES", Share(2).c_str(), 1);
  auto same = Enroll({"--kek-share", Share(2)});
  ::unsetenv("CITYID_KEK_SHARES");
  EXPECT_EQ(same.code, 4) << same.out;
  EXPECT_NE(same.err.find("1 distinct share(s) given, 2 needed"), std::string::npos) << same.err;

  // What never decrypts needs no share: publishing keys and status lists, state, the report.
  EXPECT_EQ(Cityid({"keys", "export", "--data", data_}, tmp_).code, 0);
  EXPECT_EQ(Cityid({"status-list", "export", "--data", data_}, tmp_).code, 0);
  EXPECT_EQ(Cityid({"report", "--data", data_, "--from", "2026-01", "--to", "2026-12"}, tmp_).code, 0);

  // With two shares (flags, or the environment for a service), everything works as before:
  // the earlier applicant is found again by the blind indexes (a possible duplicate).
  auto two = Enroll({"--kek-share", Share(3), "--kek-share", Share(1)});
  ASSERT_EQ(two.code, 0) << two.err;
  EXPECT_EQ(two.Json()["status"], "flagged") << two.out;
  ::setenv("CITYID_KEK_SHARES", (Share(1) + ":" + Share(2)).c_str(), 1);
  const std::string app = two.Json().value("application_id", "");
  auto approve = Cityid({"--actor", "sup", "approve", "--data", data_, "--application", app,
                         "--reason", "twin brother, checked"},
                        tmp_);
  ASSERT_EQ(approve.code, 0) << approve.err;
  auto issue = Cityid({"--json", "issue", "--data", data_, "--application", app}, tmp_);
  ASSERT_EQ(issue.code, 0) << issue.err;
  ::unsetenv("CITYID_KEK_SHARES");

  // A damaged share is named as such, not turned into a wrong key.
  std::string text = Slurp(Share(3));
  text[30] = text[30] == 'x' ? 'y' : 'x';
  { std::ofstream(tmp_ / "bad.txt") << text; }
  auto bad = Enroll({"--kek-share", Share(1), "--kek-share", (tmp_ / "bad.txt").string()});
  EXPECT_EQ(bad.code, 7) << bad.out;
  EXPECT_NE(bad.err.find("mistyped or damaged"), std::string::npos) << bad.err;

  // The split is in the audit log, and the log still verifies.
  auto v = Cityid({"--json", "audit", "verify", "--data", data_}, tmp_);
  EXPECT_EQ(v.code, 0) << v.out << v.err;
}

TEST_F(KeySplitE2eTest, ResplitRetiresOldSharesAndDestructionNeedsNone) {
  ASSERT_EQ(Split(2, 3, shares_).code, 0);
  // Splitting needs the data keys: the current shares.
  auto refused = Split(3, 4, (tmp_ / "new").string());
  EXPECT_EQ(refused.code, 4) << refused.out;
  EXPECT_FALSE(fs::exists(tmp_ / "new" / "share-1-of-4.txt"));
  // Not an admin (no staff account at all): refused, exit 5, before anything changes.
  auto clerk = Cityid({"--json", "keys", "split", "--data", data_, "--actor", "nobody",
                       "--threshold", "2", "--shares", "2", "--out", (tmp_ / "x").string(),
                       "--kek-share", Share(1), "--kek-share", Share(2)},
                      tmp_);
  EXPECT_EQ(clerk.code, 5) << clerk.out;
  EXPECT_NE(clerk.out.find("staff-not-found"), std::string::npos) << clerk.out;
  auto again = Split(3, 4, (tmp_ / "new").string(), {"--kek-share", Share(1), "--kek-share", Share(2)});
  ASSERT_EQ(again.code, 0) << again.out << again.err;
  auto old = Enroll({"--kek-share", Share(1), "--kek-share", Share(2), "--kek-share", Share(3)});
  EXPECT_EQ(old.code, 7) << old.out;
  EXPECT_NE(old.err.find("not to this data folder's split"), std::string::npos) << old.err;
  const std::string n = (tmp_ / "new").string();
  auto fresh = Enroll({"--kek-share", n + "/share-4-of-4.txt", "--kek-share",
                       n + "/share-2-of-4.txt", "--kek-share", n + "/share-1-of-4.txt"});
  EXPECT_EQ(fresh.code, 0) << fresh.err;

  // Emergency destruction under the two-person rule, with no share at all; a week on, since an
  // approver's account must be older than the cooling-off period (core::kApproverCoolingOffSeconds).
  const std::string later = std::to_string(std::stoll(kNow) + 8 * 86400);
  auto req = Cityid({"--json", "--now", later, "keys", "destroy", "request", "--data", data_,
                     "--actor", "ada", "--reason", "drill"},
                    tmp_);
  ASSERT_EQ(req.code, 0) << req.out << req.err;
  auto done = Cityid({"--json", "--now", later, "keys", "destroy", "approve", "--data", data_,
                      "--actor", "bea", "--request", req.Json().value("request_id", "")},
                     tmp_);
  ASSERT_EQ(done.code, 0) << done.out << done.err;
  EXPECT_EQ(done.Json()["destroyed_files"], json::array({"data-keys.sealed"})) << done.out;
  // Every share now opens nothing.
  auto after = Enroll({"--kek-share", n + "/share-1-of-4.txt", "--kek-share",
                       n + "/share-2-of-4.txt", "--kek-share", n + "/share-3-of-4.txt"});
  EXPECT_EQ(after.code, 4) << after.out;
  EXPECT_EQ(after.Json()["error"]["type"], "keys-missing");
}

TEST_F(KeySplitE2eTest, BadSplitRequestsChangeNothing) {
  for (const auto& [k, n] : std::vector<std::pair<int, int>>{{1, 3}, {4, 3}, {2, 256}}) {
    auto r = Split(k, n, shares_);
    EXPECT_EQ(r.code, 3) << k << " of " << n << ": " << r.out;
  }
  fs::create_directories(shares_);
  { std::ofstream(shares_ + "/other.txt") << "x"; }
  auto full = Split(2, 3, shares_);
  EXPECT_EQ(full.code, 9) << full.out;
  // Shares must leave the data folder, and a symlink is not followed.
  for (const std::string& inside : {data_ + "/keys/sh", data_ + "/./sh", data_ + "/"}) {
    auto r = Split(2, 3, inside);
    EXPECT_EQ(r.code, 3) << inside << ": " << r.out;
    EXPECT_NE(r.err.find("inside the data folder"), std::string::npos) << r.err;
  }
  fs::create_directories(tmp_ / "elsewhere");
  fs::create_directory_symlink(tmp_ / "elsewhere", tmp_ / "link");
  auto link = Split(2, 3, (tmp_ / "link").string());
  EXPECT_EQ(link.code, 3) << link.out;
  EXPECT_TRUE(fs::is_empty(tmp_ / "elsewhere"));
  // A stale CITYID_KEK_SHARES does not get in the way of a folder that was never split.
  ::setenv("CITYID_KEK_SHARES", "/nonexistent/share.txt", 1);
  EXPECT_EQ(Enroll().code, 0);
  ::unsetenv("CITYID_KEK_SHARES");
  auto no_actor = Cityid({"keys", "split", "--data", data_, "--threshold", "2", "--shares", "3",
                          "--out", (tmp_ / "y").string(), "--actor", ""},
                         tmp_);
  EXPECT_EQ(no_actor.code, 3) << no_actor.err;
  EXPECT_TRUE(fs::exists(fs::path(data_) / "keys" / "kek.key"));
  EXPECT_EQ(Enroll().code, 0);
}

}  // namespace
}  // namespace cityid::e2e
