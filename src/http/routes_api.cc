#include "http/routes_api.h"

#include <cctype>
#include <limits>

#include "audit/verify.h"
#include "base/names.h"
#include "core/access_code.h"
#include "core/applicant.h"
#include "core/audit_log.h"
#include "core/enroll_answer.h"
#include "core/ids.h"
#include "core/register.h"
#include "core/report.h"
#include "http/rbac.h"

namespace cityid::http {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

constexpr size_t kMaxReasonBytes = 500;
constexpr size_t kMaxIdBytes = 64;
constexpr size_t kDefaultAuditLimit = 100;
constexpr size_t kMaxAuditLimit = 1000;
constexpr size_t kMaxListedApplications = 500;
constexpr const char* kDefaultSite = "city-hall";

// A pseudonymous id from the path ("app_...", "per_...", "req_..."): 1..64 of [A-Za-z0-9_-].
// Anything else (dots, slashes, quotes, NUL, spaces) is refused before it reaches the store.
Result<std::string> PathId(const Request& req, const char* what) {
  if (req.matches.size() < 2) return Error(ErrorId::kInvalidArgument, std::string(what) + ": missing");
  std::string id = req.matches[1];
  if (id.empty() || id.size() > kMaxIdBytes) {
    return Error(ErrorId::kInvalidArgument, std::string(what) + ": 1 to 64 characters");
  }
  for (char ch : id) {
    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '_' && ch != '-') {
      return Error(ErrorId::kInvalidArgument,
                   std::string(what) + ": letters, digits, '_' and '-' only");
    }
  }
  return id;
}

Result<std::string> PathCardNumber(const Request& req) {
  if (req.matches.size() < 2) return Error(ErrorId::kInvalidCardNumber, "card number: missing");
  return core::ParseCardNumber(std::string(req.matches[1]));
}

// A JSON body with only `allowed` members.
Result<json> StrictBody(const Request& req, std::initializer_list<const char*> allowed) {
  CITYID_ASSIGN_OR_RETURN(json body, ParseJsonBody(req));
  CITYID_RETURN_IF_ERROR(OnlyKeys(body, allowed, ""));
  return body;
}

// A required reason: non-empty after trimming, at most 500 bytes, no control characters.
Result<std::string> ReasonField(const json& body, const char* name, bool required) {
  CITYID_ASSIGN_OR_RETURN(std::string v, StringField(body, name, kMaxReasonBytes, required));
  bool blank = true;
  for (unsigned char ch : v) {
    if (ch < 0x20 || ch == 0x7f) {
      return Error(ErrorId::kInvalidArgument, std::string(name) + ": no control characters");
    }
    if (ch != ' ') blank = false;
  }
  if (required && blank) {
    return Error(ErrorId::kMissingField, std::string(name) + ": required, not blank");
  }
  // The one rule for free text (base/names.h): no bidirectional override or isolate either. A
  // reason is shown to the applicant in their access history: "\u202Enoitagitsevni duarf"
  // would read there as "fraud investigation" while the log holds other text.
  CITYID_RETURN_IF_ERROR(names::CheckText(v, kMaxReasonBytes).WithContext(name));
  return v;
}

// A non-negative decimal query parameter (at most 18 digits), or `fallback` when absent.
Result<int64_t> QueryInt(const Request& req, const char* name, int64_t fallback) {
  if (!req.has_param(name)) return fallback;
  const std::string v = req.get_param_value(name);
  if (v.empty() || v.size() > 18) {
    return Error(ErrorId::kInvalidArgument, std::string(name) + ": a non-negative integer");
  }
  for (char ch : v) {
    if (ch < '0' || ch > '9') {
      return Error(ErrorId::kInvalidArgument, std::string(name) + ": a non-negative integer");
    }
  }
  return std::stoll(v);
}

json ParsedOrNull(const std::string& text) {
  if (text.empty()) return nullptr;
  json j = json::parse(text, nullptr, false);
  return j.is_discarded() ? json(nullptr) : j;
}

// What staff see of an application: states, totals and flags; no personal data.
ordered_json ApplicationJson(const store::ApplicationRow& r) {
  ordered_json j;
  j["id"] = r.id;
  j["person_id"] = r.person_id;
  j["state"] = r.state;
  j["site"] = r.site;
  j["policy_version"] = r.policy_version;
  j["evaluation"] = ParsedOrNull(r.evaluation_json);
  j["flags"] = ParsedOrNull(r.flags_json);
  j["created_by"] = r.created_by;
  j["decided_by"] = r.decided_by;
  j["held"] = !r.hold_reason.empty();
  j["created_at"] = r.created_at;
  j["updated_at"] = r.updated_at;
  return j;
}

