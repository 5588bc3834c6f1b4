#include "credential/status_list.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "base/rng.h"
#include "credential/zlib_codec.h"

namespace cityid::credential {
namespace {

crypto::PublicKey MakeKey(const Bytes& key_id, const Bytes& public_key) {
  crypto::PublicKey key;
  key.key_id = key_id;
  key.public_key = public_key;
  return key;
}

constexpr UnixSeconds kFrom = 1767225600;
constexpr UnixSeconds kUntil = kFrom + 7 * 86400;
constexpr UnixSeconds kNow = kFrom + 3600;
constexpr char kIssuer[] = "https://id.sfgov.example";

class StatusListTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(crypto::InitCrypto().ok());
    SeededRng rng(131072);
    signer_ = crypto::Ed25519Signer::Generate(rng);
    other_ = crypto::Ed25519Signer::Generate(rng);
    keys_.issuer = kIssuer;
    keys_.keys.push_back(MakeKey(signer_->key_id(), signer_->public_key()));
  }

  std::string Signed(const StatusList& list) {
    auto json = list.ToSignedJson(*signer_, kIssuer, kFrom, kUntil);
    EXPECT_TRUE(json.ok()) << json.status().ToString();
    return json.ok() ? *json : std::string();
  }

  // Re-signs a JSON document whose members were edited, so only the edit is under test.
  std::string Resign(nlohmann::ordered_json doc) {
    const Bytes input =
        StatusListSigningInput(doc["id"].get<std::string>(), doc["issuer"].get<std::string>(),
                               doc["validFrom"].get<int64_t>(), doc["validUntil"].get<int64_t>(),
                               doc["encodedList"].get<std::string>());
    doc["proof"]["signature"] = Base64UrlEncode(*signer_->Sign(input));
    return doc.dump();
  }

  std::unique_ptr<crypto::Ed25519Signer> signer_;
  std::unique_ptr<crypto::Ed25519Signer> other_;
  crypto::PublicKeySet keys_;
};

TEST_F(StatusListTest, CreateGivesAnEmptyListOfTheMinimumSize) {
  StatusList list = StatusList::Create("1");
  EXPECT_EQ(list.id(), "1");
  EXPECT_EQ(list.size(), 131072u);
  EXPECT_EQ(list.ToBytes().size(), 16384u);
  EXPECT_EQ(list.CountSet(), 0u);
  EXPECT_FALSE(list.IsSet(0));
  EXPECT_FALSE(list.IsSet(131071));
}

TEST_F(StatusListTest, SetClearAndIsSet) {
  StatusList list = StatusList::Create("1");
  ASSERT_TRUE(list.Set(42).ok());
  ASSERT_TRUE(list.Set(42).ok());  // idempotent
  EXPECT_TRUE(list.IsSet(42));
  EXPECT_FALSE(list.IsSet(41));
  EXPECT_FALSE(list.IsSet(43));
  EXPECT_EQ(list.CountSet(), 1u);
  ASSERT_TRUE(list.Clear(42).ok());
  EXPECT_FALSE(list.IsSet(42));
  ASSERT_TRUE(list.Set(131071).ok());
  EXPECT_TRUE(list.IsSet(131071));
}

TEST_F(StatusListTest, OutOfRangeIndexIsRejected) {
  StatusList list = StatusList::Create("1");
  EXPECT_EQ(list.Set(131072).id(), ErrorId::kInvalidArgument);
  EXPECT_EQ(list.Clear(131072).id(), ErrorId::kInvalidArgument);
  EXPECT_FALSE(list.IsSet(131072));
  EXPECT_FALSE(list.IsSet(UINT32_MAX));
}

TEST_F(StatusListTest, BitOrderIsMostSignificantBitFirst) {
  // W3C Bitstring Status List: index 0 is the leftmost bit of the first byte.
  StatusList list = StatusList::Create("1");
  ASSERT_TRUE(list.Set(0).ok());
  ASSERT_TRUE(list.Set(7).ok());
  ASSERT_TRUE(list.Set(9).ok());
  EXPECT_EQ(list.ToBytes()[0], 0x81);
  EXPECT_EQ(list.ToBytes()[1], 0x40);
}

TEST_F(StatusListTest, LargerSizesWork) {
  StatusList list = StatusList::Create("big", 262144);
  EXPECT_EQ(list.size(), 262144u);
  ASSERT_TRUE(list.Set(262143).ok());
  auto back = StatusList::FromSignedJson(Signed(list), keys_, kNow);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, list);
}

TEST_F(StatusListTest, RawBytesRoundTrip) {
  StatusList list = StatusList::Create("7");
  ASSERT_TRUE(list.Set(1234).ok());
  auto back = StatusList::FromBytes("7", list.ToBytes());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, list);
  EXPECT_EQ(StatusList::FromBytes("7", Bytes(100)).status().id(), ErrorId::kBadStatusList);
  EXPECT_EQ(StatusList::FromBytes("7", Bytes(kMaxStatusListBits / 8 + 1)).status().id(),
            ErrorId::kBadStatusList);
  EXPECT_EQ(StatusList::FromBytes("", Bytes(16384)).status().id(), ErrorId::kBadStatusList);
  EXPECT_EQ(StatusList::FromBytes("a b", Bytes(16384)).status().id(), ErrorId::kBadStatusList);
}

