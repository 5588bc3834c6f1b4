// The audit log's stored Merkle nodes (store.h "audit tree nodes"): proofs computed from stored
// nodes (audit/node_proofs.h) equal proofs from all leaf hashes, however the nodes lag.
#include <gtest/gtest.h>
#include <sodium.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>

#include "audit/merkle.h"
#include "audit/node_proofs.h"
#include "store/sqlite/sqlite_store.h"

namespace cityid::store {
namespace {

class TxNodeSource final : public audit::NodeSource {
 public:
  TxNodeSource(Tx& tx, uint64_t size) : tx_(tx), size_(size) {}
  uint64_t Size() const override { return size_; }
  Result<std::optional<audit::Hash>> Stored(int level, uint64_t index) const override {
    return tx_.GetAuditNode(level, static_cast<int64_t>(index));
  }

 private:
  Tx& tx_;
  uint64_t size_;
};

class AuditNodesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_GE(sodium_init(), 0);
    dir_ = std::filesystem::temp_directory_path() /
           ("cityid-audit-nodes-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto s = OpenSqliteStore((dir_ / "cityid.db").string());
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  static audit::Entry EntryN(int i) {
    return audit::Entry{1795608000 + i, "stf_a", "clerk", "site1", "person.read",
                        "per_" + std::to_string(i), ""};
  }
  std::filesystem::path dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(AuditNodesTest, ProofsFromStoredNodesEqualProofsFromAllLeavesUpTo70Entries) {
  constexpr int kN = 70;
  audit::MerkleTree full;
  for (int i = 0; i < kN; ++i) {
    // One entry and its nodes per transaction, as a production append.
    ASSERT_TRUE(store_->Write([&](Tx& tx) -> Status {
      CITYID_RETURN_IF_ERROR(tx.AppendAudit(EntryN(i)).status());
      CITYID_ASSIGN_OR_RETURN(int64_t covered, tx.ExtendAuditNodes());
      EXPECT_EQ(covered, (i + 1) / 2 * 2);
      return Status::Ok();
    }).ok());
    full.Append(*audit::ToHash(audit::LeafHash(EntryN(i))));
  }
  ASSERT_TRUE(store_->Read([&](Tx& tx) -> Status {
    TxNodeSource src(tx, kN);
    audit::NodeTree tree(src);
    for (uint64_t n = 0; n <= kN; ++n) {
      EXPECT_EQ(*tree.RootAt(n), *full.RootAt(n));
      for (uint64_t m = 0; m < n; ++m) {
        auto p = tree.InclusionProof(m, n);
        EXPECT_TRUE(p.ok());
        EXPECT_EQ(*p, *full.InclusionProof(m, n)) << m << "/" << n;
      }
      for (uint64_t m = 0; m <= n; ++m) {
        auto p = tree.ConsistencyProof(m, n);
        EXPECT_TRUE(p.ok());
        EXPECT_EQ(*p, *full.ConsistencyProof(m, n)) << m << "/" << n;
      }
    }
    return Status::Ok();
  }).ok());
}

TEST_F(AuditNodesTest, LazyExtensionBackFillsALogWrittenWithoutNodes) {
  constexpr int kN = 45;
  audit::MerkleTree full;
  ASSERT_TRUE(store_->Write([&](Tx& tx) -> Status {
    for (int i = 0; i < kN; ++i) CITYID_RETURN_IF_ERROR(tx.AppendAudit(EntryN(i)).status());
    return Status::Ok();
  }).ok());
  for (int i = 0; i < kN; ++i) full.Append(*audit::ToHash(audit::LeafHash(EntryN(i))));
  // Before any extension, proofs are still right (folded from leaves).
  ASSERT_TRUE(store_->Read([&](Tx& tx) -> Status {
    EXPECT_EQ(*tx.AuditNodesCovered(), 0);
    TxNodeSource src(tx, kN);
    audit::NodeTree tree(src);
    EXPECT_EQ(*tree.InclusionProof(17, kN), *full.InclusionProof(17, kN));
    return Status::Ok();
  }).ok());
  int64_t covered = 0;
  ASSERT_TRUE(store_->Write([&](Tx& tx) -> Status {
    CITYID_ASSIGN_OR_RETURN(covered, tx.ExtendAuditNodes());
    return Status::Ok();
  }).ok());
  EXPECT_EQ(covered, 44);
  ASSERT_TRUE(store_->Read([&](Tx& tx) -> Status {
    EXPECT_EQ(*tx.GetAuditNode(5, 0), std::optional<audit::Hash>(*full.RootAt(32)));
    EXPECT_FALSE(tx.GetAuditNode(6, 0)->has_value());
    TxNodeSource src(tx, kN);
    audit::NodeTree tree(src);
    for (uint64_t m = 0; m < kN; ++m) {
      EXPECT_EQ(*tree.InclusionProof(m, kN), *full.InclusionProof(m, kN));
    }
    EXPECT_EQ(*tree.ConsistencyProof(13, kN), *full.ConsistencyProof(13, kN));
    return Status::Ok();
  }).ok());
}

TEST_F(AuditNodesTest, NodesAreAppendOnly) {
  ASSERT_TRUE(store_->Write([&](Tx& tx) -> Status {
    for (int i = 0; i < 4; ++i) CITYID_RETURN_IF_ERROR(tx.AppendAudit(EntryN(i)).status());
    return tx.ExtendAuditNodes().status();
  }).ok());
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir_ / "cityid.db").string().c_str(), &db), SQLITE_OK);
  EXPECT_NE(sqlite3_exec(db, "UPDATE audit_nodes SET hash = zeroblob(32)", nullptr, nullptr,
                         nullptr),
            SQLITE_OK);
  EXPECT_NE(sqlite3_exec(db, "DELETE FROM audit_nodes", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
}

TEST_F(AuditNodesTest, ExtendInsideReadIsRefused) {
  Status s = store_->Read([&](Tx& tx) { return tx.ExtendAuditNodes().status(); });
  EXPECT_EQ(s.id(), ErrorId::kPermissionDenied);
}

TEST_F(AuditNodesTest, DestructionRequestsRoundTrip) {
  DestructionRequestRow r{"dst_1", "stf_a", "office flooded", 100, "pending", "", 0};
  ASSERT_TRUE(store_->Write([&](Tx& tx) { return tx.InsertDestructionRequest(r); }).ok());
  EXPECT_EQ(store_->Write([&](Tx& tx) { return tx.InsertDestructionRequest(r); }).id(),
            ErrorId::kAlreadyExists);
  r.state = "executed";
  r.approved_by = "stf_b";
  r.decided_at = 200;
  ASSERT_TRUE(store_->Write([&](Tx& tx) { return tx.UpdateDestructionRequest(r); }).ok());
  ASSERT_TRUE(store_->Read([&](Tx& tx) -> Status {
    CITYID_ASSIGN_OR_RETURN(auto got, tx.GetDestructionRequest("dst_1"));
    EXPECT_TRUE(got.has_value());
    EXPECT_EQ(got->state, "executed");
    EXPECT_EQ(got->approved_by, "stf_b");
    EXPECT_EQ(got->decided_at, 200);
    CITYID_ASSIGN_OR_RETURN(auto none, tx.GetDestructionRequest("dst_2"));
    EXPECT_FALSE(none.has_value());
    return Status::Ok();
  }).ok());
  DestructionRequestRow missing{"dst_9", "", "", 0, "expired", "", 1};
  EXPECT_EQ(store_->Write([&](Tx& tx) { return tx.UpdateDestructionRequest(missing); }).id(),
            ErrorId::kNotFound);
}

}  // namespace
}  // namespace cityid::store
