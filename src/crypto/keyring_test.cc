#include "crypto/keyring.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

namespace cityid::crypto {
namespace {

class KeyringTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(InitCrypto().ok());
    dir_ = std::filesystem::temp_directory_path() /
           ("cityid-keyring-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
  SeededRng rng_{11};
};

TEST_F(KeyringTest, CreateWritesOwnerOnlyFilesAndLoadRestoresKeys) {
  auto created = Keyring::Create(dir_.string(), rng_);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  for (const char* f : {"kek.key", "blind-index.key"}) {
    struct stat st;
    ASSERT_EQ(::stat((dir_ / f).c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u) << f;
  }
  auto loaded = Keyring::Load(dir_.string());
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_TRUE(ConstantTimeEquals((*created)->kek().view(), (*loaded)->kek().view()));
  EXPECT_EQ((*created)->issuer_signer().public_key(), (*loaded)->issuer_signer().public_key());
  EXPECT_EQ((*created)->blind_indexer().Compute("d", "m"), (*loaded)->blind_indexer().Compute("d", "m"));
}

TEST_F(KeyringTest, CreateRefusesToOverwriteExistingKeys) {
  ASSERT_TRUE(Keyring::Create(dir_.string(), rng_).ok());
  EXPECT_EQ(Keyring::Create(dir_.string(), rng_).status().id(), ErrorId::kAlreadyExists);
}

TEST_F(KeyringTest, LoadFailsClearlyWhenMissingOrExposed) {
  EXPECT_EQ(Keyring::Load(dir_.string()).status().id(), ErrorId::kKeysMissing);
  ASSERT_TRUE(Keyring::Create(dir_.string(), rng_).ok());
  ::chmod((dir_ / "kek.key").c_str(), 0644);
  EXPECT_EQ(Keyring::Load(dir_.string()).status().id(), ErrorId::kKeysInvalid);
}

TEST_F(KeyringTest, RotationKeepsOldKeysForVerification) {
  auto k = *Keyring::Create(dir_.string(), rng_);
  const Bytes old_kid = k->issuer_signer().key_id();
  ASSERT_TRUE(k->RotateIssuerKey(rng_, 2000000000).ok());
  EXPECT_NE(k->issuer_signer().key_id(), old_kid);
  auto loaded = *Keyring::Load(dir_.string());
  auto set = loaded->PublicKeys("https://city.example");
  ASSERT_EQ(set.keys.size(), 2u);
  EXPECT_EQ(set.Find(old_kid)->status, "retired");
  EXPECT_EQ(set.Find(old_kid)->not_after, 2000000000);
  EXPECT_EQ(loaded->issuer_signer().key_id(), k->issuer_signer().key_id());
}

// A whole split as `cityid keys split` makes it: seal, then finish.
Status Seal(Keyring& k, int threshold, int count, Rng& rng, std::vector<Share>* out) {
  static SeededRng ids(99);
  Bytes id(kSplitIdBytes);
  ids.Fill(id);
  CITYID_RETURN_IF_ERROR(k.SealDataKeys(id, threshold, count, rng, [&](const auto& s) {
    *out = s;
    return Status::Ok();
  }));
  return k.FinishSeal(rng);
}

Bytes NewSplitId() {
  static SeededRng rng(99);
  Bytes id(kSplitIdBytes);
  rng.Fill(id);
  return id;
}

// Share lines as an officer's files would hold them.
std::vector<SecretBytes> Texts(const std::vector<Share>& shares, std::vector<int> which) {
  std::vector<SecretBytes> out;
  for (int i : which) out.push_back(EncodeShare(shares[static_cast<size_t>(i)]));
  return out;
}

TEST_F(KeyringTest, SealedDataKeysOpenOnlyWithThresholdShares) {
  auto k = *Keyring::Create(dir_.string(), rng_);
  const SecretBytes kek = k->kek();
  const Bytes index = k->blind_indexer().Compute("d", "m");
  std::vector<Share> shares;
  ASSERT_TRUE(Seal(*k, 3, 5, rng_, &shares).ok());
  ASSERT_EQ(shares.size(), 5u);
  ASSERT_TRUE(k->seal_info().has_value());
  EXPECT_EQ(k->seal_info()->threshold, 3);
  // Neither data key is on disk in the clear any more; the sealed file is owner-only.
  EXPECT_FALSE(std::filesystem::exists(dir_ / "kek.key"));
  EXPECT_FALSE(std::filesystem::exists(dir_ / "blind-index.key"));
  struct stat st;
  ASSERT_EQ(::stat((dir_ / "data-keys.sealed").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  auto none = Keyring::Load(dir_.string());
  EXPECT_EQ(none.status().id(), ErrorId::kKeysSealed);
  EXPECT_NE(none.status().message().find("3-of-5"), std::string::npos) << none.status().ToString();
  EXPECT_NE(none.status().message().find("--kek-share"), std::string::npos);
  EXPECT_EQ(Keyring::Load(dir_.string(), nullptr, Texts(shares, {0, 4})).status().id(),
            ErrorId::kKeysSealed);

  auto opened = Keyring::Load(dir_.string(), nullptr, Texts(shares, {4, 1, 2}));
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_TRUE(ConstantTimeEquals((*opened)->kek().view(), kek.view()));
  EXPECT_EQ((*opened)->blind_indexer().Compute("d", "m"), index);
  EXPECT_EQ((*opened)->issuer_signer().key_id(), k->issuer_signer().key_id());
  ASSERT_TRUE((*opened)->seal_info().has_value());
  EXPECT_EQ((*opened)->seal_info()->split_id, k->seal_info()->split_id);
}

TEST_F(KeyringTest, ResplittingRetiresTheOldShares) {
  auto k = *Keyring::Create(dir_.string(), rng_);
  const SecretBytes kek = k->kek();
  std::vector<Share> first, second;
  ASSERT_TRUE(Seal(*k, 2, 3, rng_, &first).ok());
  auto reopened = *Keyring::Load(dir_.string(), nullptr, Texts(first, {0, 2}));
  ASSERT_TRUE(Seal(*reopened, 2, 2, rng_, &second).ok());
  auto old = Keyring::Load(dir_.string(), nullptr, Texts(first, {0, 1}));
  EXPECT_EQ(old.status().id(), ErrorId::kKeysInvalid);
  EXPECT_NE(old.status().message().find("not to this data folder's split"), std::string::npos);
  auto now = Keyring::Load(dir_.string(), nullptr, Texts(second, {0, 1}));
  ASSERT_TRUE(now.ok()) << now.status().ToString();
  EXPECT_TRUE(ConstantTimeEquals((*now)->kek().view(), kek.view()));
}

TEST_F(KeyringTest, FailedDeliveryChangesNothing) {
  auto k = *Keyring::Create(dir_.string(), rng_);
  Status s = k->SealDataKeys(NewSplitId(), 2, 3, rng_, [](const auto&) {
    return Status(Error(ErrorId::kIo, "cannot write the shares"));
  });
  EXPECT_EQ(s.id(), ErrorId::kIo);
  EXPECT_TRUE(std::filesystem::exists(dir_ / "kek.key"));
  EXPECT_FALSE(std::filesystem::exists(dir_ / "data-keys.sealed"));
  EXPECT_TRUE(Keyring::Load(dir_.string()).ok());
}

TEST_F(KeyringTest, SharesOfAnotherFolderDoNotOpenIt) {
  auto k = *Keyring::Create(dir_.string(), rng_);
  std::vector<Share> mine;
  ASSERT_TRUE(Seal(*k, 2, 3, rng_, &mine).ok());
  // Shares of the right split id but another sealing key (forged header): the tag refuses.
  SecretBytes other(32);
  auto forged = *SplitSecret(other, 2, 3, mine[0].split_id, rng_);
  auto r = Keyring::Load(dir_.string(), nullptr, Texts(forged, {0, 1}));
  EXPECT_EQ(r.status().id(), ErrorId::kKeysInvalid);
  EXPECT_NE(r.status().message().find("do not open"), std::string::npos);
}

TEST_F(KeyringTest, DestructionShredsTheSealedKeysWithoutShares) {
  auto k = *Keyring::Create(dir_.string(), rng_);
  std::vector<Share> shares;
  ASSERT_TRUE(Seal(*k, 2, 3, rng_, &shares).ok());
  auto for_destruction = Keyring::LoadForDestruction(dir_.string());
  ASSERT_TRUE(for_destruction.ok()) << for_destruction.status().ToString();
  EXPECT_TRUE((*for_destruction)->kek().empty());
  auto destroyed = (*for_destruction)->DestroyDataKeys(rng_);
  ASSERT_TRUE(destroyed.ok()) << destroyed.status().ToString();
  ASSERT_EQ(destroyed->size(), 1u);
  EXPECT_NE((*destroyed)[0].find("data-keys.sealed"), std::string::npos);
  // Every share is now useless: nothing is left for them to open.
  EXPECT_EQ(Keyring::Load(dir_.string(), nullptr, Texts(shares, {0, 1, 2})).status().id(),
            ErrorId::kKeysMissing);
  EXPECT_EQ((*for_destruction)->DestroyDataKeys(rng_).status().id(), ErrorId::kKeysMissing);
}

TEST_F(KeyringTest, AnInterruptedSplitIsFinishedByTheNextLoadWithShares) {
  auto k = *Keyring::Create(dir_.string(), rng_);
  const SecretBytes kek = k->kek();
  std::vector<Share> shares;
  // Sealed, but the process died before finishing: kek.key is still there.
  ASSERT_TRUE(k->SealDataKeys(NewSplitId(), 2, 3, rng_, [&](const auto& s) {
                 shares = s;
                 return Status::Ok();
               }).ok());
  ASSERT_TRUE(std::filesystem::exists(dir_ / "kek.key"));
  ASSERT_TRUE(std::filesystem::exists(dir_ / "data-keys.sealed.new"));
  // The plain key is never used once a sealed file exists: no shares, no keys.
  EXPECT_EQ(Keyring::Load(dir_.string()).status().id(), ErrorId::kKeysSealed);
  auto opened = Keyring::Load(dir_.string(), nullptr, Texts(shares, {1, 2}));
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_TRUE(ConstantTimeEquals((*opened)->kek().view(), kek.view()));
  EXPECT_FALSE(std::filesystem::exists(dir_ / "kek.key"));
  EXPECT_FALSE(std::filesystem::exists(dir_ / "blind-index.key"));
  EXPECT_FALSE(std::filesystem::exists(dir_ / "data-keys.sealed.new"));
  EXPECT_TRUE(std::filesystem::exists(dir_ / "data-keys.sealed"));
}

TEST_F(KeyringTest, StrayKeyFilesBesideTheSealedOneAreShreddedOrReported) {
  auto k = *Keyring::Create(dir_.string(), rng_);
  std::vector<Share> shares;
  ASSERT_TRUE(Seal(*k, 2, 3, rng_, &shares).ok());
  // Half-overwritten by an interrupted shred: noise, shredded when the shares open the keys.
  {
    std::ofstream f(dir_ / "kek.key");
    f << "\x13\x97garbage-from-an-interrupted-overwrite";
  }
  std::filesystem::permissions(dir_ / "kek.key", std::filesystem::perms::owner_read |
                                                     std::filesystem::perms::owner_write);
  ASSERT_TRUE(Keyring::Load(dir_.string(), nullptr, Texts(shares, {0, 1})).ok());
  EXPECT_FALSE(std::filesystem::exists(dir_ / "kek.key"));
  // A different, valid key there is not ours to destroy: reported, left alone.
  auto other = std::filesystem::temp_directory_path() / ("cityid-other-" + std::to_string(::getpid()));
  std::filesystem::remove_all(other);
  ASSERT_TRUE(Keyring::Create(other.string(), rng_).ok());
  std::filesystem::copy_file(other / "kek.key", dir_ / "kek.key");
  auto r = Keyring::Load(dir_.string(), nullptr, Texts(shares, {0, 1}));
  EXPECT_EQ(r.status().id(), ErrorId::kKeysInvalid);
  EXPECT_TRUE(std::filesystem::exists(dir_ / "kek.key"));
  std::filesystem::remove_all(other);
}

TEST_F(KeyringTest, ASecondConcurrentSplitIsRefused) {
  auto k = *Keyring::Create(dir_.string(), rng_);
  std::vector<Share> shares, a, b;
  ASSERT_TRUE(Seal(*k, 2, 3, rng_, &shares).ok());
  auto first = *Keyring::Load(dir_.string(), nullptr, Texts(shares, {0, 1}));
  auto second = *Keyring::Load(dir_.string(), nullptr, Texts(shares, {1, 2}));
  ASSERT_TRUE(Seal(*first, 2, 3, rng_, &a).ok());
  Status s = Seal(*second, 2, 3, rng_, &b);
  EXPECT_EQ(s.id(), ErrorId::kFailedPrecondition) << s.ToString();
  EXPECT_TRUE(b.empty());  // no shares were handed out for a split that did not happen
  EXPECT_TRUE(Keyring::Load(dir_.string(), nullptr, Texts(a, {0, 2})).ok());
}

}  // namespace
}  // namespace cityid::crypto
