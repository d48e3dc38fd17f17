// ELBv2 through the whole request pipeline (query protocol), on a seeded network: VPC
// vpc-...a (10.0.0.0/16), subnets a (10.0.1.0/24, zone a), b (10.0.2.0/24, zone b),
// c (10.0.3.0/24, zone a), d (10.0.4.0/24, zone b), security groups a, b, c.
#include <map>
#include <regex>
#include <set>

#include "services/elbv2/app_probe.hpp"
#include "services/elbv2/target_health.hpp"
#include "services/elbv2/targets.hpp"
#include "tests/support/app_fixture.hpp"
#include "tests/support/seed.hpp"

namespace {

using zonesim::App;
using zonesim::Config;
using zonesim::json;
using zonesim::http::Response;
using zonesim::testing::AppTest;
using zonesim::testing::kTestEpoch;

constexpr const char* kScope = "123456789012/eu-central-1";
constexpr const char* kVpc = "vpc-0000000000000000a";
constexpr const char* kSubnetA = "subnet-0000000000000000a";
constexpr const char* kSubnetB = "subnet-0000000000000000b";
constexpr const char* kSubnetC = "subnet-0000000000000000c";
constexpr const char* kSubnetD = "subnet-0000000000000000d";
constexpr const char* kSg = "sg-0000000000000000a";

class Elbv2Test : public AppTest {
 protected:
  void SetUp() override {
    AppTest::SetUp();
    zonesim::testing::seed_network(*app_);
    // Every target's application answers 200 (health checks pass); elbv2_sim_test.cpp varies it.
    zonesim::elbv2::testing::set_app_answer_override([](const zonesim::Env&, const std::string&,
                                                        const std::string&, int, const std::string&,
                                                        const std::string&) {
      zonesim::ecs::AppAnswer a;
      a.kind = zonesim::ecs::AppAnswer::Kind::ok;
      a.status = 200;
      return a;
    });
  }
  void TearDown() override { zonesim::elbv2::testing::set_app_answer_override({}); }

  void use_timing(const std::string& timing) {
    Config c;
    c.timing = timing;
    app_ = std::make_unique<App>(c, "", kTestEpoch);
    zonesim::testing::seed_network(*app_);
  }

  Response elb(const std::string& params) {
    return query("elasticloadbalancing", "Version=2015-12-01&Action=" + params);
  }
  Response ok(const std::string& params) {
    auto r = elb(params);
    EXPECT_EQ(r.status, 200) << params << "\n" << r.body;
    return r;
  }
  // Expects an error: returns "<code>: <message>".
  std::string fails(const std::string& params, int status = 400) {
    auto r = elb(params);
    EXPECT_EQ(r.status, status) << params << "\n" << r.body;
    return error_code(r) + ": " + xpath(r, "//Error/Message");
  }
  static std::vector<std::string> all(const Response& r, const std::string& path) {
    pugi::xml_document doc;
    doc.load_string(r.body.c_str());
    std::vector<std::string> out;
    for (auto& n : doc.select_nodes(path.c_str())) out.push_back(n.node().text().as_string());
    return out;
  }
  // Attribute value from a Describe*/Modify*Attributes response.
  static std::string attr(const Response& r, const std::string& key) {
    return xpath(r, "//Attributes/member[Key='" + key + "']/Value");
  }

