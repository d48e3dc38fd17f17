// RDS (query protocol, API 2014-10-31): the operation table. Every call first applies the
// lifecycle steps that fell due (see lifecycle.hpp), so a restart or a missed wake-up never
// leaves an instance behind the clock. Zone faults and the rds-failover fault go to
// availability.hpp.
#include "services/rds/availability.hpp"
#include "services/rds/events.hpp"
#include "services/rds/handlers.hpp"
#include "services/rds/lifecycle.hpp"
#include "services/rds/snapshots.hpp"

namespace zonesim {

void register_rds(Registry& r) {
  const std::pair<const char*, json (*)(Call&)> kOperations[] = {
      {"CreateDBSubnetGroup", rds::create_db_subnet_group},
      {"DescribeDBSubnetGroups", rds::describe_db_subnet_groups},
      {"ModifyDBSubnetGroup", rds::modify_db_subnet_group},
      {"DeleteDBSubnetGroup", rds::delete_db_subnet_group},
      {"CreateDBInstance", rds::create_db_instance},
      {"DescribeDBInstances", rds::describe_db_instances},
      {"ModifyDBInstance", rds::modify_db_instance},
      {"DeleteDBInstance", rds::delete_db_instance},
      {"RebootDBInstance", rds::reboot_db_instance},
      {"StartDBInstance", rds::start_db_instance},
      {"StopDBInstance", rds::stop_db_instance},
      {"DescribeDBSnapshots", rds::snapshots::describe_db_snapshots},
      {"DescribeEvents", rds::events::describe_events},
      {"DescribeDBEngineVersions", rds::describe_db_engine_versions},
      {"DescribeOrderableDBInstanceOptions", rds::describe_orderable_db_instance_options},
      {"DescribeDBParameterGroups", rds::describe_db_parameter_groups},
      {"DescribeOptionGroups", rds::describe_option_groups},
      {"AddTagsToResource", rds::add_tags_to_resource},
      {"RemoveTagsFromResource", rds::remove_tags_from_resource},
      {"ListTagsForResource", rds::list_tags_for_resource},
  };
  for (auto [name, handler] : kOperations)
    r.add("rds", name, [h = handler](Call& call) {  // (clang 14: no capture of a binding)
      rds::lifecycle::catch_up(call.env, call.scope());
      return h(call);
    });
  r.hooks.zone_changed.push_back(rds::availability::on_zone_changed);
  r.fault_handlers["rds-failover"] = rds::availability::failover_fault;
}

}  // namespace zonesim
