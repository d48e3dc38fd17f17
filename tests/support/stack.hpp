#pragma once
// Builds the seed stack in-process through the real AWS APIs (the same calls Terraform makes),
// for simulation tests: VPC 10.0.0.0/16, public 10.0.1.0/24 + 10.0.2.0/24 and private
// 10.0.3.0/24 + 10.0.4.0/24 in eu-central-1a/b, three security groups, RDS MySQL Multi-AZ,
// an ALB with the seed's target group (/wp-admin/install.php, 30 s / 5 s / 2 / 3 / 200-399) and
// listener, and the ECS service (desired 2, grace 60 s) whose tasks name the RDS endpoint.
#include <string>
#include <vector>

#include "tests/support/app_fixture.hpp"

namespace zonesim::testing {

struct StackOptions {
  int desired_count = 2;
  bool multi_az = true;
  bool with_database = true;  // the app's environment names the RDS endpoint
  int grace_seconds = 60;
};

struct Stack {
  std::string vpc, public_a, public_b, private_a, private_b, sg_alb, sg_ecs, sg_rds;
  std::string db_endpoint;  // address
  std::string target_group, load_balancer, listener, cluster, service, task_definition;
};

class StackTest : public AppTest {
 protected:
  static std::string enc(const std::string& s) {
    std::string out;
    for (unsigned char c : s) {
      if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
        out.push_back(static_cast<char>(c));
      } else {
        char buf[4];
        std::snprintf(buf, sizeof buf, "%%%02X", c);
        out += buf;
      }
    }
    return out;
  }
  // A query call that must succeed; returns the response for xpath().
  http::Response ok_query(const std::string& signing, const std::string& params) {
    auto r = query(signing, params);
    EXPECT_EQ(r.status, 200) << params << "\n" << r.body;
    return r;
  }
  json ok_ecs(const std::string& op, const json& body) {
    auto r = json_call("ecs", "AmazonEC2ContainerServiceV20141113." + op, body.dump());
    EXPECT_EQ(r.status, 200) << op << "\n" << r.body;
    return json::parse(r.body);
  }
  http::Response control(const std::string& method, const std::string& target,
                         const json& body = nullptr) {
    http::Request r;
    r.method = method;
    r.target = target;
    if (!body.is_null()) r.body = body.dump();
    return app_->handle(r);
  }
  json ok_control(const std::string& method, const std::string& target,
                  const json& body = nullptr) {
    auto r = control(method, target, body);
    EXPECT_EQ(r.status, 200) << target << " " << r.body;
    return json::parse(r.body);
  }
  sim::Millis now() { return app_->env().clock.now(); }
  void advance(double seconds) { app_->advance_by(static_cast<sim::Millis>(seconds * 1000)); }

