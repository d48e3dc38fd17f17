#include "services/elbv2/common.hpp"

#include <algorithm>
#include <charconv>
#include <set>

namespace zonesim::elbv2 {

namespace {

[[noreturn]] void coral(const std::string& value, const std::string& member,
                        const std::string& constraint) {
  throw AwsError("ValidationError", "1 validation error detected: Value '" + value + "' at '" +
                                        member + "' failed to satisfy constraint: " + constraint);
}

std::string what_article(const std::string& what) {
  std::string lower = what;
  if (!lower.empty())
    lower[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(lower[0])));
  return "a " + lower;
}

}  // namespace

bool instant(const Env& env) {
  return env.config.timing != "realistic";
}

std::string arn(const Call& c, const std::string& resource) {
  return "arn:aws:elasticloadbalancing:" + c.region + ":" + c.account + ":" + resource;
}

std::string lb_type_of(const std::string& a) {
  if (a.find("/net/") != std::string::npos) return "network";
  if (a.find("/gwy/") != std::string::npos) return "gateway";
  return "application";
}

std::string lb_type_code(const std::string& type) {
  if (type == "network") return "net";
  if (type == "gateway") return "gwy";
  return "app";
}

std::string last_segment(const std::string& a) {
  auto slash = a.rfind('/');
  return slash == std::string::npos ? a : a.substr(slash + 1);
}

const json* find_load_balancer(const Env& env, const std::string& scope, const std::string& a) {
  return env.store.get(scope, kLoadBalancerKind, a);
}
const json* find_target_group(const Env& env, const std::string& scope, const std::string& a) {
  return env.store.get(scope, kTargetGroupKind, a);
}
const json* find_listener(const Env& env, const std::string& scope, const std::string& a) {
  return env.store.get(scope, kListenerKind, a);
}
const json* find_rule(const Env& env, const std::string& scope, const std::string& a) {
  return env.store.get(scope, kRuleKind, a);
}

const json& load_balancer(Call& c, const std::string& a) {
  const json* d = find_load_balancer(c.env, c.scope(), a);
  if (!d) throw AwsError("LoadBalancerNotFound", "Load balancer '" + a + "' not found");
  return *d;
}
json& load_balancer_mut(Call& c, const std::string& a) {
  load_balancer(c, a);
  return *c.env.store.get_mut(c.scope(), kLoadBalancerKind, a);
}
const json& target_group(Call& c, const std::string& a) {
  const json* d = find_target_group(c.env, c.scope(), a);
  if (!d) throw AwsError("TargetGroupNotFound", "Target groups '" + a + "' not found");
  return *d;
}
json& target_group_mut(Call& c, const std::string& a) {
  target_group(c, a);
  return *c.env.store.get_mut(c.scope(), kTargetGroupKind, a);
}
const json& listener(Call& c, const std::string& a) {
  const json* d = find_listener(c.env, c.scope(), a);
  if (!d) throw AwsError("ListenerNotFound", "Listener '" + a + "' not found");
  return *d;
}
json& listener_mut(Call& c, const std::string& a) {
  listener(c, a);
  return *c.env.store.get_mut(c.scope(), kListenerKind, a);
}

void check_range(std::int64_t value, std::int64_t min, std::int64_t max,
                 const std::string& member) {
  if (value < min)
    coral(std::to_string(value), member,
          "Member must have value greater than or equal to " + std::to_string(min));
  if (value > max)
    coral(std::to_string(value), member,
          "Member must have value less than or equal to " + std::to_string(max));
}

void check_length(const std::string& value, std::size_t min, std::size_t max,
                  const std::string& member) {
  if (value.size() < min)
    coral(value, member, "Member must have length greater than or equal to " + std::to_string(min));
  if (value.size() > max)
    coral(value, member, "Member must have length less than or equal to " + std::to_string(max));
}

void check_name(const std::string& name, const std::string& what) {
  if (name.empty()) throw AwsError("ValidationError", what + " name cannot be empty");
  if (name.size() > kMaxNameLength)
    throw AwsError("ValidationError", what + " name '" + name + "' cannot be longer than '" +
                                          std::to_string(kMaxNameLength) + "' characters");
  for (char ch : name)
    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '-')
      throw AwsError("ValidationError",
                     what + " name '" + name +
                         "' can only contain characters that are alphanumeric characters or "
                         "hyphens(-)");
  if (name.front() == '-' || name.back() == '-')
    throw AwsError("ValidationError", what + " name '" + name + "' cannot begin or end with '-'");
}

