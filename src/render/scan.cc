#include "render/scan.h"

// zxing-cpp 1.4: text() returns UTF-8 std::string with ZX_USE_UTF8 (the 2.x default).
#define ZX_USE_UTF8 1
#include <ZXing/ReadBarcode.h>

#include <cstdint>
#include <exception>
#include <vector>

#include "render/image.h"

namespace cityid::render {

Result<std::string> DecodeQrFromImage(ByteView bytes) {
  internal::ImageLimits limits{kMaxScanImageBytes, kMaxScanImageDimension, kMaxScanImageDimension};
  CITYID_ASSIGN_OR_RETURN(internal::SurfacePtr img,
                          internal::DecodeImage(bytes, limits, ErrorId::kInvalidPhoto));
  const int w = cairo_image_surface_get_width(img.get());
  const int h = cairo_image_surface_get_height(img.get());
  const int stride = cairo_image_surface_get_stride(img.get());
  const unsigned char* data = cairo_image_surface_get_data(img.get());
  // Luminance, composited over white (premultiplied ARGB: c + (255 - a)).
  std::vector<uint8_t> lum(static_cast<size_t>(w) * static_cast<size_t>(h));
  for (int y = 0; y < h; ++y) {
    const auto* row = reinterpret_cast<const uint32_t*>(data + static_cast<size_t>(y) * stride);
    for (int x = 0; x < w; ++x) {
      const uint32_t p = row[x];
      const uint32_t white = 255 - (p >> 24);
      const uint32_t r = ((p >> 16) & 0xFF) + white, g = ((p >> 8) & 0xFF) + white,
                     b = (p & 0xFF) + white;
      lum[static_cast<size_t>(y) * w + x] =
          static_cast<uint8_t>((299 * r + 587 * g + 114 * b) / 1000);
    }
  }
  try {
    ZXing::DecodeHints hints;
    hints.setFormats(ZXing::BarcodeFormat::QRCode);
    hints.setTryHarder(true);
    hints.setTryRotate(true);
    ZXing::ImageView view(lum.data(), w, h, ZXing::ImageFormat::Lum);
    ZXing::Result result = ZXing::ReadBarcode(view, hints);
    if (!result.isValid()) return Error(ErrorId::kNotFound, "no readable QR code in the image");
    return result.text();
  } catch (const std::exception&) {
    return Error(ErrorId::kInternal, "QR decoder failed");
  }
}

}  // namespace cityid::render
