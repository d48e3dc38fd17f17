// Bad input, table-driven (docs/RELIABILITY.md, "Bad input"): each malformed request gets AWS's
// error code and a 4xx status, the application keeps serving, and the state is unchanged (the
// state export, the timeline, the clock and the document count before and after are equal).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "emulator/drill/fixture.hpp"
#include "emulator/http/parse.hpp"
#include "emulator/protocol/scalar.hpp"
#include "tests/support/app_fixture.hpp"

namespace zonesim::testing {
namespace {

struct Row {
  std::string name;
  http::Request request;
  int status;
  std::string code;  // AWS error code (body), or the control API's error code
};

std::string auth_for(const std::string& signing) {
  return "AWS4-HMAC-SHA256 Credential=test/20260101/eu-central-1/" + signing +
         "/aws4_request, SignedHeaders=host;x-amz-date, Signature=0";
}

http::Request form(const std::string& signing, const std::string& body,
                   const std::string& content_type = "application/x-www-form-urlencoded") {
  http::Request r;
  r.headers = {{"authorization", auth_for(signing)}};
  if (!content_type.empty()) r.headers.emplace_back("content-type", content_type);
  r.body = body;
  return r;
}

http::Request ec2(const std::string& params) {
  return form("ec2", "Version=2016-11-15&" + params);
}

http::Request with_auth(std::string authorization) {
  http::Request r = ec2("Action=DescribeVpcs");
  r.headers.erase(r.headers.begin());
  if (!authorization.empty()) r.headers.emplace_back("authorization", std::move(authorization));
  return r;
}

http::Request json_req(const std::string& target, const std::string& body) {
  http::Request r;
  std::string signing = target.rfind("Logs_", 0) == 0 ? "logs" : "ecs";
  r.headers = {{"authorization", auth_for(signing)},
               {"content-type", "application/x-amz-json-1.1"},
               {"x-amz-target", target}};
  r.body = body;
  return r;
}
http::Request ecs(const std::string& op, const std::string& body) {
  return json_req("AmazonEC2ContainerServiceV20141113." + op, body);
}
http::Request logs(const std::string& op, const std::string& body) {
  return json_req("Logs_20140328." + op, body);
}

http::Request control(const std::string& method, const std::string& target,
                      const std::string& body = "") {
  http::Request r;
  r.method = method;
  r.target = target;
  r.body = body;
  return r;
}

std::string nested(int depth) {
  return std::string(depth, '[') + std::string(depth, ']');
}

std::vector<Row> rows() {
  const std::string big(1 << 20, 'a');
  std::vector<Row> t = {
      // --- EC2 (ec2 protocol): actions, parameters, values ---
      {"ec2 no Action", ec2("VpcId.1=vpc-1"), 400, "MissingAction"},
      {"ec2 empty body", form("ec2", ""), 400, "MissingAction"},
      {"ec2 unknown action", ec2("Action=FlyToTheMoon"), 400, "InvalidAction"},
      {"ec2 action wrong case", ec2("Action=describevpcs"), 400, "InvalidAction"},
      {"ec2 form without content type", form("ec2", "Action=DescribeVpcs&Version=2016-11-15", ""),
       400, "MissingAction"},
      {"ec2 form as text/plain", form("ec2", "Action=DescribeVpcs", "text/plain"), 400,
       "MissingAction"},
      {"ec2 JSON body", form("ec2", "{\"Action\":\"DescribeVpcs\"}", "application/json"), 400,
       "MissingAction"},
      {"ec2 bad percent escape", ec2("Action=DescribeVpcs&VpcId.1=%ZZ"), 400,
       "MalformedQueryString"},
      {"ec2 truncated percent escape", ec2("Action=DescribeVpcs&VpcId.1=%4"), 400,
       "MalformedQueryString"},
      {"ec2 invalid UTF-8", ec2("Action=DescribeVpcs&VpcId.1=%FF%FE"), 400,
       "InvalidParameterValue"},
      {"ec2 overlong UTF-8", ec2("Action=DescribeVpcs&VpcId.1=%C0%AF"), 400,
       "InvalidParameterValue"},
      {"ec2 UTF-16 surrogate", ec2("Action=DescribeVpcs&VpcId.1=%ED%A0%80"), 400,
       "InvalidParameterValue"},
      {"ec2 control character",
       ec2("Action=CreateVpc&CidrBlock=10.0.0.0/16&"
           "TagSpecification.1.ResourceType=vpc&"
           "TagSpecification.1.Tag.1.Key=a&TagSpecification.1.Tag.1."
           "Value=%01"),
       400, "InvalidParameterValue"},
      {"ec2 unknown parameter", ec2("Action=DescribeVpcs&Foo=bar"), 400, "UnknownParameter"},
      {"ec2 unknown nested parameter", ec2("Action=DescribeVpcs&Filter.1.Nme=vpc-id"), 400,
       "UnknownParameter"},
      {"ec2 MaxResults not a number", ec2("Action=DescribeVpcs&MaxResults=many"), 400,
       "InvalidParameterValue"},
      {"ec2 MaxResults overflow", ec2("Action=DescribeVpcs&MaxResults=99999999999999999999"), 400,
       "InvalidParameterValue"},
      {"ec2 MaxResults int32 overflow", ec2("Action=DescribeVpcs&MaxResults=2147483648"), 400,
       "InvalidParameterValue"},
      {"ec2 MaxResults negative", ec2("Action=DescribeVpcs&MaxResults=-1"), 400,
       "InvalidParameterValue"},
      {"ec2 MaxResults below minimum", ec2("Action=DescribeVpcs&MaxResults=2"), 400,
       "InvalidParameterValue"},
      {"ec2 MaxResults above maximum", ec2("Action=DescribeVpcs&MaxResults=1001"), 400,
       "InvalidParameterValue"},
      {"ec2 MaxResults float", ec2("Action=DescribeVpcs&MaxResults=5.5"), 400,
       "InvalidParameterValue"},
      {"ec2 MaxResults hex", ec2("Action=DescribeVpcs&MaxResults=0x10"), 400,
       "InvalidParameterValue"},
      {"ec2 MaxResults empty", ec2("Action=DescribeVpcs&MaxResults="), 400,
       "InvalidParameterValue"},
      {"ec2 list index zero", ec2("Action=DescribeVpcs&VpcId.0=vpc-1"), 400,
       "InvalidParameterValue"},
      {"ec2 list index negative", ec2("Action=DescribeVpcs&VpcId.-1=vpc-1"), 400,
       "InvalidParameterValue"},
      {"ec2 list index not a number", ec2("Action=DescribeVpcs&VpcId.x=vpc-1"), 400,
       "InvalidParameterValue"},
      {"ec2 list index out of range", ec2("Action=DescribeVpcs&Filter.1000001.Name=vpc-id"), 400,
       "InvalidParameterValue"},
      {"ec2 list index overflow",
       ec2("Action=DescribeVpcs&Filter.99999999999999999999999.Name=vpc-id"), 400,
       "InvalidParameterValue"},
      {"ec2 list without index", ec2("Action=DescribeVpcs&VpcId=vpc-1"), 400, "UnknownParameter"},
      {"ec2 structure given a value", ec2("Action=DescribeVpcs&Filter.1=vpc-id"), 400,
       "InvalidParameterValue"},
      {"ec2 missing required", ec2("Action=CreateSubnet&CidrBlock=10.0.0.0/24"), 400,
       "MissingParameter"},
      {"ec2 missing required (delete)", ec2("Action=DeleteVpc"), 400, "MissingParameter"},
      {"ec2 bad CIDR", ec2("Action=CreateVpc&CidrBlock=not-a-cidr"), 400, "InvalidParameterValue"},
      {"ec2 CIDR octet overflow", ec2("Action=CreateVpc&CidrBlock=10.0.0.256/16"), 400,
       "InvalidParameterValue"},
      {"ec2 CIDR prefix too large", ec2("Action=CreateVpc&CidrBlock=10.0.0.0/8"), 400,
       "InvalidVpc.Range"},
      {"ec2 CIDR 1 MiB", ec2("Action=CreateVpc&CidrBlock=" + big), 400, "InvalidParameterValue"},
      {"ec2 bad enum", ec2("Action=CreateVpc&CidrBlock=10.0.0.0/16&InstanceTenancy=shared"), 400,
       "InvalidParameterValue"},
      {"ec2 bad boolean", ec2("Action=ModifyVpcAttribute&VpcId=vpc-1&EnableDnsSupport.Value=maybe"),
       400, "InvalidParameterValue"},
      {"ec2 unknown VPC", ec2("Action=DeleteVpc&VpcId=vpc-0123456789abcdef0"), 400,
       "InvalidVpcID.NotFound"},
      {"ec2 malformed VPC id", ec2("Action=DeleteVpc&VpcId=" + big), 400, "InvalidVpcID.Malformed"},
      // --- the query services (ELBv2, RDS, IAM, STS) ---
      {"elbv2 unknown action", form("elasticloadbalancing", "Action=Fly&Version=2015-12-01"), 400,
       "InvalidAction"},
      {"elbv2 missing required",
       form("elasticloadbalancing", "Action=CreateTargetGroup&Version=2015-12-01"), 400,
       "ValidationError"},
      {"elbv2 bad enum",
       form("elasticloadbalancing",
            "Action=CreateTargetGroup&Version=2015-12-01&Name=tg&Protocol=CARRIER_PIGEON"),
       400, "ValidationError"},
      {"elbv2 port not a number",
       form("elasticloadbalancing",
            "Action=CreateTargetGroup&Version=2015-12-01&Name=tg&Port=eighty"),
       400, "ValidationError"},
      {"elbv2 port out of range",
       form("elasticloadbalancing",
            "Action=CreateTargetGroup&Version=2015-12-01&Name=tg&Port=70000&Protocol=HTTP&"
            "VpcId=vpc-1"),
       400, "ValidationError"},
      {"elbv2 list without member",
       form("elasticloadbalancing", "Action=DescribeLoadBalancers&Version=2015-12-01&Names.1=a"),
       400, "ValidationError"},
      {"elbv2 list index out of range",
       form("elasticloadbalancing",
            "Action=DescribeLoadBalancers&Version=2015-12-01&Names.member.999999999=a"),
       400, "ValidationError"},
      {"elbv2 list of a value",
       form("elasticloadbalancing", "Action=DescribeLoadBalancers&Version=2015-12-01&Names=a"), 400,
       "ValidationError"},
      {"elbv2 unknown load balancer",
       form("elasticloadbalancing",
            "Action=DescribeLoadBalancers&Version=2015-12-01&LoadBalancerArns.member.1=arn:aws:"
            "elasticloadbalancing:eu-central-1:123456789012:loadbalancer/app/x/1"),
       400, "LoadBalancerNotFound"},
      {"rds missing required", form("rds", "Action=CreateDBSubnetGroup&Version=2014-10-31"), 400,
       "MissingParameter"},
      {"rds bad integer",
       form("rds", "Action=DescribeDBInstances&Version=2014-10-31&MaxRecords=lots"), 400,
       "InvalidParameterValue"},
      {"rds timestamp not a time",
       form("rds", "Action=DescribeEvents&Version=2014-10-31&StartTime=yesterday"), 400,
       "InvalidParameterValue"},
      {"rds timestamp 25:61",
       form("rds", "Action=DescribeEvents&Version=2014-10-31&StartTime=2026-01-01T25:61:00Z"), 400,
       "InvalidParameterValue"},
      {"rds timestamp month 13",
       form("rds", "Action=DescribeEvents&Version=2014-10-31&StartTime=2026-13-01T00:00:00Z"), 400,
       "InvalidParameterValue"},
      {"rds timestamp 30 February",
       form("rds", "Action=DescribeEvents&Version=2014-10-31&StartTime=2026-02-30T00:00:00Z"), 400,
       "InvalidParameterValue"},
      {"rds unknown instance",
       form("rds",
            "Action=DeleteDBInstance&Version=2014-10-31&DBInstanceIdentifier=nope&"
            "SkipFinalSnapshot=true"),
       404, "DBInstanceNotFound"},
      {"iam missing required", form("iam", "Action=CreateRole&Version=2010-05-08&RoleName=r"), 400,
       "ValidationError"},
      {"iam policy not JSON",
       form("iam",
            "Action=CreateRole&Version=2010-05-08&RoleName=r&"
            "AssumeRolePolicyDocument=%7Bnot-json"),
       400, "MalformedPolicyDocument"},
      {"iam unknown role", form("iam", "Action=GetRole&Version=2010-05-08&RoleName=nope"), 404,
       "NoSuchEntity"},
      {"sts unknown action", form("sts", "Action=Fly&Version=2011-06-15"), 400, "InvalidAction"},
      // --- the JSON protocol (ECS, CloudWatch Logs) ---
      {"ecs invalid JSON", ecs("ListClusters", "{"), 400, "SerializationException"},
      {"ecs truncated JSON", ecs("CreateCluster", "{\"clusterName\": \"a"), 400,
       "SerializationException"},
      {"ecs array body", ecs("ListClusters", "[]"), 400, "SerializationException"},
      {"ecs string body", ecs("ListClusters", "\"x\""), 400, "SerializationException"},
      {"ecs null body", ecs("ListClusters", "null"), 400, "SerializationException"},
      {"ecs trailing garbage", ecs("ListClusters", "{} {}"), 400, "SerializationException"},
      {"ecs invalid UTF-8", ecs("CreateCluster", "{\"clusterName\": \"\xff\xfe\"}"), 400,
       "SerializationException"},
      {"ecs wrong type", ecs("CreateCluster", "{\"clusterName\": 5}"), 400,
       "SerializationException"},
      {"ecs list expected", ecs("DescribeClusters", "{\"clusters\": \"a\"}"), 400,
       "SerializationException"},
      {"ecs deeply nested", ecs("DescribeClusters", "{\"clusters\": " + nested(100000) + "}"), 400,
       "SerializationException"},
      {"ecs nested in a member",
       ecs("RegisterTaskDefinition",
           "{\"family\": \"f\", \"containerDefinitions\": " + nested(5000) + "}"),
       400, "SerializationException"},
      {"ecs huge number", ecs("ListClusters", "{\"maxResults\": 1e400}"), 400,
       "SerializationException"},
      {"ecs uint64 overflow", ecs("ListClusters", "{\"maxResults\": 99999999999999999999}"), 400,
       "SerializationException"},
      {"ecs int32 overflow", ecs("ListClusters", "{\"maxResults\": 2147483648}"), 400,
       "SerializationException"},
      {"ecs float for integer", ecs("ListClusters", "{\"maxResults\": 1.5}"), 400,
       "SerializationException"},
      {"ecs negative desired count",
       ecs("CreateService", "{\"serviceName\": \"s\", \"desiredCount\": -1}"), 400,
       "InvalidParameterException"},
      {"ecs missing required", ecs("CreateService", "{\"desiredCount\": 1}"), 400,
       "InvalidParameterException"},
      {"ecs bad enum", ecs("CreateService", "{\"serviceName\": \"s\", \"launchType\": \"BOAT\"}"),
       400, "InvalidParameterException"},
      {"ecs unknown operation", ecs("FlyToTheMoon", "{}"), 400, "UnknownOperationException"},
      {"ecs target without operation", json_req("AmazonEC2ContainerServiceV20141113", "{}"), 400,
       "UnknownOperationException"},
      {"ecs unknown cluster", ecs("DeleteCluster", "{\"cluster\": \"nope\"}"), 400,
       "ClusterNotFoundException"},
      {"ecs wrong type in a list", ecs("DescribeClusters", "{\"clusters\": [1]}"), 400,
       "SerializationException"},
      {"logs limit not a number", logs("DescribeLogGroups", "{\"limit\": \"ten\"}"), 400,
       "SerializationException"},
      {"logs limit zero", logs("DescribeLogGroups", "{\"limit\": 0}"), 400,
       "InvalidParameterException"},
      {"logs limit too large", logs("DescribeLogGroups", "{\"limit\": 51}"), 400,
       "InvalidParameterException"},
      {"logs name too long", logs("CreateLogGroup", "{\"logGroupName\": \"" + big + "\"}"), 400,
       "InvalidParameterException"},
      {"logs name bad pattern", logs("CreateLogGroup", "{\"logGroupName\": \"a b*c\"}"), 400,
       "InvalidParameterException"},
      {"logs missing required", logs("CreateLogGroup", "{}"), 400, "InvalidParameterException"},
      {"logs retention not allowed",
       logs("PutRetentionPolicy", "{\"logGroupName\": \"g\", \"retentionInDays\": 2}"), 400,
       "InvalidParameterException"},
      {"logs bad timestamp type",
       logs("GetLogEvents",
            "{\"logGroupName\": \"g\", \"logStreamName\": \"s\", \"startTime\": \"now\"}"),
       400, "SerializationException"},
      {"logs unknown group", logs("DeleteLogGroup", "{\"logGroupName\": \"nope\"}"), 400,
       "ResourceNotFoundException"},
      {"logs without target", form("logs", "{}", "application/x-amz-json-1.1"), 400,
       "UnknownOperationException"},
      // --- Authorization ---
      {"no Authorization", with_auth(""), 403, "MissingAuthenticationToken"},
      {"Authorization Bearer", with_auth("Bearer abc"), 400, "IncompleteSignature"},
      {"Authorization SigV2", with_auth("AWS test:abc"), 400, "IncompleteSignature"},
      {"Authorization algorithm only", with_auth("AWS4-HMAC-SHA256"), 400, "IncompleteSignature"},
      {"Authorization no Credential", with_auth("AWS4-HMAC-SHA256 SignedHeaders=host, Signature=0"),
       400, "IncompleteSignature"},
      {"Authorization empty Credential", with_auth("AWS4-HMAC-SHA256 Credential="), 400,
       "IncompleteSignature"},
      {"Authorization short scope",
       with_auth("AWS4-HMAC-SHA256 Credential=test/20260101/ec2/aws4_request"), 400,
       "IncompleteSignature"},
      {"Authorization wrong terminator",
       with_auth("AWS4-HMAC-SHA256 Credential=test/20260101/eu-central-1/ec2/aws5_request"), 400,
       "IncompleteSignature"},
      {"Authorization empty key",
       with_auth("AWS4-HMAC-SHA256 Credential=/20260101/eu-central-1/ec2/aws4_request"), 400,
       "IncompleteSignature"},
      {"Authorization part without =",
       with_auth("AWS4-HMAC-SHA256 Credential=test/20260101/eu-central-1/ec2/aws4_request, x"), 400,
       "IncompleteSignature"},
      {"Authorization binary", with_auth(std::string("AWS4-HMAC-SHA256 \x01\xff\x00", 19)), 400,
       "IncompleteSignature"},
      {"Authorization region not UTF-8 (found by fuzz_http)",
       with_auth("AWS4-HMAC-SHA256 Credential=test/20260101/eu-cen\xff\xfftral-1/ec2/aws4_request"),
       400, "IncompleteSignature"},
      {"Authorization region with a slash-like escape",
       with_auth("AWS4-HMAC-SHA256 Credential=test/20260101/EU Central/ec2/aws4_request"), 400,
       "IncompleteSignature"},
      {"Authorization key with a space",
       with_auth("AWS4-HMAC-SHA256 Credential=te st/20260101/eu-central-1/ec2/aws4_request"), 400,
       "IncompleteSignature"},
      {"Authorization 1 MiB", with_auth("AWS4-HMAC-SHA256 Credential=" + big), 400,
       "IncompleteSignature"},
      // --- the control API ---
      {"control dot-dot", control("GET", "/_zonesim/../_zonesim/state"), 400, "InvalidPath"},
      {"control dot-dot at end", control("GET", "/_zonesim/clock/.."), 400, "InvalidPath"},
      {"control double slash", control("GET", "/_zonesim//health"), 400, "InvalidPath"},
      {"control encoded dots", control("GET", "/_zonesim/%2e%2e/state"), 404, "NotFound"},
      {"control encoded slash", control("POST", "/_zonesim/zones/a%2Fb/fail"), 404, "InvalidZone"},
      {"control very long path", control("GET", "/_zonesim/" + std::string(100000, 'x')), 404,
       "NotFound"},
      {"control unknown endpoint", control("GET", "/_zonesim/nope"), 404, "NotFound"},
      {"control path invalid UTF-8 (found by fuzz_http)",
       control("POST", "/_zonesim/zones/e\xbeu-central-1a/restore"), 404, "InvalidZone"},
      {"control endpoint invalid UTF-8", control("GET", "/_zonesim/\xff\xfe"), 404, "NotFound"},
      {"control wrong method", control("DELETE", "/_zonesim/clock"), 404, "NotFound"},
      {"control advance invalid JSON", control("POST", "/_zonesim/clock/advance", "{"), 400,
       "InvalidRequest"},
      {"control advance array", control("POST", "/_zonesim/clock/advance", "[1]"), 400,
       "InvalidRequest"},
      {"control advance missing", control("POST", "/_zonesim/clock/advance", "{}"), 400,
       "InvalidRequest"},
      {"control advance negative", control("POST", "/_zonesim/clock/advance", "{\"seconds\": -5}"),
       400, "InvalidRequest"},
      {"control advance string", control("POST", "/_zonesim/clock/advance", "{\"seconds\": \"5\"}"),
       400, "InvalidRequest"},
      {"control advance too far", control("POST", "/_zonesim/clock/advance", "{\"seconds\": 1e30}"),
       400, "InvalidRequest"},
      {"control advance 1e400", control("POST", "/_zonesim/clock/advance", "{\"seconds\": 1e400}"),
       400, "InvalidRequest"},
      {"control fail unknown zone",
       control("POST", "/_zonesim/zones/mars-1a/fail", "{\"kind\": \"power\"}"), 404,
       "InvalidZone"},
      {"control fail unknown kind",
       control("POST", "/_zonesim/zones/eu-central-1a/fail", "{\"kind\": \"meteor\"}"), 400,
       "InvalidFault"},
      {"control fail kind not a string",
       control("POST", "/_zonesim/zones/eu-central-1a/fail", "{\"kind\": 5}"), 400,
       "InvalidRequest"},
      {"control fail negative duration",
       control("POST", "/_zonesim/zones/eu-central-1a/fail", "{\"duration_seconds\": -1}"), 400,
       "InvalidRequest"},
      {"control fail loss rate 2",
       control("POST", "/_zonesim/zones/eu-central-1a/fail",
               "{\"kind\": \"degraded\", \"loss_rate\": 2}"),
       400, "InvalidFault"},
      {"control fail negative latency",
       control("POST", "/_zonesim/zones/eu-central-1a/fail",
               "{\"kind\": \"degraded\", \"latency_ms\": -5}"),
       400, "InvalidFault"},
      {"control fail latency not a number",
       control("POST", "/_zonesim/zones/eu-central-1a/fail",
               "{\"kind\": \"degraded\", \"latency_ms\": \"slow\"}"),
       400, "InvalidRequest"},
      {"control restore unknown zone", control("POST", "/_zonesim/zones/nope/restore"), 404,
       "InvalidZone"},
      {"control unknown fault", control("POST", "/_zonesim/faults", "{\"action\": \"meteor\"}"),
       400, "InvalidFault"},
      {"control fault action not a string",
       control("POST", "/_zonesim/faults", "{\"action\": [1]}"), 400, "InvalidRequest"},
      {"control app-state not a string",
       control("POST", "/_zonesim/faults",
               "{\"action\": \"app-state\", \"task\": \"x\", \"state\": 5}"),
       400, "InvalidFault"},
      {"control stop unknown task",
       control("POST", "/_zonesim/faults", "{\"action\": \"stop-task\", \"task\": \"nope\"}"), 404,
       "TaskNotFound"},
      {"control timeline limit zero", control("GET", "/_zonesim/timeline?limit=0"), 400,
       "InvalidRequest"},
      {"control timeline since not a number", control("GET", "/_zonesim/timeline?since_ms=abc"),
       400, "InvalidRequest"},
      {"control timeline after overflow",
       control("GET", "/_zonesim/timeline?after_seq=99999999999999999999999"), 400,
       "InvalidRequest"},
      {"control timeline bad escape", control("GET", "/_zonesim/timeline?limit=%zz"), 400,
       "MalformedQueryString"},
      {"control import not JSON", control("POST", "/_zonesim/state", "nope"), 400,
       "InvalidSnapshot"},
      {"control import wrong version",
       control("POST", "/_zonesim/state", "{\"zonesim_state\": 99, \"calls\": []}"), 400,
       "InvalidSnapshot"},
      {"control import region not a string",
       control("POST", "/_zonesim/state", "{\"zonesim_state\": 1, \"region\": 5, \"calls\": []}"),
       400, "InvalidSnapshot"},
      {"control import call not an object",
       control("POST", "/_zonesim/state", "{\"zonesim_state\": 1, \"calls\": [5]}"), 400,
       "InvalidSnapshot"},
      {"control import service not a string",
       control("POST", "/_zonesim/state",
               "{\"zonesim_state\": 1, \"calls\": [{\"service\": 1, \"operation\": \"X\", "
               "\"input\": {}}]}"),
       400, "InvalidSnapshot"},
      {"control import failing call",
       control("POST", "/_zonesim/state",
               "{\"zonesim_state\": 1, \"calls\": [{\"service\": \"ec2\", \"operation\": "
               "\"DeleteVpc\", \"input\": {\"VpcId\": \"vpc-nope\"}}]}"),
       400, "InvalidSnapshot"},
  };
  return t;
}

class BadInputTest : public AppTest {
 protected:
  void SetUp() override {
    AppTest::SetUp();
    // Some state to protect: a VPC with a subnet, and a zone fault on the timeline.
    auto r = query("ec2", "Action=CreateVpc&Version=2016-11-15&CidrBlock=10.0.0.0/16");
    ASSERT_EQ(r.status, 200) << r.body;
    vpc_ = xpath(r, "//vpcId");
    ASSERT_EQ(json_call("ecs", "AmazonEC2ContainerServiceV20141113.CreateCluster", "{}").status,
              200);
    r = query("ec2", "Action=CreateSubnet&Version=2016-11-15&VpcId=" + vpc_ +
                         "&CidrBlock=10.0.1.0/24&AvailabilityZone=eu-central-1a");
    ASSERT_EQ(r.status, 200) << r.body;
  }

