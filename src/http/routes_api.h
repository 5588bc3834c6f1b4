#pragma once
// The staff enrollment API under /api/v1 (issue 4, docs/api.md): applications, cards, persons,
// audit, reports, the data-request register and legal holds. Every handler validates its input
// at the edge (strict JSON, bounded strings, ids of a fixed alphabet) and changes state only by
// calling core (core/workflow.h, core/register.h), which checks the actor's role and writes the
// change with its audit entry in one transaction. The actor is always the session's staff member.

#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "base/clock.h"
#include "base/rng.h"
#include "base/status.h"
#include "core/workflow.h"
#include "crypto/keyring.h"
#include "dedup/name_normalizer.h"
#include "http/internal.h"
#include "policy/policy.h"
#include "store/store.h"

namespace cityid::http {

// Largest POST /api/v1/applications body: the applicant JSON with a photo of up to 5 MiB in
// base64 (4/3 of it) and room for the rest.
inline constexpr size_t kMaxApplicationBodyBytes = 7 * 1024 * 1024 + 64 * 1024;

class EnrollmentApi {
 public:
  // Borrowed: store, keys, policy, clock and rng outlive the API; `rng` must be thread-safe.
  // `status_changed` is called after a card's status bit changed (revoke, renew, replace) so the
  // server's cached revocation list is reloaded. kInternal when ICU cannot be loaded.
  static Result<std::unique_ptr<EnrollmentApi>> Create(store::Store& store,
                                                       const crypto::Keyring& keys,
                                                       const policy::Policy& policy,
                                                       const Clock& clock, Rng& rng,
                                                       std::function<void()> status_changed);

  // The routes, each with an RBAC entry in http/rbac.cc and a path in openapi.json.
  std::vector<RouteSpec> Routes();

 private:
  EnrollmentApi(store::Store& store, const crypto::Keyring& keys, const policy::Policy& policy,
                const Clock& clock, Rng& rng, std::unique_ptr<dedup::NameNormalizer> names,
                std::function<void()> status_changed);

  // Runs `fn` with the core context; serialized, because the name normalizer is not
  // thread-safe (store writes are serialized anyway).
  template <typename F>
  auto WithCore(F&& fn) {
    std::lock_guard lock(core_mu_);
    return fn(ctx_);
  }

  Reply CreateApplication(const Call& c);
  Reply GetApplication(const Call& c);
  Reply ListApplications(const Call& c);
  Reply ApproveApplication(const Call& c);
  Reply RejectApplication(const Call& c);
  Reply IssueCard(const Call& c);
  Reply ReissueAccessCode(const Call& c);
  Reply GetCard(const Call& c);
  Reply RevokeCard(const Call& c);
  Reply RenewCard(const Call& c);
  Reply ReplaceCard(const Call& c);
  Reply ReadPersonRecord(const Call& c);
  Reply PurgePersonRecord(const Call& c);
  Reply PlaceLegalHold(const Call& c);
  Reply ReleaseLegalHold(const Call& c);
  Reply AuditHead(const Call& c);
  Reply AuditEntries(const Call& c);
  Reply AuditProof(const Call& c);
  Reply AuditConsistency(const Call& c);
  Reply Transparency(const Call& c);
  Reply ListRequests(const Call& c);
  Reply RecordRequest(const Call& c);
  Reply AnswerRequest(const Call& c);

  store::Store& store_;
  const Clock& clock_;
  std::unique_ptr<dedup::NameNormalizer> names_;
  std::function<void()> status_changed_;
  std::mutex core_mu_;
  core::Context ctx_;
};

}  // namespace cityid::http
