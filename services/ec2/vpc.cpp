// VPCs: CreateVpc (with the main route table, default network ACL and default security group that
// come with every VPC), DescribeVpcs, Describe/ModifyVpcAttribute, DeleteVpc.
#include "services/ec2/cidr.hpp"
#include "services/ec2/common.hpp"
#include "services/ec2/describe.hpp"
#include "services/ec2/network_acl.hpp"
#include "services/ec2/route_table.hpp"
#include "services/ec2/security_group.hpp"
#include "services/ec2/tags.hpp"

namespace zonesim::ec2 {

namespace {

constexpr int kMinVpcPrefix = 16;
constexpr int kMaxVpcPrefix = 28;

// The attributes DescribeVpcAttribute reports, with their values for a new VPC.
struct VpcAttribute {
  const char* member;  // in Describe/ModifyVpcAttribute
  const char* wire;    // the Attribute enum value and the internal document key
  bool initial;
};
constexpr VpcAttribute kAttributes[] = {
    {"EnableDnsSupport", "enableDnsSupport", true},
    {"EnableDnsHostnames", "enableDnsHostnames", false},
    {"EnableNetworkAddressUsageMetrics", "enableNetworkAddressUsageMetrics", false},
};

std::string internal_key(const VpcAttribute& a) {
  return std::string("_") + a.wire;
}

// Every account/region has one default DHCP option set (AmazonProvidedDNS); VPCs point at it.
std::string default_dhcp_options(Call& call) {
  for (auto& [id, doc] : call.env.store.list(call.scope(), kDhcpOptions.kind))
    if (doc->value("_default", false)) return id;
  std::string id = new_id(call, kDhcpOptions.prefix);
  call.env.store.put(call.scope(), kDhcpOptions.kind, id,
                     {{"DhcpOptionsId", id},
                      {"OwnerId", call.account},
                      {"Tags", json::array()},
                      {"_default", true}});
  return id;
}

// An Amazon-provided /56 from the region's pool.
json amazon_ipv6_association(Call& call) {
  std::string text = "2a05:d014:" + call.env.rng.hex(4) + ":" + call.env.rng.hex(2) + "00::/56";
  return {{"AssociationId", new_id(call, "vpc-cidr-assoc")},
          {"Ipv6CidrBlock", parse_cidr6(text)->str()},
          {"Ipv6CidrBlockState", {{"State", "associated"}}},
          {"NetworkBorderGroup", call.region},
          {"Ipv6Pool", "Amazon"},
          {"IpSource", "amazon"},
          {"Ipv6AddressAttribute", "public"}};
}

json create_vpc(Call& call) {
  const json& in = call.input;
  if (in.contains("Ipv4IpamPoolId"))
    throw AwsError(
        "InvalidIpamPoolId.NotFound",
        "The ipam pool ID '" + in["Ipv4IpamPoolId"].get<std::string>() + "' does not exist");
  if (in.contains("Ipv6IpamPoolId"))
    throw AwsError(
        "InvalidIpamPoolId.NotFound",
        "The ipam pool ID '" + in["Ipv6IpamPoolId"].get<std::string>() + "' does not exist");
  if (in.contains("Ipv6Pool"))
    throw AwsError("InvalidIpv6PoolID.NotFound",
                   "The ipv6Pool ID '" + in["Ipv6Pool"].get<std::string>() + "' does not exist");
  if (in.contains("Ipv6CidrBlock"))
    throw AwsError("MissingParameter",
                   "The request must contain the parameter ipv6Pool when ipv6CidrBlock is set");
  if (!in.contains("CidrBlock"))
    throw AwsError("MissingParameter",
                   "Either 'cidrBlock' or 'ipv4IpamPoolId' should be provided.");
  std::string cidr_text = in["CidrBlock"].get<std::string>();
  auto cidr = parse_cidr4(cidr_text);
  if (!cidr || !cidr->canonical())
    invalid_parameter("Value (" + cidr_text +
                      ") for parameter cidrBlock is invalid. This is not a valid CIDR block.");
  if (cidr->bits < kMinVpcPrefix || cidr->bits > kMaxVpcPrefix)
    throw AwsError("InvalidVpc.Range", "The CIDR '" + cidr_text + "' is invalid.");
  std::string tenancy = in.value("InstanceTenancy", "default");
  if (tenancy == "host")
    invalid_parameter(
        "Value (host) for parameter instanceTenancy is invalid. The host tenancy is "
        "not supported for VPCs.");
  json tags = tags_from_specifications(in, "vpc");

  std::string id = new_id(call, kVpc.prefix);
  json ipv6 = json::array();
  if (in.value("AmazonProvidedIpv6CidrBlock", false)) ipv6.push_back(amazon_ipv6_association(call));
  json vpc = {
      {"VpcId", id},
      {"OwnerId", call.account},
      {"InstanceTenancy", tenancy},
      {"CidrBlock", cidr_text},
      {"CidrBlockAssociationSet", json::array({{{"AssociationId", new_id(call, "vpc-cidr-assoc")},
                                                {"CidrBlock", cidr_text},
                                                {"CidrBlockState", {{"State", "associated"}}}}})},
      {"Ipv6CidrBlockAssociationSet", std::move(ipv6)},
      {"DhcpOptionsId", default_dhcp_options(call)},
      {"State", "available"},
      {"IsDefault", false},
      {"BlockPublicAccessStates", {{"InternetGatewayBlockMode", "off"}}},
      {"Tags", std::move(tags)}};
  for (auto& a : kAttributes) vpc[internal_key(a)] = a.initial;
  const json& stored = call.env.store.put(call.scope(), kVpc.kind, id, std::move(vpc));
  create_main_route_table(call, stored);
  create_default_network_acl(call, id);
  create_default_security_group(call, id);

  // AWS answers "pending"; the VPC is available by the time anyone can ask.
  json out = *call.env.store.get(call.scope(), kVpc.kind, id);
  out["State"] = "pending";
  return {{"Vpc", presented(std::move(out))}};
}

const Filters& vpc_filters() {
  static const Filters f =
      Filters()
          .add("vpc-id", "VpcId")
          .add("cidr", "CidrBlock")
          .add("cidr-block-association.cidr-block", "CidrBlockAssociationSet[].CidrBlock")
          .add("cidr-block-association.association-id", "CidrBlockAssociationSet[].AssociationId")
          .add("cidr-block-association.state", "CidrBlockAssociationSet[].CidrBlockState.State")
          .add("dhcp-options-id", "DhcpOptionsId")
          .add("ipv6-cidr-block-association.ipv6-cidr-block",
               "Ipv6CidrBlockAssociationSet[].Ipv6CidrBlock")
          .add("ipv6-cidr-block-association.ipv6-pool", "Ipv6CidrBlockAssociationSet[].Ipv6Pool")
          .add("ipv6-cidr-block-association.association-id",
               "Ipv6CidrBlockAssociationSet[].AssociationId")
          .add("ipv6-cidr-block-association.state",
               "Ipv6CidrBlockAssociationSet[].Ipv6CidrBlockState.State")
          .add("is-default", "IsDefault")
          .add("owner-id", "OwnerId")
          .add("state", "State");
  return f;
}

json describe_vpcs(Call& call) {
  json out = listing_output("Vpcs", describe(call, kVpc, "VpcIds", vpc_filters()));
  // DescribeVpcs leaves out an empty IPv6 association set (CreateVpc shows it).
  for (auto& v : out["Vpcs"])
    if (v["Ipv6CidrBlockAssociationSet"].empty()) v.erase("Ipv6CidrBlockAssociationSet");
  return out;
}

json describe_vpc_attribute(Call& call) {
  std::string id = call.input["VpcId"].get<std::string>();
  const json& vpc = require(call, kVpc, id);
  std::string wanted = call.input["Attribute"].get<std::string>();
  json out = {{"VpcId", id}};
  for (auto& a : kAttributes)
    if (wanted == a.wire) out[a.member] = {{"Value", vpc.value(internal_key(a), a.initial)}};
  return out;
}

json modify_vpc_attribute(Call& call) {
  std::string id = call.input["VpcId"].get<std::string>();
  // EC2 takes exactly one attribute per call.
  std::vector<const VpcAttribute*> given;
  for (auto& a : kAttributes)
    if (call.input.contains(a.member)) given.push_back(&a);
  if (given.empty()) throw AwsError("InvalidParameterCombination", "No attributes specified.");
  if (given.size() > 1) {
    std::string names;
    for (auto* a : given) names += (names.empty() ? "" : ", ") + std::string(a->wire);
    throw AwsError("InvalidParameterCombination",
                   "Fields for multiple attribute types specified: " + names);
  }
  const VpcAttribute& a = *given[0];
  const json& v = call.input[a.member];
  if (!v.contains("Value"))
    throw AwsError("MissingParameter",
                   std::string("The request must contain the parameter ") + a.wire + ".value");
  json& vpc = require_mut(call, kVpc, id);
  vpc[internal_key(a)] = v["Value"].get<bool>();
  return json();
}

json delete_vpc(Call& call) {
  std::string id = call.input["VpcId"].get<std::string>();
  require(call, kVpc, id);
  auto& st = call.env.store;
  bool dependent =
      !non_main_route_tables(call, id).empty() || !non_default_security_groups(call, id).empty();
  for (auto& [sid, s] : st.list(call.scope(), kSubnet.kind))
    if (str(*s, "VpcId") == id) dependent = true;
  for (auto& [gid, g] : st.list(call.scope(), kInternetGateway.kind))
    for (auto& att : g->value("Attachments", json::array()))
      if (att.value("VpcId", "") == id) dependent = true;
  for (auto& [eid, e] : st.list(call.scope(), kNetworkInterface.kind))
    if (str(*e, "VpcId") == id) dependent = true;
  if (dependent)
    throw AwsError("DependencyViolation",
                   "The vpc '" + id + "' has dependencies and cannot be deleted.");
  // What came with the VPC goes with it.
  for (auto& [gid, g] : st.list(call.scope(), kSecurityGroup.kind))
    if (str(*g, "VpcId") == id) erase_security_group(call, gid);
  delete_route_tables_of_vpc(call, id);
  delete_network_acls_of_vpc(call, id);
  st.erase(call.scope(), kVpc.kind, id);
  return json();
}

}  // namespace

void register_vpc(Registry& r) {
  add(r, "CreateVpc", create_vpc);
  add(r, "DescribeVpcs", describe_vpcs);
  add(r, "DescribeVpcAttribute", describe_vpc_attribute);
  add(r, "ModifyVpcAttribute", modify_vpc_attribute);
  add(r, "DeleteVpc", delete_vpc);
}

}  // namespace zonesim::ec2
