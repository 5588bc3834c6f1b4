#pragma once
// The HTTP server (`cityid serve`): public verification, keys, status lists, policy, health and
// metrics. Staff sessions, RBAC, appointments and the enrollment API build on this (issue 4).

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "crypto/keyring.h"
#include "policy/policy.h"
#include "store/store.h"

namespace cityid::http {

struct ServerConfig {
  std::string host = "127.0.0.1";
  int port = 8080;              // 0: pick a free port (tests)
  size_t threads = 8;
  size_t max_body_bytes = 64 * 1024;
  int read_timeout_seconds = 5;
  int write_timeout_seconds = 5;
  int status_refresh_seconds = 5;  // how stale the in-memory revocation list may get
};

// One documented route: the OpenAPI test checks every entry against docs (src/http/openapi.json).
struct RouteInfo {
  std::string method;   // "GET", "POST"
  std::string pattern;  // OpenAPI path, e.g. "/api/v1/status-lists/{id}"
};

class Server {
 public:
  // Borrowed: store, keys, policy and clock must outlive the server. Thread-safe once running.
  static Result<std::unique_ptr<Server>> Create(const ServerConfig& config, store::Store& store,
                                                const crypto::Keyring& keys,
                                                const policy::Policy& policy, const Clock& clock);
  ~Server();

  // Binds the listening socket. Returns the bound port (useful with port 0). kUnavailable if the
  // address is taken.
  Result<int> Bind();
  // Serves until Stop(); in-flight requests complete before it returns.
  Status Run();
  // Stops accepting connections; safe from any thread (and from a signal-watching thread).
  void Stop();

  static const std::vector<RouteInfo>& Routes();

 private:
  class Impl;
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cityid::http
