#include "services/service.hpp"

namespace zonesim {

void register_all(Registry& r) {
  register_sts(r);
  register_ec2(r);
  register_iam(r);
  register_logs(r);
  register_elbv2(r);
  register_ecs(r);
  register_rds(r);
}

}  // namespace zonesim
