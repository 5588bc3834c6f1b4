// The print station's card PDF over HTTP (routes_print.h).
#include "http/routes_print.h"

#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

#include "base/date.h"
#include "core/ids.h"
#include "core/workflow.h"
#include "dedup/name_normalizer.h"
#include "render/card_face.h"
#include "render/render.h"

namespace cityid::http {
namespace {

// The reason logged with the two reads (core::CardPayload, core::ReadPerson): this prefix and
// the stated reason category, e.g. "card printing (print station): new_card".
constexpr const char* kReason = "card printing (print station)";

// Why a card is printed, as a category (the required `reason` parameter). Printing decrypts the
// record, so, like reading a record, it needs a stated reason; a category rather than free
// text, because a GET's query ends up in proxy logs and browser history.
constexpr const char* kPrintReasons[] = {
    "new_card",  // a card just issued, renewed or replaced, printed for the holder
    "misprint",  // the printer spoiled the card: print it again
};

struct PrintState {
  PrintState(store::Store& s, const crypto::Keyring& k, const policy::Policy& p, const Clock& c,
        Rng& r, std::unique_ptr<dedup::NameNormalizer> n)
      : names(std::move(n)), ctx{s, k, p, *names, c, r} {}
  std::unique_ptr<dedup::NameNormalizer> names;
  // Building a face goes through core (the name normalizer is not thread-safe); drawing the
  // PDF, the expensive part, runs outside the lock.
  std::mutex core_mu;
  core::Context ctx;
};

struct PrintQuery {
  render::Side side = render::Side::kBoth;
  bool bleed = false;
  std::string reason;  // kReason + ": " + a kPrintReasons category
};

// reason (required, one of kPrintReasons), side and bleed; any other parameter, or one given
// twice with different values, is kInvalidArgument (the request parser reads the same name=value pair
// given twice as one); no reason is kMissingField. Checked before anything is read, so a
// refused print decrypts and logs nothing.
Result<PrintQuery> ParseQuery(const Request& req) {
  PrintQuery q;
  for (const auto& [name, value] : req.params) {
    if (name != "side" && name != "bleed" && name != "reason") {
      return Error(ErrorId::kInvalidArgument,
                   "unknown query parameter (expected reason, side, bleed)");
    }
    if (req.get_param_value_count(name) > 1) {
      return Error(ErrorId::kInvalidArgument, name + ": given more than once");
    }
  }
  if (!req.has_param("reason")) {
    return Error(ErrorId::kMissingField,
                 "reason: required (new_card or misprint): printing decrypts the record");
  }
  const std::string reason = req.get_param_value("reason");
  bool known = false;
  for (const char* r : kPrintReasons) known = known || reason == r;
  if (!known) return Error(ErrorId::kInvalidArgument, "reason: new_card or misprint");
  q.reason = std::string(kReason) + ": " + reason;
  if (req.has_param("side")) {
    CITYID_ASSIGN_OR_RETURN(q.side, render::ParseSide(req.get_param_value("side")));
  }
  if (req.has_param("bleed")) {
    const std::string b = req.get_param_value("bleed");
    if (b != "0" && b != "1") return Error(ErrorId::kInvalidArgument, "bleed: 0 or 1");
    q.bleed = b == "1";
  }
  return q;
}

Reply PrintPdf(PrintState& st, const Call& c) {
  if (c.req.matches.size() < 2) {
    return Problem(Error(ErrorId::kInvalidCardNumber, "card number: missing"));
  }
  auto q = ParseQuery(c.req);
  if (!q.ok()) return Problem(q.status());
  std::string number;
  Result<render::CardFace> face = [&] {
    std::lock_guard lock(st.core_mu);
    return render::BuildCardFace(st.ctx, std::string(c.req.matches[1]), c.principal->actor(),
                                 q->reason, &number);
  }();
  if (!face.ok()) return Problem(face.status());
  Result<Bytes> pdf = render::RenderPdf(*face, q->side, render::PrintOptions{q->bleed});
  if (!pdf.ok()) return Problem(pdf.status());
  Reply r(200, std::string(pdf->begin(), pdf->end()), "application/pdf", "no-store");
  r.headers.emplace_back("Content-Disposition",
                         "attachment; filename=\"card-" + number + ".pdf\"");
  return r;
}

// The print queue's length cap: a day's issuance at a large city hall; older cards wait for
// the next page of the queue once these are marked printed.
constexpr size_t kQueueLimit = 200;
// One batch sheet request: five A4/Letter sheets. Each card is a logged decrypting read and a
// face drawn while the client waits; more belongs to `cityid render --sheet`.
constexpr size_t kMaxBatchCards = 50;

using nlohmann::json;
using nlohmann::ordered_json;

ordered_json QueueCardJson(const store::CardRow& r) {
  ordered_json j;
  j["number"] = r.number;
  j["formatted"] = core::FormatCardNumber(r.number);
  j["state"] = r.state;
  j["issued_at"] = r.issued_at;
  j["issued_on"] = Date::FromUnix(r.issued_at).ToString();
  j["expires_on"] = Date::FromUnix(r.expires_at).ToString();
  j["printed_at"] = r.printed_at;
  return j;
}

Reply Queue(PrintState& st, const Call& c) {
  if (!c.req.params.empty()) {
    return Problem(Error(ErrorId::kInvalidArgument, "the print queue takes no query parameters"));
  }
  // One more than shown tells whether the queue goes on.
  auto cards = core::PrintQueue(st.ctx, c.principal->actor(), kQueueLimit + 1);
  if (!cards.ok()) return Problem(cards.status());
  ordered_json j;
  j["cards"] = ordered_json::array();
  for (size_t i = 0; i < cards->size() && i < kQueueLimit; ++i) {
    j["cards"].push_back(QueueCardJson((*cards)[i]));
  }
  j["more"] = cards->size() > kQueueLimit;
  return {200, j.dump()};
}

Reply Printed(PrintState& st, const Call& c) {
  if (c.req.matches.size() < 2) {
    return Problem(Error(ErrorId::kInvalidCardNumber, "card number: missing"));
  }
  auto number = core::ParseCardNumber(std::string(c.req.matches[1]));
  if (!number.ok()) return Problem(number.status());
  auto body = ParseJsonBody(c.req);
  if (!body.ok()) return Problem(body.status());
  if (Status s = OnlyKeys(*body, {}, ""); !s.ok()) return Problem(s);
  Result<store::CardRow> card = [&] {
    std::lock_guard lock(st.core_mu);
    return core::MarkPrinted(st.ctx, *number, c.principal->actor());
  }();
  if (!card.ok()) return Problem(card.status());
  return {200, QueueCardJson(*card).dump()};
}

// {"cards": [numbers], "sheet": "a4"|"letter", "reason": "new_card"|"misprint"}.
Reply SheetPdf(PrintState& st, const Call& c) {
  auto body = ParseJsonBody(c.req);
  if (!body.ok()) return Problem(body.status());
  if (Status s = OnlyKeys(*body, {"cards", "sheet", "reason"}, ""); !s.ok()) return Problem(s);
  auto sheet_text = StringField(*body, "sheet", 16, false);
  if (!sheet_text.ok()) return Problem(sheet_text.status());
  auto sheet = render::ParseSheet(sheet_text->empty() ? "a4" : *sheet_text);
  if (!sheet.ok()) return Problem(sheet.status().WithContext("sheet"));
  auto reason = StringField(*body, "reason", 16, true);
  if (!reason.ok()) return Problem(reason.status());
  bool known = false;
  for (const char* r : kPrintReasons) known = known || *reason == r;
  if (!known) return Problem(Error(ErrorId::kInvalidArgument, "reason: new_card or misprint"));
  const auto it = body->find("cards");
  if (it == body->end()) return Problem(Error(ErrorId::kMissingField, "cards: required"));
  if (!it->is_array() || it->empty()) {
    return Problem(Error(ErrorId::kInvalidArgument, "cards: a non-empty array of card numbers"));
  }
  if (it->size() > kMaxBatchCards) {
    return Problem(Error(ErrorId::kInvalidArgument,
                         "cards: at most " + std::to_string(kMaxBatchCards) + " per request"));
  }
  // Every number is checked before anything is read, so a bad list decrypts and logs nothing.
  std::vector<std::string> numbers;
  for (const auto& n : *it) {
    if (!n.is_string()) return Problem(Error(ErrorId::kInvalidArgument, "cards: strings"));
    auto parsed = core::ParseCardNumber(n.get<std::string>());
    if (!parsed.ok()) return Problem(parsed.status());
    for (const auto& seen : numbers) {
      if (seen == *parsed) {
        return Problem(Error(ErrorId::kInvalidArgument, "cards: " + seen + " given twice"));
      }
    }
    numbers.push_back(*parsed);
  }
  const std::string logged = std::string(kReason) + ": " + *reason;
  std::vector<render::CardFace> faces;
  {
    std::lock_guard lock(st.core_mu);
    for (const auto& n : numbers) {
      auto face = render::BuildCardFace(st.ctx, n, c.principal->actor(), logged);
      if (!face.ok()) return Problem(face.status().WithContext("card " + n));
      faces.push_back(std::move(*face));
    }
  }
  Result<Bytes> pdf = render::RenderSheetPdf(faces, render::Side::kBoth, *sheet);
  if (!pdf.ok()) return Problem(pdf.status());
  Reply r(200, std::string(pdf->begin(), pdf->end()), "application/pdf", "no-store");
  r.headers.emplace_back("Content-Disposition", "attachment; filename=\"cards-" +
                                                    std::string(*sheet_text == "letter"
                                                                    ? "letter"
                                                                    : "a4") +
                                                    ".pdf\"");
  return r;
}

}  // namespace

Result<std::vector<RouteSpec>> PrintRoutes(store::Store& store, const crypto::Keyring& keys,
                                           const policy::Policy& policy, const Clock& clock,
                                           Rng& rng) {
  CITYID_ASSIGN_OR_RETURN(auto names, dedup::NameNormalizer::Create());
  auto st = std::make_shared<PrintState>(store, keys, policy, clock, rng, std::move(names));
  std::vector<RouteSpec> out;
  // The number is matched loosely and validated by core::ParseCardNumber (400 naming the rule).
  out.push_back({"GET", "/api/v1/cards/{number}/print.pdf",
                 "/api/v1/cards/([^/]{1,80})/print\\.pdf",
                 [st](const Call& c) { return PrintPdf(*st, c); }});
  // The print station (issue 17): the queue, marking a card printed, batch sheets.
  out.push_back({"GET", "/api/v1/print-queue", "/api/v1/print-queue",
                 [st](const Call& c) { return Queue(*st, c); }});
  out.push_back({"POST", "/api/v1/cards/{number}/printed",
                 "/api/v1/cards/([^/]{1,80})/printed",
                 [st](const Call& c) { return Printed(*st, c); }});
  out.push_back({"POST", "/api/v1/print-sheets", "/api/v1/print-sheets",
                 [st](const Call& c) { return SheetPdf(*st, c); }});
  return out;
}

}  // namespace cityid::http