ordered_json CardJson(const store::CardRow& r) {
  ordered_json j;
  j["number"] = r.number;
  j["state"] = r.state;
  j["application_id"] = r.application_id;
  j["issued_at"] = r.issued_at;
  j["expires_at"] = r.expires_at;
  j["issued_on"] = Date::FromUnix(r.issued_at).ToString();
  j["expires_on"] = Date::FromUnix(r.expires_at).ToString();
  j["status_list"] = {{"id", r.status_list_id}, {"index", r.status_index}};
  if (!r.replaced_by.empty()) j["replaced_by"] = r.replaced_by;
  j["updated_at"] = r.updated_at;
  return j;
}

ordered_json IssuedJson(const core::IssuedCard& c) {
  ordered_json j;
  j["card_number"] = c.card_number;
  j["formatted"] = core::FormatCardNumber(c.card_number);
  j["application_id"] = c.application_id;
  j["issued_at"] = c.issued_at;
  j["expires_at"] = c.expires_at;
  j["qr_payload"] = c.qr_text;
  if (!c.replaced.empty()) j["replaced"] = c.replaced;
  return j;
}

ordered_json DataRequestJson(const store::DataRequestRow& r) {
  ordered_json disclosed = ordered_json::array();
  size_t start = 0;
  while (start < r.disclosed.size()) {
    size_t comma = r.disclosed.find(',', start);
    if (comma == std::string::npos) comma = r.disclosed.size();
    disclosed.push_back(r.disclosed.substr(start, comma - start));
    start = comma + 1;
  }
  return {{"id", r.id},
          {"kind", r.kind},
          {"received_on", r.received_on},
          {"requesting_body", r.requesting_body},
          {"legal_basis", r.legal_basis},
          {"scope", r.scope},
          {"response", r.response},
          {"responded_on", r.responded_on},
          {"disclosed", disclosed},
          {"persons_covered", r.persons_covered},
          {"recorded_by", r.recorded_by},
          {"created_at", r.created_at},
          {"updated_at", r.updated_at}};
}

// The application row as the caller may see it (core::ViewApplication): kApplicationNotFound
// both when missing and when outside a partner's site, the same answer byte for byte. Only
// ctx.store is used, so no need to serialize on the core lock.
Result<store::ApplicationRow> LoadApplication(core::Context& ctx, const auth::Principal& p,
                                              const std::string& id) {
  return core::ViewApplication(ctx, id, p.actor());
}

Reply Json(int status, const ordered_json& j) { return {status, j.dump()}; }

}  // namespace

EnrollmentApi::EnrollmentApi(store::Store& store, const crypto::Keyring& keys,
                             const policy::Policy& policy, const Clock& clock, Rng& rng,
                             std::unique_ptr<dedup::NameNormalizer> names,
                             std::function<void()> status_changed)
    : store_(store), clock_(clock), names_(std::move(names)),
      status_changed_(std::move(status_changed)),
      ctx_{store, keys, policy, *names_, clock, rng} {}

Result<std::unique_ptr<EnrollmentApi>> EnrollmentApi::Create(
    store::Store& store, const crypto::Keyring& keys, const policy::Policy& policy,
    const Clock& clock, Rng& rng, std::function<void()> status_changed) {
  CITYID_ASSIGN_OR_RETURN(auto names, dedup::NameNormalizer::Create());
  return std::unique_ptr<EnrollmentApi>(new EnrollmentApi(store, keys, policy, clock, rng,
                                                          std::move(names),
                                                          std::move(status_changed)));
}

