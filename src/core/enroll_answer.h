#pragma once
// What an enrollment answers beyond its ids, state and evaluation: one definition for the CLI
// (`cityid enroll`) and the API (`POST /api/v1/applications`), so the two cannot drift in what
// they let the caller learn.

#include <nlohmann/json.hpp>

#include "core/types.h"
#include "core/workflow.h"

namespace cityid::core {

// The fields of an enrollment answer that depend on who asks, in this order:
//   flagged_for_review  true when a blind index matched another person (all that staff below
//                       supervisor learn of it: MaySeeDuplicatePairs);
//   duplicates          [{kind, other_applications}] — only when MaySeeDuplicatePairs(viewer);
//   latin_name          {given, family, printed, transliterated: true, confirm} — only when
//                       cityid spelled the name in Latin letters (kTransliterationNotice);
//   access_code         the applicant's access code for their receipt (empty from a batch).
nlohmann::ordered_json EnrollAnswerFields(const EnrollResult& r, Role viewer);

}  // namespace cityid::core
