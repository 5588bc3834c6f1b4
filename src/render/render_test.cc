#include "render/render.h"

#include <cairo.h>
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <gtest/gtest.h>
#include <poppler.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <vector>

#include "base/names.h"
#include "render/image.h"
#include "render/scan.h"

// Under ASan: full allocation stacks (the slow unwinder). Debian's cairo has no frame pointers,
// so the fast unwinder stops at its first frame and a surface we leaked would look like any
// cairo allocation; with the full stack LeakSanitizer tells them apart (render.cc's
// suppressions).
#if defined(__SANITIZE_ADDRESS__)
#define CITYID_RENDER_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CITYID_RENDER_TEST_ASAN 1
#endif
#endif
#ifdef CITYID_RENDER_TEST_ASAN
extern "C" const char* __asan_default_options() { return "fast_unwind_on_malloc=0"; }
#endif

namespace cityid::render {
namespace {

Bytes Slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  const std::string s = ss.str();
  return Bytes(s.begin(), s.end());
}

Bytes Portrait() { return Slurp(std::string(CITYID_TEST_SOURCE_DIR) + "/examples/portrait.png"); }

// A realistic Base45 payload (the QR alphanumeric alphabet), 560 characters like a typical card.
std::string TypicalPayload(size_t n = 560) {
  static const char kAlphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
  std::string s;
  uint32_t x = 12345;
  for (size_t i = 0; i < n; ++i) {
    x = x * 1103515245u + 12345u;
    s += kAlphabet[(x >> 16) % 45];
  }
  return "NCF" + s;
}

CardFace Face() {
  CardFace f;
  f.city_name = "New York City";
  f.card_number = "4831 0927 5516";
  f.latin_name = "José García";
  f.date_of_birth = "1990-04-12";
  f.issued = "2026-11-25";
  f.expires = "2031-11-25";
  f.gender = "X";
  f.photo = Portrait();
  f.qr_payload = TypicalPayload();
  f.address_lines = {"350 Grand Ave, Apt 4", "New York, NY 10002"};
  f.if_found_lines = {"If found, please return to any New York City ID office.",
                      "Si encuentra esta tarjeta, devuélvala a cualquier oficina."};
  return f;
}

void PngSize(const Bytes& png, uint32_t* w, uint32_t* h) {
  ASSERT_GE(png.size(), 24u);
  ASSERT_EQ(png[1], 'P');
  auto be = [&](size_t at) {
    return (uint32_t{png[at]} << 24) | (uint32_t{png[at + 1]} << 16) |
           (uint32_t{png[at + 2]} << 8) | png[at + 3];
  };
  *w = be(16);
  *h = be(20);
}

TEST(RenderTest, PngIsId1At300Dpi) {
  auto png = RenderPng(Face(), Side::kFront);
  ASSERT_TRUE(png.ok()) << png.status().ToString();
  uint32_t w = 0, h = 0;
  PngSize(*png, &w, &h);
  EXPECT_EQ(w, 1012u);
  EXPECT_EQ(h, 638u);
}

TEST(RenderTest, BothSidesStackWithGap) {
  auto png = RenderPng(Face(), Side::kBoth);
  ASSERT_TRUE(png.ok()) << png.status().ToString();
  uint32_t w = 0, h = 0;
  PngSize(*png, &w, &h);
  EXPECT_EQ(w, 1012u);
  EXPECT_EQ(h, 638u * 2 + 36u);  // 3 mm gap at 300 dpi = 35.4 -> 36 px
}

TEST(RenderTest, DpiScalesAndIsBounded) {
  auto png = RenderPng(Face(), Side::kBack, 600);
  ASSERT_TRUE(png.ok());
  uint32_t w = 0, h = 0;
  PngSize(*png, &w, &h);
  EXPECT_EQ(w, 2023u);
  EXPECT_EQ(h, 1276u);
  EXPECT_EQ(RenderPng(Face(), Side::kFront, 10).status().id(), ErrorId::kInvalidArgument);
  EXPECT_EQ(RenderPng(Face(), Side::kFront, 5000).status().id(), ErrorId::kInvalidArgument);
}

TEST(RenderTest, PngIsDeterministic) {
  auto a = RenderPng(Face(), Side::kBoth);
  auto b = RenderPng(Face(), Side::kBoth);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a, *b);
  CardFace other = Face();
  other.card_number = "4831 0927 5524";
  auto c = RenderPng(other, Side::kFront);
  auto d = RenderPng(Face(), Side::kFront);
  ASSERT_TRUE(c.ok() && d.ok());
  EXPECT_NE(*c, *d) << "the guilloche and microtext depend on the card number";
}

