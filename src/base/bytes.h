#pragma once
// Byte strings and their text encodings.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace cityid {

using Bytes = std::vector<uint8_t>;
using ByteView = std::span<const uint8_t>;

inline ByteView AsBytes(std::string_view s) {
  return ByteView(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}
inline std::string_view AsChars(ByteView b) {
  return std::string_view(reinterpret_cast<const char*>(b.data()), b.size());
}
inline Bytes ToBytes(std::string_view s) { return Bytes(s.begin(), s.end()); }

// Lowercase hex.
std::string HexEncode(ByteView bytes);
// Accepts upper or lower case; fails with kInvalidArgument on odd length or bad digit.
Result<Bytes> HexDecode(std::string_view hex);

// RFC 4648 §5 base64url without padding.
std::string Base64UrlEncode(ByteView bytes);
// Accepts base64url with or without padding. Fails with kInvalidArgument.
Result<Bytes> Base64UrlDecode(std::string_view text);
// RFC 4648 §4 standard base64 with padding.
std::string Base64Encode(ByteView bytes);
Result<Bytes> Base64Decode(std::string_view text);

// True when `text` is well-formed UTF-8 (no overlongs, surrogates or code points > U+10FFFF).
bool IsValidUtf8(std::string_view text);

// Untrusted text made safe for one line of an error message: printable ASCII kept, anything
// else (control characters, non-ASCII, invalid UTF-8) replaced by '?', cut after `max` chars
// with "...".
std::string PrintableAscii(std::string_view text, size_t max = 64);

// Constant-time equality for secrets and MACs (sodium_memcmp). Different lengths are unequal.
bool ConstantTimeEquals(ByteView a, ByteView b);

}  // namespace cityid
