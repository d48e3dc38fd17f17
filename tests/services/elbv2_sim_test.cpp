// The simulated ELBv2: health checks on the target group's settings, target states and their
// timeline, load balancer nodes under zone faults, DNS, and the routing decision. The targets'
// applications are a test double installed through elbv2::testing::set_app_answer_override (the
// production path asks ecs::app_answer). Network as in tests/support/seed.hpp: subnet a
// (10.0.1.0/24) in eu-central-1a, subnet b (10.0.2.0/24) in eu-central-1b.
#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <tuple>

#include "services/elbv2/app_probe.hpp"
#include "services/elbv2/routing.hpp"
#include "services/elbv2/simulation.hpp"
#include "services/elbv2/targets.hpp"
#include "tests/support/app_fixture.hpp"
#include "tests/support/seed.hpp"

namespace {

using zonesim::App;
using zonesim::Config;
using zonesim::Env;
using zonesim::json;
using zonesim::ecs::AppAnswer;
using zonesim::elbv2::RouteRequest;
using zonesim::elbv2::RouteResult;
using zonesim::http::Response;
using zonesim::testing::AppTest;
using zonesim::testing::kTestEpoch;
namespace elbv2 = zonesim::elbv2;

constexpr const char* kScope = "123456789012/eu-central-1";
constexpr const char* kVpc = "vpc-0000000000000000a";
constexpr const char* kZoneA = "eu-central-1a";
constexpr const char* kZoneB = "eu-central-1b";
constexpr std::int64_t kInterval = 30'000;
constexpr std::int64_t kTimeout = 5'000;

// The applications behind the targets, by IP: what their health path and other paths answer.
struct FakeApps {
  struct App {
    std::string mode = "healthy";  // healthy | unhealthy (500) | hung | crash | status
    int status = 200;              // for mode "status"
  };
  std::map<std::string, App> apps;
  std::string health_path = "/health";
  bool only_health_fails = false;  // "unhealthy" answers 500 on the health path only
  struct Probe {
    std::int64_t t;
    std::string ip;
    int port;
    std::string from, path;
  };
  std::vector<Probe> probes;

  AppAnswer answer(const Env& env, const std::string& ip, int port, const std::string& from,
                   const std::string& path) {
    probes.push_back({env.clock.now(), ip, port, from, path});
    AppAnswer a;
    a.task_arn = "task/" + ip;
    auto it = apps.find(ip);
    if (it == apps.end()) return a;  // nothing listens: refused
    const App& app = it->second;
    if (app.mode == "crash") return a;
    if (app.mode == "hung") {
      a.kind = AppAnswer::Kind::timeout;
      return a;
    }
    a.kind = AppAnswer::Kind::ok;
    a.status = 200;
    if (app.mode == "status") a.status = app.status;
    if (app.mode == "unhealthy" && (!only_health_fails || path == health_path)) a.status = 500;
    return a;
  }
  std::size_t probes_of(const std::string& ip) const {
    return static_cast<std::size_t>(
        std::count_if(probes.begin(), probes.end(), [&](const Probe& p) { return p.ip == ip; }));
  }
};

struct Change {
  std::int64_t t;
  std::string ip;
  int port;
  std::string from, to, reason;
  bool operator==(const Change&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Change& c) {
  return os << "{" << c.t << " " << c.ip << ":" << c.port << " " << c.from << "->" << c.to << " "
            << c.reason << "}";
}

class Elbv2SimTest : public AppTest {
 protected:
  void SetUp() override {
    AppTest::SetUp();
    start();
  }
  void TearDown() override { elbv2::testing::set_app_answer_override({}); }

  // (Re)starts the region with a seed and a timing profile.
  void start(std::uint64_t seed = 1, const std::string& timing = "instant",
             const std::string& state = "", bool seed_network = true) {
    Config c;
    c.seed = seed;
    c.clock_mode = "manual";
    c.timing = timing;
    app_.reset();
    app_ = std::make_unique<App>(c, state, kTestEpoch);
    if (seed_network) zonesim::testing::seed_network(*app_);
    apps_ = FakeApps{};
    changes_.clear();
    elbv2::testing::set_app_answer_override(
        [this](const Env& env, const std::string&, const std::string& ip, int port,
               const std::string& from,
               const std::string& path) { return apps_.answer(env, ip, port, from, path); });
    app_->env().hooks.target_health.push_back(
        [this](Env& env, const std::string& scope, const std::string& tg, const std::string& ip,
               int port, const std::string& from, const std::string& to,
               const std::string& reason) {
          EXPECT_EQ(scope, kScope);
          EXPECT_EQ(tg, tg_);
          changes_.push_back({env.clock.now() - kTestEpoch, ip, port, from, to, reason});
        });
  }

  Response ok(const std::string& params) {
    auto r = query("elasticloadbalancing", "Version=2015-12-01&Action=" + params);
    EXPECT_EQ(r.status, 200) << params << "\n" << r.body;
    return r;
  }
  Response control(const std::string& method, const std::string& target,
                   const std::string& body = "") {
    zonesim::http::Request r;
    r.method = method;
    r.target = target;
    r.body = body;
    auto resp = app_->handle(r);
    EXPECT_EQ(resp.status, 200) << target << "\n" << resp.body;
    return resp;
  }
  void fail_zone(const std::string& zone, const std::string& fault_json) {
    control("POST", "/_zonesim/zones/" + zone + "/fail", fault_json);
  }
  void restore_zone(const std::string& zone) {
    control("POST", "/_zonesim/zones/" + zone + "/restore");
  }

