#include "audit/verify.h"

namespace cityid::audit {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

std::string Hex(const Hash& h) { return HexEncode(ByteView(h)); }

// JSON access helpers: library exceptions stay here (STYLE: caught in the adapter).
Result<const json*> Member(const json& obj, const char* name, const std::string& where) {
  if (!obj.is_object() || !obj.contains(name)) {
    return Error(ErrorId::kMissingField, where + "." + name + " missing");
  }
  return &obj.at(name);
}

Result<std::string> Text(const json& obj, const char* name, const std::string& where) {
  CITYID_ASSIGN_OR_RETURN(const json* m, Member(obj, name, where));
  if (!m->is_string()) return Error(ErrorId::kMalformedJson, where + "." + name + " must be text");
  return m->get<std::string>();
}

Result<int64_t> Int(const json& obj, const char* name, const std::string& where) {
  CITYID_ASSIGN_OR_RETURN(const json* m, Member(obj, name, where));
  if (!m->is_number_integer()) {
    return Error(ErrorId::kMalformedJson, where + "." + name + " must be an integer");
  }
  return m->get<int64_t>();
}

Result<Hash> HexHash(const json& obj, const char* name, const std::string& where) {
  CITYID_ASSIGN_OR_RETURN(std::string text, Text(obj, name, where));
  auto raw = HexDecode(text);
  if (!raw.ok() || raw->size() != kHashBytes) {
    return Error(ErrorId::kMalformedJson, where + "." + name + " must be 64 hex digits");
  }
  return ToHash(*raw);
}

Result<json> ParseObject(std::string_view text, const char* format) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return Error(ErrorId::kMalformedJson, std::string(format) + ": not a JSON object");
  }
  if (j.contains("format") && (!j["format"].is_string() || j["format"] != format)) {
    return Error(ErrorId::kMalformedJson, std::string("format must be ") + format);
  }
  return j;
}

}  // namespace

Result<SignedTreeHead> SignTreeHead(const crypto::Signer& log_key, uint64_t tree_size,
                                    UnixSeconds timestamp, const Hash& root_hash) {
  SignedTreeHead h;
  h.tree_size = tree_size;
  h.timestamp = timestamp;
  h.root_hash = root_hash;
  h.key_id = log_key.key_id();
  CITYID_ASSIGN_OR_RETURN(h.signature,
                          log_key.Sign(TreeHeadSigningInput(tree_size, timestamp, root_hash)));
  return h;
}

bool VerifyTreeHeadSignature(const SignedTreeHead& head, ByteView log_public_key) {
  if (head.key_id != crypto::KeyIdFor(log_public_key)) return false;
  return crypto::VerifyEd25519(log_public_key,
                               TreeHeadSigningInput(head.tree_size, head.timestamp, head.root_hash),
                               head.signature);
}

Status LogVerifier::FailEntry(int64_t seq, const std::string& why) {
  failed_seq_ = seq;
  failure_ = Error(ErrorId::kStoreCorrupt, "audit log entry " + std::to_string(seq) + ": " + why);
  return failure_;
}

Status LogVerifier::FailHead(size_t index, const SignedTreeHead& h, const std::string& why) {
  failed_head_ = index;
  failure_ = Error(ErrorId::kStoreCorrupt, "tree head " + std::to_string(index) + " (size " +
                                               std::to_string(h.tree_size) + "): " + why);
  return failure_;
}

Status LogVerifier::AddEntry(const LogEntry& e) {
  if (!failure_.ok()) return failure_;
  const auto expected = static_cast<int64_t>(tree_.size());
  if (e.seq != expected) {
    if (e.seq > expected) {
      return FailEntry(expected, "missing (the next stored entry is " + std::to_string(e.seq) +
                                     "): an entry was deleted");
    }
    return FailEntry(e.seq, "out of sequence after entry " + std::to_string(expected - 1) +
                                ": an entry was inserted or reordered");
  }
  auto stored = ToHash(e.leaf_hash);
  if (!stored.ok()) return FailEntry(e.seq, "stored leaf hash is not 32 bytes");
  const Bytes recomputed = LeafHash(e.entry);
  if (recomputed != e.leaf_hash) {
    return FailEntry(e.seq, "fields do not match the stored leaf hash: the entry was altered");
  }
  tree_.Append(*stored);
  return Status::Ok();
}

