#include "credential/card.h"

#include <sodium.h>

#include <algorithm>
#include <cstdlib>
#include <utility>
#include <vector>

#include "credential/base45.h"
#include "credential/cbor_util.h"
#include "credential/cose.h"
#include "credential/status_list.h"
#include "credential/text_checks.h"
#include "credential/zlib_codec.h"

namespace cityid::credential {
namespace {

constexpr std::string_view kSaltLabel = "cityid-salt";

// ---- Validation (shared by encode and verify) -------------------------------------------------

// How the names are held: at issuance to the one name rule (base/names.h, what enrollment
// accepts); at verification to the free-text rule only (valid UTF-8, no control characters, no
// bidirectional overrides). A signed card is the issuer's word: a card issued before the name
// rule existed (names stored as typed, not in NFC, with a digit or a comma) must stay valid in
// the holder's hands, while a name that could display differently from what is signed is still
// refused either way.
enum class NameRule { kEnrollable, kText };

Status CheckNameClaim(std::string_view field, std::string_view value, bool required,
                      NameRule rule) {
  if (rule == NameRule::kEnrollable) return CheckName(field, value, required);
  return CheckText(field, value, kMaxNameBytes, required);
}

Status CheckClaims(const CardClaims& c, NameRule rule = NameRule::kEnrollable) {
  if (c.card_number.empty()) return Error(ErrorId::kMissingField, "card_number is required");
  if (c.card_number.size() > kMaxCardNumberBytes || !IsAsciiToken(c.card_number)) {
    return Error(ErrorId::kInvalidCardNumber, "card_number must be 1.." +
                                                  std::to_string(kMaxCardNumberBytes) +
                                                  " printable ASCII characters without spaces");
  }
  CITYID_RETURN_IF_ERROR(CheckNameClaim("full_name", c.full_name, true, rule));
  CITYID_RETURN_IF_ERROR(CheckNameClaim("given_name", c.given_name, false, rule));
  CITYID_RETURN_IF_ERROR(CheckNameClaim("family_name", c.family_name, false, rule));
  CITYID_RETURN_IF_ERROR(CheckNameClaim("full_name_native", c.full_name_native, false, rule));
  if (c.full_name_native.empty() != c.native_language.empty()) {
    return Error(ErrorId::kInvalidArgument,
                 "full_name_native and native_language must be both set or both empty");
  }
  if (!c.native_language.empty()) {
    bool ok = c.native_language.size() == 3;
    for (const char ch : c.native_language) ok = ok && ch >= 'a' && ch <= 'z';
    if (!ok) {
      return Error(ErrorId::kInvalidArgument,
                   "native_language must be a three-letter lowercase ISO 639-3 code");
    }
  }
  if (!c.date_of_birth.valid()) {
    return Error(ErrorId::kInvalidDate, "date_of_birth is not a valid calendar date");
  }
  if (c.gender && (*c.gender < kGenderMale || *c.gender > kGenderOthers)) {
    return Error(ErrorId::kInvalidArgument, "gender must be 1, 2 or 3 (Claim 169 values)");
  }
  if (c.photo.empty() != !c.photo_format.has_value()) {
    return Error(ErrorId::kInvalidPhoto, "photo and photo_format must be both set or both empty");
  }
  if (c.photo.size() > kMaxPhotoBytes) {
    return Error(ErrorId::kInvalidPhoto,
                 "photo exceeds " + std::to_string(kMaxPhotoBytes) + " bytes");
  }
  if (c.photo_format && (*c.photo_format < kPhotoJpeg || *c.photo_format > kPhotoWebp)) {
    return Error(ErrorId::kInvalidPhoto, "photo_format must be 1..4 (Claim 169 values)");
  }
  if (c.status_list_id.empty()) {
    return Error(ErrorId::kMissingField, "status_list_id is required");
  }
  if (c.status_list_id.size() > kMaxStatusListIdBytes || !IsAsciiToken(c.status_list_id)) {
    return Error(ErrorId::kInvalidArgument, "status_list_id must be 1.." +
                                                std::to_string(kMaxStatusListIdBytes) +
                                                " printable ASCII characters without spaces");
  }
  return Status::Ok();
}

Status CheckMeta(const CwtMeta& m) {
  CITYID_RETURN_IF_ERROR(CheckText("issuer", m.issuer, kMaxIssuerBytes, true));
  if (m.issued_at < 0) return Error(ErrorId::kInvalidArgument, "issued_at is negative");
  if (m.expires_at <= m.issued_at) {
    return Error(ErrorId::kInvalidArgument, "expires_at must be after issued_at");
  }
  return Status::Ok();
}

// ---- Building ---------------------------------------------------------------------------------

// The claim 169 attributes of `c` as (key, CBOR encoding of the value), ascending by key,
// private keys excluded. REQUIRES: CheckClaims(c) is OK.
std::vector<std::pair<int, Bytes>> AttributeValues(const CardClaims& c) {
  std::vector<std::pair<int, Bytes>> values;
  values.reserve(10);
  auto text = [&values](int key, std::string_view v) {
    values.emplace_back(key, cbor::Writer().Text(v).Take());
  };
  auto integer = [&values](int key, int64_t v) {
    values.emplace_back(key, cbor::Writer().Int(v).Take());
  };
  text(kC169Id, c.card_number);
  text(kC169FullName, c.full_name);
  if (!c.given_name.empty()) text(kC169FirstName, c.given_name);
  if (!c.family_name.empty()) text(kC169LastName, c.family_name);
  text(kC169DateOfBirth, c.date_of_birth.ToCompactString());
  if (c.gender) integer(kC169Gender, *c.gender);
  if (!c.photo.empty()) {
    values.emplace_back(kC169Photo, cbor::Writer().Bstr(c.photo).Take());
    integer(kC169PhotoFormat, *c.photo_format);
  }
  if (!c.full_name_native.empty()) {
    text(kC169SecondaryFullName, c.full_name_native);
    text(kC169SecondaryLanguage, c.native_language);
  }
  return values;
}

Bytes KeyEncoding(int key) { return cbor::Writer().Int(key).Take(); }

// ---- Parsing (only ever called on signature-verified payloads) ---------------------------------

struct ParsedCwt {
  CardClaims claims;
  CwtMeta meta;
  std::optional<UnixSeconds> not_before;
  std::map<int, Bytes> digests;
};

// The payload is parsed in one pass with cbor::Reader (no allocation per item) after
// cbor::ValidateCbor has checked it whole; it is only ever parsed once its signature verified.

Result<std::string> ReadText(cbor::Reader& r, std::string_view what) {
  const auto text = r.Text();
  if (!text) return cbor::BadClaims(std::string(what) + " is not a text string");
  return std::string(*text);
}

Result<int> ReadSmallInt(cbor::Reader& r, std::string_view what) {
  CITYID_ASSIGN_OR_RETURN(int64_t v, cbor::ReadClaimInt(r, what));
  if (v < -1000000 || v > 1000000) return cbor::BadClaims(std::string(what) + " is out of range");
  return static_cast<int>(v);
}

Status SkipValue(cbor::Reader& r, std::string_view what) {
  if (!r.Skip()) return cbor::BadClaims("cannot skip " + std::string(what));
  return Status::Ok();
}

Status ParseStatusRef(cbor::Reader& r, CardClaims* c) {
  if (r.ArrayHeader() != std::optional<uint64_t>(2)) {
    return cbor::BadClaims("claim 169 key 98 (status) must be an array of 2");
  }
  CITYID_ASSIGN_OR_RETURN(c->status_list_id, ReadText(r, "status list id"));
  const auto index = r.Uint();
  if (!index) return cbor::BadClaims("status index is not an unsigned integer");
  if (*index > UINT32_MAX) return cbor::BadClaims("status index exceeds 2^32 - 1");
  c->status_index = static_cast<uint32_t>(*index);
  return Status::Ok();
}

Status ParseDigests(cbor::Reader& r, std::map<int, Bytes>* digests) {
  const auto n = r.MapHeader();
  if (!n) return cbor::BadClaims("claim 169 key 99 (digests) must be a map");
  for (uint64_t i = 0; i < *n; ++i) {
    CITYID_ASSIGN_OR_RETURN(int key, ReadSmallInt(r, "digest map key"));
    const auto digest = r.Bstr();
    if (!digest || digest->size() != kDigestBytes) {
      return cbor::BadClaims("digest for key " + std::to_string(key) + " must be a " +
                 std::to_string(kDigestBytes) + "-byte string");
    }
    if (!digests->emplace(key, Bytes(digest->begin(), digest->end())).second) {
      return cbor::BadClaims("digest map key " + std::to_string(key) + " appears twice");
    }
  }
  return Status::Ok();
}

Status ParseClaim169(cbor::Reader& r, ParsedCwt* out) {
  const auto n = r.MapHeader();
  if (!n) return cbor::BadClaims("claim 169 is not a map");
  CardClaims& c = out->claims;
  std::vector<int> attribute_keys;  // every key except the private 98/99
  attribute_keys.reserve(16);
  bool have_status = false, have_digests = false, have_dob = false;
  for (uint64_t i = 0; i < *n; ++i) {
    CITYID_ASSIGN_OR_RETURN(int key, ReadSmallInt(r, "claim 169 key"));
    if (key == kC169CityidStatus || key == kC169CityidDigests) {
      bool& seen = key == kC169CityidStatus ? have_status : have_digests;
      if (seen) return cbor::BadClaims("claim 169 key " + std::to_string(key) + " appears twice");
      seen = true;
      if (key == kC169CityidStatus) {
        CITYID_RETURN_IF_ERROR(ParseStatusRef(r, &c));
      } else {
        CITYID_RETURN_IF_ERROR(ParseDigests(r, &out->digests));
      }
      continue;
    }
    if (std::find(attribute_keys.begin(), attribute_keys.end(), key) != attribute_keys.end()) {
      return cbor::BadClaims("claim 169 key " + std::to_string(key) + " appears twice");
    }
    attribute_keys.push_back(key);
    switch (key) {
      case kC169Id: {
        CITYID_ASSIGN_OR_RETURN(c.card_number, ReadText(r, "ID (1)"));
        break;
      }
      case kC169FullName: {
        CITYID_ASSIGN_OR_RETURN(c.full_name, ReadText(r, "Full Name (4)"));
        break;
      }
      case kC169FirstName: {
        CITYID_ASSIGN_OR_RETURN(c.given_name, ReadText(r, "First Name (5)"));
        if (c.given_name.empty()) return cbor::BadClaims("First Name (5) is empty");
        break;
      }
      case kC169LastName: {
        CITYID_ASSIGN_OR_RETURN(c.family_name, ReadText(r, "Last Name (7)"));
        if (c.family_name.empty()) return cbor::BadClaims("Last Name (7) is empty");
        break;
      }
      case kC169DateOfBirth: {
        CITYID_ASSIGN_OR_RETURN(std::string dob, ReadText(r, "Date of Birth (8)"));
        auto date = Date::ParseCompact(dob);
        if (!date.ok()) return cbor::BadClaims("Date of Birth (8) is not a valid YYYYMMDD date");
        c.date_of_birth = *date;
        have_dob = true;
        break;
      }
      case kC169Gender: {
        CITYID_ASSIGN_OR_RETURN(int g, ReadSmallInt(r, "Gender (9)"));
        c.gender = g;
        break;
      }
      case kC169Photo: {
        const auto photo = r.Bstr();
        if (!photo) return cbor::BadClaims("Binary Image (16) is not a byte string");
        if (photo->empty()) return cbor::BadClaims("Binary Image (16) is empty");
        c.photo.assign(photo->begin(), photo->end());
        break;
      }
      case kC169PhotoFormat: {
        CITYID_ASSIGN_OR_RETURN(int f, ReadSmallInt(r, "Binary Image Format (17)"));
        c.photo_format = f;
        break;
      }
      case kC169SecondaryFullName: {
        CITYID_ASSIGN_OR_RETURN(c.full_name_native, ReadText(r, "Secondary Full Name (19)"));
        if (c.full_name_native.empty()) return cbor::BadClaims("Secondary Full Name (19) is empty");
        break;
      }
      case kC169SecondaryLanguage: {
        CITYID_ASSIGN_OR_RETURN(c.native_language, ReadText(r, "Secondary Language (20)"));
        if (c.native_language.empty()) return cbor::BadClaims("Secondary Language (20) is empty");
        break;
      }
      default:  // a later attribute: signed and digested, but not interpreted here
        CITYID_RETURN_IF_ERROR(SkipValue(r, "claim 169 value"));
        break;
    }
  }
  if (!have_status) return cbor::BadClaims("claim 169 key 98 (status) missing");
  if (!have_digests) return cbor::BadClaims("claim 169 key 99 (digests) missing");
  if (!have_dob) return cbor::BadClaims("Date of Birth (8) missing");
  // The digest map must cover exactly the attributes present: no attribute without a digest
  // (it could not be disclosed later) and no digest without an attribute.
  if (out->digests.size() != attribute_keys.size()) {
    return cbor::BadClaims("digest map does not cover exactly the attributes present");
  }
  for (const int key : attribute_keys) {
    if (out->digests.count(key) == 0) {
      return cbor::BadClaims("attribute " + std::to_string(key) + " has no digest");
    }
  }
  Status st = CheckClaims(c, NameRule::kText);
  if (!st.ok()) return cbor::BadClaims("claim 169: " + st.message());
  return Status::Ok();
}

Result<ParsedCwt> ParseCwt(ByteView payload) {
  cbor::Limits limits;
  limits.max_depth = 4;  // CWT map, claim 169 map, status array / digest map
  limits.max_items = 1024;
  CITYID_RETURN_IF_ERROR(cbor::ValidateCbor(payload, limits, ErrorId::kBadClaims));
  cbor::Reader r(payload);
  const auto n = r.MapHeader();
  if (!n) return cbor::BadClaims("CWT claims are not a map");
  ParsedCwt out;
  std::vector<int64_t> seen;  // claim keys read so far (duplicates by value, whatever encoding)
  seen.reserve(8);
  bool have_iss = false, have_exp = false, have_iat = false, have_169 = false;
  for (uint64_t i = 0; i < *n; ++i) {
    const auto key = r.Int();
    if (!key) return cbor::BadClaims("CWT claim key is not an integer");
    if (std::find(seen.begin(), seen.end(), *key) != seen.end()) {
      return cbor::BadClaims("CWT claim " + std::to_string(*key) + " twice");
    }
    seen.push_back(*key);
    switch (*key) {
      case kCwtIss: {
        CITYID_ASSIGN_OR_RETURN(out.meta.issuer, ReadText(r, "iss (1)"));
        have_iss = true;
        break;
      }
      case kCwtExp: {
        CITYID_ASSIGN_OR_RETURN(out.meta.expires_at, cbor::ReadClaimInt(r, "exp (4)"));
        have_exp = true;
        break;
      }
      case kCwtNbf: {
        CITYID_ASSIGN_OR_RETURN(int64_t nbf, cbor::ReadClaimInt(r, "nbf (5)"));
        out.not_before = nbf;
        break;
      }
      case kCwtIat: {
        CITYID_ASSIGN_OR_RETURN(out.meta.issued_at, cbor::ReadClaimInt(r, "iat (6)"));
        have_iat = true;
        break;
      }
      case kCwtClaim169:
        CITYID_RETURN_IF_ERROR(ParseClaim169(r, &out));
        have_169 = true;
        break;
      default:  // other registered CWT claims (sub, cti, ...) are not used by cityid
        CITYID_RETURN_IF_ERROR(SkipValue(r, "CWT claim value"));
        break;
    }
  }
  if (!r.AtEnd()) return cbor::BadClaims("bytes after the CWT claims");
  if (!have_iss) return cbor::BadClaims("iss (1) missing");
  if (!have_exp) return cbor::BadClaims("exp (4) missing");
  if (!have_iat) return cbor::BadClaims("iat (6) missing");
  if (!have_169) return cbor::BadClaims("claim 169 missing");
  Status st = CheckMeta(out.meta);
  if (!st.ok()) return cbor::BadClaims("CWT: " + st.message());
  return out;
}

VerifyOutcome Fail(VerifyOutcome outcome, Verdict verdict, Status why) {
  outcome.verdict = verdict;
  outcome.failure = std::move(why);
  return outcome;
}

}  // namespace

SaltDeriver::SaltDeriver(ByteView seed) {
  if (seed.size() != kDigestSeedBytes) std::abort();  // REQUIRES violated
  crypto_auth_hmacsha256_init(&prefix_, seed.data(), seed.size());
  crypto_auth_hmacsha256_update(&prefix_, reinterpret_cast<const uint8_t*>(kSaltLabel.data()),
                                kSaltLabel.size());
}

SaltDeriver::~SaltDeriver() { sodium_memzero(&prefix_, sizeof prefix_); }

Bytes SaltDeriver::Salt(int key) const {
  const Bytes key_bytes = KeyEncoding(key);
  crypto_auth_hmacsha256_state st = prefix_;
  crypto_auth_hmacsha256_update(&st, key_bytes.data(), key_bytes.size());
  uint8_t mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_final(&st, mac);
  sodium_memzero(&st, sizeof st);
  Bytes salt(mac, mac + kSaltBytes);
  sodium_memzero(mac, sizeof mac);
  return salt;
}

Bytes DeriveSalt(ByteView seed, int key) { return SaltDeriver(seed).Salt(key); }

namespace {
// digest_k of one attribute: the one place the card's key 99 values are computed.
Bytes DigestOf(int key, ByteView value, const SaltDeriver& salts) {
  return AttributeDigest(key, value, salts.Salt(key));
}
}  // namespace

Bytes AttributeDigest(int key, ByteView encoded_value, ByteView salt) {
  const Bytes key_bytes = KeyEncoding(key);
  crypto_hash_sha256_state st;
  crypto_hash_sha256_init(&st);
  crypto_hash_sha256_update(&st, salt.data(), salt.size());
  crypto_hash_sha256_update(&st, key_bytes.data(), key_bytes.size());
  crypto_hash_sha256_update(&st, encoded_value.data(), encoded_value.size());
  uint8_t hash[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(&st, hash);
  return Bytes(hash, hash + kDigestBytes);
}

Result<std::map<int, Bytes>> EncodeAttributes(const CardClaims& claims) {
  CITYID_RETURN_IF_ERROR(CheckClaims(claims));
  std::map<int, Bytes> out;
  for (auto& [key, value] : AttributeValues(claims)) out[key] = std::move(value);
  return out;
}

Result<std::map<int, Bytes>> AttributeDigests(const CardClaims& claims, ByteView digest_seed) {
  CITYID_RETURN_IF_ERROR(CheckClaims(claims));
  if (digest_seed.size() != kDigestSeedBytes) {
    return Error(ErrorId::kInvalidArgument,
                 "digest_seed must be " + std::to_string(kDigestSeedBytes) + " bytes");
  }
  const SaltDeriver salts(digest_seed);
  std::map<int, Bytes> out;
  for (const auto& [key, value] : AttributeValues(claims)) out[key] = DigestOf(key, value, salts);
  return out;
}

Result<EncodedCard> EncodeCard(const CardClaims& claims, const CwtMeta& meta,
                               const crypto::Signer& signer, ByteView digest_seed) {
  CITYID_RETURN_IF_ERROR(CheckClaims(claims));
  CITYID_RETURN_IF_ERROR(CheckMeta(meta));
  if (digest_seed.size() != kDigestSeedBytes) {
    return Error(ErrorId::kInvalidArgument,
                 "digest_seed must be " + std::to_string(kDigestSeedBytes) + " bytes");
  }

  // Written directly (cbor::Writer), in the order documented in docs/card-format.md §4–6.
  const std::vector<std::pair<int, Bytes>> attributes = AttributeValues(claims);
  const SaltDeriver salts(digest_seed);
  cbor::Writer w;
  w.Map(4);
  w.Int(kCwtIss).Text(meta.issuer);
  w.Int(kCwtExp).Int(meta.expires_at);
  w.Int(kCwtIat).Int(meta.issued_at);
  w.Int(kCwtClaim169).Map(attributes.size() + 2);
  for (const auto& [key, value] : attributes) w.Int(key).Raw(value);
  w.Int(kC169CityidStatus).Array(2).Text(claims.status_list_id).Uint(claims.status_index);
  w.Int(kC169CityidDigests).Map(attributes.size());
  for (const auto& [key, value] : attributes) {
    w.Int(key).Bstr(DigestOf(key, value, salts));
  }
  const Bytes payload = w.Take();

  EncodedCard out;
  CITYID_ASSIGN_OR_RETURN(out.cose, SignCoseSign1(payload, signer));
  if (out.cose.size() > kMaxCoseBytes) {
    return Error(ErrorId::kPayloadTooLarge, "COSE_Sign1 exceeds the decoder's limit");
  }
  out.qr_text = Base45Encode(ZlibCompress(out.cose));
  if (out.qr_text.size() > kMaxQrTextChars) {
    return Error(ErrorId::kPayloadTooLarge,
                 "QR text would be " + std::to_string(out.qr_text.size()) +
                     " characters; the limit is " + std::to_string(kMaxQrTextChars));
  }
  return out;
}

const char* VerdictName(Verdict verdict) {
  switch (verdict) {
    case Verdict::kValid:
      return "valid";
    case Verdict::kInvalid:
      return "invalid";
    case Verdict::kRevoked:
      return "revoked";
    case Verdict::kExpired:
      return "expired";
  }
  return "invalid";
}

Status CheckSigner(const CwtMeta& meta, const crypto::PublicKey& signing_key,
                   const crypto::PublicKeySet& keys) {
  if (!keys.issuer.empty() && meta.issuer != keys.issuer) {
    return cbor::BadClaims("iss does not match the trusted key set's issuer");
  }
  if (signing_key.not_after && meta.expires_at > *signing_key.not_after) {
    return Error(ErrorId::kUnknownKey,
                 "signing key is retired and signed nothing expiring this late");
  }
  return Status::Ok();
}

Status CheckValidity(const CwtMeta& meta, std::optional<UnixSeconds> not_before, UnixSeconds now,
                     const StatusList* status, std::string_view status_list_id,
                     uint32_t status_index, std::string_view what) {
  if (not_before && *not_before > now + kClockSkewSeconds) return cbor::BadClaims("nbf is in the future");
  if (meta.issued_at > now + kClockSkewSeconds) return cbor::BadClaims("iat is in the future");
  if (meta.expires_at <= now) return Error(ErrorId::kCardExpired, "card expired (exp has passed)");
  if (status == nullptr) return Status::Ok();
  if (status->id() != status_list_id) {
    return Error(ErrorId::kBadStatusList, std::string(what) +
                                              " refers to a different status list than the one "
                                              "supplied");
  }
  if (status_index >= status->size()) return cbor::BadClaims("status index is outside the status list");
  if (status->IsSet(status_index)) {
    return Error(ErrorId::kCardRevoked, "card revoked (status list bit set)");
  }
  return Status::Ok();
}

Verdict VerdictOf(const Status& failure) {
  if (failure.ok()) return Verdict::kValid;
  if (failure.id() == ErrorId::kCardExpired) return Verdict::kExpired;
  if (failure.id() == ErrorId::kCardRevoked) return Verdict::kRevoked;
  return Verdict::kInvalid;
}

VerifyOutcome VerifyCard(std::string_view qr_text, const crypto::PublicKeySet& keys,
                         UnixSeconds now, const StatusList* status) {
  VerifyOutcome outcome;
  outcome.verdict = Verdict::kInvalid;
  if (qr_text.size() > kMaxQrTextChars) {
    return Fail(std::move(outcome), Verdict::kInvalid,
                Error(ErrorId::kPayloadTooLarge,
                      "QR text exceeds " + std::to_string(kMaxQrTextChars) + " characters"));
  }
  auto compressed = Base45Decode(qr_text, Base45DecodedSize(kMaxQrTextChars));
  if (!compressed.ok()) return Fail(std::move(outcome), Verdict::kInvalid, compressed.status());
  auto cose_bytes = ZlibDecompress(*compressed, kMaxCoseBytes);
  if (!cose_bytes.ok()) return Fail(std::move(outcome), Verdict::kInvalid, cose_bytes.status());
  auto cose = ParseCoseSign1(*cose_bytes);
  if (!cose.ok()) return Fail(std::move(outcome), Verdict::kInvalid, cose.status());
  outcome.key_id = cose->key_id;
  auto key = VerifyCoseSign1(*cose, keys);
  if (!key.ok()) return Fail(std::move(outcome), Verdict::kInvalid, key.status());

  // Signature verified: from here on the payload is the issuer's.
  auto parsed = ParseCwt(cose->payload);
  if (!parsed.ok()) return Fail(std::move(outcome), Verdict::kInvalid, parsed.status());
  const CwtMeta& meta = parsed->meta;
  if (Status s = CheckSigner(meta, **key, keys); !s.ok()) {
    return Fail(std::move(outcome), Verdict::kInvalid, std::move(s));
  }
  outcome.claims = std::move(parsed->claims);
  outcome.meta = meta;
  outcome.attribute_digests = std::move(parsed->digests);
  if (Status s = CheckValidity(meta, parsed->not_before, now, status,
                               outcome.claims->status_list_id, outcome.claims->status_index,
                               "card");
      !s.ok()) {
    const Verdict v = VerdictOf(s);
    return Fail(std::move(outcome), v, std::move(s));
  }
  outcome.verdict = Verdict::kValid;
  outcome.failure = Status::Ok();
  return outcome;
}

}  // namespace cityid::credential
