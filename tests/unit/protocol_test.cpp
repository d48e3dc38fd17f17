#include <gtest/gtest.h>

#include "emulator/protocol/codec.hpp"
#include "emulator/protocol/sigv4.hpp"

using namespace zonesim;
using namespace zonesim::protocol;

TEST(Form, DecodesPercentAndPlus) {
  auto p = parse_form("Action=CreateVpc&CidrBlock=10.0.0.0%2F16&X=a+b&Empty=");
  ASSERT_EQ(p.size(), 4u);
  EXPECT_EQ(p[1].second, "10.0.0.0/16");
  EXPECT_EQ(p[2].second, "a b");
  EXPECT_EQ(p[3].second, "");
  EXPECT_THROW(parse_form("A=%zz"), AwsError);
}

TEST(Sigv4, ParsesCredentialScope) {
  auto c = parse_authorization(
      "AWS4-HMAC-SHA256 Credential=test/20260101/eu-central-1/ec2/aws4_request, "
      "SignedHeaders=host;x-amz-date, Signature=abc");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->access_key, "test");
  EXPECT_EQ(c->region, "eu-central-1");
  EXPECT_EQ(c->service, "ec2");
  EXPECT_EQ(c->signed_headers.size(), 2u);
  EXPECT_FALSE(parse_authorization("AWS4-HMAC-SHA256 Credential=bad"));
  EXPECT_FALSE(parse_authorization("Basic Zm9vOmJhcg=="));
  EXPECT_EQ(account_for_key("111122223333", "123456789012"), "111122223333");
  EXPECT_EQ(account_for_key("test", "123456789012"), "123456789012");
}

