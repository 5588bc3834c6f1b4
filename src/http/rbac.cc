#include "http/rbac.h"

namespace cityid::http {
namespace {

constexpr std::array<bool, 5> kNone = {false, false, false, false, false};
constexpr std::array<bool, 5> kAnyStaff = {true, true, true, true, true};
constexpr std::array<bool, 5> kAdminOnly = {false, false, false, false, true};

}  // namespace

const std::vector<RouteRule>& RbacTable() {
  static const std::vector<RouteRule> kTable = {
      {"GET", "/healthz", true, kNone},
      {"GET", "/readyz", true, kNone},
      {"GET", "/metrics", true, kNone},
      {"GET", "/.well-known/cityid-keys", true, kNone},
      {"GET", "/api/v1/openapi.json", true, kNone},
      {"GET", "/api/v1/status-lists/{id}", true, kNone},
      {"POST", "/api/v1/verify", true, kNone},
      {"GET", "/api/v1/policy", true, kNone},
      {"POST", "/api/v1/policy/evaluate", true, kNone},
      // Logging in needs no session; reading or ending one's own session needs one.
      {"POST", "/api/v1/sessions", true, kNone},
      {"GET", "/api/v1/sessions/current", false, kAnyStaff},
      {"DELETE", "/api/v1/sessions/current", false, kAnyStaff},
      // Staff administration (DESIGN §2: administrators manage staff and roles).
      {"GET", "/api/v1/staff", false, kAdminOnly},
      {"POST", "/api/v1/staff", false, kAdminOnly},
      {"POST", "/api/v1/staff/{user}/disable", false, kAdminOnly},
      // The staff console's admin sections (issue 17, people part; http/routes_people.h):
      // resetting a TOTP, editing a site and its closures.
      {"POST", "/api/v1/staff/{user}/reset-totp", false, kAdminOnly},
      {"PUT", "/api/v1/sites/{id}", false, kAdminOnly},
      {"POST", "/api/v1/sites/{id}/closures", false, kAdminOnly},
      {"DELETE", "/api/v1/sites/{id}/closures/{date}", false, kAdminOnly},
      // ---- Enrollment API (http/routes_api.cc). Columns: clerk, supervisor, partner, auditor,
      // admin. Each set equals what core allows the role (core/workflow.h, core/register.h), so
      // core's own check never contradicts the table. Partners act for their own site only
      // (CheckSiteScope in the handlers); an id of another site answers exactly as a missing
      // one (core::ViewApplication, core::ViewCard, core::RecordAttendance), so the 403s here
      // depend on the role alone, never on the id. Auditors read the audit log and reports,
      // never applications, cards or persons.
      // Enroll: counter staff (clerk, partner, supervisor, admin).
      {"POST", "/api/v1/applications", false, {true, true, true, false, true}},
      // The queue and one application (states, totals, flags; no personal data).
      {"GET", "/api/v1/applications", false, {true, true, true, false, true}},
      {"GET", "/api/v1/applications/{id}", false, {true, true, true, false, true}},
      // Decisions: supervisors (and admins) only.
      {"POST", "/api/v1/applications/{id}/approve", false, {false, true, false, false, true}},
      {"POST", "/api/v1/applications/{id}/reject", false, {false, true, false, false, true}},
      // Issuing, renewing and replacing: City Hall staff, not partners (no printer, no stock).
      // A clerk replaces only for the holder's report (lost, stolen, damaged: core::Replace);
      // revoking for any other reason is the supervisor's.
      {"POST", "/api/v1/applications/{id}/issue", false, {true, true, false, false, true}},
      // Re-issuing an applicant's access code at the counter (core::ReissueAccessCode): clerk,
      // supervisor, admin; not partners, never auditors.
      {"POST", "/api/v1/applications/{id}/access-code", false, {true, true, false, false, true}},
      {"GET", "/api/v1/cards/{number}", false, {true, true, true, false, true}},
      {"POST", "/api/v1/cards/{number}/revoke", false, {false, true, false, false, true}},
      {"POST", "/api/v1/cards/{number}/renew", false, {true, true, false, false, true}},
      {"POST", "/api/v1/cards/{number}/replace", false, {true, true, false, false, true}},
      // Reading a record (with a stated, logged reason): clerk, supervisor, admin.
      {"POST", "/api/v1/persons/{id}/read", false, {true, true, false, false, true}},
      {"POST", "/api/v1/persons/{id}/purge", false, kAdminOnly},
      {"POST", "/api/v1/persons/{id}/hold", false, kAdminOnly},
      {"DELETE", "/api/v1/persons/{id}/hold", false, kAdminOnly},
      // Accountability: auditors and admins.
      {"GET", "/api/v1/audit/head", false, {false, false, false, true, true}},
      {"GET", "/api/v1/audit/entries", false, {false, false, false, true, true}},
      {"GET", "/api/v1/audit/proof", false, {false, false, false, true, true}},
      {"GET", "/api/v1/audit/consistency", false, {false, false, false, true, true}},
      {"GET", "/api/v1/reports/transparency", false, {false, false, false, true, true}},
      {"GET", "/api/v1/data-requests", false, {false, false, false, true, true}},
      {"POST", "/api/v1/data-requests", false, kAdminOnly},
      {"POST", "/api/v1/data-requests/{id}/answer", false, kAdminOnly},
      // ---- end of the enrollment API block.
      // Sites and appointments (http/routes_sites.h): applicants book, check, move and cancel
      // without an account, by reference and PIN (rate-limited per client address); admins add
      // sites.
      {"GET", "/api/v1/sites", true, kNone},
      {"GET", "/api/v1/sites/{id}/slots", true, kNone},
      {"POST", "/api/v1/sites", false, kAdminOnly},
      {"POST", "/api/v1/appointments", true, kNone},
      {"GET", "/api/v1/appointments/{ref}", true, kNone},
      {"POST", "/api/v1/appointments/{ref}/move", true, kNone},
      {"POST", "/api/v1/appointments/{ref}/cancel", true, kNone},
      // Counter staff mark a booking attended or a no-show (core::RecordAttendance): the roles
      // that enroll; partners for their own site only; never auditors.
      {"POST", "/api/v1/appointments/{ref}/attended", false, {true, true, true, false, true}},
      {"POST", "/api/v1/appointments/{ref}/no-show", false, {true, true, true, false, true}},
      // The applicant's view of accesses to their record (http/routes_history.h): credentials in
      // the body, rate-limited per client address like the booking routes.
      {"POST", "/api/v1/access-history", true, kNone},
      // The print station's card PDF (http/routes_print.h): it reads the encrypted record and
      // signs a fresh QR payload, so exactly the roles core lets read a record and sign a payload
      // (core::ReadPerson, core::CardPayload): clerk, supervisor, admin. Not partners (no card
      // printer or stock at community sites, as for issuing), not auditors (never personal data).
      {"GET", "/api/v1/cards/{number}/print.pdf", false, {true, true, false, false, true}},
      // ---- Records and keys (issue 17, staff console "records" part; http/routes_records.h).
      // Legal holds in force: core::ListHolds lets admins and auditors read them (no notes).
      {"GET", "/api/v1/holds", false, {false, false, false, true, true}},
      // Retention preview and run, key status, emergency destruction: admins only.
      {"GET", "/api/v1/retention", false, kAdminOnly},
      {"POST", "/api/v1/retention/run", false, kAdminOnly},
      {"GET", "/api/v1/keys/status", false, kAdminOnly},
      {"GET", "/api/v1/destruction-requests", false, kAdminOnly},
      {"POST", "/api/v1/destruction-requests", false, kAdminOnly},
      {"POST", "/api/v1/destruction-requests/{id}/approve", false, kAdminOnly},
      // ---- end of the records block.
      // ---- The clerk's pages (issue 17, http/routes_clerk.h). The card's Latin spelling of a
      // typed name: the counter roles that enroll (clerk, supervisor, partner, admin), like
      // POST /api/v1/applications; never auditors.
      {"POST", "/api/v1/names/latin", false, {true, true, true, false, true}},
      // The day's appointments at a site with the names to call (core::ListSiteAppointments):
      // the roles that record attendance; partners for their own site only (another site
      // answers as a missing one, in core); never auditors.
      {"GET", "/api/v1/sites/{id}/appointments", false, {true, true, true, false, true}},
      // ---- end of the clerk's block.
      // ---- Print station (issue 17, http/routes_print.h): the queue of cards not yet printed
      // (card numbers and dates, no personal data), batch sheets (decrypting reads, like
      // print.pdf) and marking a card printed (which applies the after-print retention to the
      // record): the roles that print, as print.pdf.
      {"GET", "/api/v1/print-queue", false, {true, true, false, false, true}},
      {"POST", "/api/v1/print-sheets", false, {true, true, false, false, true}},
      {"POST", "/api/v1/cards/{number}/printed", false, {true, true, false, false, true}},
  };
  return kTable;
}

const RouteRule* FindRouteRule(std::string_view method, std::string_view pattern) {
  for (const auto& r : RbacTable()) {
    if (method == r.method && pattern == r.pattern) return &r;
  }
  return nullptr;
}

bool Allows(const RouteRule& rule, core::Role role) {
  if (rule.is_public) return true;
  for (size_t i = 0; i < kStaffRoles.size(); ++i) {
    if (kStaffRoles[i] == role) return rule.roles[i];
  }
  return false;
}

Status CheckSiteScope(const auth::Principal& p, std::string_view site) {
  if (p.role != core::Role::kPartner) return Status::Ok();
  if (!p.site.empty() && site == p.site) return Status::Ok();
  return Error(ErrorId::kSiteNotAllowed, "a partner acts only for its own site");
}

std::string RbacMarkdownTable() {
  std::string out = "| method | path | public |";
  for (core::Role r : kStaffRoles) out += std::string(" ") + core::Name(r) + " |";
  out += "\n|---|---|---|";
  for (size_t i = 0; i < kStaffRoles.size(); ++i) out += "---|";
  out += "\n";
  for (const auto& r : RbacTable()) {
    out += std::string("| ") + r.method + " | `" + r.pattern + "` | " + (r.is_public ? "yes" : "") +
           " |";
    for (size_t i = 0; i < kStaffRoles.size(); ++i) {
      out += (r.is_public || r.roles[i]) ? " allow |" : " deny |";
    }
    out += "\n";
  }
  return out;
}

}  // namespace cityid::http
