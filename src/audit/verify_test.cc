#include "audit/verify.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "crypto/keyring.h"

namespace cityid::audit {
namespace {

class VerifyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(crypto::InitCrypto().ok());
    key_ = crypto::Ed25519Signer::Generate(rng_);
    for (int i = 0; i < 30; ++i) {
      LogEntry e;
      e.seq = i;
      e.entry = Entry{1795608000 + i,
                      "clerk" + std::to_string(i % 3),
                      "clerk",
                      "city-hall",
                      i % 2 ? "person.read" : "application.enroll",
                      "subject" + std::to_string(i),
                      i % 5 ? "" : "applicant request"};
      e.leaf_hash = LeafHash(e.entry);
      log_.push_back(e);
    }
    heads_ = {Head(5, 100), Head(17, 200), Head(30, 300)};
  }
  SignedTreeHead Head(uint64_t size, UnixSeconds t) {
    MerkleTree tree;
    for (uint64_t i = 0; i < size; ++i) tree.Append(*ToHash(log_[i].leaf_hash));
    return *SignTreeHead(*key_, size, t, tree.Root());
  }
  // Runs the verifier over `entries` and `heads`.
  Status Run(const std::vector<LogEntry>& entries, const std::vector<SignedTreeHead>& heads,
             LogVerifier* out = nullptr) {
    LogVerifier v(key_->public_key());
    LogVerifier& use = out ? *out : v;
    for (const auto& e : entries) {
      Status s = use.AddEntry(e);
      if (!s.ok()) return s;
    }
    return use.Finish(heads);
  }

  SeededRng rng_{7};
  std::unique_ptr<crypto::Ed25519Signer> key_;
  std::vector<LogEntry> log_;
  std::vector<SignedTreeHead> heads_;
};

TEST_F(VerifyTest, IntactLogVerifies) {
  LogVerifier v(key_->public_key());
  EXPECT_TRUE(Run(log_, heads_, &v).ok());
  EXPECT_EQ(v.entries(), 30u);
  EXPECT_FALSE(v.failed_seq().has_value());
  EXPECT_TRUE(Run({}, {}).ok());
}

TEST_F(VerifyTest, DetectsAChangedFieldInEveryEntry) {
  for (size_t i = 0; i < log_.size(); ++i) {
    for (int field = 0; field < 7; ++field) {
      auto bad = log_;
      Entry& e = bad[i].entry;
      std::string* fields[] = {&e.actor, &e.role, &e.site, &e.action, &e.subject, &e.reason};
      if (field == 6) {
        e.at += 1;
      } else {
        *fields[field] += "x";
      }
      LogVerifier v(key_->public_key());
      Status s = Run(bad, heads_, &v);
      ASSERT_EQ(s.id(), ErrorId::kStoreCorrupt) << i << "/" << field;
      EXPECT_EQ(v.failed_seq(), static_cast<int64_t>(i));
      EXPECT_NE(s.message().find("altered"), std::string::npos) << s.message();
    }
  }
}

TEST_F(VerifyTest, DetectsAChangedEntryWhoseLeafHashWasRecomputed) {
  for (size_t i = 0; i < log_.size(); ++i) {
    auto bad = log_;
    bad[i].entry.reason = "nothing to see";
    bad[i].leaf_hash = LeafHash(bad[i].entry);
    LogVerifier v(key_->public_key());
    Status s = Run(bad, heads_, &v);
    ASSERT_EQ(s.id(), ErrorId::kStoreCorrupt) << i;
    // The first head covering entry i fails.
    const size_t want = i < 5 ? 0 : i < 17 ? 1 : 2;
    EXPECT_EQ(v.failed_head(), want) << s.message();
  }
}

TEST_F(VerifyTest, DetectsDeletedEntries) {
  auto gap = log_;
  gap.erase(gap.begin() + 9);
  LogVerifier v(key_->public_key());
  Status s = Run(gap, heads_, &v);
  EXPECT_EQ(s.id(), ErrorId::kStoreCorrupt);
  EXPECT_EQ(v.failed_seq(), 9);
  EXPECT_NE(s.message().find("deleted"), std::string::npos) << s.message();
  // Deleting the tail is caught by the head that covered it.
  auto tail = log_;
  tail.pop_back();
  LogVerifier w(key_->public_key());
  EXPECT_EQ(Run(tail, heads_, &w).id(), ErrorId::kStoreCorrupt);
  EXPECT_EQ(w.failed_head(), 2u);
}

