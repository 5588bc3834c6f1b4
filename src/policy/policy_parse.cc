// Policy::Parse: the toml++ adapter and the semantic checks. toml++ throws on syntax errors; every
// exception is caught here and becomes a Status, so none leaves the module.
//
// Strictness is deliberate: a typo in a policy file ("residency_mni") must be an error, not a
// silently weaker rule, so every table lists the keys it accepts and everything else is rejected.

#include <sodium.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <exception>
#include <initializer_list>
#include <new>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/bytes.h"
#include "base/file.h"
#include "base/names.h"
#include "policy/policy.h"

namespace cityid::policy {
namespace {

bool IsDocumentId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  if (id[0] < 'a' || id[0] > 'z') return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// A BCP 47-like tag: 2-3 lowercase letters, then optional "-subtag" parts of 1-8 alphanumerics
// ("en", "es", "zh-Hant"). Used inside key names (name_<language>), so it must be TOML-bare-safe.
bool IsLanguageTag(std::string_view tag) {
  if (tag.size() > 35) return false;
  size_t i = 0;
  while (i < tag.size() && tag[i] >= 'a' && tag[i] <= 'z') ++i;
  if (i < 2 || i > 3) return false;
  while (i < tag.size()) {
    if (tag[i] != '-') return false;
    size_t j = ++i;
    while (j < tag.size() && std::isalnum(static_cast<unsigned char>(tag[j]))) ++j;
    if (j - i < 1 || j - i > 8) return false;
    i = j;
  }
  return true;
}

// An https URL without whitespace or control characters, with a non-empty host.
bool IsHttpsUrl(std::string_view url) {
  constexpr std::string_view kScheme = "https://";
  if (url.substr(0, kScheme.size()) != kScheme) return false;
  std::string_view rest = url.substr(kScheme.size());
  if (rest.empty() || rest[0] == '/' || rest[0] == ':' || rest[0] == '?' || rest[0] == '#') {
    return false;
  }
  return std::all_of(url.begin(), url.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u > 0x20 && u < 0x7F;
  });
}

std::string_view TypeName(toml::node_type type) {
  switch (type) {
    case toml::node_type::none:
      return "nothing";
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
  }
  return "a value";
}

std::string Join(std::string_view a, std::string_view b) {
  std::string out(a);
  if (!out.empty()) out += '.';
  out += b;
  return out;
}

}  // namespace

// Friend of Policy: fills its private fields. One parser per Parse call.
class PolicyParser {
 public:
  explicit PolicyParser(std::string_view source_name) : source_(source_name) {}

  Status Fill(const toml::table& root, Policy& policy);

 private:
  // kInvalidPolicy "source:line:col: path: message" (position omitted when unknown).
  Status Fail(const toml::node* node, std::string_view path, std::string_view message) const {
    std::string text = source_;
    if (node != nullptr && node->source().begin.line > 0) {
      text += ':' + std::to_string(node->source().begin.line) + ':' +
              std::to_string(node->source().begin.column);
    }
    text += ": ";
    if (!path.empty()) {
      text += path;
      text += ": ";
    }
    text += message;
    return Error(ErrorId::kInvalidPolicy, std::move(text));
  }

  Status WrongType(const toml::node& node, std::string_view path, std::string_view expected) const {
    return Fail(
        &node, path,
        "expected " + std::string(expected) + ", found " + std::string(TypeName(node.type())));
  }

  // Rejects every key of `table` not in `allowed`.
  Status CheckKeys(const toml::table& table, std::string_view path,
                   std::initializer_list<std::string_view> allowed) const {
    for (auto&& [key, node] : table) {
      const std::string_view k = key.str();
      if (std::find(allowed.begin(), allowed.end(), k) != allowed.end()) continue;
      return Fail(&node, path, "unknown key '" + PrintableAscii(k, 60) + "'");
    }
    return Status::Ok();
  }

  // Validates a string value: UTF-8, no control characters, at most kMaxStringBytes.
  Status CheckText(const toml::node& node, std::string_view path, std::string_view text,
                   bool allow_empty) const {
    // The one text rule (base/names.h): the city's name and the document names are printed.
    if (Status s = names::CheckText(text, kMaxStringBytes); !s.ok()) {
      return Fail(&node, path, s.id() == ErrorId::kInvalidArgument ? "contains a " + s.message()
                                                                   : s.message());
    }
    if (!allow_empty && text.empty()) return Fail(&node, path, "must not be empty");
    return Status::Ok();
  }

