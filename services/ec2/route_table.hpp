#pragma once
// Route tables as other EC2 parts need them: a VPC's main table, subnet associations, and the
// state of routes whose gateway comes and goes.
#include "services/ec2/common.hpp"

namespace zonesim::ec2 {

// Creates the main route table of a new VPC (local route, main association); returns its id.
std::string create_main_route_table(Call& call, const json& vpc);
// Route tables of a VPC other than its main one.
std::vector<std::string> non_main_route_tables(const Call& call, const std::string& vpc_id);
// Drops every route table of a VPC (only the main one may be left when the VPC goes).
void delete_route_tables_of_vpc(Call& call, const std::string& vpc_id);
// Removes a subnet's explicit association (when the subnet is deleted).
void drop_subnet_associations(Call& call, const std::string& subnet_id);
// Routes to `gateway_id` in the VPC's tables become "active" or "blackhole".
void set_gateway_route_state(Call& call, const std::string& vpc_id, const std::string& gateway_id,
                             const char* state);

}  // namespace zonesim::ec2
