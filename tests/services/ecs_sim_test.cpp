// ECS on the simulated clock: the task lifecycle per timing profile, the app model (app_answer),
// target deregistration and health, zone power loss and network partitions, the stop-task and
// app-state faults, the circuit breaker, Availability Zone rebalancing and awslogs output. Target
// health comes from ELBv2's real health checks on the clock (default group: interval 30 s, healthy
// threshold 5, unhealthy threshold 2); tasks fail them through the app-state fault or zone faults.
#include <algorithm>
#include <cmath>
#include <set>

#include "emulator/sim/zones.hpp"
#include "services/ecs/app.hpp"
#include "services/ecs/scheduler.hpp"
#include "tests/support/app_fixture.hpp"
#include "tests/support/seed.hpp"

using zonesim::json;
using zonesim::ecs::AppAnswer;
using zonesim::sim::Millis;
using zonesim::testing::AppTest;

namespace {

const char* const kScope = "123456789012/eu-central-1";
const char* const kSubnetA = "subnet-0000000000000000a";  // eu-central-1a
const char* const kSubnetB = "subnet-0000000000000000b";  // eu-central-1b
const char* const kVpc = "vpc-0000000000000000a";
const char* const kSecurityGroup = "sg-0000000000000000b";
const char* const kZoneA = "eu-central-1a";
const char* const kZoneB = "eu-central-1b";
const char* const kCluster = "arn:aws:ecs:eu-central-1:123456789012:cluster/sim";
const char* const kService = "web";
const char* const kServiceLabel = "(service web)";
const char* const kLogGroup = "/ecs/web";
const char* const kDbAddress = "wordpress.abcdefghijkl.eu-central-1.rds.amazonaws.com";

struct Resp {
  int status;
  json body;
  std::string error() const { return body.value("__type", ""); }
};

json task_definition(const std::string& image = "wordpress:latest") {
  return {{"family", "web"},
          {"networkMode", "awsvpc"},
          {"requiresCompatibilities", {"FARGATE"}},
          {"cpu", "256"},
          {"memory", "512"},
          {"executionRoleArn", "arn:aws:iam::123456789012:role/web-task-execution"},
          {"containerDefinitions",
           {{{"name", "app"},
             {"image", image},
             {"essential", true},
             {"portMappings", {{{"containerPort", 80}, {"protocol", "tcp"}}}},
             // No database in the environment: tests of the database dependency name one.
             {"environment", {{{"name", "WORDPRESS_DB_NAME"}, {"value", "wordpress"}}}},
             {"logConfiguration",
              {{"logDriver", "awslogs"},
               {"options",
                {{"awslogs-group", kLogGroup},
                 {"awslogs-region", "eu-central-1"},
                 {"awslogs-stream-prefix", "ecs"}}}}}}}}};
}

struct ServiceOptions {
  int desired = 2;
  std::string target_group;  // "" = no load balancer
  int grace = 0;
  std::string rebalancing = "DISABLED";
  bool circuit_breaker = false;
  json subnets = json::array({kSubnetA, kSubnetB});
  int max_percent = 200;
  int min_percent = 50;
};

class EcsSimTest : public AppTest {
 protected:
  void SetUp() override { start("instant"); }

  void start(const std::string& timing, std::uint64_t seed = 1) {
    zonesim::Config c;
    c.seed = seed;
    c.timing = timing;
    c.clock_mode = "manual";
    app_ = std::make_unique<zonesim::App>(c, "", zonesim::testing::kTestEpoch);
    zonesim::testing::seed_network(*app_);
    ok("CreateCluster", {{"clusterName", "sim"}});
  }

  zonesim::Env& env() { return app_->env(); }
  Millis now() { return env().clock.now(); }
  void advance(Millis ms) { app_->advance_by(ms); }
  void advance_to(Millis t) { app_->advance_to(t); }

  Resp ecs(const std::string& op, const json& body) {
    auto r = json_call("ecs", "AmazonEC2ContainerServiceV20141113." + op, body.dump());
    return {r.status, json::parse(r.body)};
  }
  json ok(const std::string& op, const json& body) {
    Resp r = ecs(op, body);
    EXPECT_EQ(r.status, 200) << op << ": " << r.body.dump();
    return r.body;
  }
  json logs(const std::string& op, const json& body) {
    auto r = json_call("logs", "Logs_20140328." + op, body.dump());
    EXPECT_EQ(r.status, 200) << op << ": " << r.body;
    return json::parse(r.body);
  }
  std::string elb(const std::string& params, const std::string& result) {
    auto r = query("elasticloadbalancing", "Version=2015-12-01&Action=" + params);
    EXPECT_EQ(r.status, 200) << params << "\n" << r.body;
    return xpath(r, result);
  }
  Resp control(const std::string& target, const json& body) {
    zonesim::http::Request req;
    req.method = "POST";
    req.target = target;
    req.body = body.dump();
    auto r = app_->handle(req);
    return {r.status, json::parse(r.body)};
  }
  // A fault through the control API: its result, or its error {code, message}.
  json fault(const json& body, int status = 200) {
    Resp r = control("/_zonesim/faults", body);
    EXPECT_EQ(r.status, status) << body.dump() << " -> " << r.body.dump();
    return r.body.contains("error") ? r.body["error"] : r.body;
  }
  void fail_zone(const std::string& zone, const std::string& kind) {
    EXPECT_EQ(control("/_zonesim/zones/" + zone + "/fail", {{"kind", kind}}).status, 200);
  }
  void restore_zone(const std::string& zone) {
    EXPECT_EQ(control("/_zonesim/zones/" + zone + "/restore", json::object()).status, 200);
  }

