#include "base/rng.h"

#include <sodium.h>

#include <cstring>

namespace cityid {

void SystemRng::Fill(std::span<uint8_t> out) {
  if (!out.empty()) randombytes_buf(out.data(), out.size());
}

uint32_t SystemRng::Uniform(uint32_t upper) { return randombytes_uniform(upper); }

SeededRng::SeededRng(uint64_t seed) {
  std::memset(key_, 0, sizeof key_);
  std::memcpy(key_, &seed, sizeof seed);
}

void SeededRng::Fill(std::span<uint8_t> out) {
  if (out.empty()) return;
  uint8_t nonce[crypto_stream_chacha20_ietf_NONCEBYTES] = {};
  std::memcpy(nonce, &counter_, sizeof counter_);
  ++counter_;
  crypto_stream_chacha20_ietf(out.data(), out.size(), nonce, key_);
}

uint32_t SeededRng::Uniform(uint32_t upper) {
  // Rejection sampling to avoid modulo bias.
  const uint32_t limit = static_cast<uint32_t>(-upper) % upper;
  while (true) {
    uint32_t v;
    Fill(std::span<uint8_t>(reinterpret_cast<uint8_t*>(&v), sizeof v));
    if (v >= limit) return v % upper;
  }
}

}  // namespace cityid
