#pragma once
// Time-based one-time passwords (RFC 6238 over RFC 4226 HOTP) for the second factor of
// supervisors and administrators (DESIGN §5), and the sealing of TOTP secrets at rest.
//
// Parameters are the ones every authenticator app understands: HMAC-SHA-1, 30-second steps,
// 6 digits. A code is accepted for the current step and one step either side (clock drift and
// typing time), and each step at most once per account (the caller records the last accepted
// step; store::Tx::ClaimTotpStep), so an observed code cannot be replayed.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/clock.h"
#include "base/rng.h"
#include "base/status.h"
#include "crypto/secret.h"

namespace cityid::auth {

inline constexpr int64_t kTotpStepSeconds = 30;
inline constexpr int kTotpDigits = 6;
inline constexpr int kTotpWindowSteps = 1;
inline constexpr size_t kTotpSecretBytes = 20;  // RFC 4226 §4 recommends 160 bits

enum class TotpHash { kSha1, kSha256, kSha512 };

// RFC 4226 HOTP value of `counter` under `key`, truncated to `digits` (6..8) decimal digits,
// zero-padded. Uses OpenSSL's HMAC. REQUIRES: 6 <= digits <= 8.
std::string Hotp(ByteView key, uint64_t counter, int digits = kTotpDigits,
                 TotpHash hash = TotpHash::kSha1);

// The RFC 6238 time step of `t` (T0 = 0). REQUIRES: t >= 0.
inline int64_t TotpStep(UnixSeconds t) { return t / kTotpStepSeconds; }

// The code for time `t`.
std::string TotpCode(ByteView key, UnixSeconds t, int digits = kTotpDigits,
                     TotpHash hash = TotpHash::kSha1);

// Checks a 6-digit `code` against the steps TotpStep(now)-1 .. +1, comparing in constant time.
// Returns the matching step, or nullopt when none matches or the text is not 6 digits. The
// caller must still refuse a step at or before the last one it accepted (replay).
std::optional<int64_t> MatchTotp(ByteView key, std::string_view code, UnixSeconds now);

// A new random secret (kTotpSecretBytes).
crypto::SecretBytes NewTotpSecret(Rng& rng);

// RFC 4648 base32, upper case, without padding (what otpauth:// URIs carry).
std::string Base32Encode(ByteView bytes);
// Accepts upper or lower case, optional '=' padding; kInvalidArgument on other characters.
Result<Bytes> Base32Decode(std::string_view text);

// The enrolment URI for authenticator apps (Google Authenticator Key Uri Format):
// otpauth://totp/<issuer>:<account>?secret=<base32>&issuer=<issuer>&algorithm=SHA1&digits=6&period=30
// with issuer and account percent-encoded. Shown once; contains the secret.
std::string OtpauthUri(std::string_view issuer, std::string_view account,
                       const crypto::SecretBytes& secret);

// Seals a TOTP secret for storage: XChaCha20-Poly1305 under a subkey derived from the KEK
// (crypto_kdf, context "cityidTP"), with the staff id as associated data, so the sealed secret
// cannot be moved to another account. Output: nonce || ciphertext || tag.
// REQUIRES: kek.size() == 32.
Bytes SealTotpSecret(const crypto::SecretBytes& kek, const crypto::SecretBytes& secret,
                     std::string_view staff_id, Rng& rng);
// Opens it; kDecryptFailed when the KEK is wrong, the bytes were altered or belong to another
// staff id.
Result<crypto::SecretBytes> OpenTotpSecret(const crypto::SecretBytes& kek, ByteView sealed,
                                           std::string_view staff_id);

}  // namespace cityid::auth
