// /_zonesim/drills: a drill run on this server, stepped by the client (`zonesim drill run
// --endpoint URL`). The server's current state is the starting state; the drill holds the clock
// from its start to its end, so the client decides the pace and can show each step.
//
//   POST   /_zonesim/drills                 {"fixture": YAML text, "file": name} -> 201 the drill
//   GET    /_zonesim/drills                 the drill in progress (404 when none)
//   POST   /_zonesim/drills/{id}/step       {"until_seconds": s} -> position, done
//   POST   /_zonesim/drills/{id}/finish     runs what is left -> the result (report JSON)
//   DELETE /_zonesim/drills/{id}            abandons it (faults already applied stay applied)
#include <cmath>

#include "emulator/app/app.hpp"
#include "emulator/control/responses.hpp"
#include "emulator/drill/report.hpp"
#include "emulator/drill/runner.hpp"

namespace zonesim {

namespace {

// A fixture sent to the server is YAML text; a few hundred KiB is plenty (the state is not sent).
constexpr std::size_t kMaxFixtureBytes = 1 << 20;

json drill_json(const drill::Session& s, const std::string& id) {
  const auto& f = s.fixture();
  return json{{"id", id},
              {"fixture", f.name},
              {"file", f.file},
              {"position_seconds", static_cast<double>(s.position()) / 1000.0},
              {"duration_seconds", static_cast<double>(f.duration) / 1000.0},
              {"done", s.position() >= f.duration}};
}

}  // namespace

http::Response App::handle_drills(const http::Request& req, const std::string& path) {
  const std::string& m = req.method;
  const std::string id = "drill-" + std::to_string(drills_started_);
  auto end_drill = [this] {  // the session goes, the clock is the server's again
    drill_.reset();
    hold_clock(false);
  };
  if (path == "/_zonesim/drills" && m == "GET") {
    if (!drill_) return control::error(404, "NoDrill", "no drill is in progress");
    return control::json_response(200, drill_json(*drill_, id));
  }
  if (path == "/_zonesim/drills" && m == "POST") {
    if (drill_)
      return control::error(409, "DrillInProgress",
                            id + " is in progress; finish it or DELETE /_zonesim/drills/" + id);
    json body = control::parse_body(req);
    if (!body.contains("fixture") || !body["fixture"].is_string())
      throw AwsError("InvalidRequest", "missing 'fixture' (the fixture's YAML text)");
    const std::string& text = body["fixture"].get_ref<const std::string&>();
    if (text.size() > kMaxFixtureBytes)
      throw AwsError("InvalidRequest", "the fixture is larger than 1 MiB");
    std::string file = body.value("file", "fixture.yaml");
    drill::Fixture f;
    try {
      f = drill::load_fixture_text(text, file, false);
    } catch (const drill::FixtureError& e) {
      throw AwsError("InvalidFixture", e.what());
    }
    const std::int64_t after_seq = env_->store.last_timeline_seq();
    auto session = std::make_unique<drill::Session>(f, *this);
    hold_clock(true);
    try {
      session->start();
    } catch (const drill::FixtureError& e) {
      hold_clock(false);
      throw AwsError("InvalidFixture", e.what());
    }
    drill_ = std::move(session);
    ++drills_started_;
    json out = drill_json(*drill_, "drill-" + std::to_string(drills_started_));
    out["timing"] = env_->config.timing;
    out["seed"] = env_->config.seed;
    out["timeline_after_seq"] = after_seq;  // the drill's events are the ones after this
    return control::json_response(201, out);
  }
  // /_zonesim/drills/{id}[/verb]
  std::string rest = path.substr(std::string("/_zonesim/drills/").size());
  auto slash = rest.find('/');
  std::string which = rest.substr(0, slash),
              verb = slash == std::string::npos ? "" : rest.substr(slash + 1);
  if (!drill_ || which != id)
    return control::error(404, "NoDrill", "no drill " + which + " is in progress");
  if (verb.empty() && m == "DELETE") {
    end_drill();
    return control::json_response(200, json{{"id", id}, {"status", "abandoned"}});
  }
  if (verb == "step" && m == "POST") {
    json body = control::parse_body(req);
    if (!body.contains("until_seconds") || !body["until_seconds"].is_number() ||
        !std::isfinite(body["until_seconds"].get<double>()) ||
        body["until_seconds"].get<double>() < 0)
      throw AwsError("InvalidRequest", "'until_seconds' must be a number of seconds >= 0");
    double until = std::min(body["until_seconds"].get<double>(),
                            static_cast<double>(drill_->fixture().duration) / 1000.0);
    try {
      drill_->step_until(static_cast<sim::Millis>(std::llround(until * 1000)));
    } catch (const drill::FixtureError& e) {  // a fault that does not fit the server's state
      end_drill();
      throw AwsError("InvalidFixture", e.what());
    }
    return control::json_response(200, drill_json(*drill_, id));
  }
  if (verb == "finish" && m == "POST") {
    drill::DrillResult r;
    try {
      r = drill_->finish();
    } catch (const drill::FixtureError& e) {
      end_drill();
      throw AwsError("InvalidFixture", e.what());
    }
    end_drill();
    return control::json_response(200, drill::to_json(r));
  }
  return control::error(404, "NotFound", "no control endpoint " + m + " " + path);
}

}  // namespace zonesim
