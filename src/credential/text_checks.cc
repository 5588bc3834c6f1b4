#include "credential/text_checks.h"

#include <string>

#include "base/names.h"

namespace cityid::credential {

Status CheckText(std::string_view field, std::string_view value, size_t max_bytes, bool required) {
  if (value.empty()) {
    if (required) return Error(ErrorId::kMissingField, std::string(field) + " is required");
    return Status::Ok();
  }
  return names::CheckText(value, max_bytes).WithContext(field);
}

Status CheckName(std::string_view field, std::string_view value, bool required) {
  if (value.empty()) {
    if (required) return Error(ErrorId::kMissingField, std::string(field) + " is required");
    return Status::Ok();
  }
  return names::CheckName(value, names::Kind::kFull).WithContext(field);
}

bool IsAsciiToken(std::string_view value) {
  for (const char ch : value) {
    if (ch < 0x21 || ch > 0x7E) return false;
  }
  return true;
}

}  // namespace cityid::credential
