#pragma once
// Random identifiers and card numbers.

#include <string>
#include <string_view>

#include "base/rng.h"
#include "base/status.h"

namespace cityid::core {

// A pseudonymous id: `prefix` + 16 lowercase base32 characters (80 random bits), e.g.
// "per_k3j9...". Random, so ids reveal neither order nor count of enrollments.
std::string NewId(std::string_view prefix, Rng& rng);

// Card numbers: 12 digits, the first non-zero, the last a Damm check digit. Damm detects every
// single-digit error and every adjacent transposition (Luhn misses 09<->90). Random, not
// sequential, so a number reveals nothing about when or where a card was issued.
std::string NewCardNumber(Rng& rng);
// Accepts spaces and dashes as separators. Returns the canonical 12 digits, or
// kInvalidCardNumber naming the problem (length, characters, check digit).
Result<std::string> ParseCardNumber(std::string_view text);
// "1234 5678 9012" for printing.
std::string FormatCardNumber(std::string_view canonical);
// The Damm check digit of a digit string. REQUIRES: digits only.
int DammCheckDigit(std::string_view digits);

}  // namespace cityid::core
