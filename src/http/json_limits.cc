#include "http/json_limits.h"

#include <string>

namespace cityid::http {

Result<nlohmann::json> ParseJsonLimited(std::string_view text, size_t max_bytes) {
  if (text.size() > max_bytes) {
    return Error(ErrorId::kMalformedJson,
                 "JSON text larger than " + std::to_string(max_bytes) + " bytes");
  }
  CITYID_RETURN_IF_ERROR(CheckJsonDepth(text, kMaxJsonDepth));
  // nlohmann 3.11.2 takes a NUL byte outside a string for the end of the input, so
  // "{...}\0anything" would parse as "{...}". No JSON text holds a raw NUL (RFC 8259).
  if (text.find('\0') != std::string_view::npos) {
    return Error(ErrorId::kMalformedJson, "JSON text holds a NUL byte");
  }
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Error(ErrorId::kMalformedJson, "not valid JSON");
  return j;
}

}  // namespace cityid::http
