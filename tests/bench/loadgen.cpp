// zonesim_loadgen: a closed-loop HTTP load generator for AWS APIs (docs/BENCHMARKS.md).
//
// Opens --concurrency keep-alive connections to --endpoint; each connection sends the --request
// specs in turn (so a Create/Delete pair alternates on every connection), each request signed
// with AWS Signature Version 4 (HMAC-SHA256, OpenSSL) exactly as an SDK signs it, and waits for
// the answer before sending the next. After --warmup seconds it counts answers for --duration
// seconds and prints one JSON line: requests, errors (non-2xx or broken connections), requests
// per second, latency percentiles in milliseconds, and the first error body seen.
//
// A request spec is "SERVICE|TARGET|BODY": SERVICE is the signing name (ec2,
// elasticloadbalancing, ecs, sts, ...), TARGET empty for a query-protocol form POST, else the
// X-Amz-Target of a JSON 1.1 call whose body is BODY.
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <algorithm>
#include <utility>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

struct Spec {
  std::string service, target, body;
};

struct Options {
  std::string host = "127.0.0.1", port;
  std::string region = "eu-central-1", access_key = "test", secret_key = "test";
  int concurrency = 1;
  double duration = 3, warmup = 0.5;
  std::vector<Spec> specs;
};

std::string hex(const unsigned char* p, std::size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string out(n * 2, '0');
  for (std::size_t i = 0; i < n; ++i) {
    out[2 * i] = digits[p[i] >> 4];
    out[2 * i + 1] = digits[p[i] & 15];
  }
  return out;
}

std::string sha256_hex(std::string_view s) {
  unsigned char d[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(s.data()), s.size(), d);
  return hex(d, sizeof d);
}

std::string hmac(std::string_view key, std::string_view msg) {
  unsigned char d[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), d, &n);
  return std::string(reinterpret_cast<char*>(d), n);
}

// SigV4 for a POST to "/" with the headers the SDKs sign (host, x-amz-date, content-type and,
// for JSON services, x-amz-target). The signing key is derived once per date.
class Signer {
 public:
  Signer(std::string access, std::string secret, std::string region)
      : access_(std::move(access)), secret_(std::move(secret)), region_(std::move(region)) {}

  void sign(bhttp::request<bhttp::string_body>& req, const std::string& service,
            const std::string& host) {
    std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    char amz_date[17], date[9];
    std::strftime(amz_date, sizeof amz_date, "%Y%m%dT%H%M%SZ", &tm);
    std::strftime(date, sizeof date, "%Y%m%d", &tm);
    std::string key_id = std::string(date) + service;
    if (key_id != key_for_) {
      key_ = hmac(hmac(hmac(hmac("AWS4" + secret_, date), region_), service), "aws4_request");
      key_for_ = key_id;
    }
    req.set("x-amz-date", amz_date);
    std::string content_type(req[bhttp::field::content_type]);
    std::string target(req["x-amz-target"]);
    std::string signed_headers = "content-type;host;x-amz-date";
    std::string canonical_headers =
        "content-type:" + content_type + "\nhost:" + host + "\nx-amz-date:" + amz_date + "\n";
    if (!target.empty()) {
      signed_headers += ";x-amz-target";
      canonical_headers += "x-amz-target:" + target + "\n";
    }
    std::string canonical =
        "POST\n/\n\n" + canonical_headers + "\n" + signed_headers + "\n" + sha256_hex(req.body());
    std::string scope = std::string(date) + "/" + region_ + "/" + service + "/aws4_request";
    std::string to_sign =
        "AWS4-HMAC-SHA256\n" + std::string(amz_date) + "\n" + scope + "\n" + sha256_hex(canonical);
    std::string sig = hmac(key_, to_sign);
    req.set(bhttp::field::authorization,
            "AWS4-HMAC-SHA256 Credential=" + access_ + "/" + scope +
                ", SignedHeaders=" + signed_headers + ", Signature=" +
                hex(reinterpret_cast<const unsigned char*>(sig.data()), sig.size()));
  }

