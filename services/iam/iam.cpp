#include "services/service.hpp"

namespace zonesim {

void register_iam(Registry&) {}

}  // namespace zonesim
