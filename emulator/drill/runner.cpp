#include "emulator/drill/runner.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>

#include "emulator/app/app.hpp"
#include "emulator/sim/zones.hpp"
#include "services/elbv2/dataplane.hpp"
#include "services/elbv2/routing.hpp"
#include "services/rds/reachability.hpp"

namespace zonesim::drill {

namespace {

constexpr sim::Millis kTickMs = 100;  // traffic is routed tick by tick, events run between ticks

std::string fmt(double v, int digits = 3) {
  std::ostringstream o;
  o.precision(digits);
  o << std::fixed << v;
  std::string s = o.str();
  while (s.find('.') != std::string::npos && (s.back() == '0' || s.back() == '.')) {
    bool dot = s.back() == '.';
    s.pop_back();
    if (dot) break;
  }
  return s;
}

class Run {
 public:
  Run(const Fixture& f, std::uint64_t seed) : f_(f) {
    Config c;
    c.region = f.region;
    c.zones = f.zones;
    c.seed = seed;
    c.timing = f.timing;
    c.clock_mode = "manual";
    try {
      app_ = std::make_unique<App>(c, "", f.epoch);
    } catch (const std::exception& e) {
      throw FixtureError(f.file + ": timing: " + e.what());
    }
    scope_ = c.default_account + "/" + f.region;
    app_->env().hooks.timeline.push_back([this](Env&, const json& e) {
      if (e.value("service", "") == "ecs" && e.value("to", "") == "STOPPED")
        stopped_tasks_.insert(e.value("resource", ""));
    });
  }

  DrillResult run(const Progress& progress) {
    DrillResult r;
    r.fixture = f_;
    r.seed = app_->env().config.seed;
    try {
      app_->import_state(f_.state);
    } catch (const AwsError& e) {
      throw FixtureError(f_.file + ": state: " + e.message());
    }
    resolve_traffic();
    app_->advance_by(f_.warmup);
    t0_ = app_->env().clock.now();
    r.t0 = t0_;
    std::vector<Fault> faults = f_.faults;
    std::stable_sort(faults.begin(), faults.end(), [](auto& a, auto& b) { return a.at < b.at; });
    std::vector<Expectation> samples;
    for (auto& e : f_.expectations)
      if (e.type == "running_tasks") samples.push_back(e);
    std::size_t next_fault = 0;
    std::size_t ticks = static_cast<std::size_t>(f_.duration / kTickMs);
    r.seconds.resize(static_cast<std::size_t>((f_.duration + 999) / 1000));
    double req_carry = 0, write_carry = 0;
    for (std::size_t k = 0; k < ticks; ++k) {
      sim::Millis rel = static_cast<sim::Millis>(k) * kTickMs;
      while (next_fault < faults.size() && faults[next_fault].at <= rel) {
        app_->advance_to(t0_ + faults[next_fault].at);
        apply(faults[next_fault++]);
      }
      for (auto& s : samples)
        if (s.at >= rel && s.at < rel + kTickMs) {
          app_->advance_to(t0_ + s.at);
          running_at_[s.name] = count_running(s.zone);
        }
      app_->advance_to(t0_ + rel);
      Second& sec = r.seconds[static_cast<std::size_t>(rel / 1000)];
      req_carry += f_.traffic.requests_per_second * kTickMs / 1000.0;
      int n = static_cast<int>(req_carry);
      req_carry -= n;
      for (int i = 0; i < n; ++i) request(sec);
      write_carry += f_.traffic.writes_per_second * kTickMs / 1000.0;
      int w = static_cast<int>(write_carry);
      write_carry -= w;
      if (w > 0) writes(sec, w);
      if (progress && k % 600 == 0) progress(static_cast<double>(k) / static_cast<double>(ticks));
    }
    while (next_fault < faults.size()) {
      app_->advance_to(t0_ + faults[next_fault].at);
      apply(faults[next_fault++]);
    }
    app_->advance_to(t0_ + f_.duration);
    for (auto& s : samples)
      if (!running_at_.count(s.name)) running_at_[s.name] = count_running(s.zone);
    r.timeline = app_->env().store.timeline(0, 0, static_cast<std::size_t>(-1) >> 1);
    for (auto& e : r.timeline) e.erase("seq");
    if (!db_.empty()) {
      auto c = rds::write_counters(app_->env(), scope_, db_);
      if (c) r.writes_lost = c->lost;
    }
    r.writes_acknowledged = writes_acked_;
    evaluate(r);
    return r;
  }

