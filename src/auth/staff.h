#pragma once
// Staff accounts: validation, creation (with TOTP enrolment for supervisors and administrators),
// disabling and listing. Each change writes an audit entry in the same transaction. Used by the
// CLI (`cityid staff ...`) and the admin API (POST /api/v1/staff).

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/rng.h"
#include "base/status.h"
#include "core/types.h"
#include "crypto/secret.h"
#include "store/store.h"

namespace cityid::auth {

inline constexpr size_t kMaxUserNameLength = 64;
inline constexpr size_t kMaxSiteLength = 64;

// User names: 1..64 of [a-z0-9._-], starting with a letter or digit. Lower case only, so two
// accounts cannot differ by case or by look-alike characters. kInvalidArgument otherwise.
Status ValidateUserName(std::string_view user);
// Site ids: 1..64 of [a-z0-9_-]. kInvalidArgument otherwise.
Status ValidateSite(std::string_view site);
// A staff role: clerk, supervisor, partner, auditor, admin (never "system"). kInvalidArgument.
Result<core::Role> ParseStaffRole(std::string_view role);
// Supervisors and administrators must log in with a TOTP code (DESIGN §5).
bool RequiresTotp(core::Role role);

struct StaffInput {
  std::string user;
  std::string role;
  std::string site;      // required for partners
  std::string password;  // checked against the password policy; never stored or logged
};

struct CreatedStaff {
  store::StaffRow row;
  // For supervisors and admins: the otpauth:// URI and the raw secret, to show once. Empty
  // otherwise.
  std::string totp_uri;
  crypto::SecretBytes totp_secret;
};

// Validates `in`, hashes the password (Argon2id), generates and seals a TOTP secret when the role
// requires one, and inserts the account with a "staff.create" audit entry by `actor`, in one
// transaction. `totp_issuer` names the city in authenticator apps. Fails with kInvalidArgument /
// kWeakPassword / kFieldTooLong for bad input, kStaffExists when the user name is taken.
// REQUIRES: kek.size() == 32.
Result<CreatedStaff> AddStaff(store::Store& store, const crypto::SecretBytes& kek,
                              const Clock& clock, Rng& rng, const core::Actor& actor,
                              const StaffInput& in, std::string_view totp_issuer);

// Disables the account of `user`, ends its sessions and writes a "staff.disable" audit entry, in
// one transaction. kStaffNotFound when there is no such user, kFailedPrecondition when already
// disabled.
Result<store::StaffRow> DisableStaff(store::Store& store, const Clock& clock,
                                     const core::Actor& actor, std::string_view user);

// Every account, by user name.
Result<std::vector<store::StaffRow>> ListStaff(store::Store& store);

// {"id","user","role","site","disabled","totp","created_at"}: never the password hash or the
// TOTP secret.
nlohmann::ordered_json StaffJson(const store::StaffRow& row);

}  // namespace cityid::auth
