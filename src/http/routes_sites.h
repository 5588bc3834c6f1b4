#pragma once
// The sites and appointments routes (core/appointments.h, docs/api.md "Sites and
// appointments"), kept out of server.cc: the server registers the specs SiteRoutes returns
// through its own RBAC-gated dispatcher (http/rbac.h), like the enrollment API's.
//
// Public routes (no session) are rate-limited per client (Call::client: the address, behind a
// trusted proxy the forwarded one): every request counts against a sliding window; wrong
// reference/PIN answers against a tighter one per client and another per booking reference,
// which only the routes that take a PIN check (wrong PINs never block the sites list or
// slots). Over a limit the answer is 429 booking-rate-limited with Retry-After. A client holds
// at most a capped number of live bookings (core::BookingQuota; 429 booking-limit-reached).
// The PIN travels in the X-Booking-PIN header, never in the URL (URLs end up in logs and
// browser history).

#include <nlohmann/json.hpp>
#include <vector>

#include "base/clock.h"
#include "base/rng.h"
#include "crypto/keyring.h"
#include "http/internal.h"
#include "http/server.h"
#include "store/store.h"

namespace cityid::http {

inline constexpr const char* kBookingPinHeader = "X-Booking-PIN";

using SiteRouteLimits = PublicRouteLimits;  // http/server.h

// A site as the API answers it (GET /api/v1/sites and the admin's site routes).
nlohmann::ordered_json SiteJson(const store::SiteRow& r);

// Every site and appointment route. Borrowed: store, keys, clock and rng must outlive the
// routes; rng must be thread-safe. The handlers share their rate-limit state.
std::vector<RouteSpec> SiteRoutes(store::Store& store, const crypto::Keyring& keys,
                                  const Clock& clock, Rng& rng, const SiteRouteLimits& limits = {});

}  // namespace cityid::http
