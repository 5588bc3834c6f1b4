#include "http/request.h"

#include <set>
#include <strings.h>

namespace cityid::http {
namespace {

bool SameName(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

bool Request::has_header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (SameName(n, name)) return true;
  }
  return false;
}

std::string Request::get_header_value(std::string_view name, size_t id) const {
  for (const auto& [n, v] : headers) {
    if (SameName(n, name) && id-- == 0) return v;
  }
  return "";
}

size_t Request::get_header_value_count(std::string_view name) const {
  size_t count = 0;
  for (const auto& [n, v] : headers) count += SameName(n, name) ? 1 : 0;
  return count;
}

bool Request::has_param(const std::string& name) const { return params.count(name) > 0; }

std::string Request::get_param_value(const std::string& name, size_t id) const {
  auto [begin, end] = params.equal_range(name);
  for (auto it = begin; it != end; ++it) {
    if (id-- == 0) return it->second;
  }
  return "";
}

size_t Request::get_param_value_count(const std::string& name) const {
  return params.count(name);
}

Result<std::string> PercentDecode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%') {
      const bool complete = i + 2 < text.size();
      const int hi = complete ? HexValue(text[i + 1]) : -1;
      const int lo = complete ? HexValue(text[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        return Error(ErrorId::kInvalidArgument, "request target: '%' must start an escape %XX");
      }
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string CookieValue(std::string_view header, std::string_view name) {
  size_t pos = 0;
  while (pos < header.size()) {
    size_t end = header.find(';', pos);
    if (end == std::string_view::npos) end = header.size();
    std::string_view part = header.substr(pos, end - pos);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    const size_t eq = part.find('=');
    if (eq != std::string_view::npos && part.substr(0, eq) == name) {
      return std::string(part.substr(eq + 1));
    }
    pos = end + 1;
  }
  return "";
}

Status ParseTarget(Request* req) {
  const std::string_view target = req->target;
  if (target.empty() || target.front() != '/') {
    return Error(ErrorId::kInvalidArgument, "request target: must be a path starting with '/'");
  }
  const size_t q = target.find('?');
  CITYID_ASSIGN_OR_RETURN(req->path, PercentDecode(target.substr(0, q), false));
  if (req->path.find('\0') != std::string::npos) {
    return Error(ErrorId::kInvalidArgument, "request target: NUL in the path");
  }
  req->params.clear();
  if (q == std::string_view::npos) return Status::Ok();
  std::string_view query = target.substr(q + 1);
  const size_t fragment = query.find('#');
  if (fragment != std::string_view::npos) query = query.substr(0, fragment);
  std::set<std::string_view> seen;  // an identical name=value pair counts once
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty() || !seen.insert(pair).second) continue;
    const size_t eq = pair.find('=');
    CITYID_ASSIGN_OR_RETURN(std::string name, PercentDecode(pair.substr(0, eq), true));
    std::string value;
    if (eq != std::string_view::npos) {
      CITYID_ASSIGN_OR_RETURN(value, PercentDecode(pair.substr(eq + 1), true));
    }
    if (name.empty()) continue;
    req->params.emplace(std::move(name), std::move(value));
  }
  return Status::Ok();
}

}  // namespace cityid::http
