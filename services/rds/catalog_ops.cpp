// The catalogue operations: DescribeDBEngineVersions, DescribeOrderableDBInstanceOptions,
// DescribeDBParameterGroups, DescribeOptionGroups. All read services/rds/catalog.
#include <algorithm>
#include <cstdio>
#include <set>

#include "services/rds/catalog.hpp"
#include "services/rds/common.hpp"
#include "services/rds/handlers.hpp"

namespace zonesim::rds {

namespace {

// Orderable options page up to 1000 records (the other Describe calls up to 100).
constexpr int kMaxOrderableRecords = 1000;

std::string index_key(std::size_t i) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%08zu", i);
  return buf;
}

bool listed(const std::vector<std::string>* values, const std::string& v) {
  return !values || std::find(values->begin(), values->end(), v) != values->end();
}

json upgrade_targets(const catalog::Version& from) {
  json targets = json::array();
  auto& all = catalog::versions();
  auto self = std::find_if(all.begin(), all.end(), [&](auto& v) { return &v == &from; });
  std::string next_major;
  for (auto it = self + 1; it != all.end() && it->engine == from.engine; ++it) {
    bool major = it->major != from.major;
    if (major && next_major.empty()) next_major = it->major;
    if (major && it->major != next_major) break;  // one major version at a time
    targets.push_back({{"Engine", it->engine},
                       {"EngineVersion", it->version},
                       {"Description", it->description},
                       {"AutoUpgrade", false},
                       {"IsMajorVersionUpgrade", major},
                       {"SupportedEngineModes", json::array({"provisioned"})},
                       {"SupportsParallelQuery", false},
                       {"SupportsGlobalDatabases", false},
                       {"SupportsBabelfish", false},
                       {"SupportsLimitlessDatabase", false},
                       {"SupportsLocalWriteForwarding", false},
                       {"SupportsIntegrations", false}});
  }
  return targets;
}

json engine_version_view(const catalog::Version& v) {
  const catalog::Engine& e = *catalog::find_engine(v.engine);
  return {{"Engine", v.engine},
          {"EngineVersion", v.version},
          {"DBParameterGroupFamily", v.family},
          {"DBEngineDescription", e.description},
          {"DBEngineVersionDescription", v.description},
          {"MajorEngineVersion", v.major},
          {"ValidUpgradeTarget", upgrade_targets(v)},
          {"ExportableLogTypes", e.log_types},
          {"SupportsLogExportsToCloudwatchLogs", true},
          {"SupportsReadReplica", true},
          {"SupportedEngineModes", json::array({"provisioned"})},
          {"SupportedFeatureNames", json::array()},
          {"Status", "available"},
          {"SupportsParallelQuery", false},
          {"SupportsGlobalDatabases", false},
          {"SupportsBabelfish", false},
          {"SupportsLimitlessDatabase", false},
          {"SupportsCertificateRotationWithoutRestart", true},
          {"SupportedCACertificateIdentifiers", catalog::ca_certificates()},
          {"SupportsLocalWriteForwarding", false},
          {"SupportsIntegrations", false}};
}

std::vector<std::string> zones_of_region(const Call& call) {
  if (call.region == call.env.config.region) return call.env.config.zones_or_default();
  return {call.region + "a", call.region + "b"};
}

}  // namespace

