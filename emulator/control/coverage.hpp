#pragma once
// What zonesim serves, computed from the models and the dispatch table (never typed by hand).
#include <string>

#include "emulator/core/json.hpp"
#include "services/service.hpp"

namespace zonesim {

json coverage_json(const Registry& registry);
std::string coverage_markdown(const Registry& registry);

}  // namespace zonesim
