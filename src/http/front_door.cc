#include "http/front_door.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <sodium.h>
#include <sys/resource.h>

#include <array>
#include <cctype>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <cstdio>
#include <limits>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

#include "http/problem.h"
#include "http/request_log.h"

namespace cityid::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

// After an early answer (413 before the body, 408, 431) the client may still be sending: its
// bytes are read and dropped, on the event loop, for at most this long and this much, so that
// it reads the answer instead of a connection reset (as nginx's lingering close does).
constexpr size_t kLingerBytes = 16 << 20;
constexpr size_t kMaxRefusing = 1024;  // refused connections answered at once, at most
constexpr int kLingerMs = 5000;
constexpr const char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";

struct Refusal {
  int status;
  const char* title;
  const char* detail;
};

const Refusal kBadRequest{400, "Bad Request", "the request is not valid HTTP/1.1"};
const Refusal kTimeout{408, "Request Timeout", "the request did not arrive in time"};
const Refusal kTooLarge{413, "Payload Too Large", "request body too large"};
const Refusal kUrlTooLong{414, "URI Too Long", "the request target is too long"};
const Refusal kBodiesBusy{503, "Service Unavailable",
                          "the server is reading too many large bodies at once; retry"};
const Refusal kNotImplemented{501, "Not Implemented",
                              "only the chunked transfer coding is understood"};
const Refusal kVersion{505, "HTTP Version Not Supported", "HTTP/1.1 (or 1.0) only"};
const Refusal kHeadersTooLarge{431, "Request Header Fields Too Large",
                               "too many header fields, or too many bytes of them"};
const Refusal kTooManyFromClient{429, "Too Many Requests",
                                 "too many connections from this address; close some first"};
const Refusal kBusy{503, "Service Unavailable", "the server has too many connections; retry"};
// No Retry-After: the handler may still complete the change; check before sending it again.
const Refusal kHandlerTimeout{503, "Service Unavailable",
                              "the request took too long to handle; it may still complete, so "
                              "check its effect before sending it again"};

Reply RefusalReply(const Refusal& r) {
  Reply reply(r.status,
              ProblemJson("http-" + std::to_string(r.status), r.title, r.status, r.detail),
              kProblem);
  if (&r != &kHandlerTimeout && (r.status == 503 || r.status == 429)) {
    reply.headers.emplace_back("Retry-After", "5");
  }
  return reply;
}

// The application's answer; an exception (a bug) is a generic 500 that names nothing.
Reply HandleSafely(const FrontDoorApp& app, Request& req) {
  try {
    return app.handle(req);
  } catch (const std::exception&) {
    return Reply(500,
                 ProblemJson("internal", "Internal error", 500,
                             "the server could not complete the request"),
                 kProblem);
  }
}

void RaiseFileLimit() {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    (void)setrlimit(RLIMIT_NOFILE, &rl);
  }
}

}  // namespace

std::string NewRequestId() {
  // A counter under a per-process random SipHash key: unique within the process, cheap (no
  // system call per request, unlike reading the CSPRNG), and two ids tell nothing of how many
  // requests came between them.
  static const std::array<uint8_t, crypto_shorthash_KEYBYTES> key = [] {
    std::array<uint8_t, crypto_shorthash_KEYBYTES> k{};
    randombytes_buf(k.data(), k.size());
    return k;
  }();
  static std::atomic<uint64_t> counter{0};
  const uint64_t n = counter.fetch_add(1, std::memory_order_relaxed);
  uint8_t raw[crypto_shorthash_BYTES];
  crypto_shorthash(raw, reinterpret_cast<const uint8_t*>(&n), sizeof n, key.data());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(16, '0');
  for (size_t i = 0; i < sizeof raw; ++i) {
    id[2 * i] = kHex[raw[i] >> 4];
    id[2 * i + 1] = kHex[raw[i] & 15];
  }
  return id;
}

constexpr int64_t kNever = std::numeric_limits<int64_t>::max();
constexpr int kSweepMs = 100;  // how often deadlines are checked: their precision

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

class SessionBase {
 public:
  virtual ~SessionBase() = default;
  virtual void CheckDeadline(int64_t now_ns) = 0;  // from the sweep, any thread
  virtual void Drain() = 0;      // posts itself to the session's executor
  virtual void ForceClose() = 0;  // likewise
};

struct FrontDoor::Impl {
  FrontDoorLimits limits;
  TlsFiles tls_files;

  struct Listener {
    Endpoint where;
    FrontDoorApp app;
    bool tls = false;
    std::unique_ptr<tcp::acceptor> acceptor;
  };
  std::vector<Listener> listeners;

