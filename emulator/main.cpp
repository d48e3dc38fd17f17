// zonesim: a local AWS emulator with a simulated clock over availability zones.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <boost/asio.hpp>
#include <cstdio>
#include <iostream>

#include "emulator/app/app.hpp"
#include "emulator/control/coverage.hpp"
#include "emulator/http/server.hpp"
#include "emulator/protocol/codec.hpp"
#include "emulator/sim/realtime.hpp"

namespace {

std::vector<std::string> split_csv(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= s.size()) {
    std::size_t comma = s.find(',', start);
    std::string part =
        s.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!part.empty()) out.push_back(part);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

struct ServeOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 4566;
  std::string state;
  std::string region = "eu-central-1";
  std::string zones;
  std::uint64_t seed = 1;
  std::string log_level = "info";
  std::string account = "123456789012";
  double speed = 1.0;
  std::string clock = "realtime";
  std::string epoch;
};

int serve(const ServeOptions& o) {
  spdlog::set_level(spdlog::level::from_str(o.log_level));
  zonesim::Config config;
  config.region = o.region;
  config.zones = split_csv(o.zones);
  config.seed = o.seed;
  config.default_account = o.account;
  config.clock_mode = o.clock;
  config.speed = o.speed;
  for (auto& z : config.zones_or_default())
    if (z.rfind(o.region, 0) != 0) {
      std::fprintf(stderr, "zonesim: zone %s is not in region %s\n", z.c_str(), o.region.c_str());
      return 2;
    }
  zonesim::sim::Millis epoch = zonesim::sim::wall_now_ms();
  if (!o.epoch.empty()) {
    auto e = zonesim::protocol::parse_iso8601(o.epoch);
    if (!e) {
      std::fprintf(stderr, "zonesim: --epoch %s is not an ISO 8601 time\n", o.epoch.c_str());
      return 2;
    }
    epoch = *e;
  }
  std::unique_ptr<zonesim::App> app;
  try {
    app = std::make_unique<zonesim::App>(config, o.state, epoch);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "zonesim: %s\n", e.what());
    return 1;
  }
  boost::asio::io_context ioc(1);
  std::unique_ptr<zonesim::http::Server> server;
  try {
    server = std::make_unique<zonesim::http::Server>(ioc, o.host, o.port,
                                                     [&](const zonesim::http::Request& req) {
                                                       app->sync();
                                                       return app->handle(req);
                                                     });
  } catch (const std::exception& e) {
    std::fprintf(stderr, "zonesim: cannot listen on %s:%u: %s\n", o.host.c_str(), o.port, e.what());
    return 1;
  }
  if (o.host != "127.0.0.1" && o.host != "localhost" && o.host != "::1")
    spdlog::warn("listening on {}: anyone who can reach this address can use zonesim", o.host);
  std::string endpoint = "http://" + (o.host == "0.0.0.0" ? std::string("127.0.0.1") : o.host) +
                         ":" + std::to_string(server->port());
  std::printf(
      "zonesim listening on %s (region %s, zones %s, state %s, seed %llu)\n"
      "  export AWS_ENDPOINT_URL=%s AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test "
      "AWS_REGION=%s AWS_DEFAULT_REGION=%s\n",
      endpoint.c_str(), o.region.c_str(),
      [&] {
        std::string z;
        for (auto& s : config.zones_or_default()) z += (z.empty() ? "" : ",") + s;
        return z;
      }()
          .c_str(),
      o.state.empty() ? "in-memory" : o.state.c_str(), static_cast<unsigned long long>(o.seed),
      endpoint.c_str(), o.region.c_str(), o.region.c_str());
  std::fflush(stdout);

  // In realtime mode the simulation moves even when nobody calls: catch up every 100 ms.
  boost::asio::steady_timer ticker(ioc);
  std::function<void()> tick = [&] {
    ticker.expires_after(std::chrono::milliseconds(100));
    ticker.async_wait([&](const boost::system::error_code& ec) {
      if (ec) return;
      try {
        app->sync();
      } catch (const std::exception& e) {
        spdlog::error("simulation step failed: {}", e.what());
      }
      tick();
    });
  };
  if (o.clock == "realtime") tick();

  boost::asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int sig) {
    spdlog::info("signal {}: shutting down", sig);
    server->stop();
    ticker.cancel();
    ioc.stop();
  });
  ioc.run();
  server.reset();
  app.reset();  // closes the state database cleanly
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  auto logger = spdlog::stderr_color_mt("zonesim");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");

  CLI::App cli{"zonesim: a local AWS emulator with a simulated clock over availability zones"};
  cli.require_subcommand(1);
  ServeOptions so;
  auto* serve_cmd = cli.add_subcommand("serve", "Serve the AWS APIs and the control API");
  serve_cmd->add_option("--host", so.host, "Address to bind")->capture_default_str();
  serve_cmd->add_option("--port", so.port, "Port to bind (0 picks a free one)")
      ->capture_default_str();
  serve_cmd->add_option("--state", so.state, "SQLite state file (default: in-memory)");
  serve_cmd->add_option("--region", so.region, "Region")->capture_default_str();
  serve_cmd->add_option("--zones", so.zones, "Comma-separated zones (default <region>a,<region>b)");
  serve_cmd->add_option("--seed", so.seed, "Seed of the random source")->capture_default_str();
  serve_cmd->add_option("--account", so.account, "Account of non-numeric access keys")
      ->capture_default_str();
  serve_cmd->add_option("--speed", so.speed, "Sim seconds per wall second (realtime clock)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  serve_cmd
      ->add_option("--clock", so.clock,
                   "realtime: sim time follows the wall clock x speed; manual: only "
                   "/_zonesim/clock/advance moves it")
      ->check(CLI::IsMember({"realtime", "manual"}))
      ->capture_default_str();
  serve_cmd->add_option("--epoch", so.epoch, "Sim time at start, ISO 8601 (default: now)");
  serve_cmd->add_option("--log-level", so.log_level, "trace|debug|info|warn|error|off")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}))
      ->capture_default_str();

  auto* cov_cmd = cli.add_subcommand("coverage", "Print the served operations as a Markdown table");
  CLI11_PARSE(cli, argc, argv);

  if (serve_cmd->parsed()) return serve(so);
  if (cov_cmd->parsed()) {
    zonesim::Registry r;
    zonesim::register_all(r);
    std::cout << zonesim::coverage_markdown(r);
    return 0;
  }
  return 0;
}
