#include "emulator/app/listener_ports.hpp"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <set>

#include "services/elbv2/dataplane.hpp"

namespace zonesim {

void ListenerPorts::reconcile() {
  auto listeners = elbv2::listeners(app_.env());
  std::set<std::string> current;
  bool changed = false;
  for (auto& l : listeners) {
    current.insert(l.listener_arn);
    if (bound_.count(l.listener_arn)) continue;
    std::string scope = l.load_balancer.scope, lb = l.load_balancer.arn;
    int port = l.port;
    App& app = app_;
    try {
      auto server = std::make_unique<http::Server>(ioc_, host_, 0,
                                                   [&app, scope, lb, port](const http::Request& r) {
                                                     app.sync();
                                                     return app.handle_listener(r, scope, lb, port);
                                                   });
      std::string description = l.load_balancer.name + " " + l.protocol + ":" +
                                std::to_string(port) + " (" + l.load_balancer.dns_name + ")";
      std::uint16_t local = server->port();
      std::printf("zonesim: ALB listener %s -> http://%s:%u/\n", description.c_str(), host_.c_str(),
                  local);
      bound_[l.listener_arn] = {std::move(server), std::move(description), local};
      changed = true;
    } catch (const std::exception& e) {
      spdlog::error("cannot bind a port for listener {}: {}", l.listener_arn, e.what());
    }
  }
  for (auto it = bound_.begin(); it != bound_.end();) {
    if (current.count(it->first)) {
      ++it;
      continue;
    }
    std::printf("zonesim: ALB listener %s closed (port %u)\n", it->second.description.c_str(),
                it->second.port);
    it->second.server->stop();
    it = bound_.erase(it);
    changed = true;
  }
  if (!changed) return;
  std::fflush(stdout);
  std::map<std::string, std::uint16_t> ports;
  for (auto& [arn, b] : bound_) ports[arn] = b.port;
  app_.set_bound_listeners(std::move(ports));
}

}  // namespace zonesim
