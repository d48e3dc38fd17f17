// ECS through the whole request pipeline: clusters, task definitions, services, tasks, the task
// lifecycle and the service scheduler, against a seeded network (two zones, four subnets).
#include <regex>
#include <set>

#include "tests/support/app_fixture.hpp"
#include "tests/support/seed.hpp"

using zonesim::json;
using zonesim::testing::AppTest;

namespace {

const char* const kScope = "123456789012/eu-central-1";
const char* const kSubnetA = "subnet-0000000000000000a";  // 10.0.1.0/24, eu-central-1a
const char* const kSubnetB = "subnet-0000000000000000b";  // 10.0.2.0/24, eu-central-1b
const char* const kSubnetC = "subnet-0000000000000000c";  // 10.0.3.0/24, eu-central-1a
const char* const kSecurityGroup = "sg-0000000000000000b";
const char* const kClusterArn =
    "arn:aws:ecs:eu-central-1:123456789012:cluster/resilience-platform-cluster";

struct Resp {
  int status;
  json body;
  std::string error() const { return body.value("__type", ""); }
  std::string message() const { return body.value("message", ""); }
};

// The seed stack's container definitions, as the Terraform provider sends them.
json seed_containers() {
  return json::parse(R"([{
    "environment": [
      {"name": "WORDPRESS_DB_HOST", "value": "db.example.internal:3306"},
      {"name": "WORDPRESS_DB_USER", "value": "admin"},
      {"name": "WORDPRESS_DB_PASSWORD", "value": "secret"},
      {"name": "WORDPRESS_DB_NAME", "value": "wordpress"}],
    "essential": true,
    "image": "wordpress:latest",
    "logConfiguration": {"logDriver": "awslogs", "options": {
      "awslogs-group": "/ecs/resilience-platform", "awslogs-region": "eu-central-1",
      "awslogs-stream-prefix": "ecs"}},
    "name": "app",
    "portMappings": [{"containerPort": 80, "protocol": "tcp"}]}])");
}

json seed_task_definition(const std::string& image = "wordpress:latest") {
  json containers = seed_containers();
  containers[0]["image"] = image;
  return {
      {"family", "resilience-platform-task"},
      {"networkMode", "awsvpc"},
      {"requiresCompatibilities", {"FARGATE"}},
      {"cpu", "512"},
      {"memory", "1024"},
      {"executionRoleArn", "arn:aws:iam::123456789012:role/resilience-platform-ecs-task-execution"},
      {"containerDefinitions", containers}};
}

class EcsTest : public AppTest {
 protected:
  void SetUp() override {
    AppTest::SetUp();
    zonesim::testing::seed_network(*app_);
  }

  // A fresh zonesim with the given timing profile (and the seeded network).
  void restart(const std::string& timing) {
    zonesim::Config c;
    c.seed = 1;
    c.timing = timing;
    app_ = std::make_unique<zonesim::App>(c, "", zonesim::testing::kTestEpoch);
    zonesim::testing::seed_network(*app_);
  }

  Resp ecs(const std::string& op, const json& body) {
    auto r = json_call("ecs", "AmazonEC2ContainerServiceV20141113." + op, body.dump());
    return {r.status, json::parse(r.body)};
  }
  json ok(const std::string& op, const json& body) {
    Resp r = ecs(op, body);
    EXPECT_EQ(r.status, 200) << op << ": " << r.body.dump();
    return r.body;
  }

  std::string create_cluster() {
    json c = ok("CreateCluster", {{"clusterName", "resilience-platform-cluster"}});
    ok("PutClusterCapacityProviders", {{"cluster", "resilience-platform-cluster"},
                                       {"capacityProviders", {"FARGATE", "FARGATE_SPOT"}},
                                       {"defaultCapacityProviderStrategy", json::array()}});
    return c["cluster"]["clusterArn"];
  }
  std::string register_td(const json& td = seed_task_definition()) {
    return ok("RegisterTaskDefinition", td)["taskDefinition"]["taskDefinitionArn"];
  }
  json service_request(const std::string& td_arn, int desired,
                       json subnets = json::array({kSubnetA, kSubnetB})) {
    return {{"cluster", kClusterArn},
            {"serviceName", "resilience-platform-service"},
            {"taskDefinition", td_arn},
            {"desiredCount", desired},
            {"launchType", "FARGATE"},
            {"healthCheckGracePeriodSeconds", 60},
            {"availabilityZoneRebalancing", "DISABLED"},
            {"capacityProviderStrategy", json::array()},
            {"vpcLatticeConfigurations", json::array()},
            {"schedulingStrategy", "REPLICA"},
            {"clientToken", "terraform-20260101000000000000000001"},
            {"deploymentConfiguration", {{"maximumPercent", 200}, {"minimumHealthyPercent", 50}}},
            {"networkConfiguration",
             {{"awsvpcConfiguration",
               {{"subnets", subnets},
                {"securityGroups", {kSecurityGroup}},
                {"assignPublicIp", "ENABLED"}}}}}};
  }
  json create_service(int desired, json subnets = json::array({kSubnetA, kSubnetB})) {
    create_cluster();
    return ok("CreateService", service_request(register_td(), desired, subnets))["service"];
  }
  json describe_service(const std::string& name = "resilience-platform-service") {
    json r = ok("DescribeServices",
                {{"cluster", kClusterArn}, {"services", {name}}, {"include", {"TAGS"}}});
    EXPECT_EQ(r["services"].size(), 1u) << r.dump();
    return r["services"].empty() ? json() : r["services"][0];
  }
  json tasks(const json& list_filter) {
    json filter = list_filter;
    filter["cluster"] = kClusterArn;
    json arns = ok("ListTasks", filter)["taskArns"];
    if (arns.empty()) return json::array();
    return ok("DescribeTasks", {{"cluster", kClusterArn}, {"tasks", arns}})["tasks"];
  }
  json running_service_tasks() { return tasks({{"serviceName", "resilience-platform-service"}}); }

  static std::string detail(const json& task, const std::string& name) {
    for (auto& d : task["attachments"][0]["details"])
      if (d["name"] == name) return d["value"];
    return "";
  }
  std::size_t eni_count() { return app_->env().store.count(kScope, "network-interface"); }
};

// --- clusters ------------------------------------------------------------------------------------

TEST_F(EcsTest, CreateClusterDefaultsAndDescribeByNameOrArn) {
  json c = ok("CreateCluster", json::object())["cluster"];
  EXPECT_EQ(c["clusterName"], "default");
  EXPECT_EQ(c["clusterArn"], "arn:aws:ecs:eu-central-1:123456789012:cluster/default");
  EXPECT_EQ(c["status"], "ACTIVE");
  EXPECT_EQ(c["settings"], json::parse(R"([{"name":"containerInsights","value":"disabled"}])"));
  EXPECT_EQ(c["capacityProviders"], json::array());
  EXPECT_EQ(c["activeServicesCount"], 0);

  std::string arn = create_cluster();
  for (const std::string& ref : {arn, std::string("resilience-platform-cluster")}) {
    json r = ok("DescribeClusters",
                {{"clusters", {ref}}, {"include", {"TAGS", "CONFIGURATIONS", "SETTINGS"}}});
    ASSERT_EQ(r["clusters"].size(), 1u);
    json cl = r["clusters"][0];
    EXPECT_EQ(cl["clusterArn"], arn);
    EXPECT_EQ(cl["status"], "ACTIVE");
    EXPECT_EQ(cl["capacityProviders"], json({"FARGATE", "FARGATE_SPOT"}));
    EXPECT_EQ(cl["defaultCapacityProviderStrategy"], json::array());
    EXPECT_TRUE(cl.contains("settings"));
    EXPECT_FALSE(cl.contains("configuration"));  // none was set
  }
  // Without include, settings and tags are left out; a missing cluster is a failure, not an
  // error.
  json r = ok("DescribeClusters", {{"clusters", {"resilience-platform-cluster", "nope"}}});
  EXPECT_FALSE(r["clusters"][0].contains("settings"));
  EXPECT_FALSE(r["clusters"][0].contains("tags"));
  ASSERT_EQ(r["failures"].size(), 1u);
  EXPECT_EQ(r["failures"][0]["arn"], "arn:aws:ecs:eu-central-1:123456789012:cluster/nope");
  EXPECT_EQ(r["failures"][0]["reason"], "MISSING");

  json list = ok("ListClusters", json::object());
  EXPECT_EQ(list["clusterArns"].size(), 2u);
}

