// Sites and appointments over HTTP (routes_sites.h).
#include "http/routes_sites.h"

#include <memory>
#include <nlohmann/json.hpp>

#include "auth/rate_limiter.h"
#include "core/appointments.h"
#include "http/internal.h"
#include "http/problem.h"

namespace cityid::http {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

Reply Ok(int status, const ordered_json& j) { return Reply(status, j.dump()); }

Result<json> JsonBody(const Request& req) { return ParseJsonBody(req); }

Result<std::string> Str(const json& body, const char* name, size_t max, bool required) {
  return StringField(body, name, max, required);
}

Result<int> Int(const json& body, const char* name) {
  if (!body.contains(name)) return Error(ErrorId::kMissingField, std::string(name) + ": required, an integer");
  if (!body[name].is_number_integer()) {
    return Error(ErrorId::kInvalidArgument, std::string(name) + ": an integer");
  }
  const int64_t v = body[name].get<int64_t>();
  if (v < -1000000 || v > 1000000) return Error(ErrorId::kInvalidArgument, std::string(name) + ": out of range");
  return static_cast<int>(v);
}

}  // namespace

ordered_json SiteJson(const store::SiteRow& r) {
  ordered_json j;
  j["id"] = r.id;
  j["name"] = r.name;
  j["kind"] = r.kind;
  j["address"] = r.address;
  j["timezone"] = r.timezone;
  j["hours"] = ordered_json::parse(r.hours_json, nullptr, false);
  j["slot_minutes"] = r.slot_minutes;
  j["capacity"] = r.capacity;
  // "closed": the dates (as before); "closures": the same with their reasons (issue 17).
  j["closed"] = ordered_json::array();
  j["closures"] = ordered_json::array();
  if (auto closures = core::SiteClosures(r); closures.ok()) {
    for (const auto& c : *closures) {
      j["closed"].push_back(c.date);
      j["closures"].push_back({{"date", c.date}, {"reason", c.reason}});
    }
  }
  j["languages"] = ordered_json::parse(r.languages_json, nullptr, false);
  j["accessibility"] = r.accessibility;
  return j;
}

namespace {

ordered_json BookingJson(const core::BookingStatus& b) {
  ordered_json j;
  j["reference"] = b.reference;
  j["site"] = b.site_id;
  j["slot"] = core::FormatUtcTime(b.slot_start);
  j["state"] = b.state;
  j["language"] = b.language;
  j["name"] = b.name;
  j["has_contact"] = b.has_contact;
  j["expires_at"] = core::FormatUtcTime(b.expires_at);
  return j;
}

// Everything the handlers share; owned by the handlers (shared_ptr), so it lives as long as
// the server's routes.
struct State {
  State(store::Store& s, const crypto::Keyring& k, const Clock& c, Rng& r, const SiteRouteLimits& l)
      : ctx{s, k, c, r},
        requests(l.requests_per_minute, 60),
        wrong_pins(l.wrong_pins_per_10_minutes, 600),
        wrong_pins_by_booking(l.wrong_pins_per_booking_per_10_minutes, 600),
        quota(c, core::BookingCaps{l.max_bookings_per_client, l.max_bookings_per_client_site_day}) {
  }
  core::BookingContext ctx;
  // Per client (Call::client): every public request counts, on its own bucket; wrong
  // reference/PIN answers on another, which only the routes that take a PIN check (so a
  // client's wrong PINs never block anyone's sites list or slots, not even its own).
  auth::FailureLimiter requests;
  auth::FailureLimiter wrong_pins;
  // Per booking reference, from any client: wrong PINs for one booking (distributed guessing).
  auth::FailureLimiter wrong_pins_by_booking;
  core::BookingQuota quota;  // live bookings per client (core/appointments.h)

