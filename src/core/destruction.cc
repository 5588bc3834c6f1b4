#include "core/destruction.h"

#include <optional>

#include "audit/node_proofs.h"
#include "audit/verify.h"
#include "base/bytes.h"
#include "core/checks.h"
#include "core/ids.h"

namespace cityid::core {
namespace {

constexpr const char* kPending = "pending";
constexpr const char* kExecuted = "executed";
constexpr const char* kExpired = "expired";

// Resolves `admin` (user name or staff id) to an enabled admin account's staff id.
Result<std::string> RequireAdmin(store::Tx& tx, std::string_view admin) {
  if (admin.empty()) return Error(ErrorId::kMissingField, "--actor: the admin's user name");
  CITYID_ASSIGN_OR_RETURN(auto row, tx.GetStaffByUserName(admin));
  if (!row) {
    CITYID_ASSIGN_OR_RETURN(row, tx.GetStaff(admin));
  }
  if (!row) {
    return Error(ErrorId::kStaffNotFound, "no staff account '" + std::string(admin) + "'");
  }
  if (row->role != "admin" || row->disabled) {
    return Error(ErrorId::kRoleNotAllowed,
                 "'" + std::string(admin) + "' is not an enabled admin account");
  }
  return row->id;
}

// Resolves `admin` to an enabled admin account's staff row (as RequireAdmin).
Result<store::StaffRow> RequireAdminRow(store::Tx& tx, std::string_view admin) {
  CITYID_ASSIGN_OR_RETURN(std::string id, RequireAdmin(tx, admin));
  CITYID_ASSIGN_OR_RETURN(auto row, tx.GetStaff(id));
  if (!row) return Error(ErrorId::kStaffNotFound, "no staff account '" + std::string(admin) + "'");
  return std::move(*row);
}

std::string Days(int64_t seconds) { return std::to_string(seconds / (24 * 3600)); }

// The two-person rule asks for two people: refuses (kTwoPersonRule) an approver whose account
// the requester made or took over, or that is too new, or whose second factor is too new, by
// what the staff table and the access log (indexed by subject) say about it.
Status CheckIndependentApprover(store::Tx& tx, const store::StaffRow& approver,
                                const std::string& requester, UnixSeconds requested_at) {
  const UnixSeconds settled_before = requested_at - kApproverCoolingOffSeconds;
  const std::string who = "the approving account '" + approver.user_name + "'";
  CITYID_ASSIGN_OR_RETURN(auto history,
                          tx.AuditBySubject(approver.id, kMaxApproverHistoryEntries));
  if (history.size() >= kMaxApproverHistoryEntries) {
    return Error(ErrorId::kTwoPersonRule,
                 who + " has too many access-log entries to check that it is independent of the "
                       "requester; another admin must approve");
  }
  // Who first (the more telling reason), then when.
  for (const auto& r : history) {
    const audit::Entry& e = r.entry;
    if (e.action == "staff.create" && e.actor == requester) {
      return Error(ErrorId::kTwoPersonRule,
                   who + " was created by the admin who requested destruction; an admin "
                         "account made by someone else must approve");
    }
    if (e.action == "staff.reset_totp" && e.actor == requester) {
      return Error(ErrorId::kTwoPersonRule,
                   who + " had its one-time code reset by the admin who requested destruction; "
                         "another admin must approve");
    }
  }
  if (approver.created_at > settled_before) {
    return Error(ErrorId::kTwoPersonRule,
                 who + " was created less than " + Days(kApproverCoolingOffSeconds) +
                     " days before the request; a longer-standing admin must approve");
  }
  for (const auto& r : history) {
    const audit::Entry& e = r.entry;
    if ((e.action == "staff.reset_totp" || e.action == "staff.totp_confirm") &&
        e.at > settled_before) {
      return Error(ErrorId::kTwoPersonRule,
                   who + " had its one-time code reset or enrolled less than " +
                       Days(kApproverCoolingOffSeconds) +
                       " days before the request; another admin must approve");
    }
  }
  return Status::Ok();
}

Status AppendEntry(store::Tx& tx, UnixSeconds at, const std::string& actor,
                   const std::string& action, const std::string& subject,
                   const std::string& reason) {
  return tx.AppendAudit(audit::Entry{at, actor, "admin", "", action, subject, reason}).status();
}

}  // namespace

Result<std::vector<store::DestructionRequestRow>> RecentDestructionRequests(
    store::Store& store, UnixSeconds since, int64_t max_scanned) {
  std::vector<store::DestructionRequestRow> out;
  CITYID_RETURN_IF_ERROR(store.Read([&](store::Tx& tx) -> Status {
    CITYID_ASSIGN_OR_RETURN(int64_t size, tx.AuditSize());
    const int64_t stop = size > max_scanned ? size - max_scanned : 0;
    constexpr int64_t kPage = 1000;
    for (int64_t end = size; end > stop;) {
      const int64_t from = end - kPage > stop ? end - kPage : stop;
      CITYID_ASSIGN_OR_RETURN(auto rows, tx.ReadAudit(from, static_cast<size_t>(end - from)));
      bool older = false;
      for (auto it = rows.rbegin(); it != rows.rend(); ++it) {
        if (it->entry.at < since) {
          older = true;  // entries are appended in time order
          break;
        }
        if (it->entry.action != "keys.destroy.request") continue;
        CITYID_ASSIGN_OR_RETURN(auto row, tx.GetDestructionRequest(it->entry.subject));
        if (row) out.push_back(std::move(*row));
      }
      if (older) break;
      end = from;
    }
    return Status::Ok();
  }));
  return out;
}

Result<DestructionRequest> RequestDestruction(store::Store& store, const Clock& clock, Rng& rng,
                                              std::string_view admin, std::string_view reason,
                                              int64_t window_seconds) {
  if (reason.empty()) return Error(ErrorId::kMissingField, "--reason is required");
  if (reason.size() > kMaxDestructionReasonBytes) {
    return Error(ErrorId::kFieldTooLong, "reason: at most 500 bytes");
  }
  if (!IsValidUtf8(reason)) return Error(ErrorId::kInvalidUtf8, "reason is not valid UTF-8");
  // The second admin reads the reason in the console and the auditor in the log: no control
  // characters or bidirectional overrides that would make it read otherwise.
  CITYID_RETURN_IF_ERROR(CheckText("reason", reason, kMaxDestructionReasonBytes, true));
  if (window_seconds <= 0) {
    return Error(ErrorId::kInvalidArgument, "the approval window must be positive");
  }
  DestructionRequest out;
  out.id = NewId("dst_", rng);
  out.requested_at = clock.Now();
  out.expires_at = out.requested_at + window_seconds;
  CITYID_RETURN_IF_ERROR(store.Write([&](store::Tx& tx) -> Status {
    CITYID_ASSIGN_OR_RETURN(out.requested_by, RequireAdmin(tx, admin));
    store::DestructionRequestRow row{out.id, out.requested_by, std::string(reason),
                                     out.requested_at, kPending, "", 0};
    CITYID_RETURN_IF_ERROR(tx.InsertDestructionRequest(row));
    CITYID_RETURN_IF_ERROR(AppendEntry(tx, out.requested_at, out.requested_by,
                                       "keys.destroy.request", out.id, std::string(reason)));
    return tx.ExtendAuditNodes().status();
  }));
  return out;
}

Result<DestructionOutcome> ApproveDestruction(store::Store& store, crypto::Keyring& keys,
                                              const Clock& clock, Rng& rng,
                                              std::string_view admin, std::string_view request_id,
                                              int64_t window_seconds) {
  DestructionOutcome out;
  out.request_id = std::string(request_id);
  const UnixSeconds now = clock.Now();
  bool expired = false;
  Status s = store.Write([&](store::Tx& tx) -> Status {
    CITYID_ASSIGN_OR_RETURN(store::StaffRow approver, RequireAdminRow(tx, admin));
    out.approved_by = approver.id;
    CITYID_ASSIGN_OR_RETURN(auto req, tx.GetDestructionRequest(request_id));
    if (!req) {
      return Error(ErrorId::kDestructionRequestNotFound,
                   "no destruction request '" + std::string(request_id) + "'");
    }
    out.requested_by = req->requested_by;
    if (req->state != kPending) {
      return Error(ErrorId::kFailedPrecondition,
                   "destruction request " + req->id + " is already " + req->state);
    }
    if (req->requested_by == out.approved_by) {
      return Error(ErrorId::kTwoPersonRule,
                   "the admin who requested destruction cannot approve it; a different admin "
                   "must");
    }
    CITYID_RETURN_IF_ERROR(
        CheckIndependentApprover(tx, approver, req->requested_by, req->requested_at));
    if (now > req->requested_at + window_seconds || now < req->requested_at) {
      // Commit the expiry (and its entry) so the request cannot be revived; report afterwards.
      expired = true;
      req->state = kExpired;
      req->decided_at = now;
      CITYID_RETURN_IF_ERROR(tx.UpdateDestructionRequest(*req));
      CITYID_RETURN_IF_ERROR(
          AppendEntry(tx, now, out.approved_by, "keys.destroy.expired", req->id, ""));
      return tx.ExtendAuditNodes().status();
    }
    req->state = kExecuted;
    req->approved_by = out.approved_by;
    req->decided_at = now;
    CITYID_RETURN_IF_ERROR(tx.UpdateDestructionRequest(*req));
    CITYID_RETURN_IF_ERROR(AppendEntry(tx, now, out.approved_by, "keys.destroy", req->id,
                                       "approved; requested by " + req->requested_by));
    // The final signed head covers every entry, this one included. Its root comes from the
    // stored nodes (O(log n)); `cityid audit verify` rechecks it against every leaf.
    CITYID_ASSIGN_OR_RETURN(int64_t size, tx.AuditSize());
    CITYID_RETURN_IF_ERROR(tx.ExtendAuditNodes().status());
    audit::FunctionNodeSource nodes(static_cast<uint64_t>(size), [&tx](int level, uint64_t index) {
      return tx.GetAuditNode(level, static_cast<int64_t>(index));
    });
    CITYID_ASSIGN_OR_RETURN(audit::Hash root,
                            audit::NodeTree(nodes).RootAt(static_cast<uint64_t>(size)));
    CITYID_ASSIGN_OR_RETURN(out.final_head, audit::SignTreeHead(keys.log_signer(),
                                                                static_cast<uint64_t>(size), now,
                                                                root));
    CITYID_RETURN_IF_ERROR(tx.AppendTreeHead(out.final_head));
    // Last: if this fails the transaction rolls back and nothing claims the keys are gone.
    CITYID_ASSIGN_OR_RETURN(out.destroyed_files, keys.DestroyDataKeys(rng));
    return Status::Ok();
  });
  if (!s.ok()) return s;
  if (expired) {
    return Error(ErrorId::kDestructionWindowExpired,
                 "destruction request " + out.request_id + " was not approved within " +
                     std::to_string(window_seconds / 60) + " minutes; make a new request");
  }
  return out;
}

Result<crypto::Keyring::SealInfo> SplitDataKeys(
    store::Store& store, crypto::Keyring& keys, const Clock& clock, Rng& rng,
    std::string_view admin, int threshold, int count,
    const std::function<Status(const std::vector<crypto::Share>&)>& deliver) {
  crypto::Keyring::SealInfo info;
  Bytes split_id(crypto::kSplitIdBytes);
  rng.Fill(split_id);
  CITYID_RETURN_IF_ERROR(store.Write([&](store::Tx& tx) -> Status {
    CITYID_ASSIGN_OR_RETURN(const std::string by, RequireAdmin(tx, admin));
    CITYID_RETURN_IF_ERROR(AppendEntry(tx, clock.Now(), by, "keys.split",
                                       Base64UrlEncode(split_id),
                                       std::to_string(threshold) + "-of-" +
                                           std::to_string(count)));
    CITYID_RETURN_IF_ERROR(tx.ExtendAuditNodes().status());
    // Last: if sealing fails the entry rolls back and the keys stay as they were.
    CITYID_RETURN_IF_ERROR(keys.SealDataKeys(split_id, threshold, count, rng, deliver));
    info = *keys.seal_info();
    return Status::Ok();
  }));
  // The split is in force and logged; what is left is removing what it replaces.
  if (Status s = keys.FinishSeal(rng); !s.ok()) {
    return Error(s.id(), "split " + info.split_id + " is in force and logged, and its shares are "
                         "valid, but the old key files could not be removed (" + s.message() +
                         "); the next command given the shares removes them");
  }
  return info;
}

}  // namespace cityid::core