  // Connection counts: every accepted (not refused) connection, in all and per client key.
  std::mutex count_mu;
  size_t open = 0;
  std::unordered_map<std::string, size_t> per_client;

  // Live sessions, for the drain.
  std::mutex reg_mu;
  uint64_t next_session = 0;
  std::unordered_map<uint64_t, std::weak_ptr<SessionBase>> sessions;

  std::mutex tls_mu;
  std::shared_ptr<asio::ssl::context> tls_context;

  std::atomic<bool> draining{false};
  std::atomic<size_t> refusing{0};  // refused connections being answered
  std::atomic<uint64_t> large_bodies{0};  // bytes reserved by bodies over small_body_bytes
  bool ReserveBody(uint64_t bytes) {
    uint64_t now = large_bodies.load();
    do {
      if (now + bytes > limits.max_large_body_bytes) return false;
    } while (!large_bodies.compare_exchange_weak(now, now + bytes));
    return true;
  }
  void ReleaseBody(uint64_t bytes) { large_bodies -= bytes; }
  std::atomic<bool> stopped{false};

  // Declared last: destroyed first. The worker pool before the event loop, whose sockets the
  // sessions held by queued work still reference.
  asio::io_context ioc;
  std::optional<asio::steady_timer> drain_timer;
  std::unique_ptr<asio::thread_pool> workers;

  Result<std::shared_ptr<asio::ssl::context>> LoadTls() const;
  void Accept(size_t listener);
  template <class Stream>
  void StartSession(size_t listener, Stream stream, std::string peer, std::string key,
                    const Refusal* refusal);
  uint64_t Register(std::weak_ptr<SessionBase> s) {
    std::lock_guard lock(reg_mu);
    sessions.emplace(next_session, std::move(s));
    return next_session++;
  }
  void Unregister(uint64_t id, const std::string& key, bool counted) {
    {
      std::lock_guard lock(reg_mu);
      sessions.erase(id);
    }
    if (!counted) return;
    std::lock_guard lock(count_mu);
    --open;
    auto it = per_client.find(key);
    if (it != per_client.end() && --it->second == 0) per_client.erase(it);
  }
  std::vector<std::shared_ptr<SessionBase>> LiveSessions() {
    std::vector<std::shared_ptr<SessionBase>> out;
    std::lock_guard lock(reg_mu);
    for (auto& [id, weak] : sessions) {
      if (auto s = weak.lock()) out.push_back(std::move(s));
    }
    return out;
  }
  void WatchDrain(std::chrono::steady_clock::time_point deadline);
  // Every kSweepMs: each connection whose deadline has passed handles it on its executor.
  void Sweep();
  std::optional<asio::steady_timer> sweep_timer;
};

namespace {

// One connection. Lives as long as an operation, a timer or a worker holds it.
template <class Stream>
class Session : public SessionBase, public std::enable_shared_from_this<Session<Stream>> {
 public:
  Session(FrontDoor::Impl& door, const FrontDoorApp& app, Stream stream, std::string peer,
          std::string key, const Refusal* refusal)
      : door_(door), app_(app), limits_(door.limits), stream_(std::move(stream)),
        peer_(std::move(peer)), key_(std::move(key)),
        refusal_(refusal),
        buffer_(limits_.max_url_bytes + limits_.max_header_bytes + 4096) {}

  ~Session() override {
    ReleaseBody();
    if (refusal_ != nullptr) --door_.refusing;
    door_.Unregister(id_, key_, refusal_ == nullptr);
  }

  void Start(uint64_t id) {
    id_ = id;
    auto self = this->shared_from_this();
    state_ = State::kHeader;
    Arm(limits_.header_timeout_ms);
    if constexpr (kTls) {
      stream_.async_handshake(asio::ssl::stream_base::server,
                              [self](const error_code& ec) { self->OnHandshake(ec); });
    } else {
      OnHandshake({});
    }
  }

  void Drain() override {
    auto self = this->shared_from_this();
    asio::post(stream_.get_executor(), [self] {
      // Waiting for a request, or nothing of one read yet: nothing in flight to finish.
      error_code ec;
      if (self->state_ == State::kLingering) return self->Close();
      if ((self->state_ == State::kWaiting ||
           (self->state_ == State::kHeader && self->buffer_.size() == 0)) &&
          (self->Socket().available(ec) == 0 || ec)) {
        self->Socket().cancel(ec);
      }
      // Otherwise the answer in progress goes out with "Connection: close".
    });
  }

  void ForceClose() override {
    auto self = this->shared_from_this();
    asio::post(stream_.get_executor(), [self] { self->Close(); });
  }