  // Table lookups. `present` (when given) reports whether the key exists; a missing required key
  // is an error naming the table's line.
  Status GetString(const toml::table& table, std::string_view path, std::string_view key,
                   bool required, std::string* out, bool* present = nullptr) const {
    const std::string full = Join(path, key);
    const toml::node* node = table.get(key);
    if (present != nullptr) *present = node != nullptr;
    if (node == nullptr) {
      return required ? Fail(&table, path, "missing key '" + std::string(key) + "'") : Status::Ok();
    }
    const auto* value = node->as_string();
    if (value == nullptr) return WrongType(*node, full, "a string");
    CITYID_RETURN_IF_ERROR(CheckText(*node, full, value->get(), /*allow_empty=*/false));
    *out = value->get();
    return Status::Ok();
  }

  Status GetInt(const toml::table& table, std::string_view path, std::string_view key,
                bool required, int min, int max, int* out, bool* present = nullptr) const {
    const std::string full = Join(path, key);
    const toml::node* node = table.get(key);
    if (present != nullptr) *present = node != nullptr;
    if (node == nullptr) {
      return required ? Fail(&table, path, "missing key '" + std::string(key) + "'") : Status::Ok();
    }
    const auto* value = node->as_integer();
    if (value == nullptr) return WrongType(*node, full, "an integer");
    const int64_t v = value->get();
    if (v < min || v > max) {
      return Fail(node, full,
                  "must be between " + std::to_string(min) + " and " + std::to_string(max));
    }
    *out = static_cast<int>(v);
    return Status::Ok();
  }

  Status GetBool(const toml::table& table, std::string_view path, std::string_view key,
                 bool required, bool* out) const {
    const toml::node* node = table.get(key);
    if (node == nullptr) {
      return required ? Fail(&table, path, "missing key '" + std::string(key) + "'") : Status::Ok();
    }
    const auto* value = node->as_boolean();
    if (value == nullptr) return WrongType(*node, Join(path, key), "a boolean");
    *out = value->get();
    return Status::Ok();
  }

  // An array of distinct non-empty strings, at most `max_items`.
  Status GetStringArray(const toml::table& table, std::string_view path, std::string_view key,
                        bool required, size_t max_items, std::vector<std::string>* out) const {
    const std::string full = Join(path, key);
    const toml::node* node = table.get(key);
    if (node == nullptr) {
      return required ? Fail(&table, path, "missing key '" + std::string(key) + "'") : Status::Ok();
    }
    const auto* array = node->as_array();
    if (array == nullptr) return WrongType(*node, full, "an array of strings");
    if (array->size() > max_items) {
      return Fail(node, full, "more than " + std::to_string(max_items) + " entries");
    }
    out->clear();
    for (size_t i = 0; i < array->size(); ++i) {
      const toml::node& item = *array->get(i);
      const std::string item_path = full + '[' + std::to_string(i) + ']';
      const auto* value = item.as_string();
      if (value == nullptr) return WrongType(item, item_path, "a string");
      CITYID_RETURN_IF_ERROR(CheckText(item, item_path, value->get(), /*allow_empty=*/false));
      if (std::find(out->begin(), out->end(), value->get()) != out->end()) {
        return Fail(&item, item_path, "duplicate entry '" + PrintableAscii(value->get(), 60) + "'");
      }
      out->push_back(value->get());
    }
    return Status::Ok();
  }

  // The sub-table `key` of the root; missing is an error.
  Result<const toml::table*> GetTable(const toml::table& root, std::string_view key) const {
    const toml::node* node = root.get(key);
    if (node == nullptr) return Fail(&root, "", "missing table [" + std::string(key) + "]");
    const toml::table* table = node->as_table();
    if (table == nullptr) return WrongType(*node, key, "a table");
    return table;
  }