  // An ALB with a listener forwarding to an ip target group (deregistration delay in seconds).
  std::string target_group(int deregistration_delay) {
    std::string lb =
        elb(std::string("CreateLoadBalancer&Name=alb&Subnets.member.1=") + kSubnetA +
                "&Subnets.member.2=" + kSubnetB + "&SecurityGroups.member.1=" + kSecurityGroup,
            "//LoadBalancerArn");
    std::string tg = elb(std::string("CreateTargetGroup&Name=app&Protocol=HTTP&Port=80&VpcId=") +
                             kVpc + "&TargetType=ip",
                         "//TargetGroupArn");
    elb("CreateListener&LoadBalancerArn=" + lb +
            "&Port=80&Protocol=HTTP&DefaultActions.member.1.Type=forward"
            "&DefaultActions.member.1.TargetGroupArn=" +
            tg,
        "//ListenerArn");
    elb("ModifyTargetGroupAttributes&TargetGroupArn=" + tg +
            "&Attributes.member.1.Key=deregistration_delay.timeout_seconds"
            "&Attributes.member.1.Value=" +
            std::to_string(deregistration_delay),
        "//Attributes");
    return tg;
  }
  // ip:port -> state, as DescribeTargetHealth reports.
  std::map<std::string, std::string> target_health(const std::string& tg) {
    auto r = query("elasticloadbalancing",
                   "Version=2015-12-01&Action=DescribeTargetHealth&TargetGroupArn=" + tg);
    pugi::xml_document doc;
    doc.load_string(r.body.c_str());
    std::map<std::string, std::string> out;
    for (auto& n : doc.select_nodes("//TargetHealthDescriptions/member"))
      out[n.node().select_node("Target/Id").node().text().as_string()] =
          n.node().select_node("TargetHealth/State").node().text().as_string();
    return out;
  }

  std::string register_td(const json& td = task_definition()) {
    return ok("RegisterTaskDefinition", td)["taskDefinition"]["taskDefinitionArn"];
  }
  json create_service(const ServiceOptions& o) {
    json req = {{"cluster", kCluster},
                {"serviceName", kService},
                {"taskDefinition", register_td()},
                {"desiredCount", o.desired},
                {"launchType", "FARGATE"},
                {"availabilityZoneRebalancing", o.rebalancing},
                {"deploymentConfiguration",
                 {{"maximumPercent", o.max_percent},
                  {"minimumHealthyPercent", o.min_percent},
                  {"deploymentCircuitBreaker",
                   {{"enable", o.circuit_breaker}, {"rollback", o.circuit_breaker}}}}},
                {"networkConfiguration",
                 {{"awsvpcConfiguration",
                   {{"subnets", o.subnets}, {"securityGroups", {kSecurityGroup}}}}}}};
    if (!o.target_group.empty()) {
      req["loadBalancers"] = {
          {{"targetGroupArn", o.target_group}, {"containerName", "app"}, {"containerPort", 80}}};
      req["healthCheckGracePeriodSeconds"] = o.grace;
    }
    return ok("CreateService", req)["service"];
  }
  json service() {
    return ok("DescribeServices", {{"cluster", kCluster}, {"services", {kService}}})["services"][0];
  }
  std::vector<std::string> event_messages() {
    std::vector<std::string> out;
    const json s = service();
    for (auto& e : s["events"]) out.push_back(e["message"]);
    return out;
  }
  bool has_event(const std::string& message) {
    auto m = event_messages();
    return std::find(m.begin(), m.end(), message) != m.end();
  }
  json task(const std::string& arn) {
    return ok("DescribeTasks", {{"cluster", kCluster}, {"tasks", {arn}}})["tasks"][0];
  }
  json tasks(const std::string& desired = "RUNNING") {
    json arns = ok("ListTasks", {{"cluster", kCluster}, {"desiredStatus", desired}})["taskArns"];
    if (arns.empty()) return json::array();
    return ok("DescribeTasks", {{"cluster", kCluster}, {"tasks", arns}})["tasks"];
  }
  std::vector<json> tasks_in(const std::string& zone) {
    std::vector<json> out;
    for (auto& t : tasks())
      if (t["availabilityZone"] == zone) out.push_back(t);
    return out;
  }
  static std::string ip_of(const json& t) {
    for (auto& d : t["attachments"][0]["details"])
      if (d["name"] == "privateIPv4Address") return d["value"];
    return "";
  }
  static std::string id_of(const std::string& arn) { return arn.substr(arn.rfind('/') + 1); }
  // A timestamp of a JSON response (epoch seconds) in ms.
  static Millis ms(const json& v) { return std::llround(v.get<double>() * 1000); }
  // The task's private IP from the start (DescribeTasks shows it once the ENI is attached).
  std::string internal_ip(const std::string& arn) {
    return env().store.get(kScope, "ecs-task", arn)->value("_ip", "");
  }

