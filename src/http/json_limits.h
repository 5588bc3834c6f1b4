#pragma once
// Parsing JSON from a client: size and depth held to limits before the parser runs, so nothing
// after it (dump, operator==, copies: recursive in nlohmann 3.11.2) recurses deeper than
// kMaxJsonDepth (base/json_depth.h, which says why). Every JSON text a client sends is parsed
// here (ParseJsonBody) or checked with CheckJsonDepth first (core::ParseApplicantJson).

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string_view>

#include "base/json_depth.h"
#include "base/status.h"

namespace cityid::http {

// `text` parsed with nlohmann (no exceptions): kMalformedJson when it is longer than
// `max_bytes` ("JSON text larger than N bytes"), nests deeper than kMaxJsonDepth ("JSON nested
// deeper than 32 levels"), holds a NUL byte (which nlohmann would take for the end of the
// text) or is not JSON. Size and depth are checked before the parser sees a byte. Any JSON
// value is returned (the caller checks for an object).
Result<nlohmann::json> ParseJsonLimited(std::string_view text, size_t max_bytes);

}  // namespace cityid::http
