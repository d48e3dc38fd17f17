#include "emulator/drill/report.hpp"

#include <pugixml.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include "emulator/protocol/codec.hpp"

namespace zonesim::drill {

namespace {

std::string num(double v, int digits = 2) {
  std::ostringstream o;
  o.precision(digits);
  o << std::fixed << v;
  return o.str();
}

std::string esc(const std::string& s) {
  return protocol::xml_escape(s);
}

std::string short_id(const std::string& resource) {
  auto slash = resource.rfind('/');
  std::string s = slash == std::string::npos ? resource : resource.substr(slash + 1);
  return s.size() > 8 ? s.substr(0, 8) : s;
}

}  // namespace

json to_json(const DrillResult& r) {
  json exps = json::array();
  for (auto& e : r.expectations)
    exps.push_back({{"name", e.name},
                    {"type", e.type},
                    {"passed", e.passed},
                    {"measured", e.measured ? json(*e.measured) : json(nullptr)},
                    {"unit", e.unit},
                    {"bound", e.bound},
                    {"detail", e.detail},
                    {"note", e.note}});
  json secs = json::array();
  for (auto& s : r.seconds)
    secs.push_back({s.total, s.ok, s.elb_5xx, s.target_5xx, s.unreachable, s.to_stopped, s.writes,
                    s.writes_failed});
  std::uint64_t total = 0, ok = 0;
  for (auto& s : r.seconds) total += s.total, ok += s.ok;
  return json{{"fixture", r.fixture.name},
              {"file", r.fixture.file},
              {"description", r.fixture.description},
              {"seed", r.seed},
              {"passed", r.passed},
              {"t0", protocol::iso8601(r.t0)},
              {"t0_ms", r.t0},
              {"duration_s", r.fixture.duration / 1000.0},
              {"requests", {{"total", total}, {"ok", ok}}},
              {"writes", {{"acknowledged", r.writes_acknowledged}, {"lost", r.writes_lost}}},
              {"simulation_events", r.simulation_events},
              {"expectations", exps},
              {"seconds_columns",
               {"total", "ok", "elb_5xx", "target_5xx", "unreachable", "to_stopped", "writes",
                "writes_failed"}},
              {"seconds", secs},
              {"timeline", r.timeline}};
}

std::string timeline_jsonl(const DrillResult& r) {
  std::string out;
  for (auto& e : r.timeline) out += e.dump() + "\n";
  return out;
}

std::string junit_xml(const std::vector<DrillResult>& results) {
  pugi::xml_document doc;
  auto suites = doc.append_child("testsuites");
  std::size_t tests = 0, failures = 0;
  for (auto& r : results) {
    auto suite = suites.append_child("testsuite");
    suite.append_attribute("name").set_value(("drill." + r.fixture.name).c_str());
    std::size_t f = 0;
    for (auto& e : r.expectations) {
      auto tc = suite.append_child("testcase");
      tc.append_attribute("classname").set_value(("drill." + r.fixture.name).c_str());
      tc.append_attribute("name").set_value(e.name.c_str());
      std::string measured = e.measured ? num(*e.measured) + " " + e.unit : "not measured";
      tc.append_child("system-out")
          .text()
          .set((e.detail + (e.note.empty() ? "" : "\nnote: " + e.note)).c_str());
      if (!e.passed) {
        ++f;
        auto fail = tc.append_child("failure");
        fail.append_attribute("message").set_value(
            (e.name + ": measured " + measured + ", expected " + e.bound).c_str());
        fail.text().set(e.detail.c_str());
      }
    }
    suite.append_attribute("tests").set_value(static_cast<unsigned>(r.expectations.size()));
    suite.append_attribute("failures").set_value(static_cast<unsigned>(f));
    suite.append_child("properties")
        .append_child("property")
        .append_attribute("name")
        .set_value("seed");
    suite.child("properties")
        .child("property")
        .append_attribute("value")
        .set_value(std::to_string(r.seed).c_str());
    tests += r.expectations.size();
    failures += f;
  }
  suites.append_attribute("tests").set_value(static_cast<unsigned>(tests));
  suites.append_attribute("failures").set_value(static_cast<unsigned>(failures));
  std::ostringstream out;
  doc.save(out, "  ");
  return out.str();
}

// The picture: x = sim time from (t0 - 60 s) to the end; a block of lanes per zone (ALB node,
// tasks, targets, DB), fault bands across everything, and the success rate under it.
std::string html_report(const DrillResult& r) {
  const sim::Millis start = r.t0 - 60000, end = r.t0 + r.fixture.duration;
  const double width = 1100, left = 170, plot = width - left - 20;
  auto x = [&](sim::Millis t) {
    return left + plot * static_cast<double>(std::clamp(t, start, end) - start) /
                      static_cast<double>(end - start);
  };

  // Intervals per (zone, lane key): [from, to) with a state.
  struct Seg {
    sim::Millis from, to;
    std::string state;
  };
  std::map<std::string, std::map<std::string, std::vector<Seg>>> lanes;  // zone -> lane -> segs
  std::vector<std::pair<std::string, std::string>> order;  // (zone, lane) first-seen order
  auto lane_of = [&](const json& e) -> std::string {
    std::string svc = e.value("service", ""), res = e.value("resource", "");
    if (svc == "ecs") return res.find(":task/") != std::string::npos ? "task " + short_id(res) : "";
    if (svc == "elbv2")
      return res.find("/node/") != std::string::npos ? "ALB node"
                                                     : "target " + res.substr(res.find('/') + 1);
    if (svc == "rds") return "DB";
    return "";
  };
  struct Open {
    sim::Millis since;
    std::string state;
  };
  std::map<std::pair<std::string, std::string>, Open> open;
  std::vector<std::pair<sim::Millis, sim::Millis>> faults;
  std::vector<std::string> fault_labels;
  std::map<std::string, sim::Millis> fault_open;
  std::set<std::string> zones(r.fixture.zones.begin(), r.fixture.zones.end());
  for (auto& e : r.timeline) {
    sim::Millis t = e["t_ms"];
    std::string zone = e.value("zone", ""), svc = e.value("service", "");
    if (svc == "zone") {
      zones.insert(zone);
      if (e.value("to", "") != "up") {
        fault_open[zone] = t;
        fault_labels.push_back(zone + " " + e.value("to", ""));
      } else if (fault_open.count(zone)) {
        faults.push_back({fault_open[zone], t});
        fault_open.erase(zone);
      }
      continue;
    }
    std::string lane = lane_of(e);
    if (lane.empty()) continue;
    if (zone.empty()) zone = "region";
    zones.insert(zone);
    auto key = std::make_pair(zone, lane);
    if (!open.count(key)) order.push_back(key);
    if (open.count(key)) lanes[zone][lane].push_back({open[key].since, t, open[key].state});
    open[key] = {t, e.value("to", "")};
  }
  for (auto& [k, o] : open) lanes[k.first][k.second].push_back({o.since, end, o.state});
  for (auto& [z, t] : fault_open) faults.push_back({t, end});

  auto color = [](const std::string& s) -> std::string {
    if (s == "RUNNING" || s == "healthy" || s == "active" || s == "available" ||
        s.rfind("primary", 0) == 0 || s.find("in-sync") != std::string::npos)
      return "#2e9d4b";
    if (s == "unhealthy" || s == "STOPPED" || s == "down" || s.find("lost") != std::string::npos ||
        s == "failing-over" || s.find("unreachable") != std::string::npos)
      return "#d23c3c";
    if (s == "draining" || s == "DEACTIVATING" || s == "STOPPING" || s == "DEPROVISIONING" ||
        s.find("rebuild") != std::string::npos)
      return "#e8a13a";
    return "#9aa5b1";  // initial, PROVISIONING, PENDING, ...
  };

  std::ostringstream svg;
  double y = 30;
  std::ostringstream body;
  for (auto& zone : zones) {
    if (!lanes.count(zone)) continue;
    body << "<text x='8' y='" << y + 12 << "' class='zone'>" << esc(zone) << "</text>";
    y += 20;
    for (auto& key : order) {
      if (key.first != zone) continue;
      auto& segs = lanes[zone][key.second];
      body << "<text x='12' y='" << y + 11 << "' class='lane'>" << esc(key.second) << "</text>";
      for (auto& s : segs) {
        if (s.to < start) continue;
        double x0 = x(s.from), x1 = std::max(x(s.to), x0 + 1);
        if (s.state.empty() || s.state == "STOPPED") continue;  // gone: nothing to draw
        body << "<rect x='" << num(x0) << "' y='" << y << "' width='" << num(x1 - x0)
             << "' height='14' fill='" << color(s.state) << "'><title>"
             << esc(key.second + ": " + s.state + " from " + num((s.from - r.t0) / 1000.0, 1) +
                    " s")
             << "</title></rect>";
      }
      y += 18;
    }
    y += 8;
  }
  double lanes_bottom = y;
  // Success rate per second.
  double chart_top = y + 20, chart_h = 90;
  std::ostringstream chart;
  chart << "<text x='8' y='" << chart_top + 12 << "' class='zone'>requests ok</text>";
  chart << "<line x1='" << left << "' y1='" << chart_top + chart_h << "' x2='" << left + plot
        << "' y2='" << chart_top + chart_h << "' stroke='#888'/>";
  chart << "<text x='" << left - 30 << "' y='" << chart_top + 8
        << "' class='axis'>100%</text><text x='" << left - 22 << "' y='" << chart_top + chart_h
        << "' class='axis'>0%</text>";
  std::string points;
  for (std::size_t s = 0; s < r.seconds.size(); ++s) {
    if (r.seconds[s].total == 0) continue;
    double rate = static_cast<double>(r.seconds[s].ok) / r.seconds[s].total;
    points += num(x(r.t0 + static_cast<sim::Millis>(s) * 1000)) + "," +
              num(chart_top + chart_h * (1 - rate)) + " ";
  }
  if (!points.empty())
    chart << "<polyline fill='none' stroke='#2563eb' stroke-width='1.5' points='" << points
          << "'/>";
  double total_h = chart_top + chart_h + 40;
  // Fault bands and time axis.
  std::ostringstream bands;
  for (std::size_t i = 0; i < faults.size(); ++i) {
    double x0 = x(faults[i].first), x1 = std::max(x(faults[i].second), x0 + 2);
    bands << "<rect x='" << num(x0) << "' y='20' width='" << num(x1 - x0) << "' height='"
          << num(total_h - 50) << "' fill='#d23c3c' opacity='0.10'/>";
    bands << "<line x1='" << num(x0) << "' y1='20' x2='" << num(x0) << "' y2='" << num(total_h - 30)
          << "' stroke='#d23c3c' stroke-dasharray='4 3'/>";
    bands << "<text x='" << num(x0 + 3) << "' y='16' class='fault'>"
          << esc(i < fault_labels.size() ? fault_labels[i] : "fault") << "</text>";
  }
  std::ostringstream axis;
  sim::Millis step = std::max<sim::Millis>(60000, ((end - start) / 10 / 60000) * 60000);
  for (sim::Millis t = r.t0; t <= end; t += step) {
    axis << "<line x1='" << num(x(t)) << "' y1='" << num(total_h - 32) << "' x2='" << num(x(t))
         << "' y2='" << num(total_h - 28) << "' stroke='#888'/>";
    axis << "<text x='" << num(x(t) - 10) << "' y='" << num(total_h - 16) << "' class='axis'>"
         << (t - r.t0) / 60000 << " min</text>";
  }
  (void)lanes_bottom;
  svg << "<svg xmlns='http://www.w3.org/2000/svg' width='" << width << "' height='" << num(total_h)
      << "' id='timeline'>"
      << "<style>.zone{font:bold 13px sans-serif}.lane{font:11px "
         "monospace;fill:#333}.axis{font:11px sans-serif;fill:#555}.fault{font:bold 11px "
         "sans-serif;fill:#b91c1c}</style>"
      << bands.str() << body.str() << chart.str() << axis.str() << "</svg>";

  std::ostringstream html;
  std::uint64_t total = 0, ok = 0;
  for (auto& s : r.seconds) total += s.total, ok += s.ok;
  html << "<!DOCTYPE html><html><head><meta charset='utf-8'><title>zonesim drill: "
       << esc(r.fixture.name) << "</title>"
       << "<style>body{font-family:sans-serif;margin:24px;color:#111}table{border-collapse:"
          "collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}"
          ".pass{color:#15803d;font-weight:bold}.fail{color:#b91c1c;font-weight:bold}.legend "
          "span{display:inline-block;width:12px;height:12px;margin:0 4px 0 "
          "12px;vertical-align:middle}</style></head><body>"
       << "<h1>" << esc(r.fixture.name) << " — <span class='"
       << (r.passed ? "pass'>PASSED" : "fail'>FAILED") << "</span></h1>"
       << "<p>" << esc(r.fixture.description) << "</p>"
       << "<p>seed " << r.seed << " · t=0 at " << protocol::iso8601(r.t0) << " · "
       << num(r.fixture.duration / 60000.0, 1) << " simulated minutes · " << ok << " of " << total
       << " requests succeeded · " << r.writes_acknowledged << " writes acknowledged, "
       << r.writes_lost << " lost</p>"
       << "<p class='legend'><span style='background:#2e9d4b'></span>running / healthy / "
          "primary<span style='background:#9aa5b1'></span>starting / initial"
          "<span style='background:#e8a13a'></span>draining / stopping<span "
          "style='background:#d23c3c'></span>unhealthy / down / lost; red band: zone fault</p>"
       << svg.str()
       << "<h2>Expectations</h2><table><tr><th>expectation</th><th>measured</th><th>bound</"
          "th><th>result</th><th>how</th><th>note</th></tr>";
  for (auto& e : r.expectations)
    html << "<tr><td>" << esc(e.name) << "</td><td>"
         << (e.measured ? num(*e.measured) + " " + esc(e.unit) : "—") << "</td><td>" << esc(e.bound)
         << "</td><td class='" << (e.passed ? "pass'>pass" : "fail'>FAIL") << "</td><td>"
         << esc(e.detail) << "</td><td>" << esc(e.note) << "</td></tr>";
  html << "</table><p>Reproduce: <code>zonesim drill run " << esc(r.fixture.file) << " --seed "
       << r.seed << "</code></p></body></html>\n";
  return html.str();
}

}  // namespace zonesim::drill