TEST(RenderTest, PdfIsId1AndDeterministic) {
  auto a = RenderPdf(Face(), Side::kBoth);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  const std::string text(a->begin(), a->end());
  EXPECT_EQ(text.rfind("%PDF-", 0), 0u);
  EXPECT_NE(text.find("/MediaBox [ 0 0 242.645669 153.014173 ]"), std::string::npos);
  EXPECT_NE(text.find("/Count 2"), std::string::npos);
  EXPECT_EQ(text.find("García"), std::string::npos);
  auto b = RenderPdf(Face(), Side::kBoth);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*a, *b);
}

TEST(RenderTest, TypicalPayloadFitsVersion15AtLevelM) {
  auto v = QrVersion(TypicalPayload());
  ASSERT_TRUE(v.ok());
  EXPECT_LE(*v, 15);
  EXPECT_EQ(QrVersion(std::string(4000, 'A')).status().id(), ErrorId::kPayloadTooLarge);
  EXPECT_EQ(QrVersion("").status().id(), ErrorId::kMissingField);
}

TEST(RenderTest, BackNeedsAPayloadButFrontDoesNot) {
  CardFace f = Face();
  f.qr_payload.clear();
  EXPECT_TRUE(RenderPng(f, Side::kFront).ok());
  EXPECT_EQ(RenderPng(f, Side::kBack).status().id(), ErrorId::kMissingField);
}

// The photo box (24 x 30 mm at 4, 12.5 mm) of a front rendered at 300 dpi, as 0xRRGGBB at a
// point given in mm from the card's corner; kNoPixel when the render or decode failed.
constexpr uint32_t kNoPixel = 0xFF000000;
uint32_t FrontPixel(const CardFace& f, double x_mm, double y_mm) {
  auto png = RenderPng(f, Side::kFront);
  EXPECT_TRUE(png.ok()) << png.status().ToString();
  if (!png.ok()) return kNoPixel;
  auto img = internal::DecodeImage(*png, {1 << 24, 2000, 2000, 0}, ErrorId::kInvalidPhoto);
  EXPECT_TRUE(img.ok());
  if (!img.ok()) return kNoPixel;
  cairo_surface_t* c = img->get();
  const double ppm = 300 / 25.4;
  const uint8_t* row = cairo_image_surface_get_data(c) +
                       static_cast<int>(y_mm * ppm) * cairo_image_surface_get_stride(c);
  return *reinterpret_cast<const uint32_t*>(row + static_cast<int>(x_mm * ppm) * 4) & 0xFFFFFF;
}

// Within `tolerance` per channel.
bool Near(uint32_t a, uint32_t b, int tolerance = 3) {
  for (int shift : {0, 8, 16}) {
    if (std::abs(static_cast<int>((a >> shift) & 0xFF) - static_cast<int>((b >> shift) & 0xFF)) >
        tolerance) {
      return false;
    }
  }
  return true;
}

TEST(RenderTest, NoPhotoDrawsPlaceholder) {
  // The silhouette's colours (PaintSilhouette): a light grey-blue box, a darker head whose
  // centre is at 38 % of the box's height.
  constexpr uint32_t kBox = 0xDBE0E8;   // rgb(0.86, 0.88, 0.91)
  constexpr uint32_t kHead = 0xA8B3C2;  // rgb(0.66, 0.70, 0.76)
  const double head_y = 12.5 + 30 * 0.38;
  CardFace f = Face();
  f.photo.clear();
  const uint32_t corner = FrontPixel(f, 5.0, 13.5);
  const uint32_t head = FrontPixel(f, 16.0, head_y);
  EXPECT_TRUE(Near(corner, kBox)) << std::hex << corner;
  EXPECT_TRUE(Near(head, kHead)) << std::hex << head;
  // Not the card's background, and not what the same point shows with a photo.
  EXPECT_FALSE(Near(FrontPixel(f, 40.0, 13.5), kBox, 1));
  const CardFace with_photo = Face();
  EXPECT_NE(FrontPixel(with_photo, 5.0, 13.5), corner);
  EXPECT_NE(FrontPixel(with_photo, 16.0, head_y), head);
}

// Every text inside its box, for names in many scripts, short and absurdly long.
class ScriptTest : public ::testing::TestWithParam<std::pair<const char*, const char*>> {};

TEST_P(ScriptTest, RendersAndStaysInsideItsBox) {
  CardFace f = Face();
  f.latin_name = GetParam().first;
  f.native_name = GetParam().second;
  f.preferred_name = GetParam().second;
  f.address_lines = {GetParam().second, "Apt 4"};
  ASSERT_TRUE(RenderPng(f, Side::kBoth).ok());
  ASSERT_TRUE(RenderPdf(f, Side::kBoth).ok());
  auto layout = LayoutCard(f, Side::kBoth);
  ASSERT_TRUE(layout.ok()) << layout.status().ToString();
  bool saw_native = false;
  for (const auto& t : *layout) {
    constexpr double kEps = 0.02;  // mm
    EXPECT_GE(t.x, t.box_x - kEps) << t.field;
    EXPECT_GE(t.y, t.box_y - kEps) << t.field;
    EXPECT_LE(t.x + t.w, t.box_x + t.box_w + kEps) << t.field;
    EXPECT_LE(t.y + t.h, t.box_y + t.box_h + kEps) << t.field;
    EXPECT_GT(t.w, 0) << t.field;
    saw_native = saw_native || t.field == "native_name";
  }
  EXPECT_TRUE(saw_native);
}

