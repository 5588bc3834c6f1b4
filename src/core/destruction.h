#pragma once
// Emergency destruction of the key-encryption key under the two-person rule (issue 6;
// docs/operations.md "Emergency key destruction").
//
// One admin records a request (RequestDestruction); a DIFFERENT admin approves it within the
// window (ApproveDestruction). Only then are the KEK and the blind-index key destroyed
// (crypto::Keyring::DestroyDataKeys: overwrite, fsync, unlink), after which every person record
// in the store is ciphertext under data keys wrapped by a key that no longer exists. The
// approval writes a final audit entry and a signed tree head in the same transaction; the
// request itself is audited when made. A second approval by the requester, an approval after the
// window, or of a request already decided changes nothing on disk but the request's state.
//
// Pending requests live in the store (table destruction_requests, schema v7), not in DATA/keys:
// they are audited state like any other, survive restarts, and carry no secret.
//
// Who is an admin: an enabled staff account with role admin (store staff table, `cityid staff
// add --role admin`), named by its user name or its staff id.

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/merkle.h"
#include "base/clock.h"
#include "base/rng.h"
#include "base/status.h"
#include "crypto/keyring.h"
#include "store/store.h"

namespace cityid::core {

// How long a request may wait for its second approval.
inline constexpr int64_t kDefaultDestructionWindowSeconds = 15 * 60;
inline constexpr size_t kMaxDestructionReasonBytes = 500;
// The two-person rule asks for two PEOPLE, not two accounts: an approver's account must be at
// least this old at the time of the request, and its second factor must not have been
// (re-)enrolled within this period before the request (or since), so that an account made or
// taken over on the spot cannot approve (docs/operations.md "Emergency key destruction").
inline constexpr int64_t kApproverCoolingOffSeconds = 7 * 24 * 3600;
// At most this many access-log entries about the approver's account (its subject index: staff
// creation, TOTP resets and confirmations, disabling) are read to check it; an account with
// more cannot approve (the check would be incomplete).
inline constexpr size_t kMaxApproverHistoryEntries = 1000;

struct DestructionRequest {
  std::string id;               // "dst_" + random
  std::string requested_by;     // staff id of the first admin
  UnixSeconds requested_at = 0;
  UnixSeconds expires_at = 0;   // requested_at + window
};

struct DestructionOutcome {
  std::string request_id;
  std::string requested_by;     // staff ids
  std::string approved_by;
  std::vector<std::string> destroyed_files;
  audit::SignedTreeHead final_head;  // covers the final "keys.destroy" entry
};

// Records a pending request by admin `admin` (user name or staff id) with a non-empty `reason`
// (<= 500 bytes, UTF-8, no personal data), and its audit entry ("keys.destroy.request").
// Fails, writing nothing, with kMissingField / kFieldTooLong / kInvalidUtf8 (reason),
// kStaffNotFound (no such account), kRoleNotAllowed (not an enabled admin), or store errors.
Result<DestructionRequest> RequestDestruction(store::Store& store, const Clock& clock, Rng& rng,
                                              std::string_view admin, std::string_view reason,
                                              int64_t window_seconds =
                                                  kDefaultDestructionWindowSeconds);

// Approves request `request_id` as admin `admin` and, if every check passes, destroys the data
// keys of `keys` (its folder on disk and its copies in memory). In one store transaction:
// marks the request executed, appends the final audit entry ("keys.destroy", subject the request
// id), extends the stored Merkle nodes and signs a tree head over the whole log with the log
// key, then destroys the keys; if destruction fails the transaction rolls back (and the
// in-memory keys are wiped anyway).
// Fails, destroying nothing, with: kStaffNotFound / kRoleNotAllowed (approver not an enabled
// admin), kDestructionRequestNotFound, kTwoPersonRule (approver is the requester),
// kDestructionWindowExpired (now > requested_at + window_seconds; the request is marked expired
// and that is audited), kFailedPrecondition (request already executed or expired), kKeysMissing
// (the KEK is already gone), kIo.
// REQUIRES: `keys` was loaded from the data folder whose store this is.
Result<DestructionOutcome> ApproveDestruction(store::Store& store, crypto::Keyring& keys,
                                              const Clock& clock, Rng& rng,
                                              std::string_view admin, std::string_view request_id,
                                              int64_t window_seconds =
                                                  kDefaultDestructionWindowSeconds);

// The destruction requests made at or after `since` (their "keys.destroy.request" entries in
// the access log, newest first, found by reading the log backwards over at most `max_scanned`
// entries), each as the store holds it now (pending, executed or expired). A pending request
// past its window is still "pending" in the store until someone tries to approve it; callers
// compare requested_at + window with the clock. Writes nothing; store errors only.
Result<std::vector<store::DestructionRequestRow>> RecentDestructionRequests(
    store::Store& store, UnixSeconds since, int64_t max_scanned = 100000);

// Splits the data keys k-of-n among officers (crypto::Keyring::SealDataKeys; docs/operations.md
// "Splitting the data keys"), so that no single person holding the data folder can decrypt it
// offline. `admin` must be an enabled admin account. `deliver` receives the shares before the
// sealed file replaces kek.key (see SealDataKeys). In one transaction: the "keys.split" audit
// entry (subject the split id, reason "k-of-n") is appended, then the keys are sealed last; if
// sealing fails the entry rolls back. After the commit, FinishSeal removes what the split
// replaces; if that fails the error says so and the split stays in force (keys.seal_info()
// names it: its shares must be kept). Returns the split.
Result<crypto::Keyring::SealInfo> SplitDataKeys(
    store::Store& store, crypto::Keyring& keys, const Clock& clock, Rng& rng,
    std::string_view admin, int threshold, int count,
    const std::function<Status(const std::vector<crypto::Share>&)>& deliver);

}  // namespace cityid::core
