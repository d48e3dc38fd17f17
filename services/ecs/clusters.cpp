// ECS clusters: CreateCluster, DescribeClusters, ListClusters, UpdateCluster,
// UpdateClusterSettings, PutClusterCapacityProviders, DeleteCluster.
#include <algorithm>
#include <map>
#include <regex>
#include <set>

#include "services/ecs/common.hpp"
#include "services/ecs/task_lifecycle.hpp"

namespace zonesim::ecs {

namespace {

const char* const kFargateProviders[] = {"FARGATE", "FARGATE_SPOT"};

struct Counts {
  int running_fargate = 0, pending_fargate = 0, running_ec2 = 0, pending_ec2 = 0;
  int active_fargate = 0, active_ec2 = 0, draining_fargate = 0, draining_ec2 = 0;
};

Counts count(const Env& env, const std::string& scope, const std::string& carn) {
  Counts c;
  for (auto& [arn, t] : env.store.list(scope, kTaskKind)) {
    if (t->value("clusterArn", "") != carn) continue;
    const bool fargate = t->value("launchType", "") == "FARGATE";
    const std::string last = t->value("lastStatus", "");
    if (last == kRunning) {
      ++(fargate ? c.running_fargate : c.running_ec2);
    } else if (t->value("desiredStatus", "") == kRunning) {
      ++(fargate ? c.pending_fargate : c.pending_ec2);
    }
  }
  for (auto& [arn, s] : env.store.list(scope, kServiceKind)) {
    if (s->value("clusterArn", "") != carn) continue;
    const bool fargate = s->value("launchType", "FARGATE") == "FARGATE";
    const std::string status = s->value("status", "");
    if (status == "ACTIVE") ++(fargate ? c.active_fargate : c.active_ec2);
    if (status == "DRAINING") ++(fargate ? c.draining_fargate : c.draining_ec2);
  }
  return c;
}

// A cluster as DescribeClusters returns it: settings, configuration, statistics, tags and
// attachments only in detail when `include` asks for them.
json cluster_view(const Env& env, const std::string& scope, const json& doc,
                  const std::set<std::string>& include) {
  json out = doc;
  Counts c = count(env, scope, doc.value("clusterArn", ""));
  out["registeredContainerInstancesCount"] = 0;
  out["runningTasksCount"] = c.running_fargate + c.running_ec2;
  out["pendingTasksCount"] = c.pending_fargate + c.pending_ec2;
  out["activeServicesCount"] = c.active_fargate + c.active_ec2;
  out["statistics"] = json::array();
  if (include.count("STATISTICS")) {
    auto stat = [&](const char* name, int v) {
      out["statistics"].push_back({{"name", name}, {"value", std::to_string(v)}});
    };
    stat("runningEC2TasksCount", c.running_ec2);
    stat("runningFargateTasksCount", c.running_fargate);
    stat("pendingEC2TasksCount", c.pending_ec2);
    stat("pendingFargateTasksCount", c.pending_fargate);
    stat("activeEC2ServiceCount", c.active_ec2);
    stat("activeFargateServiceCount", c.active_fargate);
    stat("drainingEC2ServiceCount", c.draining_ec2);
    stat("drainingFargateServiceCount", c.draining_fargate);
  }
  if (!include.count("TAGS")) out.erase("tags");
  if (!include.count("SETTINGS")) out.erase("settings");
  if (!include.count("CONFIGURATIONS")) out.erase("configuration");
  if (include.count("ATTACHMENTS")) {
    if (!out.contains("attachments")) out["attachments"] = json::array();
  } else {
    out.erase("attachments");
    out.erase("attachmentsStatus");
  }
  return out;
}

const std::set<std::string> kAll = {"TAGS", "SETTINGS", "CONFIGURATIONS"};

json settings_merged(const json& current, const json& given) {
  json out = current.is_array() ? current : json::array();
  for (auto& s : given) {
    auto it = std::find_if(out.begin(), out.end(), [&](const json& e) {
      return e.value("name", "") == s.value("name", "");
    });
    if (it != out.end())
      *it = s;
    else
      out.push_back(s);
  }
  return out;
}

void validate_providers(const json& providers) {
  std::set<std::string> seen;
  for (auto& p : providers) {
    std::string name = p.get<std::string>();
    if (std::find(std::begin(kFargateProviders), std::end(kFargateProviders), name) ==
        std::end(kFargateProviders))
      throw invalid_parameter(
          "The specified capacity provider does not exist. Specify a valid capacity provider and "
          "try again.");
    if (!seen.insert(name).second)
      throw invalid_parameter("The specified capacity provider " + name + " is duplicated.");
  }
}

// The strategy as ECS echoes it (base and weight default to 0), each provider in the list.
json normalize_strategy(const json& strategy, const json& providers) {
  json out = json::array();
  for (auto& item : strategy) {
    std::string name = item.value("capacityProvider", "");
    if (std::find(providers.begin(), providers.end(), name) == providers.end())
      throw invalid_parameter(
          "The specified capacity provider strategy cannot contain a capacity provider that is "
          "not associated with the cluster. Associate the capacity provider with the cluster or "
          "specify a valid capacity provider and try again.");
    int weight = item.value("weight", 0), base = item.value("base", 0);
    if (weight < 0 || weight > 1000)
      throw invalid_parameter("The capacity provider strategy weight must be between 0 and 1000.");
    if (base < 0 || base > 100000)
      throw invalid_parameter("The capacity provider strategy base must be between 0 and 100000.");
    out.push_back({{"capacityProvider", name}, {"weight", weight}, {"base", base}});
  }
  return out;
}

json create_cluster(Call& c) {
  const std::string scope = c.scope();
  const std::string name = c.input.value("clusterName", std::string(kDefaultCluster));
  static const std::regex kName("[A-Za-z0-9_-]{1,255}");
  if (!std::regex_match(name, kName))
    throw invalid_parameter(
        "Cluster name can only contain letters, numbers, underscores and hyphens, and can be up "
        "to 255 characters long.");
  if (const json* existing = c.env.store.get(scope, kClusterKind, name))
    if (existing->value("status", "") == "ACTIVE")
      return {{"cluster", cluster_view(c.env, scope, *existing, kAll)}};  // idempotent

  json providers = c.input.value("capacityProviders", json::array());
  validate_providers(providers);
  json strategy = normalize_strategy(
      c.input.value("defaultCapacityProviderStrategy", json::array()), providers);
  json tags = c.input.value("tags", json::array());
  validate_tags(tags);
  json settings =
      settings_merged(json::array({{{"name", "containerInsights"}, {"value", "disabled"}}}),
                      c.input.value("settings", json::array()));
  json doc = {{"clusterArn", cluster_arn(scope, name)},
              {"clusterName", name},
              {"status", "ACTIVE"},
              {"tags", tags},
              {"settings", settings},
              {"capacityProviders", providers},
              {"defaultCapacityProviderStrategy", strategy}};
  if (c.input.contains("configuration")) doc["configuration"] = c.input["configuration"];
  if (c.input.contains("serviceConnectDefaults"))
    doc["serviceConnectDefaults"] = c.input["serviceConnectDefaults"];
  if (!providers.empty()) doc["attachmentsStatus"] = "UPDATE_COMPLETE";
  c.env.store.put(scope, kClusterKind, name, doc);
  return {{"cluster", cluster_view(c.env, scope, doc, kAll)}};
}

json describe_clusters(Call& c) {
  const std::string scope = c.scope();
  std::set<std::string> include;
  for (auto& i : c.input.value("include", json::array())) include.insert(i.get<std::string>());
  json names = c.input.value("clusters", json::array());
  if (names.empty()) names.push_back(std::string(kDefaultCluster));
  json out = {{"clusters", json::array()}, {"failures", json::array()}};
  for (auto& n : names) {
    std::string name = cluster_name_of(n.get<std::string>());
    if (const json* doc = c.env.store.get(scope, kClusterKind, name))
      out["clusters"].push_back(cluster_view(c.env, scope, *doc, include));
    else
      out["failures"].push_back({{"arn", cluster_arn(scope, name)}, {"reason", "MISSING"}});
  }
  return out;
}

json list_clusters(Call& c) {
  std::vector<std::string> arns;
  for (auto& [name, doc] : c.env.store.list(c.scope(), kClusterKind))
    if (doc->value("status", "") == "ACTIVE") arns.push_back(doc->value("clusterArn", ""));
  return paginate(arns, c.input, "clusterArns", 100, 100);
}

json* active_cluster_mut(Call& c) {
  const json& cluster = active_cluster(c.env, c.scope(), c.input.value("cluster", ""));
  return c.env.store.get_mut(c.scope(), kClusterKind, cluster.value("clusterName", ""));
}

json update_cluster(Call& c) {
  json* doc = active_cluster_mut(c);
  if (c.input.contains("settings"))
    (*doc)["settings"] = settings_merged((*doc)["settings"], c.input["settings"]);
  if (c.input.contains("configuration")) (*doc)["configuration"] = c.input["configuration"];
  if (c.input.contains("serviceConnectDefaults"))
    (*doc)["serviceConnectDefaults"] = c.input["serviceConnectDefaults"];
  return {{"cluster", cluster_view(c.env, c.scope(), *doc, kAll)}};
}

json update_cluster_settings(Call& c) {
  json* doc = active_cluster_mut(c);
  (*doc)["settings"] = settings_merged((*doc)["settings"], c.input["settings"]);
  return {{"cluster", cluster_view(c.env, c.scope(), *doc, kAll)}};
}

json put_cluster_capacity_providers(Call& c) {
  const std::string scope = c.scope();
  json* doc = active_cluster_mut(c);
  json providers = c.input["capacityProviders"];
  validate_providers(providers);
  json strategy = normalize_strategy(c.input["defaultCapacityProviderStrategy"], providers);

  // A provider that a service's strategy or a running task uses cannot be removed.
  std::set<std::string> in_use;
  const std::string arn = doc->value("clusterArn", "");
  for (auto& [key, s] : c.env.store.list(scope, kServiceKind)) {
    if (s->value("clusterArn", "") != arn || s->value("status", "") == "INACTIVE") continue;
    for (auto& item : s->value("capacityProviderStrategy", json::array()))
      in_use.insert(item.value("capacityProvider", ""));
  }
  for (auto& [key, t] : c.env.store.list(scope, kTaskKind))
    if (t->value("clusterArn", "") == arn && t->value("lastStatus", "") != kStopped &&
        t->contains("capacityProviderName"))
      in_use.insert(t->value("capacityProviderName", ""));
  for (auto& p : (*doc)["capacityProviders"]) {
    std::string name = p.get<std::string>();
    if (in_use.count(name) &&
        std::find(providers.begin(), providers.end(), name) == providers.end())
      throw AwsError("ResourceInUseException",
                     "The specified capacity provider is in use and cannot be removed.");
  }
  (*doc)["capacityProviders"] = providers;
  (*doc)["defaultCapacityProviderStrategy"] = strategy;
  (*doc)["attachmentsStatus"] = "UPDATE_COMPLETE";
  return {{"cluster", cluster_view(c.env, scope, *doc, kAll)}};
}

json delete_cluster(Call& c) {
  const std::string scope = c.scope();
  json* doc = active_cluster_mut(c);
  const std::string arn = doc->value("clusterArn", "");
  for (auto& [key, s] : c.env.store.list(scope, kServiceKind))
    if (s->value("clusterArn", "") == arn && s->value("status", "") != "INACTIVE")
      throw AwsError("ClusterContainsServicesException",
                     "The Cluster cannot be deleted while Services are active.");
  for (auto& [key, t] : c.env.store.list(scope, kTaskKind))
    if (t->value("clusterArn", "") == arn && t->value("lastStatus", "") != kStopped)
      throw AwsError("ClusterContainsTasksException",
                     "The Cluster cannot be deleted while Tasks are active.");
  (*doc)["status"] = "INACTIVE";
  return {{"cluster", cluster_view(c.env, scope, *doc, kAll)}};
}

}  // namespace

void register_clusters(Registry& r) {
  r.add("ecs", "CreateCluster", create_cluster);
  r.add("ecs", "DescribeClusters", describe_clusters);
  r.add("ecs", "ListClusters", list_clusters);
  r.add("ecs", "UpdateCluster", update_cluster);
  r.add("ecs", "UpdateClusterSettings", update_cluster_settings);
  r.add("ecs", "PutClusterCapacityProviders", put_cluster_capacity_providers);
  r.add("ecs", "DeleteCluster", delete_cluster);
}

}  // namespace zonesim::ecs
