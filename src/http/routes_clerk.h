#pragma once
// What the staff console's clerk pages need beyond the enrollment API (issue 17, docs/api.md
// "The clerk's day"):
//
// POST /api/v1/names/latin — the Latin spelling the card will print for a name, shown while the
//   clerk types it. Body {"name": "..."} (one field as typed) answers {"latin", "ascii",
//   "transliterated"}; body {"given": "...", "family": "..."} (the two parts the enrollment takes)
//   answers the same for the full name plus each part. Computed by core::PrintedLatinName, the
//   very function enrollment spells the card's name with, so the preview is what prints. A pure
//   function: nothing is stored, read or logged (not even in the audit log: it names nobody
//   until an enrollment does). Counter roles only (clerk, supervisor, partner, admin). 400 for
//   a name base/names.h refuses (invalid-name, field-too-long...) or one cityid cannot spell in
//   Latin letters (invalid-name: the clerk types the passport's spelling instead).
//
// GET /api/v1/sites/{id}/appointments[?date=YYYY-MM-DD] — the bookings of a site on one local
//   day (default: the site's today) for the counter's list: reference, slot (UTC and the site's
//   local time), state, language and the name to call, decrypted; never the PIN or the contact.
//   core::ListSiteAppointments: clerk, supervisor, admin, and a partner for its own site only
//   (another site answers 404 site-not-found, exactly like a missing one); each listed booking
//   is logged as an access (appointment.read). Cache-Control: no-store.

#include <memory>
#include <vector>

#include "base/clock.h"
#include "base/rng.h"
#include "base/status.h"
#include "crypto/keyring.h"
#include "http/internal.h"
#include "store/store.h"

namespace cityid::http {

// The clerk's routes. Borrowed: store, keys, clock and rng must outlive the routes; rng must be
// thread-safe. Fails with kInternal when ICU cannot be loaded.
Result<std::vector<RouteSpec>> ClerkRoutes(store::Store& store, const crypto::Keyring& keys,
                                           const Clock& clock, Rng& rng);

}  // namespace cityid::http
