// Expected transliterations are what ICU 72 (Debian 12) produces through the pipeline of
// name_normalizer.h; docs/dedup.md lists them.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "crypto/blind_index.h"
#include "crypto/sign.h"
#include "dedup/dedup_keys.h"
#include "dedup/name_normalizer.h"
#include "dedup/phonetic.h"

namespace cityid::dedup {
namespace {

crypto::SecretBytes KeyOf(uint8_t fill) {
  crypto::SecretBytes key(crypto::kBlindIndexKeyBytes);
  for (size_t i = 0; i < key.size(); ++i) key.data()[i] = static_cast<uint8_t>(fill + i);
  return key;
}

class DedupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(crypto::InitCrypto().ok());
    auto normalizer = NameNormalizer::Create();
    ASSERT_TRUE(normalizer.ok()) << normalizer.status().ToString();
    normalizer_ = std::move(*normalizer);
  }

  std::vector<DedupKey> Keys(std::string_view given, std::string_view family, const Date& dob) {
    auto keys = NameDobKeys(*normalizer_, indexer_, given, family, dob);
    EXPECT_TRUE(keys.ok()) << keys.status().ToString();
    return keys.ok() ? *keys : std::vector<DedupKey>{};
  }

  std::string Messages(std::string_view given, std::string_view family, const Date& dob) {
    auto m = ComputeNameKeyMessages(*normalizer_, given, family, dob);
    if (!m.ok()) return m.status().ToString();
    return m->exact + " / " + m->phonetic + " / " + m->joined;
  }

  std::unique_ptr<NameNormalizer> normalizer_;
  crypto::BlindIndexer indexer_{KeyOf(1)};
  const Date dob_{1990, 5, 17};
};

// ---------------------------------------------------------------------------------------------
// Transliteration

struct TranslitCase {
  const char* input;
  const char* latin;
  const char* ascii;
};

TEST_F(DedupTest, TransliteratesEveryScriptToLatinAndAscii) {
  const TranslitCase cases[] = {
      // Latin with diacritics stays as typed; ASCII folds.
      {"José García", "José García", "Jose Garcia"},
      {"JOSE GARCIA", "JOSE GARCIA", "JOSE GARCIA"},
      {"Łukasz Żółć", "Łukasz Żółć", "Lukasz Zolc"},
      {"Straße", "Straße", "Strasse"},
      {"Ørsted Æsa", "Ørsted Æsa", "Orsted AEsa"},
      {"O’Brien", "O’Brien", "O'Brien"},
      // Vietnamese.
      {"Nguyễn Văn An", "Nguyễn Văn An", "Nguyen Van An"},
      // Cyrillic: BGN/PCGN tables chosen by letters; soft-sign primes and ':' dropped.
      {"Хосе Гарсия", "Khose Garsiya", "Khose Garsiya"},
      {"Юлия Щербакова", "Yuliya Shcherbakova", "Yuliya Shcherbakova"},
      {"Игорь Цой", "Igor Tsoy", "Igor Tsoy"},
      {"Тсой", "Tsoy", "Tsoy"},
      {"Marc Col·lell", "Marc Col·lell", "Marc Collell"},          // a typed middle dot stays
      {"Олександр Їжак", "Oleksandr Yizhak", "Oleksandr Yizhak"},  // Ukrainian table
      {"Ђорђе Јовановић", "Đorđe Jovanović", "Dorde Jovanovic"},   // Serbian table
      // Greek: UNGEGN (modern), without its macron-below marks.
      {"Γιώργος Παπαδόπουλος", "Giórgos Papadópoulos", "Giorgos Papadopoulos"},
      {"Ευάγγελος", "Evángelos", "Evangelos"},
      // Arabic and Hebrew: consonantal, title-cased because the source has no case.
      {"محمد", "Mḥmd", "Mhmd"},
      {"فاطمة", "Fạṭmh", "Fatmh"},  // ta marbuta read as heh
      {"דוד כהן", "Dwd Khn", "Dwd Khn"},
      {"משה", "Mşh", "Msh"},
      // Indic.
      {"राहुल शर्मा", "Rāhula Śarmā", "Rahula Sarma"},
      {"রহিম উদ্দিন", "Rahima Uddina", "Rahima Uddina"},
      // Han (pinyin, one word per character) and Hangul (one word per block run).
      {"王芳", "Wáng Fāng", "Wang Fang"},
      {"김민준", "Gimminjun", "Gimminjun"},
      // Others ICU covers: kana, Armenian, Georgian, Thai, Ethiopic.
      {"たなか", "Tanaka", "Tanaka"},
      {"Աննա", "Anna", "Anna"},
      {"ნინო", "Nino", "Nino"},
      {"สมชาย", "S̄mchāy", "Smchay"},
      {"ተስፋዬ", "Tasǝfāye", "Tasfaye"},
      // Latin input keeps the applicant's case, even all lowercase.
      {"josé garcía", "josé garcía", "jose garcia"},
      {"Þórunn", "Þórunn", "THorunn"},
      // NFKC and white space.
      {"ＪＯＳＥ", "JOSE", "JOSE"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.input);
    auto latin = normalizer_->ToLatin(c.input);
    ASSERT_TRUE(latin.ok()) << latin.status().ToString();
    EXPECT_EQ(*latin, c.latin);
    auto ascii = normalizer_->ToAscii(c.input);
    ASSERT_TRUE(ascii.ok()) << ascii.status().ToString();
    EXPECT_EQ(*ascii, c.ascii);
  }
}

