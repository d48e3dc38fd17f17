#include "services/service.hpp"

namespace zonesim {

void register_logs(Registry&) {}

}  // namespace zonesim
