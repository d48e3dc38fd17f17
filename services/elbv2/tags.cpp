// Tags of load balancers, target groups, listeners and rules (AddTags, RemoveTags, DescribeTags).
#include <algorithm>

#include "services/elbv2/common.hpp"

namespace zonesim::elbv2 {

namespace {

struct Tagged {
  const char* kind = nullptr;
  std::string id;                  // the document's key
  std::string tags_key = "_tags";  // a listener holds its default rule's tags separately
  std::string what;                // "Load balancer", ...
};

// Where the tags of a resource ARN live; AWS's not-found error when the resource does not exist.
Tagged resolve(Call& c, const std::string& a) {
  auto has = [&](const char* part) { return a.find(part) != std::string::npos; };
  std::string scope = c.scope();
  if (has(":loadbalancer/")) {
    load_balancer(c, a);
    return {kLoadBalancerKind, a, "_tags", "Load balancer"};
  }
  if (has(":targetgroup/")) {
    target_group(c, a);
    return {kTargetGroupKind, a, "_tags", "Target group"};
  }
  if (has(":listener-rule/")) {
    if (find_rule(c.env, scope, a)) return {kRuleKind, a, "_tags", "Rule"};
    for (auto& [la, l] : c.env.store.list(scope, kListenerKind))
      if (l->value("_default_rule", "") == a)
        return {kListenerKind, la, "_default_rule_tags", "Rule"};
    throw AwsError("RuleNotFound", "Rule '" + a + "' not found");
  }
  if (has(":listener/")) {
    listener(c, a);
    return {kListenerKind, a, "_tags", "Listener"};
  }
  if (has(":truststore/"))
    throw AwsError("TrustStoreNotFound", "Trust store '" + a + "' not found");
  throw AwsError("ValidationError",
                 "'" + a + "' is not a valid Elastic Load Balancing resource ARN");
}

json& doc_mut(Call& c, const Tagged& t) {
  return *c.env.store.get_mut(c.scope(), t.kind, t.id);
}

void check_arn_count(const json& arns) {
  if (arns.size() > kMaxArnsPerDescribeTags)
    throw AwsError("ValidationError",
                   "1 validation error detected: Value at 'resourceArns' failed to satisfy "
                   "constraint: Member must have length less than or equal to " +
                       std::to_string(kMaxArnsPerDescribeTags));
}

json add(Call& c) {
  check_arn_count(c.input["ResourceArns"]);
  for (auto& a : c.input["ResourceArns"]) {
    Tagged t = resolve(c, a.get<std::string>());
    json& doc = doc_mut(c, t);
    // add_tags works on a document's "_tags": stage the right list there.
    json holder = {{"_tags", doc.value(t.tags_key, json::array())}};
    add_tags(holder, c.input["Tags"], t.what);
    doc[t.tags_key] = holder["_tags"];
  }
  return json::object();
}

json remove(Call& c) {
  check_arn_count(c.input["ResourceArns"]);
  for (auto& a : c.input["ResourceArns"]) {
    Tagged t = resolve(c, a.get<std::string>());
    json& tags = doc_mut(c, t)[t.tags_key];
    if (!tags.is_array()) tags = json::array();
    for (auto& k : c.input["TagKeys"]) {
      std::string key = k.get<std::string>();
      tags.erase(std::remove_if(tags.begin(), tags.end(),
                                [&](const json& e) { return e.value("Key", "") == key; }),
                 tags.end());
    }
  }
  return json::object();
}

json describe(Call& c) {
  check_arn_count(c.input["ResourceArns"]);
  json out = json::array();
  for (auto& a : c.input["ResourceArns"]) {
    std::string s = a.get<std::string>();
    Tagged t = resolve(c, s);
    const json* doc = c.env.store.get(c.scope(), t.kind, t.id);
    out.push_back({{"ResourceArn", s}, {"Tags", doc->value(t.tags_key, json::array())}});
  }
  return {{"TagDescriptions", out}};
}

}  // namespace

void register_tag_ops(Registry& r) {
  r.add("elbv2", "AddTags", add);
  r.add("elbv2", "RemoveTags", remove);
  r.add("elbv2", "DescribeTags", describe);
}

}  // namespace zonesim::elbv2
