#include "services/ec2/common.hpp"

#include <algorithm>

namespace zonesim::ec2 {

// Codes and wording as EC2 answers them; note AWS's own inconsistent casing (InvalidGroupId vs
// InvalidGroup, ID vs Id), which clients match verbatim.
const Kind kVpc{
    "vpc", "vpc", "vpc", "InvalidVpcID.NotFound", "vpc ID", "vpc IDs", "InvalidVpcID.Malformed",
    "Tags"};
const Kind kSubnet{"subnet",
                   "subnet",
                   "subnet",
                   "InvalidSubnetID.NotFound",
                   "subnet ID",
                   "subnet IDs",
                   "InvalidSubnetID.Malformed",
                   "Tags"};
const Kind kSecurityGroup{"security-group",           "sg",
                          "security-group",           "InvalidGroup.NotFound",
                          "security group",           "security groups",
                          "InvalidGroupId.Malformed", "Tags"};
const Kind kSecurityGroupRule{"security-group-rule",
                              "sgr",
                              "security-group-rule",
                              "InvalidSecurityGroupRuleId.NotFound",
                              "security group rule ID",
                              "security group rule IDs",
                              "InvalidSecurityGroupRuleId.Malformed",
                              "Tags"};
const Kind kInternetGateway{"internet-gateway",
                            "igw",
                            "internet-gateway",
                            "InvalidInternetGatewayID.NotFound",
                            "internetGateway ID",
                            "internetGateway IDs",
                            "InvalidInternetGatewayId.Malformed",
                            "Tags"};
const Kind kRouteTable{"route-table",
                       "rtb",
                       "route-table",
                       "InvalidRouteTableID.NotFound",
                       "routeTable ID",
                       "routeTable IDs",
                       "InvalidRouteTableId.Malformed",
                       "Tags"};
const Kind kNetworkAcl{
    "network-acl",    "acl", "network-acl", "InvalidNetworkAclID.NotFound", "networkAcl ID",
    "networkAcl IDs", "",    "Tags"};
const Kind kNetworkInterface{"network-interface",
                             "eni",
                             "network-interface",
                             "InvalidNetworkInterfaceID.NotFound",
                             "networkInterface ID",
                             "networkInterface IDs",
                             "InvalidNetworkInterfaceId.Malformed",
                             "TagSet"};
const Kind kDhcpOptions{"dhcp-options",
                        "dopt",
                        "dhcp-options",
                        "InvalidDhcpOptionID.NotFound",
                        "dhcpOption ID",
                        "dhcpOption IDs",
                        "InvalidDhcpOptionsId.Malformed",
                        "Tags"};

const std::vector<const Kind*>& taggable_kinds() {
  static const std::vector<const Kind*> kAll = {
      &kDhcpOptions,       &kInternetGateway, &kNetworkAcl,
      &kNetworkInterface,  &kRouteTable,      &kSecurityGroup,
      &kSecurityGroupRule, &kSubnet,          &kVpc};
  return kAll;
}

const Kind* kind_of_id(std::string_view id) {
  auto dash = id.find('-');
  if (dash == std::string_view::npos) return nullptr;
  for (const Kind* k : taggable_kinds())
    if (id.substr(0, dash) == k->prefix) return k;
  return nullptr;
}

std::string new_id(Call& call, std::string_view prefix) {
  return std::string(prefix) + "-" + call.env.rng.hex(17);
}

bool well_formed(const Kind& kind, std::string_view id) {
  std::string_view p = kind.prefix;
  if (id.size() <= p.size() + 1 || id.substr(0, p.size()) != p || id[p.size()] != '-') return false;
  std::string_view hex = id.substr(p.size() + 1);
  if (hex.size() != 8 && hex.size() != 17) return false;
  return std::all_of(hex.begin(), hex.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

void throw_not_found(const Kind& kind, const std::vector<std::string>& ids) {
  if (ids.size() == 1)
    throw AwsError(kind.not_found_code,
                   std::string("The ") + kind.noun + " '" + ids[0] + "' does not exist");
  std::string list;
  for (auto& id : ids) list += (list.empty() ? "" : ", ") + id;
  throw AwsError(kind.not_found_code,
                 std::string("The ") + kind.nouns + " '" + list + "' do not exist");
}

void throw_malformed(const Kind& kind, std::string_view id) {
  throw AwsError(kind.malformed_code,
                 "Invalid id: \"" + std::string(id) + "\" (expecting \"" + kind.prefix + "-...\")");
}

const json& require(const Call& call, const Kind& kind, const std::string& id) {
  if (*kind.malformed_code && !well_formed(kind, id)) throw_malformed(kind, id);
  const json* doc = call.env.store.get(call.scope(), kind.kind, id);
  if (!doc) throw_not_found(kind, {id});
  return *doc;
}

json& require_mut(Call& call, const Kind& kind, const std::string& id) {
  require(call, kind, id);
  return *call.env.store.get_mut(call.scope(), kind.kind, id);
}

std::string arn(const Call& call, std::string_view resource) {
  return "arn:aws:ec2:" + call.region + ":" + call.account + ":" + std::string(resource);
}

std::string str(const json& doc, const char* member) {
  auto it = doc.find(member);
  return it != doc.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::vector<std::string> zones_for(const Call& call) {
  if (call.region == call.env.config.region) return call.env.config.zones_or_default();
  return {call.region + "a", call.region + "b"};
}

void invalid_parameter(const std::string& message) {
  throw AwsError("InvalidParameterValue", message);
}

void add(Registry& r, const char* operation, json (*fn)(Call&)) {
  r.add("ec2", operation, [fn](Call& call) -> json {
    // EC2 checks only permissions on a dry run, never the resources named.
    if (call.input.value("DryRun", false))
      throw AwsError("DryRunOperation", "Request would have succeeded, but DryRun flag is set.",
                     412);
    return fn(call);
  });
}

}  // namespace zonesim::ec2