 private:
  static constexpr bool kTls = !std::is_same_v<Stream, tcp::socket>;
  enum class State { kWaiting, kHeader, kBody, kHandling, kWriting, kLingering, kClosed };

  tcp::socket& Socket() { return beast::get_lowest_layer(stream_); }

  // Deadlines are a time stamp each connection keeps and the event loop's sweep checks
  // (FrontDoor::Impl::Sweep): no timer to set and cancel at every step of every request.
  void Arm(int ms) {
    deadline_ns_.store(NowNs() + int64_t{ms} * 1000000, std::memory_order_relaxed);
  }
  void Disarm() { deadline_ns_.store(kNever, std::memory_order_relaxed); }
  void CheckDeadline(int64_t now_ns) override {
    if (deadline_ns_.load(std::memory_order_relaxed) > now_ns) return;
    asio::post(stream_.get_executor(), [self = this->shared_from_this()] {
      if (self->deadline_ns_.load(std::memory_order_relaxed) > NowNs()) return;  // re-armed
      self->Disarm();
      self->OnTimeout();
    });
  }

  void OnHandshake(const error_code& ec) {
    if (ec) return Close();
    if (refusal_ != nullptr) return WriteRefusal(*refusal_);
    ReadHeader();
  }

  // Between requests: wait for the first byte of the next one (idle timeout), then read it
  // under the header deadline. An idle connection holds no buffer.
  void WaitForNext() {
    if (door_.draining) {
      error_code ec;
      if (buffer_.size() == 0 && (Socket().available(ec) == 0 || ec)) return Close();
    }
    if (buffer_.size() > 0) {
      state_ = State::kHeader;
      Arm(limits_.header_timeout_ms);
      return ReadHeader();
    }
    if constexpr (kTls) {
      // Records may already sit in OpenSSL's or Asio's buffers, where a wait on the socket
      // cannot see them: read at once, the idle timeout and the header deadline in one.
      state_ = State::kHeader;
      Arm(limits_.keep_alive_timeout_ms + limits_.header_timeout_ms);
      return ReadHeader();
    }
    buffer_.shrink_to_fit();
    state_ = State::kWaiting;
    Arm(limits_.keep_alive_timeout_ms);
    Socket().async_wait(tcp::socket::wait_read,
                        [self = this->shared_from_this()](const error_code& ec) {
                          if (self->state_ != State::kWaiting) return;
                          if (ec) return self->Close();
                          self->state_ = State::kHeader;
                          self->Arm(self->limits_.header_timeout_ms);
                          self->ReadHeader();
                        });
  }

