#include "credential/presentation.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>

#include "base/rng.h"
#include "credential/base45.h"
#include "credential/cbor_util.h"
#include "credential/cose.h"
#include "credential/status_list.h"
#include "crypto/sign.h"

namespace cityid::credential {
namespace {

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

Bytes Seed() { return Bytes(kDigestSeedBytes, 0x5A); }

// One disclosure taken apart: [key, salt, value-bytes].
struct Disclosure {
  int64_t key;
  Bytes salt, value;
};

// A presentation's COSE_Sign1 taken apart (the layout EncodePresentation writes).
struct Parts {
  Bytes protected_header, payload, signature;
  std::vector<Disclosure> disclosures;
};

Parts Split(const std::string& qr) {
  Parts p;
  auto cose = Base45Decode(qr.substr(kPresentationPrefix.size()), 1 << 16);
  EXPECT_TRUE(cose.ok());
  auto tagged = cbor::SplitTags(*cose, 1, ErrorId::kBadCbor);
  EXPECT_TRUE(tagged.ok());
  cbor::Reader r(tagged->content);
  EXPECT_EQ(r.ArrayHeader(), std::optional<uint64_t>(4));
  auto prot = r.Bstr();
  p.protected_header.assign(prot->begin(), prot->end());
  EXPECT_EQ(r.MapHeader(), std::optional<uint64_t>(1));
  EXPECT_EQ(r.Int(), std::optional<int64_t>(kCoseHeaderCityidDisclosures));
  auto list = r.Bstr();
  auto payload = r.Bstr();
  auto sig = r.Bstr();
  p.payload.assign(payload->begin(), payload->end());
  p.signature.assign(sig->begin(), sig->end());
  cbor::Reader lr(*list);
  const auto n = lr.ArrayHeader();
  for (uint64_t i = 0; i < *n; ++i) {
    auto d = lr.Bstr();
    cbor::Reader dr(*d);
    EXPECT_EQ(dr.ArrayHeader(), std::optional<uint64_t>(3));
    Disclosure one;
    one.key = *dr.Int();
    auto salt = dr.Bstr();
    one.salt.assign(salt->begin(), salt->end());
    const size_t prefix = cbor::Writer().Array(3).Int(one.key).Bstr(one.salt).bytes().size();
    one.value.assign(d->begin() + static_cast<std::ptrdiff_t>(prefix), d->end());
    p.disclosures.push_back(std::move(one));
  }
  return p;
}

Bytes ListBytes(const std::vector<Disclosure>& ds) {
  cbor::Writer list;
  list.Array(ds.size());
  for (const auto& d : ds) {
    list.Bstr(cbor::Writer().Array(3).Int(d.key).Bstr(d.salt).Raw(d.value).Take());
  }
  return list.Take();
}

std::string Join(const Parts& p, const Bytes& list) {
  cbor::Writer w;
  w.Tag(kCoseSign1Tag).Array(4).Bstr(p.protected_header);
  w.Map(1).Int(kCoseHeaderCityidDisclosures).Bstr(list);
  w.Bstr(p.payload).Bstr(p.signature);
  return std::string(kPresentationPrefix) + Base45Encode(w.bytes());
}

std::string Join(const Parts& p) { return Join(p, ListBytes(p.disclosures)); }

class PresentationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(crypto::InitCrypto().ok());
    SeededRng rng(169);
    signer_ = crypto::Ed25519Signer::Generate(rng);
    other_signer_ = crypto::Ed25519Signer::Generate(rng);
    keys_.issuer = kIssuer;
    crypto::PublicKey key;
    key.key_id = signer_->key_id();
    key.public_key = signer_->public_key();
    keys_.keys.push_back(key);
  }

