#include "http/server.h"

#include <httplib.h>

#include <chrono>
#include <condition_variable>
#include <thread>
#include <cstdio>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>

#include "credential/card.h"
#include "credential/status_list.h"
#include "http/openapi_json.h"
#include "http/problem.h"

namespace cityid::http {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;
using SteadyClock = std::chrono::steady_clock;

constexpr const char* kJson = "application/json";
constexpr const char* kProblem = "application/problem+json";
constexpr int64_t kStatusListValidSeconds = 48 * 3600;
constexpr size_t kMaxEvaluateDocuments = 20;

struct Reply {
  int status = 200;
  std::string body;
  std::string content_type = kJson;
  std::string cache_control = "no-store";
};

Reply Problem(const Status& s) {
  const int code = HttpStatusFor(s);
  return {code, ProblemJson(s, code), kProblem, "no-store"};
}


// Prometheus counters and latency sums. Thread-safe.
class Metrics {
 public:
  void Observe(const std::string& route, int status, double seconds) {
    std::lock_guard lock(mu_);
    requests_[{route, status}]++;
    auto& d = durations_[route];
    d.first += seconds;
    d.second++;
  }
  void Verification(const char* verdict) {
    std::lock_guard lock(mu_);
    verifications_[verdict]++;
  }
  std::string Render() {
    std::lock_guard lock(mu_);
    std::string out;
    out += "# HELP cityid_http_requests_total HTTP requests by route and status.\n";
    out += "# TYPE cityid_http_requests_total counter\n";
    for (const auto& [k, v] : requests_) {
      out += "cityid_http_requests_total{route=\"" + k.first + "\",code=\"" +
             std::to_string(k.second) + "\"} " + std::to_string(v) + "\n";
    }
    out += "# HELP cityid_http_request_duration_seconds Request latency by route.\n";
    out += "# TYPE cityid_http_request_duration_seconds summary\n";
    for (const auto& [route, d] : durations_) {
      char sum[64];
      std::snprintf(sum, sizeof sum, "%.6f", d.first);
      out += "cityid_http_request_duration_seconds_sum{route=\"" + route + "\"} " + sum + "\n";
      out += "cityid_http_request_duration_seconds_count{route=\"" + route + "\"} " +
             std::to_string(d.second) + "\n";
    }
    out += "# HELP cityid_verifications_total Card verifications by verdict.\n";
    out += "# TYPE cityid_verifications_total counter\n";
    for (const auto& [k, v] : verifications_) {
      out += "cityid_verifications_total{verdict=\"" + k + "\"} " + std::to_string(v) + "\n";
    }
    return out;
  }

 private:
  std::mutex mu_;
  std::map<std::pair<std::string, int>, uint64_t> requests_;
  std::map<std::string, std::pair<double, uint64_t>> durations_;
  std::map<std::string, uint64_t> verifications_;
};

}  // namespace

class Server::Impl {
 public:
  Impl(const ServerConfig& c, store::Store& s, const crypto::Keyring& k, const policy::Policy& p,
       const Clock& clock)
      : config_(c), store_(s), keys_(k), policy_(p), clock_(clock),
        public_keys_(k.PublicKeys(p.issuer())) {}

  void Install();
  Result<int> Bind() {
    const int port = config_.port == 0 ? svr_.bind_to_any_port(config_.host)
                                       : (svr_.bind_to_port(config_.host, config_.port)
                                              ? config_.port
                                              : -1);
    if (port < 0) {
      return Error(ErrorId::kIo, "cannot listen on " + config_.host + ":" +
                                     std::to_string(config_.port) + " (in use?)");
    }
    return port;
  }
  Status Run() {
    // Housekeeping: checkpoint and truncate the WAL every minute, so the previous versions of
    // records re-keyed at issuance (address, photo dropped) do not linger in it.
    std::thread maintenance([this] {
      std::unique_lock lock(stop_mu_);
      while (!stopping_) {
        stop_cv_.wait_for(lock, std::chrono::seconds(60));
        if (stopping_) break;
        lock.unlock();
        (void)store_.Compact();  // busy (a reader) is fine: next minute
        lock.lock();
      }
    });
    const bool ok = svr_.listen_after_bind();
    {
      std::lock_guard lock(stop_mu_);
      stopping_ = true;
    }
    stop_cv_.notify_all();
    maintenance.join();
    if (!ok) return Error(ErrorId::kIo, "server stopped with an error");
    return Status::Ok();
  }
  void Stop() { svr_.stop(); }

 private:
  using Handler = std::function<Reply(const httplib::Request&)>;
  void Route(const char* method, const char* pattern, const std::string& regex, Handler h);

