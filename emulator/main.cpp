// zonesim: a local AWS emulator with a simulated clock over availability zones.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <unistd.h>
#include <CLI/CLI.hpp>
#include <boost/asio.hpp>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <thread>

#include "emulator/app/app.hpp"
#include "emulator/app/listener_ports.hpp"
#include "emulator/cli/client.hpp"
#include "emulator/cli/remote_drill.hpp"
#include "emulator/control/coverage.hpp"
#include "emulator/drill/report.hpp"
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
  std::string timing = "instant";
  bool bind_listeners = false;
  std::string auth = "none";
  std::string credentials;
  std::string control_token;
  zonesim::http::Limits limits;
};

int serve(const ServeOptions& o) {
  spdlog::set_level(spdlog::level::from_str(o.log_level));
  // A file size limit (ulimit -f) must fail a write (503 ServiceUnavailable, nothing applied),
  // not kill the server.
  std::signal(SIGXFSZ, SIG_IGN);
  zonesim::Config config;
  config.region = o.region;
  config.zones = split_csv(o.zones);
  config.seed = o.seed;
  config.default_account = o.account;
  config.clock_mode = o.clock;
  config.timing = o.timing;
  config.speed = o.speed;
  config.control_token = o.control_token;
  if (o.auth == "verify") {
    if (o.credentials.empty()) {
      std::fprintf(stderr, "zonesim: --auth verify needs --credentials FILE\n");
      return 2;
    }
    try {
      config.key_pairs = zonesim::protocol::load_credentials_file(o.credentials);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "zonesim: %s\n", e.what());
      return 2;
    }
    config.verify_signatures = true;
  } else if (!o.credentials.empty()) {
    std::fprintf(stderr, "zonesim: --credentials only means something with --auth verify\n");
    return 2;
  }
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
  std::optional<zonesim::ListenerPorts> listener_ports;
  if (o.bind_listeners) listener_ports.emplace(ioc, *app, o.host);
  try {
    server = std::make_unique<zonesim::http::Server>(
        ioc, o.host, o.port,
        [&](const zonesim::http::Request& req) {
          app->sync();
          auto resp = app->handle(req);
          // Control-plane calls may create or delete listeners: keep their ports in step.
          if (listener_ports && resp.service != "alb") listener_ports->reconcile();
          return resp;
        },
        o.limits);
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
  if (listener_ports) listener_ports->reconcile();  // a state file may hold listeners already

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
  listener_ports.reset();
  try {
    app->checkpoint();
  } catch (const std::exception& e) {
    spdlog::error("saving the clock at shutdown failed: {}", e.what());
  }
  app.reset();  // closes the state database cleanly
  return 0;
}

void write_file(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
  if (!out) throw std::runtime_error("cannot write " + path);
}

// Output files for several fixtures: out.json -> out.<fixture>.json when there is more than one.
std::string per_fixture(const std::string& path, const std::string& name, bool many) {
  if (!many || path.empty()) return path;
  auto dot = path.rfind('.');
  return dot == std::string::npos ? path + "." + name
                                  : path.substr(0, dot) + "." + name + path.substr(dot);
}

