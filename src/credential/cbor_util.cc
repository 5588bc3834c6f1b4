#include "credential/cbor_util.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace cityid::credential::cbor {
namespace {

// One bounded pass over the encoded bytes. Recursion depth is limited by Limits::max_depth.
class Validator {
 public:
  Validator(ByteView data, const Limits& limits, ErrorId error_id)
      : data_(data), limits_(limits), error_id_(error_id) {}

  Status Run() {
    CITYID_RETURN_IF_ERROR(Item(0));
    if (pos_ != data_.size()) {
      return Fail(pos_, std::to_string(data_.size() - pos_) + " trailing bytes after the item");
    }
    return Status::Ok();
  }

 private:
  Status Fail(size_t at, const std::string& what) const {
    return Error(error_id_, "CBOR offset " + std::to_string(at) + ": " + what);
  }
  size_t Remaining() const { return data_.size() - pos_; }

  // Reads the head of a data item: major type and argument.
  Status Head(size_t start, int* major, uint8_t* info, uint64_t* arg) {
    if (pos_ >= data_.size()) return Fail(start, "truncated (item expected)");
    const uint8_t ib = data_[pos_++];
    *major = ib >> 5;
    *info = ib & 0x1F;
    if (*info < 24) {
      *arg = *info;
      return Status::Ok();
    }
    size_t n = 0;
    switch (*info) {
      case 24:
        n = 1;
        break;
      case 25:
        n = 2;
        break;
      case 26:
        n = 4;
        break;
      case 27:
        n = 8;
        break;
      case 31:
        return Fail(start, "indefinite length or break is not allowed");
      default:
        return Fail(start, "reserved additional information value");
    }
    if (Remaining() < n) return Fail(start, "truncated (item argument)");
    uint64_t v = 0;
    for (size_t k = 0; k < n; ++k) v = (v << 8) | data_[pos_++];
    *arg = v;
    return Status::Ok();
  }

  Status Item(size_t depth) {
    const size_t start = pos_;
    if (++items_ > limits_.max_items) return Fail(start, "too many data items");
    int major = 0;
    uint8_t info = 0;
    uint64_t arg = 0;
    CITYID_RETURN_IF_ERROR(Head(start, &major, &info, &arg));
    switch (major) {
      case 0:  // unsigned integer
      case 1:  // negative integer
        return Status::Ok();
      case 2:    // byte string
      case 3: {  // text string
        if (arg > Remaining()) return Fail(start, "string length exceeds the remaining bytes");
        const auto len = static_cast<size_t>(arg);
        if (major == 3 && !IsValidUtf8(std::string_view(
                              reinterpret_cast<const char*>(data_.data() + pos_), len))) {
          return Fail(start, "text string is not valid UTF-8");
        }
        pos_ += len;
        return Status::Ok();
      }
      case 4: {  // array
        if (depth + 1 > limits_.max_depth) return Fail(start, "nesting too deep");
        if (arg > Remaining()) return Fail(start, "array length exceeds the remaining bytes");
        for (uint64_t i = 0; i < arg; ++i) CITYID_RETURN_IF_ERROR(Item(depth + 1));
        return Status::Ok();
      }
      case 5: {  // map
        if (depth + 1 > limits_.max_depth) return Fail(start, "nesting too deep");
        if (arg > Remaining() / 2) return Fail(start, "map length exceeds the remaining bytes");
        std::vector<ByteView> keys;
        keys.reserve(static_cast<size_t>(arg));
        for (uint64_t i = 0; i < arg; ++i) {
          const size_t key_start = pos_;
          CITYID_RETURN_IF_ERROR(Item(depth + 1));
          keys.push_back(data_.subspan(key_start, pos_ - key_start));
          CITYID_RETURN_IF_ERROR(Item(depth + 1));
        }
        std::sort(keys.begin(), keys.end(), [](ByteView a, ByteView b) {
          return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end());
        });
        for (size_t i = 1; i < keys.size(); ++i) {
          if (std::equal(keys[i].begin(), keys[i].end(), keys[i - 1].begin(), keys[i - 1].end())) {
            return Fail(start, "duplicate map key");
          }
        }
        return Status::Ok();
      }
      case 6:  // tag
        if (!limits_.allow_tags) return Fail(start, "tags are not allowed here");
        if (depth + 1 > limits_.max_depth) return Fail(start, "nesting too deep");
        return Item(depth + 1);
      case 7:                                               // simple values and floats
        if (info >= 20 && info <= 23) return Status::Ok();  // false, true, null, undefined
        if (info >= 25 && info <= 27) return Status::Ok();  // half, single, double float
        return Fail(start, "unassigned or reserved simple value");
      default:
        return Fail(start, "impossible major type");
    }
  }

  ByteView data_;
  const Limits& limits_;
  ErrorId error_id_;
  size_t pos_ = 0;
  size_t items_ = 0;
};

struct FreeDeleter {
  void operator()(unsigned char* p) const { std::free(p); }
};

ItemPtr Checked(cbor_item_t* item) {
  if (item == nullptr) std::abort();  // libcbor allocation failure
  return ItemPtr(item);
}

}  // namespace

