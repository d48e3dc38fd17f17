#include <charconv>
#include <chrono>
#include <cstdio>

#include "emulator/protocol/codec.hpp"

namespace zonesim::protocol {

std::string iso8601(std::int64_t ms) {
  using namespace std::chrono;
  sys_time<milliseconds> tp{milliseconds{ms}};
  auto day = floor<days>(tp);
  year_month_day ymd{day};
  hh_mm_ss hms{tp - day};
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", int(ymd.year()),
                unsigned(ymd.month()), unsigned(ymd.day()), int(hms.hours().count()),
                int(hms.minutes().count()), int(hms.seconds().count()),
                int(hms.subseconds().count()));
  return buf;
}

std::optional<std::int64_t> parse_iso8601(std::string_view s) {
  // YYYY-MM-DDTHH:MM:SS[.fff][Z|+00:00], or epoch seconds.
  auto num = [&](std::size_t pos, std::size_t len, int& out) {
    if (pos + len > s.size()) return false;
    auto r = std::from_chars(s.data() + pos, s.data() + pos + len, out);
    return r.ec == std::errc() && r.ptr == s.data() + pos + len;
  };
  int y, mo, d, h = 0, mi = 0, sec = 0;
  if (s.size() >= 10 && s[4] == '-' && num(0, 4, y) && num(5, 2, mo) && s[7] == '-' &&
      num(8, 2, d)) {
    std::size_t pos = 10;
    if (pos < s.size() && (s[pos] == 'T' || s[pos] == ' ')) {
      if (!(num(pos + 1, 2, h) && s.size() > pos + 3 && s[pos + 3] == ':' && num(pos + 4, 2, mi) &&
            s.size() > pos + 6 && s[pos + 6] == ':' && num(pos + 7, 2, sec)))
        return std::nullopt;
      pos += 9;
    }
    int frac_ms = 0;
    if (pos < s.size() && s[pos] == '.') {
      ++pos;
      int digits = 0;
      while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
        if (digits < 3) frac_ms = frac_ms * 10 + (s[pos] - '0');
        ++digits, ++pos;
      }
      for (int i = digits; i < 3; ++i) frac_ms *= 10;
      if (digits == 0) return std::nullopt;
    }
    std::string_view tz = s.substr(pos);
    if (!(tz.empty() || tz == "Z" || tz == "+00:00" || tz == "-00:00")) return std::nullopt;
    using namespace std::chrono;
    year_month_day ymd{year{y}, month{unsigned(mo)}, day{unsigned(d)}};
    if (!ymd.ok() || h > 23 || mi > 59 || sec > 60) return std::nullopt;
    auto tp = sys_days{ymd} + hours{h} + minutes{mi} + seconds{sec} + milliseconds{frac_ms};
    return duration_cast<milliseconds>(tp.time_since_epoch()).count();
  }
  double secs = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), secs);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size() || secs < 0 || secs > 1e11)
    return std::nullopt;
  return static_cast<std::int64_t>(secs * 1000.0);
}

}  // namespace zonesim::protocol