std::vector<RouteSpec> EnrollmentApi::Routes() {
  // Path parameters: ids are matched loosely here ([^/]) and validated by the handler, so a bad
  // id gets a 400 problem naming the rule rather than a bare 404.
  const std::string id = "([^/]{1,80})";
  auto h = [this](Reply (EnrollmentApi::*m)(const Call&)) {
    return [this, m](const Call& c) { return (this->*m)(c); };
  };
  return {
      {"POST", "/api/v1/applications", "/api/v1/applications", h(&EnrollmentApi::CreateApplication),
       kMaxApplicationBodyBytes},
      {"GET", "/api/v1/applications", "/api/v1/applications", h(&EnrollmentApi::ListApplications)},
      {"GET", "/api/v1/applications/{id}", "/api/v1/applications/" + id,
       h(&EnrollmentApi::GetApplication)},
      {"POST", "/api/v1/applications/{id}/approve", "/api/v1/applications/" + id + "/approve",
       h(&EnrollmentApi::ApproveApplication)},
      {"POST", "/api/v1/applications/{id}/reject", "/api/v1/applications/" + id + "/reject",
       h(&EnrollmentApi::RejectApplication)},
      {"POST", "/api/v1/applications/{id}/issue", "/api/v1/applications/" + id + "/issue",
       h(&EnrollmentApi::IssueCard)},
      {"POST", "/api/v1/applications/{id}/access-code",
       "/api/v1/applications/" + id + "/access-code", h(&EnrollmentApi::ReissueAccessCode)},
      {"GET", "/api/v1/cards/{number}", "/api/v1/cards/" + id, h(&EnrollmentApi::GetCard)},
      {"POST", "/api/v1/cards/{number}/revoke", "/api/v1/cards/" + id + "/revoke",
       h(&EnrollmentApi::RevokeCard)},
      {"POST", "/api/v1/cards/{number}/renew", "/api/v1/cards/" + id + "/renew",
       h(&EnrollmentApi::RenewCard)},
      {"POST", "/api/v1/cards/{number}/replace", "/api/v1/cards/" + id + "/replace",
       h(&EnrollmentApi::ReplaceCard)},
      {"POST", "/api/v1/persons/{id}/read", "/api/v1/persons/" + id + "/read",
       h(&EnrollmentApi::ReadPersonRecord)},
      {"POST", "/api/v1/persons/{id}/purge", "/api/v1/persons/" + id + "/purge",
       h(&EnrollmentApi::PurgePersonRecord)},
      {"POST", "/api/v1/persons/{id}/hold", "/api/v1/persons/" + id + "/hold",
       h(&EnrollmentApi::PlaceLegalHold)},
      {"DELETE", "/api/v1/persons/{id}/hold", "/api/v1/persons/" + id + "/hold",
       h(&EnrollmentApi::ReleaseLegalHold)},
      {"GET", "/api/v1/audit/head", "/api/v1/audit/head", h(&EnrollmentApi::AuditHead)},
      {"GET", "/api/v1/audit/entries", "/api/v1/audit/entries", h(&EnrollmentApi::AuditEntries)},
      {"GET", "/api/v1/audit/proof", "/api/v1/audit/proof", h(&EnrollmentApi::AuditProof)},
      {"GET", "/api/v1/audit/consistency", "/api/v1/audit/consistency",
       h(&EnrollmentApi::AuditConsistency)},
      {"GET", "/api/v1/reports/transparency", "/api/v1/reports/transparency",
       h(&EnrollmentApi::Transparency)},
      {"GET", "/api/v1/data-requests", "/api/v1/data-requests", h(&EnrollmentApi::ListRequests)},
      {"POST", "/api/v1/data-requests", "/api/v1/data-requests", h(&EnrollmentApi::RecordRequest)},
      {"POST", "/api/v1/data-requests/{id}/answer", "/api/v1/data-requests/" + id + "/answer",
       h(&EnrollmentApi::AnswerRequest)},
  };
}

// ---- applications ----

Reply EnrollmentApi::CreateApplication(const Call& c) {
  auto body = ParseJsonBody(c.req);
  if (!body.ok()) return Problem(body.status());
  // The photo travels as base64 in the JSON (never as a server-side path): take it out, let the
  // strict applicant parser check everything else, then check the decoded image.
  Bytes photo;
  if (body->contains("photo")) {
    const json& p = (*body)["photo"];
    if (!p.is_string()) return Problem(Error(ErrorId::kInvalidPhoto, "photo: base64 text"));
    const std::string text = p.get<std::string>();
    if (text.size() > (core::kMaxPhotoBytes / 3 + 1) * 4 + 8) {
      return Problem(Error(ErrorId::kInvalidPhoto, "photo: larger than 5 MiB"));
    }
    auto decoded = Base64Decode(text);
    if (!decoded.ok()) return Problem(Error(ErrorId::kInvalidPhoto, "photo: not valid base64"));
    photo = std::move(decoded).value();
    body->erase("photo");
  }
  // Recursive, but over at most kMaxJsonDepth levels: ParseJsonBody refused anything deeper.
  const std::string rest = body->dump();
  if (rest.size() > core::kMaxApplicantFileBytes) {
    return Problem(Error(ErrorId::kFieldTooLong, "applicant fields: at most 64 KiB besides the photo"));
  }
  const Date today = Date::FromUnix(clock_.Now());
  auto input = core::ParseApplicantJson(rest, "", today);
  if (!input.ok()) return Problem(input.status());
  if (!photo.empty()) {
    auto type = core::CheckPhoto(photo);
    if (!type.ok()) return Problem(type.status());
    input->photo = std::move(photo);
    input->photo_type = *type;
  }
  const auth::Principal& p = *c.principal;
  if (input->site.empty()) input->site = p.site.empty() ? kDefaultSite : p.site;
  if (Status s = CheckSiteScope(p, input->site); !s.ok()) return Problem(s);
  auto r = WithCore([&](core::Context& ctx) { return core::Enroll(ctx, *input, p.actor()); });
  if (!r.ok()) return Problem(r.status());
  ordered_json j;
  j["id"] = r->application_id;
  j["person_id"] = r->person_id;
  j["state"] = core::Name(r->state);
  j["site"] = input->site;
  j["evaluation"] = ParsedOrNull(r->evaluation_json);
  j["explanation"] = r->explanation;
  // Flag, duplicate pair (supervisors only), transliterated name and access code: as the CLI
  // answers them (core/enroll_answer.h).
  j.update(core::EnrollAnswerFields(*r, p.role));
  Reply reply = Json(201, j);
  reply.headers.emplace_back("Location", "/api/v1/applications/" + r->application_id);
  return reply;
}

