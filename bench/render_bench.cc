// The printed card's benchmark: prints, in one run on one core, how fast cards render to PNG and
// PDF, how fast a picture of a card is scanned and verified, and the raw zxing-cpp decode rate of
// the same pictures, with the ratio.
//
//   build/bench/cityid_render_bench [--seconds S]     # from the repository root, or set
//                                                     # CITYID_SOURCE_DIR (examples/portrait.png)
//
// The card is a realistic one: a signed Claim 169 payload (432-ish Base45 characters, QR version
// 13-15), the example portrait, address and three "if found" lines. "image verify" is what
// `cityid verify --image card.png` does after reading the file: PNG decode (gdk-pixbuf), EXIF
// orientation, luminance, zxing-cpp, then Base45, zlib, CBOR, COSE and the Ed25519 signature.
// "raw decode" is the leanest program that reads the same PNG file with zxing-cpp: libpng's
// simplified reader to 8-bit grey, then ReadBarcode (QR only, its default tryHarder/tryRotate).
// The two are measured in alternating slices so that other load falls on both alike. For
// reference it also prints ReadBarcode alone on pixels already decoded (the PNG inflate, which
// every reader of the file pays, is most of the difference).
#define ZX_USE_UTF8 1
#include <ZXing/ReadBarcode.h>
#include <png.h>

#include <algorithm>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "base/rng.h"
#include "credential/card.h"
#include "crypto/sign.h"
#include "render/image.h"
#include "render/render.h"
#include "render/scan.h"

namespace cityid::bench {
namespace {

// CPU time of this thread: "per second on one core" even when other processes share the
// machine (the wall clock would charge their time to us).
struct Clock {
  using time_point = double;
  static double now() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
  }
};

double Seconds(double a, double b) { return b - a; }

// Runs `fn` for about `budget` seconds; returns operations per second.
double Rate(double budget, const std::function<void()>& fn) {
  fn();  // warm-up: fonts, caches
  size_t n = 0;
  const auto t0 = Clock::now();
  auto t = t0;
  do {
    fn();
    ++n;
    t = Clock::now();
  } while (Seconds(t0, t) < budget);
  return static_cast<double>(n) / Seconds(t0, t);
}

// Two operations in alternating slices of ~20 ms, `budget` seconds in all.
std::pair<double, double> PairedRates(double budget, const std::function<void()>& a,
                                      const std::function<void()>& b) {
  auto per_slice = [](const std::function<void()>& fn) {
    fn();
    const auto t0 = Clock::now();
    for (int i = 0; i < 5; ++i) fn();
    const double per_op = Seconds(t0, Clock::now()) / 5;
    return std::max<size_t>(1, static_cast<size_t>(0.02 / std::max(per_op, 1e-9)));
  };
  const size_t na = per_slice(a), nb = per_slice(b);
  double ta = 0, tb = 0;
  size_t ca = 0, cb = 0;
  while (ta + tb < budget) {
    auto t0 = Clock::now();
    for (size_t i = 0; i < na; ++i) a();
    auto t1 = Clock::now();
    for (size_t i = 0; i < nb; ++i) b();
    auto t2 = Clock::now();
    ta += Seconds(t0, t1);
    tb += Seconds(t1, t2);
    ca += na;
    cb += nb;
  }
  return {static_cast<double>(ca) / ta, static_cast<double>(cb) / tb};
}

Bytes Slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  const std::string s = ss.str();
  return Bytes(s.begin(), s.end());
}

