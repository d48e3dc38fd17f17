#pragma once
// Settings CreateDBInstance and ModifyDBInstance share, each checked the way RDS checks it:
// parameter and option groups, VPC security groups, log exports, Enhanced Monitoring and
// Performance Insights.
#include <string>

#include "emulator/core/env.hpp"
#include "emulator/core/json.hpp"
#include "services/rds/catalog.hpp"

namespace zonesim::rds::settings {

// Only the default groups exist; another family's default is the wrong family.
std::string check_parameter_group(const catalog::Version& version, const std::string& name);
std::string check_option_group(const catalog::Version& version, const std::string& name);

// VpcSecurityGroups memberships for the ids (empty: the VPC's default security group).
json check_security_groups(const Env& env, const std::string& scope, const std::string& vpc_id,
                           const json& ids);

// The log types exported after enabling/disabling (json arrays or null).
json check_log_exports(const catalog::Engine& engine, const catalog::Version& version,
                       const json& current, const json& enable, const json& disable);

// MonitoringInterval / MonitoringRoleArn / EnhancedMonitoringResourceArn from the request.
void apply_monitoring(const std::string& scope, json& instance, const json& input, bool creating);
// EnablePerformanceInsights and its KMS key and retention period from the request.
void apply_performance_insights(Env& env, const std::string& scope, json& instance,
                                const json& input, const std::string& instance_class);

}  // namespace zonesim::rds::settings
