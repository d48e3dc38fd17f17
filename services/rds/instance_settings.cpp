#include "services/rds/instance_settings.hpp"

#include <algorithm>

#include "services/ec2/network.hpp"
#include "services/rds/common.hpp"
#include "services/rds/rules.hpp"

namespace zonesim::rds::settings {

namespace {
constexpr int kMonitoringIntervals[] = {0, 1, 5, 10, 15, 30, 60};
constexpr std::int64_t kDefaultPiRetentionDays = 7;
constexpr std::int64_t kMaxPiRetentionDays = 731;
}  // namespace

std::string check_parameter_group(const catalog::Version& version, const std::string& name) {
  if (name == catalog::default_parameter_group(version)) return name;
  for (auto& v : catalog::versions())
    if (name == catalog::default_parameter_group(v))
      invalid_combination("The parameter group " + name + " with DBParameterGroupFamily " +
                          v.family +
                          " can't be used for this instance. Use a parameter group with "
                          "DBParameterGroupFamily " +
                          version.family + ".");
  throw AwsError("DBParameterGroupNotFound", "DBParameterGroup not found: " + name, 404);
}

std::string check_option_group(const catalog::Version& version, const std::string& name) {
  if (name == catalog::default_option_group(version)) return name;
  for (auto& v : catalog::versions())
    if (name == catalog::default_option_group(v))
      invalid_combination("The option group " + name + " is for " + v.engine + " " + v.major +
                          " and can't be used with " + version.engine + " " + version.major + ".");
  throw AwsError("OptionGroupNotFoundFault", "Specified OptionGroupName: " + name + " not found.",
                 404);
}

json check_security_groups(const Env& env, const std::string& scope, const std::string& vpc_id,
                           const json& ids) {
  json out = json::array();
  if (ids.empty()) {
    for (auto& [id, g] : env.store.list(scope, "security-group"))
      if (g->value("GroupName", "") == "default" && g->value("VpcId", "") == vpc_id)
        out.push_back({{"VpcSecurityGroupId", id}, {"Status", "active"}});
    return out;
  }
  for (auto& v : ids) {
    std::string id = v.get<std::string>();
    auto group_vpc = ec2::vpc_of_security_group(env, scope, id);
    if (!group_vpc) invalid_value("Invalid security group , groupId= " + id + ", groupName=.");
    if (*group_vpc != vpc_id)
      invalid_combination(
          "The DB instance and EC2 security group are in different VPCs. The DB "
          "instance is in " +
          vpc_id + " and the EC2 security group is in " + *group_vpc);
    json m = {{"VpcSecurityGroupId", id}, {"Status", "active"}};
    if (std::find(out.begin(), out.end(), m) == out.end()) out.push_back(m);
  }
  return out;
}

json check_log_exports(const catalog::Engine& engine, const catalog::Version& version,
                       const json& current, const json& enable, const json& disable) {
  std::vector<std::string> result = current.get<std::vector<std::string>>();
  auto check = [&](const json& list) {
    if (!list.is_array()) return;
    for (auto& t : list)
      if (std::find(engine.log_types.begin(), engine.log_types.end(), t) == engine.log_types.end())
        invalid_combination("You cannot use the log types '" + t.get<std::string>() +
                            "' with engine version " + engine.name + " " + version.version +
                            ". For supported log types, see the documentation.");
  };
  check(enable);
  check(disable);
  if (enable.is_array())
    for (auto& t : enable)
      if (std::find(result.begin(), result.end(), t) == result.end()) result.push_back(t);
  if (disable.is_array())
    for (auto& t : disable)
      result.erase(std::remove(result.begin(), result.end(), t), result.end());
  std::sort(result.begin(), result.end());
  return result;
}

void apply_monitoring(const std::string& scope, json& instance, const json& input, bool creating) {
  if (!creating && !input.contains("MonitoringInterval") && !input.contains("MonitoringRoleArn"))
    return;
  std::int64_t interval =
      input.value("MonitoringInterval", instance.value("MonitoringInterval", std::int64_t{0}));
  if (std::find(std::begin(kMonitoringIntervals), std::end(kMonitoringIntervals), interval) ==
      std::end(kMonitoringIntervals))
    invalid_value("Invalid value " + std::to_string(interval) +
                  " for MonitoringInterval. Valid values are 0, 1, 5, 10, 15, 30, 60.");
  std::string role = input.value("MonitoringRoleArn", instance.value("MonitoringRoleArn", ""));
  if (interval > 0 && role.empty())
    invalid_combination(
        "A MonitoringRoleARN value is required if you specify a "
        "MonitoringInterval value other than 0.");
  instance["MonitoringInterval"] = interval;
  if (interval > 0) {
    instance["MonitoringRoleArn"] = role;
    instance["EnhancedMonitoringResourceArn"] =
        "arn:aws:logs:" + region_of(scope) + ":" + account_of(scope) +
        ":log-group:RDSOSMetrics:log-stream:" + instance["DbiResourceId"].get<std::string>();
  } else {
    instance.erase("MonitoringRoleArn");
    instance.erase("EnhancedMonitoringResourceArn");
  }
}

void apply_performance_insights(Env& env, const std::string& scope, json& instance,
                                const json& input, const std::string& instance_class) {
  if (!input.contains("EnablePerformanceInsights")) {
    if (!instance.contains("PerformanceInsightsEnabled"))
      instance["PerformanceInsightsEnabled"] = false;
    return;
  }
  if (!input["EnablePerformanceInsights"].get<bool>()) {
    instance["PerformanceInsightsEnabled"] = false;
    instance.erase("PerformanceInsightsKMSKeyId");
    instance.erase("PerformanceInsightsRetentionPeriod");
    return;
  }
  const catalog::InstanceClass* cls = catalog::find_class(instance_class);
  if (!cls || !cls->performance_insights)
    invalid_combination("Performance Insights not supported for this configuration.");
  std::int64_t retention =
      input.value("PerformanceInsightsRetentionPeriod",
                  instance.value("PerformanceInsightsRetentionPeriod", kDefaultPiRetentionDays));
  // 7 days (free tier), or a whole number of 31-day months up to 731 days.
  if (!(retention == 7 || (retention % 31 == 0 && retention >= 31 && retention <= 713) ||
        retention == kMaxPiRetentionDays))
    invalid_value("Invalid Performance Insights retention period: " + std::to_string(retention) +
                  ". Valid values are 7, month * 31 (where month is 1-23), or 731.");
  instance["PerformanceInsightsEnabled"] = true;
  instance["PerformanceInsightsRetentionPeriod"] = retention;
  instance["PerformanceInsightsKMSKeyId"] =
      rules::resolve_kms_key(env, scope, input.value("PerformanceInsightsKMSKeyId", ""));
}

}  // namespace zonesim::rds::settings
