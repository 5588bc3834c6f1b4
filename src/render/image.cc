#include "render/image.h"

#include <png.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>

namespace cityid::render::internal {
namespace {

uint32_t Be32(ByteView b, size_t at) {
  return (uint32_t{b[at]} << 24) | (uint32_t{b[at + 1]} << 16) | (uint32_t{b[at + 2]} << 8) |
         uint32_t{b[at + 3]};
}
uint32_t Be16(ByteView b, size_t at) { return (uint32_t{b[at]} << 8) | uint32_t{b[at + 1]}; }

Status JpegDimensions(ByteView b, ErrorId error, int* w, int* h) {
  size_t at = 2;  // after SOI
  while (at + 4 <= b.size()) {
    if (b[at] != 0xFF) return Error(error, "JPEG: marker expected at offset " + std::to_string(at));
    const uint8_t marker = b[at + 1];
    if (marker == 0xFF) {  // fill byte
      ++at;
      continue;
    }
    if (marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
      at += 2;  // markers without a length
      continue;
    }
    if (marker == 0xD9 || marker == 0xDA) break;  // end of image / start of scan before SOF
    const uint32_t len = Be16(b, at + 2);
    if (len < 2) return Error(error, "JPEG: bad segment length");
    const bool sof =
        marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    if (sof) {
      if (at + 9 > b.size() || len < 7) return Error(error, "JPEG: truncated frame header");
      *h = static_cast<int>(Be16(b, at + 5));
      *w = static_cast<int>(Be16(b, at + 7));
      return Status::Ok();
    }
    at += 2 + len;
  }
  return Error(error, "JPEG: no frame header");
}

}  // namespace

Status CheckImage(ByteView b, const ImageLimits& limits, ErrorId error, ImageKind* kind, int* w,
                  int* h) {
  if (b.empty()) return Error(error, "image is empty");
  if (b.size() > limits.max_bytes) {
    return Error(error, "image is " + std::to_string(b.size()) + " bytes; the limit is " +
                            std::to_string(limits.max_bytes));
  }
  static constexpr uint8_t kPngSig[8] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
  if (b.size() >= 8 && std::equal(kPngSig, kPngSig + 8, b.begin())) {
    // Signature, then the IHDR chunk: length(4) "IHDR"(4) width(4) height(4).
    if (b.size() < 24 || b[12] != 'I' || b[13] != 'H' || b[14] != 'D' || b[15] != 'R') {
      return Error(error, "PNG: missing IHDR header");
    }
    const uint32_t pw = Be32(b, 16), ph = Be32(b, 20);
    if (pw > 1u << 20 || ph > 1u << 20) return Error(error, "PNG: impossible dimensions");
    // A complete PNG ends with its IEND chunk; gdk-pixbuf would accept a truncated one.
    static constexpr uint8_t kIend[12] = {0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xAE, 0x42, 0x60, 0x82};
    if (b.size() < 36 || !std::equal(kIend, kIend + 12, b.end() - 12)) {
      return Error(error, "PNG: truncated (no IEND chunk at the end)");
    }
    *kind = ImageKind::kPng;
    *w = static_cast<int>(pw);
    *h = static_cast<int>(ph);
  } else if (b.size() >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF) {
    // A complete JPEG ends with EOI (some writers append a few padding bytes); libjpeg would
    // decode a truncated one into grey.
    bool eoi = false;
    for (size_t i = b.size() >= 64 ? b.size() - 64 : 0; i + 1 < b.size(); ++i) {
      eoi = eoi || (b[i] == 0xFF && b[i + 1] == 0xD9);
    }
    if (!eoi) return Error(error, "JPEG: truncated (no end-of-image marker)");
    *kind = ImageKind::kJpeg;
    CITYID_RETURN_IF_ERROR(JpegDimensions(b, error, w, h));
  } else {
    return Error(error, "not a PNG or JPEG image");
  }
  if (*w <= 0 || *h <= 0) return Error(error, "image has no pixels");
  if (*w > limits.max_width || *h > limits.max_height) {
    return Error(error, "image is " + std::to_string(*w) + "x" + std::to_string(*h) +
                            " pixels; the limit is " + std::to_string(limits.max_width) + "x" +
                            std::to_string(limits.max_height));
  }
  const uint64_t pixels = static_cast<uint64_t>(*w) * static_cast<uint64_t>(*h);
  if (limits.max_pixels > 0 && pixels > limits.max_pixels) {
    return Error(error, "image is " + std::to_string(pixels / 1000000) +
                            " megapixels; the limit is " +
                            std::to_string(limits.max_pixels / 1000000));
  }
  return Status::Ok();
}

Result<PixbufPtr> DecodePixbuf(ByteView bytes, const ImageLimits& limits, ErrorId error) {
  ImageKind kind{};
  int w = 0, h = 0;
  CITYID_RETURN_IF_ERROR(CheckImage(bytes, limits, error, &kind, &w, &h));
  GError* raw_err = nullptr;
  PixbufLoaderPtr loader(
      gdk_pixbuf_loader_new_with_type(kind == ImageKind::kPng ? "png" : "jpeg", &raw_err));
  GErrorPtr err(raw_err);
  if (!loader) return Error(ErrorId::kInternal, "no gdk-pixbuf loader for the image type");
  raw_err = nullptr;
  const bool wrote = gdk_pixbuf_loader_write(loader.get(), bytes.data(), bytes.size(), &raw_err);
  err.reset(raw_err);
  raw_err = nullptr;
  // Always close (a loader finalized unclosed warns); a write error wins over the close error.
  const bool closed = gdk_pixbuf_loader_close(loader.get(), &raw_err);
  GErrorPtr close_err(raw_err);
  if (!wrote || !closed) return Error(error, "image data is corrupt");
  GdkPixbuf* pb = gdk_pixbuf_loader_get_pixbuf(loader.get());  // owned by the loader
  if (!pb) return Error(error, "image data is corrupt");
  const int channels = gdk_pixbuf_get_n_channels(pb);
  // The header was checked against the limits; the decoder must agree with it.
  if (gdk_pixbuf_get_width(pb) != w || gdk_pixbuf_get_height(pb) != h ||
      gdk_pixbuf_get_bits_per_sample(pb) != 8 ||
      gdk_pixbuf_get_colorspace(pb) != GDK_COLORSPACE_RGB || (channels != 3 && channels != 4) ||
      gdk_pixbuf_get_has_alpha(pb) != (channels == 4)) {
    return Error(error, "unsupported image layout");
  }
  // A new pixbuf when the EXIF orientation asks for a rotation or flip, else a new reference.
  PixbufPtr upright(gdk_pixbuf_apply_embedded_orientation(pb));
  if (!upright) return Error(ErrorId::kResourceExhausted, "cannot allocate the image");
  return upright;
}

Result<SurfacePtr> DecodeImage(ByteView bytes, const ImageLimits& limits, ErrorId error) {
  CITYID_ASSIGN_OR_RETURN(PixbufPtr pixbuf, DecodePixbuf(bytes, limits, error));
  GdkPixbuf* pb = pixbuf.get();
  const int pw = gdk_pixbuf_get_width(pb), ph = gdk_pixbuf_get_height(pb);
  const int channels = gdk_pixbuf_get_n_channels(pb);
  const bool alpha = gdk_pixbuf_get_has_alpha(pb);
  SurfacePtr surface(cairo_image_surface_create(CAIRO_FORMAT_ARGB32, pw, ph));
  if (cairo_surface_status(surface.get()) != CAIRO_STATUS_SUCCESS) {
    return Error(ErrorId::kResourceExhausted, "cannot allocate the image");
  }
  cairo_surface_flush(surface.get());
  const guchar* src = gdk_pixbuf_read_pixels(pb);
  const int src_stride = gdk_pixbuf_get_rowstride(pb);
  unsigned char* dst = cairo_image_surface_get_data(surface.get());
  const int dst_stride = cairo_image_surface_get_stride(surface.get());
  for (int y = 0; y < ph; ++y) {
    const guchar* s = src + static_cast<size_t>(y) * src_stride;
    auto* d = reinterpret_cast<uint32_t*>(dst + static_cast<size_t>(y) * dst_stride);
    for (int x = 0; x < pw; ++x, s += channels) {
      const uint32_t a = alpha ? s[3] : 255;
      const uint32_t r = s[0] * a / 255, g = s[1] * a / 255, bl = s[2] * a / 255;
      d[x] = (a << 24) | (r << 16) | (g << 8) | bl;
    }
  }
  cairo_surface_mark_dirty(surface.get());
  return surface;
}

namespace {

// PNG straight to 8-bit luminance over white with libpng's simplified API: one pass, no RGBA
// intermediate, about twice as fast as going through gdk-pixbuf for the scanner. (PNG has no
// orientation tag that gdk-pixbuf would apply, so nothing is lost.) REQUIRES: CheckImage passed
// and gave `w` x `h`.
Result<GrayImage> DecodePngGray(ByteView bytes, int w, int h, ErrorId error) {
  png_image png{};
  png.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_memory(&png, bytes.data(), bytes.size())) {
    png_image_free(&png);
    return Error(error, "PNG data is corrupt");
  }
  if (png.width != static_cast<png_uint_32>(w) || png.height != static_cast<png_uint_32>(h)) {
    png_image_free(&png);
    return Error(error, "PNG: header and image disagree");
  }
  png.format = PNG_FORMAT_GRAY;  // no alpha: libpng composites onto `white`
  const png_color white{255, 255, 255};
  GrayImage out;
  out.width = w;
  out.height = h;
  out.pixels.resize(static_cast<size_t>(w) * static_cast<size_t>(h));
  const bool ok = png_image_finish_read(&png, &white, out.pixels.data(), w, nullptr) != 0;
  png_image_free(&png);  // also after success: harmless, and nothing leaks on any path
  if (!ok) return Error(error, "image data is corrupt");
  return out;
}

}  // namespace

