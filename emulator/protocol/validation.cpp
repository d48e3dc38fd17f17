#include <map>

#include "emulator/protocol/codec.hpp"

namespace zonesim::protocol {

const ValidationStyle& validation_style(const ServiceModel& model) {
  // What each service answers for input its frontend rejects. EC2 and RDS name the parameter;
  // the Coral-based services (ELBv2, IAM, STS, ECS, Logs) answer a "validation error detected".
  static const std::map<std::string, ValidationStyle, std::less<>> kStyles = {
      {"ec2", {"MissingParameter", "InvalidParameterValue", "UnknownParameter", false}},
      {"rds", {"MissingParameter", "InvalidParameterValue", "", false}},
      {"elbv2", {"ValidationError", "ValidationError", "", true}},
      {"iam", {"ValidationError", "ValidationError", "", true}},
      {"sts", {"ValidationError", "ValidationError", "", true}},
      {"ecs", {"InvalidParameterException", "InvalidParameterException", "", true}},
      {"logs", {"InvalidParameterException", "InvalidParameterException", "", true}},
  };
  static const ValidationStyle kDefault{"ValidationException", "ValidationException", "", true};
  auto it = kStyles.find(model.name());
  return it == kStyles.end() ? kDefault : it->second;
}

}  // namespace zonesim::protocol
