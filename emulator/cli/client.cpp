#include "emulator/cli/client.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <charconv>
#include <stdexcept>

namespace zonesim::cli {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = boost::asio::ip::tcp;

namespace {
std::string& control_token() {
  static std::string token;
  return token;
}
}  // namespace

void set_control_token(std::string token) {
  control_token() = std::move(token);
}

ClientResponse http_call(const std::string& endpoint, const std::string& method,
                         const std::string& target, const std::string& body) {
  std::string rest = endpoint;
  if (rest.rfind("http://", 0) == 0) rest = rest.substr(7);
  while (!rest.empty() && rest.back() == '/') rest.pop_back();
  auto colon = rest.rfind(':');
  std::string host = colon == std::string::npos ? rest : rest.substr(0, colon);
  std::string port = colon == std::string::npos ? "80" : rest.substr(colon + 1);
  boost::asio::io_context ioc;
  tcp::resolver resolver(ioc);
  beast::tcp_stream stream(ioc);
  beast::error_code ec;
  auto results = resolver.resolve(host, port, ec);
  if (ec) throw std::runtime_error("cannot resolve " + host + ": " + ec.message());
  stream.connect(results, ec);
  if (ec) throw std::runtime_error("cannot connect to " + endpoint + ": " + ec.message());
  bhttp::request<bhttp::string_body> req{bhttp::string_to_verb(method), target, 11};
  req.set(bhttp::field::host, host);
  req.set(bhttp::field::content_type, "application/json");
  if (!control_token().empty()) req.set(bhttp::field::authorization, "Bearer " + control_token());
  req.body() = body;
  req.prepare_payload();
  bhttp::write(stream, req, ec);
  if (ec) throw std::runtime_error("write failed: " + ec.message());
  beast::flat_buffer buf;
  bhttp::response<bhttp::string_body> res;
  bhttp::read(stream, buf, res, ec);
  if (ec) throw std::runtime_error("read failed: " + ec.message());
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  return ClientResponse{static_cast<int>(res.result_int()), res.body()};
}

std::optional<double> parse_duration(const std::string& text) {
  if (text.empty()) return std::nullopt;
  double total = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    double v = 0;
    auto r = std::from_chars(text.data() + i, text.data() + text.size(), v);
    if (r.ec != std::errc() || v < 0) return std::nullopt;
    i = static_cast<std::size_t>(r.ptr - text.data());
    double unit = 1;
    if (i < text.size()) {
      char u = text[i++];
      if (u == 's')
        unit = 1;
      else if (u == 'm')
        unit = 60;
      else if (u == 'h')
        unit = 3600;
      else if (u == 'd')
        unit = 86400;
      else
        return std::nullopt;
    } else if (total > 0) {
      return std::nullopt;  // "1h30" is ambiguous
    }
    total += v * unit;
  }
  return total;
}

}  // namespace zonesim::cli
