#include "http/problem.h"

#include <nlohmann/json.hpp>

namespace cityid::http {

int HttpStatusFor(const Status& s) {
  if (s.id() == ErrorId::kPayloadTooLarge) return 413;
  switch (s.code()) {
    case StatusCode::kOk: return 200;
    case StatusCode::kInvalidArgument: return 400;
    case StatusCode::kNotFound: return 404;
    case StatusCode::kAlreadyExists: return 409;
    case StatusCode::kFailedPrecondition: return 409;
    case StatusCode::kPermissionDenied: return 403;
    case StatusCode::kUnauthenticated: return 401;
    case StatusCode::kResourceExhausted: return 429;
    case StatusCode::kUnavailable: return 503;
    case StatusCode::kDataLoss:
    case StatusCode::kInternal: return 500;
  }
  return 500;
}

std::string ProblemJson(std::string_view slug, std::string_view title, int http_status,
                        std::string_view detail) {
  nlohmann::ordered_json j;
  j["type"] = std::string(kProblemTypeBase) + std::string(slug);
  j["title"] = title;
  j["status"] = http_status;
  if (!detail.empty()) j["detail"] = detail;
  // error_handler_t::replace: never throw on odd bytes in a detail.
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

std::string ProblemJson(const Status& s, int http_status) {
  const ErrorInfo& info = GetErrorInfo(s.id());
  const bool internal = http_status >= 500;
  return ProblemJson(info.slug, info.summary, http_status,
                     internal ? "the server could not complete the request" : s.message());
}

}  // namespace cityid::http
