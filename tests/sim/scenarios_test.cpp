// Issue 4's acceptance scenarios, on the manual clock, from a stack built through the real APIs.
#include "services/rds/reachability.hpp"
#include "tests/support/stack.hpp"

namespace {

using zonesim::json;
using zonesim::sim::Millis;
using zonesim::testing::Stack;
using zonesim::testing::StackOptions;

class SimScenario : public zonesim::testing::StackTest {
 protected:
  // Timeline events of one target ("<tg-name>/<ip>:80") reaching `to`, in order.
  std::vector<Millis> target_transitions(const std::string& ip, const std::string& to) {
    std::vector<Millis> out;
    for (auto& e : timeline())
      if (e["service"] == "elbv2" && e["to"] == to &&
          e["resource"].get<std::string>().find("/" + ip + ":") != std::string::npos)
        out.push_back(e["t_ms"].get<Millis>());
    return out;
  }
  std::string task_ip(const json& task) {
    for (auto& a : task["attachments"])
      for (auto& d : a["details"])
        if (d["name"] == "privateIPv4Address") return d["value"];
    return "";
  }
  bool all_healthy(const Stack& s, std::size_t n) { return count_state(s, "healthy") == n; }
};

// With interval 30 s, timeout 5 s and unhealthy threshold 3, a target whose app turns unhealthy at
// t is marked unhealthy at the third check after t: between t+60 and t+90 s; a hung app adds the
// 5 s timeout. The exact instant follows from the target's check phase, which the timeline shows
// (it turned healthy on a check); the test derives it and checks it for many seeds.
TEST_F(SimScenario, HealthCheckArithmetic) {
  for (std::uint64_t seed = 1; seed <= 8; ++seed) {
    for (const char* state : {"unhealthy", "hung"}) {
      SCOPED_TRACE(std::string(state) + " seed " + std::to_string(seed));
      reset("", seed);
      Stack s = build_stack({.with_database = false});
      ASSERT_TRUE(run_until([&] { return all_healthy(s, 2); }, 300));
      json task = tasks(s)[0];
      std::string ip = task_ip(task);
      auto healthy_at = target_transitions(ip, "healthy");
      ASSERT_FALSE(healthy_at.empty());
      Millis phase = healthy_at.back() % 30000;  // checks happen at phase + k * 30 s
      advance(7.3);
      Millis t = now();
      ok_control("POST", "/_zonesim/faults",
                 {{"action", "app-state"}, {"task", task["taskArn"]}, {"state", state}});
      advance(200);
      auto unhealthy_at = target_transitions(ip, "unhealthy");
      ASSERT_EQ(unhealthy_at.size(), 1u);
      Millis first_check = t - (t - phase) % 30000 + 30000;  // first check strictly after t
      if ((t - phase) % 30000 == 0) first_check = t + 30000;
      Millis timeout = std::string(state) == "hung" ? 5000 : 0;
      EXPECT_EQ(unhealthy_at[0], first_check + 60000 + timeout);
      EXPECT_GT(unhealthy_at[0], t + 60000 + timeout);
      EXPECT_LE(unhealthy_at[0], t + 90000 + timeout);
      // ... and the service replaces it: the task is stopped for failing ELB health checks.
      json stopped = tasks(s, "STOPPED");
      ASSERT_EQ(stopped.size(), 1u);
      EXPECT_EQ(stopped[0]["taskArn"], task["taskArn"]);
      EXPECT_NE(stopped[0].value("stoppedReason", "").find("ELB health checks"), std::string::npos);
      EXPECT_EQ(tasks(s).size(), 2u);
    }
  }
}

TEST_F(SimScenario, StopTaskDrainsAndReplaces) {
  Stack s = build_stack({.with_database = false});
  ASSERT_TRUE(run_until([&] { return all_healthy(s, 2); }, 300));
  json victim = tasks(s)[0];
  std::string ip = task_ip(victim);
  ok_ecs("StopTask", {{"cluster", s.cluster}, {"task", victim["taskArn"]}});
  advance(1);
  EXPECT_EQ(target_states(s)[ip], "draining");
  // A replacement is placed, registered, passes two checks and is healthy.
  ASSERT_TRUE(run_until([&] { return all_healthy(s, 2) && !target_states(s).count(ip); }, 400));
  json running = tasks(s);
  ASSERT_EQ(running.size(), 2u);
  for (auto& t : running) EXPECT_NE(t["taskArn"], victim["taskArn"]);
  std::string events;
  json svc = service(s);
  for (auto& e : svc["events"]) events += e["message"].get<std::string>() + "\n";
  EXPECT_NE(events.find("has started 1 tasks"), std::string::npos) << events;
  EXPECT_NE(events.find("registered 1 targets"), std::string::npos) << events;
  EXPECT_NE(events.find("has reached a steady state"), std::string::npos) << events;
}

TEST_F(SimScenario, PowerLossOfThePrimaryZone) {
  Stack s = build_stack();
  ASSERT_TRUE(run_until([&] { return all_healthy(s, 2); }, 300));
  std::string primary = db()["az"],
              other = primary == "eu-central-1a" ? "eu-central-1b" : "eu-central-1a";
  auto scope = std::string("123456789012/eu-central-1");
  int acked = 0;
  app_->env().store.begin();
  for (int i = 0; i < 100; ++i)
    acked += zonesim::rds::acknowledge_write(app_->env(), scope, s.db_endpoint, other);
  app_->env().store.commit();
  ASSERT_EQ(acked, 100);

  ok_control("POST", "/_zonesim/zones/" + primary + "/fail", {{"kind", "power"}});
  advance(600);
  // Tasks in the failed zone stopped; the service runs two tasks, all in the other zone.
  json running = tasks(s);
  ASSERT_EQ(running.size(), 2u);
  for (auto& t : running) EXPECT_EQ(t["availabilityZone"], other);
  for (auto& t : tasks(s, "STOPPED")) EXPECT_EQ(t["availabilityZone"], primary);
  EXPECT_EQ(count_state(s, "healthy"), 2u);
  // RDS failed over: the zones are swapped, DescribeEvents has the failover.
  EXPECT_EQ(db()["az"], other);
  auto ev = ok_query("rds",
                     "Action=DescribeEvents&SourceType=db-instance&Duration=60&Version=2014-10-31");
  EXPECT_NE(ev.body.find("Multi-AZ instance failover started"), std::string::npos);
  EXPECT_NE(ev.body.find("Multi-AZ instance failover completed"), std::string::npos);
  // No acknowledged write lost: everything acknowledged is on the new primary.
  EXPECT_TRUE(zonesim::rds::database_reachable(app_->env(), scope, s.db_endpoint, other));
  EXPECT_TRUE(zonesim::rds::database_reachable(app_->env(), scope, s.db_endpoint + ":3306", other));
  auto c = zonesim::rds::write_counters(app_->env(), scope, "resilience-platform-db");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->primary, 100u);
  EXPECT_EQ(c->lost, 0u);

