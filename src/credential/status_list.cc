#include "credential/status_list.h"

#include <bit>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <set>

#include "credential/card.h"
#include "credential/text_checks.h"
#include "credential/zlib_codec.h"

namespace cityid::credential {
namespace {

constexpr size_t kMinBytes = kMinStatusListBits / 8;
constexpr size_t kMaxBytes = kMaxStatusListBits / 8;
constexpr std::string_view kAlgEdDSA = "EdDSA";
constexpr char kMultibaseBase64Url = 'u';

Status BadList(const std::string& what) { return Error(ErrorId::kBadStatusList, what); }

Status CheckId(std::string_view id) {
  if (id.empty() || id.size() > kMaxStatusListIdBytes || !IsAsciiToken(id)) {
    return Error(ErrorId::kInvalidArgument, "status list id must be 1.." +
                                                std::to_string(kMaxStatusListIdBytes) +
                                                " printable ASCII characters without spaces");
  }
  return Status::Ok();
}


// Reads a required string member.
Result<std::string> StringMember(const nlohmann::json& obj, const char* name) {
  const auto it = obj.find(name);
  if (it == obj.end()) return BadList(std::string("member '") + name + "' missing");
  if (!it->is_string()) return BadList(std::string("member '") + name + "' is not a string");
  return it->get<std::string>();
}

// Reads a required non-negative integer member.
Result<int64_t> TimeMember(const nlohmann::json& obj, const char* name) {
  const auto it = obj.find(name);
  if (it == obj.end()) return BadList(std::string("member '") + name + "' missing");
  if (it->is_number_unsigned()) {
    const auto v = it->get<uint64_t>();
    if (v > static_cast<uint64_t>(INT64_MAX)) {
      return BadList(std::string("member '") + name + "' out of range");
    }
    return static_cast<int64_t>(v);
  }
  if (it->is_number_integer() && it->get<int64_t>() >= 0) return it->get<int64_t>();
  return BadList(std::string("member '") + name + "' is not a non-negative integer");
}

Status OnlyMembers(const nlohmann::json& obj, const std::set<std::string>& allowed,
                   std::string_view where) {
  for (const auto& item : obj.items()) {
    if (allowed.count(item.key()) == 0) {
      return BadList(std::string(where) + " has an unknown member");
    }
  }
  return Status::Ok();
}

Result<StatusList> ParseVerified(std::string_view json, const crypto::PublicKeySet& keys,
                                 UnixSeconds now) {
  if (json.size() > kMaxStatusListJsonBytes) return BadList("status list JSON is too large");
  nlohmann::json doc = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return BadList("not valid JSON");
  if (!doc.is_object()) return BadList("not a JSON object");
  CITYID_RETURN_IF_ERROR(OnlyMembers(
      doc,
      {"type", "id", "statusPurpose", "issuer", "validFrom", "validUntil", "encodedList", "proof"},
      "status list"));
  CITYID_ASSIGN_OR_RETURN(std::string type, StringMember(doc, "type"));
  if (type != kStatusListType) return BadList("type is not BitstringStatusList");
  CITYID_ASSIGN_OR_RETURN(std::string id, StringMember(doc, "id"));
  if (!CheckId(id).ok()) return BadList("id is not a valid status list id");
  CITYID_ASSIGN_OR_RETURN(std::string purpose, StringMember(doc, "statusPurpose"));
  if (purpose != kStatusPurposeRevocation) return BadList("statusPurpose is not revocation");
  CITYID_ASSIGN_OR_RETURN(std::string issuer, StringMember(doc, "issuer"));
  CITYID_ASSIGN_OR_RETURN(int64_t valid_from, TimeMember(doc, "validFrom"));
  CITYID_ASSIGN_OR_RETURN(int64_t valid_until, TimeMember(doc, "validUntil"));
  CITYID_ASSIGN_OR_RETURN(std::string encoded_list, StringMember(doc, "encodedList"));

  const auto proof_it = doc.find("proof");
  if (proof_it == doc.end() || !proof_it->is_object()) return BadList("proof missing or not an object");
  const nlohmann::json& proof = *proof_it;
  CITYID_RETURN_IF_ERROR(OnlyMembers(proof, {"alg", "kid", "signature"}, "proof"));
  CITYID_ASSIGN_OR_RETURN(std::string alg, StringMember(proof, "alg"));
  if (alg != kAlgEdDSA) return BadList("proof.alg is not EdDSA");
  CITYID_ASSIGN_OR_RETURN(std::string kid_text, StringMember(proof, "kid"));
  CITYID_ASSIGN_OR_RETURN(std::string sig_text, StringMember(proof, "signature"));
  if (kid_text.find('=') != std::string::npos || sig_text.find('=') != std::string::npos) {
    return BadList("proof values must be unpadded base64url");
  }
  auto kid = Base64UrlDecode(kid_text);
  if (!kid.ok()) return BadList("proof.kid is not base64url");
  auto signature = Base64UrlDecode(sig_text);
  if (!signature.ok() || signature->size() != crypto::kEd25519SignatureBytes) {
    return BadList("proof.signature is not a base64url 64-byte signature");
  }

  // Signature first: nothing below runs on unsigned data.
  const crypto::PublicKey* key = keys.Find(*kid);
  if (key == nullptr) return Error(ErrorId::kUnknownKey, "proof.kid not in the trusted key set");
  const Bytes signed_bytes =
      StatusListSigningInput(id, issuer, valid_from, valid_until, encoded_list);
  if (!crypto::VerifyEd25519(key->public_key, signed_bytes, *signature)) {
    return Error(ErrorId::kBadSignature, "status list signature does not verify");
  }

  if (!keys.issuer.empty() && issuer != keys.issuer) {
    return BadList("issuer does not match the trusted key set's issuer");
  }
  if (valid_until <= valid_from) return BadList("validUntil is not after validFrom");
  if (valid_from > now + kClockSkewSeconds) return BadList("status list is not yet valid");
  if (valid_until <= now) return BadList("status list is stale (validUntil has passed)");

  if (encoded_list.empty() || encoded_list[0] != kMultibaseBase64Url) {
    return BadList("encodedList lacks the multibase 'u' (base64url) prefix");
  }
  const std::string_view b64 = std::string_view(encoded_list).substr(1);
  if (b64.find('=') != std::string_view::npos) return BadList("encodedList must be unpadded");
  auto gz = Base64UrlDecode(b64);
  if (!gz.ok()) return BadList("encodedList is not base64url");
  auto bits = GzipDecompress(*gz, kMaxBytes);
  if (!bits.ok()) {
    return Error(ErrorId::kBadStatusList, "encodedList: " + bits.status().message());
  }
  return StatusList::FromBytes(std::move(id), *bits);
}

}  // namespace

Bytes StatusListSigningInput(std::string_view id, std::string_view issuer, UnixSeconds valid_from,
                             UnixSeconds valid_until, std::string_view encoded_list) {
  // Built as a std::string: GCC 12 at -O2 mis-flags vector appends here
  // (-Wstringop-overflow false positive).
  std::string out(kStatusListSigContext);
  out.push_back('\0');
  auto field = [&out](std::string_view f) {
    const auto n = static_cast<uint32_t>(f.size());
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((n >> shift) & 0xff));
    out.append(f);
  };
  field(kStatusListType);
  field(id);
  field(kStatusPurposeRevocation);
  field(issuer);
  field(std::to_string(valid_from));
  field(std::to_string(valid_until));
  field(encoded_list);
  return ToBytes(out);
}