json describe_db_engine_versions(Call& call) {
  const json& in = call.input;
  Filters f = parse_filters(
      in, {"db-parameter-group-family", "engine", "engine-mode", "engine-version", "status"});
  std::string engine = in.value("Engine", "");
  std::string version = in.value("EngineVersion", "");
  std::string family = in.value("DBParameterGroupFamily", "");
  const bool default_only = in.value("DefaultOnly", false);
  auto version_matches = [](const catalog::Version& v, const std::string& wanted) {
    // "8.0" selects every 8.0.x; a full version selects itself.
    return v.version == wanted || v.major == wanted || v.version.rfind(wanted + ".", 0) == 0;
  };
  std::vector<std::pair<std::string, const catalog::Version*>> matching;
  auto& all = catalog::versions();
  for (std::size_t i = 0; i < all.size(); ++i) {
    const catalog::Version& v = all[i];
    if (!engine.empty() && v.engine != engine) continue;
    if (!version.empty() && !version_matches(v, version)) continue;
    if (!family.empty() && v.family != family) continue;
    if (default_only && !(version.empty() ? v.engine_default : v.major_default)) continue;
    if (!listed(f.find("db-parameter-group-family"), v.family) ||
        !listed(f.find("engine"), v.engine) || !listed(f.find("engine-mode"), "provisioned") ||
        !listed(f.find("status"), "available"))
      continue;
    if (auto* wanted = f.find("engine-version")) {
      bool any = false;
      for (auto& w : *wanted) any = any || version_matches(v, w);
      if (!any) continue;
    }
    matching.emplace_back(index_key(i), &v);
  }
  json out = json::object();
  auto items = page(
      in, std::move(matching), [](const auto& e) { return e.first; }, out);
  out["DBEngineVersions"] = json::array();
  for (auto& [key, v] : items) out["DBEngineVersions"].push_back(engine_version_view(*v));
  return out;
}

json describe_orderable_db_instance_options(Call& call) {
  const json& in = call.input;  // Filters: "This parameter isn't currently supported."
  std::string engine = in["Engine"];
  const catalog::Engine* e = catalog::find_engine(engine);
  std::string version = in.value("EngineVersion", "");
  std::string cls = in.value("DBInstanceClass", "");
  std::string license = in.value("LicenseModel", "");
  json zones = json::array();
  for (auto& z : zones_of_region(call)) zones.push_back({{"Name", z}});

  std::vector<std::pair<std::string, json>> options;
  std::size_t index = 0;
  if (e && (license.empty() || license == e->license) && in.value("Vpc", true)) {
    for (auto& v : catalog::versions()) {
      if (v.engine != engine) continue;
      for (auto& c : catalog::instance_classes()) {
        for (auto& st : catalog::storage_types()) {
          std::string key = index_key(index++);
          if ((!version.empty() && v.version != version) || (!cls.empty() && c.name != cls))
            continue;
          json o = {{"Engine", v.engine},
                    {"EngineVersion", v.version},
                    {"DBInstanceClass", c.name},
                    {"LicenseModel", e->license},
                    {"AvailabilityZones", zones},
                    {"MultiAZCapable", true},
                    {"ReadReplicaCapable", true},
                    {"Vpc", true},
                    {"SupportsStorageEncryption", true},
                    {"StorageType", st.name},
                    {"SupportsIops", st.iops},
                    {"SupportsStorageThroughput", st.throughput},
                    {"SupportsEnhancedMonitoring", true},
                    {"SupportsIAMDatabaseAuthentication", true},
                    {"SupportsPerformanceInsights", c.performance_insights},
                    {"MinStorageSize", st.min_gib},
                    {"MaxStorageSize", st.max_gib},
                    {"AvailableProcessorFeatures", json::array()},
                    {"SupportedEngineModes", json::array({"provisioned"})},
                    {"SupportsStorageAutoscaling", true},
                    {"SupportsKerberosAuthentication", false},
                    {"OutpostCapable", false},
                    {"SupportedActivityStreamModes", json::array()},
                    {"SupportsGlobalDatabases", false},
                    {"SupportsClusters", false},
                    {"SupportedNetworkTypes", json::array({"IPV4", "DUAL"})},
                    {"SupportsDedicatedLogVolume", false},
                    {"SupportsHttpEndpoint", false}};
          if (st.name == "gp3") {
            o["MinIopsPerDbInstance"] = 12000;
            o["MaxIopsPerDbInstance"] = 64000;
            o["MinIopsPerGib"] = 0.5;
            o["MaxIopsPerGib"] = 500.0;
            o["MinStorageThroughputPerDbInstance"] = 500;
            o["MaxStorageThroughputPerDbInstance"] = 4000;
            o["MinStorageThroughputPerIops"] = 0.0;
            o["MaxStorageThroughputPerIops"] = 0.25;
          } else if (st.iops) {
            o["MinIopsPerDbInstance"] = 1000;
            o["MaxIopsPerDbInstance"] = 256000;
            o["MinIopsPerGib"] = 0.5;
            o["MaxIopsPerGib"] = 50.0;
          }
          options.emplace_back(key, std::move(o));
        }
      }
    }
  }
  json out = json::object();
  auto items = page(
      in, std::move(options), [](const auto& o) { return o.first; }, out, kMaxOrderableRecords);
  out["OrderableDBInstanceOptions"] = json::array();
  for (auto& [key, o] : items) out["OrderableDBInstanceOptions"].push_back(o);
  return out;
}

