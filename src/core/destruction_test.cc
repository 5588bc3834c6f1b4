#include "core/destruction.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "audit/merkle.h"
#include "audit/verify.h"
#include "core/workflow.h"
#include "store/sqlite/sqlite_store.h"

namespace cityid::core {
namespace {

std::string SourceDir() {
  const char* s = std::getenv("CITYID_SOURCE_DIR");
  return s ? s : CITYID_TEST_SOURCE_DIR;
}

constexpr UnixSeconds kNow = 1795608000;  // 2026-11-25 12:00 UTC

class DestructionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(crypto::InitCrypto().ok());
    dir_ = std::filesystem::temp_directory_path() /
           ("cityid-destroy-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    auto keys = crypto::Keyring::Create(KeysDir(), rng_);
    ASSERT_TRUE(keys.ok()) << keys.status().ToString();
    keys_ = std::move(keys).value();
    auto store = store::OpenSqliteStore((dir_ / "cityid.db").string());
    ASSERT_TRUE(store.ok());
    store_ = std::move(store).value();
    auto policy = policy::Policy::Load(SourceDir() + "/policies/new-york-points.toml");
    ASSERT_TRUE(policy.ok()) << policy.status().ToString();
    policy_ = std::make_unique<policy::Policy>(std::move(policy).value());
    names_ = std::move(dedup::NameNormalizer::Create()).value();
    ctx_ = std::make_unique<Context>(Context{*store_, *keys_, *policy_, *names_, clock_, rng_});
    AddStaff("stf_admin1", "alice", "admin");
    AddStaff("stf_admin2", "bob", "admin");
    AddStaff("stf_clerk", "carol", "clerk");

    ApplicantInput in;
    in.legal_name = {"Ana", "Lopez"};
    in.date_of_birth = {1990, 4, 12};
    in.address = Address{"1 Main St", "", "New York", "NY", "10001"};
    in.gender = "X";
    in.language = "es";
    in.documents.push_back({"foreign_passport", "P1234567", std::nullopt, Date{2030, 1, 1}});
    in.documents.push_back({"utility_bill", "", Date{2026, 11, 1}, std::nullopt});
    auto e = Enroll(*ctx_, in, Actor{"clerk-1", Role::kClerk, "city-hall"});
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    person_ = e->person_id;
  }
  void TearDown() override {
    ctx_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::string KeysDir() const { return (dir_ / "keys").string(); }
  // Accounts are dated back past the approver's cooling-off period unless `created_at` is given.
  void AddStaff(const std::string& id, const std::string& user, const std::string& role,
                UnixSeconds created_at = kNow - kApproverCoolingOffSeconds - 3600) {
    store::StaffRow r;
    r.id = id;
    r.user_name = user;
    r.role = role;
    r.password_hash = "$argon2id$unused";
    r.created_at = r.updated_at = created_at;
    ASSERT_TRUE(store_->Write([&](store::Tx& tx) { return tx.InsertStaff(r); }).ok());
  }
  // An access-log entry about staff account `subject`, as auth/staff.cc and auth/sessions.cc
  // write them.
  void Log(UnixSeconds at, const std::string& actor, const std::string& action,
           const std::string& subject) {
    ASSERT_TRUE(store_
                    ->Write([&](store::Tx& tx) {
                      return tx.AppendAudit(audit::Entry{at, actor, "admin", "", action, subject,
                                                         "role admin"})
                          .status();
                    })
                    .ok());
  }
  // Approving `req` as `admin` fails with the two-person problem and destroys nothing.
  void ExpectRefused(const std::string& admin, const std::string& req, const std::string& why) {
    auto r = ApproveDestruction(*store_, *keys_, clock_, rng_, admin, req);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().id(), ErrorId::kTwoPersonRule) << r.status().ToString();
    EXPECT_NE(r.status().message().find(why), std::string::npos) << r.status().message();
    EXPECT_TRUE(KekOnDisk());
    EXPECT_TRUE(Read().ok());
  }
  Status Read() {
    return ReadPerson(*ctx_, person_, Actor{"admin-1", Role::kAdmin, ""}, "destruction test")
        .status();
  }
  bool KekOnDisk() const { return std::filesystem::exists(dir_ / "keys" / "kek.key"); }

