// Load driver for an HTTP server already running on loopback (issue 15's front door figures):
// `cityid serve` or bench/minimal_server.cc, given by address; nothing is started in-process.
//
//   cityid_frontdoor_bench --target 127.0.0.1:PORT --mode healthz [--connections 32] [--seconds 5]
//   cityid_frontdoor_bench --target 127.0.0.1:PORT --mode verify --payload FILE [--connections 32]
//   cityid_frontdoor_bench --target 127.0.0.1:PORT --mode idle --pid PID [--idle 10000]
//                          [--per-address 200] [--keepalive-first]
//
// healthz / verify: N keep-alive connections driven from --client-threads epoll loops (1), one
// request outstanding per connection (no pipelining); the S seconds start once all N are open
// (the time that took is printed as connect_ms), each request's bytes built once and sent in
// one send(). A connection the server closes (Connection: close, or closed while idle after its
// last answer) is reopened and the request resent, as any client would; those are counted as
// `reconnects`. Prints one line: answers with status 200 per second, p50/p99 latency, non-200
// answers and connection errors. Requests still unanswered when the time is up count in the
// percentiles and the maximum at their age then, and as `in_flight_at_end`;
// `starved_connections` are those that got no answer at all (a server that serves only some
// connections can show a fine p99, since the starved ones' requests are few).
// verify: POST /api/v1/verify with the body {"payload":"<file's first line>"}.
// idle: opens K connections, spread over source addresses 127.0.0.1, 127.0.0.2, ... with at
// most M per address (bind() before connect(), so per-address connection caps do not count
// them as one client); with --keepalive-first each sends one GET /healthz and reads the answer
// (so the server holds it as an idle keep-alive connection). While they are held it reads VmRSS
// of --pid from /proc, then asks /healthz 20 times on a fresh connection (from the next unused
// source address) and prints whether and how fast it was answered, how many connections were
// made and answered within --answer-timeout seconds, and how many held ones the server had
// closed by then. Connects under way are capped at 512; answers are not waited for before
// opening more (a server that answers few still gets all K connections to hold).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <barrier>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string mode = "healthz";
  std::string host = "127.0.0.1";
  int port = 0;
  int connections = 32;
  double seconds = 5;
  int client_threads = 1;
  std::string payload_file;
  long pid = 0;
  int idle = 10000;
  int per_address = 200;
  bool keepalive_first = false;
  double answer_timeout = 20;  // idle mode: seconds for opening and the first answers
  double hold = 1;             // idle mode: seconds to hold before reading VmRSS
};

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

void RaiseFdLimit() {
  rlimit r{};
  if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
    r.rlim_cur = r.rlim_max;
    setrlimit(RLIMIT_NOFILE, &r);
  }
}

// A socket connected (or connecting, when `nonblocking_connect`) to host:port from `source`
// (empty: the kernel's choice); -1 on an error. The socket is non-blocking, Nagle off.
int OpenSocket(const Options& o, const std::string& source, bool nonblocking_connect) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (!source.empty()) {
    setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    sockaddr_in src{};
    src.sin_family = AF_INET;
    inet_pton(AF_INET, source.c_str(), &src.sin_addr);
    if (bind(fd, reinterpret_cast<sockaddr*>(&src), sizeof src) != 0) {
      close(fd);
      return -1;
    }
  }
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<uint16_t>(o.port));
  inet_pton(AF_INET, o.host.c_str(), &to.sin_addr);
  if (nonblocking_connect) fcntl(fd, F_SETFL, O_NONBLOCK);
  const int rc = connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to);
  if (rc != 0 && !(nonblocking_connect && errno == EINPROGRESS)) {
    close(fd);
    return -1;
  }
  if (!nonblocking_connect) fcntl(fd, F_SETFL, O_NONBLOCK);
  return fd;
}

// Writes all of `data` to a non-blocking socket, waiting up to 2 s for room; false on an error.
bool SendAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n > 0) {
      data.remove_prefix(static_cast<size_t>(n));
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd p{fd, POLLOUT, 0};
      if (poll(&p, 1, 2000) <= 0) return false;
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      return false;
    }
  }
  return true;
}

