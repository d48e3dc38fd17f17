// Subnets: CreateSubnet (range, conflict and zone checks), DescribeSubnets, ModifySubnetAttribute,
// DeleteSubnet.
#include <algorithm>

#include "services/ec2/cidr.hpp"
#include "services/ec2/common.hpp"
#include "services/ec2/describe.hpp"
#include "services/ec2/network.hpp"
#include "services/ec2/network_acl.hpp"
#include "services/ec2/route_table.hpp"
#include "services/ec2/tags.hpp"

namespace zonesim::ec2 {

namespace {

constexpr int kMinSubnetPrefix = 16;
constexpr int kMaxSubnetPrefix = 28;
constexpr int kIpv6SubnetPrefix = 64;
// AWS reserves the first four addresses and the last one of every subnet.
constexpr std::int64_t kReservedAddresses = 5;

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

// The zone a new subnet goes to: named, named by id, or picked.
std::string choose_zone(Call& call) {
  const auto zones = zones_for(call);
  std::vector<std::string> ids;
  for (auto& z : zones) ids.push_back(zone_id(z));
  const json& in = call.input;
  std::string zone;
  if (in.contains("AvailabilityZone")) {
    zone = in["AvailabilityZone"].get<std::string>();
    if (std::find(zones.begin(), zones.end(), zone) == zones.end())
      invalid_parameter("Value (" + zone +
                        ") for parameter availabilityZone is invalid. Subnets can currently only "
                        "be created in the following availability zones: " +
                        join(zones) + ".");
  }
  if (in.contains("AvailabilityZoneId")) {
    std::string zid = in["AvailabilityZoneId"].get<std::string>();
    auto it = std::find(ids.begin(), ids.end(), zid);
    if (it == ids.end())
      invalid_parameter("Value (" + zid +
                        ") for parameter availabilityZoneId is invalid. Subnets can currently "
                        "only be created in the following availability zone ids: " +
                        join(ids) + ".");
    std::string by_id = zones[static_cast<std::size_t>(it - ids.begin())];
    if (!zone.empty() && zone != by_id)
      throw AwsError("InvalidParameterCombination",
                     "The parameters availabilityZone and availabilityZoneId name different "
                     "zones: " +
                         zone + ", " + zid);
    zone = by_id;
  }
  if (zone.empty()) zone = zones[call.env.rng.below(zones.size())];
  return zone;
}

json ipv6_association(Call& call, const json& vpc, const std::string& text) {
  auto c = parse_cidr6(text);
  if (!c || !c->canonical())
    invalid_parameter("Value (" + text +
                      ") for parameter ipv6CidrBlock is invalid. This is not a valid CIDR block.");
  bool inside = false;
  for (auto& a : vpc.value("Ipv6CidrBlockAssociationSet", json::array()))
    if (auto v = parse_cidr6(a.value("Ipv6CidrBlock", "")); v && v->contains(*c)) inside = true;
  if (c->bits != kIpv6SubnetPrefix || !inside)
    throw AwsError("InvalidSubnet.Range", "The IPv6 CIDR '" + text + "' is invalid.");
  for (auto& [id, s] : call.env.store.list(call.scope(), kSubnet.kind)) {
    if (str(*s, "VpcId") != str(vpc, "VpcId")) continue;
    for (auto& a : s->value("Ipv6CidrBlockAssociationSet", json::array()))
      if (auto o = parse_cidr6(a.value("Ipv6CidrBlock", ""));
          o && (o->contains(*c) || c->contains(*o)))
        throw AwsError("InvalidSubnet.Conflict",
                       "The IPv6 CIDR '" + text + "' conflicts with another subnet");
  }
  return {{"AssociationId", new_id(call, "subnet-cidr-assoc")},
          {"Ipv6CidrBlock", c->str()},
          {"Ipv6CidrBlockState", {{"State", "associated"}}},
          {"IpSource", "amazon"},
          {"Ipv6AddressAttribute", "public"}};
}

json create_subnet(Call& call) {
  const json& in = call.input;
  std::string vpc_id = in["VpcId"].get<std::string>();
  const json& vpc = require(call, kVpc, vpc_id);
  if (in.contains("Ipv4IpamPoolId") || in.contains("Ipv6IpamPoolId")) {
    std::string pool = in.value("Ipv4IpamPoolId", in.value("Ipv6IpamPoolId", ""));
    throw AwsError("InvalidIpamPoolId.NotFound", "The ipam pool ID '" + pool + "' does not exist");
  }
  if (in.contains("OutpostArn"))
    invalid_parameter("Value (" + in["OutpostArn"].get<std::string>() +
                      ") for parameter outpostArn is invalid. The outpost does not exist.");
  bool ipv6_native = in.value("Ipv6Native", false);
  json ipv6 = json::array();
  if (in.contains("Ipv6CidrBlock"))
    ipv6.push_back(ipv6_association(call, vpc, in["Ipv6CidrBlock"].get<std::string>()));
  if (ipv6_native && (in.contains("CidrBlock") || ipv6.empty()))
    throw AwsError("InvalidParameterCombination",
                   "An IPv6-native subnet takes an ipv6CidrBlock and no cidrBlock.");

  std::string cidr_text;
  std::int64_t available = 0;
  if (!ipv6_native) {
    if (!in.contains("CidrBlock"))
      throw AwsError("MissingParameter", "The request must contain the parameter cidrBlock");
    cidr_text = in["CidrBlock"].get<std::string>();
    auto cidr = parse_cidr4(cidr_text);
    if (!cidr || !cidr->canonical())
      invalid_parameter("Value (" + cidr_text +
                        ") for parameter cidrBlock is invalid. This is not a valid CIDR block.");
    bool inside = false;
    for (auto& a : vpc.value("CidrBlockAssociationSet", json::array()))
      if (auto v = parse_cidr4(a.value("CidrBlock", "")); v && v->contains(*cidr)) inside = true;
    if (!inside || cidr->bits < kMinSubnetPrefix || cidr->bits > kMaxSubnetPrefix)
      throw AwsError("InvalidSubnet.Range", "The CIDR '" + cidr_text + "' is invalid.");
    for (auto& [id, s] : call.env.store.list(call.scope(), kSubnet.kind)) {
      if (str(*s, "VpcId") != vpc_id) continue;
      if (auto o = parse_cidr4(str(*s, "CidrBlock")); o && o->overlaps(*cidr))
        throw AwsError("InvalidSubnet.Conflict",
                       "The CIDR '" + cidr_text + "' conflicts with another subnet");
    }
    available = static_cast<std::int64_t>(cidr->size()) - kReservedAddresses;
  }
  std::string zone = choose_zone(call);
  json tags = tags_from_specifications(in, "subnet");

  std::string id = new_id(call, kSubnet.prefix);
  json subnet = {{"SubnetId", id},
                 {"SubnetArn", arn(call, "subnet/" + id)},
                 {"VpcId", vpc_id},
                 {"OwnerId", call.account},
                 {"State", "available"},
                 {"AvailabilityZone", zone},
                 {"AvailabilityZoneId", zone_id(zone)},
                 {"AvailableIpAddressCount", available},
                 {"DefaultForAz", false},
                 {"MapPublicIpOnLaunch", false},
                 {"MapCustomerOwnedIpOnLaunch", false},
                 {"AssignIpv6AddressOnCreation", false},
                 {"Ipv6CidrBlockAssociationSet", std::move(ipv6)},
                 {"Ipv6Native", ipv6_native},
                 {"EnableDns64", false},
                 {"PrivateDnsNameOptionsOnLaunch",
                  {{"HostnameType", "ip-name"},
                   {"EnableResourceNameDnsARecord", false},
                   {"EnableResourceNameDnsAAAARecord", false}}},
                 {"BlockPublicAccessStates", {{"InternetGatewayBlockMode", "off"}}},
                 {"Tags", std::move(tags)}};
  if (!ipv6_native) subnet["CidrBlock"] = cidr_text;
  json out = call.env.store.put(call.scope(), kSubnet.kind, id, std::move(subnet));
  associate_with_default_acl(call, vpc_id, id);
  return {{"Subnet", presented(std::move(out))}};
}

const Filters& subnet_filters() {
  static const Filters f =
      Filters()
          .add("subnet-id", "SubnetId")
          .add("subnet-arn", "SubnetArn")
          .add("vpc-id", "VpcId")
          .add("availability-zone", "AvailabilityZone")
          .add("availabilityZone", "AvailabilityZone")
          .add("availability-zone-id", "AvailabilityZoneId")
          .add("availabilityZoneId", "AvailabilityZoneId")
          .add("available-ip-address-count", "AvailableIpAddressCount")
          .add("cidr-block", "CidrBlock")
          .add("cidr", "CidrBlock")
          .add("cidrBlock", "CidrBlock")
          .add("default-for-az", "DefaultForAz")
          .add("defaultForAz", "DefaultForAz")
          .add("ipv6-cidr-block-association.ipv6-cidr-block",
               "Ipv6CidrBlockAssociationSet[].Ipv6CidrBlock")
          .add("ipv6-cidr-block-association.association-id",
               "Ipv6CidrBlockAssociationSet[].AssociationId")
          .add("ipv6-cidr-block-association.state",
               "Ipv6CidrBlockAssociationSet[].Ipv6CidrBlockState.State")
          .add("ipv6-native", "Ipv6Native")
          .add("map-public-ip-on-launch", "MapPublicIpOnLaunch")
          .add("map-customer-owned-ip-on-launch", "MapCustomerOwnedIpOnLaunch")
          .add("enable-dns64", "EnableDns64")
          .add("private-dns-name-options-on-launch.hostname-type",
               "PrivateDnsNameOptionsOnLaunch.HostnameType")
          .add("private-dns-name-options-on-launch.enable-resource-name-dns-a-record",
               "PrivateDnsNameOptionsOnLaunch.EnableResourceNameDnsARecord")
          .add("private-dns-name-options-on-launch.enable-resource-name-dns-aaaa-record",
               "PrivateDnsNameOptionsOnLaunch.EnableResourceNameDnsAAAARecord")
          .add("owner-id", "OwnerId")
          .add("state", "State");
  return f;
}

json describe_subnets(Call& call) {
  return listing_output("Subnets", describe(call, kSubnet, "SubnetIds", subnet_filters()));
}

json modify_subnet_attribute(Call& call) {
  const json& in = call.input;
  // Members that each count as one attribute; EC2 modifies one per call.
  static const std::pair<const char*, const char*> kMembers[] = {
      {"MapPublicIpOnLaunch", "mapPublicIpOnLaunch"},
      {"AssignIpv6AddressOnCreation", "assignIpv6AddressOnCreation"},
      {"MapCustomerOwnedIpOnLaunch", "mapCustomerOwnedIpOnLaunch"},
      {"EnableDns64", "enableDns64"},
      {"EnableResourceNameDnsARecordOnLaunch", "enableResourceNameDnsARecordOnLaunch"},
      {"EnableResourceNameDnsAAAARecordOnLaunch", "enableResourceNameDnsAAAARecordOnLaunch"},
      {"PrivateDnsHostnameTypeOnLaunch", "privateDnsHostnameTypeOnLaunch"},
      {"EnableLniAtDeviceIndex", "enableLniAtDeviceIndex"},
      {"DisableLniAtDeviceIndex", "disableLniAtDeviceIndex"},
  };
  std::vector<std::pair<const char*, const char*>> given;
  for (auto& m : kMembers)
    if (in.contains(m.first)) given.push_back(m);
  if (given.empty()) throw AwsError("InvalidParameterCombination", "No attributes specified.");
  if (given.size() > 1) {
    std::string names;
    for (auto& g : given) names += (names.empty() ? "" : ", ") + std::string(g.second);
    throw AwsError("InvalidParameterCombination",
                   "Fields for multiple attribute types specified: " + names);
  }
  std::string member = given[0].first;
  std::string id = in["SubnetId"].get<std::string>();
  json& subnet = require_mut(call, kSubnet, id);
  auto flag = [&]() -> bool {
    const json& v = in[member];
    if (!v.contains("Value"))
      throw AwsError("MissingParameter", std::string("The request must contain the parameter ") +
                                             given[0].second + ".value");
    return v["Value"].get<bool>();
  };
  bool has_ipv6 = !subnet.value("Ipv6CidrBlockAssociationSet", json::array()).empty();
  json& dns = subnet["PrivateDnsNameOptionsOnLaunch"];
  if (member == "MapPublicIpOnLaunch") {
    subnet["MapPublicIpOnLaunch"] = flag();
  } else if (member == "AssignIpv6AddressOnCreation") {
    bool v = flag();
    if (v && !has_ipv6)
      invalid_parameter(
          "Invalid value 'true' for assignIpv6AddressOnCreation. Cannot set "
          "assignIpv6AddressOnCreation to true unless the subnet (" +
          id + ") has an IPv6 CIDR block associated with it.");
    subnet["AssignIpv6AddressOnCreation"] = v;
  } else if (member == "EnableDns64") {
    subnet["EnableDns64"] = flag();
  } else if (member == "EnableResourceNameDnsARecordOnLaunch") {
    dns["EnableResourceNameDnsARecord"] = flag();
  } else if (member == "EnableResourceNameDnsAAAARecordOnLaunch") {
    bool v = flag();
    if (v && !has_ipv6)
      invalid_parameter("Cannot enable resource name DNS AAAA records on a subnet (" + id +
                        ") without an IPv6 CIDR block.");
    dns["EnableResourceNameDnsAAAARecord"] = v;
  } else if (member == "PrivateDnsHostnameTypeOnLaunch") {
    dns["HostnameType"] = in[member];
  } else if (member == "MapCustomerOwnedIpOnLaunch") {
    if (flag())
      invalid_parameter("Cannot set mapCustomerOwnedIpOnLaunch on subnet " + id +
                        ": it is not an Outpost subnet.");
    subnet["MapCustomerOwnedIpOnLaunch"] = false;
  } else {  // the LNI device index members exist for Outpost subnets only
    invalid_parameter("The subnet " + id + " is not an Outpost subnet.");
  }
  return json();
}

json delete_subnet(Call& call) {
  std::string id = call.input["SubnetId"].get<std::string>();
  require(call, kSubnet, id);
  for (auto& [eid, e] : call.env.store.list(call.scope(), kNetworkInterface.kind))
    if (str(*e, "SubnetId") == id)
      throw AwsError("DependencyViolation",
                     "The subnet '" + id + "' has dependencies and cannot be deleted.");
  drop_subnet_associations(call, id);
  drop_acl_associations(call, id);
  call.env.store.erase(call.scope(), kSubnet.kind, id);
  return json();
}

}  // namespace

void register_subnet(Registry& r) {
  add(r, "CreateSubnet", create_subnet);
  add(r, "DescribeSubnets", describe_subnets);
  add(r, "ModifySubnetAttribute", modify_subnet_attribute);
  add(r, "DeleteSubnet", delete_subnet);
}

}  // namespace zonesim::ec2
