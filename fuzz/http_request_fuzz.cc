// The request parsing that is cityid's own (the HTTP framing is Boost.Beast's): the request
// target (percent-decoding, query parameters), routing over every documented route with its
// path parameters, the session cookie and the forwarding headers that name the client.
// Input: lines; the first is the target, the second a Cookie header, the rest forwarding lines.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "http/client_address.h"
#include "http/rbac.h"
#include "http/request.h"
#include "http/router.h"

namespace {

using cityid::http::Router;

// The route table as the server has it: every {param} a bounded path parameter.
const Router& Routes() {
  static const Router* router = [] {
    auto* r = new Router();
    size_t id = 0;
    for (const auto& rule : cityid::http::RbacTable()) {
      const std::string_view pattern = rule.pattern;
      std::string escaped;
      for (size_t i = 0; i < pattern.size(); ++i) {
        if (pattern[i] == '{') {
          escaped += "([^/]{1,64})";
          i = pattern.find('}', i);
          if (i == std::string_view::npos) std::abort();
          continue;
        }
        if (pattern[i] == '.') escaped += '\\';
        escaped += pattern[i];
      }
      if (!r->Add(rule.method, escaped, id++).ok()) std::abort();
    }
    return r;
  }();
  return *router;
}

const cityid::http::TrustedProxies& Proxies() {
  static const auto* proxies = new cityid::http::TrustedProxies(
      *cityid::http::TrustedProxies::Parse({"10.0.0.0/8", "::1"},
                                           cityid::http::ForwardedHeader::kXForwardedFor));
  return *proxies;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> lines;
  while (!text.empty() && lines.size() < 40) {
    const size_t nl = text.find('\n');
    lines.emplace_back(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
  }
  if (lines.empty()) return 0;

  cityid::http::Request req;
  req.target = lines[0];
  if (cityid::http::ParseTarget(&req).ok()) {
    if (req.path.empty() || req.path.front() != '/') std::abort();
    for (const char* method : {"GET", "POST", "DELETE", "HEAD", "PUT"}) {
      auto m = Routes().Find(method, req.path);
      if (m.outcome == Router::Outcome::kFound) {
        if (m.matches.empty() || m.matches[0] != req.path) std::abort();
        for (size_t i = 1; i < m.matches.size(); ++i) {
          const std::string& p = m.matches[i];
          if (p.empty() || p.size() > 64 || p.find('/') != std::string::npos) std::abort();
        }
      } else if (m.outcome == Router::Outcome::kWrongMethod && m.allow.empty()) {
        std::abort();
      }
    }
    for (const auto& [name, value] : req.params) {
      if (name.empty() || req.get_param_value_count(name) == 0) std::abort();
    }
  }
  if (lines.size() > 1) {
    const std::string token = cityid::http::CookieValue(lines[1], "cityid_session");
    if (token.size() > lines[1].size()) std::abort();
  }
  std::vector<std::string> forwarded(lines.begin() + (lines.size() > 2 ? 2 : lines.size()),
                                     lines.end());
  for (const char* peer : {"10.1.2.3", "203.0.113.9", "::1"}) {
    const std::string client = cityid::http::ResolveClientAddress(Proxies(), peer, forwarded);
    if (client.empty()) std::abort();
    (void)cityid::http::ClientLimitKey(client);
  }
  return 0;
}
