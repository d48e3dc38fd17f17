#pragma once
// Scalar conversion and checks shared by the parsers of every protocol.
#include <string>
#include <string_view>

#include "emulator/core/json.hpp"
#include "emulator/protocol/model.hpp"

namespace zonesim::protocol {

struct ScalarResult {
  bool ok = true;
  json value;
  std::string error;  // why the value was rejected, in AWS's words
};

// A query-string value converted to the scalar shape's type (and checked against its enum).
ScalarResult scalar_from_string(const Shape& shape, const std::string& text);
// A JSON value checked against the scalar shape (timestamps become milliseconds).
ScalarResult scalar_from_json(const Shape& shape, const json& value);

bool valid_utf8(std::string_view s);
std::string lower_first(std::string s);

}  // namespace zonesim::protocol
