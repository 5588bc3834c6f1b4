#pragma once
// A city's enrollment policy (DESIGN §7): its document catalogue, the rule that decides whether a
// set of documents proves identity and residency, card options and retention periods. Parsed from
// a strict TOML file (schema in docs/policy.md); immutable once parsed, so one Policy may be shared
// by any number of threads.

#include <cstddef>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/date.h"
#include "base/status.h"
#include "policy/document.h"
#include "policy/evaluation.h"

namespace cityid::policy {

// Bounds enforced by Parse.
inline constexpr size_t kMaxPolicyBytes = 1 << 20;  // whole TOML text
inline constexpr size_t kMaxDocumentTypes = 200;
inline constexpr size_t kMaxStringBytes = 200;  // any string value in the policy
inline constexpr size_t kMaxLanguages = 16;
inline constexpr int kMaxPoints = 10;   // per document and per rule minimum
inline constexpr int kMaxDays = 36500;  // any *_days value

// Optional card fields a policy may print (card.printed_fields). Name, photo, date of birth, card
// number and expiry are always printed and are not listed.
inline constexpr std::string_view kPrintableFields[] = {
    "preferred_name", "gender",      "address",           "veteran",
    "language",       "organ_donor", "emergency_contact", "medical_notes",
};

enum class RuleKind {
  // Sum of identity and residency points, plus photo and date-of-birth requirements (New York).
  kPoints,
  // One primary identity document, or enough secondary ones; plus residency proof (San Francisco).
  kList,
};

struct Rule {
  RuleKind kind = RuleKind::kPoints;
  int residency_min = 0;  // both kinds: residency points needed
  // kPoints only.
  int identity_min = 0;
  bool require_photo = false;  // an accepted document must carry a photo
  bool require_dob = false;    // an accepted document must show the date of birth
  // kList only: without a primary document, this many distinct secondary documents are needed,
  // of which at least one has a photo (and one a date of birth) when required.
  int secondary_min = 2;
  bool secondary_require_photo = true;
  bool secondary_require_dob = false;
};

// How long records live (DESIGN §4); enforced by the purge job, not here.
struct Retention {
  int abandoned_application_days = 0;   // unfinished application, counted from its last change
  int rejected_application_days = 0;    // rejected application, counted from the rejection
  int after_card_expiry_days = 0;       // a person's record, counted from their last card's expiry
  bool keep_photo_after_print = false;  // keep the photo for reprints
  bool keep_address_after_print = false;  // otherwise only a keyed hash of it stays
  // The print window: the address (and photo) the card prints are kept until the card is marked
  // printed, but no longer than this many days after issue (core::PurgeExpired then applies the
  // after-print retention to a card never printed).
  int print_window_days = 30;
};

class Policy {
 public:
  // Parses and validates a policy. `source_name` (usually the file path) prefixes messages.
  // Fails with:
  //   kResourceExhausted - text larger than kMaxPolicyBytes;
  //   kMalformedToml     - not TOML; the message has "source:line:col: description";
  //   kInvalidPolicy     - valid TOML that is not a valid policy: unknown table or key, missing
  //                        or mistyped key, unknown category/tier/rule kind/validity kind,
  //                        negative or out-of-range numbers, duplicate document ids, strings over
  //                        kMaxStringBytes or not UTF-8, more than kMaxDocumentTypes documents.
  //                        The message names the key path and, where known, its line.
  // Never throws.
  static Result<Policy> Parse(std::string_view toml_text, std::string_view source_name);

  // Reads `path` (at most kMaxPolicyBytes; kIo / kResourceExhausted) and parses it.
  static Result<Policy> Load(const std::string& path);

  // --- [city]
  const std::string& city_name() const { return city_name_; }
  const std::string& issuer() const { return issuer_; }  // https URL, the CWT issuer
  const std::vector<std::string>& languages() const { return languages_; }  // contains "en"
  const std::string& version() const { return version_; }
  // --- [card]
  int validity_years() const { return validity_years_; }
  int minimum_age() const { return minimum_age_; }
  const std::vector<std::string>& printed_fields() const { return printed_fields_; }
  // True when the card prints the optional field `field` (one of kPrintableFields).
  bool Prints(std::string_view field) const;
  // --- [retention], [rule], [[documents]]
  const Retention& retention() const { return retention_; }
  const Rule& rule() const { return rule_; }
  const std::vector<DocumentType>& documents() const { return documents_; }
  // The source name given to Parse (the path for Load).
  const std::string& source_name() const { return source_name_; }
  // Lowercase hex SHA-256 of the exact TOML text: records which policy text vetted an
  // application, independent of the version string.
  const std::string& Fingerprint() const { return fingerprint_; }

  // The catalogue entry with this id, or nullptr. The pointer lives as long as the Policy.
  const DocumentType* FindDocument(std::string_view id) const;

  // Checks one presented document on `today`. Fails with:
  //   kUnknownDocumentType - type not in the catalogue;
  //   kInvalidDate         - a date the validity rule needs is missing, a date is not a real
  //                          calendar date, the issue date is after today or after the expiry;
  //   kMissingField        - the type requires a number and has_number is false;
  //   kDocumentNotValid    - too old or expired; the message is the reason, e.g.
  //                          "expired on 2024-01-01" or "issued on 2024-01-01, more than 60 days
  //                          ago".
  Status CheckDocument(const PresentedDocument& document, const Date& today) const;

  // Evaluates all presented documents against the rule on `today`. Never fails: documents that do
  // not pass CheckDocument are listed as not accepted with the reason. The same document type
  // presented twice counts once (the occurrence worth most points).
  Evaluation Evaluate(std::span<const PresentedDocument> documents, const Date& today) const;

  // Fails with kUnderMinimumAge when the applicant is younger than minimum_age() on `today`, or
  // kInvalidDate when `date_of_birth` is not a real date or lies after `today`. The message never
  // contains the date of birth.
  Status CheckAge(const Date& date_of_birth, const Date& today) const;

  // The public description of the policy for the applicant portal and the in-browser document
  // checker: city, version, fingerprint, card, rule and the catalogue (names in every language,
  // points, photo/dob, tier, validity). Retention periods are included (they are public).
  std::string ToJson() const;

 private:
  Policy() = default;
  friend class PolicyParser;

  std::string source_name_;
  std::string fingerprint_;
  std::string city_name_;
  std::string issuer_;
  std::vector<std::string> languages_;
  std::string version_;
  int validity_years_ = 0;
  int minimum_age_ = 0;
  std::vector<std::string> printed_fields_;
  Retention retention_;
  Rule rule_;
  std::vector<DocumentType> documents_;
  std::map<std::string, size_t, std::less<>> index_;  // id -> position in documents_
};

}  // namespace cityid::policy
