// libFuzzer target: the JSON depth pre-check every client-supplied JSON text passes before it
// is parsed (CheckJsonDepth, base/json_depth.h; http::ParseJsonLimited and
// core::ParseApplicantJson call it). It must never crash on any bytes, refuse only with
// kMalformedJson, and, for every text nlohmann accepts, agree with nlohmann on whether the
// nesting depth exceeds the limit: at kMaxJsonDepth and at a small limit (0..7, from the input
// length) that short inputs can reach. nlohmann's depth is measured through its SAX interface
// (iterative, no DOM), so deep inputs cannot crash the oracle either. Any JSON nlohmann accepts
// must pass at its own depth: the pre-check never refuses valid JSON for its strings.
// Seeds (fuzz/corpus/json_limits_fuzz/): documents at and past the limit, brackets in strings,
// escaped quotes and backslashes.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "base/json_depth.h"

namespace {

using nlohmann::json;

// Counts the deepest nesting of arrays and objects nlohmann sees.
class DepthSax : public nlohmann::json_sax<json> {
 public:
  size_t max_depth = 0;

  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override { return Open(); }
  bool key(string_t&) override { return true; }
  bool end_object() override { return Close(); }
  bool start_array(std::size_t) override { return Open(); }
  bool end_array() override { return Close(); }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
    return false;
  }

 private:
  bool Open() {
    max_depth = std::max(max_depth, ++depth_);
    return true;
  }
  bool Close() {
    --depth_;
    return true;
  }
  size_t depth_ = 0;
};

void CheckRefusal(const cityid::Status& s) {
  if (!s.ok() && s.id() != cityid::ErrorId::kMalformedJson) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const size_t small = size % 8;
  const cityid::Status at_limit = cityid::CheckJsonDepth(text);
  const cityid::Status at_small = cityid::CheckJsonDepth(text, small);
  CheckRefusal(at_limit);
  CheckRefusal(at_small);
  // A smaller limit never lets through what a larger one refuses.
  if (small <= cityid::kMaxJsonDepth && at_small.ok() && !at_limit.ok()) std::abort();

  DepthSax sax;
  bool accepted = false;
  try {
    accepted = json::sax_parse(text, &sax, json::input_format_t::json, /*strict=*/true,
                               /*ignore_comments=*/false);
  } catch (const json::exception&) {
    accepted = false;
  }
  if (!accepted) return 0;
  // nlohmann 3.11.2 ends the input at a NUL byte outside a string ("0\0[[[" is accepted as 0),
  // so what it accepted is the text before the first NUL; the pre-check of the whole text
  // (which counts on past the NUL) may only be stricter. ParseJsonLimited refuses any NUL.
  const std::string_view seen = text.substr(0, text.find('\0'));
  const cityid::Status seen_at_limit = cityid::CheckJsonDepth(seen);
  const cityid::Status seen_at_small = cityid::CheckJsonDepth(seen, small);
  if (seen_at_limit.ok() != (sax.max_depth <= cityid::kMaxJsonDepth)) std::abort();
  if (seen_at_small.ok() != (sax.max_depth <= small)) std::abort();
  if ((at_limit.ok() && !seen_at_limit.ok()) || (at_small.ok() && !seen_at_small.ok())) {
    std::abort();
  }
  return 0;
}