struct DrillOptions {
  std::vector<std::string> fixtures;
  std::optional<std::uint64_t> seed;
  std::string timeline, json_out, junit, report;
  std::string endpoint;  // "" = in-process
  double pace = 0;
  bool events = false;
};

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int drill_run(const DrillOptions& o) {
  bool tty = isatty(fileno(stderr));
  std::vector<zonesim::drill::DrillResult> results;
  int exit_code = 0;
  for (auto& path : o.fixtures) {
    zonesim::drill::Fixture f;
    if (!std::ifstream(path)) {
      std::fprintf(stderr, "zonesim: bad fixture: %s: cannot read the file\n", path.c_str());
      return 2;
    }
    try {
      // On a server the starting state is the server's: the fixture's state file is not read.
      f = o.endpoint.empty() ? zonesim::drill::load_fixture(path)
                             : zonesim::drill::load_fixture_text(read_file(path), path, false);
    } catch (const zonesim::drill::FixtureError& e) {
      std::fprintf(stderr, "zonesim: bad fixture: %s\n", e.what());
      return 2;
    }
    std::uint64_t seed = o.seed.value_or(f.seed);
    if (o.endpoint.empty())
      std::printf("drill %s (seed %llu): %s\n", f.name.c_str(),
                  static_cast<unsigned long long>(seed), f.description.c_str());
    else
      std::printf("drill %s on %s (its state, clock and timing): %s\n", f.name.c_str(),
                  o.endpoint.c_str(), f.description.c_str());
    std::fflush(stdout);
    auto w0 = std::chrono::steady_clock::now();
    zonesim::drill::DrillResult r;
    auto progress = [&](double frac) {
      if (tty && !o.events)
        std::fprintf(stderr, "\r  %3d%% of %.0f simulated minutes", static_cast<int>(frac * 100),
                     f.duration / 60000.0);
    };
    try {
      if (o.endpoint.empty()) {
        r = zonesim::drill::run_drill(f, seed, progress);
      } else {
        zonesim::cli::RemoteDrillOptions ro;
        ro.endpoint = o.endpoint;
        ro.pace = o.pace;
        ro.progress = progress;
        if (o.events)
          ro.on_event = [](const zonesim::json& e) {
            std::printf("  %s\n", zonesim::cli::format_event(e).c_str());
            std::fflush(stdout);
          };
        r = zonesim::cli::run_remote_drill(f, read_file(path), ro);
      }
    } catch (const zonesim::drill::FixtureError& e) {
      if (tty) std::fprintf(stderr, "\r");
      std::fprintf(stderr, "zonesim: bad fixture: %s\n", e.what());
      return 2;
    } catch (const zonesim::cli::RemoteDrillError& e) {
      if (tty) std::fprintf(stderr, "\r");
      std::fprintf(stderr, "zonesim: %s%s\n", e.bad_fixture() ? "bad fixture: " : "", e.what());
      return 2;
    } catch (const std::exception& e) {
      if (tty) std::fprintf(stderr, "\r");
      std::fprintf(stderr, "zonesim: %s\n", e.what());
      return 2;
    }
    double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();
    if (tty) std::fprintf(stderr, "\r%40s\r", "");
    for (auto& e : r.expectations) {
      std::string measured = e.measured ? std::to_string(*e.measured) : "not measured";
      if (e.measured) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.2f", *e.measured);
        measured = buf;
      }
      std::printf("  %s  %-28s measured %s %s (expected %s)%s%s\n", e.passed ? "PASS" : "FAIL",
                  e.name.c_str(), measured.c_str(), e.unit.c_str(), e.bound.c_str(),
                  e.passed ? "" : ": ", e.passed ? "" : e.detail.c_str());
    }
    if (o.endpoint.empty())
      std::printf(
          "  %s in %.2f s wall for %.0f simulated minutes. Reproduce: zonesim drill run %s --seed "
          "%llu\n",
          r.passed ? "PASSED" : "FAILED", wall, f.duration / 60000.0, path.c_str(),
          static_cast<unsigned long long>(seed));
    else
      std::printf(
          "  %s in %.2f s wall for %.0f simulated minutes on %s (a live server's run depends on "
          "its history; run in-process from `zonesim state export` to replay it exactly)\n",
          r.passed ? "PASSED" : "FAILED", wall, f.duration / 60000.0, o.endpoint.c_str());
    bool many = o.fixtures.size() > 1;
    try {
      if (!o.timeline.empty())
        write_file(per_fixture(o.timeline, f.name, many), zonesim::drill::timeline_jsonl(r));
      if (!o.json_out.empty()) {
        auto j = zonesim::drill::to_json(r);
        j["wall_seconds"] = wall;
        write_file(per_fixture(o.json_out, f.name, many), j.dump(1) + "\n");
      }
      if (!o.report.empty())
        write_file(per_fixture(o.report, f.name, many), zonesim::drill::html_report(r));
    } catch (const std::exception& e) {
      std::fprintf(stderr, "zonesim: %s\n", e.what());
      return 1;
    }
    if (!r.passed) exit_code = 1;
    results.push_back(std::move(r));
  }
  if (!o.junit.empty()) write_file(o.junit, zonesim::drill::junit_xml(results));
  return exit_code;
}

std::string default_endpoint() {
  for (const char* var : {"ZONESIM_ENDPOINT", "AWS_ENDPOINT_URL"})
    if (const char* v = std::getenv(var); v && *v) return v;
  return "http://127.0.0.1:4566";
}

// Calls the control API and prints the answer; returns the process exit code.
int control(const std::string& endpoint, const std::string& method, const std::string& target,
            const zonesim::json& body = nullptr, bool quiet = false) {
  try {
    auto r = zonesim::cli::http_call(endpoint, method, target, body.is_null() ? "" : body.dump());
    if (!quiet || r.status >= 300) {
      auto j = zonesim::json::parse(r.body, nullptr, false);
      std::cout << (j.is_discarded() ? r.body : j.dump(2)) << "\n";
    }
    return r.status < 300 ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "zonesim: %s\n", e.what());
    return 1;
  }
}