// One answer parsed off the front of `in`: 0 = incomplete, -1 = malformed, else the bytes used.
struct Answer {
  int status = 0;
  bool close = false;
};
long ParseAnswer(const std::string& in, Answer& a) {
  const size_t end = in.find("\r\n\r\n");
  if (end == std::string::npos) return in.size() > 65536 ? -1 : 0;
  if (in.compare(0, 5, "HTTP/") != 0 || in.size() < 12) return -1;
  a.status = std::atoi(in.c_str() + 9);
  a.close = in.compare(0, 8, "HTTP/1.0") == 0;
  long length = 0;
  bool chunked = false;
  size_t at = in.find("\r\n") + 2;
  while (at < end) {
    const size_t eol = in.find("\r\n", at);
    const std::string_view line(in.data() + at, eol - at);
    const size_t colon = line.find(':');
    if (colon != std::string_view::npos) {
      std::string name(line.substr(0, colon));
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      std::string_view value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      std::string v(value);
      for (char& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (name == "content-length") length = std::atol(v.c_str());
      if (name == "transfer-encoding") chunked = v.find("chunked") != std::string::npos;
      if (name == "connection") {
        if (v.find("close") != std::string::npos) a.close = true;
        if (v.find("keep-alive") != std::string::npos) a.close = false;
      }
    }
    at = eol + 2;
  }
  if (!chunked) {
    const size_t total = end + 4 + static_cast<size_t>(length);
    return in.size() < total ? 0 : static_cast<long>(total);
  }
  // Chunks: a hexadecimal size line, the data and CRLF each; a zero size, no trailers, CRLF.
  at = end + 4;
  while (true) {
    const size_t eol = in.find("\r\n", at);
    if (eol == std::string::npos) return 0;
    const unsigned long size = std::strtoul(in.c_str() + at, nullptr, 16);
    if (size == 0) return in.size() < eol + 4 ? 0 : static_cast<long>(eol + 4);
    at = eol + 2 + size + 2;
    if (in.size() < at) return 0;
  }
}

struct Conn {
  int fd = -1;
  std::string in;
  Clock::time_point sent;
  bool outstanding = false;
  long answered_here = 0;  // answers on the current socket
};

// The barrier's completion: the measured time starts once every connection is open (a server's
// accept backlog is not what the throughput figure is about; connects are timed apart).
struct Start {
  Clock::time_point* start;
  Clock::time_point* end;
  double seconds;
  void operator()() noexcept {
    *start = Clock::now();
    *end = *start +
           std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  }
};

struct LoadStats {
  std::vector<double> ms;  // latency of each answer (and of each request left unanswered)
  long ok = 0, non200 = 0, errors = 0, reconnects = 0, unanswered = 0;
  long starved = 0;  // connections that got no answer at all in the whole run
};

// Drives `count` connections from one epoll loop: opens them all, waits at `ready` (whose
// completion sets `end` for every loop), then keeps one request outstanding on each until `end`.
void LoadLoop(const Options& o, const std::string& request, int count, std::barrier<Start>& ready,
              const Clock::time_point& end, LoadStats& st) {
  const int ep = epoll_create1(EPOLL_CLOEXEC);
  std::vector<Conn> conns(static_cast<size_t>(count));
  std::vector<char> ever_answered(conns.size(), 0);
  auto arm = [&](size_t i) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = i;
    epoll_ctl(ep, EPOLL_CTL_ADD, conns[i].fd, &ev);
  };
  auto reopen = [&](size_t i) -> bool {
    Conn& c = conns[i];
    if (c.fd >= 0) close(c.fd);  // also leaves the epoll set
    c = Conn{};
    c.fd = OpenSocket(o, "", false);
    if (c.fd < 0) return false;
    arm(i);
    return true;
  };
  auto fire = [&](size_t i) {
    Conn& c = conns[i];
    c.outstanding = false;
    if (Clock::now() >= end) return;
    for (int attempt = 0; attempt < 3; ++attempt) {
      if (c.fd < 0 && !reopen(i)) {
        ++st.errors;
        continue;
      }
      c.sent = Clock::now();
      if (SendAll(c.fd, request)) {
        c.outstanding = true;
        return;
      }
      ++st.errors;
      close(c.fd);
      c.fd = -1;
    }
  };
  for (size_t i = 0; i < conns.size(); ++i) {
    if (!reopen(i)) ++st.errors;
  }
  ready.arrive_and_wait();
  for (size_t i = 0; i < conns.size(); ++i) {
    if (conns[i].fd >= 0) fire(i);
  }
  std::vector<epoll_event> events(256);
  char buf[16384];
  while (true) {
    const auto now = Clock::now();
    if (now >= end) break;
    const int wait_ms = static_cast<int>(std::min<double>(Ms(end - now) + 1, 100));
    const int n = epoll_wait(ep, events.data(), static_cast<int>(events.size()), wait_ms);
    for (int k = 0; k < n; ++k) {
      const size_t i = events[static_cast<size_t>(k)].data.u64;
      Conn& c = conns[i];
      bool closed = false;
      while (true) {
        const ssize_t r = recv(c.fd, buf, sizeof buf, 0);
        if (r > 0) {
          c.in.append(buf, static_cast<size_t>(r));
          if (static_cast<size_t>(r) < sizeof buf) break;
        } else if (r == 0) {
          closed = true;
          break;
        } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
          break;
        } else if (errno != EINTR) {
          closed = true;
          break;
        }
      }
      Answer a;
      const long used = c.outstanding ? ParseAnswer(c.in, a) : 0;
      if (used > 0) {
        const auto got = Clock::now();
        if (got <= end) {
          st.ms.push_back(Ms(got - c.sent));
          if (a.status == 200)
            ++st.ok;
          else
            ++st.non200;
        }
        c.in.erase(0, static_cast<size_t>(used));
        ++c.answered_here;
        ever_answered[i] = 1;
        if (a.close || closed) {
          ++st.reconnects;
          close(c.fd);
          c.fd = -1;
        }
        fire(i);
      } else if (used < 0 || closed) {
        // Closed while idle after at least one answer: a keep-alive limit; resend on a new
        // connection. Anything else is an error.
        if (used == 0 && c.in.empty() && c.answered_here > 0)
          ++st.reconnects;
        else
          ++st.errors;
        close(c.fd);
        c.fd = -1;
        fire(i);
      }
    }
  }
  const auto stop = Clock::now();
  for (char e : ever_answered) st.starved += e ? 0 : 1;
  for (Conn& c : conns) {
    if (c.outstanding) {
      ++st.unanswered;
      st.ms.push_back(Ms(stop - c.sent));
    }
    if (c.fd >= 0) close(c.fd);
  }
  close(ep);
}

double Percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  const size_t k = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<long>(k), v.end());
  return v[k];
}

std::string HostHeader(const Options& o) { return o.host + ":" + std::to_string(o.port); }

std::string HealthzRequest(const Options& o) {
  return "GET /healthz HTTP/1.1\r\nHost: " + HostHeader(o) + "\r\nConnection: keep-alive\r\n\r\n";
}

int RunLoad(const Options& o) {
  std::string request;
  if (o.mode == "healthz") {
    request = HealthzRequest(o);
  } else {
    std::ifstream f(o.payload_file);
    std::string payload;
    if (!f || !std::getline(f, payload) || payload.empty()) {
      std::cerr << "frontdoor: --payload FILE: cannot read a card payload from '" << o.payload_file
                << "'\n";
      return 2;
    }
    while (!payload.empty() && (payload.back() == '\r' || payload.back() == ' '))
      payload.pop_back();
    const std::string body = "{\"payload\":\"" + payload + "\"}";
    request = "POST /api/v1/verify HTTP/1.1\r\nHost: " + HostHeader(o) +
              "\r\nConnection: keep-alive\r\nContent-Type: application/json\r\nContent-Length: " +
              std::to_string(body.size()) + "\r\n\r\n" + body;
  }
  const int threads = std::max(1, std::min(o.client_threads, o.connections));
  std::vector<LoadStats> stats(static_cast<size_t>(threads));
  std::vector<std::thread> pool;
  const auto open_start = Clock::now();
  Clock::time_point start, end;
  std::barrier<Start> ready(threads, Start{&start, &end, o.seconds});
  for (int t = 0; t < threads; ++t) {
    const int count = o.connections / threads + (t < o.connections % threads ? 1 : 0);
    pool.emplace_back(
        [&, t, count] { LoadLoop(o, request, count, ready, end, stats[static_cast<size_t>(t)]); });
  }
  for (auto& th : pool) th.join();
  LoadStats all;
  for (auto& s : stats) {
    all.ms.insert(all.ms.end(), s.ms.begin(), s.ms.end());
    all.ok += s.ok;
    all.non200 += s.non200;
    all.errors += s.errors;
    all.reconnects += s.reconnects;
    all.unanswered += s.unanswered;
    all.starved += s.starved;
  }
  const double max_ms = all.ms.empty() ? 0 : *std::max_element(all.ms.begin(), all.ms.end());
  const double secs = std::chrono::duration<double>(end - start).count();
  std::printf(
      "%s target=%s connections=%d connect_ms=%.1f seconds=%.1f ok=%ld rps=%.0f p50_ms=%.2f "
      "p99_ms=%.2f "
      "max_ms=%.1f non200=%ld errors=%ld reconnects=%ld in_flight_at_end=%ld "
      "starved_connections=%ld\n",
      o.mode.c_str(), HostHeader(o).c_str(), o.connections, Ms(start - open_start), secs, all.ok,
      static_cast<double>(all.ok) / secs, Percentile(all.ms, 0.50), Percentile(all.ms, 0.99),
      max_ms, all.non200, all.errors, all.reconnects, all.unanswered, all.starved);
  return 0;
}

