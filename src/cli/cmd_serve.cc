// cityid serve --data DIR [--listen HOST:PORT] [--policy FILE] [--secure-cookies] [--trust-proxy]
//              [--trusted-proxy ADDR...] [--metrics-listen HOST:PORT] [--metrics-token-file FILE]
//              [--max-bookings-per-client N] [--max-bookings-per-client-site-day N]
//              [--tls-cert FILE --tls-key FILE] [front-door limits: docs/operations.md]
#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <unistd.h>
#include <iostream>
#include <optional>
#include <thread>

#include "base/file.h"
#include "cli/common.h"
#include "http/server.h"

namespace cityid::cli {
namespace {

struct ServeOptions {
  std::string data = "data";
  std::string listen = "127.0.0.1:8080";
  std::string policy;
  size_t threads = 8;
  bool secure_cookies = false;
  bool trust_proxy = false;
  int tree_head_minutes = 60;
  int public_requests_per_minute = http::PublicRouteLimits{}.requests_per_minute;
  int status_refresh_seconds = http::ServerConfig{}.status_refresh_seconds;
  std::vector<std::string> trusted_proxies;
  std::string proxy_header = "x-forwarded-for";
  std::string metrics_listen = "off";
  std::string metrics_token_file;
  int max_bookings_per_client = http::PublicRouteLimits{}.max_bookings_per_client;
  int max_bookings_per_client_site_day = http::PublicRouteLimits{}.max_bookings_per_client_site_day;
  // The front door (http/front_door.h): seconds here, milliseconds there.
  size_t io_threads = http::FrontDoorLimits{}.io_threads;
  size_t max_connections = http::FrontDoorLimits{}.max_connections;
  size_t max_connections_per_client = http::FrontDoorLimits{}.max_connections_per_client;
  int header_timeout = http::FrontDoorLimits{}.header_timeout_ms / 1000;
  int body_timeout = http::FrontDoorLimits{}.body_timeout_ms / 1000;
  int keep_alive_timeout = http::FrontDoorLimits{}.keep_alive_timeout_ms / 1000;
  int handler_timeout = http::FrontDoorLimits{}.handler_timeout_ms / 1000;
  int drain_timeout = http::FrontDoorLimits{}.drain_timeout_ms / 1000;
  size_t max_requests_per_connection = http::FrontDoorLimits{}.max_requests_per_connection;
  size_t max_url_bytes = http::FrontDoorLimits{}.max_url_bytes;
  size_t max_header_bytes = http::FrontDoorLimits{}.max_header_bytes;
  size_t max_header_count = http::FrontDoorLimits{}.max_header_count;
  size_t max_body_bytes = http::ServerConfig{}.max_body_bytes;
  uint64_t body_memory_bytes = http::FrontDoorLimits{}.max_large_body_bytes;
  std::string tls_cert;
  std::string tls_key;
  std::string web_dir;  // empty: the build's web/dist when it exists
};

Result<std::pair<std::string, int>> ParseListen(const std::string& s,
                                                const std::string& flag = "--listen") {
  const auto colon = s.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return Error(ErrorId::kInvalidArgument, flag + ": expected HOST:PORT, e.g. 127.0.0.1:8080");
  }
  const std::string port_text = s.substr(colon + 1);
  int port = -1;
  if (port_text.empty() || port_text.size() > 5 ||
      port_text.find_first_not_of("0123456789") != std::string::npos ||
      (port = std::stoi(port_text)) > 65535) {
    return Error(ErrorId::kInvalidArgument, flag + ": port must be 0..65535");
  }
  return std::make_pair(s.substr(0, colon), port);
}

int Serve(const GlobalOptions& g, const ServeOptions& o) {
  // Block SIGTERM/SIGINT before any thread exists (opening the store starts a background
  // checkpointer): threads inherit the mask, so none of them can take the signal's default
  // action (exit without the graceful shutdown); the watcher below takes it with sigwait.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  Output out(g);
  auto addr = ParseListen(o.listen);
  if (!addr.ok()) return out.Fail(addr.status());
  std::optional<std::pair<std::string, int>> metrics_addr;
  if (o.metrics_listen != "off") {
    auto m = ParseListen(o.metrics_listen, "--metrics-listen");
    if (!m.ok()) return out.Fail(m.status());
    // Whatever the hosts: the two sockets could share the port (SO_REUSEPORT) and split the
    // public's connections between them, serving /metrics to the public.
    if (m->second != 0 && m->second == addr->second) {
      return out.Fail(Error(ErrorId::kInvalidArgument,
                            "--metrics-listen must use another port than --listen"));
    }
    metrics_addr = *m;
  }
  if (o.proxy_header != "x-forwarded-for" && o.proxy_header != "forwarded") {
    return out.Fail(
        Error(ErrorId::kInvalidArgument, "--proxy-header: x-forwarded-for or forwarded"));
  }
  auto proxies = http::TrustedProxies::Parse(
      o.trusted_proxies, o.proxy_header == "forwarded" ? http::ForwardedHeader::kForwarded
                                                       : http::ForwardedHeader::kXForwardedFor);
  if (!proxies.ok()) return out.Fail(proxies.status());
  std::string metrics_token;
  if (!o.metrics_token_file.empty()) {
    if (!metrics_addr) {
      return out.Fail(Error(ErrorId::kInvalidArgument,
                            "--metrics-token-file needs --metrics-listen HOST:PORT"));
    }
    auto token = ReadFileBounded(o.metrics_token_file, 4096);
    if (!token.ok()) return out.Fail(token.status().WithContext("--metrics-token-file"));
    metrics_token = std::move(*token);
    while (!metrics_token.empty() &&
           (metrics_token.back() == '\n' || metrics_token.back() == '\r' ||
            metrics_token.back() == ' ')) {
      metrics_token.pop_back();
    }
    if (metrics_token.size() < 16) {
      return out.Fail(Error(ErrorId::kInvalidArgument,
                            "--metrics-token-file: the token must be at least 16 characters"));
    }
  }
  // First start: create the data folder and its keys from the given policy.
  if (!PathExists(o.data + "/cityid.db")) {
    if (o.policy.empty()) {
      return out.Fail(Error(ErrorId::kStoreNotInitialized,
                            "'" + o.data + "' is not initialized; pass --policy POLICY.toml to "
                            "create it on first start (or run cityid init)"));
    }
    nlohmann::ordered_json j;
    Status s = InitializeDataDir(o.data, o.policy, j);
    if (!s.ok()) return out.Fail(s);
    std::fprintf(stderr, "{\"msg\":\"initialized data folder\",\"data\":\"%s\",\"issuer_key_id\":\"%s\"}\n",
                 o.data.c_str(), j["issuer_key_id"].get<std::string>().c_str());
  }
  auto dir = DataDir::Open(o.data, g);
  if (!dir.ok()) return out.Fail(dir.status());

  http::ServerConfig config;
  config.host = addr->first;
  config.port = addr->second;
  config.threads = o.threads;
  config.secure_cookies = o.secure_cookies;
  config.trust_proxy = o.trust_proxy;
  config.tree_head_interval_seconds = o.tree_head_minutes * 60;
  config.public_limits.requests_per_minute = o.public_requests_per_minute;
  config.status_refresh_seconds = o.status_refresh_seconds;
  config.public_limits.max_bookings_per_client = o.max_bookings_per_client;
  config.public_limits.max_bookings_per_client_site_day = o.max_bookings_per_client_site_day;
  config.trusted_proxies = *proxies;
  config.max_body_bytes = o.max_body_bytes;
  config.limits.io_threads = o.io_threads;
  config.limits.max_connections = o.max_connections;
  config.limits.max_connections_per_client = o.max_connections_per_client;
  config.limits.header_timeout_ms = o.header_timeout * 1000;
  config.limits.body_timeout_ms = o.body_timeout * 1000;
  config.limits.keep_alive_timeout_ms = o.keep_alive_timeout * 1000;
  config.limits.handler_timeout_ms = o.handler_timeout * 1000;
  config.limits.drain_timeout_ms = o.drain_timeout * 1000;
  config.limits.max_requests_per_connection = o.max_requests_per_connection;
  config.limits.max_url_bytes = o.max_url_bytes;
  config.limits.max_header_bytes = o.max_header_bytes;
  config.limits.max_header_count = o.max_header_count;
  config.limits.max_large_body_bytes = o.body_memory_bytes;
  if (o.tls_cert.empty() != o.tls_key.empty()) {
    return out.Fail(Error(ErrorId::kInvalidArgument, "--tls-cert and --tls-key go together"));
  }
  config.tls = {o.tls_cert, o.tls_key};
  // A server that speaks TLS itself marks its session cookie Secure.
  if (config.tls.enabled()) config.secure_cookies = true;
  if (metrics_addr) {
    config.metrics_host = metrics_addr->first;
    config.metrics_port = metrics_addr->second;
    config.metrics_token = std::move(metrics_token);
  }
  // The web pages (web/dist, built by web/build.mjs with the rest of the build). A folder
  // named with --web-dir must load; the build's own is optional (an API-only server warns).
  if (o.web_dir != "off") {
    const bool named = !o.web_dir.empty();
    const std::string web_dir = named ? o.web_dir : std::string(CITYID_DEFAULT_WEB_DIR);
    auto site = http::StaticSite::Load(web_dir);
    if (site.ok()) {
      config.site = std::move(*site);
    } else if (named) {
      return out.Fail(site.status());
    } else {
      std::fprintf(stderr,
                   "{\"ts\":\"%s\",\"msg\":\"web pages not found: serving the API only "
                   "(node web/build.mjs builds them; --web-dir names another folder)\"}\n",
                   http::LogTimestamp().c_str());
    }
  }
  config.destructible_keys = &(*dir)->mutable_keys();
  auto server = http::Server::Create(config, (*dir)->store(), (*dir)->keys(), (*dir)->policy(),
                                     (*dir)->clock());
  if (!server.ok()) return out.Fail(server.status());
  auto port = (*server)->Bind();
  if (!port.ok()) return out.Fail(port.status());

  // Graceful shutdown (the signals were blocked above): SIGTERM/SIGINT stop accepting;
  // in-flight requests finish (within --drain-timeout); the store closes cleanly (checkpoint)
  // before exit. SIGHUP re-reads the TLS certificate and key. Signals are handled by one
  // thread via sigwait.
  std::atomic<bool> finished{false};
  std::thread watcher([&] {
    for (;;) {
      int sig = 0;
      sigwait(&signals, &sig);
      if (finished) return;
      if (sig == SIGHUP) {
        if (!config.tls.enabled()) {
          std::fprintf(stderr, "{\"ts\":\"%s\",\"msg\":\"SIGHUP ignored: no TLS\"}\n",
                       http::LogTimestamp().c_str());
          continue;
        }
        Status reloaded = (*server)->ReloadTls();
        nlohmann::ordered_json line;
        line["ts"] = http::LogTimestamp();
        line["msg"] = reloaded.ok() ? "TLS certificate reloaded"
                                    : "TLS reload failed; the old certificate stays in use";
        if (!reloaded.ok()) line["error"] = reloaded.message();  // escaped: it names a path
        std::fprintf(stderr, "%s\n",
                     line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace)
                         .c_str());
        continue;
      }
      std::fprintf(stderr, "{\"ts\":\"%s\",\"msg\":\"shutting down\",\"signal\":%d}\n",
                   http::LogTimestamp().c_str(), sig);
      (*server)->Stop();
      break;
    }
    // Draining. A handler that never returns would keep the process forever: a second
    // SIGTERM/SIGINT, or the drain timeout and 10 s more, end it without waiting (committed
    // changes are safe in the store's log; the one in progress is rolled back).
    const auto give_up = std::chrono::steady_clock::now() +
                         std::chrono::milliseconds(config.limits.drain_timeout_ms) +
                         std::chrono::seconds(10);
    for (;;) {
      const auto left = give_up - std::chrono::steady_clock::now();
      const auto left_ns = std::max<int64_t>(
          0, std::chrono::duration_cast<std::chrono::nanoseconds>(left).count());
      timespec wait{static_cast<time_t>(left_ns / 1000000000), static_cast<long>(left_ns % 1000000000)};
      const int sig = sigtimedwait(&signals, nullptr, &wait);
      if (finished) return;
      if (sig == SIGHUP) continue;
      if (sig < 0 && errno == EINTR) continue;
      std::fprintf(stderr,
                   "{\"ts\":\"%s\",\"msg\":\"%s; exiting with requests still running\"}\n",
                   http::LogTimestamp().c_str(),
                   sig < 0 ? "drain did not finish in time" : "second signal");
      std::fflush(stderr);
      _exit(kExitInternal);
    }
  });