  Status ParseCity(const toml::table& root, Policy& policy) const;
  Status ParseCard(const toml::table& root, Policy& policy) const;
  Status ParseRetention(const toml::table& root, Policy& policy) const;
  Status ParseRule(const toml::table& root, Policy& policy) const;
  Status ParseDocuments(const toml::table& root, Policy& policy) const;
  Status ParseDocument(const toml::table& table, std::string_view path, RuleKind rule,
                       const std::vector<std::string>& languages, DocumentType* out) const;
  Status ParseValidity(const toml::node& node, std::string_view path, Validity* out) const;
  Status CheckSatisfiable(const toml::table& root, const Policy& policy) const;

  std::string source_;
};

Status PolicyParser::Fill(const toml::table& root, Policy& policy) {
  CITYID_RETURN_IF_ERROR(CheckKeys(root, "", {"city", "card", "retention", "rule", "documents"}));
  CITYID_RETURN_IF_ERROR(ParseCity(root, policy));
  CITYID_RETURN_IF_ERROR(ParseCard(root, policy));
  CITYID_RETURN_IF_ERROR(ParseRetention(root, policy));
  CITYID_RETURN_IF_ERROR(ParseRule(root, policy));
  CITYID_RETURN_IF_ERROR(ParseDocuments(root, policy));
  return CheckSatisfiable(root, policy);
}

Status PolicyParser::ParseCity(const toml::table& root, Policy& policy) const {
  CITYID_ASSIGN_OR_RETURN(const toml::table* city, GetTable(root, "city"));
  CITYID_RETURN_IF_ERROR(CheckKeys(*city, "city", {"name", "issuer", "languages", "version"}));
  CITYID_RETURN_IF_ERROR(GetString(*city, "city", "name", true, &policy.city_name_));
  CITYID_RETURN_IF_ERROR(GetString(*city, "city", "issuer", true, &policy.issuer_));
  if (!IsHttpsUrl(policy.issuer_)) {
    return Fail(city->get("issuer"), "city.issuer", "must be an https:// URL with a host");
  }
  CITYID_RETURN_IF_ERROR(
      GetStringArray(*city, "city", "languages", true, kMaxLanguages, &policy.languages_));
  const toml::node* languages = city->get("languages");
  for (const std::string& tag : policy.languages_) {
    if (!IsLanguageTag(tag)) {
      return Fail(languages, "city.languages",
                  "'" + PrintableAscii(tag, 60) + "' is not a language code such as \"en\" or \"es\"");
    }
  }
  if (std::find(policy.languages_.begin(), policy.languages_.end(), "en") ==
      policy.languages_.end()) {
    return Fail(languages, "city.languages",
                "must include \"en\" (explanations and the audit trail are in English)");
  }
  return GetString(*city, "city", "version", true, &policy.version_);
}

Status PolicyParser::ParseCard(const toml::table& root, Policy& policy) const {
  CITYID_ASSIGN_OR_RETURN(const toml::table* card, GetTable(root, "card"));
  CITYID_RETURN_IF_ERROR(
      CheckKeys(*card, "card", {"validity_years", "minimum_age", "printed_fields"}));
  CITYID_RETURN_IF_ERROR(
      GetInt(*card, "card", "validity_years", true, 1, 20, &policy.validity_years_));
  CITYID_RETURN_IF_ERROR(GetInt(*card, "card", "minimum_age", true, 0, 120, &policy.minimum_age_));
  CITYID_RETURN_IF_ERROR(GetStringArray(*card, "card", "printed_fields", false,
                                        std::size(kPrintableFields), &policy.printed_fields_));
  for (const std::string& field : policy.printed_fields_) {
    if (std::find(std::begin(kPrintableFields), std::end(kPrintableFields), field) ==
        std::end(kPrintableFields)) {
      return Fail(card->get("printed_fields"), "card.printed_fields",
                  "unknown field '" + PrintableAscii(field, 60) +
                      "' (printable: preferred_name, gender, address, veteran, language, "
                      "organ_donor, emergency_contact, medical_notes)");
    }
  }
  return Status::Ok();
}