  // The card's signed digests, read back from its payload as `cityid present` does.
  std::map<int, Bytes> SignedDigests(const CardClaims& c) {
    auto card = EncodeCard(c, TypicalMeta(), *signer_, Seed());
    EXPECT_TRUE(card.ok()) << card.status().ToString();
    auto out = VerifyCard(card->qr_text, keys_, kNow, nullptr);
    EXPECT_EQ(out.verdict, Verdict::kValid) << out.failure.ToString();
    return out.attribute_digests;
  }

  Result<EncodedPresentation> Present(const CardClaims& c, std::string_view names,
                                      UnixSeconds now = kNow) {
    CITYID_ASSIGN_OR_RETURN(auto keys, ParseDisclosureNames(names));
    return EncodePresentation(c, TypicalMeta(), Seed(), SignedDigests(c), keys, now, *signer_,
                              rng_);
  }

  std::string PresentOk(const CardClaims& c, std::string_view names) {
    auto p = Present(c, names);
    EXPECT_TRUE(p.ok()) << p.status().ToString();
    return p.ok() ? p->qr_text : std::string();
  }

  PresentationOutcome Verify(const std::string& qr, const StatusList* status = nullptr) {
    return VerifyPresentation(qr, keys_, kNow, status);
  }

  std::unique_ptr<crypto::Ed25519Signer> signer_, other_signer_;
  crypto::PublicKeySet keys_;
  SeededRng rng_{7};
};

// ---- Names --------------------------------------------------------------------------------------

TEST_F(PresentationTest, ParsesNamesToSortedUniqueKeys) {
  auto keys = ParseDisclosureNames("age_over_21, name,photo,name");
  ASSERT_TRUE(keys.ok());
  EXPECT_EQ(*keys, (std::vector<int>{kC169FullName, kC169Photo, kC169PhotoFormat,
                                     kDerivedAgeOver21}));
}

TEST_F(PresentationTest, UnknownNameIsRefusedListingTheValidNames) {
  auto keys = ParseDisclosureNames("age_over_21,nationality");
  ASSERT_FALSE(keys.ok());
  EXPECT_EQ(keys.status().id(), ErrorId::kInvalidArgument);
  EXPECT_NE(keys.status().message().find("nationality"), std::string::npos);
  EXPECT_NE(keys.status().message().find("age_over_65"), std::string::npos);
  EXPECT_FALSE(ParseDisclosureNames("").ok());
  EXPECT_FALSE(ParseDisclosureNames(" , ").ok());
}

// ---- Round trips --------------------------------------------------------------------------------

TEST_F(PresentationTest, AgeOver21RoundTripsAndDisclosesNothingElse) {
  const std::string qr = PresentOk(TypicalClaims(), "age_over_21");
  ASSERT_TRUE(IsPresentation(qr));
  std::printf("[ size     ] age_over_21 only: QR text %zu chars\n", qr.size());
  EXPECT_LE(qr.size(), 600u);
  const auto out = Verify(qr);
  ASSERT_EQ(out.verdict, Verdict::kValid) << out.failure.ToString();
  ASSERT_TRUE(out.disclosed);
  EXPECT_EQ(out.disclosed->age_over, (std::map<int, bool>{{21, true}}));
  EXPECT_FALSE(out.disclosed->full_name);
  EXPECT_FALSE(out.disclosed->date_of_birth);
  EXPECT_FALSE(out.disclosed->card_number);
  EXPECT_EQ(out.disclosed_values.size(), 1u);
  ASSERT_TRUE(out.meta);
  EXPECT_EQ(out.meta->issuer, kIssuer);
  EXPECT_EQ(out.meta->issued_at, kNow);
  EXPECT_EQ(out.meta->expires_at, kExpiresAt);
  EXPECT_EQ(out.key_id, signer_->key_id());
  EXPECT_EQ(out.status_list_id, "1");
  EXPECT_EQ(out.status_index, 98765u);
}