TEST_F(EcsTest, UpdateClusterAndItsSettings) {
  ok("CreateCluster", {{"clusterName", "c1"},
                       {"tags", {{{"key", "team"}, {"value", "sre"}}}},
                       {"settings", {{{"name", "containerInsights"}, {"value", "enabled"}}}}});
  json c = ok("UpdateClusterSettings",
              {{"cluster", "c1"},
               {"settings", {{{"name", "containerInsights"}, {"value", "enhanced"}}}}})["cluster"];
  EXPECT_EQ(c["settings"], json::parse(R"([{"name":"containerInsights","value":"enhanced"}])"));
  c = ok(
      "UpdateCluster",
      {{"cluster", "arn:aws:ecs:eu-central-1:123456789012:cluster/c1"},
       {"configuration", {{"executeCommandConfiguration", {{"logging", "DEFAULT"}}}}}})["cluster"];
  EXPECT_EQ(c["configuration"]["executeCommandConfiguration"]["logging"], "DEFAULT");
  EXPECT_EQ(c["settings"][0]["value"], "enhanced");
  json d = ok("DescribeClusters",
              {{"clusters", {"c1"}}, {"include", {"CONFIGURATIONS", "TAGS"}}})["clusters"][0];
  EXPECT_EQ(d["configuration"], c["configuration"]);
  EXPECT_EQ(d["tags"], json::parse(R"([{"key":"team","value":"sre"}])"));
  EXPECT_EQ(ecs("UpdateClusterSettings",
                {{"cluster", "nope"},
                 {"settings", {{{"name", "containerInsights"}, {"value", "enabled"}}}}})
                .error(),
            "ClusterNotFoundException");
  // CreateCluster of an existing ACTIVE name answers the existing cluster.
  EXPECT_EQ(ok("CreateCluster", {{"clusterName", "c1"}})["cluster"]["settings"][0]["value"],
            "enhanced");
}

TEST_F(EcsTest, ClusterStatisticsOnlyWhenIncluded) {
  create_service(2);
  json plain = ok("DescribeClusters", {{"clusters", {kClusterArn}}})["clusters"][0];
  EXPECT_EQ(plain["statistics"], json::array());
  EXPECT_EQ(plain["runningTasksCount"], 2);
  EXPECT_EQ(plain["activeServicesCount"], 1);
  json full = ok("DescribeClusters",
                 {{"clusters", {kClusterArn}}, {"include", {"STATISTICS"}}})["clusters"][0];
  bool found = false;
  for (auto& s : full["statistics"])
    if (s["name"] == "runningFargateTasksCount") found = s["value"] == "2";
  EXPECT_TRUE(found) << full["statistics"].dump();
}

TEST_F(EcsTest, CapacityProvidersAreValidatedAndClusterStaysActive) {
  create_cluster();
  Resp bad =
      ecs("PutClusterCapacityProviders", {{"cluster", "resilience-platform-cluster"},
                                          {"capacityProviders", {"my-asg-provider"}},
                                          {"defaultCapacityProviderStrategy", json::array()}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.error(), "InvalidParameterException");
  Resp outside = ecs("PutClusterCapacityProviders",
                     {{"cluster", "resilience-platform-cluster"},
                      {"capacityProviders", {"FARGATE"}},
                      {"defaultCapacityProviderStrategy",
                       {{{"capacityProvider", "FARGATE_SPOT"}, {"weight", 1}}}}});
  EXPECT_EQ(outside.error(), "InvalidParameterException");
  json c = ok("PutClusterCapacityProviders",
              {{"cluster", "resilience-platform-cluster"},
               {"capacityProviders", {"FARGATE"}},
               {"defaultCapacityProviderStrategy",
                {{{"capacityProvider", "FARGATE"}, {"weight", 1}}}}})["cluster"];
  EXPECT_EQ(c["status"], "ACTIVE");
  EXPECT_EQ(c["defaultCapacityProviderStrategy"],
            json::parse(R"([{"capacityProvider":"FARGATE","weight":1,"base":0}])"));
  c = ok("PutClusterCapacityProviders",
         {{"cluster", "resilience-platform-cluster"},
          {"capacityProviders", json::array()},
          {"defaultCapacityProviderStrategy", json::array()}})["cluster"];
  EXPECT_EQ(c["status"], "ACTIVE");
  EXPECT_EQ(c["capacityProviders"], json::array());
  Resp missing =
      ecs("PutClusterCapacityProviders", {{"cluster", "nope"},
                                          {"capacityProviders", json::array()},
                                          {"defaultCapacityProviderStrategy", json::array()}});
  EXPECT_EQ(missing.error(), "ClusterNotFoundException");
  EXPECT_EQ(missing.message(), "Cluster not found.");
}

TEST_F(EcsTest, CapacityProviderUsedByAServiceCannotBeRemoved) {
  create_cluster();
  json req = service_request(register_td(), 1);
  req.erase("launchType");
  req["capacityProviderStrategy"] = {{{"capacityProvider", "FARGATE_SPOT"}, {"weight", 1}}};
  json svc = ok("CreateService", req)["service"];
  EXPECT_FALSE(svc.contains("launchType"));
  json t = running_service_tasks();
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0]["capacityProviderName"], "FARGATE_SPOT");
  EXPECT_EQ(t[0]["launchType"], "FARGATE");
  Resp r = ecs("PutClusterCapacityProviders", {{"cluster", "resilience-platform-cluster"},
                                               {"capacityProviders", {"FARGATE"}},
                                               {"defaultCapacityProviderStrategy", json::array()}});
  EXPECT_EQ(r.error(), "ResourceInUseException");
  EXPECT_EQ(r.message(), "The specified capacity provider is in use and cannot be removed.");
}

TEST_F(EcsTest, DeleteClusterNeedsNoServicesOrTasksThenIsInactive) {
  create_service(1);
  Resp r = ecs("DeleteCluster", {{"cluster", kClusterArn}});
  EXPECT_EQ(r.error(), "ClusterContainsServicesException");
  ok("UpdateService",
     {{"cluster", kClusterArn}, {"service", "resilience-platform-service"}, {"desiredCount", 0}});
  ok("DeleteService", {{"cluster", kClusterArn}, {"service", "resilience-platform-service"}});
  ok("RunTask", {{"cluster", kClusterArn},
                 {"taskDefinition", "resilience-platform-task"},
                 {"launchType", "FARGATE"},
                 {"networkConfiguration", {{"awsvpcConfiguration", {{"subnets", {kSubnetA}}}}}}});
  r = ecs("DeleteCluster", {{"cluster", kClusterArn}});
  EXPECT_EQ(r.error(), "ClusterContainsTasksException");
  for (auto& t : tasks(json::object()))
    ok("StopTask", {{"cluster", kClusterArn}, {"task", t["taskArn"]}});
  json c = ok("DeleteCluster", {{"cluster", kClusterArn}})["cluster"];
  EXPECT_EQ(c["status"], "INACTIVE");
  json d = ok("DescribeClusters", {{"clusters", {kClusterArn}}});
  ASSERT_EQ(d["clusters"].size(), 1u);
  EXPECT_EQ(d["clusters"][0]["status"], "INACTIVE");
  EXPECT_TRUE(ok("ListClusters", json::object())["clusterArns"].empty());
  EXPECT_EQ(ecs("DeleteCluster", {{"cluster", kClusterArn}}).error(), "ClusterNotFoundException");
}

