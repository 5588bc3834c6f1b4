#include "credential/card.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/rng.h"
#include "credential/base45.h"
#include "credential/cbor_util.h"
#include "credential/cose.h"
#include "credential/status_list.h"
#include "credential/zlib_codec.h"
#include "crypto/sign.h"

namespace cityid::credential {
namespace {

crypto::PublicKey MakeKey(const Bytes& key_id, const Bytes& public_key) {
  crypto::PublicKey key;
  key.key_id = key_id;
  key.public_key = public_key;
  return key;
}

constexpr UnixSeconds kIssuedAt = 1767225600;  // 2026-01-01T00:00:00Z
constexpr UnixSeconds kExpiresAt = kIssuedAt + 5 * 365 * 86400;
constexpr UnixSeconds kNow = kIssuedAt + 86400;
constexpr char kIssuer[] = "https://id.sfgov.example";

CardClaims TypicalClaims() {
  CardClaims c;
  c.card_number = "123456789012";
  c.full_name = "Jose Garcia";
  c.given_name = "Jose";
  c.family_name = "Garcia";
  c.date_of_birth = Date{1990, 4, 12};
  c.status_list_id = "1";
  c.status_index = 98765;
  return c;
}

CwtMeta TypicalMeta() { return CwtMeta{kIssuer, kIssuedAt, kExpiresAt}; }

Bytes Seed(uint8_t fill = 0x5A) { return Bytes(kDigestSeedBytes, fill); }

// Re-wraps COSE bytes as QR text.
std::string ToQr(ByteView cose) { return Base45Encode(ZlibCompress(cose)); }

class CardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(crypto::InitCrypto().ok());
    SeededRng rng(169);
    signer_ = crypto::Ed25519Signer::Generate(rng);
    other_signer_ = crypto::Ed25519Signer::Generate(rng);
    keys_.issuer = kIssuer;
    keys_.keys.push_back(MakeKey(signer_->key_id(), signer_->public_key()));
  }

  EncodedCard Encode(const CardClaims& c, const CwtMeta& m) {
    auto r = EncodeCard(c, m, *signer_, Seed());
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : EncodedCard{};
  }

  // Signs an arbitrary CWT payload with the trusted key and returns QR text.
  std::string SignedPayloadQr(const Bytes& payload) {
    auto cose = SignCoseSign1(payload, *signer_);
    EXPECT_TRUE(cose.ok());
    return ToQr(*cose);
  }

  // A COSE_Sign1 built by hand so headers can be wrong; signed correctly by `signer`.
  std::string HandBuiltCose(cbor::ItemPtr protected_map, cbor::ItemPtr unprotected,
                            const Bytes& payload, const crypto::Signer& signer,
                            bool tagged = true) {
    const Bytes prot = *cbor::Serialize(protected_map.get());
    const Bytes to_sign = *CoseSigStructure(prot, payload);
    const Bytes sig = *signer.Sign(to_sign);
    cbor::ItemPtr array = cbor::NewArray(4);
    cbor::ArrayPush(array.get(), cbor::Bstr(prot));
    cbor::ArrayPush(array.get(), std::move(unprotected));
    cbor::ArrayPush(array.get(), cbor::Bstr(payload));
    cbor::ArrayPush(array.get(), cbor::Bstr(sig));
    cbor::ItemPtr root = tagged ? cbor::Tag(kCoseSign1Tag, std::move(array)) : std::move(array);
    return ToQr(*cbor::Serialize(root.get()));
  }

  Bytes TypicalPayload() {
    EncodedCard card = Encode(TypicalClaims(), TypicalMeta());
    return ParseCoseSign1(card.cose)->payload;
  }

  std::unique_ptr<crypto::Ed25519Signer> signer_;
  std::unique_ptr<crypto::Ed25519Signer> other_signer_;
  crypto::PublicKeySet keys_;
};

// ---- Round trip and format ----------------------------------------------------------------------

TEST_F(CardTest, TypicalCardRoundTripsAsValid) {
  const EncodedCard card = Encode(TypicalClaims(), TypicalMeta());
  VerifyOutcome out = VerifyCard(card.qr_text, keys_, kNow, nullptr);
  ASSERT_EQ(out.verdict, Verdict::kValid) << out.failure.ToString();
  EXPECT_TRUE(out.failure.ok());
  ASSERT_TRUE(out.claims.has_value());
  EXPECT_EQ(*out.claims, TypicalClaims());
  ASSERT_TRUE(out.meta.has_value());
  EXPECT_EQ(*out.meta, TypicalMeta());
  EXPECT_EQ(out.key_id, signer_->key_id());
}

TEST_F(CardTest, TypicalCardFitsIn600Base45Characters) {
  const EncodedCard card = Encode(TypicalClaims(), TypicalMeta());
  std::printf("[ size     ] typical card: COSE %zu bytes, zlib %zu bytes, QR text %zu chars\n",
              card.cose.size(), ZlibCompress(card.cose).size(), card.qr_text.size());
  EXPECT_LE(card.qr_text.size(), 600u);

  CardClaims fuller = TypicalClaims();
  fuller.gender = kGenderMale;
  fuller.full_name_native =
      "\xD8\xAE\xD9\x88\xD8\xB3\xD9\x8A\xD9\x87 \xD8\xBA\xD8\xA7\xD8\xB1\xD8\xB3\xD9\x8A\xD8\xA7";
  fuller.native_language = "ara";
  const EncodedCard with_native = Encode(fuller, TypicalMeta());
  std::printf("[ size     ] with gender and native-script name: QR text %zu chars\n",
              with_native.qr_text.size());
  EXPECT_LE(with_native.qr_text.size(), 700u);
}

TEST_F(CardTest, QrTextUsesOnlyTheBase45Alphabet) {
  const EncodedCard card = Encode(TypicalClaims(), TypicalMeta());
  for (char ch : card.qr_text) {
    EXPECT_NE(std::string_view("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:").find(ch),
              std::string_view::npos);
  }
}

TEST_F(CardTest, EncodingIsDeterministic) {
  EXPECT_EQ(Encode(TypicalClaims(), TypicalMeta()).qr_text,
            Encode(TypicalClaims(), TypicalMeta()).qr_text);
}

