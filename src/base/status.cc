#include "base/status.h"

namespace cityid {

std::string Status::ToString() const {
  if (ok()) return "ok";
  std::string out = GetErrorInfo(id_).slug;
  if (!message_.empty()) {
    out += ": ";
    out += message_;
  }
  return out;
}

Status Status::WithContext(std::string_view prefix) const {
  if (ok()) return *this;
  std::string message(prefix);
  if (!message_.empty()) {
    message += ": ";
    message += message_;
  }
  return Status(id_, std::move(message));
}

}  // namespace cityid