TEST_F(StatusListTest, SignedJsonHasTheW3cShape) {
  StatusList list = StatusList::Create("1");
  ASSERT_TRUE(list.Set(3).ok());
  const std::string json = Signed(list);
  auto doc = nlohmann::ordered_json::parse(json);
  std::vector<std::string> members;
  for (const auto& item : doc.items()) members.push_back(item.key());
  EXPECT_EQ(members, (std::vector<std::string>{"type", "id", "statusPurpose", "issuer", "validFrom",
                                               "validUntil", "encodedList", "proof"}));
  EXPECT_EQ(doc["type"], "BitstringStatusList");
  EXPECT_EQ(doc["statusPurpose"], "revocation");
  EXPECT_EQ(doc["validFrom"], kFrom);
  EXPECT_EQ(doc["proof"]["alg"], "EdDSA");
  EXPECT_EQ(doc["proof"]["kid"], Base64UrlEncode(signer_->key_id()));
  const std::string encoded = doc["encodedList"];
  ASSERT_EQ(encoded[0], 'u');  // multibase base64url
  auto gz = Base64UrlDecode(encoded.substr(1));
  ASSERT_TRUE(gz.ok());
  EXPECT_EQ((*gz)[0], 0x1F);
  EXPECT_EQ((*gz)[1], 0x8B);
  auto bits = GzipDecompress(*gz, 1 << 20);
  ASSERT_TRUE(bits.ok());
  EXPECT_EQ(*bits, list.ToBytes());
  // An almost-empty list compresses to a few dozen bytes.
  EXPECT_LT(json.size(), 400u);
  // The signature is Ed25519 over the documented input.
  EXPECT_TRUE(crypto::VerifyEd25519(
      signer_->public_key(), StatusListSigningInput("1", kIssuer, kFrom, kUntil, encoded),
      *Base64UrlDecode(doc["proof"]["signature"].get<std::string>())));
}

TEST_F(StatusListTest, SigningInputFramesEveryField) {
  const Bytes input = StatusListSigningInput("1", "iss", 10, 200, "uAB");
  Bytes expected = ToBytes("cityid-status-list-v1");
  expected.push_back(0);
  auto field = [&](std::string_view s) {
    expected.insert(expected.end(), {0, 0, 0, static_cast<uint8_t>(s.size())});
    expected.insert(expected.end(), s.begin(), s.end());
  };
  field("BitstringStatusList");
  field("1");
  field("revocation");
  field("iss");
  field("10");
  field("200");
  field("uAB");
  EXPECT_EQ(input, expected);
}

TEST_F(StatusListTest, SignedJsonRoundTrips) {
  SeededRng rng(5);
  StatusList list = StatusList::Create("1");
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(list.Set(rng.Uniform(131072)).ok());
  auto back = StatusList::FromSignedJson(Signed(list), keys_, kNow);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, list);
}

TEST_F(StatusListTest, TamperedFieldsBreakTheSignature) {
  StatusList list = StatusList::Create("1");
  ASSERT_TRUE(list.Set(10).ok());
  StatusList other = StatusList::Create("1");
  const auto doc = nlohmann::ordered_json::parse(Signed(list));
  const auto other_doc = nlohmann::ordered_json::parse(Signed(other));

  auto expect_bad_signature = [&](nlohmann::ordered_json d, const char* what) {
    auto r = StatusList::FromSignedJson(d.dump(), keys_, kNow);
    ASSERT_FALSE(r.ok()) << what;
    EXPECT_EQ(r.status().id(), ErrorId::kBadSignature) << what;
  };
  auto d = doc;
  d["encodedList"] = other_doc["encodedList"];  // un-revoke card 10
  expect_bad_signature(d, "encodedList swapped");
  d = doc;
  d["validUntil"] = kUntil + 86400;
  expect_bad_signature(d, "validUntil extended");
  d = doc;
  d["id"] = "2";
  expect_bad_signature(d, "id changed");
  d = doc;
  d["issuer"] = "https://id.sfgov.example/";
  expect_bad_signature(d, "issuer changed");
  d = doc;
  d["proof"]["signature"] = other_doc["proof"]["signature"];
  expect_bad_signature(d, "signature of another list");
}

TEST_F(StatusListTest, UnknownKeyIsReported) {
  auto json = StatusList::Create("1").ToSignedJson(*other_, kIssuer, kFrom, kUntil);
  ASSERT_TRUE(json.ok());
  EXPECT_EQ(StatusList::FromSignedJson(*json, keys_, kNow).status().id(), ErrorId::kUnknownKey);
}

