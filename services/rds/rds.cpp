#include "services/service.hpp"

namespace zonesim {

void register_rds(Registry&) {}

}  // namespace zonesim
