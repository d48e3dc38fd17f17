// Listeners: create/describe/modify/delete and listener attributes. Each listener has a default
// rule (its DefaultActions), which DescribeRules lists last with Priority "default".
#include <algorithm>
#include <set>

#include "services/elbv2/actions.hpp"
#include "services/elbv2/attributes.hpp"
#include "services/elbv2/common.hpp"

namespace zonesim::elbv2 {

namespace {

const char* kDefaultSslPolicy = "ELBSecurityPolicy-TLS13-1-2-2021-06";

// Elastic Load Balancing's predefined security policies.
const std::set<std::string>& ssl_policies() {
  static const std::set<std::string> kPolicies = {
      "ELBSecurityPolicy-TLS13-1-2-2021-06",
      "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
      "ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06",
      "ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06",
      "ELBSecurityPolicy-TLS13-1-1-2021-06",
      "ELBSecurityPolicy-TLS13-1-0-2021-06",
      "ELBSecurityPolicy-TLS13-1-3-2021-06",
      "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04",
      "ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04",
      "ELBSecurityPolicy-TLS13-1-2-PQ-2025-09",
      "ELBSecurityPolicy-TLS13-1-3-PQ-2025-09",
      "ELBSecurityPolicy-TLS-1-2-Ext-2018-06",
      "ELBSecurityPolicy-TLS-1-2-2017-01",
      "ELBSecurityPolicy-TLS-1-1-2017-01",
      "ELBSecurityPolicy-FS-1-2-Res-2020-10",
      "ELBSecurityPolicy-FS-1-2-Res-2019-08",
      "ELBSecurityPolicy-FS-1-2-2019-08",
      "ELBSecurityPolicy-FS-1-1-2019-08",
      "ELBSecurityPolicy-FS-2018-06",
      "ELBSecurityPolicy-2016-08",
      "ELBSecurityPolicy-2015-05",
  };
  return kPolicies;
}

const std::vector<std::string>& protocols_for(const std::string& lb_type) {
  static const std::vector<std::string> kApp = {"HTTPS", "HTTP"};
  static const std::vector<std::string> kNet = {"TCP", "TLS", "UDP", "TCP_UDP", "QUIC", "TCP_QUIC"};
  return lb_type == "application" ? kApp : kNet;
}

bool secure(const std::string& protocol) {
  return protocol == "HTTPS" || protocol == "TLS";
}

// Certificates are held by ACM or IAM, which zonesim does not emulate: an ARN of either service's
// certificate shape is accepted.
void check_certificates(const json& certs, const std::string& protocol) {
  if (certs.size() != 1)
    throw AwsError(
        "ValidationError",
        "You must provide exactly one certificate if the listener protocol is " + protocol + ".");
  for (auto& cert : certs) {
    std::string a = cert.value("CertificateArn", "");
    bool acm = a.rfind("arn:aws:acm:", 0) == 0 && a.find(":certificate/") != std::string::npos;
    bool iam =
        a.rfind("arn:aws:iam::", 0) == 0 && a.find(":server-certificate/") != std::string::npos;
    if (!acm && !iam) throw AwsError("CertificateNotFound", "Certificate '" + a + "' not found");
  }
}

json certificates_out(const json& certs) {
  json out = json::array();
  for (auto& cert : certs) out.push_back({{"CertificateArn", cert["CertificateArn"]}});
  return out;
}

// Port, protocol, TLS settings of a listener being created or modified: applies `in` onto `l`.
void apply_settings(json& l, const json& lb, const json& in, bool creating) {
  std::string lb_type = lb.value("Type", "application");
  if (lb_type == "gateway") {
    if (in.contains("Port"))
      throw AwsError("ValidationError", "A port cannot be specified for gateway listeners");
    if (in.contains("Protocol"))
      throw AwsError("ValidationError", "A protocol cannot be specified for gateway listeners");
  } else {
    if (creating && !in.contains("Port"))
      throw AwsError("ValidationError", "A listener port must be specified");
    if (creating && !in.contains("Protocol"))
      throw AwsError("ValidationError", "A listener protocol must be specified");
    if (in.contains("Port")) {
      std::int64_t port = in["Port"].get<std::int64_t>();
      check_range(port, 1, 65535, "port");
      l["Port"] = port;
    }
    if (in.contains("Protocol")) {
      std::string p = in["Protocol"].get<std::string>();
      const auto& allowed = protocols_for(lb_type);
      if (std::find(allowed.begin(), allowed.end(), p) == allowed.end()) {
        std::string list;
        for (auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
        throw AwsError("ValidationError",
                       "Listener protocol '" + p + "' must be one of '" + list + "'");
      }
      l["Protocol"] = p;
    }
  }
  std::string protocol = l.value("Protocol", "");
  if (secure(protocol)) {
    if (in.contains("Certificates") && !in["Certificates"].empty()) {
      check_certificates(in["Certificates"], protocol);
      l["Certificates"] = certificates_out(in["Certificates"]);
    }
    if (!l.contains("Certificates"))
      throw AwsError("ValidationError",
                     "A certificate must be specified for " + protocol + " listeners");
    if (in.contains("SslPolicy")) {
      std::string policy = in["SslPolicy"].get<std::string>();
      if (!ssl_policies().count(policy))
        throw AwsError("SSLPolicyNotFound", "SSL policy '" + policy + "' not found");
      l["SslPolicy"] = policy;
    }
    if (!l.contains("SslPolicy")) l["SslPolicy"] = kDefaultSslPolicy;
  } else {
    if (in.contains("Certificates") && !in["Certificates"].empty())
      throw AwsError("ValidationError",
                     "Certificates can only be specified for HTTPS and TLS "
                     "listeners");
    if (in.contains("SslPolicy"))
      throw AwsError("ValidationError",
                     "An SSL policy can only be specified for HTTPS and TLS listeners");
    // Changing HTTPS to HTTP (or TLS to TCP) removes the security policy and certificate.
    l.erase("Certificates");
    l.erase("SslPolicy");
  }
  if (in.contains("AlpnPolicy") && !in["AlpnPolicy"].empty()) {
    if (protocol != "TLS")
      throw AwsError("ValidationError", "An ALPN policy can only be specified for TLS listeners");
    if (in["AlpnPolicy"].size() != 1)
      throw AwsError("ValidationError", "You can specify only one ALPN policy");
    static const std::set<std::string> kAlpn = {"HTTP1Only", "HTTP2Only", "HTTP2Optional",
                                                "HTTP2Preferred", "None"};
    std::string policy = in["AlpnPolicy"][0].get<std::string>();
    if (!kAlpn.count(policy))
      throw AwsError("ALPNPolicyNotFound", "ALPN policy '" + policy + "' not found");
    l["AlpnPolicy"] = in["AlpnPolicy"];
  } else if (protocol != "TLS") {
    l.erase("AlpnPolicy");
  }
  if (in.contains("MutualAuthentication")) {
    if (protocol != "HTTPS")
      throw AwsError("ValidationError",
                     "Mutual authentication can only be configured for HTTPS listeners");
    l["MutualAuthentication"] = in["MutualAuthentication"];
  } else if (protocol != "HTTPS") {
    l.erase("MutualAuthentication");
  }
}

// One listener per port (a Gateway Load Balancer has a single listener).
void check_port_free(const Call& c, const json& l, const json& lb) {
  std::string lb_arn = lb.value("LoadBalancerArn", "");
  for (auto& [a, other] : c.env.store.list(c.scope(), kListenerKind)) {
    if (a == l.value("ListenerArn", "") || other->value("LoadBalancerArn", "") != lb_arn) continue;
    if (lb.value("Type", "") == "gateway" || other->value("Port", 0) == l.value("Port", 0))
      throw AwsError(
          "DuplicateListener",
          "A listener already exists on this port for this load balancer '" + lb_arn + "'");
  }
}

attributes::Defs defs_of(const json& l) {
  return attributes::listener(lb_type_of(l.value("LoadBalancerArn", "")), l.value("Protocol", ""));
}

// The public part of a listener document, for comparing two CreateListener calls.
json settings(const json& l) {
  json s = json::object();
  for (auto& [k, v] : l.items())
    if (k[0] != '_' && k != "ListenerArn") s[k] = v;
  return s;
}

void sync_groups(Call& c, const std::vector<std::string>& a, const std::vector<std::string>& b) {
  std::vector<std::string> all = a;
  for (auto& g : b)
    if (std::find(all.begin(), all.end(), g) == all.end()) all.push_back(g);
  for (auto& g : all) sync_target_group(c.env, c.scope(), g);
}

json create_listener(Call& c) {
  const json& in = c.input;
  std::string lb_arn = in.value("LoadBalancerArn", "");
  const json& lb = load_balancer(c, lb_arn);
  json l = {{"LoadBalancerArn", lb_arn}};
  apply_settings(l, lb, in, true);
  l["DefaultActions"] =
      normalize_actions(c, in["DefaultActions"], lb, l.value("Protocol", ""), "defaultActions");
  // A second CreateListener with the same settings returns the existing listener; with others
  // it is a duplicate port.
  for (auto& [a, other] : c.env.store.list(c.scope(), kListenerKind)) {
    if (other->value("LoadBalancerArn", "") != lb_arn) continue;
    if (other->value("Port", 0) != l.value("Port", 0) && lb.value("Type", "") != "gateway")
      continue;
    if (settings(*other) == settings(l)) return {{"Listeners", json::array({*other})}};
  }
  check_port_free(c, l, lb);
  std::size_t count = 0;
  for (auto& [a, other] : c.env.store.list(c.scope(), kListenerKind))
    count += other->value("LoadBalancerArn", "") == lb_arn ? 1 : 0;
  if (count >= kMaxListenersPerLoadBalancer)
    throw AwsError("TooManyListeners",
                   "You've reached the limit on the number of listeners per load balancer");
  // listener/app/<name>/<lb id>/<listener id>
  std::string lb_path = lb_arn.substr(lb_arn.find("loadbalancer/") + 13);
  std::string id = c.env.rng.hex(16);
  std::string listener_arn = arn(c, "listener/" + lb_path + "/" + id);
  l["ListenerArn"] = listener_arn;
  l["_default_rule"] = arn(c, "listener-rule/" + lb_path + "/" + id + "/" + c.env.rng.hex(16));
  l["_attributes"] = json::object();
  l["_tags"] = json::array();
  l["_default_rule_tags"] = json::array();
  add_tags(l, in.value("Tags", json::array()), "Listener");
  auto groups = forwarded_groups(l["DefaultActions"]);
  json& stored = c.env.store.put(c.scope(), kListenerKind, listener_arn, std::move(l));
  json out = {{"Listeners", json::array({stored})}};
  sync_groups(c, groups, {});
  return out;
}

json describe_listeners(Call& c) {
  const json& in = c.input;
  bool by_arn = in.contains("ListenerArns") && !in["ListenerArns"].empty();
  bool by_lb = in.contains("LoadBalancerArn");
  if (by_arn && by_lb)
    throw AwsError("ValidationError",
                   "Listener ARNs and a load balancer ARN cannot be specified at the same time");
  if (!by_arn && !by_lb)
    throw AwsError("ValidationError",
                   "You must specify either listener ARNs or a load balancer ARN");
  std::vector<json> items;
  if (by_lb) {
    std::string lb_arn = in["LoadBalancerArn"].get<std::string>();
    load_balancer(c, lb_arn);
    for (auto& [a, l] : c.env.store.list(c.scope(), kListenerKind))
      if (l->value("LoadBalancerArn", "") == lb_arn) items.push_back(*l);
  } else {
    std::set<std::string> seen;
    for (auto& a : in["ListenerArns"]) {
      std::string s = a.get<std::string>();
      const json* l = find_listener(c.env, c.scope(), s);
      if (!l) throw AwsError("ListenerNotFound", "One or more listeners not found");
      if (seen.insert(s).second) items.push_back(*l);
    }
  }
  return page(items, c, "Listeners");
}

json modify_listener(Call& c) {
  const json& in = c.input;
  std::string listener_arn = in.value("ListenerArn", "");
  json l = listener(c, listener_arn);
  const json& lb = load_balancer(c, l.value("LoadBalancerArn", ""));
  auto old_groups = forwarded_groups(l["DefaultActions"]);
  std::string old_protocol = l.value("Protocol", "");
  apply_settings(l, lb, in, false);
  check_port_free(c, l, lb);
  if (in.contains("DefaultActions") && !in["DefaultActions"].empty())
    l["DefaultActions"] =
        normalize_actions(c, in["DefaultActions"], lb, l.value("Protocol", ""), "defaultActions");
  else if (l.value("Protocol", "") != old_protocol)
    l["DefaultActions"] =
        normalize_actions(c, l["DefaultActions"], lb, l.value("Protocol", ""), "defaultActions");
  // Attributes that the new protocol does not have are dropped.
  auto defs = defs_of(l);
  json kept = json::object();
  json previous = l.value("_attributes", json::object());
  for (auto& [k, v] : previous.items()) {
    const std::string& name = k;  // (clang 14 cannot capture a structured binding)
    if (std::any_of(defs.begin(), defs.end(), [&](const auto& d) { return d.key == name; }))
      kept[k] = v;
  }
  l["_attributes"] = kept;
  auto new_groups = forwarded_groups(l["DefaultActions"]);
  json& stored = listener_mut(c, listener_arn);
  stored = l;
  sync_groups(c, old_groups, new_groups);
  return {{"Listeners", json::array({l})}};
}

json delete_listener(Call& c) {
  std::string listener_arn = c.input.value("ListenerArn", "");
  const json& l = listener(c, listener_arn);
  std::string lb_arn = l.value("LoadBalancerArn", "");
  // An Application Load Balancer registered in a target group of type alb must keep the listener
  // that the target group's port points at.
  for (auto& [a, tg] : c.env.store.list(c.scope(), kTargetGroupKind)) {
    if (tg->value("TargetType", "") != "alb") continue;
    for (auto& t : tg->value("_targets", json::array()))
      if (t.value("Id", "") == lb_arn && t.value("Port", 0) == l.value("Port", -1))
        throw AwsError("ResourceInUse", "Listener port '" + std::to_string(l.value("Port", 0)) +
                                            "' is in use by registered target '" + lb_arn +
                                            "' and cannot be removed.");
  }
  auto groups = forwarded_groups(l["DefaultActions"]);
  std::vector<std::string> rules;
  for (auto& [ra, r] : c.env.store.list(c.scope(), kRuleKind))
    if (r->value("_listener", "") == listener_arn) {
      rules.push_back(ra);
      for (auto& g : forwarded_groups(r->value("Actions", json::array())))
        if (std::find(groups.begin(), groups.end(), g) == groups.end()) groups.push_back(g);
    }
  for (auto& r : rules) c.env.store.erase(c.scope(), kRuleKind, r);
  c.env.store.erase(c.scope(), kListenerKind, listener_arn);
  sync_groups(c, groups, {});
  return json::object();
}

json describe_listener_attributes(Call& c) {
  const json& l = listener(c, c.input.value("ListenerArn", ""));
  return {{"Attributes", attributes::describe(defs_of(l), l.value("_attributes", json::object()))}};
}

json modify_listener_attributes(Call& c) {
  json& l = listener_mut(c, c.input.value("ListenerArn", ""));
  auto defs = defs_of(l);
  json after = attributes::merge(defs, l.value("_attributes", json::object()),
                                 c.input["Attributes"], "Listener");
  l["_attributes"] = after;
  return {{"Attributes", attributes::describe(defs, after)}};
}

}  // namespace

void register_listener_ops(Registry& r) {
  r.add("elbv2", "CreateListener", create_listener);
  r.add("elbv2", "DescribeListeners", describe_listeners);
  r.add("elbv2", "ModifyListener", modify_listener);
  r.add("elbv2", "DeleteListener", delete_listener);
  r.add("elbv2", "DescribeListenerAttributes", describe_listener_attributes);
  r.add("elbv2", "ModifyListenerAttributes", modify_listener_attributes);
}

}  // namespace zonesim::elbv2