  static Reply TooMany(int64_t wait, const char* detail) {
    Reply r = Problem(Error(ErrorId::kBookingRateLimited, detail));
    r.headers.emplace_back("Retry-After", std::to_string(wait));
    return r;
  }
  // nullopt when the client may go on; else the 429 reply.
  std::optional<Reply> Limit(const Call& c) {
    const UnixSeconds now = ctx.clock.Now();
    if (int64_t wait = requests.RetryAfter(c.client, now); wait > 0) {
      return TooMany(wait, "too many requests from this address; retry later");
    }
    requests.RecordFailure(c.client, now);
    return std::nullopt;
  }
  // The same for a route that takes a reference and PIN: also the wrong-PIN buckets.
  std::optional<Reply> LimitPin(const Call& c, const std::string& reference) {
    const UnixSeconds now = ctx.clock.Now();
    if (int64_t wait = wrong_pins.RetryAfter(c.client, now); wait > 0) {
      return TooMany(wait, "too many wrong references or PINs from this address; retry later");
    }
    if (int64_t wait = wrong_pins_by_booking.RetryAfter(BookingKey(reference), now); wait > 0) {
      return TooMany(wait, "too many wrong PINs for this booking; retry later");
    }
    return Limit(c);
  }
  Reply BookingProblem(const Call& c, const std::string& reference, const Status& s) {
    if (s.id() == ErrorId::kBookingNotFound) {
      const UnixSeconds now = ctx.clock.Now();
      wrong_pins.RecordFailure(c.client, now);
      wrong_pins_by_booking.RecordFailure(BookingKey(reference), now);
    }
    return Problem(s);
  }
  static std::string BookingKey(const std::string& reference) {
    const std::string canonical = core::CanonicalBookingReference(reference);
    return canonical.empty() ? "-" : canonical;  // not a reference: one shared bucket
  }
};

// Wraps a public handler with the per-client limit.
Handler Public(const std::shared_ptr<State>& st, std::function<Reply(State&, const Call&)> h) {
  return [st, h = std::move(h)](const Call& c) {
    if (auto limited = st->Limit(c)) return *limited;
    return h(*st, c);
  };
}

// Wraps a public handler on /appointments/{ref}...: also the wrong-PIN limits.
Handler PublicWithPin(const std::shared_ptr<State>& st,
                      std::function<Reply(State&, const Call&)> h) {
  return [st, h = std::move(h)](const Call& c) {
    if (auto limited = st->LimitPin(c, c.req.matches[1])) return *limited;
    return h(*st, c);
  };
}

Reply ListSitesReply(State& st, const Call&) {
  auto rows = core::ListSites(st.ctx);
  if (!rows.ok()) return Problem(rows.status());
  ordered_json j;
  j["sites"] = ordered_json::array();
  for (const auto& r : *rows) j["sites"].push_back(SiteJson(r));
  Reply reply = Ok(200, j);
  return reply;
}

Reply SlotsReply(State& st, const Call& c) {
  const Request& req = c.req;
  const std::string site = req.matches[1];
  for (const char* p : {"from", "to"}) {
    if (!req.has_param(p)) {
      return Problem(Error(ErrorId::kMissingField, std::string(p) + ": required, YYYY-MM-DD"));
    }
  }
  auto from = Date::Parse(req.get_param_value("from"));
  if (!from.ok()) return Problem(from.status().WithContext("from"));
  auto to = Date::Parse(req.get_param_value("to"));
  if (!to.ok()) return Problem(to.status().WithContext("to"));
  auto slots = core::FreeSlots(st.ctx, site, *from, *to);
  if (!slots.ok()) return Problem(slots.status());
  ordered_json j;
  j["site"] = site;
  j["slots"] = ordered_json::array();
  for (const auto& s : *slots) {
    j["slots"].push_back({{"start", s.start_utc}, {"local", s.local}, {"free", s.free}});
  }
  return Ok(200, j);
}

Reply BookReply(State& st, const Call& c) {
  const Request& req = c.req;
  auto body = JsonBody(req);
  if (!body.ok()) return Problem(body.status());
  if (Status s = OnlyKeys(*body, {"site", "slot", "name", "contact", "language"}, ""); !s.ok()) {
    return Problem(s);
  }
  core::BookingInput in;
  std::string slot;
  for (auto [name, out, max, required] :
       {std::tuple<const char*, std::string*, size_t, bool>{"site", &in.site_id, 64, true},
        {"slot", &slot, 32, true},
        {"name", &in.name, 120, true},
        {"contact", &in.contact, 200, false},
        {"language", &in.language, 16, true}}) {
    auto v = Str(*body, name, max, required);
    if (!v.ok()) return Problem(v.status());
    *out = std::move(*v);
  }
  auto start = core::ParseUtcTime(slot);
  if (!start.ok()) return Problem(start.status());
  in.slot_start = *start;
  auto receipt = core::Book(st.ctx, in, &st.quota, c.client);
  if (!receipt.ok()) return Problem(receipt.status());
  ordered_json j;
  j["reference"] = receipt->reference;
  j["pin"] = receipt->pin;  // shown once; only its keyed hash is stored
  j["site"] = receipt->site_id;
  j["slot"] = core::FormatUtcTime(receipt->slot_start);
  j["state"] = "booked";
  j["expires_at"] = core::FormatUtcTime(receipt->expires_at);
  return Ok(201, j);
}

std::string Pin(const Request& req) { return req.get_header_value(kBookingPinHeader); }

Reply StatusReply(State& st, const Call& c) {
  const Request& req = c.req;
  const std::string ref = req.matches[1];
  auto b = core::GetBooking(st.ctx, ref, Pin(req));
  if (!b.ok()) return st.BookingProblem(c, ref, b.status());
  return Ok(200, BookingJson(*b));
}

Reply MoveReply(State& st, const Call& c) {
  const Request& req = c.req;
  const std::string ref = req.matches[1];
  auto body = JsonBody(req);
  if (!body.ok()) return Problem(body.status());
  if (Status s = OnlyKeys(*body, {"slot"}, ""); !s.ok()) return Problem(s);
  auto slot = Str(*body, "slot", 32, true);
  if (!slot.ok()) return Problem(slot.status());
  auto start = core::ParseUtcTime(*slot);
  if (!start.ok()) return Problem(start.status());
  auto b = core::MoveBooking(st.ctx, ref, Pin(req), *start, &st.quota);
  if (!b.ok()) return st.BookingProblem(c, ref, b.status());
  return Ok(200, BookingJson(*b));
}

Reply CancelReply(State& st, const Call& c) {
  const Request& req = c.req;
  const std::string ref = req.matches[1];
  Status s = core::CancelBooking(st.ctx, ref, Pin(req));
  if (!s.ok()) return st.BookingProblem(c, ref, s);
  st.quota.Release(core::CanonicalBookingReference(ref));
  ordered_json j;
  j["reference"] = ref;
  j["state"] = "cancelled";
  return Ok(200, j);
}

Reply AddSiteReply(State& st, const Request& req, const auth::Principal& p) {
  auto body = JsonBody(req);
  if (!body.ok()) return Problem(body.status());
  if (Status s = OnlyKeys(*body,
                          {"id", "name", "kind", "address", "timezone", "hours", "slot_minutes",
                           "capacity", "languages", "accessibility"},
                          "");
      !s.ok()) {
    return Problem(s);
  }
  core::SiteInput in;
  for (auto [name, out, max, required] :
       {std::tuple<const char*, std::string*, size_t, bool>{"id", &in.id, 32, true},
        {"name", &in.name, 120, true},
        {"kind", &in.kind, 16, true},
        {"address", &in.address, 200, true},
        {"timezone", &in.timezone, core::kMaxTimeZoneBytes, true},
        {"hours", &in.hours, 500, true},
        {"accessibility", &in.accessibility, core::kMaxAccessibilityBytes, false}}) {
    auto v = Str(*body, name, max, required);
    if (!v.ok()) return Problem(v.status());
    *out = std::move(*v);
  }
  if (body->contains("languages")) {
    const json& langs = (*body)["languages"];
    if (!langs.is_array() || langs.size() > core::kMaxSiteLanguages) {
      return Problem(Error(ErrorId::kInvalidArgument, "languages: an array of at most " +
                                                          std::to_string(core::kMaxSiteLanguages) +
                                                          " language codes"));
    }
    for (const auto& l : langs) {
      if (!l.is_string()) {
        return Problem(Error(ErrorId::kInvalidArgument, "languages: language codes (strings)"));
      }
      in.languages.push_back(l.get<std::string>());
    }
  }
  auto minutes = Int(*body, "slot_minutes");
  if (!minutes.ok()) return Problem(minutes.status());
  auto capacity = Int(*body, "capacity");
  if (!capacity.ok()) return Problem(capacity.status());
  in.slot_minutes = *minutes;
  in.capacity = *capacity;
  auto row = core::AddSite(st.ctx, in, p.actor());
  if (!row.ok()) return Problem(row.status());
  return Ok(201, SiteJson(*row));
}

// Staff at the counter: the booking came (attended) or did not (no_show). By reference only;
// partners for their own site (core checks it, like the roles).
Reply AttendanceReply(State& st, const Call& c, core::Attendance outcome) {
  const std::string ref = c.req.matches[1];
  auto body = JsonBody(c.req);
  if (!body.ok()) return Problem(body.status());
  if (Status s = OnlyKeys(*body, {}, ""); !s.ok()) return Problem(s);
  auto rec = core::RecordAttendance(st.ctx, ref, outcome, c.principal->actor());
  if (!rec.ok()) return Problem(rec.status());
  ordered_json j;
  j["reference"] = rec->reference;
  j["site"] = rec->site_id;
  j["slot"] = core::FormatUtcTime(rec->slot_start);
  j["state"] = rec->state;
  return Ok(200, j);
}

}  // namespace

