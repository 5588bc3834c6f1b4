#include "core/applicant.h"

#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "base/file.h"
#include "base/json_depth.h"
#include "base/names.h"
#include "render/render.h"

namespace cityid::core {
namespace {

using nlohmann::json;

Status Bad(ErrorId id, const std::string& field, const std::string& what) {
  return Error(id, field + ": " + what);
}

Status CheckKeys(const json& obj, const std::string& where, std::initializer_list<const char*> allowed) {
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    bool ok = false;
    for (const char* a : allowed) ok = ok || it.key() == a;
    if (!ok) {
      // Name the key only when it is a plain identifier: a value typed as a key, or terminal
      // escapes, must not be echoed.
      std::string key = it.key();
      bool plain = !key.empty() && key.size() <= 40;
      for (char c : key) plain = plain && (std::islower(static_cast<unsigned char>(c)) || c == '_');
      return Error(ErrorId::kUnknownField, (where.empty() ? "" : where + ": ") +
                                               (plain ? "unknown field '" + key + "'"
                                                      : std::string("unknown field")));
    }
  }
  return Status::Ok();
}

Result<std::string> GetString(const json& obj, const std::string& where, const char* key,
                              bool required, size_t max_bytes) {
  const std::string field = (where.empty() ? "" : where + ".") + key;
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) {
    if (required) return Bad(ErrorId::kMissingField, field, "required");
    return std::string();
  }
  if (!it->is_string()) return Bad(ErrorId::kInvalidArgument, field, "expected a string");
  std::string s = it->get<std::string>();
  CITYID_RETURN_IF_ERROR(names::CheckText(s, max_bytes).WithContext(field));
  // Trim surrounding spaces; an all-space required value is missing.
  const auto b = s.find_first_not_of(' ');
  const auto e = s.find_last_not_of(' ');
  s = b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
  if (required && s.empty()) return Bad(ErrorId::kMissingField, field, "must not be empty");
  return s;
}

Result<std::optional<Date>> GetDate(const json& obj, const std::string& where, const char* key,
                                    bool required) {
  CITYID_ASSIGN_OR_RETURN(std::string s, GetString(obj, where, key, required, 10));
  if (s.empty()) return std::optional<Date>();
  auto d = Date::Parse(s);
  if (!d.ok()) return d.status().WithContext((where.empty() ? "" : where + ".") + key);
  return std::optional<Date>(*d);
}

// One name part in its canonical form (base/names.h), or "" when absent.
Result<std::string> GetNamePart(const json& obj, const std::string& where, const char* key) {
  const std::string field = where + "." + key;
  CITYID_ASSIGN_OR_RETURN(std::string raw, GetString(obj, where, key, false, kMaxNameInputBytes));
  auto n = names::NormalizeName(raw, names::Kind::kPart);
  if (!n.ok()) return n.status().WithContext(field);
  return std::move(n).value();
}

// A name: given and family, either of which may be empty but not both. A mononym goes in
// `family`, ICAO 9303's primary identifier (a passport with one name prints it there), or in
// `given`; the card prints it as it is either way.
Result<PersonName> ParseName(const json& j, const std::string& where) {
  if (!j.is_object()) return Bad(ErrorId::kInvalidArgument, where, "expected an object");
  CITYID_RETURN_IF_ERROR(CheckKeys(j, where, {"given", "family"}));
  PersonName n;
  CITYID_ASSIGN_OR_RETURN(n.given, GetNamePart(j, where, "given"));
  CITYID_ASSIGN_OR_RETURN(n.family, GetNamePart(j, where, "family"));
  if (n.given.empty() && n.family.empty()) {
    return Bad(ErrorId::kMissingField, where, "give the family name, the given name or both");
  }
  return n;
}