// VmRSS of `pid` in KiB, -1 when it cannot be read.
long RssKib(long pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return -1;
}

std::string SourceAddress(int index) { return "127.0.0." + std::to_string(1 + index); }

int RunIdle(const Options& o) {
  const int addresses = (o.idle + o.per_address - 1) / o.per_address;
  if (o.per_address < 1 || addresses + 1 > 254) {
    std::cerr << "frontdoor: --idle / --per-address needs more than 253 source addresses\n";
    return 2;
  }
  const long rss_before = o.pid > 0 ? RssKib(o.pid) : -1;
  const std::string request = HealthzRequest(o);
  enum State { kConnecting, kWaitingAnswer, kHeld, kFailed };
  struct Idle {
    int fd = -1;
    State state = kConnecting;
    std::string in;
  };
  std::vector<Idle> conns(static_cast<size_t>(o.idle));
  const int ep = epoll_create1(EPOLL_CLOEXEC);
  const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                           std::chrono::duration<double>(o.answer_timeout));
  size_t next = 0, connecting = 0, waiting = 0, connected = 0, failed = 0;
  const size_t kMaxConnecting = 512;  // connects under way at once
  std::vector<epoll_event> events(512);
  char buf[4096];
  // Moves connection i to state s (kWaitingAnswer, kHeld or kFailed).
  auto finish = [&](size_t i, State s) {
    if (conns[i].state == kConnecting) --connecting;
    if (conns[i].state == kWaitingAnswer) --waiting;
    if (s == kWaitingAnswer) ++waiting;
    if (s == kFailed) {
      ++failed;
      if (conns[i].fd >= 0) close(conns[i].fd);
      conns[i].fd = -1;
    } else if (s == kHeld) {
      epoll_ctl(ep, EPOLL_CTL_DEL, conns[i].fd, nullptr);  // looked at again only at the end
    }
    conns[i].state = s;
  };
  while (Clock::now() < deadline) {
    while (next < conns.size() && connecting < kMaxConnecting) {
      const size_t i = next++;
      Idle& c = conns[i];
      c.fd = OpenSocket(o, SourceAddress(static_cast<int>(i) / o.per_address), true);
      ++connecting;
      if (c.fd < 0) {
        finish(i, kFailed);
        continue;
      }
      epoll_event ev{};
      ev.events = EPOLLOUT | EPOLLIN | EPOLLRDHUP;
      ev.data.u64 = i;
      epoll_ctl(ep, EPOLL_CTL_ADD, c.fd, &ev);
    }
    if (connecting == 0 && waiting == 0 && next == conns.size()) break;
    const int n = epoll_wait(ep, events.data(), static_cast<int>(events.size()), 50);
    for (int k = 0; k < n; ++k) {
      const size_t i = events[static_cast<size_t>(k)].data.u64;
      Idle& c = conns[i];
      const uint32_t ev = events[static_cast<size_t>(k)].events;
      if (c.state == kConnecting && (ev & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err != 0) {
          finish(i, kFailed);
          continue;
        }
        epoll_event mod{};
        mod.events = EPOLLIN | EPOLLRDHUP;
        mod.data.u64 = i;
        epoll_ctl(ep, EPOLL_CTL_MOD, c.fd, &mod);
        ++connected;
        if (!o.keepalive_first) {
          finish(i, kHeld);
        } else if (SendAll(c.fd, request)) {
          finish(i, kWaitingAnswer);
        } else {
          finish(i, kFailed);
        }
      } else if (c.state == kWaitingAnswer) {
        const ssize_t r = recv(c.fd, buf, sizeof buf, 0);
        if (r > 0) c.in.append(buf, static_cast<size_t>(r));
        Answer a;
        const long used = ParseAnswer(c.in, a);
        if (used > 0 && a.status == 200 && !a.close) {
          c.in.clear();
          finish(i, kHeld);
        } else if (used != 0 || r == 0 || (r < 0 && errno != EAGAIN)) {
          finish(i, kFailed);
        }
      }
    }
  }
  size_t answered = 0;
  for (const Idle& c : conns) answered += c.state == kHeld ? 1 : 0;
  std::this_thread::sleep_for(std::chrono::duration<double>(o.hold));
  const long rss = o.pid > 0 ? RssKib(o.pid) : -1;

  // A fresh client while they are held: 20 sequential /healthz on one connection, 2 s each.
  const int fresh = OpenSocket(o, SourceAddress(addresses), false);
  int fresh_ok = 0;
  std::vector<double> fresh_ms;
  for (int k = 0; fresh >= 0 && k < 20; ++k) {
    const auto t0 = Clock::now();
    if (!SendAll(fresh, request)) break;
    std::string in;
    Answer a;
    long used = 0;
    while ((used = ParseAnswer(in, a)) == 0) {
      const double left = 2000 - Ms(Clock::now() - t0);
      pollfd p{fresh, POLLIN, 0};
      if (left <= 0 || poll(&p, 1, static_cast<int>(left) + 1) <= 0) break;
      const ssize_t r = recv(fresh, buf, sizeof buf, 0);
      if (r <= 0) break;
      in.append(buf, static_cast<size_t>(r));
    }
    if (used <= 0) break;
    fresh_ms.push_back(Ms(Clock::now() - t0));
    if (a.status == 200) ++fresh_ok;
    if (a.close) break;
  }
  if (fresh >= 0) close(fresh);

  // Held connections the server has closed meanwhile.
  size_t closed_by_server = 0;
  for (Idle& c : conns) {
    if (c.fd < 0) continue;
    pollfd p{c.fd, POLLIN | POLLRDHUP, 0};
    if (poll(&p, 1, 0) > 0) {
      const ssize_t r = recv(c.fd, buf, sizeof buf, MSG_DONTWAIT);
      if (r == 0 || (p.revents & (POLLRDHUP | POLLHUP | POLLERR))) ++closed_by_server;
    }
  }
  const double fresh_max =
      fresh_ms.empty() ? 0 : *std::max_element(fresh_ms.begin(), fresh_ms.end());
  std::printf(
      "idle target=%s requested=%d per_address=%d addresses=%d keepalive_first=%s connected=%zu "
      "answered=%zu unanswered=%zu still_connecting=%zu failed=%zu closed_by_server=%zu "
      "rss_before_kib=%ld rss_kib=%ld "
      "rss_mib=%.1f fresh_healthz_ok=%d/20 fresh_p50_ms=%.2f fresh_max_ms=%.2f\n",
      HostHeader(o).c_str(), o.idle, o.per_address, addresses, o.keepalive_first ? "yes" : "no",
      connected, answered, waiting, connecting, failed, closed_by_server, rss_before, rss,
      rss >= 0 ? static_cast<double>(rss) / 1024.0 : -1.0, fresh_ok, Percentile(fresh_ms, 0.5),
      fresh_max);
  for (Idle& c : conns) {
    if (c.fd >= 0) close(c.fd);
  }
  close(ep);
  return 0;
}

