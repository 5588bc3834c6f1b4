#pragma once
// Secret material that wipes itself and cannot be printed.

#include <sodium.h>

#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace cityid::crypto {

// Owns secret bytes; zeroes them (sodium_memzero) on destruction and on move-from.
// There is deliberately no operator<< and no ToString: secrets never reach logs.
class SecretBytes {
 public:
  SecretBytes() = default;
  explicit SecretBytes(size_t n) : data_(n) {}
  SecretBytes(const uint8_t* p, size_t n) : data_(p, p + n) {}
  ~SecretBytes() { Wipe(); }
  SecretBytes(const SecretBytes& o) : data_(o.data_) {}
  SecretBytes& operator=(const SecretBytes& o) {
    if (this != &o) {
      Wipe();
      data_ = o.data_;
    }
    return *this;
  }
  SecretBytes(SecretBytes&& o) noexcept : data_(std::move(o.data_)) { o.Wipe(); }
  SecretBytes& operator=(SecretBytes&& o) noexcept {
    if (this != &o) {
      Wipe();
      data_ = std::move(o.data_);
      o.Wipe();
    }
    return *this;
  }

  uint8_t* data() { return data_.data(); }
  const uint8_t* data() const { return data_.data(); }
  size_t size() const { return data_.size(); }
  bool empty() const { return data_.empty(); }
  std::span<const uint8_t> view() const { return data_; }
  std::span<uint8_t> mutable_view() { return data_; }

 private:
  void Wipe() {
    if (!data_.empty()) sodium_memzero(data_.data(), data_.size());
    data_.clear();
  }
  std::vector<uint8_t> data_;
};

}  // namespace cityid::crypto
