#pragma once
// The document catalogue of a city policy: what kinds of document an applicant may present, what
// each proves, and when one is still acceptable. Also the clerk's record of one presented document.
//
// A presented document is described only by its catalogue type, its dates and whether it carries a
// number; never by its issuing country, its number or an image (DESIGN §4).

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "base/date.h"

namespace cityid::policy {

// What a document proves.
enum class Category {
  kIdentity,   // who the applicant is
  kResidency,  // that the applicant lives in the city
  kBoth,       // both (e.g. a state licence showing a city address)
};

// The document's place in a list-based rule. Points-based policies leave it kNone.
enum class Tier {
  kNone,
  kPrimary,    // proves identity on its own
  kSecondary,  // proves identity together with other secondary documents
};

// "identity", "residency", "both".
std::string_view CategoryName(Category category);
// "none", "primary", "secondary".
std::string_view TierName(Tier tier);

// When a document is still acceptable on a given day. The checks combine with AND; a document
// type with no check set is always acceptable (birth certificates, leases).
struct Validity {
  // The document must carry an expiry date on or after today.
  bool not_expired = false;
  // The document must carry an issue date no more than this many days before today.
  std::optional<int> issued_within_days;
  // The document must carry an expiry date no more than this many days before today (an
  // unexpired document passes). Never combined with not_expired.
  std::optional<int> expired_within_days;

  bool none() const { return !not_expired && !issued_within_days && !expired_within_days; }
  bool needs_issued() const { return issued_within_days.has_value(); }
  bool needs_expires() const { return not_expired || expired_within_days.has_value(); }
  // English phrase for applicants, e.g. "issued within the last 60 days" or "not expired";
  // empty when none().
  std::string Describe() const;
};

// One entry of the catalogue ([[documents]] in the policy TOML).
struct DocumentType {
  std::string id;                                         // stable category id, e.g. "utility_bill"
  std::map<std::string, std::string, std::less<>> names;  // language code -> display name
  Category category = Category::kIdentity;
  int identity_points = 0;
  int residency_points = 0;
  // Identity points credited instead of identity_points when the document is accepted only
  // thanks to expired_within_days (it has expired, but recently). Unset: identity_points.
  std::optional<int> expired_identity_points;
  bool has_photo = false;
  bool has_dob = false;
  Tier tier = Tier::kNone;
  // The clerk must see a document number (its keyed hash feeds reuse detection); the number
  // itself is never given to the policy engine.
  bool requires_number = false;
  Validity validity;

  // The display name in `language`, falling back to English. Never empty for a parsed policy.
  const std::string& Name(std::string_view language = "en") const;
};

// The clerk's record of one document the applicant showed. Dates are those printed on the
// document; absent when the document has none or the clerk did not record it.
struct PresentedDocument {
  std::string type;  // a DocumentType id
  std::optional<Date> issued;
  std::optional<Date> expires;
  bool has_number = false;  // the clerk saw (and hashed) a document number
};

}  // namespace cityid::policy