  // ALB in subnets a and b, target group (interval 30, timeout 5, healthy 2, unhealthy 3, path
  // /health) and an HTTP:80 listener forwarding to it.
  void stack(const std::string& tg_extra = "") {
    lb_ = xpath(ok("CreateLoadBalancer&Name=web&Subnets.member.1=subnet-0000000000000000a"
                   "&Subnets.member.2=subnet-0000000000000000b"),
                "//LoadBalancerArn");
    tg_ = xpath(ok(std::string("CreateTargetGroup&Name=app&Protocol=HTTP&Port=8080&TargetType=ip"
                               "&VpcId=") +
                   kVpc +
                   "&HealthCheckIntervalSeconds=30&HealthCheckTimeoutSeconds=5"
                   "&HealthyThresholdCount=2&UnhealthyThresholdCount=3&HealthCheckPath=/health" +
                   tg_extra),
                "//TargetGroupArn");
    listener_ = xpath(ok("CreateListener&LoadBalancerArn=" + lb_ +
                         "&Port=80&Protocol=HTTP&DefaultActions.member.1.Type=forward"
                         "&DefaultActions.member.1.TargetGroupArn=" +
                         tg_),
                      "//ListenerArn");
  }
  void register_target(const std::string& ip) {
    apps_.apps.emplace(ip, FakeApps::App{});
    ok("RegisterTargets&TargetGroupArn=" + tg_ + "&Targets.member.1.Id=" + ip);
  }
  // The target's document in the group.
  const json& target(const std::string& ip) {
    const json* tg = app_->env().store.get(kScope, "elbv2-target-group", tg_);
    for (auto& t : (*tg)["_targets"])
      if (t.value("Id", "") == ip) return t;
    static const json none;
    ADD_FAILURE() << "no target " << ip;
    return none;
  }
  std::int64_t next_check(const std::string& ip) {
    return target(ip).value("_next_check", std::int64_t{0}) - kTestEpoch;
  }
  void at(std::int64_t t) { app_->advance_to(kTestEpoch + t); }
  std::int64_t now() { return app_->env().clock.now() - kTestEpoch; }

  // State, reason and description as DescribeTargetHealth shows them.
  std::string health(const std::string& ip) {
    auto r = ok("DescribeTargetHealth&TargetGroupArn=" + tg_ + "&Targets.member.1.Id=" + ip);
    std::string out = xpath(r, "//TargetHealth/State");
    std::string reason = xpath(r, "//TargetHealth/Reason");
    if (!reason.empty()) out += " " + reason + " (" + xpath(r, "//TargetHealth/Description") + ")";
    return out;
  }
  // The instant of the first change of `ip` to `to` at or after `since`, or -1.
  std::int64_t when(const std::string& ip, const std::string& to, std::int64_t since = 0) {
    for (auto& c : changes_)
      if (c.ip == ip && c.to == to && c.t >= since) return c.t;
    return -1;
  }
  json timeline() {
    return json::parse(control("GET", "/_zonesim/timeline?since_ms=0").body)["events"];
  }
  std::vector<std::string> timeline_of(const std::string& resource) {
    std::vector<std::string> out;
    for (auto& e : timeline())
      if (e["resource"] == resource)
        out.push_back(std::to_string(e["t_ms"].get<std::int64_t>() - kTestEpoch) + " " +
                      e["zone"].get<std::string>() + " " + e["from"].get<std::string>() + "->" +
                      e["to"].get<std::string>() + " " + e["reason"].get<std::string>());
    return out;
  }
  RouteResult route(RouteRequest req = {}) {
    req.load_balancer_arn = lb_;
    return elbv2::route(app_->env(), kScope, req);
  }
  RouteResult route_via(const std::string& zone, const std::string& path = "/") {
    RouteRequest req;
    req.node_zone = zone;
    req.path = path;
    return route(req);
  }
  std::vector<std::string> dns() { return elbv2::resolvable_nodes(app_->env(), kScope, lb_); }

