// Round trip from paper back to a verdict: a real signed card payload is rendered, the picture
// is degraded the way phone photos and office scanners degrade it (rotation, downscaling, blur,
// JPEG compression, uneven lighting, all at once), or the PDF is rasterized at 150 dpi with
// poppler, and the QR read back by render::DecodeQrFromImage must verify with the issuer key.
#include <cairo.h>
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <gtest/gtest.h>
#include <poppler.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <numbers>
#include <string>
#include <utility>
#include <vector>

#include "base/rng.h"
#include "credential/card.h"
#include "crypto/sign.h"
#include "render/render.h"
#include "render/scan.h"

namespace cityid::render {
namespace {

constexpr UnixSeconds kIssuedAt = 1795608000;  // 2026-11-25T12:00:00Z
constexpr UnixSeconds kExpiresAt = kIssuedAt + 5 * 365 * 86400;
constexpr UnixSeconds kNow = kIssuedAt + 3600;
constexpr char kIssuer[] = "https://id.nyc.example";

// A card payload signed like an issued card, and the key set a verifier holds.
class SignedCard {
 public:
  SignedCard() {
    EXPECT_TRUE(crypto::InitCrypto().ok());
    SeededRng rng(5);
    signer_ = crypto::Ed25519Signer::Generate(rng);
    keys_.issuer = kIssuer;
    crypto::PublicKey key;
    key.key_id = signer_->key_id();
    key.public_key = signer_->public_key();
    keys_.keys.push_back(key);
    credential::CardClaims c;
    c.card_number = "483109275516";
    c.full_name = "Jose Garcia";
    c.given_name = "Jose";
    c.family_name = "Garcia";
    c.full_name_native = "José García";
    c.native_language = "spa";
    c.date_of_birth = Date{1990, 4, 12};
    c.gender = credential::kGenderOthers;
    c.status_list_id = "1";
    c.status_index = 70123;
    auto card = credential::EncodeCard(c, {kIssuer, kIssuedAt, kExpiresAt}, *signer_,
                                       Bytes(credential::kDigestSeedBytes, 0x33));
    EXPECT_TRUE(card.ok()) << card.status().ToString();
    if (card.ok()) qr_ = card->qr_text;
  }

  CardFace Face() const {
    CardFace f;
    f.city_name = "New York City";
    f.card_number = "4831 0927 5516";
    f.latin_name = "Jose Garcia";
    f.native_name = "José García";
    f.date_of_birth = "1990-04-12";
    f.issued = "2026-11-25";
    f.expires = "2031-11-25";
    f.qr_payload = qr_;
    f.address_lines = {"350 Grand Ave, Apt 4", "New York, NY 10002"};
    f.if_found_lines = {"If found, please return this card to any New York City ID office.",
                        "Si encuentra esta tarjeta, devuélvala a cualquier oficina.",
                        "Scan the QR code to verify this card offline."};
    return f;
  }

  // Scans `image` and verifies what it reads; a non-empty string says what went wrong.
  std::string ScanAndVerify(const Bytes& image) const {
    auto text = DecodeQrFromImage(image);
    if (!text.ok()) return "scan: " + text.status().ToString();
    if (*text != qr_) return "scan returned different text";
    const auto outcome = credential::VerifyCard(*text, keys_, kNow, nullptr);
    if (outcome.verdict != credential::Verdict::kValid) {
      return std::string("verify: ") + credential::VerdictName(outcome.verdict) + " " +
             outcome.failure.ToString();
    }
    if (!outcome.claims || outcome.claims->card_number != "483109275516") return "wrong claims";
    return "";
  }

