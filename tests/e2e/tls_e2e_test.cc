// End-to-end (issue 15, "optional native TLS"): the real `cityid serve --tls-cert --tls-key`
// spoken to by an OpenSSL client over a raw socket. Certificates are made here with the OpenSSL
// API (a test CA and P-256 leaf certificates for the IP address 127.0.0.1), never by a shell
// command nor from committed files. What it shows: the given certificate is served (TLS 1.2 or
// later only) and the session cookie is Secure; plaintext HTTP on the TLS port gets no answer;
// SIGHUP swaps the certificate for new connections while open ones go on; a broken certificate
// on SIGHUP keeps the old one; a key of another certificate, a lone --tls-cert and an unreadable
// certificate are refused at start with the documented exit codes.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "server_harness.h"

namespace {

using namespace cityid::e2e;  // NOLINT(build/namespaces): the harness is this test's vocabulary
using nlohmann::json;
using SteadyClock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

// docs/cli.md, "Exit status".
constexpr int kExitInvalidInput = 3;
constexpr int kExitUnavailable = 8;  // I/O error

// ---- certificates, made with the OpenSSL API ----

struct KeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
using Key = std::unique_ptr<EVP_PKEY, KeyFree>;
using Cert = std::unique_ptr<X509, X509Free>;

// A certificate and its key, with the PEM texts written to disk.
struct Identity {
  Key key;
  Cert cert;
  std::string cert_pem;
  std::string key_pem;
};

std::string OpenSslErrors() {
  std::string out;
  while (const unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    out += std::string(buf) + "; ";
  }
  return out;
}

bool AddExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr) return false;
  const bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

std::string Pem(int (*write)(BIO*, void*), void* what) {
  BIO* bio = BIO_new(BIO_s_mem());
  std::string out;
  if (write(bio, what) == 1) {
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio, &data);
    out.assign(data, static_cast<size_t>(n));
  }
  BIO_free(bio);
  return out;
}

// A new P-256 key and a certificate for it valid from an hour ago for a day: a CA when `ca` is
// null (self-signed, CA:TRUE), otherwise a server certificate for IP 127.0.0.1 signed by `ca`.
Identity MakeIdentity(const std::string& common_name, const Identity* ca, long serial) {
  Identity id;
  id.key.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  EXPECT_NE(id.key, nullptr) << OpenSslErrors();
  if (!id.key) return id;
  id.cert.reset(X509_new());
  X509* x = id.cert.get();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), 24 * 3600);
  X509_set_pubkey(x, id.key.get());
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1,
                             0);
  X509* issuer = ca != nullptr ? ca->cert.get() : x;
  X509_set_issuer_name(x, X509_get_subject_name(issuer));
  bool ok = true;
  if (ca == nullptr) {
    ok = ok && AddExtension(x, issuer, NID_basic_constraints, "critical,CA:TRUE");
    ok = ok && AddExtension(x, issuer, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    ok = ok && AddExtension(x, issuer, NID_basic_constraints, "critical,CA:FALSE");
    ok = ok && AddExtension(x, issuer, NID_key_usage, "critical,digitalSignature");
    ok = ok && AddExtension(x, issuer, NID_ext_key_usage, "serverAuth");
    ok = ok && AddExtension(x, issuer, NID_subject_alt_name, "IP:127.0.0.1");
  }
  EXPECT_TRUE(ok) << OpenSslErrors();
  EVP_PKEY* signer = ca != nullptr ? ca->key.get() : id.key.get();
  EXPECT_GT(X509_sign(x, signer, EVP_sha256()), 0) << OpenSslErrors();
  id.cert_pem =
      Pem([](BIO* b, void* c) { return PEM_write_bio_X509(b, static_cast<X509*>(c)); }, x);
  id.key_pem = Pem(
      [](BIO* b, void* k) {
        return PEM_write_bio_PrivateKey(b, static_cast<EVP_PKEY*>(k), nullptr, nullptr, 0, nullptr,
                                        nullptr);
      },
      id.key.get());
  EXPECT_FALSE(id.cert_pem.empty());
  EXPECT_FALSE(id.key_pem.empty());
  return id;
}

// The SHA-256 fingerprint of `cert` in hex ("" for none).
std::string Fingerprint(const X509* cert) {
  if (cert == nullptr) return "";
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (X509_digest(cert, EVP_sha256(), md, &n) != 1) return "";
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < n; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 15];
  }
  return out;
}

