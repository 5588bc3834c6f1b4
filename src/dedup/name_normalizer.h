#pragma once
// Name normalization with ICU: Latin transliteration for printing, ASCII folding for the card's
// ASCII fields, and order-independent ASCII tokens for duplicate detection (dedup_keys.h).
//
// Pipeline (docs/dedup.md has the details and the ICU outputs it was designed around):
//   validate (UTF-8, <= kMaxNameBytes, no control characters)
//   -> NFKC (full-width letters, ligatures, presentation forms); ZWJ/ZWNJ removed
//   -> Arabic ta marbuta (U+0629) read as heh, so "فاطمة" ends in "h" like "Fatimah"
//   -> Cyrillic: a BGN/PCGN transliterator chosen by the letters present (Ukrainian, Belarusian,
//      Serbian, Macedonian, else Russian), so "Хосе" -> "Khose", "Цой" -> "Tsoy"
//   -> Greek: UNGEGN (ELOT 743, modern pronunciation) without its macron-below marks
//   -> ICU Any-Latin for every other script -> NFC
// ToLatin then drops BGN's soft/hard-sign primes and separators and title-cases text written
// without capitals in a non-Latin script; ToAscii folds that with ICU Latin-ASCII; Tokens
// lowercases and splits the fold.

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace cityid::dedup {

// Longest accepted name field, in UTF-8 bytes.
inline constexpr size_t kMaxNameBytes = 200;

// Thread-safety: every method is safe to call concurrently (an internal mutex serializes the ICU
// transliterators, which are not thread-safe). For parallel throughput give each thread its own
// NameNormalizer: the first one in a process loads ICU's rule data (~25 ms), later ones take
// about a millisecond.
class NameNormalizer {
 public:
  // Builds the ICU transliterators. Fails with kInternal if ICU cannot create one (missing ICU
  // data). The result owns all ICU objects it uses.
  static Result<std::unique_ptr<NameNormalizer>> Create();
  ~NameNormalizer();
  NameNormalizer(const NameNormalizer&) = delete;
  NameNormalizer& operator=(const NameNormalizer&) = delete;

  // Latin transliteration for printing, keeping diacritics and the input's letter case:
  // "José" -> "José", "Хосе Гарсия" -> "Khose Garsiya", "王芳" -> "Wáng Fāng". Input with no
  // capital letter and no Latin letter (Han, Arabic, Hebrew, Hangul...) is title-cased; Latin
  // input keeps its case and is only NFKC-normalized, with runs of spaces collapsed and trimmed.
  // Errors: kInvalidUtf8 (malformed UTF-8), kFieldTooLong (> kMaxNameBytes bytes),
  // kInvalidArgument (control characters), kInternal (ICU failure). Messages never quote the name.
  Result<std::string> ToLatin(std::string_view name) const;

  // ToLatin folded to ASCII with ICU Latin-ASCII ("José García" -> "Jose Garcia",
  // "Straße" -> "Strasse"); characters with no ASCII form (e.g. Arabic ʿayn "ʿ") are dropped.
  // Only printable ASCII in the result. Same errors as ToLatin.
  Result<std::string> ToAscii(std::string_view name) const;

  // Normalized tokens of a name: ASCII lowercase letters and digits; apostrophes and similar
  // marks join ("O'Brien" -> "obrien"); spaces, hyphens, commas, dots and other ASCII punctuation
  // split ("María-José" -> "jose", "maria"). Sorted and deduplicated, so order-independent:
  // "García, José" and "JOSE GARCIA" both give {"garcia", "jose"}. May be empty (a name of
  // punctuation only). Same errors as ToLatin.
  Result<std::vector<std::string>> Tokens(std::string_view name) const;

  // Like Tokens but in input order, not deduplicated, and split into the comma-separated
  // segments of the name ("García, José" -> {{"garcia"}, {"jose"}}); empty segments are dropped.
  // Used for the joined-name dedup key, where the order inside a segment matters
  // ("Xiao Ming" -> "xiaoming"). Same errors as ToLatin.
  Result<std::vector<std::vector<std::string>>> TokenSegments(std::string_view name) const;

 private:
  struct Translits;  // the ICU objects; defined in name_normalizer.cc
  explicit NameNormalizer(std::unique_ptr<Translits> t);

  // Validates `name` and returns its Latin form; `display` selects ToLatin's clean-up and
  // title-casing, `ascii` adds the Latin-ASCII fold. Takes mu_ unless `name` is ASCII.
  Result<std::string> Convert(std::string_view name, bool display, bool ascii) const;

  std::unique_ptr<Translits> t_;
  mutable std::mutex mu_;
};

}  // namespace cityid::dedup
