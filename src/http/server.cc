#include "http/server.h"

#include <sodium.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <thread>
#include <cstdio>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <nlohmann/json.hpp>

#include "auth/staff.h"
#include "auth/totp.h"
#include "credential/card.h"
#include "credential/presentation.h"
#include "credential/status_list.h"
#include "http/client_address.h"
#include "http/front_door.h"
#include "http/request_log.h"
#include "http/router.h"
#include "http/internal.h"
#include "http/openapi_json.h"
#include "http/problem.h"
#include "http/rbac.h"
#include "core/audit_log.h"
#include "http/routes_api.h"
#include "http/routes_clerk.h"
#include "http/routes_history.h"
#include "http/routes_people.h"
#include "http/routes_records.h"
#include "http/routes_print.h"
#include "http/routes_sites.h"

namespace cityid::http {
namespace {

// Request::route of a web page's file (StaticSite); -1 is "no route".
constexpr int kStaticRoute = -2;

using nlohmann::json;
using nlohmann::ordered_json;
using SteadyClock = std::chrono::steady_clock;

constexpr int64_t kStatusListValidSeconds = 48 * 3600;
constexpr size_t kMaxEvaluateDocuments = 20;

constexpr const char* kSessionCookie = "cityid_session";
constexpr const char* kCsrfHeader = "X-CSRF-Token";

// The start of a request-log line, without the closing brace: UTC time, what, request id,
// method, route pattern and pseudonymous staff id; never the raw path, body, cookie or client
// address. (Beast admits only token characters in a method; ids and patterns are ours.)
std::string LogPrefix(const char* msg, const Request& req, const char* pattern,
                      const std::string& staff_id) {
  std::string line;
  line.reserve(192);
  line += "{\"ts\":\"";
  line += LogTimestamp();
  line += "\",\"msg\":\"";
  line += msg;
  line += "\",\"id\":\"";
  line += req.request_id;
  line += "\",\"method\":\"";
  line += std::string_view(req.method).substr(0, 16);
  line += "\",\"route\":\"";
  line += pattern;
  line += "\",\"staff\":\"";
  line += staff_id;
  line += '"';
  return line;
}

// The authenticator's settings with the waiting logins sized to the worker pool: half the
// workers may wait for a password hash, the rest stay free for everything else.
auth::AuthConfig LoginConfig(const ServerConfig& c) {
  auth::AuthConfig a = c.auth;
  a.max_waiting_hashes = std::max(a.max_waiting_hashes, static_cast<int>(c.threads / 2));
  return a;
}

bool ChangesState(const std::string& method) {
  return method != "GET" && method != "HEAD" && method != "OPTIONS";
}


// Prometheus counters and latency sums. Thread-safe. Every labelled business counter starts
// at 0 for each of its label values, so a scraper sees the series before the first event
// (rate() over a series that appears mid-way misses its first increment).
class Metrics {
 public:
  Metrics() {
    for (const char* v : {"valid", "revoked", "expired", "invalid"}) verifications_[v] = 0;
    for (const char* k : {"issued", "renewed", "replaced"}) issuances_[k] = 0;
    for (const char* c : {"4xx", "5xx"}) errors_[c] = 0;
  }
  // `route`: a route pattern, a string literal (kept by reference).
  void Observe(std::string_view route, int status, double seconds) {
    std::lock_guard lock(mu_);
    requests_[{route, status}]++;
    auto& d = durations_[route];
    d.first += seconds;
    d.second++;
    if (status >= 400) errors_[status >= 500 ? "5xx" : "4xx"]++;
  }
  // An error answered outside any route (no such path, method not allowed, unreadable request).
  void UnroutedError(int status) {
    if (status < 400) return;
    std::lock_guard lock(mu_);
    errors_[status >= 500 ? "5xx" : "4xx"]++;
  }
  // An answer the front door gave itself (408, 413, 414, 429, 431, 503...).
  void Refused(int status) {
    UnroutedError(status);
    std::lock_guard lock(mu_);
    refused_[status]++;
  }
  void Verification(const char* verdict) {
    std::lock_guard lock(mu_);
    verifications_[verdict]++;
  }
  // Called once the change is committed (the handler answered 2xx).
  void Enrollment() {
    std::lock_guard lock(mu_);
    enrollments_++;
  }
  void Issuance(const char* kind) {
    std::lock_guard lock(mu_);
    issuances_[kind]++;
  }
  std::string Render() {
    std::lock_guard lock(mu_);
    std::string out;
    out += "# HELP cityid_enrollments_total Applications created over the API.\n";
    out += "# TYPE cityid_enrollments_total counter\n";
    out += "cityid_enrollments_total " + std::to_string(enrollments_) + "\n";
    out += "# HELP cityid_issuances_total Cards issued over the API, by kind (issued, renewed, replaced).\n";
    out += "# TYPE cityid_issuances_total counter\n";
    for (const auto& [k, v] : issuances_) {
      out += "cityid_issuances_total{kind=\"" + k + "\"} " + std::to_string(v) + "\n";
    }
    out += "# HELP cityid_http_errors_total HTTP error answers by status class.\n";
    out += "# TYPE cityid_http_errors_total counter\n";
    for (const auto& [k, v] : errors_) {
      out += "cityid_http_errors_total{class=\"" + k + "\"} " + std::to_string(v) + "\n";
    }
    out += "# HELP cityid_http_requests_total HTTP requests by route and status.\n";
    out += "# TYPE cityid_http_requests_total counter\n";
    for (const auto& [k, v] : requests_) {
      out += "cityid_http_requests_total{route=\"" + std::string(k.first) + "\",code=\"" +
             std::to_string(k.second) + "\"} " + std::to_string(v) + "\n";
    }
    out += "# HELP cityid_http_request_duration_seconds Request latency by route.\n";
    out += "# TYPE cityid_http_request_duration_seconds summary\n";
    for (const auto& [route, d] : durations_) {
      char sum[64];
      std::snprintf(sum, sizeof sum, "%.6f", d.first);
      out += "cityid_http_request_duration_seconds_sum{route=\"" + std::string(route) + "\"} " +
             sum + "\n";
      out += "cityid_http_request_duration_seconds_count{route=\"" + std::string(route) + "\"} " +
             std::to_string(d.second) + "\n";
    }
    out += "# HELP cityid_http_refused_total Requests the front door answered itself (limits, "
           "deadlines, connection caps), by status.\n";
    out += "# TYPE cityid_http_refused_total counter\n";
    for (int code : {400, 408, 413, 414, 429, 431, 501, 503, 505}) {
      auto it = refused_.find(code);
      out += "cityid_http_refused_total{code=\"" + std::to_string(code) + "\"} " +
             std::to_string(it == refused_.end() ? 0 : it->second) + "\n";
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
  std::map<std::pair<std::string_view, int>, uint64_t> requests_;
  std::map<std::string_view, std::pair<double, uint64_t>> durations_;
  std::map<std::string, uint64_t> verifications_;
  uint64_t enrollments_ = 0;
  std::map<std::string, uint64_t> issuances_;
  std::map<std::string, uint64_t> errors_;
  std::map<int, uint64_t> refused_;
};

}  // namespace

class Server::Impl {
 public:
  Impl(const ServerConfig& c, store::Store& s, const crypto::Keyring& k, const policy::Policy& p,
       const Clock& clock, Rng& rng, std::unique_ptr<Rng> owned_rng)
      : config_(c), store_(s), keys_(k), policy_(p), clock_(clock),
        public_keys_(k.PublicKeys(p.issuer())),
        owned_rng_(std::move(owned_rng)),
        rng_(rng),
        auth_(s, k.kek(), clock, rng_, LoginConfig(c)) {}

