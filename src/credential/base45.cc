#include "credential/base45.h"

#include <array>
#include <cstdint>

namespace cityid::credential {
namespace {

constexpr std::string_view kAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
static_assert(kAlphabet.size() == 45);

// Reverse table: character -> value, or -1.
constexpr std::array<int8_t, 256> MakeReverse() {
  std::array<int8_t, 256> table{};
  for (auto& v : table) v = -1;
  for (size_t i = 0; i < kAlphabet.size(); ++i) {
    table[static_cast<uint8_t>(kAlphabet[i])] = static_cast<int8_t>(i);
  }
  return table;
}
constexpr std::array<int8_t, 256> kReverse = MakeReverse();

}  // namespace

std::string Base45Encode(ByteView data) {
  std::string out;
  out.reserve(data.size() / 2 * 3 + 2);
  size_t i = 0;
  for (; i + 1 < data.size(); i += 2) {
    uint32_t n = (uint32_t{data[i]} << 8) | data[i + 1];
    out.push_back(kAlphabet[n % 45]);
    n /= 45;
    out.push_back(kAlphabet[n % 45]);
    out.push_back(kAlphabet[n / 45]);
  }
  if (i < data.size()) {
    const uint32_t n = data[i];
    out.push_back(kAlphabet[n % 45]);
    out.push_back(kAlphabet[n / 45]);
  }
  return out;
}

size_t Base45DecodedSize(size_t text_length) {
  return text_length / 3 * 2 + (text_length % 3 == 2 ? 1 : 0);
}

Result<Bytes> Base45Decode(std::string_view text, size_t max_bytes) {
  if (text.size() % 3 == 1) {
    return Error(ErrorId::kBadBase45, "length " + std::to_string(text.size()) +
                                          " is 1 mod 3, which no byte string encodes to");
  }
  if (Base45DecodedSize(text.size()) > max_bytes) {
    return Error(ErrorId::kPayloadTooLarge,
                 "decoded Base45 would exceed " + std::to_string(max_bytes) + " bytes");
  }
  Bytes out;
  out.reserve(Base45DecodedSize(text.size()));
  for (size_t i = 0; i < text.size(); i += 3) {
    const size_t group = text.size() - i >= 3 ? 3 : 2;
    uint32_t digits[3] = {0, 0, 0};
    for (size_t k = 0; k < group; ++k) {
      const int8_t v = kReverse[static_cast<uint8_t>(text[i + k])];
      if (v < 0) {
        return Error(ErrorId::kBadBase45,
                     "offset " + std::to_string(i + k) + ": character not in the Base45 alphabet");
      }
      digits[k] = static_cast<uint32_t>(v);
    }
    const uint32_t n = digits[0] + digits[1] * 45 + digits[2] * 45 * 45;
    if (group == 3) {
      if (n > 0xFFFF) {
        return Error(ErrorId::kBadBase45,
                     "offset " + std::to_string(i) + ": group value exceeds 65535");
      }
      out.push_back(static_cast<uint8_t>(n >> 8));
      out.push_back(static_cast<uint8_t>(n & 0xFF));
    } else {
      if (n > 0xFF) {
        return Error(ErrorId::kBadBase45,
                     "offset " + std::to_string(i) + ": final group value exceeds 255");
      }
      out.push_back(static_cast<uint8_t>(n));
    }
  }
  return out;
}

}  // namespace cityid::credential
