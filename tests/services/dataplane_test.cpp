// The ALB data plane in-process: real HTTP requests (Host header or /_zonesim/alb/<name>/ prefix)
// through the seed stack (tests/support/stack.hpp: ECS tasks in eu-central-1a and b behind the
// ALB, MySQL Multi-AZ), each status path of elbv2::route as an HTTP answer, and the metrics.
#include <map>
#include <set>

#include "tests/support/stack.hpp"

namespace {

using zonesim::json;
using zonesim::http::Request;
using zonesim::http::Response;
using zonesim::testing::Stack;
using zonesim::testing::StackTest;

constexpr const char* kLb = "resilience-platform-alb";
const std::string kEv = "&Version=2015-12-01";

class DataplaneTest : public StackTest {
 protected:
  void SetUp() override {
    StackTest::SetUp();
    if (realtime_speed_ > 0) {
      zonesim::Config c;
      c.clock_mode = "realtime";
      c.speed = realtime_speed_;
      app_ = std::make_unique<zonesim::App>(c, "", zonesim::testing::kTestEpoch);
    }
    s_ = build_stack();
    ASSERT_TRUE(run_until([&] { return count_state(s_, "healthy") == 2; }, 300));
    dns_ = xpath(ok_query("elasticloadbalancing",
                          "Action=DescribeLoadBalancers&Names.member.1=" + std::string(kLb) + kEv),
                 "//DNSName");
    ASSERT_FALSE(dns_.empty());
  }

  Response get(const std::string& host, const std::string& target = "/",
               const std::string& method = "GET") {
    Request r;
    r.method = method;
    r.target = target;
    r.headers = {{"host", host}, {"user-agent", "test"}};
    return app_->handle(r);
  }
  Response via_prefix(const std::string& path) {
    Request r;
    r.method = "GET";
    r.target = std::string("/_zonesim/alb/") + kLb + path;
    r.headers = {{"host", "127.0.0.1:4566"}};
    return app_->handle(r);
  }
  static std::string header(const Response& r, const std::string& name) {
    for (auto& [k, v] : r.headers)
      if (k == name) return v;
    return "";
  }
  // Task ARN -> zone of the running tasks.
  std::map<std::string, std::string> task_zones() {
    std::map<std::string, std::string> out;
    for (auto& t : tasks(s_)) out[t["taskArn"]] = t["availabilityZone"];
    return out;
  }
  json fault(const json& body) { return ok_control("POST", "/_zonesim/faults", body); }
  std::string first_task() { return task_zones().begin()->first; }
  json metrics() {
    return ok_control("GET", std::string("/_zonesim/metrics?load_balancer=") + kLb);
  }

  // A rule on the seed's listener: `conditions_and_actions` are the encoded Conditions/Actions.
  void rule(int priority, const std::string& conditions_and_actions) {
    ok_query("elasticloadbalancing", "Action=CreateRule&ListenerArn=" + enc(s_.listener) +
                                         "&Priority=" + std::to_string(priority) +
                                         conditions_and_actions + kEv);
  }
  static std::string path_condition(const std::string& pattern) {
    return "&Conditions.member.1.Field=path-pattern&Conditions.member.1.PathPatternConfig.Values."
           "member.1=" +
           enc(pattern);
  }
  std::string target_group(const std::string& name, const std::string& extra = "") {
    return xpath(ok_query("elasticloadbalancing",
                          "Action=CreateTargetGroup&Name=" + name +
                              "&Port=80&Protocol=HTTP&TargetType=ip&VpcId=" + s_.vpc + extra + kEv),
                 "//TargetGroupArn");
  }

