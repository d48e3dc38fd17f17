#include "services/service.hpp"

namespace zonesim {

void register_sts(Registry& r) {
  r.add("sts", "GetCallerIdentity", [](Call& c) {
    return json{{"Account", c.account},
                {"Arn", "arn:aws:iam::" + c.account + ":root"},
                {"UserId", c.account}};
  });
}

}  // namespace zonesim