  Status Install();
  Result<int> Bind() {
    FrontDoorApp app;
    app.route = [this](Request& req) { return RouteRequest(req, routes_, router_); };
    app.handle = [this](Request& req) { return Handle(req, routes_); };
    app.refused = [this](int status) { metrics_.Refused(status); };
    app.exempt_from_client_cap = [this](const std::string& peer) {
      return config_.trusted_proxies.Contains(peer);
    };
    app.client_key = [](const std::string& peer) { return ClientLimitKey(peer); };
    const auto refused = app.refused;
    const auto client_key = app.client_key;
    door_->AddListener({config_.host, config_.port}, std::move(app), /*tls=*/true);
    if (config_.metrics_port >= 0) {
      FrontDoorApp metrics;
      metrics.route = [this](Request& req) {
        return RouteRequest(req, metrics_routes_, metrics_router_);
      };
      metrics.handle = [this](Request& req) { return Handle(req, metrics_routes_); };
      metrics.refused = refused;
      metrics.client_key = client_key;
      door_->AddListener({config_.metrics_host, config_.metrics_port}, std::move(metrics),
                         /*tls=*/false);
    }
    CITYID_ASSIGN_OR_RETURN(std::vector<int> ports, door_->Bind());
    if (ports.size() > 1) metrics_port_ = ports[1];
    return ports[0];
  }
  int MetricsPort() const { return metrics_port_; }
  Status Run() {
    // Housekeeping: checkpoint and truncate the WAL every minute, so the previous versions of
    // records re-keyed at issuance (address, photo dropped) do not linger in it.
    // And sign a tree head of the access log on its schedule when the log has grown, so that
    // every entry is covered by a signed head (and provable) within the interval.
    std::thread maintenance([this] {
      const int head_every = config_.tree_head_interval_seconds;
      const auto tick = std::chrono::seconds(head_every > 0 ? std::min(60, head_every) : 60);
      auto next_compact = SteadyClock::now() + std::chrono::seconds(60);
      auto next_head = SteadyClock::now() + std::chrono::seconds(std::max(head_every, 1));
      std::unique_lock lock(stop_mu_);
      while (!stopping_) {
        stop_cv_.wait_for(lock, tick);
        if (stopping_) break;
        lock.unlock();
        const auto now = SteadyClock::now();
        if (head_every > 0 && now >= next_head) {
          next_head = now + std::chrono::seconds(head_every);
          auto head = core::SignScheduledTreeHead(store_, keys_.log_signer(), clock_.Now());
          if (!head.ok()) {
            std::fprintf(stderr, "{\"msg\":\"tree head not signed\",\"error\":\"%s\"}\n",
                         GetErrorInfo(head.status().id()).slug);
          }
        }
        if (now >= next_compact) {
          next_compact = now + std::chrono::seconds(60);
          (void)store_.Compact();  // busy (a reader) is fine: next minute
        }
        lock.lock();
      }
    });
    StartRequestLog();
    Status served = door_->Run();
    StopRequestLog();
    {
      std::lock_guard lock(stop_mu_);
      stopping_ = true;
    }
    stop_cv_.notify_all();
    maintenance.join();
    return served;
  }
  void Stop() { door_->Stop(); }
  Status ReloadTls() { return door_->ReloadTls(); }
  Status CreateFrontDoor() {
    FrontDoorLimits limits = config_.limits;
    limits.worker_threads = config_.threads;
    limits.small_body_bytes = config_.max_body_bytes;
    CITYID_ASSIGN_OR_RETURN(door_, FrontDoor::Create(limits, config_.tls));
    return Status::Ok();
  }

