#pragma once
// RFC 9457 problem details: the one mapping from Status to HTTP.

#include <string>

#include "base/status.h"

namespace cityid::http {

// HTTP status for a Status (400 invalid argument, 404 not found, 409 conflict/precondition,
// 403, 401, 413/429 resource exhausted, 503 unavailable, 500 internal/data loss).
int HttpStatusFor(const Status& s);

// Seconds for the Retry-After header of a 503 (kUnavailable: store busy, read-only, disk full,
// I/O); 0 for every other status.
int RetryAfterSeconds(const Status& s);

// The problem+json body: {"type": ".../problems/<slug>", "title", "status", "detail"}.
// Internal errors get a generic detail (their message may describe internals); 503s a fixed
// one per error that says what to do.
std::string ProblemJson(const Status& s, int http_status);

// A problem for conditions that are not catalogue errors (404 route, 405, 413, 415).
std::string ProblemJson(std::string_view slug, std::string_view title, int http_status,
                        std::string_view detail);

inline constexpr const char* kProblemTypeBase = "https://cityid.example/problems/";

}  // namespace cityid::http
