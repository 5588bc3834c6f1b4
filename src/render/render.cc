#include "render/render.h"

#include <png.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <optional>
#include <vector>

#include "base/names.h"
#include "render/handles.h"
#include "render/image.h"

namespace cityid::render {
namespace {

using internal::CairoPtr;
using internal::FontDescPtr;
using internal::FontOptionsPtr;
using internal::LayoutPtr;
using internal::QrCodePtr;
using internal::SurfacePtr;

constexpr double kPi = std::numbers::pi;
constexpr double kCornerRadiusMm = 3.18;  // ID-1 corner radius
constexpr double kPhotoMaxDpi = 600;      // photos are resampled to at most this
constexpr int kGuillocheSegments = 720;   // chords per rosette strand

struct Rgb {
  double r, g, b;
};
constexpr Rgb kInk{0.10, 0.12, 0.16};
constexpr Rgb kLabel{0.36, 0.40, 0.46};
constexpr Rgb kBand{0.07, 0.23, 0.43};
constexpr Rgb kWhite{1, 1, 1};
constexpr Rgb kExpiry{0.62, 0.10, 0.10};

struct Box {
  double x, y, w, h;
};

// What one drawing pass needs besides the cairo context.
struct Pass {
  cairo_t* cr = nullptr;
  double device_px_per_mm = 0;  // > 0 for raster output: QR modules snap to whole pixels
  Side side = Side::kFront;
  std::vector<TextPlacement>* report = nullptr;  // may be null
  cairo_surface_t* photo = nullptr;              // decoded and resampled, or null
  double bleed_mm = 0;  // > 0: background art extends this far beyond the card (print shops)
};

void SetColor(cairo_t* cr, Rgb c, double alpha = 1.0) {
  cairo_set_source_rgba(cr, c.r, c.g, c.b, alpha);
}

// ---- Deterministic parameters for the generated art -------------------------------------

uint64_t Fnv1a(std::string_view s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

class SplitMix {
 public:
  explicit SplitMix(uint64_t seed) : s_(seed) {}
  uint64_t Next() {
    uint64_t z = (s_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  int Int(int lo, int hi) {
    return lo + static_cast<int>(Next() % static_cast<uint64_t>(hi - lo + 1));
  }
  double Real(double lo, double hi) {
    return lo + (hi - lo) * static_cast<double>(Next() >> 11) / static_cast<double>(1ull << 53);
  }

 private:
  uint64_t s_;
};

std::string Digits(std::string_view s) {
  std::string d;
  for (char c : s) {
    if (c >= '0' && c <= '9') d += c;
  }
  return d;
}

// ---- Validation -------------------------------------------------------------------------

Status CheckText(std::string_view field, std::string_view text) {
  return names::CheckText(text, kMaxTextBytes).WithContext(field);
}

// The printed names follow the one name rule (base/names.h), as enrollment and the card do.
Status CheckName(std::string_view field, std::string_view text) {
  return names::CheckName(text, names::Kind::kFull).WithContext(field);
}

Status CheckLines(std::string_view field, const std::vector<std::string>& lines) {
  if (lines.size() > kMaxLines) {
    return Error(ErrorId::kFieldTooLong,
                 std::string(field) + ": more than " + std::to_string(kMaxLines) + " lines");
  }
  for (size_t i = 0; i < lines.size(); ++i) {
    CITYID_RETURN_IF_ERROR(CheckText(std::string(field) + "[" + std::to_string(i) + "]", lines[i]));
  }
  return Status::Ok();
}

Status CheckFace(const CardFace& f) {
  CITYID_RETURN_IF_ERROR(CheckText("city_name", f.city_name));
  CITYID_RETURN_IF_ERROR(CheckText("card_number", f.card_number));
  CITYID_RETURN_IF_ERROR(CheckName("latin_name", f.latin_name));
  CITYID_RETURN_IF_ERROR(CheckName("native_name", f.native_name));
  CITYID_RETURN_IF_ERROR(CheckText("date_of_birth", f.date_of_birth));
  CITYID_RETURN_IF_ERROR(CheckText("issued", f.issued));
  CITYID_RETURN_IF_ERROR(CheckText("expires", f.expires));
  CITYID_RETURN_IF_ERROR(CheckText("gender", f.gender));
  CITYID_RETURN_IF_ERROR(CheckName("preferred_name", f.preferred_name));
  CITYID_RETURN_IF_ERROR(CheckLines("address_lines", f.address_lines));
  CITYID_RETURN_IF_ERROR(CheckLines("if_found_lines", f.if_found_lines));
  if (f.qr_payload.size() > kMaxQrPayloadChars) {
    return Error(ErrorId::kPayloadTooLarge,
                 "qr_payload: over " + std::to_string(kMaxQrPayloadChars) + " characters");
  }
  if (!IsValidUtf8(f.qr_payload)) return Error(ErrorId::kInvalidUtf8, "qr_payload");
  return Status::Ok();
}

Result<QrCodePtr> EncodeQr(std::string_view payload) {
  if (payload.empty()) return Error(ErrorId::kMissingField, "qr_payload");
  if (payload.size() > kMaxQrPayloadChars || payload.find('\0') != std::string_view::npos) {
    return Error(ErrorId::kInvalidArgument, "qr_payload: too long or contains NUL");
  }
  const std::string text(payload);
  // Mode hint 8 with case sensitivity lets libqrencode pick the densest mode per segment:
  // Base45 text is entirely in the QR alphanumeric set, so it is encoded as one AN segment.
  errno = 0;
  QrCodePtr qr(QRcode_encodeString(text.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, 1));
  if (!qr) {
    if (errno == ERANGE)
      return Error(ErrorId::kPayloadTooLarge, "qr_payload does not fit a QR code");
    return Error(ErrorId::kInternal, "QR encoding failed");
  }
  if (qr->version > kMaxQrVersion) {
    return Error(ErrorId::kPayloadTooLarge, "qr_payload needs QR version " +
                                                std::to_string(qr->version) + "; the limit is " +
                                                std::to_string(kMaxQrVersion));
  }
  return qr;
}

}  // namespace

Status CheckPhotoPrintable(ByteView photo) {
  internal::ImageLimits limits{kMaxPhotoBytes, kMaxPhotoDimension, kMaxPhotoDimension};
  return internal::DecodePixbuf(photo, limits, ErrorId::kInvalidPhoto).status();
}

namespace {

// Decodes the photo and resamples it to at most kPhotoMaxDpi over `box_mm`, keeping the aspect.
Result<SurfacePtr> PreparePhoto(ByteView bytes, Box box_mm) {
  internal::ImageLimits limits{kMaxPhotoBytes, kMaxPhotoDimension, kMaxPhotoDimension};
  CITYID_ASSIGN_OR_RETURN(SurfacePtr img,
                          internal::DecodeImage(bytes, limits, ErrorId::kInvalidPhoto));
  const int iw = cairo_image_surface_get_width(img.get());
  const int ih = cairo_image_surface_get_height(img.get());
  const double max_w = box_mm.w / 25.4 * kPhotoMaxDpi, max_h = box_mm.h / 25.4 * kPhotoMaxDpi;
  // Scale so the photo covers the box at kPhotoMaxDpi; never enlarge.
  const double s = std::min(1.0, std::max(max_w / iw, max_h / ih));
  if (s >= 1.0) return img;
  const int tw = std::max(1, static_cast<int>(std::lround(iw * s)));
  const int th = std::max(1, static_cast<int>(std::lround(ih * s)));
  SurfacePtr out(cairo_image_surface_create(CAIRO_FORMAT_ARGB32, tw, th));
  CairoPtr cr(cairo_create(out.get()));
  cairo_scale(cr.get(), static_cast<double>(tw) / iw, static_cast<double>(th) / ih);
  cairo_set_source_surface(cr.get(), img.get(), 0, 0);
  cairo_pattern_set_filter(cairo_get_source(cr.get()), CAIRO_FILTER_GOOD);
  cairo_paint(cr.get());
  if (cairo_status(cr.get()) != CAIRO_STATUS_SUCCESS) {
    return Error(ErrorId::kInternal, "photo resampling failed");
  }
  return out;
}

// ---- Text -------------------------------------------------------------------------------

struct TextStyle {
  const char* family = "Noto Sans";
  double size_mm = 3.0;
  double min_size_mm = 1.6;
  bool bold = false;
  Rgb color = kInk;
  bool align_right = false;
  bool wrap = false;  // wrap inside the box's width (several lines) instead of one line
  // One line until the size would drop below this, then wrap onto more lines (0: never).
  double wrap_below_mm = 0;
};

struct Extent {
  double x, y, w, h;  // user units (mm), relative to the layout origin
};

Extent Measure(PangoLayout* layout) {
  PangoRectangle ink, logical;
  pango_layout_get_extents(layout, &ink, &logical);
  const double x0 = std::min(ink.x, logical.x), y0 = std::min(ink.y, logical.y);
  const double x1 = std::max(ink.x + ink.width, logical.x + logical.width);
  const double y1 = std::max(ink.y + ink.height, logical.y + logical.height);
  return {x0 / PANGO_SCALE, y0 / PANGO_SCALE, (x1 - x0) / PANGO_SCALE, (y1 - y0) / PANGO_SCALE};
}

LayoutPtr NewLayout(cairo_t* cr) {
  LayoutPtr layout(pango_cairo_create_layout(cr));
  PangoContext* ctx = pango_layout_get_context(layout.get());
  // User space is millimetres: glyph positions must not be rounded to whole units, and hinting
  // (which depends on the output resolution) is off so raster and PDF lay out identically.
  pango_context_set_round_glyph_positions(ctx, FALSE);
  FontOptionsPtr opts(cairo_font_options_create());
  cairo_font_options_set_hint_style(opts.get(), CAIRO_HINT_STYLE_NONE);
  cairo_font_options_set_hint_metrics(opts.get(), CAIRO_HINT_METRICS_OFF);
  cairo_font_options_set_antialias(opts.get(), CAIRO_ANTIALIAS_GRAY);
  pango_cairo_context_set_font_options(ctx, opts.get());
  pango_layout_context_changed(layout.get());
  // The base direction is LTR whatever the text: an Arabic or Hebrew name is still shaped and
  // ordered right to left by the bidi algorithm, but sits left-aligned like the other fields.
  pango_layout_set_auto_dir(layout.get(), FALSE);
  return layout;
}

void SetFont(PangoLayout* layout, const TextStyle& st, double size_mm) {
  FontDescPtr fd(pango_font_description_from_string(st.family));
  pango_font_description_set_weight(fd.get(), st.bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
  pango_font_description_set_absolute_size(fd.get(), size_mm * PANGO_SCALE);
  pango_layout_set_font_description(layout, fd.get());
}

// Draws `text` inside `box`, shrinking the font until it fits (never below st.min_size_mm),
// then ellipsizing as a last resort. Empty text draws nothing.
void DrawText(const Pass& p, std::string_view field, std::string_view text, Box box,
              const TextStyle& st) {
  if (text.empty()) return;
  cairo_t* cr = p.cr;
  LayoutPtr layout = NewLayout(cr);
  PangoLayout* l = layout.get();
  pango_layout_set_text(l, text.data(), static_cast<int>(text.size()));
  if (st.wrap) {
    pango_layout_set_width(l, static_cast<int>(box.w * PANGO_SCALE));
    pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
  } else {
    pango_layout_set_single_paragraph_mode(l, TRUE);
  }
  double size = st.size_mm;
  bool ellipsized = false;
  bool wrapped = st.wrap;
  Extent e{};
  for (int round = 0; round < 60; ++round) {
    SetFont(l, st, size);
    e = Measure(l);
    if (e.w <= box.w && e.h <= box.h) break;
    if (!wrapped && st.wrap_below_mm > 0 && size <= st.wrap_below_mm) {
      wrapped = true;
      pango_layout_set_width(l, static_cast<int>(box.w * PANGO_SCALE));
      pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
      size = st.wrap_below_mm;
      continue;
    }
    if (size <= st.min_size_mm) {
      // Last resort: cut the text with an ellipsis so it cannot leave its box.
      pango_layout_set_width(l, static_cast<int>(box.w * PANGO_SCALE));
      pango_layout_set_ellipsize(l, PANGO_ELLIPSIZE_END);
      if (wrapped) pango_layout_set_height(l, static_cast<int>(box.h * PANGO_SCALE));
      e = Measure(l);
      ellipsized = true;
      break;
    }
    const double factor = std::min(box.w / e.w, box.h / e.h);
    size = std::max(st.min_size_mm, size * std::min(0.97, factor * 0.995));
  }
  // Ink can still stick out (tall diacritics at the minimum size): clip to the box.
  double ox = box.x - e.x;
  if (st.align_right) ox = box.x + box.w - e.w - e.x;
  // One-line fields are centred vertically in their box; paragraphs start at its top.
  const double oy = box.y - e.y + (wrapped ? 0.0 : std::max(0.0, (box.h - e.h) / 2));
  cairo_save(cr);
  cairo_rectangle(cr, box.x, box.y, box.w, box.h);
  cairo_clip(cr);
  SetColor(cr, st.color);
  cairo_move_to(cr, ox, oy);
  pango_cairo_show_layout(cr, l);
  cairo_restore(cr);
  if (p.report) {
    TextPlacement t;
    t.field = std::string(field);
    t.side = p.side;
    t.box_x = box.x, t.box_y = box.y, t.box_w = box.w, t.box_h = box.h;
    t.x = ox + e.x, t.y = oy + e.y, t.w = e.w, t.h = e.h;
    t.font_size_mm = size;
    t.ellipsized = ellipsized;
    p.report->push_back(std::move(t));
  }
}

void DrawLabel(const Pass& p, std::string_view text, Box box) {
  TextStyle st;
  st.size_mm = 1.55;
  st.min_size_mm = 1.0;
  st.bold = true;
  st.color = kLabel;
  DrawText(p, std::string("label:") + std::string(text), text, box, st);
}

// A field: small label above, value below.
void DrawField(const Pass& p, std::string_view field, std::string_view label,
               std::string_view value, double x, double y, double w, Rgb color = kInk) {
  DrawLabel(p, label, {x, y, w, 2.0});
  TextStyle st;
  st.size_mm = 2.9;
  st.min_size_mm = 1.6;
  st.color = color;
  DrawText(p, field, value, {x, y + 2.0, w, 3.6}, st);
}

// A line of tiny text repeating `unit` across the card: legible under a loupe, a smudge on a
// photocopy.
void DrawMicrotext(const Pass& p, std::string_view unit, double y, Rgb color) {
  cairo_t* cr = p.cr;
  std::string line;
  while (line.size() < 400) line.append(unit).append("  ");
  LayoutPtr layout = NewLayout(cr);
  pango_layout_set_text(layout.get(), line.data(), static_cast<int>(line.size()));
  pango_layout_set_single_paragraph_mode(layout.get(), TRUE);
  TextStyle st;
  st.family = "Noto Sans";  // its figures are tabular
  SetFont(layout.get(), st, 0.62);
  cairo_save(cr);
  cairo_rectangle(cr, -p.bleed_mm, y, kCardWidthMm + 2 * p.bleed_mm, 0.9);
  cairo_clip(cr);
  SetColor(cr, color);
  cairo_move_to(cr, 1.0, y);
  pango_cairo_show_layout(cr, layout.get());
  cairo_restore(cr);
}

// ---- Art --------------------------------------------------------------------------------

void RoundedRect(cairo_t* cr, double x, double y, double w, double h, double r) {
  cairo_new_sub_path(cr);
  cairo_arc(cr, x + w - r, y + r, r, -kPi / 2, 0);
  cairo_arc(cr, x + w - r, y + h - r, r, 0, kPi / 2);
  cairo_arc(cr, x + r, y + h - r, r, kPi / 2, kPi);
  cairo_arc(cr, x + r, y + r, r, kPi, 3 * kPi / 2);
  cairo_close_path(cr);
}

// ---- Hairlines for raster output --------------------------------------------------------
//
// The guilloche is some 15,000 chords per side, each stroked 0.06 mm wide (0.7 px at 300 dpi)
// in a translucent colour. Stroked by cairo, one strand at a time, that was most of the PNG's
// rendering time: every stroke becomes a polygon, is scan-converted over the rosette's whole
// extent and composited on its own. For raster output the strands are instead drawn here into a
// premultiplied tile the size of their extent, which is then painted once (inside the card's
// clip): a pixel's coverage by a strand is the overlap of the line's cross-section with the
// pixel (a 1-D box filter, exact for axis-aligned lines), the largest over the strand's chords,
// so a strand never darkens where its own chords meet or cross, as with a cairo stroke; strands
// are composited in order with OVER, which is associative, so painting the tile equals stroking
// the strands one by one onto the card. Plain arithmetic in a fixed order: deterministic.
// PDF output (and LayoutCard) still strokes with cairo: vector art stays vector.

struct Pt {
  double x, y;
};

class HairlineTile {
 public:
  // A tile covering the user-space box (x0, y0)-(x1, y1) under the current CTM of `cr`, which
  // must be a uniform scale (`px_per_unit` device pixels per user unit) and a translation.
  // REQUIRES: no other HairlineTile alive on this thread (they share its scratch memory).
  HairlineTile(cairo_t* cr, double px_per_unit, double x0, double y0, double x1, double y1,
               double width_user)
      : cr_(cr), half_(width_user * px_per_unit / 2) {
    double dx0 = x0, dy0 = y0, dx1 = x1, dy1 = y1;
    cairo_user_to_device(cr, &dx0, &dy0);
    cairo_user_to_device(cr, &dx1, &dy1);
    const double pad = half_ + 1;
    ox_ = static_cast<int>(std::floor(std::min(dx0, dx1) - pad));
    oy_ = static_cast<int>(std::floor(std::min(dy0, dy1) - pad));
    w_ = std::max(1, static_cast<int>(std::ceil(std::max(dx0, dx1) + pad)) - ox_);
    h_ = std::max(1, static_cast<int>(std::ceil(std::max(dy0, dy1) + pad)) - oy_);
    // Scratch memory is kept per thread: fresh megabytes per card cost more in page faults
    // than the drawing itself. `cov` is all zeros between strands (Stroke resets what it set).
    Scratch& s = ScratchForThread();
    const size_t n = static_cast<size_t>(w_) * h_;
    if (s.cov.size() < n) s.cov.resize(n, 0.0f);
    s.pix.assign(n, 0u);
    cov_ = s.cov.data();
    pix_ = s.pix.data();
    touched_ = &s.touched;
    dev_ = &s.dev;
  }

  // One polyline (user units), composited over what the tile holds with colour c at alpha, in
  // 8-bit premultiplied ARGB like a cairo stroke onto an image surface.
  void Stroke(const std::vector<Pt>& user_pts, Rgb c, double alpha) {
    dev_->clear();
    for (Pt q : user_pts) {
      cairo_user_to_device(cr_, &q.x, &q.y);
      dev_->push_back({q.x - ox_, q.y - oy_});
    }
    touched_->clear();
    for (size_t i = 1; i < dev_->size(); ++i) Segment((*dev_)[i - 1], (*dev_)[i]);
    const float cr = static_cast<float>(c.r) * 255.0f, cg = static_cast<float>(c.g) * 255.0f;
    const float cb = static_cast<float>(c.b) * 255.0f;
    for (uint32_t idx : *touched_) {
      const float a = static_cast<float>(alpha) * cov_[idx];
      cov_[idx] = 0;
      const uint32_t d = pix_[idx];
      const float keep = 1 - a;
      auto ch = [keep](float src, uint32_t dst) {
        return static_cast<uint32_t>(src + static_cast<float>(dst) * keep + 0.5f);
      };
      const uint32_t na = ch(255.0f * a, d >> 24), nr = ch(cr * a, (d >> 16) & 0xFF);
      const uint32_t ng = ch(cg * a, (d >> 8) & 0xFF), nb = ch(cb * a, d & 0xFF);
      pix_[idx] = (std::min(na, 255u) << 24) | (std::min(nr, na) << 16) | (std::min(ng, na) << 8) |
                  std::min(nb, na);
    }
  }

  // Paints the tile onto the card at its device position, inside the current clip.
  void Paint() {
    SurfacePtr img(cairo_image_surface_create_for_data(reinterpret_cast<unsigned char*>(pix_),
                                                       CAIRO_FORMAT_ARGB32, w_, h_, w_ * 4));
    cairo_save(cr_);
    cairo_identity_matrix(cr_);
    cairo_set_source_surface(cr_, img.get(), ox_, oy_);
    cairo_paint(cr_);
    cairo_restore(cr_);  // releases the source: the scratch pixels are ours again
  }

 private:
  struct Scratch {
    std::vector<float> cov;
    std::vector<uint32_t> pix;
    std::vector<uint32_t> touched;
    std::vector<Pt> dev;
  };
  static Scratch& ScratchForThread() {
    thread_local Scratch scratch;
    return scratch;
  }

  // Coverage of the pixels near segment a-b (tile pixels), kept as the maximum per pixel.
  void Segment(Pt a, Pt b) {
    const double reach = half_ + 0.5;
    const int x0 = std::max(0, static_cast<int>(std::floor(std::min(a.x, b.x) - reach)));
    const int x1 = std::min(w_ - 1, static_cast<int>(std::floor(std::max(a.x, b.x) + reach)));
    const int y0 = std::max(0, static_cast<int>(std::floor(std::min(a.y, b.y) - reach)));
    const int y1 = std::min(h_ - 1, static_cast<int>(std::floor(std::max(a.y, b.y) + reach)));
    const double vx = b.x - a.x, vy = b.y - a.y;
    const double len2 = vx * vx + vy * vy;
    for (int y = y0; y <= y1; ++y) {
      const double py = y + 0.5;
      for (int x = x0; x <= x1; ++x) {
        const double px = x + 0.5;
        double t = len2 > 0 ? ((px - a.x) * vx + (py - a.y) * vy) / len2 : 0.0;
        t = std::clamp(t, 0.0, 1.0);
        const double ex = px - (a.x + t * vx), ey = py - (a.y + t * vy);
        const double d = std::sqrt(ex * ex + ey * ey);
        // Overlap of [d - half, d + half] with the pixel's [-0.5, 0.5].
        const double c = std::min(0.5, d + half_) - std::max(-0.5, d - half_);
        if (c <= 0) continue;
        const size_t idx = static_cast<size_t>(y) * static_cast<size_t>(w_) +
                           static_cast<size_t>(x);
        if (cov_[idx] == 0) touched_->push_back(static_cast<uint32_t>(idx));
        cov_[idx] = std::max(cov_[idx], static_cast<float>(c));
      }
    }
  }

  cairo_t* cr_;
  double half_;  // half the line width, device pixels
  int ox_ = 0, oy_ = 0, w_ = 1, h_ = 1;
  float* cov_;                       // the current strand's coverage, 0 outside it
  uint32_t* pix_;                    // premultiplied ARGB32, row-major, stride w_ * 4
  std::vector<uint32_t>* touched_;   // pixels the current strand covers
  std::vector<Pt>* dev_;             // the current strand in tile pixels
};

// Strokes polylines of one width either with cairo (vector output) or into a HairlineTile
// (raster output), painted by Finish().
class HairlineLayer {
 public:
  HairlineLayer(const Pass& p, double width, double x0, double y0, double x1, double y1)
      : cr_(p.cr), width_(width) {
    if (p.device_px_per_mm > 0) {
      tile_.emplace(p.cr, p.device_px_per_mm, x0, y0, x1, y1, width);
    }
  }
  void Stroke(const std::vector<Pt>& pts, bool closed, Rgb c, double alpha) {
    if (tile_) {
      if (closed && !pts.empty()) {
        std::vector<Pt> ring = pts;
        ring.push_back(pts.front());
        tile_->Stroke(ring, c, alpha);
      } else {
        tile_->Stroke(pts, c, alpha);
      }
      return;
    }
    cairo_set_line_width(cr_, width_);
    for (size_t i = 0; i < pts.size(); ++i) {
      if (i == 0) {
        cairo_move_to(cr_, pts[i].x, pts[i].y);
      } else {
        cairo_line_to(cr_, pts[i].x, pts[i].y);
      }
    }
    if (closed) cairo_close_path(cr_);
    SetColor(cr_, c, alpha);
    cairo_stroke(cr_);
  }
  void Finish() {
    if (tile_) tile_->Paint();
  }

 private:
  cairo_t* cr_;
  double width_;
  std::optional<HairlineTile> tile_;
};

// A guilloche rosette and a band of interfering waves, every parameter drawn from the card
// number: no two cards share the pattern, and it is generated, not copied.
void DrawGuilloche(const Pass& p, std::string_view card_number, double cx, double cy, double radius,
                   bool waves, double alpha) {
  const double b = p.bleed_mm;
  cairo_t* cr = p.cr;
  SplitMix rng(Fnv1a(Digits(card_number)) ^ (waves ? 0x5bd1e995ull : 0));
  const int n1 = rng.Int(5, 13);   // petals of the rose
  const int n2 = rng.Int(17, 41);  // fine ripple
  const double a1 = rng.Real(0.18, 0.32), a2 = rng.Real(0.03, 0.07);
  const double phase = rng.Real(0, 2 * kPi);
  const int strands = rng.Int(14, 22);
  constexpr double kLineWidth = 0.06;
  cairo_save(cr);
  std::vector<Pt> pts;
  {
    // r <= radius * (1 + a2) < 1.1 radius.
    const double reach = 1.1 * radius;
    HairlineLayer rosette(p, kLineWidth, cx - reach, cy - reach, cx + reach, cy + reach);
    for (int k = 0; k < strands; ++k) {
      const double shift = 2 * kPi * k / (strands * n1);
      const double scale = 1.0 - 0.012 * k;
      pts.clear();
      // 720 chords: each under 0.2 mm, well inside a ripple, and half the stroking work of 1440.
      for (int i = 0; i <= kGuillocheSegments; ++i) {
        const double t = 2 * kPi * i / kGuillocheSegments;
        const double r = radius * scale * (1 - a1 + a1 * std::cos(n1 * t + shift)) *
                         (1 + a2 * std::sin(n2 * t + phase));
        pts.push_back({cx + r * std::cos(t), cy + r * std::sin(t)});
      }
      const double mix = static_cast<double>(k) / strands;
      rosette.Stroke(pts, true, {0.20 + 0.45 * mix, 0.55 - 0.15 * mix, 0.62}, alpha);
    }
    rosette.Finish();
  }
  if (waves) {
    const double f1 = rng.Real(2.5, 5.5), f2 = rng.Real(7, 13), amp = rng.Real(1.2, 2.4);
    // base + amp * 0.6 * sin + 0.5 * sin: within [base - 2, base + 2].
    const double top = kCardHeightMm - 12.0 - 2 * 0.6 * 2.4 - 1.0;
    const double bottom = kCardHeightMm - 12.0 + 0.45 * 15 + 2 * 0.6 * 2.4 + 1.0;
    HairlineLayer band(p, kLineWidth, -b, top, kCardWidthMm + b, bottom);
    for (int k = 0; k < 16; ++k) {
      const double base = kCardHeightMm - 12.0 + 0.45 * k;
      const double ph = rng.Real(0, 2 * kPi);
      pts.clear();
      for (int i = 0; i <= 400; ++i) {
        const double x = -b + (kCardWidthMm + 2 * b) * i / 400.0;
        const double u = x / kCardWidthMm * 2 * kPi;
        const double y =
            base + amp * std::sin(f1 * u + ph) * 0.6 + 0.5 * std::sin(f2 * u + k * 0.4);
        pts.push_back({x, y});
      }
      band.Stroke(pts, false, {0.55, 0.35 + 0.02 * k, 0.60}, 0.22);
    }
    band.Finish();
  }
  cairo_restore(cr);
}

// Paints `photo` to cover `box` (scaled, centred, cropped) with `alpha`.
void PaintPhoto(cairo_t* cr, cairo_surface_t* photo, Box box, double alpha) {
  const double iw = cairo_image_surface_get_width(photo);
  const double ih = cairo_image_surface_get_height(photo);
  const double s = std::max(box.w / iw, box.h / ih);
  cairo_save(cr);
  cairo_rectangle(cr, box.x, box.y, box.w, box.h);
  cairo_clip(cr);
  cairo_translate(cr, box.x + box.w / 2, box.y + box.h / 2);
  cairo_scale(cr, s, s);
  cairo_set_source_surface(cr, photo, -iw / 2, -ih / 2);
  cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_GOOD);
  cairo_paint_with_alpha(cr, alpha);
  cairo_restore(cr);
}

void PaintSilhouette(cairo_t* cr, Box box, double alpha) {
  cairo_save(cr);
  cairo_rectangle(cr, box.x, box.y, box.w, box.h);
  cairo_clip(cr);
  cairo_set_source_rgba(cr, 0.86, 0.88, 0.91, alpha);
  cairo_paint(cr);
  cairo_set_source_rgba(cr, 0.66, 0.70, 0.76, alpha);
  const double cx = box.x + box.w / 2;
  cairo_arc(cr, cx, box.y + box.h * 0.38, box.w * 0.21, 0, 2 * kPi);
  cairo_fill(cr);
  cairo_save(cr);
  cairo_translate(cr, cx, box.y + box.h * 1.02);
  cairo_scale(cr, box.w * 0.42, box.h * 0.36);
  cairo_arc(cr, 0, 0, 1, 0, 2 * kPi);
  cairo_restore(cr);
  cairo_fill(cr);
  cairo_restore(cr);
}

// With bleed the background is a plain rectangle kBleedMm larger on every side: the cutter
// trims it and rounds the corners, and a cut slightly off still shows art, not white paper.
void DrawCardBackground(cairo_t* cr, double bleed) {
  if (bleed > 0) {
    cairo_rectangle(cr, -bleed, -bleed, kCardWidthMm + 2 * bleed, kCardHeightMm + 2 * bleed);
  } else {
    RoundedRect(cr, 0, 0, kCardWidthMm, kCardHeightMm, kCornerRadiusMm);
  }
  cairo_pattern_t* grad = cairo_pattern_create_linear(0, 0, kCardWidthMm, kCardHeightMm);
  cairo_pattern_add_color_stop_rgb(grad, 0, 0.97, 0.98, 1.0);
  cairo_pattern_add_color_stop_rgb(grad, 1, 0.91, 0.95, 0.97);
  cairo_set_source(cr, grad);
  cairo_pattern_destroy(grad);
  cairo_fill_preserve(cr);
  cairo_clip(cr);  // everything else stays inside the rounded card
}

// The thin outline of the rounded card; not with bleed, where a slightly off cut would show it.
void DrawCardBorder(cairo_t* cr, double bleed) {
  if (bleed > 0) return;
  cairo_reset_clip(cr);
  RoundedRect(cr, 0.1, 0.1, kCardWidthMm - 0.2, kCardHeightMm - 0.2, kCornerRadiusMm - 0.1);
  cairo_set_source_rgba(cr, 0.55, 0.58, 0.62, 1);
  cairo_set_line_width(cr, 0.2);
  cairo_stroke(cr);
}

// ---- The two sides ----------------------------------------------------------------------

void DrawFront(const Pass& p, const CardFace& f) {
  cairo_t* cr = p.cr;
  cairo_save(cr);
  DrawCardBackground(cr, p.bleed_mm);
  DrawGuilloche(p, f.card_number, 62.0, 31.0, 19.0, true, 0.26);

  // City band.
  const double b = p.bleed_mm;
  cairo_rectangle(cr, -b, -b, kCardWidthMm + 2 * b, 9.5 + b);
  SetColor(cr, kBand);
  cairo_fill(cr);
  {
    TextStyle st;
    st.size_mm = 4.4;
    st.min_size_mm = 2.2;
    st.bold = true;
    st.color = kWhite;
    DrawText(p, "city_name", f.city_name, {4.0, 1.4, 56.0, 6.8}, st);
    st.size_mm = 1.9;
    st.min_size_mm = 1.2;
    st.align_right = true;
    DrawText(p, "title", "IDENTIFICATION CARD", {58.0, 3.2, 24.0, 3.2}, st);
  }
  DrawMicrotext(p, f.city_name + " " + Digits(f.card_number), 10.0, {0.30, 0.42, 0.58});

  // Ghost photo under the data (printed first, so the text stays readable).
  const Box ghost{67.0, 27.5, 14.0, 17.5};
  if (p.photo) {
    PaintPhoto(cr, p.photo, ghost, 0.20);
  } else {
    PaintSilhouette(cr, ghost, 0.25);
  }

  // Photo.
  const Box photo{4.0, 12.5, 24.0, 30.0};
  if (p.photo) {
    PaintPhoto(cr, p.photo, photo, 1.0);
  } else {
    PaintSilhouette(cr, photo, 1.0);
  }
  cairo_rectangle(cr, photo.x, photo.y, photo.w, photo.h);
  cairo_set_source_rgba(cr, 0.35, 0.38, 0.42, 1);
  cairo_set_line_width(cr, 0.15);
  cairo_stroke(cr);

  // Names.
  {
    TextStyle st;
    st.size_mm = 4.3;
    st.min_size_mm = 1.9;
    st.wrap_below_mm = 2.7;
    st.bold = true;
    DrawText(p, "latin_name", f.latin_name, {31.0, 12.2, 51.0, 6.4}, st);
    st.size_mm = 3.9;
    st.bold = false;
    DrawText(p, "native_name", f.native_name, {31.0, 18.8, 51.0, 6.2}, st);
  }
  DrawField(p, "date_of_birth", "DATE OF BIRTH", f.date_of_birth, 31.0, 25.6, 24.0);
  if (!f.gender.empty()) DrawField(p, "gender", "SEX", f.gender, 57.0, 25.6, 10.0);
  DrawField(p, "issued", "ISSUED", f.issued, 31.0, 31.9, 24.0);
  DrawField(p, "expires", "EXPIRES", f.expires, 57.0, 31.9, 24.0, kExpiry);
  if (!f.preferred_name.empty()) {
    DrawField(p, "preferred_name", "PREFERRED NAME", f.preferred_name, 31.0, 38.2, 36.0);
  }

  // The veteran designation: a band-coloured tag right of the card number.
  if (f.veteran) {
    const Box tag{60.0, 44.4, 22.0, 4.6};
    cairo_rectangle(cr, tag.x, tag.y, tag.w, tag.h);
    SetColor(cr, kBand);
    cairo_fill(cr);
    TextStyle st;
    st.size_mm = 2.8;
    st.bold = true;
    st.color = kWhite;
    DrawText(p, "veteran", "VETERAN", {tag.x + 1.0, tag.y + 0.5, tag.w - 2.0, tag.h - 1.0}, st);
  }

  // Card number under the photo.
  DrawLabel(p, "CARD NO.", {4.0, 43.4, 24.0, 2.0});
  {
    TextStyle st;
    st.family = "Noto Sans";  // its figures are tabular
    st.size_mm = 3.3;
    st.min_size_mm = 1.8;
    st.bold = true;
    DrawText(p, "card_number", f.card_number, {4.0, 45.4, 40.0, 4.2}, st);
  }

  // Bottom stripe with a second microtext line.
  cairo_rectangle(cr, -p.bleed_mm, kCardHeightMm - 3.2, kCardWidthMm + 2 * p.bleed_mm,
                  3.2 + p.bleed_mm);
  SetColor(cr, kBand);
  cairo_fill(cr);
  DrawMicrotext(p, "CITYID " + Digits(f.card_number), kCardHeightMm - 2.1, {0.75, 0.82, 0.92});
  cairo_restore(cr);
  DrawCardBorder(cr, p.bleed_mm);
}

void DrawBack(const Pass& p, const CardFace& f, const QRcode& qr) {
  cairo_t* cr = p.cr;
  cairo_save(cr);
  DrawCardBackground(cr, p.bleed_mm);
  DrawGuilloche(p, f.card_number, 65.0, 27.0, 16.0, false, 0.14);

  cairo_rectangle(cr, -p.bleed_mm, -p.bleed_mm, kCardWidthMm + 2 * p.bleed_mm, 5.2 + p.bleed_mm);
  SetColor(cr, kBand);
  cairo_fill(cr);
  {
    TextStyle st;
    st.size_mm = 2.6;
    st.min_size_mm = 1.6;
    st.bold = true;
    st.color = kWhite;
    DrawText(p, "back_city_name", f.city_name, {4.0, 0.8, 78.0, 3.6}, st);
  }

  // QR code with its 4-module quiet zone on white. Raster output snaps modules to whole
  // pixels so every module has the same size.
  const Box qbox{3.0, 7.0, 42.0, 42.0};
  const int modules = qr.width + 8;
  double module = qbox.w / modules;
  double x0 = qbox.x, y0 = qbox.y;
  if (p.device_px_per_mm > 0) {
    const double px = std::floor(qbox.w * p.device_px_per_mm / modules);
    if (px >= 1) {
      module = px / p.device_px_per_mm;
      cairo_user_to_device(cr, &x0, &y0);
      x0 = std::round(x0);
      y0 = std::round(y0);
      cairo_device_to_user(cr, &x0, &y0);
    }
  }
  const double side = module * modules;
  cairo_rectangle(cr, x0, y0, side, side);
  SetColor(cr, kWhite);
  cairo_fill(cr);
  cairo_save(cr);
  if (p.device_px_per_mm > 0) cairo_set_antialias(cr, CAIRO_ANTIALIAS_NONE);
  for (int y = 0; y < qr.width; ++y) {
    int x = 0;
    while (x < qr.width) {
      if (!(qr.data[y * qr.width + x] & 1)) {
        ++x;
        continue;
      }
      int run = x;
      while (run < qr.width && (qr.data[y * qr.width + run] & 1)) ++run;
      cairo_rectangle(cr, x0 + (x + 4) * module, y0 + (y + 4) * module, (run - x) * module, module);
      x = run;
    }
  }
  cairo_set_source_rgb(cr, 0, 0, 0);
  cairo_fill(cr);
  cairo_restore(cr);

  // Right column: address, if-found text, card number.
  const double cx = 47.5, cw = 35.0;
  double y = 7.2;
  if (!f.address_lines.empty()) {
    DrawLabel(p, "ADDRESS", {cx, y, cw, 2.0});
    y += 2.1;
    TextStyle st;
    st.size_mm = 2.4;
    st.min_size_mm = 1.4;
    for (size_t i = 0; i < f.address_lines.size() && y < 30; ++i) {
      DrawText(p, "address[" + std::to_string(i) + "]", f.address_lines[i], {cx, y, cw, 3.0}, st);
      y += 3.0;
    }
    y += 1.2;
  }
  if (!f.if_found_lines.empty()) {
    DrawLabel(p, "IF FOUND", {cx, y, cw, 2.0});
    y += 2.1;
    const double bottom = 43.0;
    const double each = std::min(8.0, (bottom - y) / static_cast<double>(f.if_found_lines.size()));
    TextStyle st;
    st.size_mm = 1.9;
    st.min_size_mm = 1.1;
    st.wrap = true;
    st.color = {0.22, 0.25, 0.30};
    for (size_t i = 0; i < f.if_found_lines.size(); ++i) {
      DrawText(p, "if_found[" + std::to_string(i) + "]", f.if_found_lines[i],
               {cx, y + each * static_cast<double>(i), cw, std::max(1.5, each - 0.4)}, st);
    }
  }
  DrawLabel(p, "CARD NO.", {cx, 43.4, cw, 2.0});
  {
    TextStyle st;
    st.family = "Noto Sans";  // its figures are tabular
    st.size_mm = 2.6;
    st.min_size_mm = 1.5;
    st.bold = true;
    DrawText(p, "back_card_number", f.card_number, {cx, 45.4, cw, 3.4}, st);
  }
  cairo_rectangle(cr, -p.bleed_mm, kCardHeightMm - 3.2, kCardWidthMm + 2 * p.bleed_mm,
                  3.2 + p.bleed_mm);
  SetColor(cr, kBand);
  cairo_fill(cr);
  DrawMicrotext(p, f.city_name + " " + Digits(f.card_number), kCardHeightMm - 2.1,
                {0.75, 0.82, 0.92});
  cairo_restore(cr);
  DrawCardBorder(cr, p.bleed_mm);
}

// Everything one render needs, validated and decoded once.
struct Prepared {
  QrCodePtr qr;      // set when the back is drawn
  SurfacePtr photo;  // may be null (silhouette)
};

Result<Prepared> Prepare(const CardFace& f, Side side) {
  CITYID_RETURN_IF_ERROR(CheckFace(f));
  Prepared out;
  if (side != Side::kFront) {
    CITYID_ASSIGN_OR_RETURN(out.qr, EncodeQr(f.qr_payload));
  }
  if (!f.photo.empty()) {
    CITYID_ASSIGN_OR_RETURN(out.photo, PreparePhoto(f.photo, {0, 0, 24.0, 30.0}));
  }
  return out;
}

// Draws one side with the current CTM in millimetres.
void DrawSide(const Pass& p, const CardFace& f, const Prepared& prep) {
  if (p.side == Side::kFront) {
    DrawFront(p, f);
  } else {
    DrawBack(p, f, *prep.qr);
  }
}

Status CheckCairo(cairo_t* cr) {
  if (cairo_status(cr) != CAIRO_STATUS_SUCCESS) {
    return Error(ErrorId::kInternal,
                 std::string("cairo: ") + cairo_status_to_string(cairo_status(cr)));
  }
  return Status::Ok();
}

cairo_status_t AppendBytes(void* closure, const unsigned char* data, unsigned int length) {
  auto* out = static_cast<Bytes*>(closure);
  out->insert(out->end(), data, data + length);
  return CAIRO_STATUS_SUCCESS;
}

// PNG of an ARGB32 surface with libpng at zlib level 1 and the Sub filter: a fraction of the
// time of cairo's writer (level 6, all filters tried) for files about 40 % larger; rendering
// throughput is the print station's bottleneck, file size is not. Deterministic.
Result<Bytes> EncodePng(cairo_surface_t* surface) {
  cairo_surface_flush(surface);
  const int w = cairo_image_surface_get_width(surface), h = cairo_image_surface_get_height(surface);
  const int stride = cairo_image_surface_get_stride(surface);
  const unsigned char* data = cairo_image_surface_get_data(surface);
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png ? png_create_info_struct(png) : nullptr;
  if (!info) {
    png_destroy_write_struct(&png, nullptr);
    return Error(ErrorId::kResourceExhausted, "PNG encoder");
  }
  Bytes out;
  out.reserve(static_cast<size_t>(w) * h / 2);  // about what level 1 gives for a card
  std::vector<uint8_t> row(static_cast<size_t>(w) * 4);
  // libpng reports errors by longjmp: nothing with a destructor is created below this point.
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    return Error(ErrorId::kInternal, "PNG encoding failed");
  }
  png_set_write_fn(
      png, &out,
      [](png_structp p, png_bytep bytes, size_t n) {
        auto* o = static_cast<Bytes*>(png_get_io_ptr(p));
        o->insert(o->end(), bytes, bytes + n);
      },
      nullptr);
  png_set_IHDR(png, info, static_cast<png_uint_32>(w), static_cast<png_uint_32>(h), 8,
               PNG_COLOR_TYPE_RGB_ALPHA, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  png_set_compression_level(png, 1);
  png_set_filter(png, PNG_FILTER_TYPE_BASE, PNG_FILTER_SUB);
  png_write_info(png, info);
  for (int y = 0; y < h; ++y) {
    const auto* src = reinterpret_cast<const uint32_t*>(data + static_cast<size_t>(y) * stride);
    uint8_t* d = row.data();
    for (int x = 0; x < w; ++x, d += 4) {
      const uint32_t p = src[x], a = p >> 24;
      if (a == 255) {  // most of the card: nothing to un-premultiply
        d[0] = static_cast<uint8_t>(p >> 16);
        d[1] = static_cast<uint8_t>(p >> 8);
        d[2] = static_cast<uint8_t>(p);
        d[3] = 255;
        continue;
      }
      if (a == 0) {
        d[0] = d[1] = d[2] = d[3] = 0;
        continue;
      }
      // Un-premultiply, rounding as cairo's writer does.
      d[0] = static_cast<uint8_t>((((p >> 16) & 0xFF) * 255 + a / 2) / a);
      d[1] = static_cast<uint8_t>((((p >> 8) & 0xFF) * 255 + a / 2) / a);
      d[2] = static_cast<uint8_t>(((p & 0xFF) * 255 + a / 2) / a);
      d[3] = static_cast<uint8_t>(a);
    }
    png_write_row(png, row.data());
  }
  png_write_end(png, info);
  png_destroy_write_struct(&png, &info);
  return out;
}

std::vector<Side> SidesOf(Side side) {
  if (side == Side::kBoth) return {Side::kFront, Side::kBack};
  return {side};
}

}  // namespace

Result<Side> ParseSide(std::string_view text) {
  if (text == "front") return Side::kFront;
  if (text == "back") return Side::kBack;
  if (text == "both") return Side::kBoth;
  return Error(ErrorId::kInvalidArgument, "side: expected front, back or both");
}

Result<int> QrVersion(std::string_view payload) {
  CITYID_ASSIGN_OR_RETURN(QrCodePtr qr, EncodeQr(payload));
  return qr->version;
}

Result<Bytes> RenderPng(const CardFace& face, Side side, int dpi) {
  if (dpi < kMinDpi || dpi > kMaxDpi) {
    return Error(ErrorId::kInvalidArgument,
                 "dpi: must be " + std::to_string(kMinDpi) + ".." + std::to_string(kMaxDpi));
  }
  CITYID_ASSIGN_OR_RETURN(Prepared prep, Prepare(face, side));
  const double px_per_mm = dpi / 25.4;
  const int w = static_cast<int>(std::ceil(kCardWidthMm * px_per_mm));
  const int side_h = static_cast<int>(std::ceil(kCardHeightMm * px_per_mm));
  const int gap = static_cast<int>(std::ceil(kSideGapMm * px_per_mm));
  const int h = side == Side::kBoth ? 2 * side_h + gap : side_h;
  SurfacePtr surface(cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h));
  CairoPtr cr(cairo_create(surface.get()));
  CITYID_RETURN_IF_ERROR(CheckCairo(cr.get()));
  int row = 0;
  for (Side s : SidesOf(side)) {
    cairo_save(cr.get());
    cairo_translate(cr.get(), 0, row);
    cairo_scale(cr.get(), px_per_mm, px_per_mm);
    DrawSide({cr.get(), px_per_mm, s, nullptr, prep.photo.get()}, face, prep);
    cairo_restore(cr.get());
    row += side_h + gap;
  }
  CITYID_RETURN_IF_ERROR(CheckCairo(cr.get()));
  cr.reset();
  return EncodePng(surface.get());
}

Result<Sheet> ParseSheet(std::string_view text) {
  if (text == "a4" || text == "A4") return Sheet::kA4;
  if (text == "letter") return Sheet::kLetter;
  return Error(ErrorId::kInvalidArgument, "sheet: expected a4 or letter");
}

SheetLayout LayoutSheet(Sheet sheet) {
  SheetLayout l;
  l.page_w_mm = sheet == Sheet::kA4 ? 210.0 : 215.9;
  l.page_h_mm = sheet == Sheet::kA4 ? 297.0 : 279.4;
  const double x0 = (l.page_w_mm - kSheetColumns * kCardWidthMm) / 2;
  const double y0 = (l.page_h_mm - kSheetRows * kCardHeightMm) / 2;
  for (int row = 0; row < kSheetRows; ++row) {
    for (int col = 0; col < kSheetColumns; ++col) {
      const RectMm front{x0 + col * kCardWidthMm, y0 + row * kCardHeightMm, kCardWidthMm,
                         kCardHeightMm};
      l.front.push_back(front);
      l.back.push_back({l.page_w_mm - front.x - front.w, front.y, front.w, front.h});
    }
  }
  return l;
}

namespace {

constexpr double kPtPerMm = 72.0 / 25.4;

// Opens a PDF stream of `w_mm` x `h_mm` pages with fixed metadata, lets `draw` paint the pages
// (a CTM in millimetres, calling cairo_show_page after each), and returns the bytes.
template <typename DrawPages>
Result<Bytes> MakePdf(double w_mm, double h_mm, std::string_view issued, DrawPages&& draw) {
  Bytes pdf;
  {
    SurfacePtr surface(
        cairo_pdf_surface_create_for_stream(AppendBytes, &pdf, w_mm * kPtPerMm, h_mm * kPtPerMm));
    // Fixed metadata (no personal data): cairo would otherwise stamp the current time.
    std::string date = "2000-01-01T00:00:00Z";
    if (issued.size() == 10 && issued[4] == '-' && issued[7] == '-') {
      date = std::string(issued) + "T00:00:00Z";
    }
    cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_CREATE_DATE, date.c_str());
    cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_TITLE, "ID card");
    cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_CREATOR, "cityid");
    CairoPtr cr(cairo_create(surface.get()));
    CITYID_RETURN_IF_ERROR(CheckCairo(cr.get()));
    cairo_scale(cr.get(), kPtPerMm, kPtPerMm);
    CITYID_RETURN_IF_ERROR(draw(cr.get()));
    CITYID_RETURN_IF_ERROR(CheckCairo(cr.get()));
    cr.reset();
    cairo_surface_finish(surface.get());
    if (cairo_surface_status(surface.get()) != CAIRO_STATUS_SUCCESS) {
      return Error(ErrorId::kInternal, "PDF output failed");
    }
  }
  return pdf;
}

// Draws one side with its trim box at `trim`, clipped to the trim box grown by `bleed` on the
// edges flagged in `outer` (left, top, right, bottom).
void DrawSideAt(cairo_t* cr, const CardFace& f, const Prepared& prep, Side side, RectMm trim,
                double bleed, const bool (&outer)[4]) {
  cairo_save(cr);
  const double l = outer[0] ? bleed : 0, t = outer[1] ? bleed : 0;
  const double r = outer[2] ? bleed : 0, b = outer[3] ? bleed : 0;
  cairo_rectangle(cr, trim.x - l, trim.y - t, trim.w + l + r, trim.h + t + b);
  cairo_clip(cr);
  cairo_translate(cr, trim.x, trim.y);
  DrawSide({cr, 0, side, nullptr, prep.photo.get(), bleed}, f, prep);
  cairo_restore(cr);
}

// A crop mark: a hairline from (x0, y0) to (x1, y1), in registration black.
void CropMark(cairo_t* cr, double x0, double y0, double x1, double y1) {
  cairo_move_to(cr, x0, y0);
  cairo_line_to(cr, x1, y1);
}

void StrokeCropMarks(cairo_t* cr) {
  cairo_set_source_rgb(cr, 0, 0, 0);
  cairo_set_line_width(cr, kCropMarkWidthMm);
  cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT);
  cairo_stroke(cr);
}