  void ReadHeader() {
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(limits_.max_url_bytes + limits_.max_header_bytes +
                                                64));
    parser_->body_limit(std::numeric_limits<std::uint64_t>::max());  // the route decides
    bhttp::async_read_header(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](const error_code& ec, size_t) { self->OnHeader(ec); });
  }

  // Whether the request line ends in a well-formed "HTTP/d.d" (another version: 505, not 400).
  bool WellFormedVersion() const {
    const auto data = buffer_.data();
    const std::string_view seen(static_cast<const char*>(data.data()), data.size());
    const std::string_view line = seen.substr(0, seen.find("\r\n"));
    if (line.size() < 9) return false;
    const std::string_view v = line.substr(line.size() - 9);
    return v.substr(0, 6) == " HTTP/" && std::isdigit(static_cast<unsigned char>(v[6])) &&
           v[7] == '.' && std::isdigit(static_cast<unsigned char>(v[8]));
  }

  // A header too large: 414 when the request line alone is over the URL limit, 431 otherwise.
  const Refusal& OversizedHeader() const {
    const auto data = buffer_.data();
    const std::string_view seen(static_cast<const char*>(data.data()), data.size());
    const size_t eol = seen.find("\r\n");
    const size_t line = eol == std::string_view::npos ? seen.size() : eol;
    return line > limits_.max_url_bytes + 32 ? kUrlTooLong : kHeadersTooLarge;
  }

  void OnHeader(const error_code& ec) {
    if (state_ != State::kHeader) return;
    if (timed_out_) return WriteRefusal(kTimeout);
    if (ec == bhttp::error::header_limit || ec == bhttp::error::buffer_overflow) {
      return WriteRefusal(OversizedHeader());
    }
    if (ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
        ec == asio::error::connection_reset || ec == asio::error::operation_aborted) {
      return Close();
    }
    if (ec == bhttp::error::bad_version) {
      return WriteRefusal(WellFormedVersion() ? kVersion : kBadRequest);
    }
    if (ec) return WriteRefusal(kBadRequest);
    const auto& head = parser_->get();
    keep_alive_ = head.keep_alive();
    version_ = head.version();
    req_ = Request();
    req_.method = std::string(head.method_string());
    head_only_ = req_.method == "HEAD";  // a refusal below has no body either
    if (version_ != 10 && version_ != 11) return WriteRefusal(kVersion);
    if (head.count(bhttp::field::transfer_encoding) > 0) {
      // RFC 9112 §6.1: chunked is the only coding we read, and HTTP/1.0 has none.
      if (version_ == 10) return WriteRefusal(kBadRequest);
      if (!beast::iequals(head[bhttp::field::transfer_encoding], "chunked")) {
        return WriteRefusal(kNotImplemented);
      }
    }
    req_.target = std::string(head.target());
    if (req_.target.size() > limits_.max_url_bytes) return WriteRefusal(kUrlTooLong);
    size_t count = 0, bytes = 0;
    for (const auto& field : head) {
      ++count;
      bytes += field.name_string().size() + field.value().size() + 4;
    }
    if (count > limits_.max_header_count || bytes > limits_.max_header_bytes) {
      return WriteRefusal(kHeadersTooLarge);
    }
    req_.headers.reserve(count);
    for (const auto& field : head) {
      req_.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    if (!ParseTarget(&req_).ok()) return WriteRefusal(kBadRequest);
    req_.remote_addr = peer_;
    req_.request_id = NewRequestId();
    size_t limit = 0;
    try {
      limit = app_.route(req_);
    } catch (const std::exception&) {
      return WriteRefusal(kBadRequest);
    }
    const auto length = parser_->content_length();
    if (length && *length > limit) return WriteRefusal(kTooLarge);
    // Bodies larger than the small ones every route takes (a photo) count against one memory
    // budget for all connections: reserved now, before any byte of them is read.
    const uint64_t most = length ? *length : (parser_->chunked() ? limit : 0);
    if (most > limits_.small_body_bytes) {
      if (!door_.ReserveBody(most)) return WriteRefusal(kBodiesBusy);
      reserved_ = most;
    }
    parser_->body_limit(limit);
    if (parser_->is_done()) return Dispatch();
    state_ = State::kBody;
    Arm(limits_.body_timeout_ms);
    if (beast::iequals(head[bhttp::field::expect], "100-continue")) {
      asio::async_write(stream_, asio::buffer(kContinue, sizeof kContinue - 1),
                        [self = this->shared_from_this()](const error_code& e, size_t) {
                          if (e) return self->Close();
                          self->ReadBody();
                        });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = this->shared_from_this()](const error_code& ec, size_t) {
                        self->OnBody(ec);
                      });
  }

  void OnBody(const error_code& ec) {
    if (state_ != State::kBody) return;
    if (timed_out_) return WriteRefusal(kTimeout);
    if (ec == bhttp::error::body_limit) return WriteRefusal(kTooLarge);
    if (ec == bhttp::error::header_limit) return WriteRefusal(kHeadersTooLarge);  // trailers
    if (ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
        ec == bhttp::error::partial_message || ec == asio::error::connection_reset ||
        ec == asio::error::operation_aborted) {
      return Close();
    }
    if (ec) return WriteRefusal(kBadRequest);
    req_.body = std::move(parser_->get().body());
    Dispatch();
  }

  // The complete request goes to a worker; its answer comes back to this connection's executor.
  void Dispatch() {
    parser_.reset();
    state_ = State::kHandling;
    head_only_ = req_.method == "HEAD";
    if (req_.answer_inline) {
      // A route that never blocks (a health check, a document held in memory): answered here,
      // without the hop to a worker and back.
      Disarm();
      Reply reply = HandleSafely(app_, req_);
      std::string id = std::move(req_.request_id);
      return Write(std::move(reply), std::move(id), false);
    }
    Arm(limits_.handler_timeout_ms);
    const uint64_t gen = ++request_gen_;
    handling_id_ = req_.request_id;
    abandoned_ = std::make_shared<std::atomic<bool>>(false);
    req_.abandoned = abandoned_;
    auto work = [self = this->shared_from_this(), req = std::move(req_), gen]() mutable {
      // A request whose deadline passed while it waited for a worker was answered 503: it
      // must not run after all (the client may retry it).
      if (req.abandoned->load()) return;
      EnsureAltSignalStack();
      Reply reply = HandleSafely(self->app_, req);
      std::string id = std::move(req.request_id);
      asio::post(self->stream_.get_executor(),
                 [self, gen, reply = std::move(reply), id = std::move(id)]() mutable {
                   if (self->state_ != State::kHandling || gen != self->request_gen_) return;
                   self->Write(std::move(reply), std::move(id), false);
                 });
    };
    asio::post(*door_.workers, std::move(work));
  }

  void OnTimeout() {
    switch (state_) {
      case State::kWaiting:
      case State::kLingering:
        return Close();
      case State::kHeader:
      case State::kBody: {
        timed_out_ = true;
        error_code ignored;
        Socket().cancel(ignored);  // the read completes with operation_aborted
        return;
      }
      case State::kHandling: {
        ++request_gen_;  // the worker's answer, when it comes, is dropped
        // Still queued: it will not run. Running: its log line says it ended late.
        abandoned_->store(true);
        LogRefused(handling_id_, kHandlerTimeout.status);
        return Write(RefusalReply(kHandlerTimeout), handling_id_, true);
      }
      case State::kWriting:  // a client that does not read its answer
        return Close();
      case State::kClosed:
        return;
    }
  }

  void WriteRefusal(const Refusal& r) {
    timed_out_ = false;
    // What was read of the refused request is not needed any more (a header at the limit
    // parses into thousands of fields): free it before the answer and the lingering close.
    parser_.reset();
    buffer_.clear();
    buffer_.shrink_to_fit();
    std::string id = req_.request_id.empty() ? NewRequestId() : req_.request_id;
    LogRefused(id, r.status);
    Write(RefusalReply(r), std::move(id), true);
  }

  void LogRefused(const std::string& id, int status) {
    if (app_.refused) app_.refused(status);
    LogLine("{\"ts\":\"" + LogTimestamp() + "\",\"msg\":\"refused\",\"id\":\"" + id +
            "\",\"status\":" + std::to_string(status) + "}");
  }

  void ReleaseBody() {
    if (reserved_ == 0) return;
    door_.ReleaseBody(reserved_);
    reserved_ = 0;
  }

  void Write(Reply reply, std::string request_id, bool close) {
    ReleaseBody();  // the body has been handled (or refused)
    state_ = State::kWriting;
    Disarm();
    ++requests_;
    auto res = std::make_shared<bhttp::response<bhttp::string_body>>();
    res->version(version_ == 10 ? 10 : 11);
    res->result(static_cast<unsigned>(reply.status));
    res->set(bhttp::field::cache_control, reply.cache_control);
    res->set("X-Content-Type-Options", "nosniff");
    res->set("X-Request-Id", request_id);
    // On every answer: no referrer leaves a page, nothing frames us. An answer that is not a
    // page (JSON, PDF, problem documents) may load nothing at all if a browser renders it.
    res->set("Referrer-Policy", "no-referrer");
    res->set("X-Frame-Options", "DENY");
    bool has_csp = false;
    for (const auto& [name, value] : reply.headers) {
      has_csp = has_csp || name == "Content-Security-Policy";
      res->insert(name, value);
    }
    if (!has_csp) {
      res->set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
    }
    const bool keep = !close && keep_alive_ && !door_.draining &&
                      requests_ < limits_.max_requests_per_connection;
    res->keep_alive(keep);
    if (reply.status != 204 && reply.status != 304) {
      res->set(bhttp::field::content_type, reply.content_type);
      if (head_only_) {
        res->content_length(reply.body.size());
      } else {
        res->body() = std::move(reply.body);
        res->prepare_payload();
      }
    }
    head_only_ = false;
    Arm(limits_.write_timeout_ms);
    bhttp::async_write(stream_, *res,
                       [self = this->shared_from_this(), res, keep, close](const error_code& ec,
                                                                           size_t) {
                         if (ec) return self->Close();
                         if (keep) return self->WaitForNext();
                         // An early answer (413 before the body, 408): the client may still be
                         // sending; read a little so that it sees the answer, not a reset. Not
                         // for a refused connection: it sent nothing we wait for.
                         if (close && self->refusal_ == nullptr) return self->Linger();
                         self->Close();
                       });
  }

  void Linger() {
    state_ = State::kLingering;
    error_code ignored;
    Socket().shutdown(tcp::socket::shutdown_send, ignored);
    if constexpr (kTls) return Close();
    Arm(kLingerMs);
    LingerRead();
  }
  void LingerRead() {
    if (lingered_ >= kLingerBytes) return Close();
    if (!scratch_) scratch_ = std::make_unique<char[]>(kScratchBytes);
    Socket().async_read_some(asio::buffer(scratch_.get(), kScratchBytes),
                             [self = this->shared_from_this()](const error_code& ec, size_t n) {
                               if (self->state_ != State::kLingering) return;
                               if (ec) return self->Close();
                               self->lingered_ += n;
                               self->LingerRead();
                             });
  }

  void Close() {
    if (state_ == State::kClosed) return;
    state_ = State::kClosed;
    Disarm();
    error_code ignored;
    Socket().shutdown(tcp::socket::shutdown_both, ignored);
    Socket().close(ignored);
  }

  FrontDoor::Impl& door_;
  const FrontDoorApp& app_;
  const FrontDoorLimits& limits_;
  Stream stream_;
  std::string peer_, key_;
  const Refusal* refusal_;  // set: answer this and close (connection caps)
  std::string handling_id_;  // the request a worker has
  uint64_t reserved_ = 0;     // of the large-body budget (FrontDoor::Impl::ReserveBody)
  std::shared_ptr<std::atomic<bool>> abandoned_;  // its deadline passed: answered 503
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  Request req_;
  State state_ = State::kHeader;
  uint64_t id_ = 0;
  std::atomic<int64_t> deadline_ns_{kNever};
  uint64_t request_gen_ = 0;
  size_t requests_ = 0;
  size_t lingered_ = 0;
  unsigned version_ = 11;
  bool keep_alive_ = true, timed_out_ = false, head_only_ = false;
  static constexpr size_t kScratchBytes = 16384;
  std::unique_ptr<char[]> scratch_;  // only while lingering: idle connections stay small
};

}  // namespace