  std::filesystem::path dir_;
  SeededRng rng_{7};
  FixedClock clock_{kNow};
  std::unique_ptr<crypto::Keyring> keys_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<policy::Policy> policy_;
  std::unique_ptr<dedup::NameNormalizer> names_;
  std::unique_ptr<Context> ctx_;
  std::string person_;
};

TEST_F(DestructionTest, TwoAdminsApprovalsLeaveNoRecordReadable) {
  ASSERT_TRUE(Read().ok());
  auto req = RequestDestruction(*store_, clock_, rng_, "alice", "site compromised");
  ASSERT_TRUE(req.ok()) << req.status().ToString();
  EXPECT_EQ(req->requested_by, "stf_admin1");
  clock_.Advance(5 * 60);
  auto done = ApproveDestruction(*store_, *keys_, clock_, rng_, "stf_admin2", req->id);
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(done->approved_by, "stf_admin2");
  EXPECT_GE(done->destroyed_files.size(), 2u);

  // No KEK or blind-index key on disk; the keyring can no longer be loaded.
  EXPECT_FALSE(KekOnDisk());
  EXPECT_FALSE(std::filesystem::exists(dir_ / "keys" / "blind-index.key"));
  EXPECT_EQ(crypto::Keyring::Load(KeysDir()).status().id(), ErrorId::kKeysMissing);
  // The ciphertext is still there, but this process's keyring is wiped...
  ASSERT_TRUE(store_->Read([&](store::Tx& tx) -> Status {
    CITYID_ASSIGN_OR_RETURN(auto row, tx.GetPerson(person_));
    EXPECT_TRUE(row.has_value());
    EXPECT_FALSE(row->sealed.empty());
    EXPECT_FALSE(row->wrapped_key.empty());
    return Status::Ok();
  }).ok());
  EXPECT_EQ(Read().id(), ErrorId::kDecryptFailed);
  // ...and a fresh KEK (all that can be made now) opens nothing either.
  auto fresh = crypto::Keyring::Create(KeysDir(), rng_);
  ASSERT_TRUE(fresh.ok()) << fresh.status().ToString();
  Context other{*store_, **fresh, *policy_, *names_, clock_, rng_};
  EXPECT_EQ(ReadPerson(other, person_, Actor{"admin-1", Role::kAdmin, ""}, "test").status().id(),
            ErrorId::kDecryptFailed);

  // The final entry is logged and covered by a signed head that checks against every leaf.
  ASSERT_TRUE(store_->Read([&](store::Tx& tx) -> Status {
    CITYID_ASSIGN_OR_RETURN(int64_t size, tx.AuditSize());
    CITYID_ASSIGN_OR_RETURN(auto rows, tx.ReadAudit(0, static_cast<size_t>(size)));
    audit::MerkleTree tree;
    for (const auto& r : rows) tree.Append(*audit::ToHash(r.leaf_hash));
    EXPECT_EQ(rows.back().entry.action, "keys.destroy");
    EXPECT_EQ(rows.back().entry.subject, req->id);
    EXPECT_EQ(rows[rows.size() - 2].entry.action, "keys.destroy.request");
    CITYID_ASSIGN_OR_RETURN(auto head, tx.LatestTreeHead());
    EXPECT_TRUE(head.has_value());
    EXPECT_EQ(head->tree_size, static_cast<uint64_t>(size));
    EXPECT_EQ(head->root_hash, tree.Root());
    EXPECT_TRUE(audit::VerifyTreeHeadSignature(*head, keys_->LogPublicKey().public_key));
    CITYID_ASSIGN_OR_RETURN(auto stored, tx.GetDestructionRequest(req->id));
    EXPECT_EQ(stored->state, "executed");
    return Status::Ok();
  }).ok());

  // The request cannot be replayed.
  EXPECT_EQ(ApproveDestruction(*store_, **fresh, clock_, rng_, "bob", req->id).status().id(),
            ErrorId::kFailedPrecondition);
  EXPECT_TRUE(KekOnDisk());  // the fresh one
}

// The console's list (GET /api/v1/destruction-requests): found through their log entries,
// newest first, only those made since the given time, each in its current state.
TEST_F(DestructionTest, RecentRequestsAreListedNewestFirstSinceAGivenTime) {
  auto old = RequestDestruction(*store_, clock_, rng_, "alice", "old drill");
  ASSERT_TRUE(old.ok());
  clock_.Advance(3600);
  auto fresh = RequestDestruction(*store_, clock_, rng_, "bob", "new drill");
  ASSERT_TRUE(fresh.ok());
  auto all = RecentDestructionRequests(*store_, kNow);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].id, fresh->id);
  EXPECT_EQ((*all)[0].state, "pending");
  EXPECT_EQ((*all)[0].reason, "new drill");
  EXPECT_EQ((*all)[1].id, old->id);
  auto recent = RecentDestructionRequests(*store_, kNow + 1);
  ASSERT_TRUE(recent.ok());
  ASSERT_EQ(recent->size(), 1u);
  EXPECT_EQ((*recent)[0].id, fresh->id);
  // Only as many entries as asked are read: the older request is out of reach.
  auto scanned = RecentDestructionRequests(*store_, 0, /*max_scanned=*/1);
  ASSERT_TRUE(scanned.ok());
  ASSERT_EQ(scanned->size(), 1u);
  EXPECT_EQ((*scanned)[0].id, fresh->id);
}