 private:
  // Registers a route. kInternal when the RBAC table has no entry for it (nothing is reachable
  // without a deliberate entry in http/rbac.cc). Bodies over `max_body_bytes` (0: the
  // configured default) get 413.
  // `target`: the server to register on (the metrics listener for /metrics); null: the public one.
  // `never_blocks`: the handler only reads memory (no store, no lock held for long), so the
  // event loop answers it itself (FrontDoorApp::route).
  Status Route(const char* method, const char* pattern, const std::string& regex, Handler h,
               size_t max_body_bytes = 0, bool metrics_listener = false,
               bool never_blocks = false);
  // One registered route: what the event loop needs to route a request and pick its body
  // limit, and what a worker needs to answer it.
  struct RouteEntry {
    const char* method;
    const char* pattern;
    size_t body_limit;
    bool is_public;
    bool never_blocks;
    std::function<Reply(Request&)> run;
  };
  // On the event loop: finds the route (fills req.matches, req.route) and returns its body
  // limit (the default limit when there is none: a 404 still reads a small body).
  size_t RouteRequest(Request& req, const std::vector<RouteEntry>& routes,
                      const Router& router) const;
  // On a worker: the route's answer, or 404 / 405.
  Reply Handle(Request& req, const std::vector<RouteEntry>& routes);
  // The client as per-client limits count it (Call::client).
  std::string ClientOf(const Request& req) const;
  // `h`, counting the business event of its route (an enrollment, an issuance) in the metrics
  // when it answers 2xx, i.e. after core committed the change. Other routes: `h` itself.
  Handler CountingBusinessEvents(const char* method, const char* pattern, Handler h);
  // Runs the session and role checks of `rule` and then `h`.
  Reply Dispatch(const RouteRule& rule, const Request& req, std::string client,
                 const Handler& h, std::string* staff_id, const char* pattern);

  // Sessions and staff administration.
  Reply Login(const Call& c);
  Reply CurrentSession(const auth::Principal& p);
  Reply Logout(const Request& req, const auth::Principal& p);
  Reply ListStaffReply();
  Reply CreateStaff(const Call& c);
  Reply DisableStaffReply(const Call& c);
  // The session cookie; Secure when the client reached us over TLS (ClientUsesTls).
  std::string SessionCookie(const Request& req, const std::string& value,
                            int64_t max_age) const;
  // secure_cookies, or (with trust_proxy) the proxy's X-Forwarded-Proto says https.
  bool ClientUsesTls(const Request& req) const;

