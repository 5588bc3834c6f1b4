#include "base/names.h"

#include <unicode/locid.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/uscript.h>
#include <unicode/utf8.h>

#include <cstring>

#include "base/bytes.h"

namespace cityid::names {
namespace {

constexpr UChar32 kZwnj = 0x200C;
constexpr UChar32 kZwj = 0x200D;

// Longest input NormalizeName looks at: NFC never shrinks a name to a quarter.
constexpr size_t kMaxInputBytes = 4 * kMaxFullBytes;

// Decodes the code point at `*i` of valid UTF-8 and advances `*i`.
UChar32 Next(std::string_view s, size_t* i) {
  UChar32 c = 0;
  int32_t pos = static_cast<int32_t>(*i);
  U8_NEXT(reinterpret_cast<const uint8_t*>(s.data()), pos, static_cast<int32_t>(s.size()), c);
  *i = static_cast<size_t>(pos);
  return c;
}

bool IsLetter(UChar32 c) { return (U_GET_GC_MASK(c) & U_GC_L_MASK) != 0; }

bool IsCombiningMark(UChar32 c) { return (U_GET_GC_MASK(c) & (U_GC_MN_MASK | U_GC_MC_MASK)) != 0; }

bool IsNamePunctuation(UChar32 c) {
  switch (c) {
    case '-':
    case 0x2010:  // HYPHEN
    case '\'':
    case 0x2019:  // RIGHT SINGLE QUOTATION MARK (typographic apostrophe)
    case '.':
    case 0x00B7:  // MIDDLE DOT
    case 0x05F3:  // HEBREW PUNCTUATION GERESH
    case 0x05F4:  // HEBREW PUNCTUATION GERSHAYIM
    case 0x055A:  // ARMENIAN APOSTROPHE
    case 0x0F0B:  // TIBETAN MARK INTERSYLLABIC TSHEG
    case 0x1361:  // ETHIOPIC WORDSPACE
    case 0x30FB:  // KATAKANA MIDDLE DOT
      return true;
    default:
      return false;
  }
}

bool IsBidiControl(UChar32 c) {
  return (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069);
}

bool IsControl(UChar32 c) { return c < 0x20 || (c >= 0x7F && c <= 0x9F); }

// Why `c` may not be in a name (a phrase for the error message), or nullptr if it may.
const char* Refusal(UChar32 c) {
  if (c == kZwj || c == kZwnj) return nullptr;  // placed by the caller
  if (u_hasBinaryProperty(c, UCHAR_DEFAULT_IGNORABLE_CODE_POINT)) {
    return u_charType(c) == U_FORMAT_CHAR ? "an invisible format character"
                                          : "an invisible (default-ignorable) character";
  }
  if (u_hasBinaryProperty(c, UCHAR_EXTENDED_PICTOGRAPHIC)) return "an emoji or pictograph";
  if (IsLetter(c) || IsCombiningMark(c) || IsNamePunctuation(c) || c == ' ') return nullptr;
  switch (u_charType(c)) {
    case U_UNASSIGNED:
      return "an unassigned code point";
    case U_PRIVATE_USE_CHAR:
      return "a private-use character";
    case U_FORMAT_CHAR:
      return "an invisible format character";
    case U_ENCLOSING_MARK:
      return "an enclosing mark";
    case U_DECIMAL_DIGIT_NUMBER:
    case U_LETTER_NUMBER:
    case U_OTHER_NUMBER:
      return "a digit or number";
    case U_SPACE_SEPARATOR:
    case U_LINE_SEPARATOR:
    case U_PARAGRAPH_SEPARATOR:
      return "a space other than U+0020";
    case U_MATH_SYMBOL:
    case U_CURRENCY_SYMBOL:
    case U_MODIFIER_SYMBOL:
    case U_OTHER_SYMBOL:
      return "a symbol or emoji";
    default:
      return "punctuation not used in names";
  }
}

Status Refuse(const std::string& what, size_t position) {
  return Error(ErrorId::kInvalidName,
               "contains " + what + " (character " + std::to_string(position) + ")");
}

}  // namespace

Status CheckText(std::string_view text, size_t max_bytes) {
  if (text.size() > max_bytes) {
    return Error(ErrorId::kFieldTooLong, "longer than " + std::to_string(max_bytes) + " bytes");
  }
  if (!IsValidUtf8(text)) return Error(ErrorId::kInvalidUtf8, "not valid UTF-8");
  for (size_t i = 0; i < text.size();) {
    const UChar32 c = Next(text, &i);
    if (IsControl(c)) return Error(ErrorId::kInvalidArgument, "control character");
    if (IsBidiControl(c)) {
      return Error(ErrorId::kInvalidArgument, "bidirectional embedding, override or isolate");
    }
  }
  return Status::Ok();
}

Status CheckName(std::string_view text, Kind kind) {
  const size_t max_bytes = kind == Kind::kPart ? kMaxPartBytes : kMaxFullBytes;
  const size_t max_code_points = kind == Kind::kPart ? kMaxPartCodePoints : kMaxFullCodePoints;
  CITYID_RETURN_IF_ERROR(CheckText(text, max_bytes));
  if (text.empty()) return Status::Ok();

  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfc = icu::Normalizer2::getNFCInstance(status);
  if (U_FAILURE(status) || nfc == nullptr) {
    return Error(ErrorId::kInternal, std::string("ICU NFC unavailable: ") + u_errorName(status));
  }
  const icu::UnicodeString u = icu::UnicodeString::fromUTF8(
      icu::StringPiece(text.data(), static_cast<int32_t>(text.size())));
  const bool normalized = nfc->isNormalized(u, status);
  if (U_FAILURE(status)) {
    return Error(ErrorId::kInternal, std::string("ICU NFC failed: ") + u_errorName(status));
  }
  if (!normalized) return Error(ErrorId::kInvalidName, "not in Unicode normalization form C");

  size_t count = 0;
  bool has_letter = false;
  UChar32 prev = 0;  // 0: start of the name
  for (size_t i = 0; i < text.size();) {
    const UChar32 c = Next(text, &i);
    ++count;
    if (count > max_code_points) {
      return Error(ErrorId::kFieldTooLong,
                   "longer than " + std::to_string(max_code_points) + " characters");
    }
    if (const char* why = Refusal(c)) return Refuse(why, count);
    const bool after_letter_or_mark = prev != 0 && (IsLetter(prev) || IsCombiningMark(prev));
    if (c == ' ' && (prev == 0 || prev == ' ' || i == text.size())) {
      return Refuse("a leading, trailing or doubled space", count);
    }
    if (IsCombiningMark(c) && !after_letter_or_mark) {
      return Refuse("a combining mark with no letter before it", count);
    }
    if (c == kZwj || c == kZwnj) {
      size_t j = i;
      const UChar32 next = i < text.size() ? Next(text, &j) : 0;
      if (!after_letter_or_mark || next == 0 || !(IsLetter(next) || IsCombiningMark(next))) {
        return Refuse("a zero-width joiner or non-joiner that is not between two letters", count);
      }
    }
    has_letter = has_letter || IsLetter(c);
    prev = c;
  }
  if (!has_letter) return Error(ErrorId::kInvalidName, "has no letter");
  return Status::Ok();
}

Result<std::string> NormalizeName(std::string_view text, Kind kind) {
  if (text.size() > kMaxInputBytes) {
    return Error(ErrorId::kFieldTooLong,
                 "longer than " +
                     std::to_string(kind == Kind::kPart ? kMaxPartBytes : kMaxFullBytes) +
                     " bytes");
  }
  if (!IsValidUtf8(text)) return Error(ErrorId::kInvalidUtf8, "not valid UTF-8");
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfc = icu::Normalizer2::getNFCInstance(status);
  if (U_FAILURE(status) || nfc == nullptr) {
    return Error(ErrorId::kInternal, std::string("ICU NFC unavailable: ") + u_errorName(status));
  }
  const icu::UnicodeString u = nfc->normalize(icu::UnicodeString::fromUTF8(icu::StringPiece(
                                                  text.data(), static_cast<int32_t>(text.size()))),
                                              status);
  if (U_FAILURE(status)) {
    return Error(ErrorId::kInternal, std::string("ICU NFC failed: ") + u_errorName(status));
  }
  std::string composed;
  u.toUTF8String(composed);
  // Collapse runs of spaces and trim.
  std::string out;
  out.reserve(composed.size());
  bool pending_space = false;
  for (const char ch : composed) {
    if (ch == ' ') {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(ch);
  }
  CITYID_RETURN_IF_ERROR(CheckName(out, kind));
  return out;
}

bool IsLatin(std::string_view name) {
  if (!IsValidUtf8(name)) return false;
  for (size_t i = 0; i < name.size();) {
    const UChar32 c = Next(name, &i);
    if (!IsLetter(c)) continue;
    UErrorCode status = U_ZERO_ERROR;
    const UScriptCode script = uscript_getScript(c, &status);
    if (U_FAILURE(status)) return false;
    if (script != USCRIPT_LATIN && script != USCRIPT_COMMON && script != USCRIPT_INHERITED) {
      return false;
    }
  }
  return true;
}

std::string NativeLanguageCode(std::string_view bcp47) {
  if (bcp47.empty() || bcp47.size() > 35) return "und";
  const std::string tag(bcp47);
  UErrorCode status = U_ZERO_ERROR;
  const icu::Locale locale = icu::Locale::forLanguageTag(tag, status);
  if (U_FAILURE(status)) return "und";
  const char* iso3 = locale.getISO3Language();
  if (iso3 == nullptr || std::strlen(iso3) != 3) return "und";
  for (const char* p = iso3; *p; ++p) {
    if (*p < 'a' || *p > 'z') return "und";
  }
  return iso3;
}

}  // namespace cityid::names