// Marks on the lines x = xs[i] (above `top` and below `bottom`) and y = ys[j] (left of `left`
// and right of `right`), each starting kBleedMm outside the trim and running kCropMarkLengthMm,
// or to the page edge when the margin is narrower.
void DrawCropMarks(cairo_t* cr, const std::vector<double>& xs, const std::vector<double>& ys,
                   RectMm grid, double page_w, double page_h) {
  const double start = kBleedMm;
  const double len_v = std::min(kCropMarkLengthMm, grid.y - start);
  const double len_h = std::min(kCropMarkLengthMm, grid.x - start);
  if (len_v > 0) {
    for (double x : xs) {
      CropMark(cr, x, grid.y - start, x, grid.y - start - len_v);
      CropMark(cr, x, grid.y + grid.h + start, x, std::min(page_h, grid.y + grid.h + start + len_v));
    }
  }
  if (len_h > 0) {
    for (double y : ys) {
      CropMark(cr, grid.x - start, y, grid.x - start - len_h, y);
      CropMark(cr, grid.x + grid.w + start, y, std::min(page_w, grid.x + grid.w + start + len_h), y);
    }
  }
  StrokeCropMarks(cr);
}

}  // namespace

Result<Bytes> RenderPdf(const CardFace& face, Side side, const PrintOptions& print) {
  CITYID_ASSIGN_OR_RETURN(Prepared prep, Prepare(face, side));
  const double margin = print.bleed ? kBleedPageMarginMm : 0.0;
  const RectMm trim{margin, margin, kCardWidthMm, kCardHeightMm};
  const double page_w = kCardWidthMm + 2 * margin, page_h = kCardHeightMm + 2 * margin;
  return MakePdf(page_w, page_h, face.issued, [&](cairo_t* cr) -> Status {
    for (Side s : SidesOf(side)) {
      if (print.bleed) {
        static constexpr bool kAllOuter[4] = {true, true, true, true};
        DrawSideAt(cr, face, prep, s, trim, kBleedMm, kAllOuter);
        DrawCropMarks(cr, {trim.x, trim.x + trim.w}, {trim.y, trim.y + trim.h}, trim, page_w,
                      page_h);
      } else {
        cairo_save(cr);
        DrawSide({cr, 0, s, nullptr, prep.photo.get()}, face, prep);
        cairo_restore(cr);
      }
      cairo_show_page(cr);
    }
    return CheckCairo(cr);
  });
}

