#pragma once
// The HTTP server's limits (docs/RELIABILITY.md, "Limits", has the table and the tests).
#include <cstddef>

namespace zonesim::http {

struct Limits {
  std::size_t max_body_bytes = 16 * 1024 * 1024;  // larger body -> 413
  std::size_t max_header_bytes = 64 * 1024;       // request line + headers; larger -> 431
  std::size_t max_target_bytes = 16 * 1024;       // request target (path + query); longer -> 414
  int idle_timeout_seconds = 60;                  // keep-alive connection with no request
  int request_timeout_seconds = 30;               // a request must arrive whole within this
  std::size_t max_connections = 1024;             // more are accepted and closed at once
};

}  // namespace zonesim::http
