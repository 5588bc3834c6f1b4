#include "core/applicant.h"

#include <gtest/gtest.h>

#include "base/json_depth.h"

namespace cityid::core {
namespace {

const Date kToday{2026, 11, 25};

Result<ApplicantInput> Parse(const std::string& json) {
  return ParseApplicantJson(json, ".", kToday);
}

constexpr const char* kGood = R"({
  "legal_name": {"given": "José", "family": "García"},
  "date_of_birth": "1990-04-12",
  "address": {"line1": "1 Main St", "city": "New York", "state": "NY", "postal_code": "10001"},
  "gender": "X",
  "language": "es",
  "documents": [
    {"type": "foreign_passport", "number": "X1234567", "expires": "2030-01-01"},
    {"type": "utility_bill", "issued": "2026-11-01"}
  ]
})";

TEST(ApplicantTest, ParsesTheDocumentedShape) {
  auto a = Parse(kGood);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->legal_name.given, "José");
  EXPECT_EQ(a->date_of_birth.ToString(), "1990-04-12");
  ASSERT_EQ(a->documents.size(), 2u);
  EXPECT_EQ(a->documents[0].number, "X1234567");
  EXPECT_EQ(a->documents[1].issued->ToString(), "2026-11-01");
  EXPECT_TRUE(a->address.has_value());
}

// Issue 15: the applicant parser holds the text to kMaxJsonDepth levels before parsing (the
// CLI's file and the API's body both come here); a deep file within the 64 KiB is refused.
TEST(ApplicantTest, NestingDeeperThanTheJsonLimitIsRefusedBeforeParsing) {
  auto nested = [](size_t levels) {
    std::string v = "1";
    for (size_t i = 1; i < levels; ++i) v = "[" + v + "]";
    return std::string(R"({"legal_name": {"given": "Ana", "family": "Lopez"},)") +
           R"("date_of_birth": "1990-04-12", "documents": [], "gender": )" + v + "}";
  };
  // At the limit the text parses, and the field is refused for what it is.
  auto at_limit = Parse(nested(kMaxJsonDepth));
  EXPECT_EQ(at_limit.status().id(), ErrorId::kInvalidArgument) << at_limit.status().ToString();
  auto deeper = Parse(nested(kMaxJsonDepth + 1));
  EXPECT_EQ(deeper.status().id(), ErrorId::kMalformedJson);
  EXPECT_EQ(deeper.status().message(), "applicant file: JSON nested deeper than 32 levels");
  const std::string bomb = std::string(30000, '[') + std::string(30000, ']');
  EXPECT_EQ(Parse(bomb).status().message(), "applicant file: JSON nested deeper than 32 levels");
}

struct BadCase {
  const char* name;
  std::string json;
  ErrorId expected;
};

TEST(ApplicantTest, RejectsBadInputNamingTheField) {
  const std::string long_name(201, 'a');
  const std::vector<BadCase> cases = {
      {"malformed", "{\"legal_name\": ", ErrorId::kMalformedJson},
      {"array", "[]", ErrorId::kMalformedJson},
      {"invalid utf8", "{\"legal_name\": {\"given\": \"\xff\xfe\"}}", ErrorId::kInvalidUtf8},
      {"unknown field", R"({"legal_name": {"given": "A"}, "ssn": "1", "date_of_birth": "1990-01-01", "documents": []})",
       ErrorId::kUnknownField},
      {"missing name", R"({"date_of_birth": "1990-01-01", "documents": []})", ErrorId::kMissingField},
      {"long name", "{\"legal_name\": {\"given\": \"" + long_name + "\"}, \"date_of_birth\": \"1990-01-01\", \"documents\": []}",
       ErrorId::kFieldTooLong},
      {"bad date", R"({"legal_name": {"given": "A"}, "date_of_birth": "1990-02-30", "documents": []})",
       ErrorId::kInvalidDate},
      {"future dob", R"({"legal_name": {"given": "A"}, "date_of_birth": "2030-01-01", "documents": []})",
       ErrorId::kInvalidDate},
      {"number type", R"({"legal_name": {"given": 5}, "date_of_birth": "1990-01-01", "documents": []})",
       ErrorId::kInvalidArgument},
      {"bad gender", R"({"legal_name": {"given": "A"}, "date_of_birth": "1990-01-01", "gender": "Q", "documents": []})",
       ErrorId::kInvalidArgument},
      {"doc unknown key", R"({"legal_name": {"given": "A"}, "date_of_birth": "1990-01-01", "documents": [{"type": "lease", "country": "MX"}]})",
       ErrorId::kUnknownField},
      {"expiry before issue", R"({"legal_name": {"given": "A"}, "date_of_birth": "1990-01-01", "documents": [{"type": "lease", "issued": "2020-01-01", "expires": "2019-01-01"}]})",
       ErrorId::kInvalidDate},
      {"missing photo", R"({"legal_name": {"given": "A"}, "date_of_birth": "1990-01-01", "photo": "/nonexistent.png", "documents": []})",
       ErrorId::kInvalidPhoto},
      {"duplicate key", R"({"legal_name": {"given": "A"}, "legal_name": {"given": "B"}, "date_of_birth": "1990-01-01", "documents": []})",
       ErrorId::kMalformedJson},
      {"latin not ascii", R"({"legal_name": {"given": "A"}, "latin_name": {"given": "Ä"}, "date_of_birth": "1990-01-01", "documents": []})",
       ErrorId::kInvalidArgument},
      {"control char", "{\"legal_name\": {\"given\": \"A\\u0007\"}, \"date_of_birth\": \"1990-01-01\", \"documents\": []}",
       ErrorId::kInvalidArgument},
      {"emoji", "{\"legal_name\": {\"given\": \"A\\ud83d\\ude00\"}, \"date_of_birth\": \"1990-01-01\", \"documents\": []}",
       ErrorId::kInvalidName},
      {"no name part", R"({"legal_name": {"given": "", "family": " "}, "date_of_birth": "1990-01-01", "documents": []})",
       ErrorId::kMissingField},
  };
  for (const auto& c : cases) {
    auto r = Parse(c.json);
    ASSERT_FALSE(r.ok()) << c.name;
    EXPECT_EQ(r.status().id(), c.expected) << c.name << ": " << r.status().ToString();
  }
}