Result<Address> ParseAddress(const json& j) {
  if (!j.is_object()) return Bad(ErrorId::kInvalidArgument, "address", "expected an object");
  CITYID_RETURN_IF_ERROR(CheckKeys(j, "address", {"line1", "line2", "city", "state", "postal_code"}));
  Address a;
  CITYID_ASSIGN_OR_RETURN(a.line1, GetString(j, "address", "line1", true, 200));
  CITYID_ASSIGN_OR_RETURN(a.line2, GetString(j, "address", "line2", false, 200));
  CITYID_ASSIGN_OR_RETURN(a.city, GetString(j, "address", "city", true, 100));
  CITYID_ASSIGN_OR_RETURN(a.state, GetString(j, "address", "state", false, 50));
  CITYID_ASSIGN_OR_RETURN(a.postal_code, GetString(j, "address", "postal_code", false, 20));
  return a;
}

json NameJson(const PersonName& n) { return json{{"given", n.given}, {"family", n.family}}; }

}  // namespace

Result<std::string> CheckPhoto(ByteView p) {
  if (p.size() < 64) return Error(ErrorId::kInvalidPhoto, "photo: file too small to be an image");
  if (p.size() > kMaxPhotoBytes) {
    return Error(ErrorId::kInvalidPhoto, "photo: larger than 5 MiB");
  }
  static constexpr uint8_t kPng[] = {0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a};
  std::string type;
  if (std::equal(std::begin(kPng), std::end(kPng), p.begin())) type = "png";
  if (p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff) type = "jpeg";
  if (type.empty()) return Error(ErrorId::kInvalidPhoto, "photo: not a JPEG or PNG image");
  // What is enrolled must print: the renderer's pixel limits, checked from the header before
  // one bounded decode (a 20000x20000 photo of a few KB is refused here, not at printing).
  CITYID_RETURN_IF_ERROR(render::CheckPhotoPrintable(p).WithContext("photo"));
  return type;
}

