#pragma once
// What the ECS operations share: store kinds, ARNs, ECS's error messages, the lookups of clusters,
// services, tasks and task definitions by name or ARN, tags and paging.
//
// Store documents (scope = "<account>/<region>"), each kept as the structure its Describe call
// returns plus `_internal` fields:
//   ecs-cluster          id = cluster name        Cluster
//   ecs-task-definition  id = family:revision     TaskDefinition (+ `_tags`)
//   ecs-service          id = service ARN         Service (+ `_client_token`, `_request`,
//   `_steady`) ecs-task             id = task ARN            Task (+ `_service_arn`, `_eni`,
//   `_targets`, ...)
#include <string>
#include <string_view>
#include <vector>

#include "services/service.hpp"

namespace zonesim::ecs {

inline constexpr std::string_view kClusterKind = "ecs-cluster";
inline constexpr std::string_view kTaskDefinitionKind = "ecs-task-definition";
inline constexpr std::string_view kServiceKind = "ecs-service";
inline constexpr std::string_view kTaskKind = "ecs-task";

inline constexpr std::string_view kDefaultCluster = "default";
// Events ECS keeps per service (DescribeServices returns the newest 100).
inline constexpr std::size_t kMaxServiceEvents = 100;
inline constexpr std::size_t kMaxTags = 50;

void register_clusters(Registry& r);
void register_task_definitions(Registry& r);
void register_services(Registry& r);
void register_tasks(Registry& r);
void register_tagging(Registry& r);
// The simulation: zone and target-health hooks, the stop-task and app-state faults.
void register_simulation(Registry& r);

// --- scope and ARNs ---------------------------------------------------------------------------
std::string account_of(const std::string& scope);
// The scope of an ECS ARN ("<account>/<region>"), "" when it is not one.
std::string scope_of_arn(const std::string& arn);
std::string region_of(const std::string& scope);
// arn:aws:ecs:<region>:<account>:<resource>
std::string ecs_arn(const std::string& scope, const std::string& resource);
// The last path segment of an ARN or id ("arn:...:task/c/abc" -> "abc").
std::string last_segment(const std::string& arn_or_id);

// A string member of a document without copying it ("" when absent or not a string): for the
// scans over every task that run on each simulation event.
const std::string& str_of(const json& doc, const char* key);

// --- errors (codes and messages as ECS sends them) ---------------------------------------------
AwsError invalid_parameter(const std::string& message);
AwsError client_exception(const std::string& message);
AwsError cluster_not_found();
AwsError service_not_found();
AwsError service_not_active();

// --- clusters --------------------------------------------------------------------------------
// "" -> "default"; an ARN -> the name after "cluster/".
std::string cluster_name_of(const std::string& name_or_arn);
std::string cluster_arn(const std::string& scope, const std::string& name);
const json* find_cluster(const Env& env, const std::string& scope, const std::string& name_or_arn);
// The cluster, which must exist and be ACTIVE (ClusterNotFoundException otherwise).
const json& active_cluster(const Env& env, const std::string& scope,
                           const std::string& name_or_arn);

// --- services --------------------------------------------------------------------------------
std::string service_arn(const std::string& scope, const std::string& cluster,
                        const std::string& name);
// A service given by name or ARN (either ARN format) in the cluster -> its store key.
std::string service_key(const std::string& scope, const std::string& cluster,
                        const std::string& name_or_arn);

// A new deployment's id: ecs-svc/ and 19 digits.
std::string new_deployment_id(Env& env);

// --- tasks -----------------------------------------------------------------------------------
std::string task_key(const std::string& scope, const std::string& cluster,
                     const std::string& id_or_arn);

// --- task definitions ------------------------------------------------------------------------
// "family", "family:rev" or an ARN -> the stored definition (for a bare family, the latest ACTIVE
// revision), or nullptr.
const json* find_task_definition(const Env& env, const std::string& scope,
                                 const std::string& reference);

// --- tags ------------------------------------------------------------------------------------
// Validates a request's tags ([{key, value}]) as ECS does.
void validate_tags(const json& tags);
// existing + added, a key given again replacing its value.
json merge_tags(const json& existing, const json& added);

// --- paging ----------------------------------------------------------------------------------
// One page of `items` for a List call: {<key>: [...], nextToken?}. The token names the last item
// returned, so a list that changes between calls still pages consistently.
json paginate(const std::vector<std::string>& items, const json& input, const char* key,
              int default_max, int max_max);

}  // namespace zonesim::ecs
