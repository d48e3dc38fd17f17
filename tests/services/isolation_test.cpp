// Accounts are isolated by access key: a resource of account A is invisible and untouchable from
// account B (AWS's NotFound answers, empty lists), and B may reuse A's names. A 12-digit access
// key is its own account; any other key is the default account (--account, 123456789012).
#include "tests/support/stack.hpp"

namespace zonesim::testing {
namespace {

constexpr char kA[] = "test";          // the default account, 123456789012
constexpr char kB[] = "222222222222";  // a 12-digit key is that account

class IsolationTest : public StackTest {
 protected:
  http::Response b(const std::string& signing, const std::string& params) {
    return query(signing, params, kB);
  }
  http::Response b_ecs(const std::string& op, const json& body) {
    return json_call("ecs", "AmazonEC2ContainerServiceV20141113." + op, body.dump(), kB);
  }
  static std::size_t count(const http::Response& r, const char* xpath_expr) {
    pugi::xml_document doc;
    doc.load_string(r.body.c_str());
    return doc.select_nodes(xpath_expr).size();
  }
};

const std::string v = "&Version=2016-11-15";
const std::string rv = "&Version=2014-10-31";
const std::string ev = "&Version=2015-12-01";
const std::string iv = "&Version=2010-05-08";
const char* const kTrust =
    R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]})";

TEST_F(IsolationTest, AccountsComeFromTheAccessKey) {
  auto who = [&](const std::string& key) {
    return xpath(query("sts", "Action=GetCallerIdentity&Version=2011-06-15", key), "//Account");
  };
  EXPECT_EQ(who(kA), "123456789012");
  EXPECT_EQ(who("AKIAANYTHINGELSE"), "123456789012");
  EXPECT_EQ(who(kB), "222222222222");
  EXPECT_EQ(who("12345678901"), "123456789012");  // 11 digits: not an account id
}

