#include "dedup/name_normalizer.h"

#include <unicode/normalizer2.h>
#include <unicode/translit.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/uscript.h>

#include <algorithm>
#include <array>
#include <string_view>
#include <utility>

#include "base/bytes.h"

namespace cityid::dedup {
namespace {

using TranslitPtr = std::unique_ptr<icu::Transliterator>;

// Cyrillic is written for several languages whose standard romanizations differ (Г is "G" in
// Russian, "H" in Ukrainian); the letters present pick the BGN/PCGN table. Order matters: the
// first variant whose marker letters occur wins, Russian is the default.
enum CyrillicVariant : size_t {
  kMacedonian,
  kSerbian,
  kBelarusian,
  kUkrainian,
  kRussian,
  kNumVariants
};

constexpr std::array<const char*, kNumVariants> kCyrillicIds = {
    "Macedonian-Latin/BGN", "Serbian-Latin/BGN", "Belarusian-Latin/BGN", "Ukrainian-Latin/BGN",
    "Russian-Latin/BGN"};

// Letters that occur in one language's Cyrillic alphabet but not in Russian's.
CyrillicVariant VariantOfLetter(UChar32 c) {
  static constexpr std::pair<std::u16string_view, CyrillicVariant> kMarkers[] = {
      {u"ЃѓЌќЅѕ", kMacedonian},
      {u"ЂђЋћЉљЊњЏџЈј", kSerbian},
      {u"Ўў", kBelarusian},
      {u"ІіЇїЄєҐґ", kUkrainian},
  };
  for (const auto& [letters, variant] : kMarkers) {
    if (c <= 0xFFFF && letters.find(static_cast<char16_t>(c)) != std::u16string_view::npos) {
      return variant;
    }
  }
  return kRussian;
}

constexpr UChar32 kTaMarbuta = 0x0629;       // ة, read as heh so it ends in "h"
constexpr UChar32 kHeh = 0x0647;             // ه
constexpr UChar32 kMacronBelow = 0x0331;     // UNGEGN Greek's η/ω/υ marks
constexpr UChar32 kModifierPrime = 0x02B9;   // BGN soft sign ʹ
constexpr UChar32 kModifierDPrime = 0x02BA;  // BGN hard sign ʺ
constexpr UChar32 kMiddleDot = 0x00B7;       // BGN digraph separator (Тсой -> T·soy)
constexpr UChar32 kZwnj = 0x200C;            // ZERO WIDTH NON-JOINER
constexpr UChar32 kZwj = 0x200D;             // ZERO WIDTH JOINER

Result<TranslitPtr> MakeTranslit(const char* id) {
  UErrorCode status = U_ZERO_ERROR;
  TranslitPtr t(icu::Transliterator::createInstance(icu::UnicodeString(id, -1, US_INV),
                                                    UTRANS_FORWARD, status));
  if (U_FAILURE(status) || t == nullptr) {
    return Error(ErrorId::kInternal, std::string("ICU transliterator '") + id +
                                         "' unavailable: " + u_errorName(status));
  }
  return t;
}

bool IsAscii(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

Status ValidateName(std::string_view name) {
  if (name.size() > kMaxNameBytes) {
    return Error(ErrorId::kFieldTooLong,
                 "name is longer than " + std::to_string(kMaxNameBytes) + " bytes");
  }
  if (!IsValidUtf8(name)) return Error(ErrorId::kInvalidUtf8, "name is not valid UTF-8");
  return Status::Ok();
}

Status ControlCharacterError() {
  return Error(ErrorId::kInvalidArgument, "name contains control characters");
}

// ASCII control characters (the non-ASCII ones are checked on code points).
bool HasAsciiControl(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7F;
  });
}

// Removes every occurrence of the code point `c` (a BMP character).
void RemoveAll(icu::UnicodeString& text, UChar32 c) {
  text.findAndReplace(icu::UnicodeString(c), icu::UnicodeString());
}

// Collapses runs of U+0020 to one and trims both ends. (NFKC has already turned the other
// Unicode spaces into U+0020; control characters are rejected.)
std::string CollapseSpaces(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool pending_space = false;
  for (const char c : text) {
    if (c == ' ') {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

bool IsJoiner(char c) {
  // Apostrophe-like marks (after Latin-ASCII: ' from ’ ʼ ʻ ʹ, " from ʺ) and BGN's ':'
  // disambiguator join the letters around them: "O'Brien" -> "obrien", "T:soy" -> "tsoy".
  return c == '\'' || c == '"' || c == '`' || c == ':' || c == '^' || c == '~';
}

bool IsAsciiAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

}  // namespace

struct NameNormalizer::Translits {
  std::array<TranslitPtr, kNumVariants> cyrillic;
  TranslitPtr greek;                       // Greek-Latin/UNGEGN
  TranslitPtr any_latin;                   // Any-Latin: every other script; identity on Latin
  TranslitPtr latin_ascii;                 // Latin-ASCII
  TranslitPtr title;                       // Any-Title
  const icu::Normalizer2* nfkc = nullptr;  // ICU-owned singletons, never deleted
  const icu::Normalizer2* nfc = nullptr;
};

NameNormalizer::NameNormalizer(std::unique_ptr<Translits> t) : t_(std::move(t)) {}
NameNormalizer::~NameNormalizer() = default;

Result<std::unique_ptr<NameNormalizer>> NameNormalizer::Create() {
  auto t = std::make_unique<Translits>();
  for (size_t v = 0; v < kNumVariants; ++v) {
    CITYID_ASSIGN_OR_RETURN(t->cyrillic[v], MakeTranslit(kCyrillicIds[v]));
  }
  CITYID_ASSIGN_OR_RETURN(t->greek, MakeTranslit("Greek-Latin/UNGEGN"));
  CITYID_ASSIGN_OR_RETURN(t->any_latin, MakeTranslit("Any-Latin"));
  CITYID_ASSIGN_OR_RETURN(t->latin_ascii, MakeTranslit("Latin-ASCII"));
  CITYID_ASSIGN_OR_RETURN(t->title, MakeTranslit("Any-Title"));
  UErrorCode status = U_ZERO_ERROR;
  t->nfkc = icu::Normalizer2::getNFKCInstance(status);
  t->nfc = icu::Normalizer2::getNFCInstance(status);
  if (U_FAILURE(status) || t->nfkc == nullptr || t->nfc == nullptr) {
    return Error(ErrorId::kInternal,
                 std::string("ICU normalizer unavailable: ") + u_errorName(status));
  }
  return std::unique_ptr<NameNormalizer>(new NameNormalizer(std::move(t)));
}

Result<std::string> NameNormalizer::Convert(std::string_view name, bool display, bool ascii) const {
  CITYID_RETURN_IF_ERROR(ValidateName(name));
  if (HasAsciiControl(name)) return ControlCharacterError();
  if (IsAscii(name)) {
    // NFKC, Any-Latin and Latin-ASCII are identities on ASCII; skip ICU (and the lock).
    return display ? CollapseSpaces(name) : std::string(name);
  }

  icu::UnicodeString text = icu::UnicodeString::fromUTF8(
      icu::StringPiece(name.data(), static_cast<int32_t>(name.size())));
  std::lock_guard<std::mutex> lock(mu_);
  UErrorCode status = U_ZERO_ERROR;
  text = t_->nfkc->normalize(text, status);
  if (U_FAILURE(status)) {
    return Error(ErrorId::kInternal, std::string("ICU NFKC failed: ") + u_errorName(status));
  }

  // Zero-width (non-)joiners only choose a glyph form (Persian, Indic scripts): the same name
  // with or without them is the same name. base/names.h allows them between letters.
  RemoveAll(text, kZwnj);
  RemoveAll(text, kZwj);

  // `keep_case`: the applicant wrote a capital letter or any Latin letter, so their casing is
  // kept; otherwise (Han, Arabic, Hebrew, Hangul, Georgian, all-lowercase Cyrillic...) the
  // Latin form is title-cased.
  bool has_cyrillic = false, has_greek = false, keep_case = false;
  bool has_colon = false, has_middle_dot = false;
  CyrillicVariant variant = kRussian;
  for (int32_t i = 0; i < text.length();) {
    const UChar32 c = text.char32At(i);
    i += U16_LENGTH(c);
    if (u_iscntrl(c)) return ControlCharacterError();
    UErrorCode script_status = U_ZERO_ERROR;
    const UScriptCode script = uscript_getScript(c, &script_status);
    if (script == USCRIPT_CYRILLIC) {
      has_cyrillic = true;
      variant = std::min(variant, VariantOfLetter(c));
    } else if (script == USCRIPT_GREEK) {
      has_greek = true;
    }
    if (u_isupper(c) || u_istitle(c) || script == USCRIPT_LATIN) keep_case = true;
    if (c == ':') has_colon = true;
    if (c == kMiddleDot) has_middle_dot = true;
  }

  text.findAndReplace(icu::UnicodeString(kTaMarbuta), icu::UnicodeString(kHeh));
  if (has_cyrillic) t_->cyrillic[variant]->transliterate(text);
  if (has_greek) {
    t_->greek->transliterate(text);
    RemoveAll(text, kMacronBelow);
  }
  t_->any_latin->transliterate(text);
  text = t_->nfc->normalize(text, status);
  if (U_FAILURE(status)) {
    return Error(ErrorId::kInternal, std::string("ICU NFC failed: ") + u_errorName(status));
  }

  if (display) {
    // BGN marks the soft and hard signs with primes and separates letters that would read as
    // a digraph with '·' or ':' ("Igorʹ", "T·soy"); cards, like ICAO 9303 passports, leave
    // them out. A '·' or ':' the applicant typed (Catalan "Col·l") stays.
    RemoveAll(text, kModifierPrime);
    RemoveAll(text, kModifierDPrime);
    if (!has_colon) RemoveAll(text, ':');
    if (!has_middle_dot) RemoveAll(text, kMiddleDot);
    icu::UnicodeString visible;
    for (int32_t i = 0; i < text.length();) {
      const UChar32 c = text.char32At(i);
      i += U16_LENGTH(c);
      if (!u_hasBinaryProperty(c, UCHAR_DEFAULT_IGNORABLE_CODE_POINT)) visible.append(c);
    }
    text = std::move(visible);
    // Text from a script without case (Han, Arabic, Hebrew, Hangul, Devanagari...) comes out
    // lowercase; names are printed capitalized.
    if (!keep_case) t_->title->transliterate(text);
  }
  if (ascii) t_->latin_ascii->transliterate(text);

  std::string out;
  text.toUTF8String(out);
  if (ascii) {
    // Characters Latin-ASCII cannot fold (ʿ, ǝ, stray symbols) are dropped.
    std::erase_if(out, [](char c) {
      const auto u = static_cast<unsigned char>(c);
      return u < 0x20 || u >= 0x7F;
    });
  }
  return display ? CollapseSpaces(out) : out;
}

Result<std::string> NameNormalizer::ToLatin(std::string_view name) const {
  return Convert(name, /*display=*/true, /*ascii=*/false);
}

Result<std::string> NameNormalizer::ToAscii(std::string_view name) const {
  return Convert(name, /*display=*/true, /*ascii=*/true);
}

Result<std::vector<std::vector<std::string>>> NameNormalizer::TokenSegments(
    std::string_view name) const {
  CITYID_ASSIGN_OR_RETURN(const std::string folded,
                          Convert(name, /*display=*/false, /*ascii=*/true));
  std::vector<std::vector<std::string>> segments(1);
  std::string token;
  auto end_token = [&] {
    if (!token.empty()) segments.back().push_back(std::move(token));
    token.clear();
  };
  for (const char c : folded) {
    if (IsAsciiAlnum(c)) {
      token.push_back(AsciiLower(c));
    } else if (IsJoiner(c)) {
      continue;
    } else {
      end_token();
      if (c == ',' && !segments.back().empty()) segments.emplace_back();
    }
  }
  end_token();
  if (segments.back().empty()) segments.pop_back();
  return segments;
}

Result<std::vector<std::string>> NameNormalizer::Tokens(std::string_view name) const {
  CITYID_ASSIGN_OR_RETURN(auto segments, TokenSegments(name));
  std::vector<std::string> tokens;
  for (auto& segment : segments) {
    for (auto& token : segment) tokens.push_back(std::move(token));
  }
  std::sort(tokens.begin(), tokens.end());
  tokens.erase(std::unique(tokens.begin(), tokens.end()), tokens.end());
  return tokens;
}

}  // namespace cityid::dedup