TEST_F(DestructionTest, OneApprovalChangesNothing) {
  auto req = RequestDestruction(*store_, clock_, rng_, "alice", "drill");
  ASSERT_TRUE(req.ok()) << req.status().ToString();
  EXPECT_TRUE(KekOnDisk());
  EXPECT_TRUE(Read().ok());
  EXPECT_TRUE(crypto::Keyring::Load(KeysDir()).ok());
}

TEST_F(DestructionTest, SameAdminTwiceIsRefused) {
  auto req = RequestDestruction(*store_, clock_, rng_, "alice", "drill");
  ASSERT_TRUE(req.ok());
  // By user name and by staff id: the same person either way.
  EXPECT_EQ(ApproveDestruction(*store_, *keys_, clock_, rng_, "alice", req->id).status().id(),
            ErrorId::kTwoPersonRule);
  EXPECT_EQ(ApproveDestruction(*store_, *keys_, clock_, rng_, "stf_admin1", req->id).status().id(),
            ErrorId::kTwoPersonRule);
  EXPECT_TRUE(KekOnDisk());
  EXPECT_TRUE(Read().ok());
}

TEST_F(DestructionTest, ApprovalAfterTheWindowIsRefusedAndExpiresTheRequest) {
  auto req = RequestDestruction(*store_, clock_, rng_, "alice", "drill");
  ASSERT_TRUE(req.ok());
  clock_.Advance(kDefaultDestructionWindowSeconds + 1);
  EXPECT_EQ(ApproveDestruction(*store_, *keys_, clock_, rng_, "bob", req->id).status().id(),
            ErrorId::kDestructionWindowExpired);
  EXPECT_TRUE(KekOnDisk());
  EXPECT_TRUE(Read().ok());
  // Expired for good, even if the clock were turned back.
  clock_.Set(kNow + 60);
  EXPECT_EQ(ApproveDestruction(*store_, *keys_, clock_, rng_, "bob", req->id).status().id(),
            ErrorId::kFailedPrecondition);
  EXPECT_TRUE(KekOnDisk());
}

