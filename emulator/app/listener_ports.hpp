#pragma once
// serve --bind-listeners: one local HTTP port per ALB listener, on the same I/O thread and with
// the same limits as the API port (http::Server). Each port sends everything it receives to its
// listener (App::handle_listener). reconcile() binds the ports of new listeners and closes those
// of deleted ones; serve calls it at start and after every control-plane request.
#include <boost/asio/io_context.hpp>
#include <map>
#include <memory>
#include <string>

#include "emulator/app/app.hpp"
#include "emulator/http/server.hpp"

namespace zonesim {

class ListenerPorts {
 public:
  ListenerPorts(boost::asio::io_context& ioc, App& app, std::string host)
      : ioc_(ioc), app_(app), host_(std::move(host)) {}
  void reconcile();

 private:
  struct Bound {
    std::unique_ptr<http::Server> server;
    std::string description;
    std::uint16_t port = 0;
  };
  boost::asio::io_context& ioc_;
  App& app_;
  std::string host_;
  std::map<std::string, Bound> bound_;  // by listener ARN
};

}  // namespace zonesim
