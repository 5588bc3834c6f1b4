#include "audit/entry.h"

#include <sodium.h>

namespace cityid::audit {
namespace {

void PutU32(Bytes& out, uint32_t v) {
  for (int i = 3; i >= 0; --i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

void PutField(Bytes& out, const std::string& s) {
  PutU32(out, static_cast<uint32_t>(s.size()));
  out.insert(out.end(), s.begin(), s.end());
}

Bytes Sha256(ByteView prefix, ByteView a, ByteView b = {}) {
  crypto_hash_sha256_state st;
  crypto_hash_sha256_init(&st);
  crypto_hash_sha256_update(&st, prefix.data(), prefix.size());
  crypto_hash_sha256_update(&st, a.data(), a.size());
  crypto_hash_sha256_update(&st, b.data(), b.size());
  Bytes out(crypto_hash_sha256_BYTES);
  crypto_hash_sha256_final(&st, out.data());
  return out;
}

Bytes Mth(const std::vector<Bytes>& leaves, size_t begin, size_t end) {
  const size_t n = end - begin;
  if (n == 1) return leaves[begin];
  size_t k = 1;
  while (k * 2 < n) k *= 2;  // largest power of two smaller than n
  const Bytes left = Mth(leaves, begin, begin + k);
  const Bytes right = Mth(leaves, begin + k, end);
  const uint8_t one = 0x01;
  return Sha256(ByteView(&one, 1), left, right);
}

}  // namespace

Bytes CanonicalBytes(const Entry& e) {
  Bytes out = ToBytes("cityid-audit-v1");
  const uint64_t at = static_cast<uint64_t>(e.at);
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<uint8_t>(at >> (8 * i)));
  for (const std::string* f : {&e.actor, &e.role, &e.site, &e.action, &e.subject, &e.reason}) {
    PutField(out, *f);
  }
  return out;
}

Bytes LeafHash(const Entry& e) {
  const uint8_t zero = 0x00;
  return Sha256(ByteView(&zero, 1), CanonicalBytes(e));
}

Bytes MerkleTreeHash(const std::vector<Bytes>& leaf_hashes) {
  if (leaf_hashes.empty()) return Sha256(ByteView(), ByteView());
  return Mth(leaf_hashes, 0, leaf_hashes.size());
}

}  // namespace cityid::audit
