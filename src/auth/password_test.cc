#include "auth/password.h"

#include <gtest/gtest.h>

#include "crypto/keyring.h"

namespace cityid::auth {
namespace {

class PasswordTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(crypto::InitCrypto().ok()); }
};

TEST_F(PasswordTest, HashesWithArgon2idAndVerifies) {
  auto h = HashPassword("correct horse battery");
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_EQ(h->rfind("$argon2id$", 0), 0u) << *h;
  EXPECT_NE(h->find("m=65536,t=2"), std::string::npos) << *h;
  EXPECT_TRUE(VerifyPassword(*h, "correct horse battery"));
  EXPECT_FALSE(VerifyPassword(*h, "correct horse batterY"));
  EXPECT_FALSE(VerifyPassword(*h, ""));
  auto again = HashPassword("correct horse battery");
  EXPECT_NE(*h, *again);  // random salt
}

TEST_F(PasswordTest, RejectsShortPasswords) {
  EXPECT_EQ(HashPassword("short").status().id(), ErrorId::kWeakPassword);
  EXPECT_EQ(CheckPasswordPolicy("elevenchars").id(), ErrorId::kWeakPassword);
  EXPECT_TRUE(CheckPasswordPolicy("twelve chars").ok());
  // Counted in characters: 12 accented letters are 24 bytes and pass; 6 are too few.
  EXPECT_TRUE(CheckPasswordPolicy("éééééééééééé").ok());
  EXPECT_EQ(CheckPasswordPolicy("éééééé").id(), ErrorId::kWeakPassword);
}

TEST_F(PasswordTest, RejectsOverLongInvalidAndControlCharacters) {
  EXPECT_EQ(CheckPasswordPolicy(std::string(129, 'a')).id(), ErrorId::kFieldTooLong);
  EXPECT_TRUE(CheckPasswordPolicy(std::string(128, 'a')).ok());
  EXPECT_EQ(CheckPasswordPolicy("abcdefghijkl\xff").id(), ErrorId::kInvalidUtf8);
  EXPECT_EQ(CheckPasswordPolicy(std::string("abcdefghijkl\0m", 14)).id(), ErrorId::kInvalidArgument);
  EXPECT_EQ(CheckPasswordPolicy("abcdefghijkl\n").id(), ErrorId::kInvalidArgument);
}

TEST_F(PasswordTest, MessagesNeverContainThePassword) {
  const Status s = CheckPasswordPolicy("secretpw");
  EXPECT_EQ(s.message().find("secretpw"), std::string::npos);
}

TEST_F(PasswordTest, MalformedHashOrOverLongPasswordNeverVerifies) {
  EXPECT_FALSE(VerifyPassword("", "whatever password"));
  EXPECT_FALSE(VerifyPassword("$argon2id$garbage", "whatever password"));
  auto h = HashPassword(std::string(128, 'x'));
  ASSERT_TRUE(h.ok());
  EXPECT_TRUE(VerifyPassword(*h, std::string(128, 'x')));
  EXPECT_FALSE(VerifyPassword(*h, std::string(129, 'x')));
}

}  // namespace
}  // namespace cityid::auth
