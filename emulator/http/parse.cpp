#include "emulator/http/parse.hpp"

#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <cctype>

namespace zonesim::http {

namespace bhttp = boost::beast::http;

Request from_beast(BeastRequest msg) {
  Request req;
  req.method = std::string(msg.method_string());
  req.target = std::string(msg.target());
  for (auto& f : msg) {
    std::string name(f.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    req.headers.emplace_back(std::move(name), std::string(f.value()));
  }
  req.body = std::move(msg.body());
  return req;
}

int status_for_parse_error(const boost::beast::error_code& ec) {
  if (ec == bhttp::error::body_limit) return 413;
  if (ec == bhttp::error::header_limit) return 431;
  return 400;
}

int check_header(const BeastRequest& msg, const Limits& limits) {
  if (msg.target().size() > limits.max_target_bytes) return 414;
  return 0;
}

ParseResult parse_request(std::string_view raw, const Limits& limits) {
  ParseResult out;
  bhttp::request_parser<bhttp::string_body> parser;
  parser.body_limit(limits.max_body_bytes);
  parser.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
  parser.eager(true);
  boost::beast::error_code ec;
  std::size_t used = 0;
  while (!parser.is_done()) {
    if (used >= raw.size() && !parser.got_some()) {
      out.error = "no request (the server closes the connection without an answer)";
      return out;  // status 0
    }
    std::size_t n = parser.put(boost::asio::buffer(raw.data() + used, raw.size() - used), ec);
    used += n;
    if (ec == bhttp::error::need_more) {
      ec = {};
      if (n > 0 && used < raw.size()) continue;
      // Every byte is here: what is missing would never come (the server would time out).
      parser.put_eof(ec);
      if (!ec && !parser.is_done()) ec = bhttp::error::partial_message;
    }
    if (ec) break;
    if (parser.is_header_done()) {
      if (int s = check_header(parser.get(), limits)) {
        out.status = s;
        out.error = "request target too long";
        return out;
      }
    }
    if (n == 0 && !parser.is_done()) {  // no progress and no error: treat as the end
      parser.put_eof(ec);
      if (!ec && !parser.is_done()) ec = bhttp::error::partial_message;
      break;
    }
  }
  if (ec) {
    out.status = status_for_parse_error(ec);
    out.error = ec.message();
    return out;
  }
  out.keep_alive = parser.get().keep_alive();
  out.request = from_beast(parser.release());
  return out;
}

}  // namespace zonesim::http
