#pragma once
// The printed card (DESIGN §6): an ID-1 card (85.60 x 53.98 mm) drawn with cairo and Pango.
// Front: city band, photo, names in Latin and native script, date of birth, dates, card number,
// and generated anti-copy art (a guilloche derived from the card number, a microtext line, a
// ghost photo). Back: the QR code (libqrencode, error correction M), address lines, "if found"
// text. Deterministic: the same CardFace gives the same bytes on the same build (fonts from
// fontconfig: Noto Sans, Noto Sans CJK, Noto Sans Arabic... with Pango's fallback).
//
// The renderer knows nothing of the store or the policy: the caller decides what is printed
// (cli/cmd_render.cc builds the CardFace from the record and the policy).

#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/status.h"

namespace cityid::render {

inline constexpr double kCardWidthMm = 85.60;  // ISO/IEC 7810 ID-1
inline constexpr double kCardHeightMm = 53.98;
inline constexpr double kSideGapMm = 3.0;  // between front and back in a `both` PNG
inline constexpr size_t kMaxPhotoBytes = 5 * 1024 * 1024;
inline constexpr int kMaxPhotoDimension = 4000;  // pixels, each side
inline constexpr size_t kMaxTextBytes = 512;     // any one text field
inline constexpr size_t kMaxLines = 8;           // address / if-found lines
inline constexpr size_t kMaxQrPayloadChars = 4096;
inline constexpr int kMaxQrVersion = 25;  // beyond this the modules get too small to scan
inline constexpr int kMinDpi = 72;
inline constexpr int kMaxDpi = 1200;

// The photo check at enrollment (core::CheckPhoto), so that what is enrolled can be printed:
// PNG or JPEG, at most kMaxPhotoBytes; the dimensions are read from the header first and over
// kMaxPhotoDimension on either side (a decompression bomb: a few KB that decode to gigabytes)
// is refused before any decoding; then decoded once, bounded, so a corrupt image is refused
// too. kInvalidPhoto naming the problem. Thread-compatible.
Status CheckPhotoPrintable(ByteView photo);

// What is printed: plain data, already formatted and already filtered by the policy (empty
// optional fields are not printed). All text UTF-8.
struct CardFace {
  std::string city_name;                    // "New York City"
  std::string card_number;                  // formatted, "1234 5678 9012"
  std::string latin_name;                   // "José García"
  std::string native_name;                  // own script, "" when the same as latin_name
  std::string date_of_birth;                // "1990-04-12"
  std::string issued;                       // "2026-11-25"
  std::string expires;                      // "2031-11-25"
  std::string gender;                       // "" = not printed
  std::string preferred_name;               // "" = not printed
  bool veteran = false;                     // the VETERAN designation, where policy prints it
  Bytes photo;                              // PNG or JPEG; empty = silhouette placeholder
  std::string qr_payload;                   // Base45 Claim 169 text
  std::vector<std::string> address_lines;   // empty = no address printed
  std::vector<std::string> if_found_lines;  // "If found, please return to ..."
};

enum class Side { kFront, kBack, kBoth };

// "front", "back" or "both"; anything else is kInvalidArgument.
Result<Side> ParseSide(std::string_view text);

// A PNG of the card at `dpi` (kMinDpi..kMaxDpi): ceil(85.60 mm) x ceil(53.98 mm) pixels per
// side (1012 x 638 at 300 dpi), transparent outside the rounded corners. kBoth stacks the front
// above the back with kSideGapMm between them. Fails with kInvalidArgument (dpi, side),
// kInvalidUtf8 / kFieldTooLong (text fields, named), kInvalidPhoto (photo not PNG/JPEG, over
// kMaxPhotoBytes or kMaxPhotoDimension, corrupt), kPayloadTooLarge (QR version over
// kMaxQrVersion), kInternal (cairo). Thread-compatible: one CardFace per call, no shared state
// besides fontconfig's (which Pango locks); each thread keeps a few megabytes of scratch memory
// for drawing the guilloche (render.cc, HairlineTile) between calls.
Result<Bytes> RenderPng(const CardFace& face, Side side, int dpi = 300);

// ---- Print-shop output --------------------------------------------------------------------

inline constexpr double kBleedMm = 3.0;           // background art beyond the trim box
inline constexpr double kCropMarkLengthMm = 5.0;  // marks start at the bleed edge, never on art
inline constexpr double kCropMarkWidthMm = 0.1;   // a hairline, 0.28 pt
// A single card with bleed: the trim box sits this far inside the page on every side.
inline constexpr double kBleedPageMarginMm = kBleedMm + kCropMarkLengthMm;
inline constexpr int kSheetColumns = 2;
inline constexpr int kSheetRows = 5;
inline constexpr int kCardsPerSheet = kSheetColumns * kSheetRows;
inline constexpr size_t kMaxSheetCards = 500;  // one RenderSheetPdf call

struct PrintOptions {
  // Extend the background, bands and guilloche waves kBleedMm beyond the trim box (square
  // corners: the cutter rounds them) and draw crop marks outside it.
  bool bleed = false;
};

enum class Sheet { kA4, kLetter };

// "a4" or "letter"; anything else is kInvalidArgument.
Result<Sheet> ParseSheet(std::string_view text);

struct RectMm {
  double x = 0, y = 0, w = 0, h = 0;  // millimetres from the page's top-left corner
};

// Where the cards go on a sheet: kSheetColumns x kSheetRows trim boxes, butted edge to edge
// (one guillotine cut separates two neighbours, as on 10-up business-card sheets) and centred
// on the page. A4 (210 x 297 mm) and Letter (215.9 x 279.4 mm) both take 10 ID-1 cards this
// way and no more. `front[k]` is slot k on a front page, row-major from the top left;
// `back[k]` is the same slot on the back page, its column mirrored, so that after a long-edge
// duplex flip the back of card k lies exactly behind its front.
struct SheetLayout {
  double page_w_mm = 0, page_h_mm = 0;
  std::vector<RectMm> front;
  std::vector<RectMm> back;
};
SheetLayout LayoutSheet(Sheet sheet);

// A PDF whose page is exactly the ID-1 card (242.65 x 153.01 pt); kBoth gives two pages, front
// then back, as a duplex card printer expects. With `print.bleed` the page grows by
// kBleedPageMarginMm on every side (101.60 x 69.98 mm), the trim box sits at that offset, the
// art bleeds kBleedMm beyond it and crop marks mark its corners. Vector text and art; the photo
// embedded at up to 600 dpi. The creation date is fixed (from `issued`) so the bytes are
// deterministic. Errors as RenderPng.
Result<Bytes> RenderPdf(const CardFace& face, Side side, const PrintOptions& print = {});

// Several cards on A4 or Letter sheets (LayoutSheet), kCardsPerSheet per page, in the order
// given. kFront: one page per sheet; kBack: one page per sheet, mirrored slots; kBoth: for each
// sheet its front page then its back page (mirrored), the page order duplex printers expect.
// With `print.bleed` the art bleeds kBleedMm beyond the outer edges of the grid (inner edges are
// shared cuts) and crop marks in the margins mark every cut line. Fails with kInvalidArgument
// (no faces, more than kMaxSheetCards), or as RenderPng for any face (nothing is returned
// then). Deterministic like RenderPdf (creation date from the first face).
Result<Bytes> RenderSheetPdf(const std::vector<CardFace>& faces, Side side, Sheet sheet,
                             const PrintOptions& print = {});

// Where a text field was drawn, in millimetres from the top-left corner of its side: the box
// it was given and the extent of its glyphs (ink and logical rectangles united). For tests and
// layout tools: a text never leaves its box.
struct TextPlacement {
  std::string field;  // "latin_name", "native_name", "address[0]", ...
  Side side = Side::kFront;
  double box_x = 0, box_y = 0, box_w = 0, box_h = 0;
  double x = 0, y = 0, w = 0, h = 0;
  double font_size_mm = 0;
  bool ellipsized = false;
};

// Lays out `side` exactly as RenderPng/RenderPdf do, and reports every text placement. Errors as
// RenderPng.
Result<std::vector<TextPlacement>> LayoutCard(const CardFace& face, Side side);

// The QR symbol version (1..40) the payload encodes to at error correction M, or
// kPayloadTooLarge / kInvalidArgument.
Result<int> QrVersion(std::string_view payload);

}  // namespace cityid::render
