#pragma once
// Security groups as other EC2 parts need them: a VPC's default group and its removal.
#include "services/ec2/common.hpp"

namespace zonesim::ec2 {

// The "default" group of a new VPC: ingress from itself, egress everywhere. Returns its id.
std::string create_default_security_group(Call& call, const std::string& vpc_id);
// Non-default groups in a VPC.
std::vector<std::string> non_default_security_groups(const Call& call, const std::string& vpc_id);
// Removes a group and its rules without dependency checks (the VPC's default group on DeleteVpc).
void erase_security_group(Call& call, const std::string& group_id);

}  // namespace zonesim::ec2