int Usage() {
  std::cerr << "usage: cityid_frontdoor_bench --target HOST:PORT --mode healthz|verify|idle\n"
               "  [--connections 32] [--seconds 5] [--client-threads 1] [--payload FILE]\n"
               "  [--pid PID] [--idle 10000] [--per-address 200] [--keepalive-first]\n"
               "  [--answer-timeout 20] [--hold 1]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    const char* v = nullptr;
    if (a == "--keepalive-first") {
      o.keepalive_first = true;
      continue;
    }
    if ((v = value()) == nullptr) return Usage();
    if (a == "--target") {
      const std::string t = v;
      const auto colon = t.rfind(':');
      if (colon == std::string::npos) return Usage();
      o.host = t.substr(0, colon);
      o.port = std::atoi(t.c_str() + colon + 1);
    } else if (a == "--mode") {
      o.mode = v;
    } else if (a == "--connections") {
      o.connections = std::atoi(v);
    } else if (a == "--seconds") {
      o.seconds = std::atof(v);
    } else if (a == "--client-threads") {
      o.client_threads = std::atoi(v);
    } else if (a == "--payload") {
      o.payload_file = v;
    } else if (a == "--pid") {
      o.pid = std::atol(v);
    } else if (a == "--idle") {
      o.idle = std::atoi(v);
    } else if (a == "--per-address") {
      o.per_address = std::atoi(v);
    } else if (a == "--answer-timeout") {
      o.answer_timeout = std::atof(v);
    } else if (a == "--hold") {
      o.hold = std::atof(v);
    } else {
      return Usage();
    }
  }
  if (o.port <= 0 || o.connections < 1 || o.seconds <= 0 || o.idle < 1) return Usage();
  RaiseFdLimit();
  if (o.mode == "healthz" || o.mode == "verify") {
    if (o.mode == "verify" && o.payload_file.empty()) return Usage();
    return RunLoad(o);
  }
  if (o.mode == "idle") return RunIdle(o);
  return Usage();
}