// Writes `text` to `path` through a temporary name and a rename, as a deployment tool (or
// certbot) replaces a certificate: a reader sees the old file or the new one, never half.
void ReplaceFile(const fs::path& path, const std::string& text) {
  const fs::path tmp = path.string() + ".new";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    f << text;
    ASSERT_TRUE(f.good()) << tmp;
  }
  fs::rename(tmp, path);
}

// ---- an OpenSSL client over a raw socket ----

struct Answer {
  int status = 0;                              // 0: no complete status line and header block
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  std::string Header(const std::string& name) const {
    const auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// A blocking TCP connection to 127.0.0.1:`port` with 5 s send and receive timeouts; -1 on
// failure.
int ConnectTcp(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<uint16_t>(port));
  ::inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// The client's TLS settings: the test CA is the only trust anchor, the server must present a
// certificate for IP 127.0.0.1 (no SNI: RFC 6066 names hosts only).
class ClientContext {
 public:
  // `max_version` 0: whatever OpenSSL offers. A lower maximum also lowers the client's own
  // security level and minimum, so that a refusal can only come from the server.
  explicit ClientContext(const Identity& ca, int max_version = 0)
      : ctx_(SSL_CTX_new(TLS_client_method())) {
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
    X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx_), ca.cert.get());
    X509_VERIFY_PARAM_set1_ip_asc(SSL_CTX_get0_param(ctx_), "127.0.0.1");
    if (max_version != 0) {
      SSL_CTX_set_security_level(ctx_, 0);
      SSL_CTX_set_min_proto_version(ctx_, TLS1_VERSION);
      SSL_CTX_set_max_proto_version(ctx_, max_version);
      SSL_CTX_set_cipher_list(ctx_, "ALL:@SECLEVEL=0");
    }
  }
  ~ClientContext() { SSL_CTX_free(ctx_); }
  ClientContext(const ClientContext&) = delete;
  ClientContext& operator=(const ClientContext&) = delete;
  SSL_CTX* get() const { return ctx_; }

 private:
  SSL_CTX* ctx_;
};

// One TLS connection; keep-alive: one Exchange after another.
class TlsConn {
 public:
  TlsConn(const ClientContext& ctx, int port) {
    fd_ = ConnectTcp(port);
    if (fd_ < 0) {
      error_ = std::string("connect: ") + std::strerror(errno);
      return;
    }
    ssl_ = SSL_new(ctx.get());
    SSL_set_fd(ssl_, fd_);
    if (SSL_connect(ssl_) != 1) {
      reason_ = ERR_GET_REASON(ERR_peek_error());
      error_ = "handshake: " + OpenSslErrors() +
               " verify: " + X509_verify_cert_error_string(SSL_get_verify_result(ssl_));
      return;
    }
    handshaken_ = true;
  }
  ~TlsConn() {
    if (ssl_ != nullptr) SSL_free(ssl_);
    if (fd_ >= 0) ::close(fd_);
  }
  TlsConn(const TlsConn&) = delete;
  TlsConn& operator=(const TlsConn&) = delete;

  // The handshake succeeded and the certificate verified.
  bool ok() const { return handshaken_; }
  const std::string& error() const { return error_; }
  // Why the handshake failed: the OpenSSL reason code (SSL_R_...), 0 if it did not.
  int reason() const { return reason_; }
  int version() const { return ok() ? SSL_version(ssl_) : 0; }
  // The SHA-256 fingerprint of the certificate the server presented.
  std::string PeerFingerprint() const {
    if (!ok()) return "";
    X509* peer = SSL_get1_peer_certificate(ssl_);
    const std::string fp = Fingerprint(peer);
    X509_free(peer);
    return fp;
  }

