#include "render/render.h"

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

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

TEST(RenderTest, NoPhotoDrawsPlaceholder) {
  CardFace f = Face();
  f.photo.clear();
  auto png = RenderPng(f, Side::kFront);
  ASSERT_TRUE(png.ok()) << png.status().ToString();
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
                       "ﺑﻦ ﻋﺒﺪ ﺍﻟﻠﻪ ﺁﻝ ﺳﻌﻮﺩ ﺍﻟﻜﺒﻴﺮ ﺍﻟﻤﻌﻈﻢ")));

TEST(RenderTest, LongNameShrinksThenEllipsizes) {
  CardFace f = Face();
  f.latin_name = "Maria";
  auto short_layout = LayoutCard(f, Side::kFront);
  f.latin_name = "Maria Antonia Guadalupe Fernanda de los Ángeles Rodríguez";
  auto medium = LayoutCard(f, Side::kFront);
  f.latin_name = std::string(400, 'W');
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

}  // namespace
}  // namespace cityid::render
