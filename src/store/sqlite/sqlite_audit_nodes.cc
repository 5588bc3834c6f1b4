// The audit log's stored Merkle nodes (table audit_nodes, schema v7) and emergency-destruction
// requests (table destruction_requests). See store.h "audit tree nodes" and docs/audit.md.
#include <array>
#include <optional>
#include <utility>

#include "audit/merkle.h"
#include "store/sqlite/sqlite_internal.h"

namespace cityid::store::sqlite_internal {
namespace {

constexpr size_t kLeafBatch = 4096;

}  // namespace

Result<int64_t> SqliteTx::AuditNodesCovered() {
  // Every extension processes whole entries in order, so the level-1 nodes form a prefix; their
  // count, times two, is the covered prefix (an odd last entry completes no node yet).
  auto q = Q("SELECT coalesce(max(idx) + 1, 0) FROM audit_nodes WHERE level = 1");
  CITYID_ASSIGN_OR_RETURN(bool row, q.Step());
  return row ? 2 * q.Int(0) : 0;
}

Result<std::optional<audit::Hash>> SqliteTx::GetAuditNode(int level, int64_t index) {
  if (level < 0 || level >= 64 || index < 0) {
    return Error(ErrorId::kInvalidArgument, "no audit tree node (" + std::to_string(level) + ", " +
                                                std::to_string(index) + ")");
  }
  auto q = level == 0 ? Q("SELECT leaf_hash FROM audit_log WHERE seq = ?")
                      : Q("SELECT hash FROM audit_nodes WHERE level = ? AND idx = ?");
  if (level != 0) q.Bind(level);
  q.Bind(index);
  CITYID_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return std::optional<audit::Hash>();
  auto h = audit::ToHash(q.Blob(0));
  if (!h.ok()) return Error(ErrorId::kStoreCorrupt, "audit tree node is not 32 bytes");
  return std::optional<audit::Hash>(*h);
}

Result<int64_t> SqliteTx::ExtendAuditNodes() {
  CITYID_RETURN_IF_ERROR(RequireWritable());
  CITYID_ASSIGN_OR_RETURN(const int64_t covered, AuditNodesCovered());
  CITYID_ASSIGN_OR_RETURN(const int64_t size, AuditSize());
  if (covered >= size) return covered;
  // The most recent node seen per level: the left sibling of the next node completed at that
  // level is always the previous one there, so resuming reads at most one stored node per level.
  std::array<std::optional<std::pair<int64_t, audit::Hash>>, 64> last;
  auto left_sibling = [&](int level, int64_t index) -> Result<audit::Hash> {
    const auto& l = last[static_cast<size_t>(level)];
    if (l && l->first == index) return l->second;
    CITYID_ASSIGN_OR_RETURN(auto h, GetAuditNode(level, index));
    if (!h) {
      return Error(ErrorId::kStoreCorrupt, "audit tree node (" + std::to_string(level) + ", " +
                                               std::to_string(index) + ") is missing");
    }
    return *h;
  };
  int64_t next = covered;
  while (next < size) {
    CITYID_ASSIGN_OR_RETURN(auto rows, ReadAudit(next, kLeafBatch));
    if (rows.empty()) break;
    for (const auto& r : rows) {
      if (r.seq != next) {
        return Error(ErrorId::kStoreCorrupt,
                     "audit log entry " + std::to_string(next) + " is missing");
      }
      auto leaf = audit::ToHash(r.leaf_hash);
      if (!leaf.ok()) return Error(ErrorId::kStoreCorrupt, "audit log leaf hash is not 32 bytes");
      audit::Hash cur = *leaf;
      int level = 0;
      int64_t index = next;
      last[0] = {index, cur};
      // A right child (odd index) completes its parent.
      while ((index & 1) != 0) {
        CITYID_ASSIGN_OR_RETURN(audit::Hash left, left_sibling(level, index - 1));
        cur = audit::HashChildren(left, cur);
        ++level;
        index >>= 1;
        auto q = Q("INSERT INTO audit_nodes (level, idx, hash) VALUES (?,?,?)");
        q.Bind(level).Bind(index).Bind(ByteView(cur.data(), cur.size()));
        CITYID_RETURN_IF_ERROR(q.Exec());
        last[static_cast<size_t>(level)] = {index, cur};
      }
      ++next;
    }
  }
  return AuditNodesCovered();
}

// ---- emergency destruction requests ----

Status SqliteTx::InsertDestructionRequest(const DestructionRequestRow& r) {
  CITYID_RETURN_IF_ERROR(RequireWritable());
  auto q = Q("INSERT INTO destruction_requests (id, requested_by, reason, requested_at, state, "
             "approved_by, decided_at) VALUES (?,?,?,?,?,?,?)");
  q.Bind(r.id).Bind(r.requested_by).Bind(r.reason).Bind(r.requested_at).Bind(r.state)
      .Bind(r.approved_by).Bind(r.decided_at);
  return q.Exec();
}

Result<std::optional<DestructionRequestRow>> SqliteTx::GetDestructionRequest(std::string_view id) {
  auto q = Q("SELECT id, requested_by, reason, requested_at, state, approved_by, decided_at "
             "FROM destruction_requests WHERE id = ?");
  q.Bind(id);
  CITYID_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return std::optional<DestructionRequestRow>();
  DestructionRequestRow r;
  r.id = q.Text(0);
  r.requested_by = q.Text(1);
  r.reason = q.Text(2);
  r.requested_at = q.Int(3);
  r.state = q.Text(4);
  r.approved_by = q.Text(5);
  r.decided_at = q.Int(6);
  return std::optional<DestructionRequestRow>(std::move(r));
}

Status SqliteTx::UpdateDestructionRequest(const DestructionRequestRow& r) {
  CITYID_RETURN_IF_ERROR(RequireWritable());
  auto q = Q("UPDATE destruction_requests SET state = ?, approved_by = ?, decided_at = ? "
             "WHERE id = ?");
  q.Bind(r.state).Bind(r.approved_by).Bind(r.decided_at).Bind(r.id);
  return ExecChanged(q, "destruction request");
}

}  // namespace cityid::store::sqlite_internal
