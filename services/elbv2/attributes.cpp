#include "services/elbv2/attributes.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>

#include "emulator/core/aws_error.hpp"

namespace zonesim::elbv2::attributes {

namespace {

constexpr std::size_t kMaxValueLength = 1024;
constexpr std::size_t kMaxHeaderNameLength = 40;

Def boolean(std::string key, std::string def) {
  return Def{std::move(key), std::move(def), Kind::boolean, 0, 0, {}};
}
Def integer(std::string key, std::string def, std::int64_t min, std::int64_t max) {
  return Def{std::move(key), std::move(def), Kind::integer, min, max, {}};
}
Def integer_off(std::string key, std::string def, std::int64_t min, std::int64_t max) {
  return Def{std::move(key), std::move(def), Kind::integer_off, min, max, {}};
}
Def choice(std::string key, std::string def, std::vector<std::string> choices) {
  return Def{std::move(key), std::move(def), Kind::choice, 0, 0, std::move(choices)};
}
Def text(std::string key, std::string def = "", std::vector<std::string> choices = {}) {
  return Def{std::move(key), std::move(def), Kind::text, 0, 0, std::move(choices)};
}
Def header_name(std::string key, std::string def) {
  return Def{std::move(key), std::move(def), Kind::header_name, 0, 0, {}};
}

void add_s3_logs(Defs& d, const std::string& prefix) {
  d.push_back(boolean(prefix + ".s3.enabled", "false"));
  d.push_back(text(prefix + ".s3.bucket"));
  d.push_back(text(prefix + ".s3.prefix"));
}

std::optional<std::int64_t> parse_int(const std::string& s) {
  std::int64_t v = 0;
  if (s.empty()) return std::nullopt;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

[[noreturn]] void invalid(const std::string& message) {
  throw AwsError("ValidationError", message);
}

void validate(const Def& d, const std::string& v) {
  switch (d.kind) {
    case Kind::boolean:
      if (v != "true" && v != "false")
        invalid("'" + d.key + "' value '" + v + "' must be one of [true, false]");
      return;
    case Kind::integer:
    case Kind::integer_off: {
      if (d.kind == Kind::integer_off && v == "off") return;
      auto n = parse_int(v);
      if (!n || *n < d.min || *n > d.max)
        invalid("'" + d.key + "' value '" + v + "' must be " +
                (d.kind == Kind::integer_off ? "'off' or " : "") + "between '" +
                std::to_string(d.min) + "-" + std::to_string(d.max) + "' inclusive");
      return;
    }
    case Kind::choice:
      if (std::find(d.choices.begin(), d.choices.end(), v) == d.choices.end())
        invalid("'" + d.key + "' value '" + v + "' must be one of [" + join(d.choices) + "]");
      return;
    case Kind::text:
      if (v.size() > kMaxValueLength)
        invalid("'" + d.key + "' value cannot be longer than '" + std::to_string(kMaxValueLength) +
                "' characters");
      if (!d.choices.empty() && !v.empty() &&
          std::find(d.choices.begin(), d.choices.end(), v) == d.choices.end())
        invalid("'" + d.key + "' value '" + v + "' must be one of [" + join(d.choices) + "]");
      return;
    case Kind::header_name: {
      // RFC 7230 token characters.
      static const std::string kTokenPunct = "!#$%&'*+-.^_`|~";
      bool ok = !v.empty() && v.size() <= kMaxHeaderNameLength;
      for (char c : v)
        ok = ok && (std::isalnum(static_cast<unsigned char>(c)) ||
                    kTokenPunct.find(c) != std::string::npos);
      if (!ok)
        invalid("'" + d.key + "' value '" + v + "' is not a valid HTTP header name (1-" +
                std::to_string(kMaxHeaderNameLength) + " token characters)");
      return;
    }
  }
}

const Def* find(const Defs& defs, const std::string& key) {
  for (auto& d : defs)
    if (d.key == key) return &d;
  return nullptr;
}

}  // namespace

Defs load_balancer(const std::string& type, const std::string& scheme,
                   const std::string& ip_address_type) {
  Defs d;
  bool dualstack = ip_address_type != "ipv4";
  std::string deny_igw = scheme == "internal" ? "true" : "false";
  if (type == "application") {
    add_s3_logs(d, "access_logs");
    d.push_back(integer("idle_timeout.timeout_seconds", "60", 1, 4000));
    d.push_back(boolean("deletion_protection.enabled", "false"));
    d.push_back(boolean("routing.http2.enabled", "true"));
    d.push_back(boolean("routing.http.drop_invalid_header_fields.enabled", "false"));
    d.push_back(boolean("routing.http.xff_client_port.enabled", "false"));
    d.push_back(boolean("routing.http.preserve_host_header.enabled", "false"));
    d.push_back(choice("routing.http.xff_header_processing.mode", "append",
                       {"append", "preserve", "remove"}));
    d.push_back(boolean("load_balancing.cross_zone.enabled", "true"));
    d.push_back(choice("routing.http.desync_mitigation_mode", "defensive",
                       {"monitor", "defensive", "strictest"}));
    d.push_back(integer("client_keep_alive.seconds", "3600", 60, 604800));
    d.push_back(boolean("waf.fail_open.enabled", "false"));
    d.push_back(boolean("routing.http.x_amzn_tls_version_and_cipher_suite.enabled", "false"));
    d.push_back(boolean("zonal_shift.config.enabled", "false"));
    add_s3_logs(d, "connection_logs");
    add_s3_logs(d, "health_check_logs");
    if (dualstack) d.push_back(boolean("ipv6.deny_all_igw_traffic", deny_igw));
  } else if (type == "network") {
    add_s3_logs(d, "access_logs");
    d.push_back(boolean("deletion_protection.enabled", "false"));
    d.push_back(boolean("load_balancing.cross_zone.enabled", "false"));
    d.push_back(choice("dns_record.client_routing_policy", "any_availability_zone",
                       {"availability_zone_affinity", "partial_availability_zone_affinity",
                        "any_availability_zone"}));
    d.push_back(boolean("zonal_shift.config.enabled", "false"));
    d.push_back(integer("secondary_ips.auto_assigned.per_subnet", "0", 0, 7));
    if (dualstack) d.push_back(boolean("ipv6.deny_all_igw_traffic", deny_igw));
  } else {
    d.push_back(boolean("deletion_protection.enabled", "false"));
    d.push_back(boolean("load_balancing.cross_zone.enabled", "false"));
  }
  return d;
}

Defs target_group(const std::string& protocol, const std::string& target_type) {
  Defs d;
  auto health_routing = [&] {
    d.push_back(integer_off("target_group_health.dns_failover.minimum_healthy_targets.count", "1",
                            1, 1000000));
    d.push_back(integer_off("target_group_health.dns_failover.minimum_healthy_targets.percentage",
                            "off", 1, 100));
    d.push_back(integer("target_group_health.unhealthy_state_routing.minimum_healthy_targets.count",
                        "1", 1, 1000000));
    d.push_back(integer_off(
        "target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage", "off", 1,
        100));
  };
  const std::string cross_zone_key = "load_balancing.cross_zone.enabled";
  const std::vector<std::string> cross_zone = {"true", "false", "use_load_balancer_configuration"};
  if (target_type == "lambda") {
    d.push_back(boolean("lambda.multi_value_headers.enabled", "false"));
    d.push_back(choice(cross_zone_key, "use_load_balancer_configuration", cross_zone));
    health_routing();
    return d;
  }
  if (protocol == "HTTP" || protocol == "HTTPS") {
    d.push_back(integer("deregistration_delay.timeout_seconds", "300", 0, 3600));
    d.push_back(boolean("stickiness.enabled", "false"));
    d.push_back(choice("stickiness.type", "lb_cookie", {"lb_cookie", "app_cookie"}));
    d.push_back(integer("stickiness.lb_cookie.duration_seconds", "86400", 1, 604800));
    d.push_back(text("stickiness.app_cookie.cookie_name"));
    d.push_back(integer("stickiness.app_cookie.duration_seconds", "86400", 1, 604800));
    d.push_back(integer("slow_start.duration_seconds", "0", 0, 900));
    d.push_back(choice("load_balancing.algorithm.type", "round_robin",
                       {"round_robin", "least_outstanding_requests", "weighted_random"}));
    d.push_back(choice("load_balancing.algorithm.anomaly_mitigation", "off", {"on", "off"}));
    d.push_back(choice(cross_zone_key, "use_load_balancer_configuration", cross_zone));
    health_routing();
    return d;
  }
  if (protocol == "GENEVE") {
    d.push_back(integer("deregistration_delay.timeout_seconds", "300", 0, 3600));
    d.push_back(boolean("stickiness.enabled", "false"));
    d.push_back(choice("stickiness.type", "source_ip_dest_ip_proto",
                       {"source_ip_dest_ip", "source_ip_dest_ip_proto"}));
    d.push_back(
        choice("target_failover.on_deregistration", "no_rebalance", {"rebalance", "no_rebalance"}));
    d.push_back(
        choice("target_failover.on_unhealthy", "no_rebalance", {"rebalance", "no_rebalance"}));
    return d;
  }
  // Network Load Balancer protocols (TCP, TLS, UDP, TCP_UDP, QUIC, TCP_QUIC).
  bool udp =
      protocol == "UDP" || protocol == "TCP_UDP" || protocol == "QUIC" || protocol == "TCP_QUIC";
  bool preserve_ip = udp || target_type == "instance";
  d.push_back(integer("deregistration_delay.timeout_seconds", "300", 0, 3600));
  d.push_back(
      boolean("deregistration_delay.connection_termination.enabled", udp ? "true" : "false"));
  d.push_back(boolean("stickiness.enabled", "false"));
  d.push_back(choice("stickiness.type", "source_ip", {"source_ip"}));
  d.push_back(boolean("proxy_protocol_v2.enabled", "false"));
  d.push_back(boolean("preserve_client_ip.enabled", preserve_ip ? "true" : "false"));
  d.push_back(choice(cross_zone_key, "use_load_balancer_configuration", cross_zone));
  d.push_back(boolean("target_health_state.unhealthy.connection_termination.enabled",
                      udp ? "false" : "true"));
  d.push_back(integer("target_health_state.unhealthy.draining_interval_seconds", "0", 0, 360000));
  health_routing();
  return d;
}

Defs listener(const std::string& lb_type, const std::string& protocol) {
  Defs d;
  if (lb_type == "application") {
    if (protocol == "HTTPS") {
      for (auto& [k, name] : std::vector<std::pair<std::string, std::string>>{
               {"x_amzn_mtls_clientcert_serial_number", "X-Amzn-Mtls-Clientcert-Serial-Number"},
               {"x_amzn_mtls_clientcert_issuer", "X-Amzn-Mtls-Clientcert-Issuer"},
               {"x_amzn_mtls_clientcert_subject", "X-Amzn-Mtls-Clientcert-Subject"},
               {"x_amzn_mtls_clientcert_validity", "X-Amzn-Mtls-Clientcert-Validity"},
               {"x_amzn_mtls_clientcert_leaf", "X-Amzn-Mtls-Clientcert-Leaf"},
               {"x_amzn_mtls_clientcert", "X-Amzn-Mtls-Clientcert"},
               {"x_amzn_tls_version", "X-Amzn-Tls-Version"},
               {"x_amzn_tls_cipher_suite", "X-Amzn-Tls-Cipher-Suite"}})
        d.push_back(header_name("routing.http.request." + k + ".header_name", name));
    }
    d.push_back(boolean("routing.http.response.server.enabled", "true"));
    if (protocol == "HTTPS")
      d.push_back(text("routing.http.response.strict_transport_security.header_value"));
    d.push_back(text("routing.http.response.access_control_allow_origin.header_value"));
    d.push_back(text("routing.http.response.access_control_allow_methods.header_value"));
    d.push_back(text("routing.http.response.access_control_allow_headers.header_value"));
    d.push_back(
        text("routing.http.response.access_control_allow_credentials.header_value", "", {"true"}));
    d.push_back(text("routing.http.response.access_control_expose_headers.header_value"));
    d.push_back(text("routing.http.response.access_control_max_age.header_value"));
    d.push_back(text("routing.http.response.content_security_policy.header_value"));
    d.push_back(text("routing.http.response.x_content_type_options.header_value", "", {"nosniff"}));
    d.push_back(text("routing.http.response.x_frame_options.header_value"));
    return d;
  }
  // Network and Gateway Load Balancers: UDP flows have a fixed idle timeout.
  if (protocol != "UDP" && protocol != "QUIC")
    d.push_back(integer("tcp.idle_timeout.seconds", "350", 60, 6000));
  return d;
}

json describe(const Defs& defs, const json& values) {
  json out = json::array();
  for (auto& d : defs)
    out.push_back({{"Key", d.key}, {"Value", values.value(d.key, d.default_value)}});
  return out;
}

std::string value(const Defs& defs, const json& values, const std::string& key) {
  const Def* d = find(defs, key);
  if (!d) return "";
  return values.value(key, d->default_value);
}

json merge(const Defs& defs, const json& values, const json& input, const std::string& what) {
  json out = values.is_object() ? values : json::object();
  for (auto& a : input) {
    std::string key = a.value("Key", "");
    std::string v = a.value("Value", "");
    const Def* d = find(defs, key);
    if (!d)
      throw AwsError("ValidationError", what + " attribute key '" + key + "' is not recognized");
    validate(*d, v);
    out[key] = v;
  }
  return out;
}

void check_load_balancer(const std::string& type, const Defs& defs, const json& before,
                         const json& after) {
  for (const char* logs : {"access_logs", "connection_logs", "health_check_logs"}) {
    std::string p = logs;
    if (!find(defs, p + ".s3.enabled")) continue;
    if (value(defs, after, p + ".s3.enabled") == "true" &&
        value(defs, after, p + ".s3.bucket").empty())
      throw AwsError("ValidationError", "The value of '" + p + ".s3.bucket' cannot be empty if '" +
                                            p + ".s3.enabled' is 'true'");
  }
  if (type == "application" && value(defs, after, "load_balancing.cross_zone.enabled") != "true")
    throw AwsError("InvalidConfigurationRequest",
                   "Cross-zone load balancing cannot be disabled for Application Load Balancers");
  const std::string secondary = "secondary_ips.auto_assigned.per_subnet";
  if (find(defs, secondary)) {
    auto was = parse_int(value(defs, before, secondary)).value_or(0);
    auto now = parse_int(value(defs, after, secondary)).value_or(0);
    if (now < was)
      throw AwsError("InvalidConfigurationRequest",
                     "The value of '" + secondary + "' cannot be decreased");
  }
}

void check_target_group(const std::string& protocol, const std::string& target_type,
                        const Defs& defs, const json& after) {
  (void)target_type;
  auto get = [&](const std::string& k) { return value(defs, after, k); };
  if (find(defs, "slow_start.duration_seconds")) {
    auto slow = parse_int(get("slow_start.duration_seconds")).value_or(0);
    if (slow != 0 && slow < 30)
      throw AwsError("ValidationError", "'slow_start.duration_seconds' value '" +
                                            std::to_string(slow) +
                                            "' must be 0 or between '30-900' inclusive");
    if (slow != 0 && get("load_balancing.algorithm.type") == "least_outstanding_requests")
      throw AwsError("InvalidConfigurationRequest",
                     "Slow start is not supported with the 'least_outstanding_requests' load "
                     "balancing algorithm");
  }
  if (find(defs, "load_balancing.algorithm.anomaly_mitigation") &&
      get("load_balancing.algorithm.anomaly_mitigation") == "on" &&
      get("load_balancing.algorithm.type") != "weighted_random")
    throw AwsError("InvalidConfigurationRequest",
                   "Anomaly mitigation can only be enabled with the 'weighted_random' load "
                   "balancing algorithm");
  if (find(defs, "stickiness.app_cookie.cookie_name")) {
    std::string cookie = get("stickiness.app_cookie.cookie_name");
    for (const char* reserved : {"AWSALB", "AWSALBAPP", "AWSALBTG"})
      if (cookie.rfind(reserved, 0) == 0)
        throw AwsError("ValidationError", "Application cookie names that start with '" +
                                              std::string(reserved) +
                                              "' are reserved for use by the load balancer");
    if (get("stickiness.enabled") == "true" && get("stickiness.type") == "app_cookie" &&
        cookie.empty())
      throw AwsError("InvalidConfigurationRequest",
                     "You must set an application cookie name to enable stickiness of type "
                     "'app_cookie'");
  }
  if (protocol == "TLS" && get("stickiness.enabled") == "true")
    throw AwsError("InvalidConfigurationRequest",
                   "You cannot enable stickiness on target groups with the TLS protocol");
  if (find(defs, "target_failover.on_deregistration") &&
      get("target_failover.on_deregistration") != get("target_failover.on_unhealthy"))
    throw AwsError("InvalidConfigurationRequest",
                   "'target_failover.on_deregistration' and 'target_failover.on_unhealthy' must "
                   "have the same value");
  if (find(defs, "target_health_state.unhealthy.draining_interval_seconds") &&
      get("target_health_state.unhealthy.draining_interval_seconds") != "0" &&
      get("target_health_state.unhealthy.connection_termination.enabled") == "true")
    throw AwsError("InvalidConfigurationRequest",
                   "'target_health_state.unhealthy.draining_interval_seconds' can only be set "
                   "when 'target_health_state.unhealthy.connection_termination.enabled' is "
                   "'false'");
}

}  // namespace zonesim::elbv2::attributes
