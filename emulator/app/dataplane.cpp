// The ALB data plane: real HTTP requests through the emulated application load balancers.
//
// A request reaches a listener by a Host header naming the load balancer (its AWS DNS name or the
// .localhost alias, services/elbv2/dataplane.hpp) on the main port, by the path prefix
// /_zonesim/alb/<name>[:<port>]/ on the main port, or on the local port bound for the listener
// (serve --bind-listeners). It goes through elbv2::route — the very decision the drills use — is
// counted by elbv2::record_request, and is answered:
// - by the target's simulated app: its status, a small JSON body naming the task, its zone, IP and
//   port, and the X-Amzn-Trace-Id the load balancer forwarded, echoed as a header;
// - by the load balancer (Server: awselb/2.0): 502/503/504 with AWS's HTML error pages, fixed
//   responses, redirects;
// - not at all when no load balancer node answers (every node down or DNS resolving to none): the
//   connection is reset without a response, as close as a local socket gets to a dead address
//   (curl: "Connection reset by peer"; ab stops, as on a connect failure, unless -r, with which
//   it counts a failed request).
// Realtime clock: the answer is sent after the route's latency (degraded zones, timeouts) divided
// by --speed, asynchronously. Manual clock: immediately, at the current sim time.
#include <algorithm>
#include <charconv>

#include "emulator/app/app.hpp"
#include "emulator/protocol/codec.hpp"
#include "services/elbv2/dataplane.hpp"
#include "services/elbv2/routing.hpp"

