#include "core/checks.h"

#include <string>

#include "base/bytes.h"

namespace cityid::core {

Status RequireRole(const Actor& actor, std::initializer_list<Role> roles) {
  for (Role r : roles) {
    if (actor.role == r) return Status::Ok();
  }
  return Error(ErrorId::kPermissionDenied,
               std::string("role '") + Name(actor.role) + "' may not do this");
}

Status CheckText(std::string_view field, std::string_view text, size_t max, bool required) {
  if (required && text.find_first_not_of(" \t") == std::string_view::npos) {
    return Error(ErrorId::kMissingField, std::string(field) + ": required");
  }
  if (text.size() > max) {
    return Error(ErrorId::kFieldTooLong,
                 std::string(field) + ": longer than " + std::to_string(max) + " bytes");
  }
  if (!IsValidUtf8(text)) return Error(ErrorId::kInvalidUtf8, std::string(field) + ": not valid UTF-8");
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7f) {
      return Error(ErrorId::kInvalidArgument, std::string(field) + ": control character");
    }
  }
  return Status::Ok();
}

}  // namespace cityid::core