  Reply Healthz(const Request&) { return {200, R"({"status":"ok"})"}; }
  Reply Readyz(const Request&);
  Reply Keys(const Request&) {
    Reply r{200, public_keys_.ToJson()};
    r.cache_control = "public, max-age=3600";
    return r;
  }
  Reply StatusListJson(const Request& req);
  Reply Verify(const Request& req);
  Reply PolicyJson(const Request&) {
    Reply r{200, policy_.ToJson()};
    r.cache_control = "public, max-age=300";
    return r;
  }
  Reply Evaluate(const Request& req);
  Reply OpenApi(const Request&);
  Reply MetricsText(const Request& req) {
    if (!MetricsTokenMatches(req)) {
      Reply r(401,
              ProblemJson("unauthenticated", "Authentication required", 401,
                          "metrics need Authorization: Bearer <token>"),
              kProblem);
      r.headers.emplace_back("WWW-Authenticate", "Bearer");
      return r;
    }
    const store::StoreStats st = store_.Stats();
    std::string text = metrics_.Render();
    text += "# HELP cityid_store_commits_total Write transactions committed by this process.\n";
    text += "# TYPE cityid_store_commits_total counter\n";
    text += "cityid_store_commits_total " + std::to_string(st.commits) + "\n";
    text += "# HELP cityid_store_pages_written_total Database pages written by those commits "
            "(write-ahead log frames).\n";
    text += "# TYPE cityid_store_pages_written_total counter\n";
    text += "cityid_store_pages_written_total " + std::to_string(st.pages_written) + "\n";
    text += "# HELP cityid_http_open_connections Connections open now, both listeners.\n";
    text += "# TYPE cityid_http_open_connections gauge\n";
    text += "cityid_http_open_connections " + std::to_string(door_->OpenConnections()) + "\n";
    return {200, std::move(text), "text/plain; version=0.0.4", "no-store"};
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
  std::unique_ptr<Rng> owned_rng_;  // the system CSPRNG when no Rng was injected
  LockedRng rng_;
  auth::Authenticator auth_;
  std::unique_ptr<EnrollmentApi> api_;  // the staff enrollment API (http/routes_api.h)
  std::vector<std::string> registered_;  // "METHOD pattern", to check against the RBAC table
  // True when no metrics token is configured, or the request's bearer token is it.
  bool MetricsTokenMatches(const Request& req) const;

  std::unique_ptr<FrontDoor> door_;
  std::vector<RouteEntry> routes_;
  Router router_;
  std::vector<RouteEntry> metrics_routes_;  // only /metrics (ServerConfig::metrics_port)
  Router metrics_router_;
  int metrics_port_ = -1;
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

  // Emergency destruction (see Route and http/routes_records.h).
  std::shared_mutex keys_mu_;
  std::mutex keys_turnstile_;  // held by an approval while it waits for keys_mu_
  std::atomic<bool> keys_destroyed_{false};
  static Status KeysDestroyedError() {
    return Error(ErrorId::kKeysMissing,
                 "the data keys were destroyed (emergency destruction): no person record can "
                 "be opened or written and staff cannot sign in; cards can still be verified "
                 "and the access log read");
  }
};

Status Server::Impl::Route(const char* method, const char* pattern, const std::string& regex,
                           Handler h, size_t max_body_bytes, bool metrics_listener,
                           bool never_blocks) {
  const RouteRule* rule = FindRouteRule(method, pattern);
  if (rule == nullptr) {
    return Error(ErrorId::kInternal, std::string("route ") + method + " " + pattern +
                                         " has no entry in the RBAC table (http/rbac.cc)");
  }
  const std::string m = method;
  if (m != "GET" && m != "POST" && m != "PUT" && m != "DELETE") {
    return Error(ErrorId::kInternal, "route method " + m + " is not supported");
  }
  registered_.push_back(m + " " + pattern);
  const size_t body_limit = max_body_bytes == 0 ? config_.max_body_bytes : max_body_bytes;
  // Emergency destruction (http/routes_records.h): every request that could use the data
  // keys runs under a shared hold of keys_mu_, which the approval takes exclusively (it takes
  // it itself, after its session and role checks); once the keys are destroyed, the routes
  // that need them answer keys-missing. The answers held in memory never touch the data keys.
  const bool approves_destruction =
      std::string_view(pattern) == "/api/v1/destruction-requests/{id}/approve";
  const bool served_after_destruction = ServedAfterKeyDestruction(m, pattern);
  auto run = [this, rule, pattern, never_blocks, approves_destruction, served_after_destruction,
              h = std::move(h)](Request& req) {
    const auto start = SteadyClock::now();
    Reply r;
    std::string staff_id;
    try {
      // The answers held in memory count nothing per client: no need to resolve it.
      std::shared_lock<std::shared_mutex> keys_hold;
      if (!never_blocks && !approves_destruction) {
        // Through the turnstile first: an approval waiting for the exclusive hold holds it, so
        // a steady stream of requests cannot starve the approval (glibc's rwlock prefers
        // readers).
        { std::lock_guard<std::mutex> turnstile(keys_turnstile_); }
        keys_hold = std::shared_lock<std::shared_mutex>(keys_mu_);
      }
      if (keys_destroyed_.load() && !served_after_destruction) {
        r = Problem(KeysDestroyedError());
      } else {
        r = Dispatch(*rule, req, never_blocks ? std::string() : ClientOf(req), h, &staff_id,
                     pattern);
      }
    } catch (const std::exception&) {
      r = Problem(Error(ErrorId::kInternal, "unexpected exception"));
    }
    const double seconds = std::chrono::duration<double>(SteadyClock::now() - start).count();
    metrics_.Observe(pattern, r.status, seconds);
    // Structured access log, the end of the request (its start: Dispatch): route pattern and
    // pseudonymous staff id, never the raw path, body, cookie or client address.
    std::string line = LogPrefix("request", req, pattern, staff_id);
    const int64_t micros = static_cast<int64_t>(seconds * 1e6);
    line += ",\"status\":" + std::to_string(r.status) + ",\"ms\":" +
            std::to_string(micros / 1000) + '.';
    line += static_cast<char>('0' + micros / 100 % 10);
    line += static_cast<char>('0' + micros / 10 % 10);
    line += static_cast<char>('0' + micros % 10);
    // Past its deadline the client got 503 instead of this status.
    if (req.abandoned && req.abandoned->load()) line += ",\"late\":true";
    line += '}';
    LogLine(line);
    return r;
  };
  auto& routes = metrics_listener ? metrics_routes_ : routes_;
  CITYID_RETURN_IF_ERROR((metrics_listener ? metrics_router_ : router_).Add(m, regex, routes.size()));
  routes.push_back({method, pattern, body_limit, rule->is_public, never_blocks, std::move(run)});
  return Status::Ok();
}

size_t Server::Impl::RouteRequest(Request& req, const std::vector<RouteEntry>& routes,
                                  const Router& router) const {
  Router::Match m = router.Find(req.method, req.path);
  if (m.outcome != Router::Outcome::kFound) {
    req.route = -1;
    req.allowed_methods = std::move(m.allow);
    // The web pages (public port only): answered from memory on the event loop.
    if (&routes == &routes_ && config_.site && config_.site->Find(req.path) != nullptr) {
      if (req.method == "GET" || req.method == "HEAD") {
        req.route = kStaticRoute;
        req.answer_inline = true;
      } else {
        req.allowed_methods = "GET, HEAD";
      }
    }
    return config_.max_body_bytes;
  }
  req.route = static_cast<int>(m.id);
  req.matches = std::move(m.matches);
  const RouteEntry& route = routes[m.id];
  req.answer_inline = route.never_blocks;
  // A staff route reads a body beyond the default only from a client with a session cookie: an
  // anonymous one gets its 401 (or 413) after at most the default (else anyone could make the
  // server hold 7 MiB per connection of the photo route's bodies).
  if (!route.is_public && route.body_limit > config_.max_body_bytes &&
      CookieValue(req.get_header_value("Cookie"), kSessionCookie).empty()) {
    return config_.max_body_bytes;
  }
  return route.body_limit;
}

Reply Server::Impl::Handle(Request& req, const std::vector<RouteEntry>& routes) {
  if (req.route >= 0) return routes[static_cast<size_t>(req.route)].run(req);
  if (req.route == kStaticRoute) {
    Reply r = StaticSite::Serve(req, *config_.site->Find(req.path));
    metrics_.Observe("static", r.status, 0);
    // One line per file, like a route's (the path is not logged: a page's path names nothing
    // personal, but one rule for every line is easier to keep).
    LogLine(LogPrefix("request", req, "static", "") + ",\"status\":" + std::to_string(r.status) +
            ",\"ms\":0.000}");
    return r;
  }
  const bool wrong_method = !req.allowed_methods.empty();
  const int status = wrong_method ? 405 : 404;
  metrics_.UnroutedError(status);
  // Logged like a route's request, under no route (the path itself is never logged).
  LogLine(LogPrefix("request.start", req, "-", "") + '}');
  LogLine(LogPrefix("request", req, "-", "") + ",\"status\":" + std::to_string(status) +
          ",\"ms\":0.000}");
  Reply r(status,
          wrong_method ? ProblemJson("http-405", "Method Not Allowed", 405,
                                     "this resource does not take " + req.method)
                       : ProblemJson("http-404", "Not Found", 404, "no such resource"),
          kProblem);
  if (wrong_method) r.headers.emplace_back("Allow", req.allowed_methods);
  return r;
}

Handler Server::Impl::CountingBusinessEvents(const char* method, const char* pattern,
                                             Handler h) {
  const std::string route = std::string(method) + " " + pattern;
  std::function<void()> count;
  if (route == "POST /api/v1/applications") {
    count = [this] { metrics_.Enrollment(); };
  } else if (route == "POST /api/v1/applications/{id}/issue") {
    count = [this] { metrics_.Issuance("issued"); };
  } else if (route == "POST /api/v1/cards/{number}/renew") {
    count = [this] { metrics_.Issuance("renewed"); };
  } else if (route == "POST /api/v1/cards/{number}/replace") {
    count = [this] { metrics_.Issuance("replaced"); };
  } else {
    return h;
  }
  return [h = std::move(h), count = std::move(count)](const Call& c) {
    Reply r = h(c);
    if (r.status >= 200 && r.status < 300) count();
    return r;
  };
}

std::string Server::Impl::ClientOf(const Request& req) const {
  std::vector<std::string> forwarded;
  if (!config_.trusted_proxies.empty()) {
    const char* header = config_.trusted_proxies.header() == ForwardedHeader::kForwarded
                             ? "Forwarded"
                             : "X-Forwarded-For";
    // The last lines: a proxy appends its own line after whatever the client sent, and the
    // address is resolved from the right, so a client that sends many lines of its own must
    // not push the proxy's line out of the window.
    const size_t total = req.get_header_value_count(header);
    constexpr size_t kMaxLines = 32;
    for (size_t i = total > kMaxLines ? total - kMaxLines : 0; i < total; ++i) {
      forwarded.push_back(req.get_header_value(header, i));
    }
  }
  return ClientLimitKey(ResolveClientAddress(config_.trusted_proxies, req.remote_addr, forwarded));
}

bool Server::Impl::MetricsTokenMatches(const Request& req) const {
  if (config_.metrics_token.empty()) return true;
  const std::string header = req.get_header_value("Authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (header.size() <= kBearer.size() || header.compare(0, kBearer.size(), kBearer) != 0) {
    return false;
  }
  // Hashed first so that the comparison takes the same time whatever the lengths.
  auto digest = [](std::string_view text) {
    Bytes out(crypto_generichash_BYTES);
    crypto_generichash(out.data(), out.size(), reinterpret_cast<const uint8_t*>(text.data()),
                       text.size(), nullptr, 0);
    return out;
  };
  return ConstantTimeEquals(digest(std::string_view(header).substr(kBearer.size())),
                            digest(config_.metrics_token));
}

Reply Server::Impl::Dispatch(const RouteRule& rule, const Request& req, std::string client,
                             const Handler& h, std::string* staff_id, const char* pattern) {
  // The start of the request, once the actor is known: should the handler crash the process,
  // the log still says who called what.
  auto log_start = [&] {
    LogLine(LogPrefix("request.start", req, pattern, *staff_id) + '}');
  };
  if (rule.is_public) {
    log_start();
    return h(Call{req, nullptr, std::move(client)});
  }
  const std::string token = CookieValue(req.get_header_value("Cookie"), kSessionCookie);
  if (token.empty()) {
    return Problem(Error(ErrorId::kUnauthenticated, "log in first (POST /api/v1/sessions)"));
  }
  auto principal = auth_.Authenticate(token);
  if (!principal.ok()) return Problem(principal.status());
  *staff_id = principal->staff_id;
  if (!Allows(rule, principal->role)) {
    return Problem(Error(ErrorId::kRoleNotAllowed,
                         std::string("the ") + core::Name(principal->role) +
                             " role may not call this endpoint"));
  }
  // A cookie is sent by the browser on its own; a state change must also prove it comes from
  // our pages, which alone can read the CSRF token (SameSite=Strict is the second line).
  if (ChangesState(req.method) &&
      !auth::Authenticator::CsrfMatches(*principal, req.get_header_value(kCsrfHeader))) {
    return Problem(Error(ErrorId::kCsrfTokenInvalid,
                         std::string("header ") + kCsrfHeader +
                             " must carry the session's CSRF token"));
  }
  log_start();
  return h(Call{req, &*principal, std::move(client)});
}

Status Server::Impl::Install() {
  struct Spec {
    const char* method;
    const char* pattern;
    std::string regex;
    Handler handler;
  };
  const std::vector<Spec> specs = {
      {"GET", "/healthz", "/healthz", [this](const Call& c) { return Healthz(c.req); }},
      {"GET", "/readyz", "/readyz", [this](const Call& c) { return Readyz(c.req); }},
      {"GET", "/metrics", "/metrics", [this](const Call& c) { return MetricsText(c.req); }},
      {"GET", "/.well-known/cityid-keys", "/\\.well-known/cityid-keys",
       [this](const Call& c) { return Keys(c.req); }},
      {"GET", "/api/v1/openapi.json", "/api/v1/openapi\\.json",
       [this](const Call& c) { return OpenApi(c.req); }},
      {"GET", "/api/v1/status-lists/{id}", "/api/v1/status-lists/([^/]{1,64})",
       [this](const Call& c) { return StatusListJson(c.req); }},
      {"POST", "/api/v1/verify", "/api/v1/verify", [this](const Call& c) { return Verify(c.req); }},
      {"GET", "/api/v1/policy", "/api/v1/policy",
       [this](const Call& c) { return PolicyJson(c.req); }},
      {"POST", "/api/v1/policy/evaluate", "/api/v1/policy/evaluate",
       [this](const Call& c) { return Evaluate(c.req); }},
      {"POST", "/api/v1/sessions", "/api/v1/sessions", [this](const Call& c) { return Login(c); }},
      {"GET", "/api/v1/sessions/current", "/api/v1/sessions/current",
       [this](const Call& c) { return CurrentSession(*c.principal); }},
      {"DELETE", "/api/v1/sessions/current", "/api/v1/sessions/current",
       [this](const Call& c) { return Logout(c.req, *c.principal); }},
      {"GET", "/api/v1/staff", "/api/v1/staff", [this](const Call&) { return ListStaffReply(); }},
      {"POST", "/api/v1/staff", "/api/v1/staff", [this](const Call& c) { return CreateStaff(c); }},
      {"POST", "/api/v1/staff/{user}/disable", "/api/v1/staff/([^/]{1,64})/disable",
       [this](const Call& c) { return DisableStaffReply(c); }},
  };
  for (const auto& spec : specs) {
    // /metrics only on its own listener: the public port answers 404 for it.
    const std::string_view pattern = spec.pattern;
    const bool metrics_only = pattern == "/metrics";
    // Answers held in memory: no store, no Argon2id, no lock held for long.
    const bool never_blocks = pattern == "/healthz" || pattern == "/.well-known/cityid-keys" ||
                              pattern == "/api/v1/openapi.json" || pattern == "/api/v1/policy";
    CITYID_RETURN_IF_ERROR(Route(spec.method, spec.pattern, spec.regex, spec.handler, 0,
                                 metrics_only, never_blocks));
  }
  // The staff enrollment API. A card's status change reloads the cached revocation list at once.
  CITYID_ASSIGN_OR_RETURN(api_, EnrollmentApi::Create(store_, keys_, policy_, clock_, rng_, [this] {
                            std::lock_guard lock(cache_mu_);
                            cache_.clear();
                          }));
  for (const auto& spec : api_->Routes()) {
    CITYID_RETURN_IF_ERROR(Route(spec.method, spec.pattern, spec.regex,
                                 CountingBusinessEvents(spec.method, spec.pattern, spec.handler),
                                 spec.max_body_bytes));
  }
  // Sites and appointments (http/routes_sites.h).
  for (const auto& spec : SiteRoutes(store_, keys_, clock_, rng_, config_.public_limits)) {
    CITYID_RETURN_IF_ERROR(Route(spec.method, spec.pattern, spec.regex, spec.handler));
  }
  // The applicant's view of accesses to their record (http/routes_history.h).
  for (const auto& spec : HistoryRoutes(store_, keys_, clock_, rng_, config_.public_limits)) {
    CITYID_RETURN_IF_ERROR(Route(spec.method, spec.pattern, spec.regex, spec.handler));
  }
  // The admin console's staff and site routes (http/routes_people.h).
  for (const auto& spec : PeopleRoutes(store_, keys_, clock_, rng_)) {
    CITYID_RETURN_IF_ERROR(Route(spec.method, spec.pattern, spec.regex, spec.handler));
  }
  // The admin console's records and keys routes (http/routes_records.h).
  KeysGate gate;
  gate.approve = [this](std::string_view staff_id, std::string_view request_id)
      -> Result<core::DestructionOutcome> {
    if (config_.destructible_keys == nullptr) {
      return Error(ErrorId::kFailedPrecondition,
                   "this server cannot destroy keys: approve with `cityid keys destroy approve`");
    }
    std::lock_guard<std::mutex> turnstile(keys_turnstile_);
    std::unique_lock<std::shared_mutex> lock(keys_mu_);
    if (keys_destroyed_.load()) return KeysDestroyedError();
    auto out = core::ApproveDestruction(store_, *config_.destructible_keys, clock_, rng_,
                                        staff_id, request_id);
    // kIo: destruction began and the keys in memory were wiped anyway (core/destruction.h).
    if (out.ok() || out.status().id() == ErrorId::kIo) keys_destroyed_.store(true);
    return out;
  };
  gate.destroyed = [this] { return keys_destroyed_.load(); };
  gate.status_changed = [this] {
    std::lock_guard lock(cache_mu_);
    cache_.clear();
  };
  CITYID_ASSIGN_OR_RETURN(std::vector<RouteSpec> records_routes,
                          RecordsRoutes(store_, keys_, policy_, clock_, rng_, std::move(gate)));
  for (const auto& spec : records_routes) {
    CITYID_RETURN_IF_ERROR(Route(spec.method, spec.pattern, spec.regex, spec.handler));
  }
  // The print station's card PDF (http/routes_print.h).
  CITYID_ASSIGN_OR_RETURN(std::vector<RouteSpec> print_routes,
                          PrintRoutes(store_, keys_, policy_, clock_, rng_));
  for (const auto& spec : print_routes) {
    CITYID_RETURN_IF_ERROR(Route(spec.method, spec.pattern, spec.regex, spec.handler));
  }
  // The clerk's pages: the card's Latin spelling and the day's appointments (http/routes_clerk.h).
  CITYID_ASSIGN_OR_RETURN(std::vector<RouteSpec> clerk_routes, ClerkRoutes(store_, keys_, clock_, rng_));
  for (const auto& spec : clerk_routes) {
    CITYID_RETURN_IF_ERROR(Route(spec.method, spec.pattern, spec.regex, spec.handler,
                                 spec.max_body_bytes));
  }
  // And the other way round: every table entry is served (no stale entries).
  if (registered_.size() != RbacTable().size()) {
    return Error(ErrorId::kInternal, "the RBAC table lists routes the server does not serve");
  }
  return Status::Ok();
}


Reply Server::Impl::OpenApi(const Request&) {
  Reply r{200, kOpenApiJson};
  r.cache_control = "public, max-age=3600";
  return r;
}

Reply Server::Impl::Readyz(const Request&) {
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

Reply Server::Impl::StatusListJson(const Request& req) {
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


Reply Server::Impl::Verify(const Request& req) {
  auto body = ParseJsonBody(req);
  if (!body.ok()) return Problem(body.status());
  if (Status s = OnlyKeys(*body, {"payload"}, ""); !s.ok()) return Problem(s);
  if (!body->contains("payload") || !(*body)["payload"].is_string()) {
    return Problem(Error(ErrorId::kMissingField, "payload: required, a string"));
  }
  const std::string payload = (*body)["payload"].get<std::string>();
  // A card or a presentation made from one (`cityid present`, docs/card-format.md §10): both
  // carry the card's status reference, checked against the current list the same way.
  credential::Verdict verdict;
  Status failure;
  std::optional<credential::CwtMeta> meta;
  std::string list_id;
  uint32_t index = 0;
  const bool presentation = credential::IsPresentation(payload);
  if (presentation) {
    auto outcome = credential::VerifyPresentation(payload, public_keys_, clock_.Now(), nullptr);
    verdict = outcome.verdict;
    failure = std::move(outcome.failure);
    meta = outcome.meta;
    list_id = outcome.status_list_id;
    index = outcome.status_index;
  } else {
    auto outcome = credential::VerifyCard(payload, public_keys_, clock_.Now(), nullptr);
    verdict = outcome.verdict;
    failure = std::move(outcome.failure);
    meta = outcome.meta;
    if (outcome.claims) {
      list_id = outcome.claims->status_list_id;
      index = outcome.claims->status_index;
    }
  }
  std::string revocation = "not checked";
  if (verdict == credential::Verdict::kValid && !list_id.empty()) {
    auto list = CurrentList(list_id);
    if (!list.ok()) {
      verdict = credential::Verdict::kInvalid;
      failure = Error(ErrorId::kBadStatusList, "the card's status list is unknown here");
    } else if (index >= (*list)->size()) {
      verdict = credential::Verdict::kInvalid;
      failure = Error(ErrorId::kBadStatusList, "status index outside the list");
    } else if ((*list)->IsSet(index)) {
      verdict = credential::Verdict::kRevoked;
      failure = Error(ErrorId::kCardRevoked, "card revoked");
      revocation = "checked";
    } else {
      revocation = "checked";
    }
  }
  metrics_.Verification(credential::VerdictName(verdict));
  // Status only: the verifier holds the card; the server confirms, it does not disclose.
  ordered_json j;
  j["verdict"] = credential::VerdictName(verdict);
  j["kind"] = presentation ? "presentation" : "card";
  if (!failure.ok()) {
    j["reason"] = GetErrorInfo(failure.id()).slug;
    j["detail"] = failure.message();
  }
  if (meta) j["expires_at"] = meta->expires_at;
  j["revocation"] = revocation;
  return {200, j.dump()};
}

Reply Server::Impl::Evaluate(const Request& req) {
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

// ---- sessions and staff ----

namespace {

ordered_json SessionJson(const auth::Principal& p, const auth::AuthConfig& config) {
  ordered_json j;
  j["staff"] = {{"id", p.staff_id},
                {"user", p.user_name},
                {"role", core::Name(p.role)},
                {"site", p.site}};
  j["csrf_token"] = p.csrf_token;
  j["created_at"] = p.created_at;
  j["expires_at"] = p.expires_at;
  j["idle_timeout_seconds"] = config.idle_timeout_seconds;
  j["absolute_expires_at"] = p.created_at + config.absolute_timeout_seconds;
  return j;
}

}  // namespace

bool Server::Impl::ClientUsesTls(const Request& req) const {
  if (config_.secure_cookies) return true;
  if (!config_.trust_proxy && !config_.trusted_proxies.Contains(req.remote_addr)) return false;
  // A proxy chain may append: "https, http" -- the first hop is the client's.
  std::string proto = req.get_header_value("X-Forwarded-Proto");
  proto = proto.substr(0, proto.find(','));
  while (!proto.empty() && proto.back() == ' ') proto.pop_back();
  while (!proto.empty() && proto.front() == ' ') proto.erase(0, 1);
  for (auto& ch : proto) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return proto == "https";
}

std::string Server::Impl::SessionCookie(const Request& req, const std::string& value,
                                        int64_t max_age) const {
  std::string c = std::string(kSessionCookie) + "=" + value +
                  "; Path=/; Max-Age=" + std::to_string(max_age) + "; HttpOnly; SameSite=Strict";
  if (ClientUsesTls(req)) c += "; Secure";
  return c;
}

Reply Server::Impl::Login(const Call& c) {
  const Request& req = c.req;
  auto body = ParseJsonBody(req);
  if (!body.ok()) return Problem(body.status());
  if (Status s = OnlyKeys(*body, {"user", "password", "totp"}, ""); !s.ok()) return Problem(s);
  auth::LoginRequest login;
  for (auto [name, out, max, required] :
       {std::tuple<const char*, std::string*, size_t, bool>{"user", &login.user, 256, true},
        {"password", &login.password, 1024, true},
        {"totp", &login.totp, 16, false}}) {
    auto v = StringField(*body, name, max, required);
    if (!v.ok()) return Problem(v.status());
    *out = std::move(*v);
  }
  login.client_address = c.client;
  int64_t retry_after = 0;
  crypto::SecretBytes enrollment;
  auto result = auth_.Login(login, &retry_after, &enrollment);
  if (!result.ok() && result.status().id() == ErrorId::kTotpEnrollmentRequired) {
    // The secret, shown this once (the next such try makes another): its otpauth:// URI, the
    // base32 text for typing into an app, and the URI as a QR code the page shows as an image.
    Reply r = Problem(result.status());
    ordered_json j = ordered_json::parse(r.body);
    const std::string uri =
        auth::OtpauthUri("cityid " + policy_.city_name(), login.user, enrollment);
    j["otpauth_uri"] = uri;
    j["otpauth_secret"] = auth::Base32Encode(enrollment.view());
    auto svg = QrSvg(uri);
    if (svg.ok()) j["otpauth_qr_svg"] = *svg;
    r.body = j.dump();
    r.cache_control = "no-store";
    return r;
  }
  if (!result.ok()) {
    Reply r = Problem(result.status());
    if (retry_after > 0) r.headers.emplace_back("Retry-After", std::to_string(retry_after));
    return r;
  }
  Reply r{201, SessionJson(result->principal, config_.auth).dump()};
  r.headers.emplace_back("Set-Cookie",
                         SessionCookie(req, result->token, config_.auth.absolute_timeout_seconds));
  return r;
}

Reply Server::Impl::CurrentSession(const auth::Principal& p) {
  return {200, SessionJson(p, config_.auth).dump()};
}

Reply Server::Impl::Logout(const Request& req, const auth::Principal& p) {
  Status s = auth_.Logout(p);
  if (!s.ok()) return Problem(s);
  Reply r{204, ""};
  r.headers.emplace_back("Set-Cookie", SessionCookie(req, "", 0));
  // The browser drops its HTTP cache for this origin too: answers with personal data are
  // no-store already, so this is a second lock on a shared counter computer. Not "storage",
  // which would also wipe the offline verifier's cached keys and lists.
  r.headers.emplace_back("Clear-Site-Data", "\"cache\"");
  return r;
}

Reply Server::Impl::ListStaffReply() {
  auto rows = auth::ListStaff(store_);
  if (!rows.ok()) return Problem(rows.status());
  ordered_json j;
  j["staff"] = json::array();
  for (const auto& row : *rows) j["staff"].push_back(auth::StaffJson(row));
  return {200, j.dump()};
}

Reply Server::Impl::CreateStaff(const Call& c) {
  auto body = ParseJsonBody(c.req);
  if (!body.ok()) return Problem(body.status());
  if (Status s = OnlyKeys(*body, {"user", "role", "site", "password"}, ""); !s.ok()) {
    return Problem(s);
  }
  auth::StaffInput in;
  for (auto [name, out, max, required] :
       {std::tuple<const char*, std::string*, size_t, bool>{"user", &in.user, 64, true},
        {"role", &in.role, 16, true},
        {"site", &in.site, 64, false},
        {"password", &in.password, 1024, true}}) {
    auto v = StringField(*body, name, max, required);
    if (!v.ok()) return Problem(v.status());
    *out = std::move(*v);
  }
  // The administrator never sees the new account's TOTP secret: a supervisor or admin enrols
  // it at their first sign-in (auth/sessions.h). `cityid staff add` still enrols at once.
  in.enroll_totp = false;
  auto created = auth::AddStaff(store_, keys_.kek(), clock_, rng_, c.principal->actor(), in,
                                "cityid " + policy_.city_name());
  if (!created.ok()) return Problem(created.status());
  ordered_json j;
  j["staff"] = auth::StaffJson(created->row);
  return {201, j.dump()};
}

Reply Server::Impl::DisableStaffReply(const Call& c) {
  const std::string user = c.req.matches[1];
  if (Status s = auth::ValidateUserName(user); !s.ok()) return Problem(s);
  if (user == c.principal->user_name) {
    return Problem(Error(ErrorId::kFailedPrecondition,
                         "an administrator cannot disable their own account"));
  }
  auto row = auth::DisableStaff(store_, clock_, c.principal->actor(), user);
  if (!row.ok()) return Problem(row.status());
  ordered_json j;
  j["staff"] = auth::StaffJson(*row);
  return {200, j.dump()};
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Server::~Server() = default;

Result<std::unique_ptr<Server>> Server::Create(const ServerConfig& config, store::Store& store,
                                               const crypto::Keyring& keys,
                                               const policy::Policy& policy, const Clock& clock) {
  auto system_rng = std::make_unique<SystemRng>();
  Rng& rng = *system_rng;
  return CreateWith(config, store, keys, policy, clock, rng, std::move(system_rng));
}

Result<std::unique_ptr<Server>> Server::Create(const ServerConfig& config, store::Store& store,
                                               const crypto::Keyring& keys,
                                               const policy::Policy& policy, const Clock& clock,
                                               Rng& rng) {
  return CreateWith(config, store, keys, policy, clock, rng, nullptr);
}

Result<std::unique_ptr<Server>> Server::CreateWith(const ServerConfig& config,
                                                   store::Store& store,
                                                   const crypto::Keyring& keys,
                                                   const policy::Policy& policy,
                                                   const Clock& clock, Rng& rng,
                                                   std::unique_ptr<Rng> owned_rng) {
  if (config.threads == 0 || config.threads > 256) {
    return Error(ErrorId::kInvalidArgument, "threads must be 1..256");
  }
  if (config.auth.idle_timeout_seconds <= 0 ||
      config.auth.absolute_timeout_seconds < config.auth.idle_timeout_seconds) {
    return Error(ErrorId::kInvalidArgument,
                 "session timeouts: idle > 0 and absolute >= idle");
  }
  if (config.public_limits.requests_per_minute < 1 ||
      config.public_limits.wrong_pins_per_10_minutes < 1) {
    return Error(ErrorId::kInvalidArgument, "public rate limits must be at least 1");
  }
  if (config.destructible_keys != nullptr && config.destructible_keys != &keys) {
    return Error(ErrorId::kInvalidArgument, "destructible_keys must be the server's keyring");
  }
  auto impl = std::make_unique<Impl>(config, store, keys, policy, clock, rng, std::move(owned_rng));
  CITYID_RETURN_IF_ERROR(impl->CreateFrontDoor());
  CITYID_RETURN_IF_ERROR(impl->Install());
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Result<int> Server::Bind() { return impl_->Bind(); }
int Server::MetricsPort() const { return impl_->MetricsPort(); }
Status Server::Run() { return impl_->Run(); }
void Server::Stop() { impl_->Stop(); }
Status Server::ReloadTls() { return impl_->ReloadTls(); }

const std::vector<RouteInfo>& Server::Routes() {
  static const std::vector<RouteInfo> kRoutes = [] {
    std::vector<RouteInfo> out;
    for (const auto& r : RbacTable()) out.push_back({r.method, r.pattern});
    return out;
  }();
  return kRoutes;
}

}  // namespace cityid::http
