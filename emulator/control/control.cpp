// The /_zonesim/* control API (JSON over the API port): clock, zones, faults, timeline, reset.
#include <charconv>
#include <cmath>

#include "emulator/app/app.hpp"
#include "emulator/control/coverage.hpp"
#include "emulator/control/responses.hpp"
#include "emulator/protocol/codec.hpp"
#include "emulator/sim/zones.hpp"
#include "services/elbv2/dataplane.hpp"

namespace zonesim {

namespace {

// Upper bound on one advance: a year of simulated time.
constexpr double kMaxAdvanceSeconds = 366.0 * 24 * 3600;
constexpr std::size_t kMaxTimelinePage = 10000;

using control::json_response;
using control::parse_body;

std::optional<std::string> query_param(const std::string& target, const std::string& name) {
  auto q = target.find('?');
  if (q == std::string::npos) return std::nullopt;
  for (auto& [k, v] : protocol::parse_form(std::string_view(target).substr(q + 1)))
    if (k == name) return v;
  return std::nullopt;
}

double seconds_field(const json& body, const char* name, bool required) {
  if (!body.contains(name)) {
    if (required) throw AwsError("InvalidRequest", std::string("missing '") + name + "'");
    return -1;
  }
  const json& v = body[name];
  if (!v.is_number() || !std::isfinite(v.get<double>()) || v.get<double>() < 0 ||
      v.get<double>() > kMaxAdvanceSeconds)
    throw AwsError("InvalidRequest",
                   std::string("'") + name + "' must be a number of seconds from 0 to one year");
  return v.get<double>();
}

std::string string_field(const json& body, const char* name, const std::string& fallback) {
  if (!body.contains(name)) return fallback;
  if (!body[name].is_string())
    throw AwsError("InvalidRequest", std::string("'") + name + "' must be a string");
  return body[name].get<std::string>();
}

double number_field(const json& body, const char* name, double fallback) {
  if (!body.contains(name)) return fallback;
  const json& v = body[name];
  if (!v.is_number() || !std::isfinite(v.get<double>()))
    throw AwsError("InvalidRequest", std::string("'") + name + "' must be a number");
  return v.get<double>();
}

json clock_json(const Env& env) {
  return json{{"now_ms", env.clock.now()},
              {"now", protocol::iso8601(env.clock.now())},
              {"mode", env.config.clock_mode},
              {"speed", env.config.speed},
              {"pending_events", env.clock.pending()}};
}

}  // namespace

http::Response App::handle_control(const http::Request& req) {
  std::string path = req.target.substr(0, req.target.find('?'));
  const std::string& m = req.method;
  http::Response r;
  try {
    if (path.find("..") != std::string::npos || path.find("//") != std::string::npos) {
      r = control::error(400, "InvalidPath", "invalid control path");
    } else if (path.rfind("/_zonesim/alb/", 0) == 0) {
      r = handle_alb_prefix(req);
    } else if (path == "/_zonesim/listeners" && m == "GET") {
      json out = json::array();
      for (auto& l : elbv2::listeners(*env_)) {
        auto bound = bound_listeners_.find(l.listener_arn);
        out.push_back(
            {{"load_balancer", l.load_balancer.name},
             {"load_balancer_arn", l.load_balancer.arn},
             {"dns_name", l.load_balancer.dns_name},
             {"local_dns_name", elbv2::local_dns_name(l.load_balancer.dns_name)},
             {"listener_arn", l.listener_arn},
             {"protocol", l.protocol},
             {"port", l.port},
             {"path_prefix", "/_zonesim/alb/" + l.load_balancer.name +
                                 (l.port == 80 ? "" : ":" + std::to_string(l.port)) + "/"},
             {"local_port",
              bound == bound_listeners_.end() ? json(nullptr) : json(bound->second)}});
      }
      r = json_response(200, json{{"listeners", out}});
    } else if (path == "/_zonesim/metrics" && m == "GET") {
      auto name = query_param(req.target, "load_balancer");
      if (!name || name->empty())
        throw AwsError("InvalidRequest", "load_balancer=<name> is required");
      std::string scope =
          query_param(req.target, "account").value_or(env_->config.default_account) + "/" +
          query_param(req.target, "region").value_or(env_->config.region);
      auto lb = elbv2::find_by_name(*env_, *name, scope);
      if (!lb)
        throw AwsError("LoadBalancerNotFound", "no application load balancer named '" + *name + "'",
                       404);
      r = json_response(200, elbv2::metrics_json(*env_, *lb));
    } else if (path == "/_zonesim/health" && m == "GET") {
      json unimpl = json::object();
      for (auto& [k, v] : unimplemented_) unimpl[k] = v;
      r = json_response(200, json{{"status", "ok"},
                                  {"region", env_->config.region},
                                  {"zones", env_->config.zones_or_default()},
                                  {"account", env_->config.default_account},
                                  {"time", protocol::iso8601(env_->clock.now())},
                                  {"resources", env_->store.document_count()},
                                  {"unimplemented_calls", unimpl}});
    } else if (path == "/_zonesim/coverage" && m == "GET") {
      r = json_response(200, coverage_json(registry_));
    } else if (path == "/_zonesim/clock" && m == "GET") {
      r = json_response(200, clock_json(*env_));
    } else if (path == "/_zonesim/clock/advance" && m == "POST") {
      json body = parse_body(req);
      double secs = seconds_field(body, "seconds", true);
      std::size_t ran = advance_by(static_cast<sim::Millis>(std::llround(secs * 1000)));
      json out = clock_json(*env_);
      out["events_run"] = ran;
      r = json_response(200, out);
    } else if (path == "/_zonesim/zones" && m == "GET") {
      r = json_response(200, json{{"zones", sim::zones_json(*env_)}});
    } else if (path.rfind("/_zonesim/zones/", 0) == 0 && m == "POST") {
      std::string rest = path.substr(16);
      auto slash = rest.find('/');
      std::string zone = rest.substr(0, slash),
                  verb = slash == std::string::npos ? "" : rest.substr(slash + 1);
      if (verb != "fail" && verb != "restore") {
        r = control::error(404, "NotFound", "no control endpoint " + m + " " + path);
      } else {
        json body = parse_body(req);
        env_->store.begin();
        try {
          if (verb == "fail") {
            sim::ZoneFault f;
            f.kind = string_field(body, "kind", "power");
            double d = seconds_field(body, "duration_seconds", false);
            if (d >= 0) f.duration_ms = static_cast<sim::Millis>(std::llround(d * 1000));
            f.latency_ms = number_field(body, "latency_ms", f.latency_ms);
            f.loss_rate = number_field(body, "loss_rate", f.loss_rate);
            sim::fail_zone(*env_, zone, f);
          } else {
            sim::restore_zone(*env_, zone);
          }
          persist_runtime_state();
          env_->store.commit();
        } catch (...) {
          if (env_->store.in_transaction()) env_->store.rollback();
          throw;
        }
        r = json_response(200, json{{"zones", sim::zones_json(*env_)}});
      }
    } else if (path == "/_zonesim/faults" && m == "POST") {
      json body = parse_body(req);
      std::string action = string_field(body, "action", "");
      auto it = registry_.fault_handlers.find(action);
      if (it == registry_.fault_handlers.end()) {
        std::string known;
        for (auto& [k, v] : registry_.fault_handlers) known += (known.empty() ? "" : ", ") + k;
        r = control::error(400, "InvalidFault",
                           "unknown fault action '" + action + "' (known: " + known + ")");
      } else {
        env_->store.begin();
        try {
          json out = it->second(*env_, body);
          persist_runtime_state();
          env_->store.commit();
          r = json_response(200, out);
        } catch (...) {
          if (env_->store.in_transaction()) env_->store.rollback();
          throw;
        }
      }
    } else if (path == "/_zonesim/timeline" && m == "GET") {
      sim::Millis since = 0;
      std::int64_t after = 0;
      std::size_t limit = kMaxTimelinePage;
      if (auto s = query_param(req.target, "after_seq")) {
        auto res = std::from_chars(s->data(), s->data() + s->size(), after);
        if (res.ec != std::errc() || res.ptr != s->data() + s->size())
          throw AwsError("InvalidRequest", "after_seq must be an integer");
      }
      if (auto s = query_param(req.target, "since_ms")) {
        auto res = std::from_chars(s->data(), s->data() + s->size(), since);
        if (res.ec != std::errc() || res.ptr != s->data() + s->size())
          throw AwsError("InvalidRequest", "since_ms must be an integer");
      }
      if (auto s = query_param(req.target, "limit")) {
        auto res = std::from_chars(s->data(), s->data() + s->size(), limit);
        if (res.ec != std::errc() || res.ptr != s->data() + s->size() || limit == 0 ||
            limit > kMaxTimelinePage)
          throw AwsError("InvalidRequest", "limit must be 1.." + std::to_string(kMaxTimelinePage));
      }
      r = json_response(200, json{{"events", env_->store.timeline(since, after, limit)}});
    } else if (path == "/_zonesim/state" && m == "GET") {
      r = json_response(200, export_state());
    } else if (path == "/_zonesim/state" && m == "POST") {
      json body = json::parse(req.body, nullptr, false);
      if (body.is_discarded())
        throw AwsError("InvalidSnapshot", "the body must be a JSON snapshot");
      r = json_response(200, import_state(body));
    } else if (path == "/_zonesim/drills" || path.rfind("/_zonesim/drills/", 0) == 0) {
      r = handle_drills(req, path);
    } else if (path == "/_zonesim/reset" && m == "POST") {
      reset();
      r = json_response(200, json{{"status", "reset"}, {"clock", clock_json(*env_)}});
    } else {
      r = control::error(404, "NotFound", "no control endpoint " + m + " " + path);
    }
  } catch (const AwsError& e) {
    r = control::error(e.http_status(), e.code(), e.message());
  } catch (const std::exception& e) {
    r = control::error(500, "InternalFailure", e.what());
  }
  r.operation = path.size() > 10 ? path.substr(10) : path;
  return r;
}

}  // namespace zonesim