  Reply Healthz(const httplib::Request&) { return {200, R"({"status":"ok"})"}; }
  Reply Readyz(const httplib::Request&);
  Reply Keys(const httplib::Request&) {
    Reply r{200, public_keys_.ToJson()};
    r.cache_control = "public, max-age=3600";
    return r;
  }
  Reply StatusListJson(const httplib::Request& req);
  Reply Verify(const httplib::Request& req);
  Reply PolicyJson(const httplib::Request&) {
    Reply r{200, policy_.ToJson()};
    r.cache_control = "public, max-age=300";
    return r;
  }
  Reply Evaluate(const httplib::Request& req);
  Reply OpenApi(const httplib::Request&);
  Reply MetricsText(const httplib::Request&) {
    return {200, metrics_.Render(), "text/plain; version=0.0.4", "no-store"};
  }

  // The revocation list as the server knows it, refreshed from the store at most every
  // status_refresh_seconds (a revocation by another process shows up within that time).
  Result<std::shared_ptr<const credential::StatusList>> CurrentList(const std::string& id);

  ServerConfig config_;
  store::Store& store_;
  const crypto::Keyring& keys_;
  const policy::Policy& policy_;
  const Clock& clock_;
  const crypto::PublicKeySet public_keys_;
  httplib::Server svr_;
  Metrics metrics_;
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;

  struct CachedList {
    std::shared_ptr<const credential::StatusList> list;
    std::string signed_json;
    SteadyClock::time_point loaded;
  };
  std::mutex cache_mu_;
  std::map<std::string, CachedList> cache_;
};

void Server::Impl::Route(const char* method, const char* pattern, const std::string& regex,
                         Handler h) {
  auto wrapped = [this, pattern, h = std::move(h)](const httplib::Request& req,
                                                    httplib::Response& res) {
    const auto start = SteadyClock::now();
    Reply r;
    try {
      r = h(req);
    } catch (const std::exception&) {
      r = Problem(Error(ErrorId::kInternal, "unexpected exception"));
    }
    res.status = r.status;
    res.set_header("Cache-Control", r.cache_control);
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_content(r.body, r.content_type);
    const double seconds = std::chrono::duration<double>(SteadyClock::now() - start).count();
    metrics_.Observe(pattern, r.status, seconds);
    // Structured access log: route pattern, never the raw path or body (no personal data).
    std::fprintf(stderr, "{\"msg\":\"request\",\"method\":\"%s\",\"route\":\"%s\",\"status\":%d,"
                 "\"ms\":%.3f}\n", req.method.c_str(), pattern, r.status, seconds * 1000);
  };
  if (std::string(method) == "GET") {
    svr_.Get(regex, wrapped);
  } else {
    svr_.Post(regex, wrapped);
  }
}

void Server::Impl::Install() {
  svr_.new_task_queue = [n = config_.threads] { return new httplib::ThreadPool(n); };
  svr_.set_tcp_nodelay(true);  // small JSON replies: don't wait for Nagle
  svr_.set_keep_alive_max_count(10000);
  svr_.set_keep_alive_timeout(5);
  svr_.set_read_timeout(config_.read_timeout_seconds, 0);
  svr_.set_write_timeout(config_.write_timeout_seconds, 0);
  svr_.set_payload_max_length(config_.max_body_bytes);
  svr_.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return;
    std::string slug = "http-" + std::to_string(res.status);
    std::string title = res.status == 404   ? "Not Found"
                        : res.status == 405 ? "Method Not Allowed"
                        : res.status == 413 ? "Payload Too Large"
                        : res.status == 400 ? "Bad Request"
                                            : "HTTP error";
    std::string detail;
    if (res.status == 404) detail = "no such resource";
    if (res.status == 413) detail = "request body too large";
    res.set_content(ProblemJson(slug, title, res.status, detail), kProblem);
  });

  Route("GET", "/healthz", "/healthz", [this](const auto& r) { return Healthz(r); });
  Route("GET", "/readyz", "/readyz", [this](const auto& r) { return Readyz(r); });
  Route("GET", "/metrics", "/metrics", [this](const auto& r) { return MetricsText(r); });
  Route("GET", "/.well-known/cityid-keys", "/\\.well-known/cityid-keys",
        [this](const auto& r) { return Keys(r); });
  Route("GET", "/api/v1/openapi.json", "/api/v1/openapi\\.json",
        [this](const auto& r) { return OpenApi(r); });
  Route("GET", "/api/v1/status-lists/{id}", "/api/v1/status-lists/([^/]{1,64})",
        [this](const auto& r) { return StatusListJson(r); });
  Route("POST", "/api/v1/verify", "/api/v1/verify", [this](const auto& r) { return Verify(r); });
  Route("GET", "/api/v1/policy", "/api/v1/policy", [this](const auto& r) { return PolicyJson(r); });
  Route("POST", "/api/v1/policy/evaluate", "/api/v1/policy/evaluate",
        [this](const auto& r) { return Evaluate(r); });
}


