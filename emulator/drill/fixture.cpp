#include "emulator/drill/fixture.hpp"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>

#include "emulator/protocol/codec.hpp"

namespace zonesim::drill {

namespace {

class Loader {
 public:
  Loader(std::string file, std::optional<std::string> text, bool read_state)
      : file_(std::move(file)), text_(std::move(text)), read_state_(read_state) {}

  [[noreturn]] void fail(const YAML::Node& n, const std::string& field,
                         const std::string& what) const {
    int line = n.IsDefined() ? n.Mark().line + 1 : 0;
    throw FixtureError(file_ + ":" + std::to_string(line) + ": " + field + ": " + what);
  }

  void only_keys(const YAML::Node& map, const std::string& where,
                 const std::set<std::string>& allowed) {
    for (auto it = map.begin(); it != map.end(); ++it) {
      if (!it->first.IsScalar())
        fail(it->first, where.empty() ? "(key)" : where, "a field name must be a plain string");
      std::string k = it->first.as<std::string>();
      if (!allowed.count(k)) {
        std::string list;
        for (auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
        fail(it->first, where.empty() ? k : where + "." + k,
             "unknown field (expected one of: " + list + ")");
      }
    }
  }

  std::string str(const YAML::Node& n, const std::string& field) {
    if (!n.IsScalar()) fail(n, field, "expected a string");
    return n.as<std::string>();
  }
  double number(const YAML::Node& n, const std::string& field, double lo, double hi) {
    if (!n.IsScalar()) fail(n, field, "expected a number");
    double v = 0;
    std::string s = n.as<std::string>();
    auto r = std::from_chars(s.data(), s.data() + s.size(), v);
    if (r.ec != std::errc() || r.ptr != s.data() + s.size())
      fail(n, field, "'" + s + "' is not a number");
    if (v < lo || v > hi) fail(n, field, "must be between " + fmt(lo) + " and " + fmt(hi));
    return v;
  }
  sim::Millis duration(const YAML::Node& n, const std::string& field) {
    if (!n.IsScalar()) fail(n, field, "expected a duration like 90s, 5m, 1h");
    auto ms = parse_duration_ms(n.as<std::string>());
    if (!ms)
      fail(n, field, "'" + n.as<std::string>() + "' is not a duration (e.g. 90s, 5m, 1h30m)");
    if (*ms > kMaxDrillMs) fail(n, field, "longer than the 31-day limit");
    return *ms;
  }
  static std::string fmt(double v) {
    std::ostringstream o;
    o << v;
    return o.str();
  }

  static json to_json(const YAML::Node& n) {
    switch (n.Type()) {
      case YAML::NodeType::Map: {
        json o = json::object();
        for (auto it = n.begin(); it != n.end(); ++it) {
          if (!it->first.IsScalar())
            throw YAML::RepresentationException(it->first.Mark(), "a key must be a plain string");
          o[it->first.as<std::string>()] = to_json(it->second);
        }
        return o;
      }
      case YAML::NodeType::Sequence: {
        json a = json::array();
        for (auto c : n) a.push_back(to_json(c));
        return a;
      }
      case YAML::NodeType::Scalar: {
        std::string s = n.as<std::string>();
        if (n.Tag() == "!") return s;  // quoted: keep as a string
        if (s == "true") return true;
        if (s == "false") return false;
        std::int64_t i = 0;
        auto r = std::from_chars(s.data(), s.data() + s.size(), i);
        if (r.ec == std::errc() && r.ptr == s.data() + s.size()) return i;
        return s;
      }
      default:
        return nullptr;
    }
  }

  Fixture load() {
    YAML::Node root;
    try {
      root = text_ ? YAML::Load(*text_) : YAML::LoadFile(file_);
    } catch (const YAML::BadFile&) {
      throw FixtureError(file_ + ": cannot read the file");
    } catch (const YAML::ParserException& e) {
      throw FixtureError(file_ + ":" + std::to_string(e.mark.line + 1) +
                         ": invalid YAML: " + e.msg);
    }
    if (!root.IsMap()) throw FixtureError(file_ + ":1: the fixture must be a YAML mapping");
    only_keys(root, "",
              {"name", "description", "seed", "timing", "epoch", "region", "zones", "state",
               "setup", "warmup", "duration", "traffic", "faults", "expectations"});
    Fixture f;
    f.file = file_;
    if (!root["name"]) throw FixtureError(file_ + ":1: name: required");
    f.name = str(root["name"], "name");
    if (root["description"]) f.description = str(root["description"], "description");
    if (root["seed"]) f.seed = static_cast<std::uint64_t>(number(root["seed"], "seed", 0, 9.0e15));
    if (root["timing"]) f.timing = str(root["timing"], "timing");
    if (root["epoch"]) {
      auto e = protocol::parse_iso8601(str(root["epoch"], "epoch"));
      if (!e) fail(root["epoch"], "epoch", "expected an ISO 8601 time like 2026-01-01T00:00:00Z");
      f.epoch = *e;
    }
    if (root["region"]) f.region = str(root["region"], "region");
    if (root["zones"]) {
      if (!root["zones"].IsSequence())
        fail(root["zones"], "zones", "expected a list of zone names");
      for (auto z : root["zones"]) f.zones.push_back(str(z, "zones[]"));
    }
    f.state = json{{"zonesim_state", 1}, {"region", f.region}, {"calls", json::array()}};
    if (root["state"] && read_state_) {
      std::filesystem::path p =
          std::filesystem::path(file_).parent_path() / str(root["state"], "state");
      std::error_code ec;
      // Only a regular file of sane size (not a FIFO, a device or a directory).
      if (!std::filesystem::is_regular_file(p, ec) ||
          std::filesystem::file_size(p, ec) > kMaxSnapshotBytes || ec)
        fail(root["state"], "state",
             "cannot read snapshot " + p.string() + " (a regular file up to 64 MiB)");
      std::ifstream in(p);
      if (!in) fail(root["state"], "state", "cannot read snapshot " + p.string());
      std::stringstream ss;
      ss << in.rdbuf();
      json snap = json::parse(ss.str(), nullptr, false);
      if (snap.is_discarded() || !snap.contains("calls"))
        fail(root["state"], "state",
             p.string() + " is not a zonesim state snapshot (zonesim state export)");
      f.state["calls"] = snap["calls"];
    }
    if (root["setup"]) {
      if (!root["setup"].IsSequence()) fail(root["setup"], "setup", "expected a list of API calls");
      int i = 0;
      for (auto c : root["setup"]) {
        std::string where = "setup[" + std::to_string(i++) + "]";
        if (!c.IsMap()) fail(c, where, "expected {service, operation, input}");
        only_keys(c, where, {"service", "operation", "input", "account", "region"});
        if (!c["service"] || !c["operation"]) fail(c, where, "service and operation are required");
        json call = {{"service", str(c["service"], where + ".service")},
                     {"operation", str(c["operation"], where + ".operation")},
                     {"input", c["input"] ? to_json(c["input"]) : json::object()}};
        if (c["account"]) call["account"] = str(c["account"], where + ".account");
        if (c["region"]) call["region"] = str(c["region"], where + ".region");
        f.state["calls"].push_back(call);
      }
    }
    if (root["warmup"]) f.warmup = duration(root["warmup"], "warmup");
    if (!root["duration"])
      throw FixtureError(file_ + ":1: duration: required (e.g. duration: 30m)");
    f.duration = duration(root["duration"], "duration");
    if (f.duration <= 0) fail(root["duration"], "duration", "must be positive");
    if (f.warmup + f.duration > kMaxDrillMs)
      fail(root["duration"], "duration", "warmup + duration exceed 31 days");
    if (root["traffic"]) load_traffic(root["traffic"], f.traffic);
    if (root["faults"]) {
      if (!root["faults"].IsSequence()) fail(root["faults"], "faults", "expected a list");
      int i = 0;
      for (auto n : root["faults"])
        f.faults.push_back(load_fault(n, "faults[" + std::to_string(i++) + "]", f));
    }
    if (root["expectations"]) {
      if (!root["expectations"].IsSequence())
        fail(root["expectations"], "expectations", "expected a list");
      int i = 0;
      for (auto n : root["expectations"])
        f.expectations.push_back(
            load_expectation(n, "expectations[" + std::to_string(i++) + "]", f));
    }
    return f;
  }

  void load_traffic(const YAML::Node& n, Traffic& t) {
    if (!n.IsMap()) fail(n, "traffic", "expected a mapping");
    only_keys(
        n, "traffic",
        {"requests_per_second", "load_balancer", "port", "path", "writes_per_second", "database"});
    if (n["requests_per_second"])
      t.requests_per_second =
          number(n["requests_per_second"], "traffic.requests_per_second", 0, 100000);
    if (n["load_balancer"]) t.load_balancer = str(n["load_balancer"], "traffic.load_balancer");
    if (n["port"]) t.port = static_cast<int>(number(n["port"], "traffic.port", 1, 65535));
    if (n["path"]) t.path = str(n["path"], "traffic.path");
    if (n["writes_per_second"])
      t.writes_per_second = number(n["writes_per_second"], "traffic.writes_per_second", 0, 100000);
    if (n["database"]) t.database = str(n["database"], "traffic.database");
    if (t.requests_per_second > 0 && t.load_balancer.empty())
      fail(n, "traffic.load_balancer", "required when requests_per_second is set");
    if (t.writes_per_second > 0 && t.database.empty())
      fail(n, "traffic.database", "required when writes_per_second is set");
  }

  Fault load_fault(const YAML::Node& n, const std::string& where, const Fixture& f) {
    if (!n.IsMap()) fail(n, where, "expected a mapping");
    only_keys(n, where,
              {"at", "kind", "zone", "duration", "latency_ms", "loss_rate", "service", "task",
               "all_tasks", "state", "db_instance"});
    Fault x;
    x.line = n.Mark().line + 1;
    if (!n["at"]) fail(n, where + ".at", "required");
    x.at = duration(n["at"], where + ".at");
    if (x.at > f.duration) fail(n["at"], where + ".at", "after the end of the drill");
    if (!n["kind"]) fail(n, where + ".kind", "required");
    x.kind = str(n["kind"], where + ".kind");
    static const std::set<std::string> kinds = {"zone-power",   "zone-network", "zone-degraded",
                                                "zone-restore", "stop-task",    "app-state",
                                                "rds-failover"};
    if (!kinds.count(x.kind))
      fail(n["kind"], where + ".kind",
           "'" + x.kind +
               "' is not one of zone-power, zone-network, zone-degraded, zone-restore, stop-task, "
               "app-state, rds-failover");
    auto need = [&](const char* key) {
      if (!n[key]) fail(n, where + "." + key, "required for " + x.kind);
    };
    if (x.kind.rfind("zone-", 0) == 0) {
      need("zone");
      x.zone = str(n["zone"], where + ".zone");
      if (n["duration"]) x.duration = duration(n["duration"], where + ".duration");
      if (n["latency_ms"]) x.latency_ms = number(n["latency_ms"], where + ".latency_ms", 0, 600000);
      if (n["loss_rate"]) x.loss_rate = number(n["loss_rate"], where + ".loss_rate", 0, 1);
    } else if (x.kind == "stop-task" || x.kind == "app-state") {
      need("service");
      x.service = str(n["service"], where + ".service");
      if (n["task"]) x.task_index = static_cast<int>(number(n["task"], where + ".task", 0, 10000));
      if (n["all_tasks"]) x.all_tasks = n["all_tasks"].as<std::string>() == "true";
      if (x.kind == "app-state") {
        need("state");
        x.state = str(n["state"], where + ".state");
        if (x.state != "healthy" && x.state != "unhealthy" && x.state != "hung" &&
            x.state != "crash")
          fail(n["state"], where + ".state", "expected healthy, unhealthy, hung or crash");
      }
    } else if (x.kind == "rds-failover") {
      need("db_instance");
      x.db_instance = str(n["db_instance"], where + ".db_instance");
    }
    return x;
  }

  Expectation load_expectation(const YAML::Node& n, const std::string& where, const Fixture& f) {
    if (!n.IsMap()) fail(n, where, "expected a mapping");
    only_keys(n, where,
              {"type", "name", "min", "max", "from", "to", "sustain", "at", "zone", "note"});
    Expectation e;
    e.line = n.Mark().line + 1;
    if (!n["type"]) fail(n, where + ".type", "required");
    e.type = str(n["type"], where + ".type");
    static const std::set<std::string> types = {
        "availability", "time_to_detect", "time_to_recover",           "rds_failover_duration",
        "writes_lost",  "running_tasks",  "no_request_to_stopped_task"};
    if (!types.count(e.type))
      fail(n["type"], where + ".type",
           "'" + e.type +
               "' is not one of availability, time_to_detect, time_to_recover, "
               "rds_failover_duration, writes_lost, running_tasks, no_request_to_stopped_task");
    e.name = n["name"] ? str(n["name"], where + ".name") : e.type;
    bool seconds = e.type == "time_to_detect" || e.type == "time_to_recover" ||
                   e.type == "rds_failover_duration";
    auto bound = [&](const char* key) -> std::optional<double> {
      if (!n[key]) return std::nullopt;
      if (seconds) return duration(n[key], where + "." + key) / 1000.0;
      return number(n[key], where + "." + key, 0, 1e12);
    };
    e.min = bound("min");
    e.max = bound("max");
    if (e.type != "no_request_to_stopped_task" && !e.min && !e.max)
      fail(n, where, "needs min or max");
    if (e.type == "availability" && e.min && *e.min > 100)
      fail(n["min"], where + ".min", "a percentage (0-100)");
    if (n["from"]) e.from = duration(n["from"], where + ".from");
    if (n["to"]) e.to = duration(n["to"], where + ".to");
    if (n["sustain"]) e.sustain = duration(n["sustain"], where + ".sustain");
    if (n["at"]) e.at = duration(n["at"], where + ".at");
    if (n["zone"]) e.zone = str(n["zone"], where + ".zone");
    if (n["note"]) e.note = str(n["note"], where + ".note");
    if (e.type == "running_tasks" && !n["at"]) fail(n, where + ".at", "required for running_tasks");
    if (e.at > f.duration || e.from > f.duration || e.to > f.duration)
      fail(n, where, "a time after the end of the drill");
    if (e.type == "time_to_detect" || e.type == "time_to_recover") {
      if (f.faults.empty()) fail(n, where, e.type + " needs a fault to measure from");
    }
    return e;
  }

 private:
  std::string file_;
  std::optional<std::string> text_;
  bool read_state_;
};

}  // namespace

std::optional<sim::Millis> parse_duration_ms(const std::string& s) {
  if (s.empty()) return std::nullopt;
  double total = 0;
  std::size_t i = 0;
  while (i < s.size()) {
    double v = 0;
    auto r = std::from_chars(s.data() + i, s.data() + s.size(), v);
    if (r.ec != std::errc() || v < 0) return std::nullopt;
    i = static_cast<std::size_t>(r.ptr - s.data());
    double unit = 1000;  // plain numbers are seconds
    if (i < s.size()) {
      if (s.compare(i, 2, "ms") == 0) {
        unit = 1, i += 2;
      } else {
        char u = s[i++];
        if (u == 's')
          unit = 1000;
        else if (u == 'm')
          unit = 60000;
        else if (u == 'h')
          unit = 3600000;
        else if (u == 'd')
          unit = 86400000;
        else
          return std::nullopt;
      }
    } else if (total > 0) {
      return std::nullopt;
    }
    total += v * unit;
  }
  if (total > 9.0e15) return std::nullopt;
  return static_cast<sim::Millis>(total);
}

namespace {
// Whatever yaml-cpp throws past the loader's own checks (a conversion of an odd node) is still a
// bad fixture, reported with its line, never an uncaught exception.
Fixture load_checked(const std::string& name, std::optional<std::string> text, bool read_state) {
  try {
    return Loader(name, std::move(text), read_state).load();
  } catch (const YAML::Exception& e) {
    throw FixtureError(name + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
}
}  // namespace

Fixture load_fixture(const std::string& path) {
  return load_checked(path, std::nullopt, true);
}

Fixture load_fixture_text(const std::string& text, const std::string& name, bool read_state) {
  return load_checked(name, text, read_state);
}

}  // namespace zonesim::drill
