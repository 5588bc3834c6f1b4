#pragma once
// The card's QR payload: MOSIP Claim 169 identity attributes in a CWT (RFC 8392), inside a
// COSE_Sign1 (RFC 9052) signed with Ed25519, zlib-compressed (RFC 1950) and Base45-encoded
// (RFC 9285). docs/card-format.md describes every byte; this header is the C++ contract.
//
// Pipeline:  CardClaims + CwtMeta -> CWT map -> COSE_Sign1 -> zlib -> Base45 text (the QR).
// Verifying runs it backwards with a bound at each stage and checks the signature before any
// claim is interpreted.

#include <sodium.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/clock.h"
#include "base/date.h"
#include "base/names.h"
#include "base/status.h"
#include "crypto/sign.h"

namespace cityid::credential {

class StatusList;

// ---- Keys -----------------------------------------------------------------------------------

// CWT claim keys (RFC 8392 §4 and the IANA CWT Claims registry).
inline constexpr int64_t kCwtIss = 1;
inline constexpr int64_t kCwtExp = 4;
inline constexpr int64_t kCwtNbf = 5;
inline constexpr int64_t kCwtIat = 6;
inline constexpr int64_t kCwtClaim169 = 169;  // "identity-data", MOSIP

// Claim 169 attribute keys (MOSIP Claim 169 QR Code Specification v1.2.0, §3.1).
inline constexpr int kC169Id = 1;                  // tstr  ID
inline constexpr int kC169Version = 2;             // tstr  Version (not emitted)
inline constexpr int kC169Language = 3;            // tstr  Language (not emitted)
inline constexpr int kC169FullName = 4;            // tstr  Full Name
inline constexpr int kC169FirstName = 5;           // tstr  First Name
inline constexpr int kC169MiddleName = 6;          // tstr  Middle Name (not emitted)
inline constexpr int kC169LastName = 7;            // tstr  Last Name
inline constexpr int kC169DateOfBirth = 8;         // tstr  Date of Birth, "YYYYMMDD"
inline constexpr int kC169Gender = 9;              // int   Gender: 1 Male, 2 Female, 3 Others
inline constexpr int kC169Photo = 16;              // bstr  Binary Image
inline constexpr int kC169PhotoFormat = 17;        // int   1 JPEG, 2 JPEG2, 3 AVIF, 4 WEBP
inline constexpr int kC169SecondaryFullName = 19;  // tstr  Secondary Language Full Name
inline constexpr int kC169SecondaryLanguage = 20;  // tstr  Secondary Language Code, ISO 639-3
// cityid's private keys, from the range 75..99 that §3.1 leaves "Unassigned - for any other
// data" and its Guidelines allow in closed ecosystems. Taken from the top of the range, the
// part the working group will reach last.
inline constexpr int kC169CityidStatus = 98;   // [list id tstr, index uint]
inline constexpr int kC169CityidDigests = 99;  // {attribute key => bstr .size 16}

// Spec value sets.
inline constexpr int kGenderMale = 1;
inline constexpr int kGenderFemale = 2;
inline constexpr int kGenderOthers = 3;
inline constexpr int kPhotoJpeg = 1;
inline constexpr int kPhotoJpeg2000 = 2;
inline constexpr int kPhotoAvif = 3;
inline constexpr int kPhotoWebp = 4;

// ---- Limits ---------------------------------------------------------------------------------

inline constexpr size_t kMaxQrTextChars = 4096;     // Base45 text accepted by VerifyCard
inline constexpr size_t kMaxCoseBytes = 16 * 1024;  // decompressed COSE_Sign1
inline constexpr size_t kMaxNameBytes = names::kMaxFullBytes;  // each name (base/names.h)
inline constexpr size_t kMaxCardNumberBytes = 64;
inline constexpr size_t kMaxStatusListIdBytes = 32;
inline constexpr size_t kMaxIssuerBytes = 256;
inline constexpr size_t kMaxPhotoBytes = 2048;     // must still fit kMaxQrTextChars
inline constexpr int64_t kClockSkewSeconds = 300;  // tolerated for iat/nbf in the future
inline constexpr size_t kSaltBytes = 16;
inline constexpr size_t kDigestBytes = 16;
inline constexpr size_t kDigestSeedBytes = 32;

// ---- Types ----------------------------------------------------------------------------------

struct CardClaims {
  std::string card_number;              // Claim 169 "ID" (1)
  std::string full_name;                // Latin form as printed, e.g. "Jose Garcia" (4)
  std::string given_name, family_name;  // Latin form (5, 7); empty = omitted
  std::string full_name_native;         // own script when it differs from Latin (19), or ""
  std::string native_language;          // ISO 639-3 code of full_name_native (20), or ""
  Date date_of_birth;                   // (8)
  std::optional<int> gender;            // 1..3 (9); nullopt when kept off the card
  Bytes photo;                          // (16), usually empty
  std::optional<int> photo_format;      // 1..4 (17); set iff photo is non-empty
  std::string status_list_id;           // which status list, e.g. "1"    } (98)
  uint32_t status_index = 0;            // index in that list              }

