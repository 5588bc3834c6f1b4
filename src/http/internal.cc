#include "http/internal.h"

#include <limits>

#include "base/bytes.h"
#include "http/json_limits.h"
#include "http/problem.h"

namespace cityid::http {

using nlohmann::json;

Reply Problem(const Status& s) {
  const int code = HttpStatusFor(s);
  Reply r(code, ProblemJson(s, code), kProblem);
  if (const int retry = RetryAfterSeconds(s); retry > 0) {
    r.headers.emplace_back("Retry-After", std::to_string(retry));
  }
  return r;
}

Result<json> ParseJsonBody(const Request& req) {
  const std::string type = req.get_header_value("Content-Type");
  if (type.rfind("application/json", 0) != 0) {
    return Error(ErrorId::kInvalidArgument, "Content-Type must be application/json");
  }
  if (!IsValidUtf8(req.body)) return Error(ErrorId::kInvalidUtf8, "body is not valid UTF-8");
  // Depth first (http/json_limits.h): every handler may then dump, compare or copy the value,
  // each recursion at most kMaxJsonDepth deep. The size is the route's, which the front door
  // enforced before the body was read (http/front_door.h).
  auto parsed = ParseJsonLimited(req.body, std::numeric_limits<size_t>::max());
  if (!parsed.ok()) return parsed.status().WithContext("body");
  if (!parsed->is_object()) return Error(ErrorId::kMalformedJson, "body must be a JSON object");
  return std::move(parsed).value();
}

Status OnlyKeys(const json& j, std::initializer_list<const char*> allowed, const std::string& where) {
  for (auto it = j.begin(); it != j.end(); ++it) {
    bool ok = false;
    for (const char* a : allowed) ok = ok || it.key() == a;
    if (!ok) return Error(ErrorId::kUnknownField, where + "unknown field");
  }
  return Status::Ok();
}

Result<std::string> StringField(const json& body, const char* name, size_t max, bool required) {
  if (!body.contains(name)) {
    if (required) return Error(ErrorId::kMissingField, std::string(name) + ": required, a string");
    return std::string();
  }
  if (!body[name].is_string()) {
    return Error(ErrorId::kInvalidArgument, std::string(name) + ": a string");
  }
  std::string v = body[name].get<std::string>();
  if (v.size() > max) {
    return Error(ErrorId::kFieldTooLong,
                 std::string(name) + ": at most " + std::to_string(max) + " bytes");
  }
  return v;
}

}  // namespace cityid::http