Status ValidateCbor(ByteView data, const Limits& limits, ErrorId error_id) {
  return Validator(data, limits, error_id).Run();
}

Result<ItemPtr> DecodeStrict(ByteView data, const Limits& limits, ErrorId error_id) {
  CITYID_RETURN_IF_ERROR(ValidateCbor(data, limits, error_id));
  cbor_load_result result{};
  ItemPtr item(cbor_load(data.data(), data.size(), &result));
  if (item == nullptr || result.error.code != CBOR_ERR_NONE) {
    return Error(error_id, "CBOR could not be loaded (libcbor error " +
                               std::to_string(static_cast<int>(result.error.code)) + ")");
  }
  if (result.read != data.size()) return Error(error_id, "CBOR has trailing bytes");
  return item;
}

Result<TaggedItem> SplitTags(ByteView data, size_t max_tags, ErrorId error_id) {
  TaggedItem out;
  size_t pos = 0;
  while (pos < data.size() && (data[pos] >> 5) == 6) {
    if (out.tags.size() == max_tags) {
      return Error(error_id, "CBOR offset " + std::to_string(pos) + ": too many tags");
    }
    const uint8_t info = data[pos] & 0x1F;
    size_t n = 0;
    if (info < 24) {
      n = 0;
    } else if (info <= 27) {
      n = size_t{1} << (info - 24);
    } else {
      return Error(error_id, "CBOR offset " + std::to_string(pos) + ": invalid tag head");
    }
    if (data.size() - pos - 1 < n) {
      return Error(error_id, "CBOR offset " + std::to_string(pos) + ": truncated tag");
    }
    uint64_t tag = info < 24 ? info : 0;
    for (size_t k = 0; k < n; ++k) tag = (tag << 8) | data[pos + 1 + k];
    out.tags.push_back(tag);
    pos += 1 + n;
  }
  out.content = data.subspan(pos);
  return out;
}

std::optional<Reader::Head> Reader::PeekHead() const {
  if (pos_ >= data_.size()) return std::nullopt;
  const uint8_t initial = data_[pos_];
  Head h{static_cast<uint8_t>(initial >> 5), 0, 1};
  const uint8_t info = initial & 0x1F;
  if (info < 24) {
    h.argument = info;
    return h;
  }
  if (info > 27) return std::nullopt;  // reserved or indefinite length
  const size_t n = size_t{1} << (info - 24);
  if (data_.size() - pos_ - 1 < n) return std::nullopt;
  for (size_t i = 0; i < n; ++i) h.argument = (h.argument << 8) | data_[pos_ + 1 + i];
  h.size = 1 + n;
  return h;
}

std::optional<uint64_t> Reader::Take(uint8_t major) {
  const auto h = PeekHead();
  if (!h || h->major != major) return std::nullopt;
  pos_ += h->size;
  return h->argument;
}

