#include "base/errors.h"

#include <cstddef>
#include <iterator>

namespace cityid {
namespace {

constexpr ErrorInfo kOkInfo{ErrorId::kNone, StatusCode::kOk, "ok", "OK"};

constexpr ErrorInfo kInfos[] = {
#define CITYID_ERROR_INFO(id, code, slug, summary) {ErrorId::id, StatusCode::code, slug, summary},
    CITYID_ERRORS(CITYID_ERROR_INFO)
#undef CITYID_ERROR_INFO
};

}  // namespace

const ErrorInfo& GetErrorInfo(ErrorId id) {
  const auto index = static_cast<size_t>(id);
  if (index == 0 || index > std::size(kInfos)) return kOkInfo;
  return kInfos[index - 1];
}

const char* StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return "ok";
    case StatusCode::kInvalidArgument: return "invalid_argument";
    case StatusCode::kNotFound: return "not_found";
    case StatusCode::kAlreadyExists: return "already_exists";
    case StatusCode::kPermissionDenied: return "permission_denied";
    case StatusCode::kUnauthenticated: return "unauthenticated";
    case StatusCode::kFailedPrecondition: return "failed_precondition";
    case StatusCode::kResourceExhausted: return "resource_exhausted";
    case StatusCode::kUnavailable: return "unavailable";
    case StatusCode::kDataLoss: return "data_loss";
    case StatusCode::kInternal: return "internal";
  }
  return "unknown";
}

}  // namespace cityid