// Issue 14 §6: ZWJ/ZWNJ (Persian, Indic scripts) were refused as control characters; they only
// choose glyph forms, so the name with or without them is the same name.
TEST_F(DedupTest, ZeroWidthJoinersAreAcceptedAndDoNotChangeTheName) {
  const auto with = normalizer_->Tokens("محمد\u200Cرضا");
  ASSERT_TRUE(with.ok()) << with.status().ToString();
  EXPECT_EQ(*with, *normalizer_->Tokens("محمدرضا"));
  const auto indic = normalizer_->ToAscii("क्\u200Dषितिज");
  ASSERT_TRUE(indic.ok()) << indic.status().ToString();
  EXPECT_EQ(*indic, *normalizer_->ToAscii("क्षितिज"));
}

TEST_F(DedupTest, CollapsesAndTrimsSpaces) {
  EXPECT_EQ(*normalizer_->ToLatin("  José   García "), "José García");
  EXPECT_EQ(*normalizer_->ToAscii("  Jose   Garcia "), "Jose Garcia");
  EXPECT_EQ(*normalizer_->ToAscii("\u00A0José\u3000García"), "Jose Garcia");  // NBSP, ideographic
  EXPECT_EQ(*normalizer_->ToLatin(""), "");
}

TEST_F(DedupTest, AsciiOutputIsPrintableAscii) {
  for (const char* name : {"Ahmad ʿAli", "ተስፋዬ", "สมชาย", "أحمد علي", "Ŝ\u0301x"}) {
    auto ascii = normalizer_->ToAscii(name);
    ASSERT_TRUE(ascii.ok()) << name;
    for (const char ch : *ascii) {
      EXPECT_TRUE(ch >= 0x20 && ch < 0x7F) << name;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Tokens

struct TokensCase {
  const char* input;
  std::vector<std::string> tokens;
};

TEST_F(DedupTest, TokensAreNormalizedSortedAndUnique) {
  const TokensCase cases[] = {
      {"José García", {"garcia", "jose"}},
      {"JOSE GARCIA", {"garcia", "jose"}},
      {"García, José", {"garcia", "jose"}},
      {"Хосе Гарсия", {"garsiya", "khose"}},
      {"O'Brien", {"obrien"}},
      {"O’Brien", {"obrien"}},
      {"OBrien", {"obrien"}},
      {"María-José de la Cruz", {"cruz", "de", "jose", "la", "maria"}},
      {"Nguyễn Văn An", {"an", "nguyen", "van"}},
      {"Straße", {"strasse"}},
      {"Тсой", {"tsoy"}},
      {"Ольга", {"olga"}},
      {"王芳", {"fang", "wang"}},
      {"Ahmad ʿAli", {"ahmad", "ali"}},
      {"ＪＯＳＥ", {"jose"}},
      {"Anna Anna", {"anna"}},
      {"J.R.R. Tolkien", {"j", "r", "tolkien"}},
      {"Henry 3rd", {"3rd", "henry"}},
      {"  -- , ", {}},
      {"", {}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.input);
    auto tokens = normalizer_->Tokens(c.input);
    ASSERT_TRUE(tokens.ok()) << tokens.status().ToString();
    EXPECT_EQ(*tokens, c.tokens);
  }
}

TEST_F(DedupTest, TokenSegmentsKeepOrderAndSplitAtCommas) {
  using Segments = std::vector<std::vector<std::string>>;
  EXPECT_EQ(*normalizer_->TokenSegments("García, José"), (Segments{{"garcia"}, {"jose"}}));
  EXPECT_EQ(*normalizer_->TokenSegments("Wang Xiao Ming"), (Segments{{"wang", "xiao", "ming"}}));
  EXPECT_EQ(*normalizer_->TokenSegments("小明"), (Segments{{"xiao", "ming"}}));
  EXPECT_EQ(*normalizer_->TokenSegments(", ,Ana,"), (Segments{{"ana"}}));
  EXPECT_EQ(*normalizer_->TokenSegments(""), Segments{});
}

// ---------------------------------------------------------------------------------------------
// Input validation

TEST_F(DedupTest, RejectsInvalidUtf8) {
  for (const char* bad : {"Jos\xC3", "\xC0\xAF", "abc\xFF", "\xED\xA0\x80"}) {
    EXPECT_EQ(normalizer_->ToLatin(bad).status().id(), ErrorId::kInvalidUtf8);
    EXPECT_EQ(normalizer_->ToAscii(bad).status().id(), ErrorId::kInvalidUtf8);
    EXPECT_EQ(normalizer_->Tokens(bad).status().id(), ErrorId::kInvalidUtf8);
    EXPECT_EQ(NameDobKeys(*normalizer_, indexer_, bad, "Garcia", dob_).status().id(),
              ErrorId::kInvalidUtf8);
  }
}

TEST_F(DedupTest, RejectsNamesLongerThan200Bytes) {
  const std::string ok(kMaxNameBytes, 'a');
  EXPECT_TRUE(normalizer_->Tokens(ok).ok());
  const std::string too_long(kMaxNameBytes + 1, 'a');
  EXPECT_EQ(normalizer_->ToLatin(too_long).status().id(), ErrorId::kFieldTooLong);
  EXPECT_EQ(normalizer_->Tokens(too_long).status().id(), ErrorId::kFieldTooLong);
  // 101 two-byte letters: 202 bytes.
  std::string cyrillic;
  for (int i = 0; i < 101; ++i) cyrillic += "ж";
  EXPECT_EQ(normalizer_->ToAscii(cyrillic).status().id(), ErrorId::kFieldTooLong);
  auto keys = NameDobKeys(*normalizer_, indexer_, "Ana", too_long, dob_);
  EXPECT_EQ(keys.status().id(), ErrorId::kFieldTooLong);
  EXPECT_EQ(keys.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(keys.status().message().find("family"), std::string::npos);
}

TEST_F(DedupTest, RejectsControlCharacters) {
  for (const char* bad : {"José\tGarcía", "Ana\nLopez", "Ana\x7F", "Ana\xC2\x85"}) {
    EXPECT_EQ(normalizer_->ToLatin(bad).status().id(), ErrorId::kInvalidArgument) << bad;
    EXPECT_EQ(normalizer_->Tokens(bad).status().id(), ErrorId::kInvalidArgument) << bad;
  }
}

TEST_F(DedupTest, ErrorMessagesNeverContainTheName) {
  auto r = NameDobKeys(*normalizer_, indexer_, "Secretname\xFF", "Garcia", dob_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message().find("Secretname"), std::string::npos);
  EXPECT_NE(r.status().message().find("given"), std::string::npos);
}

TEST_F(DedupTest, NameKeysNeedALetterAndAValidDate) {
  EXPECT_EQ(NameDobKeys(*normalizer_, indexer_, "", "", dob_).status().id(),
            ErrorId::kInvalidArgument);
  EXPECT_EQ(NameDobKeys(*normalizer_, indexer_, "--", "Jr.", dob_).status().id(),
            ErrorId::kInvalidArgument);
  EXPECT_EQ(NameDobKeys(*normalizer_, indexer_, "Ana", "Lopez", Date{1990, 2, 30}).status().id(),
            ErrorId::kInvalidDate);
  EXPECT_TRUE(NameDobKeys(*normalizer_, indexer_, "", "Lopez", dob_).ok());
}

// ---------------------------------------------------------------------------------------------
// Phonetic keys

struct PhoneticCase {
  const char* token;
  const char* key;
};

TEST(PhoneticKeyTest, CodesTransliterationVariantsAlike) {
  const PhoneticCase cases[] = {
      {"jose", "KS"},
      {"hose", "KS"},
      {"khose", "KS"},
      {"garcia", "KRS"},
      {"garsiya", "KRS"},
      {"garsia", "KRS"},
      {"mohammed", "MKMT"},
      {"muhammad", "MKMT"},
      {"mohamed", "MKMT"},
      {"mhmd", "MKMT"},
      {"muller", "MLR"},
      {"mueller", "MLR"},
      {"cohen", "KN"},
      {"kohn", "KN"},
      {"khn", "KN"},
      {"moshe", "MS"},
      {"msh", "MS"},
      {"sarah", "SR"},
      {"srh", "SR"},
      {"levy", "LP"},
      {"lwy", "LP"},
      {"philip", "PLP"},
      {"filip", "PLP"},
      {"thomas", "TMS"},
      {"tomas", "TMS"},
      {"evgeniy", "PKN"},
      {"yevgeny", "PKN"},
      {"evgenij", "PKN"},
      {"sergej", "SRK"},
      {"sergey", "SRK"},
      {"alexander", "LKSNTR"},
      {"aleksandr", "LKSNTR"},
      {"shcherbakova", "SRPKP"},
      {"zhanna", "SN"},
      {"chaykovskiy", "SKPSK"},
      {"tsoy", "S"},
      {"dzhamal", "KML"},
      {"jamal", "KML"},
      {"djamal", "KML"},
      {"christos", "KRSTS"},
      {"hristos", "KRSTS"},
      {"alejandro", "LKNTR"},
      {"alekhandro", "LKNTR"},
      {"ahmed", "KMT"},
      {"ahmad", "KMT"},
      {"ahmet", "KMT"},
      {"fatimah", "PTM"},
      {"fatmh", "PTM"},
      {"fatima", "PTM"},
      {"ali", "L"},
      {"ly", "L"},
      {"yusuf", "SP"},
      {"ywsf", "SP"},
      {"yosef", "SP"},
      {"ywsp", "SP"},
      {"mahmoud", "MKMT"},
      {"mhmwd", "MKMT"},
      {"dawood", "TPT"},
      {"dawd", "TPT"},
      {"tchaikovsky", "SKPSK"},
      {"gim", "KM"},
      {"kim", "KM"},
      {"schmidt", "SMT"},
      {"shmidt", "SMT"},
      {"ivanov", "PNP"},
      {"iwanow", "PNP"},
      {"ana", "N"},
      {"anna", "N"},
      {"lopez", "LPS"},
      {"perez", "PRS"},
      {"juan", "KN"},
      {"ai", "V"},
      {"", ""},
      {"123", ""},
      {"JOSE", "KS"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(PhoneticKey(c.token), c.key) << c.token;
  }
}

// ---------------------------------------------------------------------------------------------
// Name + date of birth keys

struct PersonName {
  const char* given;
  const char* family;
};

struct MatchCase {
  PersonName a;
  PersonName b;
  const char* matching_kind;  // a kind expected to match; nullptr: any
};

TEST_F(DedupTest, SamePersonInAnyFormSharesAKey) {
  const MatchCase cases[] = {
      {{"José", "García"}, {"JOSE", "GARCIA"}, "name_exact"},
      {{"José", "García"}, {"", "García, José"}, "name_exact"},
      {{"José", "García"}, {"García, José", ""}, "name_exact"},
      {{"José", "García"}, {"García", "José"}, "name_exact"},  // swapped fields
      {{"José", "García"}, {"Хосе", "Гарсия"}, "name_phonetic"},
      {{"JOSE", "GARCIA"}, {"Гарсия, Хосе", ""}, "name_phonetic"},
      {{"An", "Nguyễn Văn"}, {"An", "Nguyen Van"}, "name_exact"},
      {{"Văn An", "Nguyễn"}, {"Van An", "Nguyen"}, "name_exact"},
      {{"Hans", "Müller"}, {"Hans", "Mueller"}, "name_phonetic"},
      {{"Hans", "Müller"}, {"Hans", "Muller"}, "name_exact"},
      {{"Patrick", "O'Brien"}, {"Patrick", "OBrien"}, "name_exact"},
      {{"Patrick", "O’Brien"}, {"Patrick", "O'Brien"}, "name_exact"},
      {{"Patrick", "O'Brien"}, {"Patrick", "O Brien"}, "name_joined"},
      {{"María-José", "Pérez"}, {"Maria Jose", "Perez"}, "name_exact"},
      {{"María-José", "Pérez"}, {"MariaJose", "Perez"}, "name_joined"},
      {{"محمد", "علي"}, {"Mohammed", "Ali"}, "name_phonetic"},
      {{"محمد", "علي"}, {"Muhammad", "Ali"}, "name_phonetic"},
      {{"Mohamed", "Ali"}, {"Muhammad", "Aly"}, "name_phonetic"},
      {{"فاطمة", "حسين"}, {"Fatima", "Hussein"}, "name_phonetic"},
      {{"عبد الرحمن", "خالد"}, {"Abdulrahman", "Khalid"}, "name_joined"},
      {{"Abd al-Rahman", "Hassan"}, {"Abdulrahman", "Hasan"}, "name_joined"},
      {{"芳", "王"}, {"Fang", "Wang"}, "name_exact"},
      {{"王芳", ""}, {"Fang", "Wang"}, "name_exact"},
      {{"小明", "王"}, {"Xiaoming", "Wang"}, "name_joined"},
      {{"Γιώργος", "Παπαδόπουλος"}, {"Giorgos", "Papadopoulos"}, "name_exact"},
      {{"Γιώργος", "Παπαδόπουλος"}, {"Georgios", "Papadopoulos"}, "name_phonetic"},
      {{"Χρήστος", "Βασιλείου"}, {"Christos", "Vasileiou"}, "name_exact"},
      {{"Χρήστος", "Βασιλείου"}, {"Christos", "Vasiliou"}, "name_phonetic"},
      {{"Μαρία", "Νικολάου"}, {"Maria", "Nikolaou"}, "name_exact"},
      {{"Δημήτρης", "Ευαγγέλου"}, {"Dimitris", "Evangelou"}, "name_exact"},
      {{"داود", "محمود"}, {"Dawood", "Mahmoud"}, "name_phonetic"},
      {{"Piotr", "Iwanow"}, {"Пётр", "Иванов"}, "name_phonetic"},
      {{"משה", "כהן"}, {"Moshe", "Cohen"}, "name_phonetic"},
      {{"שרה", "לוי"}, {"Sarah", "Levy"}, "name_phonetic"},
      {{"Юлия", "Щербакова"}, {"Yulia", "Shcherbakova"}, "name_phonetic"},
      {{"Евгений", "Смирнов"}, {"Evgeny", "Smirnov"}, "name_phonetic"},
      {{"Сергей", "Чайковский"}, {"Sergei", "Tchaikovsky"}, "name_phonetic"},
      {{"Alejandro", "Rodríguez"}, {"Алехандро", "Родригес"}, "name_phonetic"},
      {{"राहुल", "शर्मा"}, {"Rahul", "Sharma"}, "name_phonetic"},
      {{"রহিম", "উদ্দিন"}, {"Rahim", "Uddin"}, "name_phonetic"},
      {{"민준", "김"}, {"Minjun", "Kim"}, "name_phonetic"},
      {{"John", "Smith Jr."}, {"John", "Smith"}, "name_exact"},
      {{"ＪＯＳＥ", "ＧＡＲＣＩＡ"}, {"José", "García"}, "name_exact"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(c.a.given) + " " + c.a.family + " ~ " + c.b.given + " " + c.b.family);
    const auto a = Keys(c.a.given, c.a.family, dob_);
    const auto b = Keys(c.b.given, c.b.family, dob_);
    EXPECT_TRUE(KeysOverlap(a, b)) << Messages(c.a.given, c.a.family, dob_) << "\n"
                                   << Messages(c.b.given, c.b.family, dob_);
    bool kind_matched = false;
    for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
      if (a[i].kind == c.matching_kind && a[i] == b[i]) kind_matched = true;
    }
    EXPECT_TRUE(kind_matched) << "expected a " << c.matching_kind << " match";
  }
}

TEST_F(DedupTest, DifferentPeopleShareNoKey) {
  const std::pair<PersonName, PersonName> cases[] = {
      {{"Ana", "Lopez"}, {"Juan", "Perez"}},      {{"Mohammed", "Ali"}, {"Ahmed", "Ali"}},
      {{"Fang", "Wang"}, {"Wei", "Zhang"}},       {{"Fang", "Wang"}, {"", "Wang"}},
      {{"David", "Cohen"}, {"Daniel", "Cohen"}},  {{"Olga", "Ivanova"}, {"Irina", "Ivanova"}},
      {{"José", "García"}, {"José", "Martínez"}}, {{"Maria", "Garcia"}, {"Maria", "Garcia Lopez"}},
      {{"Хосе", "Гарсия"}, {"Иван", "Петров"}},
  };
  for (const auto& [a, b] : cases) {
    SCOPED_TRACE(std::string(a.given) + " " + a.family + " vs " + b.given + " " + b.family);
    EXPECT_FALSE(KeysOverlap(Keys(a.given, a.family, dob_), Keys(b.given, b.family, dob_)))
        << Messages(a.given, a.family, dob_) << "\n"
        << Messages(b.given, b.family, dob_);
  }
}

TEST_F(DedupTest, DifferentDateOfBirthSharesNoKey) {
  const Date other{1990, 5, 18};
  for (const auto& [given, family] :
       {std::pair{"José", "García"}, std::pair{"محمد", "علي"}, std::pair{"芳", "王"}}) {
    EXPECT_FALSE(KeysOverlap(Keys(given, family, dob_), Keys(given, family, other))) << given;
    EXPECT_FALSE(KeysOverlap(Keys("José", "García", dob_), Keys("Хосе", "Гарсия", other)));
  }
}

TEST_F(DedupTest, NameKeysHaveFixedKindsAndSizes) {
  const auto keys = Keys("José", "García", dob_);
  ASSERT_EQ(keys.size(), 3u);
  EXPECT_EQ(keys[0].kind, kKindNameExact);
  EXPECT_EQ(keys[1].kind, kKindNamePhonetic);
  EXPECT_EQ(keys[2].kind, kKindNameJoined);
  for (const auto& k : keys) EXPECT_EQ(k.mac.size(), crypto::kBlindIndexBytes);
  // Domain separation: the three MACs differ even where their messages coincide.
  EXPECT_NE(keys[1].mac, keys[2].mac);
  EXPECT_EQ(Messages("José", "García", dob_),
            "garcia jose|1990-05-17 / KRS KS|1990-05-17 / KRS KS|1990-05-17");
}

TEST_F(DedupTest, KeysDependOnTheIndexKey) {
  crypto::BlindIndexer other(KeyOf(99));
  auto a = NameDobKeys(*normalizer_, indexer_, "José", "García", dob_);
  auto b = NameDobKeys(*normalizer_, other, "José", "García", dob_);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_FALSE(KeysOverlap(*a, *b));
  auto d1 = DocumentKey(indexer_, "foreign_passport", "AB123456");
  auto d2 = DocumentKey(other, "foreign_passport", "AB123456");
  ASSERT_TRUE(d1.ok() && d2.ok());
  EXPECT_NE(d1->mac, d2->mac);
}

TEST_F(DedupTest, KeysAreDeterministic) {
  EXPECT_EQ(Keys("Хосе", "Гарсия", dob_), Keys("Хосе", "Гарсия", dob_));
}

// ---------------------------------------------------------------------------------------------
// Document keys

TEST_F(DedupTest, DocumentNumberNormalization) {
  const std::pair<const char*, const char*> cases[] = {
      {"AB 123-456", "AB123456"},
      {"ab123456", "AB123456"},
      {"ab.123/456", "AB123456"},
      {" 0012 ", "0012"},
      {"x", "X"},
  };
  for (const auto& [in, out] : cases) {
    auto n = NormalizeDocumentNumber(in);
    ASSERT_TRUE(n.ok()) << in;
    EXPECT_EQ(*n, out);
  }
}

TEST_F(DedupTest, DocumentKeyIgnoresFormatting) {
  auto a = DocumentKey(indexer_, "foreign_passport", "AB 123-456");
  auto b = DocumentKey(indexer_, "foreign_passport", "ab123456");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->kind, kKindDocument);
  EXPECT_EQ(a->mac.size(), crypto::kBlindIndexBytes);
  EXPECT_EQ(*a, *b);
  EXPECT_EQ(*DocumentKey(indexer_, "Foreign_Passport", "AB123456"), *a);  // type case-folded
}

TEST_F(DedupTest, DocumentKeyDiffersForDifferentNumbersOrTypes) {
  auto a = *DocumentKey(indexer_, "foreign_passport", "AB123456");
  EXPECT_NE(*DocumentKey(indexer_, "foreign_passport", "AB123457"), a);
  EXPECT_NE(*DocumentKey(indexer_, "us_passport", "AB123456"), a);
  EXPECT_NE(*DocumentKey(indexer_, "foreign_passpor", "TAB123456"), a);  // ':' separates
  // Document keys never equal name keys (different domains).
  auto names = Keys("AB123456", "", dob_);
  EXPECT_FALSE(KeysOverlap(names, {a}));
}

TEST_F(DedupTest, DocumentKeyRejectsBadInput) {
  EXPECT_EQ(DocumentKey(indexer_, "foreign_passport", "").status().id(), ErrorId::kInvalidArgument);
  EXPECT_EQ(DocumentKey(indexer_, "foreign_passport", " - . ").status().id(),
            ErrorId::kInvalidArgument);
  const std::string too_long(kMaxDocumentNumberBytes + 1, '1');
  auto r = DocumentKey(indexer_, "foreign_passport", too_long);
  EXPECT_EQ(r.status().id(), ErrorId::kFieldTooLong);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(DocumentKey(indexer_, "foreign_passport", std::string(64, '1')).ok());
  EXPECT_EQ(DocumentKey(indexer_, "foreign_passport", "AB\xFF").status().id(),
            ErrorId::kInvalidUtf8);
  EXPECT_EQ(DocumentKey(indexer_, "foreign_passport", "АВ123").status().id(),  // Cyrillic
            ErrorId::kInvalidArgument);
  EXPECT_EQ(DocumentKey(indexer_, "foreign_passport", "AB\n123").status().id(),
            ErrorId::kInvalidArgument);
  EXPECT_EQ(DocumentKey(indexer_, "", "AB123").status().id(), ErrorId::kInvalidArgument);
  EXPECT_EQ(DocumentKey(indexer_, "passport:x", "AB123").status().id(), ErrorId::kInvalidArgument);
  EXPECT_EQ(DocumentKey(indexer_, std::string(65, 'a'), "AB123").status().id(),
            ErrorId::kInvalidArgument);
}

// ---------------------------------------------------------------------------------------------
// Performance and concurrency

TEST_F(DedupTest, NameKeysAreFast) {
  // Guards against per-call ICU set-up (creating a transliterator costs ~100 µs or more).
  // The bound is loose for sanitizer builds and shared CI machines; typical is 5-25 µs.
  constexpr int kIterations = 500;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kIterations; ++i) {
    auto keys = NameDobKeys(*normalizer_, indexer_, "Хосе", "Гарсия", dob_);
    ASSERT_TRUE(keys.ok());
  }
  const double us =
      std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count() /
      kIterations;
  RecordProperty("name_dob_keys_cyrillic_us", std::to_string(us));
  EXPECT_LT(us, 1000.0);
}

TEST_F(DedupTest, OneNormalizerIsSafeAcrossThreads) {
  const auto expected = Keys("Хосе", "Гарсия", dob_);
  std::vector<std::thread> threads;
  std::atomic<int> mismatches{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 100; ++i) {
        auto keys = NameDobKeys(*normalizer_, indexer_, "Хосе", "Гарсия", dob_);
        if (!keys.ok() || *keys != expected) ++mismatches;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(mismatches.load(), 0);
}

}  // namespace
}  // namespace cityid::dedup
