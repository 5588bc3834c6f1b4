#pragma once
// Base45 (RFC 9285): the text form of the card's QR payload. Its 45-character alphabet is
// exactly the QR code "alphanumeric mode" set, so a QR code stores it at 5.5 bits a character.

#include <cstddef>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/status.h"

namespace cityid::credential {

// Returns the Base45 text of `data` (two bytes become three characters, a last odd byte two).
// Never fails. Thread-safe.
std::string Base45Encode(ByteView data);

// Decodes strict RFC 9285 Base45:
//   - every character must be in the alphabet (no lowercase, no whitespace, no padding);
//   - a length of 1 (mod 3) is rejected;
//   - a 3-character group whose value exceeds 65535, or a final 2-character group whose value
//     exceeds 255, is rejected (RFC 9285 §4: such input is invalid, not "wrapped").
// Fails with kPayloadTooLarge, before decoding anything, if the output would be longer than
// `max_bytes`; with kBadBase45 (message names the offset, never the text) otherwise.
// Thread-safe.
Result<Bytes> Base45Decode(std::string_view text, size_t max_bytes);

// The number of bytes `Base45Decode` would produce for a text of `text_length` characters
// (ignoring validity).
size_t Base45DecodedSize(size_t text_length);

}  // namespace cityid::credential