Reply EnrollmentApi::GetApplication(const Call& c) {
  auto id = PathId(c.req, "application id");
  if (!id.ok()) return Problem(id.status());
  auto row = LoadApplication(ctx_, *c.principal, *id);
  if (!row.ok()) return Problem(row.status());
  std::vector<store::CardRow> cards;
  Status s = store_.Read([&](store::Tx& tx) -> Status {
    store::CardFilter f;
    f.person_id = row->person_id;
    CITYID_ASSIGN_OR_RETURN(cards, tx.ListCards(f));
    return Status::Ok();
  });
  if (!s.ok()) return Problem(s);
  ordered_json j = ApplicationJson(*row);
  j["cards"] = ordered_json::array();
  for (const auto& card : cards) {
    if (card.application_id == row->id) j["cards"].push_back(CardJson(card));
  }
  return Json(200, j);
}

Reply EnrollmentApi::ListApplications(const Call& c) {
  store::ApplicationFilter f;
  f.limit = kMaxListedApplications;
  if (c.req.has_param("state")) {
    const std::string state = c.req.get_param_value("state");
    if (!core::ParseApplicationState(state)) {
      return Problem(Error(ErrorId::kInvalidArgument,
                           "state: one of booked, in_review, documents_checked, flagged, "
                           "approved, printed, issued, rejected, withdrawn, no_show"));
    }
    f.states.push_back(state);
  }
  for (const auto& [key, value] : c.req.params) {
    if (key != "state") return Problem(Error(ErrorId::kUnknownField, "query: only state"));
  }
  std::vector<store::ApplicationRow> rows;
  Status s = store_.Read([&](store::Tx& tx) -> Status {
    CITYID_ASSIGN_OR_RETURN(rows, tx.ListApplications(f));
    return Status::Ok();
  });
  if (!s.ok()) return Problem(s);
  ordered_json j;
  j["applications"] = ordered_json::array();
  for (const auto& r : rows) {
    // Partners see their own site's queue only.
    if (!CheckSiteScope(*c.principal, r.site).ok()) continue;
    store::ApplicationRow seen = r;
    seen.flags_json = core::FlagsAsSeenBy(c.principal->role, r.flags_json);
    j["applications"].push_back(ApplicationJson(seen));
  }
  j["limit"] = kMaxListedApplications;
  return Json(200, j);
}

Reply EnrollmentApi::ApproveApplication(const Call& c) {
  auto id = PathId(c.req, "application id");
  if (!id.ok()) return Problem(id.status());
  auto body = StrictBody(c.req, {"reason"});
  if (!body.ok()) return Problem(body.status());
  auto reason = ReasonField(*body, "reason", false);
  if (!reason.ok()) return Problem(reason.status());
  if (auto row = LoadApplication(ctx_, *c.principal, *id); !row.ok()) return Problem(row.status());
  Status s = WithCore([&](core::Context& ctx) {
    return core::Approve(ctx, *id, c.principal->actor(), *reason);
  });
  if (!s.ok()) return Problem(s);
  auto row = LoadApplication(ctx_, *c.principal, *id);
  if (!row.ok()) return Problem(row.status());
  return Json(200, ApplicationJson(*row));
}

Reply EnrollmentApi::RejectApplication(const Call& c) {
  auto id = PathId(c.req, "application id");
  if (!id.ok()) return Problem(id.status());
  auto body = StrictBody(c.req, {"reason", "category"});
  if (!body.ok()) return Problem(body.status());
  auto reason = ReasonField(*body, "reason", true);
  if (!reason.ok()) return Problem(reason.status());
  auto category = StringField(*body, "category", 32, false);
  if (!category.ok()) return Problem(category.status());
  if (auto row = LoadApplication(ctx_, *c.principal, *id); !row.ok()) return Problem(row.status());
  Status s = WithCore([&](core::Context& ctx) {
    return core::Reject(ctx, *id, c.principal->actor(), *reason, *category);
  });
  if (!s.ok()) return Problem(s);
  auto row = LoadApplication(ctx_, *c.principal, *id);
  if (!row.ok()) return Problem(row.status());
  return Json(200, ApplicationJson(*row));
}

