#include "credential/presentation.h"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <utility>

#include "credential/base45.h"
#include "credential/cbor_util.h"
#include "credential/cose.h"
#include "credential/status_list.h"
#include "credential/text_checks.h"

namespace cityid::credential {
namespace {

struct NameKeys {
  std::string_view name;
  std::array<int, 2> keys;  // 0 = unused second key
};

// The disclosure names, in the order --help lists them.
constexpr std::array<NameKeys, 9> kNames = {{
    {"name", {kC169FullName, 0}},
    {"date_of_birth", {kC169DateOfBirth, 0}},
    {"photo", {kC169Photo, kC169PhotoFormat}},
    {"address", {kC169Address, 0}},
    {"gender", {kC169Gender, 0}},
    {"card_number", {kC169Id, 0}},
    {"age_over_18", {kDerivedAgeOver18, 0}},
    {"age_over_21", {kDerivedAgeOver21, 0}},
    {"age_over_65", {kDerivedAgeOver65, 0}},
}};

constexpr uint8_t kCborFalse = 0xF4;
constexpr uint8_t kCborTrue = 0xF5;

std::optional<int> AgeThreshold(int key) {
  switch (key) {
    case kDerivedAgeOver18: return 18;
    case kDerivedAgeOver21: return 21;
    case kDerivedAgeOver65: return 65;
    default: return std::nullopt;
  }
}

Bytes DisclosureBytes(int key, ByteView salt, ByteView value) {
  return cbor::Writer().Array(3).Int(key).Bstr(salt).Raw(value).Take();
}

// ---- Verification helpers (signed payload) -------------------------------------------------

struct ParsedPayload {
  CwtMeta meta;
  std::optional<UnixSeconds> not_before;
  std::string status_list_id;
  uint32_t status_index = 0;
  std::map<int, Bytes> digests;
};

Status ParsePresentationClaim(cbor::Reader& r, ParsedPayload* out) {
  const auto n = r.MapHeader();
  if (!n) return cbor::BadClaims("presentation claim is not a map");
  bool have_status = false, have_digests = false;
  for (uint64_t i = 0; i < *n; ++i) {
    CITYID_ASSIGN_OR_RETURN(int64_t key, cbor::ReadClaimInt(r, "presentation claim key"));
    if (key == kC169CityidStatus && !have_status) {
      have_status = true;
      if (r.ArrayHeader() != std::optional<uint64_t>(2)) {
        return cbor::BadClaims("key 98 (status) must be an array of 2");
      }
      const auto id = r.Text();
      if (!id || id->empty() || id->size() > kMaxStatusListIdBytes || !IsAsciiToken(*id)) {
        return cbor::BadClaims("status list id must be 1..32 printable ASCII characters");
      }
      out->status_list_id = std::string(*id);
      const auto index = r.Uint();
      if (!index || *index > UINT32_MAX) return cbor::BadClaims("status index is not a 32-bit unsigned integer");
      out->status_index = static_cast<uint32_t>(*index);
    } else if (key == kC169CityidDigests && !have_digests) {
      have_digests = true;
      const auto m = r.MapHeader();
      if (!m) return cbor::BadClaims("key 99 (digests) must be a map");
      for (uint64_t j = 0; j < *m; ++j) {
        CITYID_ASSIGN_OR_RETURN(int64_t k, cbor::ReadClaimInt(r, "digest map key"));
        if (k < 0 || k > 1000) return cbor::BadClaims("digest map key is out of range");
        const auto d = r.Bstr();
        if (!d || d->size() != kDigestBytes) return cbor::BadClaims("digest must be a 16-byte string");
        if (!out->digests.emplace(static_cast<int>(k), Bytes(d->begin(), d->end())).second) {
          return cbor::BadClaims("digest map key " + std::to_string(k) + " appears twice");
        }
      }
      if (out->digests.empty()) return cbor::BadClaims("digest map is empty");
    } else {
      return cbor::BadClaims("presentation claim key " + std::to_string(key) + " is unknown or repeated");
    }
  }
  if (!have_status) return cbor::BadClaims("key 98 (status) missing");
  if (!have_digests) return cbor::BadClaims("key 99 (digests) missing");
  return Status::Ok();
}

Result<ParsedPayload> ParsePayload(ByteView payload) {
  cbor::Limits limits;
  limits.max_depth = 4;  // CWT map, presentation map, status array / digest map
  limits.max_items = 1024;
  CITYID_RETURN_IF_ERROR(cbor::ValidateCbor(payload, limits, ErrorId::kBadClaims));
  cbor::Reader r(payload);
  const auto n = r.MapHeader();
  if (!n) return cbor::BadClaims("CWT claims are not a map");
  ParsedPayload out;
  std::vector<int64_t> seen;
  bool have_iss = false, have_exp = false, have_iat = false, have_presentation = false;
  for (uint64_t i = 0; i < *n; ++i) {
    CITYID_ASSIGN_OR_RETURN(int64_t key, cbor::ReadClaimInt(r, "CWT claim key"));
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) {
      return cbor::BadClaims("CWT claim " + std::to_string(key) + " twice");
    }
    seen.push_back(key);
    if (key == kCwtIss) {
      const auto iss = r.Text();
      if (!iss) return cbor::BadClaims("iss (1) is not a text string");
      CITYID_RETURN_IF_ERROR(CheckText("iss", *iss, kMaxIssuerBytes, true));
      out.meta.issuer = std::string(*iss);
      have_iss = true;
    } else if (key == kCwtExp) {
      CITYID_ASSIGN_OR_RETURN(out.meta.expires_at, cbor::ReadClaimInt(r, "exp (4)"));
      have_exp = true;
    } else if (key == kCwtIat) {
      CITYID_ASSIGN_OR_RETURN(out.meta.issued_at, cbor::ReadClaimInt(r, "iat (6)"));
      have_iat = true;
    } else if (key == kCwtNbf) {
      CITYID_ASSIGN_OR_RETURN(int64_t nbf, cbor::ReadClaimInt(r, "nbf (5)"));
      out.not_before = nbf;
    } else if (key == kCwtClaim169) {
      return cbor::BadClaims("a presentation must not carry claim 169 (that is a card)");
    } else if (key == kCwtCityidPresentation) {
      CITYID_RETURN_IF_ERROR(ParsePresentationClaim(r, &out));
      have_presentation = true;
    } else if (!r.Skip()) {
      return cbor::BadClaims("cannot skip CWT claim value");
    }
  }
  if (!r.AtEnd()) return cbor::BadClaims("bytes after the CWT claims");
  if (!have_iss) return cbor::BadClaims("iss (1) missing");
  if (!have_exp) return cbor::BadClaims("exp (4) missing");
  if (!have_iat) return cbor::BadClaims("iat (6) missing");
  if (!have_presentation) return cbor::BadClaims("presentation claim (-65537) missing");
  if (out.meta.issued_at < 0 || out.meta.expires_at <= out.meta.issued_at) {
    return cbor::BadClaims("exp must be after iat");
  }
  return out;
}

// Reads the disclosure list from the unprotected header of an already validated COSE_Sign1.
Result<ByteView> DisclosureList(ByteView cose) {
  CITYID_ASSIGN_OR_RETURN(cbor::TaggedItem tagged, cbor::SplitTags(cose, 2, ErrorId::kBadCose));
  cbor::Reader r(tagged.content);
  if (!r.ArrayHeader() || !r.Bstr()) return Error(ErrorId::kBadCose, "malformed COSE_Sign1");
  const auto n = r.MapHeader();
  if (!n) return Error(ErrorId::kBadCose, "unprotected header is not a map");
  std::optional<ByteView> list;
  for (uint64_t i = 0; i < *n; ++i) {
    const auto label = r.Int();
    if (label && *label == kCoseHeaderCityidDisclosures) {
      list = r.Bstr();
      if (!list) return Error(ErrorId::kBadCose, "disclosures (-65537) must be a byte string");
    } else if ((!label && !r.Skip()) || !r.Skip()) {
      return Error(ErrorId::kBadCose, "unprotected header is malformed");
    }
  }
  if (!list) return cbor::BadClaims("the presentation carries no disclosures (unprotected header -65537)");
  return *list;
}

// Checks one disclosed value against its key's type and records it. `value` is one
// well-formed CBOR item.
Status Interpret(int key, ByteView value, DisclosedAttributes* d) {
  cbor::Reader r(value);
  const std::string what = "disclosed " + std::string(DisclosureName(key)) + " (key " +
                           std::to_string(key) + ")";
  if (AgeThreshold(key)) {
    if (value.size() != 1 || (value[0] != kCborTrue && value[0] != kCborFalse)) {
      return cbor::BadClaims(what + " must be true or false");
    }
    d->age_over[*AgeThreshold(key)] = value[0] == kCborTrue;
    return Status::Ok();
  }
  switch (key) {
    case kC169Id: {
      const auto t = r.Text();
      if (!t || t->empty() || t->size() > kMaxCardNumberBytes || !IsAsciiToken(*t)) {
        return cbor::BadClaims(what + " is not a card number");
      }
      d->card_number = std::string(*t);
      return Status::Ok();
    }
    case kC169FullName:
    case kC169Address: {
      const auto t = r.Text();
      if (!t) return cbor::BadClaims(what + " is not a text string");
      // The free-text rule, as a card's names at verification (card.cc, NameRule::kText): a
      // card issued before the name rule existed still presents.
      CITYID_RETURN_IF_ERROR(CheckText(what, *t, kMaxNameBytes, true));
      (key == kC169FullName ? d->full_name : d->address) = std::string(*t);
      return Status::Ok();
    }
    case kC169DateOfBirth: {
      const auto t = r.Text();
      if (!t) return cbor::BadClaims(what + " is not a text string");
      auto date = Date::ParseCompact(*t);
      if (!date.ok()) return cbor::BadClaims(what + " is not a valid YYYYMMDD date");
      d->date_of_birth = *date;
      return Status::Ok();
    }
    case kC169Gender: {
      const auto g = r.Int();
      if (!g || *g < kGenderMale || *g > kGenderOthers) return cbor::BadClaims(what + " must be 1, 2 or 3");
      d->gender = static_cast<int>(*g);
      return Status::Ok();
    }
    case kC169Photo: {
      const auto p = r.Bstr();
      if (!p || p->empty() || p->size() > kMaxPhotoBytes) return cbor::BadClaims(what + " is not a photo");
      d->photo.assign(p->begin(), p->end());
      return Status::Ok();
    }
    case kC169PhotoFormat: {
      const auto f = r.Int();
      if (!f || *f < kPhotoJpeg || *f > kPhotoWebp) return cbor::BadClaims(what + " must be 1..4");
      d->photo_format = static_cast<int>(*f);
      return Status::Ok();
    }
    default:
      return cbor::BadClaims("disclosure of key " + std::to_string(key) + ", which cityid does not define");
  }
}

Status CheckDisclosures(ByteView list, const std::map<int, Bytes>& digests,
                        DisclosedAttributes* disclosed, std::map<int, Bytes>* values) {
  cbor::Limits limits;
  limits.max_depth = 1;
  limits.max_items = 1 + 4 * kMaxDisclosures;
  CITYID_RETURN_IF_ERROR(cbor::ValidateCbor(list, limits, ErrorId::kBadClaims));
  cbor::Reader r(list);
  const auto n = r.ArrayHeader();
  if (!n) return cbor::BadClaims("disclosures must be an array of byte strings");
  if (*n == 0) return cbor::BadClaims("the presentation discloses nothing");
  if (*n > kMaxDisclosures) return cbor::BadClaims("more than " + std::to_string(kMaxDisclosures) + " disclosures");
  for (uint64_t i = 0; i < *n; ++i) {
    const auto d = r.Bstr();
    if (!d) return cbor::BadClaims("disclosure " + std::to_string(i) + " is not a byte string");
    cbor::Limits one;
    one.max_depth = 1;
    one.max_items = 4;
    CITYID_RETURN_IF_ERROR(cbor::ValidateCbor(*d, one, ErrorId::kBadClaims));
    cbor::Reader dr(*d);
    if (dr.ArrayHeader() != std::optional<uint64_t>(3)) {
      return cbor::BadClaims("disclosure " + std::to_string(i) + " must be [key, salt, value]");
    }
    const auto key = dr.Int();
    if (!key || *key < 0 || *key > 1000) return cbor::BadClaims("disclosure key is not a claim key");
    const auto salt = dr.Bstr();
    if (!salt || salt->size() != kSaltBytes) {
      return cbor::BadClaims("disclosure salt for key " + std::to_string(*key) + " must be 16 bytes");
    }
    const int k = static_cast<int>(*key);
    // The value is what follows [key, salt] in the disclosure: require the head, key and salt
    // in preferred serialization so its offset is known without re-parsing.
    const Bytes prefix = cbor::Writer().Array(3).Int(k).Bstr(*salt).Take();
    if (d->size() <= prefix.size() || !std::equal(prefix.begin(), prefix.end(), d->begin())) {
      return cbor::BadClaims("disclosure for key " + std::to_string(k) + " is not in preferred serialization");
    }
    const ByteView value = d->subspan(prefix.size());
    const auto signed_digest = digests.find(k);
    if (signed_digest == digests.end()) {
      return cbor::BadClaims("disclosure for key " + std::to_string(k) + " has no signed digest");
    }
    if (values->count(k) != 0) return cbor::BadClaims("key " + std::to_string(k) + " is disclosed twice");
    const Bytes digest = AttributeDigest(k, value, *salt);
    if (sodium_memcmp(digest.data(), signed_digest->second.data(), kDigestBytes) != 0) {
      return cbor::BadClaims("disclosure for key " + std::to_string(k) + " does not match its signed digest");
    }
    CITYID_RETURN_IF_ERROR(Interpret(k, value, disclosed));
    values->emplace(k, Bytes(value.begin(), value.end()));
  }
  if (!r.AtEnd()) return cbor::BadClaims("bytes after the disclosures");
  if (disclosed->photo.empty() != !disclosed->photo_format.has_value()) {
    return cbor::BadClaims("photo and photo format must be disclosed together");
  }
  return Status::Ok();
}

PresentationOutcome Fail(PresentationOutcome outcome, Verdict verdict, Status why) {
  outcome.verdict = verdict;
  outcome.failure = std::move(why);
  return outcome;
}

}  // namespace

