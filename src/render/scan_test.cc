#include "render/scan.h"

#include <cairo.h>
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "render/render.h"

namespace cityid::render {
namespace {

std::string Payload() {
  static const char kAlphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
  std::string s = "NCF";
  uint32_t x = 777;
  for (int i = 0; i < 560; ++i) {
    x = x * 1103515245u + 12345u;
    s += kAlphabet[(x >> 16) % 45];
  }
  return s;
}

CardFace Face() {
  CardFace f;
  f.city_name = "New York City";
  f.card_number = "4831 0927 5516";
  f.latin_name = "José García";
  f.date_of_birth = "1990-04-12";
  f.issued = "2026-11-25";
  f.expires = "2031-11-25";
  f.qr_payload = Payload();
  f.if_found_lines = {"If found, please return to any New York City ID office."};
  return f;
}

cairo_status_t ReadChunk(void* closure, unsigned char* data, unsigned int length) {
  auto* src = static_cast<std::pair<const Bytes*, size_t>*>(closure);
  if (src->second + length > src->first->size()) return CAIRO_STATUS_READ_ERROR;
  std::copy_n(src->first->begin() + static_cast<long>(src->second), length, data);
  src->second += length;
  return CAIRO_STATUS_SUCCESS;
}
cairo_status_t WriteChunk(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<Bytes*>(closure)->insert(static_cast<Bytes*>(closure)->end(), data, data + length);
  return CAIRO_STATUS_SUCCESS;
}

// Re-draws a PNG scaled by `scale` and rotated by `degrees` on white, like a poor scan.
Bytes Degrade(const Bytes& png, double scale, double degrees) {
  std::pair<const Bytes*, size_t> src{&png, 0};
  cairo_surface_t* in = cairo_image_surface_create_from_png_stream(ReadChunk, &src);
  const double w = cairo_image_surface_get_width(in), h = cairo_image_surface_get_height(in);
  const int ow = static_cast<int>(w * scale * 1.2), oh = static_cast<int>(h * scale * 1.4);
  cairo_surface_t* out = cairo_image_surface_create(CAIRO_FORMAT_RGB24, ow, oh);
  cairo_t* cr = cairo_create(out);
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_paint(cr);
  cairo_translate(cr, ow / 2.0, oh / 2.0);
  cairo_rotate(cr, degrees * std::numbers::pi / 180);
  cairo_scale(cr, scale, scale);
  cairo_set_source_surface(cr, in, -w / 2, -h / 2);
  cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_GOOD);
  cairo_paint(cr);
  cairo_destroy(cr);
  Bytes result;
  cairo_surface_write_to_png_stream(out, WriteChunk, &result);
  cairo_surface_destroy(out);
  cairo_surface_destroy(in);
  return result;
}

TEST(ScanTest, RenderedBackDecodesToThePayload) {
  auto png = RenderPng(Face(), Side::kBack);
  ASSERT_TRUE(png.ok()) << png.status().ToString();
  auto text = DecodeQrFromImage(*png);
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(*text, Payload());
}

TEST(ScanTest, BothSidesImageDecodes) {
  auto png = RenderPng(Face(), Side::kBoth);
  ASSERT_TRUE(png.ok());
  auto text = DecodeQrFromImage(*png);
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(*text, Payload());
}

TEST(ScanTest, DecodesAfterScalingToHalf) {
  auto png = RenderPng(Face(), Side::kBack);
  ASSERT_TRUE(png.ok());
  auto text = DecodeQrFromImage(Degrade(*png, 0.5, 0));
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(*text, Payload());
}

TEST(ScanTest, DecodesAfterRotatingTenDegrees) {
  auto png = RenderPng(Face(), Side::kBack);
  ASSERT_TRUE(png.ok());
  auto text = DecodeQrFromImage(Degrade(*png, 1.0, 10));
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(*text, Payload());
}

TEST(ScanTest, DecodesAJpegPicture) {
  auto png = RenderPng(Face(), Side::kBack);
  ASSERT_TRUE(png.ok());
  GdkPixbufLoader* loader = gdk_pixbuf_loader_new_with_type("png", nullptr);
  gdk_pixbuf_loader_write(loader, png->data(), png->size(), nullptr);
  gdk_pixbuf_loader_close(loader, nullptr);
  gchar* buf = nullptr;
  gsize len = 0;
  ASSERT_TRUE(gdk_pixbuf_save_to_buffer(gdk_pixbuf_loader_get_pixbuf(loader), &buf, &len, "jpeg",
                                        nullptr, "quality", "75", nullptr));
  const Bytes jpeg(buf, buf + len);
  g_free(buf);
  g_object_unref(loader);
  auto text = DecodeQrFromImage(jpeg);
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(*text, Payload());
}

TEST(ScanTest, FrontHasNoQrCode) {
  auto png = RenderPng(Face(), Side::kFront);
  ASSERT_TRUE(png.ok());
  EXPECT_EQ(DecodeQrFromImage(*png).status().id(), ErrorId::kNotFound);
}

TEST(ScanTest, NonImagesAreErrors) {
  EXPECT_EQ(DecodeQrFromImage(ToBytes("hello")).status().id(), ErrorId::kInvalidPhoto);
  EXPECT_EQ(DecodeQrFromImage(Bytes{}).status().id(), ErrorId::kInvalidPhoto);
  Bytes truncated = *RenderPng(Face(), Side::kBack);
  truncated.resize(truncated.size() / 2);
  EXPECT_EQ(DecodeQrFromImage(truncated).status().id(), ErrorId::kInvalidPhoto);
}

}  // namespace
}  // namespace cityid::render