Reply EnrollmentApi::IssueCard(const Call& c) {
  auto id = PathId(c.req, "application id");
  if (!id.ok()) return Problem(id.status());
  auto body = StrictBody(c.req, {});
  if (!body.ok()) return Problem(body.status());
  if (auto row = LoadApplication(ctx_, *c.principal, *id); !row.ok()) return Problem(row.status());
  auto card = WithCore([&](core::Context& ctx) { return core::Issue(ctx, *id, c.principal->actor()); });
  if (!card.ok()) return Problem(card.status());
  return Json(201, IssuedJson(*card));
}

// Counter staff give the applicant a new access code (the old one stops working). The answer
// is the only place the code appears.
Reply EnrollmentApi::ReissueAccessCode(const Call& c) {
  auto id = PathId(c.req, "application id");
  if (!id.ok()) return Problem(id.status());
  auto body = StrictBody(c.req, {});
  if (!body.ok()) return Problem(body.status());
  if (auto row = LoadApplication(ctx_, *c.principal, *id); !row.ok())
    return Problem(row.status());
  auto code = WithCore(
      [&](core::Context& ctx) { return core::ReissueAccessCode(ctx, *id, c.principal->actor()); });
  if (!code.ok()) return Problem(code.status());
  ordered_json j;
  j["application_id"] = *id;
  j["access_code"] = *code;
  return Json(201, j);
}

// ---- cards ----

Reply EnrollmentApi::GetCard(const Call& c) {
  auto number = PathCardNumber(c.req);
  if (!number.ok()) return Problem(number.status());
  // An unknown card and another site's card are one answer (core::ViewCard; store only).
  auto card = core::ViewCard(ctx_, *number, c.principal->actor());
  if (!card.ok()) return Problem(card.status());
  return Json(200, CardJson(*card));
}

Reply EnrollmentApi::RevokeCard(const Call& c) {
  auto number = PathCardNumber(c.req);
  if (!number.ok()) return Problem(number.status());
  auto body = StrictBody(c.req, {"reason"});
  if (!body.ok()) return Problem(body.status());
  auto reason = ReasonField(*body, "reason", true);
  if (!reason.ok()) return Problem(reason.status());
  Status s = WithCore([&](core::Context& ctx) {
    return core::Revoke(ctx, *number, c.principal->actor(), *reason);
  });
  if (!s.ok()) return Problem(s);
  if (status_changed_) status_changed_();
  std::optional<store::CardRow> card;
  s = store_.Read([&](store::Tx& tx) -> Status {
    CITYID_ASSIGN_OR_RETURN(card, tx.GetCard(*number));
    return Status::Ok();
  });
  if (!s.ok()) return Problem(s);
  if (!card) return Problem(Error(ErrorId::kCardNotFound, "no card with that number"));
  return Json(200, CardJson(*card));
}

Reply EnrollmentApi::RenewCard(const Call& c) {
  auto number = PathCardNumber(c.req);
  if (!number.ok()) return Problem(number.status());
  auto body = StrictBody(c.req, {});
  if (!body.ok()) return Problem(body.status());
  auto card = WithCore([&](core::Context& ctx) { return core::Renew(ctx, *number, c.principal->actor()); });
  if (!card.ok()) return Problem(card.status());
  if (status_changed_) status_changed_();
  return Json(201, IssuedJson(*card));
}

Reply EnrollmentApi::ReplaceCard(const Call& c) {
  auto number = PathCardNumber(c.req);
  if (!number.ok()) return Problem(number.status());
  auto body = StrictBody(c.req, {"reason"});
  if (!body.ok()) return Problem(body.status());
  auto reason = ReasonField(*body, "reason", true);
  if (!reason.ok()) return Problem(reason.status());
  auto card = WithCore([&](core::Context& ctx) {
    return core::Replace(ctx, *number, c.principal->actor(), *reason);
  });
  if (!card.ok()) return Problem(card.status());
  if (status_changed_) status_changed_();
  return Json(201, IssuedJson(*card));
}

// ---- persons ----