INSTANTIATE_TEST_SUITE_P(
    Names, ScriptTest,
    ::testing::Values(
        std::make_pair("José Ñúñez-Þórðardóttir Łukasiewicz", "José Ñúñez-Þórðardóttir"),
        std::make_pair("Aleksandr Dostoevskiy", "Александр Достоевский"),
        std::make_pair("Mohammed Abdulrahman", "محمد عبد الرحمن"),
        std::make_pair("Yitzhak Ben-David", "יצחק בן-דוד"),
        std::make_pair("Priya Sharma", "प्रिया शर्मा"),
        std::make_pair("Rabindranath Thakur", "রবীন্দ্রনাথ ঠাকুর"),
        std::make_pair("Wang Xiaoming", "王小明"), std::make_pair("Kim Min-jun", "김민준"),
        std::make_pair("Nguyễn Thị Minh Khai", "Nguyễn Thị Minh Khai"),
        std::make_pair("Mixed العربية and 中文 and हिन्दी", "Mixed العربية and 中文 and हिन्दी"),
        std::make_pair("Maximiliano Alejandro de la Santísima Trinidad Fernández-Castellanos y "
                       "Rodríguez-Villalobos de Borbón",
                       "ﺍﻟﺴﻴﺪ ﻣﺤﻤﺪ ﺑﻦ ﻋﺒﺪ ﺍﻟﻠﻪ ﺑﻦ ﻋﺒﺪ ﺍﻟﺮﺣﻤﻦ ﺑﻦ ﻋﺒﺪ ﺍﻟﻌﺰﻳﺰ ﺑﻦ ﻓﻴﺼﻞ ﺑﻦ ﺗﺮﻛﻲ "
                       "ﺑﻦ ﻋﺒﺪ ﺍﻟﻠﻪ ﺁﻝ ﺳﻌﻮﺩ ﺍﻟﻜﺒﻴﺮ")));  // 239 bytes: near names::kMaxFullBytes

TEST(RenderTest, VeteranDesignationOnlyWhenSetAndInsideItsTag) {
  CardFace f = Face();
  f.preferred_name = "Pepe";
  auto without = LayoutCard(f, Side::kFront);
  ASSERT_TRUE(without.ok());
  for (const auto& t : *without) EXPECT_NE(t.field, "veteran");
  f.veteran = true;
  auto with = LayoutCard(f, Side::kFront);
  ASSERT_TRUE(with.ok()) << with.status().ToString();
  int seen = 0;
  for (const auto& t : *with) {
    if (t.field != "veteran") continue;
    ++seen;
    EXPECT_GE(t.x, t.box_x - 0.02);
    EXPECT_LE(t.x + t.w, t.box_x + t.box_w + 0.02);
    EXPECT_LE(t.y + t.h, t.box_y + t.box_h + 0.02);
    EXPECT_LE(t.box_x + t.box_w, 85.60);  // on the card
  }
  EXPECT_EQ(seen, 1);
  auto a = RenderPng(f, Side::kFront), b = RenderPng(Face(), Side::kFront);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(*a, *b);
}

TEST(RenderTest, LongNameShrinksThenEllipsizes) {
  CardFace f = Face();
  f.latin_name = "Maria";
  auto short_layout = LayoutCard(f, Side::kFront);
  f.latin_name = "Maria Antonia Guadalupe Fernanda de los Ángeles Rodríguez";
  auto medium = LayoutCard(f, Side::kFront);
  f.latin_name = std::string(names::kMaxFullCodePoints, 'W');  // the longest name allowed
  auto huge = LayoutCard(f, Side::kFront);
  ASSERT_TRUE(short_layout.ok() && medium.ok() && huge.ok());
  auto find = [](const std::vector<TextPlacement>& v) {
    for (const auto& t : v) {
      if (t.field == "latin_name") return t;
    }
    return TextPlacement{};
  };
  const auto s = find(*short_layout), m = find(*medium), h = find(*huge);
  EXPECT_FALSE(s.ellipsized);
  EXPECT_LT(m.font_size_mm, s.font_size_mm);
  EXPECT_FALSE(m.ellipsized);
  EXPECT_TRUE(h.ellipsized);
  EXPECT_LE(h.x + h.w, h.box_x + h.box_w + 0.02);
}