  Stack s_;
  std::string dns_;
  double realtime_speed_ = 0;  // > 0: a realtime clock at this speed (sim time moves by advance())
};

class DataplaneRealtimeTest : public DataplaneTest {
 protected:
  DataplaneRealtimeTest() { realtime_speed_ = 4; }
};

TEST_F(DataplaneTest, HostHeaderReachesTasksInBothZonesRoundRobin) {
  auto zones = task_zones();
  ASSERT_EQ(zones.size(), 2u);
  std::vector<std::string> seen_tasks;
  std::set<std::string> seen_zones;
  for (int i = 0; i < 6; ++i) {
    auto r = get(dns_);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.content_type, "application/json");
    json body = json::parse(r.body);
    std::string task = body["task"];
    ASSERT_TRUE(zones.count(task)) << r.body;
    EXPECT_EQ(body["zone"], zones[task]);  // the task's own zone
    EXPECT_EQ(body["path"], "/");
    EXPECT_EQ(body["port"], 80);
    EXPECT_TRUE(body["ip"].get<std::string>().rfind("10.0.", 0) == 0) << r.body;
    // The trace id the load balancer forwarded, echoed by the app.
    std::string trace = header(r, "X-Amzn-Trace-Id");
    EXPECT_EQ(trace.rfind("Root=1-", 0), 0u) << trace;
    EXPECT_EQ(body["trace_id"], trace);
    seen_tasks.push_back(task);
    seen_zones.insert(body["zone"]);
  }
  EXPECT_EQ(seen_zones.size(), 2u);
  // Round robin: consecutive requests never hit the same task.
  for (std::size_t i = 1; i < seen_tasks.size(); ++i) EXPECT_NE(seen_tasks[i], seen_tasks[i - 1]);

  // The same load balancer by its .localhost alias, with the port, in capitals, fully qualified.
  std::string alias = dns_.substr(0, dns_.find(".elb.")) + ".elb.localhost";
  json listener = ok_control("GET", "/_zonesim/listeners")["listeners"][0];
  EXPECT_EQ(listener["local_dns_name"], alias);
  EXPECT_EQ(listener["dns_name"], dns_);
  EXPECT_EQ(listener["path_prefix"], std::string("/_zonesim/alb/") + kLb + "/");
  EXPECT_TRUE(listener["local_port"].is_null());
  // With a port where the load balancer has no listener (zonesim's own, as in
  // http://<alias>:4566/): the listener on 80.
  for (const std::string& host : {alias, alias + ":4566", dns_ + ":80", dns_ + ".",
                                  std::string("RESILIENCE-") + dns_.substr(11)})
    EXPECT_EQ(get(host).status, 200) << host;
  // A client's trace id is kept, with the load balancer's Self field added.
  Request r;
  r.target = "/";
  r.method = "GET";
  r.headers = {{"host", dns_}, {"x-amzn-trace-id", "Root=1-67891233-abcdef012345678912345678"}};
  std::string trace = header(app_->handle(r), "X-Amzn-Trace-Id");
  EXPECT_EQ(trace.rfind("Self=1-", 0), 0u) << trace;
  EXPECT_NE(trace.find(";Root=1-67891233-abcdef012345678912345678"), std::string::npos) << trace;
  // HEAD: the status without a body.
  auto head = get(dns_, "/", "HEAD");
  EXPECT_EQ(head.status, 200);
  EXPECT_TRUE(head.body.empty());
}

TEST_F(DataplaneTest, PathPrefixAddressesTheLoadBalancerByName) {
  auto r = via_prefix("/wp-login.php?x=1");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body)["path"], "/wp-login.php");
  EXPECT_EQ(via_prefix("").status, 200);
  EXPECT_EQ(json::parse(via_prefix("?a=b").body)["path"], "/");
  // No listener on 8080: connection refused, i.e. no answer at all.
  EXPECT_TRUE(
      app_->handle(Request{"GET", std::string("/_zonesim/alb/") + kLb + ":8080/", {}, "", ""})
          .drop_connection);
  auto missing = app_->handle(Request{"GET", "/_zonesim/alb/nope/", {}, "", ""});
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(json::parse(missing.body)["error"]["code"], "LoadBalancerNotFound");
  auto bad_port =
      app_->handle(Request{"GET", std::string("/_zonesim/alb/") + kLb + ":x/", {}, "", ""});
  EXPECT_EQ(bad_port.status, 400);
}

TEST_F(DataplaneTest, UnknownHostsFallThroughToTheAwsApis) {
  // An unsigned request for a host that is no load balancer: the AWS API's answer, as before.
  auto r = get("nothing-1.eu-central-1.elb.amazonaws.com");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(error_code(r), "MissingAuthenticationToken");
  EXPECT_EQ(get("foo.localhost").status, 403);
  EXPECT_EQ(get("127.0.0.1:4566").status, 403);
  // Signed API calls whatever their Host.
  Request api;
  api.headers = {{"host", "127.0.0.1:4566"},
                 {"authorization", auth("sts")},
                 {"content-type", "application/x-www-form-urlencoded"}};
  api.body = "Action=GetCallerIdentity&Version=2011-06-15";
  EXPECT_EQ(app_->handle(api).status, 200);
}

