#pragma once
// The attribute sets of load balancers, target groups and listeners (Describe*/Modify*Attributes):
// which keys each kind of resource has, AWS's defaults, and the validation of new values. Pure:
// values are a JSON object {key: value} holding only what was modified; defaults fill the rest.
#include <cstdint>
#include <string>
#include <vector>

#include "emulator/core/json.hpp"

namespace zonesim::elbv2::attributes {

enum class Kind {
  boolean,      // "true" | "false"
  integer,      // min..max
  integer_off,  // "off" or min..max
  choice,       // one of `choices`
  text,         // free text up to 1024 characters, or one of `choices` when given ("" allowed)
  header_name,  // an HTTP header name (RFC 7230 token, 1-40 characters)
};

struct Def {
  std::string key;
  std::string default_value;
  Kind kind = Kind::text;
  std::int64_t min = 0;
  std::int64_t max = 0;
  std::vector<std::string> choices;
};
using Defs = std::vector<Def>;

// type: application | network | gateway; scheme: internet-facing | internal.
Defs load_balancer(const std::string& type, const std::string& scheme,
                   const std::string& ip_address_type);
// protocol empty for lambda target groups.
Defs target_group(const std::string& protocol, const std::string& target_type);
// lb_type of the listener's load balancer; protocol empty for gateway listeners.
Defs listener(const std::string& lb_type, const std::string& protocol);

// Every attribute of the set as [{Key, Value}], in the set's order.
json describe(const Defs& defs, const json& values);
// The current value of one attribute ("" when the key is not in the set).
std::string value(const Defs& defs, const json& values, const std::string& key);
// Validates `input` ([{Key, Value}], as the Modify*Attributes calls take it) key by key and
// returns `values` with the input applied. Throws ValidationError for unknown keys and malformed
// values. `what` names the resource kind in messages ("Load balancer", "Target group", ...).
json merge(const Defs& defs, const json& values, const json& input, const std::string& what);

// Rules between attributes, checked on the merged values; throw AwsError.
void check_load_balancer(const std::string& type, const Defs& defs, const json& before,
                         const json& after);
void check_target_group(const std::string& protocol, const std::string& target_type,
                        const Defs& defs, const json& after);

}  // namespace zonesim::elbv2::attributes