TEST(RenderTest, BadPhotosAreErrorsNotCrashes) {
  CardFace f = Face();
  const Bytes good = Portrait();
  std::vector<Bytes> bad = {
      ToBytes("not an image"),
      Bytes(good.begin(), good.begin() + 40),                         // truncated PNG
      Bytes{0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F'},  // truncated JPEG
      ToBytes("GIF89a\x01\x00\x01\x00"),
      Bytes(kMaxPhotoBytes + 1, 0x89),
  };
  // A PNG header claiming 5000 x 5000 pixels.
  Bytes huge(good.begin(), good.end());
  huge[16] = 0, huge[17] = 0, huge[18] = 0x13, huge[19] = 0x88;
  huge[20] = 0, huge[21] = 0, huge[22] = 0x13, huge[23] = 0x88;
  bad.push_back(huge);
  // Corrupt body behind a valid header.
  Bytes corrupt(good.begin(), good.end());
  for (size_t i = 60; i < corrupt.size(); i += 7) corrupt[i] ^= 0x5A;
  bad.push_back(corrupt);
  for (size_t i = 0; i < bad.size(); ++i) {
    f.photo = bad[i];
    auto r = RenderPng(f, Side::kFront);
    ASSERT_FALSE(r.ok()) << "case " << i;
    EXPECT_EQ(r.status().id(), ErrorId::kInvalidPhoto) << "case " << i << r.status().ToString();
  }
}

// Re-encodes a PNG as JPEG with gdk-pixbuf's own saver.
Bytes ToJpeg(const Bytes& png) {
  GdkPixbufLoader* loader = gdk_pixbuf_loader_new_with_type("png", nullptr);
  gdk_pixbuf_loader_write(loader, png.data(), png.size(), nullptr);
  gdk_pixbuf_loader_close(loader, nullptr);
  GdkPixbuf* pb = gdk_pixbuf_loader_get_pixbuf(loader);
  gchar* buf = nullptr;
  gsize len = 0;
  Bytes out;
  if (pb && gdk_pixbuf_save_to_buffer(pb, &buf, &len, "jpeg", nullptr, "quality", "90", nullptr)) {
    out.assign(buf, buf + len);
  }
  g_free(buf);
  g_object_unref(loader);
  return out;
}

TEST(RenderTest, JpegPhotoRenders) {
  CardFace f = Face();
  f.photo = ToJpeg(Portrait());
  ASSERT_GT(f.photo.size(), 100u);
  ASSERT_EQ(f.photo[0], 0xFF);
  auto png = RenderPng(f, Side::kFront);
  ASSERT_TRUE(png.ok()) << png.status().ToString();
  // A JPEG cut short is refused, not decoded into grey.
  f.photo.resize(f.photo.size() - 200);
  EXPECT_EQ(RenderPng(f, Side::kFront).status().id(), ErrorId::kInvalidPhoto);
}

TEST(RenderTest, InvalidTextIsRefusedByField) {
  CardFace f = Face();
  f.latin_name = "Jos\xC3";
  auto r = RenderPng(f, Side::kFront);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().id(), ErrorId::kInvalidUtf8);
  EXPECT_NE(r.status().message().find("latin_name"), std::string::npos);
  f = Face();
  f.if_found_lines.assign(kMaxLines + 1, "x");
  EXPECT_EQ(RenderPng(f, Side::kBack).status().id(), ErrorId::kFieldTooLong);
  f = Face();
  f.city_name = "New\nYork";
  EXPECT_EQ(RenderPng(f, Side::kFront).status().id(), ErrorId::kInvalidArgument);
}

TEST(RenderTest, ParseSide) {
  EXPECT_EQ(*ParseSide("front"), Side::kFront);
  EXPECT_EQ(*ParseSide("back"), Side::kBack);
  EXPECT_EQ(*ParseSide("both"), Side::kBoth);
  EXPECT_FALSE(ParseSide("top").ok());
}

// ---- Print-shop output ------------------------------------------------------------------------

// A rasterized PDF page (poppler), for checking where things were drawn.
struct Page {
  double w_pt = 0, h_pt = 0;
  int w = 0, h = 0;
  double px_per_mm = 0;
  std::vector<uint32_t> px;  // RGB24 over white
  // Is the pixel at (x_mm, y_mm) paper white?
  bool White(double x_mm, double y_mm) const {
    const int x = static_cast<int>(x_mm * px_per_mm), y = static_cast<int>(y_mm * px_per_mm);
    return (px[static_cast<size_t>(y) * w + x] & 0xFFFFFF) == 0xFFFFFF;
  }
  // Is there a hairline (dark, maybe antialiased grey) within 2 pixels of (x_mm, y_mm)?
  bool Marked(double x_mm, double y_mm) const {
    const int cx = static_cast<int>(x_mm * px_per_mm), cy = static_cast<int>(y_mm * px_per_mm);
    for (int y = std::max(0, cy - 2); y <= std::min(h - 1, cy + 2); ++y) {
      for (int x = std::max(0, cx - 2); x <= std::min(w - 1, cx + 2); ++x) {
        const uint32_t p = px[static_cast<size_t>(y) * w + x];
        if (((p >> 16) & 0xFF) < 0xC0 && ((p >> 8) & 0xFF) < 0xC0 && (p & 0xFF) < 0xC0) return true;
      }
    }
    return false;
  }
};

