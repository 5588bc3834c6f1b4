#pragma once
// Randomness source. Production uses libsodium's CSPRNG; tests may inject a deterministic one.

#include <cstdint>
#include <mutex>
#include <span>

namespace cityid {

class Rng {
 public:
  virtual ~Rng() = default;
  // Fills `out` with random bytes. Never fails.
  virtual void Fill(std::span<uint8_t> out) = 0;
  // Returns a uniform integer in [0, upper). REQUIRES: upper > 0.
  virtual uint32_t Uniform(uint32_t upper) = 0;
};

// libsodium randombytes (OS CSPRNG). Thread-safe. REQUIRES: sodium_init() succeeded
// (crypto::InitCrypto()).
class SystemRng final : public Rng {
 public:
  void Fill(std::span<uint8_t> out) override;
  uint32_t Uniform(uint32_t upper) override;
};

// Deterministic generator (ChaCha20 keystream from a 64-bit seed) for reproducible tests and
// fixture generation. Not for production keys.
class SeededRng final : public Rng {
 public:
  explicit SeededRng(uint64_t seed);
  void Fill(std::span<uint8_t> out) override;
  uint32_t Uniform(uint32_t upper) override;

 private:
  uint8_t key_[32];
  uint64_t counter_ = 0;
};

// Serializes an Rng that need not be thread-safe (a test's SeededRng) for several threads.
class LockedRng final : public Rng {
 public:
  explicit LockedRng(Rng& inner) : inner_(inner) {}
  void Fill(std::span<uint8_t> out) override {
    std::lock_guard lock(mu_);
    inner_.Fill(out);
  }
  uint32_t Uniform(uint32_t upper) override {
    std::lock_guard lock(mu_);
    return inner_.Uniform(upper);
  }

 private:
  Rng& inner_;
  std::mutex mu_;
};

}  // namespace cityid
