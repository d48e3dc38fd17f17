// EC2: the network slice the Terraform provider drives (VPCs and what comes with them, subnets,
// internet gateways, route tables, security groups) plus the Describe* machinery, tags and the
// region/account reads. Requests go through the whole pipeline (ec2 query in, XML out).
#include <utility>
#include <vector>

#include "services/ec2/cidr.hpp"
#include "services/ec2/describe.hpp"
#include "services/ec2/network.hpp"
#include "tests/support/app_fixture.hpp"

namespace zonesim::testing {
namespace {

using Params = std::vector<std::pair<std::string, std::string>>;

std::string encode(const std::string& s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

constexpr const char* kAccount = "123456789012";

class Ec2Test : public AppTest {
 protected:
  http::Response ec2(const std::string& action, const Params& params = {},
                     const std::string& key = "test") {
    std::string body = "Action=" + action + "&Version=2016-11-15";
    for (auto& [k, v] : params) body += "&" + encode(k) + "=" + encode(v);
    return query("ec2", body, key);
  }
  // The call must succeed; returns its response.
  http::Response ok(const std::string& action, const Params& params = {}) {
    auto r = ec2(action, params);
    EXPECT_EQ(r.status, 200) << action << ": " << r.body;
    return r;
  }
  // The call must fail with `code` and HTTP 400.
  void fails(const std::string& code, const std::string& action, const Params& params = {}) {
    auto r = ec2(action, params);
    EXPECT_EQ(r.status, 400) << action << ": " << r.body;
    EXPECT_EQ(error_code(r), code) << action << ": " << r.body;
  }
  static std::size_t count(const http::Response& r, const std::string& path) {
    pugi::xml_document doc;
    doc.load_string(r.body.c_str());
    return doc.select_nodes(path.c_str()).size();
  }
  static std::vector<std::string> all(const http::Response& r, const std::string& path) {
    pugi::xml_document doc;
    doc.load_string(r.body.c_str());
    std::vector<std::string> out;
    for (auto& n : doc.select_nodes(path.c_str())) out.push_back(n.node().text().as_string());
    return out;
  }

  std::string vpc(const std::string& cidr = "10.0.0.0/16") {
    return xpath(ok("CreateVpc", {{"CidrBlock", cidr}}), "//vpc/vpcId");
  }
  std::string subnet(const std::string& vpc_id, const std::string& cidr,
                     const std::string& zone = "eu-central-1a") {
    return xpath(
        ok("CreateSubnet", {{"VpcId", vpc_id}, {"CidrBlock", cidr}, {"AvailabilityZone", zone}}),
        "//subnet/subnetId");
  }
  std::string group(const std::string& vpc_id, const std::string& name) {
    return xpath(ok("CreateSecurityGroup",
                    {{"VpcId", vpc_id}, {"GroupName", name}, {"GroupDescription", "test group"}}),
                 "//groupId");
  }
  std::string igw_attached_to(const std::string& vpc_id) {
    std::string igw = xpath(ok("CreateInternetGateway"), "//internetGatewayId");
    ok("AttachInternetGateway", {{"InternetGatewayId", igw}, {"VpcId", vpc_id}});
    return igw;
  }
  // The default resources of a VPC, found the way the Terraform provider looks for them.
  std::string main_route_table(const std::string& vpc_id) {
    return xpath(ok("DescribeRouteTables", {{"Filter.1.Name", "association.main"},
                                            {"Filter.1.Value.1", "true"},
                                            {"Filter.2.Name", "vpc-id"},
                                            {"Filter.2.Value.1", vpc_id}}),
                 "//routeTableSet/item/routeTableId");
  }
  std::string default_group(const std::string& vpc_id) {
    return xpath(ok("DescribeSecurityGroups", {{"Filter.1.Name", "group-name"},
                                               {"Filter.1.Value.1", "default"},
                                               {"Filter.2.Name", "vpc-id"},
                                               {"Filter.2.Value.1", vpc_id}}),
                 "//securityGroupInfo/item/groupId");
  }
  void interface_in(const std::string& subnet_id, const std::vector<std::string>& groups,
                    const std::string& requester = "") {
    auto& env = app_->env();
    env.store.begin();
    ec2::create_interface(env, std::string(kAccount) + "/eu-central-1", subnet_id, groups,
                          "ELB app/web/50dc6c495c0c9188", "interface", requester);
    env.store.commit();
  }
};

// ---- pure pieces ----

TEST(Ec2Cidr, ParsesAndComparesBlocks) {
  auto vpc = ec2::parse_cidr4("10.0.0.0/16");
  ASSERT_TRUE(vpc);
  EXPECT_TRUE(vpc->canonical());
  EXPECT_EQ(vpc->size(), 65536u);
  EXPECT_TRUE(vpc->contains(*ec2::parse_cidr4("10.0.255.0/24")));
  EXPECT_FALSE(vpc->contains(*ec2::parse_cidr4("10.1.0.0/24")));
  EXPECT_FALSE(vpc->contains(*ec2::parse_cidr4("10.0.0.0/15")));
  EXPECT_TRUE(ec2::parse_cidr4("10.0.1.0/24")->overlaps(*ec2::parse_cidr4("10.0.1.128/25")));
  EXPECT_FALSE(ec2::parse_cidr4("10.0.1.0/24")->overlaps(*ec2::parse_cidr4("10.0.2.0/24")));
  EXPECT_FALSE(ec2::parse_cidr4("10.0.0.1/16")->canonical());
  for (const char* bad :
       {"10.0.0.0", "10.0.0.0/33", "10.0.0/16", "10.0.0.0/x", "10.0.0.0/-1", "10.0.0.0/016x", ""})
    EXPECT_FALSE(ec2::parse_cidr4(bad)) << bad;
  auto v6 = ec2::parse_cidr6("2a05:d014:0c6d:1500::/56");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->str(), "2a05:d014:c6d:1500::/56");
  EXPECT_TRUE(v6->contains(*ec2::parse_cidr6("2a05:d014:c6d:15ff::/64")));
  EXPECT_FALSE(v6->contains(*ec2::parse_cidr6("2a05:d014:c6d:1600::/64")));
  EXPECT_FALSE(ec2::parse_cidr6("::1/64")->canonical());
}

TEST(Ec2Filters, WildcardsAndPaths) {
  EXPECT_TRUE(ec2::wildcard_match("web-*", "web-1"));
  EXPECT_TRUE(ec2::wildcard_match("*", ""));
  EXPECT_TRUE(ec2::wildcard_match("a?c", "abc"));
  EXPECT_FALSE(ec2::wildcard_match("a?c", "ac"));
  EXPECT_TRUE(ec2::wildcard_match("*-rt-*", "private-rt-2"));
  EXPECT_FALSE(ec2::wildcard_match("web", "web-1"));
  EXPECT_TRUE(ec2::wildcard_match("a\\*", "a*"));
  EXPECT_FALSE(ec2::wildcard_match("a\\*", "ab"));
  json doc = {{"A", {{{"B", true}}, {{"B", false}}, {{"C", 3}}}}, {"N", 7}};
  EXPECT_EQ(ec2::values_at(doc, "A[].B"), (ec2::Values{"true", "false"}));
  EXPECT_EQ(ec2::values_at(doc, "A[].C"), (ec2::Values{"3"}));
  EXPECT_EQ(ec2::values_at(doc, "N"), (ec2::Values{"7"}));
  EXPECT_TRUE(ec2::values_at(doc, "Missing[].X").empty());
}

// ---- VPCs ----

TEST_F(Ec2Test, CreateVpcAnswersPendingAndDescribesAvailable) {
  auto r = ok("CreateVpc", {{"CidrBlock", "10.0.0.0/16"},
                            {"TagSpecification.1.ResourceType", "vpc"},
                            {"TagSpecification.1.Tag.1.Key", "Name"},
                            {"TagSpecification.1.Tag.1.Value", "main"}});
  std::string id = xpath(r, "//vpc/vpcId");
  EXPECT_EQ(id.rfind("vpc-", 0), 0u);
  EXPECT_EQ(id.size(), 4u + 17u);
  EXPECT_EQ(xpath(r, "//vpc/state"), "pending");

  r = ok("DescribeVpcs", {{"VpcId.1", id}});
  EXPECT_EQ(count(r, "//vpcSet/item"), 1u);
  EXPECT_EQ(xpath(r, "//vpcSet/item/state"), "available");
  EXPECT_EQ(xpath(r, "//vpcSet/item/cidrBlock"), "10.0.0.0/16");
  EXPECT_EQ(xpath(r, "//vpcSet/item/instanceTenancy"), "default");
  EXPECT_EQ(xpath(r, "//vpcSet/item/isDefault"), "false");
  EXPECT_EQ(xpath(r, "//vpcSet/item/ownerId"), kAccount);
  EXPECT_EQ(xpath(r, "//vpcSet/item/dhcpOptionsId").rfind("dopt-", 0), 0u);
  EXPECT_EQ(xpath(r, "//cidrBlockAssociationSet/item/cidrBlock"), "10.0.0.0/16");
  EXPECT_EQ(xpath(r, "//cidrBlockAssociationSet/item/cidrBlockState/state"), "associated");
  EXPECT_EQ(xpath(r, "//cidrBlockAssociationSet/item/associationId").rfind("vpc-cidr-assoc-", 0),
            0u);
  EXPECT_EQ(xpath(r, "//vpcSet/item/tagSet/item[key='Name']/value"), "main");
  EXPECT_EQ(count(r, "//vpcSet/item/ipv6CidrBlockAssociationSet"), 0u);

  // Every VPC of the account shares the region's default DHCP options.
  std::string other = vpc("10.1.0.0/16");
  r = ok("DescribeVpcs", {{"VpcId.1", other}});
  EXPECT_EQ(xpath(r, "//dhcpOptionsId"),
            xpath(ok("DescribeVpcs", {{"VpcId.1", id}}), "//dhcpOptionsId"));
}

TEST_F(Ec2Test, VpcCidrMustBeASlash16ToSlash28Network) {
  fails("InvalidVpc.Range", "CreateVpc", {{"CidrBlock", "10.0.0.0/8"}});
  fails("InvalidVpc.Range", "CreateVpc", {{"CidrBlock", "10.0.0.0/29"}});
  fails("InvalidParameterValue", "CreateVpc", {{"CidrBlock", "10.0.0.1/16"}});
  fails("InvalidParameterValue", "CreateVpc", {{"CidrBlock", "not-a-cidr"}});
  fails("MissingParameter", "CreateVpc");
  ok("CreateVpc", {{"CidrBlock", "192.168.0.0/28"}});
  // A rejected create leaves nothing behind.
  EXPECT_EQ(count(ok("DescribeVpcs"), "//vpcSet/item"), 1u);
  EXPECT_EQ(count(ok("DescribeSecurityGroups"), "//securityGroupInfo/item"), 1u);
}

TEST_F(Ec2Test, VpcComesWithMainRouteTableDefaultAclAndDefaultGroup) {
  std::string v = vpc();

  auto rt = ok("DescribeRouteTables", {{"Filter.1.Name", "association.main"},
                                       {"Filter.1.Value.1", "true"},
                                       {"Filter.2.Name", "vpc-id"},
                                       {"Filter.2.Value.1", v}});
  ASSERT_EQ(count(rt, "//routeTableSet/item"), 1u);
  EXPECT_EQ(xpath(rt, "//associationSet/item/main"), "true");
  EXPECT_EQ(xpath(rt, "//associationSet/item/associationState/state"), "associated");
  EXPECT_EQ(xpath(rt, "//associationSet/item/routeTableAssociationId").rfind("rtbassoc-", 0), 0u);
  EXPECT_EQ(count(rt, "//associationSet/item/subnetId"), 0u);
  EXPECT_EQ(xpath(rt, "//routeSet/item/destinationCidrBlock"), "10.0.0.0/16");
  EXPECT_EQ(xpath(rt, "//routeSet/item/gatewayId"), "local");
  EXPECT_EQ(xpath(rt, "//routeSet/item/origin"), "CreateRouteTable");
  EXPECT_EQ(xpath(rt, "//routeSet/item/state"), "active");

  auto acl = ok("DescribeNetworkAcls", {{"Filter.1.Name", "default"},
                                        {"Filter.1.Value.1", "true"},
                                        {"Filter.2.Name", "vpc-id"},
                                        {"Filter.2.Value.1", v}});
  ASSERT_EQ(count(acl, "//networkAclSet/item"), 1u);
  EXPECT_EQ(xpath(acl, "//networkAclSet/item/default"), "true");
  for (const char* egress : {"true", "false"}) {
    std::string e = std::string("//entrySet/item[egress='") + egress + "']";
    EXPECT_EQ(all(acl, e + "/ruleNumber"), (std::vector<std::string>{"100", "32767"}));
    EXPECT_EQ(all(acl, e + "/ruleAction"), (std::vector<std::string>{"allow", "deny"}));
    EXPECT_EQ(all(acl, e + "/protocol"), (std::vector<std::string>{"-1", "-1"}));
    EXPECT_EQ(all(acl, e + "/cidrBlock"), (std::vector<std::string>{"0.0.0.0/0", "0.0.0.0/0"}));
  }

  std::string sg = default_group(v);
  ASSERT_FALSE(sg.empty());
  auto g = ok("DescribeSecurityGroups", {{"GroupId.1", sg}});
  EXPECT_EQ(xpath(g, "//groupName"), "default");
  EXPECT_EQ(xpath(g, "//groupDescription"), "default VPC security group");
  EXPECT_EQ(xpath(g, "//ipPermissions/item/ipProtocol"), "-1");
  EXPECT_EQ(xpath(g, "//ipPermissions/item/groups/item/groupId"), sg);
  EXPECT_EQ(xpath(g, "//ipPermissions/item/groups/item/userId"), kAccount);
  EXPECT_EQ(count(g, "//ipPermissions/item/fromPort"), 0u);
  EXPECT_EQ(xpath(g, "//ipPermissionsEgress/item/ipProtocol"), "-1");
  EXPECT_EQ(xpath(g, "//ipPermissionsEgress/item/ipRanges/item/cidrIp"), "0.0.0.0/0");
  fails("CannotDelete", "DeleteSecurityGroup", {{"GroupId", sg}});
}

TEST_F(Ec2Test, VpcAttributesDefaultAndModifyOneAtATime) {
  std::string v = vpc();
  auto attr = [&](const std::string& name) {
    auto r = ok("DescribeVpcAttribute", {{"VpcId", v}, {"Attribute", name}});
    EXPECT_EQ(xpath(r, "//vpcId"), v);
    return xpath(r, "//" + name + "/value");
  };
  EXPECT_EQ(attr("enableDnsSupport"), "true");
  EXPECT_EQ(attr("enableDnsHostnames"), "false");
  EXPECT_EQ(attr("enableNetworkAddressUsageMetrics"), "false");
  ok("ModifyVpcAttribute", {{"VpcId", v}, {"EnableDnsHostnames.Value", "true"}});
  EXPECT_EQ(attr("enableDnsHostnames"), "true");
  EXPECT_EQ(attr("enableDnsSupport"), "true");
  fails("InvalidParameterCombination", "ModifyVpcAttribute",
        {{"VpcId", v}, {"EnableDnsHostnames.Value", "false"}, {"EnableDnsSupport.Value", "false"}});
  fails("InvalidParameterCombination", "ModifyVpcAttribute", {{"VpcId", v}});
  EXPECT_EQ(attr("enableDnsHostnames"), "true");
  fails("InvalidParameterValue", "DescribeVpcAttribute", {{"VpcId", v}, {"Attribute", "bogus"}});
  fails("InvalidVpcID.NotFound", "DescribeVpcAttribute",
        {{"VpcId", "vpc-0123456789abcdef0"}, {"Attribute", "enableDnsSupport"}});
}

TEST_F(Ec2Test, DeleteVpcWaitsForItsDependents) {
  std::string v = vpc();
  std::string s = subnet(v, "10.0.1.0/24");
  fails("DependencyViolation", "DeleteVpc", {{"VpcId", v}});
  ok("DeleteSubnet", {{"SubnetId", s}});

  std::string igw = igw_attached_to(v);
  fails("DependencyViolation", "DeleteVpc", {{"VpcId", v}});
  ok("DetachInternetGateway", {{"InternetGatewayId", igw}, {"VpcId", v}});

  std::string sg = group(v, "app");
  fails("DependencyViolation", "DeleteVpc", {{"VpcId", v}});
  ok("DeleteSecurityGroup", {{"GroupId", sg}});

  std::string rtb = xpath(ok("CreateRouteTable", {{"VpcId", v}}), "//routeTableId");
  fails("DependencyViolation", "DeleteVpc", {{"VpcId", v}});
  ok("DeleteRouteTable", {{"RouteTableId", rtb}});

  std::string main_rtb = main_route_table(v), default_sg = default_group(v);
  ok("DeleteVpc", {{"VpcId", v}});
  fails("InvalidVpcID.NotFound", "DescribeVpcs", {{"VpcId.1", v}});
  fails("InvalidVpcID.NotFound", "DeleteVpc", {{"VpcId", v}});
  // What came with the VPC went with it; the detached gateway stays.
  fails("InvalidRouteTableID.NotFound", "DescribeRouteTables", {{"RouteTableId.1", main_rtb}});
  fails("InvalidGroup.NotFound", "DescribeSecurityGroups", {{"GroupId.1", default_sg}});
  EXPECT_EQ(count(ok("DescribeNetworkAcls"), "//networkAclSet/item"), 0u);
  EXPECT_EQ(count(ok("DescribeSecurityGroupRules"), "//securityGroupRuleSet/item"), 0u);
  EXPECT_EQ(count(ok("DescribeInternetGateways"), "//internetGatewaySet/item"), 1u);
}

// ---- subnets ----

TEST_F(Ec2Test, CreateSubnetOutsideTheVpcIsInvalidSubnetRange) {
  std::string v = vpc();
  auto r = ec2("CreateSubnet", {{"VpcId", v}, {"CidrBlock", "10.1.1.0/24"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(error_code(r), "InvalidSubnet.Range");
  EXPECT_EQ(xpath(r, "//Error/Message"), "The CIDR '10.1.1.0/24' is invalid.");
  fails("InvalidSubnet.Range", "CreateSubnet", {{"VpcId", v}, {"CidrBlock", "10.0.0.0/29"}});
  fails("InvalidSubnet.Range", "CreateSubnet", {{"VpcId", v}, {"CidrBlock", "10.0.0.0/15"}});
  fails("InvalidParameterValue", "CreateSubnet", {{"VpcId", v}, {"CidrBlock", "10.0.1.1/24"}});
  fails("InvalidVpcID.NotFound", "CreateSubnet",
        {{"VpcId", "vpc-0123456789abcdef0"}, {"CidrBlock", "10.0.1.0/24"}});
  fails("InvalidVpcID.Malformed", "CreateSubnet",
        {{"VpcId", "main"}, {"CidrBlock", "10.0.1.0/24"}});
  EXPECT_EQ(count(ok("DescribeSubnets"), "//subnetSet/item"), 0u);
}

TEST_F(Ec2Test, SubnetsMayNotOverlapAndLiveInConfiguredZones) {
  std::string v = vpc();
  subnet(v, "10.0.1.0/24");
  fails("InvalidSubnet.Conflict", "CreateSubnet", {{"VpcId", v}, {"CidrBlock", "10.0.1.128/25"}});
  fails("InvalidSubnet.Conflict", "CreateSubnet", {{"VpcId", v}, {"CidrBlock", "10.0.0.0/20"}});
  // Another VPC may reuse the range.
  subnet(vpc(), "10.0.1.0/24");
  auto r = ec2("CreateSubnet",
               {{"VpcId", v}, {"CidrBlock", "10.0.2.0/24"}, {"AvailabilityZone", "eu-central-1z"}});
  EXPECT_EQ(error_code(r), "InvalidParameterValue");
  EXPECT_NE(xpath(r, "//Message").find("eu-central-1a, eu-central-1b"), std::string::npos);
  fails("InvalidParameterValue", "CreateSubnet",
        {{"VpcId", v}, {"CidrBlock", "10.0.2.0/24"}, {"AvailabilityZoneId", "euc1-az9"}});
  r = ok("CreateSubnet",
         {{"VpcId", v}, {"CidrBlock", "10.0.2.0/24"}, {"AvailabilityZoneId", "euc1-az2"}});
  EXPECT_EQ(xpath(r, "//availabilityZone"), "eu-central-1b");
  // No zone named: one of the configured zones.
  for (int i = 3; i < 9; ++i) {
    r = ok("CreateSubnet", {{"VpcId", v}, {"CidrBlock", "10.0." + std::to_string(i) + ".0/24"}});
    std::string zone = xpath(r, "//availabilityZone");
    EXPECT_TRUE(zone == "eu-central-1a" || zone == "eu-central-1b") << zone;
    EXPECT_EQ(xpath(r, "//availabilityZoneId"), ec2::zone_id(zone));
  }
}

TEST_F(Ec2Test, SubnetCarriesWhatTheProviderReadsBack) {
  std::string v = vpc();
  auto r = ok("CreateSubnet", {{"VpcId", v},
                               {"CidrBlock", "10.0.1.0/24"},
                               {"AvailabilityZone", "eu-central-1a"},
                               {"TagSpecification.1.ResourceType", "subnet"},
                               {"TagSpecification.1.Tag.1.Key", "Name"},
                               {"TagSpecification.1.Tag.1.Value", "public-1"}});
  std::string s = xpath(r, "//subnet/subnetId");
  r = ok("DescribeSubnets", {{"SubnetId.1", s}});
  EXPECT_EQ(xpath(r, "//item/state"), "available");
  EXPECT_EQ(xpath(r, "//item/vpcId"), v);
  EXPECT_EQ(xpath(r, "//item/cidrBlock"), "10.0.1.0/24");
  EXPECT_EQ(xpath(r, "//item/availabilityZone"), "eu-central-1a");
  EXPECT_EQ(xpath(r, "//item/availabilityZoneId"), ec2::zone_id("eu-central-1a"));
  EXPECT_EQ(xpath(r, "//item/availableIpAddressCount"), "251");
  EXPECT_EQ(xpath(r, "//item/subnetArn"), "arn:aws:ec2:eu-central-1:123456789012:subnet/" + s);
  EXPECT_EQ(xpath(r, "//item/ownerId"), kAccount);
  EXPECT_EQ(xpath(r, "//item/mapPublicIpOnLaunch"), "false");
  EXPECT_EQ(xpath(r, "//item/defaultForAz"), "false");
  EXPECT_EQ(xpath(r, "//item/assignIpv6AddressOnCreation"), "false");
  EXPECT_EQ(xpath(r, "//item/ipv6Native"), "false");
  EXPECT_EQ(xpath(r, "//item/enableDns64"), "false");
  EXPECT_EQ(xpath(r, "//privateDnsNameOptionsOnLaunch/hostnameType"), "ip-name");
  EXPECT_EQ(xpath(r, "//privateDnsNameOptionsOnLaunch/enableResourceNameDnsARecord"), "false");
  EXPECT_EQ(xpath(r, "//privateDnsNameOptionsOnLaunch/enableResourceNameDnsAAAARecord"), "false");
  EXPECT_EQ(xpath(r, "//item/tagSet/item[key='Name']/value"), "public-1");

  ok("ModifySubnetAttribute", {{"SubnetId", s}, {"MapPublicIpOnLaunch.Value", "true"}});
  EXPECT_EQ(xpath(ok("DescribeSubnets", {{"SubnetId.1", s}}), "//mapPublicIpOnLaunch"), "true");
  ok("ModifySubnetAttribute",
     {{"SubnetId", s}, {"PrivateDnsHostnameTypeOnLaunch", "resource-name"}});
  EXPECT_EQ(xpath(ok("DescribeSubnets", {{"SubnetId.1", s}}), "//hostnameType"), "resource-name");
  fails("InvalidParameterCombination", "ModifySubnetAttribute",
        {{"SubnetId", s}, {"MapPublicIpOnLaunch.Value", "true"}, {"EnableDns64.Value", "true"}});
  fails("InvalidParameterValue", "ModifySubnetAttribute",
        {{"SubnetId", s}, {"AssignIpv6AddressOnCreation.Value", "true"}});
  fails("InvalidSubnetID.NotFound", "ModifySubnetAttribute",
        {{"SubnetId", "subnet-0123456789abcdef0"}, {"MapPublicIpOnLaunch.Value", "true"}});
}

TEST_F(Ec2Test, SubnetInUseByAnInterfaceCannotBeDeleted) {
  std::string v = vpc();
  std::string s = subnet(v, "10.0.1.0/24");
  std::string sg = group(v, "app");
  interface_in(s, {sg}, "amazon-elb");
  EXPECT_EQ(xpath(ok("DescribeSubnets", {{"SubnetId.1", s}}), "//availableIpAddressCount"), "250");
  fails("DependencyViolation", "DeleteSubnet", {{"SubnetId", s}});
  fails("DependencyViolation", "DeleteSecurityGroup", {{"GroupId", sg}});

  auto r =
      ok("DescribeNetworkInterfaces", {{"Filter.1.Name", "subnet-id"}, {"Filter.1.Value.1", s}});
  ASSERT_EQ(count(r, "//networkInterfaceSet/item"), 1u);
  std::string eni = xpath(r, "//networkInterfaceId");
  EXPECT_EQ(xpath(r, "//item/vpcId"), v);
  EXPECT_EQ(xpath(r, "//item/availabilityZone"), "eu-central-1a");
  EXPECT_EQ(xpath(r, "//item/availabilityZoneId"), ec2::zone_id("eu-central-1a"));
  EXPECT_EQ(xpath(r, "//item/groupSet/item/groupId"), sg);
  EXPECT_EQ(xpath(r, "//item/groupSet/item/groupName"), "app");
  EXPECT_EQ(xpath(r, "//item/requesterId"), "amazon-elb");
  EXPECT_EQ(xpath(r, "//item/attachment/instanceOwnerId"), "amazon-elb");
  std::string ip = xpath(r, "//item/privateIpAddress");
  EXPECT_TRUE(ec2::parse_cidr4("10.0.1.0/24")->contains(*ec2::parse_cidr4(ip + "/32"))) << ip;

  for (auto [name, value] : std::vector<std::pair<std::string, std::string>>{
           {"group-id", sg},
           {"vpc-id", v},
           {"network-interface-id", eni},
           {"attachment.instance-owner-id", "amazon-elb"},
           {"description", "ELB app/web/*"},
           {"requester-id", "amazon-elb"},
           {"interface-type", "interface"},
           {"availability-zone", "eu-central-1a"},
           {"private-ip-address", ip}})
    EXPECT_EQ(count(ok("DescribeNetworkInterfaces",
                       {{"Filter.1.Name", name}, {"Filter.1.Value.1", value}}),
                    "//networkInterfaceSet/item"),
              1u)
        << name;
  EXPECT_EQ(
      count(ok("DescribeNetworkInterfaces", {{"Filter.1.Name", "attachment.instance-owner-id"},
                                             {"Filter.1.Value.1", "amazon-aws"}}),
            "//networkInterfaceSet/item"),
      0u);
  fails("InvalidNetworkInterfaceID.NotFound", "DescribeNetworkInterfaces",
        {{"NetworkInterfaceId.1", "eni-0123456789abcdef0"}});
  fails("InvalidNetworkInterfaceId.Malformed", "DescribeNetworkInterfaces",
        {{"NetworkInterfaceId.1", "nic-1"}});

  auto& env = app_->env();
  env.store.begin();
  ec2::delete_interface(env, std::string(kAccount) + "/eu-central-1", eni);
  env.store.commit();
  ok("DeleteSubnet", {{"SubnetId", s}});
  fails("InvalidSubnetID.NotFound", "DescribeSubnets", {{"SubnetId.1", s}});
}

TEST_F(Ec2Test, SubnetsAreImplicitlyInTheDefaultAcl) {
  std::string v = vpc();
  std::string s = subnet(v, "10.0.1.0/24");
  auto r = ok("DescribeNetworkAcls",
              {{"Filter.1.Name", "association.subnet-id"}, {"Filter.1.Value.1", s}});
  ASSERT_EQ(count(r, "//networkAclSet/item"), 1u);
  EXPECT_EQ(xpath(r, "//networkAclSet/item/default"), "true");
  EXPECT_EQ(xpath(r, "//associationSet/item/networkAclAssociationId").rfind("aclassoc-", 0), 0u);
  ok("DeleteSubnet", {{"SubnetId", s}});
  EXPECT_EQ(count(ok("DescribeNetworkAcls",
                     {{"Filter.1.Name", "association.subnet-id"}, {"Filter.1.Value.1", s}}),
                  "//networkAclSet/item"),
            0u);
}

// ---- internet gateways ----

TEST_F(Ec2Test, InternetGatewayAttachDetachDelete) {
  std::string v = vpc();
  auto r = ok("CreateInternetGateway", {{"TagSpecification.1.ResourceType", "internet-gateway"},
                                        {"TagSpecification.1.Tag.1.Key", "Name"},
                                        {"TagSpecification.1.Tag.1.Value", "igw"}});
  std::string igw = xpath(r, "//internetGatewayId");
  EXPECT_EQ(xpath(r, "//ownerId"), kAccount);
  EXPECT_EQ(count(r, "//attachmentSet/item"), 0u);
  ok("AttachInternetGateway", {{"InternetGatewayId", igw}, {"VpcId", v}});
  r = ok("DescribeInternetGateways", {{"InternetGatewayId.1", igw}});
  EXPECT_EQ(xpath(r, "//attachmentSet/item/vpcId"), v);
  EXPECT_EQ(xpath(r, "//attachmentSet/item/state"), "available");
  EXPECT_EQ(xpath(r, "//tagSet/item[key='Name']/value"), "igw");
  EXPECT_EQ(count(ok("DescribeInternetGateways",
                     {{"Filter.1.Name", "attachment.vpc-id"}, {"Filter.1.Value.1", v}}),
                  "//internetGatewaySet/item"),
            1u);
  EXPECT_EQ(count(ok("DescribeInternetGateways",
                     {{"Filter.1.Name", "attachment.state"}, {"Filter.1.Value.1", "available"}}),
                  "//internetGatewaySet/item"),
            1u);

  fails("Resource.AlreadyAssociated", "AttachInternetGateway",
        {{"InternetGatewayId", igw}, {"VpcId", vpc("10.1.0.0/16")}});
  std::string second = xpath(ok("CreateInternetGateway"), "//internetGatewayId");
  fails("Resource.AlreadyAssociated", "AttachInternetGateway",
        {{"InternetGatewayId", second}, {"VpcId", v}});
  fails("DependencyViolation", "DeleteInternetGateway", {{"InternetGatewayId", igw}});

  ok("DetachInternetGateway", {{"InternetGatewayId", igw}, {"VpcId", v}});
  EXPECT_EQ(
      count(ok("DescribeInternetGateways", {{"InternetGatewayId.1", igw}}), "//attachmentSet/item"),
      0u);
  fails("Gateway.NotAttached", "DetachInternetGateway", {{"InternetGatewayId", igw}, {"VpcId", v}});
  ok("DeleteInternetGateway", {{"InternetGatewayId", igw}});
  fails("InvalidInternetGatewayID.NotFound", "DescribeInternetGateways",
        {{"InternetGatewayId.1", igw}});
  fails("InvalidInternetGatewayId.Malformed", "DeleteInternetGateway",
        {{"InternetGatewayId", "gw-1"}});
}

// ---- route tables ----

TEST_F(Ec2Test, RouteTableRoutesAndAssociations) {
  std::string v = vpc();
  std::string s = subnet(v, "10.0.1.0/24");
  std::string igw = igw_attached_to(v);
  auto r = ok("CreateRouteTable", {{"VpcId", v}, {"ClientToken", "tok-1"}});
  std::string rtb = xpath(r, "//routeTable/routeTableId");
  EXPECT_EQ(xpath(r, "//clientToken"), "tok-1");
  EXPECT_EQ(xpath(r, "//routeSet/item/gatewayId"), "local");
  EXPECT_EQ(count(r, "//associationSet/item"), 0u);
  // The same client token gives back the same table.
  EXPECT_EQ(xpath(ok("CreateRouteTable", {{"VpcId", v}, {"ClientToken", "tok-1"}}),
                  "//routeTable/routeTableId"),
            rtb);

  ok("CreateRoute",
     {{"RouteTableId", rtb}, {"DestinationCidrBlock", "0.0.0.0/0"}, {"GatewayId", igw}});
  fails("RouteAlreadyExists", "CreateRoute",
        {{"RouteTableId", rtb}, {"DestinationCidrBlock", "0.0.0.0/0"}, {"GatewayId", igw}});
  fails("InvalidParameterValue", "CreateRoute",
        {{"RouteTableId", rtb}, {"DestinationCidrBlock", "10.0.5.0/24"}, {"GatewayId", igw}});
  fails("InvalidGatewayID.NotFound", "CreateRoute",
        {{"RouteTableId", rtb},
         {"DestinationCidrBlock", "192.168.0.0/16"},
         {"GatewayId", "igw-0123456789abcdef0"}});
  fails("MissingParameter", "CreateRoute",
        {{"RouteTableId", rtb}, {"DestinationCidrBlock", "192.168.0.0/16"}});
  r = ok("DescribeRouteTables", {{"RouteTableId.1", rtb}});
  EXPECT_EQ(xpath(r, "//routeSet/item[destinationCidrBlock='0.0.0.0/0']/gatewayId"), igw);
  EXPECT_EQ(xpath(r, "//routeSet/item[destinationCidrBlock='0.0.0.0/0']/origin"), "CreateRoute");
  EXPECT_EQ(xpath(r, "//routeSet/item[destinationCidrBlock='0.0.0.0/0']/state"), "active");
  EXPECT_EQ(xpath(r, "//ownerId"), kAccount);
  EXPECT_EQ(count(ok("DescribeRouteTables",
                     {{"Filter.1.Name", "route.gateway-id"}, {"Filter.1.Value.1", igw}}),
                  "//routeTableSet/item"),
            1u);

  // Detaching the gateway leaves the route in place as a blackhole.
  ok("DetachInternetGateway", {{"InternetGatewayId", igw}, {"VpcId", v}});
  EXPECT_EQ(xpath(ok("DescribeRouteTables", {{"RouteTableId.1", rtb}}),
                  "//routeSet/item[gatewayId='" + igw + "']/state"),
            "blackhole");
  ok("AttachInternetGateway", {{"InternetGatewayId", igw}, {"VpcId", v}});
  EXPECT_EQ(xpath(ok("DescribeRouteTables", {{"RouteTableId.1", rtb}}),
                  "//routeSet/item[gatewayId='" + igw + "']/state"),
            "active");

  r = ok("AssociateRouteTable", {{"RouteTableId", rtb}, {"SubnetId", s}});
  std::string assoc = xpath(r, "//associationId");
  EXPECT_EQ(assoc.rfind("rtbassoc-", 0), 0u);
  EXPECT_EQ(xpath(r, "//associationState/state"), "associated");
  fails("Resource.AlreadyAssociated", "AssociateRouteTable",
        {{"RouteTableId", main_route_table(v)}, {"SubnetId", s}});
  r = ok("DescribeRouteTables", {{"Filter.1.Name", "association.route-table-association-id"},
                                 {"Filter.1.Value.1", assoc}});
  ASSERT_EQ(count(r, "//routeTableSet/item"), 1u);
  EXPECT_EQ(xpath(r, "//associationSet/item/main"), "false");
  EXPECT_EQ(xpath(r, "//associationSet/item/subnetId"), s);
  EXPECT_EQ(xpath(r, "//associationSet/item/routeTableId"), rtb);
  EXPECT_EQ(xpath(r, "//associationSet/item/associationState/state"), "associated");
  EXPECT_EQ(count(ok("DescribeRouteTables",
                     {{"Filter.1.Name", "association.subnet-id"}, {"Filter.1.Value.1", s}}),
                  "//routeTableSet/item"),
            1u);

  fails("DependencyViolation", "DeleteRouteTable", {{"RouteTableId", rtb}});
  fails("DependencyViolation", "DeleteRouteTable", {{"RouteTableId", main_route_table(v)}});
  ok("DisassociateRouteTable", {{"AssociationId", assoc}});
  fails("InvalidAssociationID.NotFound", "DisassociateRouteTable", {{"AssociationId", assoc}});
  EXPECT_EQ(
      count(ok("DescribeRouteTables", {{"Filter.1.Name", "association.route-table-association-id"},
                                       {"Filter.1.Value.1", assoc}}),
            "//routeTableSet/item"),
      0u);

  ok("DeleteRoute", {{"RouteTableId", rtb}, {"DestinationCidrBlock", "0.0.0.0/0"}});
  fails("InvalidRoute.NotFound", "DeleteRoute",
        {{"RouteTableId", rtb}, {"DestinationCidrBlock", "0.0.0.0/0"}});
  fails("InvalidParameterValue", "DeleteRoute",
        {{"RouteTableId", rtb}, {"DestinationCidrBlock", "10.0.0.0/16"}});
  ok("DeleteRouteTable", {{"RouteTableId", rtb}});
  fails("InvalidRouteTableID.NotFound", "DescribeRouteTables", {{"RouteTableId.1", rtb}});
  fails("InvalidRouteTableID.NotFound", "DeleteRouteTable", {{"RouteTableId", rtb}});
  fails("InvalidRouteTableId.Malformed", "DescribeRouteTables", {{"RouteTableId.1", "table-1"}});
}

TEST_F(Ec2Test, ReplaceRouteAndMainAssociation) {
  std::string v = vpc();
  std::string igw = igw_attached_to(v);
  std::string rtb = xpath(ok("CreateRouteTable", {{"VpcId", v}}), "//routeTableId");
  fails("InvalidParameterValue", "ReplaceRoute",
        {{"RouteTableId", rtb}, {"DestinationCidrBlock", "0.0.0.0/0"}, {"GatewayId", igw}});
  ok("CreateRoute",
     {{"RouteTableId", rtb}, {"DestinationCidrBlock", "0.0.0.0/0"}, {"GatewayId", igw}});
  ok("ReplaceRoute",
     {{"RouteTableId", rtb}, {"DestinationCidrBlock", "0.0.0.0/0"}, {"GatewayId", igw}});

  // The main association moves to another table and keeps being the main one.
  std::string old_main = main_route_table(v);
  std::string assoc = xpath(ok("DescribeRouteTables", {{"RouteTableId.1", old_main}}),
                            "//associationSet/item/routeTableAssociationId");
  fails("InvalidParameterValue", "DisassociateRouteTable", {{"AssociationId", assoc}});
  auto r = ok("ReplaceRouteTableAssociation", {{"AssociationId", assoc}, {"RouteTableId", rtb}});
  std::string moved = xpath(r, "//newAssociationId");
  EXPECT_NE(moved, assoc);
  EXPECT_EQ(xpath(r, "//associationState/state"), "associated");
  EXPECT_EQ(main_route_table(v), rtb);
  ok("DeleteRouteTable", {{"RouteTableId", old_main}});
  fails("InvalidAssociationID.NotFound", "ReplaceRouteTableAssociation",
        {{"AssociationId", assoc}, {"RouteTableId", rtb}});
}

// ---- security groups ----

TEST_F(Ec2Test, SecurityGroupCreateDuplicateAndDefaultEgress) {
  std::string v = vpc();
  auto r =
      ok("CreateSecurityGroup",
         {{"VpcId", v}, {"GroupName", "alb-sg"}, {"GroupDescription", "Managed by Terraform"}});
  std::string sg = xpath(r, "//groupId");
  EXPECT_EQ(xpath(r, "//securityGroupArn"),
            "arn:aws:ec2:eu-central-1:123456789012:security-group/" + sg);
  fails("InvalidGroup.Duplicate", "CreateSecurityGroup",
        {{"VpcId", v}, {"GroupName", "alb-sg"}, {"GroupDescription", "again"}});
  group(vpc("10.1.0.0/16"), "alb-sg");  // the name is per VPC
  fails("VPCIdNotSpecified", "CreateSecurityGroup",
        {{"GroupName", "x"}, {"GroupDescription", "no vpc"}});
  fails("InvalidGroup.Reserved", "CreateSecurityGroup",
        {{"VpcId", v}, {"GroupName", "default"}, {"GroupDescription", "d"}});
  fails("InvalidParameterValue", "CreateSecurityGroup",
        {{"VpcId", v}, {"GroupName", "sg-123"}, {"GroupDescription", "d"}});

  r = ok("DescribeSecurityGroups", {{"GroupId.1", sg}});
  EXPECT_EQ(xpath(r, "//groupName"), "alb-sg");
  EXPECT_EQ(xpath(r, "//groupDescription"), "Managed by Terraform");
  EXPECT_EQ(xpath(r, "//vpcId"), v);
  EXPECT_EQ(xpath(r, "//ownerId"), kAccount);
  EXPECT_EQ(count(r, "//ipPermissions/item"), 0u);
  EXPECT_EQ(xpath(r, "//ipPermissionsEgress/item/ipProtocol"), "-1");
  EXPECT_EQ(xpath(r, "//ipPermissionsEgress/item/ipRanges/item/cidrIp"), "0.0.0.0/0");

  // What the provider does right after create: drop the default egress, probe ::/0.
  ok("RevokeSecurityGroupEgress", {{"GroupId", sg},
                                   {"IpPermissions.1.IpProtocol", "-1"},
                                   {"IpPermissions.1.FromPort", "0"},
                                   {"IpPermissions.1.ToPort", "0"},
                                   {"IpPermissions.1.IpRanges.1.CidrIp", "0.0.0.0/0"}});
  fails("InvalidPermission.NotFound", "RevokeSecurityGroupEgress",
        {{"GroupId", sg},
         {"IpPermissions.1.IpProtocol", "-1"},
         {"IpPermissions.1.FromPort", "0"},
         {"IpPermissions.1.ToPort", "0"},
         {"IpPermissions.1.Ipv6Ranges.1.CidrIpv6", "::/0"}});
  EXPECT_EQ(count(ok("DescribeSecurityGroups", {{"GroupId.1", sg}}), "//ipPermissionsEgress/item"),
            0u);
}

TEST_F(Ec2Test, SecurityGroupRulesReadBackAsTheProviderExpects) {
  std::string v = vpc();
  std::string alb = group(v, "alb-sg"), ecs = group(v, "ecs-sg");
  auto r = ok("AuthorizeSecurityGroupIngress", {{"GroupId", alb},
                                                {"IpPermissions.1.IpProtocol", "tcp"},
                                                {"IpPermissions.1.FromPort", "80"},
                                                {"IpPermissions.1.ToPort", "80"},
                                                {"IpPermissions.1.IpRanges.1.CidrIp", "0.0.0.0/0"},
                                                {"IpPermissions.1.IpRanges.1.Description", "web"}});
  EXPECT_EQ(xpath(r, "//return"), "true");
  EXPECT_EQ(xpath(r, "//securityGroupRuleSet/item/securityGroupRuleId").rfind("sgr-", 0), 0u);
  EXPECT_EQ(xpath(r, "//securityGroupRuleSet/item/isEgress"), "false");
  ok("AuthorizeSecurityGroupIngress", {{"GroupId", ecs},
                                       {"IpPermissions.1.IpProtocol", "tcp"},
                                       {"IpPermissions.1.FromPort", "80"},
                                       {"IpPermissions.1.ToPort", "80"},
                                       {"IpPermissions.1.Groups.1.GroupId", alb}});

  r = ok("DescribeSecurityGroups", {{"GroupId.1", ecs}});
  EXPECT_EQ(xpath(r, "//ipPermissions/item/ipProtocol"), "tcp");
  EXPECT_EQ(xpath(r, "//ipPermissions/item/fromPort"), "80");
  EXPECT_EQ(xpath(r, "//ipPermissions/item/toPort"), "80");
  EXPECT_EQ(xpath(r, "//ipPermissions/item/groups/item/groupId"), alb);
  EXPECT_EQ(xpath(r, "//ipPermissions/item/groups/item/userId"), kAccount);
  r = ok("DescribeSecurityGroups", {{"GroupId.1", alb}});
  EXPECT_EQ(xpath(r, "//ipPermissions/item/ipRanges/item/cidrIp"), "0.0.0.0/0");
  EXPECT_EQ(xpath(r, "//ipPermissions/item/ipRanges/item/description"), "web");
  EXPECT_EQ(count(r, "//ipPermissions/item/ipv6Ranges"), 1u);
  EXPECT_EQ(count(r, "//ipPermissions/item/prefixListIds"), 1u);

  // Two ranges of one port range read back as one permission.
  ok("AuthorizeSecurityGroupIngress", {{"GroupId", alb},
                                       {"IpPermissions.1.IpProtocol", "6"},
                                       {"IpPermissions.1.FromPort", "80"},
                                       {"IpPermissions.1.ToPort", "80"},
                                       {"IpPermissions.1.IpRanges.1.CidrIp", "10.0.0.0/8"},
                                       {"IpPermissions.1.Ipv6Ranges.1.CidrIpv6", "::/0"}});
  r = ok("DescribeSecurityGroups", {{"GroupId.1", alb}});
  EXPECT_EQ(count(r, "//ipPermissions/item"), 1u);
  EXPECT_EQ(all(r, "//ipPermissions/item/ipRanges/item/cidrIp"),
            (std::vector<std::string>{"0.0.0.0/0", "10.0.0.0/8"}));
  EXPECT_EQ(xpath(r, "//ipPermissions/item/ipv6Ranges/item/cidrIpv6"), "::/0");

  auto dup =
      ec2("AuthorizeSecurityGroupIngress", {{"GroupId", alb},
                                            {"IpPermissions.1.IpProtocol", "tcp"},
                                            {"IpPermissions.1.FromPort", "80"},
                                            {"IpPermissions.1.ToPort", "80"},
                                            {"IpPermissions.1.IpRanges.1.CidrIp", "0.0.0.0/0"}});
  EXPECT_EQ(error_code(dup), "InvalidPermission.Duplicate");
  EXPECT_EQ(xpath(dup, "//Message"),
            "the specified rule \"peer: 0.0.0.0/0, TCP, from port: 80, to port: 80, ALLOW\" "
            "already exists");
  fails("InvalidParameterValue", "AuthorizeSecurityGroupIngress",
        {{"GroupId", alb},
         {"IpPermissions.1.IpProtocol", "tcp"},
         {"IpPermissions.1.IpRanges.1.CidrIp", "0.0.0.0/0"}});
  fails("InvalidParameterValue", "AuthorizeSecurityGroupIngress",
        {{"GroupId", alb},
         {"IpPermissions.1.IpProtocol", "tcp"},
         {"IpPermissions.1.FromPort", "443"},
         {"IpPermissions.1.ToPort", "443"},
         {"IpPermissions.1.IpRanges.1.CidrIp", "10.0.0.1/8"}});
  fails("InvalidParameterValue", "AuthorizeSecurityGroupIngress",
        {{"GroupId", alb},
         {"IpPermissions.1.IpProtocol", "bogus"},
         {"IpPermissions.1.IpRanges.1.CidrIp", "0.0.0.0/0"}});
  fails("InvalidGroup.NotFound", "AuthorizeSecurityGroupIngress",
        {{"GroupId", alb},
         {"IpPermissions.1.IpProtocol", "-1"},
         {"IpPermissions.1.Groups.1.GroupId", "sg-0123456789abcdef0"}});
  auto other_vpc = ec2("AuthorizeSecurityGroupIngress",
                       {{"GroupId", alb},
                        {"IpPermissions.1.IpProtocol", "-1"},
                        {"IpPermissions.1.Groups.1.GroupId", group(vpc("10.1.0.0/16"), "far")}});
  EXPECT_EQ(error_code(other_vpc), "InvalidGroup.NotFound");
  EXPECT_EQ(xpath(other_vpc, "//Message"),
            "You have specified two resources that belong to different networks.");

  // Egress for all protocols carries no ports.
  ok("AuthorizeSecurityGroupEgress", {{"GroupId", ecs},
                                      {"IpPermissions.1.IpProtocol", "-1"},
                                      {"IpPermissions.1.FromPort", "0"},
                                      {"IpPermissions.1.ToPort", "0"},
                                      {"IpPermissions.1.IpRanges.1.CidrIp", "10.0.0.0/16"}});
  r = ok("DescribeSecurityGroups", {{"GroupId.1", ecs}});
  EXPECT_EQ(count(r, "//ipPermissionsEgress/item/fromPort"), 0u);
  EXPECT_EQ(count(r, "//ipPermissionsEgress/item/toPort"), 0u);

  // The rules API sees each rule on its own; revoke by rule id.
  r = ok("DescribeSecurityGroupRules", {{"Filter.1.Name", "group-id"}, {"Filter.1.Value.1", ecs}});
  EXPECT_EQ(count(r, "//securityGroupRuleSet/item"), 3u);  // default egress, 10/16, ingress
  EXPECT_EQ(
      xpath(r, "//item[referencedGroupInfo/groupId='" + alb + "']/referencedGroupInfo/userId"),
      kAccount);
  EXPECT_EQ(xpath(r, "//item[cidrIpv4='10.0.0.0/16']/fromPort"), "-1");
  std::string rule = xpath(r, "//item[cidrIpv4='10.0.0.0/16']/securityGroupRuleId");
  fails("InvalidSecurityGroupRuleId.NotFound", "RevokeSecurityGroupIngress",
        {{"GroupId", ecs}, {"SecurityGroupRuleId.1", rule}});
  r = ok("RevokeSecurityGroupEgress", {{"GroupId", ecs}, {"SecurityGroupRuleId.1", rule}});
  EXPECT_EQ(xpath(r, "//revokedSecurityGroupRuleSet/item/cidrIpv4"), "10.0.0.0/16");
  fails("InvalidSecurityGroupRuleId.NotFound", "DescribeSecurityGroupRules",
        {{"SecurityGroupRuleId.1", rule}});
}

TEST_F(Ec2Test, SecurityGroupDeletionRules) {
  std::string v = vpc();
  std::string alb = group(v, "alb-sg"), ecs = group(v, "ecs-sg");
  ok("AuthorizeSecurityGroupIngress", {{"GroupId", ecs},
                                       {"IpPermissions.1.IpProtocol", "tcp"},
                                       {"IpPermissions.1.FromPort", "80"},
                                       {"IpPermissions.1.ToPort", "80"},
                                       {"IpPermissions.1.Groups.1.GroupId", alb}});
  auto r = ec2("DeleteSecurityGroup", {{"GroupId", alb}});
  EXPECT_EQ(error_code(r), "DependencyViolation");
  EXPECT_EQ(xpath(r, "//Message"), "resource " + alb + " has a dependent object");
  // A group referring to itself does not hold itself up.
  ok("AuthorizeSecurityGroupIngress", {{"GroupId", ecs},
                                       {"IpPermissions.1.IpProtocol", "-1"},
                                       {"IpPermissions.1.Groups.1.GroupId", ecs}});
  r = ok("DeleteSecurityGroup", {{"GroupId", ecs}});
  EXPECT_EQ(xpath(r, "//groupId"), ecs);
  ok("DeleteSecurityGroup", {{"GroupId", alb}});
  fails("InvalidGroup.NotFound", "DeleteSecurityGroup", {{"GroupId", alb}});
  fails("InvalidGroup.NotFound", "DescribeSecurityGroups", {{"GroupId.1", alb}});
  fails("InvalidGroupId.Malformed", "DescribeSecurityGroups", {{"GroupId.1", "alb-sg"}});
  fails("VPCIdNotSpecified", "DescribeSecurityGroups", {{"GroupName.1", "alb-sg"}});
  fails("MissingParameter", "DeleteSecurityGroup");
  EXPECT_EQ(count(ok("DescribeSecurityGroupRules"), "//securityGroupRuleSet/item"), 2u);  // default
}

// ---- filters, ids, paging ----

TEST_F(Ec2Test, FiltersCombineAndRejectUnknownNames) {
  std::string a = vpc("10.0.0.0/16"), b = vpc("10.1.0.0/16");
  ok("CreateTags", {{"ResourceId.1", a}, {"Tag.1.Key", "Name"}, {"Tag.1.Value", "prod-vpc"}});
  ok("CreateTags", {{"ResourceId.1", b},
                    {"Tag.1.Key", "Name"},
                    {"Tag.1.Value", "test-vpc"},
                    {"Tag.2.Key", "team"},
                    {"Tag.2.Value", ""}});
  auto ids = [&](const Params& p) { return all(ok("DescribeVpcs", p), "//vpcSet/item/vpcId"); };
  EXPECT_EQ(ids({{"Filter.1.Name", "tag:Name"}, {"Filter.1.Value.1", "prod-vpc"}}),
            (std::vector<std::string>{a}));
  EXPECT_EQ(ids({{"Filter.1.Name", "tag:Name"}, {"Filter.1.Value.1", "*-vpc"}}),
            (std::vector<std::string>{a, b}));
  EXPECT_EQ(ids({{"Filter.1.Name", "tag-key"}, {"Filter.1.Value.1", "team"}}),
            (std::vector<std::string>{b}));
  EXPECT_EQ(ids({{"Filter.1.Name", "cidr"},
                 {"Filter.1.Value.1", "10.1.0.0/16"},
                 {"Filter.1.Value.2", "10.0.0.0/16"}}),
            (std::vector<std::string>{a, b}));
  EXPECT_EQ(ids({{"Filter.1.Name", "cidr"},
                 {"Filter.1.Value.1", "10.1.0.0/16"},
                 {"Filter.2.Name", "tag:Name"},
                 {"Filter.2.Value.1", "prod-vpc"}}),
            (std::vector<std::string>{}));
  EXPECT_EQ(ids({{"Filter.1.Name", "cidr-block-association.cidr-block"},
                 {"Filter.1.Value.1", "10.1.0.0/16"}}),
            (std::vector<std::string>{b}));
  EXPECT_EQ(ids({{"Filter.1.Name", "is-default"},
                 {"Filter.1.Value.1", "false"},
                 {"Filter.2.Name", "state"},
                 {"Filter.2.Value.1", "available"},
                 {"Filter.3.Name", "owner-id"},
                 {"Filter.3.Value.1", kAccount}}),
            (std::vector<std::string>{a, b}));
  EXPECT_EQ(ids({{"VpcId.1", b}, {"Filter.1.Name", "vpc-id"}, {"Filter.1.Value.1", a}}),
            (std::vector<std::string>{}));

  auto r = ec2("DescribeVpcs", {{"Filter.1.Name", "colour"}, {"Filter.1.Value.1", "blue"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(error_code(r), "InvalidParameterValue");
  EXPECT_EQ(xpath(r, "//Message"), "The filter 'colour' is invalid");
  fails("InvalidParameterValue", "DescribeSubnets",
        {{"Filter.1.Name", "group-id"}, {"Filter.1.Value.1", "x"}});
  fails("InvalidParameterValue", "DescribeSecurityGroups",
        {{"Filter.1.Name", "subnet-id"}, {"Filter.1.Value.1", "x"}});
}

TEST_F(Ec2Test, ExplicitIdsNameEveryMissingOneAndCheckTheirShape) {
  std::string a = vpc();
  auto r = ec2(
      "DescribeVpcs",
      {{"VpcId.1", a}, {"VpcId.2", "vpc-0123456789abcdef0"}, {"VpcId.3", "vpc-0123456789abcdef1"}});
  EXPECT_EQ(error_code(r), "InvalidVpcID.NotFound");
  EXPECT_EQ(xpath(r, "//Message"),
            "The vpc IDs 'vpc-0123456789abcdef0, vpc-0123456789abcdef1' do not exist");
  r = ec2("DescribeVpcs", {{"VpcId.1", "vpc-0123456789abcdef0"}});
  EXPECT_EQ(xpath(r, "//Message"), "The vpc ID 'vpc-0123456789abcdef0' does not exist");
  // Shape is checked before existence.
  r = ec2("DescribeVpcs", {{"VpcId.1", "vpc-0123456789abcdef0"}, {"VpcId.2", "vpc-xyz"}});
  EXPECT_EQ(error_code(r), "InvalidVpcID.Malformed");
  EXPECT_EQ(xpath(r, "//Message"), "Invalid id: \"vpc-xyz\" (expecting \"vpc-...\")");
  fails("InvalidSubnetID.Malformed", "DescribeSubnets", {{"SubnetId.1", "sub-1"}});
  fails("InvalidSubnetID.NotFound", "DescribeSubnets", {{"SubnetId.1", "subnet-12345678"}});
  fails("InvalidNetworkAclID.NotFound", "DescribeNetworkAcls",
        {{"NetworkAclId.1", "acl-0123456789abcdef0"}});
  // An id named twice is listed once.
  EXPECT_EQ(count(ok("DescribeVpcs", {{"VpcId.1", a}, {"VpcId.2", a}}), "//vpcSet/item"), 1u);
}

TEST_F(Ec2Test, PagesWithMaxResultsAndNextToken) {
  std::string v = vpc();
  for (int i = 0; i < 7; ++i) subnet(v, "10.0." + std::to_string(i) + ".0/24");
  auto r = ok("DescribeSubnets", {{"MaxResults", "5"}});
  EXPECT_EQ(count(r, "//subnetSet/item"), 5u);
  std::string token = xpath(r, "//nextToken");
  ASSERT_FALSE(token.empty());
  r = ok("DescribeSubnets", {{"MaxResults", "5"}, {"NextToken", token}});
  EXPECT_EQ(count(r, "//subnetSet/item"), 2u);
  EXPECT_EQ(count(r, "//nextToken"), 0u);
  EXPECT_EQ(count(ok("DescribeSubnets"), "//subnetSet/item"), 7u);
  fails("InvalidParameterValue", "DescribeSubnets", {{"MaxResults", "4"}});
  fails("InvalidParameterValue", "DescribeRouteTables", {{"MaxResults", "101"}});
  fails("InvalidPaginationToken", "DescribeSubnets", {{"NextToken", "garbage"}});
}

// ---- tags ----

TEST_F(Ec2Test, TagsOnAnyKindAndDescribeTags) {
  std::string v = vpc();
  std::string s = subnet(v, "10.0.1.0/24");
  std::string sg = group(v, "app");
  ok("CreateTags", {{"ResourceId.1", v},
                    {"ResourceId.2", s},
                    {"ResourceId.3", sg},
                    {"Tag.1.Key", "env"},
                    {"Tag.1.Value", "prod"}});
  ok("CreateTags", {{"ResourceId.1", s}, {"Tag.1.Key", "env"}, {"Tag.1.Value", "test"}});
  auto r = ok("DescribeTags", {{"Filter.1.Name", "key"}, {"Filter.1.Value.1", "env"}});
  EXPECT_EQ(count(r, "//tagSet/item"), 3u);
  EXPECT_EQ(xpath(r, "//tagSet/item[resourceId='" + s + "']/value"), "test");
  EXPECT_EQ(xpath(r, "//tagSet/item[resourceId='" + s + "']/resourceType"), "subnet");
  EXPECT_EQ(xpath(r, "//tagSet/item[resourceId='" + sg + "']/resourceType"), "security-group");
  r = ok("DescribeTags", {{"Filter.1.Name", "resource-type"}, {"Filter.1.Value.1", "vpc"}});
  EXPECT_EQ(all(r, "//tagSet/item/resourceId"), (std::vector<std::string>{v}));
  r = ok("DescribeTags", {{"Filter.1.Name", "value"}, {"Filter.1.Value.1", "prod"}});
  EXPECT_EQ(count(r, "//tagSet/item"), 2u);

  // A key with a value deletes only a matching pair; a key alone deletes whatever the value.
  ok("DeleteTags", {{"ResourceId.1", s}, {"Tag.1.Key", "env"}, {"Tag.1.Value", "prod"}});
  EXPECT_EQ(xpath(ok("DescribeSubnets", {{"SubnetId.1", s}}), "//tagSet/item[key='env']/value"),
            "test");
  ok("DeleteTags", {{"ResourceId.1", s}, {"Tag.1.Key", "env"}});
  EXPECT_EQ(count(ok("DescribeSubnets", {{"SubnetId.1", s}}), "//tagSet/item"), 0u);
  ok("DeleteTags", {{"ResourceId.1", v}});  // no keys: every tag
  EXPECT_EQ(count(ok("DescribeVpcs", {{"VpcId.1", v}}), "//tagSet/item"), 0u);

  fails("InvalidVpcID.NotFound", "CreateTags",
        {{"ResourceId.1", "vpc-0123456789abcdef0"}, {"Tag.1.Key", "a"}, {"Tag.1.Value", "b"}});
  fails("InvalidID", "CreateTags", {{"ResourceId.1", "thing-1"}, {"Tag.1.Key", "a"}});
  fails("InvalidParameterValue", "CreateTags", {{"ResourceId.1", v}, {"Tag.1.Key", "aws:x"}});
  fails("InvalidParameterValue", "CreateVpc",
        {{"CidrBlock", "10.9.0.0/16"},
         {"TagSpecification.1.ResourceType", "subnet"},
         {"TagSpecification.1.Tag.1.Key", "Name"}});
  fails("InvalidParameterValue", "DescribeTags",
        {{"Filter.1.Name", "colour"}, {"Filter.1.Value.1", "x"}});
}

// ---- region and account ----

TEST_F(Ec2Test, AvailabilityZonesRegionsAndAccountAttributes) {
  auto r = ok("DescribeAvailabilityZones");
  EXPECT_EQ(all(r, "//availabilityZoneInfo/item/zoneName"),
            (std::vector<std::string>{"eu-central-1a", "eu-central-1b"}));
  EXPECT_EQ(xpath(r, "//item[zoneName='eu-central-1a']/zoneId"), ec2::zone_id("eu-central-1a"));
  EXPECT_EQ(xpath(r, "//item[zoneName='eu-central-1a']/zoneState"), "available");
  EXPECT_EQ(xpath(r, "//item[zoneName='eu-central-1a']/regionName"), "eu-central-1");
  EXPECT_EQ(xpath(r, "//item[zoneName='eu-central-1a']/zoneType"), "availability-zone");
  EXPECT_EQ(xpath(r, "//item[zoneName='eu-central-1a']/optInStatus"), "opt-in-not-required");
  EXPECT_EQ(xpath(r, "//item[zoneName='eu-central-1a']/groupName"), "eu-central-1");
  EXPECT_EQ(xpath(r, "//item[zoneName='eu-central-1a']/networkBorderGroup"), "eu-central-1");
  EXPECT_EQ(all(ok("DescribeAvailabilityZones", {{"ZoneName.1", "eu-central-1b"}}), "//zoneName"),
            (std::vector<std::string>{"eu-central-1b"}));
  EXPECT_EQ(
      all(ok("DescribeAvailabilityZones",
             {{"Filter.1.Name", "zone-id"}, {"Filter.1.Value.1", ec2::zone_id("eu-central-1a")}}),
          "//zoneName"),
      (std::vector<std::string>{"eu-central-1a"}));
  fails("InvalidParameterValue", "DescribeAvailabilityZones", {{"ZoneName.1", "eu-central-1z"}});

  r = ok("DescribeRegions");
  EXPECT_EQ(xpath(r, "//item[regionName='eu-central-1']/regionEndpoint"),
            "ec2.eu-central-1.amazonaws.com");
  EXPECT_EQ(count(r, "//item[regionName='af-south-1']"), 0u);
  EXPECT_EQ(
      count(ok("DescribeRegions", {{"AllRegions", "true"}}), "//item[regionName='af-south-1']"),
      1u);
  EXPECT_EQ(all(ok("DescribeRegions", {{"RegionName.1", "us-east-1"}}), "//regionName"),
            (std::vector<std::string>{"us-east-1"}));

  r = ok("DescribeAccountAttributes");
  EXPECT_EQ(xpath(r, "//item[attributeName='supported-platforms']//attributeValue"), "VPC");
  EXPECT_EQ(xpath(r, "//item[attributeName='default-vpc']//attributeValue"), "none");
  EXPECT_EQ(
      xpath(r, "//item[attributeName='vpc-max-security-groups-per-interface']//attributeValue"),
      "5");
  r = ok("DescribeAccountAttributes", {{"AttributeName.1", "default-vpc"}});
  EXPECT_EQ(all(r, "//attributeName"), (std::vector<std::string>{"default-vpc"}));
}

// ---- cross-cutting ----

TEST_F(Ec2Test, DryRunAndAccountIsolation) {
  auto r = ec2("CreateVpc", {{"CidrBlock", "10.0.0.0/16"}, {"DryRun", "true"}});
  EXPECT_EQ(r.status, 412);
  EXPECT_EQ(error_code(r), "DryRunOperation");
  EXPECT_EQ(count(ok("DescribeVpcs"), "//vpcSet/item"), 0u);

  std::string v = vpc();
  r = ec2("DescribeVpcs", {}, "111122223333");
  EXPECT_EQ(count(r, "//vpcSet/item"), 0u);
  r = ec2("DescribeVpcs", {{"VpcId.1", v}}, "111122223333");
  EXPECT_EQ(error_code(r), "InvalidVpcID.NotFound");
  r = ec2("CreateVpc", {{"CidrBlock", "10.0.0.0/16"}}, "111122223333");
  EXPECT_EQ(r.status, 200);
  r = ec2("DescribeSecurityGroups", {}, "111122223333");
  EXPECT_EQ(xpath(r, "//ownerId"), "111122223333");
  EXPECT_EQ(xpath(r, "//ipPermissions/item/groups/item/userId"), "111122223333");
}

TEST_F(Ec2Test, Ipv6VpcAndSubnet) {
  auto r = ok("CreateVpc", {{"CidrBlock", "10.0.0.0/16"}, {"AmazonProvidedIpv6CidrBlock", "true"}});
  std::string v = xpath(r, "//vpcId");
  std::string block = xpath(r, "//ipv6CidrBlockAssociationSet/item/ipv6CidrBlock");
  auto c = ec2::parse_cidr6(block);
  ASSERT_TRUE(c) << block;
  EXPECT_EQ(c->bits, 56);
  EXPECT_EQ(xpath(r, "//ipv6CidrBlockAssociationSet/item/ipv6CidrBlockState/state"), "associated");
  // The /64 is the first of the /56.
  std::string first = block.substr(0, block.find("::")) + "::/64";
  r = ok("CreateSubnet", {{"VpcId", v}, {"CidrBlock", "10.0.1.0/24"}, {"Ipv6CidrBlock", first}});
  std::string s = xpath(r, "//subnetId");
  EXPECT_EQ(xpath(r, "//ipv6CidrBlockAssociationSet/item/ipv6CidrBlock"), first);
  ok("ModifySubnetAttribute", {{"SubnetId", s}, {"AssignIpv6AddressOnCreation.Value", "true"}});
  fails("InvalidSubnet.Range", "CreateSubnet",
        {{"VpcId", v}, {"CidrBlock", "10.0.2.0/24"}, {"Ipv6CidrBlock", "2001:db8::/64"}});
  fails("InvalidSubnet.Conflict", "CreateSubnet",
        {{"VpcId", v}, {"CidrBlock", "10.0.2.0/24"}, {"Ipv6CidrBlock", first}});
  // The default group of an IPv6 VPC may also send anywhere over IPv6.
  EXPECT_EQ(xpath(ok("DescribeSecurityGroups", {{"GroupId.1", default_group(v)}}),
                  "//ipPermissionsEgress/item/ipv6Ranges/item/cidrIpv6"),
            "::/0");
}

}  // namespace
}  // namespace zonesim::testing