  // After restore, new tasks may use the zone again and the standby is rebuilt there.
  ok_control("POST", "/_zonesim/zones/" + primary + "/restore");
  ok_ecs("UpdateService",
         {{"cluster", s.cluster}, {"service", "resilience-platform-service"}, {"desiredCount", 4}});
  advance(3600);
  std::size_t in_restored = 0;
  for (auto& t : tasks(s)) in_restored += t["availabilityZone"] == primary;
  EXPECT_GE(in_restored, 1u);
  EXPECT_EQ(db()["secondary_az"], primary);
  bool rebuilt = false;
  for (auto& e : timeline())
    if (e["service"] == "rds" && e["zone"] == primary &&
        e["to"].get<std::string>().find("in-sync") != std::string::npos)
      rebuilt = true;
  EXPECT_TRUE(rebuilt);
}

TEST_F(SimScenario, NetworkPartitionIsNotPowerLoss) {
  Stack s = build_stack({.with_database = false});
  ASSERT_TRUE(run_until([&] { return all_healthy(s, 2); }, 300));
  json before = tasks(s);
  std::string zone = "eu-central-1a";
  ok_control("POST", "/_zonesim/zones/" + zone + "/fail", {{"kind", "network"}});
  advance(20);
  // Partitioned tasks keep running (a powered-off one would be unreachable AND dead).
  for (auto& t : tasks(s)) {
    if (t["availabilityZone"] == zone) {
      EXPECT_EQ(t["lastStatus"], "RUNNING");
    }
  }
  advance(600);
  // The ALB cannot reach them: unhealthy, replaced in the other zone.
  std::size_t healthy_other = 0;
  for (auto& t : tasks(s))
    if (t["availabilityZone"] != zone && target_states(s)[task_ip(t)] == "healthy") ++healthy_other;
  EXPECT_EQ(healthy_other, 2u);
  bool network_event = false;
  for (auto& e : timeline())
    if (e["service"] == "zone" && e["to"] == "network") network_event = true;
  EXPECT_TRUE(network_event);
}

class Replay : public SimScenario {
 public:
  std::string scenario(std::uint64_t seed) {
    reset("", seed);
    Stack s = build_stack();
    advance(120);
    ok_control("POST", "/_zonesim/zones/eu-central-1a/fail",
               {{"kind", "power"}, {"duration_seconds", 600}});
    advance(1800);
    return timeline().dump();
  }
};

TEST_F(Replay, SameSeedSameTimelineByteForByte) {
  std::string a = scenario(7), b = scenario(7), c = scenario(8);
  EXPECT_GT(a.size(), 1000u);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);  // jitter differs with the seed
}

}  // namespace