std::string LogTimestamp() {
  // Formatted once a second per thread; the milliseconds by hand (this runs twice a request).
  thread_local time_t cached_second = -1;
  thread_local char cached[64];
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  const time_t secs = static_cast<time_t>(ms / 1000);
  if (secs != cached_second) {
    tm utc{};
    gmtime_r(&secs, &utc);
    std::snprintf(cached, sizeof cached, "%04d-%02d-%02dT%02d:%02d:%02d",
                  (utc.tm_year + 1900) % 10000, (utc.tm_mon + 1) % 100, utc.tm_mday % 100,
                  utc.tm_hour % 100, utc.tm_min % 100, utc.tm_sec % 100);
    cached_second = secs;
  }
  const int milli = static_cast<int>(ms % 1000);
  std::string out(cached, 19);
  out += '.';
  out += static_cast<char>('0' + milli / 100);
  out += static_cast<char>('0' + milli / 10 % 10);
  out += static_cast<char>('0' + milli % 10);
  out += 'Z';
  return out;
}

Result<std::shared_ptr<asio::ssl::context>> FrontDoor::Impl::LoadTls() const {
  auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
  ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                   asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                   asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use);
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
  error_code ec;
  ctx->use_certificate_chain_file(tls_files.cert_file, ec);
  if (ec) {
    return Error(ErrorId::kIo, "--tls-cert: cannot read a PEM certificate chain from '" +
                                   tls_files.cert_file + "'");
  }
  // The key is read on its own first: SSL_CTX_use_PrivateKey_file also fails for a key of
  // another certificate, which is a wrong argument (exit 3), not an I/O error (exit 8). No
  // passphrase prompt: an encrypted key does not read.
  EVP_PKEY* key = nullptr;
  if (BIO* bio = BIO_new_file(tls_files.key_file.c_str(), "r")) {
    key = PEM_read_bio_PrivateKey(
        bio, nullptr, [](char*, int, int, void*) { return 0; }, nullptr);
    BIO_free(bio);
  }
  if (key == nullptr) {
    ERR_clear_error();
    return Error(ErrorId::kIo,
                 "--tls-key: cannot read a PEM private key from '" + tls_files.key_file + "'");
  }
  const bool matches = SSL_CTX_use_PrivateKey(ctx->native_handle(), key) == 1 &&
                       SSL_CTX_check_private_key(ctx->native_handle()) == 1;
  EVP_PKEY_free(key);
  if (!matches) {
    ERR_clear_error();
    return Error(ErrorId::kInvalidArgument, "--tls-key does not belong to --tls-cert");
  }
  return ctx;
}

