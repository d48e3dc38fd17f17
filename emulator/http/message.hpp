#pragma once
// Transport-neutral request/response: the Beast server, the tests and the fuzzers all drive the
// application through these.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace zonesim::http {

struct Request {
  std::string method = "POST";
  std::string target = "/";
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-case
  std::string body;
  std::string remote_address;  // the peer's IP ("" when not over a socket)

  std::string_view header(std::string_view lower_name) const {
    for (auto& [k, v] : headers)
      if (k == lower_name) return v;
    return {};
  }
  bool has_header(std::string_view lower_name) const {
    for (auto& [k, v] : headers)
      if (k == lower_name) return true;
    return false;
  }
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // For the request log line.
  std::string service = "-";
  std::string operation = "-";
  // Answer only after this many wall-clock milliseconds (the server waits asynchronously).
  double delay_ms = 0;
  // Reset the connection without answering (the client sees a failed connection).
  bool drop_connection = false;
};

}  // namespace zonesim::http
