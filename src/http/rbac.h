#pragma once
// Role-based access control: ONE table mapping every route (method + OpenAPI pattern) to the
// roles that may call it (DESIGN §2, §9). The server registers a route only if the table has an
// entry for it (Server::Create fails otherwise), so no endpoint is reachable without a deliberate
// decision here; a test calls every route as every role and compares with this table, and
// docs/api.md carries the table as RbacMarkdownTable() prints it (a test checks they agree).

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "auth/sessions.h"
#include "base/status.h"
#include "core/types.h"

namespace cityid::http {

// The staff roles, in the table's column order.
inline constexpr std::array<core::Role, 5> kStaffRoles = {
    core::Role::kClerk, core::Role::kSupervisor, core::Role::kPartner, core::Role::kAuditor,
    core::Role::kAdmin};

struct RouteRule {
  const char* method;   // GET, POST, DELETE
  const char* pattern;  // OpenAPI path, e.g. "/api/v1/staff/{user}/disable"
  // No session needed (anyone, including applicants and verifiers). Staff may call it too.
  bool is_public;
  // For session routes: allowed roles, in kStaffRoles order (clerk, supervisor, partner,
  // auditor, admin). Ignored when is_public.
  std::array<bool, 5> roles;
};

// Every route, in registration order.
const std::vector<RouteRule>& RbacTable();

// The rule for a route, or nullptr when the table has none.
const RouteRule* FindRouteRule(std::string_view method, std::string_view pattern);

// True when `role` may call the route (always for public routes; never for kSystem).
bool Allows(const RouteRule& rule, core::Role role);

// Partner scope: a partner may act only for its own site; other roles are not site-scoped.
// kSiteNotAllowed otherwise. Every route that takes a site calls this with the site it names
// (the caller's own input, so a 403 tells nothing). A route that takes an id must not: a record
// of another site answers as a missing one (core::ViewApplication, core::ViewCard).
Status CheckSiteScope(const auth::Principal& p, std::string_view site);

// The table as Markdown (| method | path | public | clerk | ... |), for docs/api.md.
std::string RbacMarkdownTable();

}  // namespace cityid::http