TEST_F(DataplaneTest, NoRegisteredTargetsIs503FromTheLoadBalancer) {
  std::string empty = target_group("empty-tg");
  rule(10, path_condition("/empty*") +
               "&Actions.member.1.Type=forward&Actions.member.1.TargetGroupArn=" + enc(empty));
  auto r = get(dns_, "/empty/x");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(header(r, "Server"), "awselb/2.0");
  EXPECT_EQ(r.content_type, "text/html");
  EXPECT_NE(r.body.find("<title>503 Service Temporarily Unavailable</title>"), std::string::npos);
  EXPECT_EQ(get(dns_, "/other").status, 200);  // the default action still forwards
}

TEST_F(DataplaneTest, ACrashedTargetIs502UntilHealthChecksTakeItOut) {
  std::string crashed = first_task();
  fault({{"action", "app-state"}, {"task", crashed}, {"state", "crash"}});
  std::map<int, int> statuses;
  for (int i = 0; i < 10; ++i) {
    auto r = get(dns_);
    ++statuses[r.status];
    if (r.status == 502) {
      EXPECT_EQ(header(r, "Server"), "awselb/2.0");
      EXPECT_NE(r.body.find("502 Bad Gateway"), std::string::npos);
    } else {
      EXPECT_NE(json::parse(r.body)["task"], crashed);
    }
  }
  // Still registered as healthy: every other request reaches the dead task.
  EXPECT_EQ(count_state(s_, "healthy"), 2u);
  EXPECT_EQ(statuses[502], 5);
  EXPECT_EQ(statuses[200], 5);
  // Three failed checks (30 s apart) later the target is out of rotation: only 200s.
  ASSERT_TRUE(run_until([&] { return count_state(s_, "healthy") < 2; }, 120));
  for (int i = 0; i < 6; ++i) EXPECT_EQ(get(dns_).status, 200);
}

TEST_F(DataplaneTest, AHungTargetIs504AfterTheIdleTimeout) {
  std::string hung = first_task();
  fault({{"action", "app-state"}, {"task", hung}, {"state", "hung"}});
  int timeouts = 0;
  for (int i = 0; i < 4; ++i) {
    auto r = get(dns_);
    if (r.status == 504) {
      ++timeouts;
      EXPECT_NE(r.body.find("504 Gateway Time-out"), std::string::npos);
      EXPECT_EQ(header(r, "Server"), "awselb/2.0");
      EXPECT_EQ(r.delay_ms, 0);  // manual clock: answered at the current sim time
    } else {
      EXPECT_EQ(r.status, 200);
    }
  }
  EXPECT_EQ(timeouts, 2);
  // Counted as the load balancer's 504s; the target's counts hold the 200s only.
  json m = metrics();
  EXPECT_EQ(m["totals"]["HTTPCode_ELB_504_Count"], 2);
  EXPECT_EQ(m["totals"]["HTTPCode_Target_2XX_Count"], 2);
}

