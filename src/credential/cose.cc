#include "credential/cose.h"

#include <string>
#include <vector>

#include "credential/cbor_util.h"

namespace cityid::credential {
namespace {

constexpr std::string_view kSignature1Context = "Signature1";

Bytes ProtectedHeader(const Bytes& key_id) {
  cbor::Writer w;
  w.Map(2).Int(kCoseHeaderAlg).Int(kCoseAlgEdDSA).Int(kCoseHeaderKid).Bstr(key_id);
  return w.Take();
}

// Parses the protected header bucket; returns the kid.
Result<Bytes> ParseProtected(ByteView bytes) {
  if (bytes.empty()) return Error(ErrorId::kBadCose, "protected header is empty (no alg, no kid)");
  cbor::Limits limits;
  limits.max_depth = 2;
  limits.max_items = 64;
  CITYID_RETURN_IF_ERROR(cbor::ValidateCbor(bytes, limits, ErrorId::kBadCose));
  cbor::Reader r(bytes);
  const auto n = r.MapHeader();
  if (!n) return Error(ErrorId::kBadCose, "protected header is not a map");
  std::optional<int64_t> alg;
  std::optional<ByteView> kid;
  for (uint64_t i = 0; i < *n; ++i) {
    const auto label = r.Int();
    if (!label) return Error(ErrorId::kBadCose, "protected header label is not an integer");
    if (*label == kCoseHeaderAlg) {
      if (alg) return Error(ErrorId::kBadCose, "protected header: alg appears twice");
      alg = r.Int();
      if (!alg) return Error(ErrorId::kBadCose, "protected header: alg is not an integer");
    } else if (*label == kCoseHeaderKid) {
      if (kid) return Error(ErrorId::kBadCose, "protected header: kid appears twice");
      kid = r.Bstr();
      if (!kid) return Error(ErrorId::kBadCose, "protected header: kid is not a byte string");
    } else {
      return Error(ErrorId::kBadCose,
                   "protected header: unsupported label " + std::to_string(*label));
    }
  }
  if (!alg) return Error(ErrorId::kBadCose, "protected header: alg missing");
  if (*alg != kCoseAlgEdDSA) {
    return Error(ErrorId::kBadCose,
                 "protected header: alg " + std::to_string(*alg) + " is not EdDSA (-8)");
  }
  if (!kid) return Error(ErrorId::kBadCose, "protected header: kid missing");
  if (kid->size() != crypto::kKeyIdBytes) {
    return Error(ErrorId::kBadCose,
                 "protected header: kid must be " + std::to_string(crypto::kKeyIdBytes) + " bytes");
  }
  return Bytes(kid->begin(), kid->end());
}

// Reads the unprotected header map, which must not carry alg, crit or kid.
Status CheckUnprotected(cbor::Reader& r) {
  const auto n = r.MapHeader();
  if (!n) return Error(ErrorId::kBadCose, "unprotected header is not a map");
  for (uint64_t i = 0; i < *n; ++i) {
    const auto label = r.Int();
    if (label &&
        (*label == kCoseHeaderAlg || *label == kCoseHeaderCrit || *label == kCoseHeaderKid)) {
      return Error(ErrorId::kBadCose, "unprotected header must not carry label " +
                                          std::to_string(*label) + " (alg, crit, kid)");
    }
    if ((!label && !r.Skip()) || !r.Skip()) {
      return Error(ErrorId::kBadCose, "unprotected header is malformed");
    }
  }
  return Status::Ok();
}

}  // namespace

Result<Bytes> CoseSigStructure(ByteView protected_header, ByteView payload) {
  cbor::Writer w;
  w.Array(4).Text(kSignature1Context).Bstr(protected_header).Bstr(ByteView()).Bstr(payload);
  return w.Take();
}

Result<Bytes> SignCoseSign1(ByteView payload, const crypto::Signer& signer, ByteView unprotected) {
  const Bytes protected_header = ProtectedHeader(signer.key_id());
  CITYID_ASSIGN_OR_RETURN(Bytes to_sign, CoseSigStructure(protected_header, payload));
  CITYID_ASSIGN_OR_RETURN(Bytes signature, signer.Sign(to_sign));
  if (signature.size() != crypto::kEd25519SignatureBytes) {
    return Error(ErrorId::kInternal, "signer returned a signature of the wrong size");
  }
  cbor::Writer w;
  w.Tag(kCoseSign1Tag).Array(4).Bstr(protected_header);
  if (unprotected.empty()) {
    w.Map(0);
  } else {
    w.Raw(unprotected);
  }
  w.Bstr(payload).Bstr(signature);
  return w.Take();
}

Result<CoseSign1> ParseCoseSign1(ByteView data) {
  // Well-formedness of the whole input first, so malformed bytes are reported as such.
  cbor::Limits outer;
  outer.max_depth = 4;  // tag 61, tag 18, array, header map
  outer.max_items = 256;
  outer.allow_tags = true;
  CITYID_RETURN_IF_ERROR(cbor::ValidateCbor(data, outer, ErrorId::kBadCbor));
  // Outer tags are read here, not by libcbor (see cbor_util.h): 18, or 61 then 18.
  CITYID_ASSIGN_OR_RETURN(cbor::TaggedItem tagged, cbor::SplitTags(data, 2, ErrorId::kBadCbor));
  const std::vector<uint64_t> kSign1 = {kCoseSign1Tag};
  const std::vector<uint64_t> kCwtSign1 = {kCwtTag, kCoseSign1Tag};
  if (tagged.tags != kSign1 && tagged.tags != kCwtSign1) {
    return Error(ErrorId::kBadCose, "not a tagged COSE_Sign1 (tag 18, optionally inside tag 61)");
  }
  cbor::Limits limits;
  limits.max_depth = 2;  // array, header map
  limits.max_items = 256;
  CITYID_RETURN_IF_ERROR(cbor::ValidateCbor(tagged.content, limits, ErrorId::kBadCbor));
  cbor::Reader r(tagged.content);
  if (r.ArrayHeader() != std::optional<uint64_t>(4)) {
    return Error(ErrorId::kBadCose, "COSE_Sign1 must be an array of 4");
  }
  const auto protected_bytes = r.Bstr();
  if (!protected_bytes) return Error(ErrorId::kBadCose, "protected header is not a byte string");
  CITYID_RETURN_IF_ERROR(CheckUnprotected(r));
  const auto payload = r.Bstr();
  if (!payload) return Error(ErrorId::kBadCose, "payload is not a byte string");
  const auto signature = r.Bstr();
  if (!signature) return Error(ErrorId::kBadCose, "signature is not a byte string");
  if (signature->size() != crypto::kEd25519SignatureBytes) {
    return Error(ErrorId::kBadCose, "signature must be 64 bytes");
  }
  CITYID_ASSIGN_OR_RETURN(Bytes kid, ParseProtected(*protected_bytes));
  CoseSign1 out;
  out.protected_header.assign(protected_bytes->begin(), protected_bytes->end());
  out.key_id = std::move(kid);
  out.payload.assign(payload->begin(), payload->end());
  out.signature.assign(signature->begin(), signature->end());
  return out;
}

Result<const crypto::PublicKey*> VerifyCoseSign1(const CoseSign1& cose,
                                                 const crypto::PublicKeySet& keys) {
  const crypto::PublicKey* key = keys.Find(cose.key_id);
  if (key == nullptr) return Error(ErrorId::kUnknownKey, "kid not in the trusted key set");
  CITYID_ASSIGN_OR_RETURN(Bytes to_verify, CoseSigStructure(cose.protected_header, cose.payload));
  if (!crypto::VerifyEd25519(key->public_key, to_verify, cose.signature)) {
    return Error(ErrorId::kBadSignature, "Ed25519 signature does not verify");
  }
  return key;
}

}  // namespace cityid::credential