 private:
  std::string access_, secret_, region_, key_, key_for_;
};

struct Stats {
  bool measuring = false, stopping = false;
  std::vector<std::uint32_t> latencies_us;
  std::size_t errors = 0;
  std::string first_error;
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(asio::io_context& ioc, const Options& o, const tcp::resolver::results_type& ep,
             Signer& signer, Stats& stats, std::size_t first)
      : stream_(ioc), o_(o), endpoint_(ep), signer_(signer), stats_(stats), next_(first) {}

  void start() {
    connect_t0_ = Clock::now();
    stream_.async_connect(endpoint_,
                          [self = shared_from_this()](beast::error_code ec, const tcp::endpoint&) {
                            if (ec) return self->fail("connect: " + ec.message(), false);
                            self->stream_.socket().set_option(tcp::no_delay(true));
                            self->send();
                          });
  }

 private:
  void send() {
    if (stats_.stopping) return;
    const Spec& s = o_.specs[next_++ % o_.specs.size()];
    req_ = {};
    req_.method(bhttp::verb::post);
    req_.target("/");
    req_.version(11);
    req_.set(bhttp::field::host, host_header());
    req_.set(bhttp::field::user_agent, "zonesim-loadgen");
    if (s.target.empty()) {
      req_.set(bhttp::field::content_type, "application/x-www-form-urlencoded; charset=utf-8");
    } else {
      req_.set(bhttp::field::content_type, "application/x-amz-json-1.1");
      req_.set("x-amz-target", s.target);
    }
    req_.body() = s.body;
    req_.prepare_payload();
    signer_.sign(req_, s.service, host_header());
    // A request on a fresh connection counts the connect (servers that close after each answer,
    // such as moto's werkzeug, make every client pay it).
    t0_ = connect_t0_ ? *connect_t0_ : Clock::now();
    connect_t0_.reset();
    bhttp::async_write(
        stream_, req_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
          if (ec) return self->fail("write: " + ec.message(), true);
          self->res_.emplace();
          self->res_->body_limit(64 * 1024 * 1024);
          bhttp::async_read(self->stream_, self->buffer_, *self->res_,
                            [self](beast::error_code ec2, std::size_t) { self->on_read(ec2); });
        });
  }

  void on_read(beast::error_code ec) {
    if (ec) return fail("read: " + ec.message(), true);
    auto& res = res_->get();
    if (stats_.measuring) {
      auto us = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0_).count();
      stats_.latencies_us.push_back(static_cast<std::uint32_t>(us));
      if (res.result_int() / 100 != 2) {
        ++stats_.errors;
        if (stats_.first_error.empty())
          stats_.first_error = std::to_string(res.result_int()) + " " + res.body().substr(0, 400);
      }
    }
    if (res.keep_alive()) return send();
    beast::error_code ignored;  // the server closes after this answer: reconnect
    stream_.socket().close(ignored);
    buffer_.clear();
    start();
  }

  void fail(const std::string& what, bool reconnect) {
    if (stats_.stopping) return;
    if (stats_.measuring) {
      ++stats_.errors;
      if (stats_.first_error.empty()) stats_.first_error = what;
    }
    beast::error_code ignored;
    stream_.socket().close(ignored);
    if (reconnect) {
      buffer_.clear();
      start();
    }
  }

  std::string host_header() const { return o_.host + ":" + o_.port; }

  beast::tcp_stream stream_;
  const Options& o_;
  tcp::resolver::results_type endpoint_;
  Signer& signer_;
  Stats& stats_;
  std::size_t next_;
  beast::flat_buffer buffer_;
  bhttp::request<bhttp::string_body> req_;
  std::optional<bhttp::response_parser<bhttp::string_body>> res_;
  Clock::time_point t0_;
  std::optional<Clock::time_point> connect_t0_;
};