Reply Server::Impl::OpenApi(const httplib::Request&) {
  Reply r{200, kOpenApiJson};
  r.cache_control = "public, max-age=3600";
  return r;
}

Reply Server::Impl::Readyz(const httplib::Request&) {
  Status s = store_.Read([](store::Tx& tx) { return tx.StatusListIds().status(); });
  if (!s.ok()) return Problem(Error(ErrorId::kStoreBusy, "store not ready"));
  return {200, R"({"status":"ready"})"};
}

Result<std::shared_ptr<const credential::StatusList>> Server::Impl::CurrentList(
    const std::string& id) {
  {
    std::lock_guard lock(cache_mu_);
    auto it = cache_.find(id);
    if (it != cache_.end() &&
        SteadyClock::now() - it->second.loaded < std::chrono::seconds(config_.status_refresh_seconds)) {
      return it->second.list;
    }
  }
  std::optional<store::StatusListRow> row;
  CITYID_RETURN_IF_ERROR(store_.Read([&](store::Tx& tx) -> Status {
    CITYID_ASSIGN_OR_RETURN(row, tx.GetStatusList(id));
    return Status::Ok();
  }));
  if (!row) return Error(ErrorId::kNotFound, "no status list with that id");
  CITYID_ASSIGN_OR_RETURN(auto list, credential::StatusList::FromBytes(row->id, row->bits));
  auto shared = std::make_shared<const credential::StatusList>(std::move(list));
  std::lock_guard lock(cache_mu_);
  cache_[id] = CachedList{shared, "", SteadyClock::now()};
  return std::shared_ptr<const credential::StatusList>(shared);
}

Reply Server::Impl::StatusListJson(const httplib::Request& req) {
  const std::string id = req.matches[1];
  for (char c : id) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') {
      return Problem(Error(ErrorId::kInvalidArgument, "status list id: letters, digits, - and _"));
    }
  }
  auto list = CurrentList(id);
  if (!list.ok()) return Problem(list.status());
  std::string body;
  {
    std::lock_guard lock(cache_mu_);
    CachedList& c = cache_[id];
    if (c.list == *list && !c.signed_json.empty()) body = c.signed_json;
  }
  if (body.empty()) {
    const UnixSeconds now = clock_.Now();
    auto signed_json =
        (*list)->ToSignedJson(keys_.issuer_signer(), policy_.issuer(), now, now + kStatusListValidSeconds);
    if (!signed_json.ok()) return Problem(signed_json.status());
    body = *signed_json;
    std::lock_guard lock(cache_mu_);
    CachedList& c = cache_[id];
    if (c.list == *list) c.signed_json = body;
  }
  Reply r{200, body};
  r.cache_control = "public, max-age=300";
  return r;
}

namespace {

Result<json> ParseJsonBody(const httplib::Request& req) {
  const std::string type = req.get_header_value("Content-Type");
  if (type.rfind("application/json", 0) != 0) {
    return Error(ErrorId::kInvalidArgument, "Content-Type must be application/json");
  }
  if (!IsValidUtf8(req.body)) return Error(ErrorId::kInvalidUtf8, "body is not valid UTF-8");
  json j = json::parse(req.body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return Error(ErrorId::kMalformedJson, "body must be a JSON object");
  }
  return j;
}

Status OnlyKeys(const json& j, std::initializer_list<const char*> allowed, const std::string& where) {
  for (auto it = j.begin(); it != j.end(); ++it) {
    bool ok = false;
    for (const char* a : allowed) ok = ok || it.key() == a;
    if (!ok) return Error(ErrorId::kUnknownField, where + "unknown field");
  }
  return Status::Ok();
}

}  // namespace

