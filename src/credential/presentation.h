#pragma once
// Presentations (selective disclosure, issue 5): a compact, freshly signed payload built from a
// card's data that reveals only the attributes the holder chooses (e.g. only "over 21").
// docs/card-format.md §10 describes every byte; this header is the C++ contract.
//
//   QR text  = "CP1:" || Base45(COSE_Sign1)
//   COSE_Sign1: protected {alg: EdDSA, kid} (as a card), unprotected
//     {-65537: bstr .cbor [* bstr .cbor [key, salt, value]]}   <- disclosures, NOT signed
//   payload  = {1: iss, 4: exp (the card's), 6: iat (now),
//               -65537: {98: [status list id, index], 99: {key => digest}}}
//
// The digest map is the card's own key 99 map (re-derived from the card's digest seed with the
// issuance code, credential::AttributeDigests) plus digests of the derived claims age_over_N
// (95..97) computed at presentation time with fresh random salts. A disclosure is accepted only
// if SHA-256(salt || CBOR(key) || CBOR(value))[0..16) equals the signed digest of its key.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/clock.h"
#include "base/date.h"
#include "base/rng.h"
#include "base/status.h"
#include "credential/card.h"
#include "crypto/sign.h"

namespace cityid::credential {

// The QR text of a presentation starts with this (Base45 alphabet, QR alphanumeric mode). No
// card can start with it: "CP1" would be the zlib header 0x0C5A, not a deflate stream.
inline constexpr std::string_view kPresentationPrefix = "CP1:";
// CWT claim (RFC 8392 §9.1: < -65536 is private use) carrying the presentation map. A
// presentation has no claim 169, so a card verifier refuses it ("claim 169 missing").
inline constexpr int64_t kCwtCityidPresentation = -65537;
// COSE header label (RFC 9052 §11.1: < -65536 is private use) of the disclosures, unprotected.
inline constexpr int64_t kCoseHeaderCityidDisclosures = -65537;
// Derived claims: value CBOR true/false, computed by the issuer from the date of birth on the
// presentation's iat date. From the top of Claim 169's "Unassigned - for any other data" range,
// below cityid's 98 and 99 (docs/card-format.md §5).
inline constexpr int kDerivedAgeOver18 = 95;
inline constexpr int kDerivedAgeOver21 = 96;
inline constexpr int kDerivedAgeOver65 = 97;
// Claim 169 Address (10): cityid cards never carry it (DESIGN §4), so it can be disclosed only
// from a card that does; `present` refuses it otherwise.
inline constexpr int kC169Address = 10;
inline constexpr size_t kMaxDisclosures = 16;

// Returns the claim keys a disclosure name stands for ("photo" is 16 and 17, "age_over_21" is
// 96...), in ascending order, duplicates removed. `names` is comma-separated, e.g.
// "age_over_21,name"; empty items are ignored. Fails with kInvalidArgument naming the unknown
// name and listing the valid ones, or if no name is given. Thread-safe.
Result<std::vector<int>> ParseDisclosureNames(std::string_view names);

// The valid names, comma-separated, for messages and --help.
std::string DisclosureNameList();

// The disclosure name of a claim key ("name" for 4, "photo_format" for 17...), or "" if none.
std::string_view DisclosureName(int key);

struct EncodedPresentation {
  std::string qr_text;  // kPresentationPrefix + Base45(cose)
  Bytes cose;           // the COSE_Sign1 bytes, disclosures in the unprotected header
};

// Builds and signs a presentation of the card with `claims`, `card_meta` and `digest_seed`
// that discloses `keys` (from ParseDisclosureNames). `signed_card_digests` is the key 99 map of
// the card as signed (read back from its payload); the digests re-derived from `digest_seed`
// (AttributeDigests, the issuance code) must equal it, else kInternal ("card digests do not
// match") and nothing is signed. Then:
//   kFailedPrecondition: a key is not on the card (address; gender or photo kept off it), or the
//     card has expired (card_meta.expires_at <= now);
//   kInvalidArgument: claims/seed invalid (as EncodeCard), more than kMaxDisclosures keys;
//   the signer's Status if it fails.
// Derived age claims use `now`'s UTC date and fresh salts from `rng`. Revocation is the caller's
// to check (the card's record state). Thread-safe if `signer` and `rng` are.
Result<EncodedPresentation> EncodePresentation(const CardClaims& claims, const CwtMeta& card_meta,
                                               ByteView digest_seed,
                                               const std::map<int, Bytes>& signed_card_digests,
                                               const std::vector<int>& keys, UnixSeconds now,
                                               const crypto::Signer& signer, Rng& rng);

// What a verified presentation discloses. Only the disclosed members are set.
struct DisclosedAttributes {
  std::optional<std::string> card_number;    // 1
  std::optional<std::string> full_name;      // 4
  std::optional<std::string> address;        // 10
  std::optional<Date> date_of_birth;         // 8
  std::optional<int> gender;                 // 9: 1..3
  Bytes photo;                               // 16 (empty when not disclosed)
  std::optional<int> photo_format;           // 17
  std::map<int, bool> age_over;              // 18/21/65 => value
};

struct PresentationOutcome {
  Verdict verdict = Verdict::kInvalid;
  Status failure;                   // why, when not kValid
  std::optional<CwtMeta> meta;      // iss, iat (of the presentation), exp; once signed data parsed
  Bytes key_id;                     // the protected-header kid, once the COSE parsed
  std::string status_list_id;       // the card's status reference, once signed data parsed
  uint32_t status_index = 0;
  std::optional<DisclosedAttributes> disclosed;  // for kValid, kExpired, kRevoked
  std::map<int, Bytes> disclosed_values;          // key => CBOR value, every verified disclosure
};

// True if `qr_text` is marked as a presentation (starts with kPresentationPrefix).
bool IsPresentation(std::string_view qr_text);

// Verifies a presentation's QR text, strict and bounded, in this order:
//   1. length <= kMaxQrTextChars (kPayloadTooLarge); kPresentationPrefix (kBadPayload)
//   2. Base45 strict (kBadBase45), at most kMaxCoseBytes
//   3. COSE_Sign1 exactly as for cards (kBadCbor, kBadCose); kid known, Ed25519 (kUnknownKey,
//      kBadSignature). Nothing is interpreted before this point.
//   4. payload: iss, exp, iat, the presentation claim with 98 and 99, no claim 169 (kBadClaims);
//      iss = keys.issuer when set; a retired key's not_after >= exp (kUnknownKey)
//   5. disclosures (unsigned): strict CBOR, [key, salt(16), value], preferred serialization of
//      key and salt, at most kMaxDisclosures, no key twice, each key in the signed digest map and
//      its digest equal, each value of its key's type (kBadClaims)
//   6. iat <= now + kClockSkewSeconds (kBadClaims); exp <= now -> kExpired
//   7. `status` (may be null): the card's list (kBadStatusList), index inside; bit set -> kRevoked
// Never throws, never crashes on any input. Thread-safe.
PresentationOutcome VerifyPresentation(std::string_view qr_text, const crypto::PublicKeySet& keys,
                                       UnixSeconds now, const StatusList* status);

}  // namespace cityid::credential
