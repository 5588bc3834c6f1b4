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
  // For roles that need TOTP: true (the CLI) creates the secret now and returns its URI, so
  // the account is enrolled at once; false (the admin API) leaves the TOTP pending, and the
  // staff member enrols it at their first sign-in (auth/sessions.h), so whoever creates the
  // account never sees the secret.
  bool enroll_totp = true;
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

// Sends `user`'s TOTP back to pending (the next sign-in enrols a new secret), ends every
// session of the account and writes a "staff.reset_totp" audit entry, in one transaction.
// kStaffNotFound; kFailedPrecondition when the role signs in without TOTP.
Result<store::StaffRow> ResetStaffTotp(store::Store& store, const Clock& clock,
                                       const core::Actor& actor, std::string_view user);

// "enrolled" (a confirmed secret), "pending" (the role needs TOTP and the next sign-in enrols
// it) or "none" (the role signs in with a password only).
const char* TotpState(const store::StaffRow& row);

// Every account, by user name.
Result<std::vector<store::StaffRow>> ListStaff(store::Store& store);

// {"id","user","role","site","disabled","totp","totp_state","created_at"}: never the password
// hash or the TOTP secret. "totp" is true when a secret is enrolled; "totp_state" TotpState.
nlohmann::ordered_json StaffJson(const store::StaffRow& row);

}  // namespace cityid::auth
