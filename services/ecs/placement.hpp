#pragma once
// Where and how tasks run, shared by services and RunTask: the task definition a request names,
// its launch type or capacity provider strategy, platform version and awsvpc network
// configuration, validated as ECS validates them; and the choice of a subnet for a new task.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "emulator/core/env.hpp"
#include "emulator/core/json.hpp"

namespace zonesim::ecs {

struct Placement {
  std::string launch_type;  // "" when a capacity provider strategy is used
  json capacity_provider_strategy = json::array();
  std::string platform_version;  // "" for non-Fargate launches
  json network_configuration;    // null when the task definition is not awsvpc
  bool fargate() const;
};

// The task definition a request references, which must exist and be ACTIVE.
const json& require_task_definition(const Env& env, const std::string& scope,
                                    const std::string& reference);

// Resolves launchType / capacityProviderStrategy / platformVersion / networkConfiguration of a
// request against the cluster and task definition. `current` supplies what an update leaves out.
Placement resolve_placement(const Env& env, const std::string& scope, const json& cluster,
                            const json& task_definition, const json& input,
                            const Placement* current);

// A task already placed: its zone and subnet.
struct PlacedTask {
  std::string zone;
  std::string subnet;
};

// Whether ECS can place a task in the zone now: Fargate has no capacity in a zone that is powered
// off, nor in one cut off by a network partition.
bool zone_available(const Env& env, const std::string& zone);

// Fargate's message when no Availability Zone of a task's subnets has capacity.
inline constexpr const char* kCapacityUnavailable =
    "Capacity is unavailable at this time. Please try again later or in a different availability "
    "zone.";

struct SubnetChoice {
  std::optional<std::string> subnet;
  std::string failure;  // why there is none: kCapacityUnavailable, or no subnet exists
};

// A subnet for a new task: the available Availability Zone among `subnets` with the fewest of
// `placed`, then the least used subnet in it, ties broken by the seeded RNG.
SubnetChoice choose_subnet(Env& env, const std::string& scope, const json& subnets,
                           const std::vector<PlacedTask>& placed);

}  // namespace zonesim::ecs