TEST_F(CardTest, CoseHasProtectedEdDsaAndKidAndEmptyUnprotected) {
  const EncodedCard card = Encode(TypicalClaims(), TypicalMeta());
  ASSERT_GE(card.cose.size(), 20u);
  EXPECT_EQ(card.cose[0], 0xD2);  // tag 18
  EXPECT_EQ(card.cose[1], 0x84);  // array of 4
  // Protected bucket: bstr(13) { 1: -8, 4: h'<8 bytes>' }
  const Bytes expected_prefix = {0x4D, 0xA2, 0x01, 0x27, 0x04, 0x48};
  EXPECT_TRUE(std::equal(expected_prefix.begin(), expected_prefix.end(), card.cose.begin() + 2));
  EXPECT_TRUE(
      std::equal(signer_->key_id().begin(), signer_->key_id().end(), card.cose.begin() + 8));
  EXPECT_EQ(card.cose[16], 0xA0);  // unprotected: {}
}

TEST_F(CardTest, PayloadUsesClaim169Keys) {
  CardClaims c = TypicalClaims();
  c.gender = kGenderFemale;
  c.photo = Bytes{0xFF, 0xD8, 0xFF, 0xE0};
  c.photo_format = kPhotoJpeg;
  c.full_name_native = "\xE5\xBC\xA0\xE4\xBC\x9F";
  c.native_language = "zho";
  const EncodedCard card = Encode(c, TypicalMeta());
  auto cose = ParseCoseSign1(card.cose);
  ASSERT_TRUE(cose.ok());
  auto root = cbor::DecodeStrict(cose->payload, {}, ErrorId::kBadCbor);
  ASSERT_TRUE(root.ok());
  ASSERT_TRUE(cbor_isa_map(root->get()));
  std::vector<int64_t> cwt_keys;
  const cbor_item_t* c169 = nullptr;
  for (size_t i = 0; i < cbor_map_size(root->get()); ++i) {
    cbor_pair p = cbor_map_handle(root->get())[i];
    cwt_keys.push_back(*cbor::GetInt(p.key));
    if (*cbor::GetInt(p.key) == 169) c169 = p.value;
  }
  EXPECT_EQ(cwt_keys, (std::vector<int64_t>{1, 4, 6, 169}));
  ASSERT_NE(c169, nullptr);
  std::map<int64_t, const cbor_item_t*> attrs;
  for (size_t i = 0; i < cbor_map_size(c169); ++i) {
    cbor_pair p = cbor_map_handle(c169)[i];
    attrs[*cbor::GetInt(p.key)] = p.value;
  }
  EXPECT_EQ(*cbor::GetText(attrs.at(1)), "123456789012");
  EXPECT_EQ(*cbor::GetText(attrs.at(4)), "Jose Garcia");
  EXPECT_EQ(*cbor::GetText(attrs.at(5)), "Jose");
  EXPECT_EQ(*cbor::GetText(attrs.at(7)), "Garcia");
  EXPECT_EQ(*cbor::GetText(attrs.at(8)), "19900412");
  EXPECT_EQ(*cbor::GetInt(attrs.at(9)), 2);
  EXPECT_EQ(cbor::GetBytes(attrs.at(16))->size(), 4u);
  EXPECT_EQ(*cbor::GetInt(attrs.at(17)), 1);
  EXPECT_EQ(*cbor::GetText(attrs.at(19)), "\xE5\xBC\xA0\xE4\xBC\x9F");
  EXPECT_EQ(*cbor::GetText(attrs.at(20)), "zho");
  EXPECT_TRUE(cbor_isa_array(attrs.at(98)));
  EXPECT_TRUE(cbor_isa_map(attrs.at(99)));
  EXPECT_EQ(cbor_map_size(attrs.at(99)), 10u);  // 1 4 5 7 8 9 16 17 19 20
  EXPECT_EQ(attrs.size(), 12u);

  VerifyOutcome out = VerifyCard(card.qr_text, keys_, kNow, nullptr);
  ASSERT_EQ(out.verdict, Verdict::kValid) << out.failure.ToString();
  EXPECT_EQ(*out.claims, c);
}

TEST_F(CardTest, TagSixtyOneWrapperIsTolerated) {
  const EncodedCard card = Encode(TypicalClaims(), TypicalMeta());
  Bytes wrapped = {0xD8, 0x3D};  // tag 61
  wrapped.insert(wrapped.end(), card.cose.begin(), card.cose.end());
  EXPECT_EQ(VerifyCard(ToQr(wrapped), keys_, kNow, nullptr).verdict, Verdict::kValid);
}

// ---- Digests ------------------------------------------------------------------------------------

TEST_F(CardTest, DigestsMatchSaltedAttributeEncodings) {
  CardClaims c = TypicalClaims();
  c.gender = kGenderOthers;
  const EncodedCard card = Encode(c, TypicalMeta());
  VerifyOutcome out = VerifyCard(card.qr_text, keys_, kNow, nullptr);
  ASSERT_EQ(out.verdict, Verdict::kValid);
  auto attrs = EncodeAttributes(c);
  ASSERT_TRUE(attrs.ok());
  ASSERT_EQ(out.attribute_digests.size(), attrs->size());
  for (const auto& [key, encoded] : *attrs) {
    EXPECT_EQ(out.attribute_digests.at(key), AttributeDigest(key, encoded, DeriveSalt(Seed(), key)))
        << "key " << key;
  }
  // The date of birth is digested as its CBOR text "19900412".
  const Bytes dob = {0x68, '1', '9', '9', '0', '0', '4', '1', '2'};
  EXPECT_EQ(attrs->at(kC169DateOfBirth), dob);
}

TEST_F(CardTest, SaltsDependOnSeedAndKey) {
  EXPECT_EQ(DeriveSalt(Seed(1), 4).size(), kSaltBytes);
  EXPECT_EQ(DeriveSalt(Seed(1), 4), DeriveSalt(Seed(1), 4));
  EXPECT_NE(DeriveSalt(Seed(1), 4), DeriveSalt(Seed(2), 4));
  EXPECT_NE(DeriveSalt(Seed(1), 4), DeriveSalt(Seed(1), 5));
  const Bytes salt = DeriveSalt(Seed(1), 8);
  const Bytes v1 = {0x61, 'a'};
  const Bytes v2 = {0x61, 'b'};
  EXPECT_EQ(AttributeDigest(8, v1, salt).size(), kDigestBytes);
  EXPECT_NE(AttributeDigest(8, v1, salt), AttributeDigest(8, v2, salt));
  EXPECT_NE(AttributeDigest(8, v1, salt), AttributeDigest(9, v1, salt));
}

