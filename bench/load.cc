// HTTP load benchmark for `cityid serve`, loopback only, bounded in time.
//
//   build/bench/cityid_load [--connections 32] [--seconds 5] [--persons N]
//
// Starts an in-process server on 127.0.0.1 (free port) over a temporary data folder with one
// issued card, then drives it with N keep-alive client connections (one thread each) and
// prints requests/s and latency percentiles for GET /healthz and POST /api/v1/verify, and their
// ratio (target: verify >= 0.5x healthz, verify p99 < 10 ms at 32 connections).
// --persons N first seeds N more persons, each with an application, written through the store
// directly (a real wrapped data key and sealed record each, no audit entries, 2,000 per
// transaction) so a large store is quick to build; then the process's resident memory is
// printed after seeding, with the server idle and after the load.
#include <httplib.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/ids.h"
#include "core/workflow.h"
#include "crypto/envelope.h"
#include "http/server.h"
#include "store/sqlite/sqlite_store.h"

namespace cityid::bench {
namespace {

using SteadyClock = std::chrono::steady_clock;

struct LoadResult {
  double rps = 0;
  double p50_ms = 0, p99_ms = 0;
  size_t errors = 0;
};

LoadResult Drive(int port, int connections, double seconds, const std::string& method,
                 const std::string& path, const std::string& body) {
  std::vector<std::vector<double>> latencies(connections);
  std::vector<size_t> errors(connections, 0);
  const auto deadline = SteadyClock::now() + std::chrono::duration<double>(seconds);
  std::vector<std::thread> threads;
  for (int c = 0; c < connections; ++c) {
    threads.emplace_back([&, c] {
      httplib::Client client("127.0.0.1", port);
      client.set_keep_alive(true);
      client.set_tcp_nodelay(true);
      while (SteadyClock::now() < deadline) {
        const auto t0 = SteadyClock::now();
        auto res = method == "GET" ? client.Get(path.c_str())
                                   : client.Post(path.c_str(), body, "application/json");
        const double ms = std::chrono::duration<double, std::milli>(SteadyClock::now() - t0).count();
        if (!res || res->status != 200) {
          ++errors[c];
        } else {
          latencies[c].push_back(ms);
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  std::vector<double> all;
  LoadResult r;
  for (int c = 0; c < connections; ++c) {
    all.insert(all.end(), latencies[c].begin(), latencies[c].end());
    r.errors += errors[c];
  }
  std::sort(all.begin(), all.end());
  r.rps = static_cast<double>(all.size()) / seconds;
  if (!all.empty()) {
    r.p50_ms = all[all.size() / 2];
    r.p99_ms = all[std::min(all.size() - 1, all.size() * 99 / 100)];
  }
  return r;
}

long RssKib() {
  struct rusage u;
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

// Current resident set (VmRSS) of this process, KiB; -1 if unreadable.
long CurrentRssKib() {
  FILE* f = std::fopen("/proc/self/status", "r");
  if (!f) return -1;
  char line[256];
  long kib = -1;
  while (std::fgets(line, sizeof line, f)) {
    if (std::sscanf(line, "VmRSS: %ld kB", &kib) == 1) break;
  }
  std::fclose(f);
  return kib;
}

// N persons with one application each, straight into the store.
Status SeedPersons(store::Store& store, const crypto::Keyring& keys, const Clock& clock, Rng& rng,
                   int64_t n) {
  constexpr int64_t kBatch = 2000;
  const std::string record =
      R"({"legal_name":{"given":"Seed","family":"Person"},"date_of_birth":"1990-04-12",)"
      R"("gender":"X","language":"es","address":{"line1":"1 Main St","city":"New York"}})";
  const UnixSeconds now = clock.Now();
  for (int64_t done = 0; done < n;) {
    const int64_t count = std::min(kBatch, n - done);
    CITYID_RETURN_IF_ERROR(store.Write([&](store::Tx& tx) -> Status {
      for (int64_t i = 0; i < count; ++i) {
        store::PersonRow p;
        p.id = core::NewId("per_", rng);
        const crypto::DataKey dk = crypto::NewDataKey(rng);
        p.wrapped_key = crypto::WrapDataKey(keys.kek(), dk, p.id, rng);
        p.sealed = crypto::SealRecord(
            dk, p.id, 1,
            ByteView(reinterpret_cast<const uint8_t*>(record.data()), record.size()), rng);
        p.created_at = p.updated_at = now;
        CITYID_RETURN_IF_ERROR(tx.InsertPerson(p));
        store::ApplicationRow a;
        a.id = core::NewId("app_", rng);
        a.person_id = p.id;
        a.state = "documents_checked";
        a.site = "city-hall";
        a.policy_version = "seed";
        a.evaluation_json = R"({"satisfied":true})";
        a.flags_json = "[]";
        a.created_by = "seed";
        a.created_at = a.updated_at = now;
        CITYID_RETURN_IF_ERROR(tx.InsertApplication(a));
      }
      return Status::Ok();
    }));
    done += count;
  }
  return Status::Ok();
}

int Main(int argc, char** argv) {
  int connections = 32;
  double seconds = 5;
  int64_t persons = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--connections" && i + 1 < argc) connections = std::max(1, std::atoi(argv[++i]));
    else if (a == "--seconds" && i + 1 < argc) seconds = std::clamp(std::atof(argv[++i]), 0.5, 60.0);
    else if (a == "--persons" && i + 1 < argc) persons = std::clamp(std::atoll(argv[++i]), 0LL, 10000000LL);
    else {
      std::fprintf(stderr, "usage: cityid_load [--connections N] [--seconds S] [--persons N]\n");
      return 2;
    }
  }
  if (!crypto::InitCrypto().ok()) return 1;
  const auto dir = std::filesystem::temp_directory_path() / ("cityid-load-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  SystemRng rng;
  auto keys = std::move(crypto::Keyring::Create((dir / "keys").string(), rng)).value();
  auto store = std::move(store::OpenSqliteStore((dir / "cityid.db").string())).value();
  const char* src = std::getenv("CITYID_SOURCE_DIR");
  auto policy_r = policy::Policy::Load(std::string(src ? src : ".") + "/policies/new-york-points.toml");
  if (!policy_r.ok()) {
    std::fprintf(stderr, "run from the repository root (or set CITYID_SOURCE_DIR): %s\n",
                 policy_r.status().ToString().c_str());
    return 1;
  }
  policy::Policy policy = std::move(policy_r).value();
  auto names = std::move(dedup::NameNormalizer::Create()).value();
  SystemClock clock;
  core::Context ctx{*store, *keys, policy, *names, clock, rng};
  core::ApplicantInput in;
  in.legal_name = {"Ana", "Lopez"};
  in.date_of_birth = {1990, 4, 12};
  const Date today = Date::FromUnix(clock.Now());
  in.documents.push_back({"foreign_passport", "P1", std::nullopt, today.AddYears(3)});
  in.documents.push_back({"utility_bill", "", today.AddDays(-5), std::nullopt});
  auto e = core::Enroll(ctx, in, {"load", core::Role::kClerk, ""});
  if (!e.ok() || !core::Approve(ctx, e->application_id, {"load-sup", core::Role::kSupervisor, ""}, "ok").ok()) {
    std::fprintf(stderr, "fixture enrollment failed\n");
    return 1;
  }
  auto card = core::Issue(ctx, e->application_id, {"load", core::Role::kClerk, ""});
  if (!card.ok()) return 1;
  long seeded_rss = -1;
  double seed_seconds = 0;
  if (persons > 0) {
    const auto t0 = SteadyClock::now();
    Status seeded = SeedPersons(*store, *keys, clock, rng, persons);
    if (!seeded.ok()) {
      std::fprintf(stderr, "seeding failed: %s\n", seeded.ToString().c_str());
      return 1;
    }
    seed_seconds = std::chrono::duration<double>(SteadyClock::now() - t0).count();
    seeded_rss = CurrentRssKib();
  }

  http::ServerConfig config;
  config.port = 0;
  config.threads = static_cast<size_t>(std::max(connections, 8));
  auto server = std::move(http::Server::Create(config, *store, *keys, policy, clock)).value();
  const int port = *server->Bind();
  std::thread serving([&] { (void)server->Run(); });
  // Keep the access log (stderr) out of the measurement.
  std::fflush(stderr);
  FILE* saved = std::freopen("/dev/null", "w", stderr);
  (void)saved;

  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const long idle_rss = CurrentRssKib();
  const std::string verify_body = nlohmann::json{{"payload", card->qr_text}}.dump();
  const LoadResult health = Drive(port, connections, seconds, "GET", "/healthz", "");
  const LoadResult verify = Drive(port, connections, seconds, "POST", "/api/v1/verify", verify_body);
  const long loaded_rss = CurrentRssKib();
  server->Stop();
  serving.join();

  std::printf("cityid HTTP load (loopback, %d keep-alive connections, %.1f s each)\n", connections, seconds);
  std::printf("  GET  /healthz          %10.0f req/s  p50 %.2f ms  p99 %.2f ms  errors %zu\n",
              health.rps, health.p50_ms, health.p99_ms, health.errors);
  std::printf("  POST /api/v1/verify    %10.0f req/s  p50 %.2f ms  p99 %.2f ms  errors %zu\n",
              verify.rps, verify.p50_ms, verify.p99_ms, verify.errors);
  std::printf("  verify / healthz       %10.2fx (target >= 0.5x: %s); verify p99 target < 10 ms: %s\n",
              verify.rps / health.rps, verify.rps / health.rps >= 0.5 ? "met" : "NOT met",
              verify.p99_ms < 10 ? "met" : "NOT met");
  if (persons > 0) {
    std::printf("  store: %lld seeded persons (+1 issued card) in %.1f s; RSS after seeding %ld KiB\n",
                static_cast<long long>(persons), seed_seconds, seeded_rss);
  }
  std::printf("  RSS with the server idle %ld KiB, after the load %ld KiB\n", idle_rss, loaded_rss);
  std::printf("  peak RSS (server and clients in one process) %ld KiB\n", RssKib());
  store.reset();
  std::filesystem::remove_all(dir);
  return 0;
}

}  // namespace
}  // namespace cityid::bench

int main(int argc, char** argv) { return cityid::bench::Main(argc, argv); }