TEST_F(PresentationTest, EveryCardAttributeRoundTrips) {
  CardClaims c = TypicalClaims();
  c.gender = kGenderFemale;
  c.photo = Bytes{0xFF, 0xD8, 0xFF, 0xE0};
  c.photo_format = kPhotoJpeg;
  const std::string qr =
      PresentOk(c, "name,date_of_birth,photo,gender,card_number,age_over_18,age_over_65");
  const auto out = Verify(qr);
  ASSERT_EQ(out.verdict, Verdict::kValid) << out.failure.ToString();
  const auto& d = *out.disclosed;
  EXPECT_EQ(d.full_name, "Jose Garcia");
  EXPECT_EQ(d.date_of_birth, (Date{1990, 4, 12}));
  EXPECT_EQ(d.photo, c.photo);
  EXPECT_EQ(d.photo_format, kPhotoJpeg);
  EXPECT_EQ(d.gender, kGenderFemale);
  EXPECT_EQ(d.card_number, "123456789012");
  EXPECT_EQ(d.age_over, (std::map<int, bool>{{18, true}, {65, false}}));
}

TEST_F(PresentationTest, PresentationCarriesTheCardsDigestsPlusTheDerivedOnes) {
  const CardClaims c = TypicalClaims();
  const Parts p = Split(PresentOk(c, "age_over_21"));
  // The signed digest map = the card's key 99 map + key 96; read it by verifying a disclosure
  // of every card attribute against the same signed payload.
  const auto card_digests = SignedDigests(c);
  EXPECT_EQ(card_digests.size(), 5u);  // 1 4 5 7 8
  const std::string payload(p.payload.begin(), p.payload.end());
  for (const auto& [key, digest] : card_digests) {
    EXPECT_NE(payload.find(std::string(digest.begin(), digest.end())), std::string::npos) << key;
  }
}

// ---- What it reveals ----------------------------------------------------------------------------

TEST_F(PresentationTest, BytesDoNotContainUndisclosedValues) {
  const std::string qr = PresentOk(TypicalClaims(), "age_over_21");
  auto cose = Base45Decode(qr.substr(kPresentationPrefix.size()), 1 << 16);
  ASSERT_TRUE(cose.ok());
  const std::string raw(cose->begin(), cose->end());
  for (const char* needle : {"Jose", "Garcia", "19900412", "1990", "123456789012"}) {
    EXPECT_EQ(raw.find(needle), std::string::npos) << needle;
    EXPECT_EQ(qr.find(needle), std::string::npos) << needle;
  }
  // Disclosing the name reveals the name, still not the date of birth.
  const std::string with_name = PresentOk(TypicalClaims(), "name");
  auto cose2 = Base45Decode(with_name.substr(kPresentationPrefix.size()), 1 << 16);
  const std::string raw2(cose2->begin(), cose2->end());
  EXPECT_NE(raw2.find("Jose Garcia"), std::string::npos);
  EXPECT_EQ(raw2.find("19900412"), std::string::npos);
  EXPECT_EQ(raw2.find("123456789012"), std::string::npos);
}

TEST_F(PresentationTest, UnderTwentyOneGetsFalseAndCannotClaimTrue) {
  CardClaims young = TypicalClaims();
  young.date_of_birth = Date{2006, 1, 3};  // 20 on kNow (2026-01-02)
  const std::string qr = PresentOk(young, "age_over_21,age_over_18");
  const auto out = Verify(qr);
  ASSERT_EQ(out.verdict, Verdict::kValid) << out.failure.ToString();
  EXPECT_EQ(out.disclosed->age_over, (std::map<int, bool>{{18, true}, {21, false}}));
  // Flip the (unsigned) value to true: the digest no longer matches.
  Parts p = Split(qr);
  for (auto& d : p.disclosures) {
    if (d.key == kDerivedAgeOver21) d.value = {0xF5};
  }
  const auto forged = Verify(Join(p));
  EXPECT_EQ(forged.verdict, Verdict::kInvalid);
  EXPECT_NE(forged.failure.message().find("does not match"), std::string::npos);
}

