#pragma once
// What other services need from EC2's network: subnets (zone, CIDR), security groups, and network
// interfaces for awsvpc tasks, ALB nodes and RDS instances. Reads and writes the EC2 documents in
// the store (see "Store documents" in docs/ARCHITECTURE.md).
#include <optional>
#include <string>
#include <vector>

#include "emulator/core/env.hpp"

namespace zonesim::ec2 {

struct SubnetInfo {
  std::string subnet_id, vpc_id, cidr, zone, zone_id;
};

std::optional<SubnetInfo> find_subnet(const Env& env, const std::string& scope,
                                      const std::string& subnet_id);
bool security_group_exists(const Env& env, const std::string& scope, const std::string& group_id);
std::optional<std::string> vpc_of_security_group(const Env& env, const std::string& scope,
                                                 const std::string& group_id);

struct Interface {
  std::string id;  // eni-...
  std::string private_ip;
  std::string mac;
  std::string zone;
};

// Creates a network interface (kind "network-interface") with a free private IP of the subnet.
// `interface_type` as AWS reports it: "interface", "network_load_balancer", ...;
// `requester_id` "amazon-elb", "amazon-ecs", "amazon-rds" for managed ones.
Interface create_interface(Env& env, const std::string& scope, const std::string& subnet_id,
                           const std::vector<std::string>& security_groups,
                           const std::string& description, const std::string& interface_type,
                           const std::string& requester_id);
void delete_interface(Env& env, const std::string& scope, const std::string& eni_id);

// Zone id for a zone name, e.g. eu-central-1a -> euc1-az1 (stable per region).
std::string zone_id(const std::string& zone);

}  // namespace zonesim::ec2
