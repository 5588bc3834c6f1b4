#include "credential/zlib_codec.h"

#include <zlib.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstdlib>
#include <string>

namespace cityid::credential {
namespace {

constexpr int kZlibWindowBits = 15;       // zlib wrapper, 32 KiB window
constexpr int kGzipWindowBits = 15 + 16;  // gzip wrapper only
constexpr int kMemLevel = 8;  // status lists (16 KiB and more)
// A card payload is an Ed25519 signature, salted digests and a few short strings: high entropy.
// Measured on typical cards, deflate level 9 made it 2 bytes smaller (3 Base45 characters of
// ~430) and cost a quarter of the CPU of issuing a card, the Huffman tree construction alone
// costing more than the payload's SHA-256 digests. So cards are zlib streams of stored deflate
// blocks (level 0, header 0x78 0x01): valid RFC 1950, inflated by every zlib, a few µs to write.
// Decoding accepts any deflate stream, compressed or not.
constexpr int kCardLevel = Z_NO_COMPRESSION;
constexpr int kCardWindowBits = kZlibWindowBits;
constexpr int kCardMemLevel = 1;

// RAII owner of a z_stream set up for deflate or inflate.
class ZStream {
 public:
  enum class Mode { kDeflate, kInflate };
  explicit ZStream(Mode mode) : mode_(mode) {}
  ~ZStream() {
    if (!initialized_) return;
    if (mode_ == Mode::kDeflate) {
      deflateEnd(&strm_);
    } else {
      inflateEnd(&strm_);
    }
  }
  ZStream(const ZStream&) = delete;
  ZStream& operator=(const ZStream&) = delete;

  bool InitDeflate(int level, int window_bits, int mem_level) {
    initialized_ = deflateInit2(&strm_, level, Z_DEFLATED, window_bits, mem_level,
                                Z_DEFAULT_STRATEGY) == Z_OK;
    return initialized_;
  }
  bool InitInflate(int window_bits) {
    initialized_ = inflateInit2(&strm_, window_bits) == Z_OK;
    return initialized_;
  }
  z_stream* get() { return &strm_; }