  std::cout << "cityid: serving " << (*dir)->policy().city_name() << " on "
            << (config.tls.enabled() ? "https://" : "http://")
            << config.host << ":" << *port << " (data " << o.data << ")" << std::endl;
  if ((*server)->MetricsPort() >= 0) {
    std::cout << "cityid: metrics on http://" << config.metrics_host << ":"
              << (*server)->MetricsPort() << "/metrics" << std::endl;
  }
  Status s = (*server)->Run();
  finished = true;
  pthread_kill(watcher.native_handle(), SIGTERM);  // wake the watcher if Run ended by itself
  watcher.join();
  if (!s.ok()) return out.Fail(s);
  return kExitOk;
}

}  // namespace

void RegisterServe(CLI::App& app, GlobalOptions& g, Runner& run) {
  auto o = std::make_shared<ServeOptions>();
  auto* cmd = app.add_subcommand("serve", "Run the HTTP API (public verification, keys, status lists, policy)");
  cmd->add_option("--data", o->data, "Data folder (created on first start with --policy)")
      ->capture_default_str();
  cmd->add_option("--listen", o->listen, "Address to listen on (port 0: any free port)")
      ->capture_default_str();
  cmd->add_option("--policy", o->policy, "City policy for a data folder's first start");
  cmd->add_option("--threads", o->threads, "Worker threads")->capture_default_str();
  cmd->add_option("--web-dir", o->web_dir,
                  "Folder of the web pages to serve (default: the build's web/dist; off: the API "
                  "only)");
  cmd->add_flag("--secure-cookies", o->secure_cookies,
                "Mark the session cookie Secure (clients reach the server over TLS, e.g. through "
                "a TLS-terminating proxy)");
  cmd->add_flag("--trust-proxy", o->trust_proxy,
                "Trust X-Forwarded-Proto from the reverse proxy: 'https' requests get a Secure "
                "cookie (only when the proxy is the sole way in)");
  cmd->add_option("--trusted-proxy", o->trusted_proxies,
                  "A reverse proxy (IP address or CIDR range; repeat or comma-separate) whose "
                  "forwarding header names the client: rate limits and booking caps count that "
                  "address for requests from it, the peer address otherwise");
  cmd->add_option("--proxy-header", o->proxy_header,
                  "The header the trusted proxies append the client to: x-forwarded-for or "
                  "forwarded (RFC 7239); the other is ignored")
      ->capture_default_str();
  cmd->add_option("--metrics-listen", o->metrics_listen,
                  "Serve Prometheus /metrics on this HOST:PORT only (keep it on loopback or a "
                  "private network; port 0: any free port), or off. The public port never "
                  "serves /metrics")
      ->capture_default_str();
  cmd->add_option("--metrics-token-file", o->metrics_token_file,
                  "Require 'Authorization: Bearer <token>' on the metrics listener; the file "
                  "holds the token (at least 16 characters)");
  cmd->add_option("--max-bookings-per-client", o->max_bookings_per_client,
                  "Live bookings one client address may hold (raise it for a kiosk or a "
                  "community organization booking for many)")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  cmd->add_option("--max-bookings-per-client-site-day", o->max_bookings_per_client_site_day,
                  "Live bookings one client address may hold at one site on one day")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  cmd->add_option("--tree-head-minutes", o->tree_head_minutes,
                  "Sign a tree head of the access log this often when it has grown (0: only "
                  "`cityid audit head`)")
      ->check(CLI::Range(0, 7 * 24 * 60))
      ->capture_default_str();
  cmd->add_option("--public-requests-per-minute", o->public_requests_per_minute,
                  "Per client address, on the public appointment and access-history routes "
                  "(raise it for a kiosk or a proxy that many applicants share)")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  cmd->add_option("--status-refresh-seconds", o->status_refresh_seconds,
                  "Reread the revocation lists from the store at most this often (0: on every "
                  "verification); a revocation made by the CLI is seen within that time")
      ->check(CLI::Range(0, 3600))
      ->capture_default_str();
  // The front door's limits (docs/operations.md, "HTTP limits").
  cmd->add_option("--io-threads", o->io_threads, "Event-loop threads (connections, parsing)")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  cmd->add_option("--max-connections", o->max_connections,
                  "Open connections in all; more are answered 503 and closed")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  cmd->add_option("--max-connections-per-client", o->max_connections_per_client,
                  "Open connections per client address (trusted proxies exempt); more are "
                  "answered 429 and closed")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  cmd->add_option("--header-timeout", o->header_timeout,
                  "Seconds for a request's line and headers in all (408 after)")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  cmd->add_option("--body-timeout", o->body_timeout, "Seconds for a request's body in all (408 after)")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  cmd->add_option("--keep-alive-timeout", o->keep_alive_timeout,
                  "Seconds an idle connection stays open between requests")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  cmd->add_option("--max-requests-per-connection", o->max_requests_per_connection,
                  "Requests on one connection before it is closed")
      ->check(CLI::Range(1, 10000000))
      ->capture_default_str();
  cmd->add_option("--handler-timeout", o->handler_timeout,
                  "Seconds a request may take to handle (503 after)")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  cmd->add_option("--drain-timeout", o->drain_timeout,
                  "Seconds in-flight requests get to finish on SIGTERM/SIGINT")
      ->check(CLI::Range(0, 3600))
      ->capture_default_str();
  cmd->add_option("--max-url-bytes", o->max_url_bytes, "Longest request target (414 over)")
      ->check(CLI::Range(64, 1 << 20))
      ->capture_default_str();
  cmd->add_option("--max-header-bytes", o->max_header_bytes,
                  "Header fields in all, in bytes (431 over)")
      ->check(CLI::Range(256, 1 << 24))
      ->capture_default_str();
  cmd->add_option("--max-header-count", o->max_header_count, "Header fields (431 over)")
      ->check(CLI::Range(8, 10000))
      ->capture_default_str();
  cmd->add_option("--max-body-bytes", o->max_body_bytes,
                  "Body limit of the routes without their own (413 over; POST "
                  "/api/v1/applications takes photos and has its own)")
      ->check(CLI::Range(1024, 1 << 26))
      ->capture_default_str();
  cmd->add_option("--body-memory-bytes", o->body_memory_bytes,
                  "Memory for bodies larger than --max-body-bytes (photos) being read at once; "
                  "a body that would pass it is answered 503")
      ->check(CLI::Range(uint64_t{1} << 20, uint64_t{1} << 40))
      ->capture_default_str();
  cmd->add_option("--tls-cert", o->tls_cert,
                  "Serve HTTPS with this PEM certificate chain (with --tls-key; re-read on "
                  "SIGHUP)");
  cmd->add_option("--tls-key", o->tls_key, "The PEM private key of --tls-cert");
  cmd->callback([&g, &run, o] { run = [&g, o] { return Serve(g, *o); }; });
}

}  // namespace cityid::cli