TEST(Time, Iso8601RoundTrip) {
  EXPECT_EQ(iso8601(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(iso8601(1764151200123), "2025-11-26T10:00:00.123Z");
  EXPECT_EQ(parse_iso8601("2025-11-26T10:00:00.123Z"), 1764151200123);
  EXPECT_EQ(parse_iso8601("2025-11-26T10:00:00Z"), 1764151200000);
  EXPECT_EQ(parse_iso8601("1764151200"), 1764151200000);
  EXPECT_FALSE(parse_iso8601("2025-13-26T10:00:00Z"));
  EXPECT_FALSE(parse_iso8601("yesterday"));
}

TEST(Model, LoadsEveryServiceWithItsProtocol) {
  EXPECT_EQ(ServiceModel::get("ec2")->protocol(), Protocol::ec2);
  EXPECT_EQ(ServiceModel::get("elbv2")->protocol(), Protocol::query);
  EXPECT_EQ(ServiceModel::get("ecs")->protocol(), Protocol::json);
  EXPECT_EQ(ServiceModel::get("ecs")->target_prefix(), "AmazonEC2ContainerServiceV20141113");
  EXPECT_TRUE(ServiceModel::get("ec2")->is_unserved("RunInstances"));
  EXPECT_FALSE(ServiceModel::get("ec2")->is_unserved("CreateVpc"));
  EXPECT_EQ(ServiceModel::get("nope"), nullptr);
}

TEST(QueryParser, Ec2ListsFiltersAndTags) {
  auto* m = ServiceModel::get("ec2");
  auto* op = m->operation("DescribeVpcs");
  auto in = parse_query_input(*m, *op,
                              parse_form("Action=DescribeVpcs&Filter.2.Name=b&Filter.1.Name=a&"
                                         "Filter.1.Value.1=x&Filter.1.Value.2=y&VpcId.1=vpc-1"));
  ASSERT_EQ(in["Filters"].size(), 2u);
  EXPECT_EQ(in["Filters"][0]["Name"], "a");
  EXPECT_EQ(in["Filters"][0]["Values"], json({"x", "y"}));
  EXPECT_EQ(in["Filters"][1]["Name"], "b");
  EXPECT_EQ(in["VpcIds"], json({"vpc-1"}));
}

TEST(QueryParser, Ec2ErrorsNameTheParameter) {
  auto* m = ServiceModel::get("ec2");
  auto* op = m->operation("CreateSubnet");
  try {
    parse_query_input(*m, *op, parse_form("Action=CreateSubnet&CidrBlock=10.0.1.0/24"));
    FAIL();
  } catch (const AwsError& e) {
    EXPECT_EQ(e.code(), "MissingParameter");
    EXPECT_NE(e.message().find("VpcId"), std::string::npos);
  }
  try {
    parse_query_input(*m, *m->operation("DescribeVpcs"), parse_form("MaxResults=abc"));
    FAIL();
  } catch (const AwsError& e) {
    EXPECT_EQ(e.code(), "InvalidParameterValue");
  }
  try {
    parse_query_input(*m, *m->operation("DescribeVpcs"), parse_form("Bogus=1"));
    FAIL();
  } catch (const AwsError& e) {
    EXPECT_EQ(e.code(), "UnknownParameter");
  }
  try {
    parse_query_input(*m, *m->operation("DescribeVpcs"), parse_form("Filter.x.Name=a"));
    FAIL();
  } catch (const AwsError& e) {
    EXPECT_EQ(e.code(), "InvalidParameterValue");
  }
}

TEST(QueryParser, QueryProtocolMemberListsAndNamedMembers) {
  auto* rds = ServiceModel::get("rds");
  auto in = parse_query_input(
      *rds, *rds->operation("DescribeDBInstances"),
      parse_form("Filters.Filter.1.Name=dbi-resource-id&Filters.Filter.1.Values.Value.1=db-ABC"));
  EXPECT_EQ(in["Filters"][0]["Name"], "dbi-resource-id");
  EXPECT_EQ(in["Filters"][0]["Values"][0], "db-ABC");
  auto* elb = ServiceModel::get("elbv2");
  auto in2 = parse_query_input(*elb, *elb->operation("DescribeLoadBalancers"),
                               parse_form("Names.member.1=a&Names.member.2=b"));
  EXPECT_EQ(in2["Names"], json({"a", "b"}));
  try {
    parse_query_input(*elb, *elb->operation("DescribeTargetHealth"), parse_form(""));
    FAIL();
  } catch (const AwsError& e) {
    EXPECT_EQ(e.code(), "ValidationError");
    EXPECT_NE(e.message().find("targetGroupArn"), std::string::npos);
  }
}

TEST(JsonParser, ValidatesTypesAndRequired) {
  auto* ecs = ServiceModel::get("ecs");
  auto* op = ecs->operation("DescribeServices");
  auto in = parse_json_input(*ecs, *op, R"({"cluster":"c","services":["s"],"unknown":1})");
  EXPECT_EQ(in["services"], json({"s"}));
  EXPECT_FALSE(in.contains("unknown"));
  EXPECT_THROW(parse_json_input(*ecs, *op, "{not json"), AwsError);
  try {
    parse_json_input(*ecs, *op, R"({"services":"s"})");
    FAIL();
  } catch (const AwsError& e) {
    EXPECT_EQ(e.code(), "SerializationException");
  }
  try {
    parse_json_input(*ecs, *op, R"({"cluster":"c"})");
    FAIL();
  } catch (const AwsError& e) {
    EXPECT_EQ(e.code(), "InvalidParameterException");
  }
}

TEST(Serializer, Ec2AndQueryAndJsonShapes) {
  auto* ec2 = ServiceModel::get("ec2");
  auto enc =
      serialize_output(*ec2, *ec2->operation("DescribeVpcs"),
                       json{{"Vpcs", {{{"VpcId", "vpc-1"}, {"IsDefault", false}}}}}, "req-1");
  EXPECT_NE(
      enc.body.find("<DescribeVpcsResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">"
                    "<requestId>req-1</requestId><vpcSet><item>"),
      std::string::npos)
      << enc.body;
  EXPECT_NE(enc.body.find("<vpcId>vpc-1</vpcId>"), std::string::npos);
  auto* sts = ServiceModel::get("sts");
  enc = serialize_output(*sts, *sts->operation("GetCallerIdentity"), json{{"Account", "1"}}, "r");
  EXPECT_NE(enc.body.find("<GetCallerIdentityResult><Account>1</Account></GetCallerIdentityResult>"
                          "<ResponseMetadata><RequestId>r</RequestId>"),
            std::string::npos)
      << enc.body;
  EXPECT_THROW(serialize_output(*sts, *sts->operation("GetCallerIdentity"), json{{"Nope", 1}}, "r"),
               std::logic_error);
  auto* ecs = ServiceModel::get("ecs");
  enc = serialize_output(*ecs, *ecs->operation("DescribeClusters"),
                         json{{"clusters", {{{"clusterName", "c"}, {"_internal", 1}}}}}, "r");
  EXPECT_EQ(enc.body, R"({"clusters":[{"clusterName":"c"}]})");
  auto err = serialize_error(*ec2, AwsError("InvalidVpcID.NotFound", "nope"), "r");
  EXPECT_EQ(err.status, 400);
  EXPECT_NE(err.body.find("<Response><Errors><Error><Code>InvalidVpcID.NotFound</Code>"),
            std::string::npos);
}

// The output writers (output_codec.cpp) write the wire format straight from the document.
TEST(Serializer, QueryListsMapsEmptyElementsAndEscaping) {
  auto* elb = ServiceModel::get("elbv2");
  json lb = {{"LoadBalancerName", "a&b<c>\"d\re"},
             {"DNSName", std::string("bad\xff") + "ctl\x01" + "ok"},
             {"AvailabilityZones", json::array()},
             {"_private", "never written"}};
  auto enc = serialize_output(*elb, *elb->operation("DescribeLoadBalancers"),
                              json{{"LoadBalancers", {lb}}}, "r");
  EXPECT_NE(enc.body.find("<DescribeLoadBalancersResult><LoadBalancers><member>"),
            std::string::npos)
      << enc.body;
  EXPECT_NE(enc.body.find("<LoadBalancerName>a&amp;b&lt;c&gt;&quot;d&#13;e</LoadBalancerName>"),
            std::string::npos)
      << enc.body;
  EXPECT_NE(enc.body.find("<DNSName>bad\xEF\xBF\xBD"
                          "ctl\xEF\xBF\xBD"
                          "ok</DNSName>"),
            std::string::npos);
  EXPECT_NE(enc.body.find("<AvailabilityZones/>"), std::string::npos) << enc.body;
  EXPECT_EQ(enc.body.find("_private"), std::string::npos);
  EXPECT_NE(enc.body.find("</LoadBalancers></DescribeLoadBalancersResult><ResponseMetadata>"
                          "<RequestId>r</RequestId></ResponseMetadata>"
                          "</DescribeLoadBalancersResponse>"),
            std::string::npos)
      << enc.body;

  json rule = {{"RuleArn", "arn"},
               {"Actions",
                {{{"Type", "authenticate-oidc"},
                  {"AuthenticateOidcConfig",
                   {{"Issuer", "i"}, {"AuthenticationRequestExtraParams", {{"k1", "v1"}}}}}}}}};
  enc = serialize_output(*elb, *elb->operation("DescribeRules"), json{{"Rules", {rule}}}, "r");
  EXPECT_NE(enc.body.find("<AuthenticationRequestExtraParams><entry><key>k1</key><value>v1</value>"
                          "</entry></AuthenticationRequestExtraParams>"),
            std::string::npos)
      << enc.body;
  // A value of the wrong type is a handler bug, not something to drop silently.
  EXPECT_THROW(
      serialize_output(*elb, *elb->operation("DescribeLoadBalancers"),
                       json{{"LoadBalancers", {{{"AvailabilityZones", "not a list"}}}}}, "r"),
      std::logic_error);
}

TEST(Serializer, JsonEscapesStringsAndWritesTimestampsAsEpochSeconds) {
  auto* ecs = ServiceModel::get("ecs");
  json cluster = {{"clusterName", std::string("q\"\\\n\t\x01\xc3\xa9\xff")},
                  {"registeredContainerInstancesCount", 3},
                  {"tags", json::array()}};
  auto enc = serialize_output(*ecs, *ecs->operation("DescribeClusters"),
                              json{{"clusters", {cluster}}}, "r");
  EXPECT_EQ(enc.body,
            "{\"clusters\":[{\"clusterName\":\"q\\\"\\\\\\n\\t\\u0001\xc3\xa9\xEF\xBF\xBD\","
            "\"registeredContainerInstancesCount\":3,\"tags\":[]}]}");
  EXPECT_EQ(enc.content_type, "application/x-amz-json-1.1");
  json svc = {{"serviceName", "s"}, {"createdAt", std::int64_t{1795716688634}}};
  enc = serialize_output(*ecs, *ecs->operation("DescribeServices"), json{{"services", {svc}}}, "r");
  EXPECT_EQ(enc.body, R"({"services":[{"createdAt":1795716688.634,"serviceName":"s"}]})");
  svc["createdAt"] = std::int64_t{1000};
  enc = serialize_output(*ecs, *ecs->operation("DescribeServices"), json{{"services", {svc}}}, "r");
  EXPECT_EQ(enc.body, R"({"services":[{"createdAt":1.0,"serviceName":"s"}]})");
  // The result parses back to the same values (it is JSON, whatever the escapes).
  EXPECT_EQ(json::parse(serialize_output(*ecs, *ecs->operation("DescribeClusters"),
                                         json{{"clusters", {{{"clusterName", "a\x1f"}}}}}, "r")
                            .body)["clusters"][0]["clusterName"],
            "a\x1f");
}

// A borrowing answer (emulator/core/json.hpp) is written as the document it stands for: the
// stored document's members (not its '_' ones) with the answer's own in their place, a null one
// leaving the member out, in key order; resolve_borrowed() makes the same document as a copy.
TEST(Serializer, BorrowedDocumentsAreWrittenAsTheirResolvedCopy) {
  json stored = {{"serviceName", "s"},
                 {"runningCount", 0},
                 {"status", "ACTIVE"},
                 {"tags", json::array({{{"key", "k"}, {"value", "v"}}})},
                 {"_service_bookkeeping", "never written"}};
  json answer = {
      {"_base", borrow(stored)}, {"runningCount", 2}, {"pendingCount", 1}, {"tags", nullptr}};
  json resolved = resolve_borrowed(answer);
  EXPECT_EQ(
      resolved,
      json({{"serviceName", "s"}, {"runningCount", 2}, {"pendingCount", 1}, {"status", "ACTIVE"}}));
  EXPECT_EQ(borrowed(answer["_base"]), &stored);
  EXPECT_EQ(borrowed(json::binary({1, 2, 3})), nullptr);  // other binary values are not borrows
  EXPECT_EQ(borrowed(json("text")), nullptr);

  auto* ecs = ServiceModel::get("ecs");
  const auto& op = *ecs->operation("DescribeServices");
  auto wire = serialize_output(*ecs, op, json{{"services", {answer}}}, "r").body;
  EXPECT_EQ(wire, serialize_output(*ecs, op, json{{"services", {resolved}}}, "r").body);
  EXPECT_EQ(wire, R"({"services":[{"pendingCount":1,"runningCount":2,"serviceName":"s",)"
                  R"("status":"ACTIVE"}]})");

  // XML writes the same merge (a query-protocol structure).
  auto* elb = ServiceModel::get("elbv2");
  json lb = {{"LoadBalancerName", "a"}, {"Scheme", "internal"}, {"_nodes", json::array()}};
  json view = {{"_base", borrow(lb)}, {"Scheme", "internet-facing"}, {"DNSName", "d"}};
  const auto& dlb = *elb->operation("DescribeLoadBalancers");
  auto xml = serialize_output(*elb, dlb, json{{"LoadBalancers", {view}}}, "r").body;
  EXPECT_EQ(
      xml,
      serialize_output(*elb, dlb, json{{"LoadBalancers", {resolve_borrowed(view)}}}, "r").body);
  EXPECT_NE(xml.find("<member><DNSName>d</DNSName><LoadBalancerName>a</LoadBalancerName>"
                     "<Scheme>internet-facing</Scheme></member>"),
            std::string::npos)
      << xml;
  // A borrowed member the shape lacks is still a handler bug.
  json unknown = {{"Nope", 1}};
  json bad = {{"_base", borrow(unknown)}};
  EXPECT_THROW(serialize_output(*elb, dlb, json{{"LoadBalancers", {bad}}}, "r"), std::logic_error);
}
