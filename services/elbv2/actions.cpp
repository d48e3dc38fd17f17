#include "services/elbv2/actions.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <regex>
#include <set>

#include "services/elbv2/common.hpp"

namespace zonesim::elbv2 {

namespace {

constexpr std::int64_t kMaxWeight = 999;
constexpr std::int64_t kMaxStickinessSeconds = 604800;
constexpr std::size_t kMaxConditionValueLength = 128;
constexpr std::size_t kMaxHeaderNameLength = 40;

[[noreturn]] void coral_pattern(const std::string& value, const std::string& member,
                                const std::string& pattern) {
  throw AwsError("ValidationError",
                 "1 validation error detected: Value '" + value + "' at '" + member +
                     "' failed to satisfy constraint: Member must satisfy regular expression "
                     "pattern: " +
                     pattern);
}

bool terminal(const std::string& type) {
  return type == "forward" || type == "redirect" || type == "fixed-response";
}

// Which target group protocols a listener protocol can forward to.
bool compatible(const std::string& lb_type, const std::string& listener_protocol, const json& tg) {
  std::string p = tg.value("Protocol", "");
  std::string target_type = tg.value("TargetType", "");
  if (lb_type == "application") return target_type == "lambda" || p == "HTTP" || p == "HTTPS";
  if (lb_type == "gateway") return p == "GENEVE";
  if (target_type == "alb") return listener_protocol == "TCP";
  if (listener_protocol == "TCP") return p == "TCP" || p == "TCP_UDP";
  if (listener_protocol == "TLS") return p == "TCP" || p == "TLS";
  if (listener_protocol == "UDP") return p == "UDP" || p == "TCP_UDP";
  if (listener_protocol == "TCP_UDP") return p == "TCP_UDP";
  if (listener_protocol == "QUIC") return p == "QUIC";
  if (listener_protocol == "TCP_QUIC") return p == "TCP_QUIC";
  return false;
}

json forward(Call& c, const json& a, const json& lb, const std::string& protocol,
             const std::string& member) {
  std::string lb_type = lb.value("Type", "application");
  json out = {{"Type", "forward"}};
  std::vector<std::pair<std::string, std::int64_t>> groups;
  bool has_arn = a.contains("TargetGroupArn");
  bool has_config = a.contains("ForwardConfig") && a["ForwardConfig"].contains("TargetGroups");
  if (!has_arn && !has_config)
    throw AwsError("ValidationError", "A target group ARN must be specified for a forward action");
  json stickiness = {{"Enabled", false}};
  if (has_config) {
    const json& cfg = a["ForwardConfig"];
    std::size_t i = 0;
    for (auto& t : cfg["TargetGroups"]) {
      ++i;
      if (!t.contains("TargetGroupArn"))
        throw AwsError("ValidationError",
                       "A target group ARN must be specified for each target "
                       "group of a forward configuration");
      std::int64_t w = t.value("Weight", std::int64_t{1});
      check_range(
          w, 0, kMaxWeight,
          member + ".member.forwardConfig.targetGroups." + std::to_string(i) + ".member.weight");
      std::string g = t["TargetGroupArn"].get<std::string>();
      if (std::any_of(groups.begin(), groups.end(), [&](auto& e) { return e.first == g; }))
        throw AwsError("ValidationError", "Target group '" + g +
                                              "' is specified more than once in the forward "
                                              "configuration");
      groups.emplace_back(g, w);
    }
    if (groups.empty())
      throw AwsError("ValidationError",
                     "A forward configuration must contain at least one target group");
    if (groups.size() > kMaxTargetGroupsPerForward)
      throw AwsError("TooManyTargetGroups", "A forward action can have at most " +
                                                std::to_string(kMaxTargetGroupsPerForward) +
                                                " target groups");
    if (lb_type != "application" && groups.size() > 1)
      throw AwsError("InvalidLoadBalancerAction",
                     "Forwarding to multiple target groups is only supported by Application "
                     "Load Balancers");
    if (cfg.contains("TargetGroupStickinessConfig")) {
      const json& s = cfg["TargetGroupStickinessConfig"];
      bool enabled = s.value("Enabled", false);
      stickiness = {{"Enabled", enabled}};
      if (enabled) {
        if (!s.contains("DurationSeconds"))
          throw AwsError("ValidationError",
                         "A stickiness duration must be specified when target group stickiness "
                         "is enabled");
        check_range(s["DurationSeconds"].get<std::int64_t>(), 1, kMaxStickinessSeconds,
                    member + ".member.forwardConfig.targetGroupStickinessConfig.durationSeconds");
        stickiness["DurationSeconds"] = s["DurationSeconds"];
      }
    }
  }
  if (has_arn) {
    std::string g = a["TargetGroupArn"].get<std::string>();
    if (has_config && (groups.size() != 1 || groups.front().first != g))
      throw AwsError("InvalidLoadBalancerAction",
                     "With both TargetGroupArn and ForwardConfig, ForwardConfig must contain "
                     "exactly the target group '" +
                         g + "'");
    if (!has_config) groups.emplace_back(g, 1);
  }
  std::string lb_arn = lb.value("LoadBalancerArn", "");
  json tuples = json::array();
  for (auto& [g, w] : groups) {
    const json* tg = find_target_group(c.env, c.scope(), g);
    if (!tg) throw AwsError("TargetGroupNotFound", "Target groups '" + g + "' not found");
    if (tg->contains("VpcId") && tg->value("VpcId", "") != lb.value("VpcId", ""))
      throw AwsError(
          "InvalidConfigurationRequest",
          "Target group '" + g + "' is in a different VPC than load balancer '" + lb_arn + "'");
    if (!compatible(lb_type, protocol, *tg))
      throw AwsError("IncompatibleProtocols",
                     "The target group '" + g + "' with protocol '" +
                         tg->value("Protocol", tg->value("TargetType", "")) +
                         "' is not compatible with the listener protocol '" + protocol + "'");
    for (auto& other : load_balancers_using(c.env, c.scope(), g))
      if (other != lb_arn)
        throw AwsError("TargetGroupAssociationLimit",
                       "The following target groups cannot be associated with more than one "
                       "load balancer: " +
                           g);
    tuples.push_back({{"TargetGroupArn", g}, {"Weight", w}});
  }
  if (groups.size() == 1) out["TargetGroupArn"] = groups.front().first;
  out["ForwardConfig"] = {{"TargetGroups", tuples}, {"TargetGroupStickinessConfig", stickiness}};
  return out;
}

json redirect(const json& a, const std::string& protocol, const std::string& member) {
  if (!a.contains("RedirectConfig"))
    throw AwsError("ValidationError",
                   "A redirect configuration must be specified for a redirect action");
  const json& in = a["RedirectConfig"];
  std::string path_prefix = member + ".member.redirectConfig.";
  json r = {{"Protocol", in.value("Protocol", "#{protocol}")},
            {"Port", in.value("Port", "#{port}")},
            {"Host", in.value("Host", "#{host}")},
            {"Path", in.value("Path", "/#{path}")},
            {"Query", in.value("Query", "#{query}")},
            {"StatusCode", in.value("StatusCode", "")}};
  std::string proto = r["Protocol"];
  static const std::regex kProtocol(R"(^(HTTPS?|#\{protocol\})$)");
  if (!std::regex_match(proto, kProtocol))
    coral_pattern(proto, path_prefix + "protocol", R"(^(HTTPS?|#\{protocol\})$)");
  std::string port = r["Port"];
  if (port != "#{port}") {
    int n = 0;
    auto res = std::from_chars(port.data(), port.data() + port.size(), n);
    if (port.empty() || res.ec != std::errc() || res.ptr != port.data() + port.size() || n < 1 ||
        n > 65535)
      throw AwsError("ValidationError", "The redirect port '" + port +
                                            "' must be '#{port}' or a number from 1 to 65535");
  }
  check_length(r["Host"].get<std::string>(), 1, 128, path_prefix + "host");
  check_length(r["Path"].get<std::string>(), 1, 128, path_prefix + "path");
  check_length(r["Query"].get<std::string>(), 0, 128, path_prefix + "query");
  if (r["Path"].get<std::string>().front() != '/')
    throw AwsError("ValidationError",
                   "The redirect path '" + r["Path"].get<std::string>() + "' must begin with '/'");
  if (protocol == "HTTPS" && proto == "HTTP")
    throw AwsError("InvalidLoadBalancerAction", "You cannot redirect HTTPS to HTTP");
  if (proto == "#{protocol}" && port == "#{port}" && r["Host"] == "#{host}" &&
      r["Path"] == "/#{path}" && r["Query"] == "#{query}")
    throw AwsError("InvalidLoadBalancerAction",
                   "The redirect configuration is not valid: it must change at least one of the "
                   "protocol, port, host, path or query");
  return r;
}

json fixed_response(const json& a, const std::string& member) {
  if (!a.contains("FixedResponseConfig"))
    throw AwsError("ValidationError",
                   "A fixed response configuration must be specified for a fixed-response action");
  const json& in = a["FixedResponseConfig"];
  std::string prefix = member + ".member.fixedResponseConfig.";
  std::string code = in.value("StatusCode", "");
  static const std::regex kCode(R"(^(2|4|5)\d\d$)");
  if (!std::regex_match(code, kCode))
    coral_pattern(code, prefix + "statusCode", R"(^(2|4|5)\d\d$)");
  json r = {{"StatusCode", code}};
  if (in.contains("ContentType")) {
    static const std::set<std::string> kTypes = {"text/plain", "text/css", "text/html",
                                                 "application/javascript", "application/json"};
    std::string type = in["ContentType"].get<std::string>();
    if (!kTypes.count(type))
      throw AwsError("InvalidLoadBalancerAction",
                     "The ContentType must be one of:'text/html', 'application/json', "
                     "'application/javascript', 'text/css', 'text/plain'");
    r["ContentType"] = type;
  }
  if (in.contains("MessageBody")) {
    check_length(in["MessageBody"].get<std::string>(), 0, 1024, prefix + "messageBody");
    r["MessageBody"] = in["MessageBody"];
  }
  return r;
}

bool valid_cidr(const std::string& cidr) {
  auto slash = cidr.find('/');
  if (slash == std::string::npos) return false;
  std::string addr = cidr.substr(0, slash);
  std::string bits_s = cidr.substr(slash + 1);
  int bits = -1;
  auto r = std::from_chars(bits_s.data(), bits_s.data() + bits_s.size(), bits);
  if (bits_s.empty() || r.ec != std::errc() || r.ptr != bits_s.data() + bits_s.size()) return false;
  unsigned char buf[16];
  if (inet_pton(AF_INET, addr.c_str(), buf) == 1) return bits >= 0 && bits <= 32;
  if (inet_pton(AF_INET6, addr.c_str(), buf) == 1) return bits >= 0 && bits <= 128;
  return false;
}

std::vector<std::string> string_values(const json& v) {
  std::vector<std::string> out;
  for (auto& s : v) out.push_back(s.get<std::string>());
  return out;
}

[[noreturn]] void condition_error(const std::string& message) {
  throw AwsError("ValidationError", message);
}

void check_values_length(const std::vector<std::string>& values, const std::string& field) {
  for (auto& v : values)
    if (v.size() > kMaxConditionValueLength)
      condition_error("The '" + field + "' value is too long; the limit is '" +
                      std::to_string(kMaxConditionValueLength) + "'");
}

}  // namespace

json normalize_actions(Call& c, const json& actions, const json& lb, const std::string& protocol,
                       const std::string& member) {
  std::string lb_type = lb.value("Type", "application");
  if (actions.empty()) throw AwsError("ValidationError", "At least one action must be specified");
  bool all_ordered = std::all_of(actions.begin(), actions.end(),
                                 [](const json& a) { return a.contains("Order"); });
  if (actions.size() > 1 && !all_ordered)
    throw AwsError("ValidationError",
                   "An order must be specified for every action when there is more than one "
                   "action");
  json out = json::array();
  std::set<std::int64_t> orders;
  std::size_t i = 0;
  for (auto& a : actions) {
    ++i;
    std::string m = member + "." + std::to_string(i);
    std::string type = a.value("Type", "");
    if (lb_type != "application" && type != "forward")
      throw AwsError("InvalidLoadBalancerAction",
                     "Action type '" + type + "' is only supported by Application Load Balancers");
    std::int64_t order = a.value("Order", static_cast<std::int64_t>(i));
    check_range(order, 1, 50000, m + ".member.order");
    if (!orders.insert(order).second)
      throw AwsError("ValidationError",
                     "Action order '" + std::to_string(order) + "' is used more than once");
    json n;
    if (type == "forward") {
      n = forward(c, a, lb, protocol, m);
    } else if (type == "redirect") {
      n = {{"Type", type}, {"RedirectConfig", redirect(a, protocol, m)}};
    } else if (type == "fixed-response") {
      n = {{"Type", type}, {"FixedResponseConfig", fixed_response(a, m)}};
    } else {
      // authenticate-oidc, authenticate-cognito, jwt-validation: HTTPS listeners only; their
      // identity providers are outside zonesim, so the configuration is kept as given.
      if (protocol != "HTTPS")
        throw AwsError("InvalidLoadBalancerAction",
                       "Action type '" + type + "' is only supported on HTTPS listeners");
      static const std::map<std::string, std::string> kConfigs = {
          {"authenticate-oidc", "AuthenticateOidcConfig"},
          {"authenticate-cognito", "AuthenticateCognitoConfig"},
          {"jwt-validation", "JwtValidationConfig"}};
      const std::string& cfg = kConfigs.at(type);
      if (!a.contains(cfg))
        throw AwsError("ValidationError",
                       "A '" + cfg + "' must be specified for an action of type '" + type + "'");
      n = {{"Type", type}, {cfg, a[cfg]}};
    }
    n["Order"] = order;
    out.push_back(n);
  }
  std::sort(out.begin(), out.end(),
            [](const json& a, const json& b) { return a["Order"] < b["Order"]; });
  std::size_t terminals = 0;
  for (auto& a : out) terminals += terminal(a.value("Type", "")) ? 1 : 0;
  if (terminals != 1 || !terminal(out.back().value("Type", "")))
    throw AwsError("InvalidLoadBalancerAction",
                   "The last action must be the only forward, redirect or fixed-response action");
  return out;
}

json normalize_conditions(const json& conditions) {
  static const std::vector<std::string> kFields = {"http-header",  "http-request-method",
                                                   "host-header",  "path-pattern",
                                                   "query-string", "source-ip"};
  static const std::map<std::string, std::string> kConfig = {
      {"http-header", "HttpHeaderConfig"},   {"http-request-method", "HttpRequestMethodConfig"},
      {"host-header", "HostHeaderConfig"},   {"path-pattern", "PathPatternConfig"},
      {"query-string", "QueryStringConfig"}, {"source-ip", "SourceIpConfig"}};
  if (conditions.empty()) condition_error("A rule must have at least one condition");
  json out = json::array();
  std::set<std::string> singles;
  std::size_t total_values = 0;
  for (auto& cond : conditions) {
    std::string field = cond.value("Field", "");
    if (std::find(kFields.begin(), kFields.end(), field) == kFields.end()) {
      std::string list;
      for (auto& f : kFields) list += (list.empty() ? "" : ", ") + f;
      condition_error("Condition field '" + field + "' must be one of '[" + list + "]'");
    }
    const std::string& cfg_name = kConfig.at(field);
    for (auto& [k, v] : kConfig)
      if (k != field && cond.contains(v))
        condition_error("'" + v + "' cannot be specified for a condition of type '" + field + "'");
    bool has_values = cond.contains("Values") && !cond["Values"].empty();
    bool has_config = cond.contains(cfg_name);
    if (cond.contains("Values") && field != "host-header" && field != "path-pattern")
      condition_error("The 'Values' field is not compatible with '" + field + "'");
    if (has_values && has_config)
      condition_error("You cannot provide both Values and '" + cfg_name +
                      "' for a condition of type '" + field + "'");
    if (field != "http-header" && field != "query-string" && !singles.insert(field).second)
      condition_error("A rule can only have one '" + field + "' condition");
    json n = {{"Field", field}};
    if (field == "host-header" || field == "path-pattern") {
      std::vector<std::string> values;
      std::vector<std::string> regex;
      if (has_values) {
        values = string_values(cond["Values"]);
        if (values.size() > 1)
          condition_error("The '" + field + "' field contains too many values; the limit is '1'");
      } else if (has_config) {
        values = string_values(cond[cfg_name].value("Values", json::array()));
        regex = string_values(cond[cfg_name].value("RegexValues", json::array()));
      }
      if (cond.contains("RegexValues")) regex = string_values(cond["RegexValues"]);
      if (values.empty() && regex.empty()) condition_error("A condition value must be specified");
      check_values_length(values, field);
      check_values_length(regex, field);
      total_values += values.size() + regex.size();
      json config = json::object();
      if (!values.empty()) {
        n["Values"] = values;
        config["Values"] = values;
      }
      if (!regex.empty()) config["RegexValues"] = regex;
      n[cfg_name] = config;
    } else if (!has_config) {
      condition_error("A '" + cfg_name + "' must be specified with '" + field + "'");
    } else if (field == "http-header") {
      const json& c = cond[cfg_name];
      std::string name = c.value("HttpHeaderName", "");
      if (name.empty()) condition_error("An 'HttpHeaderName' must be specified");
      if (name.size() > kMaxHeaderNameLength)
        condition_error("The 'HttpHeaderName' value is too long; the limit is '40'");
      std::string lower = name;
      std::transform(lower.begin(), lower.end(), lower.begin(),
                     [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
      if (lower == "host")
        condition_error("Use a 'host-header' condition to match the host header");
      auto values = string_values(c.value("Values", json::array()));
      auto regex = string_values(c.value("RegexValues", json::array()));
      if (values.empty() && regex.empty()) condition_error("A condition value must be specified");
      check_values_length(values, field);
      total_values += values.size() + regex.size();
      json config = {{"HttpHeaderName", name}};
      if (!values.empty()) config["Values"] = values;
      if (!regex.empty()) config["RegexValues"] = regex;
      n[cfg_name] = config;
    } else if (field == "http-request-method") {
      auto values = string_values(cond[cfg_name].value("Values", json::array()));
      if (values.empty()) condition_error("A condition value must be specified");
      static const std::regex kMethod("^[A-Z_-]+$");
      for (auto& v : values) {
        if (v.size() > kMaxHeaderNameLength)
          condition_error("The 'http-request-method' value is too long; the limit is '40'");
        if (!std::regex_match(v, kMethod))
          condition_error(
              "The 'http-request-method' value is invalid; the allowed characters are A-Z, "
              "hyphen and underscore");
      }
      total_values += values.size();
      n[cfg_name] = {{"Values", values}};
    } else if (field == "query-string") {
      json pairs = json::array();
      for (auto& kv : cond[cfg_name].value("Values", json::array())) {
        if (!kv.contains("Value"))
          condition_error("A 'Value' must be specified in 'QueryStringKeyValuePair'");
        if (kv.contains("Key") && kv["Key"].get<std::string>().size() > kMaxConditionValueLength)
          condition_error("The 'Key' value is too long; the limit is '128'");
        if (kv["Value"].get<std::string>().size() > kMaxConditionValueLength)
          condition_error("The 'Value' value is too long; the limit is '128'");
        json p = {{"Value", kv["Value"]}};
        if (kv.contains("Key")) p["Key"] = kv["Key"];
        pairs.push_back(p);
      }
      if (pairs.empty()) condition_error("A condition value must be specified");
      total_values += pairs.size();
      n[cfg_name] = {{"Values", pairs}};
    } else {  // source-ip
      auto values = string_values(cond[cfg_name].value("Values", json::array()));
      if (values.empty()) condition_error("A 'source-ip' value must be specified");
      for (auto& v : values)
        if (!valid_cidr(v))
          condition_error("The 'source-ip' value '" + v + "' is not a valid CIDR block");
      total_values += values.size();
      n[cfg_name] = {{"Values", values}};
    }
    out.push_back(n);
  }
  if (total_values > kMaxConditionValuesPerRule)
    condition_error("A rule can only have '" + std::to_string(kMaxConditionValuesPerRule) +
                    "' condition values");
  return out;
}

}  // namespace zonesim::elbv2