TEST_F(StatusListTest, StructureErrorsAreBadStatusList) {
  const auto doc = nlohmann::ordered_json::parse(Signed(StatusList::Create("1")));
  auto expect_bad = [&](const std::string& json, const char* what) {
    auto r = StatusList::FromSignedJson(json, keys_, kNow);
    ASSERT_FALSE(r.ok()) << what;
    EXPECT_EQ(r.status().id(), ErrorId::kBadStatusList) << what << ": " << r.status().ToString();
  };
  expect_bad("", "empty");
  expect_bad("{", "truncated JSON");
  expect_bad("[]", "array");
  expect_bad(std::string(kMaxStatusListJsonBytes + 1, ' '), "too large");
  auto d = doc;
  d["extra"] = 1;
  expect_bad(d.dump(), "unknown member");
  d = doc;
  d.erase("proof");
  expect_bad(d.dump(), "no proof");
  d = doc;
  d["proof"]["alg"] = "ES256";
  expect_bad(d.dump(), "alg");
  d = doc;
  d["proof"]["x5c"] = "x";
  expect_bad(d.dump(), "unknown proof member");
  d = doc;
  d["type"] = "StatusList2021";
  expect_bad(Resign(d), "type");
  d = doc;
  d["statusPurpose"] = "suspension";
  expect_bad(d.dump(), "purpose");
  d = doc;
  d["validFrom"] = "2026-01-01T00:00:00Z";
  expect_bad(d.dump(), "string time");
  d = doc;
  d["validFrom"] = -5;
  expect_bad(d.dump(), "negative time");
  d = doc;
  d["proof"]["signature"] = "AAAA";
  expect_bad(d.dump(), "short signature");
}

TEST_F(StatusListTest, BadEncodedListIsRejectedAfterTheSignature) {
  const auto doc = nlohmann::ordered_json::parse(Signed(StatusList::Create("1")));
  auto expect_bad = [&](const std::string& encoded, const char* what) {
    auto d = doc;
    d["encodedList"] = encoded;
    auto r = StatusList::FromSignedJson(Resign(d), keys_, kNow);
    ASSERT_FALSE(r.ok()) << what;
    EXPECT_EQ(r.status().id(), ErrorId::kBadStatusList) << what << ": " << r.status().ToString();
  };
  const std::string good = doc["encodedList"];
  expect_bad(good.substr(1), "no multibase prefix");
  expect_bad("z" + good.substr(1), "base58 prefix");
  expect_bad("u!!!!", "not base64url");
  expect_bad("u" + Base64UrlEncode(ZlibCompress(Bytes(16384, 0))), "zlib, not gzip");
  expect_bad("u" + Base64UrlEncode(GzipCompress(Bytes(1000, 0))), "fewer than 131072 entries");
  // A signed gzip bomb: 64 MiB of zeros; decompression stops at the 2 MiB limit.
  expect_bad("u" + Base64UrlEncode(GzipCompress(Bytes(64 * 1024 * 1024, 0))), "gzip bomb");
}

TEST_F(StatusListTest, ValidityWindowIsEnforced) {
  const std::string json = Signed(StatusList::Create("1"));
  EXPECT_TRUE(StatusList::FromSignedJson(json, keys_, kFrom).ok());
  EXPECT_TRUE(StatusList::FromSignedJson(json, keys_, kUntil - 1).ok());
  EXPECT_EQ(StatusList::FromSignedJson(json, keys_, kUntil).status().id(),
            ErrorId::kBadStatusList);  // stale
  EXPECT_EQ(StatusList::FromSignedJson(json, keys_, kFrom - 301).status().id(),
            ErrorId::kBadStatusList);  // not yet valid
}

TEST_F(StatusListTest, IssuerMustMatchTheKeySet) {
  auto json =
      StatusList::Create("1").ToSignedJson(*signer_, "https://other.example", kFrom, kUntil);
  ASSERT_TRUE(json.ok());
  EXPECT_EQ(StatusList::FromSignedJson(*json, keys_, kNow).status().id(), ErrorId::kBadStatusList);
  keys_.issuer.clear();  // a key set without an issuer does not constrain it
  EXPECT_TRUE(StatusList::FromSignedJson(*json, keys_, kNow).ok());
}

TEST_F(StatusListTest, ToSignedJsonValidatesItsInputs) {
  const StatusList list = StatusList::Create("1");
  EXPECT_EQ(list.ToSignedJson(*signer_, "", kFrom, kUntil).status().id(), ErrorId::kMissingField);
  EXPECT_EQ(list.ToSignedJson(*signer_, "a\x01", kFrom, kUntil).status().id(),
            ErrorId::kInvalidArgument);
  EXPECT_EQ(list.ToSignedJson(*signer_, kIssuer, kUntil, kFrom).status().id(),
            ErrorId::kInvalidArgument);
  EXPECT_EQ(
      StatusList::Create("bad id").ToSignedJson(*signer_, kIssuer, kFrom, kUntil).status().id(),
      ErrorId::kInvalidArgument);
}

TEST(StatusListDeathTest, CreateRequiresAValidSize) {
  EXPECT_DEATH(StatusList::Create("1", 1000), "");
  EXPECT_DEATH(StatusList::Create("1", 131073), "");
}

}  // namespace
}  // namespace cityid::credential