TEST_F(IsolationTest, AnotherAccountCannotSeeOrTouchResourcesById) {
  Stack s = build_stack();
  ok_query("iam", "Action=CreateRole&RoleName=exec&AssumeRolePolicyDocument=" + enc(kTrust) + iv);

  // Lists are empty.
  EXPECT_EQ(count(b("ec2", "Action=DescribeVpcs" + v), "//vpcSet/item"), 0u);
  EXPECT_EQ(count(b("ec2", "Action=DescribeSubnets" + v), "//subnetSet/item"), 0u);
  EXPECT_EQ(count(b("ec2", "Action=DescribeSecurityGroups" + v), "//securityGroupInfo/item"), 0u);
  EXPECT_EQ(count(b("ec2", "Action=DescribeNetworkInterfaces" + v), "//networkInterfaceSet/item"),
            0u);
  EXPECT_EQ(count(b("rds", "Action=DescribeDBInstances" + rv), "//DBInstances/DBInstance"), 0u);
  EXPECT_EQ(count(b("rds", "Action=DescribeDBSubnetGroups" + rv), "//DBSubnetGroups/DBSubnetGroup"),
            0u);
  EXPECT_EQ(count(b("elasticloadbalancing", "Action=DescribeLoadBalancers" + ev),
                  "//LoadBalancers/member"),
            0u);
  EXPECT_EQ(
      count(b("elasticloadbalancing", "Action=DescribeTargetGroups" + ev), "//TargetGroups/member"),
      0u);
  EXPECT_EQ(count(b("iam", "Action=ListRoles" + iv), "//Roles/member"), 0u);
  auto clusters = b_ecs("ListClusters", json::object());
  EXPECT_EQ(json::parse(clusters.body)["clusterArns"].size(), 0u) << clusters.body;

  // Describe, modify and delete by id: AWS's NotFound errors.
  auto expect = [&](const http::Response& r, int status, const char* code) {
    EXPECT_EQ(r.status, status) << r.body;
    EXPECT_EQ(error_code(r), code) << r.body;
  };
  expect(b("ec2", "Action=DescribeVpcs&VpcId.1=" + s.vpc + v), 400, "InvalidVpcID.NotFound");
  expect(b("ec2", "Action=ModifyVpcAttribute&VpcId=" + s.vpc + "&EnableDnsSupport.Value=false" + v),
         400, "InvalidVpcID.NotFound");
  expect(b("ec2", "Action=DeleteVpc&VpcId=" + s.vpc + v), 400, "InvalidVpcID.NotFound");
  expect(b("ec2", "Action=DescribeSecurityGroups&GroupId.1=" + s.sg_alb + v), 400,
         "InvalidGroup.NotFound");
  expect(b("ec2", "Action=AuthorizeSecurityGroupIngress&GroupId=" + s.sg_alb +
                      "&IpPermissions.1.IpProtocol=tcp&IpPermissions.1.FromPort=22"
                      "&IpPermissions.1.ToPort=22&IpPermissions.1.IpRanges.1.CidrIp=0.0.0.0%2F0" +
                      v),
         400, "InvalidGroup.NotFound");
  expect(b("ec2", "Action=DeleteSecurityGroup&GroupId=" + s.sg_alb + v), 400,
         "InvalidGroup.NotFound");
  expect(b("ec2", "Action=DeleteSubnet&SubnetId=" + s.public_a + v), 400,
         "InvalidSubnetID.NotFound");
  expect(b("ec2", "Action=CreateSubnet&VpcId=" + s.vpc + "&CidrBlock=10.0.9.0%2F24" + v), 400,
         "InvalidVpcID.NotFound");

  expect(b("elasticloadbalancing",
           "Action=DescribeLoadBalancers&LoadBalancerArns.member.1=" + enc(s.load_balancer) + ev),
         400, "LoadBalancerNotFound");
  expect(b("elasticloadbalancing",
           "Action=ModifyLoadBalancerAttributes&LoadBalancerArn=" + enc(s.load_balancer) +
               "&Attributes.member.1.Key=idle_timeout.timeout_seconds"
               "&Attributes.member.1.Value=10" +
               ev),
         400, "LoadBalancerNotFound");
  expect(b("elasticloadbalancing",
           "Action=DescribeTargetHealth&TargetGroupArn=" + enc(s.target_group) + ev),
         400, "TargetGroupNotFound");
  // DeleteLoadBalancer of an unknown ARN succeeds on AWS (idempotent); it must not delete A's.
  b("elasticloadbalancing",
    "Action=DeleteLoadBalancer&LoadBalancerArn=" + enc(s.load_balancer) + ev);

  expect(b("rds", "Action=DescribeDBInstances&DBInstanceIdentifier=resilience-platform-db" + rv),
         404, "DBInstanceNotFound");
  expect(b("rds",
           "Action=ModifyDBInstance&DBInstanceIdentifier=resilience-platform-db"
           "&AllocatedStorage=50&ApplyImmediately=true" +
               rv),
         404, "DBInstanceNotFound");
  expect(b("rds",
           "Action=DeleteDBInstance&DBInstanceIdentifier=resilience-platform-db"
           "&SkipFinalSnapshot=true" +
               rv),
         404, "DBInstanceNotFound");

  auto described = json::parse(b_ecs("DescribeClusters", {{"clusters", {s.cluster}}}).body);
  EXPECT_EQ(described["clusters"].size(), 0u) << described.dump();
  EXPECT_EQ(described["failures"][0]["reason"], "MISSING") << described.dump();
  auto del = b_ecs("DeleteCluster", {{"cluster", s.cluster}});
  EXPECT_EQ(error_code(del), "ClusterNotFoundException") << del.body;
  auto svc = b_ecs(
      "UpdateService",
      {{"cluster", s.cluster}, {"service", "resilience-platform-service"}, {"desiredCount", 0}});
  EXPECT_EQ(error_code(svc), "ClusterNotFoundException") << svc.body;

  expect(b("iam", "Action=GetRole&RoleName=exec" + iv), 404, "NoSuchEntity");
  expect(b("iam", "Action=DeleteRole&RoleName=exec" + iv), 404, "NoSuchEntity");

  // B may use A's names for its own resources.
  EXPECT_EQ(b("iam", "Action=CreateRole&RoleName=exec&AssumeRolePolicyDocument=" + enc(kTrust) + iv)
                .status,
            200);
  EXPECT_EQ(b_ecs("CreateCluster", {{"clusterName", "resilience-platform-cluster"}}).status, 200);

  // Everything of A is intact, as A sees it.
  EXPECT_EQ(count(query("ec2", "Action=DescribeVpcs&VpcId.1=" + s.vpc + v, kA), "//vpcSet/item"),
            1u);
  EXPECT_EQ(count(query("ec2", "Action=DescribeSecurityGroups&GroupId.1=" + s.sg_alb + v, kA),
                  "//securityGroupInfo/item/ipPermissions/item"),
            0u);  // B's ingress rule did not land
  EXPECT_EQ(count(query("elasticloadbalancing",
                        "Action=DescribeLoadBalancers&LoadBalancerArns.member.1=" +
                            enc(s.load_balancer) + ev,
                        kA),
                  "//LoadBalancers/member"),
            1u);
  auto db = query(
      "rds", "Action=DescribeDBInstances&DBInstanceIdentifier=resilience-platform-db" + rv, kA);
  EXPECT_EQ(xpath(db, "//DBInstance/AllocatedStorage"), "20");
  auto a_clusters =
      json::parse(json_call("ecs", "AmazonEC2ContainerServiceV20141113.DescribeClusters",
                            json{{"clusters", {s.cluster}}}.dump(), kA)
                      .body);
  EXPECT_EQ(a_clusters["clusters"][0]["status"], "ACTIVE");
  EXPECT_EQ(a_clusters["clusters"][0]["activeServicesCount"], 1);
  EXPECT_EQ(query("iam", "Action=GetRole&RoleName=exec" + iv, kA).status, 200);
}

}  // namespace
}  // namespace zonesim::testing