 private:
  void resolve_traffic() {
    const Traffic& t = f_.traffic;
    if (t.requests_per_second > 0) {
      json out;
      try {
        out = app_->invoke("elbv2", "DescribeLoadBalancers", app_->env().config.default_account,
                           f_.region, json{{"Names", {t.load_balancer}}});
      } catch (const AwsError& e) {
        throw FixtureError(f_.file + ": traffic.load_balancer: " + e.message());
      }
      lb_arn_ = out["LoadBalancers"][0]["LoadBalancerArn"];
    }
    if (t.writes_per_second > 0) {
      json out;
      try {
        out = app_->invoke("rds", "DescribeDBInstances", app_->env().config.default_account,
                           f_.region, json{{"DBInstanceIdentifier", t.database}});
      } catch (const AwsError& e) {
        throw FixtureError(f_.file + ": traffic.database: " + e.message());
      }
      db_ = t.database;
      db_host_ = out["DBInstances"][0]["Endpoint"]["Address"];
    }
  }

  void request(Second& sec) {
    elbv2::RouteRequest req;
    req.load_balancer_arn = lb_arn_;
    req.port = f_.traffic.port;
    req.path = f_.traffic.path;
    auto res = elbv2::route(app_->env(), scope_, req);
    elbv2::record_request(app_->env(), scope_, lb_arn_, res);
    ++sec.total;
    using K = elbv2::RouteResult::Kind;
    if (res.kind == K::unreachable) {
      ++sec.unreachable;
    } else if (res.kind == K::elb_error) {
      ++sec.elb_5xx;
    } else if (res.status >= 500) {
      ++sec.target_5xx;
    } else {
      ++sec.ok;
    }
    if (!res.task_arn.empty() && stopped_tasks_.count(res.task_arn)) ++sec.to_stopped;
  }

  void writes(Second& sec, int n) {
    Env& env = app_->env();
    env.store.begin();
    try {
      for (int i = 0; i < n; ++i) {
        // Writes come from the application tier: a client in the first zone that is up.
        std::string from;
        for (auto& z : env.config.zones_or_default())
          if (sim::zone_state(env, z) == "up") {
            from = z;
            break;
          }
        if (rds::acknowledge_write(env, scope_, db_host_, from)) {
          ++sec.writes;
          ++writes_acked_;
        } else {
          ++sec.writes_failed;
        }
      }
      env.store.commit();
    } catch (...) {
      if (env.store.in_transaction()) env.store.rollback();
      throw;
    }
  }

  json service_tasks(const std::string& service) {
    const std::string& acct = app_->env().config.default_account;
    json clusters =
        app_->invoke("ecs", "ListClusters", acct, f_.region, json::object())["clusterArns"];
    for (auto& c : clusters) {
      json arns = app_->invoke(
          "ecs", "ListTasks", acct, f_.region,
          json{{"cluster", c}, {"serviceName", service}, {"desiredStatus", "RUNNING"}})["taskArns"];
      if (arns.empty()) continue;
      std::vector<std::string> sorted = arns.get<std::vector<std::string>>();
      std::sort(sorted.begin(), sorted.end());
      return json{{"cluster", c}, {"tasks", sorted}};
    }
    return json{{"cluster", nullptr}, {"tasks", json::array()}};
  }

  std::size_t count_running(const std::string& zone) {
    const std::string& acct = app_->env().config.default_account;
    std::size_t n = 0;
    json clusters =
        app_->invoke("ecs", "ListClusters", acct, f_.region, json::object())["clusterArns"];
    for (auto& c : clusters) {
      json arns = app_->invoke("ecs", "ListTasks", acct, f_.region,
                               json{{"cluster", c}, {"desiredStatus", "RUNNING"}})["taskArns"];
      if (arns.empty()) continue;
      json tasks = app_->invoke("ecs", "DescribeTasks", acct, f_.region,
                                json{{"cluster", c}, {"tasks", arns}})["tasks"];
      for (auto& t : tasks)
        if (t.value("lastStatus", "") == "RUNNING" &&
            (zone.empty() || t.value("availabilityZone", "") == zone))
          ++n;
    }
    return n;
  }

  void control_fault(const json& body) {
    auto& handlers = app_->registry().fault_handlers;
    auto it = handlers.find(body["action"].get<std::string>());
    if (it == handlers.end())
      throw FixtureError(f_.file + ": no fault handler for " + body["action"].get<std::string>());
    Env& env = app_->env();
    env.store.begin();
    try {
      it->second(env, body);
      env.store.commit();
    } catch (const AwsError& e) {
      if (env.store.in_transaction()) env.store.rollback();
      throw FixtureError(f_.file + ": fault " + body.dump() + ": " + e.message());
    }
  }

