#pragma once
// Network ACLs: every VPC has a default one, and every subnet is associated with an ACL of its VPC
// (the default one until told otherwise).
#include "services/ec2/common.hpp"

namespace zonesim::ec2 {

std::string create_default_network_acl(Call& call, const std::string& vpc_id);
void associate_with_default_acl(Call& call, const std::string& vpc_id,
                                const std::string& subnet_id);
void drop_acl_associations(Call& call, const std::string& subnet_id);
void delete_network_acls_of_vpc(Call& call, const std::string& vpc_id);

}  // namespace zonesim::ec2