StatusList StatusList::Create(std::string id, size_t size) {
  if (size < kMinStatusListBits || size > kMaxStatusListBits || size % 8 != 0) {
    std::abort();  // REQUIRES violated: a configuration bug, not user input
  }
  return StatusList(std::move(id), Bytes(size / 8, 0));
}

Result<StatusList> StatusList::FromBytes(std::string id, ByteView bits) {
  if (!CheckId(id).ok()) return BadList("status list id must be 1..32 printable ASCII characters");
  if (bits.size() < kMinBytes || bits.size() > kMaxBytes) {
    return BadList("status list must hold " + std::to_string(kMinStatusListBits) + ".." +
               std::to_string(kMaxStatusListBits) + " entries");
  }
  return StatusList(std::move(id), Bytes(bits.begin(), bits.end()));
}

Result<StatusList> StatusList::FromSignedJson(std::string_view json,
                                              const crypto::PublicKeySet& keys, UnixSeconds now) {
  try {
    return ParseVerified(json, keys, now);
  } catch (const std::exception&) {
    // nlohmann-json only throws on misuse (e.g. a type mismatch we check for first); keep any
    // such surprise inside the module as a Status.
    return BadList("status list JSON could not be read");
  }
}

Status StatusList::Set(uint32_t index) {
  if (index >= size()) return Error(ErrorId::kInvalidArgument, "status index out of range");
  bits_[index / 8] |= static_cast<uint8_t>(0x80u >> (index % 8));
  return Status::Ok();
}

Status StatusList::Clear(uint32_t index) {
  if (index >= size()) return Error(ErrorId::kInvalidArgument, "status index out of range");
  bits_[index / 8] &= static_cast<uint8_t>(~(0x80u >> (index % 8)));
  return Status::Ok();
}

bool StatusList::IsSet(uint32_t index) const {
  if (index >= size()) return false;
  return (bits_[index / 8] & (0x80u >> (index % 8))) != 0;
}

size_t StatusList::CountSet() const {
  size_t n = 0;
  for (const uint8_t b : bits_) n += static_cast<size_t>(std::popcount(b));
  return n;
}

Result<std::string> StatusList::ToSignedJson(const crypto::Signer& signer,
                                             const std::string& issuer, UnixSeconds valid_from,
                                             UnixSeconds valid_until) const {
  CITYID_RETURN_IF_ERROR(CheckId(id_));
  CITYID_RETURN_IF_ERROR(CheckText("issuer", issuer, kMaxIssuerBytes, true));
  if (valid_from < 0 || valid_until <= valid_from) {
    return Error(ErrorId::kInvalidArgument,
                 "validFrom must be >= 0 and validUntil after validFrom");
  }
  const std::string encoded_list =
      std::string(1, kMultibaseBase64Url) + Base64UrlEncode(GzipCompress(bits_));
  CITYID_ASSIGN_OR_RETURN(
      Bytes signature,
      signer.Sign(StatusListSigningInput(id_, issuer, valid_from, valid_until, encoded_list)));

  nlohmann::ordered_json doc;
  doc["type"] = kStatusListType;
  doc["id"] = id_;
  doc["statusPurpose"] = kStatusPurposeRevocation;
  doc["issuer"] = issuer;
  doc["validFrom"] = valid_from;
  doc["validUntil"] = valid_until;
  doc["encodedList"] = encoded_list;
  doc["proof"]["alg"] = kAlgEdDSA;
  doc["proof"]["kid"] = Base64UrlEncode(signer.key_id());
  doc["proof"]["signature"] = Base64UrlEncode(signature);
  return doc.dump();
}

}  // namespace cityid::credential