json describe_db_parameter_groups(Call& call) {
  const json& in = call.input;  // Filters: "This parameter isn't currently supported."
  std::set<std::string> seen;
  std::vector<std::pair<std::string, json>> groups;
  for (auto& v : catalog::versions()) {
    std::string name = catalog::default_parameter_group(v);
    if (!seen.insert(name).second) continue;
    groups.emplace_back(name, json{{"DBParameterGroupName", name},
                                   {"DBParameterGroupFamily", v.family},
                                   {"Description", "Default parameter group for " + v.family},
                                   {"DBParameterGroupArn", arn(call, "pg", name)}});
  }
  std::sort(groups.begin(), groups.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  if (in.contains("DBParameterGroupName")) {
    std::string wanted = in["DBParameterGroupName"];
    std::erase_if(groups, [&](const auto& g) { return g.first != wanted; });
    if (groups.empty())
      throw AwsError("DBParameterGroupNotFound", "DBParameterGroup not found: " + wanted, 404);
  }
  json out = json::object();
  auto items = page(
      in, std::move(groups), [](const auto& g) { return g.first; }, out);
  out["DBParameterGroups"] = json::array();
  for (auto& [name, g] : items) out["DBParameterGroups"].push_back(g);
  return out;
}

json describe_option_groups(Call& call) {
  const json& in = call.input;
  if (in.contains("MajorEngineVersion") && !in.contains("EngineName"))
    invalid_combination("If MajorEngineVersion is supplied, EngineName must also be supplied.");
  std::string engine = in.value("EngineName", "");
  std::string major = in.value("MajorEngineVersion", "");
  std::set<std::string> seen;
  std::vector<std::pair<std::string, json>> groups;
  for (auto& v : catalog::versions()) {
    std::string name = catalog::default_option_group(v);
    if (!seen.insert(name).second) continue;
    if ((!engine.empty() && v.engine != engine) || (!major.empty() && v.major != major)) continue;
    groups.emplace_back(name, json{{"OptionGroupName", name},
                                   {"OptionGroupDescription",
                                    "Default option group for " + v.engine + " " + v.major},
                                   {"EngineName", v.engine},
                                   {"MajorEngineVersion", v.major},
                                   {"Options", json::array()},
                                   {"AllowsVpcAndNonVpcInstanceMemberships", true},
                                   {"OptionGroupArn", arn(call, "og", name)}});
  }
  std::sort(groups.begin(), groups.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  if (in.contains("OptionGroupName")) {
    std::string wanted = in["OptionGroupName"];
    std::erase_if(groups, [&](const auto& g) { return g.first != wanted; });
    if (groups.empty())
      throw AwsError("OptionGroupNotFoundFault",
                     "Specified OptionGroupName: " + wanted + " not found.", 404);
  }
  json out = json::object();
  auto items = page(
      in, std::move(groups), [](const auto& g) { return g.first; }, out);
  out["OptionGroupsList"] = json::array();
  for (auto& [name, g] : items) out["OptionGroupsList"].push_back(g);
  return out;
}

}  // namespace zonesim::rds
