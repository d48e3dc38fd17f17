#pragma once
// The RDS operations (thin: validate, change documents, hand over to the lifecycle) and the
// views they share.
#include <string>

#include "services/service.hpp"

namespace zonesim::rds {

json create_db_subnet_group(Call& call);
json describe_db_subnet_groups(Call& call);
json modify_db_subnet_group(Call& call);
json delete_db_subnet_group(Call& call);

json create_db_instance(Call& call);
json describe_db_instances(Call& call);
json modify_db_instance(Call& call);
json delete_db_instance(Call& call);
json reboot_db_instance(Call& call);
json start_db_instance(Call& call);
json stop_db_instance(Call& call);

json describe_db_engine_versions(Call& call);
json describe_orderable_db_instance_options(Call& call);
json describe_db_parameter_groups(Call& call);
json describe_option_groups(Call& call);

json add_tags_to_resource(Call& call);
json remove_tags_from_resource(Call& call);
json list_tags_for_resource(Call& call);

// A DBSubnetGroup as DescribeDBSubnetGroups shows it, or (embedded) inside a DBInstance.
json subnet_group_view(const json& group, bool embedded);
// A DBInstance as the API shows it now.
json instance_view(const Env& env, const std::string& scope, const json& instance);
// The instance named by identifier or ARN (case-insensitive), or DBInstanceNotFound.
json& instance_for_update(Call& call, const std::string& name_or_arn);

}  // namespace zonesim::rds
