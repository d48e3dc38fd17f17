#include "emulator/sim/timeline.hpp"

#include "emulator/protocol/codec.hpp"

namespace zonesim::sim {

void record(Env& env, const Change& c) {
  Millis t = env.clock.now();
  json e = {{"t_ms", t},
            {"time", protocol::iso8601(t)},
            {"zone", c.zone},
            {"service", c.service},
            {"resource", c.resource},
            {"from", c.from},
            {"to", c.to},
            {"reason", c.reason}};
  env.store.append_timeline(t, e);
  for (auto& listener : env.hooks.timeline) listener(env, e);
}

}  // namespace zonesim::sim
