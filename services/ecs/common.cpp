#include "services/ecs/common.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <set>

namespace zonesim::ecs {

std::string account_of(const std::string& scope) {
  return scope.substr(0, scope.find('/'));
}

std::string region_of(const std::string& scope) {
  auto slash = scope.find('/');
  return slash == std::string::npos ? std::string() : scope.substr(slash + 1);
}

const std::string& str_of(const json& doc, const char* key) {
  static const std::string kEmpty;
  auto it = doc.find(key);
  return it != doc.end() && it->is_string() ? it->get_ref<const std::string&>() : kEmpty;
}

std::string scope_of_arn(const std::string& arn) {
  // arn:aws:ecs:<region>:<account>:<resource>
  if (arn.rfind("arn:aws:ecs:", 0) != 0) return "";
  const std::size_t region_end = arn.find(':', 12);
  if (region_end == std::string::npos) return "";
  const std::size_t account_end = arn.find(':', region_end + 1);
  if (account_end == std::string::npos) return "";
  const std::string region = arn.substr(12, region_end - 12);
  const std::string account = arn.substr(region_end + 1, account_end - region_end - 1);
  if (region.empty() || account.empty()) return "";
  return account + "/" + region;
}

std::string new_deployment_id(Env& env) {
  return "ecs-svc/" + env.rng.chars(1, "123456789") + env.rng.chars(18, "0123456789");
}

std::string ecs_arn(const std::string& scope, const std::string& resource) {
  return "arn:aws:ecs:" + region_of(scope) + ":" + account_of(scope) + ":" + resource;
}

std::string last_segment(const std::string& arn_or_id) {
  auto slash = arn_or_id.rfind('/');
  return slash == std::string::npos ? arn_or_id : arn_or_id.substr(slash + 1);
}

AwsError invalid_parameter(const std::string& message) {
  return AwsError("InvalidParameterException", message);
}
AwsError client_exception(const std::string& message) {
  return AwsError("ClientException", message);
}
AwsError cluster_not_found() {
  return AwsError("ClusterNotFoundException", "Cluster not found.");
}
AwsError service_not_found() {
  return AwsError("ServiceNotFoundException", "Service not found.");
}
AwsError service_not_active() {
  return AwsError("ServiceNotActiveException", "Service was not ACTIVE.");
}

namespace {
// The resource part of an ECS ARN ("cluster/x", "service/c/s"), or "" when not an ECS ARN.
std::string arn_resource(const std::string& arn) {
  if (arn.rfind("arn:", 0) != 0) return "";
  std::size_t pos = 0;
  for (int i = 0; i < 5; ++i) {
    pos = arn.find(':', pos);
    if (pos == std::string::npos) return "";
    ++pos;
  }
  return arn.substr(pos);
}
}  // namespace

std::string cluster_name_of(const std::string& name_or_arn) {
  if (name_or_arn.empty()) return std::string(kDefaultCluster);
  std::string res = arn_resource(name_or_arn);
  if (res.rfind("cluster/", 0) == 0) return res.substr(8);
  return name_or_arn;
}

std::string cluster_arn(const std::string& scope, const std::string& name) {
  return ecs_arn(scope, "cluster/" + name);
}

const json* find_cluster(const Env& env, const std::string& scope, const std::string& name_or_arn) {
  return env.store.get(scope, kClusterKind, cluster_name_of(name_or_arn));
}

const json& active_cluster(const Env& env, const std::string& scope,
                           const std::string& name_or_arn) {
  const json* c = find_cluster(env, scope, name_or_arn);
  if (!c || c->value("status", "") != "ACTIVE") throw cluster_not_found();
  return *c;
}

std::string service_arn(const std::string& scope, const std::string& cluster,
                        const std::string& name) {
  return ecs_arn(scope, "service/" + cluster + "/" + name);
}

std::string service_key(const std::string& scope, const std::string& cluster,
                        const std::string& name_or_arn) {
  std::string res = arn_resource(name_or_arn);
  if (res.rfind("service/", 0) == 0) {
    std::string path = res.substr(8);
    // The long ARN format names the cluster; the old one (service/<name>) does not.
    if (path.find('/') != std::string::npos) return ecs_arn(scope, "service/" + path);
    return service_arn(scope, cluster, path);
  }
  return service_arn(scope, cluster, name_or_arn);
}

std::string task_key(const std::string& scope, const std::string& cluster,
                     const std::string& id_or_arn) {
  std::string res = arn_resource(id_or_arn);
  if (res.rfind("task/", 0) == 0) {
    std::string path = res.substr(5);
    if (path.find('/') != std::string::npos) return ecs_arn(scope, "task/" + path);
    return ecs_arn(scope, "task/" + cluster + "/" + path);
  }
  return ecs_arn(scope, "task/" + cluster + "/" + id_or_arn);
}

const json* find_task_definition(const Env& env, const std::string& scope,
                                 const std::string& reference) {
  std::string ref = reference;
  std::string res = arn_resource(reference);
  if (!res.empty()) {
    if (res.rfind("task-definition/", 0) != 0) return nullptr;
    ref = res.substr(16);
  }
  auto colon = ref.find(':');
  if (colon != std::string::npos) return env.store.get(scope, kTaskDefinitionKind, ref);
  const json* latest = nullptr;
  for (auto& [id, td] : env.store.list(scope, kTaskDefinitionKind)) {
    if (td->value("family", "") != ref || td->value("status", "") != "ACTIVE") continue;
    if (!latest || td->value("revision", 0) > latest->value("revision", 0)) latest = td;
  }
  return latest;
}

void validate_tags(const json& tags) {
  if (!tags.is_array()) return;
  if (tags.size() > kMaxTags)
    throw invalid_parameter("The number of tags exceeds the limit of " + std::to_string(kMaxTags) +
                            ".");
  std::set<std::string> seen;
  for (auto& t : tags) {
    std::string key = t.value("key", "");
    if (key.empty()) throw invalid_parameter("Tag keys must not be empty.");
    std::string prefix = key.substr(0, 4);
    for (auto& ch : prefix) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (prefix == "aws:")
      throw invalid_parameter("Tag keys prefixed with 'aws:' are reserved for AWS use.");
    if (!seen.insert(key).second) throw invalid_parameter("Duplicate tag key '" + key + "'.");
  }
}

json merge_tags(const json& existing, const json& added) {
  json out = existing.is_array() ? existing : json::array();
  for (auto& t : added) {
    std::string key = t.value("key", "");
    auto it = std::find_if(out.begin(), out.end(),
                           [&](const json& e) { return e.value("key", "") == key; });
    json tag = {{"key", key}, {"value", t.value("value", "")}};
    if (it != out.end())
      *it = std::move(tag);
    else
      out.push_back(std::move(tag));
  }
  return out;
}

json paginate(const std::vector<std::string>& items, const json& input, const char* key,
              int default_max, int max_max) {
  int max = default_max;
  if (input.contains("maxResults")) {
    max = input["maxResults"].get<int>();
    if (max < 1 || max > max_max)
      throw invalid_parameter("maxResults must be between 1 and " + std::to_string(max_max) + ".");
  }
  std::size_t start = 0;
  if (input.contains("nextToken")) {
    std::string after = input["nextToken"].get<std::string>();
    auto it = std::find(items.begin(), items.end(), after);
    if (it == items.end()) throw invalid_parameter("Invalid token " + after);
    start = static_cast<std::size_t>(it - items.begin()) + 1;
  }
  json out = {{key, json::array()}};
  std::size_t end = std::min(items.size(), start + static_cast<std::size_t>(max));
  for (std::size_t i = start; i < end; ++i) out[key].push_back(items[i]);
  if (end < items.size()) out["nextToken"] = items[end - 1];
  return out;
}

}  // namespace zonesim::ecs
