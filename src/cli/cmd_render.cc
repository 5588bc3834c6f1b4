// cityid render --data DIR --card NUMBER[,NUMBER...] --out FILE.png|FILE.pdf
//               [--side front|back|both] [--reason TEXT] [--dpi N] [--bleed] [--sheet a4|letter]
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/file.h"
#include "cli/common.h"
#include "core/ids.h"
#include "render/card_face.h"
#include "render/render.h"

namespace cityid::cli {
namespace {

struct RenderOptions {
  std::string data = "data";
  std::vector<std::string> cards;  // --card, repeatable or comma separated
  std::string out;
  std::string side = "both";
  std::string reason = "card printing";
  int dpi = 300;
  bool bleed = false;
  std::string sheet;  // "" = one card per page
};

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

Result<render::CardFace> BuildFace(DataDir& dir, const GlobalOptions& g, const RenderOptions& o,
                                   const std::string& card, std::string* number_out) {
  // The same face the print endpoint serves (render/card_face.h).
  return render::BuildCardFace(dir.ctx(), card, MakeActor(g, core::Role::kClerk), o.reason,
                               number_out);
}

int RenderCmd(const GlobalOptions& g, const RenderOptions& o) {
  Output out(g);
  const bool pdf = EndsWith(o.out, ".pdf");
  if (!pdf && !EndsWith(o.out, ".png")) {
    return out.Fail(
        Error(ErrorId::kInvalidArgument, "--out: the file name must end in .png or .pdf"));
  }
  auto side = render::ParseSide(o.side);
  if (!side.ok()) return out.Fail(side.status().WithContext("--side"));
  std::optional<render::Sheet> sheet;
  if (!o.sheet.empty()) {
    auto parsed = render::ParseSheet(o.sheet);
    if (!parsed.ok()) return out.Fail(parsed.status().WithContext("--sheet"));
    sheet = *parsed;
  }
  if (!pdf && (o.bleed || sheet)) {
    return out.Fail(Error(ErrorId::kInvalidArgument,
                          "--bleed and --sheet are for print shops: the output must be a .pdf"));
  }
  if (o.cards.empty()) return out.Fail(Error(ErrorId::kMissingField, "--card"));
  if (o.cards.size() > 1 && !sheet) {
    return out.Fail(Error(ErrorId::kInvalidArgument,
                          "several cards go on sheets: add --sheet a4 or --sheet letter"));
  }
  if (o.cards.size() > render::kMaxSheetCards) {
    return out.Fail(Error(ErrorId::kInvalidArgument,
                          "--card: at most " + std::to_string(render::kMaxSheetCards) +
                              " cards per run"));
  }
  auto dir = DataDir::Open(o.data, g);
  if (!dir.ok()) return out.Fail(dir.status());
  std::vector<std::string> numbers;
  std::vector<render::CardFace> faces;
  for (const std::string& card : o.cards) {
    std::string number;
    auto face = BuildFace(**dir, g, o, card, &number);
    if (!face.ok()) return out.Fail(face.status().WithContext("--card " + card));
    numbers.push_back(number);
    faces.push_back(std::move(*face));
  }
  const render::PrintOptions print{o.bleed};
  Result<Bytes> bytes = sheet  ? render::RenderSheetPdf(faces, *side, *sheet, print)
                        : pdf  ? render::RenderPdf(faces.front(), *side, print)
                               : render::RenderPng(faces.front(), *side, o.dpi);
  if (!bytes.ok()) return out.Fail(bytes.status());
  if (Status s = WriteFileAtomic(o.out, AsChars(*bytes), 0600); !s.ok()) return out.Fail(s);
  nlohmann::ordered_json j;
  j["card_number"] = numbers.front();
  j["card_numbers"] = numbers;
  j["out"] = o.out;
  j["format"] = pdf ? "pdf" : "png";
  j["side"] = o.side;
  j["bleed"] = o.bleed;
  if (sheet) j["sheet"] = o.sheet;
  j["bytes"] = bytes->size();
  std::string what = numbers.size() == 1 ? "card " + core::FormatCardNumber(numbers.front())
                                         : std::to_string(numbers.size()) + " cards";
  out.Result(j, "Rendered " + what + " (" + o.side + (sheet ? ", " + o.sheet + " sheets" : "") +
                    (o.bleed ? ", bleed and crop marks" : "") + ") to " + o.out + "\n");
  return kExitOk;
}

}  // namespace

void RegisterRender(CLI::App& app, GlobalOptions& g, Runner& run) {
  auto o = std::make_shared<RenderOptions>();
  auto* cmd = app.add_subcommand(
      "render", "Draw a card for printing (PNG or PDF); reads the record, so it is logged");
  cmd->add_option("--data", o->data, "Data folder")->capture_default_str();
  cmd->add_option("--card", o->cards, "Card number; repeat or separate with commas for sheets")
      ->required()
      ->delimiter(',');
  cmd->add_option("--out", o->out, "Output file, .png or .pdf")->required();
  cmd->add_option("--side", o->side, "front, back or both")->capture_default_str();
  cmd->add_option("--reason", o->reason, "Why (for the audit log)")->capture_default_str();
  cmd->add_option("--dpi", o->dpi, "PNG resolution (72..1200)")->capture_default_str();
  cmd->add_flag("--bleed", o->bleed, "PDF for a print shop: 3 mm bleed and crop marks");
  cmd->add_option("--sheet", o->sheet, "PDF sheets of 10 cards: a4 or letter (duplex backs)");
  cmd->callback([&g, &run, o] { run = [&g, o] { return RenderCmd(g, *o); }; });
}

}  // namespace cityid::cli
