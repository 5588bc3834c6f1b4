#include "render/scan.h"

// zxing-cpp 1.4: text() returns UTF-8 std::string with ZX_USE_UTF8 (the 2.x default).
#define ZX_USE_UTF8 1
#include <ZXing/ReadBarcode.h>

#include <algorithm>
#include <cstdint>
#include <exception>
#include <optional>
#include <vector>

#include "render/image.h"

namespace cityid::render {
namespace {

struct Plane {
  int w = 0, h = 0;
  std::vector<uint8_t> px;
};

std::optional<std::string> Read(const uint8_t* px, int w, int h, ZXing::Binarizer binarizer) {
  ZXing::DecodeHints hints;
  hints.setFormats(ZXing::BarcodeFormat::QRCode);
  hints.setTryHarder(true);
  hints.setTryRotate(true);
  hints.setBinarizer(binarizer);
  const ZXing::ImageView view(px, w, h, ZXing::ImageFormat::Lum);
  ZXing::Result result = ZXing::ReadBarcode(view, hints);
  if (!result.isValid()) return std::nullopt;
  return result.text();
}

// Separable box blur of radius r (clamped at the edges); two passes approximate a Gaussian.
Plane BoxBlur(const Plane& in, int r) {
  Plane tmp{in.w, in.h, std::vector<uint8_t>(in.px.size())};
  Plane out = tmp;
  const int n = 2 * r + 1;
  for (int y = 0; y < in.h; ++y) {
    const uint8_t* s = &in.px[static_cast<size_t>(y) * in.w];
    uint8_t* d = &tmp.px[static_cast<size_t>(y) * in.w];
    int sum = 0;
    for (int k = -r; k <= r; ++k) sum += s[std::clamp(k, 0, in.w - 1)];
    for (int x = 0; x < in.w; ++x) {
      d[x] = static_cast<uint8_t>(sum / n);
      sum += s[std::min(x + r + 1, in.w - 1)] - s[std::max(x - r, 0)];
    }
  }
  for (int x = 0; x < in.w; ++x) {
    int sum = 0;
    for (int k = -r; k <= r; ++k) sum += tmp.px[static_cast<size_t>(std::clamp(k, 0, in.h - 1)) * in.w + x];
    for (int y = 0; y < in.h; ++y) {
      out.px[static_cast<size_t>(y) * in.w + x] = static_cast<uint8_t>(sum / n);
      sum += tmp.px[static_cast<size_t>(std::min(y + r + 1, in.h - 1)) * in.w + x] -
             tmp.px[static_cast<size_t>(std::max(y - r, 0)) * in.w + x];
    }
  }
  return out;
}

// Divides out the lighting: each pixel over the brightness of the paper around it (a wide blur
// of the image, brightened by a dilation-like max of the two), stretched to 0..255.
Plane FlattenLighting(const Plane& in) {
  const int r = std::max(8, std::min(in.w, in.h) / 16);
  Plane bg = BoxBlur(BoxBlur(in, r), r);
  Plane out{in.w, in.h, std::vector<uint8_t>(in.px.size())};
  for (size_t i = 0; i < in.px.size(); ++i) {
    const int paper = std::max<int>(bg.px[i], 1);
    out.px[i] = static_cast<uint8_t>(std::min(255, in.px[i] * 200 / paper));
  }
  return out;
}

// Unsharp mask: the image plus `amount` times its difference from a blur of radius r. Restores
// the edges an out-of-focus lens or a soft scan smeared, so module boundaries binarize again.
Plane Sharpen(const Plane& in, int r, int amount_percent) {
  const Plane soft = BoxBlur(BoxBlur(in, r), r);
  Plane out{in.w, in.h, std::vector<uint8_t>(in.px.size())};
  for (size_t i = 0; i < in.px.size(); ++i) {
    const int v = in.px[i] + (in.px[i] - soft.px[i]) * amount_percent / 100;
    out.px[i] = static_cast<uint8_t>(std::clamp(v, 0, 255));
  }
  return out;
}

// Bilinear 2x enlargement.
Plane Enlarge2x(const Plane& in) {
  Plane out{in.w * 2, in.h * 2, std::vector<uint8_t>(static_cast<size_t>(in.w) * in.h * 4)};
  for (int y = 0; y < out.h; ++y) {
    const double sy = std::max(0.0, (y + 0.5) / 2 - 0.5);
    const int y0 = std::min(static_cast<int>(sy), in.h - 1), y1 = std::min(y0 + 1, in.h - 1);
    const double fy = sy - y0;
    for (int x = 0; x < out.w; ++x) {
      const double sx = std::max(0.0, (x + 0.5) / 2 - 0.5);
      const int x0 = std::min(static_cast<int>(sx), in.w - 1), x1 = std::min(x0 + 1, in.w - 1);
      const double fx = sx - x0;
      auto at = [&](int xx, int yy) { return in.px[static_cast<size_t>(yy) * in.w + xx]; };
      const double v = (1 - fy) * ((1 - fx) * at(x0, y0) + fx * at(x1, y0)) +
                       fy * ((1 - fx) * at(x0, y1) + fx * at(x1, y1));
      out.px[static_cast<size_t>(y) * out.w + x] = static_cast<uint8_t>(v + 0.5);
    }
  }
  return out;
}

}  // namespace

Result<std::string> DecodeQrFromLuminance(std::span<const uint8_t> pixels, int width,
                                          int height) {
  if (width <= 0 || height <= 0 ||
      pixels.size() != static_cast<size_t>(width) * static_cast<size_t>(height)) {
    return Error(ErrorId::kInvalidArgument, "luminance plane does not match its dimensions");
  }
  try {
    // The fast path: a clean picture (a rendered PNG, a good scan) is read here.
    if (auto text = Read(pixels.data(), width, height, ZXing::Binarizer::LocalAverage)) {
      return *text;
    }
    if (auto text = Read(pixels.data(), width, height, ZXing::Binarizer::GlobalHistogram)) {
      return *text;
    }
    // Poor pictures: each variant is read with both binarizers, cheapest variants first.
    auto read_any = [](const Plane& p) -> std::optional<std::string> {
      for (ZXing::Binarizer b :
           {ZXing::Binarizer::LocalAverage, ZXing::Binarizer::GlobalHistogram}) {
        if (auto text = Read(p.px.data(), p.w, p.h, b)) return text;
      }
      return std::nullopt;
    };
    const Plane original{width, height, std::vector<uint8_t>(pixels.begin(), pixels.end())};
    const Plane flat = FlattenLighting(original);  // uneven lighting, shadows
    if (auto text = read_any(flat)) return *text;
    // Out of focus: unsharp masks of two strengths, on the picture as taken and flattened.
    if (auto text = read_any(Sharpen(original, 1, 100))) return *text;
    if (auto text = read_any(Sharpen(original, 2, 200))) return *text;
    if (auto text = read_any(Sharpen(flat, 2, 150))) return *text;
    if (auto text = read_any(BoxBlur(flat, 1))) return *text;  // JPEG blocks and noise
    // Small modules (a far-away or downscaled photo): enlarge, then sharpen at the new scale,
    // while the enlarged copy stays a reasonable size.
    if (static_cast<uint64_t>(width) * static_cast<uint64_t>(height) <= 4'000'000) {
      const Plane big = Enlarge2x(flat);
      if (auto text = read_any(big)) return *text;
      if (auto text = read_any(Sharpen(big, 3, 150))) return *text;
    }
  } catch (const std::exception&) {
    return Error(ErrorId::kInternal, "QR decoder failed");
  }
  return Error(ErrorId::kNotFound, "no readable QR code in the image");
}

Result<std::string> DecodeQrFromImage(ByteView bytes, const ScanLimits& limits) {
  const internal::ImageLimits image_limits{limits.max_bytes, limits.max_dimension,
                                           limits.max_dimension, limits.max_pixels};
  CITYID_ASSIGN_OR_RETURN(internal::GrayImage img,
                          internal::DecodeGray(bytes, image_limits, ErrorId::kInvalidPhoto));
  return DecodeQrFromLuminance(img.pixels, img.width, img.height);
}

}  // namespace cityid::render
