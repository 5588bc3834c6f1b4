#pragma once
// The applicant's view of accesses to their record (core/access_history.h, docs/api.md
// "Access history"): POST /api/v1/access-history, public (no session). Credentials travel in
// the JSON body, never in the URL (URLs end up in logs and browser history): either
// {"card_number", "date_of_birth"} or {"reference", "pin"} of a booking.
//
// Rate-limited per client address like the public booking routes (http/routes_sites.h, the same
// auth::FailureLimiter and limits): every request counts against a per-minute window, and every
// wrong-credentials answer (401 invalid-credentials, whichever part was wrong) against a
// tighter one; over either, 429 booking-rate-limited with Retry-After. The counters are this
// route's own.

#include <vector>

#include "base/clock.h"
#include "base/rng.h"
#include "crypto/keyring.h"
#include "http/internal.h"
#include "http/routes_sites.h"
#include "store/store.h"

namespace cityid::http {

// The access-history route. Borrowed: store, keys, clock and rng must outlive the routes; rng
// must be thread-safe.
std::vector<RouteSpec> HistoryRoutes(store::Store& store, const crypto::Keyring& keys,
                                     const Clock& clock, Rng& rng,
                                     const SiteRouteLimits& limits = {});

}  // namespace cityid::http