TEST_F(CardTest, SaltAndDigestKnownAnswers) {
  // Pins the documented construction (docs/card-format.md) so it cannot drift silently. The
  // expected values were computed independently with Python hmac/hashlib.
  Bytes seed(32);
  for (size_t i = 0; i < seed.size(); ++i) seed[i] = static_cast<uint8_t>(i);
  const Bytes salt = DeriveSalt(seed, 4);
  const Bytes name = {0x6B, 'J', 'o', 's', 'e', ' ', 'G', 'a', 'r', 'c', 'i', 'a'};
  EXPECT_EQ(HexEncode(salt), "b579c07442be83410c0196b96b27add8");
  EXPECT_EQ(HexEncode(AttributeDigest(4, name, salt)), "301d792585aed465ec63a4b512c63af0");
}

// ---- Tampering ----------------------------------------------------------------------------------

TEST_F(CardTest, EveryBitFlipOfTheCoseIsRejected) {
  const EncodedCard card = Encode(TypicalClaims(), TypicalMeta());
  size_t checked = 0;
  for (size_t i = 0; i < card.cose.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      Bytes tampered = card.cose;
      tampered[i] ^= static_cast<uint8_t>(1u << bit);
      VerifyOutcome out = VerifyCard(ToQr(tampered), keys_, kNow, nullptr);
      ASSERT_EQ(out.verdict, Verdict::kInvalid) << "byte " << i << " bit " << bit;
      ASSERT_FALSE(out.failure.ok());
      ASSERT_FALSE(out.claims.has_value());
      ++checked;
    }
  }
  EXPECT_EQ(checked, card.cose.size() * 8);
}

TEST_F(CardTest, EveryCharacterSubstitutionOfTheQrTextIsRejected) {
  const EncodedCard card = Encode(TypicalClaims(), TypicalMeta());
  for (size_t i = 0; i < card.qr_text.size(); ++i) {
    std::string tampered = card.qr_text;
    tampered[i] = tampered[i] == 'A' ? 'B' : 'A';
    EXPECT_NE(VerifyCard(tampered, keys_, kNow, nullptr).verdict, Verdict::kValid) << i;
  }
}

TEST_F(CardTest, EveryTruncationIsRejected) {
  const EncodedCard card = Encode(TypicalClaims(), TypicalMeta());
  for (size_t n = 0; n < card.cose.size(); ++n) {
    VerifyOutcome out = VerifyCard(ToQr(ByteView(card.cose).first(n)), keys_, kNow, nullptr);
    ASSERT_EQ(out.verdict, Verdict::kInvalid) << n;
    const ErrorId id = out.failure.id();
    EXPECT_TRUE(id == ErrorId::kBadCbor || id == ErrorId::kBadCose)
        << n << " " << out.failure.ToString();
  }
  for (size_t n = 0; n < card.qr_text.size(); ++n) {
    EXPECT_EQ(VerifyCard(card.qr_text.substr(0, n), keys_, kNow, nullptr).verdict,
              Verdict::kInvalid)
        << n;
  }
}

TEST_F(CardTest, TrailingBytesAfterCoseAreRejected) {
  Bytes cose = Encode(TypicalClaims(), TypicalMeta()).cose;
  cose.push_back(0x00);
  VerifyOutcome out = VerifyCard(ToQr(cose), keys_, kNow, nullptr);
  EXPECT_EQ(out.verdict, Verdict::kInvalid);
  EXPECT_EQ(out.failure.id(), ErrorId::kBadCbor);
}

// ---- Keys and headers ---------------------------------------------------------------------------

TEST_F(CardTest, CardSignedByAnotherKeyIsUnknownKey) {
  auto card = EncodeCard(TypicalClaims(), TypicalMeta(), *other_signer_, Seed());
  ASSERT_TRUE(card.ok());
  VerifyOutcome out = VerifyCard(card->qr_text, keys_, kNow, nullptr);
  EXPECT_EQ(out.verdict, Verdict::kInvalid);
  EXPECT_EQ(out.failure.id(), ErrorId::kUnknownKey);
  EXPECT_EQ(out.key_id, other_signer_->key_id());
  EXPECT_FALSE(out.claims.has_value());
}

TEST_F(CardTest, SameKidWithWrongPublicKeyIsBadSignature) {
  crypto::PublicKeySet forged;
  forged.keys.push_back(MakeKey(signer_->key_id(), other_signer_->public_key()));
  VerifyOutcome out =
      VerifyCard(Encode(TypicalClaims(), TypicalMeta()).qr_text, forged, kNow, nullptr);
  EXPECT_EQ(out.verdict, Verdict::kInvalid);
  EXPECT_EQ(out.failure.id(), ErrorId::kBadSignature);
  EXPECT_FALSE(out.claims.has_value());
}

TEST_F(CardTest, EmptyKeySetTrustsNothing) {
  VerifyOutcome out = VerifyCard(Encode(TypicalClaims(), TypicalMeta()).qr_text,
                                 crypto::PublicKeySet{}, kNow, nullptr);
  EXPECT_EQ(out.failure.id(), ErrorId::kUnknownKey);
}

TEST_F(CardTest, HandBuiltCoseWithCorrectHeadersIsValid) {
  // Control for the header tests below: the hand builder itself produces valid cards.
  cbor::ItemPtr prot = cbor::NewMap(2);
  cbor::MapAdd(prot.get(), cbor::Int(1), cbor::Int(-8));
  cbor::MapAdd(prot.get(), cbor::Int(4), cbor::Bstr(signer_->key_id()));
  EXPECT_EQ(VerifyCard(HandBuiltCose(std::move(prot), cbor::NewMap(0), TypicalPayload(), *signer_),
                       keys_, kNow, nullptr)
                .verdict,
            Verdict::kValid);
}

