#include "services/elbv2/targets.hpp"
#include "services/service.hpp"

namespace zonesim {

void register_elbv2(Registry&) {}

}  // namespace zonesim

namespace zonesim::elbv2 {

// Placeholders until the ELBv2 service lands (services/elbv2 replaces this file).
void register_ip_target(Env&, const std::string&, const std::string& arn, const std::string&, int) {
  throw AwsError("TargetGroupNotFound", "Target groups '" + arn + "' not found");
}
void deregister_ip_target(Env&, const std::string&, const std::string&, const std::string&, int) {}
std::optional<std::string> target_state(const Env&, const std::string&, const std::string&,
                                        const std::string&, int) {
  return std::nullopt;
}

}  // namespace zonesim::elbv2
