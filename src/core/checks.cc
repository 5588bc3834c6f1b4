#include "core/checks.h"

#include <string>

#include "base/names.h"

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
  return names::CheckText(text, max).WithContext(field);
}

}  // namespace cityid::core
