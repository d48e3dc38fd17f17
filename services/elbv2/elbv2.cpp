// Elastic Load Balancing v2 (query protocol, API 2015-12-01): application, network and gateway
// load balancers, listeners and rules, target groups, targets and their health, and tags. The
// operations live in one file per resource; this registers them all.
#include "services/elbv2/common.hpp"
#include "services/elbv2/simulation.hpp"

namespace zonesim {

void register_elbv2(Registry& r) {
  elbv2::register_load_balancer_ops(r);
  elbv2::register_target_group_ops(r);
  elbv2::register_listener_ops(r);
  elbv2::register_rule_ops(r);
  elbv2::register_target_ops(r);
  elbv2::register_tag_ops(r);
  // Every operation first resumes the simulation of a restarted server (simulation.hpp).
  std::vector<std::pair<std::string, Handler>> ops;
  for (auto& [key, handler] : r.all())
    if (key.first == "elbv2") ops.emplace_back(key.second, handler);
  for (auto& [op, handler] : ops)
    r.add("elbv2", op, [handler = handler](Call& c) {
      elbv2::resume_simulation(c.env);
      return handler(c);
    });
  // Zone faults reach the load balancer nodes; target failures are left to the health checks.
  r.hooks.zone_changed.push_back(elbv2::on_zone_changed);
}

}  // namespace zonesim