TEST_F(VerifyTest, DetectsSwappedAndInsertedEntries) {
  auto swapped = log_;
  std::swap(swapped[3].entry, swapped[4].entry);
  std::swap(swapped[3].leaf_hash, swapped[4].leaf_hash);
  LogVerifier v(key_->public_key());
  EXPECT_EQ(Run(swapped, heads_, &v).id(), ErrorId::kStoreCorrupt);
  EXPECT_EQ(v.failed_head(), 0u);

  auto inserted = log_;
  LogEntry extra = log_[10];
  extra.entry.subject = "planted";
  extra.leaf_hash = LeafHash(extra.entry);
  inserted.insert(inserted.begin() + 10, extra);
  for (size_t i = 10; i < inserted.size(); ++i) inserted[i].seq = static_cast<int64_t>(i);
  LogVerifier w(key_->public_key());
  EXPECT_EQ(Run(inserted, heads_, &w).id(), ErrorId::kStoreCorrupt);
  EXPECT_EQ(w.failed_head(), 1u);

  auto repeated = log_;
  repeated.insert(repeated.begin() + 6, log_[5]);
  LogVerifier x(key_->public_key());
  EXPECT_EQ(Run(repeated, heads_, &x).id(), ErrorId::kStoreCorrupt);
  EXPECT_EQ(x.failed_seq(), 5);
}

TEST_F(VerifyTest, DetectsForgedReorderedOrForeignHeads) {
  auto forged = heads_;
  forged[1].timestamp += 1;
  EXPECT_EQ(Run(log_, forged).id(), ErrorId::kStoreCorrupt);
  auto wrong_root = heads_;
  wrong_root[2].root_hash[0] ^= 1;
  EXPECT_EQ(Run(log_, wrong_root).id(), ErrorId::kStoreCorrupt);
  EXPECT_EQ(Run(log_, {heads_[2], heads_[0]}).id(), ErrorId::kStoreCorrupt);
  // A head for more entries than the log holds.
  log_.push_back(LogEntry{30, Entry{1, "a", "clerk", "", "x", "s", ""}, {}});
  log_.back().leaf_hash = LeafHash(log_.back().entry);
  const SignedTreeHead big = Head(31, 400);
  log_.pop_back();
  EXPECT_NE(Run(log_, {big}).message().find("deleted"), std::string::npos);
  // Signed by another key.
  auto other = crypto::Ed25519Signer::Generate(rng_);
  LogVerifier v(other->public_key());
  for (const auto& e : log_) ASSERT_TRUE(v.AddEntry(e).ok());
  EXPECT_EQ(v.Finish(heads_).id(), ErrorId::kStoreCorrupt);
  EXPECT_EQ(v.failed_head(), 0u);
}

TEST_F(VerifyTest, JsonFormsRoundTrip) {
  nlohmann::ordered_json j;
  j["format"] = "cityid-audit-entries-v1";
  j["entries"] = nlohmann::ordered_json::array();
  for (const auto& e : log_) j["entries"].push_back(EntryToJson(e));
  auto entries = ParseEntriesJson(j.dump());
  ASSERT_TRUE(entries.ok()) << entries.status().ToString();
  auto heads = ParseTreeHeadsJson(TreeHeadsToJson(heads_));
  ASSERT_TRUE(heads.ok()) << heads.status().ToString();
  const crypto::PublicKey pk{key_->key_id(), key_->public_key(), "active", std::nullopt};
  auto key = ParseLogKeyJson(LogKeyToJson(pk));
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  LogVerifier v(*key);
  for (const auto& e : *entries) ASSERT_TRUE(v.AddEntry(e).ok());
  EXPECT_TRUE(v.Finish(*heads).ok());

  const auto proof = InclusionProofToJson(3, *ToHash(log_[3].leaf_hash), heads_[2],
                                          *v.tree().InclusionProof(3, 30));
  EXPECT_EQ(proof["audit_path"].size(), 5u);
  EXPECT_EQ(proof["tree_head"]["tree_size"], 30);
}

TEST_F(VerifyTest, StrictParsingNamesTheProblem) {
  EXPECT_EQ(ParseEntriesJson("[]").status().id(), ErrorId::kMalformedJson);
  EXPECT_EQ(ParseEntriesJson(R"({"entries":[{"seq":0}]})").status().id(), ErrorId::kMissingField);
  EXPECT_EQ(ParseEntriesJson(R"({"format":"other","entries":[]})").status().id(),
            ErrorId::kMalformedJson);
  EXPECT_EQ(ParseTreeHeadsJson(R"({"tree_heads":[{"tree_size":-1}]})").status().id(),
            ErrorId::kMalformedJson);
  EXPECT_EQ(ParseLogKeyJson(R"({"kty":"OKP","crv":"Ed25519","x":"AA"})").status().id(),
            ErrorId::kKeysInvalid);
  // An issuer JWK is not a log key.
  crypto::PublicKeySet set;
  set.keys.push_back({key_->key_id(), key_->public_key(), "active", std::nullopt});
  EXPECT_EQ(ParseLogKeyJson(set.ToJson()).status().id(), ErrorId::kKeysInvalid);
}