Reply EnrollmentApi::ReadPersonRecord(const Call& c) {
  auto id = PathId(c.req, "person id");
  if (!id.ok()) return Problem(id.status());
  auto body = StrictBody(c.req, {"reason"});
  if (!body.ok()) return Problem(body.status());
  auto reason = ReasonField(*body, "reason", true);
  if (!reason.ok()) return Problem(reason.status());
  auto record = WithCore([&](core::Context& ctx) {
    return core::ReadPerson(ctx, *id, c.principal->actor(), *reason);
  });
  if (!record.ok()) return Problem(record.status());
  json j = json::parse(record->ToJson(), nullptr, false);
  if (j.is_discarded()) return Problem(Error(ErrorId::kInternal, "record serialization"));
  // The card seeds are key material for the attribute digests, not part of the record staff read.
  j.erase("card_seeds");
  j.erase("v");
  ordered_json out;
  out["person_id"] = *id;
  out["record"] = j;
  return {200, out.dump(-1, ' ', false, ordered_json::error_handler_t::replace)};
}

Reply EnrollmentApi::PurgePersonRecord(const Call& c) {
  auto id = PathId(c.req, "person id");
  if (!id.ok()) return Problem(id.status());
  auto body = StrictBody(c.req, {"reason"});
  if (!body.ok()) return Problem(body.status());
  auto reason = ReasonField(*body, "reason", true);
  if (!reason.ok()) return Problem(reason.status());
  Status s = WithCore([&](core::Context& ctx) {
    return core::PurgePerson(ctx, *id, c.principal->actor(), *reason);
  });
  if (!s.ok()) return Problem(s);
  if (status_changed_) status_changed_();  // active cards were revoked
  return Json(200, ordered_json{{"person_id", *id}, {"purged", true}});
}

Reply EnrollmentApi::PlaceLegalHold(const Call& c) {
  auto id = PathId(c.req, "person id");
  if (!id.ok()) return Problem(id.status());
  auto body = StrictBody(c.req, {"category", "note"});
  if (!body.ok()) return Problem(body.status());
  auto category = StringField(*body, "category", 32, true);
  if (!category.ok()) return Problem(category.status());
  auto note = StringField(*body, "note", 500, false);
  if (!note.ok()) return Problem(note.status());
  Status s = WithCore([&](core::Context& ctx) {
    return core::PlaceHold(ctx, *id, *category, *note, c.principal->actor());
  });
  if (!s.ok()) return Problem(s);
  return Json(201, ordered_json{{"person_id", *id}, {"held", true}, {"category", *category}});
}

Reply EnrollmentApi::ReleaseLegalHold(const Call& c) {
  auto id = PathId(c.req, "person id");
  if (!id.ok()) return Problem(id.status());
  Status s = WithCore([&](core::Context& ctx) {
    return core::ReleaseHold(ctx, *id, c.principal->actor());
  });
  if (!s.ok()) return Problem(s);
  return Json(200, ordered_json{{"person_id", *id}, {"held", false}});
}

// ---- audit and reports ----

Reply EnrollmentApi::AuditHead(const Call&) {
  int64_t size = 0;
  std::optional<audit::SignedTreeHead> head;
  Status s = store_.Read([&](store::Tx& tx) -> Status {
    CITYID_ASSIGN_OR_RETURN(size, tx.AuditSize());
    CITYID_ASSIGN_OR_RETURN(head, tx.LatestTreeHead());
    return Status::Ok();
  });
  if (!s.ok()) return Problem(s);
  ordered_json j;
  j["entries"] = size;
  // Signing a new head is `cityid audit head` (it verifies the whole log first): a GET changes
  // nothing.
  j["signed_tree_head"] = head ? audit::TreeHeadToJson(*head) : ordered_json(nullptr);
  // The log key (audit/verify.h's JWK) so a page can check heads itself; an auditor compares its
  // kid with the one the city publishes (`cityid audit export --log-key`).
  j["log_key"] = ordered_json::parse(audit::LogKeyToJson(ctx_.keys.LogPublicKey()));
  return Json(200, j);
}

