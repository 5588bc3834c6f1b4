// libFuzzer target: ParseShare on arbitrary text (an officer's key share file, crypto/shares.h).
// Checks the parser never crashes, that whatever it accepts re-encodes to a line that parses to
// the same share, and that a share given twice is refused when combining.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "base/bytes.h"
#include "crypto/shares.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cityid::crypto;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto share = ParseShare(text);
  if (!share.ok()) {
    if (share.status().id() != cityid::ErrorId::kKeysInvalid) std::abort();
    return 0;
  }
  if (share->x < 1 || share->x > share->count || share->threshold < 2 ||
      share->count < share->threshold || share->count > kMaxShares || share->y.empty()) {
    std::abort();
  }
  const SecretBytes line = EncodeShare(*share);
  auto again = ParseShare(cityid::AsChars(line.view()));
  if (!again.ok() || again->split_id != share->split_id || again->x != share->x ||
      again->threshold != share->threshold || again->count != share->count ||
      !cityid::ConstantTimeEquals(again->y.view(), share->y.view())) {
    std::abort();
  }
  std::vector<Share> twice;
  twice.push_back(std::move(*share));
  twice.push_back(std::move(*again));
  if (CombineShares(twice).ok()) std::abort();
  return 0;
}
