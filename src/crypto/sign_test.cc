#include "crypto/sign.h"

#include <gtest/gtest.h>

namespace cityid::crypto {
namespace {

class SignTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(InitCrypto().ok()); }
  SeededRng rng_{42};
};

TEST_F(SignTest, SignatureVerifiesAndTamperingIsDetected) {
  auto signer = Ed25519Signer::Generate(rng_);
  const Bytes msg = ToBytes("card payload");
  Bytes sig = *signer->Sign(msg);
  EXPECT_TRUE(VerifyEd25519(signer->public_key(), msg, sig));
  sig[5] ^= 1;
  EXPECT_FALSE(VerifyEd25519(signer->public_key(), msg, sig));
  EXPECT_FALSE(VerifyEd25519(signer->public_key(), msg, ByteView()));
}

TEST_F(SignTest, SameSeedGivesSameKeyAndKeyId) {
  auto a = Ed25519Signer::Generate(rng_);
  auto b = *Ed25519Signer::FromSeed(a->seed());
  EXPECT_EQ(a->public_key(), b->public_key());
  EXPECT_EQ(a->key_id().size(), kKeyIdBytes);
  EXPECT_EQ(a->key_id(), KeyIdFor(a->public_key()));
}

TEST_F(SignTest, PublicKeySetRoundTripsAsJwks) {
  auto signer = Ed25519Signer::Generate(rng_);
  PublicKeySet set;
  set.issuer = "https://id.example.city";
  set.keys.push_back({signer->key_id(), signer->public_key(), "active", std::nullopt});
  auto parsed = PublicKeySet::FromJson(set.ToJson());
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_EQ(parsed->keys.size(), 1u);
  EXPECT_EQ(parsed->issuer, set.issuer);
  EXPECT_NE(parsed->Find(signer->key_id()), nullptr);
}

TEST_F(SignTest, PublicKeySetRejectsMalformedJson) {
  for (const char* bad : {"", "[]", "{\"keys\": 3}", "{\"keys\":[{\"kty\":\"RSA\"}]}",
                          "{\"keys\":[{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":\"AA\",\"x\":\"AA\"}]}"}) {
    EXPECT_FALSE(PublicKeySet::FromJson(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace cityid::crypto