  // Sends `request` and reads one answer (Content-Length framed, as the front door sends).
  Answer Exchange(const std::string& request) {
    Answer a;
    if (!ok()) return a;
    size_t written = 0;
    while (written < request.size()) {
      const int n =
          SSL_write(ssl_, request.data() + written, static_cast<int>(request.size() - written));
      if (n <= 0) return a;
      written += static_cast<size_t>(n);
    }
    size_t head_end;
    while ((head_end = buf_.find("\r\n\r\n")) == std::string::npos) {
      if (!ReadSome()) return a;
    }
    const std::string head = buf_.substr(0, head_end);
    if (head.rfind("HTTP/1.", 0) != 0 || head.size() < 12) return a;
    size_t at = head.find("\r\n");
    while (at != std::string::npos && at < head.size()) {
      const size_t next = head.find("\r\n", at + 2);
      const std::string line =
          head.substr(at + 2, next == std::string::npos ? std::string::npos : next - at - 2);
      const size_t colon = line.find(':');
      if (colon != std::string::npos) {
        std::string value = line.substr(colon + 1);
        value.erase(0, value.find_first_not_of(" \t"));
        a.headers[Lower(line.substr(0, colon))] = value;
      }
      at = next;
    }
    const size_t length = std::strtoul(a.Header("content-length").c_str(), nullptr, 10);
    while (buf_.size() < head_end + 4 + length) {
      if (!ReadSome()) return a;
    }
    a.body = buf_.substr(head_end + 4, length);
    a.status = std::atoi(head.c_str() + 9);
    buf_.erase(0, head_end + 4 + length);
    return a;
  }

 private:
  bool ReadSome() {
    char chunk[16384];
    const int n = SSL_read(ssl_, chunk, sizeof chunk);
    if (n <= 0) return false;
    buf_.append(chunk, static_cast<size_t>(n));
    return true;
  }

  int fd_ = -1;
  SSL* ssl_ = nullptr;
  bool handshaken_ = false;
  int reason_ = 0;
  std::string error_;
  std::string buf_;
};

std::string GetRequest(const std::string& target) {
  return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
}

// ---- the fixture ----

// The real clock: the client checks the certificates' validity against it. The server is
// started by each test (with TLS, or not at all), not by SetUp.
class TlsE2eTest : public ServerTest {
 protected:
  TlsE2eTest() : ServerTest("tls", /*fixed_clock=*/false) {}

