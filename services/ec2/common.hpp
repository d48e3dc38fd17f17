#pragma once
// What every EC2 handler shares: the resource kinds (store kind, id prefix, AWS's error codes for a
// bad or unknown id), id generation, ARNs and registration.
#include <string>
#include <string_view>
#include <vector>

#include "services/service.hpp"

namespace zonesim::ec2 {

struct Kind {
  const char* kind;            // store kind, e.g. "vpc"
  const char* prefix;          // id prefix without the dash, e.g. "vpc"
  const char* resource_type;   // as DescribeTags reports it, e.g. "vpc"
  const char* not_found_code;  // e.g. "InvalidVpcID.NotFound"
  const char* noun;            // in "The vpc ID 'x' does not exist"
  const char* nouns;           // in "The vpc IDs 'x, y' do not exist"
  const char* malformed_code;  // e.g. "InvalidVpcID.Malformed"; empty: AWS has none
  const char* tags_member;     // the document's tag list: "Tags" (ENIs: "TagSet")
};

extern const Kind kVpc, kSubnet, kSecurityGroup, kSecurityGroupRule, kInternetGateway, kRouteTable,
    kNetworkAcl, kNetworkInterface, kDhcpOptions;

// Every taggable kind, in the order DescribeTags lists them.
const std::vector<const Kind*>& taggable_kinds();
// The kind an id names by its prefix ("vpc-..." -> kVpc), or nullptr.
const Kind* kind_of_id(std::string_view id);

// "<prefix>-" + 17 hex digits from the seeded RNG.
std::string new_id(Call& call, std::string_view prefix);
// prefix-xxxxxxxx or prefix-xxxxxxxxxxxxxxxxx (the short and the long id form).
bool well_formed(const Kind& kind, std::string_view id);

[[noreturn]] void throw_not_found(const Kind& kind, const std::vector<std::string>& ids);
[[noreturn]] void throw_malformed(const Kind& kind, std::string_view id);
// Malformed check, then existence: the document, or AWS's error for that kind.
const json& require(const Call& call, const Kind& kind, const std::string& id);
json& require_mut(Call& call, const Kind& kind, const std::string& id);

// arn:aws:ec2:<region>:<account>:<resource>
std::string arn(const Call& call, std::string_view resource);

// A json string member or "" (documents seeded by other services may lack optional members).
std::string str(const json& doc, const char* member);

// The availability zones of the caller's region: the configured ones for the configured region,
// <region>a and <region>b elsewhere.
std::vector<std::string> zones_for(const Call& call);

[[noreturn]] void invalid_parameter(const std::string& message);

// Registers `fn` for `operation`, answering DryRun=true the way EC2 does.
void add(Registry& r, const char* operation, json (*fn)(Call&));

// One registration function per file.
void register_vpc(Registry& r);
void register_subnet(Registry& r);
void register_internet_gateway(Registry& r);
void register_route_table(Registry& r);
void register_security_group(Registry& r);
void register_network_acl(Registry& r);
void register_network_interface(Registry& r);
void register_tags(Registry& r);
void register_region(Registry& r);

}  // namespace zonesim::ec2
