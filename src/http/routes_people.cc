// The admin console's staff and site routes (routes_people.h).
#include "http/routes_people.h"

#include <qrencode.h>

#include <cerrno>
#include <memory>
#include <nlohmann/json.hpp>

#include "auth/staff.h"
#include "core/appointments.h"
#include "http/problem.h"
#include "http/routes_sites.h"

namespace cityid::http {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

struct PeopleState {
  store::Store& store;
  core::BookingContext ctx;
};

Reply ResetTotpReply(PeopleState& st, const Call& c) {
  const std::string user = c.req.matches[1];
  if (Status s = auth::ValidateUserName(user); !s.ok()) return Problem(s);
  auto body = ParseJsonBody(c.req);
  if (!body.ok()) return Problem(body.status());
  if (Status s = OnlyKeys(*body, {}, ""); !s.ok()) return Problem(s);
  // As for disabling: one's own code is reset by another administrator. Otherwise whoever holds
  // an administrator's open session and password could swap the second factor for their own
  // (the next sign-in enrols a new secret with the password alone).
  if (user == c.principal->user_name) {
    return Problem(Error(ErrorId::kFailedPrecondition,
                         "an administrator cannot reset their own one-time code; another "
                         "administrator does"));
  }
  auto row = auth::ResetStaffTotp(st.store, st.ctx.clock, c.principal->actor(), user);
  if (!row.ok()) return Problem(row.status());
  ordered_json j;
  j["staff"] = auth::StaffJson(*row);
  return {200, j.dump()};
}

Result<core::SiteInput> SiteInputOf(const json& body, const std::string& id) {
  CITYID_RETURN_IF_ERROR(OnlyKeys(body,
                                  {"name", "kind", "address", "timezone", "hours", "slot_minutes",
                                   "capacity", "languages", "accessibility"},
                                  ""));
  core::SiteInput in;
  in.id = id;
  for (auto [name, out, max, required] :
       {std::tuple<const char*, std::string*, size_t, bool>{"name", &in.name, 120, true},
        {"kind", &in.kind, 16, true},
        {"address", &in.address, 200, true},
        {"timezone", &in.timezone, core::kMaxTimeZoneBytes, true},
        {"hours", &in.hours, 500, true},
        {"accessibility", &in.accessibility, core::kMaxAccessibilityBytes, false}}) {
    CITYID_ASSIGN_OR_RETURN(*out, StringField(body, name, max, required));
  }
  if (body.contains("languages")) {
    const json& langs = body["languages"];
    if (!langs.is_array() || langs.size() > core::kMaxSiteLanguages) {
      return Error(ErrorId::kInvalidArgument, "languages: an array of at most " +
                                                  std::to_string(core::kMaxSiteLanguages) +
                                                  " language codes");
    }
    for (const auto& l : langs) {
      if (!l.is_string()) return Error(ErrorId::kInvalidArgument, "languages: language codes");
      in.languages.push_back(l.get<std::string>());
    }
  }
  for (auto [name, out] : {std::pair<const char*, int*>{"slot_minutes", &in.slot_minutes},
                           {"capacity", &in.capacity}}) {
    if (!body.contains(name)) {
      return Error(ErrorId::kMissingField, std::string(name) + ": required, an integer");
    }
    if (!body[name].is_number_integer() || body[name].get<int64_t>() < -1000000 ||
        body[name].get<int64_t>() > 1000000) {
      return Error(ErrorId::kInvalidArgument, std::string(name) + ": an integer");
    }
    *out = static_cast<int>(body[name].get<int64_t>());
  }
  return in;
}

Reply UpdateSiteReply(PeopleState& st, const Call& c) {
  auto body = ParseJsonBody(c.req);
  if (!body.ok()) return Problem(body.status());
  auto in = SiteInputOf(*body, c.req.matches[1]);
  if (!in.ok()) return Problem(in.status());
  auto row = core::UpdateSite(st.ctx, *in, c.principal->actor());
  if (!row.ok()) return Problem(row.status());
  return {200, SiteJson(*row).dump()};
}

Reply AddClosureReply(PeopleState& st, const Call& c) {
  auto body = ParseJsonBody(c.req);
  if (!body.ok()) return Problem(body.status());
  if (Status s = OnlyKeys(*body, {"date", "reason"}, ""); !s.ok()) return Problem(s);
  auto date_text = StringField(*body, "date", 10, true);
  if (!date_text.ok()) return Problem(date_text.status());
  auto reason = StringField(*body, "reason", core::kMaxClosureReasonBytes, false);
  if (!reason.ok()) return Problem(reason.status());
  auto day = Date::Parse(*date_text);
  if (!day.ok()) return Problem(day.status().WithContext("date"));
  auto row = core::AddClosure(st.ctx, c.req.matches[1], *day, *reason, c.principal->actor());
  if (!row.ok()) return Problem(row.status());
  return {200, SiteJson(*row).dump()};
}

Reply RemoveClosureReply(PeopleState& st, const Call& c) {
  auto day = Date::Parse(c.req.matches[2]);
  if (!day.ok()) return Problem(day.status().WithContext("date"));
  auto row = core::RemoveClosure(st.ctx, c.req.matches[1], *day, c.principal->actor());
  if (!row.ok()) return Problem(row.status());
  return {200, SiteJson(*row).dump()};
}

}  // namespace

