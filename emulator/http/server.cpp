#include "emulator/http/server.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <optional>

namespace zonesim::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

struct Server::Impl : std::enable_shared_from_this<Server::Impl> {
  asio::io_context& ioc;
  tcp::acceptor acceptor;
  RequestHandler handler;
  Limits limits;
  std::size_t connections = 0;
  bool stopped = false;

  Impl(asio::io_context& c, RequestHandler h, Limits l)
      : ioc(c), acceptor(c), handler(std::move(h)), limits(l) {}

  void accept();
};

namespace {

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, std::shared_ptr<Server::Impl> server)
      : stream_(std::move(socket)), delay_(stream_.get_executor()), server_(std::move(server)) {
    ++server_->connections;
  }
  ~Session() { --server_->connections; }

  void start() { read(); }

 private:
  void read() {
    parser_.emplace();
    parser_->body_limit(server_->limits.max_body_bytes);
    parser_->header_limit(static_cast<std::uint32_t>(server_->limits.max_header_bytes));
    stream_.expires_after(std::chrono::seconds(server_->limits.request_timeout_seconds));
    bhttp::async_read(stream_, buffer_, *parser_,
                      beast::bind_front_handler(&Session::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout ||
        ec == asio::error::operation_aborted || ec == asio::error::connection_reset) {
      return close();
    }
    if (ec) {
      // Malformed or oversized request: answer and close (the stream position is unknown).
      int status = ec == bhttp::error::body_limit     ? 413
                   : ec == bhttp::error::header_limit ? 431
                                                      : 400;
      Response r;
      r.status = status;
      r.content_type = "text/plain";
      r.body = ec.message() + "\n";
      return write(r, false, "-", "-", {});
    }
    auto t0 = std::chrono::steady_clock::now();
    auto& msg = parser_->get();
    Request req;
    req.method = std::string(msg.method_string());
    req.target = std::string(msg.target());
    for (auto& f : msg) {
      std::string name(f.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      req.headers.emplace_back(std::move(name), std::string(f.value()));
    }
    req.body = std::move(msg.body());
    beast::error_code addr_ec;
    auto peer = stream_.socket().remote_endpoint(addr_ec);
    if (!addr_ec) req.remote_address = peer.address().to_string();
    bool keep = msg.keep_alive();
    // Answer in the request's version: an HTTP/1.0 client (ab -k) learns that the connection
    // stays open only from a "Connection: keep-alive" header, which 1.0 responses carry.
    version_ = msg.version() == 10 ? 10 : 11;
    Response r;
    try {
      r = server_->handler(req);
    } catch (const std::exception& e) {
      spdlog::error("unhandled error: {}", e.what());
      r.status = 500;
      r.content_type = "text/plain";
      r.body = "internal error\n";
    }
    if (r.drop_connection) {
      // Reset (RST), not a graceful close: clients report a failed connection, whereas an empty
      // graceful close can pass for a complete response (ab counts it as one).
      spdlog::info("{} {} reset", r.service, r.operation);
      beast::error_code ignored;
      stream_.socket().set_option(asio::socket_base::linger(true, 0), ignored);
      stream_.socket().close(ignored);
      return;
    }
    if (r.delay_ms > 0) {
      // Latency the answer carries (e.g. a degraded zone): wait without blocking the I/O thread.
      auto pending = std::make_shared<Response>(std::move(r));
      delay_.expires_after(
          std::chrono::microseconds(static_cast<std::int64_t>(pending->delay_ms * 1000)));
      delay_.async_wait([self = shared_from_this(), pending, keep, t0](beast::error_code wait_ec) {
        if (wait_ec || self->server_->stopped) return self->close();
        self->write(*pending, keep, pending->service, pending->operation, t0);
      });
      return;
    }
    write(r, keep, r.service, r.operation, t0);
  }

  void write(const Response& r, bool keep, const std::string& service, const std::string& operation,
             std::chrono::steady_clock::time_point t0) {
    auto res = std::make_shared<bhttp::response<bhttp::string_body>>();
    res->version(version_);
    res->result(static_cast<unsigned>(r.status));
    res->set(bhttp::field::server, "zonesim");
    res->set(bhttp::field::content_type, r.content_type);
    for (auto& [k, v] : r.headers) res->set(k, v);
    res->keep_alive(keep);
    res->body() = r.body;
    res->prepare_payload();
    if (t0 != std::chrono::steady_clock::time_point{}) {
      double ms =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
      spdlog::info("{} {} {} {:.2f}ms", service, operation, r.status, ms);
    }
    stream_.expires_after(std::chrono::seconds(server_->limits.request_timeout_seconds));
    bhttp::async_write(stream_, *res,
                       [self = shared_from_this(), res, keep](beast::error_code ec, std::size_t) {
                         if (ec || !keep || self->server_->stopped) return self->close();
                         self->read();
                       });
  }

  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.socket().close(ec);
  }

  beast::tcp_stream stream_;
  asio::steady_timer delay_;
  unsigned version_ = 11;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::shared_ptr<Server::Impl> server_;
};

}  // namespace

void Server::Impl::accept() {
  acceptor.async_accept([self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
    if (self->stopped) return;
    if (!ec) {
      if (self->connections >= self->limits.max_connections) {
        beast::error_code ignored;
        socket.close(ignored);
      } else {
        std::make_shared<Session>(std::move(socket), self)->start();
      }
    }
    self->accept();
  });
}

Server::Server(asio::io_context& ioc, const std::string& host, std::uint16_t port,
               RequestHandler handler, Limits limits)
    : impl_(std::make_shared<Impl>(ioc, std::move(handler), limits)) {
  tcp::endpoint ep(asio::ip::make_address(host), port);
  impl_->acceptor.open(ep.protocol());
  impl_->acceptor.set_option(asio::socket_base::reuse_address(true));
  impl_->acceptor.bind(ep);
  impl_->acceptor.listen(asio::socket_base::max_listen_connections);
  impl_->accept();
}

Server::~Server() {
  stop();
}

std::uint16_t Server::port() const {
  return impl_->acceptor.local_endpoint().port();
}

void Server::stop() {
  if (impl_->stopped) return;
  impl_->stopped = true;
  beast::error_code ec;
  impl_->acceptor.close(ec);
}

}  // namespace zonesim::http
