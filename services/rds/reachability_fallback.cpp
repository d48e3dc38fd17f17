// TEMPORARY FALLBACK — delete this file when services/rds implements rds::database_reachable.
//
// ECS's app model (services/ecs/app.cpp) calls rds::database_reachable, which the RDS simulation
// provides; it was built in parallel, on another branch. Until it lands, the database behind any
// endpoint counts as reachable, so the zonesim binary and the tests link. A second definition
// once the real one exists is a link error on purpose: the fallback must not outlive it.
#include "services/rds/reachability.hpp"

namespace zonesim::rds {

bool database_reachable(const Env& /*env*/, const std::string& /*scope*/,
                        const std::string& /*host*/, const std::string& /*from_zone*/) {
  return true;
}

}  // namespace zonesim::rds