  void apply(const Fault& x) {
    Env& env = app_->env();
    if (x.kind.rfind("zone-", 0) == 0) {
      env.store.begin();
      try {
        if (x.kind == "zone-restore") {
          sim::restore_zone(env, x.zone);
        } else {
          sim::ZoneFault zf;
          zf.kind = x.kind.substr(5);
          zf.duration_ms = x.duration;
          zf.latency_ms = x.latency_ms;
          zf.loss_rate = x.loss_rate;
          sim::fail_zone(env, x.zone, zf);
        }
        env.store.commit();
      } catch (const AwsError& e) {
        if (env.store.in_transaction()) env.store.rollback();
        throw FixtureError(f_.file + ":" + std::to_string(x.line) + ": faults: " + e.message());
      }
      return;
    }
    if (x.kind == "rds-failover") {
      control_fault(json{{"action", "rds-failover"}, {"db_instance", x.db_instance}});
      return;
    }
    json st = service_tasks(x.service);
    const json& tasks = st["tasks"];
    if (tasks.empty())
      throw FixtureError(f_.file + ":" + std::to_string(x.line) + ": faults: service '" +
                         x.service + "' has no running task at " + fmt(x.at / 1000.0) + " s");
    std::vector<std::string> chosen;
    if (x.all_tasks) {
      for (auto& t : tasks) chosen.push_back(t);
    } else {
      if (static_cast<std::size_t>(x.task_index) >= tasks.size())
        throw FixtureError(f_.file + ":" + std::to_string(x.line) + ": faults: service '" +
                           x.service + "' has only " + std::to_string(tasks.size()) +
                           " running tasks");
      chosen.push_back(tasks[static_cast<std::size_t>(x.task_index)]);
    }
    for (auto& t : chosen) {
      if (x.kind == "stop-task")
        control_fault(json{{"action", "stop-task"}, {"task", t}});
      else
        control_fault(json{{"action", "app-state"}, {"task", t}, {"state", x.state}});
    }
  }

  // --- expectations ---------------------------------------------------------------------------

  sim::Millis first_fault() const {
    sim::Millis at = -1;
    for (auto& x : f_.faults)
      if (x.kind != "zone-restore" && (at < 0 || x.at < at)) at = x.at;
    return at;
  }

  void evaluate(DrillResult& r) {
    r.passed = true;
    for (auto& e : f_.expectations) {
      ExpectationResult x;
      x.name = e.name;
      x.type = e.type;
      x.note = e.note;
      measure(e, r, x);
      std::optional<double> max = e.max;
      if (e.type == "no_request_to_stopped_task" && !max) max = 0;  // the bound is zero
      if (x.measured) {
        bool ok = true;
        if (e.min && *x.measured < *e.min) ok = false;
        if (max && *x.measured > *max) ok = false;
        x.passed = ok;
      }
      std::string b;
      if (e.min) b += ">= " + fmt(*e.min) + " " + x.unit;
      if (max) b += std::string(b.empty() ? "" : ", ") + "<= " + fmt(*max) + " " + x.unit;
      x.bound = b;
      r.passed = r.passed && x.passed;
      r.expectations.push_back(std::move(x));
    }
  }