Result<std::vector<int>> ParseDisclosureNames(std::string_view names) {
  std::vector<int> keys;
  size_t start = 0;
  while (start <= names.size()) {
    size_t end = names.find(',', start);
    if (end == std::string_view::npos) end = names.size();
    std::string_view item = names.substr(start, end - start);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty()) {
      const auto it = std::find_if(kNames.begin(), kNames.end(),
                                   [&](const NameKeys& n) { return n.name == item; });
      if (it == kNames.end()) {
        const std::string shown = item.size() > 40 ? std::string(item.substr(0, 40)) + "..."
                                                   : std::string(item);
        return Error(ErrorId::kInvalidArgument, "unknown disclosure '" + shown +
                                                    "'; valid names: " + DisclosureNameList());
      }
      for (const int k : it->keys) {
        if (k != 0) keys.push_back(k);
      }
    }
    start = end + 1;
  }
  if (keys.empty()) {
    return Error(ErrorId::kInvalidArgument,
                 "name at least one attribute to disclose; valid names: " + DisclosureNameList());
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  return keys;
}

std::string DisclosureNameList() {
  std::string out;
  for (const auto& n : kNames) {
    if (!out.empty()) out += ", ";
    out += n.name;
  }
  return out;
}

std::string_view DisclosureName(int key) {
  if (key == kC169PhotoFormat) return "photo_format";
  for (const auto& n : kNames) {
    if (n.keys[0] == key) return n.name;
  }
  return "";
}