  struct Snapshot {
    json state, timeline, clock;
    std::size_t documents = 0;
    bool operator==(const Snapshot&) const = default;
  };
  Snapshot snapshot() {
    Snapshot s;
    s.state = app_->export_state();
    s.timeline = app_->env().store.timeline(0, 0, 100000);
    s.clock = app_->env().clock.now();
    s.documents = app_->env().store.document_count();
    return s;
  }

  static std::string code_of(const http::Response& r) {
    if (r.content_type == "application/json") {  // the control API
      json j = json::parse(r.body, nullptr, false);
      return j.is_object() ? j["error"].value("code", "") : "";
    }
    return error_code(r);
  }

  std::string vpc_;
};

TEST_F(BadInputTest, EveryMalformedRequestGetsItsAwsErrorAndChangesNothing) {
  auto table = rows();
  ASSERT_GE(table.size(), 100u);
  std::size_t checked = 0;
  for (const Row& row : table) {
    SCOPED_TRACE(row.name);
    Snapshot before = snapshot();
    http::Response r = app_->handle(row.request);
    EXPECT_EQ(r.status, row.status) << r.body.substr(0, 500);
    EXPECT_EQ(code_of(r), row.code) << r.body.substr(0, 500);
    EXPECT_GE(r.status, 400);
    EXPECT_TRUE(protocol::valid_utf8(r.body)) << r.body.substr(0, 500);
    EXPECT_TRUE(snapshot() == before) << "state changed";
    // Still serving.
    auto ok = query("ec2", "Action=DescribeVpcs&Version=2016-11-15&VpcId.1=" + vpc_);
    EXPECT_EQ(ok.status, 200) << ok.body;
    ++checked;
  }
  EXPECT_EQ(checked, table.size());
}

// Found while writing the serializer round trip (tests/fuzz/fuzz_roundtrip.cpp checks it for every
// output shape): a carriage return in a value reached the XML body raw, and every XML parser reads
// it back as a line feed.
TEST_F(BadInputTest, CarriageReturnsSurviveTheXmlRoundTrip) {
  auto r = query("ec2", "Action=CreateTags&Version=2016-11-15&ResourceId.1=" + vpc_ +
                            "&Tag.1.Key=note&Tag.1.Value=line1%0D%0Aline2%0D");
  ASSERT_EQ(r.status, 200) << r.body;
  r = query("ec2", "Action=DescribeVpcs&Version=2016-11-15&VpcId.1=" + vpc_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body.find('\r'), std::string::npos);
  EXPECT_EQ(xpath(r, "//tagSet/item[key='note']/value"), "line1\r\nline2\r");
}

// Invalid drill fixtures: each is a FixtureError naming the file, never another exception.
TEST(BadFixtureTest, EveryInvalidFixtureIsAFixtureErrorNamingTheFile) {
  const std::string ok = "name: x\nduration: 1m\n";
  std::vector<std::pair<std::string, std::string>> table = {
      {"not YAML", "name: [unclosed"},
      {"not a mapping", "- a\n- b\n"},
      {"empty", ""},
      {"no name", "duration: 1m\n"},
      {"no duration", "name: x\n"},
      {"unknown field", ok + "colour: red\n"},
      {"name not a string", "name: [1]\nduration: 1m\n"},
      {"key not a string (found by fuzz_fixture)", ok + "? [a, b]\n: c\n"},
      {"key not a string in setup input",
       ok + "setup:\n  - {service: ec2, operation: CreateVpc, input: {? [a] : b}}\n"},
      {"duration not a duration", "name: x\nduration: soon\n"},
      {"duration zero", "name: x\nduration: 0s\n"},
      {"duration over 31 days", "name: x\nduration: 32d\n"},
      {"warmup + duration over 31 days", "name: x\nwarmup: 20d\nduration: 20d\n"},
      {"seed negative", ok + "seed: -1\n"},
      {"seed not a number", ok + "seed: many\n"},
      {"epoch not a time", ok + "epoch: yesterday\n"},
      {"zones not a list", ok + "zones: a\n"},
      {"state not a file", ok + "state: /nonexistent/snapshot.json\n"},
      {"state a directory", ok + "state: /\n"},
      {"state a device", ok + "state: /dev/zero\n"},
      {"setup not a list", ok + "setup: 5\n"},
      {"setup call without operation", ok + "setup:\n  - {service: ec2}\n"},
      {"traffic rate without load balancer", ok + "traffic: {requests_per_second: 5}\n"},
      {"fault unknown kind", ok + "faults:\n  - {at: 1m, kind: meteor}\n"},
      {"expectation unknown type", ok + "expectations:\n  - {type: vibes}\n"},
  };
  for (auto& [name, text] : table) {
    SCOPED_TRACE(name);
    try {
      drill::load_fixture_text(text, "bad.yaml");
      ADD_FAILURE() << "loaded";
    } catch (const drill::FixtureError& e) {
      EXPECT_EQ(std::string(e.what()).rfind("bad.yaml", 0), 0u) << e.what();
    } catch (const std::exception& e) {
      ADD_FAILURE() << "not a FixtureError: " << e.what();
    }
  }
}

// Requests the HTTP parser itself refuses (what the server answers before the application sees
// anything), under the server's default limits.
TEST(BadHttpTest, TheParserRefusesWithTheRightStatus) {
  struct Raw {
    std::string name, bytes;
    int status;
  };
  const std::string head = "POST / HTTP/1.1\r\nHost: x\r\n";
  http::Limits limits;
  std::vector<Raw> table = {
      {"garbage", "hello\r\n\r\n", 400},
      {"empty request line", "\r\n\r\n", 400},
      {"bad method", "P@ST / HTTP/1.1\r\nHost: x\r\n\r\n", 400},
      {"bad version", "POST / HTTP/9\r\nHost: x\r\n\r\n", 400},
      {"header without colon", head + "NoColon\r\n\r\n", 400},
      {"NUL in a header", head + std::string("X-A: a\0b\r\n\r\n", 12), 400},
      {"negative Content-Length", head + "Content-Length: -1\r\n\r\n", 400},
      {"Content-Length overflow", head + "Content-Length: 99999999999999999999999\r\n\r\n", 400},
      {"two Content-Lengths", head + "Content-Length: 1\r\nContent-Length: 2\r\n\r\nab", 400},
      {"truncated body", head + "Content-Length: 100\r\n\r\nAction=Describe", 400},
      {"bad chunk size", head + "Transfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n0\r\n\r\n", 400},
      {"truncated chunk", head + "Transfer-Encoding: chunked\r\n\r\n10\r\nab", 400},
      {"body over the limit", head + "Content-Length: 16777217\r\n\r\n", 413},
      {"chunked body over the limit",
       head + "Transfer-Encoding: chunked\r\n\r\n1000001\r\n" + std::string(0x1000001, 'a') +
           "\r\n0\r\n\r\n",
       413},
      {"header over the limit", head + "X-Big: " + std::string(70 * 1024, 'a') + "\r\n\r\n", 431},
      {"request target over the limit",
       "GET /" + std::string(limits.max_target_bytes, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n", 414},
  };
  for (const Raw& raw : table) {
    SCOPED_TRACE(raw.name);
    auto p = http::parse_request(raw.bytes, limits);
    EXPECT_FALSE(p.request.has_value());
    EXPECT_EQ(p.status, raw.status) << p.error;
  }
  // No bytes at all: no request and no answer (found by fuzz_http: Beast asserted on it).
  auto none = http::parse_request("", limits);
  EXPECT_FALSE(none.request.has_value());
  EXPECT_EQ(none.status, 0);
  // And a well-formed request goes through whole.
  auto ok = http::parse_request(head + "Content-Length: 5\r\n\r\nabcde", limits);
  ASSERT_TRUE(ok.request.has_value()) << ok.error;
  EXPECT_EQ(ok.request->body, "abcde");
}

}  // namespace
}  // namespace zonesim::testing
