#pragma once
// The simulated clock and its event queue: the only source of time inside zonesim.
// Events run in (due time, sequence) order; nothing sleeps. Drivers (realtime, manual, drill)
// decide how far to advance; the queue itself never looks at the wall clock.
#include <cstdint>
#include <functional>
#include <queue>
#include <string>
#include <unordered_set>
#include <vector>

namespace zonesim::sim {

using Millis = std::int64_t;

// Hard cap on events one advance may run: a runaway feedback loop ends in an error, not a hang.
constexpr std::size_t kMaxEventsPerAdvance = 10'000'000;

class Clock {
 public:
  using Action = std::function<void()>;

  explicit Clock(Millis epoch_ms = 0) : now_(epoch_ms) {}

  Millis now() const { return now_; }
  // Only for restoring persisted state or fixing the epoch before anything is scheduled.
  void set_now(Millis t) { now_ = t; }

  // Schedule `fn` at sim time `at` (clamped to now). Returns an id for cancel().
  std::uint64_t schedule_at(Millis at, std::string label, Action fn);
  std::uint64_t schedule_in(Millis delay, std::string label, Action fn) {
    return schedule_at(now_ + delay, std::move(label), std::move(fn));
  }
  void cancel(std::uint64_t id) { cancelled_.insert(id); }
  // Drops every pending event.
  void clear() {
    queue_ = {};
    cancelled_.clear();
  }

  // Runs every event due at or before `t`, in order, moving now() to each event's time, then
  // sets now() to `t`. Returns the number of events run.
  std::size_t advance_to(Millis t, std::size_t max_events = kMaxEventsPerAdvance);
  // Time of the next pending event, or -1.
  Millis next_due();
  std::size_t pending() const { return queue_.size() - cancelled_.size(); }

 private:
  struct Event {
    Millis at;
    std::uint64_t seq;
    std::string label;
    Action fn;
  };
  struct Later {
    bool operator()(const Event& a, const Event& b) const {
      return a.at != b.at ? a.at > b.at : a.seq > b.seq;
    }
  };
  Millis now_;
  std::uint64_t next_seq_ = 1;
  std::priority_queue<Event, std::vector<Event>, Later> queue_;
  std::unordered_set<std::uint64_t> cancelled_;
};

}  // namespace zonesim::sim