// The keyring's log key (crypto/keyring.h): separate from issuer keys, created on first use.
class LogKeyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(crypto::InitCrypto().ok());
    dir_ = std::filesystem::temp_directory_path() /
           ("cityid-logkey-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::vector<std::filesystem::path> LogKeyFiles() {
    std::vector<std::filesystem::path> out;
    for (const auto& e : std::filesystem::directory_iterator(dir_)) {
      if (e.path().filename().string().rfind("log-", 0) == 0) out.push_back(e.path());
    }
    return out;
  }
  std::filesystem::path dir_;
  SeededRng rng_{3};
};

TEST_F(LogKeyTest, CreateWritesAnOwnerOnlyLogKeyThatLoadRestores) {
  auto created = crypto::Keyring::Create(dir_.string(), rng_);
  ASSERT_TRUE(created.ok());
  const auto files = LogKeyFiles();
  ASSERT_EQ(files.size(), 1u);
  struct stat st;
  ASSERT_EQ(::stat(files[0].c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto loaded = crypto::Keyring::Load(dir_.string());
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ((*loaded)->LogPublicKey().public_key, (*created)->LogPublicKey().public_key);
  EXPECT_EQ((*loaded)->log_signer().key_id(), (*created)->log_signer().key_id());
}

TEST_F(LogKeyTest, LogKeyIsNeverAnIssuerKey) {
  auto k = *crypto::Keyring::Create(dir_.string(), rng_);
  const auto set = k->PublicKeys("https://city.example");
  EXPECT_EQ(set.Find(k->LogPublicKey().key_id), nullptr);
  EXPECT_NE(k->LogPublicKey().public_key, k->issuer_signer().public_key());
}

TEST_F(LogKeyTest, OlderDataFoldersGetALogKeyOnFirstLoadAndKeepIt) {
  ASSERT_TRUE(crypto::Keyring::Create(dir_.string(), rng_).ok());
  for (const auto& f : LogKeyFiles()) std::filesystem::remove(f);
  auto first =
      crypto::Keyring::Load(dir_.string(), nullptr, {}, crypto::LogKeyMode::kCreateIfMissing);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_EQ(LogKeyFiles().size(), 1u);
  struct stat st;
  ASSERT_EQ(::stat(LogKeyFiles()[0].c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto second = crypto::Keyring::Load(dir_.string());
  ASSERT_TRUE(second.ok());
  EXPECT_EQ((*first)->LogPublicKey().public_key, (*second)->LogPublicKey().public_key);
}

// Issue 14 §5: `audit verify` made a new log key when it was missing, then reported tampering,
// and with the old key back every command failed on "more than one log key".
TEST_F(LogKeyTest, MissingLogKeyIsReportedMissingNotCreated) {
  ASSERT_TRUE(crypto::Keyring::Create(dir_.string(), rng_).ok());
  for (const auto& f : LogKeyFiles()) std::filesystem::remove(f);
  EXPECT_EQ(crypto::Keyring::LoadLogSigner(dir_.string()).status().id(), ErrorId::kKeysMissing);
  EXPECT_EQ(crypto::Keyring::LoadWithoutDataKeys(dir_.string()).status().id(),
            ErrorId::kKeysMissing);
  EXPECT_EQ(crypto::Keyring::Load(dir_.string()).status().id(), ErrorId::kKeysMissing);
  EXPECT_TRUE(LogKeyFiles().empty());
}

TEST_F(LogKeyTest, LoadRefusesTwoLogKeysOrAnExposedOne) {
  ASSERT_TRUE(crypto::Keyring::Create(dir_.string(), rng_).ok());
  const auto file = LogKeyFiles()[0];
  ::chmod(file.c_str(), 0644);
  EXPECT_EQ(crypto::Keyring::Load(dir_.string()).status().id(), ErrorId::kKeysInvalid);
  ::chmod(file.c_str(), 0600);
  std::filesystem::copy_file(file, dir_ / "log-AAAAAAAAAAA.key");
  EXPECT_EQ(crypto::Keyring::Load(dir_.string()).status().id(), ErrorId::kKeysInvalid);
}

}  // namespace
}  // namespace cityid::audit
