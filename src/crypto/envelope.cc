#include "crypto/envelope.h"

#include <sodium.h>

#include <cstdlib>
#include <string>

namespace cityid::crypto {
namespace {

constexpr size_t kNonce = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr size_t kTag = crypto_aead_xchacha20poly1305_ietf_ABYTES;

Bytes Seal(const uint8_t* key, ByteView plaintext, std::string_view ad, Rng& rng) {
  Bytes out(kNonce + plaintext.size() + kTag);
  rng.Fill(std::span<uint8_t>(out.data(), kNonce));
  unsigned long long len = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      out.data() + kNonce, &len, plaintext.data(), plaintext.size(),
      reinterpret_cast<const uint8_t*>(ad.data()), ad.size(), nullptr, out.data(), key);
  out.resize(kNonce + len);
  return out;
}

Result<SecretBytes> Open(const uint8_t* key, ByteView sealed, std::string_view ad) {
  if (sealed.size() < kNonce + kTag) {
    return Error(ErrorId::kDecryptFailed, "ciphertext too short");
  }
  SecretBytes out(sealed.size() - kNonce - kTag);
  unsigned long long len = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          out.data(), &len, nullptr, sealed.data() + kNonce, sealed.size() - kNonce,
          reinterpret_cast<const uint8_t*>(ad.data()), ad.size(), sealed.data(), key) != 0) {
    return Error(ErrorId::kDecryptFailed, "authentication failed");
  }
  return out;
}

std::string DkAd(std::string_view person_id) { return "cityid:dk:" + std::string(person_id); }

std::string RecordAd(std::string_view person_id, int schema_version) {
  return "cityid:record:v" + std::to_string(schema_version) + ":" + std::string(person_id);
}

}  // namespace

DataKey NewDataKey(Rng& rng) {
  DataKey dk(kDataKeyBytes);
  rng.Fill(dk.mutable_view());
  return dk;
}

Bytes WrapDataKey(const SecretBytes& kek, const DataKey& dk, std::string_view person_id,
                  Rng& rng) {
  if (kek.size() != kKekBytes || dk.size() != kDataKeyBytes) std::abort();
  return Seal(kek.data(), dk.view(), DkAd(person_id), rng);
}

Result<DataKey> UnwrapDataKey(const SecretBytes& kek, ByteView wrapped,
                              std::string_view person_id) {
  if (kek.size() != kKekBytes) return Error(ErrorId::kKeysInvalid, "KEK has the wrong size");
  CITYID_ASSIGN_OR_RETURN(SecretBytes dk, Open(kek.data(), wrapped, DkAd(person_id)));
  if (dk.size() != kDataKeyBytes) return Error(ErrorId::kDecryptFailed, "data key size");
  return dk;
}

Bytes SealRecord(const DataKey& dk, std::string_view person_id, int schema_version,
                 ByteView plaintext, Rng& rng) {
  if (dk.size() != kDataKeyBytes) std::abort();
  return Seal(dk.data(), plaintext, RecordAd(person_id, schema_version), rng);
}

Result<SecretBytes> OpenRecord(const DataKey& dk, std::string_view person_id, int schema_version,
                               ByteView sealed) {
  if (dk.size() != kDataKeyBytes) return Error(ErrorId::kDecryptFailed, "data key size");
  return Open(dk.data(), sealed, RecordAd(person_id, schema_version));
}

Bytes SealSecret(const SecretBytes& key, ByteView plaintext, std::string_view ad, Rng& rng) {
  if (key.size() != kKekBytes) std::abort();
  return Seal(key.data(), plaintext, ad, rng);
}

Result<SecretBytes> OpenSecret(const SecretBytes& key, ByteView sealed, std::string_view ad) {
  if (key.size() != kKekBytes) return Error(ErrorId::kKeysInvalid, "sealing key has the wrong size");
  return Open(key.data(), sealed, ad);
}

}  // namespace cityid::crypto
