#pragma once
// Secrets and pseudonyms of the applicant's view (core/access_history.h, docs/audit.md "The
// applicant's view"; issue 14 §1).
//
// The access code opens an applicant's access history. It is on nothing the card carries (not
// printed, not in the QR) and cannot be derived from the audit log: 80 random bits from the
// injected Rng, written as 4 groups of 4 characters of Crockford's base32 (no I, L, O or U;
// e.g. "7KQ2-M9XD-0RTB-Z4HF"). It is handed out once — printed on the applicant's enrollment
// receipt — and the store keeps only its keyed hash (HMAC under the blind-index key, domain
// kAccessCodeDomain), never the code. Staff re-issue it at the counter (ReissueAccessCode);
// that replaces the old one.
//
// Card numbers never appear in the audit log either: card actions are logged under the card's
// random pseudonymous id (store::CardRow::subject, "crd_...").

#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/rng.h"
#include "base/status.h"
#include "core/types.h"
#include "crypto/blind_index.h"

namespace cityid::core {

struct Context;

inline constexpr std::string_view kAccessCodeDomain = "cityid/access-code/v1";

// A new code, "XXXX-XXXX-XXXX-XXXX" (80 random bits).
std::string NewAccessCode(Rng& rng);

// The canonical 16 characters of a typed code: case, spaces and dashes ignored; O read as 0,
// I and L as 1 (Crockford). kInvalidArgument when it is not 16 such characters.
Result<std::string> NormalizeAccessCode(std::string_view typed);

// The stored keyed hash of a canonical code (32 bytes).
Bytes AccessCodeHash(const crypto::BlindIndexer& indexer, std::string_view canonical);

// Staff at the counter give the applicant of `application_id` a new access code (after checking
// their identity): the old code stops working. Logged as "history.code_issue" about the person,
// with the staff member as actor. Site scoping is the edge's (http: LoadApplication, as for
// every application route). Fails with kApplicationNotFound, kPersonNotFound (purged),
// kPermissionDenied.
// REQUIRES role clerk, supervisor or admin.
Result<std::string> ReissueAccessCode(Context& ctx, std::string_view application_id,
                                      const Actor& actor);

}  // namespace cityid::core
