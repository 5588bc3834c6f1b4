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
  HistoryState(store::Store& s, const crypto::Keyring& k, const Clock& c, Rng& r,
               const SiteRouteLimits& l)
      : ctx{s, k, c, r},
        requests(l.requests_per_minute, 60),
        wrong(l.wrong_pins_per_10_minutes, 600) {}
  // A wrong access code has no target to count against (a random code matches nobody), so it
  // counts per client only. There is deliberately no global window over all clients: 80
  // random bits cannot be guessed at any rate a server answers, and a global window would let
  // a few hundred addresses lock every applicant out of their own history. Per booking, core
  // counts wrong PINs (kMaxDeniedPerTarget).
  core::BookingContext ctx;
  auth::FailureLimiter requests;  // every request counts
  auth::FailureLimiter wrong;     // invalid-credentials answers count, per client
};

Reply TooMany(std::string_view what, int64_t wait) {
  Reply r = Problem(Error(ErrorId::kBookingRateLimited, std::string(what)));
  r.headers.emplace_back("Retry-After", std::to_string(wait));
  return r;
}

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

Reply HistoryReply(HistoryState& st, const Request& req, const std::string& who) {
  const UnixSeconds now = st.ctx.clock.Now();
  if (int64_t wait = std::max(st.requests.RetryAfter(who, now), st.wrong.RetryAfter(who, now));
      wait > 0) {
    return TooMany("too many requests from this address; retry later", wait);
  }
  st.requests.RecordFailure(who, now);

  auto body = ParseJsonBody(req);
  if (!body.ok()) return Problem(body.status());
  // The card number and date of birth no longer open anything (issue 14 §1): both are on the
  // card. Sent anyway, they are unknown fields like any other.
  if (Status s = OnlyKeys(*body, {"access_code", "reference", "pin"}, ""); !s.ok()) {
    return Problem(s);
  }
  const bool by_code = body->contains("access_code");
  const bool by_booking = body->contains("reference") || body->contains("pin");
  if (!by_code && !by_booking) {
    return Problem(Error(ErrorId::kMissingField, "give access_code, or reference and pin"));
  }
  if (by_code && by_booking) {
    return Problem(
        Error(ErrorId::kInvalidArgument, "give either access_code, or reference and pin"));
  }
  Result<core::AccessHistory> h = Error(ErrorId::kInternal, "unset");
  if (by_code) {
    auto code = StringField(*body, "access_code", 40, true);
    if (!code.ok()) return Problem(code.status());
    h = core::AccessHistoryByCode(st.ctx, *code);
  } else {
    auto reference = StringField(*body, "reference", 32, true);
    if (!reference.ok()) return Problem(reference.status());
    auto pin = StringField(*body, "pin", 32, true);
    if (!pin.ok()) return Problem(pin.status());
    h = core::AccessHistoryByBooking(st.ctx, *reference, *pin);
  }
  if (!h.ok()) {
    if (h.status().id() == ErrorId::kInvalidCredentials) st.wrong.RecordFailure(who, now);
    if (h.status().id() == ErrorId::kBookingRateLimited) {
      return TooMany(h.status().message(), core::kDeniedWindowSeconds);
    }
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
