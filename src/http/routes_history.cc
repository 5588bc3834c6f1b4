// The applicant's access history over HTTP (routes_history.h).
#include "http/routes_history.h"

#include <algorithm>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "auth/rate_limiter.h"
#include "core/access_history.h"
#include "core/appointments.h"
#include "http/problem.h"

namespace cityid::http {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

struct HistoryState {
  HistoryState(store::Store& s, const crypto::Keyring& k, const Clock& c, Rng& r, const SiteRouteLimits& l)
      : ctx{s, k, c, r},
        requests(l.requests_per_minute, 60),
        wrong(l.wrong_pins_per_10_minutes, 600) {}
  core::BookingContext ctx;
  auth::FailureLimiter requests;  // every request counts
  auth::FailureLimiter wrong;     // invalid-credentials answers count
};

ordered_json HistoryJson(const core::AccessHistory& h) {
  ordered_json j;
  j["entries"] = ordered_json::array();
  for (const auto& e : h.entries) {
    ordered_json x;
    x["at"] = core::FormatUtcTime(e.at);
    x["action"] = e.action;
    x["description"] = {{"en", e.action_en}, {"es", e.action_es}};
    x["role"] = e.role;
    x["site"] = e.site;
    x["reason"] = e.reason;
    x["about"] = e.about;
    x["seq"] = e.seq;
    j["entries"].push_back(std::move(x));
  }
  j["truncated"] = h.truncated;
  return j;
}

Reply HistoryReply(HistoryState& st, const httplib::Request& req, const std::string& who) {
  const UnixSeconds now = st.ctx.clock.Now();
  if (int64_t wait = std::max(st.requests.RetryAfter(who, now), st.wrong.RetryAfter(who, now));
      wait > 0) {
    Reply r = Problem(
        Error(ErrorId::kBookingRateLimited, "too many requests from this address; retry later"));
    r.headers.emplace_back("Retry-After", std::to_string(wait));
    return r;
  }
  st.requests.RecordFailure(who, now);

  auto body = ParseJsonBody(req);
  if (!body.ok()) return Problem(body.status());
  if (Status s = OnlyKeys(*body, {"card_number", "date_of_birth", "reference", "pin"}, "");
      !s.ok()) {
    return Problem(s);
  }
  const bool by_card = body->contains("card_number") || body->contains("date_of_birth");
  const bool by_booking = body->contains("reference") || body->contains("pin");
  if (!by_card && !by_booking) {
    return Problem(
        Error(ErrorId::kMissingField, "give card_number and date_of_birth, or reference and pin"));
  }
  if (by_card && by_booking) {
    return Problem(Error(ErrorId::kInvalidArgument,
                         "give either card_number and date_of_birth, or reference and pin"));
  }
  Result<core::AccessHistory> h = Error(ErrorId::kInternal, "unset");
  if (by_card) {
    auto number = StringField(*body, "card_number", 32, true);
    if (!number.ok()) return Problem(number.status());
    auto dob = StringField(*body, "date_of_birth", 10, true);
    if (!dob.ok()) return Problem(dob.status());
    h = core::AccessHistoryByCard(st.ctx, *number, *dob);
  } else {
    auto reference = StringField(*body, "reference", 32, true);
    if (!reference.ok()) return Problem(reference.status());
    auto pin = StringField(*body, "pin", 32, true);
    if (!pin.ok()) return Problem(pin.status());
    h = core::AccessHistoryByBooking(st.ctx, *reference, *pin);
  }
  if (!h.ok()) {
    if (h.status().id() == ErrorId::kInvalidCredentials) st.wrong.RecordFailure(who, now);
    return Problem(h.status());
  }
  return Reply(200, HistoryJson(*h).dump());
}

}  // namespace

std::vector<RouteSpec> HistoryRoutes(store::Store& store, const crypto::Keyring& keys,
                                     const Clock& clock, Rng& rng, const SiteRouteLimits& limits) {
  auto st = std::make_shared<HistoryState>(store, keys, clock, rng, limits);
  std::vector<RouteSpec> out;
  out.push_back({"POST", "/api/v1/access-history", "/api/v1/access-history",
                 [st](const Call& c) { return HistoryReply(*st, c.req, c.client); }});
  return out;
}

}  // namespace cityid::http