// --- task definitions ----------------------------------------------------------------------------

TEST_F(EcsTest, SeedTaskDefinitionRoundTripsWithOnlyEcsDefaultsAdded) {
  json out = ok("RegisterTaskDefinition", seed_task_definition());
  json td = out["taskDefinition"];
  EXPECT_EQ(td["taskDefinitionArn"],
            "arn:aws:ecs:eu-central-1:123456789012:task-definition/resilience-platform-task:1");
  EXPECT_EQ(td["revision"], 1);
  EXPECT_EQ(td["status"], "ACTIVE");
  EXPECT_EQ(td["cpu"], "512");
  EXPECT_EQ(td["memory"], "1024");
  EXPECT_EQ(td["networkMode"], "awsvpc");
  EXPECT_EQ(td["requiresCompatibilities"], json({"FARGATE"}));
  EXPECT_EQ(td["compatibilities"], json({"EC2", "FARGATE"}));
  EXPECT_EQ(td["registeredBy"], "arn:aws:iam::123456789012:root");

  json expected = seed_containers();
  expected[0]["cpu"] = 0;
  expected[0]["portMappings"][0]["hostPort"] = 80;
  expected[0]["mountPoints"] = json::array();
  expected[0]["volumesFrom"] = json::array();
  expected[0]["systemControls"] = json::array();
  EXPECT_EQ(td["containerDefinitions"], expected);

  json described = ok("DescribeTaskDefinition",
                      {{"taskDefinition", td["taskDefinitionArn"]}, {"include", {"TAGS"}}});
  EXPECT_EQ(described["taskDefinition"]["containerDefinitions"], expected);
  EXPECT_EQ(described["tags"], json::array());
  EXPECT_FALSE(ok("DescribeTaskDefinition", {{"taskDefinition", "resilience-platform-task:1"}})
                   .contains("tags"));
}

TEST_F(EcsTest, DefaultsAreAddedOnlyWhereMissing) {
  json td = seed_task_definition();
  td["containerDefinitions"] = json::parse(R"([{
    "name": "sidecar", "image": "busybox", "essential": false, "cpu": 128,
    "portMappings": [{"containerPort": 9000, "hostPort": 9000, "protocol": "udp"}],
    "mountPoints": [{"sourceVolume": "data", "containerPath": "/data"}]},
    {"name": "app", "image": "nginx"}])");
  json out = ok("RegisterTaskDefinition", td)["taskDefinition"]["containerDefinitions"];
  EXPECT_EQ(out[0]["essential"], false);
  EXPECT_EQ(out[0]["cpu"], 128);
  EXPECT_EQ(out[0]["portMappings"][0]["protocol"], "udp");
  EXPECT_EQ(out[0]["mountPoints"].size(), 1u);
  EXPECT_EQ(out[1]["essential"], true);
  EXPECT_EQ(out[1]["portMappings"], json::array());
  EXPECT_EQ(out[1]["environment"], json::array());
}

TEST_F(EcsTest, FargateTaskSizesAreValidated) {
  struct Case {
    const char* cpu;
    const char* memory;
    const char* stored_cpu;  // nullptr: rejected
    const char* stored_memory;
  };
  const Case cases[] = {
      {"256", "512", "256", "512"},        {"256", "2048", "256", "2048"},
      {"256", "4096", nullptr, nullptr},   {"512", "1024", "512", "1024"},
      {"512", "512", nullptr, nullptr},    {"1024", "8192", "1024", "8192"},
      {"2048", "16384", "2048", "16384"},  {"4096", "30720", "4096", "30720"},
      {"4096", "32768", nullptr, nullptr}, {"1 vCPU", "2 GB", "1024", "2048"},
      {"384", "1024", nullptr, nullptr},
  };
  for (const Case& k : cases) {
    json td = seed_task_definition();
    td["cpu"] = k.cpu;
    td["memory"] = k.memory;
    Resp r = ecs("RegisterTaskDefinition", td);
    if (k.stored_cpu) {
      EXPECT_EQ(r.status, 200) << k.cpu << "/" << k.memory << ": " << r.body.dump();
      EXPECT_EQ(r.body["taskDefinition"]["cpu"], k.stored_cpu);
      EXPECT_EQ(r.body["taskDefinition"]["memory"], k.stored_memory);
    } else {
      EXPECT_EQ(r.status, 400) << k.cpu << "/" << k.memory;
      EXPECT_EQ(r.error(), "ClientException");
    }
  }
  json td = seed_task_definition();
  td["memory"] = "512";
  EXPECT_EQ(ecs("RegisterTaskDefinition", td).message(),
            "No Fargate configuration exists for given values: 512 CPU, 512 memory. See the "
            "Amazon ECS documentation for the valid values.");
  td = seed_task_definition();
  td["networkMode"] = "bridge";
  EXPECT_EQ(ecs("RegisterTaskDefinition", td).message(),
            "Fargate only supports network mode \u2018awsvpc\u2019.");
  td = seed_task_definition();
  td.erase("cpu");
  EXPECT_EQ(ecs("RegisterTaskDefinition", td).message(),
            "Fargate requires that 'cpu' be defined at the task level.");
  td = seed_task_definition();
  td.erase("executionRoleArn");
  EXPECT_EQ(ecs("RegisterTaskDefinition", td).message(),
            "Fargate requires task definition to have execution role ARN to support log driver "
            "awslogs.");
  td = seed_task_definition();
  td["containerDefinitions"][0]["portMappings"][0]["hostPort"] = 8080;
  EXPECT_EQ(ecs("RegisterTaskDefinition", td).message(),
            "When networkMode=awsvpc, the host ports and container ports in port mappings must "
            "match.");
  // Nothing rejected was registered.
  EXPECT_EQ(ok("ListTaskDefinitions", json::object())["taskDefinitionArns"].size(), 7u);
}

