#include "auth/staff.h"

#include "auth/password.h"
#include "auth/totp.h"
#include "core/ids.h"

namespace cityid::auth {
namespace {

Status AppendStaffAudit(store::Tx& tx, UnixSeconds now, const core::Actor& actor,
                        const char* action, const store::StaffRow& row) {
  audit::Entry e{now, actor.id, core::Name(actor.role), actor.site, action, row.id,
                 "role " + row.role};
  return tx.AppendAudit(e).status();
}

}  // namespace

Status ValidateUserName(std::string_view user) {
  if (user.empty() || user.size() > kMaxUserNameLength) {
    return Error(ErrorId::kInvalidArgument, "user: 1 to 64 characters");
  }
  for (size_t i = 0; i < user.size(); ++i) {
    const char c = user[i];
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-'))) {
      return Error(ErrorId::kInvalidArgument,
                   "user: lower-case letters, digits, '.', '_' and '-', starting with a letter or "
                   "digit");
    }
  }
  return Status::Ok();
}

Status ValidateSite(std::string_view site) {
  if (site.empty() || site.size() > kMaxSiteLength) {
    return Error(ErrorId::kInvalidArgument, "site: 1 to 64 characters");
  }
  for (char c : site) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) {
      return Error(ErrorId::kInvalidArgument, "site: lower-case letters, digits, '_' and '-'");
    }
  }
  return Status::Ok();
}

Result<core::Role> ParseStaffRole(std::string_view role) {
  auto r = core::ParseRole(role);
  if (!r || *r == core::Role::kSystem) {
    return Error(ErrorId::kInvalidArgument,
                 "role: one of clerk, supervisor, partner, auditor, admin");
  }
  return *r;
}

bool RequiresTotp(core::Role role) {
  return role == core::Role::kSupervisor || role == core::Role::kAdmin;
}

Result<CreatedStaff> AddStaff(store::Store& store, const crypto::SecretBytes& kek,
                              const Clock& clock, Rng& rng, const core::Actor& actor,
                              const StaffInput& in, std::string_view totp_issuer) {
  CITYID_RETURN_IF_ERROR(ValidateUserName(in.user));
  CITYID_ASSIGN_OR_RETURN(core::Role role, ParseStaffRole(in.role));
  if (role == core::Role::kPartner && in.site.empty()) {
    return Error(ErrorId::kMissingField, "site: required for a partner (scoped to its site)");
  }
  if (!in.site.empty()) CITYID_RETURN_IF_ERROR(ValidateSite(in.site));
  CITYID_ASSIGN_OR_RETURN(std::string hash, HashPassword(in.password));

  CreatedStaff out;
  const UnixSeconds now = clock.Now();
  store::StaffRow& row = out.row;
  row.id = core::NewId("stf_", rng);
  row.user_name = in.user;
  row.role = core::Name(role);
  row.site = in.site;
  row.password_hash = std::move(hash);
  row.created_at = row.updated_at = now;
  if (RequiresTotp(role) && in.enroll_totp) {
    out.totp_secret = NewTotpSecret(rng);
    row.totp_sealed = SealTotpSecret(kek, out.totp_secret, row.id, rng);
    out.totp_uri = OtpauthUri(totp_issuer, in.user, out.totp_secret);
  }
  CITYID_RETURN_IF_ERROR(store.Write([&](store::Tx& tx) -> Status {
    CITYID_ASSIGN_OR_RETURN(auto existing, tx.GetStaffByUserName(row.user_name));
    if (existing) return Error(ErrorId::kStaffExists, "user: '" + row.user_name + "' is taken");
    CITYID_RETURN_IF_ERROR(tx.InsertStaff(row));
    return AppendStaffAudit(tx, now, actor, "staff.create", row);
  }));
  return out;
}

Result<store::StaffRow> DisableStaff(store::Store& store, const Clock& clock,
                                     const core::Actor& actor, std::string_view user) {
  CITYID_RETURN_IF_ERROR(ValidateUserName(user));
  store::StaffRow row;
  const UnixSeconds now = clock.Now();
  CITYID_RETURN_IF_ERROR(store.Write([&](store::Tx& tx) -> Status {
    CITYID_ASSIGN_OR_RETURN(auto found, tx.GetStaffByUserName(user));
    if (!found) return Error(ErrorId::kStaffNotFound, "no staff member with that user name");
    row = std::move(*found);
    if (row.disabled) return Error(ErrorId::kFailedPrecondition, "account already disabled");
    row.disabled = true;
    row.updated_at = now;
    CITYID_RETURN_IF_ERROR(tx.UpdateStaff(row));
    CITYID_RETURN_IF_ERROR(tx.DeleteSessionsOfStaff(row.id).status());
    return AppendStaffAudit(tx, now, actor, "staff.disable", row);
  }));
  return row;
}

Result<store::StaffRow> ResetStaffTotp(store::Store& store, const Clock& clock,
                                       const core::Actor& actor, std::string_view user) {
  CITYID_RETURN_IF_ERROR(ValidateUserName(user));
  store::StaffRow row;
  const UnixSeconds now = clock.Now();
  CITYID_RETURN_IF_ERROR(store.Write([&](store::Tx& tx) -> Status {
    CITYID_ASSIGN_OR_RETURN(auto found, tx.GetStaffByUserName(user));
    if (!found) return Error(ErrorId::kStaffNotFound, "no staff member with that user name");
    row = std::move(*found);
    auto role = core::ParseRole(row.role);
    if (!role || !RequiresTotp(*role)) {
      return Error(ErrorId::kFailedPrecondition,
                   "this role signs in without a one-time code; there is no TOTP to reset");
    }
    row.totp_sealed.clear();
    row.totp_pending.clear();
    row.updated_at = now;
    CITYID_RETURN_IF_ERROR(tx.UpdateStaff(row));
    CITYID_RETURN_IF_ERROR(tx.DeleteSessionsOfStaff(row.id).status());
    return AppendStaffAudit(tx, now, actor, "staff.reset_totp", row);
  }));
  return row;
}

const char* TotpState(const store::StaffRow& row) {
  if (!row.totp_sealed.empty()) return "enrolled";
  auto role = core::ParseRole(row.role);
  return role && RequiresTotp(*role) ? "pending" : "none";
}

Result<std::vector<store::StaffRow>> ListStaff(store::Store& store) {
  std::vector<store::StaffRow> rows;
  CITYID_RETURN_IF_ERROR(store.Read([&](store::Tx& tx) -> Status {
    CITYID_ASSIGN_OR_RETURN(rows, tx.ListStaff());
    return Status::Ok();
  }));
  return rows;
}

nlohmann::ordered_json StaffJson(const store::StaffRow& row) {
  nlohmann::ordered_json j;
  j["id"] = row.id;
  j["user"] = row.user_name;
  j["role"] = row.role;
  j["site"] = row.site;
  j["disabled"] = row.disabled;
  j["totp"] = !row.totp_sealed.empty();
  j["totp_state"] = TotpState(row);
  j["created_at"] = row.created_at;
  return j;
}

}  // namespace cityid::auth