TEST_F(DestructionTest, OnlyEnabledAdminsTakePart) {
  EXPECT_EQ(RequestDestruction(*store_, clock_, rng_, "carol", "x").status().id(),
            ErrorId::kRoleNotAllowed);
  EXPECT_EQ(RequestDestruction(*store_, clock_, rng_, "mallory", "x").status().id(),
            ErrorId::kStaffNotFound);
  auto req = RequestDestruction(*store_, clock_, rng_, "alice", "drill");
  ASSERT_TRUE(req.ok());
  EXPECT_EQ(ApproveDestruction(*store_, *keys_, clock_, rng_, "carol", req->id).status().id(),
            ErrorId::kRoleNotAllowed);
  EXPECT_EQ(ApproveDestruction(*store_, *keys_, clock_, rng_, "bob", "dst_nope").status().id(),
            ErrorId::kDestructionRequestNotFound);
  EXPECT_TRUE(KekOnDisk());
}

TEST_F(DestructionTest, RequestNeedsAReason) {
  EXPECT_EQ(RequestDestruction(*store_, clock_, rng_, "alice", "").status().id(),
            ErrorId::kMissingField);
  EXPECT_EQ(RequestDestruction(*store_, clock_, rng_, "alice", std::string(501, 'x')).status().id(),
            ErrorId::kFieldTooLong);
  EXPECT_EQ(RequestDestruction(*store_, clock_, rng_, "alice", "\xff").status().id(),
            ErrorId::kInvalidUtf8);
  // Shown to the second admin and in the log: an override could make it read otherwise.
  EXPECT_EQ(RequestDestruction(*store_, clock_, rng_, "alice", "drill \u202Etxt.exe").status().id(),
            ErrorId::kInvalidArgument);
  EXPECT_EQ(RequestDestruction(*store_, clock_, rng_, "alice", "drill\nline two").status().id(),
            ErrorId::kInvalidArgument);
}

TEST_F(DestructionTest, LeftOverKekCopiesAreDestroyedToo) {
  // A stray copy (e.g. an interrupted atomic write's temporary file) is a KEK copy too.
  std::filesystem::copy_file(dir_ / "keys" / "kek.key", dir_ / "keys" / "kek.key.tmp123");
  auto req = RequestDestruction(*store_, clock_, rng_, "alice", "drill");
  ASSERT_TRUE(req.ok());
  auto done = ApproveDestruction(*store_, *keys_, clock_, rng_, "bob", req->id);
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_FALSE(std::filesystem::exists(dir_ / "keys" / "kek.key.tmp123"));
  EXPECT_TRUE(std::filesystem::exists(dir_ / "keys" / "issuer.json"));
}

// Issue 17: one admin alone made a second admin account (or took one over by resetting its
// one-time code) and approved with it. Two accounts are not two people.
TEST_F(DestructionTest, ApproverCreatedByTheRequesterIsRefused) {
  Log(kNow - 30 * 86400, "stf_admin1", "staff.create", "stf_admin2");
  auto req = RequestDestruction(*store_, clock_, rng_, "alice", "drill");
  ASSERT_TRUE(req.ok());
  ExpectRefused("bob", req->id, "was created by the admin who requested");
  // Still pending: a proper second admin may approve it.
  AddStaff("stf_admin3", "dana", "admin");
  Log(kNow - 30 * 86400, "cli:root", "staff.create", "stf_admin3");
  auto done = ApproveDestruction(*store_, *keys_, clock_, rng_, "dana", req->id);
  ASSERT_TRUE(done.ok()) << done.status().ToString();
}

TEST_F(DestructionTest, ApproverWhoseCodeTheRequesterResetIsRefused) {
  // Long ago, so only "who" can refuse it, not "when".
  Log(kNow - 60 * 86400, "cli:root", "staff.create", "stf_admin2");
  Log(kNow - 30 * 86400, "stf_admin1", "staff.reset_totp", "stf_admin2");
  Log(kNow - 30 * 86400, "stf_admin2", "staff.totp_confirm", "stf_admin2");
  auto req = RequestDestruction(*store_, clock_, rng_, "alice", "drill");
  ASSERT_TRUE(req.ok());
  ExpectRefused("bob", req->id, "reset by the admin who requested");
}

