#include "http/json_limits.h"

#include <string>

namespace cityid::http {

Result<nlohmann::json> ParseJsonLimited(std::string_view text, size_t max_bytes) {
  if (text.size() > max_bytes) {
    return Error(ErrorId::kMalformedJson,
                 "JSON text larger than " + std::to_string(max_bytes) + " bytes");
  }
  CITYID_RETURN_IF_ERROR(CheckJsonDepth(text, kMaxJsonDepth));
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Error(ErrorId::kMalformedJson, "not valid JSON");
  return j;
}

}  // namespace cityid::http