// The log browser: entries from seq `from` on (or, with order=desc, from `from` down), filtered by
// exact action and site and by time (`since` inclusive, `until` exclusive, Unix seconds).
Reply EnrollmentApi::AuditEntries(const Call& c) {
  for (const auto& [key, value] : c.req.params) {
    if (key != "from" && key != "limit" && key != "action" && key != "site" && key != "since" &&
        key != "until" && key != "order") {
      return Problem(Error(ErrorId::kUnknownField,
                           "query: only from, limit, action, site, since, until and order"));
    }
  }
  const std::string order = c.req.has_param("order") ? c.req.get_param_value("order") : "asc";
  if (order != "asc" && order != "desc") {
    return Problem(Error(ErrorId::kInvalidArgument, "order: asc or desc"));
  }
  const bool descending = order == "desc";
  auto from = QueryInt(c.req, "from", descending ? std::numeric_limits<int64_t>::max() : 0);
  if (!from.ok()) return Problem(from.status());
  auto limit = QueryInt(c.req, "limit", kDefaultAuditLimit);
  if (!limit.ok()) return Problem(limit.status());
  if (*limit < 1 || *limit > static_cast<int64_t>(kMaxAuditLimit)) {
    return Problem(Error(ErrorId::kInvalidArgument, "limit: 1 to 1000"));
  }
  store::AuditFilter filter;
  filter.from_seq = *from;
  filter.descending = descending;
  filter.limit = static_cast<size_t>(*limit);
  for (auto [name, field] : {std::pair{"action", &filter.action}, std::pair{"site", &filter.site}}) {
    if (!c.req.has_param(name)) continue;
    *field = c.req.get_param_value(name);
    if (field->empty() || field->size() > 64) {
      return Problem(Error(ErrorId::kInvalidArgument, std::string(name) + ": 1 to 64 bytes"));
    }
  }
  for (auto [name, field] : {std::pair{"since", &filter.since}, std::pair{"until", &filter.until}}) {
    if (!c.req.has_param(name)) continue;
    auto v = QueryInt(c.req, name, 0);
    if (!v.ok()) return Problem(v.status());
    *field = *v;
  }
  if (filter.since && filter.until && *filter.until <= *filter.since) {
    return Problem(Error(ErrorId::kInvalidArgument, "until: after since"));
  }
  std::vector<store::AuditRow> rows;
  int64_t size = 0;
  Status s = store_.Read([&](store::Tx& tx) -> Status {
    CITYID_ASSIGN_OR_RETURN(size, tx.AuditSize());
    CITYID_ASSIGN_OR_RETURN(rows, tx.SearchAudit(filter));
    return Status::Ok();
  });
  if (!s.ok()) return Problem(s);
  ordered_json j;
  j["entries"] = ordered_json::array();
  for (auto& r : rows) {
    j["entries"].push_back(
        audit::EntryToJson(audit::LogEntry{r.seq, std::move(r.entry), std::move(r.leaf_hash)}));
  }
  j["size"] = size;
  // Where the next page starts; null when this page ended the search.
  ordered_json next = nullptr;
  if (rows.size() == filter.limit) {
    const int64_t last = rows.back().seq;
    if (!descending && last + 1 < size) next = last + 1;
    if (descending && last > 0) next = last - 1;
  }
  j["next"] = next;
  return {200, j.dump(-1, ' ', false, ordered_json::error_handler_t::replace)};
}

// An inclusion proof of one entry in the latest signed tree head (core/audit_log.h): what an
// applicant or auditor holding an entry's seq needs to check it is in the signed log.
Reply EnrollmentApi::AuditProof(const Call& c) {
  for (const auto& [key, value] : c.req.params) {
    if (key != "seq") return Problem(Error(ErrorId::kUnknownField, "query: only seq"));
  }
  if (!c.req.has_param("seq")) return Problem(Error(ErrorId::kMissingField, "seq: required"));
  auto seq = QueryInt(c.req, "seq", 0);
  if (!seq.ok()) return Problem(seq.status());
  if (*seq < 0) return Problem(Error(ErrorId::kInvalidArgument, "seq: 0 or more"));
  nlohmann::ordered_json proof;
  Status s = store_.Read([&](store::Tx& tx) -> Status {
    CITYID_ASSIGN_OR_RETURN(proof, core::ProveInclusion(tx, static_cast<uint64_t>(*seq)));
    return Status::Ok();
  });
  if (!s.ok()) return Problem(s);
  return Json(200, proof);
}

// A consistency proof between two signed tree heads, by their sizes: the log of the older head
// is a prefix of the newer's (nothing was removed or rewritten in between).
Reply EnrollmentApi::AuditConsistency(const Call& c) {
  for (const auto& [key, value] : c.req.params) {
    if (key != "from" && key != "to") {
      return Problem(Error(ErrorId::kUnknownField, "query: only from and to"));
    }
  }
  if (!c.req.has_param("from") || !c.req.has_param("to")) {
    return Problem(Error(ErrorId::kMissingField, "from and to: required, tree sizes of signed heads"));
  }
  auto from = QueryInt(c.req, "from", 0);
  if (!from.ok()) return Problem(from.status());
  auto to = QueryInt(c.req, "to", 0);
  if (!to.ok()) return Problem(to.status());
  if (*from <= 0 || *to <= *from) {
    return Problem(Error(ErrorId::kInvalidArgument, "from and to: need 0 < from < to"));
  }
  nlohmann::ordered_json proof;
  Status s = store_.Read([&](store::Tx& tx) -> Status {
    CITYID_ASSIGN_OR_RETURN(proof, core::ProveConsistency(tx, static_cast<uint64_t>(*from),
                                                          static_cast<uint64_t>(*to)));
    return Status::Ok();
  });
  if (!s.ok()) return Problem(s);
  return Json(200, proof);
}

