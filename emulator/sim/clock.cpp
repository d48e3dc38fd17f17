#include "emulator/sim/clock.hpp"

#include <stdexcept>

namespace zonesim::sim {

std::uint64_t Clock::schedule_at(Millis at, std::string label, Action fn) {
  std::uint64_t id = next_seq_++;
  queue_.push(Event{at < now_ ? now_ : at, id, std::move(label), std::move(fn)});
  return id;
}

Millis Clock::next_due() {
  while (!queue_.empty() && cancelled_.count(queue_.top().seq)) {
    cancelled_.erase(queue_.top().seq);
    queue_.pop();
  }
  return queue_.empty() ? -1 : queue_.top().at;
}

std::size_t Clock::advance_to(Millis t, std::size_t max_events) {
  std::size_t ran = 0;
  while (true) {
    Millis due = next_due();
    if (due < 0 || due > t) break;
    if (ran >= max_events)
      throw std::runtime_error("clock: more than " + std::to_string(max_events) +
                               " events in one advance");
    Event ev = queue_.top();
    queue_.pop();
    now_ = ev.at;
    ev.fn();
    ++ran;
  }
  if (t > now_) now_ = t;
  return ran;
}

}  // namespace zonesim::sim
