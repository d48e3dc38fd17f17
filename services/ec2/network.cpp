#include "services/ec2/network.hpp"

#include <set>

#include "emulator/core/aws_error.hpp"
#include "services/ec2/cidr.hpp"

namespace zonesim::ec2 {

namespace {

// "ip-10-0-1-23.eu-central-1.compute.internal", as EC2 names a private address in the region.
std::string private_dns_name(const std::string& ip, const std::string& region) {
  std::string host = ip;
  for (auto& c : host)
    if (c == '.') c = '-';
  // us-east-1 kept the original domain.
  return "ip-" + host + "." +
         (region == "us-east-1" ? "ec2.internal" : region + ".compute.internal");
}

}  // namespace

std::optional<SubnetInfo> find_subnet(const Env& env, const std::string& scope,
                                      const std::string& subnet_id) {
  const json* s = env.store.get(scope, "subnet", subnet_id);
  if (!s) return std::nullopt;
  return SubnetInfo{subnet_id, s->value("VpcId", ""), s->value("CidrBlock", ""),
                    s->value("AvailabilityZone", ""), s->value("AvailabilityZoneId", "")};
}

bool security_group_exists(const Env& env, const std::string& scope, const std::string& group_id) {
  return env.store.get(scope, "security-group", group_id) != nullptr;
}

std::optional<std::string> vpc_of_security_group(const Env& env, const std::string& scope,
                                                 const std::string& group_id) {
  const json* g = env.store.get(scope, "security-group", group_id);
  if (!g) return std::nullopt;
  return g->value("VpcId", "");
}

std::string zone_id(const std::string& zone) {
  // AWS shuffles zone ids per account; a fixed mapping is enough here: <prefix>-az<N>.
  static const std::pair<const char*, const char*> kPrefixes[] = {
      {"eu-central-1", "euc1"}, {"eu-west-1", "euw1"}, {"us-east-1", "use1"},
      {"us-west-2", "usw2"},    {"eu-west-2", "euw2"}, {"ap-southeast-1", "apse1"}};
  std::string region = zone.substr(0, zone.size() - 1);
  std::string prefix = region;
  for (auto& [r, p] : kPrefixes)
    if (region == r) prefix = p;
  int n = zone.back() - 'a' + 1;
  return prefix + "-az" + std::to_string(n);
}

Interface create_interface(Env& env, const std::string& scope, const std::string& subnet_id,
                           const std::vector<std::string>& security_groups,
                           const std::string& description, const std::string& interface_type,
                           const std::string& requester_id) {
  json* subnet = env.store.get_mut(scope, "subnet", subnet_id);
  if (!subnet)
    throw AwsError("InvalidSubnetID.NotFound", "The subnet ID '" + subnet_id + "' does not exist");
  auto cidr = parse_cidr4(subnet->value("CidrBlock", ""));
  if (!cidr) throw AwsError("InternalFailure", "subnet has no CIDR", 500, false);
  std::set<std::string> used;
  for (auto& [id, eni] : env.store.list(scope, "network-interface"))
    if (eni->value("SubnetId", "") == subnet_id) used.insert(eni->value("PrivateIpAddress", ""));
  // AWS reserves the first four addresses and the last one of every subnet.
  std::uint32_t size = static_cast<std::uint32_t>(cidr->size());
  std::uint32_t base = cidr->network();
  std::string ip;
  if (size > 5) {
    std::uint32_t span = size - 5;
    std::uint32_t start = static_cast<std::uint32_t>(env.rng.below(span));
    for (std::uint32_t k = 0; k < span && ip.empty(); ++k) {
      std::string cand = ipv4_string(base + 4 + (start + k) % span);
      if (!used.count(cand)) ip = cand;
    }
  }
  if (ip.empty())
    throw AwsError("InsufficientFreeAddressesInSubnet",
                   "There are not enough free addresses in subnet '" + subnet_id + "'");
  Interface itf;
  itf.id = "eni-" + env.rng.hex(17);
  itf.private_ip = ip;
  itf.mac = "02:" + env.rng.hex(2) + ":" + env.rng.hex(2) + ":" + env.rng.hex(2) + ":" +
            env.rng.hex(2) + ":" + env.rng.hex(2);
  itf.zone = subnet->value("AvailabilityZone", "");
  json groups = json::array();
  for (auto& g : security_groups) {
    const json* sg = env.store.get(scope, "security-group", g);
    groups.push_back({{"GroupId", g}, {"GroupName", sg ? sg->value("GroupName", "") : ""}});
  }
  std::string account = scope.substr(0, scope.find('/'));
  std::string region = scope.substr(scope.find('/') + 1);
  json doc = {
      {"NetworkInterfaceId", itf.id},
      {"SubnetId", subnet_id},
      {"VpcId", subnet->value("VpcId", "")},
      {"AvailabilityZone", itf.zone},
      {"AvailabilityZoneId", subnet->value("AvailabilityZoneId", zone_id(itf.zone))},
      {"Description", description},
      {"InterfaceType", interface_type},
      {"MacAddress", itf.mac},
      {"OwnerId", account},
      {"PrivateIpAddress", ip},
      {"PrivateDnsName", private_dns_name(ip, region)},
      {"PrivateIpAddresses", json::array({{{"Primary", true},
                                           {"PrivateIpAddress", ip},
                                           {"PrivateDnsName", private_dns_name(ip, region)}}})},
      {"Groups", groups},
      {"RequesterManaged", !requester_id.empty()},
      {"SourceDestCheck", true},
      {"Status", "in-use"},
      {"TagSet", json::array()},
      {"Ipv6Addresses", json::array()}};
  if (!requester_id.empty()) {
    doc["RequesterId"] = requester_id;
    // A managed interface is attached to the service's own hidden instance; the Terraform provider
    // finds load balancer interfaces by attachment.instance-owner-id. The attachment id is derived
    // from the interface id so the RNG sequence stays the same.
    doc["Attachment"] = {{"AttachmentId", "ela-attach-" + itf.id.substr(4)},
                         {"AttachTime", env.clock.now()},
                         {"DeleteOnTermination", false},
                         {"DeviceIndex", 1},
                         {"NetworkCardIndex", 0},
                         {"InstanceOwnerId", requester_id},
                         {"Status", "attached"}};
  }
  env.store.put(scope, "network-interface", itf.id, std::move(doc));
  if (subnet->contains("AvailableIpAddressCount"))
    (*subnet)["AvailableIpAddressCount"] =
        (*subnet)["AvailableIpAddressCount"].get<std::int64_t>() - 1;
  return itf;
}

void delete_interface(Env& env, const std::string& scope, const std::string& eni_id) {
  const json* eni = env.store.get(scope, "network-interface", eni_id);
  if (!eni) return;
  std::string subnet_id = eni->value("SubnetId", "");
  env.store.erase(scope, "network-interface", eni_id);
  if (json* subnet = env.store.get_mut(scope, "subnet", subnet_id))
    if (subnet->contains("AvailableIpAddressCount"))
      (*subnet)["AvailableIpAddressCount"] =
          (*subnet)["AvailableIpAddressCount"].get<std::int64_t>() + 1;
}

}  // namespace zonesim::ec2
