#pragma once
// Reading a card's QR code back from a picture of it (a rendered PNG, a PDF page rasterized, a
// scan, a phone photo).

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "base/bytes.h"
#include "base/status.h"

namespace cityid::render {

inline constexpr size_t kMaxScanImageBytes = 20 * 1024 * 1024;
inline constexpr int kMaxScanImageDimension = 8000;            // pixels, each side
inline constexpr uint64_t kMaxScanImagePixels = 40'000'000;    // ~160 MB decoded at most

// What a picture may be. The defaults are what `cityid verify --image` accepts; fuzzers and
// services with tighter memory budgets pass smaller ones.
struct ScanLimits {
  size_t max_bytes = kMaxScanImageBytes;
  int max_dimension = kMaxScanImageDimension;
  uint64_t max_pixels = kMaxScanImagePixels;
};

// Finds and decodes one QR code in a PNG or JPEG image and returns its text. The picture is
// turned upright by its EXIF orientation, composited over white (transparent pixels are paper),
// reduced to luminance and given to DecodeQrFromLuminance. Fails with kInvalidPhoto when the
// image is not PNG/JPEG, over a limit (bytes, either side, pixel count) or corrupt; kNotFound
// when no QR code can be read in it. Never throws. Thread-compatible.
Result<std::string> DecodeQrFromImage(ByteView png_or_jpeg, const ScanLimits& limits = {});

// Decodes one QR code from an 8-bit luminance plane (row-major, `width` x `height`, no padding).
// One fast zxing-cpp pass (tryHarder, tryRotate, local-average binarizer) reads a clean image;
// only when it fails come the passes for poor pictures, cheapest first: a global-histogram
// binarizer (blur), a flattened background (uneven lighting), a smoothed copy (JPEG noise),
// and a 2x enlargement (small modules). Fails with kInvalidArgument when the plane's size does
// not match width x height or a side is not positive, kNotFound when no pass reads a QR code.
// Never throws. Thread-compatible.
Result<std::string> DecodeQrFromLuminance(std::span<const uint8_t> pixels, int width, int height);

}  // namespace cityid::render
