#pragma once
// The admin console's records and keys routes (issue 17, docs/api.md "Records and keys"):
//
//   GET  /api/v1/holds                             legal holds in force (no notes)
//   GET  /api/v1/retention                         what the retention job would do now
//   POST /api/v1/retention/run                     run it now (core::PurgeExpired)
//   GET  /api/v1/keys/status                       public facts about the keys, never material
//   GET  /api/v1/destruction-requests              recent emergency-destruction requests
//   POST /api/v1/destruction-requests              first admin: request (core::RequestDestruction)
//   POST /api/v1/destruction-requests/{id}/approve second admin: approve and destroy
//
// Emergency destruction in a running server: the approval runs through `KeysGate::approve`,
// which the server carries out with every other request that could use the data keys held
// off (an exclusive lock), so no handler reads the KEK while it is being wiped. From then on
// the server answers every route that needs the data keys with 409 keys-missing ("the data
// keys were destroyed") and keeps serving what needs no data key: card verification and the
// issuer keys, status lists, the access log and its proofs, the transparency report, the
// data-request register. Staff cannot sign in any more (TOTP secrets were sealed under the
// KEK); sessions already open continue until they end.

#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/rng.h"
#include "base/status.h"
#include "core/destruction.h"
#include "crypto/keyring.h"
#include "http/internal.h"
#include "policy/policy.h"
#include "store/store.h"

namespace cityid::http {

struct KeysGate {
  // Approves request `request_id` as admin `staff_id` (core::ApproveDestruction) with the
  // server's keyring held exclusively. kFailedPrecondition when this server cannot destroy
  // keys (ServerConfig::destructible_keys is null).
  std::function<Result<core::DestructionOutcome>(std::string_view staff_id,
                                                 std::string_view request_id)>
      approve;
  // True once the data keys are destroyed.
  std::function<bool()> destroyed;
  // Called after a retention run changed card states (reloads the status list cache).
  std::function<void()> status_changed;
};

// Borrowed: store, keys, policy, clock and rng must outlive the routes; rng must be
// thread-safe. Fails with kInternal when ICU cannot be loaded (core's context).
Result<std::vector<RouteSpec>> RecordsRoutes(store::Store& store, const crypto::Keyring& keys,
                                             const policy::Policy& policy, const Clock& clock,
                                             Rng& rng, KeysGate gate);

// Whether a route (method + pattern) still answers once the data keys are destroyed: it needs
// no data key (see the header comment).
bool ServedAfterKeyDestruction(std::string_view method, std::string_view pattern);

}  // namespace cityid::http
