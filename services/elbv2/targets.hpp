#pragma once
// What ECS needs from ELBv2: registering awsvpc task IPs in target groups. Implemented in
// services/elbv2 (target documents live with their target group).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "emulator/core/env.hpp"

namespace zonesim::elbv2 {

// Registers ip:port in the target group (as RegisterTargets would). Throws AwsError
// TargetGroupNotFound when the group does not exist.
void register_ip_target(Env& env, const std::string& scope, const std::string& target_group_arn,
                        const std::string& ip, int port);
// Starts deregistration (draining for the group's deregistration delay, as DeregisterTargets).
void deregister_ip_target(Env& env, const std::string& scope, const std::string& target_group_arn,
                          const std::string& ip, int port);
// The target group's health of ip:port ("initial", "healthy", "unhealthy", "draining", ...), or
// nullopt when it is not registered.
std::optional<std::string> target_state(const Env& env, const std::string& scope,
                                        const std::string& target_group_arn, const std::string& ip,
                                        int port);
// target_state of every target of a group at once, by (ip, port): one look at the group for a
// caller that asks about many of its targets (a service of hundreds of tasks).
using TargetStates = std::map<std::pair<std::string, std::int64_t>, std::optional<std::string>>;
TargetStates target_states(const Env& env, const std::string& scope,
                           const std::string& target_group_arn);

}  // namespace zonesim::elbv2