std::vector<Page> Rasterize(const Bytes& pdf, double dpi) {
  std::vector<Page> pages;
  GBytes* data = g_bytes_new(pdf.data(), pdf.size());
  PopplerDocument* doc = poppler_document_new_from_bytes(data, nullptr, nullptr);
  EXPECT_NE(doc, nullptr);
  for (int i = 0; doc && i < poppler_document_get_n_pages(doc); ++i) {
    PopplerPage* page = poppler_document_get_page(doc, i);
    Page out;
    poppler_page_get_size(page, &out.w_pt, &out.h_pt);
    out.w = static_cast<int>(std::ceil(out.w_pt * dpi / 72));
    out.h = static_cast<int>(std::ceil(out.h_pt * dpi / 72));
    out.px_per_mm = dpi / 25.4;
    cairo_surface_t* surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, out.w, out.h);
    cairo_t* cr = cairo_create(surface);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_scale(cr, dpi / 72, dpi / 72);
    poppler_page_render_for_printing(page, cr);
    cairo_destroy(cr);
    cairo_surface_flush(surface);
    const int stride = cairo_image_surface_get_stride(surface);
    const unsigned char* d = cairo_image_surface_get_data(surface);
    for (int y = 0; y < out.h; ++y) {
      const auto* row = reinterpret_cast<const uint32_t*>(d + static_cast<size_t>(y) * stride);
      out.px.insert(out.px.end(), row, row + out.w);
    }
    cairo_surface_destroy(surface);
    g_object_unref(page);
    pages.push_back(std::move(out));
  }
  if (doc) g_object_unref(doc);
  g_bytes_unref(data);
  return pages;
}

constexpr double kMmPerPt = 25.4 / 72;

TEST(PrintTest, SheetLayoutsTakeTenButtedCardsCentred) {
  for (Sheet sheet : {Sheet::kA4, Sheet::kLetter}) {
    const SheetLayout l = LayoutSheet(sheet);
    EXPECT_DOUBLE_EQ(l.page_w_mm, sheet == Sheet::kA4 ? 210.0 : 215.9);
    EXPECT_DOUBLE_EQ(l.page_h_mm, sheet == Sheet::kA4 ? 297.0 : 279.4);
    ASSERT_EQ(l.front.size(), 10u);
    ASSERT_EQ(l.back.size(), 10u);
    for (int k = 0; k < 10; ++k) {
      const RectMm& f = l.front[k];
      EXPECT_DOUBLE_EQ(f.w, kCardWidthMm);
      EXPECT_DOUBLE_EQ(f.h, kCardHeightMm);
      EXPECT_GT(f.x, 0);
      EXPECT_GT(f.y, 0);
      EXPECT_LT(f.x + f.w, l.page_w_mm);
      EXPECT_LT(f.y + f.h, l.page_h_mm);
      // Row-major, butted: a neighbour starts where the card ends.
      EXPECT_NEAR(f.x, l.front[0].x + (k % 2) * kCardWidthMm, 1e-9);
      EXPECT_NEAR(f.y, l.front[0].y + (k / 2) * kCardHeightMm, 1e-9);
      // Duplex: the back of card k is its front mirrored about the page's vertical axis, so the
      // left column's backs sit in the right column.
      EXPECT_NEAR(l.back[k].x, l.page_w_mm - f.x - f.w, 1e-9);
      EXPECT_NEAR(l.back[k].y, f.y, 1e-9);
      EXPECT_NEAR(l.back[k].x, l.front[k ^ 1].x, 1e-9);
    }
    // Centred.
    EXPECT_NEAR(l.front[0].x, l.page_w_mm - l.front[9].x - kCardWidthMm, 1e-9);
    EXPECT_NEAR(l.front[0].y, l.page_h_mm - l.front[9].y - kCardHeightMm, 1e-9);
  }
  EXPECT_EQ(*ParseSheet("a4"), Sheet::kA4);
  EXPECT_EQ(*ParseSheet("letter"), Sheet::kLetter);
  EXPECT_EQ(ParseSheet("a3").status().id(), ErrorId::kInvalidArgument);
}

