// The admin console's records and keys routes (routes_records.h).
#include "http/routes_records.h"

#include <filesystem>
#include <map>
#include <mutex>
#include <string>

#include "audit/verify.h"
#include "base/bytes.h"
#include "core/register.h"
#include "core/retention.h"
#include "core/workflow.h"
#include "dedup/name_normalizer.h"

namespace cityid::http {
// A named namespace: in a unity build this file shares one translation unit with the other
// route files, whose anonymous-namespace helpers (Json, ...) would collide.
namespace records_routes {
namespace {

using ordered_json = nlohmann::ordered_json;
using json = nlohmann::json;

// Requests older than this are not listed (a request lives kDefaultDestructionWindowSeconds;
// a day keeps the outcome on screen for the shift that saw it).
constexpr int64_t kListedDestructionSeconds = 24 * 3600;

struct RecordsState {
  RecordsState(store::Store& s, const crypto::Keyring& k, const policy::Policy& p, const Clock& c,
               Rng& r, std::unique_ptr<dedup::NameNormalizer> n, KeysGate g)
      : store(s),
        keys(k),
        policy(p),
        clock(c),
        rng(r),
        names(std::move(n)),
        gate(std::move(g)),
        ctx{s, k, p, *names, c, r} {}
  store::Store& store;
  const crypto::Keyring& keys;
  const policy::Policy& policy;
  const Clock& clock;
  Rng& rng;
  std::unique_ptr<dedup::NameNormalizer> names;
  KeysGate gate;
  std::mutex core_mu;  // the name normalizer in ctx is not thread-safe
  core::Context ctx;

