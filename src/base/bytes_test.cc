#include "base/bytes.h"

#include <gtest/gtest.h>
#include <sodium.h>

namespace cityid {
namespace {

TEST(BytesTest, HexRoundTrip) {
  Bytes b = {0x00, 0x7f, 0xff, 0x10};
  EXPECT_EQ(HexEncode(b), "007fff10");
  EXPECT_EQ(*HexDecode("007FFF10"), b);
  EXPECT_FALSE(HexDecode("abc").ok());
  EXPECT_FALSE(HexDecode("zz").ok());
}

TEST(BytesTest, Base64UrlRoundTrip) {
  ASSERT_GE(sodium_init(), 0);
  Bytes b = {0xfb, 0xff, 0x00, 0x01, 0x02};
  const std::string s = Base64UrlEncode(b);
  EXPECT_EQ(s.find('='), std::string::npos);
  EXPECT_EQ(*Base64UrlDecode(s), b);
  EXPECT_FALSE(Base64UrlDecode("***").ok());
}

TEST(BytesTest, Utf8Validation) {
  EXPECT_TRUE(IsValidUtf8("José García"));
  EXPECT_TRUE(IsValidUtf8("Хосе Гарсия"));
  EXPECT_TRUE(IsValidUtf8("\xF0\x9F\x98\x80"));
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));          // overlong
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(IsValidUtf8("abc\xFF"));           // invalid byte
  EXPECT_FALSE(IsValidUtf8("\xE2\x82"));          // truncated
}

TEST(BytesTest, ConstantTimeEqualsComparesLengthAndContent) {
  Bytes a = {1, 2, 3}, b = {1, 2, 3}, c = {1, 2, 4}, d = {1, 2};
  EXPECT_TRUE(ConstantTimeEquals(a, b));
  EXPECT_FALSE(ConstantTimeEquals(a, c));
  EXPECT_FALSE(ConstantTimeEquals(a, d));
}

}  // namespace
}  // namespace cityid
