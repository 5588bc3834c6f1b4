#pragma once
// Internal: field checks shared by the card and the status list. Messages name the field,
// never its value.

#include <cstddef>
#include <string_view>

#include "base/status.h"

namespace cityid::credential {

// UTF-8 text without C0/C1 control characters or DEL, at most `max_bytes` bytes.
// Fails with kMissingField (empty and required), kFieldTooLong, kInvalidUtf8 or
// kInvalidArgument (control character).
Status CheckText(std::string_view field, std::string_view value, size_t max_bytes, bool required);

// True if `value` is printable ASCII without spaces (0x21..0x7E).
bool IsAsciiToken(std::string_view value);

}  // namespace cityid::credential