  template <typename F>
  auto WithCore(F&& fn) {
    std::lock_guard lock(core_mu);
    return fn(ctx);
  }
};

Reply Json(int status, const ordered_json& j) { return {status, j.dump()}; }

ordered_json TimeOrNull(std::optional<UnixSeconds> t) {
  return t ? ordered_json(*t) : ordered_json(nullptr);
}

// A JSON object body with only `allowed` keys; an empty body reads as {}.
Result<json> ObjectBody(const Request& req, std::initializer_list<const char*> allowed) {
  if (req.body.empty()) return json::object();
  CITYID_ASSIGN_OR_RETURN(json body, ParseJsonBody(req));
  CITYID_RETURN_IF_ERROR(OnlyKeys(body, allowed, ""));
  return body;
}

// `confirm` must be JSON true: an irreversible step is never taken on a default.
Status RequireConfirm(const json& body, const char* what) {
  if (!body.contains("confirm")) {
    return Error(ErrorId::kMissingField, std::string("confirm: true is required to ") + what);
  }
  if (!body["confirm"].is_boolean() || !body["confirm"].get<bool>()) {
    return Error(ErrorId::kInvalidArgument, std::string("confirm: must be true to ") + what);
  }
  return Status::Ok();
}

Reply ListHolds(RecordsState& st, const Call& c) {
  auto holds = st.WithCore(
      [&](core::Context& ctx) { return core::ListHolds(ctx, c.principal->actor(), std::nullopt); });
  if (!holds.ok()) return Problem(holds.status());
  ordered_json j;
  j["holds"] = ordered_json::array();
  for (const auto& h : *holds) {
    j["holds"].push_back({{"person_id", h.person_id},
                          {"category", h.category},
                          {"placed_at", h.placed_at},
                          {"placed_by", h.placed_by},
                          {"application_ids", h.application_ids},
                          {"has_note", h.has_note}});
  }
  return Json(200, j);
}

Reply Retention(RecordsState& st, const Call& c) {
  auto p = st.WithCore(
      [&](core::Context& ctx) { return core::PreviewRetention(ctx, c.principal->actor()); });
  if (!p.ok()) return Problem(p.status());
  ordered_json j;
  j["now"] = p->now;
  j["policy"] = {{"abandoned_application_days", p->abandoned_application_days},
                 {"rejected_application_days", p->rejected_application_days},
                 {"after_card_expiry_days", p->after_card_expiry_days}};
  j["cards_to_expire"] = p->cards_to_expire;
  j["print_windows_to_close"] = p->print_windows_to_close;
  j["persons_to_purge"] = {
      {"abandoned_application", p->persons_abandoned},
      {"rejected_application", p->persons_rejected},
      {"card_expired", p->persons_card_expired},
      {"total", p->persons_abandoned + p->persons_rejected + p->persons_card_expired}};
  j["held"] = p->persons_held;
  j["last_action_at"] = TimeOrNull(p->last_action_at);
  return Json(200, j);
}

Reply RunRetention(RecordsState& st, const Call& c) {
  auto body = ObjectBody(c.req, {"confirm"});
  if (!body.ok()) return Problem(body.status());
  if (Status s = RequireConfirm(*body, "run the retention job"); !s.ok()) return Problem(s);
  auto sum = st.WithCore(
      [&](core::Context& ctx) { return core::PurgeExpired(ctx, c.principal->actor()); });
  if (!sum.ok()) return Problem(sum.status());
  if ((sum->cards_expired > 0 || sum->cards_revoked > 0) && st.gate.status_changed) {
    st.gate.status_changed();
  }
  return Json(200, ordered_json{{"persons_purged", sum->persons_purged},
                                {"applications_withdrawn", sum->applications_withdrawn},
                                {"cards_expired", sum->cards_expired},
                                {"cards_revoked", sum->cards_revoked},
                                {"print_windows_closed", sum->print_windows_closed},
                                {"held", sum->held}});
}

Reply KeyStatus(RecordsState& st, const Call&) {
  const crypto::PublicKeySet set = st.keys.PublicKeys(st.policy.issuer());
  ordered_json j;
  j["issuer"] = set.issuer;
  j["issuer_keys"] = ordered_json::array();
  for (const auto& k : set.keys) {
    ordered_json e{{"kid", Base64UrlEncode(k.key_id)}, {"status", k.status}};
    e["not_after"] = TimeOrNull(k.not_after);
    j["issuer_keys"].push_back(std::move(e));
  }
  j["log_key"] = {{"kid", Base64UrlEncode(st.keys.LogPublicKey().key_id)}};
  ordered_json data;
  const bool destroyed = st.gate.destroyed && st.gate.destroyed();
  if (destroyed) {
    data["state"] = "destroyed";
    data["split"] = nullptr;
  } else if (const auto& seal = st.keys.seal_info(); seal) {
    data["state"] = "sealed";
    data["split"] = {
        {"id", seal->split_id}, {"threshold", seal->threshold}, {"count", seal->count}};
  } else {
    data["state"] = "present";
    data["split"] = nullptr;
  }
  j["data_keys"] = std::move(data);
  return Json(200, j);
}

ordered_json DestructionJson(const store::DestructionRequestRow& r, UnixSeconds now,
                             const std::string& me,
                             const std::map<std::string, std::string>& users) {
  const UnixSeconds before = r.requested_at + core::kDefaultDestructionWindowSeconds;
  std::string state = r.state;
  if (state == "pending" && now > before) state = "expired";
  auto user = [&](const std::string& id) {
    auto it = users.find(id);
    return it == users.end() ? ordered_json(nullptr) : ordered_json(it->second);
  };
  ordered_json j{{"id", r.id},
                 {"state", state},
                 {"reason", r.reason},
                 {"requested_by", r.requested_by},
                 {"requested_by_user", user(r.requested_by)},
                 {"requested_by_you", r.requested_by == me},
                 {"requested_at", r.requested_at},
                 {"approve_before", before}};
  j["approved_by"] = r.approved_by.empty() ? ordered_json(nullptr) : ordered_json(r.approved_by);
  j["approved_by_user"] = r.approved_by.empty() ? ordered_json(nullptr) : user(r.approved_by);
  j["decided_at"] = r.decided_at == 0 ? ordered_json(nullptr) : ordered_json(r.decided_at);
  return j;
}

// Staff user names of these ids (staff data, not applicants').
Result<std::map<std::string, std::string>> UserNames(
    store::Store& store, const std::vector<store::DestructionRequestRow>& rows) {
  std::map<std::string, std::string> out;
  CITYID_RETURN_IF_ERROR(store.Read([&](store::Tx& tx) -> Status {
    for (const auto& r : rows) {
      for (const std::string* id : {&r.requested_by, &r.approved_by}) {
        if (id->empty() || out.count(*id) > 0) continue;
        CITYID_ASSIGN_OR_RETURN(auto staff, tx.GetStaff(*id));
        if (staff) out[*id] = staff->user_name;
      }
    }
    return Status::Ok();
  }));
  return out;
}

Reply ListDestruction(RecordsState& st, const Call& c) {
  const UnixSeconds now = st.clock.Now();
  auto rows = core::RecentDestructionRequests(st.store, now - kListedDestructionSeconds);
  if (!rows.ok()) return Problem(rows.status());
  auto users = UserNames(st.store, *rows);
  if (!users.ok()) return Problem(users.status());
  ordered_json j;
  j["window_seconds"] = core::kDefaultDestructionWindowSeconds;
  j["keys_destroyed"] = st.gate.destroyed && st.gate.destroyed();
  j["requests"] = ordered_json::array();
  for (const auto& r : *rows) {
    j["requests"].push_back(DestructionJson(r, now, c.principal->staff_id, *users));
  }
  return Json(200, j);
}

Reply RequestDestructionReply(RecordsState& st, const Call& c) {
  auto body = ObjectBody(c.req, {"reason", "confirm"});
  if (!body.ok()) return Problem(body.status());
  auto reason = StringField(*body, "reason", core::kMaxDestructionReasonBytes, true);
  if (!reason.ok()) return Problem(reason.status());
  if (Status s = RequireConfirm(*body, "request the destruction of the keys"); !s.ok()) {
    return Problem(s);
  }
  auto req = core::RequestDestruction(st.store, st.clock, st.rng, c.principal->staff_id, *reason);
  if (!req.ok()) return Problem(req.status());
  auto row = store::DestructionRequestRow{
      req->id, req->requested_by, *reason, req->requested_at, "pending", "", 0};
  auto users = UserNames(st.store, {row});
  if (!users.ok()) return Problem(users.status());
  return Json(201, DestructionJson(row, st.clock.Now(), c.principal->staff_id, *users));
}

Reply ApproveDestructionReply(RecordsState& st, const Call& c) {
  auto body = ObjectBody(c.req, {"confirm"});
  if (!body.ok()) return Problem(body.status());
  std::string id = c.req.matches.size() > 1 ? std::string(c.req.matches[1]) : "";
  if (id.rfind("dst_", 0) != 0 || id.size() > 64) {
    return Problem(Error(ErrorId::kInvalidArgument, "request id: dst_ followed by its letters"));
  }
  if (Status s = RequireConfirm(*body, "destroy the keys"); !s.ok()) return Problem(s);
  auto done = st.gate.approve(c.principal->staff_id, id);
  if (!done.ok()) return Problem(done.status());
  ordered_json files = ordered_json::array();
  for (const auto& f : done->destroyed_files) {
    files.push_back(std::filesystem::path(f).filename().string());
  }
  return Json(200, ordered_json{{"id", done->request_id},
                                {"state", "executed"},
                                {"requested_by", done->requested_by},
                                {"approved_by", done->approved_by},
                                {"keys_destroyed", true},
                                {"destroyed_files", files},
                                {"final_tree_head", audit::TreeHeadToJson(done->final_head)}});
}

}  // namespace
}  // namespace records_routes

bool ServedAfterKeyDestruction(std::string_view method, std::string_view pattern) {
  static const char* const kServed[][2] = {
      {"GET", "/healthz"},
      {"GET", "/readyz"},
      {"GET", "/metrics"},
      {"GET", "/.well-known/cityid-keys"},
      {"GET", "/api/v1/openapi.json"},
      {"GET", "/api/v1/status-lists/{id}"},
      {"POST", "/api/v1/verify"},
      {"GET", "/api/v1/policy"},
      {"POST", "/api/v1/policy/evaluate"},
      {"GET", "/api/v1/sites"},
      {"GET", "/api/v1/sessions/current"},
      {"DELETE", "/api/v1/sessions/current"},
      {"GET", "/api/v1/audit/head"},
      {"GET", "/api/v1/audit/entries"},
      {"GET", "/api/v1/audit/proof"},
      {"GET", "/api/v1/audit/consistency"},
      {"GET", "/api/v1/reports/transparency"},
      {"GET", "/api/v1/data-requests"},
      {"GET", "/api/v1/keys/status"},
      {"GET", "/api/v1/destruction-requests"},
  };
  for (const auto& r : kServed) {
    if (method == r[0] && pattern == r[1]) return true;
  }
  return false;
}

Result<std::vector<RouteSpec>> RecordsRoutes(store::Store& store, const crypto::Keyring& keys,
                                             const policy::Policy& policy, const Clock& clock,
                                             Rng& rng, KeysGate gate) {
  CITYID_ASSIGN_OR_RETURN(auto names, dedup::NameNormalizer::Create());
  using namespace records_routes;
  auto st = std::make_shared<RecordsState>(store, keys, policy, clock, rng, std::move(names),
                                           std::move(gate));
  auto h = [st](Reply (*fn)(RecordsState&, const Call&)) {
    return [st, fn](const Call& c) { return fn(*st, c); };
  };
  return std::vector<RouteSpec>{
      {"GET", "/api/v1/holds", "/api/v1/holds", h(&ListHolds)},
      {"GET", "/api/v1/retention", "/api/v1/retention", h(&Retention)},
      {"POST", "/api/v1/retention/run", "/api/v1/retention/run", h(&RunRetention)},
      {"GET", "/api/v1/keys/status", "/api/v1/keys/status", h(&KeyStatus)},
      {"GET", "/api/v1/destruction-requests", "/api/v1/destruction-requests", h(&ListDestruction)},
      {"POST", "/api/v1/destruction-requests", "/api/v1/destruction-requests",
       h(&RequestDestructionReply)},
      {"POST", "/api/v1/destruction-requests/{id}/approve",
       "/api/v1/destruction-requests/([^/]{1,80})/approve", h(&ApproveDestructionReply)},
  };
}

}  // namespace cityid::http
