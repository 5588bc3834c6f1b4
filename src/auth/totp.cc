#include "auth/totp.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>

#include <cctype>
#include <cstdlib>

namespace cityid::auth {
namespace {

constexpr char kBase32Alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
constexpr char kTotpKdfContext[crypto_kdf_CONTEXTBYTES + 1] = "cityidTP";
constexpr uint64_t kTotpKdfSubkeyId = 1;

const EVP_MD* Digest(TotpHash hash) {
  switch (hash) {
    case TotpHash::kSha1: return EVP_sha1();
    case TotpHash::kSha256: return EVP_sha256();
    case TotpHash::kSha512: return EVP_sha512();
  }
  return EVP_sha1();
}

std::string AssociatedData(std::string_view staff_id) {
  return "cityid:totp:v1:" + std::string(staff_id);
}

crypto::SecretBytes DeriveTotpKey(const crypto::SecretBytes& kek) {
  crypto::SecretBytes key(crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
  if (kek.size() != crypto_kdf_KEYBYTES) std::abort();  // REQUIRES: a 32-byte KEK
  crypto_kdf_derive_from_key(key.data(), key.size(), kTotpKdfSubkeyId, kTotpKdfContext,
                             kek.data());
  return key;
}

std::string PercentEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace

std::string Hotp(ByteView key, uint64_t counter, int digits, TotpHash hash) {
  if (digits < 6 || digits > 8) std::abort();  // REQUIRES
  uint8_t msg[8];
  for (int i = 7; i >= 0; --i) {
    msg[i] = static_cast<uint8_t>(counter & 0xff);
    counter >>= 8;
  }
  uint8_t mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  if (HMAC(Digest(hash), key.data(), static_cast<int>(key.size()), msg, sizeof msg, mac,
           &mac_len) == nullptr) {
    std::abort();  // HMAC with a built-in digest cannot fail short of memory exhaustion
  }
  // RFC 4226 §5.3 dynamic truncation.
  const unsigned offset = mac[mac_len - 1] & 0x0f;
  const uint32_t bin = (static_cast<uint32_t>(mac[offset] & 0x7f) << 24) |
                       (static_cast<uint32_t>(mac[offset + 1]) << 16) |
                       (static_cast<uint32_t>(mac[offset + 2]) << 8) |
                       static_cast<uint32_t>(mac[offset + 3]);
  sodium_memzero(mac, sizeof mac);
  uint32_t modulo = 1;
  for (int i = 0; i < digits; ++i) modulo *= 10;
  std::string code = std::to_string(bin % modulo);
  return std::string(static_cast<size_t>(digits) - code.size(), '0') + code;
}

std::string TotpCode(ByteView key, UnixSeconds t, int digits, TotpHash hash) {
  return Hotp(key, static_cast<uint64_t>(TotpStep(t)), digits, hash);
}

std::optional<int64_t> MatchTotp(ByteView key, std::string_view code, UnixSeconds now) {
  if (code.size() != static_cast<size_t>(kTotpDigits)) return std::nullopt;
  for (char c : code) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  const int64_t current = TotpStep(now);
  std::optional<int64_t> matched;
  // Every candidate is computed and compared, so timing does not tell which step matched.
  for (int64_t step = current - kTotpWindowSteps; step <= current + kTotpWindowSteps; ++step) {
    if (step < 0) continue;
    const std::string expected = Hotp(key, static_cast<uint64_t>(step));
    if (sodium_memcmp(expected.data(), code.data(), expected.size()) == 0 && !matched) {
      matched = step;
    }
  }
  return matched;
}

crypto::SecretBytes NewTotpSecret(Rng& rng) {
  crypto::SecretBytes s(kTotpSecretBytes);
  rng.Fill(s.mutable_view());
  return s;
}

std::string Base32Encode(ByteView bytes) {
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (uint8_t b : bytes) {
    buffer = (buffer << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += kBase32Alphabet[(buffer >> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += kBase32Alphabet[(buffer << (5 - bits)) & 31];
  return out;
}

Result<Bytes> Base32Decode(std::string_view text) {
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  Bytes out;
  uint32_t buffer = 0;
  int bits = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    int v = -1;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    if (c >= '2' && c <= '7') v = 26 + (c - '2');
    if (v < 0) {
      return Error(ErrorId::kInvalidArgument,
                   "base32: invalid character at offset " + std::to_string(i));
    }
    buffer = (buffer << 5) | static_cast<uint32_t>(v);
    bits += 5;
    if (bits >= 8) {
      out.push_back(static_cast<uint8_t>((buffer >> (bits - 8)) & 0xff));
      bits -= 8;
    }
  }
  return out;
}

std::string OtpauthUri(std::string_view issuer, std::string_view account,
                       const crypto::SecretBytes& secret) {
  const std::string i = PercentEncode(issuer);
  return "otpauth://totp/" + i + ":" + PercentEncode(account) + "?secret=" +
         Base32Encode(secret.view()) + "&issuer=" + i + "&algorithm=SHA1&digits=" +
         std::to_string(kTotpDigits) + "&period=" + std::to_string(kTotpStepSeconds);
}

Bytes SealTotpSecret(const crypto::SecretBytes& kek, const crypto::SecretBytes& secret,
                     std::string_view staff_id, Rng& rng) {
  const crypto::SecretBytes key = DeriveTotpKey(kek);
  const std::string ad = AssociatedData(staff_id);
  Bytes out(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + secret.size() +
            crypto_aead_xchacha20poly1305_ietf_ABYTES);
  rng.Fill(std::span<uint8_t>(out.data(), crypto_aead_xchacha20poly1305_ietf_NPUBBYTES));
  unsigned long long clen = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      out.data() + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, &clen, secret.data(),
      secret.size(), reinterpret_cast<const uint8_t*>(ad.data()), ad.size(), nullptr, out.data(),
      key.data());
  out.resize(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + clen);
  return out;
}

Result<crypto::SecretBytes> OpenTotpSecret(const crypto::SecretBytes& kek, ByteView sealed,
                                           std::string_view staff_id) {
  constexpr size_t kOverhead =
      crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + crypto_aead_xchacha20poly1305_ietf_ABYTES;
  if (sealed.size() <= kOverhead || sealed.size() > kOverhead + 64) {
    return Error(ErrorId::kDecryptFailed, "sealed TOTP secret has the wrong size");
  }
  const crypto::SecretBytes key = DeriveTotpKey(kek);
  const std::string ad = AssociatedData(staff_id);
  crypto::SecretBytes plain(sealed.size() - kOverhead);
  unsigned long long plen = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          plain.data(), &plen, nullptr,
          sealed.data() + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
          sealed.size() - crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
          reinterpret_cast<const uint8_t*>(ad.data()), ad.size(), sealed.data(),
          key.data()) != 0) {
    return Error(ErrorId::kDecryptFailed, "TOTP secret cannot be opened with this KEK");
  }
  return plain;
}

}  // namespace cityid::auth