TEST_F(EcsTest, RevisionsDeregistrationAndLists) {
  register_td();
  register_td(seed_task_definition("wordpress:6"));
  json other = seed_task_definition();
  other["family"] = "other-task";
  register_td(other);

  json latest = ok("DescribeTaskDefinition", {{"taskDefinition", "resilience-platform-task"}});
  EXPECT_EQ(latest["taskDefinition"]["revision"], 2);
  json dereg = ok("DeregisterTaskDefinition", {{"taskDefinition", "resilience-platform-task:2"}});
  EXPECT_EQ(dereg["taskDefinition"]["status"], "INACTIVE");
  EXPECT_TRUE(dereg["taskDefinition"].contains("deregisteredAt"));
  // The family now resolves to the newest ACTIVE revision; the INACTIVE one stays describable.
  EXPECT_EQ(ok("DescribeTaskDefinition",
               {{"taskDefinition", "resilience-platform-task"}})["taskDefinition"]["revision"],
            1);
  EXPECT_EQ(ok("DescribeTaskDefinition",
               {{"taskDefinition", "resilience-platform-task:2"}})["taskDefinition"]["status"],
            "INACTIVE");
  Resp missing = ecs("DescribeTaskDefinition", {{"taskDefinition", "nope:1"}});
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(missing.error(), "ClientException");
  EXPECT_EQ(missing.message(), "Unable to describe task definition.");
  EXPECT_EQ(
      ecs("DeregisterTaskDefinition", {{"taskDefinition", "resilience-platform-task"}}).error(),
      "ClientException");

  // A new revision continues the numbering.
  EXPECT_EQ(register_td(),
            "arn:aws:ecs:eu-central-1:123456789012:task-definition/"
            "resilience-platform-task:3");

  const std::string p = "arn:aws:ecs:eu-central-1:123456789012:task-definition/";
  EXPECT_EQ(ok("ListTaskDefinitions", json::object())["taskDefinitionArns"],
            json({p + "other-task:1", p + "resilience-platform-task:1",
                  p + "resilience-platform-task:3"}));
  EXPECT_EQ(ok("ListTaskDefinitions",
               {{"familyPrefix", "resilience"}, {"sort", "DESC"}})["taskDefinitionArns"],
            json({p + "resilience-platform-task:3", p + "resilience-platform-task:1"}));
  EXPECT_EQ(ok("ListTaskDefinitions", {{"status", "INACTIVE"}})["taskDefinitionArns"],
            json({p + "resilience-platform-task:2"}));
  json page = ok("ListTaskDefinitions", {{"maxResults", 2}});
  EXPECT_EQ(page["taskDefinitionArns"].size(), 2u);
  ASSERT_TRUE(page.contains("nextToken"));
  json rest = ok("ListTaskDefinitions", {{"maxResults", 2}, {"nextToken", page["nextToken"]}});
  EXPECT_EQ(rest["taskDefinitionArns"], json({p + "resilience-platform-task:3"}));
  EXPECT_FALSE(rest.contains("nextToken"));

  EXPECT_EQ(ok("ListTaskDefinitionFamilies", json::object())["families"],
            json({"other-task", "resilience-platform-task"}));
  ok("DeregisterTaskDefinition", {{"taskDefinition", "other-task:1"}});
  EXPECT_EQ(ok("ListTaskDefinitionFamilies", {{"status", "INACTIVE"}})["families"],
            json({"other-task"}));
}

// --- services ------------------------------------------------------------------------------------

TEST_F(EcsTest, CreateServiceEchoesWhatTerraformReadsBack) {
  json svc = create_service(2);
  for (const json& s : {svc, describe_service()}) {
    EXPECT_EQ(s["serviceArn"],
              "arn:aws:ecs:eu-central-1:123456789012:service/resilience-platform-cluster/"
              "resilience-platform-service");
    EXPECT_EQ(s["clusterArn"], kClusterArn);
    EXPECT_EQ(s["status"], "ACTIVE");
    EXPECT_EQ(s["taskDefinition"],
              "arn:aws:ecs:eu-central-1:123456789012:task-definition/resilience-platform-task:1");
    EXPECT_EQ(s["desiredCount"], 2);
    EXPECT_EQ(s["runningCount"], 2);
    EXPECT_EQ(s["pendingCount"], 0);
    EXPECT_EQ(s["launchType"], "FARGATE");
    EXPECT_EQ(s["platformVersion"], "LATEST");
    EXPECT_EQ(s["healthCheckGracePeriodSeconds"], 60);
    EXPECT_EQ(s["availabilityZoneRebalancing"], "DISABLED");
    EXPECT_EQ(s["deploymentConfiguration"],
              json::parse(R"({"deploymentCircuitBreaker":{"enable":false,"rollback":false},
                              "maximumPercent":200,"minimumHealthyPercent":50})"));
    EXPECT_EQ(s["deploymentController"], json({{"type", "ECS"}}));
    EXPECT_EQ(s["schedulingStrategy"], "REPLICA");
    EXPECT_EQ(s["propagateTags"], "NONE");
    EXPECT_EQ(s["enableECSManagedTags"], false);
    EXPECT_EQ(s["enableExecuteCommand"], false);
    EXPECT_EQ(s["capacityProviderStrategy"], json::array());
    EXPECT_EQ(s["loadBalancers"], json::array());
    EXPECT_EQ(s["tags"], json::array());
    EXPECT_EQ(s["networkConfiguration"]["awsvpcConfiguration"]["assignPublicIp"], "ENABLED");
    ASSERT_EQ(s["deployments"].size(), 1u);
    const json& d = s["deployments"][0];
    EXPECT_TRUE(std::regex_match(d["id"].get<std::string>(), std::regex("ecs-svc/[1-9][0-9]{18}")))
        << d["id"];
    EXPECT_EQ(d["status"], "PRIMARY");
    EXPECT_EQ(d["rolloutState"], "COMPLETED");
    EXPECT_EQ(d["desiredCount"], 2);
    EXPECT_EQ(d["runningCount"], 2);
    EXPECT_EQ(d["taskDefinition"], s["taskDefinition"]);
    // Events, newest first, with ECS's wording.
    const json& ev = s["events"];
    ASSERT_EQ(ev.size(), 3u);
    EXPECT_EQ(ev[0]["message"],
              "(service resilience-platform-service) has reached a steady state.");
    EXPECT_EQ(ev[1]["message"], "(service resilience-platform-service) (deployment " +
                                    d["id"].get<std::string>() + ") deployment completed.");
    EXPECT_TRUE(std::regex_match(
        ev[2]["message"].get<std::string>(),
        std::regex(R"(\(service resilience-platform-service\) has started 2 tasks: )"
                   R"(\(task [0-9a-f]{32}\) \(task [0-9a-f]{32}\)\.)")))
        << ev[2]["message"];
  }
  // Without include TAGS, tags are left out.
  json plain = ok("DescribeServices",
                  {{"cluster", kClusterArn}, {"services", {"resilience-platform-service"}}});
  EXPECT_FALSE(plain["services"][0].contains("tags"));
}

