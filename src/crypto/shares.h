#pragma once
// k-of-n secret sharing (Shamir over GF(2^8), libgfshare) for the key that seals the data keys.
//
// cityid never splits the KEK itself: `Keyring::SealDataKeys` seals the KEK and the blind-index
// key under a fresh 32-byte sealing key and splits only that sealing key among n officers, any
// k of whom can rebuild it (docs/operations.md, "Splitting the data keys"). So emergency
// destruction still works without the officers (shredding the sealed file makes every share
// useless), and re-splitting for new officers invalidates the old shares.
//
// A share travels as one line of text, for a file on an officer's removable drive or paper:
//
//   cityid-kek-share-v1 <split id> <k> <n> <x> <y, base64url> <check>
//
// split id: 8 random bytes (base64url) naming the split, so shares of two splits are never
// mixed; x: the share number 1..n; check: the first 4 bytes (hex) of BLAKE2b over everything
// before it, so a mistyped or damaged share is named as such rather than yielding a wrong key.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/rng.h"
#include "base/status.h"
#include "crypto/secret.h"

namespace cityid::crypto {

inline constexpr int kMaxShares = 255;
inline constexpr size_t kSplitIdBytes = 8;  // share numbers are the non-zero elements of GF(2^8)

struct Share {
  std::string split_id;  // base64url of 8 bytes
  int threshold = 0;     // k
  int count = 0;         // n
  int x = 0;             // 1..n
  SecretBytes y;         // as long as the secret
};

// Splits `secret` into `count` shares, any `threshold` of which rebuild it; fewer reveal nothing
// about it. Polynomial coefficients come from `rng`. Fails with kInvalidArgument unless
// 2 <= threshold <= count <= kMaxShares and the secret is not empty.
Result<std::vector<Share>> SplitSecret(const SecretBytes& secret, int threshold, int count,
                                       std::string_view split_id, Rng& rng);

// Rebuilds the secret from at least `threshold` distinct shares of one split (a share given
// twice counts once). Fails with kKeysInvalid when shares come from different splits, give two
// values for one share number or differ in length, and with kKeysSealed when fewer than the
// threshold are given. A wrong (but well-formed) share yields a
// wrong secret: callers check the result (the sealed file's authentication tag does).
Result<SecretBytes> CombineShares(const std::vector<Share>& given);

// The share's text line (without a newline). It is secret: wipe it after use.
SecretBytes EncodeShare(const Share& share);

// Parses a share line (surrounding white space and a trailing newline are ignored). Fails with
// kKeysInvalid naming what is wrong, without echoing the share.
Result<Share> ParseShare(std::string_view text);

// Reads a share file: a regular file (not a symlink) of at most 4 KiB. Unlike key files, its
// mode is not checked: shares live on officers' removable drives, whose file systems may not
// keep Unix modes. kKeysMissing when absent, kKeysInvalid otherwise.
Result<SecretBytes> ReadShareFile(const std::string& path);

}  // namespace cityid::crypto
