#include "credential/base45.h"

#include <gtest/gtest.h>

#include "base/rng.h"

namespace cityid::credential {
namespace {

Bytes B(std::string_view s) { return ToBytes(s); }

// RFC 9285 §4.3 encoding examples and §4.4 decoding example.
TEST(Base45Test, EncodesRfc9285Examples) {
  EXPECT_EQ(Base45Encode(B("AB")), "BB8");
  EXPECT_EQ(Base45Encode(B("Hello!!")), "%69 VD92EX0");
  EXPECT_EQ(Base45Encode(B("base-45")), "UJCLQE7W581");
  EXPECT_EQ(Base45Encode(B("ietf!")), "QED8WEX0");
  EXPECT_EQ(Base45Encode(Bytes{}), "");
}

TEST(Base45Test, DecodesRfc9285Examples) {
  EXPECT_EQ(*Base45Decode("QED8WEX0", 100), B("ietf!"));
  EXPECT_EQ(*Base45Decode("BB8", 100), B("AB"));
  EXPECT_EQ(*Base45Decode("%69 VD92EX0", 100), B("Hello!!"));
  EXPECT_EQ(*Base45Decode("UJCLQE7W581", 100), B("base-45"));
  EXPECT_TRUE(Base45Decode("", 0)->empty());
}

TEST(Base45Test, AcceptsLargestGroupValues) {
  EXPECT_EQ(Base45Encode(Bytes{0xFF, 0xFF}), "FGW");  // 65535 = 15 + 16*45 + 32*45^2
  EXPECT_EQ(*Base45Decode("FGW", 2), (Bytes{0xFF, 0xFF}));
  EXPECT_EQ(Base45Encode(Bytes{0xFF}), "U5");  // 255 = 30 + 5*45
  EXPECT_EQ(*Base45Decode("U5", 1), (Bytes{0xFF}));
}

TEST(Base45Test, RejectsThreeCharacterGroupAbove65535) {
  // RFC 9285 §6: "GGW" decodes to 65536, which does not fit two bytes.
  auto r = Base45Decode("GGW", 10);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().id(), ErrorId::kBadBase45);
  EXPECT_EQ(Base45Decode(":::", 10).status().id(), ErrorId::kBadBase45);
  EXPECT_EQ(Base45Decode("BB8GGW", 10).status().id(), ErrorId::kBadBase45);
}

TEST(Base45Test, RejectsFinalPairAbove255) {
  EXPECT_EQ(Base45Decode("V5", 10).status().id(), ErrorId::kBadBase45);  // 256
  EXPECT_EQ(Base45Decode("::", 10).status().id(), ErrorId::kBadBase45);  // 2024
  EXPECT_EQ(Base45Decode("BB8V5", 10).status().id(), ErrorId::kBadBase45);
}

TEST(Base45Test, RejectsLengthOneModThree) {
  EXPECT_EQ(Base45Decode("A", 10).status().id(), ErrorId::kBadBase45);
  EXPECT_EQ(Base45Decode("BB8A", 10).status().id(), ErrorId::kBadBase45);
  EXPECT_EQ(Base45Decode("BB8BB8B", 10).status().id(), ErrorId::kBadBase45);
}

TEST(Base45Test, RejectsCharactersOutsideAlphabet) {
  EXPECT_EQ(Base45Decode("bb8", 10).status().id(), ErrorId::kBadBase45);  // lowercase
  EXPECT_EQ(Base45Decode("BB\n", 10).status().id(), ErrorId::kBadBase45);
  EXPECT_EQ(Base45Decode("BB=", 10).status().id(), ErrorId::kBadBase45);
  EXPECT_EQ(Base45Decode(std::string_view("B\0"
                                          "8",
                                          3),
                         10)
                .status()
                .id(),
            ErrorId::kBadBase45);
  EXPECT_EQ(Base45Decode("BB\xC3", 10).status().id(), ErrorId::kBadBase45);
}

TEST(Base45Test, ErrorMessageNamesOffsetNotText) {
  auto r = Base45Decode("BB8BB8b", 10);  // length 7 is 1 mod 3
  EXPECT_EQ(r.status().message().find("BB8"), std::string::npos);
  auto r2 = Base45Decode("BB8BBa", 10);
  ASSERT_FALSE(r2.ok());
  EXPECT_NE(r2.status().message().find("offset 5"), std::string::npos);
}

TEST(Base45Test, RejectsOutputLargerThanMaxBeforeDecoding) {
  EXPECT_EQ(Base45Decode("BB8", 1).status().id(), ErrorId::kPayloadTooLarge);
  // Even invalid characters are not looked at when the size alone is too large.
  EXPECT_EQ(Base45Decode("aaaaaa", 3).status().id(), ErrorId::kPayloadTooLarge);
  EXPECT_TRUE(Base45Decode("BB8", 2).ok());
}

TEST(Base45Test, DecodedSizeMatchesDecoder) {
  EXPECT_EQ(Base45DecodedSize(0), 0u);
  EXPECT_EQ(Base45DecodedSize(2), 1u);
  EXPECT_EQ(Base45DecodedSize(3), 2u);
  EXPECT_EQ(Base45DecodedSize(5), 3u);
  EXPECT_EQ(Base45DecodedSize(4096), 2730u);
}

TEST(Base45Test, RoundTripsRandomBytesOfEveryLength) {
  SeededRng rng(45);
  for (size_t n = 0; n < 300; ++n) {
    Bytes data(n);
    if (n > 0) rng.Fill(data);  // SeededRng::Fill on an empty span trips UBSan (base/rng.cc)
    const std::string text = Base45Encode(data);
    EXPECT_EQ(text.size(), n / 2 * 3 + (n % 2) * 2);
    auto back = Base45Decode(text, n);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(*back, data);
  }
}

}  // namespace
}  // namespace cityid::credential
