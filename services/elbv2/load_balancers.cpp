// Load balancers: create/describe/delete, subnets, security groups, IP address type, attributes
// and capacity reservations. Each enabled subnet holds one load balancer node: a requester-managed
// network interface in that subnet, created and deleted with the node.
#include <algorithm>
#include <map>
#include <set>

#include "services/ec2/network.hpp"
#include "services/elbv2/attributes.hpp"
#include "services/elbv2/common.hpp"
#include "services/elbv2/simulation.hpp"

namespace zonesim::elbv2 {

namespace {

constexpr std::size_t kMaxLoadBalancers = 50;
constexpr std::int64_t kMinAlbCapacityUnits = 100;
constexpr std::int64_t kMinNlbCapacityUnits = 2750;
constexpr std::int64_t kMaxCapacityUnits = 15000;
constexpr int kDailyCapacityDecreases = 4;

// Route 53 hosted zone of the load balancers' DNS names, per region (AWS's published values).
const std::map<std::string, std::pair<const char*, const char*>>& hosted_zones() {
  static const std::map<std::string, std::pair<const char*, const char*>> kZones = {
      {"af-south-1", {"Z268VQBMOI5EKX", "Z203XCE67M25HM"}},
      {"ap-east-1", {"Z3DQVH9N71FHZ0", "Z12Y7K3UBGUAD1"}},
      {"ap-northeast-1", {"Z14GRHDCWA56QT", "Z31USIVHYNEOWT"}},
      {"ap-northeast-2", {"ZWKZPGTI48KDX", "ZIBE1TIR4HY56"}},
      {"ap-northeast-3", {"Z5LXEXXYW11ES", "Z1GWIQ4HH19I5X"}},
      {"ap-south-1", {"ZP97RAFLXTNZK", "ZVDDRBQ08TROA"}},
      {"ap-southeast-1", {"Z1LMS91P8CMLE5", "ZKVM4W9LS7TM"}},
      {"ap-southeast-2", {"Z1GM3OXH4ZPM65", "ZCT6FZBF4DROD"}},
      {"ca-central-1", {"ZQSVJUPU6J1EY", "Z2EPGBW3API2WT"}},
      {"eu-central-1", {"Z215JYRZR1TBD5", "Z3F0SRJ5LGBH90"}},
      {"eu-central-2", {"Z06391101F2ZOEP8P5EB3", "Z02239872DOALSIDCX66S"}},
      {"eu-north-1", {"Z23TAZ6LKFMNIO", "Z1UDT6IFJ4EJM"}},
      {"eu-south-1", {"Z3ULH7SSC9OV64", "Z23146JA1KNAFP"}},
      {"eu-west-1", {"Z32O12XQLNTSW2", "Z2IFOLAFXWLO4F"}},
      {"eu-west-2", {"ZHURV8PSTC4K8", "ZD4D7Y8KGAS4G"}},
      {"eu-west-3", {"Z3Q77PNBQS71R4", "Z1CMS0P5QUZ6D5"}},
      {"me-south-1", {"ZS929ML54UICD", "Z3QSRYVP46NYYV"}},
      {"sa-east-1", {"Z2P70J7HTTTPLU", "ZTK26PT1VY4CU"}},
      {"us-east-1", {"Z35SXDOTRQ7X7K", "Z26RNL4JYFTOTI"}},
      {"us-east-2", {"Z3AADJGX6KTTL2", "ZLMOA37VPKANP"}},
      {"us-west-1", {"Z368ELLRRE2KJ0", "Z24FKFUX50B4VW"}},
      {"us-west-2", {"Z1H1FL5HABSF5", "Z18D5FSROUN65G"}},
  };
  return kZones;
}

std::string interface_type(const std::string& type) {
  if (type == "network") return "network_load_balancer";
  if (type == "gateway") return "gateway_load_balancer";
  return "interface";
}

// "ELB app/<name>/<id>": how AWS describes a load balancer node's network interface.
std::string node_description(const json& lb) {
  std::string a = lb.value("LoadBalancerArn", "");
  return "ELB " + a.substr(a.find("loadbalancer/") + 13);
}

std::vector<std::string> strings(const json& v) {
  std::vector<std::string> out;
  if (v.is_array())
    for (auto& s : v) out.push_back(s.get<std::string>());
  return out;
}

json strings_json(const std::vector<std::string>& v) {
  json out = json::array();
  for (auto& s : v) out.push_back(s);
  return out;
}

// The subnets a Create/SetSubnets call asks for, resolved and checked as AWS does.
struct SubnetChoice {
  ec2::SubnetInfo subnet;
  json mapping;  // the SubnetMapping as given (or {SubnetId})
};

std::vector<SubnetChoice> resolve_subnets(Call& c, const std::string& type,
                                          const std::string& scheme) {
  const json& in = c.input;
  bool has_subnets = in.contains("Subnets") && !in["Subnets"].empty();
  bool has_mappings = in.contains("SubnetMappings") && !in["SubnetMappings"].empty();
  if (has_subnets && has_mappings)
    throw AwsError("ValidationError",
                   "You must specify either subnets or subnet mappings, but not both");
  json mappings = json::array();
  if (has_subnets)
    for (auto& s : in["Subnets"]) mappings.push_back({{"SubnetId", s}});
  if (has_mappings) mappings = in["SubnetMappings"];
  if (mappings.empty()) {
    if (type == "application")
      throw AwsError("ValidationError",
                     "At least two subnets in two different Availability Zones must be specified");
    throw AwsError("ValidationError", "At least one subnet must be specified");
  }
  std::vector<SubnetChoice> out;
  std::set<std::string> zones;
  for (auto& m : mappings) {
    std::string id = m.value("SubnetId", "");
    if (id.empty()) throw AwsError("ValidationError", "A subnet ID must be specified");
    auto s = ec2::find_subnet(c.env, c.scope(), id);
    if (!s) throw AwsError("SubnetNotFound", "The subnet ID '" + id + "' does not exist");
    if (!out.empty() && s->vpc_id != out.front().subnet.vpc_id)
      throw AwsError("InvalidConfigurationRequest",
                     "The subnets '" + out.front().subnet.subnet_id + "' and '" + id +
                         "' are in different VPCs; a load balancer's subnets must be in one VPC");
    if (!zones.insert(s->zone).second)
      throw AwsError("InvalidConfigurationRequest",
                     "A load balancer cannot be attached to multiple subnets in the same "
                     "Availability Zone");
    if (m.contains("AllocationId")) {
      if (type != "network")
        throw AwsError("InvalidConfigurationRequest",
                       "Elastic IP addresses can only be specified for Network Load Balancers");
      if (scheme == "internal")
        throw AwsError("InvalidConfigurationRequest",
                       "Elastic IP addresses cannot be specified for internal load balancers");
      std::string alloc = m["AllocationId"].get<std::string>();
      if (!c.env.store.get(c.scope(), "address", alloc))
        throw AwsError("AllocationIdNotFound", "The allocation ID '" + alloc + "' does not exist");
    }
    if (m.contains("PrivateIPv4Address")) {
      if (type != "network" || scheme != "internal")
        throw AwsError("InvalidConfigurationRequest",
                       "Private IPv4 addresses can only be specified for internal Network Load "
                       "Balancers");
    }
    out.push_back({*s, m});
  }
  if (type == "application" && zones.size() < 2)
    throw AwsError("ValidationError",
                   "At least two subnets in two different Availability Zones must be specified");
  return out;
}

// The VPC's default security group (what an ALB created without security groups gets).
std::string default_security_group(const Call& c, const std::string& vpc) {
  for (auto& [id, g] : c.env.store.list(c.scope(), "security-group"))
    if (g->value("VpcId", "") == vpc && g->value("GroupName", "") == "default") return id;
  return "";
}

void check_security_groups(const Call& c, const std::vector<std::string>& groups,
                           const std::string& vpc) {
  if (groups.size() > kMaxSecurityGroups)
    throw AwsError("InvalidConfigurationRequest",
                   "The maximum number of security groups per load balancer (" +
                       std::to_string(kMaxSecurityGroups) + ") has been reached");
  for (auto& g : groups) {
    auto group_vpc = ec2::vpc_of_security_group(c.env, c.scope(), g);
    if (!group_vpc)
      throw AwsError("InvalidSecurityGroup", "The security group '" + g + "' does not exist");
    if (*group_vpc != vpc)
      throw AwsError("InvalidConfigurationRequest",
                     "Security group '" + g + "' does not belong to VPC '" + vpc + "'");
  }
}

json zone_entry(const SubnetChoice& s, const Call& c) {
  json addresses = json::array();
  const json& m = s.mapping;
  if (m.contains("AllocationId")) {
    std::string alloc = m["AllocationId"].get<std::string>();
    json a = {{"AllocationId", alloc}};
    if (const json* eip = c.env.store.get(c.scope(), "address", alloc))
      if (eip->contains("PublicIp")) a["IpAddress"] = (*eip)["PublicIp"];
    addresses.push_back(a);
  } else if (m.contains("PrivateIPv4Address")) {
    addresses.push_back({{"PrivateIPv4Address", m["PrivateIPv4Address"]}});
  }
  if (m.contains("IPv6Address")) {
    if (addresses.empty()) addresses.push_back(json::object());
    addresses[0]["IPv6Address"] = m["IPv6Address"];
  }
  return {{"ZoneName", s.subnet.zone},
          {"SubnetId", s.subnet.subnet_id},
          {"LoadBalancerAddresses", addresses}};
}

// The network interface of a load balancer node in one subnet.
json create_interface(Call& c, const json& lb, const std::string& subnet_id) {
  auto itf = ec2::create_interface(
      c.env, c.scope(), subnet_id, strings(lb.value("SecurityGroups", json::array())),
      node_description(lb), interface_type(lb.value("Type", "")), "amazon-elb");
  return {{"SubnetId", subnet_id},
          {"NetworkInterfaceId", itf.id},
          {"PrivateIpAddress", itf.private_ip},
          {"ZoneName", itf.zone}};
}

// Creates the node of a load balancer in one subnet (recorded on the timeline).
json create_node(Call& c, const json& lb, const std::string& subnet_id, const std::string& why) {
  json node = create_interface(c, lb, subnet_id);
  std::string zone = node["ZoneName"].get<std::string>();
  node_created(c.env, lb, node, zone, why);
  return node;
}

void delete_nodes(Call& c, json& lb) {
  for (auto& n : lb.value("_nodes", json::array())) {
    ec2::delete_interface(c.env, c.scope(), n.value("NetworkInterfaceId", ""));
    node_deleted(c.env, lb, n, "load balancer deleted");
  }
  lb["_nodes"] = json::array();
}

// The load balancer as DescribeLoadBalancers returns it. A provisioning load balancer whose
// provisioning time has passed is active even if its clock event was lost (e.g. a restart).
json view(const json& doc, std::int64_t now) {
  json v = doc;
  if (v["State"].value("Code", "") == "provisioning" && v.value("_active_at", INT64_MAX) <= now)
    v["State"] = {{"Code", "active"}};
  return v;
}

// Provisioning -> active (the `realistic` profile's delay; immediate under `instant`).
void activate_load_balancer(Env& env, const std::string& scope, const std::string& lb_arn) {
  json* lb = env.store.get_mut(scope, kLoadBalancerKind, lb_arn);
  if (!lb || (*lb)["State"].value("Code", "") != "provisioning") return;
  (*lb)["State"] = {{"Code", "active"}};
}

std::set<std::string> subnet_ids(const json& lb) {
  std::set<std::string> out;
  for (auto& z : lb.value("AvailabilityZones", json::array())) out.insert(z.value("SubnetId", ""));
  return out;
}

// Target groups forwarded to by this load balancer's listeners and rules.
std::vector<std::string> groups_of(const Call& c, const std::string& lb_arn) {
  std::vector<std::string> out;
  auto add = [&](const json& actions) {
    for (auto& g : forwarded_groups(actions))
      if (std::find(out.begin(), out.end(), g) == out.end()) out.push_back(g);
  };
  for (auto& [a, l] : c.env.store.list(c.scope(), kListenerKind)) {
    if (l->value("LoadBalancerArn", "") != lb_arn) continue;
    add(l->value("DefaultActions", json::array()));
    for (auto& [ra, r] : c.env.store.list(c.scope(), kRuleKind))
      if (r->value("_listener", "") == a) add(r->value("Actions", json::array()));
  }
  return out;
}

attributes::Defs defs_of(const json& lb) {
  return attributes::load_balancer(lb.value("Type", "application"),
                                   lb.value("Scheme", "internet-facing"),
                                   lb.value("IpAddressType", "ipv4"));
}

json create_load_balancer(Call& c) {
  const json& in = c.input;
  std::string name = in.value("Name", "");
  check_name(name, "Load balancer");
  if (name.rfind("internal-", 0) == 0)
    throw AwsError("ValidationError",
                   "Load balancer name '" + name + "' cannot begin with 'internal-'");
  std::string type = in.value("Type", "application");
  if (type == "gateway" && in.contains("Scheme"))
    throw AwsError("ValidationError", "A scheme cannot be specified for Gateway Load Balancers");
  std::string scheme = type == "gateway" ? "" : in.value("Scheme", "internet-facing");
  std::string ip_type = in.value("IpAddressType", "ipv4");
  if (ip_type == "dualstack-without-public-ipv4" && type != "application")
    throw AwsError("ValidationError",
                   "The IP address type 'dualstack-without-public-ipv4' is only supported by "
                   "Application Load Balancers");
  if (scheme == "internal" && ip_type == "dualstack-without-public-ipv4")
    throw AwsError("InvalidConfigurationRequest",
                   "Internal load balancers cannot use the IP address type "
                   "'dualstack-without-public-ipv4'");
  if (in.contains("CustomerOwnedIpv4Pool"))
    throw AwsError("InvalidConfigurationRequest",
                   "A customer-owned IPv4 pool can only be used with subnets on an Outpost");
  if (in.contains("EnablePrefixForIpv6SourceNat") && type != "network")
    throw AwsError("ValidationError",
                   "'EnablePrefixForIpv6SourceNat' is only supported by Network Load Balancers");

  auto subnets = resolve_subnets(c, type, scheme);
  std::string vpc = subnets.front().subnet.vpc_id;

  std::vector<std::string> groups = strings(in.value("SecurityGroups", json::array()));
  if (type == "gateway" && !groups.empty())
    throw AwsError("ValidationError",
                   "Security groups cannot be specified for Gateway Load Balancers");
  check_security_groups(c, groups, vpc);
  if (type == "application" && groups.empty()) {
    std::string def = default_security_group(c, vpc);
    if (!def.empty()) groups.push_back(def);
  }

  std::vector<std::string> wanted_subnets;
  for (auto& s : subnets) wanted_subnets.push_back(s.subnet.subnet_id);
  std::sort(wanted_subnets.begin(), wanted_subnets.end());

  // CreateLoadBalancer is idempotent: the same name with the same settings is the same load
  // balancer.
  for (auto& [a, lb] : c.env.store.list(c.scope(), kLoadBalancerKind)) {
    if (lb->value("LoadBalancerName", "") != name) continue;
    auto existing_subnets = subnet_ids(*lb);
    auto existing_groups = strings(lb->value("SecurityGroups", json::array()));
    std::sort(existing_groups.begin(), existing_groups.end());
    auto sorted_groups = groups;
    std::sort(sorted_groups.begin(), sorted_groups.end());
    bool same = lb->value("Type", "") == type && lb->value("Scheme", "") == scheme &&
                lb->value("IpAddressType", "") == ip_type &&
                std::vector<std::string>(existing_subnets.begin(), existing_subnets.end()) ==
                    wanted_subnets &&
                existing_groups == sorted_groups;
    if (!same)
      throw AwsError("DuplicateLoadBalancerName", "A load balancer with the same name '" + name +
                                                      "' exists, but with different settings");
    return {{"LoadBalancers", json::array({view(*lb, c.now())})}};
  }
  if (c.env.store.count(c.scope(), kLoadBalancerKind) >= kMaxLoadBalancers)
    throw AwsError("TooManyLoadBalancers",
                   "You've reached the limit on the number of load balancers for your account");

  std::string id = c.env.rng.hex(16);
  std::string lb_arn = arn(c, "loadbalancer/" + lb_type_code(type) + "/" + name + "/" + id);
  json doc = {{"LoadBalancerArn", lb_arn},
              {"LoadBalancerName", name},
              {"Type", type},
              {"VpcId", vpc},
              {"IpAddressType", ip_type},
              {"CreatedTime", c.now()},
              {"_attributes", json::object()},
              {"_tags", json::array()}};
  if (!scheme.empty()) doc["Scheme"] = scheme;
  if (type != "gateway") {
    auto zones = hosted_zones().find(c.region);
    if (type == "application") {
      // <name>-<number>.<region>.elb.amazonaws.com; internal ones are prefixed "internal-".
      std::string number = c.env.rng.chars(1, "123456789") + c.env.rng.chars(9, "0123456789");
      doc["DNSName"] = (scheme == "internal" ? "internal-" : "") + name + "-" + number + "." +
                       c.region + ".elb.amazonaws.com";
      if (zones != hosted_zones().end()) doc["CanonicalHostedZoneId"] = zones->second.first;
    } else {
      doc["DNSName"] = name + "-" + c.env.rng.hex(16) + ".elb." + c.region + ".amazonaws.com";
      if (zones != hosted_zones().end()) doc["CanonicalHostedZoneId"] = zones->second.second;
    }
  }
  if (!groups.empty()) {
    doc["SecurityGroups"] = strings_json(groups);
    if (type == "network") doc["EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic"] = "on";
  }
  if (in.contains("EnablePrefixForIpv6SourceNat"))
    doc["EnablePrefixForIpv6SourceNat"] = in["EnablePrefixForIpv6SourceNat"];
  if (in.contains("IpamPools")) doc["IpamPools"] = in["IpamPools"];
  std::sort(subnets.begin(), subnets.end(), [](const SubnetChoice& a, const SubnetChoice& b) {
    return a.subnet.zone < b.subnet.zone;
  });
  json zones = json::array();
  for (auto& s : subnets) zones.push_back(zone_entry(s, c));
  doc["AvailabilityZones"] = zones;
  add_tags(doc, in.value("Tags", json::array()), "Load balancer");

  json nodes = json::array();
  for (auto& s : subnets)
    nodes.push_back(create_node(c, doc, s.subnet.subnet_id, "load balancer created"));
  doc["_nodes"] = nodes;

  if (instant(c.env)) {
    doc["State"] = {{"Code", "active"}};
  } else {
    doc["State"] = {{"Code", "provisioning"}};
    doc["_active_at"] = c.now() + kRealisticProvisioningMs;
    Env& env = c.env;
    std::string scope = c.scope();
    c.env.clock.schedule_in(kRealisticProvisioningMs, "elbv2 load balancer active: " + name,
                            [&env, scope, lb_arn] { activate_load_balancer(env, scope, lb_arn); });
  }
  json& stored = c.env.store.put(c.scope(), kLoadBalancerKind, lb_arn, std::move(doc));
  return {{"LoadBalancers", json::array({view(stored, c.now())})}};
}

json describe_load_balancers(Call& c) {
  const json& in = c.input;
  bool by_arn = in.contains("LoadBalancerArns") && !in["LoadBalancerArns"].empty();
  bool by_name = in.contains("Names") && !in["Names"].empty();
  if (by_arn && by_name)
    throw AwsError("ValidationError",
                   "Load balancer names and load balancer ARNs cannot be specified at the same "
                   "time");
  std::vector<json> items;
  if (by_arn) {
    if (in["LoadBalancerArns"].size() > kMaxNamesPerDescribe)
      throw AwsError("ValidationError",
                     "1 validation error detected: Value at 'loadBalancerArns' failed to satisfy "
                     "constraint: Member must have length less than or equal to 20");
    std::set<std::string> seen;
    for (auto& a : in["LoadBalancerArns"]) {
      std::string s = a.get<std::string>();
      const json* lb = find_load_balancer(c.env, c.scope(), s);
      if (!lb) throw AwsError("LoadBalancerNotFound", "One or more load balancers not found");
      if (seen.insert(s).second) items.push_back(view(*lb, c.now()));
    }
  } else if (by_name) {
    if (in["Names"].size() > kMaxNamesPerDescribe)
      throw AwsError("ValidationError",
                     "1 validation error detected: Value at 'names' failed to satisfy "
                     "constraint: Member must have length less than or equal to 20");
    std::vector<std::string> missing;
    std::set<std::string> seen;
    for (auto& n : in["Names"]) {
      std::string name = n.get<std::string>();
      if (!seen.insert(name).second) continue;
      bool found = false;
      for (auto& [a, lb] : c.env.store.list(c.scope(), kLoadBalancerKind))
        if (lb->value("LoadBalancerName", "") == name) {
          items.push_back(view(*lb, c.now()));
          found = true;
        }
      if (!found) missing.push_back(name);
    }
    if (!missing.empty()) {
      std::string list;
      for (auto& m : missing) list += (list.empty() ? "" : ", ") + m;
      throw AwsError("LoadBalancerNotFound", "Load balancers '[" + list + "]' not found");
    }
  } else {
    for (auto& [a, lb] : c.env.store.list(c.scope(), kLoadBalancerKind))
      items.push_back(view(*lb, c.now()));
  }
  return page(items, c, "LoadBalancers");
}

json delete_load_balancer(Call& c) {
  std::string lb_arn = c.input.value("LoadBalancerArn", "");
  const json* lb = find_load_balancer(c.env, c.scope(), lb_arn);
  if (!lb) return json::object();  // deleting an absent load balancer succeeds
  if (attributes::value(defs_of(*lb), lb->value("_attributes", json::object()),
                        "deletion_protection.enabled") == "true")
    throw AwsError("OperationNotPermitted", "Load balancer '" + lb_arn +
                                                "' cannot be deleted because deletion protection "
                                                "is enabled");
  for (auto& [a, tg] : c.env.store.list(c.scope(), kTargetGroupKind)) {
    if (tg->value("TargetType", "") != "alb") continue;
    for (auto& t : tg->value("_targets", json::array()))
      if (t.value("Id", "") == lb_arn)
        throw AwsError("ResourceInUse", "Load balancer '" + lb_arn +
                                            "' cannot be deleted because it is registered in "
                                            "target group '" +
                                            a + "'");
  }
  auto groups = groups_of(c, lb_arn);
  std::vector<std::string> listeners;
  for (auto& [a, l] : c.env.store.list(c.scope(), kListenerKind))
    if (l->value("LoadBalancerArn", "") == lb_arn) listeners.push_back(a);
  for (auto& l : listeners) {
    std::vector<std::string> rules;
    for (auto& [ra, r] : c.env.store.list(c.scope(), kRuleKind))
      if (r->value("_listener", "") == l) rules.push_back(ra);
    for (auto& r : rules) c.env.store.erase(c.scope(), kRuleKind, r);
    c.env.store.erase(c.scope(), kListenerKind, l);
  }
  json& doc = load_balancer_mut(c, lb_arn);
  delete_nodes(c, doc);
  c.env.store.erase(c.scope(), kLoadBalancerKind, lb_arn);
  for (auto& g : groups) sync_target_group(c.env, c.scope(), g);
  return json::object();
}

json set_security_groups(Call& c) {
  std::string lb_arn = c.input.value("LoadBalancerArn", "");
  json& lb = load_balancer_mut(c, lb_arn);
  std::string type = lb.value("Type", "");
  if (type == "gateway")
    throw AwsError("InvalidConfigurationRequest",
                   "Security groups are not supported for Gateway Load Balancers");
  bool had_groups = lb.contains("SecurityGroups") && !lb["SecurityGroups"].empty();
  if (type == "network" && !had_groups)
    throw AwsError("InvalidConfigurationRequest",
                   "You cannot set security groups on a Network Load Balancer which was created "
                   "without any security groups");
  auto groups = strings(c.input.value("SecurityGroups", json::array()));
  if (type == "application" && groups.empty())
    throw AwsError("InvalidConfigurationRequest",
                   "An Application Load Balancer must have at least one security group");
  check_security_groups(c, groups, lb.value("VpcId", ""));
  lb["SecurityGroups"] = strings_json(groups);
  json out = {{"SecurityGroupIds", lb["SecurityGroups"]}};
  if (type == "network") {
    if (c.input.contains("EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic"))
      lb["EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic"] =
          c.input["EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic"];
    out["EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic"] =
        lb.value("EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic", "on");
  } else if (c.input.contains("EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic")) {
    throw AwsError("ValidationError",
                   "'EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic' is only supported by "
                   "Network Load Balancers");
  }
  // The nodes' interfaces carry the load balancer's groups: replace them (the nodes move to
  // new addresses, as AWS's nodes do when it replaces them).
  json nodes = json::array();
  for (auto& n : lb.value("_nodes", json::array())) {
    ec2::delete_interface(c.env, c.scope(), n.value("NetworkInterfaceId", ""));
    json node = create_interface(c, lb, n.value("SubnetId", ""));
    // The same node on a new interface: its state and DNS presence carry over.
    for (const char* k : {"State", "DownAt"})
      if (n.contains(k)) node[k] = n[k];
    nodes.push_back(node);
  }
  lb["_nodes"] = nodes;
  return out;
}

json set_subnets(Call& c) {
  std::string lb_arn = c.input.value("LoadBalancerArn", "");
  json& lb = load_balancer_mut(c, lb_arn);
  std::string type = lb.value("Type", "");
  auto subnets = resolve_subnets(c, type, lb.value("Scheme", ""));
  if (subnets.front().subnet.vpc_id != lb.value("VpcId", ""))
    throw AwsError("InvalidConfigurationRequest", "Subnet '" + subnets.front().subnet.subnet_id +
                                                      "' is not in VPC '" + lb.value("VpcId", "") +
                                                      "' of the load balancer");
  if (c.input.contains("IpAddressType")) {
    std::string ip_type = c.input["IpAddressType"].get<std::string>();
    if (ip_type == "dualstack-without-public-ipv4" && type != "application")
      throw AwsError("ValidationError",
                     "The IP address type 'dualstack-without-public-ipv4' is only supported by "
                     "Application Load Balancers");
    lb["IpAddressType"] = ip_type;
  }
  if (c.input.contains("EnablePrefixForIpv6SourceNat")) {
    if (type != "network")
      throw AwsError("ValidationError",
                     "'EnablePrefixForIpv6SourceNat' is only supported by Network Load Balancers");
    lb["EnablePrefixForIpv6SourceNat"] = c.input["EnablePrefixForIpv6SourceNat"];
  }
  std::sort(subnets.begin(), subnets.end(), [](const SubnetChoice& a, const SubnetChoice& b) {
    return a.subnet.zone < b.subnet.zone;
  });
  json zones = json::array();
  std::set<std::string> wanted;
  for (auto& s : subnets) {
    zones.push_back(zone_entry(s, c));
    wanted.insert(s.subnet.subnet_id);
  }
  // Keep the nodes of subnets that stay, remove the others, add nodes for new subnets.
  json nodes = json::array();
  std::set<std::string> have;
  for (auto& n : lb.value("_nodes", json::array())) {
    std::string sid = n.value("SubnetId", "");
    if (wanted.count(sid)) {
      nodes.push_back(n);
      have.insert(sid);
    } else {
      ec2::delete_interface(c.env, c.scope(), n.value("NetworkInterfaceId", ""));
      node_deleted(c.env, lb, n, "subnet removed");
    }
  }
  lb["AvailabilityZones"] = zones;
  for (auto& s : subnets)
    if (!have.count(s.subnet.subnet_id))
      nodes.push_back(create_node(c, lb, s.subnet.subnet_id, "subnet added"));
  lb["_nodes"] = nodes;
  json out = {{"AvailabilityZones", zones}, {"IpAddressType", lb["IpAddressType"]}};
  if (lb.contains("EnablePrefixForIpv6SourceNat"))
    out["EnablePrefixForIpv6SourceNat"] = lb["EnablePrefixForIpv6SourceNat"];
  // Targets in zones the load balancer gained or lost change service.
  for (auto& g : groups_of(c, lb_arn)) sync_target_group(c.env, c.scope(), g);
  return out;
}

json set_ip_address_type(Call& c) {
  std::string lb_arn = c.input.value("LoadBalancerArn", "");
  json& lb = load_balancer_mut(c, lb_arn);
  std::string ip_type = c.input.value("IpAddressType", "");
  std::string type = lb.value("Type", "");
  if (ip_type == "dualstack-without-public-ipv4" && type != "application")
    throw AwsError("ValidationError",
                   "The IP address type 'dualstack-without-public-ipv4' is only supported by "
                   "Application Load Balancers");
  if (ip_type == "dualstack-without-public-ipv4" && lb.value("Scheme", "") == "internal")
    throw AwsError("InvalidConfigurationRequest",
                   "Internal load balancers cannot use the IP address type "
                   "'dualstack-without-public-ipv4'");
  lb["IpAddressType"] = ip_type;
  return {{"IpAddressType", ip_type}};
}

json describe_load_balancer_attributes(Call& c) {
  const json& lb = load_balancer(c, c.input.value("LoadBalancerArn", ""));
  return {
      {"Attributes", attributes::describe(defs_of(lb), lb.value("_attributes", json::object()))}};
}

json modify_load_balancer_attributes(Call& c) {
  json& lb = load_balancer_mut(c, c.input.value("LoadBalancerArn", ""));
  auto defs = defs_of(lb);
  json before = lb.value("_attributes", json::object());
  json after = attributes::merge(defs, before, c.input["Attributes"], "Load balancer");
  attributes::check_load_balancer(lb.value("Type", ""), defs, before, after);
  lb["_attributes"] = after;
  return {{"Attributes", attributes::describe(defs, after)}};
}

json capacity_view(const json& lb) {
  json out = {{"CapacityReservationState", json::array()}};
  auto it = lb.find("_capacity");
  if (it == lb.end()) return out;
  const json& cap = *it;
  std::int64_t units = cap.value("CapacityUnits", 0);
  std::size_t zones = lb.value("AvailabilityZones", json::array()).size();
  for (auto& z : lb.value("AvailabilityZones", json::array()))
    out["CapacityReservationState"].push_back(
        {{"AvailabilityZone", z.value("ZoneName", "")},
         {"EffectiveCapacityUnits", zones ? static_cast<double>(units) / zones : 0.0},
         {"State", {{"Code", "provisioned"}}}});
  out["MinimumLoadBalancerCapacity"] = {{"CapacityUnits", units}};
  out["LastModifiedTime"] = cap.value("LastModifiedTime", 0);
  out["DecreaseRequestsRemaining"] =
      cap.value("DecreaseRequestsRemaining", kDailyCapacityDecreases);
  return out;
}

json describe_capacity_reservation(Call& c) {
  return capacity_view(load_balancer(c, c.input.value("LoadBalancerArn", "")));
}

json modify_capacity_reservation(Call& c) {
  json& lb = load_balancer_mut(c, c.input.value("LoadBalancerArn", ""));
  std::string type = lb.value("Type", "");
  if (type == "gateway")
    throw AwsError("OperationNotPermitted",
                   "Capacity reservations are not supported for Gateway Load Balancers");
  bool has_min = c.input.contains("MinimumLoadBalancerCapacity");
  bool reset = c.input.value("ResetCapacityReservation", false);
  if (has_min == reset)
    throw AwsError("ValidationError",
                   "You must specify either MinimumLoadBalancerCapacity or "
                   "ResetCapacityReservation");
  json cap = lb.value("_capacity", json::object());
  int decreases = cap.value("DecreaseRequestsRemaining", kDailyCapacityDecreases);
  std::int64_t current = cap.value("CapacityUnits", 0);
  std::int64_t units = 0;
  if (has_min) {
    const json& m = c.input["MinimumLoadBalancerCapacity"];
    if (!m.contains("CapacityUnits"))
      throw AwsError("ValidationError", "CapacityUnits must be specified");
    units = m["CapacityUnits"].get<std::int64_t>();
    std::int64_t min = type == "application" ? kMinAlbCapacityUnits : kMinNlbCapacityUnits;
    if (units < min)
      throw AwsError("InvalidConfigurationRequest",
                     "The minimum capacity reservation for this load balancer is " +
                         std::to_string(min) + " capacity units");
    if (units > kMaxCapacityUnits)
      throw AwsError(
          "CapacityUnitsLimitExceeded",
          "The capacity units requested exceed the limit of " + std::to_string(kMaxCapacityUnits));
  }
  if (units < current) {
    if (decreases <= 0)
      throw AwsError("CapacityDecreaseRequestLimitExceeded",
                     "You have reached the daily limit of capacity decrease requests");
    --decreases;
  }
  if (reset) {
    lb.erase("_capacity");
    json out = capacity_view(lb);
    out["DecreaseRequestsRemaining"] = decreases;
    out["LastModifiedTime"] = c.now();
    return out;
  }
  lb["_capacity"] = {{"CapacityUnits", units},
                     {"LastModifiedTime", c.now()},
                     {"DecreaseRequestsRemaining", decreases}};
  return capacity_view(lb);
}

}  // namespace

void register_load_balancer_ops(Registry& r) {
  r.add("elbv2", "CreateLoadBalancer", create_load_balancer);
  r.add("elbv2", "DescribeLoadBalancers", describe_load_balancers);
  r.add("elbv2", "DeleteLoadBalancer", delete_load_balancer);
  r.add("elbv2", "SetSecurityGroups", set_security_groups);
  r.add("elbv2", "SetSubnets", set_subnets);
  r.add("elbv2", "SetIpAddressType", set_ip_address_type);
  r.add("elbv2", "DescribeLoadBalancerAttributes", describe_load_balancer_attributes);
  r.add("elbv2", "ModifyLoadBalancerAttributes", modify_load_balancer_attributes);
  r.add("elbv2", "DescribeCapacityReservation", describe_capacity_reservation);
  r.add("elbv2", "ModifyCapacityReservation", modify_capacity_reservation);
}

}  // namespace zonesim::elbv2
