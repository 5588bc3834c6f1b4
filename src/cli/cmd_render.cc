// cityid render --data DIR --card NUMBER[,NUMBER...] --out FILE.png|FILE.pdf
//               [--side front|back|both] [--reason TEXT] [--dpi N] [--bleed] [--sheet a4|letter]
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/file.h"
#include "cli/common.h"
#include "core/ids.h"
#include "credential/card.h"
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

// The "if found" text, in the city's languages that cityid has a translation for.
std::vector<std::string> IfFoundLines(const policy::Policy& policy) {
  std::vector<std::string> lines;
  for (const auto& lang : policy.languages()) {
    if (lang == "en") {
      lines.push_back("If found, please return this card to any " + policy.city_name() +
                      " ID office.");
    } else if (lang == "es") {
      lines.push_back("Si encuentra esta tarjeta, devuélvala a cualquier oficina de " +
                      policy.city_name() + ".");
    } else if (lang == "zh") {
      lines.push_back("如拾获此卡，请交还" + policy.city_name() + "任何身份证办事处。");
    }
  }
  lines.push_back("Scan the QR code to verify this card offline.");
  return lines;
}

Result<render::CardFace> BuildFace(DataDir& dir, const GlobalOptions& g, const RenderOptions& o,
                                   const std::string& card, std::string* number_out) {
  CITYID_ASSIGN_OR_RETURN(std::string number, core::ParseCardNumber(card));
  *number_out = number;
  std::optional<store::CardRow> row;
  CITYID_RETURN_IF_ERROR(dir.store().Read([&](store::Tx& tx) -> Status {
    CITYID_ASSIGN_OR_RETURN(row, tx.GetCard(number));
    return Status::Ok();
  }));
  if (!row) return Error(ErrorId::kCardNotFound, "no card with that number");
  const core::Actor actor = MakeActor(g, core::Role::kClerk);
  // Both calls check the role and log the access with the reason.
  CITYID_ASSIGN_OR_RETURN(std::string qr, core::CardPayload(dir.ctx(), number, actor, o.reason));
  CITYID_ASSIGN_OR_RETURN(core::PersonRecord person,
                          core::ReadPerson(dir.ctx(), row->person_id, actor, o.reason));
  // The names printed are the names signed: read them back from the payload just made.
  const auto keys = dir.keys().PublicKeys(dir.policy().issuer());
  const auto outcome = credential::VerifyCard(qr, keys, row->issued_at, nullptr);
  if (!outcome.claims) {
    return Error(ErrorId::kInternal,
                 "the card payload just signed does not verify: " + outcome.failure.message());
  }
  const credential::CardClaims& c = *outcome.claims;
  const policy::Policy& policy = dir.policy();
  render::CardFace f;
  f.city_name = policy.city_name();
  f.card_number = core::FormatCardNumber(number);
  f.latin_name = c.full_name;
  f.native_name = c.full_name_native;
  f.date_of_birth = person.date_of_birth.ToString();
  f.issued = FormatTime(row->issued_at).substr(0, 10);
  f.expires = FormatTime(row->expires_at).substr(0, 10);
  if (policy.Prints("gender")) f.gender = person.gender;
  if (policy.Prints("preferred_name")) f.preferred_name = person.preferred_name;
  if (policy.Prints("address") && person.address) {
    const core::Address& a = *person.address;
    if (!a.line1.empty()) f.address_lines.push_back(a.line1);
    if (!a.line2.empty()) f.address_lines.push_back(a.line2);
    std::string city = a.city;
    if (!a.state.empty()) city += (city.empty() ? "" : ", ") + a.state;
    if (!a.postal_code.empty()) city += (city.empty() ? "" : " ") + a.postal_code;
    if (!city.empty()) f.address_lines.push_back(city);
  }
  f.photo = person.photo;
  f.qr_payload = qr;
  f.if_found_lines = IfFoundLines(policy);
  return f;
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
