#pragma once
// Ed25519 signing and verification (libsodium), key ids and public key sets.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/clock.h"
#include "base/rng.h"
#include "base/status.h"
#include "crypto/secret.h"

namespace cityid::crypto {

// Must be called once before any other crypto function (calls sodium_init). Idempotent and
// thread-safe. Fails with kInternal if libsodium cannot initialize.
Status InitCrypto();

inline constexpr size_t kEd25519PublicKeyBytes = 32;
inline constexpr size_t kEd25519SignatureBytes = 64;
inline constexpr size_t kEd25519SeedBytes = 32;
inline constexpr size_t kKeyIdBytes = 8;

// Key id: the first 8 bytes of SHA-256(public key). Carried as a COSE `kid` bstr and, as
// base64url text, as the JWK `kid`.
Bytes KeyIdFor(ByteView public_key);

// A signing key. Implementations: Ed25519Signer (key in memory); a PKCS#11 token may implement
// this later. Thread-safe for concurrent Sign calls.
class Signer {
 public:
  virtual ~Signer() = default;
  virtual const Bytes& key_id() const = 0;
  virtual const Bytes& public_key() const = 0;
  // Returns the 64-byte Ed25519 signature of `message`. Fails with kInternal on token errors.
  virtual Result<Bytes> Sign(ByteView message) const = 0;
};

class Ed25519Signer final : public Signer {
 public:
  // Creates a signer from a 32-byte seed. Fails with kKeysInvalid if the seed has the wrong size.
  static Result<std::unique_ptr<Ed25519Signer>> FromSeed(const SecretBytes& seed);
  // Generates a new random key pair from `rng`.
  static std::unique_ptr<Ed25519Signer> Generate(Rng& rng);

  const Bytes& key_id() const override { return key_id_; }
  const Bytes& public_key() const override { return public_key_; }
  Result<Bytes> Sign(ByteView message) const override;
  // The 32-byte seed, for writing the key file.
  const SecretBytes& seed() const { return seed_; }

 private:
  Ed25519Signer() = default;
  SecretBytes seed_;
  SecretBytes secret_key_;  // libsodium's 64-byte expanded form
  Bytes public_key_;
  Bytes key_id_;
};

// Returns true iff `signature` is a valid Ed25519 signature of `message` under `public_key`.
// Wrong sizes return false.
bool VerifyEd25519(ByteView public_key, ByteView message, ByteView signature);

// One published verification key.
struct PublicKey {
  Bytes key_id;
  Bytes public_key;                      // 32 bytes, Ed25519
  std::string status = "active";         // "active" (signing now) or "retired" (verify only)
  std::optional<UnixSeconds> not_after;  // retired keys: last expiry of a card they signed
};

// The set of issuer keys a verifier trusts. Serialized as a JWK Set:
//   {"issuer": "...", "keys": [{"kty":"OKP","crv":"Ed25519","alg":"EdDSA","use":"sig",
//     "kid":"<base64url>","x":"<base64url>","status":"active"}]}
class PublicKeySet {
 public:
  std::string issuer;
  std::vector<PublicKey> keys;

  // Returns the key with `key_id`, or nullptr.
  const PublicKey* Find(ByteView key_id) const;

  std::string ToJson() const;
  // Strict parse: fails with kKeysInvalid naming the offending member.
  static Result<PublicKeySet> FromJson(std::string_view json);
};

}  // namespace cityid::crypto