Result<std::string> QrSvg(std::string_view text) {
  if (text.empty() || text.size() > 1024 || text.find('\0') != std::string_view::npos) {
    return Error(ErrorId::kInvalidArgument, "QR text: 1 to 1024 bytes, no NUL");
  }
  const std::string s(text);
  std::unique_ptr<QRcode, decltype(&QRcode_free)> qr(
      QRcode_encodeString(s.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, 1), &QRcode_free);
  if (!qr) return Error(ErrorId::kInvalidArgument, "QR text does not fit a QR code");
  const int n = qr->width;
  const int size = n + 8;
  std::string path;
  for (int y = 0; y < n; ++y) {
    for (int x = 0; x < n; ++x) {
      if (qr->data[y * n + x] & 1) {
        path += "M" + std::to_string(x + 4) + " " + std::to_string(y + 4) + "h1v1h-1z";
      }
    }
  }
  const std::string dim = std::to_string(size);
  return "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + dim + " " + dim +
         "\" shape-rendering=\"crispEdges\"><rect width=\"" + dim + "\" height=\"" + dim +
         "\" fill=\"#fff\"/><path fill=\"#000\" d=\"" + path + "\"/></svg>";
}

std::vector<RouteSpec> PeopleRoutes(store::Store& store, const crypto::Keyring& keys,
                                    const Clock& clock, Rng& rng) {
  auto st = std::make_shared<PeopleState>(PeopleState{store, core::BookingContext{store, keys, clock, rng}});
  std::vector<RouteSpec> out;
  out.push_back({"POST", "/api/v1/staff/{user}/reset-totp", "/api/v1/staff/([^/]{1,64})/reset-totp",
                 [st](const Call& c) { return ResetTotpReply(*st, c); }});
  out.push_back({"PUT", "/api/v1/sites/{id}", "/api/v1/sites/([^/]{1,64})",
                 [st](const Call& c) { return UpdateSiteReply(*st, c); }});
  out.push_back({"POST", "/api/v1/sites/{id}/closures", "/api/v1/sites/([^/]{1,64})/closures",
                 [st](const Call& c) { return AddClosureReply(*st, c); }});
  out.push_back({"DELETE", "/api/v1/sites/{id}/closures/{date}",
                 "/api/v1/sites/([^/]{1,64})/closures/([^/]{1,16})",
                 [st](const Call& c) { return RemoveClosureReply(*st, c); }});
  return out;
}

}  // namespace cityid::http