  Stack build_stack(const StackOptions& o = {}) {
    Stack s;
    const std::string v = "&Version=2016-11-15";
    s.vpc = xpath(ok_query("ec2", "Action=CreateVpc&CidrBlock=10.0.0.0%2F16" + v), "//vpcId");
    auto subnet = [&](const char* cidr, const char* az) {
      return xpath(ok_query("ec2", "Action=CreateSubnet&VpcId=" + s.vpc +
                                       "&CidrBlock=" + enc(cidr) + "&AvailabilityZone=" + az + v),
                   "//subnetId");
    };
    s.public_a = subnet("10.0.1.0/24", "eu-central-1a");
    s.public_b = subnet("10.0.2.0/24", "eu-central-1b");
    s.private_a = subnet("10.0.3.0/24", "eu-central-1a");
    s.private_b = subnet("10.0.4.0/24", "eu-central-1b");
    auto group = [&](const char* name) {
      return xpath(ok_query("ec2", std::string("Action=CreateSecurityGroup&GroupName=") + name +
                                       "&GroupDescription=x&VpcId=" + s.vpc + v),
                   "//groupId");
    };
    s.sg_alb = group("alb-sg");
    s.sg_ecs = group("ecs-sg");
    s.sg_rds = group("rds-sg");

    const std::string rv = "&Version=2014-10-31";
    if (o.with_database) {
      ok_query("rds",
               "Action=CreateDBSubnetGroup&DBSubnetGroupName=db-subnets&DBSubnetGroupDescription=x"
               "&SubnetIds.SubnetIdentifier.1=" +
                   s.private_a + "&SubnetIds.SubnetIdentifier.2=" + s.private_b + rv);
      auto db = ok_query(
          "rds",
          "Action=CreateDBInstance&DBInstanceIdentifier=resilience-platform-db&Engine=mysql"
          "&EngineVersion=8.0&DBInstanceClass=db.t3.micro&AllocatedStorage=20&StorageType=gp2"
          "&DBName=wordpress&MasterUsername=admin&MasterUserPassword=YourSecurePassword123"
          "&MultiAZ=" +
              std::string(o.multi_az ? "true" : "false") +
              "&DBSubnetGroupName=db-subnets&VpcSecurityGroupIds.VpcSecurityGroupId.1=" + s.sg_rds +
              "&StorageEncrypted=true&BackupRetentionPeriod=7"
              "&PreferredBackupWindow=03%3A00-04%3A00"
              "&PreferredMaintenanceWindow=Mon%3A04%3A00-Mon%3A05%3A00" +
              rv);
      (void)db;  // CreateDBInstance answers before the endpoint exists, as on AWS
      s.db_endpoint = xpath(
          ok_query("rds",
                   "Action=DescribeDBInstances&DBInstanceIdentifier=resilience-platform-db" + rv),
          "//Endpoint/Address");
    }

    const std::string ev = "&Version=2015-12-01";
    s.target_group = xpath(
        ok_query(
            "elasticloadbalancing",
            "Action=CreateTargetGroup&Name=resilience-platform-tg&Port=80&Protocol=HTTP&VpcId=" +
                s.vpc +
                "&TargetType=ip&HealthCheckEnabled=true&HealthCheckPath=%2Fwp-admin%2Finstall.php"
                "&HealthCheckIntervalSeconds=30&HealthCheckTimeoutSeconds=5&HealthyThresholdCount=2"
                "&UnhealthyThresholdCount=3&Matcher.HttpCode=200-399" +
                ev),
        "//TargetGroupArn");
    s.load_balancer =
        xpath(ok_query("elasticloadbalancing",
                       "Action=CreateLoadBalancer&Name=resilience-platform-alb&Type=application"
                       "&Subnets.member.1=" +
                           s.public_a + "&Subnets.member.2=" + s.public_b +
                           "&SecurityGroups.member.1=" + s.sg_alb + ev),
              "//LoadBalancerArn");
    s.listener = xpath(ok_query("elasticloadbalancing",
                                "Action=CreateListener&LoadBalancerArn=" + enc(s.load_balancer) +
                                    "&Port=80&Protocol=HTTP&DefaultActions.member.1.Type=forward"
                                    "&DefaultActions.member.1.TargetGroupArn=" +
                                    enc(s.target_group) + ev),
                       "//ListenerArn");

    s.cluster = ok_ecs("CreateCluster",
                       {{"clusterName", "resilience-platform-cluster"}})["cluster"]["clusterArn"];
    json env = json::array();
    if (o.with_database)
      env.push_back({{"name", "WORDPRESS_DB_HOST"}, {"value", s.db_endpoint + ":3306"}});
    env.push_back({{"name", "WORDPRESS_DB_NAME"}, {"value", "wordpress"}});
    s.task_definition = ok_ecs("RegisterTaskDefinition",
                               {{"family", "resilience-platform-task"},
                                {"networkMode", "awsvpc"},
                                {"requiresCompatibilities", {"FARGATE"}},
                                {"cpu", "512"},
                                {"memory", "1024"},
                                {"containerDefinitions",
                                 {{{"name", "app"},
                                   {"image", "wordpress:latest"},
                                   {"essential", true},
                                   {"portMappings", {{{"containerPort", 80}, {"protocol", "tcp"}}}},
                                   {"environment", env}}}}})["taskDefinition"]["taskDefinitionArn"];
    s.service = ok_ecs("CreateService", {{"cluster", s.cluster},
                                         {"serviceName", "resilience-platform-service"},
                                         {"taskDefinition", s.task_definition},
                                         {"desiredCount", o.desired_count},
                                         {"launchType", "FARGATE"},
                                         {"healthCheckGracePeriodSeconds", o.grace_seconds},
                                         {"deploymentConfiguration",
                                          {{"maximumPercent", 200}, {"minimumHealthyPercent", 50}}},
                                         {"networkConfiguration",
                                          {{"awsvpcConfiguration",
                                            {{"subnets", {s.public_a, s.public_b}},
                                             {"securityGroups", {s.sg_ecs}},
                                             {"assignPublicIp", "ENABLED"}}}}},
                                         {"loadBalancers",
                                          {{{"targetGroupArn", s.target_group},
                                            {"containerName", "app"},
                                            {"containerPort", 80}}}}})["service"]["serviceArn"];
    return s;
  }

  // Target health: ip -> state.
  std::map<std::string, std::string> target_states(const Stack& s) {
    auto r = ok_query("elasticloadbalancing", "Action=DescribeTargetHealth&TargetGroupArn=" +
                                                  enc(s.target_group) + "&Version=2015-12-01");
    pugi::xml_document doc;
    doc.load_string(r.body.c_str());
    std::map<std::string, std::string> out;
    for (auto n : doc.select_nodes("//TargetHealthDescriptions/member"))
      out[n.node().select_node("Target/Id").node().text().as_string()] =
          n.node().select_node("TargetHealth/State").node().text().as_string();
    return out;
  }
  std::size_t count_state(const Stack& s, const std::string& state) {
    std::size_t n = 0;
    for (auto& [ip, st] : target_states(s)) n += st == state;
    return n;
  }
  // Tasks of the service with a given desired status, described.
  json tasks(const Stack& s, const std::string& desired = "RUNNING") {
    auto arns = ok_ecs("ListTasks", {{"cluster", s.cluster},
                                     {"serviceName", "resilience-platform-service"},
                                     {"desiredStatus", desired}})["taskArns"];
    if (arns.empty()) return json::array();
    return ok_ecs("DescribeTasks", {{"cluster", s.cluster}, {"tasks", arns}})["tasks"];
  }
  json service(const Stack& s) {
    return ok_ecs(
        "DescribeServices",
        {{"cluster", s.cluster}, {"services", {"resilience-platform-service"}}})["services"][0];
  }
  json db() {
    auto r = ok_query("rds",
                      "Action=DescribeDBInstances&DBInstanceIdentifier=resilience-platform-db"
                      "&Version=2014-10-31");
    pugi::xml_document doc;
    doc.load_string(r.body.c_str());
    auto n = doc.select_node("//DBInstances/DBInstance").node();
    return {{"status", n.child("DBInstanceStatus").text().as_string()},
            {"az", n.child("AvailabilityZone").text().as_string()},
            {"secondary_az", n.child("SecondaryAvailabilityZone").text().as_string()}};
  }
  json timeline() { return ok_control("GET", "/_zonesim/timeline")["events"]; }
  // Advance in steps until pred() holds (at most max_seconds); returns whether it held.
  template <typename Pred>
  bool run_until(Pred pred, double max_seconds, double step = 1) {
    for (double t = 0; t <= max_seconds; t += step) {
      if (pred()) return true;
      advance(step);
    }
    return pred();
  }
};

}  // namespace zonesim::testing
