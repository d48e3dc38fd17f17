// zonesim_fixed_server: the physical limit for docs/BENCHMARKS.md. The same I/O shape as
// zonesim's server (Boost.Beast, one I/O thread, keep-alive, a request parser per request, a
// string response) answering every request with one fixed XML body and doing nothing else: what
// this machine can serve over HTTP/1.1 on loopback when the application costs nothing.
// Usage: zonesim_fixed_server [PORT]   (0 or none = a free port; prints the endpoint)
#include <utility>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

// About the size of a DescribeVpcs answer holding one VPC.
const std::string kBody =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<DescribeVpcsResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">"
    "<requestId>7b5d5a8e-2d4c-4f3a-9a63-5f2b1d0c9e11</requestId><vpcSet><item>"
    "<cidrBlock>10.0.0.0/16</cidrBlock><cidrBlockAssociationSet><item>"
    "<associationId>vpc-cidr-assoc-0a1b2c3d4e5f60718</associationId>"
    "<cidrBlock>10.0.0.0/16</cidrBlock><cidrBlockState><state>associated</state>"
    "</cidrBlockState></item></cidrBlockAssociationSet>"
    "<dhcpOptionsId>dopt-0a1b2c3d4e5f60718</dhcpOptionsId><instanceTenancy>default"
    "</instanceTenancy><isDefault>false</isDefault><ownerId>123456789012</ownerId>"
    "<state>available</state><vpcId>vpc-0a1b2c3d4e5f60718</vpcId></item></vpcSet>"
    "</DescribeVpcsResponse>";

class Session : public std::enable_shared_from_this<Session> {
 public:
  explicit Session(tcp::socket s) : stream_(std::move(s)) {}
  void read() {
    parser_.emplace();
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = shared_from_this()](beast::error_code ec, std::size_t) {
                        if (ec) return self->close();
                        self->respond();
                      });
  }

 private:
  void respond() {
    bool keep = parser_->get().keep_alive();
    auto res = std::make_shared<bhttp::response<bhttp::string_body>>();
    res->version(11);
    res->result(bhttp::status::ok);
    res->set(bhttp::field::server, "fixed");
    res->set(bhttp::field::content_type, "text/xml");
    res->set("x-amzn-RequestId", "7b5d5a8e-2d4c-4f3a-9a63-5f2b1d0c9e11");
    res->keep_alive(keep);
    res->body() = kBody;
    res->prepare_payload();
    bhttp::async_write(stream_, *res,
                       [self = shared_from_this(), res, keep](beast::error_code ec, std::size_t) {
                         if (ec || !keep) return self->close();
                         self->read();
                       });
  }
  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
};

void accept(tcp::acceptor& acceptor) {
  acceptor.async_accept([&acceptor](beast::error_code ec, tcp::socket s) {
    if (!ec) std::make_shared<Session>(std::move(s))->read();
    accept(acceptor);
  });
}

}  // namespace

int main(int argc, char** argv) {
  auto port = static_cast<unsigned short>(argc > 1 ? std::atoi(argv[1]) : 0);
  asio::io_context ioc(1);
  tcp::acceptor acceptor(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  std::printf("fixed server listening on http://127.0.0.1:%u\n",
              static_cast<unsigned>(acceptor.local_endpoint().port()));
  std::fflush(stdout);
  accept(acceptor);
  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](beast::error_code, int) { ioc.stop(); });
  ioc.run();
  return 0;
}