std::vector<RouteSpec> SiteRoutes(store::Store& store, const crypto::Keyring& keys,
                                  const Clock& clock, Rng& rng, const SiteRouteLimits& limits) {
  auto st = std::make_shared<State>(store, keys, clock, rng, limits);
  std::vector<RouteSpec> out;
  out.push_back({"GET", "/api/v1/sites", "/api/v1/sites", Public(st, ListSitesReply)});
  out.push_back({"GET", "/api/v1/sites/{id}/slots", "/api/v1/sites/([^/]{1,64})/slots",
                 Public(st, SlotsReply)});
  out.push_back({"POST", "/api/v1/sites", "/api/v1/sites",
                 [st](const Call& c) { return AddSiteReply(*st, c.req, *c.principal); }});
  out.push_back({"POST", "/api/v1/appointments", "/api/v1/appointments", Public(st, BookReply)});
  out.push_back({"GET", "/api/v1/appointments/{ref}", "/api/v1/appointments/([^/]{1,32})",
                 PublicWithPin(st, StatusReply)});
  out.push_back({"POST", "/api/v1/appointments/{ref}/move",
                 "/api/v1/appointments/([^/]{1,32})/move", PublicWithPin(st, MoveReply)});
  out.push_back({"POST", "/api/v1/appointments/{ref}/cancel",
                 "/api/v1/appointments/([^/]{1,32})/cancel", PublicWithPin(st, CancelReply)});
  out.push_back({"POST", "/api/v1/appointments/{ref}/attended",
                 "/api/v1/appointments/([^/]{1,32})/attended", [st](const Call& c) {
                   return AttendanceReply(*st, c, core::Attendance::kAttended);
                 }});
  out.push_back({"POST", "/api/v1/appointments/{ref}/no-show",
                 "/api/v1/appointments/([^/]{1,32})/no-show", [st](const Call& c) {
                   return AttendanceReply(*st, c, core::Attendance::kNoShow);
                 }});
  return out;
}

}  // namespace cityid::http