 private:
  std::unique_ptr<crypto::Ed25519Signer> signer_;
  crypto::PublicKeySet keys_;
  std::string qr_;
};

// ---- Image plumbing (test-only; the degradations are deliberately simple and deterministic) --

struct Rgb {
  int w = 0, h = 0;
  std::vector<uint8_t> px;  // 3 bytes a pixel
};

Rgb FromPixbuf(GdkPixbuf* pb) {
  Rgb out{gdk_pixbuf_get_width(pb), gdk_pixbuf_get_height(pb), {}};
  const int channels = gdk_pixbuf_get_n_channels(pb), stride = gdk_pixbuf_get_rowstride(pb);
  const bool alpha = gdk_pixbuf_get_has_alpha(pb);
  const guchar* src = gdk_pixbuf_read_pixels(pb);
  out.px.resize(static_cast<size_t>(out.w) * out.h * 3);
  for (int y = 0; y < out.h; ++y) {
    for (int x = 0; x < out.w; ++x) {
      const guchar* s = src + static_cast<size_t>(y) * stride + static_cast<size_t>(x) * channels;
      const int a = alpha ? s[3] : 255;
      for (int c = 0; c < 3; ++c) {
        out.px[(static_cast<size_t>(y) * out.w + x) * 3 + c] =
            static_cast<uint8_t>((s[c] * a + 255 * (255 - a)) / 255);  // over white paper
      }
    }
  }
  return out;
}

Rgb Load(const Bytes& image) {
  GdkPixbufLoader* loader = gdk_pixbuf_loader_new();
  gdk_pixbuf_loader_write(loader, image.data(), image.size(), nullptr);
  gdk_pixbuf_loader_close(loader, nullptr);
  Rgb out = FromPixbuf(gdk_pixbuf_loader_get_pixbuf(loader));
  g_object_unref(loader);
  return out;
}

Bytes Save(const Rgb& img, const char* type, const char* quality = nullptr) {
  GdkPixbuf* pb = gdk_pixbuf_new_from_data(img.px.data(), GDK_COLORSPACE_RGB, FALSE, 8, img.w,
                                           img.h, img.w * 3, nullptr, nullptr);
  gchar* buf = nullptr;
  gsize len = 0;
  const bool ok = quality ? gdk_pixbuf_save_to_buffer(pb, &buf, &len, type, nullptr, "quality",
                                                      quality, nullptr)
                          : gdk_pixbuf_save_to_buffer(pb, &buf, &len, type, nullptr, nullptr);
  EXPECT_TRUE(ok);
  Bytes out(buf, buf + len);
  g_free(buf);
  g_object_unref(pb);
  return out;
}

// Rotates by `degrees` and scales by `scale` around the centre onto a white page with a margin,
// bilinear: a card photographed slightly askew from further away.
Rgb RotateScale(const Rgb& in, double degrees, double scale) {
  const double a = degrees * std::numbers::pi / 180, c = std::cos(a), s = std::sin(a);
  const double bw = (std::abs(c) * in.w + std::abs(s) * in.h) * scale * 1.1;
  const double bh = (std::abs(s) * in.w + std::abs(c) * in.h) * scale * 1.1;
  Rgb out{static_cast<int>(bw), static_cast<int>(bh), {}};
  out.px.assign(static_cast<size_t>(out.w) * out.h * 3, 255);
  for (int y = 0; y < out.h; ++y) {
    for (int x = 0; x < out.w; ++x) {
      const double dx = (x - out.w / 2.0) / scale, dy = (y - out.h / 2.0) / scale;
      const double sx = c * dx + s * dy + in.w / 2.0 - 0.5, sy = -s * dx + c * dy + in.h / 2.0 - 0.5;
      if (sx < 0 || sy < 0 || sx >= in.w - 1 || sy >= in.h - 1) continue;
      const int x0 = static_cast<int>(sx), y0 = static_cast<int>(sy);
      const double fx = sx - x0, fy = sy - y0;
      for (int ch = 0; ch < 3; ++ch) {
        auto at = [&](int xx, int yy) {
          return in.px[(static_cast<size_t>(yy) * in.w + xx) * 3 + ch];
        };
        // Downscaling by half averages 2x2 source pixels (a camera sensor integrates light).
        double v = 0;
        if (scale < 0.75) {
          v = (at(x0, y0) + at(x0 + 1, y0) + at(x0, y0 + 1) + at(x0 + 1, y0 + 1)) / 4.0;
        } else {
          v = (1 - fy) * ((1 - fx) * at(x0, y0) + fx * at(x0 + 1, y0)) +
              fy * ((1 - fx) * at(x0, y0 + 1) + fx * at(x0 + 1, y0 + 1));
        }
        out.px[(static_cast<size_t>(y) * out.w + x) * 3 + ch] = static_cast<uint8_t>(v + 0.5);
      }
    }
  }
  return out;
}

// Three passes of a box blur of radius `r`: close to a Gaussian of sigma ~ r (out of focus).
Rgb Blur(Rgb img, int r) {
  for (int pass = 0; pass < 3; ++pass) {
    for (int dir = 0; dir < 2; ++dir) {
      Rgb out = img;
      const int n = dir == 0 ? img.w : img.h, lines = dir == 0 ? img.h : img.w;
      for (int line = 0; line < lines; ++line) {
        for (int ch = 0; ch < 3; ++ch) {
          auto idx = [&](int i) {
            const int x = dir == 0 ? i : line, y = dir == 0 ? line : i;
            return (static_cast<size_t>(y) * img.w + x) * 3 + ch;
          };
          for (int i = 0; i < n; ++i) {
            int sum = 0;
            for (int k = -r; k <= r; ++k) sum += img.px[idx(std::clamp(i + k, 0, n - 1))];
            out.px[idx(i)] = static_cast<uint8_t>(sum / (2 * r + 1));
          }
        }
      }
      img = std::move(out);
    }
  }
  return img;
}

// A lamp on the left: full brightness there, fading to 45 % on the right and a little towards
// the bottom, with a greyish cast (a shadow over part of the card).
Rgb UnevenLight(Rgb img) {
  for (int y = 0; y < img.h; ++y) {
    for (int x = 0; x < img.w; ++x) {
      const double f = 1.0 - 0.55 * x / img.w - 0.10 * y / img.h;
      for (int ch = 0; ch < 3; ++ch) {
        uint8_t& v = img.px[(static_cast<size_t>(y) * img.w + x) * 3 + ch];
        v = static_cast<uint8_t>(std::clamp(v * f + 8, 0.0, 255.0));
      }
    }
  }
  return img;
}

Bytes Jpeg40(const Rgb& img) { return Save(img, "jpeg", "40"); }

class ScanRobustTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto png = RenderPng(card_.Face(), Side::kBack);
    ASSERT_TRUE(png.ok()) << png.status().ToString();
    back_png_ = *png;
    back_ = Load(back_png_);
  }
  SignedCard card_;
  Bytes back_png_;
  Rgb back_;
};