Status PolicyParser::ParseRetention(const toml::table& root, Policy& policy) const {
  CITYID_ASSIGN_OR_RETURN(const toml::table* t, GetTable(root, "retention"));
  constexpr std::string_view kPath = "retention";
  CITYID_RETURN_IF_ERROR(
      CheckKeys(*t, kPath,
                {"abandoned_application_days", "rejected_application_days",
                 "after_card_expiry_days", "keep_photo_after_print", "keep_address_after_print",
                 "print_window_days"}));
  Retention& r = policy.retention_;
  CITYID_RETURN_IF_ERROR(GetInt(*t, kPath, "abandoned_application_days", true, 0, kMaxDays,
                                &r.abandoned_application_days));
  CITYID_RETURN_IF_ERROR(GetInt(*t, kPath, "rejected_application_days", true, 0, kMaxDays,
                                &r.rejected_application_days));
  CITYID_RETURN_IF_ERROR(
      GetInt(*t, kPath, "after_card_expiry_days", true, 0, kMaxDays, &r.after_card_expiry_days));
  CITYID_RETURN_IF_ERROR(
      GetBool(*t, kPath, "keep_photo_after_print", true, &r.keep_photo_after_print));
  r.print_window_days = 30;
  CITYID_RETURN_IF_ERROR(
      GetInt(*t, kPath, "print_window_days", false, 1, 365, &r.print_window_days));
  r.keep_address_after_print = false;
  return GetBool(*t, kPath, "keep_address_after_print", false, &r.keep_address_after_print);
}

Status PolicyParser::ParseRule(const toml::table& root, Policy& policy) const {
  CITYID_ASSIGN_OR_RETURN(const toml::table* t, GetTable(root, "rule"));
  constexpr std::string_view kPath = "rule";
  std::string kind;
  CITYID_RETURN_IF_ERROR(GetString(*t, kPath, "kind", true, &kind));
  Rule& rule = policy.rule_;
  rule = Rule{};
  if (kind == "points") {
    rule.kind = RuleKind::kPoints;
    CITYID_RETURN_IF_ERROR(CheckKeys(
        *t, kPath, {"kind", "identity_min", "residency_min", "require_photo", "require_dob"}));
    CITYID_RETURN_IF_ERROR(
        GetInt(*t, kPath, "identity_min", true, 1, kMaxPoints, &rule.identity_min));
    CITYID_RETURN_IF_ERROR(
        GetInt(*t, kPath, "residency_min", true, 0, kMaxPoints, &rule.residency_min));
    CITYID_RETURN_IF_ERROR(GetBool(*t, kPath, "require_photo", true, &rule.require_photo));
    return GetBool(*t, kPath, "require_dob", true, &rule.require_dob);
  }
  if (kind == "list") {
    rule.kind = RuleKind::kList;
    CITYID_RETURN_IF_ERROR(CheckKeys(*t, kPath,
                                     {"kind", "residency_min", "secondary_min",
                                      "secondary_require_photo", "secondary_require_dob"}));
    CITYID_RETURN_IF_ERROR(
        GetInt(*t, kPath, "residency_min", true, 0, kMaxPoints, &rule.residency_min));
    CITYID_RETURN_IF_ERROR(
        GetInt(*t, kPath, "secondary_min", true, 1, kMaxPoints, &rule.secondary_min));
    CITYID_RETURN_IF_ERROR(
        GetBool(*t, kPath, "secondary_require_photo", true, &rule.secondary_require_photo));
    return GetBool(*t, kPath, "secondary_require_dob", true, &rule.secondary_require_dob);
  }
  return Fail(t->get("kind"), "rule.kind",
              "unknown rule kind '" + PrintableAscii(kind, 60) + "' (expected \"points\" or \"list\")");
}

