// libFuzzer target: Base45Decode on arbitrary text. Checks the decoder never crashes, respects
// max_bytes, and that whatever it accepts re-encodes to the same text (Base45 is canonical).

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "credential/base45.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const size_t max_bytes = cityid::credential::Base45DecodedSize(size);
  auto decoded = cityid::credential::Base45Decode(text, max_bytes);
  if (decoded.ok()) {
    if (decoded->size() > max_bytes) std::abort();
    if (cityid::credential::Base45Encode(*decoded) != text) std::abort();
  }
  // A tighter cap must be refused up front, never overrun.
  if (max_bytes > 0) {
    auto capped = cityid::credential::Base45Decode(text, max_bytes - 1);
    if (capped.ok()) std::abort();
  }
  return 0;
}