TEST_F(CardTest, WrongAlgorithmIsRejected) {
  for (int64_t alg : {-7, -35, -257, 0, 8}) {  // ES256, ES384, RS256, reserved, not EdDSA
    cbor::ItemPtr prot = cbor::NewMap(2);
    cbor::MapAdd(prot.get(), cbor::Int(1), cbor::Int(alg));
    cbor::MapAdd(prot.get(), cbor::Int(4), cbor::Bstr(signer_->key_id()));
    VerifyOutcome out =
        VerifyCard(HandBuiltCose(std::move(prot), cbor::NewMap(0), TypicalPayload(), *signer_),
                   keys_, kNow, nullptr);
    EXPECT_EQ(out.verdict, Verdict::kInvalid) << alg;
    EXPECT_EQ(out.failure.id(), ErrorId::kBadCose) << alg;
  }
}

TEST_F(CardTest, AlgorithmOnlyInUnprotectedHeaderIsRejected) {
  cbor::ItemPtr prot = cbor::NewMap(1);
  cbor::MapAdd(prot.get(), cbor::Int(4), cbor::Bstr(signer_->key_id()));
  cbor::ItemPtr unprot = cbor::NewMap(1);
  cbor::MapAdd(unprot.get(), cbor::Int(1), cbor::Int(-8));
  VerifyOutcome out =
      VerifyCard(HandBuiltCose(std::move(prot), std::move(unprot), TypicalPayload(), *signer_),
                 keys_, kNow, nullptr);
  EXPECT_EQ(out.failure.id(), ErrorId::kBadCose);
}

TEST_F(CardTest, KidOnlyInUnprotectedHeaderIsRejected) {
  cbor::ItemPtr prot = cbor::NewMap(1);
  cbor::MapAdd(prot.get(), cbor::Int(1), cbor::Int(-8));
  cbor::ItemPtr unprot = cbor::NewMap(1);
  cbor::MapAdd(unprot.get(), cbor::Int(4), cbor::Bstr(signer_->key_id()));
  VerifyOutcome out =
      VerifyCard(HandBuiltCose(std::move(prot), std::move(unprot), TypicalPayload(), *signer_),
                 keys_, kNow, nullptr);
  EXPECT_EQ(out.verdict, Verdict::kInvalid);
  EXPECT_EQ(out.failure.id(), ErrorId::kBadCose);
}

TEST_F(CardTest, KidInBothHeadersIsRejected) {
  cbor::ItemPtr prot = cbor::NewMap(2);
  cbor::MapAdd(prot.get(), cbor::Int(1), cbor::Int(-8));
  cbor::MapAdd(prot.get(), cbor::Int(4), cbor::Bstr(signer_->key_id()));
  cbor::ItemPtr unprot = cbor::NewMap(1);
  cbor::MapAdd(unprot.get(), cbor::Int(4), cbor::Bstr(signer_->key_id()));
  EXPECT_EQ(
      VerifyCard(HandBuiltCose(std::move(prot), std::move(unprot), TypicalPayload(), *signer_),
                 keys_, kNow, nullptr)
          .failure.id(),
      ErrorId::kBadCose);
}

TEST_F(CardTest, CritOrUnknownProtectedLabelIsRejected) {
  for (int64_t label : {2, 3, 33}) {
    cbor::ItemPtr prot = cbor::NewMap(3);
    cbor::MapAdd(prot.get(), cbor::Int(1), cbor::Int(-8));
    cbor::MapAdd(prot.get(), cbor::Int(4), cbor::Bstr(signer_->key_id()));
    cbor::MapAdd(prot.get(), cbor::Int(label), cbor::Int(0));
    EXPECT_EQ(
        VerifyCard(HandBuiltCose(std::move(prot), cbor::NewMap(0), TypicalPayload(), *signer_),
                   keys_, kNow, nullptr)
            .failure.id(),
        ErrorId::kBadCose)
        << label;
  }
}

TEST_F(CardTest, UntaggedCoseIsRejected) {
  cbor::ItemPtr prot = cbor::NewMap(2);
  cbor::MapAdd(prot.get(), cbor::Int(1), cbor::Int(-8));
  cbor::MapAdd(prot.get(), cbor::Int(4), cbor::Bstr(signer_->key_id()));
  EXPECT_EQ(VerifyCard(HandBuiltCose(std::move(prot), cbor::NewMap(0), TypicalPayload(), *signer_,
                                     /*tagged=*/false),
                       keys_, kNow, nullptr)
                .failure.id(),
            ErrorId::kBadCose);
}

TEST_F(CardTest, RetiredKeyCannotVouchForLaterExpiry) {
  keys_.keys[0].status = "retired";
  keys_.keys[0].not_after = kExpiresAt - 1;
  VerifyOutcome out =
      VerifyCard(Encode(TypicalClaims(), TypicalMeta()).qr_text, keys_, kNow, nullptr);
  EXPECT_EQ(out.verdict, Verdict::kInvalid);
  EXPECT_EQ(out.failure.id(), ErrorId::kUnknownKey);
  keys_.keys[0].not_after = kExpiresAt;
  EXPECT_EQ(
      VerifyCard(Encode(TypicalClaims(), TypicalMeta()).qr_text, keys_, kNow, nullptr).verdict,
      Verdict::kValid);
}

TEST_F(CardTest, IssuerMustMatchTheKeySet) {
  CwtMeta m = TypicalMeta();
  m.issuer = "https://elsewhere.example";
  VerifyOutcome out = VerifyCard(Encode(TypicalClaims(), m).qr_text, keys_, kNow, nullptr);
  EXPECT_EQ(out.verdict, Verdict::kInvalid);
  EXPECT_EQ(out.failure.id(), ErrorId::kBadClaims);
}

// ---- Time and status ----------------------------------------------------------------------------

TEST_F(CardTest, ExpiredCardIsExpiredWithClaims) {
  const EncodedCard card = Encode(TypicalClaims(), TypicalMeta());
  EXPECT_EQ(VerifyCard(card.qr_text, keys_, kExpiresAt - 1, nullptr).verdict, Verdict::kValid);
  VerifyOutcome out = VerifyCard(card.qr_text, keys_, kExpiresAt, nullptr);
  EXPECT_EQ(out.verdict, Verdict::kExpired);
  EXPECT_FALSE(out.failure.ok());
  EXPECT_TRUE(out.claims.has_value());  // signed data is still shown to the verifier
}