void add_tags(json& doc, const json& tags, const std::string& what) {
  std::set<std::string> seen;
  std::size_t i = 0;
  for (auto& t : tags) {
    ++i;
    std::string key = t.value("Key", "");
    std::string member = "tags." + std::to_string(i) + ".member.";
    check_length(key, 1, 128, member + "key");
    if (t.contains("Value")) check_length(t["Value"].get<std::string>(), 0, 256, member + "value");
    if (key.rfind("aws:", 0) == 0)
      throw AwsError("ValidationError",
                     "Tag keys starting with 'aws:' are reserved for internal use");
    if (!seen.insert(key).second)
      throw AwsError("DuplicateTagKeys", "Tag key was specified more than once: " + key);
  }
  json& current = doc["_tags"];
  if (!current.is_array()) current = json::array();
  for (auto& t : tags) {
    std::string key = t.value("Key", "");
    json tag = {{"Key", key}};
    if (t.contains("Value")) tag["Value"] = t["Value"];
    auto it = std::find_if(current.begin(), current.end(),
                           [&](const json& e) { return e.value("Key", "") == key; });
    if (it != current.end())
      *it = tag;
    else
      current.push_back(tag);
  }
  if (current.size() > kMaxTagsPerResource)
    throw AwsError("TooManyTags", "The quota for the number of tags that can be assigned to " +
                                      what_article(what) + " has been reached");
}

json tag_list(const json& doc) {
  auto it = doc.find("_tags");
  return it == doc.end() ? json::array() : *it;
}

json page(const std::vector<json>& items, const Call& c, const std::string& list_key) {
  std::size_t size = kDefaultPageSize;
  if (c.input.contains("PageSize")) {
    std::int64_t ps = c.input["PageSize"].get<std::int64_t>();
    check_range(ps, 1, kDefaultPageSize, "pageSize");
    size = static_cast<std::size_t>(ps);
  }
  std::size_t start = 0;
  if (c.input.contains("Marker")) {
    std::string m = c.input["Marker"].get<std::string>();
    auto r = std::from_chars(m.data(), m.data() + m.size(), start);
    if (m.empty() || r.ec != std::errc() || r.ptr != m.data() + m.size() || start > items.size())
      throw AwsError("ValidationError", "The marker '" + m + "' is not valid");
  }
  json out = {{list_key, json::array()}};
  std::size_t end = std::min(items.size(), start + size);
  for (std::size_t i = start; i < end; ++i) out[list_key].push_back(items[i]);
  if (end < items.size()) out["NextMarker"] = std::to_string(end);
  return out;
}

std::vector<std::string> forwarded_groups(const json& actions) {
  std::vector<std::string> out;
  auto add = [&](const std::string& a) {
    if (!a.empty() && std::find(out.begin(), out.end(), a) == out.end()) out.push_back(a);
  };
  for (auto& a : actions) {
    if (a.value("Type", "") != "forward") continue;
    add(a.value("TargetGroupArn", ""));
    if (a.contains("ForwardConfig"))
      for (auto& t : a["ForwardConfig"].value("TargetGroups", json::array()))
        add(t.value("TargetGroupArn", ""));
  }
  return out;
}

std::vector<std::string> load_balancers_using(const Env& env, const std::string& scope,
                                              const std::string& target_group_arn) {
  std::vector<std::string> out;
  auto add = [&](const std::string& lb) {
    if (std::find(out.begin(), out.end(), lb) == out.end()) out.push_back(lb);
  };
  auto uses = [&](const json& actions) {
    auto groups = forwarded_groups(actions);
    return std::find(groups.begin(), groups.end(), target_group_arn) != groups.end();
  };
  for (auto& [arn, l] : env.store.list(scope, kListenerKind))
    if (uses(l->value("DefaultActions", json::array()))) add(l->value("LoadBalancerArn", ""));
  for (auto& [arn, r] : env.store.list(scope, kRuleKind)) {
    if (!uses(r->value("Actions", json::array()))) continue;
    if (const json* l = find_listener(env, scope, r->value("_listener", "")))
      add(l->value("LoadBalancerArn", ""));
  }
  // Creation order of the load balancers, as AWS lists them.
  std::vector<std::string> ordered;
  for (auto& [arn, lb] : env.store.list(scope, kLoadBalancerKind))
    if (std::find(out.begin(), out.end(), arn) != out.end()) ordered.push_back(arn);
  return ordered;
}

json target_group_view(const Env& env, const std::string& scope, const json& doc) {
  json v = doc;
  json lbs = json::array();
  for (auto& a : load_balancers_using(env, scope, doc.value("TargetGroupArn", "")))
    lbs.push_back(a);
  v["LoadBalancerArns"] = lbs;
  return v;
}

}  // namespace zonesim::elbv2