TEST_F(PresentationTest, AgeIsComputedOnThePresentationDate) {
  CardClaims c = TypicalClaims();
  c.date_of_birth = Date{2005, 1, 3};
  // 20 the day before the birthday, 21 on it.
  auto before = Present(c, "age_over_21", Date{2026, 1, 2}.ToUnix());
  auto on = Present(c, "age_over_21", Date{2026, 1, 3}.ToUnix());
  ASSERT_TRUE(before.ok() && on.ok());
  EXPECT_EQ(Split(before->qr_text).disclosures[0].value, Bytes{0xF4});
  EXPECT_EQ(Split(on->qr_text).disclosures[0].value, Bytes{0xF5});
}

// ---- Tampering ----------------------------------------------------------------------------------

TEST_F(PresentationTest, EveryAlteredDisclosureByteIsRefused) {
  const Parts p = Split(PresentOk(TypicalClaims(), "name,date_of_birth,age_over_21"));
  ASSERT_EQ(Verify(Join(p)).verdict, Verdict::kValid);
  const Bytes list = ListBytes(p.disclosures);
  for (size_t i = 0; i < list.size(); ++i) {
    for (const uint8_t mask : {0x01, 0x80}) {
      Bytes changed = list;
      changed[i] ^= mask;
      const auto out = Verify(Join(p, changed));
      EXPECT_EQ(out.verdict, Verdict::kInvalid) << "byte " << i << " mask " << int(mask);
      EXPECT_FALSE(out.failure.ok());
    }
  }
}

TEST_F(PresentationTest, EachDisclosedValueAlteredIsRefusedWithReason) {
  const Parts original = Split(PresentOk(TypicalClaims(), "name,date_of_birth,card_number"));
  for (size_t i = 0; i < original.disclosures.size(); ++i) {
    Parts p = original;
    Bytes& v = p.disclosures[i].value;
    v.back() ^= 0x01;  // last character of the text
    const auto out = Verify(Join(p));
    EXPECT_EQ(out.verdict, Verdict::kInvalid);
    EXPECT_EQ(out.failure.id(), ErrorId::kBadClaims);
    EXPECT_NE(out.failure.message().find("does not match its signed digest"), std::string::npos)
        << out.failure.message();
  }
}

TEST_F(PresentationTest, AlteredSaltIsRefused) {
  Parts p = Split(PresentOk(TypicalClaims(), "name"));
  p.disclosures[0].salt[3] ^= 0x10;
  const auto out = Verify(Join(p));
  EXPECT_EQ(out.verdict, Verdict::kInvalid);
  EXPECT_NE(out.failure.message().find("does not match"), std::string::npos);
}

TEST_F(PresentationTest, DisclosureMovedToAnotherKeyIsRefused) {
  // The name's salt and value offered as the date of birth (whose digest is signed too).
  Parts p = Split(PresentOk(TypicalClaims(), "name"));
  p.disclosures[0].key = kC169DateOfBirth;
  const auto out = Verify(Join(p));
  EXPECT_EQ(out.verdict, Verdict::kInvalid);
  EXPECT_NE(out.failure.message().find("key 8 does not match"), std::string::npos)
      << out.failure.message();
}

TEST_F(PresentationTest, ExtraDisclosureNotInTheDigestMapIsRefused) {
  Parts p = Split(PresentOk(TypicalClaims(), "name"));
  // age_over_21 was not asked for, so its digest is not signed: a holder cannot add it.
  p.disclosures.push_back({kDerivedAgeOver21, Bytes(kSaltBytes, 1), Bytes{0xF5}});
  auto out = Verify(Join(p));
  EXPECT_EQ(out.verdict, Verdict::kInvalid);
  EXPECT_NE(out.failure.message().find("key 96 has no signed digest"), std::string::npos)
      << out.failure.message();
  // Nor an attribute the card does not carry (address).
  p.disclosures.back() = {kC169Address, Bytes(kSaltBytes, 1), cbor::Writer().Text("1 Main St").Take()};
  out = Verify(Join(p));
  EXPECT_EQ(out.verdict, Verdict::kInvalid);
  EXPECT_NE(out.failure.message().find("no signed digest"), std::string::npos);
}

