#pragma once
// What a person's name may contain: the one definition, used at every edge that takes or
// prints a name (the applicant file and the API, enrollment's transliteration, the card's
// claims at encoding and at verification, the printed face). Anything that passes here at
// enrollment is issued, shown, printed and verified without a second opinion. docs/cli.md
// ("What a name may contain") states the same contract for people.
//
// A name (one part: given or family; or a full name, the parts joined) is, after
// NormalizeName:
//   - valid UTF-8 in Unicode Normalization Form C (NFC), with U+0020 SPACE as its only
//     space, never leading, trailing or doubled;
//   - made of letters (general category L*, any script, scripts may be mixed) and nonspacing
//     or spacing combining marks (Mn, Mc) that each follow a letter or another mark;
//   - ZERO WIDTH NON-JOINER (U+200C) and ZERO WIDTH JOINER (U+200D), each between a letter or
//     mark and a letter or mark (Persian "می‌خواهم", Devanagari half forms
//     "क्‍ष");
//   - the punctuation names are written with: hyphen-minus '-' and U+2010 HYPHEN, apostrophe
//     ''' and U+2019 RIGHT SINGLE QUOTATION MARK, full stop '.', MIDDLE DOT U+00B7 (Catalan
//     "l·l"), Hebrew geresh and gershayim U+05F3/U+05F4, Armenian apostrophe U+055A, Tibetan
//     tsheg U+0F0B, Ethiopic wordspace U+1361 and KATAKANA MIDDLE DOT U+30FB (between the
//     parts of a foreign name in Japanese);
//   - at least one letter, when not empty;
//   - at most kMaxPartCodePoints code points and kMaxPartBytes bytes for one part
//     (kMaxFullCodePoints / kMaxFullBytes for a full name).
// Everything else is refused: control characters (C0, DEL, C1), format characters other than
// the two joiners in place (bidirectional embeddings, overrides, isolates and marks, soft
// hyphen, tags), variation selectors and other default-ignorable code points, enclosing marks,
// emoji and every other symbol (S*), digits and other numbers (N*), other punctuation, other
// spaces and separators, private-use, unassigned and noncharacter code points, a mark with no
// letter before it.
//
// Errors (messages never quote the name; they say what is wrong and at which character):
// kInvalidUtf8, kFieldTooLong, kInvalidArgument (a control character, as for any text) and
// kInvalidName (the rest); all of them the kInvalidArgument code (HTTP 400, CLI exit 3).

#include <cstddef>
#include <string>
#include <string_view>

#include "base/status.h"

namespace cityid::names {

inline constexpr size_t kMaxPartCodePoints = 64;
inline constexpr size_t kMaxPartBytes = 127;
// Two parts and the space between them: a full name built from acceptable parts always fits.
inline constexpr size_t kMaxFullCodePoints = 2 * kMaxPartCodePoints + 1;
inline constexpr size_t kMaxFullBytes = 2 * kMaxPartBytes + 1;

enum class Kind { kPart, kFull };

// The canonical form of `text`: NFC, runs of U+0020 collapsed, leading and trailing spaces
// removed; then CheckName. An empty (or all-space) name gives "" (the caller decides whether
// the field is required).
Result<std::string> NormalizeName(std::string_view text, Kind kind);

// Ok if `text` is already canonical (NormalizeName would return it unchanged) and acceptable.
// Empty text is Ok.
Status CheckName(std::string_view text, Kind kind);

// True if every letter of `name` is of the Latin script (marks, punctuation, joiners and spaces
// do not count), so it prints as written: "José", "Nguyễn", "O'Brien".
bool IsLatin(std::string_view name);

// Any other text a person or the city types (reasons, notes, the city's name, an address
// line): valid UTF-8, at most `max_bytes` bytes, no control characters (C0, DEL, C1) and no
// bidirectional embedding, override or isolate (U+202A..U+202E, U+2066..U+2069), which could
// make a printed or logged line read differently from what it holds. Fails with kInvalidUtf8,
// kFieldTooLong or kInvalidArgument.
Status CheckText(std::string_view text, size_t max_bytes);

// The ISO 639-3 code a card gives for the name in the applicant's own script (Claim 169's
// secondary language) from the applicant's BCP 47 language tag: "es" -> "spa",
// "zh-Hant" -> "zho"; "und" (undetermined, ISO 639-3) when the tag is empty or has no
// three-letter code, so that a native name always travels with a language.
std::string NativeLanguageCode(std::string_view bcp47);

}  // namespace cityid::names
