#include "services/ecs/placement.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "emulator/sim/zones.hpp"
#include "services/ec2/network.hpp"
#include "services/ecs/common.hpp"

namespace zonesim::ecs {

namespace {
bool is_fargate_provider(const std::string& p) {
  return p == "FARGATE" || p == "FARGATE_SPOT";
}

}  // namespace

bool Placement::fargate() const {
  if (launch_type == "FARGATE") return true;
  for (auto& item : capacity_provider_strategy)
    if (is_fargate_provider(item.value("capacityProvider", ""))) return true;
  return false;
}

const json& require_task_definition(const Env& env, const std::string& scope,
                                    const std::string& reference) {
  const json* td = find_task_definition(env, scope, reference);
  if (!td) throw client_exception("TaskDefinition not found.");
  if (td->value("status", "") != "ACTIVE") throw invalid_parameter("TaskDefinition is inactive");
  return *td;
}

Placement resolve_placement(const Env& env, const std::string& scope, const json& cluster,
                            const json& td, const json& input, const Placement* current) {
  Placement p;
  const bool has_launch_type = input.contains("launchType");
  json strategy = input.value("capacityProviderStrategy", json::array());
  if (has_launch_type && !strategy.empty())
    throw invalid_parameter(
        "Specifying both a launch type and capacity provider strategy is not supported. Remove "
        "one and try again.");
  if (has_launch_type) {
    p.launch_type = input["launchType"].get<std::string>();
  } else if (!strategy.empty()) {
    p.capacity_provider_strategy = strategy;
  } else if (current) {
    p.launch_type = current->launch_type;
    p.capacity_provider_strategy = current->capacity_provider_strategy;
  } else if (!cluster.value("defaultCapacityProviderStrategy", json::array()).empty()) {
    p.capacity_provider_strategy = cluster["defaultCapacityProviderStrategy"];
  } else {
    p.launch_type = "EC2";  // ECS's default without a strategy
  }
  bool fargate = p.launch_type == "FARGATE";
  if (p.launch_type.empty()) {
    const json providers = cluster.value("capacityProviders", json::array());
    for (auto& item : p.capacity_provider_strategy) {
      std::string name = item.value("capacityProvider", "");
      if (std::find(providers.begin(), providers.end(), name) == providers.end())
        throw invalid_parameter(
            "The specified capacity provider strategy cannot contain a capacity provider that is "
            "not associated with the cluster. Associate the capacity provider with the cluster or "
            "specify a valid capacity provider and try again.");
      fargate = fargate || is_fargate_provider(name);
    }
  }
  const json compat = td.value("compatibilities", json::array());
  if (fargate && std::find(compat.begin(), compat.end(), "FARGATE") == compat.end())
    throw invalid_parameter("Task definition does not support launch_type FARGATE.");

  if (input.contains("platformVersion")) {
    p.platform_version = input["platformVersion"].get<std::string>();
    if (!fargate)
      throw invalid_parameter(
          "The platform version must be null when specifying an EC2 launch type.");
    if (p.platform_version != "LATEST" && p.platform_version != "1.4.0" &&
        p.platform_version != "1.3.0")
      throw invalid_parameter("The specified platform version does not exist.");
  } else if (current && !current->platform_version.empty()) {
    p.platform_version = current->platform_version;
  } else if (fargate) {
    p.platform_version = "LATEST";
  }

  const bool awsvpc = td.value("networkMode", "") == "awsvpc";
  json nc = input.contains("networkConfiguration")
                ? input["networkConfiguration"]
                : (current ? current->network_configuration : json());
  if (awsvpc && (!nc.is_object() || !nc.contains("awsvpcConfiguration")))
    throw invalid_parameter(
        "Network Configuration must be provided when networkMode 'awsvpc' is specified.");
  if (!awsvpc && nc.is_object() && nc.contains("awsvpcConfiguration"))
    throw invalid_parameter(
        "Network Configuration is not valid for the given networkMode of this task definition.");
  if (awsvpc) {
    json& vpc = nc["awsvpcConfiguration"];
    const json subnets = vpc.value("subnets", json::array());
    if (subnets.empty()) throw invalid_parameter("subnets can not be empty.");
    if (subnets.size() > 16) throw invalid_parameter("subnets can have at most 16 items.");
    std::set<std::string> vpcs;
    for (auto& s : subnets) {
      std::string id = s.get<std::string>();
      auto info = ec2::find_subnet(env, scope, id);
      if (!info)
        throw invalid_parameter("Error retrieving subnet information for [" + id +
                                "]: The subnet ID '" + id +
                                "' does not exist (ErrorCode: InvalidSubnetID.NotFound)");
      vpcs.insert(info->vpc_id);
    }
    if (vpcs.size() > 1) throw invalid_parameter("Subnets must be in the same VPC.");
    const json groups = vpc.value("securityGroups", json::array());
    if (groups.size() > 5) throw invalid_parameter("securityGroups can have at most 5 items.");
    for (auto& g : groups) {
      std::string id = g.get<std::string>();
      auto group_vpc = ec2::vpc_of_security_group(env, scope, id);
      if (!group_vpc)
        throw invalid_parameter("Error retrieving security group information for [" + id +
                                "]: The security group '" + id +
                                "' does not exist (ErrorCode: InvalidGroup.NotFound)");
      if (!vpcs.count(*group_vpc))
        throw invalid_parameter("Security group " + id +
                                " does not appear to belong to the same VPC as the input subnets.");
    }
    if (!vpc.contains("assignPublicIp")) vpc["assignPublicIp"] = "DISABLED";
    p.network_configuration = nc;
  }
  return p;
}

bool zone_available(const Env& env, const std::string& zone) {
  return sim::zones_connected(env, "", zone);
}

SubnetChoice choose_subnet(Env& env, const std::string& scope, const json& subnets,
                           const std::vector<PlacedTask>& placed) {
  std::map<std::string, std::vector<std::string>> by_zone;
  bool any = false;
  for (auto& s : subnets) {
    auto info = ec2::find_subnet(env, scope, s.get<std::string>());
    if (!info) continue;
    any = true;
    if (zone_available(env, info->zone)) by_zone[info->zone].push_back(info->subnet_id);
  }
  if (by_zone.empty())
    return {std::nullopt,
            any ? kCapacityUnavailable : "No subnet of the network configuration exists."};
  auto least_used = [&](const std::vector<std::string>& options, auto key_of) {
    std::vector<std::string> best;
    long best_load = -1;
    for (auto& o : options) {
      long load = std::count_if(placed.begin(), placed.end(),
                                [&](const PlacedTask& t) { return key_of(t) == o; });
      if (best_load < 0 || load < best_load) best.clear(), best_load = load;
      if (load == best_load) best.push_back(o);
    }
    return best[env.rng.below(best.size())];
  };
  std::vector<std::string> zones;
  for (auto& [zone, _] : by_zone) zones.push_back(zone);
  const std::string zone = least_used(zones, [](const PlacedTask& t) { return t.zone; });
  return {least_used(by_zone[zone], [](const PlacedTask& t) { return t.subnet; }), ""};
}

}  // namespace zonesim::ecs
