#include "services/rds/windows.hpp"

#include <cctype>
#include <cstdio>

#include "emulator/core/aws_error.hpp"

namespace zonesim::rds::windows {

namespace {

constexpr const char* kDays[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
constexpr std::int64_t kMsPerMinute = 60'000;
constexpr std::int64_t kMsPerDay = kMinutesPerDay * kMsPerMinute;
constexpr std::int64_t kMsPerWeek = kMinutesPerWeek * kMsPerMinute;
// Attempts at a random default window before scanning for a free one in order.
constexpr int kDefaultAttempts = 64;
// Default windows are drawn from an 8-hour block per region.
constexpr int kWindowBlockMinutes = 8 * 60;

int mod(int a, int m) {
  return ((a % m) + m) % m;
}
std::int64_t mod64(std::int64_t a, std::int64_t m) {
  return ((a % m) + m) % m;
}

// "hh:mi" at s[pos..pos+5) -> minutes, or -1.
int parse_clock(const std::string& s, std::size_t pos) {
  auto digit = [&](std::size_t i) { return std::isdigit(static_cast<unsigned char>(s[i])) != 0; };
  if (!digit(pos) || !digit(pos + 1) || s[pos + 2] != ':' || !digit(pos + 3) || !digit(pos + 4))
    return -1;
  int h = (s[pos] - '0') * 10 + (s[pos + 1] - '0');
  int m = (s[pos + 3] - '0') * 10 + (s[pos + 4] - '0');
  if (h > 23 || m > 59) return -1;
  return h * 60 + m;
}

int parse_day(const std::string& s, std::size_t pos) {
  std::string d;
  for (std::size_t i = pos; i < pos + 3; ++i)
    d += static_cast<char>(std::tolower(static_cast<unsigned char>(s[i])));
  for (int i = 0; i < 7; ++i)
    if (d == kDays[i]) return i;
  return -1;
}

std::string clock(int minutes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02d:%02d", minutes / 60, minutes % 60);
  return buf;
}

bool intersects(std::int64_t a_start, std::int64_t a_end, std::int64_t b_start,
                std::int64_t b_end) {
  return a_start < b_end && b_start < a_end;
}

}  // namespace

int Daily::minutes() const {
  return mod(end - start, kMinutesPerDay);
}
int Weekly::minutes() const {
  return mod(end - start, kMinutesPerWeek);
}

std::optional<Daily> parse_daily(const std::string& s) {
  if (s.size() != 11 || s[5] != '-') return std::nullopt;
  int a = parse_clock(s, 0), b = parse_clock(s, 6);
  if (a < 0 || b < 0) return std::nullopt;
  return Daily{a, b};
}

std::optional<Weekly> parse_weekly(const std::string& s) {
  if (s.size() != 19 || s[3] != ':' || s[9] != '-' || s[13] != ':') return std::nullopt;
  int da = parse_day(s, 0), db = parse_day(s, 10);
  int a = parse_clock(s, 4), b = parse_clock(s, 14);
  if (da < 0 || db < 0 || a < 0 || b < 0) return std::nullopt;
  return Weekly{da * kMinutesPerDay + a, db * kMinutesPerDay + b};
}

std::string format(const Daily& w) {
  return clock(w.start) + "-" + clock(w.end);
}

std::string format(const Weekly& w) {
  return std::string(kDays[w.start / kMinutesPerDay]) + ":" + clock(w.start % kMinutesPerDay) +
         "-" + kDays[w.end / kMinutesPerDay] + ":" + clock(w.end % kMinutesPerDay);
}

Daily validate_backup(const std::string& s) {
  auto w = parse_daily(s);
  if (!w)
    throw AwsError("InvalidParameterValue",
                   "Invalid backup window format. Should be specified as a range hh24:mi-hh24:mi "
                   "(24H Clock UTC). Example: 03:15-08:15");
  if (w->minutes() < kMinWindowMinutes)
    throw AwsError("InvalidParameterValue", "The backup window must be at least 30 minutes.");
  return *w;
}

Weekly validate_maintenance(const std::string& s) {
  auto w = parse_weekly(s);
  if (!w)
    throw AwsError("InvalidParameterValue",
                   "Invalid maintenance window format: " + s +
                       ". Should be specified as a range ddd:hh24:mi-ddd:hh24:mi (24H Clock "
                       "UTC). Example: Sun:23:45-Mon:00:15");
  if (w->minutes() < kMinWindowMinutes)
    throw AwsError("InvalidParameterValue", "The maintenance window must be at least 30 minutes.");
  if (w->minutes() > kMinutesPerDay)
    throw AwsError("InvalidParameterValue", "Maintenance window must be less than 24 hours.");
  return *w;
}

bool overlap(const Daily& backup, const Weekly& maintenance) {
  const std::int64_t m_start = maintenance.start, m_end = maintenance.start + maintenance.minutes();
  for (int day = 0; day < 7; ++day) {
    std::int64_t b_start = day * kMinutesPerDay + backup.start;
    std::int64_t b_end = b_start + backup.minutes();
    // The week is a circle: compare against the maintenance window one week earlier and later.
    for (std::int64_t shift : {-kMinutesPerWeek, 0, kMinutesPerWeek})
      if (intersects(b_start, b_end, m_start + shift, m_end + shift)) return true;
  }
  return false;
}

void check_no_overlap(const Daily& backup, const Weekly& maintenance) {
  if (overlap(backup, maintenance))
    throw AwsError("InvalidParameterValue",
                   "The backup window and maintenance window must not overlap.");
}

Daily default_backup(sim::Rng& rng, int block_start, const std::optional<Weekly>& maintenance) {
  auto at = [](int start) {
    return Daily{mod(start, kMinutesPerDay), mod(start + kMinWindowMinutes, kMinutesPerDay)};
  };
  const int span = kWindowBlockMinutes - kMinWindowMinutes;
  for (int i = 0; i < kDefaultAttempts; ++i) {
    Daily w = at(block_start + static_cast<int>(rng.below(span + 1)));
    if (!maintenance || !overlap(w, *maintenance)) return w;
  }
  for (int off = 0; off <= span; ++off) {
    Daily w = at(block_start + off);
    if (!overlap(w, *maintenance)) return w;
  }
  return at(block_start);  // nothing fits: the caller's overlap check reports it
}

Weekly default_maintenance(sim::Rng& rng, int block_start, const Daily& backup) {
  auto at = [](int day, int start) {
    int s = mod(day * kMinutesPerDay + start, kMinutesPerWeek);
    return Weekly{s, mod(s + kMinWindowMinutes, kMinutesPerWeek)};
  };
  const int span = kWindowBlockMinutes - kMinWindowMinutes;
  for (int i = 0; i < kDefaultAttempts; ++i) {
    int day = static_cast<int>(rng.below(7));
    Weekly w = at(day, block_start + static_cast<int>(rng.below(span + 1)));
    if (!overlap(backup, w)) return w;
  }
  for (int day = 0; day < 7; ++day)
    for (int off = 0; off <= span; ++off)
      if (Weekly w = at(day, block_start + off); !overlap(backup, w)) return w;
  return at(0, block_start);
}

std::int64_t next_opening(const Weekly& w, std::int64_t now_ms) {
  // 1970-01-01 was a Thursday: day index 3 counting from Monday.
  std::int64_t days = now_ms >= 0 ? now_ms / kMsPerDay : (now_ms - kMsPerDay + 1) / kMsPerDay;
  std::int64_t into_week = mod64(days + 3, 7) * kMsPerDay + mod64(now_ms, kMsPerDay);
  std::int64_t start = w.start * kMsPerMinute;
  std::int64_t since_start = mod64(into_week - start, kMsPerWeek);
  if (since_start < w.minutes() * kMsPerMinute) return now_ms;
  return now_ms + mod64(start - into_week, kMsPerWeek);
}

}  // namespace zonesim::rds::windows
