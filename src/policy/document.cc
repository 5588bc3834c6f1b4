#include "policy/document.h"

namespace cityid::policy {

std::string_view CategoryName(Category category) {
  switch (category) {
    case Category::kIdentity:
      return "identity";
    case Category::kResidency:
      return "residency";
    case Category::kBoth:
      return "both";
  }
  return "identity";
}

std::string_view TierName(Tier tier) {
  switch (tier) {
    case Tier::kNone:
      return "none";
    case Tier::kPrimary:
      return "primary";
    case Tier::kSecondary:
      return "secondary";
  }
  return "none";
}

std::string Validity::Describe() const {
  std::string out;
  auto add = [&out](const std::string& phrase) {
    if (!out.empty()) out += " and ";
    out += phrase;
  };
  if (issued_within_days) {
    add("issued within the last " + std::to_string(*issued_within_days) + " days");
  }
  if (not_expired) add("not expired");
  if (expired_within_days) {
    add("not expired, or expired less than " + std::to_string(*expired_within_days) + " days ago");
  }
  return out;
}

const std::string& DocumentType::Name(std::string_view language) const {
  if (auto it = names.find(language); it != names.end()) return it->second;
  if (auto it = names.find(std::string_view("en")); it != names.end()) return it->second;
  return id;  // only for hand-built entries; a parsed policy always has an English name
}

}  // namespace cityid::policy
