#pragma once
// The keyring: every key cityid holds, in DATA/keys/ (folder 0700, secret files 0600).
//
//   kek.key             key-encryption key (wraps per-person data keys)
//   blind-index.key     HMAC key for blind indexes (never the KEK)
//   issuer-<kid>.key    Ed25519 issuer signing seed, one per key generation
//   issuer.json         public issuer keys (JWK Set) and which one signs now (0644)
//   log-<kid>.key       Ed25519 seed of the access-log key that signs tree heads (DESIGN §8);
//                       never in the issuer key set, so it cannot sign a card
//   data-keys.sealed    instead of kek.key and blind-index.key once they are split k-of-n among
//                       officers (SealDataKeys): both keys sealed under a sealing key that
//                       exists only as the officers' shares (crypto/shares.h)
//
// Each secret file is one text line "cityid-<kind>-v1 <base64url>" so a misplaced file is caught.

#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/rng.h"
#include "base/status.h"
#include "crypto/blind_index.h"
#include "crypto/secret.h"
#include "crypto/shares.h"
#include "crypto/sign.h"

namespace cityid::crypto {

// Whether loading may create a missing access-log key. Only a folder made before the log key
// existed lacks one; the caller decides from its store (no tree head signed, no log key bound,
// cli/common.cc) — a read-only command never creates one: a missing key is reported missing.
enum class LogKeyMode { kMustExist, kCreateIfMissing };

// A key check value: a keyed BLAKE2b-128 of a constant under `key` (base64url). It names the
// key without revealing it, so a store can record which keys belong to it (DataDir::Open).
std::string KeyCheckValue(const SecretBytes& key, std::string_view kind);

class Keyring {
 public:
  // Creates a new keyring in `dir` (created 0700). Fails with kAlreadyExists if a KEK is
  // already there (keys are never silently replaced), kIo on file errors.
  static Result<std::unique_ptr<Keyring>> Create(const std::string& dir, Rng& rng);
  // Loads the keyring from `dir`. Fails with kKeysMissing when absent (a missing log key too,
  // under LogKeyMode::kMustExist), kKeysInvalid when a file is malformed or readable by others
  // than its owner, or when there is more than one log key. With kCreateIfMissing, a data folder
  // made before the log key existed gets one here (0600, generated from `rng`, or the system
  // CSPRNG when null; creation is serialized by an flock on `dir`, so two processes cannot make
  // two keys); kIo if it cannot be written.
  //
  // When the data keys are sealed (SealDataKeys), `share_texts` must hold at least k of the
  // officers' share lines: kKeysSealed when none or too few are given (the message says how
  // many are needed and how to give them), kKeysInvalid when a share is damaged, belongs to
  // another split, or the shares do not open the sealed file. Shares are ignored when the keys
  // are not sealed. Once they are, a plain kek.key beside the sealed file is never used: it is
  // what an interrupted split left, and Load shreds it once the shares open the sealed file.
  static Result<std::unique_ptr<Keyring>> Load(const std::string& dir, Rng* rng = nullptr,
                                               const std::vector<SecretBytes>& share_texts = {},
                                               LogKeyMode log_key = LogKeyMode::kMustExist);
  // Loads the issuer and log keys but not the data keys (no shares needed): for publishing keys
  // and status lists and for verifying. kek() and blind_indexer() must not be used (they abort).
  static Result<std::unique_ptr<Keyring>> LoadWithoutDataKeys(
      const std::string& dir, Rng* rng = nullptr, LogKeyMode log_key = LogKeyMode::kMustExist);
  // Loads what emergency destruction needs and nothing it could decrypt with: the folder and
  // the log key. The data keys stay on disk (plain or sealed) for DestroyDataKeys to shred, so
  // destruction never needs the officers' shares. kek() is empty; no record can be read or
  // written through this keyring.
  static Result<std::unique_ptr<Keyring>> LoadForDestruction(const std::string& dir,
                                                             Rng* rng = nullptr);
  // Loads only the access-log key: what the audit commands need, and what emergency
  // destruction leaves (DestroyDataKeys), so the log stays verifiable and signable without the
  // KEK. kKeysMissing when `dir` does not exist or (kMustExist) holds no log key.
  static Result<std::unique_ptr<Ed25519Signer>> LoadLogSigner(
      const std::string& dir, Rng* rng = nullptr, LogKeyMode log_key = LogKeyMode::kMustExist);

  // The data keys; empty / aborting when this keyring was loaded without them (a programming
  // error: Unwrap fails on an empty KEK, Wrap aborts).
  const SecretBytes& kek() const { return kek_; }
  const BlindIndexer& blind_indexer() const {
    if (!blind_indexer_) std::abort();
    return *blind_indexer_;
  }
  // The signer for new cards.
  const Signer& issuer_signer() const { return *signers_.back(); }
  // Every issuer public key, current and retired, for verifiers. Never the log key.
  PublicKeySet PublicKeys(const std::string& issuer) const;
  // The key that signs audit-log tree heads.
  const Signer& log_signer() const { return *log_signer_; }
  // Its public key, for auditors (status "active").
  PublicKey LogPublicKey() const;

