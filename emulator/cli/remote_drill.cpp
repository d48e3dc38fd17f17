#include "emulator/cli/remote_drill.hpp"

#include <algorithm>
#include <chrono>
#include <thread>

#include "emulator/cli/client.hpp"

namespace zonesim::cli {

namespace {

json call(const std::string& endpoint, const std::string& method, const std::string& target,
          const json& body, int expected) {
  ClientResponse r = http_call(endpoint, method, target, body.is_null() ? "" : body.dump());
  json j = json::parse(r.body, nullptr, false);
  if (r.status != expected) {
    std::string code, message = r.body;
    if (!j.is_discarded() && j.contains("error")) {
      code = j["error"].value("code", "");
      message = j["error"].value("message", r.body);
    }
    throw RemoteDrillError(endpoint + target + ": " + std::to_string(r.status) + " " + code +
                               (code.empty() ? "" : ": ") + message,
                           code == "InvalidFixture");
  }
  if (j.is_discarded()) throw RemoteDrillError(endpoint + target + ": not JSON: " + r.body, false);
  return j;
}

}  // namespace

std::string format_event(const json& e) {
  std::string line = e.value("time", "") + "  " + e.value("zone", "");
  line.resize(std::max<std::size_t>(line.size(), 40), ' ');
  line += e.value("service", "") + "  " + e.value("resource", "") + "  " + e.value("from", "") +
          " -> " + e.value("to", "");
  if (!e.value("reason", "").empty()) line += "  (" + e.value("reason", "") + ")";
  return line;
}

drill::DrillResult run_remote_drill(const drill::Fixture& fixture, const std::string& yaml_text,
                                    const RemoteDrillOptions& o) {
  json started = call(o.endpoint, "POST", "/_zonesim/drills",
                      json{{"fixture", yaml_text}, {"file", fixture.file}}, 201);
  const std::string base = "/_zonesim/drills/" + started["id"].get<std::string>();
  std::int64_t after_seq = started.value("timeline_after_seq", std::int64_t{0});
  auto drain_events = [&] {
    if (!o.on_event) return;
    while (true) {
      json page = call(o.endpoint, "GET",
                       "/_zonesim/timeline?after_seq=" + std::to_string(after_seq), nullptr, 200);
      for (auto& e : page["events"]) {
        after_seq = e.value("seq", after_seq);
        o.on_event(e);
      }
      if (page["events"].size() < 10000) return;
    }
  };
  try {
    drain_events();  // the warmup
    const double duration = started["duration_seconds"].get<double>();
    // Paced: a step every quarter second of wall time. Unpaced: a simulated minute per step.
    const double chunk = o.pace > 0 ? std::max(0.1, o.pace / 4) : 60.0;
    auto wall0 = std::chrono::steady_clock::now();
    double position = 0;
    while (position < duration) {
      double until = std::min(duration, position + chunk);
      if (o.pace > 0) {
        auto due = wall0 + std::chrono::duration<double>(until / o.pace);
        std::this_thread::sleep_until(due);
      }
      json s = call(o.endpoint, "POST", base + "/step", json{{"until_seconds", until}}, 200);
      position = s["position_seconds"].get<double>();
      if (position < until) position = until;  // the last tick may end just short of the end
      drain_events();
      if (o.progress) o.progress(position / duration);
    }
    json result = call(o.endpoint, "POST", base + "/finish", json::object(), 200);
    drain_events();
    return drill::result_from_json(result, fixture);
  } catch (...) {
    try {  // leave the server free for the next drill
      http_call(o.endpoint, "DELETE", base);
    } catch (...) {
    }
    throw;
  }
}

}  // namespace zonesim::cli
