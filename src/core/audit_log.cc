#include "core/audit_log.h"

#include <string>

#include "audit/node_proofs.h"
#include "audit/verify.h"
#include "base/bytes.h"

namespace cityid::core {

namespace {

// The stored log as a NodeTree of `size` leaves (reads inside `tx`).
audit::FunctionNodeSource Nodes(store::Tx& tx, uint64_t size) {
  return audit::FunctionNodeSource(size, [&tx](int level, uint64_t index) {
    return tx.GetAuditNode(level, static_cast<int64_t>(index));
  });
}

Status Mismatch() {
  return Error(ErrorId::kStoreCorrupt,
               "the stored log does not match its signed tree heads; run: cityid audit verify");
}

}  // namespace

Status ForEachAuditEntry(store::Tx& tx, const std::function<Status(audit::LogEntry)>& fn,
                         int64_t from) {
  constexpr size_t kBatch = 10000;
  while (true) {
    CITYID_ASSIGN_OR_RETURN(auto rows, tx.ReadAudit(from, kBatch));
    if (rows.empty()) return Status::Ok();
    from = rows.back().seq + 1;
    for (auto& r : rows) {
      CITYID_RETURN_IF_ERROR(
          fn(audit::LogEntry{r.seq, std::move(r.entry), std::move(r.leaf_hash)}));
    }
    if (rows.size() < kBatch) return Status::Ok();
  }
}

Status VerifyStoredLog(store::Tx& tx, audit::LogVerifier& verifier, size_t* heads) {
  CITYID_RETURN_IF_ERROR(
      ForEachAuditEntry(tx, [&](audit::LogEntry e) { return verifier.AddEntry(e); }));
  CITYID_ASSIGN_OR_RETURN(auto list, tx.ListTreeHeads());
  if (heads != nullptr) *heads = list.size();
  return verifier.Finish(list);
}

Result<nlohmann::ordered_json> ProveInclusion(store::Tx& tx, uint64_t seq) {
  CITYID_ASSIGN_OR_RETURN(auto head, tx.LatestTreeHead());
  if (!head) {
    return Error(ErrorId::kFailedPrecondition, "no signed tree head yet; run: cityid audit head");
  }
  if (seq >= head->tree_size) {
    return Error(ErrorId::kFailedPrecondition,
                 "entry " + std::to_string(seq) + " is not covered by the latest tree head (" +
                     std::to_string(head->tree_size) + " entries)");
  }
  // Entries newer than the stored nodes are folded from their leaf hashes.
  const auto nodes = Nodes(tx, head->tree_size);
  const audit::NodeTree tree(nodes);
  CITYID_ASSIGN_OR_RETURN(auto leaf, tree.Leaf(seq));
  CITYID_ASSIGN_OR_RETURN(auto path, tree.InclusionProof(seq, head->tree_size));
  if (!audit::VerifyInclusion(leaf, seq, head->tree_size, path, head->root_hash)) return Mismatch();
  return audit::InclusionProofToJson(static_cast<int64_t>(seq), leaf, *head, path);
}

Result<nlohmann::ordered_json> ProveConsistency(store::Tx& tx, uint64_t old_size,
                                                uint64_t new_size) {
  if (old_size == 0 || old_size >= new_size) {
    return Error(ErrorId::kInvalidArgument, "sizes: need 0 < from < to");
  }
  CITYID_ASSIGN_OR_RETURN(auto heads, tx.ListTreeHeads());
  const audit::SignedTreeHead* older = nullptr;
  const audit::SignedTreeHead* newer = nullptr;
  for (const auto& h : heads) {
    if (h.tree_size == old_size) older = &h;
    if (h.tree_size == new_size) newer = &h;
  }
  if (older == nullptr || newer == nullptr) {
    return Error(ErrorId::kNotFound,
                 "no signed tree head of size " + std::to_string(older ? new_size : old_size));
  }
  const auto nodes = Nodes(tx, new_size);
  const audit::NodeTree tree(nodes);
  CITYID_ASSIGN_OR_RETURN(auto proof, tree.ConsistencyProof(old_size, new_size));
  if (!audit::VerifyConsistency(old_size, new_size, older->root_hash, newer->root_hash, proof)) {
    return Mismatch();
  }
  nlohmann::ordered_json j;
  j["format"] = "cityid-consistency-proof-v1";
  j["old_tree_head"] = audit::TreeHeadToJson(*older);
  j["new_tree_head"] = audit::TreeHeadToJson(*newer);
  j["proof"] = nlohmann::ordered_json::array();
  for (const auto& h : proof) j["proof"].push_back(HexEncode(audit::HashToBytes(h)));
  return j;
}

Result<std::optional<audit::SignedTreeHead>> SignScheduledTreeHead(store::Store& store,
                                                                   const crypto::Signer& log_key,
                                                                   UnixSeconds now) {
  std::optional<audit::SignedTreeHead> signed_head;
  Status s = store.Write([&](store::Tx& tx) -> Status {
    CITYID_ASSIGN_OR_RETURN(int64_t size, tx.AuditSize());
    CITYID_ASSIGN_OR_RETURN(auto latest, tx.LatestTreeHead());
    if (size <= 0 || (latest && latest->tree_size >= static_cast<uint64_t>(size))) {
      return Status::Ok();
    }
    CITYID_RETURN_IF_ERROR(tx.ExtendAuditNodes().status());
    const auto nodes = Nodes(tx, static_cast<uint64_t>(size));
    const audit::NodeTree tree(nodes);
    CITYID_ASSIGN_OR_RETURN(auto root, tree.RootAt(static_cast<uint64_t>(size)));
    CITYID_ASSIGN_OR_RETURN(auto head,
                            audit::SignTreeHead(log_key, static_cast<uint64_t>(size), now, root));
    CITYID_RETURN_IF_ERROR(tx.AppendTreeHead(head));
    signed_head = std::move(head);
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return signed_head;
}

}  // namespace cityid::core