Result<ApplicantInput> ParseApplicantJson(std::string_view text, const std::string& base_dir,
                                          const Date& today) {
  if (text.size() > kMaxApplicantFileBytes) {
    return Error(ErrorId::kResourceExhausted, "applicant file larger than 64 KiB");
  }
  if (!IsValidUtf8(text)) return Error(ErrorId::kInvalidUtf8, "applicant file is not valid UTF-8");
  // Depth before parsing (base/json_depth.h): the parser below is iterative, but the value it
  // builds is later copied and serialized, which recurse once per level.
  CITYID_RETURN_IF_ERROR(CheckJsonDepth(text).WithContext("applicant file"));
  // nlohmann keeps the last of duplicate keys silently; a file with two legal names must be
  // refused, not half-read. Track keys per open object while parsing.
  std::vector<std::set<std::string>> open_objects;
  bool duplicate_key = false;
  json::parser_callback_t detect_duplicates = [&](int, json::parse_event_t event, json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
        open_objects.emplace_back();
        break;
      case json::parse_event_t::object_end:
        if (!open_objects.empty()) open_objects.pop_back();
        break;
      case json::parse_event_t::key:
        if (!open_objects.empty() && !open_objects.back().insert(parsed.get<std::string>()).second) {
          duplicate_key = true;
        }
        break;
      default:
        break;
    }
    return true;
  };
  json j = json::parse(text, detect_duplicates, /*allow_exceptions=*/false);
  if (duplicate_key && !j.is_discarded()) {
    return Error(ErrorId::kMalformedJson, "applicant file: a key appears twice in one object");
  }
  if (j.is_discarded()) {
    // Re-parse with exceptions to get the position (message holds no field values).
    try {
      json again = json::parse(text);
      (void)again;
    } catch (const json::parse_error& e) {
      return Error(ErrorId::kMalformedJson,
                   "applicant file: syntax error at byte " + std::to_string(e.byte));
    } catch (const json::exception&) {
      return Error(ErrorId::kMalformedJson, "applicant file: syntax error");
    }
    return Error(ErrorId::kMalformedJson, "applicant file: syntax error");
  }
  if (!j.is_object()) return Error(ErrorId::kMalformedJson, "applicant file: expected an object");
  CITYID_RETURN_IF_ERROR(CheckKeys(j, "", {"legal_name", "latin_name", "preferred_name", "date_of_birth",
                                           "address", "gender", "veteran", "photo", "language",
                                           "site", "documents"}));
  ApplicantInput in;
  if (!j.contains("legal_name")) return Bad(ErrorId::kMissingField, "legal_name", "required");
  CITYID_ASSIGN_OR_RETURN(in.legal_name, ParseName(j["legal_name"], "legal_name"));
  if (j.contains("latin_name") && !j["latin_name"].is_null()) {
    CITYID_ASSIGN_OR_RETURN(in.latin_name, ParseName(j["latin_name"], "latin_name"));
    for (const std::string* part : {&in.latin_name->given, &in.latin_name->family}) {
      for (unsigned char c : *part) {
        if (c >= 0x80) {
          return Bad(ErrorId::kInvalidArgument, "latin_name", "must be written in ASCII letters");
        }
      }
    }
  }
  {
    CITYID_ASSIGN_OR_RETURN(std::string preferred,
                            GetString(j, "", "preferred_name", false, kMaxNameInputBytes));
    auto n = names::NormalizeName(preferred, names::Kind::kPart);
    if (!n.ok()) return n.status().WithContext("preferred_name");
    in.preferred_name = std::move(n).value();
  }
  CITYID_ASSIGN_OR_RETURN(auto dob, GetDate(j, "", "date_of_birth", true));
  in.date_of_birth = *dob;
  if (in.date_of_birth > today) {
    return Bad(ErrorId::kInvalidDate, "date_of_birth", "is in the future");
  }
  if (in.date_of_birth.year < 1900) {
    return Bad(ErrorId::kInvalidDate, "date_of_birth", "before 1900");
  }
  if (j.contains("address") && !j["address"].is_null()) {
    CITYID_ASSIGN_OR_RETURN(in.address, ParseAddress(j["address"]));
  }
  CITYID_ASSIGN_OR_RETURN(in.gender, GetString(j, "", "gender", false, 1));
  if (!in.gender.empty() && in.gender != "F" && in.gender != "M" && in.gender != "X") {
    return Bad(ErrorId::kInvalidArgument, "gender", "expected F, M or X");
  }
  if (j.contains("veteran") && !j["veteran"].is_null()) {
    if (!j["veteran"].is_boolean()) return Bad(ErrorId::kInvalidArgument, "veteran", "expected true or false");
    in.veteran = j["veteran"].get<bool>();
  }
  CITYID_ASSIGN_OR_RETURN(in.language, GetString(j, "", "language", false, 35));
  for (char c : in.language) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') {
      return Bad(ErrorId::kInvalidArgument, "language", "expected a language tag such as \"es\"");
    }
  }
  CITYID_ASSIGN_OR_RETURN(in.site, GetString(j, "", "site", false, 64));
  CITYID_ASSIGN_OR_RETURN(std::string photo_path, GetString(j, "", "photo", false, 4096));
  if (!photo_path.empty()) {
    std::filesystem::path p(photo_path);
    if (p.is_relative()) p = std::filesystem::path(base_dir) / p;
    auto bytes = ReadFileBounded(p.string(), kMaxPhotoBytes);
    if (!bytes.ok()) return Error(ErrorId::kInvalidPhoto, "photo: " + bytes.status().message());
    in.photo = ToBytes(*bytes);
    CITYID_ASSIGN_OR_RETURN(in.photo_type, CheckPhoto(in.photo));
  }
  if (!j.contains("documents")) return Bad(ErrorId::kMissingField, "documents", "required");
  const json& docs = j["documents"];
  if (!docs.is_array()) return Bad(ErrorId::kInvalidArgument, "documents", "expected an array");
  if (docs.size() > kMaxDocuments) {
    return Bad(ErrorId::kInvalidArgument, "documents", "more than 20 documents");
  }
  for (size_t i = 0; i < docs.size(); ++i) {
    const std::string where = "documents[" + std::to_string(i) + "]";
    const json& d = docs[i];
    if (!d.is_object()) return Bad(ErrorId::kInvalidArgument, where, "expected an object");
    CITYID_RETURN_IF_ERROR(CheckKeys(d, where, {"type", "number", "issued", "expires"}));
    PresentedDocumentInput doc;
    CITYID_ASSIGN_OR_RETURN(doc.type, GetString(d, where, "type", true, 64));
    CITYID_ASSIGN_OR_RETURN(doc.number, GetString(d, where, "number", false, 64));
    CITYID_ASSIGN_OR_RETURN(doc.issued, GetDate(d, where, "issued", false));
    CITYID_ASSIGN_OR_RETURN(doc.expires, GetDate(d, where, "expires", false));
    if (doc.issued && *doc.issued > today) {
      return Bad(ErrorId::kInvalidDate, where + ".issued", "is in the future");
    }
    if (doc.issued && doc.expires && *doc.expires < *doc.issued) {
      return Bad(ErrorId::kInvalidDate, where + ".expires", "is before the issue date");
    }
    in.documents.push_back(std::move(doc));
  }
  return in;
}