template <class Stream>
void FrontDoor::Impl::StartSession(size_t listener, Stream stream, std::string peer,
                                   std::string key, const Refusal* refusal) {
  auto s = std::make_shared<Session<Stream>>(*this, listeners[listener].app, std::move(stream),
                                             std::move(peer), std::move(key), refusal);
  s->Start(Register(s));
}

void FrontDoor::Impl::Accept(size_t index) {
  Listener& l = listeners[index];
  // One event-loop thread needs no strand; several serialize each connection's work on one.
  const asio::any_io_executor executor = limits.io_threads > 1
                                             ? asio::any_io_executor(asio::make_strand(ioc))
                                             : asio::any_io_executor(ioc.get_executor());
  l.acceptor->async_accept(executor, [this, index](const error_code& ec,
                                                                 tcp::socket socket) {
    Listener& on = listeners[index];
    if (draining || !on.acceptor->is_open()) return;
    if (ec) {
      // Out of descriptors (EMFILE) and the like: pause instead of spinning.
      auto pause = std::make_shared<asio::steady_timer>(ioc, std::chrono::milliseconds(50));
      pause->async_wait([this, index, pause](const error_code&) { Accept(index); });
      return;
    }
    error_code e;
    socket.set_option(tcp::no_delay(true), e);  // small JSON answers: no Nagle wait
    const auto remote = socket.remote_endpoint(e);
    if (e) {  // gone already
      Accept(index);
      return;
    }
    std::string peer = remote.address().to_string();
    if (remote.address().is_v6() && remote.address().to_v6().is_v4_mapped()) {
      peer = asio::ip::make_address_v4(asio::ip::v4_mapped, remote.address().to_v6()).to_string();
    }
    const bool exempt = on.app.exempt_from_client_cap && on.app.exempt_from_client_cap(peer);
    std::string key = on.app.client_key ? on.app.client_key(peer) : peer;
    const Refusal* refusal = nullptr;
    {
      std::lock_guard lock(count_mu);
      size_t& mine = per_client[key];
      if (open >= limits.max_connections) {
        refusal = &kBusy;
      } else if (!exempt && mine >= limits.max_connections_per_client) {
        refusal = &kTooManyFromClient;
      } else {
        ++open;
        ++mine;
      }
      if (mine == 0) per_client.erase(key);
    }
    if (refusal != nullptr) {
      // A refused connection costs a small write; beyond kMaxRefusing at once (a storm), or on
      // TLS (a handshake would be the price of a refusal), it is closed unanswered.
      if (on.tls || ++refusing > kMaxRefusing) {
        if (!on.tls) --refusing;
        error_code ignored;
        socket.close(ignored);
        if (on.app.refused) on.app.refused(refusal->status);
        Accept(index);
        return;
      }
    }
    if (on.tls) {
      std::shared_ptr<asio::ssl::context> ctx;
      {
        std::lock_guard lock(tls_mu);
        ctx = tls_context;
      }
      // The stream keeps the context's SSL_CTX alive (reference counted) after a reload.
      StartSession(index, asio::ssl::stream<tcp::socket>(std::move(socket), *ctx),
                   std::move(peer), std::move(key), refusal);
    } else {
      StartSession(index, std::move(socket), std::move(peer), std::move(key), refusal);
    }
    Accept(index);
  });
}

