#include "services/service.hpp"

namespace zonesim {

void register_ec2(Registry&) {}

}  // namespace zonesim
