#include "policy/evaluation.h"

#include <nlohmann/json.hpp>
#include <string>

#include "base/bytes.h"

namespace cityid::policy {
namespace {

std::string Points(int n, const char* what) {
  return std::to_string(n) + " " + what + " point" + (n == 1 ? "" : "s");
}

}  // namespace

std::string Evaluation::Explain() const {
  const bool list = rule.rfind("list", 0) == 0;
  std::string out = satisfied ? "The documents satisfy the city policy"
                              : "The documents do not yet satisfy the city policy";
  out += " (rule: " + rule + ").\n";
  if (!list) {
    out += "Identity points: " + std::to_string(identity_points) + " of " +
           std::to_string(identity_required) + " needed.\n";
  }
  out += "Residency points: " + std::to_string(residency_points) + " of " +
         std::to_string(residency_required) + " needed.\n";
  out += std::string("Document with a photo: ") + (has_photo_document ? "yes" : "no") + ".\n";
  out += std::string("Document showing the date of birth: ") + (has_dob_document ? "yes" : "no") +
         ".\n";
  if (documents.empty()) {
    out += "No documents were presented.\n";
  } else {
    out += "Documents:\n";
    for (const DocumentResult& d : documents) {
      out += "  - " + (d.name.empty() ? PrintableAscii(d.type) : d.name + " (" + d.type + ")") + ": ";
      if (d.accepted) {
        out += "accepted";
        if (!d.tier.empty()) out += " as a " + d.tier + " identity document";
        std::string points;
        if (d.identity_points > 0) points = Points(d.identity_points, "identity");
        if (d.residency_points > 0) {
          if (!points.empty()) points += ", ";
          points += Points(d.residency_points, "residency");
        }
        if (!points.empty()) out += ", " + points;
      } else {
        out += "not accepted: " + d.reason;
      }
      out += "\n";
    }
  }
  if (!missing.empty()) {
    out += "Missing:\n";
    for (const std::string& m : missing) out += "  - " + m + "\n";
  }
  if (!suggestions.empty()) {
    out += "Any of these would help:\n";
    for (const std::string& s : suggestions) out += "  - " + s + "\n";
  }
  return out;
}

std::string Evaluation::ToJson() const {
  using Json = nlohmann::ordered_json;
  Json docs = Json::array();
  for (const DocumentResult& d : documents) {
    docs.push_back({{"type", d.type},
                    {"name", d.name},
                    {"tier", d.tier},
                    {"accepted", d.accepted},
                    {"reason", d.reason},
                    {"identity_points", d.identity_points},
                    {"residency_points", d.residency_points}});
  }
  Json codes = Json::array();
  for (const MissingCode& m : missing_codes)
    codes.push_back({{"code", m.code}, {"count", m.count}});
  Json out = {{"satisfied", satisfied},
              {"rule", rule},
              {"identity_points", identity_points},
              {"residency_points", residency_points},
              {"identity_required", identity_required},
              {"residency_required", residency_required},
              {"has_photo_document", has_photo_document},
              {"has_dob_document", has_dob_document},
              {"documents", docs},
              {"missing", missing},
              {"suggestions", suggestions},
              {"missing_codes", codes},
              {"suggested", suggested},
              {"suggested_for", suggested_for}};
  return out.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace cityid::policy
