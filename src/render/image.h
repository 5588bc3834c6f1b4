#pragma once
// Bounded PNG/JPEG decoding into a cairo image surface. Internal to render/.

#include <cstddef>

#include "base/bytes.h"
#include "base/status.h"
#include "render/handles.h"

namespace cityid::render::internal {

enum class ImageKind { kPng, kJpeg };

struct ImageLimits {
  size_t max_bytes = 0;
  int max_width = 0;
  int max_height = 0;
};

// Identifies PNG or JPEG by signature and reads the dimensions from the header (PNG IHDR, JPEG
// SOFn) without decoding. Fails with `error` (naming the problem) for anything else, truncated
// headers, zero or over-limit dimensions and over-limit sizes.
Status CheckImage(ByteView bytes, const ImageLimits& limits, ErrorId error, ImageKind* kind,
                  int* width, int* height);

// CheckImage, then decodes with gdk-pixbuf into a CAIRO_FORMAT_ARGB32 surface (premultiplied).
// Corrupt data fails with `error`; never crashes. Thread-compatible.
Result<SurfacePtr> DecodeImage(ByteView bytes, const ImageLimits& limits, ErrorId error);

}  // namespace cityid::render::internal
