#pragma once
// What the credential fuzz targets trust: one Ed25519 issuer key from a fixed seed (the card
// seed corpus in fuzz/corpus/card_fuzz/ is signed with it; CardFuzzCorpusTest keeps it in sync)
// and a status list "1" with index 5 revoked. Built once, never destroyed (no exit-time races).

#include <cstdlib>
#include <memory>

#include "base/rng.h"
#include "credential/status_list.h"
#include "crypto/sign.h"

namespace cityid::fuzz {

inline constexpr UnixSeconds kNow = 1767225600 + 86400;  // 2026-01-02

struct TrustedKey {
  std::unique_ptr<crypto::Ed25519Signer> signer;
  crypto::PublicKeySet keys;
  credential::StatusList status = credential::StatusList::Create("1");

  TrustedKey() {
    if (!crypto::InitCrypto().ok()) std::abort();
    SeededRng rng(0xC17D);
    signer = crypto::Ed25519Signer::Generate(rng);
    crypto::PublicKey key;
    key.key_id = signer->key_id();
    key.public_key = signer->public_key();
    keys.keys.push_back(key);
    if (!status.Set(5).ok()) std::abort();
  }
};

inline const TrustedKey& GetTrustedKey() {
  static const TrustedKey* fixture = new TrustedKey();
  return *fixture;
}

}  // namespace cityid::fuzz
