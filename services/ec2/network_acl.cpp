// Network ACLs: the default ACL of each VPC (allow everything, then the catch-all deny), the
// implicit association of every subnet with it, and DescribeNetworkAcls.
#include "services/ec2/network_acl.hpp"

#include "services/ec2/describe.hpp"

namespace zonesim::ec2 {

namespace {

// The catch-all rules that close every ACL; AWS numbers them 32767 (IPv4) and 32768 (IPv6).
constexpr int kDefaultAllowRule = 100;
constexpr int kDefaultAllowRuleIpv6 = 101;
constexpr int kCatchAllRule = 32767;
constexpr int kCatchAllRuleIpv6 = 32768;

json entry(bool egress, int rule, const char* action, const std::string& cidr, bool ipv6) {
  return {{"RuleNumber", rule},
          {"Protocol", "-1"},
          {"RuleAction", action},
          {"Egress", egress},
          {ipv6 ? "Ipv6CidrBlock" : "CidrBlock", cidr}};
}

json describe_network_acls(Call& call) {
  static const Filters f =
      Filters()
          .add("network-acl-id", "NetworkAclId")
          .add("vpc-id", "VpcId")
          .add("default", "IsDefault")
          .add("owner-id", "OwnerId")
          .add("association.association-id", "Associations[].NetworkAclAssociationId")
          .add("association.network-acl-id", "Associations[].NetworkAclId")
          .add("association.subnet-id", "Associations[].SubnetId")
          .add("entry.cidr", "Entries[].CidrBlock")
          .add("entry.ipv6-cidr", "Entries[].Ipv6CidrBlock")
          .add("entry.egress", "Entries[].Egress")
          .add("entry.protocol", "Entries[].Protocol")
          .add("entry.rule-action", "Entries[].RuleAction")
          .add("entry.rule-number", "Entries[].RuleNumber")
          .add("entry.port-range.from", "Entries[].PortRange.From")
          .add("entry.port-range.to", "Entries[].PortRange.To")
          .add("entry.icmp.code", "Entries[].IcmpTypeCode.Code")
          .add("entry.icmp.type", "Entries[].IcmpTypeCode.Type");
  return listing_output("NetworkAcls", describe(call, kNetworkAcl, "NetworkAclIds", f));
}

}  // namespace

std::string create_default_network_acl(Call& call, const std::string& vpc_id) {
  const json& vpc = require(call, kVpc, vpc_id);
  bool ipv6 = !vpc.value("Ipv6CidrBlockAssociationSet", json::array()).empty();
  json entries = json::array();
  for (bool egress : {true, false}) {
    entries.push_back(entry(egress, kDefaultAllowRule, "allow", "0.0.0.0/0", false));
    if (ipv6) entries.push_back(entry(egress, kDefaultAllowRuleIpv6, "allow", "::/0", true));
    entries.push_back(entry(egress, kCatchAllRule, "deny", "0.0.0.0/0", false));
    if (ipv6) entries.push_back(entry(egress, kCatchAllRuleIpv6, "deny", "::/0", true));
  }
  std::string id = new_id(call, kNetworkAcl.prefix);
  call.env.store.put(call.scope(), kNetworkAcl.kind, id,
                     {{"NetworkAclId", id},
                      {"VpcId", vpc_id},
                      {"IsDefault", true},
                      {"OwnerId", call.account},
                      {"Entries", std::move(entries)},
                      {"Associations", json::array()},
                      {"Tags", json::array()}});
  return id;
}

void associate_with_default_acl(Call& call, const std::string& vpc_id,
                                const std::string& subnet_id) {
  for (auto& [id, acl] : call.env.store.list(call.scope(), kNetworkAcl.kind)) {
    if (str(*acl, "VpcId") != vpc_id || !acl->value("IsDefault", false)) continue;
    json& doc = *call.env.store.get_mut(call.scope(), kNetworkAcl.kind, id);
    doc["Associations"].push_back({{"NetworkAclAssociationId", new_id(call, "aclassoc")},
                                   {"NetworkAclId", id},
                                   {"SubnetId", subnet_id}});
    return;
  }
}

void drop_acl_associations(Call& call, const std::string& subnet_id) {
  for (auto& [id, acl] : call.env.store.list(call.scope(), kNetworkAcl.kind)) {
    bool has = false;
    for (auto& a : acl->value("Associations", json::array()))
      if (a.value("SubnetId", "") == subnet_id) has = true;
    if (!has) continue;
    json& doc = *call.env.store.get_mut(call.scope(), kNetworkAcl.kind, id);
    json kept = json::array();
    for (auto& a : doc["Associations"])
      if (a.value("SubnetId", "") != subnet_id) kept.push_back(a);
    doc["Associations"] = std::move(kept);
  }
}

void delete_network_acls_of_vpc(Call& call, const std::string& vpc_id) {
  for (auto& [id, acl] : call.env.store.list(call.scope(), kNetworkAcl.kind))
    if (str(*acl, "VpcId") == vpc_id) call.env.store.erase(call.scope(), kNetworkAcl.kind, id);
}

void register_network_acl(Registry& r) {
  add(r, "DescribeNetworkAcls", describe_network_acls);
}

}  // namespace zonesim::ec2
