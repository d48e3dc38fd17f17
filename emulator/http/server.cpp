#include "emulator/http/server.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <optional>

#include "emulator/http/parse.hpp"

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
  // Between keep-alive requests the connection may idle (idle_timeout); from the first byte of a
  // request, the whole request must arrive within request_timeout, however slowly it trickles.
  void read() {
    if (served_ > 0 && buffer_.size() == 0) {
      stream_.expires_after(std::chrono::seconds(server_->limits.idle_timeout_seconds));
      stream_.async_read_some(buffer_.prepare(4096),
                              [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                                if (ec) return self->close();
                                self->buffer_.commit(n);
                                self->read_request();
                              });
      return;
    }
    read_request();
  }

  void read_request() {
    parser_.emplace();
    parser_->body_limit(server_->limits.max_body_bytes);
    parser_->header_limit(static_cast<std::uint32_t>(server_->limits.max_header_bytes));
    stream_.expires_after(std::chrono::seconds(server_->limits.request_timeout_seconds));
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             beast::bind_front_handler(&Session::on_header, shared_from_this()));
  }

  void on_header(beast::error_code ec, std::size_t n) {
    if (!ec) {
      if (int status = check_header(parser_->get(), server_->limits)) return reject(status, "");
      // The request timer keeps running: header and body share one deadline.
      return bhttp::async_read(stream_, buffer_, *parser_,
                               beast::bind_front_handler(&Session::on_read, shared_from_this()));
    }
    on_read(ec, n);
  }

  // Malformed or over a limit: answer and close (the stream position is unknown).
  void reject(int status, const std::string& why) {
    Response r;
    r.status = status;
    r.content_type = "text/plain";
    r.body = why.empty()
                 ? std::string(bhttp::obsolete_reason(static_cast<bhttp::status>(status))) + "\n"
                 : why + "\n";
    write(std::move(r), false, "-", "-", {});
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout ||
        ec == asio::error::operation_aborted || ec == asio::error::connection_reset) {
      return close();
    }
    if (ec) return reject(status_for_parse_error(ec), ec.message());
    ++served_;
    auto t0 = std::chrono::steady_clock::now();
    // Answer in the request's version: an HTTP/1.0 client (ab -k) learns that the connection
    // stays open only from a "Connection: keep-alive" header, which 1.0 responses carry.
    version_ = parser_->get().version() == 10 ? 10 : 11;
    bool keep = parser_->get().keep_alive();
    Request req = from_beast(parser_->release());
    beast::error_code addr_ec;
    auto peer = stream_.socket().remote_endpoint(addr_ec);
    if (!addr_ec) req.remote_address = peer.address().to_string();
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
        std::string service = pending->service, operation = pending->operation;
        self->write(std::move(*pending), keep, service, operation, t0);
      });
      return;
    }
    std::string service = std::move(r.service), operation = std::move(r.operation);
    write(std::move(r), keep, service, operation, t0);
  }

  // Takes the response by value: its body moves into the Beast message (no copy).
  void write(Response r, bool keep, const std::string& service, const std::string& operation,
             std::chrono::steady_clock::time_point t0) {
    auto res = std::make_shared<bhttp::response<bhttp::string_body>>();
    res->version(version_);
    res->result(static_cast<unsigned>(r.status));
    res->set(bhttp::field::server, "zonesim");
    res->set(bhttp::field::content_type, r.content_type);
    for (auto& [k, v] : r.headers) res->set(k, v);
    res->keep_alive(keep);
    res->body() = std::move(r.body);
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
  std::size_t served_ = 0;
};

}  // namespace

void Server::Impl::accept() {
  acceptor.async_accept([self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
    if (self->stopped) return;
    if (ec) {
      // Out of file descriptors (or similar): back off instead of spinning on accept.
      if (ec == asio::error::operation_aborted) return;
      auto timer = std::make_shared<asio::steady_timer>(self->ioc, std::chrono::milliseconds(50));
      timer->async_wait([self, timer](beast::error_code) { self->accept(); });
      return;
    }
    if (self->connections >= self->limits.max_connections) {
      beast::error_code ignored;
      socket.close(ignored);
    } else {
      std::make_shared<Session>(std::move(socket), self)->start();
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