std::string PersonRecord::ToJson() const {
  json j;
  j["v"] = 1;
  j["legal_name"] = NameJson(legal_name);
  j["latin_name"] = NameJson(latin_name);
  j["ascii_name"] = NameJson(ascii_name);
  if (!preferred_name.empty()) j["preferred_name"] = preferred_name;
  j["date_of_birth"] = date_of_birth.ToString();
  if (!gender.empty()) j["gender"] = gender;
  if (veteran) j["veteran"] = true;
  if (address) {
    j["address"] = json{{"line1", address->line1}, {"line2", address->line2},
                        {"city", address->city}, {"state", address->state},
                        {"postal_code", address->postal_code}};
  }
  if (!photo.empty()) {
    j["photo"] = Base64Encode(photo);
    j["photo_type"] = photo_type;
  }
  if (!language.empty()) j["language"] = language;
  if (!evaluation_json.empty()) {
    json ev = json::parse(evaluation_json, nullptr, false);
    if (!ev.is_discarded()) j["evaluation"] = std::move(ev);
  }
  json seeds = json::object();
  for (const auto& [card, seed] : card_seeds) seeds[card] = Base64UrlEncode(seed);
  j["card_seeds"] = seeds;
  return j.dump();
}

Result<PersonRecord> PersonRecord::FromJson(std::string_view text) {
  json j = json::parse(text, nullptr, false);
  auto corrupt = [](const char* what) {
    return Error(ErrorId::kStoreCorrupt, std::string("person record: ") + what);
  };
  if (j.is_discarded() || !j.is_object() || j.value("v", 0) != 1) return corrupt("bad format");
  try {
    PersonRecord r;
    r.legal_name = {j.at("legal_name").at("given"), j.at("legal_name").at("family")};
    r.latin_name = {j.at("latin_name").at("given"), j.at("latin_name").at("family")};
    r.ascii_name = {j.at("ascii_name").at("given"), j.at("ascii_name").at("family")};
    r.preferred_name = j.value("preferred_name", "");
    auto dob = Date::Parse(j.at("date_of_birth").get<std::string>());
    if (!dob.ok()) return corrupt("date of birth");
    r.date_of_birth = *dob;
    r.gender = j.value("gender", "");
    r.veteran = j.value("veteran", false);
    if (j.contains("address")) {
      const json& a = j["address"];
      r.address = Address{a.at("line1"), a.at("line2"), a.at("city"), a.at("state"),
                          a.at("postal_code")};
    }
    if (j.contains("photo")) {
      auto p = Base64Decode(j["photo"].get<std::string>());
      if (!p.ok()) return corrupt("photo");
      r.photo = std::move(p).value();
      r.photo_type = j.value("photo_type", "");
    }
    r.language = j.value("language", "");
    if (j.contains("evaluation")) r.evaluation_json = j["evaluation"].dump();
    for (auto it = j.at("card_seeds").begin(); it != j.at("card_seeds").end(); ++it) {
      auto seed = Base64UrlDecode(it.value().get<std::string>());
      if (!seed.ok()) return corrupt("card seed");
      r.card_seeds.emplace_back(it.key(), std::move(seed).value());
    }
    return r;
  } catch (const json::exception&) {
    return corrupt("missing or mistyped field");
  }
}

}  // namespace cityid::core
