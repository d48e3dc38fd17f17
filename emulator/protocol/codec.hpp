#pragma once
// The wire codecs: one parser and one serializer per protocol family (ec2, query, json), each
// walking the operation's shapes. Handlers never see the wire format.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "emulator/core/aws_error.hpp"
#include "emulator/core/json.hpp"
#include "emulator/protocol/model.hpp"

namespace zonesim::protocol {

using FormParams = std::vector<std::pair<std::string, std::string>>;

// application/x-www-form-urlencoded (also a URL query string). Throws AwsError on bad escapes.
FormParams parse_form(std::string_view body);
std::string percent_decode(std::string_view in, bool plus_as_space);

// Parse and validate an operation's input. Errors are the AwsError the service would give.
json parse_query_input(const ServiceModel& model, const Operation& op, const FormParams& params);
json parse_json_input(const ServiceModel& model, const Operation& op, std::string_view body);

struct Encoded {
  int status = 200;
  std::string content_type;
  std::string body;
};

Encoded serialize_output(const ServiceModel& model, const Operation& op, const json& output,
                         const std::string& request_id);
Encoded serialize_error(const ServiceModel& model, const AwsError& error,
                        const std::string& request_id);

// Text escaped for XML (and HTML) character data and attribute values: & < > " as entities,
// a carriage return as &#13;, other control characters and invalid UTF-8 as U+FFFD.
std::string xml_escape(std::string_view text);

// Timestamps travel as milliseconds since the Unix epoch inside zonesim.
std::string iso8601(std::int64_t ms);
std::optional<std::int64_t> parse_iso8601(std::string_view s);

// The error codes a service uses for bad input (data, not code, per service).
struct ValidationStyle {
  std::string missing;        // a required member is absent
  std::string invalid;        // a value of the wrong type / out of range
  std::string unknown_param;  // empty: unknown parameters are ignored
  bool coral_messages;        // "1 validation error detected: ..." messages
};
const ValidationStyle& validation_style(const ServiceModel& model);

}  // namespace zonesim::protocol
