#pragma once
// The Boost.Beast HTTP/1.1 server: one thread, keep-alive, size and time limits. It converts
// Beast messages to http::Request/Response and hands them to a callback; it knows nothing of AWS.
#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "emulator/http/limits.hpp"
#include "emulator/http/message.hpp"

namespace zonesim::http {

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