TEST(ApplicantTest, ErrorMessagesNeverEchoValues) {
  auto r = Parse(R"({"legal_name": {"given": "Secretname"}, "date_of_birth": "1990-02-31", "documents": []})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message().find("Secretname"), std::string::npos);
  EXPECT_EQ(r.status().message().find("1990"), std::string::npos);
}

// A valid 1x1 RGBA PNG (67 bytes).
Bytes TinyPng() {
  return *HexDecode(
      "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000a49444154789c"
      "63000100000500010d0a2db40000000049454e44ae426082");
}

TEST(ApplicantTest, PhotoMustBeJpegOrPng) {
  const Bytes png = TinyPng();
  EXPECT_EQ(*CheckPhoto(png), "png");
  Bytes garbage = {0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a};
  garbage.resize(100);  // a PNG signature, then nothing that decodes
  EXPECT_EQ(CheckPhoto(garbage).status().id(), ErrorId::kInvalidPhoto);
  Bytes gif = ToBytes("GIF89a");
  gif.resize(100);
  EXPECT_EQ(CheckPhoto(gif).status().id(), ErrorId::kInvalidPhoto);
  EXPECT_EQ(CheckPhoto(Bytes(10)).status().id(), ErrorId::kInvalidPhoto);
}

// Issue 14 §5: a 20000x20000 PNG of a few hundred bytes was enrolled, approved and issued, and
// only printing refused it. Enrollment (CLI and API both call CheckPhoto) now refuses it from
// its header, before decoding anything.
TEST(ApplicantTest, DecompressionBombPhotoIsRefusedFromItsHeader) {
  Bytes bomb = TinyPng();
  const uint8_t side[4] = {0x00, 0x00, 0x4e, 0x20};  // 20000, big-endian (IHDR width, height)
  std::copy(side, side + 4, bomb.begin() + 16);
  std::copy(side, side + 4, bomb.begin() + 20);
  auto r = CheckPhoto(bomb);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().id(), ErrorId::kInvalidPhoto);
  EXPECT_NE(r.status().message().find("4000"), std::string::npos) << r.status().message();
}

TEST(ApplicantTest, VeteranIsAnOptionalBoolean) {
  auto plain = Parse(kGood);
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_FALSE(plain->veteran);
  std::string with = kGood;
  with.insert(with.find("\"gender\""), "\"veteran\": true, ");
  auto vet = Parse(with);
  ASSERT_TRUE(vet.ok()) << vet.status().ToString();
  EXPECT_TRUE(vet->veteran);
  std::string bad = kGood;
  bad.insert(bad.find("\"gender\""), "\"veteran\": \"yes\", ");
  auto refused = Parse(bad);
  EXPECT_EQ(refused.status().id(), ErrorId::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("veteran"), std::string::npos);
}

TEST(ApplicantTest, PersonRecordRoundTrips) {
  PersonRecord r;
  r.legal_name = {"Хосе", "Гарсия"};
  r.latin_name = {"Hose", "Garsiâ"};
  r.ascii_name = {"Hose", "Garsia"};
  r.date_of_birth = {1990, 4, 12};
  r.address = Address{"1 Main", "", "NYC", "NY", "10001"};
  r.photo = Bytes{1, 2, 3};
  r.photo_type = "png";
  r.veteran = true;
  r.card_seeds.emplace_back("123", Bytes(32, 7));
  auto back = PersonRecord::FromJson(r.ToJson());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->legal_name.given, "Хосе");
  EXPECT_EQ(back->photo, r.photo);
  EXPECT_TRUE(back->veteran);
  EXPECT_EQ(back->card_seeds.size(), 1u);
  EXPECT_EQ(PersonRecord::FromJson("{}").status().id(), ErrorId::kStoreCorrupt);
}

}  // namespace
}  // namespace cityid::core

namespace cityid::core {
namespace {

TEST(ApplicantTest, MononymInFamilyIsAcceptedAndNamesAreNormalized) {
  auto r = Parse(R"({"legal_name": {"family": "Suharto"}, "date_of_birth": "1990-01-01", "documents": []})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->legal_name.given, "");
  EXPECT_EQ(r->legal_name.family, "Suharto");
  // Decomposed input is stored composed (NFC); spaces are collapsed.
  r = Parse("{\"legal_name\": {\"given\": \"  A\\u0301na   Mar\u00eda \"}, \"date_of_birth\": \"1990-01-01\", \"documents\": []}");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->legal_name.given, "\u00c1na Mar\u00eda");
}

}  // namespace
}  // namespace cityid::core
