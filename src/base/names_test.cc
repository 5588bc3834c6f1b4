#include "base/names.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace cityid::names {
namespace {

TEST(NamesTest, AcceptsLettersAndMarksOfEveryScript) {
  for (const char* name : {
           "José",
           "Nguyễn Thị Minh Khai",
           "O'Brien",
           "Jean-Luc",
           "Col·lecció",
           "Ђорђе",
           "Αλέξανδρος",
           "Գրիգոր",
           "ნინო",
           "דוד",
           "ג׳ון",
           "محمد",
           "می‌خواهم",
           "क्‍ष",
           "অমর",
           "தமிழ்",
           "สมชาย",
           "ສົມພອນ",
           "សុខា",
           "မောင်",
           "ተስፋዬ",
           "王小明",
           "陳大文",
           "さくら",
           "ジョン・スミス",
           "김민준",
           "བསྟན་འཛིན",
           "A\u0301na",
           "Ivan Петров",
           "St. John",
       }) {
    const auto n = NormalizeName(name, Kind::kFull);
    ASSERT_TRUE(n.ok()) << name << ": " << n.status().ToString();
    EXPECT_TRUE(CheckName(*n, Kind::kFull).ok()) << name;
  }
}

TEST(NamesTest, NormalizesToNfcAndCollapsesSpaces) {
  EXPECT_EQ(*NormalizeName("  A\u0301na   Mar\u0131a ", Kind::kFull), "\u00C1na Mar\u0131a");
  EXPECT_EQ(*NormalizeName("   ", Kind::kPart), "");
  // Not canonical: CheckName says so, NormalizeName fixes it.
  EXPECT_EQ(CheckName("A\u0301na", Kind::kPart).id(), ErrorId::kInvalidName);
  EXPECT_EQ(CheckName(" Ana", Kind::kPart).id(), ErrorId::kInvalidName);
  EXPECT_EQ(CheckName("Ana  Lopez", Kind::kFull).id(), ErrorId::kInvalidName);
}

TEST(NamesTest, RefusesEmojiControlsBidiOverridesAndStrayMarksNamingNoValue) {
  struct Case {
    const char* what;
    std::string name;
    ErrorId id;
  };
  const std::vector<Case> cases = {
      {"emoji", "Ana \U0001F600", ErrorId::kInvalidName},
      {"emoji with variation selector", "Ana\u2764\uFE0F", ErrorId::kInvalidName},
      {"regional indicators", "\U0001F1FA\U0001F1F8", ErrorId::kInvalidName},
      {"skin tone modifier", "Ana\U0001F3FD", ErrorId::kInvalidName},
      {"bidi override", "Ana\u202Egnol", ErrorId::kInvalidArgument},
      {"bidi isolate", "\u2067Ana", ErrorId::kInvalidArgument},
      {"right-to-left mark", "Ana\u200F", ErrorId::kInvalidName},
      {"C0 control", "Ana\x07", ErrorId::kInvalidArgument},
      {"C1 control", "Ana\u0085", ErrorId::kInvalidArgument},
      {"lone combining mark", "\u0301", ErrorId::kInvalidName},
      {"mark after space", "Ana \u0301Lopez", ErrorId::kInvalidName},
      {"ZWJ at the start", "\u200DAna", ErrorId::kInvalidName},
      {"ZWNJ at the end", "Ana\u200C", ErrorId::kInvalidName},
      {"ZWJ before a space", "Ana\u200D Lopez", ErrorId::kInvalidName},
      {"soft hyphen", "Ana\u00ADLopez", ErrorId::kInvalidName},
      {"Hangul filler", "\u3164", ErrorId::kInvalidName},
      {"digit", "Ana2", ErrorId::kInvalidName},
      {"symbol", "Ana\u00AE", ErrorId::kInvalidName},
      {"enclosing keycap", "A\u20E3", ErrorId::kInvalidName},
      {"private use", "Ana\uE000", ErrorId::kInvalidName},
      {"unassigned", "Ana\U000E0080", ErrorId::kInvalidName},
      {"no-break space", "Ana\u00A0Lopez", ErrorId::kInvalidName},
      {"punctuation only", "-'.", ErrorId::kInvalidName},
      {"other punctuation", "Ana!", ErrorId::kInvalidName},
      {"invalid UTF-8", "Ana\xC3", ErrorId::kInvalidUtf8},
      {"too many characters", std::string(kMaxPartCodePoints + 1, 'a'), ErrorId::kFieldTooLong},
      {"too many bytes",
       [] {
         std::string s;
         for (size_t i = 0; i < kMaxPartBytes / 3 + 1; ++i) s += "王";
         return s;
       }(),
       ErrorId::kFieldTooLong},
  };
  for (const auto& c : cases) {
    const auto r = NormalizeName(c.name, Kind::kPart);
    ASSERT_FALSE(r.ok()) << c.what;
    EXPECT_EQ(r.status().id(), c.id) << c.what << ": " << r.status().ToString();
    EXPECT_EQ(r.status().message().find("Ana"), std::string::npos) << c.what;
  }
}

TEST(NamesTest, LengthLimitsAreInclusive) {
  EXPECT_TRUE(CheckName(std::string(kMaxPartCodePoints, 'a'), Kind::kPart).ok());
  std::string han;
  for (size_t i = 0; i < kMaxPartBytes / 3; ++i) han += "王";
  EXPECT_TRUE(CheckName(han, Kind::kPart).ok());
  EXPECT_TRUE(CheckName(han + " " + han, Kind::kFull).ok());
}

TEST(NamesTest, LatinMeansEveryLetterIsLatin) {
  EXPECT_TRUE(IsLatin("José Nguyễn-O'Brien"));
  EXPECT_FALSE(IsLatin("Ivan Петров"));
  EXPECT_FALSE(IsLatin("王小明"));
}

TEST(NamesTest, NativeLanguageIsIso6393OrUndetermined) {
  EXPECT_EQ(NativeLanguageCode("es"), "spa");
  EXPECT_EQ(NativeLanguageCode("zh-Hant"), "zho");
  EXPECT_EQ(NativeLanguageCode(""), "und");
  EXPECT_EQ(NativeLanguageCode("x-klingon"), "und");
}

TEST(NamesTest, FreeTextRefusesControlsAndBidiOverrides) {
  EXPECT_TRUE(CheckText("1 Main St, Apt 2 (rear)", 100).ok());
  EXPECT_EQ(CheckText("a\nb", 100).id(), ErrorId::kInvalidArgument);
  EXPECT_EQ(CheckText("a\u202Eb", 100).id(), ErrorId::kInvalidArgument);
  EXPECT_EQ(CheckText("abc", 2).id(), ErrorId::kFieldTooLong);
}

}  // namespace
}  // namespace cityid::names
