#include "tests/support/app_fixture.hpp"

using zonesim::testing::AppTest;

TEST_F(AppTest, StsGetCallerIdentityUsesTheKeysAccount) {
  auto r = query("sts", "Action=GetCallerIdentity&Version=2011-06-15");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(xpath(r, "//Account"), "123456789012");
  r = query("sts", "Action=GetCallerIdentity&Version=2011-06-15", "111122223333");
  EXPECT_EQ(xpath(r, "//Account"), "111122223333");
  EXPECT_EQ(xpath(r, "//Arn"), "arn:aws:iam::111122223333:root");
}

TEST_F(AppTest, UnknownActionIsInvalidAction) {
  auto r = query("ec2", "Action=FlyToTheMoon&Version=2016-11-15");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(error_code(r), "InvalidAction");
  r = query("elasticloadbalancing", "Action=FlyToTheMoon&Version=2015-12-01");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(error_code(r), "InvalidAction");
  r = json_call("ecs", "AmazonEC2ContainerServiceV20141113.FlyToTheMoon", "{}");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(error_code(r), "UnknownOperationException");
}

TEST_F(AppTest, ModelledButUnservedOperationIsNamedAndCounted) {
  auto r = query("ec2", "Action=RunInstances&Version=2016-11-15");
  EXPECT_EQ(r.status, 501);
  EXPECT_EQ(error_code(r), "NotImplemented");
  EXPECT_NE(r.body.find("ec2:RunInstances"), std::string::npos);
  EXPECT_EQ(app_->unimplemented_calls().at("ec2:RunInstances"), 1u);
}

TEST_F(AppTest, MissingOrGarbledAuthorization) {
  zonesim::http::Request req;
  req.headers = {{"content-type", "application/x-www-form-urlencoded"}};
  req.body = "Action=DescribeVpcs";
  auto r = app_->handle(req);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(error_code(r), "MissingAuthenticationToken");
  req.headers.emplace_back("authorization", "AWS4-HMAC-SHA256 garbage");
  r = app_->handle(req);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(error_code(r), "IncompleteSignature");
}

TEST_F(AppTest, NonFormBodyToQueryServiceIsMissingAction) {
  zonesim::http::Request req;
  req.headers = {{"authorization", auth("ec2")}, {"content-type", "application/json"}};
  req.body = R"({"Action":"DescribeVpcs"})";
  auto r = app_->handle(req);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(error_code(r), "MissingAction");
}

TEST_F(AppTest, MalformedJsonIsSerializationException) {
  auto r = json_call("logs", "Logs_20140328.DescribeLogGroups", "{\"logGroupNamePrefix\": ");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(error_code(r), "SerializationException");
}

TEST_F(AppTest, SnapshotLogsARepeatedReadOnceUntilSomethingChanges) {
  auto vpc =
      xpath(query("ec2", "Action=CreateVpc&CidrBlock=10.0.0.0%2F16&Version=2016-11-15"), "//vpcId");
  const std::string describe = "Action=DescribeVpcs&Version=2016-11-15";
  for (int i = 0; i < 3; ++i) query("ec2", describe);  // polling: one entry
  query("ec2", describe + "&VpcId.1=" + vpc);          // another input: logged
  ASSERT_EQ(app_->export_state()["calls"].size(), 3u);
  ASSERT_EQ(query("ec2", "Action=CreateTags&ResourceId.1=" + vpc +
                             "&Tag.1.Key=k&Tag.1.Value=v&Version=2016-11-15")
                .status,
            200);
  query("ec2", describe);  // after a change: logged again (the output differs)
  query("ec2", describe);
  auto calls = app_->export_state()["calls"];
  ASSERT_EQ(calls.size(), 5u);
  EXPECT_EQ(calls[3]["operation"], "CreateTags");
  EXPECT_EQ(calls[4]["operation"], "DescribeVpcs");
  EXPECT_NE(calls[4]["output"].dump().find(R"({"Key":"k","Value":"v"})"), std::string::npos)
      << calls[4].dump();
  // A reset forgets what was logged: the same read is logged again.
  app_->reset();
  query("ec2", describe);
  query("ec2", describe);
  EXPECT_EQ(app_->export_state()["calls"].size(), 1u);
}

TEST_F(AppTest, ControlHealth) {
  zonesim::http::Request req;
  req.method = "GET";
  req.target = "/_zonesim/health";
  auto r = app_->handle(req);
  EXPECT_EQ(r.status, 200);
  auto j = zonesim::json::parse(r.body);
  EXPECT_EQ(j["status"], "ok");
  EXPECT_EQ(j["zones"], zonesim::json({"eu-central-1a", "eu-central-1b"}));
}

TEST_F(AppTest, SnapshotReplaysWithFreshIdsAndMaskedSecrets) {
  auto vpc =
      xpath(query("ec2", "Action=CreateVpc&CidrBlock=10.0.0.0%2F16&Version=2016-11-15"), "//vpcId");
  auto sub = query(
      "ec2", "Action=CreateSubnet&VpcId=" + vpc +
                 "&CidrBlock=10.0.1.0%2F24&AvailabilityZone=eu-central-1a&Version=2016-11-15");
  ASSERT_EQ(sub.status, 200) << sub.body;
  query("ec2", "Action=DescribeVpcs&Version=2016-11-15");  // reads are logged, marked as reads
  zonesim::json snap = app_->export_state();
  ASSERT_EQ(snap["calls"].size(), 3u);
  EXPECT_EQ(snap["calls"][0]["operation"], "CreateVpc");
  EXPECT_EQ(snap["calls"][2]["read"], true);

  reset("", 99);  // another seed: other ids
  auto r = app_->import_state(snap);
  EXPECT_EQ(r["calls"], 3);
  auto vpcs = query("ec2", "Action=DescribeVpcs&Version=2016-11-15");
  std::string new_vpc = xpath(vpcs, "//vpcSet/item/vpcId");
  EXPECT_NE(new_vpc, vpc);
  // The subnet was created in the replayed VPC (its id was substituted).
  EXPECT_EQ(
      xpath(query("ec2", "Action=DescribeSubnets&Version=2016-11-15"), "//subnetSet/item/vpcId"),
      new_vpc);

  zonesim::json bad = snap;
  bad["calls"][1]["input"]["VpcId"] = "vpc-00000000000000000";
  try {
    app_->import_state(bad);
    FAIL();
  } catch (const zonesim::AwsError& e) {
    EXPECT_NE(e.message().find("call 2 (ec2:CreateSubnet)"), std::string::npos) << e.message();
  }
}