Status PolicyParser::ParseValidity(const toml::node& node, std::string_view path,
                                   Validity* out) const {
  *out = Validity{};
  if (const auto* s = node.as_string()) {
    const std::string& kind = s->get();
    if (kind == "none") return Status::Ok();
    if (kind == "not_expired") {
      out->not_expired = true;
      return Status::Ok();
    }
    return Fail(&node, path,
                "unknown validity kind '" + PrintableAscii(kind, 60) +
                    "' (a string may be \"none\" or \"not_expired\"; use a table such as "
                    "{ issued_within_days = 60 } for the others)");
  }
  const toml::table* t = node.as_table();
  if (t == nullptr) return WrongType(node, path, "a string or a table");
  for (auto&& [key, value] : *t) {
    const std::string_view k = key.str();
    if (k != "not_expired" && k != "issued_within_days" && k != "expired_within_days") {
      return Fail(&value, path,
                  "unknown validity kind '" + PrintableAscii(k, 60) +
                      "' (known: not_expired, issued_within_days, expired_within_days)");
    }
  }
  CITYID_RETURN_IF_ERROR(GetBool(*t, path, "not_expired", false, &out->not_expired));
  int days = 0;
  bool present = false;
  CITYID_RETURN_IF_ERROR(
      GetInt(*t, path, "issued_within_days", false, 1, kMaxDays, &days, &present));
  if (present) out->issued_within_days = days;
  CITYID_RETURN_IF_ERROR(
      GetInt(*t, path, "expired_within_days", false, 1, kMaxDays, &days, &present));
  if (present) out->expired_within_days = days;
  if (out->not_expired && out->expired_within_days) {
    return Fail(&node, path,
                "not_expired and expired_within_days contradict each other (expired_within_days "
                "already accepts unexpired documents)");
  }
  return Status::Ok();
}

Status PolicyParser::ParseDocument(const toml::table& t, std::string_view path, RuleKind rule,
                                   const std::vector<std::string>& languages,
                                   DocumentType* out) const {
  auto is_name_key = [&languages](std::string_view k) {
    constexpr std::string_view kPrefix = "name_";
    return k.substr(0, kPrefix.size()) == kPrefix &&
           std::find(languages.begin(), languages.end(), k.substr(kPrefix.size())) !=
               languages.end();
  };
  for (auto&& [key, node] : t) {
    const std::string_view k = key.str();
    static constexpr std::string_view kAllowed[] = {
        "id",      "category", "identity_points", "residency_points", "has_photo",
        "has_dob", "tier",     "requires_number", "validity",         "expired_identity_points"};
    if (std::find(std::begin(kAllowed), std::end(kAllowed), k) != std::end(kAllowed)) continue;
    if (is_name_key(k)) continue;
    std::string message = "unknown key '" + PrintableAscii(k, 60) + "'";
    if (k.substr(0, 5) == "name_") message += " (its language is not in city.languages)";
    return Fail(&node, path, message);
  }

  CITYID_RETURN_IF_ERROR(GetString(t, path, "id", true, &out->id));
  if (!IsDocumentId(out->id)) {
    return Fail(t.get("id"), Join(path, "id"),
                "'" + PrintableAscii(out->id, 60) +
                    "' is not a document id (lowercase letters, digits and '_', starting with a "
                    "letter, at most 64)");
  }
  for (const std::string& language : languages) {
    std::string name;
    CITYID_RETURN_IF_ERROR(GetString(t, path, "name_" + language, true, &name));
    out->names.emplace(language, std::move(name));
  }

  std::string category;
  CITYID_RETURN_IF_ERROR(GetString(t, path, "category", true, &category));
  if (category == "identity") {
    out->category = Category::kIdentity;
  } else if (category == "residency") {
    out->category = Category::kResidency;
  } else if (category == "both") {
    out->category = Category::kBoth;
  } else {
    return Fail(t.get("category"), Join(path, "category"),
                "unknown category '" + PrintableAscii(category, 60) +
                    "' (expected \"identity\", \"residency\" or \"both\")");
  }

  CITYID_RETURN_IF_ERROR(
      GetInt(t, path, "identity_points", false, 0, kMaxPoints, &out->identity_points));
  CITYID_RETURN_IF_ERROR(
      GetInt(t, path, "residency_points", false, 0, kMaxPoints, &out->residency_points));
  CITYID_RETURN_IF_ERROR(GetBool(t, path, "has_photo", false, &out->has_photo));
  CITYID_RETURN_IF_ERROR(GetBool(t, path, "has_dob", false, &out->has_dob));
  CITYID_RETURN_IF_ERROR(GetBool(t, path, "requires_number", false, &out->requires_number));

  std::string tier;
  bool has_tier = false;
  CITYID_RETURN_IF_ERROR(GetString(t, path, "tier", false, &tier, &has_tier));
  if (!has_tier || tier == "none") {
    out->tier = Tier::kNone;
  } else if (tier == "primary") {
    out->tier = Tier::kPrimary;
  } else if (tier == "secondary") {
    out->tier = Tier::kSecondary;
  } else {
    return Fail(
        t.get("tier"), Join(path, "tier"),
        "unknown tier '" + PrintableAscii(tier, 60) + "' (expected \"primary\", \"secondary\" or \"none\")");
  }

  if (const toml::node* validity = t.get("validity")) {
    CITYID_RETURN_IF_ERROR(ParseValidity(*validity, Join(path, "validity"), &out->validity));
  }

  int expired_points = 0;
  bool has_expired_points = false;
  CITYID_RETURN_IF_ERROR(GetInt(t, path, "expired_identity_points", false, 0, kMaxPoints,
                                &expired_points, &has_expired_points));
  if (has_expired_points) {
    if (!out->validity.expired_within_days) {
      return Fail(t.get("expired_identity_points"), Join(path, "expired_identity_points"),
                  "only meaningful with validity.expired_within_days");
    }
    if (expired_points > out->identity_points) {
      return Fail(t.get("expired_identity_points"), Join(path, "expired_identity_points"),
                  "must not exceed identity_points");
    }
    out->expired_identity_points = expired_points;
  }

  // What each category must contribute, per rule kind. A document that contributes nothing, or
  // points the rule never reads, is a mistake in the policy.
  const bool proves_identity =
      out->category == Category::kIdentity || out->category == Category::kBoth;
  const bool proves_residency =
      out->category == Category::kResidency || out->category == Category::kBoth;
  if (proves_residency && out->residency_points < 1) {
    return Fail(&t, path, "a '" + category + "' document needs residency_points of at least 1");
  }
  if (!proves_residency && out->residency_points != 0) {
    return Fail(t.get("residency_points"), Join(path, "residency_points"),
                "an identity document cannot give residency points (use category \"both\")");
  }
  if (rule == RuleKind::kPoints) {
    if (out->tier != Tier::kNone) {
      return Fail(t.get("tier"), Join(path, "tier"),
                  "tiers are only used by rule kind \"list\"; this policy uses \"points\"");
    }
    if (proves_identity && out->identity_points < 1) {
      return Fail(&t, path, "a '" + category + "' document needs identity_points of at least 1");
    }
    if (!proves_identity && out->identity_points != 0) {
      return Fail(t.get("identity_points"), Join(path, "identity_points"),
                  "a residency document cannot give identity points (use category \"both\")");
    }
  } else {
    if (t.get("identity_points") != nullptr || has_expired_points) {
      return Fail(t.get("identity_points") != nullptr ? t.get("identity_points")
                                                      : t.get("expired_identity_points"),
                  path,
                  "identity points are not used by rule kind \"list\"; give identity documents "
                  "a tier instead");
    }
    if (proves_identity && out->tier == Tier::kNone) {
      return Fail(&t, path,
                  "a '" + category +
                      "' document needs tier \"primary\" or \"secondary\" under "
                      "rule kind \"list\"");
    }
    if (!proves_identity && out->tier != Tier::kNone) {
      return Fail(t.get("tier"), Join(path, "tier"), "a residency document cannot have a tier");
    }
  }
  return Status::Ok();
}