Result<EncodedPresentation> EncodePresentation(const CardClaims& claims, const CwtMeta& card_meta,
                                               ByteView digest_seed,
                                               const std::map<int, Bytes>& signed_card_digests,
                                               const std::vector<int>& keys, UnixSeconds now,
                                               const crypto::Signer& signer, Rng& rng) {
  if (keys.empty()) return Error(ErrorId::kInvalidArgument, "nothing to disclose");
  if (keys.size() > kMaxDisclosures) {
    return Error(ErrorId::kInvalidArgument, "too many disclosures");
  }
  CITYID_RETURN_IF_ERROR(CheckText("issuer", card_meta.issuer, kMaxIssuerBytes, true));
  // The issuance code path: the same attribute encodings, salts and digests as EncodeCard.
  CITYID_ASSIGN_OR_RETURN(const auto values, EncodeAttributes(claims));
  CITYID_ASSIGN_OR_RETURN(const auto digests, AttributeDigests(claims, digest_seed));
  if (digests != signed_card_digests) {
    return Error(ErrorId::kInternal,
                 "the digests re-derived from the card's seed do not match the card's signed "
                 "digests; nothing was signed");
  }
  if (card_meta.expires_at <= now) {
    return Error(ErrorId::kCardExpired, "the card has expired; an expired card cannot be presented");
  }
  if (now < 0) return Error(ErrorId::kInvalidArgument, "time is negative");

  struct Disclosure {
    int key;
    Bytes salt, value;
  };
  std::vector<Disclosure> disclosures;
  std::map<int, Bytes> all_digests = digests;
  const SaltDeriver salts(digest_seed);
  const int age = AgeOn(claims.date_of_birth, Date::FromUnix(now));
  for (const int key : keys) {
    Disclosure d{key, {}, {}};
    if (const auto threshold = AgeThreshold(key)) {
      // Derived now by the issuer, with a fresh salt: a verifier cannot link two presentations
      // through this digest, and the holder cannot choose the value.
      d.value = {age >= *threshold ? kCborTrue : kCborFalse};
      d.salt.resize(kSaltBytes);
      rng.Fill(d.salt);
      all_digests[key] = AttributeDigest(key, d.value, d.salt);
    } else {
      const auto v = values.find(key);
      if (v == values.end()) {
        return Error(ErrorId::kFailedPrecondition,
                     "this card does not carry " + std::string(DisclosureName(key)) +
                         ", so it cannot be disclosed");
      }
      d.value = v->second;
      d.salt = salts.Salt(key);
      if (AttributeDigest(key, d.value, d.salt) != digests.at(key)) {
        return Error(ErrorId::kInternal, "re-derived digest does not match the card's");
      }
    }
    disclosures.push_back(std::move(d));
  }

  cbor::Writer w;
  w.Map(4);
  w.Int(kCwtIss).Text(card_meta.issuer);
  w.Int(kCwtExp).Int(card_meta.expires_at);
  w.Int(kCwtIat).Int(now);
  w.Int(kCwtCityidPresentation).Map(2);
  w.Int(kC169CityidStatus).Array(2).Text(claims.status_list_id).Uint(claims.status_index);
  w.Int(kC169CityidDigests).Map(all_digests.size());
  for (const auto& [key, digest] : all_digests) w.Int(key).Bstr(digest);
  const Bytes payload = w.Take();

  cbor::Writer list;
  list.Array(disclosures.size());
  for (const auto& d : disclosures) list.Bstr(DisclosureBytes(d.key, d.salt, d.value));

  cbor::Writer unprotected;
  unprotected.Map(1).Int(kCoseHeaderCityidDisclosures).Bstr(list.bytes());

  EncodedPresentation out;
  CITYID_ASSIGN_OR_RETURN(out.cose, SignCoseSign1(payload, signer, unprotected.bytes()));
  out.qr_text = std::string(kPresentationPrefix) + Base45Encode(out.cose);
  if (out.cose.size() > kMaxCoseBytes || out.qr_text.size() > kMaxQrTextChars) {
    return Error(ErrorId::kPayloadTooLarge, "presentation would exceed " +
                                                std::to_string(kMaxQrTextChars) + " characters");
  }
  return out;
}