TEST_F(ScanRobustTest, RenderedBackVerifies) { EXPECT_EQ(card_.ScanAndVerify(back_png_), ""); }

TEST_F(ScanRobustTest, RotatedTenDegreesVerifies) {
  EXPECT_EQ(card_.ScanAndVerify(Save(RotateScale(back_, 10, 1.0), "png")), "");
}

TEST_F(ScanRobustTest, ScaledToHalfVerifies) {
  EXPECT_EQ(card_.ScanAndVerify(Save(RotateScale(back_, 0, 0.5), "png")), "");
}

TEST_F(ScanRobustTest, BlurredVerifies) {
  EXPECT_EQ(card_.ScanAndVerify(Save(Blur(back_, 2), "png")), "");
}

TEST_F(ScanRobustTest, JpegQuality40Verifies) { EXPECT_EQ(card_.ScanAndVerify(Jpeg40(back_)), ""); }

TEST_F(ScanRobustTest, UnevenLightingVerifies) {
  EXPECT_EQ(card_.ScanAndVerify(Save(UnevenLight(back_), "png")), "");
}

TEST_F(ScanRobustTest, AllDegradationsCombinedVerify) {
  // Out of focus (the same blur as above, in card units: the lens blurs the card before the
  // sensor samples it), askew, at half size, unevenly lit, then saved by a cheap camera.
  const Rgb photo = UnevenLight(RotateScale(Blur(back_, 2), 10, 0.5));
  EXPECT_EQ(card_.ScanAndVerify(Jpeg40(photo)), "");
}

TEST_F(ScanRobustTest, PdfPageRasterizedAt150DpiVerifies) {
  auto pdf = RenderPdf(card_.Face(), Side::kBoth);
  ASSERT_TRUE(pdf.ok()) << pdf.status().ToString();
  GBytes* data = g_bytes_new(pdf->data(), pdf->size());
  GError* err = nullptr;
  PopplerDocument* doc = poppler_document_new_from_bytes(data, nullptr, &err);
  ASSERT_NE(doc, nullptr) << (err ? err->message : "");
  ASSERT_EQ(poppler_document_get_n_pages(doc), 2);
  PopplerPage* page = poppler_document_get_page(doc, 1);  // the back
  double w_pt = 0, h_pt = 0;
  poppler_page_get_size(page, &w_pt, &h_pt);
  const double scale = 150.0 / 72.0;
  const int w = static_cast<int>(std::ceil(w_pt * scale)), h = static_cast<int>(std::ceil(h_pt * scale));
  EXPECT_EQ(w, 506);  // 85.60 mm at 150 dpi
  EXPECT_EQ(h, 319);
  cairo_surface_t* surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
  cairo_t* cr = cairo_create(surface);
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_paint(cr);
  cairo_scale(cr, scale, scale);
  poppler_page_render_for_printing(page, cr);
  cairo_destroy(cr);
  Bytes png;
  cairo_surface_write_to_png_stream(
      surface,
      [](void* closure, const unsigned char* d, unsigned int n) {
        static_cast<Bytes*>(closure)->insert(static_cast<Bytes*>(closure)->end(), d, d + n);
        return CAIRO_STATUS_SUCCESS;
      },
      &png);
  cairo_surface_destroy(surface);
  g_object_unref(page);
  g_object_unref(doc);
  g_bytes_unref(data);
  EXPECT_EQ(card_.ScanAndVerify(png), "");
}

TEST_F(ScanRobustTest, TamperedPictureDoesNotVerify) {
  // Scribbling over the QR's centre leaves either nothing readable or nothing that verifies:
  // the scanner's retries never turn a damaged code into a valid card.
  Rgb scribbled = back_;
  const int x0 = back_.w * 12 / 100, y0 = back_.h * 35 / 100;
  for (int y = y0; y < y0 + back_.h * 30 / 100; ++y) {
    for (int x = x0; x < x0 + back_.w * 25 / 100; ++x) {
      for (int ch = 0; ch < 3; ++ch) {
        scribbled.px[(static_cast<size_t>(y) * back_.w + x) * 3 + ch] = ((x / 7 + y / 5) % 2) ? 0 : 255;
      }
    }
  }
  EXPECT_NE(card_.ScanAndVerify(Save(scribbled, "png")), "");
}

}  // namespace
}  // namespace cityid::render