TEST_F(CardTest, CardIssuedInTheFutureIsInvalid) {
  const EncodedCard card = Encode(TypicalClaims(), TypicalMeta());
  EXPECT_EQ(VerifyCard(card.qr_text, keys_, kIssuedAt - kClockSkewSeconds, nullptr).verdict,
            Verdict::kValid);
  VerifyOutcome out = VerifyCard(card.qr_text, keys_, kIssuedAt - kClockSkewSeconds - 1, nullptr);
  EXPECT_EQ(out.verdict, Verdict::kInvalid);
  EXPECT_EQ(out.failure.id(), ErrorId::kBadClaims);
}

TEST_F(CardTest, RevokedCardIsRevoked) {
  StatusList list = StatusList::Create("1");
  const EncodedCard card = Encode(TypicalClaims(), TypicalMeta());
  EXPECT_EQ(VerifyCard(card.qr_text, keys_, kNow, &list).verdict, Verdict::kValid);
  ASSERT_TRUE(list.Set(TypicalClaims().status_index + 1).ok());  // a neighbour
  EXPECT_EQ(VerifyCard(card.qr_text, keys_, kNow, &list).verdict, Verdict::kValid);
  ASSERT_TRUE(list.Set(TypicalClaims().status_index).ok());
  VerifyOutcome out = VerifyCard(card.qr_text, keys_, kNow, &list);
  EXPECT_EQ(out.verdict, Verdict::kRevoked);
  EXPECT_FALSE(out.failure.ok());
  EXPECT_TRUE(out.claims.has_value());
}

TEST_F(CardTest, ExpiryIsReportedBeforeRevocation) {
  StatusList list = StatusList::Create("1");
  ASSERT_TRUE(list.Set(TypicalClaims().status_index).ok());
  EXPECT_EQ(
      VerifyCard(Encode(TypicalClaims(), TypicalMeta()).qr_text, keys_, kExpiresAt, &list).verdict,
      Verdict::kExpired);
}

TEST_F(CardTest, StatusListOfAnotherIdIsNotUsed) {
  StatusList list = StatusList::Create("2");
  VerifyOutcome out =
      VerifyCard(Encode(TypicalClaims(), TypicalMeta()).qr_text, keys_, kNow, &list);
  EXPECT_EQ(out.verdict, Verdict::kInvalid);
  EXPECT_EQ(out.failure.id(), ErrorId::kBadStatusList);
}

TEST_F(CardTest, StatusIndexBeyondTheListIsInvalid) {
  CardClaims c = TypicalClaims();
  c.status_index = kMinStatusListBits;  // one past the end of a minimum-size list
  StatusList list = StatusList::Create("1");
  EXPECT_EQ(VerifyCard(Encode(c, TypicalMeta()).qr_text, keys_, kNow, &list).verdict,
            Verdict::kInvalid);
}

// ---- Bounds -------------------------------------------------------------------------------------

TEST_F(CardTest, OversizedTextIsRejectedBeforeDecoding) {
  VerifyOutcome out = VerifyCard(std::string(kMaxQrTextChars + 1, '0'), keys_, kNow, nullptr);
  EXPECT_EQ(out.verdict, Verdict::kInvalid);
  EXPECT_EQ(out.failure.id(), ErrorId::kPayloadTooLarge);
}

TEST_F(CardTest, ZipBombIsRejectedWithBoundedWork) {
  // 1 MiB of zeros, deflated (as an attacker would): 64x the cap.
  const Bytes zeros(1024 * 1024, 0);
  Bytes z(compressBound(zeros.size()));
  uLongf z_size = z.size();
  ASSERT_EQ(compress2(z.data(), &z_size, zeros.data(), zeros.size(), Z_BEST_COMPRESSION), Z_OK);
  z.resize(z_size);
  const std::string qr = Base45Encode(z);
  ASSERT_LE(qr.size(), kMaxQrTextChars);
  VerifyOutcome out = VerifyCard(qr, keys_, kNow, nullptr);
  EXPECT_EQ(out.verdict, Verdict::kInvalid);
  EXPECT_EQ(out.failure.id(), ErrorId::kPayloadTooLarge);
}

TEST_F(CardTest, GarbageAtEachLayerIsRejected) {
  EXPECT_EQ(VerifyCard("", keys_, kNow, nullptr).failure.id(), ErrorId::kBadCompression);
  EXPECT_EQ(VerifyCard("hello", keys_, kNow, nullptr).failure.id(), ErrorId::kBadBase45);
  EXPECT_EQ(VerifyCard(Base45Encode(ToBytes("not zlib")), keys_, kNow, nullptr).failure.id(),
            ErrorId::kBadCompression);
  EXPECT_EQ(VerifyCard(ToQr(Bytes{0xFF}), keys_, kNow, nullptr).failure.id(), ErrorId::kBadCbor);
  EXPECT_EQ(VerifyCard(ToQr(Bytes{0x01}), keys_, kNow, nullptr).failure.id(), ErrorId::kBadCose);
  // A COSE_Sign1 whose payload is nil (detached) is refused.
  EXPECT_EQ(VerifyCard(ToQr(Bytes{0xD2, 0x84, 0x40, 0xA0, 0xF6, 0x40}), keys_, kNow, nullptr)
                .failure.id(),
            ErrorId::kBadCose);
}

// ---- Signed but malformed claims ----------------------------------------------------------------

