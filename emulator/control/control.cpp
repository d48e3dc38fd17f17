// The /_zonesim/* control API (JSON over the API port).
#include "emulator/app/app.hpp"
#include "emulator/control/coverage.hpp"
#include "emulator/protocol/codec.hpp"

namespace zonesim {

namespace {
http::Response json_response(int status, const json& body) {
  http::Response r;
  r.status = status;
  r.content_type = "application/json";
  r.body = body.dump();
  r.service = "zonesim";
  return r;
}
http::Response control_error(int status, const std::string& code, const std::string& message) {
  return json_response(status, json{{"error", {{"code", code}, {"message", message}}}});
}
}  // namespace

http::Response App::handle_control(const http::Request& req) {
  std::string path = req.target.substr(0, req.target.find('?'));
  http::Response r;
  if (path == "/_zonesim/health" && req.method == "GET") {
    json unimpl = json::object();
    for (auto& [k, v] : unimplemented_) unimpl[k] = v;
    r = json_response(200, json{{"status", "ok"},
                                {"region", env_->config.region},
                                {"zones", env_->config.zones_or_default()},
                                {"account", env_->config.default_account},
                                {"time", protocol::iso8601(env_->clock.now())},
                                {"resources", env_->store.document_count()},
                                {"unimplemented_calls", unimpl}});
  } else if (path == "/_zonesim/coverage" && req.method == "GET") {
    r = json_response(200, coverage_json(registry_));
  } else {
    r = control_error(404, "NotFound", "no control endpoint " + req.method + " " + path);
  }
  r.operation = path.substr(10);
  return r;
}

}  // namespace zonesim
