#pragma once
// The print station's card (issue 5, docs/api.md "Printing a card"):
// GET /api/v1/cards/{number}/print.pdf?reason=new_card|misprint[&side=front|back|both][&bleed=0|1]
// answers the card as vector PDF (application/pdf), exactly what `cityid render --out card.pdf`
// writes: the face is built by render::BuildCardFace and drawn by render::RenderPdf, the same
// two functions the CLI calls. `side` defaults to both (two pages, front then back, for duplex
// card printers); `bleed=1` adds the print shop's 3 mm bleed and crop marks.
//
// It reads the encrypted record, so it is a staff route (clerk, supervisor, admin: see
// http/rbac.cc) and an access like any other: core::CardPayload and core::ReadPerson log it
// ("person.read", reason "card printing (print station): <reason>") in the same transaction as
// the read. Like reading a record it needs a stated reason: `reason` is required, a category
// (new_card, misprint) rather than free text, as a GET's query ends up in proxy logs.
// Answers: 200 PDF with Cache-Control: no-store; 400 for a malformed number or query (400
// missing-field without a reason, before anything is read or logged); 404
// card-not-found; 409 invalid-transition when the card is not active (revoked, replaced,
// expired: no payload is signed for it, so nothing is printed and nothing is logged).

#include <memory>
#include <vector>

#include "base/clock.h"
#include "base/rng.h"
#include "base/status.h"
#include "crypto/keyring.h"
#include "http/internal.h"
#include "policy/policy.h"
#include "store/store.h"

namespace cityid::http {

// The print route. Borrowed: store, keys, policy, clock and rng must outlive the routes; rng
// must be thread-safe. Fails with kInternal when ICU cannot be loaded (core's context needs a
// name normalizer).
Result<std::vector<RouteSpec>> PrintRoutes(store::Store& store, const crypto::Keyring& keys,
                                           const policy::Policy& policy, const Clock& clock,
                                           Rng& rng);

}  // namespace cityid::http
