#pragma once
// A small synchronous HTTP client for the CLI subcommands that drive a running zonesim through
// its control API (zone fail, clock advance, timeline --follow, ...).
#include <string>

#include "emulator/core/json.hpp"

namespace zonesim::cli {

struct ClientResponse {
  int status = 0;
  std::string body;
};

// The control token sent as "Authorization: Bearer <token>" with every call (empty: none).
void set_control_token(std::string token);

// endpoint like http://127.0.0.1:4566. Throws std::runtime_error when it cannot connect.
ClientResponse http_call(const std::string& endpoint, const std::string& method,
                         const std::string& target, const std::string& body = "");

// Parses "90s", "2m", "1h30m", "1.5h", "45" (seconds) into seconds; nullopt if malformed.
std::optional<double> parse_duration(const std::string& text);

}  // namespace zonesim::cli
