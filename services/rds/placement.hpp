#pragma once
// Where an instance runs: a zone of its DB subnet group, a subnet there, and the network
// interface RDS puts in that subnet (requester "amazon-rds"). A Multi-AZ instance has two such
// sites, the primary and the standby, in different zones.
#include <set>
#include <string>
#include <vector>

#include "emulator/core/env.hpp"
#include "emulator/core/json.hpp"

namespace zonesim::rds::placement {

// Zones covered by the subnet group (sorted).
std::set<std::string> zones_of(const json& subnet_group);

// Picks a subnet of `zone` in the group and creates the instance's interface there. The site is
// stored in the instance document as {"Zone", "SubnetId", "NetworkInterfaceId", "PrivateIp"}.
json occupy(Env& env, const std::string& scope, const json& subnet_group, const std::string& zone,
            const std::vector<std::string>& security_groups);
void release(Env& env, const std::string& scope, const json& site);

// A zone of the group other than `except` (empty: any), chosen with the seeded RNG.
std::string pick_zone(Env& env, const json& subnet_group, const std::string& except);

}  // namespace zonesim::rds::placement
