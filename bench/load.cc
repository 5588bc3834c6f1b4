// HTTP load benchmark for `cityid serve`, loopback only, bounded in time.
//
//   build/bench/cityid_load [--connections 32] [--seconds 5] [--persons N]
//
// Starts an in-process server on 127.0.0.1 (free port) over a temporary data folder with one
// issued card, then drives it with N keep-alive client connections (one thread each) and
// prints requests/s and latency percentiles for GET /healthz and POST /api/v1/verify, and their
// ratio (target: verify >= 0.5x healthz, verify p99 < 10 ms at 32 connections); then books
// appointments from all connections at once for the same time and prints booking req/s and
// the double bookings found in the store afterwards (target 0).
// --persons N first seeds N more persons, each with an application, written through the store
// directly (a real wrapped data key and sealed record each, no audit entries, 2,000 per
// transaction) so a large store is quick to build; then the process's resident memory is
// printed after seeding, with the server idle and after the load.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <malloc.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string_view>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/appointments.h"
#include "core/ids.h"
#include "core/workflow.h"
#include "crypto/envelope.h"
#include "http/server.h"
#include "store/sqlite/sqlite_store.h"

namespace cityid::bench {
namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr const char* kLoadSite = "load-hall";
constexpr int kLoadCapacity = 4;

struct LoadResult {
  double rps = 0;
  double p50_ms = 0, p99_ms = 0;
  size_t errors = 0;
};

// One keep-alive client connection that writes each request in a single send(), as load
// generators such as wrk do (httplib's client writes a POST's headers and body in two, which
// costs the server a second wakeup per request that a real verifier's client need not cause).
class RawClient {
 public:
  explicit RawClient(int port) : port_(port) { Connect(); }
  ~RawClient() { Close(); }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  // Sends the request and reads one whole response; returns its status code, or -1 on an
  // error. A kept-alive connection the server has closed (it ends each after 10,000 requests or
  // 5 idle seconds) is reopened once, as any HTTP client would.
  int RoundTrip(const std::string& request) {
    const bool reused = used_;
    const int status = Once(request);
    if (status >= 0 || !reused) return status;
    Connect();
    return Once(request);
  }

 private:
  void Connect() {
    Close();
    used_ = false;
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port_));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) Close();
  }
  int Once(const std::string& request) {
    if (fd_ < 0) return -1;
    used_ = true;
    size_t sent = 0;
    while (sent < request.size()) {
      const ssize_t n = ::send(fd_, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return Fail();
      sent += static_cast<size_t>(n);
    }
    buf_.clear();
    size_t header_end = std::string::npos;
    while (header_end == std::string::npos) {
      if (!Read()) return Fail();
      header_end = buf_.find("\r\n\r\n");
    }
    // "HTTP/1.1 200 ..." and a Content-Length (the server always sends one).
    if (buf_.size() < 12) return Fail();
    const int status = std::atoi(buf_.c_str() + 9);
    size_t length = 0;
    const size_t cl = FindHeader("content-length:", header_end);
    if (cl == std::string::npos) return Fail();
    length = static_cast<size_t>(std::strtoul(buf_.c_str() + cl, nullptr, 10));
    while (buf_.size() < header_end + 4 + length) {
      if (!Read()) return Fail();
    }
    if (FindHeader("connection: close", header_end) != std::string::npos) Close();
    return status;
  }

  bool Read() {
    char chunk[8192];
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buf_.append(chunk, static_cast<size_t>(n));
    return true;
  }
  // Position just after `name` (lower case, with the colon) in the header block, or npos.
  size_t FindHeader(std::string_view name, size_t header_end) const {
    for (size_t line = buf_.find("\r\n"); line != std::string::npos && line < header_end;
         line = buf_.find("\r\n", line + 2)) {
      size_t i = 0;
      while (i < name.size() && line + 2 + i < buf_.size() &&
             std::tolower(static_cast<unsigned char>(buf_[line + 2 + i])) == name[i]) {
        ++i;
      }
      if (i == name.size()) return line + 2 + i;
    }
    return std::string::npos;
  }
  int Fail() {
    Close();
    return -1;
  }
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  int port_;
  std::string buf_;
  int fd_ = -1;
  bool used_ = false;
};

