#include "core/ids.h"

#include <cstdint>
#include <vector>

namespace cityid::core {
namespace {

// Damm's totally anti-symmetric quasigroup of order 10.
constexpr int kDamm[10][10] = {
    {0, 3, 1, 7, 5, 9, 8, 6, 4, 2}, {7, 0, 9, 2, 1, 5, 4, 8, 6, 3},
    {4, 2, 0, 6, 8, 7, 1, 3, 5, 9}, {1, 7, 5, 0, 9, 8, 3, 4, 2, 6},
    {6, 1, 2, 3, 0, 4, 5, 9, 7, 8}, {3, 6, 7, 4, 2, 0, 9, 5, 8, 1},
    {5, 8, 6, 9, 7, 2, 0, 1, 3, 4}, {8, 9, 4, 5, 3, 6, 2, 0, 1, 7},
    {9, 4, 3, 8, 6, 1, 7, 2, 0, 5}, {2, 5, 8, 1, 4, 3, 6, 7, 9, 0},
};

constexpr size_t kCardDigits = 12;

}  // namespace

std::string NewId(std::string_view prefix, Rng& rng) {
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
  uint8_t raw[10];
  rng.Fill(std::span<uint8_t>(raw, sizeof raw));
  std::string out(prefix);
  // 80 bits -> 16 base32 characters.
  uint64_t buffer = 0;
  int bits = 0;
  for (uint8_t b : raw) {
    buffer = (buffer << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out.push_back(kAlphabet[(buffer >> (bits - 5)) & 31]);
      bits -= 5;
    }
  }
  return out;
}

int DammCheckDigit(std::string_view digits) {
  int interim = 0;
  for (char c : digits) interim = kDamm[interim][c - '0'];
  return interim;
}

std::string NewCardNumber(Rng& rng) {
  std::string n;
  n.push_back(static_cast<char>('1' + rng.Uniform(9)));
  while (n.size() < kCardDigits - 1) n.push_back(static_cast<char>('0' + rng.Uniform(10)));
  n.push_back(static_cast<char>('0' + DammCheckDigit(n)));
  return n;
}

Result<std::string> ParseCardNumber(std::string_view text) {
  std::string digits;
  for (char c : text) {
    if (c == ' ' || c == '-') continue;
    if (c < '0' || c > '9') {
      return Error(ErrorId::kInvalidCardNumber, "card number may contain only digits");
    }
    digits.push_back(c);
    if (digits.size() > kCardDigits) break;
  }
  if (digits.size() != kCardDigits) {
    return Error(ErrorId::kInvalidCardNumber, "card number must have 12 digits");
  }
  if (DammCheckDigit(digits) != 0) {
    return Error(ErrorId::kInvalidCardNumber, "card number check digit is wrong (typo?)");
  }
  return digits;
}

std::string FormatCardNumber(std::string_view c) {
  if (c.size() != kCardDigits) return std::string(c);
  return std::string(c.substr(0, 4)) + " " + std::string(c.substr(4, 4)) + " " +
         std::string(c.substr(8, 4));
}

}  // namespace cityid::core
