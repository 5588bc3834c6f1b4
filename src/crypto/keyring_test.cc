#include "crypto/keyring.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

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

}  // namespace
}  // namespace cityid::crypto
