#pragma once
// Staff passwords (DESIGN §5): Argon2id through libsodium's crypto_pwhash_str.
//
// Cost: libsodium's INTERACTIVE limits (t=2, m=64 MiB, Argon2id). The MODERATE limits
// (t=3, m=256 MiB) take ~0.7 s per hash on the 2-core machines cityid targets and would need
// 2 GiB for eight concurrent logins on the server's eight worker threads; INTERACTIVE is
// ~0.1 s and 64 MiB, still three times the memory of OWASP's minimum Argon2id setting
// (m=19 MiB, t=2). Brute force against the server is stopped by rate limits and lockout, not by
// hash cost; the hash cost protects a stolen database, where 64 MiB per guess is what makes GPU
// guessing expensive. The server bounds concurrent hashing (auth::Authenticator).

#include <string>
#include <string_view>

#include "base/status.h"

namespace cityid::auth {

// Length limits in bytes of UTF-8. The minimum follows NIST SP 800-63B for passwords chosen by
// the user (with no composition rules); the maximum bounds the work an attacker can ask of the
// hash and catches pasted garbage.
inline constexpr size_t kMinPasswordLength = 12;
inline constexpr size_t kMaxPasswordLength = 128;

// kWeakPassword when shorter than kMinPasswordLength characters, kFieldTooLong when longer than
// kMaxPasswordLength bytes, kInvalidUtf8 / kInvalidArgument for invalid UTF-8 or control
// characters. The message never contains the password.
Status CheckPasswordPolicy(std::string_view password);

// Argon2id hash string ("$argon2id$v=19$m=65536,t=2,p=1$..."), with a random salt from
// libsodium. Checks the policy first. kInternal when memory for the hash cannot be had.
Result<std::string> HashPassword(std::string_view password);

// True when `password` matches `hash`. False for a malformed hash or an over-long password.
// Takes as long as one hash (~0.1 s).
bool VerifyPassword(std::string_view hash, std::string_view password);

}  // namespace cityid::auth