Status PolicyParser::ParseDocuments(const toml::table& root, Policy& policy) const {
  const toml::node* node = root.get("documents");
  if (node == nullptr) {
    return Fail(&root, "", "missing [[documents]] (the document catalogue)");
  }
  const toml::array* array = node->as_array();
  if (array == nullptr) return WrongType(*node, "documents", "an array of tables [[documents]]");
  if (array->empty()) return Fail(node, "documents", "the catalogue is empty");
  if (array->size() > kMaxDocumentTypes) {
    return Fail(node, "documents",
                "more than " + std::to_string(kMaxDocumentTypes) + " document types");
  }
  policy.documents_.clear();
  policy.index_.clear();
  policy.documents_.reserve(array->size());
  for (size_t i = 0; i < array->size(); ++i) {
    const toml::node& item = *array->get(i);
    const std::string path = "documents[" + std::to_string(i) + "]";
    const toml::table* t = item.as_table();
    if (t == nullptr) return WrongType(item, path, "a table");
    DocumentType doc;
    CITYID_RETURN_IF_ERROR(ParseDocument(*t, path, policy.rule_.kind, policy.languages_, &doc));
    if (policy.index_.count(doc.id) != 0) {
      return Fail(t->get("id"), path + ".id", "duplicate document id '" + doc.id + "'");
    }
    policy.index_.emplace(doc.id, policy.documents_.size());
    policy.documents_.push_back(std::move(doc));
  }
  return Status::Ok();
}

