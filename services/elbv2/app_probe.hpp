#pragma once
// How ELBv2 asks a target's application for an answer (health checks and routed requests): through
// ecs::app_answer, the contract with services/ecs. Tests of ELBv2 alone can install an override
// here instead, so that they neither need ECS tasks nor a second definition of the contract.
#include <functional>
#include <string>

#include "services/ecs/app.hpp"

namespace zonesim::elbv2 {

// ecs::app_answer, or the test override when one is installed.
ecs::AppAnswer probe_app(const Env& env, const std::string& scope, const std::string& ip, int port,
                         const std::string& from_zone, const std::string& path);

namespace testing {

using AppAnswerFn =
    std::function<ecs::AppAnswer(const Env& env, const std::string& scope, const std::string& ip,
                                 int port, const std::string& from_zone, const std::string& path)>;
// Test-only: answers every probe with `fn` until cleared (an empty function restores
// ecs::app_answer). Production code never sets it.
void set_app_answer_override(AppAnswerFn fn);

}  // namespace testing

}  // namespace zonesim::elbv2
