#pragma once
// Reading a card's QR code back from a picture of it (a rendered PNG, a scan, a photo).

#include <cstddef>
#include <string>

#include "base/bytes.h"
#include "base/status.h"

namespace cityid::render {

inline constexpr size_t kMaxScanImageBytes = 20 * 1024 * 1024;
inline constexpr int kMaxScanImageDimension = 8000;  // pixels, each side

// Finds and decodes one QR code in a PNG or JPEG image (zxing-cpp, trying harder and rotations;
// transparent pixels count as white paper). Returns the QR's text. Fails with kInvalidPhoto when
// the image is not PNG/JPEG, over kMaxScanImageBytes or kMaxScanImageDimension, or corrupt;
// kNotFound when no QR code can be read in it. Never throws. Thread-compatible.
Result<std::string> DecodeQrFromImage(ByteView png_or_jpeg);

}  // namespace cityid::render
