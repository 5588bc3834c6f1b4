#include "auth/password.h"

#include <sodium.h>

#include "base/bytes.h"

namespace cityid::auth {
namespace {

constexpr unsigned long long kOpsLimit = crypto_pwhash_OPSLIMIT_INTERACTIVE;
constexpr size_t kMemLimit = crypto_pwhash_MEMLIMIT_INTERACTIVE;

size_t CodePoints(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xc0) != 0x80;
  return n;
}

}  // namespace

Status CheckPasswordPolicy(std::string_view password) {
  if (password.size() > kMaxPasswordLength) {
    return Error(ErrorId::kFieldTooLong,
                 "password: at most " + std::to_string(kMaxPasswordLength) + " bytes");
  }
  if (!IsValidUtf8(password)) return Error(ErrorId::kInvalidUtf8, "password: not valid UTF-8");
  for (unsigned char c : password) {
    if (c < 0x20 || c == 0x7f) {
      return Error(ErrorId::kInvalidArgument, "password: control characters are not allowed");
    }
  }
  if (CodePoints(password) < kMinPasswordLength) {
    return Error(ErrorId::kWeakPassword,
                 "password: at least " + std::to_string(kMinPasswordLength) + " characters");
  }
  return Status::Ok();
}

Result<std::string> HashPassword(std::string_view password) {
  CITYID_RETURN_IF_ERROR(CheckPasswordPolicy(password));
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), kOpsLimit, kMemLimit,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return Error(ErrorId::kInternal, "password hashing ran out of memory");
  }
  return std::string(out);
}

bool VerifyPassword(std::string_view hash, std::string_view password) {
  if (password.size() > kMaxPasswordLength || hash.empty() ||
      hash.size() >= crypto_pwhash_STRBYTES) {
    return false;
  }
  const std::string h(hash);  // NUL-terminated for libsodium
  return crypto_pwhash_str_verify(h.c_str(), password.data(), password.size()) == 0;
}

}  // namespace cityid::auth
