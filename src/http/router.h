#pragma once
// cityid's own routing: which registered route a method and decoded path name, with the path
// parameters the route's pattern captures. Runs on the event loop for every request (to pick
// the route's body limit before the body is read): one pass over the path per route, no
// backtracking and no recursion (std::regex recurses once per character). Fuzzed by
// fuzz/http_request_fuzz.cc.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace cityid::http {

class Router {
 public:
  // Adds a route. `pattern` is the form the route specs use: literal characters ("\\." for a
  // dot) and path parameters "([^/]{1,N})" (1 to N characters other than '/'), each followed
  // by '/' or the end. kInternal for anything else. Routes are tried in the order added. Not
  // thread-safe; add every route first, then Find from any thread.
  Status Add(std::string method, const std::string& pattern, size_t id);

  enum class Outcome { kFound, kWrongMethod, kNotFound };
  struct Match {
    Outcome outcome = Outcome::kNotFound;
    size_t id = 0;                     // kFound: the id given to Add
    std::vector<std::string> matches;  // kFound: [0] the path, then the parameters
    std::string allow;                 // kWrongMethod: the methods the path has, "GET, POST"
  };
  // HEAD finds the GET route.
  Match Find(std::string_view method, std::string_view path) const;

 private:
  struct Piece {
    std::string literal;    // when max_param is 0
    size_t max_param = 0;   // a parameter of 1..max_param characters
  };
  struct Entry {
    std::string method;
    std::vector<Piece> pieces;
    size_t id;
  };
  static bool Matches(const Entry& e, std::string_view path, std::vector<std::string>* params);
  std::vector<Entry> entries_;
};

}  // namespace cityid::http
