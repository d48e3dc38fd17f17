#pragma once
// Listener and rule actions (forward, redirect, fixed-response, authenticate-*) and rule
// conditions: validated as AWS validates them and normalized to what Describe* returns.
#include <string>

#include "services/service.hpp"

namespace zonesim::elbv2 {

// Validates an action list for a listener of protocol `protocol` on load balancer `lb` and
// returns it as AWS stores it: Order assigned, redirect defaults filled, forward actions with both
// TargetGroupArn (single group) and ForwardConfig. `member` is the input member for messages
// ("defaultActions" or "actions").
json normalize_actions(Call& c, const json& actions, const json& lb, const std::string& protocol,
                       const std::string& member);

// Validates rule conditions and returns them as AWS returns them (host-header and path-pattern
// conditions carry both Values and their *Config).
json normalize_conditions(const json& conditions);

}  // namespace zonesim::elbv2