std::string Request(const std::string& method, const std::string& path, const std::string& body) {
  std::string r = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: */*\r\n";
  if (!body.empty()) {
    r += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  }
  return r + "\r\n" + body;
}

// Latencies (ms) and outcomes of one endpoint, accumulated over its slices, per client.
struct Samples {
  explicit Samples(int connections)
      : latencies(connections), errors(connections, 0), created(connections, 0),
        conflicts(connections, 0) {}
  std::vector<std::vector<double>> latencies;  // of answers counted as served
  std::vector<size_t> errors;
  std::vector<size_t> created;    // 201 answers
  std::vector<size_t> conflicts;  // 409 answers (a full slot: a correct answer for a booking)
  double seconds = 0;
};

// Drives one endpoint for `seconds` with the clients (a thread each, connections kept across
// slices) and appends to `samples`. Each request is one of `requests`, in an order that differs
// per client. 200 and 201 are served; 409 too when `conflict_is_answer` (bookings).
void Slice(std::vector<std::unique_ptr<RawClient>>& clients,
           const std::vector<std::string>& requests, double seconds, Samples& samples,
           bool conflict_is_answer = false) {
  const auto deadline = SteadyClock::now() + std::chrono::duration<double>(seconds);
  std::vector<std::thread> threads;
  for (size_t c = 0; c < clients.size(); ++c) {
    threads.emplace_back([&, c] {
      uint64_t next = c * 7919 + 1;
      while (SteadyClock::now() < deadline) {
        next = next * 6364136223846793005ULL + 1442695040888963407ULL;
        const std::string& request = requests[(next >> 33) % requests.size()];
        const auto t0 = SteadyClock::now();
        const int status = clients[c]->RoundTrip(request);
        const double ms = std::chrono::duration<double, std::milli>(SteadyClock::now() - t0).count();
        if (status == 201) ++samples.created[c];
        if (status == 409) ++samples.conflicts[c];
        if (status == 200 || status == 201 || (status == 409 && conflict_is_answer)) {
          samples.latencies[c].push_back(ms);
        } else {
          ++samples.errors[c];
          if (status < 0) return;  // cannot reach the server: this client stops
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  samples.seconds += seconds;
}

size_t Sum(const std::vector<size_t>& v) {
  size_t n = 0;
  for (size_t x : v) n += x;
  return n;
}

LoadResult Summarize(const Samples& s) {
  std::vector<double> all;
  LoadResult r;
  for (size_t c = 0; c < s.latencies.size(); ++c) {
    all.insert(all.end(), s.latencies[c].begin(), s.latencies[c].end());
    r.errors += s.errors[c];
  }
  std::sort(all.begin(), all.end());
  r.rps = static_cast<double>(all.size()) / s.seconds;
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
  auto ctx = std::make_unique<core::Context>(core::Context{*store, *keys, policy, *names, clock, rng});
  core::ApplicantInput in;
  in.legal_name = {"Ana", "Lopez"};
  in.date_of_birth = {1990, 4, 12};
  const Date today = Date::FromUnix(clock.Now());
  in.documents.push_back({"foreign_passport", "P1", std::nullopt, today.AddYears(3)});
  in.documents.push_back({"utility_bill", "", today.AddDays(-5), std::nullopt});
  auto e = core::Enroll(*ctx, in, {"load", core::Role::kClerk, ""});
  if (!e.ok() || !core::Approve(*ctx, e->application_id, {"load-sup", core::Role::kSupervisor, ""}, "ok").ok()) {
    std::fprintf(stderr, "fixture enrollment failed\n");
    return 1;
  }
  auto card = core::Issue(*ctx, e->application_id, {"load", core::Role::kClerk, ""});
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
  // Serve as `cityid serve` would after a restart: a freshly opened store (no page cache left
  // from writing the fixture) and the heap the fixture freed given back.
  ctx.reset();
  store.reset();
  ::malloc_trim(0);
  store = std::move(store::OpenSqliteStore((dir / "cityid.db").string())).value();

  // A site open around the clock, 15-minute slots of kLoadCapacity seats, for the booking load:
  // 8 slots tomorrow to race for, and every slot of 30 days after that for throughput.
  core::BookingContext booking{*store, *keys, clock, rng};
  core::SiteInput site_in{kLoadSite, "Load test hall", "city_hall", "1 Centre St", "UTC",
                          "mon-sun 00:00-24:00", 15, kLoadCapacity, {}, ""};
  if (!core::AddSite(booking, site_in, {"load-admin", core::Role::kAdmin, ""}).ok()) {
    std::fprintf(stderr, "fixture site failed\n");
    return 1;
  }
  auto race_r = core::FreeSlots(booking, kLoadSite, today.AddDays(1), today.AddDays(1));
  auto slots_r = core::FreeSlots(booking, kLoadSite, today.AddDays(2), today.AddDays(31));
  if (!race_r.ok() || race_r->size() < 8 || !slots_r.ok() || slots_r->empty()) {
    std::fprintf(stderr, "no free slots\n");
    return 1;
  }
  const std::vector<core::Slot> race_slots(race_r->begin(), race_r->begin() + 8);
  const std::vector<core::Slot> slots = std::move(slots_r).value();

  http::ServerConfig config;
  config.port = 0;
  config.threads = static_cast<size_t>(std::max(connections, 8));
  // Every client is 127.0.0.1 here: lift the per-address limit of the public booking route.
  config.public_limits.requests_per_minute = 100000000;
  // And the live-booking caps per client (issue 14 §3): the bench books every seat itself.
  config.public_limits.max_bookings_per_client = 100000000;
  config.public_limits.max_bookings_per_client_site_day = 100000000;
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
  // The two endpoints alternate in 5 slices each, so drift on a shared machine hits both alike.
  constexpr int kSlices = 5;
  // One connection per client thread serves both endpoints (the server gives each kept-alive
  // connection a worker thread).
  std::vector<std::unique_ptr<RawClient>> clients;
  for (int c = 0; c < connections; ++c) clients.push_back(std::make_unique<RawClient>(port));
  const std::string health_request = Request("GET", "/healthz", "");
  const std::string verify_request = Request("POST", "/api/v1/verify", verify_body);
  Samples health_samples(connections), verify_samples(connections);
  for (int i = 0; i < kSlices; ++i) {
    Slice(clients, {health_request}, seconds / kSlices, health_samples);
    Slice(clients, {verify_request}, seconds / kSlices, verify_samples);
  }
  const LoadResult health = Summarize(health_samples);
  const LoadResult verify = Summarize(verify_samples);
  const long loaded_rss = CurrentRssKib();

  // Appointment booking, in two phases. Throughput: every client books random slots among
  // ~11,000 seats for `seconds` (few are full, so nearly every answer is a booking). Race: all
  // clients at once for the 32 seats of 8 slots, for a second, so each last seat is raced for.
  // Answers are 201 (booked) or 409 slot-full; afterwards the store must hold exactly the 201s,
  // no slot over its capacity and no seat twice.
  auto BookRequests = [&](const std::vector<core::Slot>& of) {
    std::vector<std::string> out;
    for (const auto& slot : of) {
      out.push_back(Request("POST", "/api/v1/appointments",
                            nlohmann::json{{"site", kLoadSite},
                                           {"slot", slot.start_utc},
                                           {"name", "Load Test"},
                                           {"language", "en"}}
                                .dump()));
    }
    return out;
  };
  Samples book_samples(connections), race_samples(connections);
  Slice(clients, BookRequests(slots), seconds, book_samples, /*conflict_is_answer=*/true);
  Slice(clients, BookRequests(race_slots), 1.0, race_samples, /*conflict_is_answer=*/true);
  clients.clear();
  const LoadResult book = Summarize(book_samples);
  const LoadResult race = Summarize(race_samples);
  const size_t booked = Sum(book_samples.created) + Sum(race_samples.created);
  int64_t live = 0, overfull = 0, bad_seats = 0;
  Status checked = store->Read([&](store::Tx& tx) -> Status {
    CITYID_ASSIGN_OR_RETURN(auto counts, tx.CountLiveBookings(kLoadSite, 0, INT64_MAX));
    for (const auto& [start, n] : counts) {
      live += n;
      if (n > kLoadCapacity) ++overfull;
      CITYID_ASSIGN_OR_RETURN(auto seats, tx.TakenSeats(kLoadSite, start));
      for (size_t i = 0; i < seats.size(); ++i) {
        if (seats[i] < 0 || seats[i] >= kLoadCapacity || (i > 0 && seats[i] == seats[i - 1])) {
          ++bad_seats;
        }
      }
    }
    return Status::Ok();
  });
  if (!checked.ok()) {
    std::fprintf(stdout, "booking check failed: %s\n", checked.ToString().c_str());
    return 1;
  }
  const int64_t double_bookings = overfull + bad_seats + (live != static_cast<int64_t>(booked) ? 1 : 0);
  server->Stop();
  serving.join();

  std::printf("cityid HTTP load (loopback, %d keep-alive connections, %.1f s each, in %d alternating "
              "slices; one send() per request)\n",
              connections, seconds, kSlices);
  std::printf("  GET  /healthz          %10.0f req/s  p50 %.2f ms  p99 %.2f ms  errors %zu\n",
              health.rps, health.p50_ms, health.p99_ms, health.errors);
  std::printf("  POST /api/v1/verify    %10.0f req/s  p50 %.2f ms  p99 %.2f ms  errors %zu\n",
              verify.rps, verify.p50_ms, verify.p99_ms, verify.errors);
  std::printf("  verify / healthz       %10.2fx (target >= 0.5x: %s); verify p99 target < 10 ms: %s\n",
              verify.rps / health.rps, verify.rps / health.rps >= 0.5 ? "met" : "NOT met",
              verify.p99_ms < 10 ? "met" : "NOT met");
  std::printf("  POST /api/v1/appointments %7.0f req/s  p50 %.2f ms  p99 %.2f ms  errors %zu"
              "  (%zu booked, %zu slot-full; %zu slots x %d seats)\n",
              book.rps, book.p50_ms, book.p99_ms, book.errors, Sum(book_samples.created),
              Sum(book_samples.conflicts), slots.size(), kLoadCapacity);
  std::printf("  booking race, 1 s, %zu slots x %d seats: %zu booked, %zu slot-full, errors %zu,"
              " p99 %.2f ms\n",
              race_slots.size(), kLoadCapacity, Sum(race_samples.created),
              Sum(race_samples.conflicts), race.errors, race.p99_ms);
  std::printf("  store after both: %lld live bookings for %zu answered 201; double bookings %lld "
              "(target 0: %s)\n",
              static_cast<long long>(live), booked, static_cast<long long>(double_bookings),
              double_bookings == 0 ? "met" : "NOT met");
  if (persons > 0) {
    std::printf("  store: %lld seeded persons (+1 issued card) in %.1f s; RSS after seeding %ld KiB\n",
                static_cast<long long>(persons), seed_seconds, seeded_rss);
  }
  std::printf("  RSS with the server idle %ld KiB, after the load %ld KiB (whole process: server "
              "and the %d client threads)\n",
              idle_rss, loaded_rss, connections);
  std::printf("  peak RSS (server and clients in one process) %ld KiB\n", RssKib());
  store.reset();
  std::filesystem::remove_all(dir);
  return 0;
}

}  // namespace
}  // namespace cityid::bench

int main(int argc, char** argv) { return cityid::bench::Main(argc, argv); }
