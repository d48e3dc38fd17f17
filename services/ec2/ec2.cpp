#include "services/ec2/common.hpp"

namespace zonesim {

void register_ec2(Registry& r) {
  ec2::register_vpc(r);
  ec2::register_subnet(r);
  ec2::register_internet_gateway(r);
  ec2::register_route_table(r);
  ec2::register_security_group(r);
  ec2::register_network_acl(r);
  ec2::register_network_interface(r);
  ec2::register_tags(r);
  ec2::register_region(r);
}

}  // namespace zonesim