Reply EnrollmentApi::Transparency(const Call& c) {
  for (const auto& [key, value] : c.req.params) {
    if (key != "from" && key != "to" && key != "format") {
      return Problem(Error(ErrorId::kUnknownField, "query: only from, to and format"));
    }
  }
  if (!c.req.has_param("from") || !c.req.has_param("to")) {
    return Problem(Error(ErrorId::kMissingField, "from and to: required, YYYY-MM"));
  }
  const std::string format = c.req.has_param("format") ? c.req.get_param_value("format") : "json";
  if (format != "json" && format != "csv") {
    return Problem(Error(ErrorId::kInvalidArgument, "format: json or csv"));
  }
  auto report = core::BuildReport(store_, c.req.get_param_value("from"), c.req.get_param_value("to"));
  if (!report.ok()) return Problem(report.status());
  if (format == "csv") return {200, core::ReportCsv(*report), "text/csv; charset=utf-8"};
  return {200, core::ReportJson(*report)};
}

// ---- data-request register ----

Reply EnrollmentApi::ListRequests(const Call& c) {
  auto rows = WithCore([&](core::Context& ctx) {
    return core::ListDataRequests(ctx, c.principal->actor());
  });
  if (!rows.ok()) return Problem(rows.status());
  ordered_json j;
  j["data_requests"] = ordered_json::array();
  for (const auto& r : *rows) j["data_requests"].push_back(DataRequestJson(r));
  return Json(200, j);
}

Reply EnrollmentApi::RecordRequest(const Call& c) {
  auto body = StrictBody(c.req, {"kind", "received_on", "requesting_body", "legal_basis", "scope"});
  if (!body.ok()) return Problem(body.status());
  core::DataRequestInput in;
  for (auto [name, out, max] :
       {std::tuple<const char*, std::string*, size_t>{"kind", &in.kind, 32},
        {"received_on", &in.received_on, 10},
        {"requesting_body", &in.requesting_body, 200},
        {"legal_basis", &in.legal_basis, 300},
        {"scope", &in.scope, 1000}}) {
    auto v = StringField(*body, name, max, true);
    if (!v.ok()) return Problem(v.status());
    *out = std::move(*v);
  }
  auto id = WithCore([&](core::Context& ctx) {
    return core::RecordDataRequest(ctx, in, c.principal->actor());
  });
  if (!id.ok()) return Problem(id.status());
  auto row = WithCore([&](core::Context& ctx) {
    return core::GetDataRequest(ctx, *id, c.principal->actor());
  });
  if (!row.ok()) return Problem(row.status());
  return Json(201, DataRequestJson(*row));
}

Reply EnrollmentApi::AnswerRequest(const Call& c) {
  auto id = PathId(c.req, "data request id");
  if (!id.ok()) return Problem(id.status());
  auto body = StrictBody(c.req, {"response", "responded_on", "disclosed", "persons_covered"});
  if (!body.ok()) return Problem(body.status());
  core::DataRequestAnswer a;
  auto response = StringField(*body, "response", 32, true);
  if (!response.ok()) return Problem(response.status());
  a.response = *response;
  auto on = StringField(*body, "responded_on", 10, true);
  if (!on.ok()) return Problem(on.status());
  a.responded_on = *on;
  if (body->contains("disclosed")) {
    const json& d = (*body)["disclosed"];
    if (!d.is_array() || d.size() > 16) {
      return Problem(Error(ErrorId::kInvalidArgument, "disclosed: an array of categories"));
    }
    for (const auto& item : d) {
      if (!item.is_string() || item.get<std::string>().size() > 32) {
        return Problem(Error(ErrorId::kInvalidArgument, "disclosed: an array of categories"));
      }
      a.disclosed.push_back(item.get<std::string>());
    }
  }
  if (body->contains("persons_covered")) {
    const json& n = (*body)["persons_covered"];
    if (!n.is_number_integer() || n.get<int64_t>() < 0 || n.get<int64_t>() > 1000000000) {
      return Problem(Error(ErrorId::kInvalidArgument, "persons_covered: an integer 0..10^9"));
    }
    a.persons_covered = n.get<int64_t>();
  }
  Status s = WithCore([&](core::Context& ctx) {
    return core::AnswerDataRequest(ctx, *id, a, c.principal->actor());
  });
  if (!s.ok()) return Problem(s);
  auto row = WithCore([&](core::Context& ctx) {
    return core::GetDataRequest(ctx, *id, c.principal->actor());
  });
  if (!row.ok()) return Problem(row.status());
  return Json(200, DataRequestJson(*row));
}

}  // namespace cityid::http