  std::string create_alb(const std::string& name = "web", const std::string& extra = "") {
    auto r = ok("CreateLoadBalancer&Name=" + name + "&Subnets.member.1=" + kSubnetA +
                "&Subnets.member.2=" + kSubnetB + "&SecurityGroups.member.1=" + kSg + extra);
    return xpath(r, "//LoadBalancerArn");
  }
  std::string create_tg(const std::string& name = "app", const std::string& extra = "") {
    auto r = ok("CreateTargetGroup&Name=" + name + "&Protocol=HTTP&Port=80&VpcId=" + kVpc +
                "&TargetType=ip" + extra);
    return xpath(r, "//TargetGroupArn");
  }
  std::string create_listener(const std::string& lb, const std::string& tg, int port = 80) {
    auto r = ok("CreateListener&LoadBalancerArn=" + lb + "&Port=" + std::to_string(port) +
                "&Protocol=HTTP&DefaultActions.member.1.Type=forward"
                "&DefaultActions.member.1.TargetGroupArn=" +
                tg);
    return xpath(r, "//ListenerArn");
  }
  Response health(const std::string& tg) { return ok("DescribeTargetHealth&TargetGroupArn=" + tg); }
  std::vector<const json*> node_interfaces() {
    std::vector<const json*> out;
    for (auto& [id, eni] : app_->env().store.list(kScope, "network-interface"))
      if (eni->value("RequesterId", "") == "amazon-elb") out.push_back(eni);
    return out;
  }
};

// ---- load balancers ----

TEST_F(Elbv2Test, CreateApplicationLoadBalancerReturnsWhatTerraformReadsBack) {
  auto r = ok(std::string("CreateLoadBalancer&Name=resilience-platform-alb&Subnets.member.1=") +
              kSubnetB + "&Subnets.member.2=" + kSubnetA + "&SecurityGroups.member.1=" + kSg +
              "&Type=application");
  std::string arn = xpath(r, "//LoadBalancerArn");
  EXPECT_TRUE(std::regex_match(
      arn, std::regex("arn:aws:elasticloadbalancing:eu-central-1:123456789012:loadbalancer/app/"
                      "resilience-platform-alb/[0-9a-f]{16}")))
      << arn;
  EXPECT_TRUE(std::regex_match(
      xpath(r, "//DNSName"),
      std::regex("resilience-platform-alb-[1-9][0-9]{9}\\.eu-central-1\\.elb\\.amazonaws\\.com")))
      << xpath(r, "//DNSName");
  EXPECT_EQ(xpath(r, "//CanonicalHostedZoneId"), "Z215JYRZR1TBD5");
  EXPECT_EQ(xpath(r, "//State/Code"), "active");
  EXPECT_EQ(xpath(r, "//Scheme"), "internet-facing");
  EXPECT_EQ(xpath(r, "//Type"), "application");
  EXPECT_EQ(xpath(r, "//IpAddressType"), "ipv4");
  EXPECT_EQ(xpath(r, "//VpcId"), kVpc);
  EXPECT_EQ(all(r, "//SecurityGroups/member"), std::vector<std::string>{kSg});
  EXPECT_EQ(xpath(r, "//CreatedTime"), "2026-01-01T00:00:00.000Z");
  // Zones sorted by name, one per subnet.
  EXPECT_EQ(all(r, "//AvailabilityZones/member/ZoneName"),
            (std::vector<std::string>{"eu-central-1a", "eu-central-1b"}));
  EXPECT_EQ(all(r, "//AvailabilityZones/member/SubnetId"),
            (std::vector<std::string>{kSubnetA, kSubnetB}));

  // One node per subnet: a requester-managed interface named after the load balancer.
  auto enis = node_interfaces();
  ASSERT_EQ(enis.size(), 2u);
  std::string id = arn.substr(arn.rfind('/') + 1);
  for (auto* eni : enis) {
    EXPECT_EQ(eni->value("Description", ""), "ELB app/resilience-platform-alb/" + id);
    EXPECT_EQ(eni->value("InterfaceType", ""), "interface");
    EXPECT_EQ((*eni)["Groups"][0]["GroupId"], kSg);
  }

  auto d = ok("DescribeLoadBalancers&LoadBalancerArns.member.1=" + arn);
  EXPECT_EQ(xpath(d, "//LoadBalancerName"), "resilience-platform-alb");
  EXPECT_EQ(xpath(d, "//DNSName"), xpath(r, "//DNSName"));
  EXPECT_EQ(xpath(d, "//State/Code"), "active");
}

TEST_F(Elbv2Test, InternalAndNetworkAndGatewayLoadBalancersDiffer) {
  auto r = ok(std::string("CreateLoadBalancer&Name=inner&Scheme=internal&Subnets.member.1=") +
              kSubnetA + "&Subnets.member.2=" + kSubnetB + "&SecurityGroups.member.1=" + kSg);
  EXPECT_EQ(xpath(r, "//DNSName").rfind("internal-inner-", 0), 0u) << xpath(r, "//DNSName");
  EXPECT_EQ(xpath(r, "//Scheme"), "internal");

  // A Network Load Balancer: one zone is enough, no security groups unless given, its own DNS
  // form and hosted zone, its own attribute set.
  r = ok(std::string("CreateLoadBalancer&Name=tcp&Type=network&Subnets.member.1=") + kSubnetA);
  std::string nlb = xpath(r, "//LoadBalancerArn");
  EXPECT_NE(nlb.find(":loadbalancer/net/tcp/"), std::string::npos);
  EXPECT_TRUE(std::regex_match(
      xpath(r, "//DNSName"), std::regex("tcp-[0-9a-f]{16}\\.elb\\.eu-central-1\\.amazonaws\\.com")))
      << xpath(r, "//DNSName");
  EXPECT_EQ(xpath(r, "//CanonicalHostedZoneId"), "Z3F0SRJ5LGBH90");
  EXPECT_TRUE(all(r, "//SecurityGroups/member").empty());
  auto a = ok("DescribeLoadBalancerAttributes&LoadBalancerArn=" + nlb);
  EXPECT_EQ(attr(a, "load_balancing.cross_zone.enabled"), "false");
  EXPECT_EQ(attr(a, "dns_record.client_routing_policy"), "any_availability_zone");
  EXPECT_EQ(xpath(a, "//Attributes/member[Key='idle_timeout.timeout_seconds']/Key"), "");
  bool found = false;
  for (auto* e : node_interfaces())
    if (e->value("Description", "").rfind("ELB net/tcp/", 0) == 0) {
      found = true;
      EXPECT_EQ(e->value("InterfaceType", ""), "network_load_balancer");
    }
  EXPECT_TRUE(found);
  EXPECT_EQ(fails("SetSecurityGroups&LoadBalancerArn=" + nlb + "&SecurityGroups.member.1=" + kSg)
                .substr(0, 27),
            "InvalidConfigurationRequest");

  r = ok(std::string("CreateLoadBalancer&Name=gw&Type=gateway&Subnets.member.1=") + kSubnetA);
  EXPECT_EQ(xpath(r, "//Type"), "gateway");
  EXPECT_EQ(xpath(r, "//DNSName"), "");
  EXPECT_EQ(fails(std::string("CreateLoadBalancer&Name=gw2&Type=gateway&Subnets.member.1=") +
                  kSubnetA + "&SecurityGroups.member.1=" + kSg)
                .substr(0, 15),
            "ValidationError");
}

TEST_F(Elbv2Test, DescribeLoadBalancersByNameAndArnAndPages) {
  EXPECT_EQ(fails("DescribeLoadBalancers&Names.member.1=web"),
            "LoadBalancerNotFound: Load balancers '[web]' not found");
  std::string web = create_alb("web");
  std::string api = create_alb("api");
  auto r = ok("DescribeLoadBalancers&Names.member.1=api");
  EXPECT_EQ(all(r, "//LoadBalancerArn"), std::vector<std::string>{api});
  EXPECT_EQ(fails("DescribeLoadBalancers&Names.member.1=api&Names.member.2=nope"),
            "LoadBalancerNotFound: Load balancers '[nope]' not found");
  EXPECT_EQ(fails("DescribeLoadBalancers&LoadBalancerArns.member.1=" + web + "x"),
            "LoadBalancerNotFound: One or more load balancers not found");
  EXPECT_EQ(fails("DescribeLoadBalancers&Names.member.1=web&LoadBalancerArns.member.1=" + web)
                .substr(0, 15),
            "ValidationError");

  r = ok("DescribeLoadBalancers&PageSize=1");
  EXPECT_EQ(all(r, "//LoadBalancerArn"), std::vector<std::string>{web});
  std::string marker = xpath(r, "//NextMarker");
  ASSERT_FALSE(marker.empty());
  r = ok("DescribeLoadBalancers&PageSize=1&Marker=" + marker);
  EXPECT_EQ(all(r, "//LoadBalancerArn"), std::vector<std::string>{api});
  EXPECT_EQ(xpath(r, "//NextMarker"), "");
  EXPECT_EQ(fails("DescribeLoadBalancers&PageSize=401"),
            "ValidationError: 1 validation error detected: Value '401' at 'pageSize' failed to "
            "satisfy constraint: Member must have value less than or equal to 400");
}

TEST_F(Elbv2Test, LoadBalancerNamesAreValidated) {
  auto create = [&](const std::string& name) {
    return fails("CreateLoadBalancer&Name=" + name + "&Subnets.member.1=" + kSubnetA +
                 "&Subnets.member.2=" + kSubnetB);
  };
  EXPECT_EQ(create("a234567890123456789012345678901234"),
            "ValidationError: Load balancer name 'a234567890123456789012345678901234' cannot be "
            "longer than '32' characters");
  EXPECT_EQ(create("bad_name"),
            "ValidationError: Load balancer name 'bad_name' can only contain characters that are "
            "alphanumeric characters or hyphens(-)");
  EXPECT_EQ(create("-web"),
            "ValidationError: Load balancer name '-web' cannot begin or end with '-'");
  EXPECT_EQ(create("web-"),
            "ValidationError: Load balancer name 'web-' cannot begin or end with '-'");
  EXPECT_EQ(create("internal-web"),
            "ValidationError: Load balancer name 'internal-web' cannot begin with 'internal-'");
}

TEST_F(Elbv2Test, CreateLoadBalancerIsIdempotentButNamesAreUnique) {
  std::string a = create_alb("web");
  EXPECT_EQ(create_alb("web"), a);
  EXPECT_EQ(node_interfaces().size(), 2u);
  EXPECT_EQ(fails(std::string("CreateLoadBalancer&Name=web&Scheme=internal&Subnets.member.1=") +
                  kSubnetA + "&Subnets.member.2=" + kSubnetB + "&SecurityGroups.member.1=" + kSg),
            "DuplicateLoadBalancerName: A load balancer with the same name 'web' exists, but with "
            "different settings");
}

TEST_F(Elbv2Test, SubnetsAndSecurityGroupsAreChecked) {
  EXPECT_EQ(fails(std::string("CreateLoadBalancer&Name=web&Subnets.member.1=") + kSubnetA),
            "ValidationError: At least two subnets in two different Availability Zones must be "
            "specified");
  EXPECT_EQ(
      fails(std::string("CreateLoadBalancer&Name=web&Subnets.member.1=") + kSubnetA +
            "&Subnets.member.2=" + kSubnetC),
      "InvalidConfigurationRequest: A load balancer cannot be attached to multiple subnets in "
      "the same Availability Zone");
  EXPECT_EQ(fails(std::string("CreateLoadBalancer&Name=web&Subnets.member.1=") + kSubnetA +
                  "&Subnets.member.2=subnet-0123456789abcdef0"),
            "SubnetNotFound: The subnet ID 'subnet-0123456789abcdef0' does not exist");
  EXPECT_EQ(
      fails(std::string("CreateLoadBalancer&Name=web&Subnets.member.1=") + kSubnetA +
            "&Subnets.member.2=" + kSubnetB + "&SecurityGroups.member.1=sg-0123456789abcdef0"),
      "InvalidSecurityGroup: The security group 'sg-0123456789abcdef0' does not exist");
  EXPECT_EQ(fails("CreateLoadBalancer&Name=web").substr(0, 15), "ValidationError");
  // Nothing half-made is left behind by the failures.
  EXPECT_TRUE(node_interfaces().empty());
  EXPECT_TRUE(all(ok("DescribeLoadBalancers"), "//LoadBalancerArn").empty());
}

TEST_F(Elbv2Test, LoadBalancerAttributesHaveAwsDefaultsAndAreValidated) {
  std::string lb = create_alb();
  auto r = ok("DescribeLoadBalancerAttributes&LoadBalancerArn=" + lb);
  std::map<std::string, std::string> expected = {
      {"access_logs.s3.enabled", "false"},
      {"access_logs.s3.bucket", ""},
      {"access_logs.s3.prefix", ""},
      {"connection_logs.s3.enabled", "false"},
      {"health_check_logs.s3.enabled", "false"},
      {"idle_timeout.timeout_seconds", "60"},
      {"client_keep_alive.seconds", "3600"},
      {"deletion_protection.enabled", "false"},
      {"routing.http2.enabled", "true"},
      {"routing.http.drop_invalid_header_fields.enabled", "false"},
      {"routing.http.desync_mitigation_mode", "defensive"},
      {"routing.http.xff_header_processing.mode", "append"},
      {"routing.http.xff_client_port.enabled", "false"},
      {"routing.http.preserve_host_header.enabled", "false"},
      {"routing.http.x_amzn_tls_version_and_cipher_suite.enabled", "false"},
      {"waf.fail_open.enabled", "false"},
      {"zonal_shift.config.enabled", "false"},
      {"load_balancing.cross_zone.enabled", "true"},
  };
  for (auto& [k, v] : expected) {
    EXPECT_EQ(attr(r, k), v) << k;
    EXPECT_EQ(xpath(r, "//Attributes/member[Key='" + k + "']/Key"), k);
  }
  std::size_t count = all(r, "//Attributes/member/Key").size();

  // The 14 keys Terraform sends at create are accepted, and the answer echoes every attribute.
  std::string tf;
  int i = 0;
  for (auto [k, v] : std::vector<std::pair<const char*, const char*>>{
           {"access_logs.s3.enabled", "false"},
           {"connection_logs.s3.enabled", "false"},
           {"routing.http.desync_mitigation_mode", "strictest"},
           {"routing.http.xff_client_port.enabled", "false"},
           {"routing.http.xff_header_processing.mode", "append"},
           {"deletion_protection.enabled", "false"},
           {"routing.http.x_amzn_tls_version_and_cipher_suite.enabled", "false"},
           {"zonal_shift.config.enabled", "false"},
           {"routing.http.preserve_host_header.enabled", "false"},
           {"client_keep_alive.seconds", "7200"},
           {"routing.http.drop_invalid_header_fields.enabled", "true"},
           {"routing.http2.enabled", "true"},
           {"idle_timeout.timeout_seconds", "120"},
           {"waf.fail_open.enabled", "false"}}) {
    ++i;
    tf += "&Attributes.member." + std::to_string(i) + ".Key=" + k + "&Attributes.member." +
          std::to_string(i) + ".Value=" + v;
  }
  r = ok("ModifyLoadBalancerAttributes&LoadBalancerArn=" + lb + tf);
  EXPECT_EQ(all(r, "//Attributes/member/Key").size(), count);
  EXPECT_EQ(attr(r, "idle_timeout.timeout_seconds"), "120");
  r = ok("DescribeLoadBalancerAttributes&LoadBalancerArn=" + lb);
  EXPECT_EQ(attr(r, "idle_timeout.timeout_seconds"), "120");
  EXPECT_EQ(attr(r, "client_keep_alive.seconds"), "7200");
  EXPECT_EQ(attr(r, "routing.http.desync_mitigation_mode"), "strictest");
  EXPECT_EQ(attr(r, "routing.http.drop_invalid_header_fields.enabled"), "true");

  auto modify = [&](const std::string& k, const std::string& v) {
    return fails("ModifyLoadBalancerAttributes&LoadBalancerArn=" + lb +
                 "&Attributes.member.1.Key=" + k + "&Attributes.member.1.Value=" + v);
  };
  EXPECT_EQ(modify("foo.bar", "1"),
            "ValidationError: Load balancer attribute key 'foo.bar' is not recognized");
  EXPECT_EQ(modify("idle_timeout.timeout_seconds", "0"),
            "ValidationError: 'idle_timeout.timeout_seconds' value '0' must be between '1-4000' "
            "inclusive");
  EXPECT_EQ(modify("idle_timeout.timeout_seconds", "4001").substr(0, 15), "ValidationError");
  EXPECT_EQ(modify("client_keep_alive.seconds", "59").substr(0, 15), "ValidationError");
  EXPECT_EQ(modify("routing.http.desync_mitigation_mode", "lenient"),
            "ValidationError: 'routing.http.desync_mitigation_mode' value 'lenient' must be one "
            "of [monitor, defensive, strictest]");
  EXPECT_EQ(modify("routing.http2.enabled", "yes").substr(0, 15), "ValidationError");
  EXPECT_EQ(modify("load_balancing.cross_zone.enabled", "false").substr(0, 27),
            "InvalidConfigurationRequest");
  EXPECT_EQ(modify("access_logs.s3.enabled", "true").substr(0, 15), "ValidationError");
  // A rejected modification changes nothing.
  EXPECT_EQ(attr(ok("DescribeLoadBalancerAttributes&LoadBalancerArn=" + lb),
                 "idle_timeout.timeout_seconds"),
            "120");
}

TEST_F(Elbv2Test, DeletionProtectionAndIdempotentDelete) {
  std::string lb = create_alb();
  ok("ModifyLoadBalancerAttributes&LoadBalancerArn=" + lb +
     "&Attributes.member.1.Key=deletion_protection.enabled&Attributes.member.1.Value=true");
  EXPECT_EQ(fails("DeleteLoadBalancer&LoadBalancerArn=" + lb),
            "OperationNotPermitted: Load balancer '" + lb +
                "' cannot be deleted because deletion protection is enabled");
  ok("ModifyLoadBalancerAttributes&LoadBalancerArn=" + lb +
     "&Attributes.member.1.Key=deletion_protection.enabled&Attributes.member.1.Value=false");
  ok("DeleteLoadBalancer&LoadBalancerArn=" + lb);
  EXPECT_TRUE(node_interfaces().empty());
  EXPECT_EQ(fails("DescribeLoadBalancers&LoadBalancerArns.member.1=" + lb).substr(0, 20),
            "LoadBalancerNotFound");
  ok("DeleteLoadBalancer&LoadBalancerArn=" + lb);  // already gone: still succeeds
}

TEST_F(Elbv2Test, RealisticProfileProvisionsOnTheClock) {
  use_timing("realistic");
  std::string lb = create_alb();
  EXPECT_EQ(xpath(ok("DescribeLoadBalancers&LoadBalancerArns.member.1=" + lb), "//State/Code"),
            "provisioning");
  app_->advance_to(kTestEpoch + 60'000);
  EXPECT_EQ(xpath(ok("DescribeLoadBalancers&LoadBalancerArns.member.1=" + lb), "//State/Code"),
            "provisioning");
  app_->advance_to(kTestEpoch + 150'000);
  EXPECT_EQ(xpath(ok("DescribeLoadBalancers&LoadBalancerArns.member.1=" + lb), "//State/Code"),
            "active");
  EXPECT_EQ(app_->env().store.get(kScope, "elbv2-load-balancer", lb)->at("State")["Code"],
            "active");
}

TEST_F(Elbv2Test, CapacityReservation) {
  std::string lb = create_alb();
  auto r = ok("DescribeCapacityReservation&LoadBalancerArn=" + lb);
  EXPECT_EQ(xpath(r, "//MinimumLoadBalancerCapacity/CapacityUnits"), "");
  EXPECT_TRUE(all(r, "//CapacityReservationState/member").empty());
  EXPECT_EQ(fails("ModifyCapacityReservation&LoadBalancerArn=" + lb +
                  "&MinimumLoadBalancerCapacity.CapacityUnits=50")
                .substr(0, 27),
            "InvalidConfigurationRequest");
  r = ok("ModifyCapacityReservation&LoadBalancerArn=" + lb +
         "&MinimumLoadBalancerCapacity.CapacityUnits=200");
  EXPECT_EQ(xpath(r, "//MinimumLoadBalancerCapacity/CapacityUnits"), "200");
  r = ok("DescribeCapacityReservation&LoadBalancerArn=" + lb);
  EXPECT_EQ(all(r, "//CapacityReservationState/member/AvailabilityZone"),
            (std::vector<std::string>{"eu-central-1a", "eu-central-1b"}));
  EXPECT_EQ(all(r, "//CapacityReservationState/member/EffectiveCapacityUnits"),
            (std::vector<std::string>{"100.0", "100.0"}));
  EXPECT_EQ(all(r, "//CapacityReservationState/member/State/Code"),
            (std::vector<std::string>{"provisioned", "provisioned"}));
  ok("ModifyCapacityReservation&LoadBalancerArn=" + lb + "&ResetCapacityReservation=true");
  r = ok("DescribeCapacityReservation&LoadBalancerArn=" + lb);
  EXPECT_EQ(xpath(r, "//MinimumLoadBalancerCapacity/CapacityUnits"), "");
  EXPECT_EQ(fails("ModifyCapacityReservation&LoadBalancerArn=" + lb).substr(0, 15),
            "ValidationError");
}

TEST_F(Elbv2Test, SetSecurityGroupsSubnetsAndIpAddressType) {
  std::string lb = create_alb();
  auto r = ok("SetSecurityGroups&LoadBalancerArn=" + lb +
              "&SecurityGroups.member.1=sg-0000000000000000b&SecurityGroups.member.2=sg-"
              "0000000000000000c");
  EXPECT_EQ(all(r, "//SecurityGroupIds/member"),
            (std::vector<std::string>{"sg-0000000000000000b", "sg-0000000000000000c"}));
  for (auto* eni : node_interfaces()) EXPECT_EQ((*eni)["Groups"].size(), 2u);
  EXPECT_EQ(fails("SetSecurityGroups&LoadBalancerArn=" + lb + "&SecurityGroups.member.1=sg-nope")
                .substr(0, 20),
            "InvalidSecurityGroup");

  r = ok("SetSubnets&LoadBalancerArn=" + lb + "&Subnets.member.1=" + kSubnetC +
         "&Subnets.member.2=" + kSubnetB);
  EXPECT_EQ(all(r, "//AvailabilityZones/member/SubnetId"),
            (std::vector<std::string>{kSubnetC, kSubnetB}));
  std::set<std::string> node_subnets;
  for (auto* eni : node_interfaces()) node_subnets.insert(eni->value("SubnetId", ""));
  EXPECT_EQ(node_subnets, (std::set<std::string>{kSubnetB, kSubnetC}));
  EXPECT_EQ(
      fails("SetSubnets&LoadBalancerArn=" + lb + "&Subnets.member.1=" + kSubnetC).substr(0, 15),
      "ValidationError");

  r = ok("SetIpAddressType&LoadBalancerArn=" + lb + "&IpAddressType=dualstack");
  EXPECT_EQ(xpath(r, "//IpAddressType"), "dualstack");
  EXPECT_EQ(xpath(ok("DescribeLoadBalancers&LoadBalancerArns.member.1=" + lb), "//IpAddressType"),
            "dualstack");
  EXPECT_EQ(
      attr(ok("DescribeLoadBalancerAttributes&LoadBalancerArn=" + lb), "ipv6.deny_all_igw_traffic"),
      "false");
}

// ---- target groups ----

TEST_F(Elbv2Test, TargetGroupDefaultsForHttpAsTerraformCreatesIt) {
  EXPECT_EQ(fails("DescribeTargetGroups&Names.member.1=resilience-platform-tg"),
            "TargetGroupNotFound: Target groups '[resilience-platform-tg]' not found");
  // Terraform sends ProtocolVersion empty.
  auto r = ok(std::string("CreateTargetGroup&Name=resilience-platform-tg&Port=80&Protocol=HTTP"
                          "&ProtocolVersion=&TargetType=ip&VpcId=") +
              kVpc +
              "&HealthCheckEnabled=true&HealthCheckPath=%2Fwp-admin%2Finstall.php"
              "&HealthCheckIntervalSeconds=30&HealthCheckTimeoutSeconds=5&HealthyThresholdCount=2"
              "&UnhealthyThresholdCount=3&Matcher.HttpCode=200-399");
  std::string tg = xpath(r, "//TargetGroupArn");
  EXPECT_TRUE(std::regex_match(
      tg, std::regex("arn:aws:elasticloadbalancing:eu-central-1:123456789012:targetgroup/"
                     "resilience-platform-tg/[0-9a-f]{16}")));
  r = ok("DescribeTargetGroups&TargetGroupArns.member.1=" + tg);
  EXPECT_EQ(xpath(r, "//Protocol"), "HTTP");
  EXPECT_EQ(xpath(r, "//Port"), "80");
  EXPECT_EQ(xpath(r, "//VpcId"), kVpc);
  EXPECT_EQ(xpath(r, "//TargetType"), "ip");
  EXPECT_EQ(xpath(r, "//ProtocolVersion"), "HTTP1");
  EXPECT_EQ(xpath(r, "//IpAddressType"), "ipv4");
  EXPECT_EQ(xpath(r, "//HealthCheckEnabled"), "true");
  EXPECT_EQ(xpath(r, "//HealthCheckPath"), "/wp-admin/install.php");
  EXPECT_EQ(xpath(r, "//HealthCheckPort"), "traffic-port");
  EXPECT_EQ(xpath(r, "//HealthCheckProtocol"), "HTTP");
  EXPECT_EQ(xpath(r, "//HealthCheckIntervalSeconds"), "30");
  EXPECT_EQ(xpath(r, "//HealthCheckTimeoutSeconds"), "5");
  EXPECT_EQ(xpath(r, "//HealthyThresholdCount"), "2");
  EXPECT_EQ(xpath(r, "//UnhealthyThresholdCount"), "3");
  EXPECT_EQ(xpath(r, "//Matcher/HttpCode"), "200-399");
  EXPECT_TRUE(all(r, "//LoadBalancerArns/member").empty());

  // Defaults when nothing is given.
  r = ok(std::string("CreateTargetGroup&Name=plain&Protocol=HTTP&Port=8080&VpcId=") + kVpc);
  EXPECT_EQ(xpath(r, "//TargetType"), "instance");
  EXPECT_EQ(xpath(r, "//HealthCheckPath"), "/");
  EXPECT_EQ(xpath(r, "//HealthCheckIntervalSeconds"), "30");
  EXPECT_EQ(xpath(r, "//HealthCheckTimeoutSeconds"), "5");
  EXPECT_EQ(xpath(r, "//HealthyThresholdCount"), "5");
  EXPECT_EQ(xpath(r, "//UnhealthyThresholdCount"), "2");
  EXPECT_EQ(xpath(r, "//Matcher/HttpCode"), "200");
  EXPECT_EQ(xpath(r, "//HealthCheckPort"), "traffic-port");

  r = ok(std::string("CreateTargetGroup&Name=tcp&Protocol=TCP&Port=5432&VpcId=") + kVpc);
  EXPECT_EQ(xpath(r, "//HealthCheckProtocol"), "TCP");
  EXPECT_EQ(xpath(r, "//HealthCheckTimeoutSeconds"), "10");
  EXPECT_EQ(xpath(r, "//HealthCheckPath"), "");
  EXPECT_EQ(xpath(r, "//Matcher/HttpCode"), "");
  EXPECT_EQ(xpath(r, "//ProtocolVersion"), "");

  r = ok("CreateTargetGroup&Name=fn&TargetType=lambda");
  EXPECT_EQ(xpath(r, "//HealthCheckEnabled"), "false");
  EXPECT_EQ(xpath(r, "//HealthCheckIntervalSeconds"), "35");
  EXPECT_EQ(xpath(r, "//HealthCheckTimeoutSeconds"), "30");
  EXPECT_EQ(xpath(r, "//Protocol"), "");
}

TEST_F(Elbv2Test, TargetGroupHealthCheckRangesAreValidated) {
  auto create = [&](const std::string& extra) {
    return fails(std::string("CreateTargetGroup&Name=x&Protocol=HTTP&Port=80&VpcId=") + kVpc +
                 extra);
  };
  EXPECT_EQ(create("&HealthCheckIntervalSeconds=4"),
            "ValidationError: 1 validation error detected: Value '4' at "
            "'healthCheckIntervalSeconds' failed to satisfy constraint: Member must have value "
            "greater than or equal to 5");
  EXPECT_EQ(create("&HealthCheckIntervalSeconds=301").substr(0, 15), "ValidationError");
  EXPECT_EQ(create("&HealthCheckTimeoutSeconds=1").substr(0, 15), "ValidationError");
  EXPECT_EQ(create("&HealthCheckTimeoutSeconds=121&HealthCheckIntervalSeconds=300").substr(0, 15),
            "ValidationError");
  EXPECT_EQ(create("&HealthyThresholdCount=1").substr(0, 15), "ValidationError");
  EXPECT_EQ(create("&UnhealthyThresholdCount=11"),
            "ValidationError: 1 validation error detected: Value '11' at "
            "'unhealthyThresholdCount' failed to satisfy constraint: Member must have value less "
            "than or equal to 10");
  EXPECT_EQ(create("&HealthCheckTimeoutSeconds=30&HealthCheckIntervalSeconds=30"),
            "ValidationError: Health check timeout '30' must be smaller than the interval '30'");
  EXPECT_EQ(create("&Matcher.HttpCode=500"),
            "ValidationError: Health check matcher HTTP code '500' must be within '200-499' "
            "inclusive");
  EXPECT_EQ(create("&Matcher.HttpCode=200-abc").substr(0, 15), "ValidationError");
  EXPECT_EQ(create("&HealthCheckPath=health").substr(0, 15), "ValidationError");
  EXPECT_EQ(create("&HealthCheckPort=70000").substr(0, 15), "ValidationError");
  EXPECT_EQ(create("&HealthCheckProtocol=TCP").substr(0, 27), "InvalidConfigurationRequest");
  EXPECT_EQ(create("&HealthCheckEnabled=false").substr(0, 27), "InvalidConfigurationRequest");
  EXPECT_EQ(create("&ProtocolVersion=HTTP3").substr(0, 15), "ValidationError");
  EXPECT_EQ(fails("CreateTargetGroup&Name=x&Protocol=HTTP&Port=80"),
            "ValidationError: A VPC ID must be specified");
  EXPECT_EQ(fails("CreateTargetGroup&Name=x&Protocol=HTTP&Port=80&VpcId=vpc-0123456789abcdef0"),
            "ValidationError: The VPC ID 'vpc-0123456789abcdef0' is not found");
  EXPECT_EQ(fails("CreateTargetGroup&Name=x&TargetType=lambda&Port=80"),
            "ValidationError: Port cannot be specified for target groups with target type "
            "'lambda'");
  EXPECT_EQ(fails(std::string("CreateTargetGroup&Name=x_y&Protocol=HTTP&Port=80&VpcId=") + kVpc),
            "ValidationError: Target group name 'x_y' can only contain characters that are "
            "alphanumeric characters or hyphens(-)");
  // Within range: accepted, and ModifyTargetGroup validates the same way.
  std::string tg = create_tg("app", "&Matcher.HttpCode=200,202,300-499");
  auto r = ok("ModifyTargetGroup&TargetGroupArn=" + tg +
              "&HealthCheckIntervalSeconds=10&HealthCheckPath=%2Fready&HealthyThresholdCount=3");
  EXPECT_EQ(xpath(r, "//HealthCheckIntervalSeconds"), "10");
  EXPECT_EQ(xpath(r, "//HealthCheckPath"), "/ready");
  EXPECT_EQ(xpath(r, "//HealthyThresholdCount"), "3");
  EXPECT_EQ(xpath(r, "//Matcher/HttpCode"), "200,202,300-499");
  EXPECT_EQ(fails("ModifyTargetGroup&TargetGroupArn=" + tg + "&HealthCheckTimeoutSeconds=10"),
            "ValidationError: Health check timeout '10' must be smaller than the interval '10'");
}

TEST_F(Elbv2Test, TargetGroupNamesAreUniqueAndCreateIsIdempotent) {
  std::string tg = create_tg("app");
  EXPECT_EQ(create_tg("app"), tg);
  EXPECT_EQ(fails(std::string("CreateTargetGroup&Name=app&Protocol=HTTP&Port=81&TargetType=ip"
                              "&VpcId=") +
                  kVpc),
            "DuplicateTargetGroupName: A target group with the same name 'app' exists, but with "
            "different settings");
}

TEST_F(Elbv2Test, DescribeTargetGroupsFilters) {
  std::string lb = create_alb();
  std::string a = create_tg("a");
  std::string b = create_tg("b");
  create_listener(lb, a);
  auto r = ok("DescribeTargetGroups&LoadBalancerArn=" + lb);
  EXPECT_EQ(all(r, "//TargetGroupArn"), std::vector<std::string>{a});
  EXPECT_EQ(all(r, "//LoadBalancerArns/member"), std::vector<std::string>{lb});
  r = ok("DescribeTargetGroups&Names.member.1=b");
  EXPECT_EQ(all(r, "//TargetGroupArn"), std::vector<std::string>{b});
  EXPECT_EQ(all(ok("DescribeTargetGroups"), "//TargetGroupArn"), (std::vector<std::string>{a, b}));
  EXPECT_EQ(fails("DescribeTargetGroups&TargetGroupArns.member.1=" + b + "0"),
            "TargetGroupNotFound: One or more target groups not found");
  EXPECT_EQ(fails("DescribeTargetGroups&Names.member.1=a&LoadBalancerArn=" + lb).substr(0, 15),
            "ValidationError");
  EXPECT_EQ(fails("DescribeTargetGroups&LoadBalancerArn=" + lb + "0").substr(0, 20),
            "LoadBalancerNotFound");
}

TEST_F(Elbv2Test, TargetGroupAttributesHaveAwsDefaultsAndAreValidated) {
  std::string tg = create_tg();
  auto r = ok("DescribeTargetGroupAttributes&TargetGroupArn=" + tg);
  std::map<std::string, std::string> expected = {
      {"deregistration_delay.timeout_seconds", "300"},
      {"stickiness.enabled", "false"},
      {"stickiness.type", "lb_cookie"},
      {"stickiness.lb_cookie.duration_seconds", "86400"},
      {"stickiness.app_cookie.cookie_name", ""},
      {"stickiness.app_cookie.duration_seconds", "86400"},
      {"load_balancing.algorithm.type", "round_robin"},
      {"load_balancing.algorithm.anomaly_mitigation", "off"},
      {"load_balancing.cross_zone.enabled", "use_load_balancer_configuration"},
      {"slow_start.duration_seconds", "0"},
      {"target_group_health.dns_failover.minimum_healthy_targets.count", "1"},
      {"target_group_health.dns_failover.minimum_healthy_targets.percentage", "off"},
      {"target_group_health.unhealthy_state_routing.minimum_healthy_targets.count", "1"},
      {"target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage", "off"},
  };
  for (auto& [k, v] : expected) {
    EXPECT_EQ(attr(r, k), v) << k;
    EXPECT_EQ(xpath(r, "//Attributes/member[Key='" + k + "']/Key"), k);
  }
  r = ok("ModifyTargetGroupAttributes&TargetGroupArn=" + tg +
         "&Attributes.member.1.Key=deregistration_delay.timeout_seconds"
         "&Attributes.member.1.Value=30");
  EXPECT_EQ(attr(r, "deregistration_delay.timeout_seconds"), "30");
  EXPECT_EQ(attr(r, "stickiness.type"), "lb_cookie");
  auto modify = [&](const std::string& k, const std::string& v) {
    return fails("ModifyTargetGroupAttributes&TargetGroupArn=" + tg +
                 "&Attributes.member.1.Key=" + k + "&Attributes.member.1.Value=" + v);
  };
  EXPECT_EQ(modify("deregistration_delay.timeout_seconds", "3601"),
            "ValidationError: 'deregistration_delay.timeout_seconds' value '3601' must be "
            "between '0-3600' inclusive");
  EXPECT_EQ(modify("stickiness.type", "source_ip").substr(0, 15), "ValidationError");
  EXPECT_EQ(modify("proxy_protocol_v2.enabled", "true"),
            "ValidationError: Target group attribute key 'proxy_protocol_v2.enabled' is not "
            "recognized");
  EXPECT_EQ(modify("slow_start.duration_seconds", "10").substr(0, 15), "ValidationError");
  EXPECT_EQ(modify("load_balancing.algorithm.anomaly_mitigation", "on").substr(0, 27),
            "InvalidConfigurationRequest");
  EXPECT_EQ(modify("stickiness.app_cookie.cookie_name", "AWSALBX").substr(0, 15),
            "ValidationError");

  std::string tcp = xpath(ok(std::string("CreateTargetGroup&Name=tcp&Protocol=TCP&Port=5432"
                                         "&TargetType=ip&VpcId=") +
                             kVpc),
                          "//TargetGroupArn");
  r = ok("DescribeTargetGroupAttributes&TargetGroupArn=" + tcp);
  EXPECT_EQ(attr(r, "stickiness.type"), "source_ip");
  EXPECT_EQ(attr(r, "preserve_client_ip.enabled"), "false");
  EXPECT_EQ(attr(r, "proxy_protocol_v2.enabled"), "false");
  EXPECT_EQ(attr(r, "target_health_state.unhealthy.connection_termination.enabled"), "true");
  EXPECT_EQ(attr(r, "target_health_state.unhealthy.draining_interval_seconds"), "0");
}

TEST_F(Elbv2Test, TargetGroupInUseCannotBeDeleted) {
  std::string lb = create_alb();
  std::string tg = create_tg();
  std::string listener = create_listener(lb, tg);
  EXPECT_EQ(fails("DeleteTargetGroup&TargetGroupArn=" + tg),
            "ResourceInUse: Target group '" + tg + "' is currently in use by a listener or a rule");
  ok("DeleteListener&ListenerArn=" + listener);
  ok("DeleteTargetGroup&TargetGroupArn=" + tg);
  EXPECT_EQ(fails("DescribeTargetGroups&TargetGroupArns.member.1=" + tg).substr(0, 19),
            "TargetGroupNotFound");
  ok("DeleteTargetGroup&TargetGroupArn=" + tg);  // absent: succeeds
}

// ---- listeners ----

TEST_F(Elbv2Test, ListenerForwardsToTargetGroup) {
  std::string lb = create_alb();
  std::string tg = create_tg();
  auto r = ok("CreateListener&LoadBalancerArn=" + lb +
              "&Port=80&Protocol=HTTP&DefaultActions.member.1.Type=forward"
              "&DefaultActions.member.1.TargetGroupArn=" +
              tg + "&DefaultActions.member.1.Order=1");
  std::string listener = xpath(r, "//ListenerArn");
  std::string lb_path = lb.substr(lb.find("loadbalancer/") + 13);
  EXPECT_TRUE(std::regex_match(
      listener, std::regex("arn:aws:elasticloadbalancing:eu-central-1:123456789012:listener/" +
                           lb_path + "/[0-9a-f]{16}")))
      << listener;
  r = ok("DescribeListeners&ListenerArns.member.1=" + listener);
  EXPECT_EQ(xpath(r, "//Port"), "80");
  EXPECT_EQ(xpath(r, "//Protocol"), "HTTP");
  EXPECT_EQ(xpath(r, "//LoadBalancerArn"), lb);
  EXPECT_EQ(xpath(r, "//DefaultActions/member/Type"), "forward");
  EXPECT_EQ(xpath(r, "//DefaultActions/member/TargetGroupArn"), tg);
  EXPECT_EQ(xpath(r, "//DefaultActions/member/Order"), "1");
  EXPECT_EQ(xpath(r, "//ForwardConfig/TargetGroups/member/Weight"), "1");
  EXPECT_EQ(xpath(r, "//SslPolicy"), "");
  EXPECT_EQ(all(ok("DescribeListeners&LoadBalancerArn=" + lb), "//ListenerArn"),
            std::vector<std::string>{listener});
  EXPECT_EQ(
      all(ok("DescribeTargetGroups&TargetGroupArns.member.1=" + tg), "//LoadBalancerArns/member"),
      std::vector<std::string>{lb});
  EXPECT_EQ(fails("DescribeListeners&ListenerArns.member.1=" + listener + "0"),
            "ListenerNotFound: One or more listeners not found");
  EXPECT_EQ(fails("DescribeListeners").substr(0, 15), "ValidationError");

  // Same settings again: the same listener. Another action on the port: a duplicate.
  EXPECT_EQ(create_listener(lb, tg), listener);
  EXPECT_EQ(fails("CreateListener&LoadBalancerArn=" + lb +
                  "&Port=80&Protocol=HTTP&DefaultActions.member.1.Type=fixed-response"
                  "&DefaultActions.member.1.FixedResponseConfig.StatusCode=503"),
            "DuplicateListener: A listener already exists on this port for this load balancer '" +
                lb + "'");

  r = ok("DescribeListenerAttributes&ListenerArn=" + listener);
  EXPECT_EQ(attr(r, "routing.http.response.server.enabled"), "true");
  EXPECT_EQ(attr(r, "routing.http.response.x_frame_options.header_value"), "");
  EXPECT_EQ(xpath(r, "//Attributes/member[Key='tcp.idle_timeout.seconds']/Key"), "");
  r = ok("ModifyListenerAttributes&ListenerArn=" + listener +
         "&Attributes.member.1.Key=routing.http.response.server.enabled"
         "&Attributes.member.1.Value=false");
  EXPECT_EQ(attr(r, "routing.http.response.server.enabled"), "false");
  EXPECT_EQ(fails("ModifyListenerAttributes&ListenerArn=" + listener +
                  "&Attributes.member.1.Key=tcp.idle_timeout.seconds"
                  "&Attributes.member.1.Value=100"),
            "ValidationError: Listener attribute key 'tcp.idle_timeout.seconds' is not recognized");

  ok("DeleteListener&ListenerArn=" + listener);
  EXPECT_EQ(fails("DeleteListener&ListenerArn=" + listener).substr(0, 16), "ListenerNotFound");
  EXPECT_TRUE(
      all(ok("DescribeTargetGroups&TargetGroupArns.member.1=" + tg), "//LoadBalancerArns/member")
          .empty());
}

TEST_F(Elbv2Test, ListenerActionsFixedResponseRedirectWeightedForward) {
  std::string lb = create_alb();
  std::string blue = create_tg("blue");
  std::string green = create_tg("green");
  auto r = ok("CreateListener&LoadBalancerArn=" + lb +
              "&Port=8080&Protocol=HTTP&DefaultActions.member.1.Type=fixed-response"
              "&DefaultActions.member.1.FixedResponseConfig.StatusCode=503"
              "&DefaultActions.member.1.FixedResponseConfig.ContentType=text%2Fplain"
              "&DefaultActions.member.1.FixedResponseConfig.MessageBody=down");
  EXPECT_EQ(xpath(r, "//FixedResponseConfig/StatusCode"), "503");
  EXPECT_EQ(xpath(r, "//FixedResponseConfig/ContentType"), "text/plain");
  EXPECT_EQ(xpath(r, "//FixedResponseConfig/MessageBody"), "down");

  r = ok("CreateListener&LoadBalancerArn=" + lb +
         "&Port=81&Protocol=HTTP&DefaultActions.member.1.Type=redirect"
         "&DefaultActions.member.1.RedirectConfig.Protocol=HTTPS"
         "&DefaultActions.member.1.RedirectConfig.Port=443"
         "&DefaultActions.member.1.RedirectConfig.StatusCode=HTTP_301");
  EXPECT_EQ(xpath(r, "//RedirectConfig/Protocol"), "HTTPS");
  EXPECT_EQ(xpath(r, "//RedirectConfig/Port"), "443");
  EXPECT_EQ(xpath(r, "//RedirectConfig/Host"), "#{host}");
  EXPECT_EQ(xpath(r, "//RedirectConfig/Path"), "/#{path}");
  EXPECT_EQ(xpath(r, "//RedirectConfig/Query"), "#{query}");
  EXPECT_EQ(xpath(r, "//RedirectConfig/StatusCode"), "HTTP_301");

  r = ok("CreateListener&LoadBalancerArn=" + lb +
         "&Port=82&Protocol=HTTP&DefaultActions.member.1.Type=forward"
         "&DefaultActions.member.1.ForwardConfig.TargetGroups.member.1.TargetGroupArn=" +
         blue +
         "&DefaultActions.member.1.ForwardConfig.TargetGroups.member.1.Weight=80"
         "&DefaultActions.member.1.ForwardConfig.TargetGroups.member.2.TargetGroupArn=" +
         green + "&DefaultActions.member.1.ForwardConfig.TargetGroups.member.2.Weight=20");
  EXPECT_EQ(all(r, "//ForwardConfig/TargetGroups/member/Weight"),
            (std::vector<std::string>{"80", "20"}));
  EXPECT_EQ(xpath(r, "//DefaultActions/member/TargetGroupArn"), "");
  EXPECT_EQ(xpath(r, "//TargetGroupStickinessConfig/Enabled"), "false");

  auto create = [&](const std::string& actions) {
    return fails("CreateListener&LoadBalancerArn=" + lb + "&Port=90&Protocol=HTTP" + actions);
  };
  EXPECT_EQ(create("&DefaultActions.member.1.Type=fixed-response"
                   "&DefaultActions.member.1.FixedResponseConfig.StatusCode=302"),
            "ValidationError: 1 validation error detected: Value '302' at "
            "'defaultActions.1.member.fixedResponseConfig.statusCode' failed to satisfy "
            "constraint: Member must satisfy regular expression pattern: ^(2|4|5)\\d\\d$");
  EXPECT_EQ(create("&DefaultActions.member.1.Type=fixed-response"
                   "&DefaultActions.member.1.FixedResponseConfig.StatusCode=200"
                   "&DefaultActions.member.1.FixedResponseConfig.ContentType=text%2Fxml")
                .substr(0, 25),
            "InvalidLoadBalancerAction");
  EXPECT_EQ(create("&DefaultActions.member.1.Type=redirect"
                   "&DefaultActions.member.1.RedirectConfig.StatusCode=HTTP_302")
                .substr(0, 25),
            "InvalidLoadBalancerAction");
  EXPECT_EQ(create("&DefaultActions.member.1.Type=forward"
                   "&DefaultActions.member.1.TargetGroupArn=" +
                   blue + "0"),
            "TargetGroupNotFound: Target groups '" + blue + "0' not found");
  EXPECT_EQ(
      create("&DefaultActions.member.1.Type=forward"
             "&DefaultActions.member.1.ForwardConfig.TargetGroups.member.1.TargetGroupArn=" +
             blue + "&DefaultActions.member.1.ForwardConfig.TargetGroups.member.1.Weight=1000")
          .substr(0, 15),
      "ValidationError");
  EXPECT_EQ(fails("CreateListener&LoadBalancerArn=" + lb +
                  "&Port=91&Protocol=TCP&DefaultActions.member.1.Type=forward"
                  "&DefaultActions.member.1.TargetGroupArn=" +
                  blue),
            "ValidationError: Listener protocol 'TCP' must be one of 'HTTPS, HTTP'");
  EXPECT_EQ(fails("CreateListener&LoadBalancerArn=" + lb +
                  "&Port=443&Protocol=HTTPS&DefaultActions.member.1.Type=forward"
                  "&DefaultActions.member.1.TargetGroupArn=" +
                  blue)
                .substr(0, 15),
            "ValidationError");
  EXPECT_EQ(fails("CreateListener&LoadBalancerArn=" + lb +
                  "&Port=0&Protocol=HTTP&DefaultActions.member.1.Type=forward"
                  "&DefaultActions.member.1.TargetGroupArn=" +
                  blue)
                .substr(0, 15),
            "ValidationError");

  // HTTPS: a certificate and the default security policy.
  r = ok("CreateListener&LoadBalancerArn=" + lb +
         "&Port=443&Protocol=HTTPS&Certificates.member.1.CertificateArn=arn:aws:acm:eu-central-1:"
         "123456789012:certificate/0d5a0a7c-5f7e-4c8a-9e4b-1c2d3e4f5a6b"
         "&DefaultActions.member.1.Type=forward&DefaultActions.member.1.TargetGroupArn=" +
         blue);
  EXPECT_EQ(xpath(r, "//SslPolicy"), "ELBSecurityPolicy-TLS13-1-2-2021-06");
  std::string https = xpath(r, "//ListenerArn");
  r = ok("DescribeListenerAttributes&ListenerArn=" + https);
  EXPECT_EQ(attr(r, "routing.http.request.x_amzn_tls_version.header_name"), "X-Amzn-Tls-Version");
  // HTTPS -> HTTP drops the policy and the certificate.
  r = ok("ModifyListener&ListenerArn=" + https + "&Protocol=HTTP&Port=444");
  EXPECT_EQ(xpath(r, "//SslPolicy"), "");
  EXPECT_EQ(xpath(r, "//Certificates/member/CertificateArn"), "");
  EXPECT_EQ(xpath(r, "//Port"), "444");
}

TEST_F(Elbv2Test, TargetGroupBelongsToOneLoadBalancer) {
  std::string a = create_alb("a");
  std::string b = create_alb("b");
  std::string tg = create_tg();
  create_listener(a, tg);
  EXPECT_EQ(fails("CreateListener&LoadBalancerArn=" + b +
                  "&Port=80&Protocol=HTTP&DefaultActions.member.1.Type=forward"
                  "&DefaultActions.member.1.TargetGroupArn=" +
                  tg),
            "TargetGroupAssociationLimit: The following target groups cannot be associated with "
            "more than one load balancer: " +
                tg);
}

TEST_F(Elbv2Test, NetworkListenerAttributes) {
  std::string nlb = xpath(ok(std::string("CreateLoadBalancer&Name=tcp&Type=network"
                                         "&Subnets.member.1=") +
                             kSubnetA),
                          "//LoadBalancerArn");
  std::string tg = xpath(ok(std::string("CreateTargetGroup&Name=tcp&Protocol=TCP&Port=5432"
                                        "&TargetType=ip&VpcId=") +
                            kVpc),
                         "//TargetGroupArn");
  auto r = ok("CreateListener&LoadBalancerArn=" + nlb +
              "&Port=5432&Protocol=TCP&DefaultActions.member.1.Type=forward"
              "&DefaultActions.member.1.TargetGroupArn=" +
              tg);
  std::string listener = xpath(r, "//ListenerArn");
  EXPECT_NE(listener.find(":listener/net/tcp/"), std::string::npos);
  r = ok("DescribeListenerAttributes&ListenerArn=" + listener);
  EXPECT_EQ(attr(r, "tcp.idle_timeout.seconds"), "350");
  EXPECT_EQ(all(r, "//Attributes/member/Key").size(), 1u);
  EXPECT_EQ(fails("ModifyListenerAttributes&ListenerArn=" + listener +
                  "&Attributes.member.1.Key=tcp.idle_timeout.seconds"
                  "&Attributes.member.1.Value=59")
                .substr(0, 15),
            "ValidationError");
  EXPECT_EQ(fails("CreateListener&LoadBalancerArn=" + nlb +
                  "&Port=80&Protocol=TCP&DefaultActions.member.1.Type=fixed-response"
                  "&DefaultActions.member.1.FixedResponseConfig.StatusCode=200")
                .substr(0, 25),
            "InvalidLoadBalancerAction");
  std::string http_tg = create_tg();
  EXPECT_EQ(fails("CreateListener&LoadBalancerArn=" + nlb +
                  "&Port=80&Protocol=TCP&DefaultActions.member.1.Type=forward"
                  "&DefaultActions.member.1.TargetGroupArn=" +
                  http_tg)
                .substr(0, 21),
            "IncompatibleProtocols");
}

// ---- rules ----

TEST_F(Elbv2Test, RulesAndPriorities) {
  std::string lb = create_alb();
  std::string tg = create_tg("app");
  std::string api = create_tg("api");
  std::string listener = create_listener(lb, tg);
  auto r = ok("CreateRule&ListenerArn=" + listener +
              "&Priority=10&Conditions.member.1.Field=path-pattern"
              "&Conditions.member.1.Values.member.1=%2Fapi%2F*"
              "&Actions.member.1.Type=forward&Actions.member.1.TargetGroupArn=" +
              api);
  std::string rule = xpath(r, "//RuleArn");
  std::string listener_path = listener.substr(listener.find(":listener/") + 10);
  EXPECT_TRUE(std::regex_match(
      rule, std::regex("arn:aws:elasticloadbalancing:eu-central-1:123456789012:listener-rule/" +
                       listener_path + "/[0-9a-f]{16}")))
      << rule;
  EXPECT_EQ(xpath(r, "//Priority"), "10");
  EXPECT_EQ(xpath(r, "//IsDefault"), "false");
  EXPECT_EQ(xpath(r, "//Conditions/member/Values/member"), "/api/*");
  EXPECT_EQ(xpath(r, "//Conditions/member/PathPatternConfig/Values/member"), "/api/*");
  EXPECT_EQ(
      all(ok("DescribeTargetGroups&TargetGroupArns.member.1=" + api), "//LoadBalancerArns/member"),
      std::vector<std::string>{lb});

  r = ok("CreateRule&ListenerArn=" + listener +
         "&Priority=5&Conditions.member.1.Field=host-header"
         "&Conditions.member.1.HostHeaderConfig.Values.member.1=api.example.com"
         "&Conditions.member.2.Field=http-header"
         "&Conditions.member.2.HttpHeaderConfig.HttpHeaderName=X-Canary"
         "&Conditions.member.2.HttpHeaderConfig.Values.member.1=1"
         "&Conditions.member.3.Field=http-request-method"
         "&Conditions.member.3.HttpRequestMethodConfig.Values.member.1=GET"
         "&Conditions.member.4.Field=query-string"
         "&Conditions.member.4.QueryStringConfig.Values.member.1.Key=v"
         "&Conditions.member.4.QueryStringConfig.Values.member.1.Value=2"
         "&Conditions.member.5.Field=source-ip"
         "&Conditions.member.5.SourceIpConfig.Values.member.1=10.0.0.0%2F8"
         "&Actions.member.1.Type=fixed-response"
         "&Actions.member.1.FixedResponseConfig.StatusCode=204");
  std::string canary = xpath(r, "//RuleArn");

  r = ok("DescribeRules&ListenerArn=" + listener);
  EXPECT_EQ(all(r, "//Rules/member/Priority"), (std::vector<std::string>{"5", "10", "default"}));
  EXPECT_EQ(all(r, "//Rules/member/IsDefault"),
            (std::vector<std::string>{"false", "false", "true"}));
  EXPECT_EQ(xpath(r, "//Rules/member[IsDefault='true']/Actions/member/TargetGroupArn"), tg);
  std::string default_rule = xpath(r, "//Rules/member[IsDefault='true']/RuleArn");

  auto create = [&](const std::string& rest) {
    return fails("CreateRule&ListenerArn=" + listener + rest +
                 "&Actions.member.1.Type=fixed-response"
                 "&Actions.member.1.FixedResponseConfig.StatusCode=204");
  };
  std::string path =
      "&Conditions.member.1.Field=path-pattern&Conditions.member.1.Values.member.1=%2Fx";
  EXPECT_EQ(create("&Priority=10" + path), "PriorityInUse: Priority '10' is currently in use");
  EXPECT_EQ(create("&Priority=0" + path),
            "ValidationError: 1 validation error detected: Value '0' at 'priority' failed to "
            "satisfy constraint: Member must have value greater than or equal to 1");
  EXPECT_EQ(create("&Priority=50001" + path).substr(0, 15), "ValidationError");
  EXPECT_EQ(create("&Priority=20&Conditions.member.1.Field=cookie"
                   "&Conditions.member.1.Values.member.1=x")
                .substr(0, 15),
            "ValidationError");
  EXPECT_EQ(create("&Priority=20&Conditions.member.1.Field=source-ip"
                   "&Conditions.member.1.Values.member.1=10.0.0.0%2F8"),
            "ValidationError: The 'Values' field is not compatible with 'source-ip'");
  EXPECT_EQ(create("&Priority=20&Conditions.member.1.Field=source-ip"
                   "&Conditions.member.1.SourceIpConfig.Values.member.1=not-a-cidr")
                .substr(0, 15),
            "ValidationError");
  EXPECT_EQ(
      create("&Priority=20&Conditions.member.1.Field=path-pattern"
             "&Conditions.member.1.Values.member.1=%2Fa&Conditions.member.1.Values.member.2=%2Fb"),
      "ValidationError: The 'path-pattern' field contains too many values; the limit is '1'");
  EXPECT_EQ(create("&Priority=20").substr(0, 15), "ValidationError");

  // Priorities: swap two rules at once; a clash with a rule left alone is refused.
  r = ok("SetRulePriorities&RulePriorities.member.1.RuleArn=" + rule +
         "&RulePriorities.member.1.Priority=5&RulePriorities.member.2.RuleArn=" + canary +
         "&RulePriorities.member.2.Priority=10");
  EXPECT_EQ(all(r, "//Rules/member/Priority"), (std::vector<std::string>{"5", "10"}));
  EXPECT_EQ(fails("SetRulePriorities&RulePriorities.member.1.RuleArn=" + rule +
                  "&RulePriorities.member.1.Priority=10"),
            "PriorityInUse: Priority '10' is currently in use");
  EXPECT_EQ(fails("SetRulePriorities&RulePriorities.member.1.RuleArn=" + default_rule +
                  "&RulePriorities.member.1.Priority=1")
                .substr(0, 21),
            "OperationNotPermitted");

  r = ok("ModifyRule&RuleArn=" + rule +
         "&Conditions.member.1.Field=path-pattern"
         "&Conditions.member.1.PathPatternConfig.Values.member.1=%2Fv2%2F*"
         "&Conditions.member.1.PathPatternConfig.Values.member.2=%2Fv3%2F*");
  EXPECT_EQ(all(r, "//Conditions/member/PathPatternConfig/Values/member"),
            (std::vector<std::string>{"/v2/*", "/v3/*"}));
  EXPECT_EQ(xpath(r, "//Actions/member/TargetGroupArn"), api);

  EXPECT_EQ(fails("DeleteRule&RuleArn=" + default_rule),
            "OperationNotPermitted: Default rule '" + default_rule + "' cannot be deleted");
  EXPECT_EQ(fails("DescribeRules&RuleArns.member.1=" + rule + "0"),
            "RuleNotFound: One or more rules not found");
  EXPECT_EQ(all(ok("DescribeRules&RuleArns.member.1=" + default_rule), "//IsDefault"),
            std::vector<std::string>{"true"});

  // A target group a rule forwards to is in use.
  EXPECT_EQ(fails("DeleteTargetGroup&TargetGroupArn=" + api).substr(0, 13), "ResourceInUse");
  ok("DeleteRule&RuleArn=" + rule);
  ok("DeleteTargetGroup&TargetGroupArn=" + api);
  EXPECT_EQ(fails("DeleteRule&RuleArn=" + rule).substr(0, 12), "RuleNotFound");
  // Deleting the listener deletes its rules.
  ok("DeleteListener&ListenerArn=" + listener);
  EXPECT_EQ(fails("DescribeRules&RuleArns.member.1=" + canary).substr(0, 12), "RuleNotFound");
}

// ---- targets ----

TEST_F(Elbv2Test, TargetsAreUnusedUntilAListenerForwardsThenHealthy) {
  std::string lb = create_alb();
  std::string tg = create_tg();
  ok("RegisterTargets&TargetGroupArn=" + tg + "&Targets.member.1.Id=10.0.1.10");
  auto r = health(tg);
  EXPECT_EQ(xpath(r, "//Target/Id"), "10.0.1.10");
  EXPECT_EQ(xpath(r, "//Target/Port"), "80");  // the group's port
  EXPECT_EQ(xpath(r, "//HealthCheckPort"), "80");
  EXPECT_EQ(xpath(r, "//TargetHealth/State"), "unused");
  EXPECT_EQ(xpath(r, "//TargetHealth/Reason"), "Target.NotInUse");
  EXPECT_EQ(xpath(r, "//TargetHealth/Description"),
            "Target group is not configured to receive traffic from the load balancer");

  // A listener forwarding to the group starts the health checks: initial until HealthyThreshold
  // (5 by default) checks 30 s apart have passed, the first one after a jitter below 30 s.
  std::string listener = create_listener(lb, tg);
  r = health(tg);
  EXPECT_EQ(xpath(r, "//TargetHealth/State"), "initial");
  EXPECT_EQ(xpath(r, "//TargetHealth/Reason"), "Elb.InitialHealthChecking");
  EXPECT_EQ(xpath(r, "//TargetHealth/Description"), "Initial health checks in progress");
  app_->advance_to(kTestEpoch + 119'999);
  EXPECT_EQ(xpath(health(tg), "//TargetHealth/State"), "initial");
  app_->advance_to(kTestEpoch + 150'000);
  r = health(tg);
  EXPECT_EQ(xpath(r, "//TargetHealth/State"), "healthy");
  EXPECT_EQ(xpath(r, "//TargetHealth/Reason"), "");
  EXPECT_EQ(xpath(r, "//TargetHealth/Description"), "");

  // Registered after the listener: the same, from its registration.
  ok("RegisterTargets&TargetGroupArn=" + tg +
     "&Targets.member.1.Id=10.0.2.10&Targets.member.1.Port=8080");
  std::string one = "DescribeTargetHealth&TargetGroupArn=" + tg +
                    "&Targets.member.1.Id=10.0.2.10&Targets.member.1.Port=8080";
  r = ok(one);
  EXPECT_EQ(xpath(r, "//TargetHealth/State"), "initial");
  EXPECT_EQ(xpath(r, "//HealthCheckPort"), "8080");
  app_->advance_to(kTestEpoch + 300'000);
  EXPECT_EQ(xpath(ok(one), "//TargetHealth/State"), "healthy");

  // A target that is not registered.
  r = ok("DescribeTargetHealth&TargetGroupArn=" + tg + "&Targets.member.1.Id=10.0.1.99");
  EXPECT_EQ(xpath(r, "//TargetHealth/State"), "unused");
  EXPECT_EQ(xpath(r, "//TargetHealth/Reason"), "Target.NotRegistered");
  EXPECT_EQ(xpath(r, "//TargetHealth/Description"), "Target is not registered to the target group");

  // The listener going away takes the targets out of service.
  ok("DeleteListener&ListenerArn=" + listener);
  EXPECT_EQ(all(health(tg), "//TargetHealth/Reason"),
            (std::vector<std::string>{"Target.NotInUse", "Target.NotInUse"}));
}

TEST_F(Elbv2Test, RealisticRegistrationGoesThroughInitialStates) {
  use_timing("realistic");
  std::string lb = create_alb();
  std::string tg = create_tg("app", "&HealthCheckIntervalSeconds=10&HealthyThresholdCount=3");
  create_listener(lb, tg);
  ok("RegisterTargets&TargetGroupArn=" + tg + "&Targets.member.1.Id=10.0.1.10");
  auto r = health(tg);
  EXPECT_EQ(xpath(r, "//TargetHealth/State"), "initial");
  EXPECT_EQ(xpath(r, "//TargetHealth/Reason"), "Elb.RegistrationInProgress");
  EXPECT_EQ(xpath(r, "//TargetHealth/Description"), "Target registration is in progress");
  // Registration takes 10-20 s; then three checks 10 s apart, the first after a jitter below 10 s.
  app_->advance_to(kTestEpoch + 20'000);
  r = health(tg);
  EXPECT_EQ(xpath(r, "//TargetHealth/State"), "initial");
  EXPECT_EQ(xpath(r, "//TargetHealth/Reason"), "Elb.InitialHealthChecking");
  EXPECT_EQ(xpath(r, "//TargetHealth/Description"), "Initial health checks in progress");
  app_->advance_to(kTestEpoch + 29'999);
  EXPECT_EQ(xpath(health(tg), "//TargetHealth/State"), "initial");
  app_->advance_to(kTestEpoch + 50'000);
  EXPECT_EQ(xpath(health(tg), "//TargetHealth/State"), "healthy");
  EXPECT_EQ(zonesim::elbv2::target_state(app_->env(), kScope, tg, "10.0.1.10", 80), "healthy");
}

TEST_F(Elbv2Test, DeregisteredTargetsDrainForTheDeregistrationDelay) {
  std::string lb = create_alb();
  std::string tg = create_tg();
  create_listener(lb, tg);
  ok("ModifyTargetGroupAttributes&TargetGroupArn=" + tg +
     "&Attributes.member.1.Key=deregistration_delay.timeout_seconds&Attributes.member.1.Value=60");
  ok("RegisterTargets&TargetGroupArn=" + tg +
     "&Targets.member.1.Id=10.0.1.10&Targets.member.2.Id=10.0.2.10");
  app_->advance_to(kTestEpoch + 1'000);
  ok("DeregisterTargets&TargetGroupArn=" + tg + "&Targets.member.1.Id=10.0.1.10");
  auto r = ok("DescribeTargetHealth&TargetGroupArn=" + tg + "&Targets.member.1.Id=10.0.1.10");
  EXPECT_EQ(xpath(r, "//TargetHealth/State"), "draining");
  EXPECT_EQ(xpath(r, "//TargetHealth/Reason"), "Target.DeregistrationInProgress");
  EXPECT_EQ(xpath(r, "//TargetHealth/Description"), "Target deregistration is in progress");
  // Deregistering again, or a target that is not registered, succeeds and changes nothing.
  ok("DeregisterTargets&TargetGroupArn=" + tg + "&Targets.member.1.Id=10.0.1.10");
  ok("DeregisterTargets&TargetGroupArn=" + tg + "&Targets.member.1.Id=10.0.1.77");

  app_->advance_to(kTestEpoch + 60'999);
  EXPECT_EQ(all(health(tg), "//Target/Id"), (std::vector<std::string>{"10.0.1.10", "10.0.2.10"}));
  app_->advance_to(kTestEpoch + 61'000);
  EXPECT_EQ(all(health(tg), "//Target/Id"), std::vector<std::string>{"10.0.2.10"});
  r = ok("DescribeTargetHealth&TargetGroupArn=" + tg + "&Targets.member.1.Id=10.0.1.10");
  EXPECT_EQ(xpath(r, "//TargetHealth/Reason"), "Target.NotRegistered");

  // Registering a draining target again cancels its deregistration.
  ok("DeregisterTargets&TargetGroupArn=" + tg + "&Targets.member.1.Id=10.0.2.10");
  ok("RegisterTargets&TargetGroupArn=" + tg + "&Targets.member.1.Id=10.0.2.10");
  EXPECT_EQ(xpath(health(tg), "//TargetHealth/State"), "initial");
  app_->advance_to(kTestEpoch + 300'000);
  EXPECT_EQ(xpath(health(tg), "//TargetHealth/State"), "healthy");

  // A target the load balancer never used goes at once.
  std::string idle = create_tg("idle");
  ok("RegisterTargets&TargetGroupArn=" + idle + "&Targets.member.1.Id=10.0.1.10");
  ok("DeregisterTargets&TargetGroupArn=" + idle + "&Targets.member.1.Id=10.0.1.10");
  EXPECT_TRUE(all(health(idle), "//Target/Id").empty());
}

TEST_F(Elbv2Test, InvalidTargetsAreRefused) {
  std::string tg = create_tg();
  EXPECT_EQ(
      fails("RegisterTargets&TargetGroupArn=" + tg + "&Targets.member.1.Id=i-0123456789abcdef0"),
      "InvalidTarget: The IP address 'i-0123456789abcdef0' is not a valid IPv4 address");
  EXPECT_EQ(
      fails("RegisterTargets&TargetGroupArn=" + tg + "&Targets.member.1.Id=8.8.8.8").substr(0, 13),
      "InvalidTarget");
  EXPECT_EQ(fails("RegisterTargets&TargetGroupArn=" + tg + "&Targets.member.1.Id=192.168.1.5")
                .substr(0, 15),
            "ValidationError");  // outside the VPC: the zone must be given
  ok("RegisterTargets&TargetGroupArn=" + tg +
     "&Targets.member.1.Id=192.168.1.5&Targets.member.1.AvailabilityZone=all");
  EXPECT_EQ(xpath(health(tg), "//Target/AvailabilityZone"), "all");
  EXPECT_EQ(fails("RegisterTargets&TargetGroupArn=" + tg +
                  "&Targets.member.1.Id=10.0.1.5&Targets.member.1.Port=0")
                .substr(0, 15),
            "ValidationError");
  EXPECT_EQ(fails("RegisterTargets&TargetGroupArn=" + tg + "0&Targets.member.1.Id=10.0.1.5"),
            "TargetGroupNotFound: Target groups '" + tg + "0' not found");
  std::string instances = xpath(ok(std::string("CreateTargetGroup&Name=vm&Protocol=HTTP&Port=80"
                                               "&VpcId=") +
                                   kVpc),
                                "//TargetGroupArn");
  EXPECT_EQ(fails("RegisterTargets&TargetGroupArn=" + instances +
                  "&Targets.member.1.Id=i-0123456789abcdef0"),
            "InvalidTarget: The following targets are not valid instances: 'i-0123456789abcdef0'");
}

TEST_F(Elbv2Test, TargetsInZonesTheLoadBalancerDoesNotServeAreNotInUse) {
  std::string nlb = xpath(ok(std::string("CreateLoadBalancer&Name=tcp&Type=network"
                                         "&Subnets.member.1=") +
                             kSubnetA),
                          "//LoadBalancerArn");
  std::string tg = xpath(ok(std::string("CreateTargetGroup&Name=tcp&Protocol=TCP&Port=5432"
                                        "&TargetType=ip&VpcId=") +
                            kVpc),
                         "//TargetGroupArn");
  ok("CreateListener&LoadBalancerArn=" + nlb +
     "&Port=5432&Protocol=TCP&DefaultActions.member.1.Type=forward"
     "&DefaultActions.member.1.TargetGroupArn=" +
     tg);
  ok("RegisterTargets&TargetGroupArn=" + tg +
     "&Targets.member.1.Id=10.0.1.10&Targets.member.2.Id=10.0.2.10");
  auto r = ok("DescribeTargetHealth&TargetGroupArn=" + tg + "&Targets.member.1.Id=10.0.2.10");
  EXPECT_EQ(xpath(r, "//TargetHealth/State"), "unused");
  EXPECT_EQ(xpath(r, "//TargetHealth/Reason"), "Target.NotInUse");
  EXPECT_EQ(xpath(r, "//TargetHealth/Description"),
            "Target is in an Availability Zone that is not enabled for the load balancer");
  EXPECT_EQ(
      xpath(ok("DescribeTargetHealth&TargetGroupArn=" + tg + "&Targets.member.1.Id=10.0.1.10"),
            "//TargetHealth/State"),
      "initial");
  // Enabling the zone brings the target into service: its checks start.
  ok("SetSubnets&LoadBalancerArn=" + nlb + "&Subnets.member.1=" + kSubnetA +
     "&Subnets.member.2=" + kSubnetD);
  EXPECT_EQ(all(health(tg), "//TargetHealth/State"),
            (std::vector<std::string>{"initial", "initial"}));
  app_->advance_to(kTestEpoch + 300'000);
  EXPECT_EQ(all(health(tg), "//TargetHealth/State"),
            (std::vector<std::string>{"healthy", "healthy"}));
}

TEST_F(Elbv2Test, EcsContractSharesTheRegistrationPath) {
  namespace elbv2 = zonesim::elbv2;
  std::string lb = create_alb();
  std::string tg = create_tg();
  create_listener(lb, tg);
  auto& env = app_->env();
  env.store.begin();
  elbv2::register_ip_target(env, kScope, tg, "10.0.1.20", 8080);
  env.store.commit();
  EXPECT_EQ(elbv2::target_state(env, kScope, tg, "10.0.1.20", 8080), "initial");
  EXPECT_EQ(elbv2::target_state(env, kScope, tg, "10.0.1.20", 80), std::nullopt);
  EXPECT_EQ(xpath(health(tg), "//Target/Port"), "8080");

  env.store.begin();
  elbv2::deregister_ip_target(env, kScope, tg, "10.0.1.20", 8080);
  env.store.commit();
  EXPECT_EQ(elbv2::target_state(env, kScope, tg, "10.0.1.20", 8080), "draining");
  app_->advance_to(kTestEpoch + 300'000);
  EXPECT_EQ(elbv2::target_state(env, kScope, tg, "10.0.1.20", 8080), std::nullopt);

  env.store.begin();
  try {
    elbv2::register_ip_target(env, kScope, tg + "0", "10.0.1.20", 8080);
    ADD_FAILURE() << "expected TargetGroupNotFound";
  } catch (const zonesim::AwsError& e) {
    EXPECT_EQ(e.code(), "TargetGroupNotFound");
  }
  EXPECT_THROW(elbv2::register_ip_target(env, kScope, tg, "172.31.0.1", 80), zonesim::AwsError);
  env.store.rollback();
}

TEST_F(Elbv2Test, RolledBackRegistrationLeavesNoPendingTransition) {
  use_timing("realistic");
  std::string lb = create_alb();
  std::string tg = create_tg();
  create_listener(lb, tg);
  // The second target is invalid: the request fails and the first registration is rolled back,
  // though its clock events were already scheduled.
  fails("RegisterTargets&TargetGroupArn=" + tg +
        "&Targets.member.1.Id=10.0.1.10&Targets.member.2.Id=8.8.8.8");
  app_->advance_to(kTestEpoch + 600'000);
  EXPECT_TRUE(all(health(tg), "//Target/Id").empty());
}

// ---- tags ----

TEST_F(Elbv2Test, TagsOnEveryResource) {
  std::string lb = create_alb("web", "&Tags.member.1.Key=env&Tags.member.1.Value=prod");
  std::string tg = create_tg("app", "&Tags.member.1.Key=team&Tags.member.1.Value=web");
  std::string listener = create_listener(lb, tg);
  std::string default_rule = xpath(ok("DescribeRules&ListenerArn=" + listener), "//RuleArn");
  auto r = ok("DescribeTags&ResourceArns.member.1=" + lb + "&ResourceArns.member.2=" + tg);
  EXPECT_EQ(xpath(r, "//TagDescriptions/member[ResourceArn='" + lb + "']/Tags/member/Value"),
            "prod");
  EXPECT_EQ(xpath(r, "//TagDescriptions/member[ResourceArn='" + tg + "']/Tags/member/Key"), "team");
  ok("AddTags&ResourceArns.member.1=" + listener + "&ResourceArns.member.2=" + default_rule +
     "&Tags.member.1.Key=owner&Tags.member.1.Value=me");
  r = ok("DescribeTags&ResourceArns.member.1=" + listener +
         "&ResourceArns.member.2=" + default_rule);
  EXPECT_EQ(all(r, "//Tags/member/Value"), (std::vector<std::string>{"me", "me"}));
  ok("AddTags&ResourceArns.member.1=" + lb + "&Tags.member.1.Key=env&Tags.member.1.Value=dev");
  ok("RemoveTags&ResourceArns.member.1=" + listener + "&TagKeys.member.1=owner");
  r = ok("DescribeTags&ResourceArns.member.1=" + lb + "&ResourceArns.member.2=" + listener);
  EXPECT_EQ(all(r, "//Tags/member/Value"), std::vector<std::string>{"dev"});

  std::string many;
  for (int i = 1; i <= 50; ++i)
    many += "&Tags.member." + std::to_string(i) + ".Key=k" + std::to_string(i);
  EXPECT_EQ(fails("AddTags&ResourceArns.member.1=" + lb + many),
            "TooManyTags: The quota for the number of tags that can be assigned to a load "
            "balancer has been reached");
  EXPECT_EQ(
      fails("AddTags&ResourceArns.member.1=" + lb + "&Tags.member.1.Key=a&Tags.member.2.Key=a")
          .substr(0, 16),
      "DuplicateTagKeys");
  EXPECT_EQ(fails("DescribeTags&ResourceArns.member.1=" + lb + "0").substr(0, 20),
            "LoadBalancerNotFound");
  EXPECT_EQ(fails("DescribeTags&ResourceArns.member.1=" + tg + "0").substr(0, 19),
            "TargetGroupNotFound");
}

// ---- the target health state machine, without HTTP ----

TEST(Elbv2TargetHealth, StatesReasonsAndDescriptionsAreAws) {
  namespace h = zonesim::elbv2::health;
  using S = h::Service;
  EXPECT_EQ(
      h::on_registered(S::not_in_use, true),
      (h::Status{"unused", "Target.NotInUse",
                 "Target group is not configured to receive traffic from the load balancer"}));
  EXPECT_EQ(
      h::on_registered(S::in_service, true),
      (h::Status{"initial", "Elb.RegistrationInProgress", "Target registration is in progress"}));
  EXPECT_EQ(h::on_registered(S::in_service, false),
            (h::Status{"unavailable", "Target.HealthCheckDisabled", "Health checks are disabled"}));
  auto s = h::on_registration_complete(h::on_registered(S::in_service, true));
  EXPECT_EQ(
      s, (h::Status{"initial", "Elb.InitialHealthChecking", "Initial health checks in progress"}));

  // Initial -> healthy after HealthyThresholdCount passes; a failure resets the count.
  h::CheckCounters c;
  s = h::on_check_result(s, c, h::CheckResult::pass, 3, 2);
  s = h::on_check_result(s, c, h::CheckResult::timeout, 3, 2);
  EXPECT_EQ(s.state, "initial");
  s = h::on_check_result(s, c, h::CheckResult::pass, 3, 2);
  s = h::on_check_result(s, c, h::CheckResult::pass, 3, 2);
  EXPECT_EQ(s.state, "initial");
  s = h::on_check_result(s, c, h::CheckResult::pass, 3, 2);
  EXPECT_EQ(s, h::healthy());

  // Healthy -> unhealthy after UnhealthyThresholdCount failures, with the last failure's reason.
  s = h::on_check_result(s, c, h::CheckResult::response_code_mismatch, 3, 2, "500");
  EXPECT_EQ(s, h::healthy());
  s = h::on_check_result(s, c, h::CheckResult::response_code_mismatch, 3, 2, "502");
  EXPECT_EQ(s, (h::Status{"unhealthy", "Target.ResponseCodeMismatch",
                          "Health checks failed with these codes: [502]"}));
  s = h::on_check_result(s, c, h::CheckResult::timeout, 3, 2);
  EXPECT_EQ(s, (h::Status{"unhealthy", "Target.Timeout", "Request timed out"}));
  s = h::on_check_result(s, c, h::CheckResult::failed, 3, 2);
  EXPECT_EQ(s, (h::Status{"unhealthy", "Target.FailedHealthChecks", "Health checks failed"}));

  // Draining is not interrupted by service changes; unused targets are removed, not drained.
  EXPECT_TRUE(h::drains_on_deregistration(s));
  auto d = h::on_deregistered();
  EXPECT_EQ(d, (h::Status{"draining", "Target.DeregistrationInProgress",
                          "Target deregistration is in progress"}));
  EXPECT_EQ(h::on_service_changed(d, S::not_in_use, true), d);
  EXPECT_FALSE(h::drains_on_deregistration(h::on_registered(S::not_in_use, true)));
  EXPECT_EQ(h::on_service_changed(h::healthy(), S::zone_not_enabled, true).description,
            "Target is in an Availability Zone that is not enabled for the load balancer");
  EXPECT_EQ(
      h::on_service_changed(h::on_registered(S::not_in_use, true), S::in_service, true).reason,
      "Elb.RegistrationInProgress");
  EXPECT_EQ(h::not_registered(), (h::Status{"unused", "Target.NotRegistered",
                                            "Target is not registered to the target group"}));
  EXPECT_EQ(h::make("unused", "Target.InvalidState", "terminated").description,
            "Target is in the terminated state");
  EXPECT_EQ(h::make("unhealthy", "Elb.InternalError").description,
            "Health checks failed due to an internal error");
  EXPECT_TRUE(h::routable(h::healthy()));
  EXPECT_FALSE(h::routable(d));
}

}  // namespace
