#include "services/rds/placement.hpp"

#include "services/ec2/network.hpp"

namespace zonesim::rds::placement {

std::set<std::string> zones_of(const json& subnet_group) {
  std::set<std::string> zones;
  for (auto& s : subnet_group["Subnets"])
    zones.insert(s["SubnetAvailabilityZone"]["Name"].get<std::string>());
  return zones;
}

std::string pick_zone(Env& env, const json& subnet_group, const std::string& except) {
  std::vector<std::string> candidates;
  for (auto& z : zones_of(subnet_group))
    if (z != except) candidates.push_back(z);
  if (candidates.empty()) return "";
  return candidates[env.rng.below(candidates.size())];
}

json occupy(Env& env, const std::string& scope, const json& subnet_group, const std::string& zone,
            const std::vector<std::string>& security_groups) {
  std::vector<std::string> subnets;
  for (auto& s : subnet_group["Subnets"])
    if (s["SubnetAvailabilityZone"]["Name"] == zone)
      subnets.push_back(s["SubnetIdentifier"].get<std::string>());
  std::string subnet = subnets[env.rng.below(subnets.size())];
  ec2::Interface itf = ec2::create_interface(env, scope, subnet, security_groups,
                                             "RDSNetworkInterface", "interface", "amazon-rds");
  return json{{"Zone", zone},
              {"SubnetId", subnet},
              {"NetworkInterfaceId", itf.id},
              {"PrivateIp", itf.private_ip}};
}

void release(Env& env, const std::string& scope, const json& site) {
  if (site.is_object() && site.contains("NetworkInterfaceId"))
    ec2::delete_interface(env, scope, site["NetworkInterfaceId"].get<std::string>());
}

}  // namespace zonesim::rds::placement
