// The clerk's pages' routes (routes_clerk.h).
#include "http/routes_clerk.h"

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "base/names.h"
#include "core/appointments.h"
#include "core/workflow.h"
#include "dedup/name_normalizer.h"

namespace cityid::http {
namespace {

using nlohmann::ordered_json;

// Longest name field accepted before base/names.h's own caps (which count the canonical form,
// after runs of spaces collapse): a bound on the work one keystroke can ask for.
constexpr size_t kMaxTypedNameBytes = 4 * names::kMaxPartBytes;

struct ClerkState {
  ClerkState(store::Store& s, const crypto::Keyring& k, const Clock& c, Rng& r)
      : booking{s, k, c, r} {}
  // Thread-safe (an internal mutex: dedup/name_normalizer.h); ASCII input never takes it.
  std::unique_ptr<dedup::NameNormalizer> names;
  core::BookingContext booking;
};

Reply LatinName(ClerkState& st, const Call& c) {
  auto body = ParseJsonBody(c.req);
  if (!body.ok()) return Problem(body.status());
  const bool one = body->contains("name");
  Status keys = one ? OnlyKeys(*body, {"name"}, "body: ")
                    : OnlyKeys(*body, {"given", "family"}, "body: ");
  if (!keys.ok()) return Problem(keys);
  core::PersonName legal;
  if (one) {
    auto name = StringField(*body, "name", kMaxTypedNameBytes, true);
    if (!name.ok()) return Problem(name.status());
    legal.given = std::move(name).value();
  } else {
    if (!body->contains("given") && !body->contains("family")) {
      return Problem(Error(ErrorId::kMissingField, "name: required (or given and family)"));
    }
    auto given = StringField(*body, "given", kMaxTypedNameBytes, false);
    if (!given.ok()) return Problem(given.status());
    auto family = StringField(*body, "family", kMaxTypedNameBytes, false);
    if (!family.ok()) return Problem(family.status());
    legal.given = std::move(given).value();
    legal.family = std::move(family).value();
  }
  auto spelled = core::PrintedLatinName(*st.names, legal, one ? "name" : "legal_name");
  if (!spelled.ok()) {
    Status s = spelled.status();
    // One field typed reports as "name", not as the part it stood for ("name.given").
    const std::string& m = s.message();
    if (one && m.rfind("name.given", 0) == 0) {
      s = Status(s.id(), "name" + m.substr(std::string("name.given").size()));
    }
    return Problem(s);
  }
  ordered_json j;
  if (one) {
    j["latin"] = spelled->latin.given;
    j["ascii"] = spelled->ascii.given;
  } else {
    j["latin"] = spelled->printed;
    std::string ascii = spelled->ascii.given;
    if (!spelled->ascii.family.empty()) {
      ascii += (ascii.empty() ? "" : " ") + spelled->ascii.family;
    }
    j["ascii"] = ascii;
    j["given"] = {{"latin", spelled->latin.given}, {"ascii", spelled->ascii.given}};
    j["family"] = {{"latin", spelled->latin.family}, {"ascii", spelled->ascii.family}};
  }
  j["transliterated"] = spelled->transliterated;
  return Reply(200, j.dump());
}

Reply DayAppointments(ClerkState& st, const Call& c) {
  if (c.req.matches.size() < 2) {
    return Problem(Error(ErrorId::kInvalidArgument, "site id: missing"));
  }
  for (const auto& [name, value] : c.req.params) {
    if (name != "date") {
      return Problem(Error(ErrorId::kInvalidArgument, "unknown query parameter (expected date)"));
    }
    if (c.req.get_param_value_count(name) > 1) {
      return Problem(Error(ErrorId::kInvalidArgument, "date: given more than once"));
    }
  }
  std::optional<Date> day;
  if (c.req.has_param("date")) {
    auto d = Date::Parse(c.req.get_param_value("date"));
    if (!d.ok()) return Problem(Error(ErrorId::kInvalidArgument, "date: YYYY-MM-DD"));
    day = *d;
  }
  auto list = core::ListSiteAppointments(st.booking, std::string(c.req.matches[1]), day,
                                         c.principal->actor());
  if (!list.ok()) return Problem(list.status());
  ordered_json j;
  j["site"] = list->site_id;
  j["timezone"] = list->timezone;
  j["date"] = list->day.ToString();
  j["appointments"] = ordered_json::array();
  for (const auto& a : list->appointments) {
    j["appointments"].push_back({{"reference", a.reference},
                                 {"slot", core::FormatUtcTime(a.slot_start)},
                                 {"local", a.local},
                                 {"state", a.state},
                                 {"language", a.language},
                                 {"name", a.name}});
  }
  j["truncated"] = list->truncated;
  return Reply(200, j.dump());
}

}  // namespace

Result<std::vector<RouteSpec>> ClerkRoutes(store::Store& store, const crypto::Keyring& keys,
                                           const Clock& clock, Rng& rng) {
  CITYID_ASSIGN_OR_RETURN(auto names, dedup::NameNormalizer::Create());
  auto st = std::make_shared<ClerkState>(store, keys, clock, rng);
  st->names = std::move(names);
  std::vector<RouteSpec> out;
  out.push_back({"POST", "/api/v1/names/latin", "/api/v1/names/latin",
                 [st](const Call& c) { return LatinName(*st, c); }});
  out.push_back({"GET", "/api/v1/sites/{id}/appointments", "/api/v1/sites/([^/]{1,64})/appointments",
                 [st](const Call& c) { return DayAppointments(*st, c); }});
  return out;
}

}  // namespace cityid::http
