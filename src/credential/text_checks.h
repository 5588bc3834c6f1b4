#pragma once
// Internal: field checks shared by the card and the status list. Messages name the field,
// never its value.

#include <cstddef>
#include <string_view>

#include "base/status.h"

namespace cityid::credential {

// Text as base/names.h's CheckText defines it (UTF-8, no control characters or bidirectional
// overrides), at most `max_bytes` bytes. Fails with kMissingField (empty and required),
// kFieldTooLong, kInvalidUtf8 or kInvalidArgument.
Status CheckText(std::string_view field, std::string_view value, size_t max_bytes, bool required);

// A name claim (full, given, family or native name): the one name rule of base/names.h, each
// field checked as a full name (at most names::kMaxFullBytes = kMaxNameBytes bytes), so that a
// card verifies exactly when its names could have been enrolled. Fails with kMissingField
// (empty and required) or names::CheckName's errors.
Status CheckName(std::string_view field, std::string_view value, bool required);

// True if `value` is printable ASCII without spaces (0x21..0x7E).
bool IsAsciiToken(std::string_view value);

}  // namespace cityid::credential
