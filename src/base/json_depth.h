#pragma once
// The nesting-depth limit for JSON text from outside the process, checked before any parser or
// recursive operation sees the text.
//
// Why: nlohmann's parser is iterative, but serializing (dump), comparing (operator==) and
// copying a parsed value recurse once per nesting level (nlohmann 3.11.2, Debian's; only the
// destructor is iterative). A 100,000-deep body therefore parsed fine and then overflowed a
// handler thread's stack in dump(). With every client-supplied text held to kMaxJsonDepth
// levels first, each of those recursions is at most kMaxJsonDepth frames deep.
//
// The other recursions a request can drive are bounded on their own (audited for issue 15):
// CBOR decoding of a card or presentation by credential/cbor_util.h Limits::max_depth, Merkle
// proofs by log2 of the tree size, and std::regex (core/register.cc, which recurses once per
// character in libstdc++) by the length limits of the fields it reads (at most 1000 bytes).
//
// The limit lives here, in base, because core parses client JSON too (core::ParseApplicantJson)
// and core may not depend on http; http/json_limits.h builds the bounded parse on it.

#include <cstddef>
#include <string_view>

#include "base/status.h"

namespace cityid {

// Levels of arrays and objects one JSON text may nest: `[]` and `{}` are depth 1, `[[]]` is 2,
// a scalar is 0. docs/api.md names this value.
inline constexpr size_t kMaxJsonDepth = 32;

// Checks, in one linear pass without recursion or allocation, that `text` nests arrays and
// objects at most `max_depth` deep. Brackets inside strings do not count (escapes, including
// \", are honoured). Ok also for text that is not JSON at all (the parser refuses that); the
// only refusals, both kMalformedJson, are a depth over `max_depth` ("JSON nested deeper than 32
// levels"), found at the first bracket past it, and a closing bracket with nothing open (so no
// closers ahead of the openers can lower the count). For text a conforming parser accepts, Ok
// exactly when its nesting depth is at most `max_depth`.
Status CheckJsonDepth(std::string_view text, size_t max_depth = kMaxJsonDepth);

}  // namespace cityid
