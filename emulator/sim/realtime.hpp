#pragma once
// The realtime driver: the one place (with the socket timeouts) that reads the wall clock.
// Sim time = epoch + elapsed wall time x speed.
#include <chrono>
#include <cstdint>

#include "emulator/sim/clock.hpp"

namespace zonesim::sim {

inline Millis wall_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class RealtimeDriver {
 public:
  RealtimeDriver(Millis sim_start, double speed)
      : sim_start_(sim_start), speed_(speed), wall_start_(std::chrono::steady_clock::now()) {}
  // Where sim time should be now.
  Millis target() const {
    auto elapsed =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - wall_start_);
    return sim_start_ + skipped_ + static_cast<Millis>(elapsed.count() * speed_);
  }
  // A manual jump ahead (control API advance while running in realtime).
  void skip(Millis ms) { skipped_ += ms; }

 private:
  Millis sim_start_;
  Millis skipped_ = 0;
  double speed_;
  std::chrono::steady_clock::time_point wall_start_;
};

}  // namespace zonesim::sim