Reply Server::Impl::Verify(const httplib::Request& req) {
  auto body = ParseJsonBody(req);
  if (!body.ok()) return Problem(body.status());
  if (Status s = OnlyKeys(*body, {"payload"}, ""); !s.ok()) return Problem(s);
  if (!body->contains("payload") || !(*body)["payload"].is_string()) {
    return Problem(Error(ErrorId::kMissingField, "payload: required, a string"));
  }
  const std::string payload = (*body)["payload"].get<std::string>();
  auto outcome = credential::VerifyCard(payload, public_keys_, clock_.Now(), nullptr);
  std::string revocation = "not checked";
  if (outcome.verdict == credential::Verdict::kValid && outcome.claims) {
    auto list = CurrentList(outcome.claims->status_list_id);
    if (!list.ok()) {
      outcome.verdict = credential::Verdict::kInvalid;
      outcome.failure = Error(ErrorId::kBadStatusList, "the card's status list is unknown here");
    } else if (outcome.claims->status_index >= (*list)->size()) {
      outcome.verdict = credential::Verdict::kInvalid;
      outcome.failure = Error(ErrorId::kBadStatusList, "status index outside the list");
    } else if ((*list)->IsSet(outcome.claims->status_index)) {
      outcome.verdict = credential::Verdict::kRevoked;
      outcome.failure = Error(ErrorId::kCardRevoked, "card revoked");
      revocation = "checked";
    } else {
      revocation = "checked";
    }
  }
  metrics_.Verification(credential::VerdictName(outcome.verdict));
  // Status only: the verifier holds the card; the server confirms, it does not disclose.
  ordered_json j;
  j["verdict"] = credential::VerdictName(outcome.verdict);
  if (!outcome.failure.ok()) {
    j["reason"] = GetErrorInfo(outcome.failure.id()).slug;
    j["detail"] = outcome.failure.message();
  }
  if (outcome.meta) j["expires_at"] = outcome.meta->expires_at;
  j["revocation"] = revocation;
  return {200, j.dump()};
}

Reply Server::Impl::Evaluate(const httplib::Request& req) {
  auto body = ParseJsonBody(req);
  if (!body.ok()) return Problem(body.status());
  if (Status s = OnlyKeys(*body, {"documents", "date"}, ""); !s.ok()) return Problem(s);
  if (!body->contains("documents") || !(*body)["documents"].is_array()) {
    return Problem(Error(ErrorId::kMissingField, "documents: required, an array"));
  }
  const json& docs = (*body)["documents"];
  if (docs.size() > kMaxEvaluateDocuments) {
    return Problem(Error(ErrorId::kInvalidArgument, "documents: at most 20"));
  }
  std::vector<policy::PresentedDocument> presented;
  for (size_t i = 0; i < docs.size(); ++i) {
    const std::string where = "documents[" + std::to_string(i) + "]";
    const json& d = docs[i];
    if (!d.is_object()) return Problem(Error(ErrorId::kInvalidArgument, where + ": an object"));
    if (Status s = OnlyKeys(d, {"type", "issued", "expires", "has_number"}, where + ": "); !s.ok()) {
      return Problem(s);
    }
    policy::PresentedDocument p;
    if (!d.contains("type") || !d["type"].is_string() || d["type"].get<std::string>().size() > 64) {
      return Problem(Error(ErrorId::kInvalidArgument, where + ".type: a string of at most 64"));
    }
    p.type = d["type"].get<std::string>();
    for (const char* key : {"issued", "expires"}) {
      if (!d.contains(key)) continue;
      if (!d[key].is_string()) return Problem(Error(ErrorId::kInvalidDate, where + "." + key));
      auto date = Date::Parse(d[key].get<std::string>());
      if (!date.ok()) return Problem(date.status().WithContext(where + "." + key));
      (std::string(key) == "issued" ? p.issued : p.expires) = *date;
    }
    if (d.contains("has_number")) {
      if (!d["has_number"].is_boolean()) {
        return Problem(Error(ErrorId::kInvalidArgument, where + ".has_number: a boolean"));
      }
      p.has_number = d["has_number"].get<bool>();
    }
    presented.push_back(std::move(p));
  }
  Date today = Date::FromUnix(clock_.Now());
  const policy::Evaluation eval = policy_.Evaluate(presented, today);
  return {200, eval.ToJson()};
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Server::~Server() = default;

Result<std::unique_ptr<Server>> Server::Create(const ServerConfig& config, store::Store& store,
                                               const crypto::Keyring& keys,
                                               const policy::Policy& policy, const Clock& clock) {
  if (config.threads == 0 || config.threads > 256) {
    return Error(ErrorId::kInvalidArgument, "threads must be 1..256");
  }
  auto impl = std::make_unique<Impl>(config, store, keys, policy, clock);
  impl->Install();
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Result<int> Server::Bind() { return impl_->Bind(); }
Status Server::Run() { return impl_->Run(); }
void Server::Stop() { impl_->Stop(); }

const std::vector<RouteInfo>& Server::Routes() {
  static const std::vector<RouteInfo> kRoutes = {
      {"GET", "/healthz"},
      {"GET", "/readyz"},
      {"GET", "/metrics"},
      {"GET", "/.well-known/cityid-keys"},
      {"GET", "/api/v1/openapi.json"},
      {"GET", "/api/v1/status-lists/{id}"},
      {"POST", "/api/v1/verify"},
      {"GET", "/api/v1/policy"},
      {"POST", "/api/v1/policy/evaluate"},
  };
  return kRoutes;
}

}  // namespace cityid::http
