#pragma once
// Raw bytes -> http::Request under the server's limits. The Beast server reads from sockets with
// the same parser settings and the same conversion; the fuzzers and the bad-input tests call
// parse_request() on a buffer, so they see exactly what the server would hand the application.
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "emulator/http/limits.hpp"
#include "emulator/http/message.hpp"

namespace zonesim::http {

using BeastRequest = boost::beast::http::request<boost::beast::http::string_body>;

// The parsed message as the application sees it (header names lower-case).
Request from_beast(BeastRequest msg);

// The status the server answers for a request it cannot read: 413 body too large, 431 header
// too large, 414 request target too long, else 400.
int status_for_parse_error(const boost::beast::error_code& ec);

// Rejects a request whose header arrived but breaks a limit Beast does not check (the target
// length): returns the status to answer with, or 0.
int check_header(const BeastRequest& msg, const Limits& limits);

struct ParseResult {
  std::optional<Request> request;  // set when a whole, valid request was read
  int status = 0;                  // otherwise the status the server would answer (0: none,
                                   // the connection ends without a request)
  std::string error;               // and why
  bool keep_alive = false;
};

// Parses one request from `raw` (which must hold all of it) with the server's limits.
ParseResult parse_request(std::string_view raw, const Limits& limits);

}  // namespace zonesim::http
