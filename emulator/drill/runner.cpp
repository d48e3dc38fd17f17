#include "emulator/drill/runner.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <unordered_set>

#include "emulator/app/app.hpp"
#include "emulator/sim/zones.hpp"
#include "services/elbv2/routing.hpp"
#include "services/rds/reachability.hpp"

namespace zonesim::drill {

namespace {

// Traffic is sent tick by tick, events run between ticks; ticks that see the same state (no event,
// fault or second boundary between them) are sent as one batch. Between two events nothing changes
// the documents but the drill's own writes, so those are held back and applied, in one update,
// before the next event, fault or sample (all acknowledged or all not, as the state decides); the
// routing plan (elbv2::RouteCache) then lasts from one event to the next.
constexpr sim::Millis kTickMs = 100;
constexpr std::size_t kProgressTicks = 600;  // a progress report per simulated minute

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

}  // namespace

class Run {
 public:
  // In-process: a fresh App on its own manual clock.
  Run(const Fixture& f, std::uint64_t seed) : f_(f) {
    Config c;
    c.region = f.region;
    c.zones = f.zones;
    c.seed = seed;
    c.timing = f.timing;
    c.clock_mode = "manual";
    try {
      owned_ = std::make_unique<App>(c, "", f.epoch);
    } catch (const std::exception& e) {
      throw FixtureError(f.file + ": timing: " + e.what());
    }
    app_ = owned_.get();
    attach();
  }
  // On a live App: its region, zones, timing and seed are the server's.
  Run(const Fixture& f, App& app) : f_(f), app_(&app) {
    f_.region = app.env().config.region;
    attach();
  }
  ~Run() {
    auto& hooks = app_->env().hooks.timeline;
    if (hook_ + 1 == hooks.size())
      hooks.pop_back();
    else if (hook_ < hooks.size())
      hooks[hook_] = [](Env&, const json&) {};
  }
  Run(const Run&) = delete;
  Run& operator=(const Run&) = delete;

  const Fixture& fixture() const { return f_; }
  sim::Millis position() const { return static_cast<sim::Millis>(k_) * kTickMs; }

  void start() {
    if (owned_) {
      try {
        app_->import_state(f_.state);
      } catch (const AwsError& e) {
        throw FixtureError(f_.file + ": state: " + e.message());
      }
    } else {
      // The drill's timeline starts here; what the server did before is not part of it.
      first_seq_ = app_->env().store.last_timeline_seq();
    }
    resolve_traffic();
    events_ += app_->advance_by(f_.warmup);
    t0_ = app_->env().clock.now();
    faults_ = f_.faults;
    std::stable_sort(faults_.begin(), faults_.end(), [](auto& a, auto& b) { return a.at < b.at; });
    for (auto& e : f_.expectations)
      if (e.type == "running_tasks") samples_.push_back(e);
    ticks_ = static_cast<std::size_t>(f_.duration / kTickMs);
    seconds_.resize(static_cast<std::size_t>((f_.duration + 999) / 1000));
    started_ = true;
  }

  bool step_until(sim::Millis until, const Progress& progress = {}) {
    std::size_t reported = k_ / kProgressTicks;
    while (k_ < ticks_ && static_cast<sim::Millis>(k_) * kTickMs < until) {
      sim::Millis rel = static_cast<sim::Millis>(k_) * kTickMs;
      while (next_fault_ < faults_.size() && faults_[next_fault_].at <= rel) {
        advance_to(t0_ + faults_[next_fault_].at);
        apply(faults_[next_fault_++]);
      }
      for (auto& s : samples_)
        if (s.at >= rel && s.at < rel + kTickMs) {
          advance_to(t0_ + s.at);
          apply_writes();
          running_at_[s.name] = count_running(s.zone);
        }
      advance_to(t0_ + rel);
      // The ticks up to the next event share this state: their traffic goes out as one batch.
      std::size_t m = span_ticks(rel, until);
      Second& sec = seconds_[static_cast<std::size_t>(rel / 1000)];
      req_carry_ += f_.traffic.requests_per_second * static_cast<double>(m * kTickMs) / 1000.0;
      auto n = static_cast<std::uint64_t>(req_carry_);
      req_carry_ -= static_cast<double>(n);
      if (n > 0) requests(sec, n);
      write_carry_ += f_.traffic.writes_per_second * static_cast<double>(m * kTickMs) / 1000.0;
      int w = static_cast<int>(write_carry_);
      write_carry_ -= w;
      if (w > 0) writes(static_cast<std::size_t>(rel / 1000), w);
      k_ += m;
      if (progress && k_ / kProgressTicks != reported) {
        reported = k_ / kProgressTicks;
        progress(static_cast<double>(k_) / static_cast<double>(ticks_));
      }
    }
    // Between steps (a drill on a live server) anyone may look: the writes and metrics so far
    // are in the state.
    apply_writes();
    if (route_) route_->flush(app_->env());
    return k_ >= ticks_;
  }