TEST_F(PresentationTest, DuplicateDisclosureIsRefused) {
  Parts p = Split(PresentOk(TypicalClaims(), "name"));
  p.disclosures.push_back(p.disclosures[0]);
  const auto out = Verify(Join(p));
  EXPECT_EQ(out.verdict, Verdict::kInvalid);
  EXPECT_NE(out.failure.message().find("disclosed twice"), std::string::npos);
}

TEST_F(PresentationTest, NoDisclosuresIsRefused) {
  Parts p = Split(PresentOk(TypicalClaims(), "name"));
  p.disclosures.clear();
  EXPECT_EQ(Verify(Join(p)).verdict, Verdict::kInvalid);
}

TEST_F(PresentationTest, TruncatedPresentationIsRefused) {
  const std::string qr = PresentOk(TypicalClaims(), "age_over_21");
  for (size_t len = 0; len < qr.size(); ++len) {
    const auto out = Verify(qr.substr(0, len));
    EXPECT_EQ(out.verdict, Verdict::kInvalid) << len;
    EXPECT_FALSE(out.disclosed) << len;
  }
}

TEST_F(PresentationTest, AlteredPayloadOrForeignKeyIsRefused) {
  Parts p = Split(PresentOk(TypicalClaims(), "age_over_21"));
  Parts changed = p;
  changed.payload[changed.payload.size() - 1] ^= 0x01;
  EXPECT_EQ(Verify(Join(changed)).failure.id(), ErrorId::kBadSignature);

  auto keys = ParseDisclosureNames("age_over_21");
  auto foreign = EncodePresentation(TypicalClaims(), TypicalMeta(), Seed(),
                                    SignedDigests(TypicalClaims()), *keys, kNow, *other_signer_,
                                    rng_);
  ASSERT_TRUE(foreign.ok());
  EXPECT_EQ(Verify(foreign->qr_text).failure.id(), ErrorId::kUnknownKey);
}

// ---- Not confusable with a card -----------------------------------------------------------------

TEST_F(PresentationTest, CardsAndPresentationsAreNotConfused) {
  const std::string qr = PresentOk(TypicalClaims(), "name");
  EXPECT_EQ(VerifyCard(qr, keys_, kNow, nullptr).verdict, Verdict::kInvalid);
  // Even without the prefix and zlib-wrapped as a card, there is no claim 169.
  auto card = EncodeCard(TypicalClaims(), TypicalMeta(), *signer_, Seed());
  ASSERT_TRUE(card.ok());
  EXPECT_FALSE(IsPresentation(card->qr_text));
  const auto as_presentation = Verify(card->qr_text);
  EXPECT_EQ(as_presentation.verdict, Verdict::kInvalid);
  EXPECT_EQ(Verify("CP1:" + Base45Encode(card->cose)).verdict, Verdict::kInvalid);
}

// ---- Expiry and revocation ----------------------------------------------------------------------

TEST_F(PresentationTest, ExpiredCardCannotBePresented) {
  auto p = Present(TypicalClaims(), "age_over_21", kExpiresAt);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().id(), ErrorId::kCardExpired);
}

TEST_F(PresentationTest, PresentationExpiresWithTheCard) {
  const std::string qr = PresentOk(TypicalClaims(), "age_over_21");
  const auto out = VerifyPresentation(qr, keys_, kExpiresAt + 1, nullptr);
  EXPECT_EQ(out.verdict, Verdict::kExpired);
}

TEST_F(PresentationTest, RevocationIsCheckedAgainstTheCardsStatusList) {
  const std::string qr = PresentOk(TypicalClaims(), "age_over_21");
  StatusList list = StatusList::Create("1");
  EXPECT_EQ(Verify(qr, &list).verdict, Verdict::kValid);
  ASSERT_TRUE(list.Set(98765).ok());
  EXPECT_EQ(Verify(qr, &list).verdict, Verdict::kRevoked);
  StatusList other = StatusList::Create("2");
  EXPECT_EQ(Verify(qr, &other).failure.id(), ErrorId::kBadStatusList);
}

