// elbv2::RouteCache (the drills' traffic) routes as route_many + record_request do, draw for draw,
// while health checks, zone faults and transactions change the state under it.
#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <set>
#include <sstream>

#include "emulator/app/app.hpp"
#include "emulator/sim/zones.hpp"
#include "services/elbv2/dataplane.hpp"
#include "services/elbv2/routing.hpp"
#include "tests/support/app_fixture.hpp"

namespace {

using namespace zonesim;

const std::string kAccount = "123456789012", kRegion = "eu-central-1";
const std::string kScope = kAccount + "/" + kRegion;

// The seed stack (fixtures/snapshots/seed-stack.json), settled for five minutes.
std::unique_ptr<App> seed_stack() {
  Config c;
  c.seed = 3;
  c.clock_mode = "manual";
  auto app = std::make_unique<App>(c, "", zonesim::testing::kTestEpoch);
  std::ifstream in(std::string(ZONESIM_SOURCE_DIR) + "/fixtures/snapshots/seed-stack.json");
  std::stringstream text;
  text << in.rdbuf();
  app->import_state(json::parse(text.str()));
  app->advance_by(300'000);
  return app;
}

std::string load_balancer_arn(App& app) {
  return app.invoke(
      "elbv2", "DescribeLoadBalancers", kAccount, kRegion,
      json{{"Names", {"resilience-platform-alb"}}})["LoadBalancers"][0]["LoadBalancerArn"];
}

std::string seen(const elbv2::RouteResult& r, std::uint64_t n) {
  return std::to_string(static_cast<int>(r.kind)) + " " + std::to_string(r.status) + " " +
         r.reason + " " + r.node_zone + " " + r.target_group_arn + " " + r.target_ip + ":" +
         std::to_string(r.target_port) + " " + r.target_zone + " " + r.task_arn + " " +
         std::to_string(r.latency_ms) + " " + r.rule_arn + " x" + std::to_string(n);
}

void fault(App& app, const std::string& zone, const std::string& kind, sim::Millis ms) {
  Env& env = app.env();
  sim::ZoneFault f;
  f.kind = kind;
  f.duration_ms = ms;
  if (kind == "degraded") {
    f.latency_ms = 250;
    f.loss_rate = 0.3;
  }
  env.store.begin();
  sim::fail_zone(env, zone, f);
  env.store.commit();
}

TEST(RouteCache, RoutesAsRouteManyDrawForDrawWhileTheStateChanges) {
  auto cached = seed_stack(), plain = seed_stack();
  elbv2::RouteRequest req;
  req.load_balancer_arn = load_balancer_arn(*cached);
  ASSERT_EQ(req.load_balancer_arn, load_balancer_arn(*plain));
  elbv2::RouteCache cache(kScope, req);
  std::size_t outcomes = 0;
  std::set<std::string> reasons;
  for (int step = 0; step < 900; ++step) {
    SCOPED_TRACE("step " + std::to_string(step));
    for (App* app : {cached.get(), plain.get()}) {
      if (step == 60) fault(*app, "eu-central-1a", "power", 120'000);
      if (step == 300) fault(*app, "eu-central-1b", "degraded", 90'000);
      if (step == 500) fault(*app, "eu-central-1b", "network", 60'000);
    }
    std::uint64_t n = 20 + static_cast<std::uint64_t>(step % 37);
    std::vector<std::string> a, b;
    auto route = [&] {
      cache.route_many(cached->env(), n, [&](const elbv2::RouteResult& r, std::uint64_t c) {
        a.push_back(seen(r, c));
        reasons.insert(r.reason);
      });
      elbv2::route_many(plain->env(), kScope, req, n,
                        [&](const elbv2::RouteResult& r, std::uint64_t c) {
                          b.push_back(seen(r, c));
                          elbv2::record_request(plain->env(), kScope, req.load_balancer_arn, r, c);
                        });
    };
    if (step == 700) {
      // Inside a transaction, with a node down that the committed state has up: no plan lasts.
      for (App* app : {cached.get(), plain.get()}) {
        app->env().store.begin();
        json& lb = *app->env().store.get_mut(kScope, "elbv2-load-balancer", req.load_balancer_arn);
        lb["_nodes"][0]["State"] = "down";
      }
      route();
      for (App* app : {cached.get(), plain.get()}) app->env().store.rollback();
    }
    route();
    ASSERT_EQ(a, b);
    outcomes += a.size();
    sim::Millis dt = step % 7 == 0 ? 100 : 1000;
    cached->advance_by(dt);
    plain->advance_by(dt);
  }
  EXPECT_GT(outcomes, 1800u);
  // The faults were seen: DNS still naming a dead node, cross-zone timeouts, degraded losses.
  for (const char* r :
       {"the load balancer node in eu-central-1a is down", "connection to the target timed out",
        "connection to the target was lost", "the connection to the load balancer node was lost"})
    EXPECT_TRUE(reasons.count(r)) << r;
  cache.flush(cached->env());
  EXPECT_EQ(cached->env().volatile_counters, plain->env().volatile_counters);
  EXPECT_EQ(cached->env().rng.state(), plain->env().rng.state());
  EXPECT_EQ(cached->env().store.timeline(0, 0, 100000), plain->env().store.timeline(0, 0, 100000));
}

}  // namespace
