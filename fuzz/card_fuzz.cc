// libFuzzer target: VerifyCard on untrusted input, with a fixed trusted key.
//
// The first byte picks how far into the pipeline the input reaches:
//   0x00  the rest is raw COSE bytes; the fuzzer zlib-compresses and Base45-encodes them, which
//         reaches the CBOR and COSE parsers directly;
//   0x01  the rest is a CWT payload; the fuzzer signs it with the trusted key, which reaches the
//         claims parser (the only code that runs on signed data);
//   else  the whole input is QR text (Base45, zlib, CBOR, COSE, in order).
// Any verdict is fine; a crash, a leak, or claims without a verified signature are not.
// The seed corpus (fuzz/corpus/card_fuzz/) holds cards signed with this key; the credential
// unit test CardFuzzCorpusTest keeps it in sync (the seed in trusted_key.h).

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string_view>

#include "credential/base45.h"
#include "credential/card.h"
#include "credential/cose.h"
#include "credential/status_list.h"
#include "credential/zlib_codec.h"
#include "crypto/sign.h"
#include "trusted_key.h"

namespace {

using namespace cityid;  // NOLINT: fuzz harness, not a header

using fuzz::GetTrustedKey;
using fuzz::kNow;

// Invariants that hold for every input.
void Check(const credential::VerifyOutcome& out) {
  const bool valid = out.verdict == credential::Verdict::kValid;
  if (valid != out.failure.ok()) std::abort();
  if (valid && (!out.claims.has_value() || !out.meta.has_value())) std::abort();
  // Claims are only ever produced after the signature verified.
  if (out.claims.has_value()) {
    switch (out.failure.id()) {
      case ErrorId::kPayloadTooLarge:
      case ErrorId::kBadBase45:
      case ErrorId::kBadCompression:
      case ErrorId::kBadCbor:
      case ErrorId::kBadCose:
      case ErrorId::kBadSignature:
        std::abort();
      default:
        break;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const fuzz::TrustedKey& f = GetTrustedKey();
  const ByteView input(data, size);
  if (size >= 1 && data[0] == 0x00) {
    const std::string text = credential::Base45Encode(credential::ZlibCompress(input.subspan(1)));
    Check(credential::VerifyCard(text, f.keys, kNow, &f.status));
  } else if (size >= 1 && data[0] == 0x01) {
    auto cose = credential::SignCoseSign1(input.subspan(1), *f.signer);
    if (!cose.ok()) std::abort();
    const std::string text = credential::Base45Encode(credential::ZlibCompress(*cose));
    Check(credential::VerifyCard(text, f.keys, kNow, &f.status));
    Check(credential::VerifyCard(text, f.keys, kNow, nullptr));
  } else {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    Check(credential::VerifyCard(text, f.keys, kNow, &f.status));
  }
  return 0;
}
