#pragma once
// The HTTP server (`cityid serve`): public verification, keys, status lists, policy, health and
// metrics; staff sessions (src/auth) and the staff admin API, every route gated by the RBAC
// table (http/rbac.h). Appointments and the enrollment API build on this (issue 4).

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "auth/sessions.h"
#include "base/clock.h"
#include "base/rng.h"
#include "base/status.h"
#include "crypto/keyring.h"
#include "http/client_address.h"
#include "http/static_site.h"
#include "http/front_door.h"
#include "policy/policy.h"
#include "store/store.h"

namespace cityid::http {

// Rate limits of the public (no session) appointment and access-history routes, per client
// address (http/routes_sites.h).
struct PublicRouteLimits {
  int requests_per_minute = 300;       // every public site/appointment/history request
  int wrong_pins_per_10_minutes = 20;  // wrong reference/PIN or card/date-of-birth answers
  // Wrong PINs for one booking reference, from any client (distributed guessing).
  int wrong_pins_per_booking_per_10_minutes = 10;
  // Live bookings (not cancelled, slot not yet started) one client may hold, in all and at
  // one site on one local day (core::BookingQuota).
  int max_bookings_per_client = 3;
  int max_bookings_per_client_site_day = 2;
};

struct ServerConfig {
  std::string host = "127.0.0.1";
  int port = 8080;              // 0: pick a free port (tests)
  size_t threads = 8;              // handler (worker) threads
  // Body limit of every route that does not set its own (POST /api/v1/applications does).
  size_t max_body_bytes = 64 * 1024;
  // The front door's limits: connections, deadlines, header and URL sizes (http/front_door.h;
  // worker_threads is `threads`).
  FrontDoorLimits limits;
  // Native TLS on the public port when set (PEM files, re-read by ReloadTls / SIGHUP). The
  // metrics listener stays plain HTTP (loopback or a private network).
  TlsFiles tls;
  int status_refresh_seconds = 5;  // how stale the in-memory revocation list may get (0: never)
  // Mark the session cookie Secure. Set it whenever clients reach the server over TLS (the
  // usual deployment terminates TLS at a reverse proxy in front of this process).
  bool secure_cookies = false;
  // Trust the X-Forwarded-Proto header of the reverse proxy in front of this process: a
  // request it marks "https" gets a Secure cookie even when secure_cookies is off. Only for a
  // server reachable solely through that proxy (anyone else could send the header).
  bool trust_proxy = false;
  // The reverse proxies whose forwarding header names the client (http/client_address.h):
  // every per-client limit and booking cap counts the forwarded address for requests from
  // these peers, and the peer address otherwise. From these peers X-Forwarded-Proto is
  // trusted too (as trust_proxy does for every peer).
  TrustedProxies trusted_proxies;
  // Prometheus /metrics is served only on its own listener, never on the public port (it counts
  // rare events exactly, which the transparency report suppresses under 10). metrics_port < 0:
  // no listener (the default); 0: any free port (tests, Server::MetricsPort()).
  std::string metrics_host = "127.0.0.1";
  int metrics_port = -1;
  // When not empty, the metrics listener also requires "Authorization: Bearer <token>"
  // (compared in constant time).
  std::string metrics_token;
  // Sign a tree head of the access log this often when it has grown (core::SignScheduledTreeHead);
  // 0: never (only `cityid audit head`).
  int tree_head_interval_seconds = 3600;
  auth::AuthConfig auth;  // session timeouts, login rate limits
  PublicRouteLimits public_limits;
  // The web pages (http/static_site.h), served on the public port at their paths; none when
  // null (the API alone).
  std::shared_ptr<const StaticSite> site;
  // The keyring passed to Create, writable, when this server may carry out an emergency
  // destruction approved on POST /api/v1/destruction-requests/{id}/approve (`cityid serve`
  // sets it; http/routes_records.h says what the server answers afterwards). Null: approving
  // answers 409 failed-precondition and the CLI (`cityid keys destroy approve`) must be used.
  // Must be the same object as Create's `keys` (kInvalidArgument otherwise).
  crypto::Keyring* destructible_keys = nullptr;
};

// One documented route: the OpenAPI test checks every entry against docs (src/http/openapi.json).
struct RouteInfo {
  std::string method;   // "GET", "POST"
  std::string pattern;  // OpenAPI path, e.g. "/api/v1/status-lists/{id}"
};

class Server {
 public:
  // Borrowed: store, keys, policy and clock must outlive the server. Thread-safe once running.
  // Session tokens come from the system CSPRNG. kInvalidArgument for a bad config; kInternal
  // when a route has no RBAC entry (http/rbac.h).
  static Result<std::unique_ptr<Server>> Create(const ServerConfig& config, store::Store& store,
                                                const crypto::Keyring& keys,
                                                const policy::Policy& policy, const Clock& clock);
  // The same with an injected Rng (tests); `rng` must outlive the server and need not be
  // thread-safe (the server serializes its use).
  static Result<std::unique_ptr<Server>> Create(const ServerConfig& config, store::Store& store,
                                                const crypto::Keyring& keys,
                                                const policy::Policy& policy, const Clock& clock,
                                                Rng& rng);
  ~Server();

  // Binds the listening socket. Returns the bound port (useful with port 0). kUnavailable if the
  // address is taken.
  Result<int> Bind();
  // The metrics listener's port once bound (Bind binds it too), or -1 when there is none.
  int MetricsPort() const;
  // Serves until Stop(); in-flight requests complete before it returns.
  Status Run();
  // Stops accepting connections, closes idle ones and lets in-flight requests finish within
  // the drain timeout; safe from any thread (and from a signal-watching thread).
  void Stop();
  // Re-reads the TLS certificate and key (SIGHUP); the old ones stay in use on error.
  Status ReloadTls();

  // Every route the server registers (the RBAC table's routes, http/rbac.h).
  static const std::vector<RouteInfo>& Routes();

 private:
  class Impl;
  explicit Server(std::unique_ptr<Impl> impl);
  static Result<std::unique_ptr<Server>> CreateWith(const ServerConfig& config,
                                                    store::Store& store,
                                                    const crypto::Keyring& keys,
                                                    const policy::Policy& policy,
                                                    const Clock& clock, Rng& rng,
                                                    std::unique_ptr<Rng> owned_rng);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cityid::http