TEST(PrintTest, BleedPdfHasMarginsBleedAndCropMarks) {
  auto pdf = RenderPdf(Face(), Side::kBoth, PrintOptions{true});
  ASSERT_TRUE(pdf.ok()) << pdf.status().ToString();
  const std::string text(pdf->begin(), pdf->end());
  // 85.60 + 2 x 8 mm by 53.98 + 2 x 8 mm.
  EXPECT_NE(text.find("/MediaBox [ 0 0 288 198.368504 ]"), std::string::npos);
  const std::vector<Page> pages = Rasterize(*pdf, 300);
  ASSERT_EQ(pages.size(), 2u);
  const double m = kBleedPageMarginMm;
  for (const Page& p : pages) {
    EXPECT_NEAR(p.w_pt * kMmPerPt, kCardWidthMm + 2 * m, 1e-3);
    EXPECT_NEAR(p.h_pt * kMmPerPt, kCardHeightMm + 2 * m, 1e-3);
    // The art runs into the bleed at every side and at the (square) corners...
    EXPECT_FALSE(p.White(m - 1.5, m + 30));
    EXPECT_FALSE(p.White(m + kCardWidthMm + 1.5, m + 30));
    EXPECT_FALSE(p.White(m + 40, m - 1.5));
    EXPECT_FALSE(p.White(m + 40, m + kCardHeightMm + 1.5));
    EXPECT_FALSE(p.White(m + 0.2, m + 0.2));
    // ...and stops at kBleedMm: beyond is paper, except the crop marks on the trim lines.
    EXPECT_TRUE(p.White(m - kBleedMm - 0.5, m + 30));
    EXPECT_TRUE(p.White(m - kBleedMm - 2.5, m - kBleedMm - 2.5));
    EXPECT_TRUE(p.Marked(m, m - kBleedMm - 2.5));                        // top-left, vertical
    EXPECT_TRUE(p.Marked(m - kBleedMm - 2.5, m));                        // top-left, horizontal
    EXPECT_TRUE(p.Marked(m + kCardWidthMm, m + kCardHeightMm + kBleedMm + 2.5));
    EXPECT_TRUE(p.Marked(m + kCardWidthMm + kBleedMm + 2.5, m + kCardHeightMm));
  }
  // Without bleed the page is the card, with its rounded corners transparent (white here).
  auto plain = RenderPdf(Face(), Side::kFront);
  ASSERT_TRUE(plain.ok());
  const std::vector<Page> plain_pages = Rasterize(*plain, 300);
  ASSERT_EQ(plain_pages.size(), 1u);
  EXPECT_NEAR(plain_pages[0].w_pt * kMmPerPt, kCardWidthMm, 1e-3);
  EXPECT_TRUE(plain_pages[0].White(0.2, 0.2));
}

TEST(PrintTest, SheetPdfPagesAndDuplexPositions) {
  std::vector<CardFace> faces(11, Face());
  auto pdf = RenderSheetPdf(faces, Side::kBoth, Sheet::kA4);
  ASSERT_TRUE(pdf.ok()) << pdf.status().ToString();
  const std::string text(pdf->begin(), pdf->end());
  EXPECT_NE(text.find("/MediaBox [ 0 0 595.275591 841.889764 ]"), std::string::npos);
  const std::vector<Page> pages = Rasterize(*pdf, 100);
  // Two sheets, each front then back: 10 cards then 1.
  ASSERT_EQ(pages.size(), 4u);
  const SheetLayout l = LayoutSheet(Sheet::kA4);
  auto centre_inked = [](const Page& p, const RectMm& r) {
    return !p.White(r.x + r.w / 2, r.y + r.h / 2);
  };
  for (int k = 0; k < 10; ++k) {
    EXPECT_TRUE(centre_inked(pages[0], l.front[k])) << k;
    EXPECT_TRUE(centre_inked(pages[1], l.back[k])) << k;
  }
  // The second sheet holds card 10 in slot 0; the rest of it is paper. Its back is top right.
  for (int k = 0; k < 10; ++k) {
    EXPECT_EQ(centre_inked(pages[2], l.front[k]), k == 0) << k;
    EXPECT_EQ(centre_inked(pages[3], l.back[k]), k == 0) << k;
  }
  EXPECT_FALSE(centre_inked(pages[3], l.front[0]));
  // One card, both sides: its front top left, its back top right (mirrored for the flip).
  auto one = RenderSheetPdf({Face()}, Side::kBoth, Sheet::kLetter, PrintOptions{true});
  ASSERT_TRUE(one.ok()) << one.status().ToString();
  EXPECT_NE(std::string(one->begin(), one->end()).find("/MediaBox [ 0 0 612 792 ]"),
            std::string::npos);
  const std::vector<Page> lp = Rasterize(*one, 100);
  ASSERT_EQ(lp.size(), 2u);
  const SheetLayout ll = LayoutSheet(Sheet::kLetter);
  EXPECT_TRUE(centre_inked(lp[0], ll.front[0]));
  EXPECT_FALSE(centre_inked(lp[0], ll.front[1]));
  EXPECT_TRUE(centre_inked(lp[1], ll.back[0]));
  EXPECT_GT(ll.back[0].x, ll.page_w_mm / 2);
  EXPECT_FALSE(centre_inked(lp[1], ll.front[0]));
  // Crop marks in the left margin on the first cut line; the art bleeds beyond the grid.
  EXPECT_TRUE(lp[0].Marked(ll.front[0].x - kBleedMm - 1.5, ll.front[0].y));
  EXPECT_FALSE(lp[0].White(ll.front[0].x - 1.5, ll.front[0].y + 20));
}