bool IsPresentation(std::string_view qr_text) { return qr_text.starts_with(kPresentationPrefix); }

PresentationOutcome VerifyPresentation(std::string_view qr_text, const crypto::PublicKeySet& keys,
                                       UnixSeconds now, const StatusList* status) {
  PresentationOutcome outcome;
  if (qr_text.size() > kMaxQrTextChars) {
    return Fail(std::move(outcome), Verdict::kInvalid,
                Error(ErrorId::kPayloadTooLarge,
                      "QR text exceeds " + std::to_string(kMaxQrTextChars) + " characters"));
  }
  if (!IsPresentation(qr_text)) {
    return Fail(std::move(outcome), Verdict::kInvalid,
                Error(ErrorId::kBadPayload, "not a presentation (no CP1: prefix)"));
  }
  qr_text.remove_prefix(kPresentationPrefix.size());
  auto cose_bytes = Base45Decode(qr_text, Base45DecodedSize(kMaxQrTextChars));
  if (!cose_bytes.ok()) return Fail(std::move(outcome), Verdict::kInvalid, cose_bytes.status());
  if (cose_bytes->size() > kMaxCoseBytes) {
    return Fail(std::move(outcome), Verdict::kInvalid,
                Error(ErrorId::kPayloadTooLarge, "presentation exceeds the decoder's limit"));
  }
  auto cose = ParseCoseSign1(*cose_bytes);
  if (!cose.ok()) return Fail(std::move(outcome), Verdict::kInvalid, cose.status());
  outcome.key_id = cose->key_id;
  auto key = VerifyCoseSign1(*cose, keys);
  if (!key.ok()) return Fail(std::move(outcome), Verdict::kInvalid, key.status());

  // Signature verified: the payload is the issuer's. The disclosures are not signed; each is
  // bound to the payload through its digest.
  auto parsed = ParsePayload(cose->payload);
  if (!parsed.ok()) return Fail(std::move(outcome), Verdict::kInvalid, parsed.status());
  if (Status s = CheckSigner(parsed->meta, **key, keys); !s.ok()) {
    return Fail(std::move(outcome), Verdict::kInvalid, std::move(s));
  }
  auto list = DisclosureList(*cose_bytes);
  if (!list.ok()) return Fail(std::move(outcome), Verdict::kInvalid, list.status());
  DisclosedAttributes disclosed;
  std::map<int, Bytes> values;
  if (Status s = CheckDisclosures(*list, parsed->digests, &disclosed, &values); !s.ok()) {
    return Fail(std::move(outcome), Verdict::kInvalid, s);
  }
  outcome.meta = parsed->meta;
  outcome.status_list_id = parsed->status_list_id;
  outcome.status_index = parsed->status_index;
  outcome.disclosed = std::move(disclosed);
  outcome.disclosed_values = std::move(values);

  if (Status s = CheckValidity(parsed->meta, parsed->not_before, now, status,
                               outcome.status_list_id, outcome.status_index, "presentation");
      !s.ok()) {
    const Verdict v = VerdictOf(s);
    return Fail(std::move(outcome), v, std::move(s));
  }
  outcome.verdict = Verdict::kValid;
  outcome.failure = Status::Ok();
  return outcome;
}

}  // namespace cityid::credential
