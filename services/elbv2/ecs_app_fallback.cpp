// TEMPORARY link stand-in for ecs::app_answer, until services/ecs implements the contract
// (services/ecs/app.hpp). Delete this file when ECS's definition lands on main.
//
// It is a weak definition, so ECS's ordinary (strong) definition replaces it whenever both are
// linked, and the zonesim binary links on this branch without ECS. Until then every target
// refuses connections: health checks fail with Target.FailedHealthChecks and routed requests
// get 502. It says so in the log once, so that a stand-in left behind is noticed.
#include <spdlog/spdlog.h>

#include "services/ecs/app.hpp"

namespace zonesim::ecs {

__attribute__((weak)) AppAnswer app_answer(const Env&, const std::string&, const std::string&, int,
                                           const std::string&, const std::string&) {
  static bool warned = false;
  if (!warned) {
    warned = true;
    spdlog::warn("ecs::app_answer is the ELBv2 link stand-in: every target refuses connections");
  }
  AppAnswer a;
  a.kind = AppAnswer::Kind::refused;
  return a;
}

}  // namespace zonesim::ecs
