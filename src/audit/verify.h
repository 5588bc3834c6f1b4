#pragma once
// Signing tree heads and verifying a whole access log (DESIGN §8), and the JSON forms an outside
// auditor receives (docs/audit.md): entries, tree heads, the log public key, inclusion proofs.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/entry.h"
#include "audit/merkle.h"
#include "base/status.h"
#include "crypto/sign.h"

namespace cityid::audit {

// One stored log entry as read back: its claimed position and leaf hash, and its fields.
struct LogEntry {
  int64_t seq = 0;
  Entry entry;
  Bytes leaf_hash;
};

// Signs {tree_size, timestamp, root_hash} with the log key. Fails with the signer's error.
Result<SignedTreeHead> SignTreeHead(const crypto::Signer& log_key, uint64_t tree_size,
                                    UnixSeconds timestamp, const Hash& root_hash);

// True iff `head` carries `log_public_key`'s key id and a valid signature by it.
bool VerifyTreeHeadSignature(const SignedTreeHead& head, ByteView log_public_key);

// Verifies a log streamed entry by entry, then its tree heads. The first failure is reported
// with kStoreCorrupt (exit 7) and a message naming the entry seq or the head; later calls keep
// returning it. Memory: 32 bytes per entry plus the cached subtrees (merkle.h). Not thread-safe.
class LogVerifier {
 public:
  explicit LogVerifier(Bytes log_public_key) : log_public_key_(std::move(log_public_key)) {}

  // Feeds the next entry, in stored order. Checks that its seq is the next one (0, 1, 2, ...: a
  // gap is a deleted entry, a repeat an inserted one) and that its stored leaf hash is the RFC
  // 6962 leaf hash of its fields (audit::LeafHash).
  Status AddEntry(const LogEntry& e);
  // After the last entry: checks each head in order: signed by the log key, its size within the
  // log, its root equal to the recomputed root of that many entries, and consistent (RFC 6962
  // §2.1.2, proof generated and verified) with the previous head. Sizes must not decrease.
  Status Finish(const std::vector<SignedTreeHead>& heads);

  uint64_t entries() const { return tree_.size(); }
  // The tree of the entries accepted so far (for signing a head or serving proofs after a
  // successful verification).
  const MerkleTree& tree() const { return tree_; }
  // Where the first failure was, if any.
  std::optional<int64_t> failed_seq() const { return failed_seq_; }
  std::optional<size_t> failed_head() const { return failed_head_; }

 private:
  Status FailEntry(int64_t seq, const std::string& why);
  Status FailHead(size_t index, const SignedTreeHead& h, const std::string& why);
  Bytes log_public_key_;
  MerkleTree tree_;
  Status failure_;
  std::optional<int64_t> failed_seq_;
  std::optional<size_t> failed_head_;
};

// ---- JSON forms (hashes as lowercase hex, key ids and signatures as base64url) ----

// {"format": "cityid-audit-entries-v1", "entries": [{"seq", "at", "actor", "role", "site",
//  "action", "subject", "reason", "leaf_hash"}...]}
nlohmann::ordered_json EntryToJson(const LogEntry& e);
// Strict: fails with kMalformedJson / kMissingField naming the offending member.
Result<std::vector<LogEntry>> ParseEntriesJson(std::string_view text);

// {"tree_size", "timestamp", "root_hash", "key_id", "signature"}
nlohmann::ordered_json TreeHeadToJson(const SignedTreeHead& h);
Result<SignedTreeHead> TreeHeadFromJson(const nlohmann::json& j);
// {"format": "cityid-tree-heads-v1", "tree_heads": [...]}
std::string TreeHeadsToJson(const std::vector<SignedTreeHead>& heads);
Result<std::vector<SignedTreeHead>> ParseTreeHeadsJson(std::string_view text);

// The log public key, as a JWK: {"kty":"OKP","crv":"Ed25519","alg":"EdDSA",
// "use":"cityid-tree-head","kid":"<base64url>","x":"<base64url>"}.
std::string LogKeyToJson(const crypto::PublicKey& key);
// Returns the 32-byte public key; checks that kid matches x. Fails with kKeysInvalid.
Result<Bytes> ParseLogKeyJson(std::string_view text);

// {"format": "cityid-inclusion-proof-v1", "seq", "leaf_hash", "tree_head": {...},
//  "audit_path": ["<hex>", ...]}
nlohmann::ordered_json InclusionProofToJson(int64_t seq, const Hash& leaf_hash,
                                            const SignedTreeHead& head,
                                            const std::vector<Hash>& path);

}  // namespace cityid::audit
