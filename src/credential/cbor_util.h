#pragma once
// Internal CBOR helpers for the credential module: an RAII owner for libcbor items, builders
// that emit preferred (shortest) serialization, and a strict well-formedness check that runs
// on untrusted bytes BEFORE libcbor sees them.
//
// Why a separate check: libcbor 0.8's cbor_load accepts indefinite lengths and duplicate map
// keys, ignores trailing bytes (it only reports how much it read), and preallocates arrays and
// maps from their declared length, so 5 hostile bytes could ask it for gigabytes. ValidateCbor
// rejects all of that in one bounded pass, so cbor_load only ever parses small, definite,
// shallow, well-formed input.
//
// Tags: libcbor 0.8 rejects the one-byte tag heads 0xC6..0xD4 (tags 6..20) as malformed, and
// tag 18 (COSE_Sign1) is 0xD2. So tags are refused inside items by default, and the outer tags
// of a COSE object are read by SplitTags before libcbor sees the enclosed item.

#include <cbor.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/status.h"

namespace cityid::credential::cbor {

struct ItemDeleter {
  void operator()(cbor_item_t* item) const {
    if (item != nullptr) cbor_decref(&item);
  }
};
// Owns one reference to a libcbor item.
using ItemPtr = std::unique_ptr<cbor_item_t, ItemDeleter>;

// Limits for ValidateCbor / DecodeStrict.
struct Limits {
  size_t max_depth = 8;     // nesting of arrays, maps and tags
  size_t max_items = 4096;  // data items in total
  bool allow_tags = false;  // tags anywhere in the item (see the note on libcbor above)
};

// Checks that `data` is exactly one well-formed CBOR data item (RFC 8949) with:
//   definite lengths only; no duplicate keys in any map (compared by encoded bytes); valid
//   UTF-8 in text strings; no reserved/unassigned simple values (false, true, null, undefined
//   and floats are allowed); no tags unless limits.allow_tags; depth and item count within
//   `limits`; no trailing bytes.
// Every declared length is checked against the bytes that remain before anything is read.
// Fails with `error_id`, the message naming the offset and the rule broken. Thread-safe.
Status ValidateCbor(ByteView data, const Limits& limits, ErrorId error_id);

// ValidateCbor, then cbor_load. Returns the owned root item, or fails with `error_id`.
Result<ItemPtr> DecodeStrict(ByteView data, const Limits& limits, ErrorId error_id);

// The tags in front of an item and the item they enclose: 18(61(x)) gives {18, 61} and x.
struct TaggedItem {
  std::vector<uint64_t> tags;  // outermost first
  ByteView content;            // the enclosed item's bytes (to the end of the input)
};
// Reads up to `max_tags` leading tag heads. Fails with `error_id` on a truncated head, an
// indefinite/reserved argument, or more than `max_tags` tags. Does not validate `content`.
Result<TaggedItem> SplitTags(ByteView data, size_t max_tags, ErrorId error_id);

// Serializes `item`. Fails with kInternal only on allocation failure.
Result<Bytes> Serialize(const cbor_item_t* item);

// Writes CBOR straight into a byte buffer in preferred serialization (RFC 8949 §4.2.1: shortest
// heads, definite lengths) — the same bytes as the libcbor builders below followed by Serialize,
// without an allocation per item. For what is built on every card (payload, COSE, digests).
// The caller writes exactly as many items after Map/Array heads as it declared. Not thread-safe.
class Writer {
 public:
  Writer& Uint(uint64_t value) { return Head(0, value); }
  Writer& Int(int64_t value) {
    return value >= 0 ? Head(0, static_cast<uint64_t>(value))
                      : Head(1, static_cast<uint64_t>(-(value + 1)));
  }
  Writer& Bstr(ByteView bytes) {
    Head(2, bytes.size());
    return Raw(bytes);
  }
  Writer& Text(std::string_view text) {
    Head(3, text.size());
    out_.insert(out_.end(), text.begin(), text.end());
    return *this;
  }
  Writer& Array(size_t size) { return Head(4, size); }
  Writer& Map(size_t size) { return Head(5, size); }
  Writer& Tag(uint64_t tag) { return Head(6, tag); }
  // Appends an already encoded item.
  Writer& Raw(ByteView encoded) {
    out_.insert(out_.end(), encoded.begin(), encoded.end());
    return *this;
  }
  const Bytes& bytes() const { return out_; }
  Bytes Take() { return std::move(out_); }

 private:
  Writer& Head(uint8_t major, uint64_t value);
  Bytes out_;
};

// Reads CBOR in one pass with no allocation: a cursor over the bytes. Meant for input that
// ValidateCbor has accepted (so lengths, nesting and UTF-8 are already checked), but safe on any
// bytes: no read goes past the end. Each read returns nullopt/false on a type mismatch or
// truncation and then leaves the position unchanged. Not thread-safe.
class Reader {
 public:
  explicit Reader(ByteView data) : data_(data) {}
  // An unsigned or negative integer that fits in int64_t.
  std::optional<int64_t> Int();
  // An unsigned integer (major type 0).
  std::optional<uint64_t> Uint();
  std::optional<std::string_view> Text();
  std::optional<ByteView> Bstr();
  // The number of elements / pairs that follow the head.
  std::optional<uint64_t> ArrayHeader();
  std::optional<uint64_t> MapHeader();
  // Skips one whole item (nested up to 16 levels).
  bool Skip();
  bool AtEnd() const { return pos_ == data_.size(); }

 private:
  struct Head {
    uint8_t major;
    uint64_t argument;
    size_t size;  // bytes of the head itself
  };
  std::optional<Head> PeekHead() const;
  // The head at the cursor if its major type is `major`; then advances past the head.
  std::optional<uint64_t> Take(uint8_t major);
  bool SkipDepth(int depth);

  ByteView data_;
  size_t pos_ = 0;
};

// Reading the claims of a signed payload: a value of the wrong type fails with kBadClaims, the
// message naming `what` (a claim's name, never its value).
Status BadClaims(const std::string& what);
Result<int64_t> ReadClaimInt(Reader& r, std::string_view what);

// Builders. Each returns a new owned item; allocation failure is a checked crash. Integers use
// the narrowest width so the encoding is the preferred serialization.
ItemPtr Uint(uint64_t value);
ItemPtr Int(int64_t value);
ItemPtr Text(std::string_view text);
ItemPtr Bstr(ByteView bytes);
ItemPtr NewMap(size_t size);
ItemPtr NewArray(size_t size);
ItemPtr Tag(uint64_t tag, ItemPtr item);
// Adds (key, value) to a definite map built by NewMap. Crashes if the map is full.
void MapAdd(cbor_item_t* map, ItemPtr key, ItemPtr value);
// Appends to a definite array built by NewArray. Crashes if the array is full.
void ArrayPush(cbor_item_t* array, ItemPtr value);

// Readers for decoded items. They return nullopt on a type mismatch.
// An unsigned or negative integer that fits in int64_t.
std::optional<int64_t> GetInt(const cbor_item_t* item);
// A definite text string.
std::optional<std::string_view> GetText(const cbor_item_t* item);
// A definite byte string.
std::optional<ByteView> GetBytes(const cbor_item_t* item);

}  // namespace cityid::credential::cbor
