#pragma once
// Seeds EC2 network documents straight into the store, for tests of services that only need a
// VPC, subnets and security groups to exist (the document schema is the contract).
#include "emulator/app/app.hpp"
#include "services/ec2/network.hpp"

namespace zonesim::testing {

inline void seed_network(App& app, const std::string& scope = "123456789012/eu-central-1") {
  auto& st = app.env().store;
  st.begin();
  st.put(
      scope, "vpc", "vpc-0000000000000000a",
      {{"VpcId", "vpc-0000000000000000a"}, {"CidrBlock", "10.0.0.0/16"}, {"State", "available"}});
  const char* subnets[][3] = {{"subnet-0000000000000000a", "10.0.1.0/24", "eu-central-1a"},
                              {"subnet-0000000000000000b", "10.0.2.0/24", "eu-central-1b"},
                              {"subnet-0000000000000000c", "10.0.3.0/24", "eu-central-1a"},
                              {"subnet-0000000000000000d", "10.0.4.0/24", "eu-central-1b"}};
  for (auto& s : subnets)
    st.put(scope, "subnet", s[0],
           {{"SubnetId", s[0]},
            {"VpcId", "vpc-0000000000000000a"},
            {"CidrBlock", s[1]},
            {"AvailabilityZone", s[2]},
            {"AvailabilityZoneId", ec2::zone_id(s[2])},
            {"AvailableIpAddressCount", 251},
            {"State", "available"}});
  for (const char* g : {"sg-0000000000000000a", "sg-0000000000000000b", "sg-0000000000000000c"})
    st.put(scope, "security-group", g,
           {{"GroupId", g}, {"GroupName", g}, {"VpcId", "vpc-0000000000000000a"}});
  st.commit();
}

}  // namespace zonesim::testing