TEST_F(DestructionTest, AccountYoungerThanTheCoolingOffIsRefused) {
  AddStaff("stf_admin3", "dana", "admin", kNow - kApproverCoolingOffSeconds + 60);
  auto req = RequestDestruction(*store_, clock_, rng_, "alice", "drill");
  ASSERT_TRUE(req.ok());
  ExpectRefused("dana", req->id, "created less than 7 days before the request");
  // Age counts at the time of the request: a request made once dana's account has settled may
  // be approved by it.
  clock_.Advance(120);
  auto later = RequestDestruction(*store_, clock_, rng_, "alice", "drill again");
  ASSERT_TRUE(later.ok());
  auto done = ApproveDestruction(*store_, *keys_, clock_, rng_, "dana", later->id);
  ASSERT_TRUE(done.ok()) << done.status().ToString();
}

TEST_F(DestructionTest, RecentlyEnrolledSecondFactorIsRefused) {
  // By anyone: a reset by a third admin, or the account's own confirmation of a new code.
  Log(kNow - 86400, "stf_admin3", "staff.reset_totp", "stf_admin2");
  auto req = RequestDestruction(*store_, clock_, rng_, "alice", "drill");
  ASSERT_TRUE(req.ok());
  ExpectRefused("bob", req->id, "one-time code reset or enrolled less than 7 days");
}

TEST_F(DestructionTest, SecondFactorEnrolledAfterTheRequestIsRefused) {
  // Enrolled in good time for the account, but only after the request was made.
  auto req = RequestDestruction(*store_, clock_, rng_, "alice", "drill");
  ASSERT_TRUE(req.ok());
  clock_.Advance(60);
  Log(clock_.Now(), "stf_admin2", "staff.totp_confirm", "stf_admin2");
  ExpectRefused("bob", req->id, "one-time code reset or enrolled");
}

TEST_F(DestructionTest, SettledHistoryByOthersMayApprove) {
  // Created by someone else, code reset by someone else and re-enrolled, all over 7 days ago.
  Log(kNow - 60 * 86400, "cli:root", "staff.create", "stf_admin2");
  Log(kNow - kApproverCoolingOffSeconds - 60, "stf_admin3", "staff.reset_totp", "stf_admin2");
  Log(kNow - kApproverCoolingOffSeconds - 30, "stf_admin2", "staff.totp_confirm", "stf_admin2");
  // What the requester did to OTHER accounts does not matter.
  Log(kNow - 86400, "stf_admin1", "staff.create", "stf_admin9");
  auto req = RequestDestruction(*store_, clock_, rng_, "alice", "drill");
  ASSERT_TRUE(req.ok());
  auto done = ApproveDestruction(*store_, *keys_, clock_, rng_, "bob", req->id);
  ASSERT_TRUE(done.ok()) << done.status().ToString();
}

TEST_F(DestructionTest, HistoryTooLongToCheckIsRefused) {
  // The check reads a bounded number of entries about the account; past the bound it cannot
  // know who made it, so it refuses rather than guess.
  ASSERT_TRUE(store_
                  ->Write([&](store::Tx& tx) -> Status {
                    for (size_t i = 0; i < kMaxApproverHistoryEntries; ++i) {
                      CITYID_RETURN_IF_ERROR(
                          tx.AppendAudit(audit::Entry{kNow - 30 * 86400, "cli:root", "admin", "",
                                                      "staff.disable", "stf_admin2", ""})
                              .status());
                    }
                    return Status::Ok();
                  })
                  .ok());
  auto req = RequestDestruction(*store_, clock_, rng_, "alice", "drill");
  ASSERT_TRUE(req.ok());
  ExpectRefused("bob", req->id, "too many access-log entries");
}

}  // namespace
}  // namespace cityid::core