// Builds a claim 169 map from (key, item) pairs and a CWT around it, then signs it.
class SignedClaimsTest : public CardTest {
 protected:
  struct Entry {
    int64_t key;
    cbor::ItemPtr value;
  };
  static cbor::ItemPtr Map(std::vector<Entry> entries) {
    cbor::ItemPtr m = cbor::NewMap(entries.size());
    for (auto& e : entries) cbor::MapAdd(m.get(), cbor::Int(e.key), std::move(e.value));
    return m;
  }
  static cbor::ItemPtr Status() {
    cbor::ItemPtr a = cbor::NewArray(2);
    cbor::ArrayPush(a.get(), cbor::Text("1"));
    cbor::ArrayPush(a.get(), cbor::Uint(5));
    return a;
  }
  static cbor::ItemPtr Digests(std::vector<int64_t> keys, size_t len = kDigestBytes) {
    std::vector<Entry> e;
    for (int64_t k : keys) e.push_back({k, cbor::Bstr(Bytes(len, 0xAB))});
    return Map(std::move(e));
  }
  Bytes Cwt(cbor::ItemPtr c169) {
    std::vector<Entry> e;
    e.push_back({1, cbor::Text(kIssuer)});
    e.push_back({4, cbor::Int(kExpiresAt)});
    e.push_back({6, cbor::Int(kIssuedAt)});
    e.push_back({169, std::move(c169)});
    cbor::ItemPtr m = Map(std::move(e));
    return *cbor::Serialize(m.get());
  }
  // Minimal valid claim 169 with one entry replaced or added.
  cbor::ItemPtr Claim169(std::optional<Entry> extra = std::nullopt,
                         std::vector<int64_t> digest_keys = {1, 4, 8}) {
    std::vector<Entry> e;
    e.push_back({1, cbor::Text("123456789012")});
    e.push_back({4, cbor::Text("Jose Garcia")});
    e.push_back({8, cbor::Text("19900412")});
    if (extra) e.push_back(std::move(*extra));
    e.push_back({98, Status()});
    e.push_back({99, Digests(std::move(digest_keys))});
    return Map(std::move(e));
  }
  VerifyOutcome VerifyPayload(const Bytes& payload) {
    return VerifyCard(SignedPayloadQr(payload), keys_, kNow, nullptr);
  }
  void ExpectBadClaims(const Bytes& payload, const char* what) {
    VerifyOutcome out = VerifyPayload(payload);
    EXPECT_EQ(out.verdict, Verdict::kInvalid) << what;
    EXPECT_EQ(out.failure.id(), ErrorId::kBadClaims) << what << ": " << out.failure.ToString();
    EXPECT_FALSE(out.claims.has_value()) << what;
  }
};

TEST_F(SignedClaimsTest, MinimalHandBuiltClaimsAreValid) {
  VerifyOutcome out = VerifyPayload(Cwt(Claim169()));
  ASSERT_EQ(out.verdict, Verdict::kValid) << out.failure.ToString();
  EXPECT_EQ(out.claims->full_name, "Jose Garcia");
  EXPECT_EQ(out.claims->status_index, 5u);
}

TEST_F(SignedClaimsTest, UnknownAttributeWithDigestIsAcceptedAndIgnored) {
  VerifyOutcome out = VerifyPayload(Cwt(Claim169(Entry{30, cbor::Text("future")}, {1, 4, 8, 30})));
  EXPECT_EQ(out.verdict, Verdict::kValid) << out.failure.ToString();
}

TEST_F(SignedClaimsTest, RejectsDigestMapNotMatchingAttributes) {
  ExpectBadClaims(Cwt(Claim169(std::nullopt, {1, 4})), "attribute without digest");
  ExpectBadClaims(Cwt(Claim169(std::nullopt, {1, 4, 8, 5})), "digest without attribute");
  ExpectBadClaims(Cwt(Claim169(Entry{30, cbor::Text("x")}, {1, 4, 8})), "unknown attr, no digest");
}

TEST_F(SignedClaimsTest, RejectsMalformedDigests) {
  std::vector<Entry> e;
  e.push_back({1, cbor::Text("123456789012")});
  e.push_back({4, cbor::Text("Jose Garcia")});
  e.push_back({8, cbor::Text("19900412")});
  e.push_back({98, Status()});
  e.push_back({99, Digests({1, 4, 8}, 32)});
  ExpectBadClaims(Cwt(Map(std::move(e))), "32-byte digests");
}

TEST_F(SignedClaimsTest, RejectsWrongValueTypesAndRanges) {
  ExpectBadClaims(Cwt(Claim169(Entry{9, cbor::Int(4)}, {1, 4, 8, 9})), "gender 4");
  ExpectBadClaims(Cwt(Claim169(Entry{9, cbor::Text("Male")}, {1, 4, 8, 9})), "gender as text");
  ExpectBadClaims(Cwt(Claim169(Entry{5, cbor::Int(5)}, {1, 4, 8, 5})), "first name as int");
  ExpectBadClaims(Cwt(Claim169(Entry{19, cbor::Text("x")}, {1, 4, 8, 19})),
                  "secondary name without language");
  ExpectBadClaims(Cwt(Claim169(Entry{16, cbor::Bstr(Bytes{1, 2})}, {1, 4, 8, 16})),
                  "photo without format");
}

TEST_F(SignedClaimsTest, RejectsBadDateOfBirth) {
  std::vector<Entry> e;
  e.push_back({1, cbor::Text("123456789012")});
  e.push_back({4, cbor::Text("Jose Garcia")});
  e.push_back({8, cbor::Text("1990-04-12")});
  e.push_back({98, Status()});
  e.push_back({99, Digests({1, 4, 8})});
  ExpectBadClaims(Cwt(Map(std::move(e))), "ISO date instead of YYYYMMDD");
}

TEST_F(SignedClaimsTest, RejectsMissingRequiredClaims) {
  std::vector<Entry> e;
  e.push_back({1, cbor::Text(kIssuer)});
  e.push_back({6, cbor::Int(kIssuedAt)});
  e.push_back({169, Claim169()});
  cbor::ItemPtr m = Map(std::move(e));
  ExpectBadClaims(*cbor::Serialize(m.get()), "no exp");

  std::vector<Entry> e2;
  e2.push_back({1, cbor::Text("123456789012")});
  e2.push_back({4, cbor::Text("Jose Garcia")});
  e2.push_back({8, cbor::Text("19900412")});
  e2.push_back({99, Digests({1, 4, 8})});
  ExpectBadClaims(Cwt(Map(std::move(e2))), "no status");
}