  // What binds these keys to a store: (name, check value) for "kek" and "blind-index" (when the
  // data keys are loaded; KeyCheckValue) and "log" (the log key's kid, which is public).
  std::vector<std::pair<std::string, std::string>> KeyChecks() const;

  // Generates a new issuer key, makes it the active one and keeps the old ones for verifying
  // unexpired cards. The retiring key is published with `retire_not_after`: the latest expiry
  // of any card it can have signed; verifiers refuse it for cards expiring later, so a leaked
  // retired key cannot mint long-lived cards. Writes the new key file before issuer.json.
  Status RotateIssuerKey(Rng& rng, UnixSeconds retire_not_after);

  // How the data keys are held when sealed: which split, k of n.
  struct SealInfo {
    std::string split_id;
    int threshold = 0;
    int count = 0;
  };
  // Set when this keyring was opened from officers' shares (or has just been sealed).
  const std::optional<SealInfo>& seal_info() const { return seal_; }

  // Splits the data keys k-of-n among officers. `split_id` (kSplitIdBytes random bytes) names
  // the split in the shares and the sealed file. Draws a fresh 32-byte sealing key, seals the
  // KEK and the blind-index key under it, and splits the sealing key into `count` shares of
  // which any `threshold` rebuild it (2 <= k <= n <= 255).
  //   1. `deliver` receives the shares (to write them out); if it fails, nothing changes.
  //   2. data-keys.sealed.new is written (atomically, 0600). From this point the new split is
  //      in force (seal_info() names it) and its shares must be kept, whatever fails later.
  // Then the caller runs FinishSeal (after committing its audit entry). A crash or error after
  // step 2 leaves a folder that Load opens with the new shares only, finishing it itself.
  // Fails with kFailedPrecondition when the folder was split by another process since this
  // keyring was loaded. The KEK itself does not change: a copy of an older sealed file (a
  // backup) still opens with that split's shares.
  Status SealDataKeys(ByteView split_id, int threshold, int count, Rng& rng,
                      const std::function<Status(const std::vector<Share>&)>& deliver);

  // Step 3 of a split, also run by Load when it opens a sealed folder: the previous sealed file
  // (a re-split) is shredded in place and the new one renamed into its name; plain kek.key and
  // blind-index.key beside it are shredded (kKeysInvalid, touching nothing, if one holds a key
  // other than the sealed one). Idempotent.
  Status FinishSeal(Rng& rng);

  // True when the data keys in `dir` are sealed (CLI: read the officers' shares only then).
  static bool IsSealed(const std::string& dir);

  // Emergency destruction (core/destruction.h; docs/operations.md). Destroys every copy of the
  // KEK and of the blind-index key in the key folder: kek.key, blind-index.key, the sealed
  // files (data-keys.sealed, data-keys.sealed.new) and any other regular file there whose
  // first line is a "cityid-kek-v1", "cityid-blind-index-v1" or "cityid-sealed-v1" key (e.g. a
  // left-over temporary file). Each is overwritten in place with random bytes of its
  // length, fsynced, unlinked; then the folder is fsynced. In memory, this keyring's KEK and
  // blind-index key are wiped and replaced by random keys that were never stored, so nothing
  // wrapped or indexed before can be unwrapped or matched. Issuer and log keys are kept (cards
  // stay verifiable and the log key signs the final tree head).
  // Returns the paths destroyed. Fails with kKeysMissing when neither kek.key nor a sealed
  // file is there (nothing is changed), kIo when a file cannot be overwritten or removed
  // (files already destroyed stay destroyed; the in-memory keys are wiped in every case). Not
  // thread-safe.
  Result<std::vector<std::string>> DestroyDataKeys(Rng& rng);

 private:
  Keyring() = default;
  Status WritePublicIndex() const;
  Status LoadIssuerKeys();  // issuer.json and the issuer-<kid>.key files it names
  // Shreds every data-key file in `dir` (see DestroyDataKeys); returns their paths.
  static Result<std::vector<std::string>> ShredDataKeyFiles(const std::string& dir, Rng& rng);
  std::string dir_;
  SecretBytes kek_;
  std::unique_ptr<BlindIndexer> blind_indexer_;
  std::vector<std::unique_ptr<Ed25519Signer>> signers_;  // oldest first; back() is active
  std::unique_ptr<Ed25519Signer> log_signer_;
  std::map<std::string, UnixSeconds> retired_not_after_;  // kid (base64url) -> not_after
  std::optional<SealInfo> seal_;
};

}  // namespace cityid::crypto
