#pragma once
// The daily backup window ("hh24:mi-hh24:mi") and the weekly maintenance window
// ("ddd:hh24:mi-ddd:hh24:mi"), both UTC: parsing, AWS's rules, defaults, and when the next
// maintenance window opens. Pure functions of their inputs.
#include <cstdint>
#include <optional>
#include <string>

#include "emulator/sim/rng.hpp"

namespace zonesim::rds::windows {

inline constexpr int kMinutesPerDay = 24 * 60;
inline constexpr int kMinutesPerWeek = 7 * kMinutesPerDay;
inline constexpr int kMinWindowMinutes = 30;

// Minutes since 00:00 (daily) or since Monday 00:00 (weekly); `end` may lie before `start`
// when the window wraps past midnight / the end of the week.
struct Daily {
  int start, end;
  int minutes() const;
};
struct Weekly {
  int start, end;
  int minutes() const;
};

std::optional<Daily> parse_daily(const std::string& s);
std::optional<Weekly> parse_weekly(const std::string& s);  // day names in any case
std::string format(const Daily& w);
std::string format(const Weekly& w);  // lower-case day names, as RDS returns them

// Throw AwsError InvalidParameterValue with AWS's messages.
Daily validate_backup(const std::string& s);
Weekly validate_maintenance(const std::string& s);
// True when the windows share time; windows that only touch (one ends when the other starts)
// do not overlap.
bool overlap(const Daily& backup, const Weekly& maintenance);
void check_no_overlap(const Daily& backup, const Weekly& maintenance);

// AWS's defaults: a 30-minute window chosen at random from the region's 8-hour block (the
// maintenance window on a random day), never overlapping the other window.
Daily default_backup(sim::Rng& rng, int block_start, const std::optional<Weekly>& maintenance);
Weekly default_maintenance(sim::Rng& rng, int block_start, const Daily& backup);

// Sim time (ms) when the maintenance window next opens at or after `now_ms`; `now_ms` itself
// when the window is open now.
std::int64_t next_opening(const Weekly& w, std::int64_t now_ms);

}  // namespace zonesim::rds::windows
