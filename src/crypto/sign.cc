#include "crypto/sign.h"

#include <sodium.h>

#include <nlohmann/json.hpp>

namespace cityid::crypto {

Status InitCrypto() {
  if (sodium_init() < 0) return Error(ErrorId::kInternal, "libsodium failed to initialize");
  return Status::Ok();
}

Bytes KeyIdFor(ByteView public_key) {
  uint8_t digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, public_key.data(), public_key.size());
  return Bytes(digest, digest + kKeyIdBytes);
}

Result<std::unique_ptr<Ed25519Signer>> Ed25519Signer::FromSeed(const SecretBytes& seed) {
  if (seed.size() != kEd25519SeedBytes) {
    return Error(ErrorId::kKeysInvalid, "Ed25519 seed must be 32 bytes");
  }
  std::unique_ptr<Ed25519Signer> s(new Ed25519Signer());
  s->seed_ = seed;
  s->secret_key_ = SecretBytes(crypto_sign_SECRETKEYBYTES);
  s->public_key_.resize(crypto_sign_PUBLICKEYBYTES);
  crypto_sign_seed_keypair(s->public_key_.data(), s->secret_key_.data(), seed.data());
  s->key_id_ = KeyIdFor(s->public_key_);
  return s;
}

std::unique_ptr<Ed25519Signer> Ed25519Signer::Generate(Rng& rng) {
  SecretBytes seed(kEd25519SeedBytes);
  rng.Fill(seed.mutable_view());
  return std::move(FromSeed(seed).value());
}

Result<Bytes> Ed25519Signer::Sign(ByteView message) const {
  Bytes sig(crypto_sign_BYTES);
  crypto_sign_detached(sig.data(), nullptr, message.data(), message.size(), secret_key_.data());
  return sig;
}

bool VerifyEd25519(ByteView public_key, ByteView message, ByteView signature) {
  if (public_key.size() != crypto_sign_PUBLICKEYBYTES || signature.size() != crypto_sign_BYTES) {
    return false;
  }
  return crypto_sign_verify_detached(signature.data(), message.data(), message.size(),
                                     public_key.data()) == 0;
}

const PublicKey* PublicKeySet::Find(ByteView key_id) const {
  for (const auto& k : keys) {
    if (k.key_id.size() == key_id.size() &&
        std::equal(k.key_id.begin(), k.key_id.end(), key_id.begin())) {
      return &k;
    }
  }
  return nullptr;
}

std::string PublicKeySet::ToJson() const {
  nlohmann::ordered_json j;
  j["issuer"] = issuer;
  j["keys"] = nlohmann::ordered_json::array();
  for (const auto& k : keys) {
    nlohmann::ordered_json e;
    e["kty"] = "OKP";
    e["crv"] = "Ed25519";
    e["alg"] = "EdDSA";
    e["use"] = "sig";
    e["kid"] = Base64UrlEncode(k.key_id);
    e["x"] = Base64UrlEncode(k.public_key);
    e["status"] = k.status;
    if (k.not_after) e["not_after"] = *k.not_after;
    j["keys"].push_back(std::move(e));
  }
  return j.dump(2) + "\n";
}

Result<PublicKeySet> PublicKeySet::FromJson(std::string_view text) {
  auto bad = [](const std::string& what) { return Error(ErrorId::kKeysInvalid, what); };
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return bad("public key set is not a JSON object");
  PublicKeySet set;
  if (j.contains("issuer")) {
    if (!j["issuer"].is_string()) return bad("issuer: expected a string");
    set.issuer = j["issuer"].get<std::string>();
  }
  if (!j.contains("keys") || !j["keys"].is_array()) return bad("keys: expected an array");
  size_t i = 0;
  for (const auto& e : j["keys"]) {
    const std::string where = "keys[" + std::to_string(i++) + "]";
    if (!e.is_object()) return bad(where + ": expected an object");
    auto str = [&](const char* name) -> std::string {
      auto it = e.find(name);
      return it != e.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    if (str("kty") != "OKP" || str("crv") != "Ed25519") {
      return bad(where + ": only OKP/Ed25519 keys are supported");
    }
    PublicKey k;
    auto kid = Base64UrlDecode(str("kid"));
    auto x = Base64UrlDecode(str("x"));
    if (!kid.ok() || kid->empty()) return bad(where + ".kid: expected base64url");
    if (!x.ok() || x->size() != kEd25519PublicKeyBytes) {
      return bad(where + ".x: expected a 32-byte base64url key");
    }
    k.key_id = std::move(kid).value();
    k.public_key = std::move(x).value();
    if (k.key_id != KeyIdFor(k.public_key)) {
      return bad(where + ".kid: does not match the key (kid = first 8 bytes of SHA-256(x))");
    }
    if (set.Find(k.key_id) != nullptr) return bad(where + ".kid: duplicate key id");
    if (!str("status").empty()) k.status = str("status");
    if (e.contains("not_after")) {
      if (!e["not_after"].is_number_integer()) return bad(where + ".not_after: expected integer");
      k.not_after = e["not_after"].get<int64_t>();
    }
    set.keys.push_back(std::move(k));
  }
  return set;
}

}  // namespace cityid::crypto
