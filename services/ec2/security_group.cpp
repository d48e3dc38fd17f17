// Security groups and their rules. Each rule (one protocol/port range to one peer) is its own
// document (kind "security-group-rule", the SecurityGroupRule shape); a group's IpPermissions and
// IpPermissionsEgress are rebuilt from its rules whenever they change, so the group document stays
// what DescribeSecurityGroups returns.
#include "services/ec2/security_group.hpp"

#include <algorithm>
#include <cctype>
#include <optional>

#include "services/ec2/cidr.hpp"
#include "services/ec2/describe.hpp"
#include "services/ec2/tags.hpp"

namespace zonesim::ec2 {

namespace {

constexpr std::size_t kMaxRulesPerDirection = 60;  // AWS's default quota per group and direction
constexpr std::size_t kMaxNameLength = 255;
constexpr std::size_t kMaxDescriptionLength = 255;
// What EC2 answers when a group is named without a VPC: only a default VPC could resolve it, and
// zonesim creates none.
constexpr const char* kNoDefaultVpc = "No default VPC for this user";
constexpr const char* kNoDefaultVpcForName =
    "No default VPC for this user. GroupName is only supported for EC2-Classic and default VPC.";

// ---- one rule, as a request states it ----

struct RuleSpec {
  std::string protocol;  // "tcp", "udp", "icmp", "icmpv6", "-1" or a protocol number
  std::optional<std::int64_t> from, to;  // absent where the protocol has no ports
  std::string peer_member;               // CidrIpv4 | CidrIpv6 | PrefixListId | ReferencedGroupInfo
  std::string peer;                      // the CIDR, prefix list id or group id
  std::optional<std::string> description;
};

bool has_ports(const std::string& protocol) {
  return protocol == "tcp" || protocol == "udp" || protocol == "icmp" || protocol == "icmpv6";
}

std::string normalize_protocol(const json& v) {
  std::string p = v.get<std::string>();
  std::transform(p.begin(), p.end(), p.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (p == "-1" || p == "tcp" || p == "udp" || p == "icmp" || p == "icmpv6") return p;
  bool digits = !p.empty() && p.size() <= 3 && std::all_of(p.begin(), p.end(), [](unsigned char c) {
    return std::isdigit(c) != 0;
  });
  if (digits && std::stoi(p) <= 255) {
    // AWS stores the well-known numbers under their names.
    int n = std::stoi(p);
    if (n == 6) return "tcp";
    if (n == 17) return "udp";
    if (n == 1) return "icmp";
    if (n == 58) return "icmpv6";
    return std::to_string(n);
  }
  invalid_parameter("Invalid value '" + v.get<std::string>() +
                    "' for IP protocol. Unknown protocol.");
}

void check_description(const std::string& d) {
  static const std::string kAllowed =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ._-:/()#,@[]+=&;{}!$*";
  if (d.size() > kMaxDescriptionLength || d.find_first_not_of(kAllowed) != std::string::npos)
    invalid_parameter(
        "Invalid rule description. Valid descriptions are strings less than 256 "
        "characters from the following set:  a-zA-Z0-9. _-:/()#,@[]+=&;{}!$*");
}

std::optional<std::string> description_of(const json& item) {
  if (!item.contains("Description")) return std::nullopt;
  std::string d = item["Description"].get<std::string>();
  check_description(d);
  return d;
}

// Finds a group of `vpc_id` by name (how GroupName names a peer or a source group).
const json* group_by_name(const Call& call, const std::string& vpc_id, const std::string& name) {
  for (auto& [id, g] : call.env.store.list(call.scope(), kSecurityGroup.kind))
    if (str(*g, "VpcId") == vpc_id && str(*g, "GroupName") == name) return g;
  return nullptr;
}

// The rules an IpPermission (or the request's flat members) asks for.
void expand_permission(const Call& call, const json& group, const json& perm,
                       std::vector<RuleSpec>& out) {
  if (!perm.contains("IpProtocol"))
    throw AwsError("MissingParameter", "The request must contain the parameter ipProtocol");
  RuleSpec base;
  base.protocol = normalize_protocol(perm["IpProtocol"]);
  if (has_ports(base.protocol)) {
    bool icmp = base.protocol == "icmp" || base.protocol == "icmpv6";
    if (!perm.contains("FromPort") || !perm.contains("ToPort"))
      invalid_parameter(icmp ? "Invalid value 'Must specify both from and to ports with ICMP.' "
                               "for portRange"
                             : "Invalid value 'Must specify both from and to ports with TCP/UDP.' "
                               "for portRange");
    std::int64_t from = perm["FromPort"].get<std::int64_t>();
    std::int64_t to = perm["ToPort"].get<std::int64_t>();
    if (icmp) {
      if (from < -1 || from > 255 || to < -1 || to > 255)
        invalid_parameter("Invalid value '" + std::to_string(from) + "' for ICMP type or '" +
                          std::to_string(to) + "' for ICMP code");
    } else if (from < 0 || to > 65535 || from > to) {
      invalid_parameter("Invalid TCP/UDP port range " + std::to_string(from) + "-" +
                        std::to_string(to));
    }
    base.from = from;
    base.to = to;
  }
  for (auto& r : perm.value("IpRanges", json::array())) {
    std::string cidr = r.value("CidrIp", "");
    auto c = parse_cidr4(cidr);
    if (!c || !c->canonical()) invalid_parameter("CIDR block " + cidr + " is malformed");
    RuleSpec s = base;
    s.peer_member = "CidrIpv4";
    s.peer = cidr;
    s.description = description_of(r);
    out.push_back(std::move(s));
  }
  for (auto& r : perm.value("Ipv6Ranges", json::array())) {
    std::string cidr = r.value("CidrIpv6", "");
    auto c = parse_cidr6(cidr);
    if (!c || !c->canonical()) invalid_parameter("CIDR block " + cidr + " is malformed");
    RuleSpec s = base;
    s.peer_member = "CidrIpv6";
    s.peer = c->str();
    s.description = description_of(r);
    out.push_back(std::move(s));
  }
  for (auto& r : perm.value("PrefixListIds", json::array())) {
    std::string pl = r.value("PrefixListId", "");
    if (pl.rfind("pl-", 0) != 0)
      throw AwsError("InvalidPrefixListId.Malformed",
                     "Invalid id: \"" + pl + "\" (expecting \"pl-...\")");
    RuleSpec s = base;
    s.peer_member = "PrefixListId";
    s.peer = pl;
    s.description = description_of(r);
    out.push_back(std::move(s));
  }
  for (auto& r : perm.value("UserIdGroupPairs", json::array())) {
    std::string gid;
    if (r.contains("GroupId")) {
      gid = r["GroupId"].get<std::string>();
      const json& peer = require(call, kSecurityGroup, gid);
      if (str(peer, "VpcId") != str(group, "VpcId"))
        throw AwsError("InvalidGroup.NotFound",
                       "You have specified two resources that belong to different networks.");
    } else if (r.contains("GroupName")) {
      std::string name = r["GroupName"].get<std::string>();
      const json* g = group_by_name(call, str(group, "VpcId"), name);
      if (!g)
        throw AwsError("InvalidGroup.NotFound", "The security group '" + name +
                                                    "' does not exist in VPC '" +
                                                    str(group, "VpcId") + "'");
      gid = str(*g, "GroupId");
    } else {
      throw AwsError("MissingParameter",
                     "The request must contain the parameter groupId or groupName");
    }
    RuleSpec s = base;
    s.peer_member = "ReferencedGroupInfo";
    s.peer = gid;
    s.description = description_of(r);
    out.push_back(std::move(s));
  }
}

std::vector<RuleSpec> requested_rules(const Call& call, const json& group) {
  const json& in = call.input;
  std::vector<RuleSpec> out;
  for (auto& perm : in.value("IpPermissions", json::array()))
    expand_permission(call, group, perm, out);
  // The older flat form: one protocol/port range to one CIDR or one source group.
  if (in.contains("IpProtocol") || in.contains("CidrIp") ||
      in.contains("SourceSecurityGroupName")) {
    json perm = {{"IpProtocol", in.value("IpProtocol", "-1")}};
    if (in.contains("FromPort")) perm["FromPort"] = in["FromPort"];
    if (in.contains("ToPort")) perm["ToPort"] = in["ToPort"];
    if (in.contains("CidrIp")) perm["IpRanges"] = json::array({{{"CidrIp", in["CidrIp"]}}});
    if (in.contains("SourceSecurityGroupName"))
      perm["UserIdGroupPairs"] = json::array({{{"GroupName", in["SourceSecurityGroupName"]}}});
    expand_permission(call, group, perm, out);
  }
  if (out.empty())
    throw AwsError("MissingParameter", "The request must contain the parameter ipPermissions");
  return out;
}

// ---- rules as stored ----

bool same_rule(const json& rule, bool egress, const RuleSpec& s) {
  if (rule.value("IsEgress", false) != egress || str(rule, "IpProtocol") != s.protocol)
    return false;
  if (s.from && (rule.value("FromPort", std::int64_t{-1}) != *s.from ||
                 rule.value("ToPort", std::int64_t{-1}) != *s.to))
    return false;
  if (s.peer_member == "ReferencedGroupInfo")
    return rule.contains("ReferencedGroupInfo") &&
           str(rule["ReferencedGroupInfo"], "GroupId") == s.peer;
  return str(rule, s.peer_member.c_str()) == s.peer;
}

// AWS's wording of a rule in InvalidPermission.Duplicate.
std::string rule_text(const RuleSpec& s) {
  std::string proto = s.protocol == "-1" ? "ALL" : s.protocol;
  std::transform(proto.begin(), proto.end(), proto.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  std::string t = "peer: " + s.peer + ", " + proto;
  if (s.protocol == "icmp" || s.protocol == "icmpv6")
    t += ", type: " + std::to_string(*s.from) + ", code: " + std::to_string(*s.to);
  else if (s.from)
    t += ", from port: " + std::to_string(*s.from) + ", to port: " + std::to_string(*s.to);
  return t + ", ALLOW";
}

std::vector<const json*> rules_of(const Call& call, const json& group) {
  std::vector<const json*> out;
  for (auto& id : group.value("_rules", json::array()))
    if (const json* r =
            call.env.store.get(call.scope(), kSecurityGroupRule.kind, id.get<std::string>()))
      out.push_back(r);
  return out;
}

// IpPermissions / IpPermissionsEgress from the rules: one permission per protocol and port range,
// in the order the ranges first appeared.
void rebuild_permissions(Call& call, const std::string& group_id) {
  json& group = *call.env.store.get_mut(call.scope(), kSecurityGroup.kind, group_id);
  json ingress = json::array(), egress = json::array();
  for (const json* r : rules_of(call, group)) {
    json& perms = r->value("IsEgress", false) ? egress : ingress;
    std::string proto = str(*r, "IpProtocol");
    bool ports = has_ports(proto);
    json* perm = nullptr;
    for (auto& p : perms)
      if (p["IpProtocol"] == proto &&
          (!ports || (p["FromPort"] == (*r)["FromPort"] && p["ToPort"] == (*r)["ToPort"])))
        perm = &p;
    if (!perm) {
      json p = {{"IpProtocol", proto},
                {"IpRanges", json::array()},
                {"Ipv6Ranges", json::array()},
                {"PrefixListIds", json::array()},
                {"UserIdGroupPairs", json::array()}};
      if (ports) {
        p["FromPort"] = (*r)["FromPort"];
        p["ToPort"] = (*r)["ToPort"];
      }
      perms.push_back(std::move(p));
      perm = &perms.back();
    }
    json item;
    if (r->contains("CidrIpv4")) {
      item = {{"CidrIp", (*r)["CidrIpv4"]}};
      if (r->contains("Description")) item["Description"] = (*r)["Description"];
      (*perm)["IpRanges"].push_back(std::move(item));
    } else if (r->contains("CidrIpv6")) {
      item = {{"CidrIpv6", (*r)["CidrIpv6"]}};
      if (r->contains("Description")) item["Description"] = (*r)["Description"];
      (*perm)["Ipv6Ranges"].push_back(std::move(item));
    } else if (r->contains("PrefixListId")) {
      item = {{"PrefixListId", (*r)["PrefixListId"]}};
      if (r->contains("Description")) item["Description"] = (*r)["Description"];
      (*perm)["PrefixListIds"].push_back(std::move(item));
    } else if (r->contains("ReferencedGroupInfo")) {
      const json& ref = (*r)["ReferencedGroupInfo"];
      item = {{"GroupId", ref["GroupId"]}, {"UserId", ref["UserId"]}};
      if (r->contains("Description")) item["Description"] = (*r)["Description"];
      (*perm)["UserIdGroupPairs"].push_back(std::move(item));
    }
  }
  group["IpPermissions"] = std::move(ingress);
  group["IpPermissionsEgress"] = std::move(egress);
}

json add_rule(Call& call, const std::string& group_id, bool egress, const RuleSpec& s,
              const json& tags) {
  std::string id = new_id(call, kSecurityGroupRule.prefix);
  json rule = {{"SecurityGroupRuleId", id},
               {"SecurityGroupRuleArn", arn(call, "security-group-rule/" + id)},
               {"GroupId", group_id},
               {"GroupOwnerId", call.account},
               {"IsEgress", egress},
               {"IpProtocol", s.protocol},
               // The rules API reports -1 for "all ports"; IpPermissions leaves them out.
               {"FromPort", s.from.value_or(-1)},
               {"ToPort", s.to.value_or(-1)},
               {"Tags", tags}};
  if (s.peer_member == "ReferencedGroupInfo")
    rule["ReferencedGroupInfo"] = {{"GroupId", s.peer}, {"UserId", call.account}};
  else
    rule[s.peer_member] = s.peer;
  if (s.description) rule["Description"] = *s.description;
  call.env.store.put(call.scope(), kSecurityGroupRule.kind, id, rule);
  (*call.env.store.get_mut(call.scope(), kSecurityGroup.kind, group_id))["_rules"].push_back(id);
  return rule;
}

bool vpc_has_ipv6(const Call& call, const std::string& vpc_id) {
  const json* vpc = call.env.store.get(call.scope(), kVpc.kind, vpc_id);
  return vpc && !vpc->value("Ipv6CidrBlockAssociationSet", json::array()).empty();
}

RuleSpec all_traffic(const char* peer_member, const std::string& peer) {
  RuleSpec s;
  s.protocol = "-1";
  s.peer_member = peer_member;
  s.peer = peer;
  return s;
}

json new_group(Call& call, const std::string& id, const std::string& name,
               const std::string& description, const std::string& vpc_id, json tags) {
  return {{"GroupId", id},
          {"GroupName", name},
          {"Description", description},
          {"VpcId", vpc_id},
          {"OwnerId", call.account},
          {"SecurityGroupArn", arn(call, "security-group/" + id)},
          {"IpPermissions", json::array()},
          {"IpPermissionsEgress", json::array()},
          {"Tags", std::move(tags)},
          {"_rules", json::array()}};
}

// ---- operations ----

void check_group_text(const char* parameter, const std::string& v) {
  bool ascii =
      std::all_of(v.begin(), v.end(), [](unsigned char c) { return c >= 0x20 && c < 0x7f; });
  if (!ascii)
    invalid_parameter("Value (" + v + ") for parameter " + parameter +
                      " is invalid. Character sets beyond ASCII are not supported.");
  if (v.size() > kMaxNameLength)
    invalid_parameter("Value (" + v + ") for parameter " + parameter +
                      " is invalid. Length exceeds maximum of 255 characters.");
}

json create_security_group(Call& call) {
  const json& in = call.input;
  std::string name = in["GroupName"].get<std::string>();
  std::string description = in["Description"].get<std::string>();
  if (!in.contains("VpcId")) throw AwsError("VPCIdNotSpecified", kNoDefaultVpc);
  std::string vpc_id = in["VpcId"].get<std::string>();
  check_group_text("GroupName", name);
  check_group_text("GroupDescription", description);
  if (name.empty())
    invalid_parameter(
        "Value () for parameter groupName is invalid. Empty group names are not "
        "allowed.");
  if (name.rfind("sg-", 0) == 0)
    invalid_parameter("Value (" + name +
                      ") for parameter GroupName is invalid. Group names may not be in the "
                      "format sg-*.");
  if (name == "default")
    throw AwsError("InvalidGroup.Reserved", "The security group 'default' is reserved");
  require(call, kVpc, vpc_id);
  if (group_by_name(call, vpc_id, name))
    throw AwsError("InvalidGroup.Duplicate",
                   "The security group '" + name + "' already exists for VPC '" + vpc_id + "'");
  json tags = tags_from_specifications(in, "security-group");
  std::string id = new_id(call, kSecurityGroup.prefix);
  call.env.store.put(call.scope(), kSecurityGroup.kind, id,
                     new_group(call, id, name, description, vpc_id, tags));
  // Every new group may send anywhere until told otherwise.
  add_rule(call, id, true, all_traffic("CidrIpv4", "0.0.0.0/0"), json::array());
  if (vpc_has_ipv6(call, vpc_id))
    add_rule(call, id, true, all_traffic("CidrIpv6", "::/0"), json::array());
  rebuild_permissions(call, id);
  json out = {{"GroupId", id}, {"SecurityGroupArn", arn(call, "security-group/" + id)}};
  if (!tags.empty()) out["Tags"] = tags;
  return out;
}

// The group an Authorize/Revoke/Delete names by GroupId, or by GroupName (default VPC only).
std::string target_group(const Call& call) {
  const json& in = call.input;
  if (in.contains("GroupId")) {
    std::string id = in["GroupId"].get<std::string>();
    require(call, kSecurityGroup, id);
    return id;
  }
  if (in.contains("GroupName")) throw AwsError("VPCIdNotSpecified", kNoDefaultVpcForName);
  throw AwsError("MissingParameter", "The request must contain the parameter groupName or groupId");
}

json authorize(Call& call, bool egress) {
  std::string group_id = target_group(call);
  const json& group = *call.env.store.get(call.scope(), kSecurityGroup.kind, group_id);
  std::vector<RuleSpec> specs = requested_rules(call, group);
  json tags = tags_from_specifications(call.input, "security-group-rule");
  std::vector<const json*> existing = rules_of(call, group);
  for (std::size_t i = 0; i < specs.size(); ++i) {
    bool dup = std::any_of(existing.begin(), existing.end(),
                           [&](const json* r) { return same_rule(*r, egress, specs[i]); });
    for (std::size_t j = 0; j < i && !dup; ++j) {
      json probe = {{"IsEgress", egress}, {"IpProtocol", specs[j].protocol}};
      if (specs[j].from) probe.update({{"FromPort", *specs[j].from}, {"ToPort", *specs[j].to}});
      if (specs[j].peer_member == "ReferencedGroupInfo")
        probe["ReferencedGroupInfo"] = {{"GroupId", specs[j].peer}};
      else
        probe[specs[j].peer_member] = specs[j].peer;
      dup = same_rule(probe, egress, specs[i]);
    }
    if (dup)
      throw AwsError("InvalidPermission.Duplicate",
                     "the specified rule \"" + rule_text(specs[i]) + "\" already exists");
  }
  std::size_t count =
      static_cast<std::size_t>(std::count_if(existing.begin(), existing.end(), [&](const json* r) {
        return r->value("IsEgress", false) == egress;
      }));
  if (count + specs.size() > kMaxRulesPerDirection)
    throw AwsError("RulesPerSecurityGroupLimitExceeded",
                   "The maximum number of rules per security group has been reached.");
  json created = json::array();
  for (auto& s : specs) created.push_back(presented(add_rule(call, group_id, egress, s, tags)));
  rebuild_permissions(call, group_id);
  return {{"Return", true}, {"SecurityGroupRules", std::move(created)}};
}

json revoked_entry(const json& rule) {
  json e = {{"SecurityGroupRuleId", rule["SecurityGroupRuleId"]},
            {"GroupId", rule["GroupId"]},
            {"IsEgress", rule["IsEgress"]},
            {"IpProtocol", rule["IpProtocol"]},
            {"FromPort", rule["FromPort"]},
            {"ToPort", rule["ToPort"]}};
  for (const char* m : {"CidrIpv4", "CidrIpv6", "PrefixListId", "Description"})
    if (rule.contains(m)) e[m] = rule[m];
  if (rule.contains("ReferencedGroupInfo"))
    e["ReferencedGroupId"] = rule["ReferencedGroupInfo"]["GroupId"];
  return e;
}

json revoke(Call& call, bool egress) {
  std::string group_id = target_group(call);
  const json& group = *call.env.store.get(call.scope(), kSecurityGroup.kind, group_id);
  std::vector<std::string> doomed;
  if (call.input.contains("SecurityGroupRuleIds")) {
    for (auto& v : call.input["SecurityGroupRuleIds"]) {
      std::string id = v.get<std::string>();
      const json* r = call.env.store.get(call.scope(), kSecurityGroupRule.kind, id);
      if (!r || str(*r, "GroupId") != group_id || r->value("IsEgress", false) != egress)
        throw_not_found(kSecurityGroupRule, {id});
      doomed.push_back(id);
    }
  } else {
    // In a non-default VPC a rule that does not exist fails the whole request.
    std::vector<const json*> existing = rules_of(call, group);
    for (auto& s : requested_rules(call, group)) {
      auto it = std::find_if(existing.begin(), existing.end(),
                             [&](const json* r) { return same_rule(*r, egress, s); });
      if (it == existing.end())
        throw AwsError("InvalidPermission.NotFound",
                       "The specified rule does not exist in this security group.");
      doomed.push_back(str(**it, "SecurityGroupRuleId"));
    }
  }
  json revoked = json::array();
  json& g = *call.env.store.get_mut(call.scope(), kSecurityGroup.kind, group_id);
  for (auto& id : doomed) {
    const json* r = call.env.store.get(call.scope(), kSecurityGroupRule.kind, id);
    if (!r) continue;  // named twice
    revoked.push_back(revoked_entry(*r));
    call.env.store.erase(call.scope(), kSecurityGroupRule.kind, id);
    json kept = json::array();
    for (auto& rid : g["_rules"])
      if (rid != id) kept.push_back(rid);
    g["_rules"] = std::move(kept);
  }
  rebuild_permissions(call, group_id);
  return {{"Return", true}, {"RevokedSecurityGroupRules", std::move(revoked)}};
}

json authorize_ingress(Call& call) {
  return authorize(call, false);
}
json authorize_egress(Call& call) {
  return authorize(call, true);
}
json revoke_ingress(Call& call) {
  return revoke(call, false);
}
json revoke_egress(Call& call) {
  return revoke(call, true);
}

json delete_security_group(Call& call) {
  std::string id = target_group(call);
  const json& group = *call.env.store.get(call.scope(), kSecurityGroup.kind, id);
  if (str(group, "GroupName") == "default")
    throw AwsError("CannotDelete", "the specified group: \"" + id +
                                       "\" name: \"default\" cannot be deleted by a user");
  auto dependent = [&] {
    return AwsError("DependencyViolation", "resource " + id + " has a dependent object");
  };
  for (auto& [rid, r] : call.env.store.list(call.scope(), kSecurityGroupRule.kind))
    if (str(*r, "GroupId") != id && r->contains("ReferencedGroupInfo") &&
        str((*r)["ReferencedGroupInfo"], "GroupId") == id)
      throw dependent();
  for (auto& [eid, e] : call.env.store.list(call.scope(), kNetworkInterface.kind))
    for (auto& g : e->value("Groups", json::array()))
      if (g.value("GroupId", "") == id) throw dependent();
  erase_security_group(call, id);
  return {{"Return", true}, {"GroupId", id}};
}

const Filters& group_filters() {
  static const Filters filters = [] {
    Filters f;
    f.add("group-id", "GroupId")
        .add("group-name", "GroupName")
        .add("description", "Description")
        .add("vpc-id", "VpcId")
        .add("owner-id", "OwnerId");
    for (auto [prefix, member] : {std::pair{"ip-permission.", "IpPermissions"},
                                  std::pair{"egress.ip-permission.", "IpPermissionsEgress"}}) {
      std::string p = prefix, m = std::string(member) + "[].";
      f.add(p + "cidr", m + "IpRanges[].CidrIp")
          .add(p + "ipv6-cidr", m + "Ipv6Ranges[].CidrIpv6")
          .add(p + "prefix-list-id", m + "PrefixListIds[].PrefixListId")
          .add(p + "group-id", m + "UserIdGroupPairs[].GroupId")
          .add(p + "group-name", m + "UserIdGroupPairs[].GroupName")
          .add(p + "user-id", m + "UserIdGroupPairs[].UserId")
          .add(p + "protocol", m + "IpProtocol")
          .add(p + "from-port", m + "FromPort")
          .add(p + "to-port", m + "ToPort");
    }
    return f;
  }();
  return filters;
}

json describe_security_groups(Call& call) {
  if (call.input.contains("GroupNames") && !call.input["GroupNames"].empty())
    throw AwsError("VPCIdNotSpecified", kNoDefaultVpc);
  return listing_output("SecurityGroups",
                        describe(call, kSecurityGroup, "GroupIds", group_filters()));
}

json describe_security_group_rules(Call& call) {
  static const Filters f =
      Filters().add("group-id", "GroupId").add("security-group-rule-id", "SecurityGroupRuleId");
  return listing_output("SecurityGroupRules",
                        describe(call, kSecurityGroupRule, "SecurityGroupRuleIds", f));
}

}  // namespace

std::string create_default_security_group(Call& call, const std::string& vpc_id) {
  std::string id = new_id(call, kSecurityGroup.prefix);
  call.env.store.put(
      call.scope(), kSecurityGroup.kind, id,
      new_group(call, id, "default", "default VPC security group", vpc_id, json::array()));
  // Members of the group reach each other; everything may go out.
  add_rule(call, id, false, all_traffic("ReferencedGroupInfo", id), json::array());
  add_rule(call, id, true, all_traffic("CidrIpv4", "0.0.0.0/0"), json::array());
  if (vpc_has_ipv6(call, vpc_id))
    add_rule(call, id, true, all_traffic("CidrIpv6", "::/0"), json::array());
  rebuild_permissions(call, id);
  return id;
}

std::vector<std::string> non_default_security_groups(const Call& call, const std::string& vpc_id) {
  std::vector<std::string> out;
  for (auto& [id, g] : call.env.store.list(call.scope(), kSecurityGroup.kind))
    if (str(*g, "VpcId") == vpc_id && str(*g, "GroupName") != "default") out.push_back(id);
  return out;
}

void erase_security_group(Call& call, const std::string& group_id) {
  const json* g = call.env.store.get(call.scope(), kSecurityGroup.kind, group_id);
  if (!g) return;
  for (auto& rid : g->value("_rules", json::array()))
    call.env.store.erase(call.scope(), kSecurityGroupRule.kind, rid.get<std::string>());
  call.env.store.erase(call.scope(), kSecurityGroup.kind, group_id);
}

void register_security_group(Registry& r) {
  add(r, "CreateSecurityGroup", create_security_group);
  add(r, "DescribeSecurityGroups", describe_security_groups);
  add(r, "DescribeSecurityGroupRules", describe_security_group_rules);
  add(r, "AuthorizeSecurityGroupIngress", authorize_ingress);
  add(r, "AuthorizeSecurityGroupEgress", authorize_egress);
  add(r, "RevokeSecurityGroupIngress", revoke_ingress);
  add(r, "RevokeSecurityGroupEgress", revoke_egress);
  add(r, "DeleteSecurityGroup", delete_security_group);
}

}  // namespace zonesim::ec2