TEST_F(SignedClaimsTest, RejectsSemanticallyDuplicateKeys) {
  // {1: "a", 0x18 0x01: "b"}: the same key 1 in two encodings (byte-distinct).
  Bytes c169 = *cbor::Serialize(Claim169().get());
  // Claim 169 is a map of 5 (0xA5); make it 6 with a second key 1 encoded as 0x18 0x01.
  ASSERT_EQ(c169[0], 0xA5);
  c169[0] = 0xA6;
  const Bytes dup = {0x18, 0x01, 0x61, 'X'};
  c169.insert(c169.end(), dup.begin(), dup.end());
  Bytes payload = {0xA4, 0x01};
  const Bytes iss = *cbor::Serialize(cbor::Text(kIssuer).get());
  payload.insert(payload.end(), iss.begin(), iss.end());
  payload.push_back(0x04);
  const Bytes exp = *cbor::Serialize(cbor::Int(kExpiresAt).get());
  payload.insert(payload.end(), exp.begin(), exp.end());
  payload.push_back(0x06);
  const Bytes iat = *cbor::Serialize(cbor::Int(kIssuedAt).get());
  payload.insert(payload.end(), iat.begin(), iat.end());
  payload.insert(payload.end(), {0x18, 0xA9});
  payload.insert(payload.end(), c169.begin(), c169.end());
  ExpectBadClaims(payload, "key 1 twice");
}

TEST_F(SignedClaimsTest, RejectsNonMapPayloadAndTextKeys) {
  ExpectBadClaims(Bytes{0x80}, "array payload");
  std::vector<Entry> none;
  cbor::ItemPtr m = cbor::NewMap(1);
  cbor::MapAdd(m.get(), cbor::Text("iss"), cbor::Text(kIssuer));
  ExpectBadClaims(*cbor::Serialize(m.get()), "text claim key");
  ExpectBadClaims(Bytes{0xA1, 0x01, 0x61}, "truncated payload");
}

// ---- Encode-time validation ---------------------------------------------------------------------

// Issue 14 review: cards issued before the one name rule carry names as they were typed then
// (a digit, a comma, decomposed accents). The issuer signed them, so they stay valid in the
// holder's hands; only what could display differently from what is signed (a control character,
// a bidirectional override) is refused at verification.
TEST_F(CardTest, CardIssuedBeforeTheNameRuleStillVerifies) {
  auto resigned_with_full_name = [&](const std::string& name) {
    const std::string typical = "Jose Garcia";
    EXPECT_EQ(name.size(), typical.size());
    Bytes payload = TypicalPayload();
    auto at = std::search(payload.begin(), payload.end(), typical.begin(), typical.end());
    EXPECT_NE(at, payload.end());
    std::copy(name.begin(), name.end(), at);
    return SignedPayloadQr(payload);
  };
  const VerifyOutcome legacy = VerifyCard(resigned_with_full_name("Jose Garci4"), keys_, kNow, nullptr);
  EXPECT_EQ(legacy.verdict, Verdict::kValid) << legacy.failure.ToString();
  ASSERT_TRUE(legacy.claims.has_value());
  EXPECT_EQ(legacy.claims->full_name, "Jose Garci4");
  const VerifyOutcome bidi =
      VerifyCard(resigned_with_full_name("Jose\xE2\x80\xAEGarc"), keys_, kNow, nullptr);
  EXPECT_EQ(bidi.verdict, Verdict::kInvalid);
  EXPECT_EQ(bidi.failure.id(), ErrorId::kBadClaims);
  // Encoding still holds a new card to the name rule.
  CardClaims c = TypicalClaims();
  c.full_name = "Jose Garci4";
  EXPECT_FALSE(EncodeCard(c, TypicalMeta(), *signer_, Seed()).ok());
}

TEST_F(CardTest, RejectsNonUtf8NameAtEncode) {
  CardClaims c = TypicalClaims();
  c.full_name = "Jos\xE9 Garcia";  // Latin-1 é, not UTF-8
  auto r = EncodeCard(c, TypicalMeta(), *signer_, Seed());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().id(), ErrorId::kInvalidUtf8);
  EXPECT_EQ(r.status().message().find("Jos"), std::string::npos);  // no personal data
  c = TypicalClaims();
  c.full_name_native = "\xC3\x28";
  c.native_language = "spa";
  EXPECT_EQ(EncodeCard(c, TypicalMeta(), *signer_, Seed()).status().id(), ErrorId::kInvalidUtf8);
}

TEST_F(CardTest, RejectsInvalidFieldsAtEncode) {
  auto status_of = [&](auto mutate) {
    CardClaims c = TypicalClaims();
    CwtMeta m = TypicalMeta();
    Bytes seed = Seed();
    mutate(c, m, seed);
    return EncodeCard(c, m, *signer_, seed).status().id();
  };
  using C = CardClaims;
  using M = CwtMeta;
  EXPECT_EQ(status_of([](C& c, M&, Bytes&) { c.card_number = ""; }), ErrorId::kMissingField);
  EXPECT_EQ(status_of([](C& c, M&, Bytes&) { c.card_number = "12 34"; }),
            ErrorId::kInvalidCardNumber);
  EXPECT_EQ(status_of([](C& c, M&, Bytes&) { c.full_name = ""; }), ErrorId::kMissingField);
  EXPECT_EQ(status_of([](C& c, M&, Bytes&) { c.full_name = "Jose\nGarcia"; }),
            ErrorId::kInvalidArgument);
  EXPECT_EQ(status_of([](C& c, M&, Bytes&) { c.given_name = "Jose\xC2\x85"; }),
            ErrorId::kInvalidArgument);  // C1 control NEL
  EXPECT_EQ(
      status_of([](C& c, M&, Bytes&) { c.family_name = std::string(kMaxNameBytes + 1, 'a'); }),
      ErrorId::kFieldTooLong);
  EXPECT_EQ(status_of([](C& c, M&, Bytes&) { c.full_name_native = "x"; }),
            ErrorId::kInvalidArgument);  // no language
  EXPECT_EQ(status_of([](C& c, M&, Bytes&) {
              c.full_name_native = "x";
              c.native_language = "AR";
            }),
            ErrorId::kInvalidArgument);  // not ISO 639-3
  EXPECT_EQ(status_of([](C& c, M&, Bytes&) {
              c.date_of_birth = Date{1990, 2, 30};
            }),
            ErrorId::kInvalidDate);
  EXPECT_EQ(status_of([](C& c, M&, Bytes&) { c.gender = 0; }), ErrorId::kInvalidArgument);
  EXPECT_EQ(status_of([](C& c, M&, Bytes&) { c.gender = 4; }), ErrorId::kInvalidArgument);
  EXPECT_EQ(status_of([](C& c, M&, Bytes&) { c.photo = {1, 2, 3}; }), ErrorId::kInvalidPhoto);
  EXPECT_EQ(status_of([](C& c, M&, Bytes&) { c.photo_format = kPhotoWebp; }),
            ErrorId::kInvalidPhoto);
  EXPECT_EQ(status_of([](C& c, M&, Bytes&) {
              c.photo = {1};
              c.photo_format = 5;
            }),
            ErrorId::kInvalidPhoto);
  EXPECT_EQ(status_of([](C& c, M&, Bytes&) {
              c.photo = Bytes(kMaxPhotoBytes + 1, 0);
              c.photo_format = kPhotoJpeg;
            }),
            ErrorId::kInvalidPhoto);
  EXPECT_EQ(status_of([](C& c, M&, Bytes&) { c.status_list_id = ""; }), ErrorId::kMissingField);
  EXPECT_EQ(status_of([](C& c, M&, Bytes&) { c.status_list_id = std::string(33, '1'); }),
            ErrorId::kInvalidArgument);
  EXPECT_EQ(status_of([](C&, M& m, Bytes&) { m.issuer = ""; }), ErrorId::kMissingField);
  EXPECT_EQ(status_of([](C&, M& m, Bytes&) { m.expires_at = m.issued_at; }),
            ErrorId::kInvalidArgument);
  EXPECT_EQ(status_of([](C&, M&, Bytes& s) { s.resize(16); }), ErrorId::kInvalidArgument);
}

