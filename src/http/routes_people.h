#pragma once
// The admin console's routes for staff and sites (issue 17, docs/api.md "Staff console:
// staff and sites"): resetting a staff member's TOTP, editing a site and its closures. Kept out
// of server.cc and routes_sites.cc; the server registers the specs through its RBAC-gated
// dispatcher (http/rbac.h), like the other route files.

#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/rng.h"
#include "base/status.h"
#include "crypto/keyring.h"
#include "http/internal.h"
#include "store/store.h"

namespace cityid::http {

// POST /api/v1/staff/{user}/reset-totp, PUT /api/v1/sites/{id},
// POST /api/v1/sites/{id}/closures, DELETE /api/v1/sites/{id}/closures/{date}. Borrowed: all
// must outlive the routes.
std::vector<RouteSpec> PeopleRoutes(store::Store& store, const crypto::Keyring& keys,
                                    const Clock& clock, Rng& rng);

// `text` as a QR code (error correction M) in a self-contained SVG document: black modules on
// a white square with the 4-module quiet zone, one <path>, no script or external reference, so
// a page may show it as an <img> from a data: URL. kInvalidArgument when it does not fit.
Result<std::string> QrSvg(std::string_view text);

}  // namespace cityid::http