Result<Bytes> RenderSheetPdf(const std::vector<CardFace>& faces, Side side, Sheet sheet,
                             const PrintOptions& print) {
  if (faces.empty()) return Error(ErrorId::kInvalidArgument, "sheet: no cards");
  if (faces.size() > kMaxSheetCards) {
    return Error(ErrorId::kInvalidArgument,
                 "sheet: more than " + std::to_string(kMaxSheetCards) + " cards");
  }
  // Validate every face before drawing anything, so a bad record fails fast and whole.
  for (const CardFace& f : faces) CITYID_RETURN_IF_ERROR(CheckFace(f));
  const SheetLayout layout = LayoutSheet(sheet);
  const RectMm grid{layout.front[0].x, layout.front[0].y, kSheetColumns * kCardWidthMm,
                    kSheetRows * kCardHeightMm};
  std::vector<double> xs, ys;
  for (int c = 0; c <= kSheetColumns; ++c) xs.push_back(grid.x + c * kCardWidthMm);
  for (int r = 0; r <= kSheetRows; ++r) ys.push_back(grid.y + r * kCardHeightMm);
  const double bleed = print.bleed ? kBleedMm : 0.0;
  return MakePdf(layout.page_w_mm, layout.page_h_mm, faces.front().issued,
                 [&](cairo_t* cr) -> Status {
    for (size_t first = 0; first < faces.size(); first += kCardsPerSheet) {
      const size_t n = std::min<size_t>(kCardsPerSheet, faces.size() - first);
      // One sheet's cards prepared at a time: photos are decoded per page, not all at once.
      std::vector<Prepared> prepared;
      for (size_t k = 0; k < n; ++k) {
        CITYID_ASSIGN_OR_RETURN(Prepared p, Prepare(faces[first + k], side));
        prepared.push_back(std::move(p));
      }
      for (Side s : SidesOf(side)) {
        const std::vector<RectMm>& slots = s == Side::kFront ? layout.front : layout.back;
        // An edge bleeds where no card abuts it: the grid's outline, and empty slots of the
        // last sheet. On the back page the columns are mirrored, so the card on the page's
        // right is the next column to the left.
        auto occupied = [n](int c, int r) {
          return c >= 0 && c < kSheetColumns && r >= 0 && r < kSheetRows &&
                 static_cast<size_t>(r * kSheetColumns + c) < n;
        };
        const int right = s == Side::kFront ? 1 : -1;
        for (size_t k = 0; k < n; ++k) {
          const int col = static_cast<int>(k) % kSheetColumns;
          const int row = static_cast<int>(k) / kSheetColumns;
          const bool outer[4] = {!occupied(col - right, row), !occupied(col, row - 1),
                                 !occupied(col + right, row), !occupied(col, row + 1)};
          DrawSideAt(cr, faces[first + k], prepared[k], s, slots[k], bleed, outer);
        }
        if (print.bleed) {
          DrawCropMarks(cr, xs, ys, grid, layout.page_w_mm, layout.page_h_mm);
        }
        cairo_show_page(cr);
      }
    }
    return CheckCairo(cr);
  });
}

