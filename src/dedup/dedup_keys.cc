#include "dedup/dedup_keys.h"

#include <algorithm>
#include <array>
#include <utility>

#include "dedup/phonetic.h"

namespace cityid::dedup {
namespace {

bool IsGenerationalSuffix(std::string_view token) {
  static constexpr std::array<std::string_view, 5> kSuffixes = {"jr", "sr", "ii", "iii", "iv"};
  return std::find(kSuffixes.begin(), kSuffixes.end(), token) != kSuffixes.end();
}

// Sorts (and, if `unique`, deduplicates) `parts`, joins them with spaces and appends
// "|YYYY-MM-DD". Parts contain only [a-z0-9] or [A-Z], so the message is unambiguous.
std::string JoinWithDob(std::vector<std::string> parts, bool unique, const Date& dob) {
  std::sort(parts.begin(), parts.end());
  if (unique) parts.erase(std::unique(parts.begin(), parts.end()), parts.end());
  std::string out;
  for (const auto& part : parts) {
    if (!out.empty()) out.push_back(' ');
    out += part;
  }
  out.push_back('|');
  out += dob.ToString();
  return out;
}

}  // namespace

Result<NameKeyMessages> ComputeNameKeyMessages(const NameNormalizer& normalizer,
                                               std::string_view given, std::string_view family,
                                               const Date& dob) {
  if (!dob.valid()) return Error(ErrorId::kInvalidDate, "date of birth is not a valid date");

  std::vector<std::vector<std::string>> segments;
  for (const auto& [field, text] : {std::pair{"given", given}, std::pair{"family", family}}) {
    auto field_segments = normalizer.TokenSegments(text);
    if (!field_segments.ok()) return field_segments.status().WithContext(field);
    for (auto& segment : *field_segments) {
      std::erase_if(segment, [](const std::string& t) { return IsGenerationalSuffix(t); });
      if (!segment.empty()) segments.push_back(std::move(segment));
    }
  }
  if (segments.empty()) {
    return Error(ErrorId::kInvalidArgument, "name has no letters or digits after normalization");
  }

  // The token set is deduplicated ("Anna Anna" is "anna"), its phonetic codes are not: "Wang
  // Fang" gives "PNK PNK", which differs from a bare "Wang".
  std::vector<std::string> tokens, joined;
  for (const auto& segment : segments) {
    std::string run;
    for (const auto& token : segment) {
      tokens.push_back(token);
      run += token;
    }
    joined.push_back(PhoneticKey(run));
  }
  std::sort(tokens.begin(), tokens.end());
  tokens.erase(std::unique(tokens.begin(), tokens.end()), tokens.end());
  std::vector<std::string> phonetic;
  phonetic.reserve(tokens.size());
  for (const auto& token : tokens) phonetic.push_back(PhoneticKey(token));

  NameKeyMessages m;
  m.exact = JoinWithDob(std::move(tokens), /*unique=*/true, dob);
  m.phonetic = JoinWithDob(std::move(phonetic), /*unique=*/false, dob);
  m.joined = JoinWithDob(std::move(joined), /*unique=*/false, dob);
  return m;
}

Result<std::vector<DedupKey>> NameDobKeys(const NameNormalizer& normalizer,
                                          const crypto::BlindIndexer& indexer,
                                          std::string_view given, std::string_view family,
                                          const Date& dob) {
  CITYID_ASSIGN_OR_RETURN(const NameKeyMessages m,
                          ComputeNameKeyMessages(normalizer, given, family, dob));
  std::vector<DedupKey> keys;
  keys.reserve(3);
  keys.push_back({std::string(kKindNameExact), indexer.Compute(kDomainNameExact, m.exact)});
  keys.push_back(
      {std::string(kKindNamePhonetic), indexer.Compute(kDomainNamePhonetic, m.phonetic)});
  keys.push_back({std::string(kKindNameJoined), indexer.Compute(kDomainNameJoined, m.joined)});
  return keys;
}

Result<std::string> NormalizeDocumentNumber(std::string_view number) {
  if (number.size() > kMaxDocumentNumberBytes) {
    return Error(ErrorId::kFieldTooLong, "document number is longer than " +
                                             std::to_string(kMaxDocumentNumberBytes) + " bytes");
  }
  if (!IsValidUtf8(number))
    return Error(ErrorId::kInvalidUtf8, "document number is not valid UTF-8");
  std::string out;
  out.reserve(number.size());
  for (const char ch : number) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c >= 0x7F) {
      return Error(ErrorId::kInvalidArgument,
                   "document number may contain only printable ASCII characters");
    }
    if (c >= 'a' && c <= 'z') {
      out.push_back(static_cast<char>(c - 'a' + 'A'));
    } else if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
      out.push_back(static_cast<char>(c));
    }  // separators and other punctuation are dropped
  }
  if (out.empty()) {
    return Error(ErrorId::kInvalidArgument, "document number has no letters or digits");
  }
  return out;
}

Result<DedupKey> DocumentKey(const crypto::BlindIndexer& indexer, std::string_view document_type,
                             std::string_view number) {
  if (document_type.empty() || document_type.size() > kMaxDocumentTypeBytes) {
    return Error(ErrorId::kInvalidArgument,
                 "document type must be 1 to " + std::to_string(kMaxDocumentTypeBytes) + " bytes");
  }
  std::string type;
  type.reserve(document_type.size());
  for (const char c : document_type) {
    if (c >= 'A' && c <= 'Z') {
      type.push_back(static_cast<char>(c - 'A' + 'a'));
    } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-') {
      type.push_back(c);
    } else {
      return Error(ErrorId::kInvalidArgument,
                   "document type may contain only ASCII letters, digits, '_' and '-'");
    }
  }
  CITYID_ASSIGN_OR_RETURN(const std::string normalized, NormalizeDocumentNumber(number));
  return DedupKey{std::string(kKindDocument),
                  indexer.Compute(kDomainDocument, type + ":" + normalized)};
}

bool KeysOverlap(const std::vector<DedupKey>& a, const std::vector<DedupKey>& b) {
  bool overlap = false;
  for (const auto& x : a) {
    for (const auto& y : b) {
      // Every pair is compared (no early exit) so timing does not depend on where a match is.
      if (x.kind == y.kind && ConstantTimeEquals(x.mac, y.mac)) overlap = true;
    }
  }
  return overlap;
}

}  // namespace cityid::dedup
