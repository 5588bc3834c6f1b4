#pragma once
// Envelope encryption of per-person records (DESIGN §5).
//
// Each person has a random 32-byte data key (DK). Their record is one XChaCha20-Poly1305
// ciphertext under DK with associated data "cityid:record:v<schema>:<person id>", so a
// ciphertext cannot be moved to another person or replayed as another schema version. DK is
// wrapped (XChaCha20-Poly1305) by the key-encryption key (KEK) with associated data
// "cityid:dk:<person id>". Deleting the wrapped DK crypto-shreds the record.

#include <string_view>

#include "base/bytes.h"
#include "base/rng.h"
#include "base/status.h"
#include "crypto/secret.h"

namespace cityid::crypto {

inline constexpr size_t kDataKeyBytes = 32;
inline constexpr size_t kKekBytes = 32;

// A data key. Wipes itself.
using DataKey = SecretBytes;

// Generates a new random data key.
DataKey NewDataKey(Rng& rng);

// Wraps `dk` under `kek` for `person_id`. Output: 24-byte nonce || ciphertext || 16-byte tag.
// REQUIRES: kek.size() == kKekBytes, dk.size() == kDataKeyBytes.
Bytes WrapDataKey(const SecretBytes& kek, const DataKey& dk, std::string_view person_id, Rng& rng);

// Unwraps. Fails with kDecryptFailed when the KEK is wrong, the wrapped key was altered, or it
// belongs to another person.
Result<DataKey> UnwrapDataKey(const SecretBytes& kek, ByteView wrapped, std::string_view person_id);

// Encrypts a record. Output: nonce || ciphertext || tag.
Bytes SealRecord(const DataKey& dk, std::string_view person_id, int schema_version,
                 ByteView plaintext, Rng& rng);

// Decrypts a record; plaintext is returned in a wiping buffer. Fails with kDecryptFailed.
Result<SecretBytes> OpenRecord(const DataKey& dk, std::string_view person_id, int schema_version,
                               ByteView sealed);

// Seals any secret under a 32-byte key with associated data `ad` (XChaCha20-Poly1305; output
// nonce || ciphertext || tag): the KEK and blind-index key sealed for a k-of-n split
// (Keyring::SealDataKeys). REQUIRES: key.size() == kKekBytes.
Bytes SealSecret(const SecretBytes& key, ByteView plaintext, std::string_view ad, Rng& rng);
// Fails with kDecryptFailed when the key is wrong or anything was altered.
Result<SecretBytes> OpenSecret(const SecretBytes& key, ByteView sealed, std::string_view ad);

}  // namespace cityid::crypto