TEST(PrintTest, SheetFailuresAreClear) {
  EXPECT_EQ(RenderSheetPdf({}, Side::kBoth, Sheet::kA4).status().id(),
            ErrorId::kInvalidArgument);
  EXPECT_EQ(RenderSheetPdf(std::vector<CardFace>(kMaxSheetCards + 1, Face()), Side::kFront,
                           Sheet::kA4)
                .status()
                .id(),
            ErrorId::kInvalidArgument);
  // One bad face fails the whole run, naming the problem.
  std::vector<CardFace> faces(3, Face());
  faces[2].photo = ToBytes("not an image");
  EXPECT_EQ(RenderSheetPdf(faces, Side::kFront, Sheet::kA4).status().id(), ErrorId::kInvalidPhoto);
}

TEST(PrintTest, SheetPdfIsDeterministic) {
  const std::vector<CardFace> faces(3, Face());
  auto a = RenderSheetPdf(faces, Side::kBoth, Sheet::kLetter, PrintOptions{true});
  auto b = RenderSheetPdf(faces, Side::kBoth, Sheet::kLetter, PrintOptions{true});
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a, *b);
}

// ---- Photo input: EXIF orientation and hostile files ------------------------------------------

// A JPEG 40 wide and 30 high, left half red and right half blue, that says (EXIF orientation 6)
// it must be turned 90° clockwise to be seen upright: 30 wide, 40 high, red on top.
Bytes SidewaysJpeg() {
  GdkPixbuf* pb = gdk_pixbuf_new(GDK_COLORSPACE_RGB, FALSE, 8, 40, 30);
  guchar* px = gdk_pixbuf_get_pixels(pb);
  const int stride = gdk_pixbuf_get_rowstride(pb);
  for (int y = 0; y < 30; ++y) {
    for (int x = 0; x < 40; ++x) {
      guchar* p = px + y * stride + x * 3;
      p[0] = x < 20 ? 220 : 20;
      p[1] = 20;
      p[2] = x < 20 ? 20 : 220;
    }
  }
  gchar* buf = nullptr;
  gsize len = 0;
  EXPECT_TRUE(gdk_pixbuf_save_to_buffer(pb, &buf, &len, "jpeg", nullptr, "quality", "95", nullptr));
  Bytes jpeg(buf, buf + len);
  g_free(buf);
  g_object_unref(pb);
  // APP1 "Exif": big-endian TIFF header, one IFD entry 0x0112 (Orientation) SHORT = 6.
  const Bytes app1 = {0xFF, 0xE1, 0x00, 0x22, 'E', 'x', 'i', 'f', 0, 0,  //
                      'M', 'M', 0x00, 0x2A, 0x00, 0x00, 0x00, 0x08,      // TIFF header
                      0x00, 0x01,                                        // one entry
                      0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x06, 0x00, 0x00,
                      0x00, 0x00, 0x00, 0x00};  // no next IFD
  jpeg.insert(jpeg.begin() + 2, app1.begin(), app1.end());  // right after SOI
  return jpeg;
}

