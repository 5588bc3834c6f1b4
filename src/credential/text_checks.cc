#include "credential/text_checks.h"

#include <string>

#include "base/bytes.h"

namespace cityid::credential {

Status CheckText(std::string_view field, std::string_view value, size_t max_bytes, bool required) {
  if (value.empty()) {
    if (required) return Error(ErrorId::kMissingField, std::string(field) + " is required");
    return Status::Ok();
  }
  if (value.size() > max_bytes) {
    return Error(ErrorId::kFieldTooLong,
                 std::string(field) + " exceeds " + std::to_string(max_bytes) + " bytes");
  }
  if (!IsValidUtf8(value)) {
    return Error(ErrorId::kInvalidUtf8, std::string(field) + " is not valid UTF-8");
  }
  for (size_t i = 0; i < value.size(); ++i) {
    const auto c = static_cast<unsigned char>(value[i]);
    const bool c0_or_del = c < 0x20 || c == 0x7F;
    // C1 controls U+0080..U+009F are encoded C2 80..C2 9F.
    const bool c1 =
        c == 0xC2 && i + 1 < value.size() && static_cast<unsigned char>(value[i + 1]) <= 0x9F;
    if (c0_or_del || c1) {
      return Error(ErrorId::kInvalidArgument, std::string(field) + " contains a control character");
    }
  }
  return Status::Ok();
}

bool IsAsciiToken(std::string_view value) {
  for (const char ch : value) {
    if (ch < 0x21 || ch > 0x7E) return false;
  }
  return true;
}

}  // namespace cityid::credential
