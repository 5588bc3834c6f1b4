#pragma once
// The access log as served and kept up: proofs from the stored log (the CLI's `cityid audit
// proof`, the API's /api/v1/audit/proof and /api/v1/audit/consistency) and the tree heads
// `cityid serve` signs on a schedule. Proofs come from stored subtree hashes in O(log n) reads
// (docs/audit.md "Proof storage") and are checked against the signed heads before they are
// handed out: a proof that does not verify is a corrupt store, never an answer.

#include <cstdint>
#include <functional>
#include <limits>
#include <optional>

#include <nlohmann/json.hpp>

#include "audit/merkle.h"
#include "audit/verify.h"
#include "base/clock.h"
#include "base/status.h"
#include "crypto/sign.h"
#include "store/store.h"

namespace cityid::core {

// Streams every stored entry from seq `from` on, in seq order, into `fn` (which may stop by
// failing), in batches. By default the first batch starts below zero, so that a row with a
// negative seq (an attacker's) is seen, not skipped.
Status ForEachAuditEntry(store::Tx& tx, const std::function<Status(audit::LogEntry)>& fn,
                         int64_t from = std::numeric_limits<int64_t>::min());

// What `cityid audit verify --data DIR` checks, inside `tx`: every stored entry against its leaf
// hash and its place (no gap, no repeat), then every stored tree head (signature by the
// verifier's log key, root, consistency with the previous head). On success `verifier` holds
// the whole tree and `*heads` the number of heads; a failure is kStoreCorrupt, with the entry or
// head in verifier.failed_seq() / failed_head().
Status VerifyStoredLog(store::Tx& tx, audit::LogVerifier& verifier, size_t* heads);

// Inclusion proof of entry `seq` in the latest signed tree head (audit::InclusionProofToJson).
// kFailedPrecondition when there is no head yet or the head does not cover `seq`.
Result<nlohmann::ordered_json> ProveInclusion(store::Tx& tx, uint64_t seq);

// Consistency proof between the signed heads of sizes `old_size` < `new_size` (RFC 6962 §2.1.2):
// {"format": "cityid-consistency-proof-v1", "old_tree_head", "new_tree_head", "proof": [hex]}.
// kNotFound when either size is not that of a signed head; kInvalidArgument unless
// 0 < old_size < new_size.
Result<nlohmann::ordered_json> ProveConsistency(store::Tx& tx, uint64_t old_size,
                                                uint64_t new_size);

// The scheduled head: when the log has grown since the latest signed head, brings the stored
// subtree hashes up to date and signs and stores a head over them, in one write transaction.
// Returns nullopt when there is nothing new to sign. It does not re-verify every entry (that is
// `cityid audit head` and `cityid audit verify`, which catch an entry altered before signing).
Result<std::optional<audit::SignedTreeHead>> SignScheduledTreeHead(store::Store& store,
                                                                   const crypto::Signer& log_key,
                                                                   UnixSeconds now);

}  // namespace cityid::core
