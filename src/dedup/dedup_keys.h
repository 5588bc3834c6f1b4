#pragma once
// Blind-index keys for duplicate detection (DESIGN §4-5).
//
// The store keeps only these keyed hashes (HMAC-SHA-256 under the blind-index key, through
// crypto::BlindIndexer with one domain per kind), never the normalized names, phonetic codes or
// document numbers they are computed from. Two records that share any (kind, mac) pair are a
// *possible* duplicate: the application is flagged for a supervisor, never merged or rejected.
// So recall matters more than precision, and every name key includes the date of birth, which
// keeps false positives rare. docs/dedup.md explains the construction and its limits.

#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/date.h"
#include "base/status.h"
#include "crypto/blind_index.h"
#include "dedup/name_normalizer.h"

namespace cityid::dedup {

// Key kinds (stable; stored next to the MAC).
inline constexpr std::string_view kKindNameExact = "name_exact";
inline constexpr std::string_view kKindNamePhonetic = "name_phonetic";
inline constexpr std::string_view kKindNameJoined = "name_joined";
inline constexpr std::string_view kKindDocument = "document";

// BlindIndexer domains. Changing how a message is built means a new version suffix and a
// re-index; old and new keys then never compare equal by construction.
inline constexpr std::string_view kDomainNameExact = "dedup:name_exact:v1";
inline constexpr std::string_view kDomainNamePhonetic = "dedup:name_phonetic:v1";
inline constexpr std::string_view kDomainNameJoined = "dedup:name_joined:v1";
inline constexpr std::string_view kDomainDocument = "dedup:document:v1";

// Longest accepted document number / type, in bytes.
inline constexpr size_t kMaxDocumentNumberBytes = 64;
inline constexpr size_t kMaxDocumentTypeBytes = 64;

struct DedupKey {
  std::string kind;  // one of the kKind* values
  Bytes mac;         // crypto::kBlindIndexBytes bytes
  bool operator==(const DedupKey&) const = default;
};

// The plaintext messages the name keys are MACs of. For tests and diagnostics only: they reveal
// the name, so they must never be stored or logged.
struct NameKeyMessages {
  std::string exact;     // sorted unique tokens of given + family, " "-joined, "|YYYY-MM-DD"
  std::string phonetic;  // PhoneticKey of each of those tokens, sorted (repeats kept)
  std::string joined;    // PhoneticKey of each field's (or comma segment's) tokens run
                         // together, sorted (repeats kept)
};

// Computes the messages behind NameDobKeys (see there). Generational suffixes ("jr", "sr",
// "ii", "iii", "iv") are left out: father and son differ by date of birth anyway.
// Errors: those of NameNormalizer::TokenSegments, prefixed with "given: " or "family: ";
// kInvalidDate if `dob` is not a real date; kInvalidArgument if neither field has a letter or
// digit after normalization.
Result<NameKeyMessages> ComputeNameKeyMessages(const NameNormalizer& normalizer,
                                               std::string_view given, std::string_view family,
                                               const Date& dob);

// Returns three keys for a person, in this order:
//   name_exact    - HMAC(kDomainNameExact, exact message): the same name in any order, case,
//                   punctuation or diacritics ("José García" / "JOSE GARCIA" / "García, José"
//                   / given and family swapped / "María-José" ~ "Maria Jose").
//   name_phonetic - HMAC(kDomainNamePhonetic, phonetic message): the same name through a
//                   different transliteration or spelling ("Хосе Гарсия", "Mueller", "محمد" ~
//                   "Mohammed"), still order-independent.
//   name_joined   - HMAC(kDomainNameJoined, joined message): the same name split into words
//                   differently ("Xiao Ming" ~ "Xiaoming", "Abd al-Rahman" ~ "Abdulrahman").
// The same person written in any of those forms, with the same date of birth, shares at least
// one key. Costs two ICU transliterations and three HMACs (well under 50 µs; ASCII names skip
// ICU). Thread-safe if `normalizer` is (it is). Errors: as ComputeNameKeyMessages.
Result<std::vector<DedupKey>> NameDobKeys(const NameNormalizer& normalizer,
                                          const crypto::BlindIndexer& indexer,
                                          std::string_view given, std::string_view family,
                                          const Date& dob);

// Normalizes a document number for keying: ASCII letters (uppercased) and digits kept, every
// other printable ASCII character (spaces, dashes, dots, slashes...) removed:
// "AB 123-456" and "ab123456" -> "AB123456". Errors: kFieldTooLong (> kMaxDocumentNumberBytes
// bytes; its code is kInvalidArgument), kInvalidUtf8, kInvalidArgument (control or non-ASCII
// characters, or no letter or digit at all).
Result<std::string> NormalizeDocumentNumber(std::string_view number);

// Returns the "document" key: HMAC(kDomainDocument, type + ":" + normalized number).
//
// The key includes the document type (lowercased; 1..kMaxDocumentTypeBytes of [A-Za-z0-9_-]).
// Reuse detection is about one physical document, and one physical document always has the
// same catalogue type: a US passport is never recorded as a foreign passport. Dropping the type
// would only add false matches between unrelated number spaces (a consular ID number equal to a
// passport number, an account number equal to a licence number). Within `foreign_passport`
// the issuing country is deliberately not stored (DESIGN §4), so two countries' passports with
// the same number do collide: an accepted, rare false positive that a supervisor resolves.
// Errors: kInvalidArgument for a bad type; those of NormalizeDocumentNumber.
// Thread-safe.
Result<DedupKey> DocumentKey(const crypto::BlindIndexer& indexer, std::string_view document_type,
                             std::string_view number);

// True if some key of `a` equals (same kind, same MAC; constant-time MAC comparison) some key
// of `b`: the two records are possible duplicates.
bool KeysOverlap(const std::vector<DedupKey>& a, const std::vector<DedupKey>& b);

}  // namespace cityid::dedup