Result<std::vector<TextPlacement>> LayoutCard(const CardFace& face, Side side) {
  CITYID_ASSIGN_OR_RETURN(Prepared prep, Prepare(face, side));
  std::vector<TextPlacement> report;
  SurfacePtr surface(cairo_recording_surface_create(CAIRO_CONTENT_COLOR_ALPHA, nullptr));
  CairoPtr cr(cairo_create(surface.get()));
  for (Side s : SidesOf(side)) {
    cairo_save(cr.get());
    DrawSide({cr.get(), 0, s, &report, prep.photo.get()}, face, prep);
    cairo_restore(cr.get());
  }
  CITYID_RETURN_IF_ERROR(CheckCairo(cr.get()));
  return report;
}

}  // namespace cityid::render

// LeakSanitizer suppressions, as narrow as the libraries allow, so that a leak of ours in
// render/ (a surface, a context, a layout, a pattern never destroyed) still fails the ASan tests:
// - libfontconfig: fontconfig's own allocations — the parsed configuration, font sets and the
//   patterns that Pango's font map caches per font description — kept for the life of the
//   process and never freed (the same size after one render or a thousand). An allocation of
//   cairo's or Pango's, or ours, has no fontconfig frame and is still reported.
// - cairo_surface_finish: cairo 1.16's PDF font subsetter leaks two 768-byte arrays when it
//   finishes a PDF that embeds some fonts (mixed Arabic, Chinese and Devanagari names). Only a
//   full allocation stack has that frame: render_test asks for one (fast_unwind_on_malloc=0).
#if defined(__SANITIZE_ADDRESS__)
#define CITYID_RENDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CITYID_RENDER_ASAN 1
#endif
#endif
#ifdef CITYID_RENDER_ASAN
extern "C" const char* __lsan_default_suppressions() {
  return "leak:libfontconfig.so\n"
         "leak:cairo_surface_finish\n";
}
#endif
