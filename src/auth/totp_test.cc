#include "auth/totp.h"

#include <gtest/gtest.h>

#include "crypto/keyring.h"

namespace cityid::auth {
namespace {

Bytes Key(std::string_view s) { return ToBytes(s); }

// RFC 6238 Appendix B: 8-digit codes for the three HMAC variants.
struct Vector {
  UnixSeconds t;
  const char* sha1;
  const char* sha256;
  const char* sha512;
};
constexpr Vector kVectors[] = {
    {59, "94287082", "46119246", "90693936"},
    {1111111109, "07081804", "68084774", "25091201"},
    {1111111111, "14050471", "67062674", "99943326"},
    {1234567890, "89005924", "91819424", "93441116"},
    {2000000000, "69279037", "90698825", "38618901"},
    {20000000000, "65353130", "77737706", "47863826"},
};

TEST(TotpTest, MatchesRfc6238AppendixBVectors) {
  const Bytes k1 = Key("12345678901234567890");
  const Bytes k256 = Key("12345678901234567890123456789012");
  const Bytes k512 = Key("1234567890123456789012345678901234567890123456789012345678901234");
  for (const auto& v : kVectors) {
    EXPECT_EQ(TotpCode(k1, v.t, 8, TotpHash::kSha1), v.sha1) << v.t;
    EXPECT_EQ(TotpCode(k256, v.t, 8, TotpHash::kSha256), v.sha256) << v.t;
    EXPECT_EQ(TotpCode(k512, v.t, 8, TotpHash::kSha512), v.sha512) << v.t;
  }
}

TEST(TotpTest, MatchesRfc4226HotpVectors) {
  const Bytes k = Key("12345678901234567890");
  const char* expected[] = {"755224", "287082", "359152", "969429", "338314",
                            "254676", "287922", "162583", "399871", "520489"};
  for (uint64_t i = 0; i < 10; ++i) EXPECT_EQ(Hotp(k, i), expected[i]) << i;
}

TEST(TotpTest, AcceptsCurrentAndAdjacentStepsOnly) {
  const Bytes k = Key("12345678901234567890");
  const UnixSeconds now = 1795608000;
  const int64_t step = TotpStep(now);
  EXPECT_EQ(MatchTotp(k, TotpCode(k, now), now), step);
  EXPECT_EQ(MatchTotp(k, TotpCode(k, now - 30), now), step - 1);
  EXPECT_EQ(MatchTotp(k, TotpCode(k, now + 30), now), step + 1);
  EXPECT_FALSE(MatchTotp(k, TotpCode(k, now - 60), now).has_value());
  EXPECT_FALSE(MatchTotp(k, TotpCode(k, now + 60), now).has_value());
}

TEST(TotpTest, RejectsMalformedCodes) {
  const Bytes k = Key("12345678901234567890");
  const UnixSeconds now = 1795608000;
  const std::string good = TotpCode(k, now);
  EXPECT_FALSE(MatchTotp(k, "", now).has_value());
  EXPECT_FALSE(MatchTotp(k, good + "0", now).has_value());
  EXPECT_FALSE(MatchTotp(k, good.substr(0, 5), now).has_value());
  EXPECT_FALSE(MatchTotp(k, "12a456", now).has_value());
  EXPECT_FALSE(MatchTotp(k, " " + good.substr(1), now).has_value());
}

TEST(TotpTest, Base32FollowsRfc4648) {
  EXPECT_EQ(Base32Encode(ToBytes("")), "");
  EXPECT_EQ(Base32Encode(ToBytes("f")), "MY");
  EXPECT_EQ(Base32Encode(ToBytes("fo")), "MZXQ");
  EXPECT_EQ(Base32Encode(ToBytes("foo")), "MZXW6");
  EXPECT_EQ(Base32Encode(ToBytes("foob")), "MZXW6YQ");
  EXPECT_EQ(Base32Encode(ToBytes("fooba")), "MZXW6YTB");
  EXPECT_EQ(Base32Encode(ToBytes("foobar")), "MZXW6YTBOI");
  EXPECT_EQ(*Base32Decode("MZXW6YTBOI======"), ToBytes("foobar"));
  EXPECT_EQ(*Base32Decode("mzxw6ytboi"), ToBytes("foobar"));
  EXPECT_EQ(Base32Decode("MZ1W").status().id(), ErrorId::kInvalidArgument);
}

TEST(TotpTest, OtpauthUriCarriesSecretAndEncodedNames) {
  crypto::SecretBytes secret(reinterpret_cast<const uint8_t*>("12345678901234567890"), 20);
  const std::string uri = OtpauthUri("cityid New York", "ana.s", secret);
  EXPECT_EQ(uri,
            "otpauth://totp/cityid%20New%20York:ana.s?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
            "&issuer=cityid%20New%20York&algorithm=SHA1&digits=6&period=30");
}

TEST(TotpTest, SealedSecretOpensOnlyForSameKekAndStaff) {
  ASSERT_TRUE(crypto::InitCrypto().ok());
  SeededRng rng(3);
  crypto::SecretBytes kek(32), other(32);
  rng.Fill(kek.mutable_view());
  rng.Fill(other.mutable_view());
  const crypto::SecretBytes secret = NewTotpSecret(rng);
  ASSERT_EQ(secret.size(), kTotpSecretBytes);
  Bytes sealed = SealTotpSecret(kek, secret, "stf_a", rng);
  auto opened = OpenTotpSecret(kek, sealed, "stf_a");
  ASSERT_TRUE(opened.ok());
  EXPECT_TRUE(std::equal(opened->view().begin(), opened->view().end(), secret.view().begin()));
  EXPECT_EQ(OpenTotpSecret(kek, sealed, "stf_b").status().id(), ErrorId::kDecryptFailed);
  EXPECT_EQ(OpenTotpSecret(other, sealed, "stf_a").status().id(), ErrorId::kDecryptFailed);
  sealed[30] ^= 1;
  EXPECT_EQ(OpenTotpSecret(kek, sealed, "stf_a").status().id(), ErrorId::kDecryptFailed);
  EXPECT_EQ(OpenTotpSecret(kek, Bytes(10), "stf_a").status().id(), ErrorId::kDecryptFailed);
}

}  // namespace
}  // namespace cityid::auth