Result<GrayImage> DecodeGray(ByteView bytes, const ImageLimits& limits, ErrorId error) {
  ImageKind kind{};
  int w = 0, h = 0;
  CITYID_RETURN_IF_ERROR(CheckImage(bytes, limits, error, &kind, &w, &h));
  if (kind == ImageKind::kPng) return DecodePngGray(bytes, w, h, error);
  CITYID_ASSIGN_OR_RETURN(PixbufPtr pixbuf, DecodePixbuf(bytes, limits, error));
  GdkPixbuf* pb = pixbuf.get();
  GrayImage out;
  out.width = gdk_pixbuf_get_width(pb);
  out.height = gdk_pixbuf_get_height(pb);
  const int channels = gdk_pixbuf_get_n_channels(pb);
  const bool alpha = gdk_pixbuf_get_has_alpha(pb);
  const guchar* src = gdk_pixbuf_read_pixels(pb);
  const int stride = gdk_pixbuf_get_rowstride(pb);
  out.pixels.resize(static_cast<size_t>(out.width) * static_cast<size_t>(out.height));
  uint8_t* d = out.pixels.data();
  for (int y = 0; y < out.height; ++y) {
    const guchar* s = src + static_cast<size_t>(y) * stride;
    for (int x = 0; x < out.width; ++x, s += channels) {
      // Integer BT.601 weights (77 + 150 + 29 = 256); over white: c*a + 255*(255-a).
      uint32_t l = (77u * s[0] + 150u * s[1] + 29u * s[2]) >> 8;
      if (alpha) l = (l * s[3] + 255u * (255u - s[3]) + 127u) / 255u;
      *d++ = static_cast<uint8_t>(l);
    }
  }
  return out;
}

}  // namespace cityid::render::internal