  void SetUp() override {
    tmp_ = fs::temp_directory_path() /
           ("cityid-tls-e2e-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(tmp_);
    fs::create_directories(tmp_);
    data_ = (tmp_ / "data").string();
    cert_ = tmp_ / "server.crt";
    key_ = tmp_ / "server.key";
    ca_ = MakeIdentity("cityid test CA", nullptr, 1);
    a_ = MakeIdentity("cityid test server A", &ca_, 2);
    b_ = MakeIdentity("cityid test server B", &ca_, 3);
    ASSERT_FALSE(HasFailure());
  }

  // Writes `who`'s certificate and key to cert_ and key_.
  void Install(const Identity& who) {
    ASSERT_NO_FATAL_FAILURE(ReplaceFile(cert_, who.cert_pem));
    ASSERT_NO_FATAL_FAILURE(ReplaceFile(key_, who.key_pem));
  }

  std::vector<std::string> ServeArgs(const std::vector<std::string>& extra) const {
    std::vector<std::string> args = {"serve",
                                     "--data",
                                     data_,
                                     "--listen",
                                     "127.0.0.1:0",
                                     "--policy",
                                     Source() + "/policies/new-york-points.toml"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }

  // Starts `cityid serve` with cert_ and key_ and waits (up to 20 s) until it prints its
  // https:// address; sets server_ and port_.
  void StartTls() {
    server_ = Spawn(ServeArgs({"--tls-cert", cert_.string(), "--tls-key", key_.string()}),
                    "/dev/null", tmp_ / "server.out", tmp_ / "server.err");
    ASSERT_GT(server_, 0);
    const std::string marker = "https://127.0.0.1:";
    for (int i = 0; i < 400 && port_ == 0; ++i) {
      const std::string text = Slurp(tmp_ / "server.out");
      const auto at = text.find(marker);
      if (at != std::string::npos) {
        port_ = std::atoi(text.c_str() + at + marker.size());
        break;
      }
      int status = 0;
      ASSERT_EQ(::waitpid(server_, &status, WNOHANG), 0)
          << "serve exited: " << Slurp(tmp_ / "server.err");
      std::this_thread::sleep_for(milliseconds(50));
    }
    ASSERT_GT(port_, 0) << Slurp(tmp_ / "server.out") << Slurp(tmp_ / "server.err");
  }

  // Runs `cityid serve` with `extra` flags, expecting it to exit at start; its exit code, and
  // its stderr in last_err_.
  int ServeFails(const std::vector<std::string>& extra) {
    const pid_t pid = Spawn(ServeArgs(extra), "/dev/null", tmp_ / "fail.out", tmp_ / "fail.err");
    if (pid <= 0) return -1;
    // Bounded: a server that starts instead would never exit on its own.
    for (int i = 0; i < 400; ++i) {
      int status = 0;
      if (::waitpid(pid, &status, WNOHANG) == pid) {
        last_err_ = Slurp(tmp_ / "fail.err");
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(milliseconds(50));
    }
    kill(pid, SIGKILL);
    Wait(pid);
    last_err_ = Slurp(tmp_ / "fail.err");
    return -2;  // still running after 20 s
  }

  // Polls the server's stderr (up to 5 s) for `text`.
  bool StderrSays(const std::string& text) {
    const auto deadline = SteadyClock::now() + seconds(5);
    while (SteadyClock::now() < deadline) {
      if (Slurp(tmp_ / "server.err").find(text) != std::string::npos) return true;
      std::this_thread::sleep_for(milliseconds(20));
    }
    return false;
  }

  // The server process has not exited.
  bool Alive() const {
    int status = 0;
    return ::waitpid(server_, &status, WNOHANG) == 0;
  }

  Identity ca_, a_, b_;
  fs::path cert_, key_;
};

TEST_F(TlsE2eTest, ServesHttpsWithTheGivenCertificate) {
  ASSERT_NO_FATAL_FAILURE(Install(a_));
  ASSERT_NO_FATAL_FAILURE(StartTls());
  const ClientContext client(ca_);

  TlsConn conn(client, port_);
  ASSERT_TRUE(conn.ok()) << conn.error() << Slurp(tmp_ / "server.err");
  EXPECT_EQ(conn.PeerFingerprint(), Fingerprint(a_.cert.get()));
  EXPECT_GE(conn.version(), TLS1_2_VERSION);
  const Answer health = conn.Exchange(GetRequest("/healthz"));
  EXPECT_EQ(health.status, 200) << health.body;
  EXPECT_EQ(health.Header("x-request-id").size(), 16u);

  // A client that goes no further than TLS 1.1 (and would accept any cipher) is refused.
  const ClientContext old_client(ca_, TLS1_1_VERSION);
  TlsConn old(old_client, port_);
  EXPECT_FALSE(old.ok()) << "TLS 1.1 accepted: version " << std::hex << old.version();
  // Refused by the server (its protocol_version alert), not by the client's own settings.
  EXPECT_EQ(old.reason(), SSL_R_TLSV1_ALERT_PROTOCOL_VERSION) << old.error();

  // --tls-cert marks the session cookie Secure (no --secure-cookies given).
  EXPECT_TRUE(AddStaff("carla", "clerk").empty());
  const std::string body = json{{"user", "carla"}, {"password", kPassword}}.dump();
  const Answer login = conn.Exchange(
      "POST /api/v1/sessions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
      "application/json\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body);
  ASSERT_EQ(login.status, 201) << login.body;
  const std::string cookie = login.Header("set-cookie");
  EXPECT_NE(cookie.find("; Secure"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos) << cookie;
}

TEST_F(TlsE2eTest, PlainHttpToTheTlsPortGetsNoAnswer) {
  ASSERT_NO_FATAL_FAILURE(Install(a_));
  ASSERT_NO_FATAL_FAILURE(StartTls());

  const int fd = ConnectTcp(port_);
  ASSERT_GE(fd, 0) << std::strerror(errno);
  const std::string request = GetRequest("/healthz");
  ASSERT_EQ(::send(fd, request.data(), request.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(request.size()));
  // Whatever comes back (a TLS alert at most) until the server closes, within 5 s (well under
  // the 10 s header deadline: the handshake fails at the first bytes).
  std::string got;
  bool closed = false;
  const auto deadline = SteadyClock::now() + seconds(5);
  while (SteadyClock::now() < deadline) {
    char chunk[4096];
    const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n > 0) {
      got.append(chunk, static_cast<size_t>(n));
      continue;
    }
    closed = n == 0 || errno == ECONNRESET;
    if (closed || (errno != EAGAIN && errno != EINTR)) break;
  }
  ::close(fd);
  EXPECT_TRUE(closed) << "the connection stayed open";
  EXPECT_EQ(got.find("HTTP/"), std::string::npos) << got;

  // The server goes on serving TLS clients.
  const ClientContext client(ca_);
  TlsConn conn(client, port_);
  ASSERT_TRUE(conn.ok()) << conn.error();
  EXPECT_EQ(conn.Exchange(GetRequest("/healthz")).status, 200);
}

TEST_F(TlsE2eTest, SighupReloadsTheCertificateForNewConnections) {
  ASSERT_NO_FATAL_FAILURE(Install(a_));
  ASSERT_NO_FATAL_FAILURE(StartTls());
  const ClientContext client(ca_);
  const std::string fp_a = Fingerprint(a_.cert.get());
  const std::string fp_b = Fingerprint(b_.cert.get());
  ASSERT_NE(fp_a, fp_b);

  // A keep-alive connection made before the reload.
  TlsConn before(client, port_);
  ASSERT_TRUE(before.ok()) << before.error();
  EXPECT_EQ(before.PeerFingerprint(), fp_a);
  EXPECT_EQ(before.Exchange(GetRequest("/healthz")).status, 200);

  ASSERT_NO_FATAL_FAILURE(Install(b_));
  ASSERT_EQ(kill(server_, SIGHUP), 0);
  std::string presented;
  const auto deadline = SteadyClock::now() + seconds(5);
  while (SteadyClock::now() < deadline) {
    TlsConn probe(client, port_);
    ASSERT_TRUE(probe.ok()) << probe.error();
    presented = probe.PeerFingerprint();
    if (presented == fp_b) {
      EXPECT_EQ(probe.Exchange(GetRequest("/healthz")).status, 200);
      break;
    }
    std::this_thread::sleep_for(milliseconds(20));
  }
  EXPECT_EQ(presented, fp_b) << "a new connection still gets the old certificate";

  // The connection made before goes on, with the certificate it began with.
  const Answer again = before.Exchange(GetRequest("/healthz"));
  EXPECT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(before.PeerFingerprint(), fp_a);
  EXPECT_TRUE(StderrSays("TLS certificate reloaded")) << Slurp(tmp_ / "server.err");
}

TEST_F(TlsE2eTest, ABrokenCertificateOnSighupKeepsTheOldOne) {
  ASSERT_NO_FATAL_FAILURE(Install(a_));
  ASSERT_NO_FATAL_FAILURE(StartTls());
  const ClientContext client(ca_);

  ASSERT_NO_FATAL_FAILURE(ReplaceFile(cert_, "-----BEGIN CERTIFICATE-----\nnot base64 at all\n"));
  ASSERT_EQ(kill(server_, SIGHUP), 0);
  ASSERT_TRUE(StderrSays("TLS reload failed")) << Slurp(tmp_ / "server.err");
  EXPECT_EQ(Slurp(tmp_ / "server.err").find("TLS certificate reloaded"), std::string::npos);

  ASSERT_TRUE(Alive()) << Slurp(tmp_ / "server.err");
  TlsConn conn(client, port_);
  ASSERT_TRUE(conn.ok()) << conn.error();
  EXPECT_EQ(conn.PeerFingerprint(), Fingerprint(a_.cert.get()));
  EXPECT_EQ(conn.Exchange(GetRequest("/healthz")).status, 200);
}

TEST_F(TlsE2eTest, MismatchedOrMissingKeyIsRefusedAtStart) {
  // Certificate A with the key of certificate B (both P-256).
  ASSERT_NO_FATAL_FAILURE(ReplaceFile(cert_, a_.cert_pem));
  ASSERT_NO_FATAL_FAILURE(ReplaceFile(key_, b_.key_pem));
  EXPECT_EQ(ServeFails({"--tls-cert", cert_.string(), "--tls-key", key_.string()}),
            kExitInvalidInput)
      << last_err_;
  EXPECT_NE(last_err_.find("--tls-key"), std::string::npos) << last_err_;

  // --tls-cert alone.
  ASSERT_NO_FATAL_FAILURE(ReplaceFile(key_, a_.key_pem));
  EXPECT_EQ(ServeFails({"--tls-cert", cert_.string()}), kExitInvalidInput) << last_err_;
  EXPECT_NE(last_err_.find("--tls-key"), std::string::npos) << last_err_;

  // A certificate path that cannot be read: an I/O error.
  EXPECT_EQ(ServeFails({"--tls-cert", (tmp_ / "no-such.crt").string(), "--tls-key", key_.string()}),
            kExitUnavailable)
      << last_err_;
  EXPECT_NE(last_err_.find("--tls-cert"), std::string::npos) << last_err_;
}

}  // namespace