 private:
  Mode mode_;
  bool initialized_ = false;
  z_stream strm_{};
};

// Compresses `data` with the initialized deflate stream `s` (reset afterwards for reuse).
Bytes DeflateWith(z_stream* s, ByteView data) {
  // Inputs here are small (a card payload, a status list of at most a few MiB), far below
  // uInt's range; larger inputs would be a programming error.
  if (data.size() > UINT_MAX / 2) std::abort();
  Bytes out(deflateBound(s, static_cast<uLong>(data.size())));
  s->next_in = const_cast<Bytef*>(data.data());
  s->avail_in = static_cast<uInt>(data.size());
  s->next_out = out.data();
  s->avail_out = static_cast<uInt>(out.size());
  // deflateBound guarantees a single Z_FINISH call completes.
  if (deflate(s, Z_FINISH) != Z_STREAM_END) std::abort();
  out.resize(s->total_out);
  if (deflateReset(s) != Z_OK) std::abort();
  return out;
}

Bytes Deflate(ByteView data, int window_bits, int mem_level) {
  ZStream z(ZStream::Mode::kDeflate);
  if (!z.InitDeflate(Z_BEST_COMPRESSION, window_bits, mem_level)) std::abort();  // only fails on out-of-memory
  return DeflateWith(z.get(), data);
}

// Inflates `data` with the initialized inflate stream `s`, which the caller resets before reuse.
Result<Bytes> InflateWith(z_stream* s, ByteView data, size_t max_out) {
  if (data.size() > UINT_MAX / 2) {
    return Error(ErrorId::kPayloadTooLarge, "compressed input too large");
  }
  s->next_in = const_cast<Bytef*>(data.data());
  s->avail_in = static_cast<uInt>(data.size());

  // Grow the output buffer geometrically, but never past max_out + 1: producing one byte more
  // than allowed is how we detect "too large" without inflating the rest.
  const size_t hard_cap = max_out < SIZE_MAX ? max_out + 1 : max_out;
  Bytes out(std::min(hard_cap, std::max<size_t>(1024, data.size() * 4)));
  size_t produced = 0;
  for (;;) {
    if (produced == out.size()) {
      if (out.size() >= hard_cap) {
        return Error(ErrorId::kPayloadTooLarge,
                     "decompressed data exceeds " + std::to_string(max_out) + " bytes");
      }
      out.resize(std::min(hard_cap, out.size() * 2));
    }
    const size_t room = std::min<size_t>(out.size() - produced, UINT_MAX / 2);
    s->next_out = out.data() + produced;
    s->avail_out = static_cast<uInt>(room);
    const int rc = inflate(s, Z_NO_FLUSH);
    produced += room - s->avail_out;
    if (produced > max_out) {
      return Error(ErrorId::kPayloadTooLarge,
                   "decompressed data exceeds " + std::to_string(max_out) + " bytes");
    }
    if (rc == Z_STREAM_END) break;
    if (rc == Z_NEED_DICT) {
      return Error(ErrorId::kBadCompression, "stream requires a preset dictionary");
    }
    if (rc == Z_DATA_ERROR) {
      return Error(ErrorId::kBadCompression, "corrupt compressed stream or bad checksum");
    }
    if (rc == Z_MEM_ERROR) return Error(ErrorId::kInternal, "inflate out of memory");
    if (rc == Z_BUF_ERROR || (rc == Z_OK && s->avail_in == 0 && s->avail_out != 0)) {
      // No progress possible with output room left: the input ended before the stream did.
      if (s->avail_in == 0) {
        return Error(ErrorId::kBadCompression, "compressed stream is truncated");
      }
      return Error(ErrorId::kBadCompression, "inflate made no progress");
    }
    if (rc != Z_OK) return Error(ErrorId::kBadCompression, "inflate failed");
  }
  if (s->avail_in != 0) {
    return Error(ErrorId::kBadCompression, "trailing bytes after the compressed stream");
  }
  out.resize(produced);
  return out;
}

Result<Bytes> Inflate(ByteView data, size_t max_out, int window_bits) {
  ZStream z(ZStream::Mode::kInflate);
  if (!z.InitInflate(window_bits)) return Error(ErrorId::kInternal, "inflateInit2 failed");
  return InflateWith(z.get(), data, max_out);
}

}  // namespace

// Cards are compressed and inflated one at a time per thread, thousands per second: each thread
// keeps one stream of each kind and resets it, instead of allocating zlib's window and tables
// (~130 KiB) per card, which cost more than the compression itself (and returned memory to the
// kernel on every free). Reset streams keep no data of the previous card that affects the next.
Bytes ZlibCompress(ByteView data) {
  thread_local ZStream z(ZStream::Mode::kDeflate);
  thread_local bool ready = z.InitDeflate(kCardLevel, kCardWindowBits, kCardMemLevel);
  if (!ready) std::abort();  // only fails on out-of-memory
  return DeflateWith(z.get(), data);
}

Result<Bytes> ZlibDecompress(ByteView data, size_t max_out) {
  thread_local ZStream z(ZStream::Mode::kInflate);
  thread_local bool ready = z.InitInflate(kZlibWindowBits);
  if (!ready) return Error(ErrorId::kInternal, "inflateInit2 failed");
  auto out = InflateWith(z.get(), data, max_out);
  if (inflateReset(z.get()) != Z_OK) std::abort();
  return out;
}

Bytes GzipCompress(ByteView data) { return Deflate(data, kGzipWindowBits, kMemLevel); }

Result<Bytes> GzipDecompress(ByteView data, size_t max_out) {
  return Inflate(data, max_out, kGzipWindowBits);
}

}  // namespace cityid::credential
