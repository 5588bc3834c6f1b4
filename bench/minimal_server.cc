// The raw counterpart of cityid's HTTP front door (issue 15): the smallest correct HTTP/1.1
// keep-alive server on Boost.Beast over Asio, answering GET /healthz with {"status":"ok"} and
// every other request with 404. No cityid code: it is the baseline bench/frontdoor.sh measures
// `cityid serve` against, configured like it (same number of I/O threads, keep-alive, loopback).
//
//   build/bench/cityid_minimal_http [--io-threads 1] [--listen 127.0.0.1:0]
//
// Prints the bound port on stdout as one line once it listens; SIGTERM/SIGINT stop it (exit 0).
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// One connection: read a request, answer it, repeat while the client keeps it alive.
class Session : public std::enable_shared_from_this<Session> {
 public:
  explicit Session(tcp::socket&& socket) : stream_(std::move(socket)) {}

  void Start() {
    asio::dispatch(stream_.get_executor(),
                   beast::bind_front_handler(&Session::Read, shared_from_this()));
  }

 private:
  void Read() {
    req_ = {};
    http::async_read(stream_, buffer_, req_,
                     beast::bind_front_handler(&Session::OnRead, shared_from_this()));
  }

  void OnRead(beast::error_code ec, std::size_t) {
    if (ec) return Close();
    res_ = {};
    res_.version(req_.version());
    res_.keep_alive(req_.keep_alive());
    if (req_.method() == http::verb::get && req_.target() == "/healthz") {
      res_.result(http::status::ok);
      res_.set(http::field::content_type, "application/json");
      res_.body() = "{\"status\":\"ok\"}";
    } else {
      res_.result(http::status::not_found);
      res_.set(http::field::content_type, "text/plain");
      res_.body() = "not found\n";
    }
    res_.prepare_payload();
    http::async_write(stream_, res_,
                      beast::bind_front_handler(&Session::OnWrite, shared_from_this()));
  }

  void OnWrite(beast::error_code ec, std::size_t) {
    if (ec || !res_.keep_alive()) return Close();
    Read();
  }

  void Close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> req_;
  http::response<http::string_body> res_;
};

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(asio::io_context& ioc, const tcp::endpoint& at) : ioc_(ioc), acceptor_(ioc) {
    acceptor_.open(at.protocol());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind(at);
    acceptor_.listen(asio::socket_base::max_listen_connections);
  }
  unsigned short Port() const { return acceptor_.local_endpoint().port(); }
  void Accept() {
    acceptor_.async_accept(asio::make_strand(ioc_),
                           beast::bind_front_handler(&Listener::OnAccept, shared_from_this()));
  }

 private:
  void OnAccept(beast::error_code ec, tcp::socket socket) {
    if (!ec) {
      socket.set_option(tcp::no_delay(true), ec);
      std::make_shared<Session>(std::move(socket))->Start();
    }
    Accept();
  }

  asio::io_context& ioc_;
  tcp::acceptor acceptor_;
};

int Usage() {
  std::cerr << "usage: cityid_minimal_http [--io-threads N] [--listen HOST:PORT]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 1;
  std::string listen = "127.0.0.1:0";
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--io-threads" && i + 1 < argc) {
      threads = std::atoi(argv[++i]);
    } else if (a == "--listen" && i + 1 < argc) {
      listen = argv[++i];
    } else {
      return Usage();
    }
  }
  const auto colon = listen.rfind(':');
  if (threads < 1 || colon == std::string::npos) return Usage();
  try {
    asio::io_context ioc(threads);
    const tcp::endpoint at(asio::ip::make_address(listen.substr(0, colon)),
                           static_cast<unsigned short>(std::atoi(listen.c_str() + colon + 1)));
    auto listener = std::make_shared<Listener>(ioc, at);
    listener->Accept();
    asio::signal_set signals(ioc, SIGINT, SIGTERM);
    signals.async_wait([&](beast::error_code, int) { ioc.stop(); });
    std::cout << listener->Port() << std::endl;
    std::vector<std::thread> pool;
    for (int i = 1; i < threads; ++i) pool.emplace_back([&ioc] { ioc.run(); });
    ioc.run();
    for (auto& t : pool) t.join();
  } catch (const std::exception& e) {
    std::cerr << "cityid_minimal_http: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
