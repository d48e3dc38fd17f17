// The /_zonesim/* control API (JSON over the API port): clock, zones, faults, timeline, reset.
#include <charconv>
#include <cmath>

#include "emulator/app/app.hpp"
#include "emulator/control/coverage.hpp"
#include "emulator/protocol/codec.hpp"
#include "emulator/sim/zones.hpp"

namespace zonesim {

namespace {

// Upper bound on one advance: a year of simulated time.
constexpr double kMaxAdvanceSeconds = 366.0 * 24 * 3600;
constexpr std::size_t kMaxTimelinePage = 10000;

http::Response json_response(int status, const json& body) {
  http::Response r;
  r.status = status;
  r.content_type = "application/json";
  // Paths and names are echoed back; invalid UTF-8 in them becomes U+FFFD, never an exception.
  r.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  r.service = "zonesim";
  return r;
}

http::Response control_error(int status, const std::string& code, const std::string& message) {
  return json_response(status, json{{"error", {{"code", code}, {"message", message}}}});
}

json parse_body(const http::Request& req) {
  if (req.body.find_first_not_of(" \t\r\n") == std::string::npos) return json::object();
  json j = json::parse(req.body, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    throw AwsError("InvalidRequest", "the body must be a JSON object");
  return j;
}

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
      r = control_error(400, "InvalidPath", "invalid control path");
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
        r = control_error(404, "NotFound", "no control endpoint " + m + " " + path);
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
        r = control_error(400, "InvalidFault",
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
    } else if (path == "/_zonesim/reset" && m == "POST") {
      reset();
      r = json_response(200, json{{"status", "reset"}, {"clock", clock_json(*env_)}});
    } else {
      r = control_error(404, "NotFound", "no control endpoint " + m + " " + path);
    }
  } catch (const AwsError& e) {
    r = control_error(e.http_status(), e.code(), e.message());
  } catch (const std::exception& e) {
    r = control_error(500, "InternalFailure", e.what());
  }
  r.operation = path.size() > 10 ? path.substr(10) : path;
  return r;
}

}  // namespace zonesim
