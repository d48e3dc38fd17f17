// Listener rules of Application Load Balancers: create/describe/modify/delete and priorities. The
// default rule of a listener is not stored as a rule: it is the listener's DefaultActions.
#include <algorithm>
#include <map>
#include <set>

#include "services/elbv2/actions.hpp"
#include "services/elbv2/common.hpp"

namespace zonesim::elbv2 {

namespace {

// The listener whose default rule has this ARN, if any.
const json* listener_of_default_rule(const Call& c, const std::string& rule_arn) {
  for (auto& [a, l] : c.env.store.list(c.scope(), kListenerKind))
    if (l->value("_default_rule", "") == rule_arn) return l;
  return nullptr;
}

json default_rule_view(const json& l) {
  return {{"RuleArn", l.value("_default_rule", "")},
          {"Priority", "default"},
          {"Conditions", json::array()},
          {"Actions", l.value("DefaultActions", json::array())},
          {"IsDefault", true}};
}

int priority_of(const json& r) {
  return std::stoi(r.value("Priority", "0"));
}

std::vector<const json*> rules_of(const Call& c, const std::string& listener_arn) {
  std::vector<const json*> out;
  for (auto& [a, r] : c.env.store.list(c.scope(), kRuleKind))
    if (r->value("_listener", "") == listener_arn) out.push_back(r);
  std::sort(out.begin(), out.end(),
            [](const json* a, const json* b) { return priority_of(*a) < priority_of(*b); });
  return out;
}

[[noreturn]] void rule_not_found() {
  throw AwsError("RuleNotFound", "One or more rules not found");
}

[[noreturn]] void default_rule_error(const std::string& rule_arn, const std::string& what) {
  throw AwsError("OperationNotPermitted", "Default rule '" + rule_arn + "' cannot be " + what);
}

void check_priority_free(const Call& c, const std::string& listener_arn, std::int64_t priority,
                         const std::string& except) {
  for (const json* r : rules_of(c, listener_arn))
    if (r->value("RuleArn", "") != except && priority_of(*r) == priority)
      throw AwsError("PriorityInUse",
                     "Priority '" + std::to_string(priority) + "' is currently in use");
}

const json& application_listener(Call& c, const std::string& listener_arn, const json** lb) {
  const json& l = listener(c, listener_arn);
  *lb = &load_balancer(c, l.value("LoadBalancerArn", ""));
  if ((*lb)->value("Type", "") != "application")
    throw AwsError("ValidationError",
                   "Listener rules are only supported by Application Load Balancers");
  return l;
}

json transforms(const json& in) {
  json out = json::array();
  std::set<std::string> types;
  for (auto& t : in) {
    std::string type = t.value("Type", "");
    if (!types.insert(type).second)
      throw AwsError("ValidationError",
                     "A rule can have only one transform of type '" + type + "'");
    std::string cfg =
        type == "host-header-rewrite" ? "HostHeaderRewriteConfig" : "UrlRewriteConfig";
    if (!t.contains(cfg))
      throw AwsError("ValidationError",
                     "A '" + cfg + "' must be specified for a transform of type '" + type + "'");
    out.push_back({{"Type", type}, {cfg, t[cfg]}});
  }
  return out;
}

json create_rule(Call& c) {
  const json& in = c.input;
  std::string listener_arn = in.value("ListenerArn", "");
  const json* lb = nullptr;
  const json& l = application_listener(c, listener_arn, &lb);
  std::int64_t priority = in["Priority"].get<std::int64_t>();
  check_range(priority, 1, 50000, "priority");
  json conditions = normalize_conditions(in["Conditions"]);
  json actions = normalize_actions(c, in["Actions"], *lb, l.value("Protocol", ""), "actions");
  check_priority_free(c, listener_arn, priority, "");
  if (rules_of(c, listener_arn).size() >= kMaxRulesPerListener)
    throw AwsError("TooManyRules", "You've reached the limit on the number of rules per listener");
  // listener-rule/app/<name>/<lb id>/<listener id>/<rule id>
  std::string listener_path = listener_arn.substr(listener_arn.find(":listener/") + 10);
  std::string rule_arn = arn(c, "listener-rule/" + listener_path + "/" + c.env.rng.hex(16));
  json rule = {{"RuleArn", rule_arn},      {"Priority", std::to_string(priority)},
               {"Conditions", conditions}, {"Actions", actions},
               {"IsDefault", false},       {"_listener", listener_arn},
               {"_tags", json::array()}};
  if (in.contains("Transforms") && !in["Transforms"].empty())
    rule["Transforms"] = transforms(in["Transforms"]);
  add_tags(rule, in.value("Tags", json::array()), "Rule");
  json& stored = c.env.store.put(c.scope(), kRuleKind, rule_arn, std::move(rule));
  json out = {{"Rules", json::array({stored})}};
  for (auto& g : forwarded_groups(actions)) sync_target_group(c.env, c.scope(), g);
  return out;
}

json describe_rules(Call& c) {
  const json& in = c.input;
  bool by_listener = in.contains("ListenerArn");
  bool by_arn = in.contains("RuleArns") && !in["RuleArns"].empty();
  if (by_listener && by_arn)
    throw AwsError("ValidationError",
                   "Listener rule ARNs and a listener ARN cannot be specified at the same time");
  if (!by_listener && !by_arn)
    throw AwsError("ValidationError",
                   "You must specify either listener rule ARNs or a listener ARN");
  std::vector<json> items;
  if (by_listener) {
    std::string listener_arn = in["ListenerArn"].get<std::string>();
    const json& l = listener(c, listener_arn);
    for (const json* r : rules_of(c, listener_arn)) items.push_back(*r);
    items.push_back(default_rule_view(l));
  } else {
    std::set<std::string> seen;
    for (auto& a : in["RuleArns"]) {
      std::string s = a.get<std::string>();
      if (!seen.insert(s).second) continue;
      if (const json* r = find_rule(c.env, c.scope(), s))
        items.push_back(*r);
      else if (const json* l = listener_of_default_rule(c, s))
        items.push_back(default_rule_view(*l));
      else
        rule_not_found();
    }
  }
  return page(items, c, "Rules");
}

json modify_rule(Call& c) {
  const json& in = c.input;
  std::string rule_arn = in.value("RuleArn", "");
  bool has_conditions = in.contains("Conditions") && !in["Conditions"].empty();
  bool has_actions = in.contains("Actions") && !in["Actions"].empty();
  bool has_transforms = in.contains("Transforms") || in.value("ResetTransforms", false);
  if (!find_rule(c.env, c.scope(), rule_arn)) {
    const json* l = listener_of_default_rule(c, rule_arn);
    if (!l) rule_not_found();
    // The default rule is changed through ModifyListener.
    default_rule_error(rule_arn, "modified");
  }
  if (!has_conditions && !has_actions && !has_transforms)
    throw AwsError("ValidationError", "Either conditions or actions must be specified");
  json rule = *find_rule(c.env, c.scope(), rule_arn);
  std::string listener_arn = rule.value("_listener", "");
  const json* lb = nullptr;
  const json& l = application_listener(c, listener_arn, &lb);
  auto old_groups = forwarded_groups(rule["Actions"]);
  if (has_conditions) rule["Conditions"] = normalize_conditions(in["Conditions"]);
  if (has_actions)
    rule["Actions"] = normalize_actions(c, in["Actions"], *lb, l.value("Protocol", ""), "actions");
  if (in.value("ResetTransforms", false)) rule.erase("Transforms");
  if (in.contains("Transforms") && !in["Transforms"].empty())
    rule["Transforms"] = transforms(in["Transforms"]);
  *c.env.store.get_mut(c.scope(), kRuleKind, rule_arn) = rule;
  auto groups = forwarded_groups(rule["Actions"]);
  for (auto& g : old_groups)
    if (std::find(groups.begin(), groups.end(), g) == groups.end()) groups.push_back(g);
  for (auto& g : groups) sync_target_group(c.env, c.scope(), g);
  return {{"Rules", json::array({rule})}};
}

json delete_rule(Call& c) {
  std::string rule_arn = c.input.value("RuleArn", "");
  const json* rule = find_rule(c.env, c.scope(), rule_arn);
  if (!rule) {
    if (listener_of_default_rule(c, rule_arn)) default_rule_error(rule_arn, "deleted");
    throw AwsError("RuleNotFound", "Rule '" + rule_arn + "' not found");
  }
  auto groups = forwarded_groups(rule->value("Actions", json::array()));
  c.env.store.erase(c.scope(), kRuleKind, rule_arn);
  for (auto& g : groups) sync_target_group(c.env, c.scope(), g);
  return json::object();
}

json set_rule_priorities(Call& c) {
  const json& pairs = c.input["RulePriorities"];
  std::map<std::string, std::int64_t> wanted;
  std::set<std::int64_t> priorities;
  std::size_t i = 0;
  for (auto& p : pairs) {
    ++i;
    std::string rule_arn = p.value("RuleArn", "");
    if (!p.contains("Priority") || rule_arn.empty())
      throw AwsError("ValidationError", "A rule ARN and a priority must be specified");
    std::int64_t priority = p["Priority"].get<std::int64_t>();
    check_range(priority, 1, 50000, "rulePriorities." + std::to_string(i) + ".member.priority");
    if (!priorities.insert(priority).second)
      throw AwsError("ValidationError",
                     "Priority '" + std::to_string(priority) + "' was provided multiple times");
    if (!find_rule(c.env, c.scope(), rule_arn)) {
      if (listener_of_default_rule(c, rule_arn)) default_rule_error(rule_arn, "given a priority");
      rule_not_found();
    }
    wanted[rule_arn] = priority;
  }
  // No two rules of a listener may end up with the same priority.
  std::map<std::string, std::map<std::int64_t, std::string>> by_listener;
  for (auto& [a, r] : c.env.store.list(c.scope(), kRuleKind)) {
    auto it = wanted.find(a);
    std::int64_t priority = it != wanted.end() ? it->second : priority_of(*r);
    auto& taken = by_listener[r->value("_listener", "")];
    if (taken.count(priority))
      throw AwsError("PriorityInUse",
                     "Priority '" + std::to_string(priority) + "' is currently in use");
    taken[priority] = a;
  }
  json out = json::array();
  for (auto& p : pairs) {
    std::string rule_arn = p["RuleArn"].get<std::string>();
    json* r = c.env.store.get_mut(c.scope(), kRuleKind, rule_arn);
    (*r)["Priority"] = std::to_string(wanted[rule_arn]);
    out.push_back(*r);
  }
  return {{"Rules", out}};
}

}  // namespace

void register_rule_ops(Registry& r) {
  r.add("elbv2", "CreateRule", create_rule);
  r.add("elbv2", "DescribeRules", describe_rules);
  r.add("elbv2", "ModifyRule", modify_rule);
  r.add("elbv2", "DeleteRule", delete_rule);
  r.add("elbv2", "SetRulePriorities", set_rule_priorities);
}

}  // namespace zonesim::elbv2
