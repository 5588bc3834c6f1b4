// libFuzzer target: the image loader and the QR scanner on untrusted bytes.
//
// The first byte picks the path:
//   0x00  the rest is an 8-bit luminance plane for render::DecodeQrFromLuminance (the zxing-cpp
//         detector and decoder on arbitrary pixels); its width is the second byte plus 1;
//   else  the whole input is a picture file: render::DecodeQrFromImage (header checks, gdk-pixbuf
//         PNG/JPEG decoding, EXIF orientation, all scanning passes) and the photo path of the
//         renderer (internal::DecodeImage with the photo limits).
// Limits are small so each input runs in milliseconds; the header checks that enforce them are
// the same code whatever the limit. Any Status is fine; a crash, a leak, a hang or an exception
// escaping are not.

#include <cstddef>
#include <cstdint>
#include <span>

#include "render/image.h"
#include "render/render.h"
#include "render/scan.h"

namespace {

using namespace cityid;  // NOLINT: fuzz harness, not a header

constexpr render::ScanLimits kLimits{256 * 1024, 512, 512 * 512};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  if (data[0] == 0x00) {
    if (size < 2) return 0;
    const int width = data[1] + 1;
    const std::span<const uint8_t> plane(data + 2, size - 2);
    const int height = static_cast<int>(plane.size() / static_cast<size_t>(width));
    if (height == 0) return 0;
    auto text = render::DecodeQrFromLuminance(plane.first(static_cast<size_t>(width) * height),
                                              width, height);
    (void)text;
    return 0;
  }
  const ByteView bytes(data, size);
  auto text = render::DecodeQrFromImage(bytes, kLimits);
  (void)text;
  auto photo = render::internal::DecodeImage(
      bytes, {kLimits.max_bytes, kLimits.max_dimension, kLimits.max_dimension, kLimits.max_pixels},
      ErrorId::kInvalidPhoto);
  (void)photo;
  return 0;
}
