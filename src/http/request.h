#pragma once
// A request as cityid's handlers see it, and the reply they give: the HTTP layer's own types,
// independent of the library that reads the bytes (http/front_door.h). The accessors keep the
// names handlers have used since the first server (get_header_value, has_param, matches...).

#include <atomic>
#include <cstddef>
#include <memory>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace cityid::http {

inline constexpr const char* kJson = "application/json";
inline constexpr const char* kProblem = "application/problem+json";

struct Request {
  std::string method;       // "GET", "POST", ... (HEAD is served as GET without a body)
  std::string target;       // as sent: path and query, percent-encoded
  std::string path;         // percent-decoded path, without the query
  std::string remote_addr;  // the peer's address (no port); see http/client_address.h
  std::string request_id;   // 16 hex digits, echoed in X-Request-Id and problem documents
  std::string body;
  // Header fields in the order received; names compared without regard to case.
  std::vector<std::pair<std::string, std::string>> headers;
  // Query parameters, percent-decoded ('+' is a space); an identical name=value pair given
  // twice is kept once.
  std::multimap<std::string, std::string> params;
  // [0] the whole path, then one entry per path parameter of the matched route.
  std::vector<std::string> matches;
  // Set by the application's router on the event loop (http/front_door.h): its route index,
  // or -1; with -1, the methods the path has ("GET, POST") when only the method is wrong.
  int route = -1;
  std::string allowed_methods;
  // Set by the router for a route that never blocks: answered on the event loop.
  bool answer_inline = false;
  // Set by the front door for a request on a worker: true once its handler deadline passed
  // and the client got 503 (the handler's own answer is then dropped).
  std::shared_ptr<const std::atomic<bool>> abandoned;

  bool has_header(std::string_view name) const;
  // The `id`-th value of header `name`, or "".
  std::string get_header_value(std::string_view name, size_t id = 0) const;
  size_t get_header_value_count(std::string_view name) const;
  bool has_param(const std::string& name) const;
  std::string get_param_value(const std::string& name, size_t id = 0) const;
  size_t get_param_value_count(const std::string& name) const;
};

// Fills req->path and req->params from req->target. kInvalidArgument unless the target is in
// origin form ("/path?query"), for an invalid escape anywhere, or a path that decodes to a NUL
// byte (query values may hold one; each handler validates its parameters).
Status ParseTarget(Request* req);

// Percent-decoding: "%41" is 'A'; with `plus_is_space`, '+' is ' '. kInvalidArgument for a
// '%' not followed by two hex digits.
Result<std::string> PercentDecode(std::string_view text, bool plus_is_space);

// The value of cookie `name` in a Cookie header, or "" (the first one when repeated).
std::string CookieValue(std::string_view header, std::string_view name);

struct Reply {
  Reply() = default;
  Reply(int s, std::string b, std::string type = kJson, std::string cache = "no-store")
      : status(s), body(std::move(b)), content_type(std::move(type)),
        cache_control(std::move(cache)) {}
  int status = 200;
  std::string body;
  std::string content_type = kJson;
  std::string cache_control = "no-store";
  std::vector<std::pair<std::string, std::string>> headers;  // extra response headers
};

}  // namespace cityid::http
