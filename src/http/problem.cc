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

int RetryAfterSeconds(const Status& s) {
  if (s.code() != StatusCode::kUnavailable) return 0;
  // A lock is released in moments; a disk or permissions need an operator.
  return s.id() == ErrorId::kStoreBusy ? 2 : 60;
}

std::string ProblemJson(const Status& s, int http_status) {
  const ErrorInfo& info = GetErrorInfo(s.id());
  std::string detail = s.message();
  // 5xx messages may name paths and internals: each says what to do, never more.
  if (http_status == 503) {
    switch (s.id()) {
      case ErrorId::kStoreBusy:
        detail =
            "the database is busy (another process holds its write lock); retry after "
            "Retry-After seconds";
        break;
      case ErrorId::kStoreReadOnly:
        detail =
            "the server cannot write its data folder (permissions or a read-only mount); "
            "retry later - an operator must fix it";
        break;
      case ErrorId::kStoreFull:
        detail = "the server's disk is full; retry later - an operator must free space";
        break;
      default:
        detail = "the service is temporarily unavailable; retry after Retry-After seconds";
    }
  } else if (http_status >= 500) {
    detail = "the server could not complete the request";
  }
  return ProblemJson(info.slug, info.summary, http_status, detail);
}

}  // namespace cityid::http