  DrillResult finish() {
    step_until(f_.duration);
    DrillResult r;
    r.fixture = f_;
    r.seed = app_->env().config.seed;
    r.t0 = t0_;
    while (next_fault_ < faults_.size()) {
      advance_to(t0_ + faults_[next_fault_].at);
      apply(faults_[next_fault_++]);
    }
    advance_to(t0_ + f_.duration);
    for (auto& s : samples_)
      if (!running_at_.count(s.name)) running_at_[s.name] = count_running(s.zone);
    r.timeline = app_->env().store.timeline(0, first_seq_, static_cast<std::size_t>(-1) >> 1);
    for (auto& e : r.timeline) e.erase("seq");
    r.seconds = std::move(seconds_);
    if (!db_.empty()) {
      auto c = rds::write_counters(app_->env(), scope_, db_);
      if (c) r.writes_lost = c->lost;
    }
    r.writes_acknowledged = writes_acked_;
    r.simulation_events = events_;
    evaluate(r);
    return r;
  }

 private:
  void attach() {
    scope_ = app_->env().config.default_account + "/" + f_.region;
    auto& hooks = app_->env().hooks.timeline;
    hook_ = hooks.size();
    hooks.push_back([this](Env&, const json& e) {
      if (e.value("service", "") == "ecs" && e.value("to", "") == "STOPPED")
        stopped_tasks_.insert(e.value("resource", ""));
    });
  }

  // Forward only; on a live server a realtime clock is held while the drill owns it, and
  // advance_by keeps its driver in step. Events see the writes made before them.
  void advance_to(sim::Millis t) {
    sim::Millis now = app_->env().clock.now();
    sim::Millis due = app_->env().clock.next_due();
    if (due >= 0 && due <= t) apply_writes();
    if (t >= now) events_ += app_->advance_by(t - now);
  }

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
      elbv2::RouteRequest req;
      req.load_balancer_arn = lb_arn_;
      req.port = t.port;
      req.path = t.path;
      route_ = std::make_unique<elbv2::RouteCache>(scope_, req);
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

  // How many ticks from `rel` see the same state: up to the next second (the unit of the counts),
  // the tick of the next clock event, fault or sample, and `until`; at least one.
  std::size_t span_ticks(sim::Millis rel, sim::Millis until) {
    auto tick_at_or_after = [](sim::Millis t) { return (t + kTickMs - 1) / kTickMs * kTickMs; };
    sim::Millis end = std::min<sim::Millis>((rel / 1000 + 1) * 1000, tick_at_or_after(until));
    end = std::min<sim::Millis>(end, static_cast<sim::Millis>(ticks_) * kTickMs);
    if (next_fault_ < faults_.size())
      end = std::min(end, tick_at_or_after(faults_[next_fault_].at));
    for (auto& s : samples_)
      if (s.at >= rel + kTickMs) end = std::min(end, s.at / kTickMs * kTickMs);
    sim::Millis due = app_->env().clock.next_due();
    if (due >= 0) end = std::min(end, tick_at_or_after(due - t0_));
    return static_cast<std::size_t>(std::max<sim::Millis>(1, (end - rel) / kTickMs));
  }

  void requests(Second& sec, std::uint64_t n) {
    using K = elbv2::RouteResult::Kind;
    route_->route_many(app_->env(), n, [&](const elbv2::RouteResult& res, std::uint64_t c) {
      auto count = static_cast<std::uint32_t>(c);
      sec.total += count;
      if (res.kind == K::unreachable)
        sec.unreachable += count;
      else if (res.kind == K::elb_error)
        sec.elb_5xx += count;
      else if (res.status >= 500)
        sec.target_5xx += count;
      else
        sec.ok += count;
      if (!res.task_arn.empty() && stopped_tasks_.count(res.task_arn)) sec.to_stopped += count;
    });
  }

  // `n` writes in the second `sec`, applied with the others of the same state (apply_writes).
  void writes(std::size_t sec, int n) {
    held_writes_.emplace_back(sec, static_cast<std::uint32_t>(n));
    held_total_ += static_cast<std::uint64_t>(n);
  }

