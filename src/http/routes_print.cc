// The print station's card PDF over HTTP (routes_print.h).
#include "http/routes_print.h"

#include <mutex>
#include <string>

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
  return out;
}

}  // namespace cityid::http