[[noreturn]] void usage(const char* msg) {
  std::fprintf(stderr,
               "zonesim_loadgen: %s\n"
               "usage: zonesim_loadgen --endpoint http://HOST:PORT [--concurrency N] "
               "[--duration S] [--warmup S] [--region R] --request 'SERVICE|TARGET|BODY'...\n",
               msg);
  std::exit(2);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(("missing value for " + a).c_str());
      return argv[++i];
    };
    if (a == "--endpoint") {
      std::string e = value();
      if (e.rfind("http://", 0) == 0) e = e.substr(7);
      auto colon = e.rfind(':');
      if (colon == std::string::npos) usage("--endpoint needs a port");
      o.host = e.substr(0, colon);
      o.port = e.substr(colon + 1);
      while (!o.port.empty() && o.port.back() == '/') o.port.pop_back();
    } else if (a == "--concurrency") {
      o.concurrency = std::atoi(value().c_str());
    } else if (a == "--duration") {
      o.duration = std::atof(value().c_str());
    } else if (a == "--warmup") {
      o.warmup = std::atof(value().c_str());
    } else if (a == "--region") {
      o.region = value();
    } else if (a == "--request") {
      std::string s = value();
      auto p1 = s.find('|');
      auto p2 = p1 == std::string::npos ? p1 : s.find('|', p1 + 1);
      if (p2 == std::string::npos) usage("--request is SERVICE|TARGET|BODY");
      o.specs.push_back({s.substr(0, p1), s.substr(p1 + 1, p2 - p1 - 1), s.substr(p2 + 1)});
    } else {
      usage(("unknown argument " + a).c_str());
    }
  }
  if (o.port.empty()) usage("--endpoint is required");
  if (o.specs.empty()) usage("at least one --request is required");
  if (o.concurrency < 1 || o.duration <= 0 || o.warmup < 0) usage("bad numbers");
  return o;
}

std::string json_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  Options o = parse(argc, argv);
  Signer signer(o.access_key, o.secret_key, o.region);
  Stats stats;  // outlives the io_context, whose pending handlers hold the connections
  asio::io_context ioc(1);
  auto endpoints = tcp::resolver(ioc).resolve(o.host, o.port);
  stats.latencies_us.reserve(1 << 20);
  for (int i = 0; i < o.concurrency; ++i)
    std::make_shared<Connection>(ioc, o, endpoints, signer, stats, static_cast<std::size_t>(i))
        ->start();

  asio::steady_timer timer(ioc);
  Clock::time_point t_start;
  timer.expires_after(
      std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.warmup)));
  timer.async_wait([&](beast::error_code) {
    stats.measuring = true;
    t_start = Clock::now();
    timer.expires_after(
        std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.duration)));
    timer.async_wait([&](beast::error_code) {
      stats.measuring = false;
      stats.stopping = true;
      ioc.stop();
    });
  });
  ioc.run();
  double secs = std::chrono::duration<double>(Clock::now() - t_start).count();

  auto& l = stats.latencies_us;
  std::sort(l.begin(), l.end());
  auto pct = [&](double p) {
    if (l.empty()) return 0.0;
    std::size_t i =
        std::min(l.size() - 1, static_cast<std::size_t>(p * static_cast<double>(l.size())));
    return l[i] / 1000.0;
  };
  std::printf(
      "{\"requests\": %zu, \"errors\": %zu, \"seconds\": %.3f, \"rps\": %.1f, \"p50_ms\": %.3f, "
      "\"p99_ms\": %.3f, \"max_ms\": %.3f, \"concurrency\": %d, \"first_error\": \"%s\"}\n",
      l.size(), stats.errors, secs, static_cast<double>(l.size()) / secs, pct(0.5), pct(0.99),
      l.empty() ? 0.0 : l.back() / 1000.0, o.concurrency, json_escape(stats.first_error).c_str());
  return 0;
}