TEST(PhotoTest, ExifOrientationSixComesOutUpright) {
  const Bytes jpeg = SidewaysJpeg();
  auto img = internal::DecodeImage(jpeg, {1 << 20, 100, 100, 0}, ErrorId::kInvalidPhoto);
  ASSERT_TRUE(img.ok()) << img.status().ToString();
  cairo_surface_t* s = img->get();
  ASSERT_EQ(cairo_image_surface_get_width(s), 30);
  ASSERT_EQ(cairo_image_surface_get_height(s), 40);
  const int stride = cairo_image_surface_get_stride(s);
  auto pixel = [&](int x, int y) {
    return *reinterpret_cast<const uint32_t*>(cairo_image_surface_get_data(s) + y * stride + x * 4);
  };
  auto red = [](uint32_t p) { return ((p >> 16) & 0xFF) > 150 && (p & 0xFF) < 80; };
  auto blue = [](uint32_t p) { return ((p >> 16) & 0xFF) < 80 && (p & 0xFF) > 150; };
  EXPECT_TRUE(red(pixel(15, 5)));
  EXPECT_TRUE(blue(pixel(15, 35)));

  // On the card: the portrait box (24 x 30 mm at 4, 12.5 mm) is red above and blue below.
  CardFace f = Face();
  f.photo = jpeg;
  auto png = RenderPng(f, Side::kFront);
  ASSERT_TRUE(png.ok()) << png.status().ToString();
  auto card = internal::DecodeImage(*png, {1 << 24, 2000, 2000, 0}, ErrorId::kInvalidPhoto);
  ASSERT_TRUE(card.ok());
  cairo_surface_t* c = card->get();
  const int cstride = cairo_image_surface_get_stride(c);
  const double ppm = 300 / 25.4;
  auto card_pixel = [&](double x_mm, double y_mm) {
    return *reinterpret_cast<const uint32_t*>(cairo_image_surface_get_data(c) +
                                              static_cast<int>(y_mm * ppm) * cstride +
                                              static_cast<int>(x_mm * ppm) * 4);
  };
  EXPECT_TRUE(red(card_pixel(16, 16)));
  EXPECT_TRUE(blue(card_pixel(16, 39)));
}

TEST(PhotoTest, HostileImagesGiveClearErrors) {
  const Bytes good = Portrait();
  struct Case {
    const char* what;
    Bytes bytes;
    const char* message;
  };
  std::vector<Case> cases;
  cases.push_back({"wrong magic", ToBytes("BM6 a bitmap"), "not a PNG or JPEG"});
  cases.push_back({"truncated PNG", Bytes(good.begin(), good.end() - 100), "truncated"});
  Bytes jpeg = ToJpeg(good);
  cases.push_back({"truncated JPEG", Bytes(jpeg.begin(), jpeg.end() - 300), "truncated"});
  // Decompression bombs: tiny files whose headers promise a huge picture. Refused from the
  // header, before a byte is decoded.
  Bytes bomb(good.begin(), good.end());
  bomb[16] = 0, bomb[17] = 0, bomb[18] = 0x75, bomb[19] = 0x30;  // 30000
  bomb[20] = 0, bomb[21] = 0, bomb[22] = 0x75, bomb[23] = 0x30;
  cases.push_back({"PNG bomb 30000x30000", bomb, "pixels; the limit"});
  Bytes impossible(good.begin(), good.end());
  impossible[16] = 0x7F;
  cases.push_back({"PNG 2^31 wide", impossible, "impossible dimensions"});
  Bytes jpeg_bomb = jpeg;
  for (size_t i = 2; i + 9 < jpeg_bomb.size(); ++i) {  // patch the SOF0 frame header
    if (jpeg_bomb[i] == 0xFF && jpeg_bomb[i + 1] == 0xC0) {
      jpeg_bomb[i + 5] = 0xFF, jpeg_bomb[i + 6] = 0xFF, jpeg_bomb[i + 7] = 0xFF,
      jpeg_bomb[i + 8] = 0xFF;
      break;
    }
  }
  cases.push_back({"JPEG bomb 65535x65535", jpeg_bomb, "pixels; the limit"});
  for (const Case& c : cases) {
    CardFace f = Face();
    f.photo = c.bytes;
    auto r = RenderPng(f, Side::kFront);
    ASSERT_FALSE(r.ok()) << c.what;
    EXPECT_EQ(r.status().id(), ErrorId::kInvalidPhoto) << c.what;
    EXPECT_NE(r.status().ToString().find(c.message), std::string::npos)
        << c.what << ": " << r.status().ToString();
  }
  // An empty photo means "none on file" (a silhouette); an empty picture to scan is an error.
  auto empty = DecodeQrFromImage(Bytes{});
  EXPECT_EQ(empty.status().id(), ErrorId::kInvalidPhoto);
  EXPECT_NE(empty.status().ToString().find("empty"), std::string::npos);
  EXPECT_EQ(internal::DecodeImage(Bytes{}, {100, 10, 10, 0}, ErrorId::kInvalidPhoto).status().id(),
            ErrorId::kInvalidPhoto);
  // Within each side's limit but over the scanner's pixel budget: 7000 x 7000 = 49 MP.
  Bytes wide(good.begin(), good.end());
  wide[16] = 0, wide[17] = 0, wide[18] = 0x1B, wide[19] = 0x58;
  wide[20] = 0, wide[21] = 0, wide[22] = 0x1B, wide[23] = 0x58;
  auto scan = DecodeQrFromImage(wide);
  EXPECT_EQ(scan.status().id(), ErrorId::kInvalidPhoto);
  EXPECT_NE(scan.status().ToString().find("megapixels"), std::string::npos)
      << scan.status().ToString();
}

}  // namespace
}  // namespace cityid::render
