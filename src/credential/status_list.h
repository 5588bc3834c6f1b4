#pragma once
// Revocation status list in the W3C Bitstring Status List shape: a bitstring of at least
// 131,072 entries (herd privacy: fetching the list reveals nothing about which card is being
// checked), one bit per card, published gzip-compressed and signed with the issuer key.
//
// Bit order (W3C Bitstring Status List §3.2): index 0 is the most significant bit of the first
// byte, index 7 its least significant bit, index 8 the most significant bit of the second byte.
// docs/card-format.md gives the JSON and the exact signature input.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "base/bytes.h"
#include "base/clock.h"
#include "base/status.h"
#include "crypto/sign.h"

namespace cityid::credential {

inline constexpr size_t kMinStatusListBits = 131072;           // 16 KiB, the W3C minimum
inline constexpr size_t kMaxStatusListBits = size_t{1} << 24;  // 2 MiB
inline constexpr size_t kMaxStatusListJsonBytes = 4 * 1024 * 1024;
inline constexpr std::string_view kStatusListType = "BitstringStatusList";
inline constexpr std::string_view kStatusPurposeRevocation = "revocation";
// Domain-separation prefix of the signature input (followed by one 0x00 byte).
inline constexpr std::string_view kStatusListSigContext = "cityid-status-list-v1";

// A value type; copyable. Not thread-safe for concurrent Set/Clear; concurrent reads are fine.
class StatusList {
 public:
  // Returns an all-zero list with `size` entries.
  // REQUIRES: kMinStatusListBits <= size <= kMaxStatusListBits, size % 8 == 0 (checked crash:
  // sizes come from code and configuration checked at startup, never from requests).
  static StatusList Create(std::string id, size_t size = kMinStatusListBits);

  // Rebuilds a list from ToBytes() output (a database blob). Fails with kBadStatusList if the
  // blob's size is not a whole number of bytes within the size limits above, or the id is not
  // 1..32 printable ASCII characters without spaces.
  static Result<StatusList> FromBytes(std::string id, ByteView bits);

  // Parses and verifies a signed list produced by ToSignedJson:
  //   kBadStatusList: not JSON, > kMaxStatusListJsonBytes, wrong or unknown members, wrong
  //     type/statusPurpose/alg, issuer different from keys.issuer (when set), not yet valid
  //     (validFrom > now + 300 s) or stale (validUntil <= now), bad encodedList (multibase
  //     prefix, base64url, gzip, size limits);
  //   kUnknownKey: proof.kid not in `keys`;   kBadSignature: signature does not verify.
  // The signature is checked before encodedList is decompressed. Never throws.
  static Result<StatusList> FromSignedJson(std::string_view json, const crypto::PublicKeySet& keys,
                                           UnixSeconds now);

  const std::string& id() const { return id_; }
  // Number of entries (bits).
  size_t size() const { return bits_.size() * 8; }

  // Sets entry `index` (revokes). Idempotent. Fails with kInvalidArgument if index >= size().
  Status Set(uint32_t index);
  // Clears entry `index` (e.g. a suspension lifted). Fails with kInvalidArgument if out of range.
  Status Clear(uint32_t index);
  // Returns the entry; false when index >= size().
  bool IsSet(uint32_t index) const;
  // Number of set entries.
  size_t CountSet() const;

  // Returns the signed JSON (one line, members in this order):
  //   {"type":"BitstringStatusList","id":..,"statusPurpose":"revocation","issuer":..,
  //    "validFrom":<unix s>,"validUntil":<unix s>,"encodedList":"u<base64url(gzip(bits))>",
  //    "proof":{"alg":"EdDSA","kid":"<base64url kid>","signature":"<base64url>"}}
  // Fails with kInvalidArgument (bad id, issuer empty/too long/not UTF-8/control characters,
  // validFrom negative or validUntil <= validFrom) or the signer's Status.
  // Thread-safe if `signer` is and no Set/Clear runs concurrently.
  Result<std::string> ToSignedJson(const crypto::Signer& signer, const std::string& issuer,
                                   UnixSeconds valid_from, UnixSeconds valid_until) const;

  // The raw bitstring (size()/8 bytes, W3C bit order), for a database blob.
  const Bytes& ToBytes() const { return bits_; }

  bool operator==(const StatusList&) const = default;

 private:
  StatusList(std::string id, Bytes bits) : id_(std::move(id)), bits_(std::move(bits)) {}
  std::string id_;
  Bytes bits_;
};

// Returns the exact bytes the status list signature covers:
//   "cityid-status-list-v1" || 0x00 || F(type) || F(id) || F(statusPurpose) || F(issuer)
//   || F(validFrom) || F(validUntil) || F(encodedList)
// where F(s) = 4-byte big-endian length of s || s (UTF-8), and the two times are their JSON
// text (base-10, no sign, no leading zeros). Exposed for tests and independent verifiers.
Bytes StatusListSigningInput(std::string_view id, std::string_view issuer, UnixSeconds valid_from,
                             UnixSeconds valid_until, std::string_view encoded_list);

}  // namespace cityid::credential
