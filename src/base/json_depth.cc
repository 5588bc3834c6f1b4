#include "base/json_depth.h"

#include <string>

namespace cityid {

Status CheckJsonDepth(std::string_view text, size_t max_depth) {
  size_t depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (const char ch : text) {
    if (in_string) {
      // Inside a string only a backslash (escaping the next byte, so \" and \\ are one unit)
      // and the closing quote matter. \uXXXX needs nothing more: hex digits are neither.
      if (escaped) {
        escaped = false;
      } else if (ch == '\\') {
        escaped = true;
      } else if (ch == '"') {
        in_string = false;
      }
      continue;
    }
    switch (ch) {
      case '"':
        in_string = true;
        break;
      case '[':
      case '{':
        if (++depth > max_depth) {
          return Error(ErrorId::kMalformedJson,
                       "JSON nested deeper than " + std::to_string(max_depth) + " levels");
        }
        break;
      case ']':
      case '}':
        if (depth == 0) return Error(ErrorId::kMalformedJson, "JSON closes a bracket never opened");
        --depth;
        break;
      default:
        break;
    }
  }
  return Status::Ok();
}

}  // namespace cityid
