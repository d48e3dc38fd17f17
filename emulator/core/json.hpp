#pragma once
#include <nlohmann/json.hpp>

namespace zonesim {
// Structured values exchanged between the protocol layer and the handlers: keys are the AWS
// model's member names. Keys starting with '_' are internal and never serialized.
using json = nlohmann::json;
}  // namespace zonesim