TEST_F(CardTest, PhotoThumbnailRoundTripsAndLargestStillFits) {
  SeededRng rng(16);
  CardClaims c = TypicalClaims();
  c.photo.resize(kMaxPhotoBytes);  // incompressible: the worst case
  rng.Fill(c.photo);
  c.photo_format = kPhotoWebp;
  const EncodedCard card = Encode(c, TypicalMeta());
  EXPECT_LE(card.qr_text.size(), kMaxQrTextChars);
  VerifyOutcome out = VerifyCard(card.qr_text, keys_, kNow, nullptr);
  ASSERT_EQ(out.verdict, Verdict::kValid) << out.failure.ToString();
  EXPECT_EQ(out.claims->photo, c.photo);
}

TEST(VerdictTest, NamesAreStable) {
  EXPECT_STREQ(VerdictName(Verdict::kValid), "valid");
  EXPECT_STREQ(VerdictName(Verdict::kInvalid), "invalid");
  EXPECT_STREQ(VerdictName(Verdict::kRevoked), "revoked");
  EXPECT_STREQ(VerdictName(Verdict::kExpired), "expired");
}

// ---- Fuzz corpus --------------------------------------------------------------------------------

// The card_fuzz seed corpus holds valid cards signed with the fuzzer's fixed key (SeededRng
// 0xC17D, see fuzz/trusted_key.h). This test keeps the committed files in sync with the encoder:
// run with CITYID_UPDATE_GOLDEN=1 to rewrite them after a deliberate format change.
TEST(CardFuzzCorpusTest, CommittedSeedsMatchTheEncoder) {
  ASSERT_TRUE(crypto::InitCrypto().ok());
  SeededRng rng(0xC17D);
  auto signer = crypto::Ed25519Signer::Generate(rng);
  const std::filesystem::path dir =
      std::filesystem::path(CITYID_SOURCE_DIR_FOR_TESTS) / "fuzz" / "corpus" / "card_fuzz";
  const bool update = std::getenv("CITYID_UPDATE_GOLDEN") != nullptr;

  std::vector<std::pair<std::string, CardClaims>> seeds;
  seeds.emplace_back("valid_typical.txt", TypicalClaims());
  CardClaims full = TypicalClaims();
  full.gender = kGenderFemale;
  full.full_name = "Nguyen Thi Mai";
  full.given_name = "Mai";
  full.family_name = "Nguyen";
  full.full_name_native = "Nguy\xE1\xBB\x85n Th\xE1\xBB\x8B Mai";
  full.native_language = "vie";
  seeds.emplace_back("valid_native_name.txt", full);
  CardClaims photo = TypicalClaims();
  photo.photo = Bytes(64, 0x42);
  photo.photo_format = kPhotoJpeg;
  photo.gender = kGenderOthers;
  seeds.emplace_back("valid_photo.txt", photo);

  crypto::PublicKeySet keys;
  keys.keys.push_back(MakeKey(signer->key_id(), signer->public_key()));
  for (const auto& [name, claims] : seeds) {
    auto card = EncodeCard(claims, TypicalMeta(), *signer, Seed(0x11));
    ASSERT_TRUE(card.ok());
    const auto path = dir / name;
    if (update) {
      std::filesystem::create_directories(dir);
      std::ofstream(path, std::ios::binary) << card->qr_text;
    }
    std::ifstream in(path, std::ios::binary);
    ASSERT_TRUE(in.good()) << path;
    std::stringstream committed;
    committed << in.rdbuf();
    EXPECT_EQ(committed.str(), card->qr_text) << name << " is stale; rerun with "
                                              << "CITYID_UPDATE_GOLDEN=1";
    EXPECT_EQ(VerifyCard(committed.str(), keys, kNow, nullptr).verdict, Verdict::kValid) << name;
  }

  // Binary seeds for the fuzzer's two other modes (first byte 0x00: raw COSE bytes, 0x01: a
  // CWT payload the fuzzer signs itself).
  auto card = EncodeCard(TypicalClaims(), TypicalMeta(), *signer, Seed(0x11));
  ASSERT_TRUE(card.ok());
  Bytes raw = {0x00};
  raw.insert(raw.end(), card->cose.begin(), card->cose.end());
  Bytes payload = {0x01};
  const Bytes cwt = ParseCoseSign1(card->cose)->payload;
  payload.insert(payload.end(), cwt.begin(), cwt.end());
  for (const auto& [name, bytes] :
       {std::pair<std::string, Bytes>{"raw_cose_typical.bin", raw},
        std::pair<std::string, Bytes>{"cwt_payload_typical.bin", payload}}) {
    const auto path = dir / name;
    if (update) std::ofstream(path, std::ios::binary) << AsChars(bytes);
    std::ifstream in(path, std::ios::binary);
    ASSERT_TRUE(in.good()) << path;
    std::stringstream committed;
    committed << in.rdbuf();
    EXPECT_EQ(committed.str(), AsChars(bytes)) << name << " is stale";
  }
}

}  // namespace
}  // namespace cityid::credential