  bool operator==(const CardClaims&) const = default;
};

struct CwtMeta {
  std::string issuer;          // CWT iss (1)
  UnixSeconds issued_at = 0;   // CWT iat (6)
  UnixSeconds expires_at = 0;  // CWT exp (4)

  bool operator==(const CwtMeta&) const = default;
};

struct EncodedCard {
  std::string qr_text;  // Base45, what the QR code holds
  Bytes cose;           // the COSE_Sign1 bytes before zlib and Base45
};

// ---- Salted attribute digests (DESIGN §6, ISO 18013-5 MSO / SD-JWT idea) ---------------------

// Returns salt_k = first 16 bytes of HMAC-SHA-256(seed, "cityid-salt" || CBOR(key)), where
// CBOR(key) is the preferred CBOR encoding of the integer key (e.g. 0x04 for 4, 0x18 0x63 for
// 99). REQUIRES: seed.size() == kDigestSeedBytes (checked crash otherwise). Thread-safe.
Bytes DeriveSalt(ByteView seed, int key);

// DeriveSalt for many keys of one seed: the HMAC key schedule and label are hashed once.
// Wipes its state on destruction. REQUIRES: seed.size() == kDigestSeedBytes. Not copyable.
class SaltDeriver {
 public:
  explicit SaltDeriver(ByteView seed);
  ~SaltDeriver();
  SaltDeriver(const SaltDeriver&) = delete;
  SaltDeriver& operator=(const SaltDeriver&) = delete;
  // Equal to DeriveSalt(seed, key). Thread-safe (const).
  Bytes Salt(int key) const;