// ---- Issuer-side checks -------------------------------------------------------------------------

TEST_F(PresentationTest, RefusesWhenTheSignedDigestsDoNotMatchTheSeed) {
  auto keys = ParseDisclosureNames("name");
  auto digests = SignedDigests(TypicalClaims());
  digests[kC169FullName][0] ^= 1;
  auto p = EncodePresentation(TypicalClaims(), TypicalMeta(), Seed(), digests, *keys, kNow,
                              *signer_, rng_);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().id(), ErrorId::kInternal);
}

TEST_F(PresentationTest, AttributeNotOnTheCardCannotBeDisclosed) {
  for (const char* name : {"gender", "photo", "address"}) {
    auto p = Present(TypicalClaims(), name);
    ASSERT_FALSE(p.ok()) << name;
    EXPECT_EQ(p.status().id(), ErrorId::kFailedPrecondition) << name;
    EXPECT_NE(p.status().message().find(name), std::string::npos) << p.status().message();
  }
}

TEST_F(PresentationTest, AttributeDigestsEqualTheCardsKey99) {
  CardClaims c = TypicalClaims();
  c.gender = kGenderMale;
  auto digests = AttributeDigests(c, Seed());
  ASSERT_TRUE(digests.ok());
  EXPECT_EQ(*digests, SignedDigests(c));
}

// The worked example of docs/card-format.md §10.6.
TEST_F(PresentationTest, WorkedExampleOfTheDocs) {
  Bytes seed(kDigestSeedBytes);
  for (size_t i = 0; i < seed.size(); ++i) seed[i] = static_cast<uint8_t>(i);
  auto card = EncodeCard(TypicalClaims(), TypicalMeta(), *signer_, seed);
  ASSERT_TRUE(card.ok());
  const auto digests = VerifyCard(card->qr_text, keys_, kNow, nullptr).attribute_digests;
  auto keys = ParseDisclosureNames("name");
  auto p = EncodePresentation(TypicalClaims(), TypicalMeta(), seed, digests, *keys, kNow,
                              *signer_, rng_);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  const Parts parts = Split(p->qr_text);
  ASSERT_EQ(parts.disclosures.size(), 1u);
  const Bytes disclosure = cbor::Writer()
                               .Array(3)
                               .Int(parts.disclosures[0].key)
                               .Bstr(parts.disclosures[0].salt)
                               .Raw(parts.disclosures[0].value)
                               .Take();
  EXPECT_EQ(HexEncode(disclosure),
            "830450b579c07442be83410c0196b96b27add86b4a6f736520476172636961");
  EXPECT_EQ(HexEncode(digests.at(kC169FullName)), "301d792585aed465ec63a4b512c63af0");
  // A derived claim: age_over_21 = true with salt 20..2F.
  Bytes salt(kSaltBytes);
  for (size_t i = 0; i < salt.size(); ++i) salt[i] = static_cast<uint8_t>(0x20 + i);
  EXPECT_EQ(HexEncode(AttributeDigest(kDerivedAgeOver21, Bytes{0xF5}, salt)),
            "0cae2ffda8ffff0bdc3bad5d1cf62f7c");
  EXPECT_EQ(HexEncode(AttributeDigest(kDerivedAgeOver21, Bytes{0xF4}, salt)),
            "613b5eb4d928ce6e9a8df89d33671448");
  std::printf("[ example  ] name presentation: COSE %zu bytes, QR text %zu chars\n",
              Base45Decode(p->qr_text.substr(4), 1 << 16)->size(), p->qr_text.size());
  std::printf("[ example  ] payload %s\n", HexEncode(parts.payload).c_str());
}

}  // namespace
}  // namespace cityid::credential