TEST_F(DataplaneTest, EveryTargetUnhealthyFailsOpen) {
  // A second group on the same tasks whose matcher no app satisfies: both targets end unhealthy,
  // and ECS does not replace tasks for a group its service does not use.
  std::string strict = target_group("strict-tg",
                                    "&HealthCheckIntervalSeconds=10&HealthyThresholdCount=2"
                                    "&UnhealthyThresholdCount=2&Matcher.HttpCode=418");
  std::string reg = "Action=RegisterTargets&TargetGroupArn=" + enc(strict);
  int n = 1;
  for (auto& [ip, state] : target_states(s_))
    reg += "&Targets.member." + std::to_string(n++) + ".Id=" + ip;
  ok_query("elasticloadbalancing", reg + kEv);
  rule(5, path_condition("/strict*") +
              "&Actions.member.1.Type=forward&Actions.member.1.TargetGroupArn=" + enc(strict));
  auto unhealthy = [&] {
    auto r = ok_query("elasticloadbalancing",
                      "Action=DescribeTargetHealth&TargetGroupArn=" + enc(strict) + kEv);
    pugi::xml_document doc;
    doc.load_string(r.body.c_str());
    std::size_t k = 0;
    for (auto x : doc.select_nodes("//TargetHealth/State"))
      k += std::string(x.node().text().as_string()) == "unhealthy";
    return k == 2;
  };
  ASSERT_TRUE(run_until(unhealthy, 120));
  std::set<std::string> tasks_seen;
  for (int i = 0; i < 4; ++i) {
    auto r = get(dns_, "/strict");
    ASSERT_EQ(r.status, 200) << r.body;  // fail-open: the apps answer
    tasks_seen.insert(json::parse(r.body)["task"].get<std::string>());
  }
  EXPECT_EQ(tasks_seen.size(), 2u);
  json m = metrics();
  bool found = false;
  for (auto& g : m["target_groups"])
    if (g["target_group"] == "strict-tg") {
      found = true;
      EXPECT_EQ(g["UnHealthyHostCount"]["eu-central-1a"], 1);
      EXPECT_EQ(g["UnHealthyHostCount"]["eu-central-1b"], 1);
      EXPECT_EQ(g["HealthyHostCount"]["eu-central-1a"], 0);
    }
  EXPECT_TRUE(found) << m.dump();
}

TEST_F(DataplaneTest, FixedResponsesAndRedirectsComeFromTheLoadBalancer) {
  rule(1, path_condition("/teapot") +
              "&Actions.member.1.Type=fixed-response&Actions.member.1.FixedResponseConfig."
              "StatusCode=418&Actions.member.1.FixedResponseConfig.ContentType=text%2Fplain"
              "&Actions.member.1.FixedResponseConfig.MessageBody=short+and+stout");
  rule(2, path_condition("/old/*") +
              "&Actions.member.1.Type=redirect&Actions.member.1.RedirectConfig.StatusCode=HTTP_302"
              "&Actions.member.1.RedirectConfig.Path=%2Fnew%2F%23%7Bpath%7D");
  auto t = get(dns_, "/teapot");
  EXPECT_EQ(t.status, 418);
  EXPECT_EQ(t.content_type, "text/plain");
  EXPECT_EQ(t.body, "short and stout");
  EXPECT_EQ(header(t, "Server"), "awselb/2.0");
  auto r = get(dns_, "/old/page?q=1");
  EXPECT_EQ(r.status, 302);
  EXPECT_EQ(header(r, "Location"), "http://" + dns_ + ":80/new/old/page?q=1");
  EXPECT_EQ(header(r, "Server"), "awselb/2.0");
  // A second listener, reached by the port in the Host header or after the name in the prefix.
  ok_query("elasticloadbalancing",
           "Action=CreateListener&LoadBalancerArn=" + enc(s_.load_balancer) +
               "&Port=8080&Protocol=HTTP&DefaultActions.member.1.Type=fixed-response"
               "&DefaultActions.member.1.FixedResponseConfig.StatusCode=503" +
               kEv);
  auto other = get(dns_ + ":8080");
  EXPECT_EQ(other.status, 503);
  EXPECT_TRUE(other.body.empty());
  EXPECT_EQ(via_prefix(":8080/").status, 503);
  json m = metrics()["totals"];
  EXPECT_EQ(m["HTTP_Fixed_Response_Count"], 3);
  EXPECT_EQ(m["HTTPCode_ELB_5XX_Count"], 2);
  EXPECT_EQ(m["HTTP_Redirect_Count"], 1);
  EXPECT_EQ(m["HTTPCode_ELB_4XX_Count"], 1);
  EXPECT_EQ(m["HTTPCode_ELB_3XX_Count"], 1);
  EXPECT_FALSE(m.contains("HTTPCode_Target_2XX_Count"));
}

TEST_F(DataplaneTest, AnUnreachableLoadBalancerClosesTheConnection) {
  ok_control("POST", "/_zonesim/zones/eu-central-1a/fail", {{"kind", "power"}});
  ok_control("POST", "/_zonesim/zones/eu-central-1b/fail", {{"kind", "power"}});
  auto r = get(dns_);
  EXPECT_TRUE(r.drop_connection);
  EXPECT_NE(r.operation.find("down"), std::string::npos) << r.operation;
  EXPECT_FALSE(metrics()["totals"].contains("RequestCount"));  // never reached the ALB
}

