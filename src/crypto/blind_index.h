#pragma once
// Blind indexes: keyed hashes that allow equality search without storing plaintext.

#include <string_view>

#include "base/bytes.h"
#include "crypto/secret.h"

namespace cityid::crypto {

inline constexpr size_t kBlindIndexKeyBytes = 32;
inline constexpr size_t kBlindIndexBytes = 32;

// HMAC-SHA-256 under the blind-index key (never the KEK). Domain separation: the MAC input is
// `domain` || 0x00 || `message`, so "name" and "doc" indexes can never collide.
// Thread-safe (immutable after construction).
class BlindIndexer {
 public:
  // REQUIRES: key.size() == kBlindIndexKeyBytes
  explicit BlindIndexer(SecretBytes key);
  // Returns the 32-byte index of `message` in `domain`.
  Bytes Compute(std::string_view domain, std::string_view message) const;
  // The key itself: only for sealing it when the data keys are split (Keyring::SealDataKeys).
  const SecretBytes& key() const { return key_; }

 private:
  SecretBytes key_;
};

}  // namespace cityid::crypto