namespace zonesim {

namespace {

constexpr const char* kElbServer = "awselb/2.0";
constexpr std::string_view kPrefix = "/_zonesim/alb/";
constexpr std::size_t kMaxIpLength = 15;  // 255.255.255.255

std::string status_line(int status) {
  switch (status) {
    case 301:
      return "301 Moved Permanently";
    case 302:
      return "302 Found";
    case 500:
      return "500 Internal Server Error";
    case 502:
      return "502 Bad Gateway";
    case 503:
      return "503 Service Temporarily Unavailable";
    case 504:
      return "504 Gateway Time-out";
    default:
      return std::to_string(status);
  }
}

// The body of the load balancer's own error and redirect pages, as AWS sends them.
std::string elb_page(int status) {
  std::string s = status_line(status);
  return "<html>\r\n<head><title>" + s + "</title></head>\r\n<body>\r\n<center><h1>" + s +
         "</h1></center>\r\n</body>\r\n</html>\r\n";
}

// X-Amzn-Trace-Id as the load balancer forwards it: a new Root when the request has none, else
// the client's header with a Self field added.
std::string trace_id(Env& env, std::string_view incoming) {
  char epoch[9];
  std::snprintf(epoch, sizeof epoch, "%08llx",
                static_cast<unsigned long long>(env.clock.now() / 1000) & 0xffffffffULL);
  std::string id = std::string("1-") + epoch + "-" + env.rng.hex(24);
  if (incoming.find("Root=") == std::string_view::npos) return "Root=" + id;
  return "Self=" + id + ";" + std::string(incoming);
}

}  // namespace

http::Response App::handle_alb(const http::Request& req, const std::string& scope,
                               const std::string& load_balancer_arn, int port,
                               const std::string& host, const std::string& target) {
  elbv2::RouteRequest rr;
  rr.load_balancer_arn = load_balancer_arn;
  rr.port = port;
  rr.host = host;
  rr.method = req.method;
  auto q = target.find('?');
  rr.path = target.substr(0, q);
  if (rr.path.empty() || rr.path.front() != '/') rr.path.insert(rr.path.begin(), '/');
  if (q != std::string::npos) rr.query = target.substr(q + 1);
  rr.headers = req.headers;
  rr.source_ip = req.remote_address;
  const elbv2::RouteResult r = elbv2::route(*env_, scope, rr);
  elbv2::record_request(*env_, scope, load_balancer_arn, r);

  http::Response resp;
  resp.service = "alb";
  resp.operation = req.method + " " + rr.path;
  using Kind = elbv2::RouteResult::Kind;
  if (r.kind == Kind::unreachable) {
    resp.operation += " (" + r.reason + ")";
    resp.drop_connection = true;
    return resp;
  }
  resp.status = r.status;
  switch (r.kind) {
    case Kind::target: {
      std::string trace = trace_id(*env_, req.header("x-amzn-trace-id"));
      resp.content_type = "application/json";
      resp.headers.emplace_back("X-Amzn-Trace-Id", trace);
      resp.body = json{{"task", r.task_arn.empty() ? json(nullptr) : json(r.task_arn)},
                       {"zone", r.target_zone},
                       {"ip", r.target_ip},
                       {"port", r.target_port},
                       {"status", r.status},
                       {"load_balancer_node_zone", r.node_zone},
                       {"method", req.method},
                       {"path", rr.path},
                       {"trace_id", trace},
                       {"sim_time", protocol::iso8601(env_->clock.now())}}
                      .dump();
      // Whitespace after the object pads the IP to its longest form, so that every task answers
      // a path with a body of one length: ab counts a length that differs from its first
      // response's as a failed request.
      resp.body.append(kMaxIpLength - std::min(kMaxIpLength, r.target_ip.size()), ' ');
      resp.body += "\n";
      break;
    }
    case Kind::fixed_response:
      resp.content_type = r.content_type;
      resp.body = r.body;
      resp.headers.emplace_back("Server", kElbServer);
      break;
    case Kind::redirect:
      resp.content_type = "text/html";
      resp.body = elb_page(r.status);
      resp.headers.emplace_back("Location", r.location);
      resp.headers.emplace_back("Server", kElbServer);
      break;
    default:  // elb_error
      resp.content_type = "text/html";
      resp.body = elb_page(r.status);
      resp.headers.emplace_back("Server", kElbServer);
      // Not an AWS header: why zonesim's load balancer answered itself.
      resp.headers.emplace_back("X-Zonesim-Reason", r.reason);
      break;
  }
  if (req.method == "HEAD") resp.body.clear();
  if (realtime_ && r.latency_ms > 0) resp.delay_ms = r.latency_ms / env_->config.speed;
  return resp;
}

http::Response App::handle_listener(const http::Request& req, const std::string& scope,
                                    const std::string& load_balancer_arn, int port) {
  std::string host(req.header("host"));
  if (!elbv2::may_be_load_balancer_host(host)) {
    // A client addressing the bound port by IP: rules see the load balancer's DNS name.
    if (const json* lb = env_->store.get(scope, "elbv2-load-balancer", load_balancer_arn))
      host = lb->value("DNSName", host);
  }
  return handle_alb(req, scope, load_balancer_arn, port, host, req.target);
}

// /_zonesim/alb/<name>[:<port>]/<path>: the listener on <port> (default 80) of the application
// load balancer <name> (the default account and region first).
http::Response App::handle_alb_prefix(const http::Request& req) {
  std::string_view rest = std::string_view(req.target).substr(kPrefix.size());
  auto end = rest.find_first_of("/?");
  std::string_view name = rest.substr(0, end);
  std::string target(end == std::string_view::npos ? "/" : rest.substr(end));
  int port = 80;
  if (auto colon = name.find(':'); colon != std::string_view::npos) {
    auto res = std::from_chars(name.data() + colon + 1, name.data() + name.size(), port);
    if (res.ec != std::errc() || res.ptr != name.data() + name.size() || port < 1 || port > 65535)
      throw AwsError("InvalidRequest", "the listener port in " + std::string(kPrefix) +
                                           "<name>:<port>/ must be 1-65535");
    name = name.substr(0, colon);
  }
  auto lb = elbv2::find_by_name(*env_, std::string(name),
                                env_->config.default_account + "/" + env_->config.region);
  if (!lb)
    throw AwsError("LoadBalancerNotFound",
                   "no application load balancer named '" + std::string(name) + "'", 404);
  std::string host = lb->dns_name;
  if (port != 80) host += ":" + std::to_string(port);
  return handle_alb(req, lb->scope, lb->arn, port, host, target);
}

}  // namespace zonesim