Status LogVerifier::Finish(const std::vector<SignedTreeHead>& heads) {
  if (!failure_.ok()) return failure_;
  const SignedTreeHead* prev = nullptr;
  for (size_t i = 0; i < heads.size(); ++i) {
    const SignedTreeHead& h = heads[i];
    if (!VerifyTreeHeadSignature(h, log_public_key_)) {
      return FailHead(i, h, "signature does not verify under the log key");
    }
    if (h.tree_size > tree_.size()) {
      return FailHead(i, h,
                      "covers " + std::to_string(h.tree_size) + " entries but the log has " +
                          std::to_string(tree_.size()) + ": entries were deleted");
    }
    if (prev != nullptr && h.tree_size < prev->tree_size) {
      return FailHead(i, h,
                      "smaller than the previous head (" + std::to_string(prev->tree_size) +
                          "): heads were reordered or the log was truncated");
    }
    const Hash root = *tree_.RootAt(h.tree_size);
    if (root != h.root_hash) {
      return FailHead(i, h,
                      "root hash does not match the entries: an entry among the first " +
                          std::to_string(h.tree_size) +
                          " was altered, inserted, removed or reordered");
    }
    if (prev != nullptr) {
      auto proof = tree_.ConsistencyProof(prev->tree_size, h.tree_size);
      if (!proof.ok() ||
          !VerifyConsistency(prev->tree_size, h.tree_size, prev->root_hash, h.root_hash, *proof)) {
        return FailHead(i, h, "not consistent with the previous head");
      }
    }
    prev = &h;
  }
  return Status::Ok();
}

// ---- JSON ----

ordered_json EntryToJson(const LogEntry& e) {
  return ordered_json{{"seq", e.seq},
                      {"at", e.entry.at},
                      {"actor", e.entry.actor},
                      {"role", e.entry.role},
                      {"site", e.entry.site},
                      {"action", e.entry.action},
                      {"subject", e.entry.subject},
                      {"reason", e.entry.reason},
                      {"leaf_hash", HexEncode(e.leaf_hash)}};
}

Result<std::vector<LogEntry>> ParseEntriesJson(std::string_view text) {
  CITYID_ASSIGN_OR_RETURN(json j, ParseObject(text, "cityid-audit-entries-v1"));
  if (!j.contains("entries") || !j["entries"].is_array()) {
    return Error(ErrorId::kMissingField, "entries must be an array");
  }
  std::vector<LogEntry> out;
  out.reserve(j["entries"].size());
  for (size_t i = 0; i < j["entries"].size(); ++i) {
    const json& o = j["entries"][i];
    const std::string where = "entries[" + std::to_string(i) + "]";
    LogEntry e;
    CITYID_ASSIGN_OR_RETURN(e.seq, Int(o, "seq", where));
    CITYID_ASSIGN_OR_RETURN(e.entry.at, Int(o, "at", where));
    CITYID_ASSIGN_OR_RETURN(e.entry.actor, Text(o, "actor", where));
    CITYID_ASSIGN_OR_RETURN(e.entry.role, Text(o, "role", where));
    CITYID_ASSIGN_OR_RETURN(e.entry.site, Text(o, "site", where));
    CITYID_ASSIGN_OR_RETURN(e.entry.action, Text(o, "action", where));
    CITYID_ASSIGN_OR_RETURN(e.entry.subject, Text(o, "subject", where));
    CITYID_ASSIGN_OR_RETURN(e.entry.reason, Text(o, "reason", where));
    CITYID_ASSIGN_OR_RETURN(Hash leaf, HexHash(o, "leaf_hash", where));
    e.leaf_hash = HashToBytes(leaf);
    out.push_back(std::move(e));
  }
  return out;
}

ordered_json TreeHeadToJson(const SignedTreeHead& h) {
  return ordered_json{{"tree_size", h.tree_size},
                      {"timestamp", h.timestamp},
                      {"root_hash", Hex(h.root_hash)},
                      {"key_id", Base64UrlEncode(h.key_id)},
                      {"signature", Base64UrlEncode(h.signature)}};
}

