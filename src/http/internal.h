#pragma once
// Internal to src/http: what route handlers share (replies, the call they receive, strict JSON
// body helpers, route specs). Not part of the module's public API (server.h, rbac.h, problem.h).

#include <cstddef>
#include <functional>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "auth/sessions.h"
#include "base/status.h"
#include "http/request.h"

namespace cityid::http {

// The RFC 9457 reply for a non-OK status (http/problem.h maps it).
Reply Problem(const Status& s);

// A request as handlers see it: the HTTP request and, on session routes, the staff member.
struct Call {
  const Request& req;
  const auth::Principal* principal;  // non-null exactly on non-public routes
  // Who the client is, as every per-client limit counts it: ClientLimitKey of
  // ResolveClientAddress (http/client_address.h; behind a trusted proxy, the forwarded
  // address). Never logged.
  std::string client;
};

using Handler = std::function<Reply(const Call&)>;

// One route: the RBAC/OpenAPI pattern, the regex the router matches (http/router.h; capture groups
// are the path parameters) and the handler. `max_body_bytes` 0 means the server's default limit.
struct RouteSpec {
  const char* method;
  const char* pattern;
  std::string regex;
  Handler handler;
  size_t max_body_bytes = 0;
};

// The body as a JSON object: kInvalidArgument unless Content-Type is application/json,
// kInvalidUtf8, kMalformedJson (not JSON, not an object, nested deeper than kMaxJsonDepth or
// with a NUL byte: http/json_limits.h, checked before any parser runs).
Result<nlohmann::json> ParseJsonBody(const Request& req);

// kUnknownField when `j` has a member not in `allowed` (`where` prefixes the message).
Status OnlyKeys(const nlohmann::json& j, std::initializer_list<const char*> allowed,
                const std::string& where);

// A string member of at most `max` bytes: kMissingField when required and absent,
// kInvalidArgument when not a string, kFieldTooLong when longer. "" when optional and absent.
Result<std::string> StringField(const nlohmann::json& body, const char* name, size_t max,
                                bool required);

}  // namespace cityid::http
