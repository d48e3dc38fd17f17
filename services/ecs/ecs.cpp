#include "services/service.hpp"

namespace zonesim {

void register_ecs(Registry&) {}

}  // namespace zonesim