  void apply_writes() {
    if (held_writes_.empty()) return;
    Env& env = app_->env();
    env.store.begin();
    std::uint64_t acked = 0;
    try {
      // Writes come from the application tier: a client in the first zone that is up.
      std::string from;
      for (auto& z : env.config.zones_or_default())
        if (sim::zone_state(env, z) == "up") {
          from = z;
          break;
        }
      acked = rds::acknowledge_writes(env, scope_, db_host_, from, held_total_);
      env.store.commit();
    } catch (...) {
      if (env.store.in_transaction()) env.store.rollback();
      throw;
    }
    // All or none (one state decided them all); in order, as the seconds came.
    for (auto& [s, n] : held_writes_) {
      auto a = static_cast<std::uint32_t>(std::min<std::uint64_t>(n, acked));
      seconds_[s].writes += a;
      seconds_[s].writes_failed += n - a;
      writes_acked_ += a;
      acked -= a;
    }
    held_writes_.clear();
    held_total_ = 0;
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
    apply_writes();
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

  Fixture f_;
  std::unique_ptr<App> owned_;
  App* app_ = nullptr;
  std::size_t hook_ = 0;
  std::string scope_, lb_arn_, db_, db_host_;
  sim::Millis t0_ = 0;
  std::int64_t first_seq_ = 0;
  bool started_ = false;
  std::vector<Fault> faults_;
  std::vector<Expectation> samples_;
  std::size_t next_fault_ = 0, k_ = 0, ticks_ = 0;
  double req_carry_ = 0, write_carry_ = 0;
  std::vector<Second> seconds_;
  std::unordered_set<std::string> stopped_tasks_;  // looked up for every outcome sent
  std::map<std::string, std::size_t> running_at_;
  std::uint64_t writes_acked_ = 0;
  std::uint64_t events_ = 0;  // clock events run
  std::unique_ptr<elbv2::RouteCache> route_;
  std::vector<std::pair<std::size_t, std::uint32_t>> held_writes_;  // (second, writes) not applied
  std::uint64_t held_total_ = 0;
};

Session::Session(const Fixture& fixture, std::uint64_t seed)
    : run_(std::make_unique<Run>(fixture, seed)) {}
Session::Session(const Fixture& fixture, App& app) : run_(std::make_unique<Run>(fixture, app)) {}
Session::~Session() = default;
void Session::start() {
  run_->start();
}
bool Session::step_until(sim::Millis rel) {
  return run_->step_until(rel);
}
sim::Millis Session::position() const {
  return run_->position();
}
const Fixture& Session::fixture() const {
  return run_->fixture();
}
DrillResult Session::finish() {
  return run_->finish();
}

DrillResult run_drill(const Fixture& fixture, std::optional<std::uint64_t> seed,
                      const Progress& progress) {
  Run run(fixture, seed.value_or(fixture.seed));
  run.start();
  run.step_until(fixture.duration, progress);
  return run.finish();
}

DrillResult result_from_json(const json& j, const Fixture& fixture) {
  DrillResult r;
  r.fixture = fixture;
  r.seed = j.value("seed", std::uint64_t{0});
  r.t0 = j.value("t0_ms", sim::Millis{0});
  r.passed = j.value("passed", false);
  r.timeline = j.value("timeline", json::array()).get<std::vector<json>>();
  for (auto& row : j.value("seconds", json::array())) {
    Second s;
    std::uint32_t* cols[] = {&s.total,       &s.ok,         &s.elb_5xx, &s.target_5xx,
                             &s.unreachable, &s.to_stopped, &s.writes,  &s.writes_failed};
    for (std::size_t i = 0; i < std::size(cols) && i < row.size(); ++i)
      *cols[i] = row[i].get<std::uint32_t>();
    r.seconds.push_back(s);
  }
  for (auto& e : j.value("expectations", json::array())) {
    ExpectationResult x;
    x.name = e.value("name", "");
    x.type = e.value("type", "");
    x.passed = e.value("passed", false);
    if (e.contains("measured") && e["measured"].is_number())
      x.measured = e["measured"].get<double>();
    x.unit = e.value("unit", "");
    x.bound = e.value("bound", "");
    x.detail = e.value("detail", "");
    x.note = e.value("note", "");
    r.expectations.push_back(std::move(x));
  }
  if (j.contains("writes")) {
    r.writes_acknowledged = j["writes"].value("acknowledged", std::uint64_t{0});
    r.writes_lost = j["writes"].value("lost", std::uint64_t{0});
  }
  r.simulation_events = j.value("simulation_events", std::uint64_t{0});
  return r;
}

}  // namespace zonesim::drill
