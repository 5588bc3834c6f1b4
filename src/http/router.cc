#include "http/router.h"

namespace cityid::http {

Status Router::Add(std::string method, const std::string& pattern, size_t id) {
  // The patterns routes are written in: literal characters (a '.' escaped as "\\."), and path
  // parameters "([^/]{1,N})" each followed by '/' or the end.
  Entry e{std::move(method), {}, id};
  const std::string_view kParamStart = "([^/]{1,";
  std::string literal;
  for (size_t i = 0; i < pattern.size();) {
    if (pattern.compare(i, kParamStart.size(), kParamStart) == 0) {
      const size_t close = pattern.find("})", i);
      if (close == std::string::npos) {
        return Error(ErrorId::kInternal, "route pattern " + pattern + ": unclosed parameter");
      }
      const std::string digits = pattern.substr(i + kParamStart.size(),
                                                close - i - kParamStart.size());
      if (digits.empty() || digits.size() > 4 ||
          digits.find_first_not_of("0123456789") != std::string::npos) {
        return Error(ErrorId::kInternal, "route pattern " + pattern + ": bad parameter length");
      }
      if (!literal.empty()) e.pieces.push_back({std::move(literal), 0});
      literal.clear();
      e.pieces.push_back({"", static_cast<size_t>(std::stoul(digits))});
      i = close + 2;
      if (i < pattern.size() && pattern[i] != '/') {
        return Error(ErrorId::kInternal,
                     "route pattern " + pattern + ": a parameter must end at '/' or the end");
      }
    } else if (pattern[i] == '\\' && i + 1 < pattern.size()) {
      literal.push_back(pattern[i + 1]);
      i += 2;
    } else if (std::string_view("()[]{}*+?|^$").find(pattern[i]) != std::string_view::npos) {
      return Error(ErrorId::kInternal, "route pattern " + pattern + ": unsupported syntax");
    } else {
      literal.push_back(pattern[i++]);
    }
  }
  if (!literal.empty()) e.pieces.push_back({std::move(literal), 0});
  entries_.push_back(std::move(e));
  return Status::Ok();
}

bool Router::Matches(const Entry& e, std::string_view path, std::vector<std::string>* params) {
  params->clear();
  size_t at = 0;
  for (const Piece& piece : e.pieces) {
    if (piece.max_param == 0) {
      if (path.substr(at, piece.literal.size()) != piece.literal) return false;
      at += piece.literal.size();
      continue;
    }
    size_t end = path.find('/', at);
    if (end == std::string_view::npos) end = path.size();
    const size_t length = end - at;
    if (length < 1 || length > piece.max_param) return false;
    params->emplace_back(path.substr(at, length));
    at = end;
  }
  return at == path.size();
}

Router::Match Router::Find(std::string_view method, std::string_view path) const {
  Match m;
  const std::string_view wanted = method == "HEAD" ? std::string_view("GET") : method;
  std::vector<std::string> params;
  for (const Entry& e : entries_) {
    if (!Matches(e, path, &params)) continue;
    if (e.method == wanted) {
      m.outcome = Outcome::kFound;
      m.id = e.id;
      m.matches.clear();
      m.matches.emplace_back(path);
      for (auto& p : params) m.matches.push_back(std::move(p));
      return m;
    }
    if (m.allow.find(e.method) == std::string::npos) {
      m.allow += (m.allow.empty() ? "" : ", ") + e.method;
      if (e.method == "GET") m.allow += ", HEAD";  // served as GET
    }
    m.outcome = Outcome::kWrongMethod;
  }
  return m;
}

}  // namespace cityid::http