  AppAnswer answer(const std::string& ip, int port = 80, const std::string& from = kZoneA) {
    return zonesim::ecs::app_answer(env(), kScope, ip, port, from, "/");
  }
  // Makes every task of `td` that runs and has not been broken yet answer 500, so that ELBv2's
  // health checks find it unhealthy; `broken` remembers which ones were.
  void break_tasks_of(const std::string& td, std::set<std::string>& broken) {
    for (auto& t : tasks())
      if (t["taskDefinitionArn"] == td && t["desiredStatus"] == "RUNNING" &&
          broken.insert(t["taskArn"].get<std::string>()).second)
        fault({{"action", "app-state"}, {"task", t["taskArn"]}, {"state", "unhealthy"}});
  }
  // When the timeline recorded the target's move to `state` in the group named "app" (0 if never).
  Millis target_became(const std::string& ip, const std::string& state) {
    for (auto& e : timeline("app/" + ip + ":80"))
      if (e["to"] == state) return e["t_ms"];
    return 0;
  }
  // The timeline events of one resource, oldest first.
  std::vector<json> timeline(const std::string& resource) {
    std::vector<json> out;
    for (auto& e : env().store.timeline(0, 0, 100000))
      if (e["resource"] == resource) out.push_back(e);
    return out;
  }
  std::vector<std::string> log_messages(const std::string& stream) {
    json r =
        logs("GetLogEvents",
             {{"logGroupName", kLogGroup}, {"logStreamName", stream}, {"startFromHead", true}});
    std::vector<std::string> out;
    for (auto& e : r["events"]) out.push_back(e["message"]);
    return out;
  }
};

// --- lifecycle -----------------------------------------------------------------------------------

TEST_F(EcsSimTest, RealisticLifecycleWalksEveryStateInOrderWithProfileDurationsAndTimestamps) {
  start("realistic");
  register_td();
  json run = ok("RunTask",
                {{"cluster", kCluster},
                 {"taskDefinition", "web"},
                 {"launchType", "FARGATE"},
                 {"networkConfiguration", {{"awsvpcConfiguration", {{"subnets", {kSubnetA}}}}}}});
  const std::string arn = run["tasks"][0]["taskArn"];
  const Millis created = now();
  advance(60'000);  // at most 15 + 30 + 3 s to RUNNING
  json t = task(arn);
  ASSERT_EQ(t["lastStatus"], "RUNNING");
  ok("StopTask", {{"cluster", kCluster}, {"task", arn}, {"reason", "maintenance window"}});
  const Millis stop = now();
  advance(60'000);  // at most 3 + 30 + 15 s to STOPPED (no target groups to drain)
  t = task(arn);
  ASSERT_EQ(t["lastStatus"], "STOPPED");

  std::vector<json> events = timeline(arn);
  std::vector<std::string> states;
  for (auto& e : events) states.push_back(e["to"]);
  EXPECT_EQ(states,
            std::vector<std::string>({"PROVISIONING", "PENDING", "ACTIVATING", "RUNNING",
                                      "DEACTIVATING", "STOPPING", "DEPROVISIONING", "STOPPED"}));
  for (std::size_t i = 1; i < events.size(); ++i) EXPECT_EQ(events[i]["from"], states[i - 1]);
  for (auto& e : events) EXPECT_EQ(e["zone"], kZoneA);
  EXPECT_EQ(events[0]["t_ms"], created);
  // Each state lasted what the realistic profile allows (fixtures/timing/realistic.json).
  auto lasted = [&](std::size_t i) {
    return events[i + 1]["t_ms"].get<Millis>() - events[i]["t_ms"].get<Millis>();
  };
  auto within = [](Millis v, Millis lo, Millis hi) { return v >= lo && v <= hi; };
  EXPECT_TRUE(within(lasted(0), 5'000, 15'000)) << lasted(0);   // PROVISIONING
  EXPECT_TRUE(within(lasted(1), 10'000, 30'000)) << lasted(1);  // PENDING
  EXPECT_TRUE(within(lasted(2), 1'000, 3'000)) << lasted(2);    // ACTIVATING
  EXPECT_EQ(events[4]["t_ms"], stop);                           // RUNNING -> DEACTIVATING at once
  EXPECT_TRUE(within(lasted(4), 1'000, 3'000)) << lasted(4);    // DEACTIVATING
  EXPECT_TRUE(within(lasted(5), 2'000, 30'000)) << lasted(5);   // STOPPING
  EXPECT_TRUE(within(lasted(6), 5'000, 15'000)) << lasted(6);   // DEPROVISIONING

  EXPECT_EQ(ms(t["createdAt"]), created);
  EXPECT_EQ(ms(t["connectivityAt"]), events[1]["t_ms"]);
  EXPECT_EQ(ms(t["pullStartedAt"]), events[1]["t_ms"]);
  EXPECT_EQ(ms(t["pullStoppedAt"]), events[2]["t_ms"]);
  EXPECT_EQ(ms(t["startedAt"]), events[3]["t_ms"]);
  EXPECT_EQ(ms(t["stoppingAt"]), stop);
  EXPECT_EQ(ms(t["executionStoppedAt"]), events[6]["t_ms"]);
  EXPECT_EQ(ms(t["stoppedAt"]), events[7]["t_ms"]);
  EXPECT_EQ(t["stopCode"], "UserInitiated");
  EXPECT_EQ(t["stoppedReason"], "maintenance window");
  EXPECT_EQ(t["containers"][0]["exitCode"], 0);
  EXPECT_EQ(events[4]["reason"], "maintenance window");
}

TEST_F(EcsSimTest, StopTaskDrainsTheTargetForTheDeregistrationDelayWhileAReplacementRegisters) {
  const std::string tg = target_group(30);
  create_service({.desired = 2, .target_group = tg});
  json before = tasks();
  ASSERT_EQ(before.size(), 2u);
  const std::string victim = before[0]["taskArn"];
  const std::string victim_ip = ip_of(before[0]);
  EXPECT_EQ(target_health(tg).size(), 2u);

  json stopped = ok("StopTask", {{"cluster", kCluster}, {"task", victim}})["task"];
  const Millis stop = now();
  EXPECT_EQ(stopped["lastStatus"], "DEACTIVATING");
  EXPECT_EQ(stopped["stoppedReason"], "Task stopped by user");
  // The replacement runs and is registered while the old target drains.
  json running = tasks();
  ASSERT_EQ(running.size(), 2u);
  std::string replacement;
  for (auto& t : running)
    if (t["taskArn"] != before[1]["taskArn"]) replacement = t["taskArn"];
  ASSERT_FALSE(replacement.empty());
  EXPECT_NE(replacement, victim);
  auto health = target_health(tg);
  EXPECT_EQ(health.size(), 3u);
  EXPECT_EQ(health[victim_ip], "draining");
  // Registered, not yet checked: ELBv2's health checks decide when it takes traffic.
  EXPECT_EQ(health[ip_of(task(replacement))], "initial");
  EXPECT_TRUE(has_event(std::string(kServiceLabel) + " has started 1 tasks: (task " +
                        id_of(replacement) + ")."));
  EXPECT_TRUE(has_event(std::string(kServiceLabel) + " deregistered 1 targets in (target-group " +
                        tg + ")"));

  advance(29'999);
  EXPECT_EQ(task(victim)["lastStatus"], "DEACTIVATING");
  EXPECT_EQ(target_health(tg)[victim_ip], "draining");
  advance(1);
  json done = task(victim);
  EXPECT_EQ(done["lastStatus"], "STOPPED");
  EXPECT_EQ(ms(done["stoppedAt"]) - stop, 30'000);
  EXPECT_EQ(target_health(tg).count(victim_ip), 0u);
  EXPECT_EQ(service()["runningCount"], 2);
}

// --- placement and zones -------------------------------------------------------------------------

TEST_F(EcsSimTest, PlacementSpreadsAcrossZonesAndNeverUsesAPoweredOffZone) {
  create_service({.desired = 4});
  EXPECT_EQ(tasks_in(kZoneA).size(), 2u);
  EXPECT_EQ(tasks_in(kZoneB).size(), 2u);
  fail_zone(kZoneB, "power");
  ok("UpdateService", {{"cluster", kCluster}, {"service", kService}, {"desiredCount", 8}});
  EXPECT_EQ(tasks_in(kZoneA).size(), 6u);
  EXPECT_EQ(tasks_in(kZoneB).size(), 2u);  // the lost ones, which ECS has not noticed yet
  json run = ok("RunTask",
                {{"cluster", kCluster},
                 {"taskDefinition", "web"},
                 {"launchType", "FARGATE"},
                 {"count", 2},
                 {"networkConfiguration", {{"awsvpcConfiguration", {{"subnets", {kSubnetB}}}}}}});
  EXPECT_TRUE(run["tasks"].empty());
  ASSERT_EQ(run["failures"].size(), 2u);
  EXPECT_EQ(run["failures"][0]["reason"],
            "Capacity is unavailable at this time. Please try again later or in a different "
            "availability zone.");
}

TEST_F(EcsSimTest, NoZoneToPlaceInReportsUnableToPlaceAndRetriesUntilTheZoneIsBack) {
  fail_zone(kZoneB, "network");
  create_service({.desired = 1, .subnets = json::array({kSubnetB})});
  const std::string unable = std::string(kServiceLabel) +
                             " was unable to place a task. Reason: Capacity is unavailable at this "
                             "time. Please try again later or in a different availability zone.";
  EXPECT_EQ(event_messages()[0], unable);
  EXPECT_EQ(service()["pendingCount"], 0);
  advance(15'000);  // first retry
  auto m = event_messages();
  EXPECT_EQ(std::count(m.begin(), m.end(), unable), 2);
  advance(29'999);  // the second retry comes 30 s after the first
  m = event_messages();
  EXPECT_EQ(std::count(m.begin(), m.end(), unable), 2);
  advance(1);
  m = event_messages();
  EXPECT_EQ(std::count(m.begin(), m.end(), unable), 3);
  restore_zone(kZoneB);  // placement is tried again at once
  EXPECT_EQ(service()["runningCount"], 1);
  EXPECT_EQ(tasks_in(kZoneB).size(), 1u);
}

TEST_F(EcsSimTest, PowerLossIsNoticedAfterTheDetectionDelayThenTasksAreReplacedElsewhere) {
  create_service({.desired = 2});
  ASSERT_EQ(tasks_in(kZoneA).size(), 1u);
  const json lost = tasks_in(kZoneA)[0];
  const std::string arn = lost["taskArn"];
  const std::string ip = ip_of(lost);
  EXPECT_EQ(answer(ip).kind, AppAnswer::Kind::ok);
  fail_zone(kZoneA, "power");
  const Millis fault = now();
  // The network sees the task die at once; ECS still believes it runs.
  EXPECT_EQ(answer(ip, 80, kZoneB).kind, AppAnswer::Kind::timeout);
  EXPECT_EQ(task(arn)["lastStatus"], "RUNNING");
  EXPECT_EQ(service()["runningCount"], 2);
  advance(29'999);  // ecs.failure.task_loss_detection: 30-60 s
  EXPECT_EQ(task(arn)["lastStatus"], "RUNNING");
  restore_zone(kZoneA);  // the power is back, the task is not
  EXPECT_EQ(answer(ip, 80, kZoneA).kind, AppAnswer::Kind::timeout);
  fail_zone(kZoneA, "power");
  advance(30'001);
  json t = task(arn);
  ASSERT_EQ(t["lastStatus"], "STOPPED");
  EXPECT_EQ(t["stopCode"], "TerminationNotice");
  EXPECT_EQ(t["stoppedReason"],
            "Task stopped due to an underlying infrastructure failure in Availability Zone "
            "eu-central-1a (host lost power).");
  EXPECT_EQ(ms(t["executionStoppedAt"]), fault);
  EXPECT_FALSE(t["containers"][0].contains("exitCode"));
  std::vector<json> events = timeline(arn);
  EXPECT_EQ(events.back()["from"], "RUNNING");
  EXPECT_EQ(events.back()["to"], "STOPPED");
  const Millis detected = events.back()["t_ms"];
  EXPECT_GE(detected - fault, 30'000);
  EXPECT_LE(detected - fault, 60'000);
  // Replaced in the zone that is up.
  EXPECT_EQ(tasks_in(kZoneA).size(), 0u);
  EXPECT_EQ(tasks_in(kZoneB).size(), 2u);
  EXPECT_EQ(service()["runningCount"], 2);
}

TEST_F(EcsSimTest, StoppingALostTaskBeforeEcsNoticesTheLossStillDeregistersIt) {
  const std::string tg = target_group(5);
  create_service({.desired = 2, .target_group = tg});
  const json lost = tasks_in(kZoneA)[0];
  const std::string arn = lost["taskArn"];
  const std::string ip = ip_of(lost);
  fail_zone(kZoneA, "power");
  const Millis fault = now();
  advance(10'000);  // before ecs.failure.task_loss_detection (30-60 s)
  ok("StopTask", {{"cluster", kCluster}, {"task", arn}, {"reason", "operator"}});
  json t = task(arn);
  EXPECT_EQ(t["desiredStatus"], "STOPPED");
  // The control plane deregisters the target; the dark host cannot be told to stop.
  EXPECT_EQ(t["lastStatus"], "DEACTIVATING");
  EXPECT_EQ(target_health(tg)[ip], "draining");
  advance(60'000);
  t = task(arn);
  EXPECT_EQ(t["lastStatus"], "STOPPED");
  EXPECT_EQ(t["stopCode"], "UserInitiated");  // the first stop reason stays
  EXPECT_EQ(ms(t["executionStoppedAt"]), fault);
  EXPECT_EQ(target_health(tg).count(ip), 0u);
  EXPECT_EQ(tasks_in(kZoneB).size(), 2u);
  EXPECT_EQ(service()["runningCount"], 2);
}

TEST_F(EcsSimTest, NetworkPartitionKeepsTasksRunningAndStopsWaitForTheZoneToReturn) {
  const std::string tg = target_group(5);
  create_service({.desired = 2, .target_group = tg, .grace = 60});
  const json in_a = tasks_in(kZoneA)[0];
  const std::string arn = in_a["taskArn"];
  const std::string ip = ip_of(in_a);
  advance(300'000);  // past the grace period, the targets healthy
  ASSERT_EQ(target_health(tg)[ip], "healthy");
  fail_zone(kZoneA, "network");
  const Millis fault = now();
  // ECS does not see a partition: until the checks fail twice the task runs and serves its zone.
  advance(35'000);  // the second check after the fault starts more than 30 s after it
  EXPECT_EQ(task(arn)["lastStatus"], "RUNNING");
  EXPECT_EQ(task(arn)["desiredStatus"], "RUNNING");
  EXPECT_EQ(service()["runningCount"], 2);
  EXPECT_EQ(answer(ip, 80, kZoneA).kind, AppAnswer::Kind::ok);
  EXPECT_EQ(answer(ip, 80, kZoneB).kind, AppAnswer::Kind::timeout);
  EXPECT_EQ(answer(ip, 80, "").kind, AppAnswer::Kind::timeout);

  // The ALB's checks from the other zone's node time out (the partitioned node does not report):
  // two failures (30 s apart, each known after the 5 s timeout) make the target unhealthy and ECS
  // replaces the task at once, in the zone it can reach.
  advance_to(fault + 65'000);
  const Millis unhealthy = target_became(ip, "unhealthy");
  EXPECT_GT(unhealthy, fault + 35'000);
  EXPECT_LE(unhealthy, fault + 65'000);
  json t = task(arn);
  EXPECT_EQ(t["desiredStatus"], "STOPPED");
  EXPECT_EQ(t["lastStatus"], "DEACTIVATING");
  EXPECT_EQ(t["stopCode"], "ServiceSchedulerInitiated");
  EXPECT_EQ(t["stoppedReason"], "Task failed ELB health checks in (target-group " + tg + ")");
  EXPECT_EQ(ms(t["stoppingAt"]), unhealthy);
  EXPECT_TRUE(has_event(std::string(kServiceLabel) + " (port 80) is unhealthy in (target-group " +
                        tg + ") due to (reason Request timed out)."));
  EXPECT_TRUE(has_event(std::string(kServiceLabel) + " has stopped 1 running tasks: (task " +
                        id_of(arn) + ")."));
  EXPECT_EQ(tasks_in(kZoneA).size(), 0u);
  EXPECT_EQ(tasks_in(kZoneB).size(), 2u);
  // The drain ends, but ECS cannot reach the task's host to stop it.
  advance(600'000);
  EXPECT_EQ(task(arn)["lastStatus"], "DEACTIVATING");
  restore_zone(kZoneA);
  EXPECT_EQ(task(arn)["lastStatus"], "STOPPED");
  EXPECT_EQ(timeline(arn).back()["t_ms"], now());
}

TEST_F(EcsSimTest, AzRebalancingAfterAZoneReturnsOnlyWhenEnabled) {
  for (const char* setting : {"ENABLED", "DISABLED"}) {
    SCOPED_TRACE(setting);
    start("instant");
    create_service({.desired = 2, .rebalancing = setting});
    fail_zone(kZoneA, "power");
    advance(60'000);
    ASSERT_EQ(tasks_in(kZoneB).size(), 2u);
    restore_zone(kZoneA);
    if (std::string(setting) == "DISABLED") {
      EXPECT_EQ(tasks_in(kZoneB).size(), 2u);
      continue;
    }
    ASSERT_EQ(tasks_in(kZoneA).size(), 1u);
    EXPECT_EQ(tasks_in(kZoneB).size(), 1u);
    const std::string started = tasks_in(kZoneA)[0]["taskArn"];
    std::vector<std::string> m = event_messages();
    auto at = [&](const std::string& msg) {
      return std::find(m.begin(), m.end(), msg) - m.begin();
    };
    const auto not_balanced =
        at("service (web) is not AZ balanced with 0 tasks in eu-central-1a and 2 tasks in "
           "eu-central-1b. AZ Rebalancing in progress.");
    const auto start_event =
        at("web has started 1 tasks in eu-central-1a to AZ Rebalance: " + id_of(started) + ".");
    const auto balanced =
        at("service (web) is AZ balanced with 1 tasks in eu-central-1a and 1 tasks in "
           "eu-central-1b.");
    ASSERT_LT(balanced, static_cast<long>(m.size()));
    EXPECT_LT(balanced, start_event);  // newest first
    EXPECT_LT(start_event, not_balanced);
    EXPECT_EQ(m[0], std::string(kServiceLabel) + " has reached a steady state.");
    EXPECT_EQ(service()["runningCount"], 2);
  }
}

// --- the app model -------------------------------------------------------------------------------

TEST_F(EcsSimTest, AppAnswerForEachState) {
  start("realistic");
  create_service({.desired = 1});
  const std::string ip = internal_ip(tasks()[0]["taskArn"]);
  EXPECT_EQ(answer(ip).kind, AppAnswer::Kind::refused);  // PROVISIONING: nothing listens yet
  advance(60'000);
  const json t = tasks()[0];
  ASSERT_EQ(t["lastStatus"], "RUNNING");
  ASSERT_EQ(ip_of(t), ip);
  const std::string arn = t["taskArn"];
  const std::string zone = t["availabilityZone"];
  const std::string other = zone == kZoneA ? kZoneB : kZoneA;
  AppAnswer a = answer(ip, 80, other);
  EXPECT_EQ(a.kind, AppAnswer::Kind::ok);
  EXPECT_EQ(a.status, 200);
  EXPECT_EQ(a.task_arn, arn);
  EXPECT_EQ(a.zone, zone);
  EXPECT_EQ(answer(ip, 8080).kind, AppAnswer::Kind::refused);    // no container on that port
  EXPECT_EQ(answer("10.0.9.9").kind, AppAnswer::Kind::refused);  // nobody at that address

  fault({{"action", "app-state"}, {"task", arn}, {"state", "unhealthy"}});
  a = answer(ip);
  EXPECT_EQ(a.kind, AppAnswer::Kind::ok);
  EXPECT_EQ(a.status, 500);
  fault({{"action", "app-state"}, {"task", arn}, {"state", "hung"}});
  EXPECT_EQ(answer(ip).kind, AppAnswer::Kind::timeout);
  fault({{"action", "app-state"}, {"task", arn}, {"state", "healthy"}});
  EXPECT_EQ(answer(ip).status, 200);

  fail_zone(other, "network");
  EXPECT_EQ(answer(ip, 80, other).kind, AppAnswer::Kind::timeout);
  EXPECT_EQ(answer(ip, 80, zone).status, 200);
  restore_zone(other);
  fail_zone(zone, "power");
  EXPECT_EQ(answer(ip, 80, zone).kind, AppAnswer::Kind::timeout);
  restore_zone(zone);
  EXPECT_EQ(answer(ip, 80, zone).kind, AppAnswer::Kind::timeout);  // the host died with it

  // The app-state changes are on the timeline.
  std::vector<std::string> app;
  for (auto& e : env().store.timeline(0, 0, 1000))
    if (e["service"] == "app" && e["resource"] == arn) app.push_back(e["to"]);
  EXPECT_EQ(app, std::vector<std::string>({"unhealthy", "hung", "healthy"}));
}

TEST_F(EcsSimTest, DatabaseDependencyIsTheInstanceWhoseEndpointTheEnvironmentNames) {
  env().store.begin();
  env().store.put(
      kScope, "db-instance", "other",
      {{"DBInstanceIdentifier", "other"},
       {"Endpoint", {{"Address", "other.abcdefghijkl.eu-central-1.rds.amazonaws.com"}}}});
  env().store.put(kScope, "db-instance", "wordpress",
                  {{"DBInstanceIdentifier", "wordpress"}, {"Endpoint", {{"Address", kDbAddress}}}});
  env().store.commit();
  json td = task_definition();
  td["containerDefinitions"][0]["environment"] = {
      {{"name", "DB_URL"}, {"value", "mysql://admin@" + std::string(kDbAddress) + "/wp"}}};
  register_td(td);
  json run = ok("RunTask",
                {{"cluster", kCluster},
                 {"taskDefinition", "web"},
                 {"launchType", "FARGATE"},
                 {"networkConfiguration", {{"awsvpcConfiguration", {{"subnets", {kSubnetA}}}}}}});
  const std::string arn = run["tasks"][0]["taskArn"];
  EXPECT_EQ(env().store.get(kScope, "ecs-task", arn)->value("_db_host", ""), kDbAddress);
  td["containerDefinitions"][0]["environment"] = {{{"name", "DB_HOST"}, {"value", "localhost"}}};
  register_td(td);
  run = ok("RunTask",
           {{"cluster", kCluster},
            {"taskDefinition", "web"},
            {"launchType", "FARGATE"},
            {"networkConfiguration", {{"awsvpcConfiguration", {{"subnets", {kSubnetA}}}}}}});
  EXPECT_EQ(env()
                .store.get(kScope, "ecs-task", run["tasks"][0].value("taskArn", ""))
                ->value("_db_host", "x"),
            "");
}

TEST_F(EcsSimTest, AppStateFaultOnAServiceHitsItsCurrentTasksOnly) {
  create_service({.desired = 2});
  const std::string svc = service()["serviceArn"];
  json r = fault({{"action", "app-state"}, {"service", svc}, {"state", "unhealthy"}});
  ASSERT_EQ(r["tasks"].size(), 2u);
  for (auto& t : tasks()) EXPECT_EQ(answer(ip_of(t)).status, 500);
  ok("UpdateService", {{"cluster", kCluster}, {"service", kService}, {"desiredCount", 3}});
  int healthy = 0;
  for (auto& t : tasks()) healthy += answer(ip_of(t)).status == 200;
  EXPECT_EQ(healthy, 1);  // the task started later runs a healthy app

  EXPECT_EQ(fault({{"action", "app-state"}, {"service", svc}, {"state", "sleepy"}}, 400)["code"],
            "InvalidFault");
  EXPECT_EQ(fault({{"action", "app-state"}, {"state", "hung"}}, 400)["code"], "InvalidFault");
  EXPECT_EQ(fault({{"action", "app-state"},
                   {"task", "arn:aws:ecs:eu-central-1:123456789012:task/sim/0000"},
                   {"state", "hung"}},
                  404)["code"],
            "TaskNotFound");
  EXPECT_EQ(fault({{"action", "app-state"},
                   {"service", "arn:aws:ecs:eu-central-1:123456789012:service/sim/nope"},
                   {"state", "hung"}},
                  404)["code"],
            "ServiceNotFound");
}

TEST_F(EcsSimTest, StopTaskFaultStopsLikeStopTaskWithItsReason) {
  create_service({.desired = 2});
  const std::string arn = tasks()[0]["taskArn"];
  json r = fault({{"action", "stop-task"}, {"task", arn}});
  EXPECT_EQ(r["task"]["taskArn"], arn);
  EXPECT_EQ(r["task"]["desiredStatus"], "STOPPED");
  json t = task(arn);
  EXPECT_EQ(t["lastStatus"], "STOPPED");
  EXPECT_EQ(t["stopCode"], "UserInitiated");
  EXPECT_EQ(t["stoppedReason"], "Task stopped by zonesim fault");
  EXPECT_EQ(service()["runningCount"], 2);  // replaced
  EXPECT_EQ(fault({{"action", "stop-task"}, {"task", "not-an-arn"}}, 404)["code"], "TaskNotFound");
}

TEST_F(EcsSimTest, CrashedAppExitsWith137AndTheTaskStopsAsEssentialContainerExited) {
  logs("CreateLogGroup", {{"logGroupName", kLogGroup}});
  create_service({.desired = 1});
  const json t0 = tasks()[0];
  const std::string arn = t0["taskArn"];
  const std::string ip = ip_of(t0);
  fault({{"action", "app-state"}, {"task", arn}, {"state", "crash"}});
  const Millis crash = now();
  EXPECT_EQ(answer(ip).kind, AppAnswer::Kind::refused);
  EXPECT_EQ(task(arn)["lastStatus"], "RUNNING");
  advance(3'000);  // ecs.failure.crash_exit: 1-3 s
  json t = task(arn);
  ASSERT_EQ(t["lastStatus"], "STOPPED");
  EXPECT_EQ(t["stopCode"], "EssentialContainerExited");
  EXPECT_EQ(t["stoppedReason"], "Essential container in task exited");
  EXPECT_EQ(t["containers"][0]["exitCode"], 137);
  EXPECT_EQ(t["containers"][0]["lastStatus"], "STOPPED");
  const Millis exited = ms(t["executionStoppedAt"]);
  EXPECT_GE(exited - crash, 1'000);
  EXPECT_LE(exited - crash, 3'000);
  EXPECT_EQ(t["stoppingAt"], t["executionStoppedAt"]);
  EXPECT_EQ(service()["runningCount"], 1);                   // replaced
  EXPECT_EQ(service()["deployments"][0]["failedTasks"], 0);  // the deployment had completed
  auto lines = log_messages("ecs/app/" + id_of(arn));
  ASSERT_GE(lines.size(), 3u);
  EXPECT_EQ(lines.front(), "zonesim app: started from wordpress:latest, listening on port 80");
  EXPECT_EQ(lines[1], "zonesim app: crashing");
  EXPECT_EQ(lines.back(), "zonesim app: exited with code 137");
}

TEST_F(EcsSimTest, AwslogsStreamsGetTheContainersLinesOnlyWhenTheGroupExists) {
  create_service({.desired = 1});
  const std::string first = tasks()[0]["taskArn"];
  logs("CreateLogGroup", {{"logGroupName", kLogGroup}});
  ok("StopTask", {{"cluster", kCluster}, {"task", first}});
  const std::string second = tasks()[0]["taskArn"];
  ok("StopTask", {{"cluster", kCluster}, {"task", second}});
  json streams = logs("DescribeLogStreams", {{"logGroupName", kLogGroup}})["logStreams"];
  std::set<std::string> names;
  for (auto& s : streams) names.insert(s["logStreamName"]);
  // The first task started before the group existed: the driver had no stream to write its start
  // to, but it logs its shutdown once the group is there.
  EXPECT_EQ(log_messages("ecs/app/" + id_of(first)),
            std::vector<std::string>({"zonesim app: SIGTERM received, shutting down",
                                      "zonesim app: exited with code 0"}));
  EXPECT_EQ(
      log_messages("ecs/app/" + id_of(second)),
      std::vector<std::string>({"zonesim app: started from wordpress:latest, listening on port 80",
                                "zonesim app: SIGTERM received, shutting down",
                                "zonesim app: exited with code 0"}));
  EXPECT_EQ(names.count("ecs/app/" + id_of(second)), 1u);
}

TEST_F(EcsSimTest, StoppedTasksStayDescribableForAnHour) {
  create_service({.desired = 1});
  const std::string arn = tasks()[0]["taskArn"];
  ok("StopTask", {{"cluster", kCluster}, {"task", arn}});
  advance(3'599'999);
  EXPECT_EQ(task(arn)["lastStatus"], "STOPPED");
  advance(1);
  json r = ok("DescribeTasks", {{"cluster", kCluster}, {"tasks", {arn}}});
  EXPECT_TRUE(r["tasks"].empty());
  EXPECT_EQ(r["failures"][0]["reason"], "MISSING");
  EXPECT_EQ(service()["runningCount"], 1);
}

// --- target health -------------------------------------------------------------------------------

TEST_F(EcsSimTest, UnhealthyTargetsAreReplacedOnlyAfterTheGracePeriod) {
  const std::string tg = target_group(0);
  create_service({.desired = 1, .target_group = tg, .grace = 60});
  const json t0 = tasks()[0];
  const std::string arn = t0["taskArn"];
  const Millis started = ms(t0["startedAt"]);
  // The app answers 500: the first check comes within 30 s, the second 30 s later, so the target
  // is unhealthy before the grace period ends.
  fault({{"action", "app-state"}, {"task", arn}, {"state", "unhealthy"}});
  advance_to(started + 59'999);
  const Millis unhealthy = target_became(ip_of(t0), "unhealthy");
  EXPECT_GT(unhealthy, started);
  EXPECT_LT(unhealthy, started + 60'000);
  EXPECT_EQ(task(arn)["desiredStatus"], "RUNNING");  // inside the grace period
  advance_to(started + 60'000);
  json t = task(arn);
  EXPECT_EQ(t["desiredStatus"], "STOPPED");
  EXPECT_EQ(t["stopCode"], "ServiceSchedulerInitiated");
  EXPECT_TRUE(has_event(std::string(kServiceLabel) + " (port 80) is unhealthy in (target-group " +
                        tg + ") due to (reason Health checks failed with these codes: [500])."));
  // The replacement's own grace period protects it; a healthy report is no failure.
  json now_running = tasks();
  ASSERT_EQ(now_running.size(), 1u);
  const std::string next = now_running[0]["taskArn"];
  advance(150'000);  // five passing checks 30 s apart, the first within 30 s
  EXPECT_EQ(target_health(tg)[ip_of(now_running[0])], "healthy");
  EXPECT_EQ(task(next)["desiredStatus"], "RUNNING");
  EXPECT_EQ(service()["deployments"][0]["failedTasks"], 0);
}

TEST_F(EcsSimTest, CircuitBreakerFailsTheDeploymentAfterThreeFailedTasksAndRollsBack) {
  EXPECT_EQ(zonesim::ecs::circuit_breaker_threshold(1), 3);
  EXPECT_EQ(zonesim::ecs::circuit_breaker_threshold(7), 4);
  EXPECT_EQ(zonesim::ecs::circuit_breaker_threshold(1000), 200);
  const std::string tg = target_group(5);
  create_service({.desired = 2, .target_group = tg, .circuit_breaker = true});
  advance(150'000);  // the targets pass five checks 30 s apart and the deployment completes
  json s = service();
  const std::string td1 = s["taskDefinition"];
  const std::string first = s["deployments"][0]["id"];
  ASSERT_EQ(s["deployments"][0]["rolloutState"], "COMPLETED");
  const std::string td2 = register_td(task_definition("wordpress:broken"));
  ok("UpdateService", {{"cluster", kCluster}, {"service", kService}, {"taskDefinition", td2}});
  const std::string failing = service()["deployments"][0]["id"];
  // Every task of the new deployment answers 500 and fails its health checks.
  std::set<std::string> broken;
  for (int step = 0; step < 100 && service()["deployments"][0]["id"] == failing; ++step) {
    break_tasks_of(td2, broken);
    advance(1'000);
  }
  s = service();
  // The rollback (PRIMARY), the failed deployment, and the first one while its tasks drain.
  ASSERT_EQ(s["deployments"].size(), 3u) << s["deployments"].dump();
  const json& rollback = s["deployments"][0];
  const json& failed = s["deployments"][1];
  EXPECT_EQ(failed["id"], failing);
  EXPECT_EQ(failed["rolloutState"], "FAILED");
  EXPECT_EQ(failed["rolloutStateReason"], "ECS deployment circuit breaker: tasks failed to start.");
  EXPECT_EQ(failed["failedTasks"], 3);
  EXPECT_EQ(failed["status"], "ACTIVE");
  EXPECT_EQ(rollback["status"], "PRIMARY");
  EXPECT_EQ(rollback["taskDefinition"], td1);
  EXPECT_EQ(rollback["rolloutStateReason"],
            "ECS deployment circuit breaker: rolling back to deploymentId " + first + ".");
  EXPECT_EQ(s["taskDefinition"], td1);
  EXPECT_TRUE(has_event(std::string(kServiceLabel) + " (deployment " + failing +
                        ") deployment failed: tasks failed to start."));
  EXPECT_TRUE(has_event(std::string(kServiceLabel) + " rolling back to deployment " + first + "."));
  // The rollback's tasks pass five checks (within 150 s); then the others drain (5 s) and stop.
  advance(160'000);
  s = service();
  ASSERT_EQ(s["deployments"].size(), 1u);
  EXPECT_EQ(s["deployments"][0]["rolloutState"], "COMPLETED");
  EXPECT_EQ(s["runningCount"], 2);
  for (auto& t : tasks()) EXPECT_EQ(t["taskDefinitionArn"], td1);
  EXPECT_EQ(event_messages()[0], std::string(kServiceLabel) + " has reached a steady state.");
}

TEST_F(EcsSimTest, WithoutRollbackAFailedDeploymentStopsLaunching) {
  const std::string tg = target_group(5);
  json req_td = task_definition("wordpress:broken");
  create_service({.desired = 1, .target_group = tg});
  const std::string td1 = service()["taskDefinition"];
  ok("UpdateService", {{"cluster", kCluster},
                       {"service", kService},
                       {"taskDefinition", register_td(req_td)},
                       {"deploymentConfiguration",
                        {{"deploymentCircuitBreaker", {{"enable", true}, {"rollback", false}}}}}});
  const std::string td2 = service()["deployments"][0]["taskDefinition"];
  std::set<std::string> broken;
  for (int step = 0; step < 300 && service()["deployments"][0]["rolloutState"] == "IN_PROGRESS";
       ++step) {
    break_tasks_of(td2, broken);
    advance(1'000);
  }
  json s = service();
  EXPECT_EQ(s["deployments"][0]["rolloutState"], "FAILED");
  EXPECT_EQ(s["deployments"][0]["failedTasks"], 3);
  int new_tasks = 0;
  for (auto& t : tasks()) new_tasks += t["taskDefinitionArn"] == td2;
  EXPECT_EQ(new_tasks, 0);
  // The old task stays: minimumHealthyPercent keeps it until a new one is healthy, which none is.
  EXPECT_EQ(s["runningCount"], 1);
  EXPECT_EQ(s["pendingCount"], 0);
  EXPECT_TRUE(has_event(std::string(kServiceLabel) + " (deployment " +
                        s["deployments"][0]["id"].get<std::string>() +
                        ") deployment failed: tasks failed to start."));
  advance(600'000);  // and stays so
  json left = tasks();
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0]["taskDefinitionArn"], td1);
  EXPECT_EQ(service()["deployments"][0]["failedTasks"], 3);
}

// --- determinism ---------------------------------------------------------------------------------

TEST_F(EcsSimTest, SameSeedSameCallsSameTimeline) {
  auto run = [&] {
    start("realistic", 7);
    const std::string tg = target_group(10);
    create_service({.desired = 3, .target_group = tg, .rebalancing = "ENABLED"});
    advance(90'000);
    fail_zone(kZoneA, "power");
    advance(120'000);
    restore_zone(kZoneA);
    const std::string arn = tasks()[0]["taskArn"];
    fault({{"action", "app-state"}, {"task", arn}, {"state", "crash"}});
    advance(300'000);
    std::string out;
    for (auto& e : env().store.timeline(0, 0, 100000)) out += e.dump() + "\n";
    return out;
  };
  const std::string first = run();
  EXPECT_GT(first.size(), 1000u);
  EXPECT_EQ(first, run());
}

}  // namespace
