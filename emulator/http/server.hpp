#pragma once
// The Boost.Beast HTTP/1.1 server: one thread, keep-alive, size and time limits. It converts
// Beast messages to http::Request/Response and hands them to a callback; it knows nothing of AWS.
#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "emulator/http/message.hpp"

namespace zonesim::http {

struct Limits {
  std::size_t max_body_bytes = 16 * 1024 * 1024;
  std::size_t max_header_bytes = 64 * 1024;
  int idle_timeout_seconds = 60;     // keep-alive connection with no request
  int request_timeout_seconds = 30;  // a request must arrive whole within this
  std::size_t max_connections = 1024;
};

using RequestHandler = std::function<Response(const Request&)>;

class Server {
 public:
  Server(boost::asio::io_context& ioc, const std::string& host, std::uint16_t port,
         RequestHandler handler, Limits limits = {});
  ~Server();
  std::uint16_t port() const;  // the bound port (useful with port 0)
  void stop();

  struct Impl;  // public so that the connection sessions (in the .cpp) can reach it

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace zonesim::http
