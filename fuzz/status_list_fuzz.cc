// libFuzzer target: StatusList::FromSignedJson (what `cityid verify --status LIST.json` and any
// relying party read from /api/v1/status-lists/{id}) on untrusted input, with a fixed trusted key.
//
// The first byte picks how far into the parser the input reaches:
//   0x00  the rest is the encodedList text; the fuzzer builds and signs a list around it with
//         the trusted key, which reaches the multibase, base64url and gzip decoders (the
//         signature is checked before them);
//   0x01  the rest is the gzip stream; the fuzzer adds the multibase prefix and base64url;
//   else  the whole input is the signed JSON, verified as it is.
// Any error is fine; a crash, a leak, or a list that does not survive its own round trip is not.
// The seed corpus (fuzz/corpus/status_list_fuzz/) holds lists signed with this key by
// StatusList::ToSignedJson.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "credential/status_list.h"
#include "trusted_key.h"

namespace {

using namespace cityid;  // NOLINT: fuzz harness, not a header

using fuzz::GetTrustedKey;
using fuzz::kNow;

constexpr UnixSeconds kValidFrom = kNow - 60;
constexpr UnixSeconds kValidUntil = kNow + 48 * 3600;

// A list "1" of issuer "fuzz" around `encoded_list`, signed with the trusted key.
std::string SignedAround(std::string_view encoded_list) {
  const auto& t = GetTrustedKey();
  auto sig = t.signer->Sign(
      credential::StatusListSigningInput("1", "fuzz", kValidFrom, kValidUntil, encoded_list));
  if (!sig.ok()) std::abort();
  nlohmann::ordered_json doc;
  doc["type"] = "BitstringStatusList";
  doc["id"] = "1";
  doc["statusPurpose"] = "revocation";
  doc["issuer"] = "fuzz";
  doc["validFrom"] = kValidFrom;
  doc["validUntil"] = kValidUntil;
  // Invalid UTF-8 cannot go into JSON text; such an encodedList fails base64url anyway.
  doc["encodedList"] = std::string(encoded_list);
  doc["proof"]["alg"] = "EdDSA";
  doc["proof"]["kid"] = Base64UrlEncode(t.signer->key_id());
  doc["proof"]["signature"] = Base64UrlEncode(*sig);
  return doc.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

void Check(const Result<credential::StatusList>& list) {
  if (!list.ok()) return;
  if (list->size() < credential::kMinStatusListBits ||
      list->size() > credential::kMaxStatusListBits || list->size() % 8 != 0) {
    std::abort();
  }
  (void)list->CountSet();
  (void)list->IsSet(5);
  (void)list->IsSet(static_cast<uint32_t>(list->size()));
  // What was accepted signs and parses back to the same list.
  const auto& t = GetTrustedKey();
  auto again = list->ToSignedJson(*t.signer, "fuzz", kValidFrom, kValidUntil);
  if (!again.ok()) std::abort();
  auto back = credential::StatusList::FromSignedJson(*again, t.keys, kNow);
  if (!back.ok() || !(*back == *list)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto& t = GetTrustedKey();
  const std::string_view whole(reinterpret_cast<const char*>(data), size);
  if (size > 0 && data[0] == 0x00) {
    Check(credential::StatusList::FromSignedJson(SignedAround(whole.substr(1)), t.keys, kNow));
  } else if (size > 0 && data[0] == 0x01) {
    const Bytes gzip(data + 1, data + size);
    Check(credential::StatusList::FromSignedJson(SignedAround("u" + Base64UrlEncode(gzip)), t.keys,
                                                 kNow));
  } else {
    Check(credential::StatusList::FromSignedJson(whole, t.keys, kNow));
    crypto::PublicKeySet with_issuer = t.keys;
    with_issuer.issuer = "fuzz";
    (void)credential::StatusList::FromSignedJson(whole, with_issuer, kNow);
  }
  return 0;
}
