#pragma once
// What a card shows, built from its record: the one place that turns a card number into a
// render::CardFace, shared by `cityid render` (cli/cmd_render.cc) and the print endpoint
// (http/routes_print.h), so both print exactly the same card. A library of its own
// (cityid_card_face): the renderer itself (render.h) knows nothing of the store or the policy.

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "core/types.h"
#include "core/workflow.h"
#include "policy/policy.h"
#include "render/render.h"

namespace cityid::render {

// The "if found" lines, in the policy's languages that cityid has a translation for, then the
// line about scanning the QR code.
std::vector<std::string> IfFoundLines(const policy::Policy& policy);

// The printed face of card `card_number` (digits, spaces allowed: core::ParseCardNumber). Reads
// the encrypted record and signs a fresh QR payload through core::CardPayload and
// core::ReadPerson, which check the actor's role (clerk, supervisor or admin) and log both
// reads with `reason` (so a print is in the access log and the applicant's access history as
// "record read" with that reason). The names printed are read back from the payload just
// signed, so the card shows exactly what its QR code vouches for. The policy decides the
// optional fields (gender, preferred name, address).
//
// Fails with kInvalidCardNumber, kCardNotFound, kPermissionDenied (role), kInvalidTransition
// (the card is not active: revoked, replaced, expired — no payload is signed for it), the
// reason's errors, or kInternal (the payload just signed does not verify). `*number_out`, when
// given, receives the canonical card number (digits) as soon as it is parsed.
// Thread safety: as core::CardPayload (the store serializes writes).
Result<CardFace> BuildCardFace(core::Context& ctx, std::string_view card_number,
                               const core::Actor& actor, std::string_view reason,
                               std::string* number_out = nullptr);

}  // namespace cityid::render