void FrontDoor::Impl::Sweep() {
  sweep_timer->expires_after(std::chrono::milliseconds(kSweepMs));
  sweep_timer->async_wait([this](const error_code& ec) {
    if (ec) return;
    const int64_t now = NowNs();
    for (auto& s : LiveSessions()) s->CheckDeadline(now);
    Sweep();
  });
}

void FrontDoor::Impl::WatchDrain(std::chrono::steady_clock::time_point deadline) {
  drain_timer->expires_after(std::chrono::milliseconds(20));
  drain_timer->async_wait([this, deadline](const error_code&) {
    size_t n;
    {
      std::lock_guard lock(count_mu);
      n = open;
    }
    std::lock_guard lock(reg_mu);
    if (sessions.empty() || n == 0) {
      ioc.stop();
      return;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      for (auto& [id, weak] : sessions) {
        if (auto s = weak.lock()) s->ForceClose();
      }
      // Closed sessions unregister once their handlers finish; the loop stops then, or at
      // the next check.
      if (std::chrono::steady_clock::now() >= deadline + std::chrono::seconds(2)) {
        ioc.stop();
        return;
      }
    }
    WatchDrain(deadline);
  });
}

FrontDoor::FrontDoor(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
FrontDoor::~FrontDoor() {
  if (impl_->workers) {
    impl_->workers->stop();
    impl_->workers->join();
  }
  // I/O objects go before the event loop they belong to (the listeners are declared before it,
  // so they would otherwise outlive it).
  for (auto& l : impl_->listeners) l.acceptor.reset();
  impl_->sweep_timer.reset();
  impl_->drain_timer.reset();
}

Result<std::unique_ptr<FrontDoor>> FrontDoor::Create(const FrontDoorLimits& limits,
                                                     const TlsFiles& tls) {
  if (limits.io_threads < 1 || limits.io_threads > 64 || limits.worker_threads < 1 ||
      limits.worker_threads > 256) {
    return Error(ErrorId::kInvalidArgument, "io threads 1..64, worker threads 1..256");
  }
  for (int ms : {limits.header_timeout_ms, limits.body_timeout_ms, limits.write_timeout_ms,
                 limits.keep_alive_timeout_ms, limits.handler_timeout_ms}) {
    if (ms < 1) return Error(ErrorId::kInvalidArgument, "every HTTP timeout must be positive");
  }
  if (limits.drain_timeout_ms < 0 || limits.max_connections < 1 ||
      limits.max_connections_per_client < 1 || limits.max_requests_per_connection < 1 ||
      limits.max_url_bytes < 64 || limits.max_header_bytes < 256 ||
      limits.max_header_count < 8 || limits.max_url_bytes + limits.max_header_bytes > (1u << 30)) {
    return Error(ErrorId::kInvalidArgument,
                 "HTTP limits: connections >= 1, URL >= 64 bytes, headers >= 256 bytes and 8 "
                 "fields, requests per connection >= 1");
  }
  if (tls.enabled() != !tls.key_file.empty()) {
    return Error(ErrorId::kInvalidArgument, "--tls-cert and --tls-key go together");
  }
  RaiseFileLimit();
  auto impl = std::make_unique<Impl>();
  impl->limits = limits;
  impl->tls_files = tls;
  if (tls.enabled()) {
    CITYID_ASSIGN_OR_RETURN(impl->tls_context, impl->LoadTls());
  }
  impl->workers = std::make_unique<asio::thread_pool>(limits.worker_threads);
  impl->drain_timer.emplace(impl->ioc);
  impl->sweep_timer.emplace(impl->ioc);
  return std::unique_ptr<FrontDoor>(new FrontDoor(std::move(impl)));
}

size_t FrontDoor::AddListener(Endpoint where, FrontDoorApp app, bool tls) {
  impl_->listeners.push_back({std::move(where), std::move(app), tls && impl_->tls_files.enabled(),
                              nullptr});
  return impl_->listeners.size() - 1;
}

Result<std::vector<int>> FrontDoor::Bind() {
  std::vector<int> ports;
  for (auto& l : impl_->listeners) {
    error_code ec;
    const auto address = asio::ip::make_address(l.where.host, ec);
    if (ec) return Error(ErrorId::kInvalidArgument, "cannot listen on '" + l.where.host + "'");
    const tcp::endpoint ep(address, static_cast<unsigned short>(l.where.port));
    l.acceptor = std::make_unique<tcp::acceptor>(impl_->ioc);
    l.acceptor->open(ep.protocol(), ec);
    if (!ec) l.acceptor->set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) l.acceptor->bind(ep, ec);
    if (!ec) l.acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return Error(ErrorId::kIo, "cannot listen on " + l.where.host + ":" +
                                     std::to_string(l.where.port) + " (in use?)");
    }
    ports.push_back(l.acceptor->local_endpoint().port());
  }
  return ports;
}

