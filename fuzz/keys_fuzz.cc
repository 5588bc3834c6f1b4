// libFuzzer target: PublicKeySet::FromJson, the parser of the public key set a verifier is
// given (`cityid verify --keys KEYS.json`, the output of `cityid keys export` and of
// GET /.well-known/cityid-keys). Any error is fine; a crash, a leak, an exception, or an
// accepted set that does not survive its own round trip (ToJson, FromJson) is not.
// Seeds (fuzz/corpus/keys_fuzz/) are `cityid keys export` output, before and after a rotation.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "crypto/sign.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using cityid::crypto::PublicKeySet;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto set = PublicKeySet::FromJson(text);
  if (!set.ok()) return 0;
  for (const auto& k : set->keys) {
    if (set->Find(k.key_id) == nullptr) std::abort();
  }
  auto back = PublicKeySet::FromJson(set->ToJson());
  if (!back.ok() || back->issuer != set->issuer || back->keys.size() != set->keys.size()) {
    std::abort();
  }
  for (size_t i = 0; i < set->keys.size(); ++i) {
    const auto& a = set->keys[i];
    const auto& b = back->keys[i];
    if (a.key_id != b.key_id || a.public_key != b.public_key || a.status != b.status ||
        a.not_after != b.not_after) {
      std::abort();
    }
  }
  return 0;
}
