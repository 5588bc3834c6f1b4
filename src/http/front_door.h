#pragma once
// The HTTP front door: an event-driven HTTP/1.1 server on Boost.Beast over Asio. A few event-loop
// threads own every connection; a request reaches the worker pool (where handlers run, and may
// block on the store or Argon2id) only once it has been read completely and within its limits.
// No client can hold a worker by being slow, and an idle connection costs a socket and about
// 2 KiB. docs/architecture.md says why Beast; docs/operations.md names every limit.

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "http/request.h"

namespace cityid::http {

// Every limit has a safe default; `cityid serve` exposes each as a flag (docs/operations.md).
struct FrontDoorLimits {
  size_t io_threads = 1;                  // event-loop threads
  size_t worker_threads = 8;              // handler threads
  size_t max_connections = 10000;         // open connections in all (over: 503, closed)
  size_t max_connections_per_client = 256;  // per peer address (over: 429, closed)
  int header_timeout_ms = 10000;          // request line + headers, in all (over: 408)
  int body_timeout_ms = 30000;            // the whole body (over: 408)
  int write_timeout_ms = 10000;           // writing one answer
  int keep_alive_timeout_ms = 15000;      // idle between requests
  size_t max_requests_per_connection = 1000;
  int handler_timeout_ms = 30000;         // a handler's answer (over: 503, connection closed)
  int drain_timeout_ms = 10000;           // Stop(): in-flight requests finish within this
  size_t max_url_bytes = 8192;            // request target (over: 414)
  size_t max_header_bytes = 16384;        // header fields in all (over: 431)
  size_t max_header_count = 100;          // header fields (over: 431)
  // Bodies up to small_body_bytes (the server's default body limit) are bounded by the
  // connection caps; larger ones (a photo) reserve their size from max_large_body_bytes before
  // they are read (over: 503).
  uint64_t small_body_bytes = 64 * 1024;
  uint64_t max_large_body_bytes = 256ull << 20;
};

// What the front door asks of the application. Both are called concurrently.
struct FrontDoorApp {
  // On the event loop, once the request line and headers are read (body still unread): route
  // the request (fill req.matches, remember the route) and return its body limit in bytes.
  // Must be fast and must not block. May set req.answer_inline: `handle` is then called on the
  // event loop, so only for answers that never block.
  std::function<size_t(Request& req)> route;
  // On a worker, with the complete request: the answer.
  std::function<Reply(Request& req)> handle;
  // An answer the front door gives itself (400, 408, 413, 414, 429, 431, 503): count it.
  std::function<void(int status)> refused;
  // Exempt from max_connections_per_client (trusted reverse proxies, whose connections carry
  // many clients).
  std::function<bool(const std::string& peer)> exempt_from_client_cap;
  // The key per-client connection counts use (IPv6 per /56: http/client_address.h).
  std::function<std::string(const std::string& peer)> client_key;
};

struct Endpoint {
  std::string host;
  int port = 0;  // 0: any free port
};

struct TlsFiles {
  std::string cert_file;  // PEM chain
  std::string key_file;   // PEM private key
  bool enabled() const { return !cert_file.empty(); }
};

class FrontDoor {
 public:
  // Listeners are added before Bind; each serves `app` (the metrics listener has its own).
  static Result<std::unique_ptr<FrontDoor>> Create(const FrontDoorLimits& limits,
                                                   const TlsFiles& tls);
  ~FrontDoor();

  // Adds a listener for `app`; returns its index.
  size_t AddListener(Endpoint where, FrontDoorApp app, bool tls);
  // Binds every listener; returns the bound port of each. kIo when an address is taken.
  Result<std::vector<int>> Bind();
  // Serves until Stop() and the drain that follows it.
  Status Run();
  // Stops accepting, closes idle connections, lets in-flight requests finish within the drain
  // timeout, then closes the rest. Safe from any thread.
  void Stop();
  // Re-reads the TLS certificate and key; new connections use them. On error the old ones
  // stay in use.
  Status ReloadTls();
  // Open connections (tests and metrics).
  size_t OpenConnections() const;

  struct Impl;  // front_door.cc only (its connections reach it)

 private:
  explicit FrontDoor(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// A request id: 16 lower-case hex digits, SipHash of a process-wide counter under a random
// key (unique in the process; two ids tell nothing of the requests between them).
std::string NewRequestId();

// The time for log lines: UTC, ISO 8601 with milliseconds ("2026-12-07T19:00:00.123Z"), from
// the system's real clock (never the business clock a test may set).
std::string LogTimestamp();

}  // namespace cityid::http
