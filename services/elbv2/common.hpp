#pragma once
// Shared by the ELBv2 operation files: store kinds, limits, ARNs, lookups that throw AWS's
// not-found errors, tags, paging, and which load balancers use a target group.
//
// Store documents (scope = account/region), keyed by ARN, each the value its Describe call returns
// plus internal fields:
//   elbv2-load-balancer  LoadBalancer + _attributes {key: value}, _tags, _nodes [{SubnetId,
//                        NetworkInterfaceId, PrivateIpAddress, ZoneName, State, DownAt}],
//                        _active_at, _capacity
//   elbv2-target-group   TargetGroup (without LoadBalancerArns, which is derived) + _attributes,
//                        _tags, _targets [target documents, see targets.cpp], _lb_zones
//   elbv2-listener       Listener + _attributes, _tags, _default_rule (RuleArn of the default rule)
//   elbv2-rule           Rule (non-default rules) + _listener, _tags
#include <cstdint>
#include <string>
#include <vector>

#include "services/service.hpp"

namespace zonesim::elbv2 {

inline constexpr const char* kLoadBalancerKind = "elbv2-load-balancer";
inline constexpr const char* kTargetGroupKind = "elbv2-target-group";
inline constexpr const char* kListenerKind = "elbv2-listener";
inline constexpr const char* kRuleKind = "elbv2-rule";

// Quotas (Elastic Load Balancing's defaults).
inline constexpr std::size_t kMaxTagsPerResource = 50;
inline constexpr std::size_t kMaxArnsPerDescribeTags = 20;
inline constexpr std::size_t kMaxNamesPerDescribe = 20;
inline constexpr std::size_t kMaxSecurityGroups = 5;
inline constexpr std::size_t kMaxListenersPerLoadBalancer = 50;
inline constexpr std::size_t kMaxRulesPerListener = 100;
inline constexpr std::size_t kMaxTargetsPerGroup = 1000;
inline constexpr std::size_t kMaxConditionValuesPerRule = 5;
inline constexpr std::size_t kMaxTargetGroupsPerForward = 5;
inline constexpr std::size_t kMaxNameLength = 32;
inline constexpr int kDefaultPageSize = 400;

// Durations under the `realistic` timing profile (AWS takes minutes to provision a load balancer).
inline constexpr std::int64_t kRealisticProvisioningMs = 150'000;

bool instant(const Env& env);

std::string arn(const Call& c, const std::string& resource);
// "application" | "network" | "gateway" from a load balancer, listener or rule ARN.
std::string lb_type_of(const std::string& arn);
std::string lb_type_code(const std::string& type);  // app | net | gwy
// The segment after the last '/' of an ARN (the resource's id).
std::string last_segment(const std::string& arn);

// Lookups. The const versions return nullptr; the throwing ones raise AWS's not-found error.
const json* find_load_balancer(const Env& env, const std::string& scope, const std::string& arn);
const json* find_target_group(const Env& env, const std::string& scope, const std::string& arn);
const json* find_listener(const Env& env, const std::string& scope, const std::string& arn);
const json* find_rule(const Env& env, const std::string& scope, const std::string& arn);
const json& load_balancer(Call& c, const std::string& arn);
json& load_balancer_mut(Call& c, const std::string& arn);
const json& target_group(Call& c, const std::string& arn);
json& target_group_mut(Call& c, const std::string& arn);
const json& listener(Call& c, const std::string& arn);
json& listener_mut(Call& c, const std::string& arn);

// Coral-style validation of the numeric and length constraints of the model that the parser does
// not check: "1 validation error detected: Value 'x' at 'member' failed to satisfy constraint".
void check_range(std::int64_t value, std::int64_t min, std::int64_t max, const std::string& member);
void check_length(const std::string& value, std::size_t min, std::size_t max,
                  const std::string& member);
// A name of a load balancer or target group: 1-32 alphanumerics or hyphens, not starting or
// ending with a hyphen. `what` is "Load balancer" or "Target group".
void check_name(const std::string& name, const std::string& what);

// Tags: validates a TagList (duplicate keys, reserved prefix, lengths) and merges it into the
// document's _tags, enforcing the per-resource quota.
void add_tags(json& doc, const json& tags, const std::string& what);
json tag_list(const json& doc);

// Marker/PageSize paging over already-filtered items: returns {list_key: page, NextMarker?}.
json page(const std::vector<json>& items, const Call& c, const std::string& list_key);

// The load balancers whose listeners or rules forward to the target group, in creation order.
std::vector<std::string> load_balancers_using(const Env& env, const std::string& scope,
                                              const std::string& target_group_arn);
// The target groups an action list forwards to.
std::vector<std::string> forwarded_groups(const json& actions);
// The TargetGroup output: the stored document plus LoadBalancerArns.
json target_group_view(const Env& env, const std::string& scope, const json& doc);

// Operation groups, registered by register_elbv2.
void register_load_balancer_ops(Registry& r);
void register_target_group_ops(Registry& r);
void register_listener_ops(Registry& r);
void register_rule_ops(Registry& r);
void register_target_ops(Registry& r);
void register_tag_ops(Registry& r);

// Re-evaluates the targets of a group after its use by load balancers changed (listener or rule
// created, modified or deleted; load balancer deleted; subnets changed). targets.cpp.
void sync_target_group(Env& env, const std::string& scope, const std::string& target_group_arn);

}  // namespace zonesim::elbv2
