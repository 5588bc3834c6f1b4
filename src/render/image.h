#pragma once
// Bounded PNG/JPEG decoding into a cairo image surface or a luminance plane. Internal to render/.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "base/bytes.h"
#include "base/status.h"
#include "render/handles.h"

namespace cityid::render::internal {

enum class ImageKind { kPng, kJpeg };

struct ImageLimits {
  size_t max_bytes = 0;
  int max_width = 0;
  int max_height = 0;
  // Bound on width x height (a decompression bomb is a small file with a big pixel count: each
  // pixel costs 3-4 bytes decoded however small the file). 0 = max_width x max_height.
  uint64_t max_pixels = 0;
};

// Identifies PNG or JPEG by signature and reads the dimensions from the header (PNG IHDR, JPEG
// SOFn) without decoding. Fails with `error` (naming the problem) for anything else, empty or
// truncated files, zero or over-limit dimensions or pixel counts and over-limit sizes.
Status CheckImage(ByteView bytes, const ImageLimits& limits, ErrorId error, ImageKind* kind,
                  int* width, int* height);

// CheckImage, then decodes with gdk-pixbuf and applies the EXIF orientation a camera recorded
// (JPEG APP1 / PNG eXIf, tags 1-8), so the picture comes out upright: a portrait taken with the
// phone on its side and stored with orientation 6 is returned rotated 90° clockwise, its width
// and height swapped. Corrupt data fails with `error`; never crashes. Thread-compatible.
Result<PixbufPtr> DecodePixbuf(ByteView bytes, const ImageLimits& limits, ErrorId error);

// DecodePixbuf into a CAIRO_FORMAT_ARGB32 surface (premultiplied). Errors as DecodePixbuf, plus
// kResourceExhausted when the surface cannot be allocated.
Result<SurfacePtr> DecodeImage(ByteView bytes, const ImageLimits& limits, ErrorId error);

// An 8-bit luminance plane (ITU-R BT.601 weights), row-major, no padding.
struct GrayImage {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> pixels;
};

// Luminance composited over white (transparent pixels count as paper): PNG through libpng's
// simplified reader (CheckImage first), JPEG through DecodePixbuf (EXIF orientation applied).
// Errors as DecodePixbuf.
Result<GrayImage> DecodeGray(ByteView bytes, const ImageLimits& limits, ErrorId error);

}  // namespace cityid::render::internal
