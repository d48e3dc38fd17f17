#pragma once
// JSON answers of the /_zonesim/* control API: {"...": ...} or {"error": {"code", "message"}}.
#include <string>

#include "emulator/core/aws_error.hpp"
#include "emulator/core/json.hpp"
#include "emulator/http/message.hpp"

namespace zonesim::control {

inline http::Response json_response(int status, const json& body) {
  http::Response r;
  r.status = status;
  r.content_type = "application/json";
  // Paths and names are echoed back; invalid UTF-8 in them becomes U+FFFD, never an exception.
  r.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  r.service = "zonesim";
  return r;
}

inline http::Response error(int status, const std::string& code, const std::string& message) {
  return json_response(status, json{{"error", {{"code", code}, {"message", message}}}});
}

// The request body as a JSON object ({} when empty); AwsError InvalidRequest otherwise.
inline json parse_body(const http::Request& req) {
  if (req.body.find_first_not_of(" \t\r\n") == std::string::npos) return json::object();
  json j = json::parse(req.body, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    throw AwsError("InvalidRequest", "the body must be a JSON object");
  return j;
}

}  // namespace zonesim::control
