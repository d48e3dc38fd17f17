#pragma once
// `zonesim drill run --endpoint URL`: a drill run on a running zonesim through its control API
// (/_zonesim/drills). The client sends the fixture, steps the drill through simulated time —
// as fast as the server goes, or at a pace a workshop can follow — prints the timeline as it
// happens, and gets the result to write the same reports as an in-process run.
#include <functional>
#include <string>

#include "emulator/drill/runner.hpp"

namespace zonesim::cli {

class RemoteDrillError : public std::runtime_error {
 public:
  RemoteDrillError(const std::string& what, bool bad_fixture)
      : std::runtime_error(what), bad_fixture_(bad_fixture) {}
  bool bad_fixture() const { return bad_fixture_; }

 private:
  bool bad_fixture_;
};

struct RemoteDrillOptions {
  std::string endpoint;
  double pace = 0;  // simulated seconds per wall second; 0 = as fast as the server goes
  std::function<void(const json& event)> on_event;  // each new timeline event, in order
  drill::Progress progress;
};

// Throws RemoteDrillError (bad_fixture: the server refused the fixture, e.g. a name that does
// not exist in its state) or std::runtime_error (cannot connect).
drill::DrillResult run_remote_drill(const drill::Fixture& fixture, const std::string& yaml_text,
                                    const RemoteDrillOptions& options);

// One line for a timeline event: time, zone, service, resource, from -> to (reason).
std::string format_event(const json& event);

}  // namespace zonesim::cli