// A rule no combination of catalogue documents can meet would turn every applicant away; that
// is a broken policy, not a strict one.
Status PolicyParser::CheckSatisfiable(const toml::table& root, const Policy& policy) const {
  const Rule& rule = policy.rule_;
  const toml::node* where = root.get("rule");
  int identity = 0, residency = 0, primaries = 0, secondaries = 0;
  bool photo = false, dob = false, secondary_photo = false, secondary_dob = false;
  for (const DocumentType& doc : policy.documents_) {
    identity += doc.identity_points;
    residency += doc.residency_points;
    photo = photo || doc.has_photo;
    dob = dob || doc.has_dob;
    if (doc.tier == Tier::kPrimary) ++primaries;
    if (doc.tier == Tier::kSecondary) {
      ++secondaries;
      secondary_photo = secondary_photo || doc.has_photo;
      secondary_dob = secondary_dob || doc.has_dob;
    }
  }
  if (residency < rule.residency_min) {
    return Fail(where, "rule.residency_min", "no combination of catalogue documents reaches it");
  }
  if (rule.kind == RuleKind::kPoints) {
    if (identity < rule.identity_min) {
      return Fail(where, "rule.identity_min", "no combination of catalogue documents reaches it");
    }
    if (rule.require_photo && !photo) {
      return Fail(where, "rule.require_photo", "no catalogue document has a photo");
    }
    if (rule.require_dob && !dob) {
      return Fail(where, "rule.require_dob", "no catalogue document shows a date of birth");
    }
    return Status::Ok();
  }
  const bool secondary_path = secondaries >= rule.secondary_min &&
                              (!rule.secondary_require_photo || secondary_photo) &&
                              (!rule.secondary_require_dob || secondary_dob);
  if (primaries == 0 && !secondary_path) {
    return Fail(where, "rule",
                "no primary document and no combination of secondary documents proves identity");
  }
  return Status::Ok();
}

Result<Policy> Policy::Parse(std::string_view toml_text, std::string_view source_name) {
  const std::string source(source_name.empty() ? std::string_view("policy") : source_name);
  if (toml_text.size() > kMaxPolicyBytes) {
    return Error(ErrorId::kResourceExhausted,
                 source + ": policy larger than " + std::to_string(kMaxPolicyBytes) + " bytes");
  }
  try {
    toml::table root;
    try {
      root = toml::parse(toml_text, source);
    } catch (const toml::parse_error& e) {
      const toml::source_position& at = e.source().begin;
      return Error(ErrorId::kMalformedToml, source + ':' + std::to_string(at.line) + ':' +
                                                std::to_string(at.column) + ": " +
                                                PrintableAscii(e.description(), 60));
    }
    Policy policy;
    policy.source_name_ = source;
    PolicyParser parser(source);
    CITYID_RETURN_IF_ERROR(parser.Fill(root, policy));

    unsigned char digest[crypto_hash_sha256_BYTES];
    if (sodium_init() < 0) return Error(ErrorId::kInternal, "libsodium failed to initialize");
    crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(toml_text.data()),
                       toml_text.size());
    policy.fingerprint_ = HexEncode(ByteView(digest, sizeof digest));
    return policy;
  } catch (const std::bad_alloc&) {
    return Error(ErrorId::kResourceExhausted, source + ": out of memory while parsing the policy");
  } catch (const std::exception& e) {
    return Error(ErrorId::kInternal, source + ": policy parser failed: " + PrintableAscii(e.what(), 60));
  } catch (...) {
    return Error(ErrorId::kInternal, source + ": policy parser failed");
  }
}

Result<Policy> Policy::Load(const std::string& path) {
  CITYID_ASSIGN_OR_RETURN(std::string text, ReadFileBounded(path, kMaxPolicyBytes));
  return Parse(text, path);
}

}  // namespace cityid::policy