// DescribeServices over the wire answers from the stored service plus its counts, without a copy
// (Call::may_borrow); in-process callers get a copy. Both write the same bytes, and the call
// log holds the answer as a client saw it.
TEST_F(EcsTest, DescribeServicesAnswersTheSameOverTheWireAndInProcess) {
  create_service(2);
  app_->advance_to(app_->env().clock.now() + 3'000);  // tasks on their way: nonzero counts
  for (bool tags : {false, true}) {
    json input = {{"cluster", kClusterArn}, {"services", {"resilience-platform-service"}}};
    if (tags) input["include"] = {"TAGS"};
    auto wire =
        json_call("ecs", "AmazonEC2ContainerServiceV20141113.DescribeServices", input.dump());
    ASSERT_EQ(wire.status, 200) << wire.body;
    json in_process =
        app_->invoke("ecs", "DescribeServices", "123456789012", "eu-central-1", input);
    const auto* model = zonesim::protocol::ServiceModel::get("ecs");
    EXPECT_EQ(wire.body, zonesim::protocol::serialize_output(
                             *model, *model->operation("DescribeServices"), in_process, "r")
                             .body);
    const json& s = in_process["services"][0];
    EXPECT_EQ(s["runningCount"].get<int>() + s["pendingCount"].get<int>(), 2) << s.dump();
    EXPECT_EQ(s.contains("tags"), tags);
    for (auto& [k, v] : s.items()) EXPECT_NE(k[0], '_') << k;
  }
  // The call log (state export) holds the answer itself, not a reference.
  json logged;
  const json state = app_->export_state();
  for (auto& c : state["calls"])
    if (c["operation"] == "DescribeServices") logged = c["output"];
  ASSERT_TRUE(logged.is_object());
  EXPECT_FALSE(logged["services"][0].contains("_base")) << logged.dump();
  EXPECT_EQ(logged["services"][0]["serviceName"], "resilience-platform-service");
  EXPECT_EQ(logged["services"][0]["deployments"].size(), 1u);
}

TEST_F(EcsTest, ServiceDefaultsWhenNotGiven) {
  create_cluster();
  json req = service_request(register_td(), 1);
  for (const char* k :
       {"availabilityZoneRebalancing", "healthCheckGracePeriodSeconds", "deploymentConfiguration"})
    req.erase(k);
  req["networkConfiguration"]["awsvpcConfiguration"].erase("assignPublicIp");
  json s = ok("CreateService", req)["service"];
  // CreateService docs: rebalancing defaults to ENABLED for a new service.
  EXPECT_EQ(s["availabilityZoneRebalancing"], "ENABLED");
  EXPECT_FALSE(s.contains("healthCheckGracePeriodSeconds"));  // no load balancer
  EXPECT_EQ(s["deploymentConfiguration"]["maximumPercent"], 200);
  EXPECT_EQ(s["deploymentConfiguration"]["minimumHealthyPercent"], 100);
  EXPECT_EQ(s["networkConfiguration"]["awsvpcConfiguration"]["assignPublicIp"], "DISABLED");
}

TEST_F(EcsTest, CreateServiceIsIdempotentPerClientToken) {
  create_cluster();
  std::string td = register_td();
  json first = ok("CreateService", service_request(td, 2))["service"];
  json again = ok("CreateService", service_request(td, 2))["service"];
  EXPECT_EQ(again["deployments"][0]["id"], first["deployments"][0]["id"]);
  EXPECT_EQ(running_service_tasks().size(), 2u);  // nothing launched twice
  Resp diff = ecs("CreateService", service_request(td, 3));
  EXPECT_EQ(diff.error(), "InvalidParameterException");
  EXPECT_EQ(diff.message(), "Creation of service was not idempotent.");
  json other_token = service_request(td, 2);
  other_token["clientToken"] = "another";
  EXPECT_EQ(ecs("CreateService", other_token).message(), "Creation of service was not idempotent.");
}

TEST_F(EcsTest, CreateServiceValidation) {
  create_cluster();
  std::string td = register_td();
  json req = service_request(td, 1);
  req["cluster"] = "nope";
  EXPECT_EQ(ecs("CreateService", req).error(), "ClusterNotFoundException");
  req = service_request("resilience-platform-task:9", 1);
  Resp r = ecs("CreateService", req);
  EXPECT_EQ(r.error(), "ClientException");
  EXPECT_EQ(r.message(), "TaskDefinition not found.");
  req = service_request(td, 1);
  req.erase("networkConfiguration");
  EXPECT_EQ(ecs("CreateService", req).message(),
            "Network Configuration must be provided when networkMode 'awsvpc' is specified.");
  req = service_request(td, 1, json::array({"subnet-0123456789abcdef0"}));
  EXPECT_EQ(ecs("CreateService", req).error(), "InvalidParameterException");
  req = service_request(td, 1);
  req["capacityProviderStrategy"] = {{{"capacityProvider", "FARGATE"}, {"weight", 1}}};
  EXPECT_EQ(ecs("CreateService", req).message(),
            "Specifying both a launch type and capacity provider strategy is not supported. "
            "Remove one and try again.");
  req = service_request(td, 1);
  req["loadBalancers"] = {{{"targetGroupArn",
                            "arn:aws:elasticloadbalancing:eu-central-1:"
                            "123456789012:targetgroup/tg/0123456789abcdef"},
                           {"containerName", "web"},
                           {"containerPort", 80}}};
  EXPECT_EQ(ecs("CreateService", req).message(),
            "The container web does not exist in the task definition.");
  req["loadBalancers"][0]["containerName"] = "app";
  req["loadBalancers"][0]["containerPort"] = 8080;
  EXPECT_EQ(ecs("CreateService", req).message(),
            "The container app did not have a container port 8080 defined.");
  // Nothing was created by the rejected requests.
  EXPECT_TRUE(ok("ListServices", {{"cluster", kClusterArn}})["serviceArns"].empty());
  EXPECT_EQ(eni_count(), 0u);
}

TEST_F(EcsTest, ServiceWithAMissingTargetGroupIsRejectedAndLeavesNothing) {
  // The target group is unknown to ELBv2 (elbv2::register_ip_target: TargetGroupNotFound).
  create_cluster();
  json req = service_request(register_td(), 2);
  req["loadBalancers"] = {{{"targetGroupArn",
                            "arn:aws:elasticloadbalancing:eu-central-1:"
                            "123456789012:targetgroup/missing/0123456789abcdef"},
                           {"containerName", "app"},
                           {"containerPort", 80}}};
  Resp r = ecs("CreateService", req);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.error(), "InvalidParameterException");
  EXPECT_NE(r.message().find("targetGroupArn"), std::string::npos) << r.message();
  json d = ok("DescribeServices",
              {{"cluster", kClusterArn}, {"services", {"resilience-platform-service"}}});
  EXPECT_TRUE(d["services"].empty());
  EXPECT_EQ(d["failures"][0]["reason"], "MISSING");
  EXPECT_EQ(eni_count(), 0u);
}

