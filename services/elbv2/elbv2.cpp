#include "services/service.hpp"

namespace zonesim {

void register_elbv2(Registry&) {}

}  // namespace zonesim
