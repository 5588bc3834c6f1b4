// libFuzzer target: VerifyPresentation on untrusted input, with a fixed trusted key.
//
// The first byte picks how far into the pipeline the input reaches:
//   0x00  the rest is raw COSE bytes; the fuzzer adds the CP1: prefix and Base45, which reaches
//         the CBOR and COSE parsers directly;
//   0x01  the rest is [payload length, 2 bytes big-endian][CWT payload][disclosure list]; the
//         fuzzer signs the payload with the trusted key and puts the list in the unprotected
//         header, which reaches the payload parser and the disclosure checks (the code that
//         runs on signed data and on the unsigned disclosures bound to it by digests);
//   else  the whole input is QR text.
// Any verdict is fine; a crash, a leak, or disclosures without a verified signature are not.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "credential/base45.h"
#include "credential/cbor_util.h"
#include "credential/cose.h"
#include "credential/presentation.h"
#include "credential/status_list.h"
#include "crypto/sign.h"
#include "trusted_key.h"

namespace {

using namespace cityid;  // NOLINT: fuzz harness, not a header

using fuzz::GetTrustedKey;
using fuzz::kNow;

// Invariants that hold for every input.
void Check(const credential::PresentationOutcome& out) {
  const bool valid = out.verdict == credential::Verdict::kValid;
  if (valid != out.failure.ok()) std::abort();
  if (valid && (!out.meta.has_value() || !out.disclosed.has_value())) std::abort();
  // Disclosures are only ever produced after the signature verified.
  if (out.disclosed.has_value() || !out.disclosed_values.empty()) {
    switch (out.failure.id()) {
      case ErrorId::kPayloadTooLarge:
      case ErrorId::kBadBase45:
      case ErrorId::kBadCbor:
      case ErrorId::kBadCose:
      case ErrorId::kBadSignature:
      case ErrorId::kUnknownKey:
        std::abort();
      default:
        break;
    }
  }
}

void VerifyBoth(const std::string& text) {
  const fuzz::TrustedKey& f = GetTrustedKey();
  Check(credential::VerifyPresentation(text, f.keys, kNow, &f.status));
  Check(credential::VerifyPresentation(text, f.keys, kNow, nullptr));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const fuzz::TrustedKey& f = GetTrustedKey();
  const ByteView input(data, size);
  const std::string prefix(credential::kPresentationPrefix);
  if (size >= 1 && data[0] == 0x00) {
    VerifyBoth(prefix + credential::Base45Encode(input.subspan(1)));
  } else if (size >= 3 && data[0] == 0x01) {
    const size_t n = std::min<size_t>(size - 3, (size_t{data[1]} << 8) | data[2]);
    const ByteView payload = input.subspan(3, n);
    const ByteView list = input.subspan(3 + n);
    const Bytes protected_header = credential::cbor::Writer()
                                       .Map(2)
                                       .Int(credential::kCoseHeaderAlg)
                                       .Int(credential::kCoseAlgEdDSA)
                                       .Int(credential::kCoseHeaderKid)
                                       .Bstr(f.signer->key_id())
                                       .Take();
    auto to_sign = credential::CoseSigStructure(protected_header, payload);
    if (!to_sign.ok()) std::abort();
    auto signature = f.signer->Sign(*to_sign);
    if (!signature.ok()) std::abort();
    credential::cbor::Writer cose;
    cose.Tag(credential::kCoseSign1Tag).Array(4).Bstr(protected_header);
    cose.Map(1).Int(credential::kCoseHeaderCityidDisclosures).Bstr(list);
    cose.Bstr(payload).Bstr(*signature);
    VerifyBoth(prefix + credential::Base45Encode(cose.Take()));
  } else {
    VerifyBoth(std::string(reinterpret_cast<const char*>(data), size));
  }
  return 0;
}