Status FrontDoor::Run() {
  for (size_t i = 0; i < impl_->listeners.size(); ++i) {
    if (!impl_->listeners[i].acceptor) return Error(ErrorId::kInternal, "Run before Bind");
    impl_->Accept(i);
  }
  impl_->Sweep();
  std::vector<std::thread> extra;
  for (size_t i = 1; i < impl_->limits.io_threads; ++i) {
    extra.emplace_back([this] {
      EnsureAltSignalStack();
      impl_->ioc.run();
    });
  }
  EnsureAltSignalStack();
  impl_->ioc.run();
  for (auto& t : extra) t.join();
  // Requests a worker still runs (past the drain) finish before the store closes.
  impl_->workers->stop();
  impl_->workers->join();
  return Status::Ok();
}

void FrontDoor::Stop() {
  if (impl_->stopped.exchange(true)) return;
  asio::post(impl_->ioc, [this] {
    impl_->draining = true;
    for (auto& l : impl_->listeners) {
      error_code ignored;
      if (l.acceptor) l.acceptor->close(ignored);
    }
    for (auto& s : impl_->LiveSessions()) s->Drain();
    impl_->WatchDrain(std::chrono::steady_clock::now() +
                      std::chrono::milliseconds(impl_->limits.drain_timeout_ms));
  });
}

Status FrontDoor::ReloadTls() {
  if (!impl_->tls_files.enabled()) {
    return Error(ErrorId::kFailedPrecondition, "no TLS certificate configured");
  }
  CITYID_ASSIGN_OR_RETURN(auto ctx, impl_->LoadTls());
  std::lock_guard lock(impl_->tls_mu);
  impl_->tls_context = std::move(ctx);
  return Status::Ok();
}

size_t FrontDoor::OpenConnections() const {
  std::lock_guard lock(impl_->count_mu);
  return impl_->open;
}

}  // namespace cityid::http