  FakeApps apps_;
  std::vector<Change> changes_;
  std::string lb_, tg_, listener_;
};

// ---- health checks ----

TEST_F(Elbv2SimTest, HealthCheckArithmeticForAFixedSeed) {
  stack();
  at(1'000);
  register_target("10.0.1.10");
  // Registered and checking at once under the instant profile, but not healthy before two checks.
  EXPECT_EQ(health("10.0.1.10"),
            "initial Elb.InitialHealthChecking (Initial health checks in progress)");
  std::int64_t first = next_check("10.0.1.10");
  // The first check comes after a jitter in [0, interval): pinned for seed 1.
  EXPECT_EQ(first, 1'000 + 13'287);
  at(first + kInterval - 1);
  EXPECT_EQ(health("10.0.1.10"),
            "initial Elb.InitialHealthChecking (Initial health checks in progress)");
  at(first + kInterval);
  EXPECT_EQ(health("10.0.1.10"), "healthy");
  // Checks every interval, from a node in the target's zone, on the group's path and port.
  EXPECT_EQ(apps_.probes.size(), 2u);
  EXPECT_EQ(apps_.probes[1].t - kTestEpoch, first + kInterval);
  EXPECT_EQ(apps_.probes[1].from, kZoneA);
  EXPECT_EQ(apps_.probes[1].path, "/health");
  EXPECT_EQ(apps_.probes[1].port, 8080);

  // The app starts answering 500 between two checks: the third failing check marks it unhealthy.
  std::int64_t fault = first + 4 * kInterval + 10'000;
  at(fault);
  apps_.apps["10.0.1.10"].mode = "unhealthy";
  std::int64_t first_failing = first + 5 * kInterval;
  at(first_failing + 2 * kInterval - 1);
  EXPECT_EQ(health("10.0.1.10"), "healthy");
  at(first_failing + 2 * kInterval);
  EXPECT_EQ(health("10.0.1.10"),
            "unhealthy Target.ResponseCodeMismatch (Health checks failed with these codes: [500])");

  // Recovery: two passing checks.
  std::int64_t fix = first_failing + 3 * kInterval + 1;
  at(fix);
  apps_.apps["10.0.1.10"].mode = "healthy";
  at(first_failing + 5 * kInterval);
  EXPECT_EQ(health("10.0.1.10"), "healthy");

  EXPECT_EQ(changes_,
            (std::vector<Change>{
                {1'000, "10.0.1.10", 8080, "", "initial", "Elb.RegistrationInProgress"},
                {first + kInterval, "10.0.1.10", 8080, "initial", "healthy", ""},
                {first_failing + 2 * kInterval, "10.0.1.10", 8080, "healthy", "unhealthy",
                 "Target.ResponseCodeMismatch"},
                {first_failing + 5 * kInterval, "10.0.1.10", 8080, "unhealthy", "healthy", ""},
            }));
  // The same changes on the timeline, in the target's zone.
  EXPECT_EQ(timeline_of("app/10.0.1.10:8080"),
            (std::vector<std::string>{
                "1000 eu-central-1a ->initial Elb.RegistrationInProgress",
                std::to_string(first + kInterval) + " eu-central-1a initial->healthy Health checks "
                                                    "passed",
                std::to_string(first_failing + 2 * kInterval) +
                    " eu-central-1a healthy->unhealthy Target.ResponseCodeMismatch",
                std::to_string(first_failing + 5 * kInterval) +
                    " eu-central-1a unhealthy->healthy Health checks passed",
            }));
}

TEST_F(Elbv2SimTest, DetectionWindowsOverManySeeds) {
  std::int64_t min_healthy = INT64_MAX, max_healthy = 0;
  std::int64_t min_status = INT64_MAX, max_status = 0, min_hung = INT64_MAX, max_hung = 0;
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    start(seed);
    stack();
    at(1'000);
    register_target("10.0.1.10");
    register_target("10.0.2.10");
    at(100'000);
    std::int64_t healthy = when("10.0.1.10", "healthy");
    ASSERT_GE(healthy, 1'000 + kInterval) << seed;  // (healthy threshold - 1) intervals at least
    ASSERT_LT(healthy, 1'000 + 2 * kInterval) << seed;
    min_healthy = std::min(min_healthy, healthy - 1'000);
    max_healthy = std::max(max_healthy, healthy - 1'000);

    // A fault at t is detected in (t + 2 intervals, t + 3 intervals] for a status failure, and a
    // timeout later for a hung app, whose checks end only when they time out.
    std::int64_t fault = 100'000 + static_cast<std::int64_t>(seed) * 777;
    at(fault);
    apps_.apps["10.0.1.10"].mode = "unhealthy";
    apps_.apps["10.0.2.10"].mode = "hung";
    at(fault + 200'000);
    std::int64_t status = when("10.0.1.10", "unhealthy") - fault;
    std::int64_t hung = when("10.0.2.10", "unhealthy") - fault;
    ASSERT_GT(status, 2 * kInterval) << seed;
    ASSERT_LE(status, 3 * kInterval) << seed;
    ASSERT_GT(hung, 2 * kInterval + kTimeout) << seed;
    ASSERT_LE(hung, 3 * kInterval + kTimeout) << seed;
    EXPECT_EQ(health("10.0.2.10"), "unhealthy Target.Timeout (Request timed out)");
    min_status = std::min(min_status, status);
    max_status = std::max(max_status, status);
    min_hung = std::min(min_hung, hung);
    max_hung = std::max(max_hung, hung);
  }
  // The jitter spreads the instants over the whole window.
  EXPECT_LT(min_healthy, kInterval + 5'000);
  EXPECT_GT(max_healthy, 2 * kInterval - 5'000);
  EXPECT_LT(min_status, 2 * kInterval + 5'000);
  EXPECT_GT(max_status, 3 * kInterval - 5'000);
  EXPECT_LT(min_hung, 2 * kInterval + kTimeout + 5'000);
  EXPECT_GT(max_hung, 3 * kInterval + kTimeout - 5'000);
}

TEST_F(Elbv2SimTest, HungTargetIsMarkedWhenItsThirdCheckTimesOut) {
  stack();
  register_target("10.0.1.10");
  std::int64_t first = next_check("10.0.1.10");
  at(first + kInterval);
  ASSERT_EQ(health("10.0.1.10"), "healthy");
  at(first + kInterval + 1);
  apps_.apps["10.0.1.10"].mode = "hung";
  std::int64_t third = first + 4 * kInterval;  // checks at +2, +3, +4 intervals time out
  at(third + kTimeout - 1);
  EXPECT_EQ(health("10.0.1.10"), "healthy");
  at(third + kTimeout);
  EXPECT_EQ(health("10.0.1.10"), "unhealthy Target.Timeout (Request timed out)");
  EXPECT_EQ(when("10.0.1.10", "unhealthy"), third + kTimeout);
}

TEST_F(Elbv2SimTest, ReasonCodesFollowTheLastFailure) {
  stack();
  register_target("10.0.1.10");
  std::int64_t first = next_check("10.0.1.10");
  at(first + kInterval);
  ASSERT_EQ(health("10.0.1.10"), "healthy");
  // Connection refused (the container exited).
  apps_.apps["10.0.1.10"].mode = "crash";
  at(first + 4 * kInterval);
  EXPECT_EQ(health("10.0.1.10"), "unhealthy Target.FailedHealthChecks (Health checks failed)");
  EXPECT_EQ(changes_.back().reason, "Target.FailedHealthChecks");
  // Still unhealthy, now with the latest failure's reason.
  apps_.apps["10.0.1.10"] = {"status", 404};
  at(first + 5 * kInterval);
  EXPECT_EQ(health("10.0.1.10"),
            "unhealthy Target.ResponseCodeMismatch (Health checks failed with these codes: [404])");
  apps_.apps["10.0.1.10"].mode = "hung";
  at(first + 6 * kInterval + kTimeout);
  EXPECT_EQ(health("10.0.1.10"), "unhealthy Target.Timeout (Request timed out)");
  // One pass is not enough to come back; two are.
  apps_.apps["10.0.1.10"].mode = "healthy";
  at(first + 7 * kInterval);
  EXPECT_EQ(health("10.0.1.10"), "unhealthy Target.Timeout (Request timed out)");
  at(first + 8 * kInterval);
  EXPECT_EQ(health("10.0.1.10"), "healthy");
  // Reason changes within a state are not state changes.
  EXPECT_EQ(std::count_if(changes_.begin(), changes_.end(),
                          [](const Change& c) { return c.to == "unhealthy"; }),
            1);
}

TEST_F(Elbv2SimTest, MatcherListsAndRangesAndTheCheckPort) {
  stack("&Matcher.HttpCode=200,302&HealthCheckPort=9000");
  apps_.apps["10.0.1.10"] = {"status", 302};
  ok("RegisterTargets&TargetGroupArn=" + tg_ + "&Targets.member.1.Id=10.0.1.10");
  at(next_check("10.0.1.10") + kInterval);
  EXPECT_EQ(health("10.0.1.10"), "healthy");
  EXPECT_EQ(apps_.probes.back().port, 9000);
  apps_.apps["10.0.1.10"] = {"status", 301};
  at(now() + 3 * kInterval);
  EXPECT_EQ(health("10.0.1.10"),
            "unhealthy Target.ResponseCodeMismatch (Health checks failed with these codes: [301])");
  ok("ModifyTargetGroup&TargetGroupArn=" + tg_ + "&Matcher.HttpCode=200-399");
  at(now() + 2 * kInterval);
  EXPECT_EQ(health("10.0.1.10"), "healthy");

  EXPECT_TRUE(elbv2::matcher_matches("200-299,302", 250));
  EXPECT_TRUE(elbv2::matcher_matches("200-299,302", 302));
  EXPECT_FALSE(elbv2::matcher_matches("200-299,302", 301));
  EXPECT_FALSE(elbv2::matcher_matches("200", 500));
}

TEST_F(Elbv2SimTest, IntervalChangesTakeEffectAfterTheNextCheck) {
  stack();
  register_target("10.0.1.10");
  std::int64_t first = next_check("10.0.1.10");
  at(first);
  ok("ModifyTargetGroup&TargetGroupArn=" + tg_ + "&HealthCheckIntervalSeconds=10");
  at(first + kInterval);
  EXPECT_EQ(apps_.probes_of("10.0.1.10"), 2u);
  at(first + kInterval + 10'000);
  EXPECT_EQ(apps_.probes_of("10.0.1.10"), 3u);
  EXPECT_EQ(next_check("10.0.1.10"), first + kInterval + 20'000);
}

TEST_F(Elbv2SimTest, RealisticRegistrationTakesTimeBeforeTheChecks) {
  start(1, "realistic");
  stack();
  at(200'000);  // the load balancer is active
  register_target("10.0.1.10");
  EXPECT_EQ(health("10.0.1.10"),
            "initial Elb.RegistrationInProgress (Target registration is in progress)");
  std::int64_t first = next_check("10.0.1.10");
  std::int64_t checking = target("10.0.1.10")["_checking_at"].get<std::int64_t>() - kTestEpoch;
  EXPECT_GE(checking - 200'000, 10'000);
  EXPECT_LE(checking - 200'000, 20'000);
  EXPECT_GE(first, checking);
  EXPECT_LT(first, checking + kInterval);
  at(checking);
  EXPECT_EQ(health("10.0.1.10"),
            "initial Elb.InitialHealthChecking (Initial health checks in progress)");
  at(first + kInterval);
  EXPECT_EQ(health("10.0.1.10"), "healthy");
}

TEST_F(Elbv2SimTest, DrainingLastsTheDeregistrationDelayWithoutChecks) {
  stack();
  ok("ModifyTargetGroupAttributes&TargetGroupArn=" + tg_ +
     "&Attributes.member.1.Key=deregistration_delay.timeout_seconds&Attributes.member.1.Value=45");
  register_target("10.0.1.10");
  at(100'000);
  ASSERT_EQ(health("10.0.1.10"), "healthy");
  std::size_t probes = apps_.probes_of("10.0.1.10");
  ok("DeregisterTargets&TargetGroupArn=" + tg_ + "&Targets.member.1.Id=10.0.1.10");
  EXPECT_EQ(health("10.0.1.10"),
            "draining Target.DeregistrationInProgress (Target deregistration is in progress)");
  // Draining targets get no new requests: none is left to route to.
  EXPECT_EQ(route_via(kZoneA).status, 503);
  at(144'999);
  EXPECT_EQ(health("10.0.1.10").substr(0, 8), "draining");
  at(145'000);
  EXPECT_EQ(health("10.0.1.10"),
            "unused Target.NotRegistered (Target is not registered to the target group)");
  EXPECT_EQ(apps_.probes_of("10.0.1.10"), probes);
  at(400'000);
  EXPECT_EQ(apps_.probes_of("10.0.1.10"), probes);
  auto lane = timeline_of("app/10.0.1.10:8080");
  ASSERT_EQ(lane.size(), 4u);
  EXPECT_EQ(lane[2], "100000 eu-central-1a healthy->draining Target.DeregistrationInProgress");
  EXPECT_EQ(lane[3], "145000 eu-central-1a draining-> Deregistration delay elapsed");
  EXPECT_EQ(changes_.back(), (Change{145'000, "10.0.1.10", 8080, "draining", "", ""}));
}

TEST_F(Elbv2SimTest, TargetsOutOfServiceAreNotChecked) {
  // No listener: unused, no checks.
  tg_ = xpath(ok(std::string("CreateTargetGroup&Name=idle&Protocol=HTTP&Port=80&TargetType=ip"
                             "&VpcId=") +
                 kVpc),
              "//TargetGroupArn");
  register_target("10.0.1.10");
  at(300'000);
  EXPECT_EQ(apps_.probes.size(), 0u);
  EXPECT_EQ(changes_, (std::vector<Change>{{0, "10.0.1.10", 80, "", "unused", "Target.NotInUse"}}));
}

// ---- zones, nodes and DNS ----

TEST_F(Elbv2SimTest, ZoneFaultsAreFoundByTheChecksNotDeclared) {
  stack();
  register_target("10.0.1.10");
  register_target("10.0.2.10");
  at(100'000);
  ASSERT_EQ(health("10.0.2.10"), "healthy");
  std::int64_t next = next_check("10.0.2.10");
  fail_zone(kZoneB, R"({"kind":"power"})");
  // The fault changes no target at once.
  EXPECT_EQ(health("10.0.2.10"), "healthy");
  // Node a cannot reach zone b: the checks time out.
  at(next + 2 * kInterval + kTimeout - 1);
  EXPECT_EQ(health("10.0.2.10"), "healthy");
  at(next + 2 * kInterval + kTimeout);
  EXPECT_EQ(health("10.0.2.10"), "unhealthy Target.Timeout (Request timed out)");
  EXPECT_EQ(health("10.0.1.10"), "healthy");
  restore_zone(kZoneB);
  at(now() + 2 * kInterval);
  EXPECT_EQ(health("10.0.2.10"), "healthy");
}

TEST_F(Elbv2SimTest, APartitionedZonesNodeDoesNotReport) {
  stack();
  register_target("10.0.1.10");
  register_target("10.0.2.10");
  at(100'000);
  apps_.probes.clear();
  fail_zone(kZoneA, R"({"kind":"network"})");
  at(300'000);
  // Zone a's node cannot report; node b cannot reach zone a: its target times out. Zone b's
  // target is checked from node b.
  EXPECT_EQ(health("10.0.1.10"), "unhealthy Target.Timeout (Request timed out)");
  EXPECT_EQ(health("10.0.2.10"), "healthy");
  for (auto& p : apps_.probes) EXPECT_EQ(p.from, kZoneB) << p.ip;
  // Both zones unreachable: no node reports and nothing changes.
  fail_zone(kZoneB, R"({"kind":"network"})");
  std::size_t before = changes_.size();
  at(600'000);
  EXPECT_EQ(changes_.size(), before);
  EXPECT_EQ(health("10.0.2.10"), "healthy");
}

TEST_F(Elbv2SimTest, FailedNodeStaysInDnsForTheTtl) {
  stack();
  at(10'000);
  EXPECT_EQ(dns(), (std::vector<std::string>{kZoneA, kZoneB}));
  fail_zone(kZoneA, R"({"kind":"power"})");
  // Clients still resolve the node for 60 s, but it does not answer.
  EXPECT_EQ(dns(), (std::vector<std::string>{kZoneA, kZoneB}));
  auto r = route_via(kZoneA);
  EXPECT_EQ(r.kind, RouteResult::Kind::unreachable);
  EXPECT_EQ(r.reason, "the load balancer node in eu-central-1a is down");
  at(69'999);
  EXPECT_EQ(dns(), (std::vector<std::string>{kZoneA, kZoneB}));
  at(70'000);
  EXPECT_EQ(dns(), std::vector<std::string>{kZoneB});
  // Restored: back in DNS at once.
  at(80'000);
  restore_zone(kZoneA);
  EXPECT_EQ(dns(), (std::vector<std::string>{kZoneA, kZoneB}));
  // A partition takes the node out of reach of the clients too.
  fail_zone(kZoneB, R"({"kind":"network"})");
  EXPECT_EQ(route_via(kZoneB).kind, RouteResult::Kind::unreachable);
  at(140'000);
  EXPECT_EQ(dns(), std::vector<std::string>{kZoneA});
  // A degraded zone's node still answers.
  fail_zone(kZoneB, R"({"kind":"degraded","latency_ms":50})");
  EXPECT_EQ(dns(), (std::vector<std::string>{kZoneA, kZoneB}));

  EXPECT_EQ(timeline_of("web/node/eu-central-1a"),
            (std::vector<std::string>{"0 eu-central-1a ->active load balancer created",
                                      "10000 eu-central-1a active->down zone power loss",
                                      "80000 eu-central-1a down->active zone restored"}));
  EXPECT_EQ(timeline_of("web/node/eu-central-1b"),
            (std::vector<std::string>{"0 eu-central-1b ->active load balancer created",
                                      "80000 eu-central-1b active->down zone network partition",
                                      "140000 eu-central-1b down->active zone restored"}));
  ok("DeleteListener&ListenerArn=" + listener_);
  ok("DeleteLoadBalancer&LoadBalancerArn=" + lb_);
  EXPECT_EQ(timeline_of("web/node/eu-central-1b").back(),
            "140000 eu-central-1b active-> load balancer deleted");
}

TEST_F(Elbv2SimTest, ClientsPickAmongResolvableNodes) {
  stack();
  register_target("10.0.1.10");
  at(100'000);
  std::map<std::string, int> nodes;
  for (int i = 0; i < 200; ++i) ++nodes[route().node_zone];
  EXPECT_GT(nodes[kZoneA], 60);
  EXPECT_GT(nodes[kZoneB], 60);
  // During the TTL some clients still reach the dead node and get no answer.
  fail_zone(kZoneB, R"({"kind":"power"})");
  int unreachable = 0;
  for (int i = 0; i < 200; ++i) unreachable += route().kind == RouteResult::Kind::unreachable;
  EXPECT_GT(unreachable, 60);
  EXPECT_LT(unreachable, 140);
  at(160'001);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(route().node_zone, kZoneA);
}

// ---- routing ----

TEST_F(Elbv2SimTest, RoundRobinOverHealthyTargetsCrossZone) {
  stack();
  register_target("10.0.1.10");
  register_target("10.0.2.10");
  register_target("10.0.1.11");
  at(100'000);
  std::vector<std::string> got;
  for (int i = 0; i < 6; ++i) {
    auto r = route_via(kZoneA);
    ASSERT_EQ(r.kind, RouteResult::Kind::target);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.target_group_arn, tg_);
    EXPECT_EQ(r.target_port, 8080);
    got.push_back(r.target_ip);
  }
  EXPECT_EQ(got, (std::vector<std::string>{"10.0.1.10", "10.0.2.10", "10.0.1.11", "10.0.1.10",
                                           "10.0.2.10", "10.0.1.11"}));
  // Cross-zone: node b sends the next request to zone a.
  auto r = route_via(kZoneB, "/orders");
  EXPECT_EQ(r.node_zone, kZoneB);
  EXPECT_EQ(r.target_zone, kZoneA);
  EXPECT_EQ(r.task_arn, "task/10.0.1.10");
  EXPECT_EQ(apps_.probes.back().path, "/orders");
  EXPECT_EQ(apps_.probes.back().from, kZoneB);

  // An unhealthy target gets no requests while others are healthy.
  apps_.only_health_fails = true;
  apps_.apps["10.0.2.10"].mode = "unhealthy";
  at(300'000);
  ASSERT_EQ(health("10.0.2.10").substr(0, 9), "unhealthy");
  for (int i = 0; i < 6; ++i) EXPECT_NE(route_via(kZoneB).target_ip, "10.0.2.10");
}

TEST_F(Elbv2SimTest, FailOpenWhenNoTargetIsHealthy) {
  stack();
  register_target("10.0.1.10");
  register_target("10.0.2.10");
  // Initial targets only: the group fails open over them.
  auto r = route_via(kZoneA);
  EXPECT_EQ(r.kind, RouteResult::Kind::target);
  at(100'000);
  apps_.only_health_fails = true;
  apps_.apps["10.0.1.10"].mode = "unhealthy";
  apps_.apps["10.0.2.10"].mode = "unhealthy";
  at(300'000);
  ASSERT_EQ(health("10.0.1.10").substr(0, 9), "unhealthy");
  ASSERT_EQ(health("10.0.2.10").substr(0, 9), "unhealthy");
  std::set<std::string> used;
  for (int i = 0; i < 4; ++i) {
    auto f = route_via(kZoneB);
    EXPECT_EQ(f.kind, RouteResult::Kind::target);
    EXPECT_EQ(f.status, 200);
    used.insert(f.target_ip);
  }
  EXPECT_EQ(used, (std::set<std::string>{"10.0.1.10", "10.0.2.10"}));
  // A higher minimum of healthy targets fails open even with one healthy.
  apps_.apps["10.0.1.10"].mode = "healthy";
  at(400'000);
  ASSERT_EQ(health("10.0.1.10"), "healthy");
  used.clear();
  for (int i = 0; i < 4; ++i) used.insert(route_via(kZoneB).target_ip);
  EXPECT_EQ(used, std::set<std::string>{"10.0.1.10"});
  ok("ModifyTargetGroupAttributes&TargetGroupArn=" + tg_ +
     "&Attributes.member.1.Key=target_group_health.unhealthy_state_routing.minimum_healthy_targets."
     "count&Attributes.member.1.Value=2");
  used.clear();
  for (int i = 0; i < 4; ++i) used.insert(route_via(kZoneB).target_ip);
  EXPECT_EQ(used, (std::set<std::string>{"10.0.1.10", "10.0.2.10"}));
}

TEST_F(Elbv2SimTest, NoRegisteredTargetsIs503) {
  stack();
  auto r = route_via(kZoneA);
  EXPECT_EQ(r.kind, RouteResult::Kind::elb_error);
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.reason, "no registered targets");
  EXPECT_EQ(r.target_group_arn, tg_);
}

TEST_F(Elbv2SimTest, DeadTargetsStillMarkedHealthyGive502And504) {
  stack();
  register_target("10.0.1.10");
  at(100'000);
  ASSERT_EQ(health("10.0.1.10"), "healthy");
  // The container exited: refused at once.
  apps_.apps["10.0.1.10"].mode = "crash";
  auto r = route_via(kZoneB);
  EXPECT_EQ(r.kind, RouteResult::Kind::elb_error);
  EXPECT_EQ(r.status, 502);
  EXPECT_EQ(r.latency_ms, 0);
  // Hung: 504 after the idle timeout (60 s by default, then as configured).
  apps_.apps["10.0.1.10"].mode = "hung";
  r = route_via(kZoneB);
  EXPECT_EQ(r.status, 504);
  EXPECT_EQ(r.latency_ms, 60'000);
  ok("ModifyLoadBalancerAttributes&LoadBalancerArn=" + lb_ +
     "&Attributes.member.1.Key=idle_timeout.timeout_seconds&Attributes.member.1.Value=15");
  EXPECT_EQ(route_via(kZoneB).latency_ms, 15'000);
  // The target's zone lost power: the connection attempt times out (10 s).
  apps_.apps["10.0.1.10"].mode = "healthy";
  fail_zone(kZoneA, R"({"kind":"power"})");
  ASSERT_EQ(health("10.0.1.10"), "healthy");
  r = route_via(kZoneB);
  EXPECT_EQ(r.status, 504);
  EXPECT_EQ(r.latency_ms, 10'000);
  EXPECT_EQ(r.reason, "connection to the target timed out");
}

TEST_F(Elbv2SimTest, DegradedZoneAddsLatencyAndLoses) {
  stack();
  register_target("10.0.2.10");
  at(100'000);
  fail_zone(kZoneB, R"({"kind":"degraded","latency_ms":120,"loss_rate":0})");
  auto r = route_via(kZoneA);
  EXPECT_EQ(r.kind, RouteResult::Kind::target);
  EXPECT_EQ(r.latency_ms, 120);
  // Through the degraded zone's own node: the client's crossing only.
  EXPECT_EQ(route_via(kZoneB).latency_ms, 120);
  fail_zone(kZoneB, R"({"kind":"degraded","latency_ms":0,"loss_rate":1})");
  r = route_via(kZoneA);
  EXPECT_EQ(r.status, 502);
  EXPECT_EQ(r.reason, "connection to the target was lost");
  EXPECT_EQ(route_via(kZoneB).kind, RouteResult::Kind::unreachable);
  fail_zone(kZoneB, R"({"kind":"degraded","latency_ms":0,"loss_rate":0.5})");
  int lost = 0;
  for (int i = 0; i < 400; ++i) lost += route_via(kZoneA).status == 502;
  EXPECT_GT(lost, 150);
  EXPECT_LT(lost, 250);
}

TEST_F(Elbv2SimTest, CrossZoneOffKeepsANodeInItsZone) {
  stack();
  register_target("10.0.1.10");
  register_target("10.0.2.10");
  at(100'000);
  ok("ModifyTargetGroupAttributes&TargetGroupArn=" + tg_ +
     "&Attributes.member.1.Key=load_balancing.cross_zone.enabled&Attributes.member.1.Value=false");
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(route_via(kZoneA).target_ip, "10.0.1.10");
    EXPECT_EQ(route_via(kZoneB).target_ip, "10.0.2.10");
  }
}

TEST_F(Elbv2SimTest, NoListenerOnThePortIsRefused) {
  stack();
  RouteRequest req;
  req.port = 443;
  req.node_zone = kZoneA;
  auto r = route(req);
  EXPECT_EQ(r.kind, RouteResult::Kind::unreachable);
  EXPECT_EQ(r.reason, "connection refused: no listener on port 443");
  RouteRequest unknown;
  unknown.load_balancer_arn = lb_ + "0";
  EXPECT_EQ(elbv2::route(app_->env(), kScope, unknown).kind, RouteResult::Kind::unreachable);
}

TEST_F(Elbv2SimTest, RulesByPriorityThenTheDefault) {
  stack();
  register_target("10.0.1.10");
  at(100'000);
  auto rule = [&](int priority, const std::string& conditions, const std::string& body) {
    return xpath(ok("CreateRule&ListenerArn=" + listener_ +
                    "&Priority=" + std::to_string(priority) + conditions +
                    "&Actions.member.1.Type=fixed-response"
                    "&Actions.member.1.FixedResponseConfig.StatusCode=200"
                    "&Actions.member.1.FixedResponseConfig.ContentType=text/plain"
                    "&Actions.member.1.FixedResponseConfig.MessageBody=" +
                    body),
                 "//RuleArn");
  };
  std::string api =
      rule(20, "&Conditions.member.1.Field=path-pattern&Conditions.member.1.Values.member.1=/api/*",
           "api");
  rule(10,
       "&Conditions.member.1.Field=path-pattern&Conditions.member.1.Values.member.1=/api/v?/admin",
       "admin");
  rule(30,
       "&Conditions.member.1.Field=host-header"
       "&Conditions.member.1.HostHeaderConfig.Values.member.1=*.example.com",
       "host");
  rule(40,
       "&Conditions.member.1.Field=http-request-method"
       "&Conditions.member.1.HttpRequestMethodConfig.Values.member.1=DELETE",
       "delete");
  rule(50,
       "&Conditions.member.1.Field=query-string"
       "&Conditions.member.1.QueryStringConfig.Values.member.1.Key=version"
       "&Conditions.member.1.QueryStringConfig.Values.member.1.Value=b*",
       "query");
  rule(60,
       "&Conditions.member.1.Field=http-header"
       "&Conditions.member.1.HttpHeaderConfig.HttpHeaderName=User-Agent"
       "&Conditions.member.1.HttpHeaderConfig.Values.member.1=*Mobile*",
       "mobile");
  rule(70,
       "&Conditions.member.1.Field=source-ip"
       "&Conditions.member.1.SourceIpConfig.Values.member.1=192.0.2.0/24",
       "office");
  // Two conditions: both must match.
  rule(80,
       "&Conditions.member.1.Field=path-pattern&Conditions.member.1.Values.member.1=/both"
       "&Conditions.member.2.Field=http-request-method"
       "&Conditions.member.2.HttpRequestMethodConfig.Values.member.1=POST",
       "both");

  auto body = [&](RouteRequest req) {
    req.node_zone = kZoneA;
    auto r = route(req);
    return r.kind == RouteResult::Kind::fixed_response ? r.body
           : r.kind == RouteResult::Kind::target       ? "target"
                                                       : "?";
  };
  RouteRequest req;
  req.path = "/api/orders";
  EXPECT_EQ(body(req), "api");
  req.path = "/api/v2/admin";  // matches both rules: priority 10 wins
  EXPECT_EQ(body(req), "admin");
  req.path = "/API/orders";  // path patterns are case sensitive
  EXPECT_EQ(body(req), "target");
  req = {};
  req.host = "Shop.Example.com:80";  // host headers are not, and the port is not part of them
  EXPECT_EQ(body(req), "host");
  req = {};
  req.method = "DELETE";
  EXPECT_EQ(body(req), "delete");
  req = {};
  req.query = "a=1&version=beta";
  EXPECT_EQ(body(req), "query");
  req.query = "version=alpha";
  EXPECT_EQ(body(req), "target");
  req = {};
  req.headers = {{"user-agent", "Foo Mobile Safari"}};
  EXPECT_EQ(body(req), "mobile");
  req = {};
  req.source_ip = "192.0.2.77";
  EXPECT_EQ(body(req), "office");
  req.source_ip = "198.51.100.1";
  EXPECT_EQ(body(req), "target");
  req = {};
  req.path = "/both";
  EXPECT_EQ(body(req), "target");
  req.method = "POST";
  EXPECT_EQ(body(req), "both");

  // The rule that ran is reported; priorities can be swapped.
  req = {};
  req.path = "/api/orders";
  req.node_zone = kZoneA;
  EXPECT_EQ(route(req).rule_arn, api);
  ok("SetRulePriorities&RulePriorities.member.1.RuleArn=" + api +
     "&RulePriorities.member.1.Priority=5");
  req.path = "/api/v2/admin";
  EXPECT_EQ(body(req), "api");
}

TEST_F(Elbv2SimTest, RedirectAndFixedResponseActions) {
  stack();
  ok("ModifyListener&ListenerArn=" + listener_ +
     "&DefaultActions.member.1.Type=redirect"
     "&DefaultActions.member.1.RedirectConfig.Protocol=HTTPS"
     "&DefaultActions.member.1.RedirectConfig.Port=443"
     "&DefaultActions.member.1.RedirectConfig.StatusCode=HTTP_301");
  RouteRequest req;
  req.node_zone = kZoneA;
  req.host = "www.example.com";
  req.path = "/shop/cart";
  req.query = "id=7";
  auto r = route(req);
  EXPECT_EQ(r.kind, RouteResult::Kind::redirect);
  EXPECT_EQ(r.status, 301);
  EXPECT_EQ(r.location, "https://www.example.com:443/shop/cart?id=7");

  ok("ModifyListener&ListenerArn=" + listener_ +
     "&DefaultActions.member.1.Type=redirect"
     "&DefaultActions.member.1.RedirectConfig.Host=new.#{host}"
     "&DefaultActions.member.1.RedirectConfig.Path=/v2/#{path}"
     "&DefaultActions.member.1.RedirectConfig.Query=#{query}%26from=#{port}"
     "&DefaultActions.member.1.RedirectConfig.StatusCode=HTTP_302");
  r = route(req);
  EXPECT_EQ(r.status, 302);
  EXPECT_EQ(r.location, "http://new.www.example.com:80/v2/shop/cart?id=7&from=80");

  ok("ModifyListener&ListenerArn=" + listener_ +
     "&DefaultActions.member.1.Type=fixed-response"
     "&DefaultActions.member.1.FixedResponseConfig.StatusCode=418"
     "&DefaultActions.member.1.FixedResponseConfig.ContentType=application/json"
     "&DefaultActions.member.1.FixedResponseConfig.MessageBody=%7B%7D");
  r = route(req);
  EXPECT_EQ(r.kind, RouteResult::Kind::fixed_response);
  EXPECT_EQ(r.status, 418);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(r.body, "{}");
}

TEST_F(Elbv2SimTest, WeightedForwardBetweenGroups) {
  stack();
  register_target("10.0.1.10");
  std::string blue = tg_;
  tg_ = xpath(ok(std::string("CreateTargetGroup&Name=green&Protocol=HTTP&Port=8080&TargetType=ip"
                             "&VpcId=") +
                 kVpc),
              "//TargetGroupArn");
  register_target("10.0.2.10");
  auto forward = [&](int blue_weight, int green_weight) {
    ok("ModifyListener&ListenerArn=" + listener_ +
       "&DefaultActions.member.1.Type=forward"
       "&DefaultActions.member.1.ForwardConfig.TargetGroups.member.1.TargetGroupArn=" +
       blue + "&DefaultActions.member.1.ForwardConfig.TargetGroups.member.1.Weight=" +
       std::to_string(blue_weight) +
       "&DefaultActions.member.1.ForwardConfig.TargetGroups.member.2.TargetGroupArn=" + tg_ +
       "&DefaultActions.member.1.ForwardConfig.TargetGroups.member.2.Weight=" +
       std::to_string(green_weight));
  };
  forward(1, 0);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(route_via(kZoneA).target_group_arn, blue);
  forward(3, 1);
  int green = 0;
  for (int i = 0; i < 400; ++i) green += route_via(kZoneA).target_group_arn == tg_;
  EXPECT_GT(green, 60);
  EXPECT_LT(green, 140);
}

TEST_F(Elbv2SimTest, SameSeedSameTimeline) {
  auto run = [&] {
    start(7);
    stack();
    register_target("10.0.1.10");
    register_target("10.0.2.10");
    at(100'000);
    fail_zone(kZoneB, R"({"kind":"power","duration_seconds":200})");
    apps_.apps["10.0.1.10"].mode = "hung";
    at(600'000);
    for (int i = 0; i < 20; ++i) route();
    return timeline().dump();
  };
  std::string a = run();
  std::string b = run();
  EXPECT_EQ(a, b);
  EXPECT_NE(a.find("\"to\":\"unhealthy\""), std::string::npos);
}

TEST_F(Elbv2SimTest, ARestartedServerResumesChecksAndDraining) {
  std::string path = ::testing::TempDir() + "elbv2_sim_restart.db";
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
  start(3, "instant", path);
  stack();
  ok("ModifyTargetGroupAttributes&TargetGroupArn=" + tg_ +
     "&Attributes.member.1.Key=deregistration_delay.timeout_seconds&Attributes.member.1.Value=60");
  register_target("10.0.1.10");
  register_target("10.0.2.10");
  at(100'000);
  ASSERT_EQ(health("10.0.1.10"), "healthy");
  ok("DeregisterTargets&TargetGroupArn=" + tg_ + "&Targets.member.1.Id=10.0.2.10");
  std::int64_t next = next_check("10.0.1.10");

  // The same state file, a new process: no events are pending until ELBv2 is used again.
  start(3, "instant", path, false);
  apps_.apps["10.0.1.10"].mode = "unhealthy";
  EXPECT_EQ(app_->env().clock.pending(), 0u);
  EXPECT_EQ(health("10.0.1.10"), "healthy");
  at(next + 2 * kInterval);
  EXPECT_EQ(health("10.0.1.10"),
            "unhealthy Target.ResponseCodeMismatch (Health checks failed with these codes: [500])");
  EXPECT_EQ(when("10.0.1.10", "unhealthy"), next + 2 * kInterval);
  EXPECT_EQ(when("10.0.2.10", ""), 160'000);
  // Checks are not armed twice.
  std::size_t probes = apps_.probes_of("10.0.1.10");
  at(next + 5 * kInterval);
  EXPECT_EQ(apps_.probes_of("10.0.1.10"), probes + 3);
  app_.reset();
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
}

TEST_F(Elbv2SimTest, EcsContractPathRecordsAndChecksToo) {
  stack();
  auto& env = app_->env();
  apps_.apps["10.0.1.20"] = {};
  env.store.begin();
  elbv2::register_ip_target(env, kScope, tg_, "10.0.1.20", 8080);
  env.store.commit();
  EXPECT_EQ(elbv2::target_state(env, kScope, tg_, "10.0.1.20", 8080), "initial");
  at(61'000);
  EXPECT_EQ(elbv2::target_state(env, kScope, tg_, "10.0.1.20", 8080), "healthy");
  EXPECT_EQ(changes_.front(),
            (Change{0, "10.0.1.20", 8080, "", "initial", "Elb.RegistrationInProgress"}));
}

}  // namespace
