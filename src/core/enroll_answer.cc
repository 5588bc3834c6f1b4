#include "core/enroll_answer.h"

namespace cityid::core {

nlohmann::ordered_json EnrollAnswerFields(const EnrollResult& r, Role viewer) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  j["flagged_for_review"] = r.state == ApplicationState::kFlagged;
  if (MaySeeDuplicatePairs(viewer)) {
    j["duplicates"] = nlohmann::ordered_json::array();
    for (const auto& d : r.duplicates) {
      j["duplicates"].push_back({{"kind", d.kind}, {"other_applications", d.other_applications}});
    }
  }
  if (r.latin_name_transliterated) {
    // The clerk sees the spelling the card will print while the applicant is still there.
    j["latin_name"] = {{"given", r.latin_name.given},
                       {"family", r.latin_name.family},
                       {"printed", r.printed_name},
                       {"transliterated", true},
                       {"confirm", kTransliterationNotice}};
  }
  // For the applicant's enrollment receipt; shown this once (core/access_code.h).
  j["access_code"] = r.access_code;
  return j;
}

}  // namespace cityid::core