TEST_F(DataplaneTest, MetricsAgreeWithTheResponsesPerZoneAndMinute) {
  std::string crashed = first_task();
  fault({{"action", "app-state"}, {"task", crashed}, {"state", "crash"}});
  std::map<int, int> statuses;
  std::map<std::string, int> by_node_zone;
  for (int i = 0; i < 40; ++i) {
    auto r = get(dns_);
    ++statuses[r.status];
    if (r.status == 200) ++by_node_zone[json::parse(r.body)["load_balancer_node_zone"]];
  }
  advance(60);  // the next minute
  for (int i = 0; i < 7; ++i) ++statuses[get(dns_).status];
  json m = metrics();
  json totals = m["totals"];
  EXPECT_EQ(totals["RequestCount"], 47);
  EXPECT_EQ(totals["HTTPCode_Target_2XX_Count"], statuses[200]);
  EXPECT_EQ(totals["HTTPCode_ELB_502_Count"], statuses[502]);
  EXPECT_EQ(totals["HTTPCode_ELB_5XX_Count"], statuses[502]);
  EXPECT_GT(statuses[502], 0);
  EXPECT_EQ(statuses[200] + statuses[502], 47);
  EXPECT_EQ(totals["TargetResponseTime"], 0.0);  // no degraded zone
  // Datapoints: by minute, target group and the zone of the node that took the request.
  std::int64_t requests = 0, first_minute = 0;
  std::map<std::string, std::int64_t> ok_by_zone;
  std::set<std::int64_t> minutes;
  for (auto& d : m["datapoints"]) {
    EXPECT_EQ(d["target_group"], "resilience-platform-tg");
    requests += d.value("RequestCount", 0);
    minutes.insert(d["timestamp_ms"].get<std::int64_t>());
    if (d["timestamp_ms"] == *minutes.begin()) first_minute += d.value("RequestCount", 0);
    if (minutes.size() == 1)
      ok_by_zone[d["availability_zone"]] += d.value("HTTPCode_Target_2XX_Count", 0);
    EXPECT_EQ(d["timestamp_ms"].get<std::int64_t>() % 60000, 0);
    if (d.contains("HealthyHostCount")) {
      EXPECT_EQ(d["HealthyHostCount"], 1) << d.dump();
    }
  }
  EXPECT_EQ(requests, 47);
  EXPECT_EQ(minutes.size(), 2u);
  EXPECT_EQ(first_minute, 40);
  for (auto& [zone, n] : by_node_zone) EXPECT_EQ(ok_by_zone[zone], n) << zone;
  // Runtime data: reset clears it.
  ok_control("POST", "/_zonesim/reset");
  EXPECT_EQ(control("GET", std::string("/_zonesim/metrics?load_balancer=") + kLb).status, 404);
  EXPECT_EQ(control("GET", "/_zonesim/metrics").status, 400);
}

TEST_F(DataplaneRealtimeTest, LatencyOfADegradedZoneDelaysTheAnswerBySimTimeOverSpeed) {
  ok_control("POST", "/_zonesim/zones/eu-central-1b/fail",
             {{"kind", "degraded"}, {"latency_ms", 200}, {"loss_rate", 0}});
  std::set<double> delays;
  for (int i = 0; i < 12; ++i) {
    auto r = get(dns_);
    ASSERT_EQ(r.status, 200) << r.body;
    json body = json::parse(r.body);
    // Each crossing into eu-central-1b adds 200 ms: client -> node b, or node a -> target b.
    bool node_b = body["load_balancer_node_zone"] == "eu-central-1b";
    bool target_b = body["zone"] == "eu-central-1b";
    double latency = (node_b ? 200 : 0) + (target_b && !node_b ? 200 : 0);
    EXPECT_DOUBLE_EQ(r.delay_ms, latency / 4) << body.dump();
    delays.insert(r.delay_ms);
  }
  EXPECT_TRUE(delays.count(50.0));  // sim 200 ms at speed 4
  EXPECT_GT(metrics()["totals"]["TargetResponseTime"].get<double>(), 0.0);
}

}  // namespace