std::optional<int64_t> Reader::Int() {
  const auto h = PeekHead();
  if (!h || h->major > 1 || h->argument > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
  pos_ += h->size;
  const auto v = static_cast<int64_t>(h->argument);
  return h->major == 0 ? v : -1 - v;
}

std::optional<uint64_t> Reader::Uint() { return Take(0); }

std::optional<ByteView> Reader::Bstr() {
  const auto h = PeekHead();
  if (!h || h->major != 2 || h->argument > data_.size() - pos_ - h->size) return std::nullopt;
  pos_ += h->size;
  const ByteView out = data_.subspan(pos_, static_cast<size_t>(h->argument));
  pos_ += out.size();
  return out;
}

std::optional<std::string_view> Reader::Text() {
  const auto h = PeekHead();
  if (!h || h->major != 3 || h->argument > data_.size() - pos_ - h->size) return std::nullopt;
  pos_ += h->size;
  const std::string_view out(reinterpret_cast<const char*>(data_.data() + pos_),
                             static_cast<size_t>(h->argument));
  pos_ += out.size();
  return out;
}

std::optional<uint64_t> Reader::ArrayHeader() { return Take(4); }
std::optional<uint64_t> Reader::MapHeader() { return Take(5); }

bool Reader::Skip() { return SkipDepth(0); }

bool Reader::SkipDepth(int depth) {
  if (depth > 16) return false;
  const size_t start = pos_;
  const auto h = PeekHead();
  if (!h) return false;
  bool ok = true;
  switch (h->major) {
    case 0:
    case 1:
    case 7:
      pos_ += h->size;
      break;
    case 2:
    case 3:
      if (h->argument > data_.size() - pos_ - h->size) return false;
      pos_ += h->size + static_cast<size_t>(h->argument);
      break;
    case 4:
    case 5: {
      pos_ += h->size;
      const uint64_t items = h->major == 4 ? h->argument : h->argument * 2;
      if (h->argument > data_.size() || items > data_.size() - pos_) {
        ok = false;  // more items than bytes left
        break;
      }
      for (uint64_t i = 0; i < items && ok; ++i) ok = SkipDepth(depth + 1);
      break;
    }
    case 6:
      pos_ += h->size;
      ok = SkipDepth(depth + 1);
      break;
    default:
      ok = false;
  }
  if (!ok) pos_ = start;
  return ok;
}

Writer& Writer::Head(uint8_t major, uint64_t value) {
  const auto mt = static_cast<uint8_t>(major << 5);
  if (value < 24) {
    out_.push_back(static_cast<uint8_t>(mt | value));
    return *this;
  }
  int bytes = 8;
  uint8_t info = 27;
  if (value <= UINT8_MAX) {
    bytes = 1;
    info = 24;
  } else if (value <= UINT16_MAX) {
    bytes = 2;
    info = 25;
  } else if (value <= UINT32_MAX) {
    bytes = 4;
    info = 26;
  }
  out_.push_back(static_cast<uint8_t>(mt | info));
  for (int i = bytes - 1; i >= 0; --i) out_.push_back(static_cast<uint8_t>(value >> (8 * i)));
  return *this;
}

Result<Bytes> Serialize(const cbor_item_t* item) {
  unsigned char* buffer = nullptr;
  size_t capacity = 0;
  const size_t written = cbor_serialize_alloc(item, &buffer, &capacity);
  std::unique_ptr<unsigned char, FreeDeleter> owner(buffer);
  if (written == 0 || buffer == nullptr) {
    return Error(ErrorId::kInternal, "CBOR serialization failed");
  }
  return Bytes(buffer, buffer + written);
}

ItemPtr Uint(uint64_t value) {
  if (value <= UINT8_MAX) return Checked(cbor_build_uint8(static_cast<uint8_t>(value)));
  if (value <= UINT16_MAX) return Checked(cbor_build_uint16(static_cast<uint16_t>(value)));
  if (value <= UINT32_MAX) return Checked(cbor_build_uint32(static_cast<uint32_t>(value)));
  return Checked(cbor_build_uint64(value));
}

ItemPtr Int(int64_t value) {
  if (value >= 0) return Uint(static_cast<uint64_t>(value));
  // CBOR negative integer n encodes -1 - n.
  const uint64_t n = static_cast<uint64_t>(-(value + 1));
  if (n <= UINT8_MAX) return Checked(cbor_build_negint8(static_cast<uint8_t>(n)));
  if (n <= UINT16_MAX) return Checked(cbor_build_negint16(static_cast<uint16_t>(n)));
  if (n <= UINT32_MAX) return Checked(cbor_build_negint32(static_cast<uint32_t>(n)));
  return Checked(cbor_build_negint64(n));
}

ItemPtr Text(std::string_view text) {
  return Checked(cbor_build_stringn(text.data(), text.size()));
}

ItemPtr Bstr(ByteView bytes) {
  // libcbor copies the bytes; a null handle is fine for length 0 only if non-null, so pass a
  // valid pointer in every case.
  static const uint8_t kEmpty = 0;
  return Checked(cbor_build_bytestring(bytes.empty() ? &kEmpty : bytes.data(), bytes.size()));
}

ItemPtr NewMap(size_t size) { return Checked(cbor_new_definite_map(size)); }
ItemPtr NewArray(size_t size) { return Checked(cbor_new_definite_array(size)); }

ItemPtr Tag(uint64_t tag, ItemPtr item) { return Checked(cbor_build_tag(tag, item.get())); }

void MapAdd(cbor_item_t* map, ItemPtr key, ItemPtr value) {
  // cbor_map_add takes its own references (incref), ours are released by the ItemPtrs.
  if (!cbor_map_add(map, cbor_pair{key.get(), value.get()})) std::abort();
}

void ArrayPush(cbor_item_t* array, ItemPtr value) {
  if (!cbor_array_push(array, value.get())) std::abort();
}

std::optional<int64_t> GetInt(const cbor_item_t* item) {
  if (item == nullptr || !cbor_is_int(item)) return std::nullopt;
  const uint64_t v = cbor_get_int(item);
  if (v > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
  if (cbor_isa_uint(item)) return static_cast<int64_t>(v);
  return -1 - static_cast<int64_t>(v);
}

std::optional<std::string_view> GetText(const cbor_item_t* item) {
  if (item == nullptr || !cbor_isa_string(item) || !cbor_string_is_definite(item)) {
    return std::nullopt;
  }
  return std::string_view(reinterpret_cast<const char*>(cbor_string_handle(item)),
                          cbor_string_length(item));
}

std::optional<ByteView> GetBytes(const cbor_item_t* item) {
  if (item == nullptr || !cbor_isa_bytestring(item) || !cbor_bytestring_is_definite(item)) {
    return std::nullopt;
  }
  return ByteView(cbor_bytestring_handle(item), cbor_bytestring_length(item));
}

Status BadClaims(const std::string& what) { return Error(ErrorId::kBadClaims, what); }

Result<int64_t> ReadClaimInt(Reader& r, std::string_view what) {
  const auto v = r.Int();
  if (!v) return BadClaims(std::string(what) + " is not an integer");
  return *v;
}

}  // namespace cityid::credential::cbor