int timeline(const std::string& endpoint, std::int64_t since_ms, bool follow, bool as_json) {
  std::int64_t after = 0;
  while (true) {
    zonesim::cli::ClientResponse r;
    try {
      r = zonesim::cli::http_call(endpoint, "GET",
                                  "/_zonesim/timeline?since_ms=" + std::to_string(since_ms) +
                                      "&after_seq=" + std::to_string(after));
    } catch (const std::exception& e) {
      std::fprintf(stderr, "zonesim: %s\n", e.what());
      return 1;
    }
    if (r.status != 200) {
      std::fprintf(stderr, "zonesim: %s\n", r.body.c_str());
      return 1;
    }
    zonesim::json page = zonesim::json::parse(r.body);
    for (auto& e : page["events"]) {
      after = e.value("seq", after);
      std::cout << (as_json ? e.dump() : zonesim::cli::format_event(e)) << "\n";
    }
    std::cout.flush();
    if (!follow) return 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
}

}  // namespace

int main(int argc, char** argv) {
  auto logger = spdlog::stderr_color_mt("zonesim");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");

  CLI::App cli{"zonesim: a local AWS emulator with a simulated clock over availability zones"};
  // Options of a command work after its subcommands too: `zonesim state import F --endpoint URL`.
  cli.fallthrough();
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
  serve_cmd
      ->add_option("--timing", so.timing,
                   "Timing profile: instant, realistic, or a profile JSON file")
      ->capture_default_str();
  serve_cmd->add_flag("--bind-listeners", so.bind_listeners,
                      "Also serve each ALB listener on a local port of its own (printed, and "
                      "listed by GET /_zonesim/listeners)");
  serve_cmd
      ->add_option("--auth", so.auth,
                   "none: SigV4 signatures are parsed, not checked (any key works); verify: "
                   "checked against --credentials")
      ->check(CLI::IsMember({"none", "verify"}))
      ->capture_default_str();
  serve_cmd->add_option("--credentials", so.credentials,
                        "Key pairs for --auth verify: AWS shared-credentials INI "
                        "(aws_access_key_id, aws_secret_access_key, optional aws_account_id)");
  serve_cmd
      ->add_option("--control-token", so.control_token,
                   "Require 'Authorization: Bearer TOKEN' on /_zonesim/* (all but health)")
      ->envname("ZONESIM_CONTROL_TOKEN");
  // Limits (docs/RELIABILITY.md, "Limits"); the defaults suit every client we know.
  serve_cmd
      ->add_option("--max-connections", so.limits.max_connections,
                   "Open connections at most (more are closed at once)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  serve_cmd
      ->add_option("--request-timeout", so.limits.request_timeout_seconds,
                   "Seconds a request may take to arrive, from its first byte")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  serve_cmd
      ->add_option("--idle-timeout", so.limits.idle_timeout_seconds,
                   "Seconds a keep-alive connection may wait for its next request")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  serve_cmd->add_option("--log-level", so.log_level, "trace|debug|info|warn|error|off")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}))
      ->capture_default_str();

  auto* cov_cmd = cli.add_subcommand("coverage", "Print the served operations as a Markdown table");

  // Client subcommands: drive a running zonesim through its control API.
  std::string endpoint = default_endpoint();
  std::string control_token;
  auto endpoint_opt = [&](CLI::App* c) {
    c->add_option("--endpoint", endpoint,
                  "zonesim to talk to ($ZONESIM_ENDPOINT, $AWS_ENDPOINT_URL)")
        ->capture_default_str();
    c->add_option("--control-token", control_token,
                  "The server's control token ($ZONESIM_CONTROL_TOKEN)")
        ->envname("ZONESIM_CONTROL_TOKEN");
  };
  auto* health_cmd = cli.add_subcommand("health", "Show a running zonesim's health");
  endpoint_opt(health_cmd);

  auto* clock_cmd = cli.add_subcommand("clock", "Show or advance the simulated clock");
  endpoint_opt(clock_cmd);
  std::string advance_by;
  auto* advance_cmd =
      clock_cmd->add_subcommand("advance", "Run the simulation forward, e.g. 90s, 5m, 1h");
  advance_cmd->add_option("duration", advance_by, "How far (s, m, h, d; plain numbers are seconds)")
      ->required();

  auto* zone_cmd = cli.add_subcommand("zone", "List, fail and restore availability zones");
  endpoint_opt(zone_cmd);
  zone_cmd->require_subcommand(1);
  auto* zone_list = zone_cmd->add_subcommand("list", "Show every zone and its fault");
  std::string zone_name, fault_kind = "power", fault_duration;
  double latency_ms = 0, loss_rate = 0;
  auto* zone_fail = zone_cmd->add_subcommand("fail", "Start a fault in a zone");
  zone_fail->add_option("zone", zone_name, "Zone name, e.g. eu-central-1a")->required();
  zone_fail->add_option("--kind", fault_kind, "power | network | degraded")
      ->check(CLI::IsMember({"power", "network", "degraded"}))
      ->capture_default_str();
  zone_fail->add_option("--duration", fault_duration,
                        "Restore after this long (e.g. 5m); default: until restored");
  zone_fail->add_option("--latency-ms", latency_ms, "degraded: added latency");
  zone_fail->add_option("--loss", loss_rate, "degraded: loss rate 0..1");
  auto* zone_restore = zone_cmd->add_subcommand("restore", "End a zone's fault");
  zone_restore->add_option("zone", zone_name, "Zone name")->required();

  auto* fault_cmd =
      cli.add_subcommand("fault", "Inject a fault: stop-task, app-state, rds-failover");
  endpoint_opt(fault_cmd);
  std::string fault_action, fault_task, fault_service, fault_state, fault_db;
  fault_cmd->add_option("action", fault_action, "stop-task | app-state | rds-failover")->required();
  fault_cmd->add_option("--task", fault_task, "Task ARN");
  fault_cmd->add_option("--service", fault_service, "Service ARN");
  fault_cmd->add_option("--state", fault_state, "app-state: healthy | unhealthy | hung | crash");
  fault_cmd->add_option("--db-instance", fault_db, "rds-failover: DB instance identifier");

  auto* tl_cmd = cli.add_subcommand("timeline", "Print the timeline of state changes");
  endpoint_opt(tl_cmd);
  bool follow = false, tl_json = false;
  std::int64_t since_ms = 0;
  tl_cmd->add_flag("--follow,-f", follow, "Keep printing new events");
  tl_cmd->add_flag("--json", tl_json, "One JSON object per line");
  tl_cmd->add_option("--since-ms", since_ms,
                     "Only events at or after this sim time (ms since epoch)");

  auto* state_cmd =
      cli.add_subcommand("state", "Export or import a state snapshot (the log of mutating calls)");
  endpoint_opt(state_cmd);
  state_cmd->require_subcommand(1);
  std::string state_file;
  auto* state_export = state_cmd->add_subcommand("export", "Write the running zonesim's snapshot");
  state_export->add_option("-o,--output", state_file, "File (default: standard output)");
  auto* state_import =
      state_cmd->add_subcommand("import", "Reset the running zonesim and replay a snapshot");
  state_import->add_option("file", state_file, "Snapshot file")
      ->required()
      ->check(CLI::ExistingFile);

  auto* drill_cmd = cli.add_subcommand("drill", "Failover drills from fixture files");
  drill_cmd->require_subcommand(1);
  DrillOptions dopt;
  std::uint64_t drill_seed = 0;
  auto* drill_run_cmd = drill_cmd->add_subcommand(
      "run",
      "Run drills in-process on the drill clock (or on a running zonesim with --endpoint); exit 0 "
      "pass, 1 fail, 2 bad fixture or could not run");
  drill_run_cmd->add_option("fixtures", dopt.fixtures, "Fixture files (YAML)")->required();
  auto* seed_opt = drill_run_cmd->add_option("--seed", drill_seed, "Override the fixtures' seeds");
  drill_run_cmd->add_option("--timeline", dopt.timeline, "Write the timeline as JSON lines");
  drill_run_cmd->add_option("--json", dopt.json_out, "Write the full result as JSON");
  drill_run_cmd->add_option("--junit", dopt.junit,
                            "Write JUnit XML (one testcase per expectation)");
  drill_run_cmd->add_option("--report", dopt.report,
                            "Write a self-contained HTML report with the timeline picture");
  drill_run_cmd->add_option("--endpoint", dopt.endpoint,
                            "Run on this running zonesim (its current state is the starting "
                            "state) through the control API instead of in-process");
  drill_run_cmd
      ->add_option("--pace", dopt.pace,
                   "With --endpoint: simulated seconds per wall second (e.g. 10 to watch a "
                   "30-minute drill in 3 minutes); default as fast as the server goes")
      ->check(CLI::Range(0.0, 1e9));
  drill_run_cmd
      ->add_option("--control-token", control_token,
                   "With --endpoint: the server's control token ($ZONESIM_CONTROL_TOKEN)")
      ->envname("ZONESIM_CONTROL_TOKEN");
  drill_run_cmd->add_flag("--events", dopt.events,
                          "With --endpoint: print the timeline as it happens");

  auto* reset_cmd =
      cli.add_subcommand("reset", "Empty a running zonesim (resources, timeline, faults)");
  endpoint_opt(reset_cmd);

  // --endpoint and --control-token may also follow the sub-subcommand (zone list --endpoint X).
  for (auto* sub : {advance_cmd, zone_list, zone_fail, zone_restore, state_export, state_import})
    sub->fallthrough();

  CLI11_PARSE(cli, argc, argv);

  if (serve_cmd->parsed()) return serve(so);
  zonesim::cli::set_control_token(control_token);
  if (health_cmd->parsed()) return control(endpoint, "GET", "/_zonesim/health");
  if (clock_cmd->parsed()) {
    if (advance_cmd->parsed()) {
      auto secs = zonesim::cli::parse_duration(advance_by);
      if (!secs) {
        std::fprintf(stderr, "zonesim: '%s' is not a duration (e.g. 90s, 5m, 1h)\n",
                     advance_by.c_str());
        return 2;
      }
      return control(endpoint, "POST", "/_zonesim/clock/advance",
                     zonesim::json{{"seconds", *secs}});
    }
    return control(endpoint, "GET", "/_zonesim/clock");
  }
  if (zone_cmd->parsed()) {
    if (zone_list->parsed()) return control(endpoint, "GET", "/_zonesim/zones");
    if (zone_restore->parsed())
      return control(endpoint, "POST", "/_zonesim/zones/" + zone_name + "/restore");
    zonesim::json body = {{"kind", fault_kind}};
    if (!fault_duration.empty()) {
      auto secs = zonesim::cli::parse_duration(fault_duration);
      if (!secs) {
        std::fprintf(stderr, "zonesim: '%s' is not a duration\n", fault_duration.c_str());
        return 2;
      }
      body["duration_seconds"] = *secs;
    }
    if (fault_kind == "degraded") {
      body["latency_ms"] = latency_ms;
      body["loss_rate"] = loss_rate;
    }
    return control(endpoint, "POST", "/_zonesim/zones/" + zone_name + "/fail", body);
  }
  if (fault_cmd->parsed()) {
    zonesim::json body = {{"action", fault_action}};
    if (!fault_task.empty()) body["task"] = fault_task;
    if (!fault_service.empty()) body["service"] = fault_service;
    if (!fault_state.empty()) body["state"] = fault_state;
    if (!fault_db.empty()) body["db_instance"] = fault_db;
    return control(endpoint, "POST", "/_zonesim/faults", body);
  }
  if (tl_cmd->parsed()) return timeline(endpoint, since_ms, follow, tl_json);
  if (reset_cmd->parsed()) return control(endpoint, "POST", "/_zonesim/reset");
  if (drill_run_cmd->parsed()) {
    if (seed_opt->count()) dopt.seed = drill_seed;
    if (!dopt.endpoint.empty() && dopt.seed) {
      std::fprintf(stderr,
                   "zonesim: --seed cannot be combined with --endpoint: a running server keeps "
                   "its own seed (zonesim serve --seed)\n");
      return 2;
    }
    if (dopt.endpoint.empty() && (dopt.pace > 0 || dopt.events)) {
      std::fprintf(stderr, "zonesim: --pace and --events need --endpoint\n");
      return 2;
    }
    return drill_run(dopt);
  }
  if (state_cmd->parsed()) {
    try {
      if (state_export->parsed()) {
        auto r = zonesim::cli::http_call(endpoint, "GET", "/_zonesim/state");
        if (r.status != 200) {
          std::fprintf(stderr, "zonesim: %s\n", r.body.c_str());
          return 1;
        }
        std::string pretty = zonesim::json::parse(r.body).dump(1) + "\n";
        if (state_file.empty()) {
          std::cout << pretty;
        } else {
          std::ofstream(state_file) << pretty;
        }
        return 0;
      }
      std::ifstream in(state_file);
      std::stringstream ss;
      ss << in.rdbuf();
      auto r = zonesim::cli::http_call(endpoint, "POST", "/_zonesim/state", ss.str());
      std::cout << r.body << "\n";
      return r.status == 200 ? 0 : 1;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "zonesim: %s\n", e.what());
      return 1;
    }
  }
  if (cov_cmd->parsed()) {
    zonesim::Registry r;
    zonesim::register_all(r);
    std::cout << zonesim::coverage_markdown(r);
    return 0;
  }
  return 0;
}
