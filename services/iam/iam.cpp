// IAM (query protocol, global per account): roles, inline and managed policies, attachments.
#include "services/iam/iam_internal.hpp"

namespace zonesim {

void register_iam(Registry& r) {
  iam::register_role_operations(r);
  iam::register_policy_operations(r);
}

}  // namespace zonesim
