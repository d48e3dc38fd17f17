// Target groups: create/describe/modify/delete, health check settings with AWS's defaults per
// protocol and target type, and target group attributes.
#include <algorithm>
#include <charconv>
#include <set>

#include "services/elbv2/attributes.hpp"
#include "services/elbv2/common.hpp"

namespace zonesim::elbv2 {

namespace {

constexpr std::size_t kMaxTargetGroups = 3000;
constexpr std::size_t kMaxHealthCheckPathLength = 1024;

bool is_http(const std::string& p) {
  return p == "HTTP" || p == "HTTPS";
}

std::optional<int> parse_code(const std::string& s) {
  int v = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || r.ec != std::errc() || r.ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

// "200", "200,202", "200-299" (and mixtures), every code within [lo, hi].
void check_codes(const std::string& codes, int lo, int hi, const std::string& what) {
  std::size_t start = 0;
  bool ok = !codes.empty();
  bool in_range = true;
  while (ok && start <= codes.size()) {
    std::size_t comma = codes.find(',', start);
    std::string part =
        codes.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    std::size_t dash = part.find('-');
    auto a = parse_code(part.substr(0, dash));
    auto b = dash == std::string::npos ? a : parse_code(part.substr(dash + 1));
    if (!a || !b || *a > *b) {
      ok = false;
      break;
    }
    in_range = in_range && *a >= lo && *b <= hi;
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (!ok)
    throw AwsError("ValidationError",
                   "Health check matcher " + what + " code '" + codes +
                       "' is not valid: specify a value (200), a list (200,202) or a range "
                       "(200-299)");
  if (!in_range)
    throw AwsError("ValidationError", "Health check matcher " + what + " code '" + codes +
                                          "' must be within '" + std::to_string(lo) + "-" +
                                          std::to_string(hi) + "' inclusive");
}

// Health check settings: `in` holds the members given (CreateTargetGroup / ModifyTargetGroup
// input names); on create the unspecified ones take AWS's defaults for the group's protocol and
// target type. Validates the result and writes the TargetGroup members into `doc`.
void apply_health_check(json& doc, const json& in, bool creating) {
  std::string protocol = doc.value("Protocol", "");
  std::string target_type = doc.value("TargetType", "instance");
  std::string version = doc.value("ProtocolVersion", "");
  bool lambda = target_type == "lambda";
  bool alb_target = target_type == "alb";

  // Protocol of the checks.
  std::string hc_protocol = doc.value("HealthCheckProtocol", "");
  if (creating || hc_protocol.empty()) {
    if (lambda || alb_target)
      hc_protocol = "HTTP";
    else if (is_http(protocol))
      hc_protocol = protocol;
    else
      hc_protocol = "TCP";
  }
  if (in.contains("HealthCheckProtocol")) {
    std::string p = in["HealthCheckProtocol"].get<std::string>();
    if (p != "HTTP" && p != "HTTPS" && p != "TCP")
      throw AwsError("ValidationError", "Health check protocol '" + p + "' is not supported");
    if (p == "TCP" && (is_http(protocol) || lambda || alb_target))
      throw AwsError("InvalidConfigurationRequest",
                     "Health check protocol 'TCP' is not supported for target groups with the '" +
                         (lambda ? std::string("lambda") : protocol) + "' " +
                         (lambda ? "target type" : "protocol"));
    hc_protocol = p;
  }
  bool http_checks = hc_protocol != "TCP";

  // Timing and thresholds.
  auto pick = [&](const char* member, const char* doc_key, int def) -> std::int64_t {
    if (in.contains(member)) return in[member].get<std::int64_t>();
    if (!creating && doc.contains(doc_key)) return doc[doc_key].get<std::int64_t>();
    return def;
  };
  int def_interval = lambda ? 35 : protocol == "GENEVE" ? 10 : 30;
  int def_timeout = lambda                 ? 30
                    : alb_target           ? 6
                    : protocol == "GENEVE" ? 5
                    : is_http(protocol)    ? 5
                                           : 10;
  std::int64_t interval =
      pick("HealthCheckIntervalSeconds", "HealthCheckIntervalSeconds", def_interval);
  std::int64_t timeout =
      pick("HealthCheckTimeoutSeconds", "HealthCheckTimeoutSeconds", def_timeout);
  std::int64_t healthy = pick("HealthyThresholdCount", "HealthyThresholdCount", 5);
  std::int64_t unhealthy = pick("UnhealthyThresholdCount", "UnhealthyThresholdCount", 2);
  check_range(interval, 5, 300, "healthCheckIntervalSeconds");
  check_range(timeout, 2, 120, "healthCheckTimeoutSeconds");
  check_range(healthy, 2, 10, "healthyThresholdCount");
  check_range(unhealthy, 2, 10, "unhealthyThresholdCount");
  if (http_checks && !lambda && timeout >= interval)
    throw AwsError("ValidationError", "Health check timeout '" + std::to_string(timeout) +
                                          "' must be smaller than the interval '" +
                                          std::to_string(interval) + "'");
  if (timeout > interval)
    throw AwsError("ValidationError", "Health check timeout '" + std::to_string(timeout) +
                                          "' must be smaller than or equal to the interval '" +
                                          std::to_string(interval) + "'");

  // Enabled: always for instance, ip and alb targets; off by default for lambda.
  bool enabled = creating ? !lambda : doc.value("HealthCheckEnabled", true);
  if (in.contains("HealthCheckEnabled")) enabled = in["HealthCheckEnabled"].get<bool>();
  if (!enabled && !lambda)
    throw AwsError("InvalidConfigurationRequest",
                   "Health checks cannot be disabled for target groups with target type '" +
                       target_type + "'");

  // Port.
  std::string port = creating ? (protocol == "GENEVE" ? "80" : "traffic-port")
                              : doc.value("HealthCheckPort", "traffic-port");
  if (in.contains("HealthCheckPort")) {
    port = in["HealthCheckPort"].get<std::string>();
    auto n = parse_code(port);
    if (port != "traffic-port" && (!n || *n < 1 || *n > 65535))
      throw AwsError("ValidationError", "Health check port '" + port +
                                            "' must be 'traffic-port' or a port number between "
                                            "1 and 65535");
  }

  // Path and matcher (HTTP and HTTPS checks only).
  std::string path;
  json matcher;
  if (http_checks) {
    path = (creating || !doc.contains("HealthCheckPath"))
               ? (version == "GRPC" ? "/AWS.ALB/healthcheck" : "/")
               : doc.value("HealthCheckPath", "/");
    if (in.contains("HealthCheckPath")) path = in["HealthCheckPath"].get<std::string>();
    check_length(path, 1, kMaxHealthCheckPathLength, "healthCheckPath");
    if (path.front() != '/')
      throw AwsError("ValidationError", "Health check path '" + path + "' must begin with '/'");
    if (version == "GRPC") {
      matcher = (creating || !doc.contains("Matcher")) ? json{{"GrpcCode", "12"}} : doc["Matcher"];
    } else {
      std::string def = (is_http(protocol) && !alb_target) || lambda ? "200" : "200-399";
      matcher = (creating || !doc.contains("Matcher") || !doc["Matcher"].contains("HttpCode"))
                    ? json{{"HttpCode", def}}
                    : doc["Matcher"];
    }
    if (in.contains("Matcher")) {
      const json& m = in["Matcher"];
      if (version == "GRPC") {
        if (!m.contains("GrpcCode"))
          throw AwsError("ValidationError",
                         "A gRPC code matcher must be specified for the GRPC protocol version");
        check_codes(m["GrpcCode"].get<std::string>(), 0, 99, "gRPC");
        matcher = {{"GrpcCode", m["GrpcCode"]}};
      } else {
        if (!m.contains("HttpCode"))
          throw AwsError("ValidationError", "An HTTP code matcher must be specified");
        std::string codes = m["HttpCode"].get<std::string>();
        if (protocol == "GENEVE" && codes != "200-399")
          throw AwsError("ValidationError",
                         "Health check matcher HTTP code '" + codes +
                             "' must be '200-399' for target groups with the GENEVE protocol");
        bool alb_codes = is_http(protocol) || lambda;
        check_codes(codes, 200, alb_codes ? 499 : 599, "HTTP");
        matcher = {{"HttpCode", codes}};
      }
    }
  } else {
    if (in.contains("HealthCheckPath"))
      throw AwsError("ValidationError",
                     "A health check path cannot be specified for TCP health checks");
    if (in.contains("Matcher"))
      throw AwsError("ValidationError",
                     "A health check matcher cannot be specified for TCP health checks");
  }

  doc["HealthCheckEnabled"] = enabled;
  doc["HealthCheckIntervalSeconds"] = interval;
  doc["HealthCheckTimeoutSeconds"] = timeout;
  doc["HealthyThresholdCount"] = healthy;
  doc["UnhealthyThresholdCount"] = unhealthy;
  if (lambda) {
    doc.erase("HealthCheckProtocol");
    doc.erase("HealthCheckPort");
  } else {
    doc["HealthCheckProtocol"] = hc_protocol;
    doc["HealthCheckPort"] = port;
  }
  if (http_checks) {
    doc["HealthCheckPath"] = path;
    doc["Matcher"] = matcher;
  } else {
    doc.erase("HealthCheckPath");
    doc.erase("Matcher");
  }
}

attributes::Defs defs_of(const json& tg) {
  return attributes::target_group(tg.value("Protocol", ""), tg.value("TargetType", "instance"));
}

// The settings that make two CreateTargetGroup calls "the same target group".
json settings(const json& doc) {
  json s = json::object();
  for (auto& [k, v] : doc.items())
    if (k[0] != '_' && k != "TargetGroupArn") s[k] = v;
  return s;
}

json create_target_group(Call& c) {
  const json& in = c.input;
  std::string name = in.value("Name", "");
  check_name(name, "Target group");
  std::string target_type = in.value("TargetType", "instance");
  bool lambda = target_type == "lambda";
  std::string protocol = in.value("Protocol", "");
  std::string version = in.value("ProtocolVersion", "");  // Terraform sends it empty

  json doc = {{"TargetGroupName", name}, {"TargetType", target_type}};
  if (lambda) {
    for (auto [member, label] : {std::pair{"Protocol", "Protocol"}, std::pair{"Port", "Port"},
                                 std::pair{"VpcId", "VPC ID"}})
      if (in.contains(member))
        throw AwsError("ValidationError", std::string(label) +
                                              " cannot be specified for target groups with "
                                              "target type 'lambda'");
    if (!version.empty())
      throw AwsError("ValidationError",
                     "A protocol version cannot be specified for target groups with target type "
                     "'lambda'");
  } else {
    if (protocol.empty()) throw AwsError("ValidationError", "A protocol must be specified");
    if (!in.contains("Port")) throw AwsError("ValidationError", "A port must be specified");
    if (!in.contains("VpcId")) throw AwsError("ValidationError", "A VPC ID must be specified");
    std::int64_t port = in["Port"].get<std::int64_t>();
    check_range(port, 1, 65535, "port");
    if (protocol == "GENEVE" && port != 6081)
      throw AwsError("ValidationError",
                     "Port must be '6081' for target groups with the GENEVE protocol");
    if (target_type == "alb" && protocol != "TCP")
      throw AwsError("ValidationError",
                     "Target groups with target type 'alb' must use the TCP protocol");
    if (protocol == "GENEVE" && target_type != "instance" && target_type != "ip")
      throw AwsError("ValidationError",
                     "Target groups with the GENEVE protocol support only target types "
                     "'instance' and 'ip'");
    std::string vpc = in["VpcId"].get<std::string>();
    if (!c.env.store.get(c.scope(), "vpc", vpc))
      throw AwsError("ValidationError", "The VPC ID '" + vpc + "' is not found");
    doc["Protocol"] = protocol;
    doc["Port"] = port;
    doc["VpcId"] = vpc;
    doc["IpAddressType"] = in.value("IpAddressType", "ipv4");
    if (is_http(protocol)) {
      if (version.empty()) version = "HTTP1";
      if (version != "HTTP1" && version != "HTTP2" && version != "GRPC")
        throw AwsError("ValidationError", "Protocol version '" + version +
                                              "' is not valid: it must be 'HTTP1', 'HTTP2' or "
                                              "'GRPC'");
      doc["ProtocolVersion"] = version;
    } else if (!version.empty()) {
      throw AwsError("ValidationError",
                     "A protocol version can only be specified for target groups with the HTTP "
                     "or HTTPS protocol");
    }
  }
  if (in.contains("IpAddressType") && lambda)
    throw AwsError("ValidationError",
                   "An IP address type cannot be specified for target groups with target type "
                   "'lambda'");
  if (in.contains("TargetControlPort")) {
    check_range(in["TargetControlPort"].get<std::int64_t>(), 1, 65535, "targetControlPort");
    doc["TargetControlPort"] = in["TargetControlPort"];
  }
  apply_health_check(doc, in, true);

  // CreateTargetGroup is idempotent for identical settings.
  for (auto& [a, tg] : c.env.store.list(c.scope(), kTargetGroupKind)) {
    if (tg->value("TargetGroupName", "") != name) continue;
    if (settings(*tg) != settings(doc))
      throw AwsError("DuplicateTargetGroupName", "A target group with the same name '" + name +
                                                     "' exists, but with different settings");
    return {{"TargetGroups", json::array({target_group_view(c.env, c.scope(), *tg)})}};
  }
  if (c.env.store.count(c.scope(), kTargetGroupKind) >= kMaxTargetGroups)
    throw AwsError("TooManyTargetGroups",
                   "You've reached the limit on the number of target groups for your account");

  std::string tg_arn = arn(c, "targetgroup/" + name + "/" + c.env.rng.hex(16));
  doc["TargetGroupArn"] = tg_arn;
  doc["_attributes"] = json::object();
  doc["_targets"] = json::array();
  doc["_tags"] = json::array();
  add_tags(doc, in.value("Tags", json::array()), "Target group");
  json& stored = c.env.store.put(c.scope(), kTargetGroupKind, tg_arn, std::move(doc));
  return {{"TargetGroups", json::array({target_group_view(c.env, c.scope(), stored)})}};
}

json describe_target_groups(Call& c) {
  const json& in = c.input;
  bool by_lb = in.contains("LoadBalancerArn");
  bool by_arn = in.contains("TargetGroupArns") && !in["TargetGroupArns"].empty();
  bool by_name = in.contains("Names") && !in["Names"].empty();
  if (int(by_lb) + int(by_arn) + int(by_name) > 1)
    throw AwsError("ValidationError",
                   "Target group names, target group ARNs, and a load balancer ARN cannot be "
                   "specified at the same time");
  std::vector<json> items;
  if (by_lb) {
    std::string lb_arn = in["LoadBalancerArn"].get<std::string>();
    load_balancer(c, lb_arn);
    for (auto& [a, tg] : c.env.store.list(c.scope(), kTargetGroupKind)) {
      auto lbs = load_balancers_using(c.env, c.scope(), a);
      if (std::find(lbs.begin(), lbs.end(), lb_arn) != lbs.end())
        items.push_back(target_group_view(c.env, c.scope(), *tg));
    }
  } else if (by_arn) {
    std::set<std::string> seen;
    for (auto& a : in["TargetGroupArns"]) {
      std::string s = a.get<std::string>();
      const json* tg = find_target_group(c.env, c.scope(), s);
      if (!tg) throw AwsError("TargetGroupNotFound", "One or more target groups not found");
      if (seen.insert(s).second) items.push_back(target_group_view(c.env, c.scope(), *tg));
    }
  } else if (by_name) {
    std::vector<std::string> missing;
    std::set<std::string> seen;
    for (auto& n : in["Names"]) {
      std::string name = n.get<std::string>();
      if (!seen.insert(name).second) continue;
      bool found = false;
      for (auto& [a, tg] : c.env.store.list(c.scope(), kTargetGroupKind))
        if (tg->value("TargetGroupName", "") == name) {
          items.push_back(target_group_view(c.env, c.scope(), *tg));
          found = true;
        }
      if (!found) missing.push_back(name);
    }
    if (!missing.empty()) {
      std::string list;
      for (auto& m : missing) list += (list.empty() ? "" : ", ") + m;
      throw AwsError("TargetGroupNotFound", "Target groups '[" + list + "]' not found");
    }
  } else {
    for (auto& [a, tg] : c.env.store.list(c.scope(), kTargetGroupKind))
      items.push_back(target_group_view(c.env, c.scope(), *tg));
  }
  return page(items, c, "TargetGroups");
}

json modify_target_group(Call& c) {
  std::string tg_arn = c.input.value("TargetGroupArn", "");
  json& tg = target_group_mut(c, tg_arn);
  bool was_enabled = tg.value("HealthCheckEnabled", true);
  apply_health_check(tg, c.input, false);
  if (tg.value("HealthCheckEnabled", true) != was_enabled)
    sync_target_group(c.env, c.scope(), tg_arn);
  const json& now = target_group(c, tg_arn);
  return {{"TargetGroups", json::array({target_group_view(c.env, c.scope(), now)})}};
}

json delete_target_group(Call& c) {
  std::string tg_arn = c.input.value("TargetGroupArn", "");
  if (!find_target_group(c.env, c.scope(), tg_arn)) return json::object();
  if (!load_balancers_using(c.env, c.scope(), tg_arn).empty())
    throw AwsError("ResourceInUse",
                   "Target group '" + tg_arn + "' is currently in use by a listener or a rule");
  c.env.store.erase(c.scope(), kTargetGroupKind, tg_arn);
  return json::object();
}

json describe_target_group_attributes(Call& c) {
  const json& tg = target_group(c, c.input.value("TargetGroupArn", ""));
  return {
      {"Attributes", attributes::describe(defs_of(tg), tg.value("_attributes", json::object()))}};
}

json modify_target_group_attributes(Call& c) {
  json& tg = target_group_mut(c, c.input.value("TargetGroupArn", ""));
  auto defs = defs_of(tg);
  json after = attributes::merge(defs, tg.value("_attributes", json::object()),
                                 c.input["Attributes"], "Target group");
  attributes::check_target_group(tg.value("Protocol", ""), tg.value("TargetType", ""), defs, after);
  tg["_attributes"] = after;
  return {{"Attributes", attributes::describe(defs, after)}};
}

}  // namespace

void register_target_group_ops(Registry& r) {
  r.add("elbv2", "CreateTargetGroup", create_target_group);
  r.add("elbv2", "DescribeTargetGroups", describe_target_groups);
  r.add("elbv2", "ModifyTargetGroup", modify_target_group);
  r.add("elbv2", "DeleteTargetGroup", delete_target_group);
  r.add("elbv2", "DescribeTargetGroupAttributes", describe_target_group_attributes);
  r.add("elbv2", "ModifyTargetGroupAttributes", modify_target_group_attributes);
}

}  // namespace zonesim::elbv2