TEST_F(EcsTest, TargetRegistrationFailureIsReportedInServiceEvents) {
  // Under timed lifecycle the targets register when a task reaches ACTIVATING, after CreateService
  // answered; ELBv2's refusal then shows in the service's events and the task keeps running.
  restart("realistic");
  create_cluster();
  const std::string tg =
      "arn:aws:elasticloadbalancing:eu-central-1:123456789012:targetgroup/missing/0123456789abcdef";
  json req = service_request(register_td(), 1);
  req["loadBalancers"] = {
      {{"targetGroupArn", tg}, {"containerName", "app"}, {"containerPort", 80}}};
  json s = ok("CreateService", req)["service"];
  EXPECT_EQ(s["roleArn"],
            "arn:aws:iam::123456789012:role/aws-service-role/ecs.amazonaws.com/"
            "AWSServiceRoleForECS");
  EXPECT_EQ(s["loadBalancers"], req["loadBalancers"]);
  app_->advance_to(app_->env().clock.now() + 60'000);
  s = describe_service();
  bool reported = false;
  for (auto& e : s["events"])
    reported = reported || e["message"].get<std::string>().rfind(
                               "(service resilience-platform-service) failed to register targets "
                               "in (target-group " +
                                   tg + ") with (error ",
                               0) == 0;
  EXPECT_TRUE(reported) << s["events"].dump();
  EXPECT_EQ(s["runningCount"], 1);
}

TEST_F(EcsTest, TasksSpreadAcrossZonesWithEnisInTheSubnets) {
  create_service(4, json::array({kSubnetA, kSubnetB, kSubnetC}));
  json ts = running_service_tasks();
  ASSERT_EQ(ts.size(), 4u);
  std::map<std::string, int> per_zone;
  std::set<std::string> ips;
  for (auto& t : ts) {
    ++per_zone[t["availabilityZone"]];
    EXPECT_EQ(t["lastStatus"], "RUNNING");
    EXPECT_EQ(t["desiredStatus"], "RUNNING");
    EXPECT_EQ(t["group"], "service:resilience-platform-service");
    EXPECT_EQ(t["startedBy"], describe_service()["deployments"][0]["id"]);
    EXPECT_EQ(t["platformVersion"], "1.4.0");
    EXPECT_TRUE(std::regex_match(
        t["taskArn"].get<std::string>(),
        std::regex("arn:aws:ecs:eu-central-1:123456789012:task/resilience-platform-cluster/"
                   "[0-9a-f]{32}")));
    const json& att = t["attachments"][0];
    EXPECT_EQ(att["type"], "ElasticNetworkInterface");
    EXPECT_EQ(att["status"], "ATTACHED");
    const std::string subnet = detail(t, "subnetId"), ip = detail(t, "privateIPv4Address");
    const std::string prefix = subnet == kSubnetA   ? "10.0.1."
                               : subnet == kSubnetB ? "10.0.2."
                                                    : "10.0.3.";
    EXPECT_EQ(ip.rfind(prefix, 0), 0u) << ip << " not in " << subnet;
    EXPECT_EQ(t["availabilityZone"], subnet == kSubnetB ? "eu-central-1b" : "eu-central-1a");
    EXPECT_EQ(t["containers"][0]["networkInterfaces"][0]["privateIpv4Address"], ip);
    EXPECT_EQ(detail(t, "privateDnsName"), "ip-" + std::regex_replace(ip, std::regex("\\."), "-") +
                                               ".eu-central-1.compute.internal");
    ips.insert(ip);
    // The ENI exists in EC2, owned by ECS.
    const json* eni =
        app_->env().store.get(kScope, "network-interface", detail(t, "networkInterfaceId"));
    ASSERT_NE(eni, nullptr);
    EXPECT_EQ((*eni)["PrivateIpAddress"], ip);
    EXPECT_EQ((*eni)["RequesterId"], "amazon-ecs");
    EXPECT_EQ((*eni)["Groups"][0]["GroupId"], kSecurityGroup);
  }
  EXPECT_EQ(ips.size(), 4u);
  EXPECT_EQ(per_zone["eu-central-1a"], 2);
  EXPECT_EQ(per_zone["eu-central-1b"], 2);
}

TEST_F(EcsTest, ScalingKeepsTheZonesBalanced) {
  create_service(2);
  ok("UpdateService",
     {{"cluster", kClusterArn}, {"service", "resilience-platform-service"}, {"desiredCount", 5}});
  auto zones = [&] {
    std::map<std::string, int> z;
    for (auto& t : running_service_tasks()) ++z[t["availabilityZone"]];
    return z;
  };
  auto z = zones();
  EXPECT_EQ(z["eu-central-1a"] + z["eu-central-1b"], 5);
  EXPECT_LE(std::abs(z["eu-central-1a"] - z["eu-central-1b"]), 1);
  ok("UpdateService",
     {{"cluster", kClusterArn}, {"service", "resilience-platform-service"}, {"desiredCount", 2}});
  z = zones();
  EXPECT_EQ(z["eu-central-1a"], 1);
  EXPECT_EQ(z["eu-central-1b"], 1);
  json s = describe_service();
  EXPECT_EQ(s["runningCount"], 2);
  EXPECT_EQ(s["deployments"].size(), 1u);  // scaling is no deployment
  EXPECT_NE(s["events"][1]["message"].get<std::string>().find("has stopped 3 running tasks"),
            std::string::npos)
      << s["events"].dump();
  json stopped = tasks({{"desiredStatus", "STOPPED"}});
  ASSERT_EQ(stopped.size(), 3u);
  for (auto& t : stopped) {
    EXPECT_EQ(t["lastStatus"], "STOPPED");
    EXPECT_EQ(t["stopCode"], "ServiceSchedulerInitiated");
    EXPECT_EQ(t["stoppedReason"], "Scaling activity initiated by (deployment " +
                                      s["deployments"][0]["id"].get<std::string>() + ")");
    EXPECT_EQ(t["attachments"][0]["status"], "DELETED");
  }
  EXPECT_EQ(eni_count(), 2u);  // the stopped tasks' ENIs are gone
}

TEST_F(EcsTest, NewTaskDefinitionRollsANewDeployment) {
  json svc = create_service(2);
  const std::string old_id = svc["deployments"][0]["id"];
  std::string td2 = register_td(seed_task_definition("wordpress:6"));
  json s = ok("UpdateService", {{"cluster", kClusterArn},
                                {"service", "resilience-platform-service"},
                                {"taskDefinition", td2}})["service"];
  EXPECT_EQ(s["taskDefinition"], td2);
  ASSERT_EQ(s["deployments"].size(), 1u) << s["deployments"].dump();  // rolled at once
  EXPECT_NE(s["deployments"][0]["id"], old_id);
  EXPECT_EQ(s["deployments"][0]["status"], "PRIMARY");
  EXPECT_EQ(s["deployments"][0]["rolloutState"], "COMPLETED");
  json running = running_service_tasks();
  ASSERT_EQ(running.size(), 2u);
  for (auto& t : running) {
    EXPECT_EQ(t["taskDefinitionArn"], td2);
    EXPECT_EQ(t["containers"][0]["image"], "wordpress:6");
  }
  for (auto& t : tasks({{"desiredStatus", "STOPPED"}})) EXPECT_EQ(t["startedBy"], old_id);
  // Desired count alone changes no deployment; forceNewDeployment does.
  s = ok("UpdateService", {{"cluster", kClusterArn},
                           {"service", "resilience-platform-service"},
                           {"forceNewDeployment", true}})["service"];
  EXPECT_NE(s["deployments"][0]["id"], running[0]["startedBy"]);
  EXPECT_EQ(running_service_tasks().size(), 2u);
}

TEST_F(EcsTest, RollingDeploymentHonoursMinimumHealthyPercentUnderTimedLifecycle) {
  restart("realistic");
  create_service(2);
  app_->advance_to(app_->env().clock.now() + 120'000);
  ASSERT_EQ(describe_service()["runningCount"], 2);
  std::string td2 = register_td(seed_task_definition("wordpress:6"));
  ok("UpdateService",
     {{"cluster", kClusterArn},
      {"service", "resilience-platform-service"},
      {"taskDefinition", td2},
      {"deploymentConfiguration", {{"maximumPercent", 100}, {"minimumHealthyPercent", 50}}}});
  // maximumPercent 100: one old task stops first (50% of 2 stays running), then one new starts.
  json s = describe_service();
  EXPECT_EQ(s["deployments"].size(), 2u);
  EXPECT_EQ(s["deployments"][1]["status"], "ACTIVE");
  int min_running = 2;
  for (int i = 0; i < 40; ++i) {
    app_->advance_to(app_->env().clock.now() + 5'000);
    min_running = std::min(min_running, describe_service()["runningCount"].get<int>());
  }
  EXPECT_GE(min_running, 1);
  s = describe_service();
  ASSERT_EQ(s["deployments"].size(), 1u) << s["deployments"].dump();
  EXPECT_EQ(s["deployments"][0]["taskDefinition"], td2);
  EXPECT_EQ(s["runningCount"], 2);
  for (auto& t : running_service_tasks()) EXPECT_EQ(t["taskDefinitionArn"], td2);
}

TEST_F(EcsTest, DeleteServiceDrainsToInactiveAndStaysDescribable) {
  create_service(2);
  Resp r =
      ecs("DeleteService",
          {{"cluster", kClusterArn}, {"service", "resilience-platform-service"}, {"force", false}});
  EXPECT_EQ(r.error(), "InvalidParameterException");
  EXPECT_EQ(r.message(), "The service cannot be stopped while it is scaled above 0.");
  // Terraform's delete: scale to 0, delete, wait for INACTIVE.
  ok("UpdateService",
     {{"cluster", kClusterArn}, {"service", "resilience-platform-service"}, {"desiredCount", 0}});
  ok("DeleteService",
     {{"cluster", kClusterArn}, {"service", "resilience-platform-service"}, {"force", false}});
  json s = describe_service();
  EXPECT_EQ(s["status"], "INACTIVE");
  EXPECT_EQ(s["runningCount"], 0);
  EXPECT_EQ(eni_count(), 0u);
  EXPECT_TRUE(ok("ListServices", {{"cluster", kClusterArn}})["serviceArns"].empty());
  EXPECT_EQ(ecs("UpdateService", {{"cluster", kClusterArn},
                                  {"service", "resilience-platform-service"},
                                  {"desiredCount", 1}})
                .error(),
            "ServiceNotActiveException");
  EXPECT_EQ(ecs("DescribeServices", {{"cluster", kClusterArn}, {"services", {"other"}}})
                .body["failures"][0]["reason"],
            "MISSING");
  EXPECT_EQ(ecs("UpdateService", {{"cluster", kClusterArn}, {"service", "other"}}).error(),
            "ServiceNotFoundException");
  // The name is free again once the old service is INACTIVE.
  json again = ok("CreateService", service_request(describe_service()["taskDefinition"], 1));
  EXPECT_EQ(again["service"]["status"], "ACTIVE");
}

TEST_F(EcsTest, ForcedDeleteUnderTimedLifecycleDrainsThenInactive) {
  restart("realistic");
  create_service(2);
  app_->advance_to(app_->env().clock.now() + 120'000);
  json s = ok("DeleteService", {{"cluster", kClusterArn},
                                {"service", "resilience-platform-service"},
                                {"force", true}})["service"];
  EXPECT_EQ(s["status"], "DRAINING");
  app_->advance_to(app_->env().clock.now() + 5'000);  // DEACTIVATING -> STOPPING
  EXPECT_EQ(describe_service()["status"], "INACTIVE");
  app_->advance_to(app_->env().clock.now() + 60'000);
  for (auto& t : tasks({{"desiredStatus", "STOPPED"}})) EXPECT_EQ(t["lastStatus"], "STOPPED");
  EXPECT_EQ(eni_count(), 0u);
}

TEST_F(EcsTest, ListServicesPagesAndFilters) {
  create_cluster();
  std::string td = register_td();
  for (const char* name : {"a", "b", "c"}) {
    json req = service_request(td, 0);
    req["serviceName"] = name;
    req.erase("clientToken");
    ok("CreateService", req);
  }
  json page = ok("ListServices", {{"cluster", kClusterArn}, {"maxResults", 2}});
  EXPECT_EQ(page["serviceArns"].size(), 2u);
  json rest = ok("ListServices",
                 {{"cluster", kClusterArn}, {"maxResults", 2}, {"nextToken", page["nextToken"]}});
  EXPECT_EQ(rest["serviceArns"].size(), 1u);
  EXPECT_TRUE(
      ok("ListServices", {{"cluster", kClusterArn}, {"launchType", "EC2"}})["serviceArns"].empty());
  EXPECT_EQ(ecs("ListServices", {{"cluster", kClusterArn}, {"maxResults", 0}}).error(),
            "InvalidParameterException");
}

// --- tasks -------------------------------------------------------------------------------------

TEST_F(EcsTest, StoppedServiceTaskIsReplaced) {
  create_service(2);
  json before = running_service_tasks();
  ASSERT_EQ(before.size(), 2u);
  const std::string victim = before[0]["taskArn"];
  json stopped = ok("StopTask", {{"cluster", kClusterArn}, {"task", victim}})["task"];
  EXPECT_EQ(stopped["desiredStatus"], "STOPPED");
  EXPECT_EQ(stopped["lastStatus"], "STOPPED");
  EXPECT_EQ(stopped["stopCode"], "UserInitiated");
  EXPECT_EQ(stopped["stoppedReason"], "Task stopped by user");
  EXPECT_EQ(stopped["containers"][0]["exitCode"], 0);
  EXPECT_EQ(stopped["containers"][0]["lastStatus"], "STOPPED");
  for (const char* k : {"stoppingAt", "executionStoppedAt", "stoppedAt", "startedAt"})
    EXPECT_TRUE(stopped.contains(k)) << k;
  json after = running_service_tasks();
  ASSERT_EQ(after.size(), 2u);
  for (auto& t : after) EXPECT_NE(t["taskArn"], victim);
  // The replacement went to the zone that lost a task.
  std::set<std::string> zones;
  for (auto& t : after) zones.insert(t["availabilityZone"]);
  EXPECT_EQ(zones.size(), 2u);
  EXPECT_EQ(describe_service()["events"][0]["message"].get<std::string>().find(
                "(service resilience-platform-service) has"),
            0u);
  Resp gone =
      ecs("StopTask", {{"cluster", kClusterArn}, {"task", "0123456789abcdef0123456789abcdef"}});
  EXPECT_EQ(gone.error(), "InvalidParameterException");
  EXPECT_EQ(gone.message(), "The referenced task was not found.");
}

TEST_F(EcsTest, RunTaskDescribeAndListTasks) {
  create_cluster();
  register_td();
  json req = {
      {"cluster", "resilience-platform-cluster"},
      {"taskDefinition", "resilience-platform-task"},
      {"count", 2},
      {"launchType", "FARGATE"},
      {"startedBy", "batch-7"},
      {"tags", {{{"key", "team"}, {"value", "sre"}}}},
      {"networkConfiguration", {{"awsvpcConfiguration", {{"subnets", {kSubnetA, kSubnetB}}}}}}};
  json run = ok("RunTask", req);
  ASSERT_EQ(run["tasks"].size(), 2u);
  EXPECT_EQ(run["failures"], json::array());
  std::set<std::string> zones;
  for (auto& t : run["tasks"]) {
    zones.insert(t["availabilityZone"]);
    EXPECT_EQ(t["group"], "family:resilience-platform-task");
    EXPECT_EQ(t["startedBy"], "batch-7");
    EXPECT_EQ(t["lastStatus"], "RUNNING");
    EXPECT_EQ(t["cpu"], "512");
    EXPECT_EQ(t["memory"], "1024");
    EXPECT_EQ(t["tags"], req["tags"]);
    EXPECT_EQ(t["containers"][0]["healthStatus"], "UNKNOWN");
    EXPECT_EQ(t["containers"][0]["cpu"], "0");
    EXPECT_EQ(t["connectivity"], "CONNECTED");
    EXPECT_GT(t["version"].get<int>(), 1);
  }
  EXPECT_EQ(zones.size(), 2u);  // one per zone

  const std::string arn = run["tasks"][0]["taskArn"];
  json d = ok("DescribeTasks",
              {{"cluster", kClusterArn}, {"tasks", {arn, "0123456789abcdef0123456789abcdef"}}});
  ASSERT_EQ(d["tasks"].size(), 1u);
  EXPECT_FALSE(d["tasks"][0].contains("tags"));  // only with include TAGS
  ASSERT_EQ(d["failures"].size(), 1u);
  EXPECT_EQ(d["failures"][0]["reason"], "MISSING");
  EXPECT_EQ(d["failures"][0]["arn"],
            "arn:aws:ecs:eu-central-1:123456789012:task/resilience-platform-cluster/"
            "0123456789abcdef0123456789abcdef");
  // By short id too.
  std::string id = arn.substr(arn.rfind('/') + 1);
  EXPECT_EQ(
      ok("DescribeTasks",
         {{"cluster", kClusterArn}, {"tasks", {id}}, {"include", {"TAGS"}}})["tasks"][0]["tags"],
      req["tags"]);

  EXPECT_EQ(
      ok("ListTasks", {{"cluster", kClusterArn}, {"startedBy", "batch-7"}})["taskArns"].size(), 2u);
  EXPECT_EQ(ok("ListTasks", {{"cluster", kClusterArn}, {"family", "other"}})["taskArns"].size(),
            0u);
  ok("StopTask", {{"cluster", kClusterArn}, {"task", arn}, {"reason", "done"}});
  EXPECT_EQ(ok("ListTasks", {{"cluster", kClusterArn}})["taskArns"].size(), 1u);
  json stopped = tasks({{"desiredStatus", "STOPPED"}});
  ASSERT_EQ(stopped.size(), 1u);
  EXPECT_EQ(stopped[0]["stoppedReason"], "done");
  EXPECT_EQ(ecs("ListTasks", {{"cluster", kClusterArn}, {"serviceName", "nope"}}).error(),
            "ServiceNotFoundException");
}

TEST_F(EcsTest, RunTaskAndStartTaskErrors) {
  create_cluster();
  register_td();
  json req = {{"cluster", kClusterArn},
              {"taskDefinition", "resilience-platform-task"},
              {"launchType", "FARGATE"}};
  EXPECT_EQ(ecs("RunTask", req).message(),
            "Network Configuration must be provided when networkMode 'awsvpc' is specified.");
  req["networkConfiguration"] = {{"awsvpcConfiguration", {{"subnets", {kSubnetA}}}}};
  req["launchType"] = "EC2";
  EXPECT_EQ(ecs("RunTask", req).message(), "No Container Instances were found in your cluster.");
  req["launchType"] = "FARGATE";
  req["count"] = 11;
  EXPECT_EQ(ecs("RunTask", req).error(), "InvalidParameterException");
  Resp start = ecs("StartTask", {{"cluster", kClusterArn},
                                 {"taskDefinition", "resilience-platform-task"},
                                 {"containerInstances", {"0123456789abcdef"}}});
  EXPECT_EQ(start.error(), "InvalidParameterException");
  EXPECT_EQ(eni_count(), 0u);
}

TEST_F(EcsTest, TimedLifecycleWalksEveryStateWithTimestamps) {
  restart("realistic");
  create_cluster();
  register_td();
  json run = ok("RunTask",
                {{"cluster", kClusterArn},
                 {"taskDefinition", "resilience-platform-task"},
                 {"launchType", "FARGATE"},
                 {"networkConfiguration", {{"awsvpcConfiguration", {{"subnets", {kSubnetA}}}}}}});
  json t = run["tasks"][0];
  const std::string arn = t["taskArn"];
  EXPECT_EQ(t["lastStatus"], "PROVISIONING");
  EXPECT_EQ(t["attachments"][0]["status"], "PRECREATED");
  auto describe = [&] {
    return ok("DescribeTasks", {{"cluster", kClusterArn}, {"tasks", {arn}}})["tasks"][0];
  };
  std::vector<std::string> seen{"PROVISIONING"};
  // Sampled more often than the shortest state (ACTIVATING, 1-3 s in the realistic profile).
  for (int i = 0; i < 200; ++i) {
    app_->advance_to(app_->env().clock.now() + 500);
    std::string s = describe()["lastStatus"];
    if (s != seen.back()) seen.push_back(s);
  }
  EXPECT_EQ(seen, std::vector<std::string>({"PROVISIONING", "PENDING", "ACTIVATING", "RUNNING"}));
  t = describe();
  for (const char* k :
       {"createdAt", "connectivityAt", "pullStartedAt", "pullStoppedAt", "startedAt"})
    EXPECT_TRUE(t.contains(k)) << k;
  EXPECT_LT(t["createdAt"].get<double>(), t["startedAt"].get<double>());
  ok("StopTask", {{"cluster", kClusterArn}, {"task", arn}});
  EXPECT_EQ(describe()["desiredStatus"], "STOPPED");
  for (int i = 0; i < 200; ++i) {
    app_->advance_to(app_->env().clock.now() + 500);
    std::string s = describe()["lastStatus"];
    if (s != seen.back()) seen.push_back(s);
  }
  EXPECT_EQ(seen,
            std::vector<std::string>({"PROVISIONING", "PENDING", "ACTIVATING", "RUNNING",
                                      "DEACTIVATING", "STOPPING", "DEPROVISIONING", "STOPPED"}));
  t = describe();
  EXPECT_EQ(t["attachments"][0]["status"], "DELETED");
  EXPECT_LE(t["stoppingAt"].get<double>(), t["executionStoppedAt"].get<double>());
  EXPECT_LT(t["executionStoppedAt"].get<double>(), t["stoppedAt"].get<double>());
  EXPECT_EQ(eni_count(), 0u);
}

TEST_F(EcsTest, TimedServiceReportsPendingThenSteadyState) {
  restart("realistic");
  create_service(2);
  json s = describe_service();
  EXPECT_EQ(s["pendingCount"], 2);
  EXPECT_EQ(s["runningCount"], 0);
  EXPECT_EQ(s["deployments"][0]["rolloutState"], "IN_PROGRESS");
  EXPECT_EQ(s["deployments"][0]["rolloutStateReason"],
            "ECS deployment " + s["deployments"][0]["id"].get<std::string>() + " in progress.");
  app_->advance_to(app_->env().clock.now() + 60'000);
  s = describe_service();
  EXPECT_EQ(s["runningCount"], 2);
  EXPECT_EQ(s["pendingCount"], 0);
  EXPECT_EQ(s["deployments"][0]["rolloutState"], "COMPLETED");
  EXPECT_EQ(s["events"][0]["message"],
            "(service resilience-platform-service) has reached a steady state.");
}

// --- tags --------------------------------------------------------------------------------------

TEST_F(EcsTest, TagsOnClustersServicesTaskDefinitionsAndTasks) {
  json svc = create_service(1);
  const std::string td_arn = svc["taskDefinition"];
  const std::string task_arn = running_service_tasks()[0]["taskArn"];
  for (const std::string& arn :
       {std::string(kClusterArn), svc["serviceArn"].get<std::string>(), td_arn, task_arn}) {
    ok("TagResource",
       {{"resourceArn", arn},
        {"tags", {{{"key", "env"}, {"value", "test"}}, {{"key", "team"}, {"value", "a"}}}}});
    ok("TagResource", {{"resourceArn", arn}, {"tags", {{{"key", "team"}, {"value", "b"}}}}});
    ok("UntagResource", {{"resourceArn", arn}, {"tagKeys", {"env"}}});
    EXPECT_EQ(ok("ListTagsForResource", {{"resourceArn", arn}})["tags"],
              json::parse(R"([{"key":"team","value":"b"}])"))
        << arn;
  }
  EXPECT_EQ(
      ok("DescribeTaskDefinition", {{"taskDefinition", td_arn}, {"include", {"TAGS"}}})["tags"],
      json::parse(R"([{"key":"team","value":"b"}])"));
  EXPECT_EQ(describe_service()["tags"], json::parse(R"([{"key":"team","value":"b"}])"));
  EXPECT_EQ(ecs("TagResource",
                {{"resourceArn", kClusterArn}, {"tags", {{{"key", "AWS:owner"}, {"value", "x"}}}}})
                .error(),
            "InvalidParameterException");
  EXPECT_EQ(ecs("ListTagsForResource",
                {{"resourceArn", "arn:aws:ecs:eu-central-1:123456789012:cluster/nope"}})
                .error(),
            "ClusterNotFoundException");
  EXPECT_EQ(
      ecs("ListTagsForResource", {{"resourceArn",
                                   "arn:aws:ecs:eu-central-1:123456789012:task/"
                                   "resilience-platform-cluster/0123456789abcdef0123456789abcdef"}})
          .error(),
      "ResourceNotFoundException");
}

}  // namespace