int Main(int argc, char** argv) {
  double seconds = 3;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
      seconds = std::max(0.2, std::atof(argv[++i]));
    } else {
      std::fprintf(stderr, "usage: cityid_render_bench [--seconds S]\n");
      return 2;
    }
  }
  const char* src = std::getenv("CITYID_SOURCE_DIR");
  const std::string root = src ? src : ".";
  const Bytes portrait = Slurp(root + "/examples/portrait.png");
  if (portrait.empty()) {
    std::fprintf(stderr, "cannot read %s/examples/portrait.png (run from the repository root or "
                         "set CITYID_SOURCE_DIR)\n", root.c_str());
    return 1;
  }
  if (!crypto::InitCrypto().ok()) return 1;

  // A card as `cityid issue` makes it.
  SeededRng rng(2026);
  auto signer = crypto::Ed25519Signer::Generate(rng);
  crypto::PublicKeySet keys;
  keys.issuer = "https://id.nyc.example";
  keys.keys.push_back({signer->key_id(), signer->public_key(), "active", std::nullopt});
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
  const UnixSeconds issued = 1795608000;
  auto card = credential::EncodeCard(c, {keys.issuer, issued, issued + 5 * 365 * 86400}, *signer,
                                     Bytes(credential::kDigestSeedBytes, 7));
  if (!card.ok()) {
    std::fprintf(stderr, "encode: %s\n", card.status().ToString().c_str());
    return 1;
  }
  render::CardFace face;
  face.city_name = "New York City";
  face.card_number = "4831 0927 5516";
  face.latin_name = "Jose Garcia";
  face.native_name = "José García";
  face.date_of_birth = "1990-04-12";
  face.issued = "2026-11-25";
  face.expires = "2031-11-25";
  face.gender = "X";
  face.photo = portrait;
  face.qr_payload = card->qr_text;
  face.address_lines = {"350 Grand Ave, Apt 4", "New York, NY 10002"};
  face.if_found_lines = {"If found, please return this card to any New York City ID office.",
                         "Si encuentra esta tarjeta, devuélvala a cualquier oficina.",
                         "Scan the QR code to verify this card offline."};

  auto back = render::RenderPng(face, render::Side::kBack);
  if (!back.ok()) return 1;
  auto gray = render::internal::DecodeGray(*back, {1 << 26, 8000, 8000, 0}, ErrorId::kInvalidPhoto);
  if (!gray.ok()) return 1;
  const auto qr_version = render::QrVersion(card->qr_text);

  std::printf("cityid render benchmark (one thread, rates per second of its CPU time; %.1f s per "
              "figure)\n", seconds);
  std::printf("card: QR payload %zu Base45 characters, QR version %d, back PNG %dx%d, %zu bytes\n\n",
              card->qr_text.size(), qr_version.ok() ? *qr_version : 0, gray->width, gray->height,
              back->size());

  const double png_rate = Rate(seconds, [&] {
    if (!render::RenderPng(face, render::Side::kBoth).ok()) std::abort();
  });
  const double pdf_rate = Rate(seconds, [&] {
    if (!render::RenderPdf(face, render::Side::kBoth).ok()) std::abort();
  });
  const double decode_png_rate = Rate(seconds / 2, [&] {
    if (!render::internal::DecodeGray(*back, {1 << 26, 8000, 8000, 0}, ErrorId::kInvalidPhoto)
             .ok()) {
      std::abort();
    }
  });

  ZXing::DecodeHints hints;
  hints.setFormats(ZXing::BarcodeFormat::QRCode);
  const ZXing::ImageView view(gray->pixels.data(), gray->width, gray->height,
                              ZXing::ImageFormat::Lum);
  // The raw baseline reads the same PNG file the leanest way there is — libpng's simplified
  // reader straight to 8-bit grey — and hands it to ReadBarcode: what any program decoding a
  // card picture with zxing-cpp must at least do.
  std::vector<uint8_t> raw_pixels;
  auto raw_file_decode = [&] {
    png_image png{};
    png.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_memory(&png, back->data(), back->size())) std::abort();
    png.format = PNG_FORMAT_GRAY;
    raw_pixels.resize(PNG_IMAGE_SIZE(png));
    const png_color white{255, 255, 255};
    if (!png_image_finish_read(&png, &white, raw_pixels.data(), 0, nullptr)) std::abort();
    const ZXing::ImageView v(raw_pixels.data(), static_cast<int>(png.width),
                             static_cast<int>(png.height), ZXing::ImageFormat::Lum);
    if (!ZXing::ReadBarcode(v, hints).isValid()) std::abort();
  };
  auto image_verify = [&] {
    auto text = render::DecodeQrFromImage(*back);
    if (!text.ok()) std::abort();
    auto outcome = credential::VerifyCard(*text, keys, issued + 60, nullptr);
    if (outcome.verdict != credential::Verdict::kValid) std::abort();
  };
  auto [verify_rate, raw_rate] = PairedRates(2 * seconds, image_verify, raw_file_decode);
  const double pixels_rate = Rate(seconds / 2, [&] {
    if (!ZXing::ReadBarcode(view, hints).isValid()) std::abort();
  });

  const double ratio = verify_rate / raw_rate;
  std::printf("| figure | per second | target |\n|---|---|---|\n");
  std::printf("| render PNG, both sides at 300 dpi | %.1f cards | >= 20 — %s |\n", png_rate,
              png_rate >= 20 ? "met" : "not met");
  std::printf("| render PDF, both sides | %.1f cards | |\n", pdf_rate);
  std::printf("| raw zxing-cpp decode of the PNG file (libpng to grey + ReadBarcode) | %.1f | |\n",
              raw_rate);
  std::printf("| image verify (cityid: checks, decode, scan, Claim 169 verify) | %.1f | |\n",
              verify_rate);
  std::printf("| ratio image verify / raw decode | %.2fx | >= 0.8x — %s |\n", ratio,
              ratio >= 0.8 ? "met" : "not met");
  std::printf("| (for reference) ReadBarcode alone, pixels already decoded | %.1f | |\n",
              pixels_rate);
  std::printf("| (for reference) cityid PNG decode to luminance alone | %.1f | |\n",
              decode_png_rate);
  return 0;
}

}  // namespace
}  // namespace cityid::bench

int main(int argc, char** argv) { return cityid::bench::Main(argc, argv); }