  void measure(const Expectation& e, DrillResult& r, ExpectationResult& x) {
    if (e.type == "availability") {
      x.unit = "%";
      sim::Millis to = e.to < 0 ? f_.duration : e.to;
      std::uint64_t total = 0, ok = 0;
      for (std::size_t s = static_cast<std::size_t>(e.from / 1000);
           s < r.seconds.size() && static_cast<sim::Millis>(s) * 1000 < to; ++s)
        total += r.seconds[s].total, ok += r.seconds[s].ok;
      if (total == 0) {
        x.detail = "no requests in the window (traffic.requests_per_second is 0?)";
        return;
      }
      x.measured = 100.0 * static_cast<double>(ok) / static_cast<double>(total);
      x.detail = std::to_string(ok) + " of " + std::to_string(total) + " requests succeeded";
    } else if (e.type == "time_to_detect") {
      x.unit = "s";
      sim::Millis fault = t0_ + first_fault();
      for (auto& ev : r.timeline) {
        sim::Millis t = ev["t_ms"];
        if (t < fault) continue;
        std::string svc = ev.value("service", ""), to = ev.value("to", "");
        if ((svc == "elbv2" && to == "unhealthy") ||
            (svc == "ecs" && (to == "STOPPED" || to == "DEACTIVATING" || to == "STOPPING"))) {
          x.measured = static_cast<double>(t - fault) / 1000.0;
          x.detail = svc + " " + ev.value("resource", "") + " -> " + to + " (" +
                     ev.value("reason", "") + ")";
          return;
        }
      }
      x.detail = "nothing was detected after the fault";
    } else if (e.type == "time_to_recover") {
      x.unit = "s";
      std::size_t f = static_cast<std::size_t>(first_fault() / 1000);
      std::size_t sustain = static_cast<std::size_t>(std::max<sim::Millis>(1, e.sustain / 1000));
      std::size_t first_bad = r.seconds.size();
      for (std::size_t s = f; s < r.seconds.size(); ++s)
        if (r.seconds[s].ok < r.seconds[s].total) {
          first_bad = s;
          break;
        }
      if (first_bad == r.seconds.size()) {
        x.measured = 0;
        x.detail = "no request failed after the fault";
        return;
      }
      std::size_t run = 0;
      for (std::size_t s = first_bad; s < r.seconds.size(); ++s) {
        bool good = r.seconds[s].total > 0 && r.seconds[s].ok == r.seconds[s].total;
        run = good ? run + 1 : 0;
        if (run >= sustain) {
          std::size_t start = s + 1 - sustain;
          x.measured = static_cast<double>(start) - static_cast<double>(first_fault()) / 1000.0;
          x.detail = "every request succeeded from " + fmt(static_cast<double>(start)) + " s for " +
                     std::to_string(sustain) + " s";
          return;
        }
      }
      x.detail =
          "the success rate did not recover for " + std::to_string(sustain) + " s before the end";
    } else if (e.type == "rds_failover_duration") {
      x.unit = "s";
      sim::Millis started = -1;
      for (auto& ev : r.timeline) {
        if (ev.value("service", "") != "rds") continue;
        std::string text = ev.value("to", "") + " " + ev.value("reason", "");
        std::transform(text.begin(), text.end(), text.begin(),
                       [](unsigned char c) { return std::tolower(c); });
        if (text.find("failover") == std::string::npos &&
            text.find("failing-over") == std::string::npos)
          continue;
        sim::Millis t = ev["t_ms"];
        if (started < 0 && (text.find("start") != std::string::npos ||
                            text.find("failing-over") != std::string::npos)) {
          started = t;
        } else if (started >= 0 && text.find("complet") != std::string::npos) {
          x.measured = static_cast<double>(t - started) / 1000.0;
          x.detail = "failover started at " + fmt((started - t0_) / 1000.0) + " s, completed at " +
                     fmt((t - t0_) / 1000.0) + " s";
          return;
        }
      }
      x.detail = "no completed RDS failover in the timeline";
    } else if (e.type == "writes_lost") {
      x.unit = "writes";
      if (db_.empty()) {
        x.detail = "no database writes (traffic.writes_per_second is 0)";
        return;
      }
      x.measured = static_cast<double>(r.writes_lost);
      x.detail = std::to_string(r.writes_acknowledged) + " writes acknowledged, " +
                 std::to_string(r.writes_lost) + " of them lost (counted on primary and standby)";
    } else if (e.type == "running_tasks") {
      x.unit = "tasks";
      x.measured = static_cast<double>(running_at_[e.name]);
      x.detail = "RUNNING tasks" + (e.zone.empty() ? std::string() : " in " + e.zone) + " at " +
                 fmt(e.at / 1000.0) + " s";
    } else if (e.type == "no_request_to_stopped_task") {
      x.unit = "requests";
      std::uint64_t n = 0;
      for (auto& s : r.seconds) n += s.to_stopped;
      x.measured = static_cast<double>(n);
      x.detail = std::to_string(n) + " requests were routed to a STOPPED task";
    }
  }

  const Fixture& f_;
  std::unique_ptr<App> app_;
  std::string scope_, lb_arn_, db_, db_host_;
  sim::Millis t0_ = 0;
  std::set<std::string> stopped_tasks_;
  std::map<std::string, std::size_t> running_at_;
  std::uint64_t writes_acked_ = 0;
};

}  // namespace

DrillResult run_drill(const Fixture& fixture, std::optional<std::uint64_t> seed,
                      const Progress& progress) {
  Run run(fixture, seed.value_or(fixture.seed));
  return run.run(progress);
}

}  // namespace zonesim::drill