Result<SignedTreeHead> TreeHeadFromJson(const json& o) {
  const std::string where = "tree_head";
  SignedTreeHead h;
  CITYID_ASSIGN_OR_RETURN(int64_t size, Int(o, "tree_size", where));
  if (size < 0) return Error(ErrorId::kMalformedJson, "tree_size must not be negative");
  h.tree_size = static_cast<uint64_t>(size);
  CITYID_ASSIGN_OR_RETURN(h.timestamp, Int(o, "timestamp", where));
  CITYID_ASSIGN_OR_RETURN(h.root_hash, HexHash(o, "root_hash", where));
  CITYID_ASSIGN_OR_RETURN(std::string kid, Text(o, "key_id", where));
  CITYID_ASSIGN_OR_RETURN(std::string sig, Text(o, "signature", where));
  auto kid_raw = Base64UrlDecode(kid);
  auto sig_raw = Base64UrlDecode(sig);
  if (!kid_raw.ok() || !sig_raw.ok()) {
    return Error(ErrorId::kMalformedJson, "tree_head key_id and signature must be base64url");
  }
  h.key_id = std::move(*kid_raw);
  h.signature = std::move(*sig_raw);
  return h;
}

std::string TreeHeadsToJson(const std::vector<SignedTreeHead>& heads) {
  ordered_json j;
  j["format"] = "cityid-tree-heads-v1";
  j["tree_heads"] = ordered_json::array();
  for (const auto& h : heads) j["tree_heads"].push_back(TreeHeadToJson(h));
  return j.dump(2) + "\n";
}

Result<std::vector<SignedTreeHead>> ParseTreeHeadsJson(std::string_view text) {
  CITYID_ASSIGN_OR_RETURN(json j, ParseObject(text, "cityid-tree-heads-v1"));
  if (!j.contains("tree_heads") || !j["tree_heads"].is_array()) {
    return Error(ErrorId::kMissingField, "tree_heads must be an array");
  }
  std::vector<SignedTreeHead> out;
  for (size_t i = 0; i < j["tree_heads"].size(); ++i) {
    auto h = TreeHeadFromJson(j["tree_heads"][i]);
    if (!h.ok()) return h.status().WithContext("tree_heads[" + std::to_string(i) + "]");
    out.push_back(std::move(*h));
  }
  return out;
}

std::string LogKeyToJson(const crypto::PublicKey& key) {
  ordered_json j{{"kty", "OKP"},
                 {"crv", "Ed25519"},
                 {"alg", "EdDSA"},
                 {"use", "cityid-tree-head"},
                 {"kid", Base64UrlEncode(key.key_id)},
                 {"x", Base64UrlEncode(key.public_key)}};
  return j.dump(2) + "\n";
}

Result<Bytes> ParseLogKeyJson(std::string_view text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return Error(ErrorId::kKeysInvalid, "log key: not a JSON object");
  }
  auto member = [&](const char* name) -> std::string {
    return j.contains(name) && j[name].is_string() ? j[name].get<std::string>() : std::string();
  };
  if (member("kty") != "OKP" || member("crv") != "Ed25519" || member("use") != "cityid-tree-head") {
    return Error(ErrorId::kKeysInvalid,
                 "log key: expected an Ed25519 JWK with use \"cityid-tree-head\"");
  }
  auto x = Base64UrlDecode(member("x"));
  if (!x.ok() || x->size() != crypto::kEd25519PublicKeyBytes) {
    return Error(ErrorId::kKeysInvalid, "log key: x must be a 32-byte base64url key");
  }
  if (member("kid") != Base64UrlEncode(crypto::KeyIdFor(*x))) {
    return Error(ErrorId::kKeysInvalid, "log key: kid does not match x");
  }
  return std::move(*x);
}

ordered_json InclusionProofToJson(int64_t seq, const Hash& leaf_hash, const SignedTreeHead& head,
                                  const std::vector<Hash>& path) {
  ordered_json j;
  j["format"] = "cityid-inclusion-proof-v1";
  j["seq"] = seq;
  j["leaf_hash"] = Hex(leaf_hash);
  j["tree_head"] = TreeHeadToJson(head);
  j["audit_path"] = ordered_json::array();
  for (const Hash& h : path) j["audit_path"].push_back(Hex(h));
  return j;
}

}  // namespace cityid::audit
