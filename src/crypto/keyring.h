#pragma once
// The keyring: every key cityid holds, in DATA/keys/ (folder 0700, secret files 0600).
//
//   kek.key             key-encryption key (wraps per-person data keys)
//   blind-index.key     HMAC key for blind indexes (never the KEK)
//   issuer-<kid>.key    Ed25519 issuer signing seed, one per key generation
//   issuer.json         public issuer keys (JWK Set) and which one signs now (0644)
//   log-<kid>.key       Ed25519 seed of the access-log key that signs tree heads (DESIGN §8);
//                       never in the issuer key set, so it cannot sign a card
//
// Each secret file is one text line "cityid-<kind>-v1 <base64url>" so a misplaced file is caught.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/rng.h"
#include "base/status.h"
#include "crypto/blind_index.h"
#include "crypto/secret.h"
#include "crypto/sign.h"

namespace cityid::crypto {

class Keyring {
 public:
  // Creates a new keyring in `dir` (created 0700). Fails with kAlreadyExists if a KEK is
  // already there (keys are never silently replaced), kIo on file errors.
  static Result<std::unique_ptr<Keyring>> Create(const std::string& dir, Rng& rng);
  // Loads the keyring from `dir`. Fails with kKeysMissing when absent, kKeysInvalid when a file
  // is malformed or readable by others than its owner, or when there is more than one log key.
  // A data folder made before the log key existed gets one here, on first use (0600, generated
  // from `rng`, or the system CSPRNG when null; creation is serialized by an flock on `dir`, so
  // two processes cannot make two keys); kIo if it cannot be written.
  static Result<std::unique_ptr<Keyring>> Load(const std::string& dir, Rng* rng = nullptr);
  // Loads only the access-log key (created on first use as Load does): what the audit commands
  // need, and what emergency destruction leaves (DestroyDataKeys), so the log stays verifiable
  // and signable without the KEK. kKeysMissing when `dir` does not exist.
  static Result<std::unique_ptr<Ed25519Signer>> LoadLogSigner(const std::string& dir,
                                                               Rng* rng = nullptr);

  const SecretBytes& kek() const { return kek_; }
  const BlindIndexer& blind_indexer() const { return *blind_indexer_; }
  // The signer for new cards.
  const Signer& issuer_signer() const { return *signers_.back(); }
  // Every issuer public key, current and retired, for verifiers. Never the log key.
  PublicKeySet PublicKeys(const std::string& issuer) const;
  // The key that signs audit-log tree heads.
  const Signer& log_signer() const { return *log_signer_; }
  // Its public key, for auditors (status "active").
  PublicKey LogPublicKey() const;

  // Generates a new issuer key, makes it the active one and keeps the old ones for verifying
  // unexpired cards. The retiring key is published with `retire_not_after`: the latest expiry
  // of any card it can have signed; verifiers refuse it for cards expiring later, so a leaked
  // retired key cannot mint long-lived cards. Writes the new key file before issuer.json.
  Status RotateIssuerKey(Rng& rng, UnixSeconds retire_not_after);

  // Emergency destruction (core/destruction.h; docs/operations.md). Destroys every copy of the
  // KEK and of the blind-index key in the key folder: kek.key, blind-index.key and any other
  // regular file there whose first line is a "cityid-kek-v1" or "cityid-blind-index-v1" key
  // (e.g. a left-over temporary file). Each is overwritten in place with random bytes of its
  // length, fsynced, unlinked; then the folder is fsynced. In memory, this keyring's KEK and
  // blind-index key are wiped and replaced by random keys that were never stored, so nothing
  // wrapped or indexed before can be unwrapped or matched. Issuer and log keys are kept (cards
  // stay verifiable and the log key signs the final tree head).
  // Returns the paths destroyed. Fails with kKeysMissing when kek.key is already absent (nothing
  // is changed), kIo when a file cannot be overwritten or removed (files already destroyed stay
  // destroyed; the in-memory keys are wiped in every case). Not thread-safe.
  Result<std::vector<std::string>> DestroyDataKeys(Rng& rng);

 private:
  Keyring() = default;
  Status WritePublicIndex() const;
  std::string dir_;
  SecretBytes kek_;
  std::unique_ptr<BlindIndexer> blind_indexer_;
  std::vector<std::unique_ptr<Ed25519Signer>> signers_;  // oldest first; back() is active
  std::unique_ptr<Ed25519Signer> log_signer_;
  std::map<std::string, UnixSeconds> retired_not_after_;  // kid (base64url) -> not_after
};

}  // namespace cityid::crypto