 private:
  crypto_auth_hmacsha256_state prefix_;  // after HMAC init with the seed and the label
};

// Returns the first 16 bytes of SHA-256(salt || CBOR(key) || encoded_value), where
// encoded_value is the CBOR encoding of the attribute's value exactly as it appears in the
// claim 169 map. The key is hashed too so a digest can only ever stand for one attribute.
// Thread-safe.
Bytes AttributeDigest(int key, ByteView encoded_value, ByteView salt);

// Returns {claim 169 key => CBOR encoding of its value} for every attribute `claims` puts on
// the card (the private keys 98 and 99 excluded). These are the values the digests cover and
// that a holder discloses in a presentation. Fails like EncodeCard's claim validation.
Result<std::map<int, Bytes>> EncodeAttributes(const CardClaims& claims);

// Returns {claim 169 key => digest_k} for every attribute of `claims`: exactly the key 99 map
// EncodeCard signs (same code path: EncodeAttributes' values, SaltDeriver, AttributeDigest).
// Presentations (credential/presentation.h) use it to re-derive a card's digests. Fails like
// EncodeAttributes, or kInvalidArgument if digest_seed is not kDigestSeedBytes. Thread-safe.
Result<std::map<int, Bytes>> AttributeDigests(const CardClaims& claims, ByteView digest_seed);

// ---- Encode / verify ------------------------------------------------------------------------

// Builds and signs the card payload. `digest_seed` (32 bytes) derives the per-attribute salts
// (DeriveSalt); keep it with the card's record so the holder can later rebuild disclosures.
// Validates everything first, naming the field, never its value:
//   kMissingField (card number, full name, issuer, status list id empty), kInvalidCardNumber,
//   kInvalidUtf8, kFieldTooLong, kInvalidArgument (control characters, language code, name
//   pairing, seed size, times), kInvalidDate, kInvalidPhoto (size, format pairing);
//   kPayloadTooLarge if the QR text would exceed kMaxQrTextChars; the signer's Status if it
//   fails. Deterministic: same inputs and key give the same bytes. Thread-safe if `signer` is.
Result<EncodedCard> EncodeCard(const CardClaims& claims, const CwtMeta& meta,
                               const crypto::Signer& signer, ByteView digest_seed);

enum class Verdict { kValid, kInvalid, kRevoked, kExpired };

// Stable lowercase name: "valid", "invalid", "revoked", "expired".
const char* VerdictName(Verdict verdict);

struct VerifyOutcome {
  Verdict verdict = Verdict::kInvalid;
  Status failure;                          // why, when not kValid (OK when kValid)
  std::optional<CardClaims> claims;        // set only after the signature verified and the claims
  std::optional<CwtMeta> meta;             //   parsed: for kValid, kExpired and kRevoked
  Bytes key_id;                            // the protected-header kid, once the COSE parsed
  std::map<int, Bytes> attribute_digests;  // claim 169 key 99, when claims is set
};

// The checks after the signature that cards and presentations share (`what` names the
// credential in messages: "card", "presentation"):
// CheckSigner: iss equals keys.issuer when that is set (kBadClaims); a retired key's not_after
// is not before exp (kUnknownKey).
Status CheckSigner(const CwtMeta& meta, const crypto::PublicKey& signing_key,
                   const crypto::PublicKeySet& keys);
// CheckValidity: nbf and iat not after now + kClockSkewSeconds (kBadClaims); exp after now
// (else kCardExpired); with a `status` list, it is the list named (kBadStatusList), the index
// is inside it (kBadClaims) and its bit is clear (else kCardRevoked).
Status CheckValidity(const CwtMeta& meta, std::optional<UnixSeconds> not_before, UnixSeconds now,
                     const StatusList* status, std::string_view status_list_id,
                     uint32_t status_index, std::string_view what);
// The verdict a failed check means: kExpired for kCardExpired, kRevoked for kCardRevoked,
// kValid for OK, else kInvalid.
Verdict VerdictOf(const Status& failure);

// Verifies a scanned QR text. Strict and bounded, in this order:
//   1. text length <= kMaxQrTextChars            (else kPayloadTooLarge)
//   2. Base45 strict                             (kBadBase45)
//   3. zlib inflate capped at kMaxCoseBytes      (kBadCompression, kPayloadTooLarge)
//   4. strict CBOR, COSE_Sign1 structure, alg EdDSA, kid protected  (kBadCbor, kBadCose)
//   5. kid in `keys`, Ed25519 signature          (kUnknownKey, kBadSignature)
//   -- nothing below runs on unsigned data --
//   6. CWT and claim 169 parsed and validated: types, value sets, digest map well-formed and
//      covering exactly the attributes present; iss equals keys.issuer when that is set; a
//      retired key's not_after >= exp           (kBadClaims, kUnknownKey)
//   7. times: nbf/iat not after now + kClockSkewSeconds (kBadClaims); exp <= now -> kExpired
//   8. `status` (may be null: no revocation check): must be the list the card names
//      (kBadStatusList) and the index inside it; bit set -> kRevoked
// All failures of steps 1-6 and 8's mismatch give kInvalid; `failure` for kExpired is
// kCardExpired, for kRevoked kCardRevoked (steps 6-8 are CheckSigner and CheckValidity).
// Never throws, never crashes on any input. Thread-safe (reads `keys` and `status` only).
VerifyOutcome VerifyCard(std::string_view qr_text, const crypto::PublicKeySet& keys,
                         UnixSeconds now, const StatusList* status);

}  // namespace cityid::credential
