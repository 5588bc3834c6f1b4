#include "crypto/blind_index.h"

#include <sodium.h>

#include <cstdlib>

namespace cityid::crypto {

BlindIndexer::BlindIndexer(SecretBytes key) : key_(std::move(key)) {
  if (key_.size() != kBlindIndexKeyBytes) std::abort();  // programming error: checked crash
}

Bytes BlindIndexer::Compute(std::string_view domain, std::string_view message) const {
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, key_.data(), key_.size());
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const uint8_t*>(domain.data()),
                                domain.size());
  const uint8_t zero = 0;
  crypto_auth_hmacsha256_update(&st, &zero, 1);
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const uint8_t*>(message.data()),
                                message.size());
  Bytes out(crypto_auth_hmacsha256_BYTES);
  crypto_auth_hmacsha256_final(&st, out.data());
  sodium_memzero(&st, sizeof st);
  return out;
}

}  // namespace cityid::crypto
