#include "crypto/envelope.h"

#include <gtest/gtest.h>

#include "crypto/sign.h"

namespace cityid::crypto {
namespace {

class EnvelopeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(InitCrypto().ok());
    kek_ = SecretBytes(kKekBytes);
    rng_.Fill(kek_.mutable_view());
  }
  SeededRng rng_{7};
  SecretBytes kek_;
};

TEST_F(EnvelopeTest, RecordRoundTripsThroughWrappedDataKey) {
  DataKey dk = NewDataKey(rng_);
  Bytes wrapped = WrapDataKey(kek_, dk, "p-1", rng_);
  Bytes sealed = SealRecord(dk, "p-1", 1, AsBytes("{\"name\":\"Ana\"}"), rng_);
  auto dk2 = UnwrapDataKey(kek_, wrapped, "p-1");
  ASSERT_TRUE(dk2.ok());
  auto plain = OpenRecord(*dk2, "p-1", 1, sealed);
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(AsChars(plain->view()), "{\"name\":\"Ana\"}");
}

TEST_F(EnvelopeTest, CiphertextIsBoundToPersonAndSchema) {
  DataKey dk = NewDataKey(rng_);
  Bytes wrapped = WrapDataKey(kek_, dk, "p-1", rng_);
  Bytes sealed = SealRecord(dk, "p-1", 1, AsBytes("secret"), rng_);
  EXPECT_EQ(UnwrapDataKey(kek_, wrapped, "p-2").status().id(), ErrorId::kDecryptFailed);
  EXPECT_EQ(OpenRecord(dk, "p-2", 1, sealed).status().id(), ErrorId::kDecryptFailed);
  EXPECT_EQ(OpenRecord(dk, "p-1", 2, sealed).status().id(), ErrorId::kDecryptFailed);
}

TEST_F(EnvelopeTest, WrongKekOrTamperingFails) {
  DataKey dk = NewDataKey(rng_);
  Bytes wrapped = WrapDataKey(kek_, dk, "p-1", rng_);
  SecretBytes other(kKekBytes);
  rng_.Fill(other.mutable_view());
  EXPECT_FALSE(UnwrapDataKey(other, wrapped, "p-1").ok());
  for (size_t i = 0; i < wrapped.size(); ++i) {
    Bytes bad = wrapped;
    bad[i] ^= 0x01;
    EXPECT_FALSE(UnwrapDataKey(kek_, bad, "p-1").ok()) << i;
  }
  EXPECT_FALSE(UnwrapDataKey(kek_, Bytes(5), "p-1").ok());
}

TEST_F(EnvelopeTest, SealingTwiceGivesDifferentCiphertexts) {
  DataKey dk = NewDataKey(rng_);
  EXPECT_NE(SealRecord(dk, "p", 1, AsBytes("x"), rng_), SealRecord(dk, "p", 1, AsBytes("x"), rng_));
}

}  // namespace
}  // namespace cityid::crypto
