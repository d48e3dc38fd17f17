// DB subnet groups: CreateDBSubnetGroup, DescribeDBSubnetGroups, ModifyDBSubnetGroup,
// DeleteDBSubnetGroup.
#include <algorithm>
#include <cctype>
#include <set>

#include "services/ec2/network.hpp"
#include "services/rds/common.hpp"
#include "services/rds/handlers.hpp"

namespace zonesim::rds {

namespace {

constexpr std::size_t kMaxSubnetGroupName = 255;
constexpr std::size_t kMaxSubnetsPerGroup = 20;
constexpr std::size_t kMinZones = 2;

std::string check_group_name(const std::string& requested) {
  std::string name = lower(requested);
  bool ok = !name.empty() && name.size() <= kMaxSubnetGroupName &&
            std::isalpha(static_cast<unsigned char>(name[0]));
  for (char c : name)
    ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == ' ' || c == '.' || c == '_' ||
                c == '-');
  if (!ok)
    invalid_value(
        "The parameter DBSubnetGroupName is not a valid identifier. It must contain no "
        "more than 255 letters, numbers, periods, underscores, spaces, or hyphens, and "
        "must begin with a letter.");
  if (name == "default") invalid_value("DBSubnetGroupName must not be default.");
  return name;
}

// The Subnets member from EC2's subnets, with AWS's checks: they exist, share a VPC and cover
// at least two zones.
json subnets_member(Call& call, const json& subnet_ids, std::string& vpc_id) {
  if (subnet_ids.empty()) throw AwsError("InvalidSubnet", "Subnet IDs are required.");
  if (subnet_ids.size() > kMaxSubnetsPerGroup)
    throw AwsError("DBSubnetQuotaExceededFault",
                   "The request would result in the user exceeding the allowed number of subnets "
                   "in a DB subnet group.");
  json subnets = json::array();
  std::set<std::string> seen, zones;
  std::vector<std::string> invalid;
  vpc_id.clear();
  for (auto& s : subnet_ids) {
    std::string id = s.get<std::string>();
    if (!seen.insert(id).second) continue;
    auto info = ec2::find_subnet(call.env, call.scope(), id);
    if (!info) {
      invalid.push_back(id);
      continue;
    }
    if (vpc_id.empty()) vpc_id = info->vpc_id;
    if (info->vpc_id != vpc_id)
      throw AwsError("InvalidSubnet",
                     "The subnets of a DB subnet group must all be in the same VPC: " + id +
                         " is in " + info->vpc_id + ", not " + vpc_id + ".");
    zones.insert(info->zone);
    subnets.push_back({{"SubnetIdentifier", id},
                       {"SubnetAvailabilityZone", {{"Name", info->zone}}},
                       {"SubnetOutpost", json::object()},
                       {"SubnetStatus", "Active"}});
  }
  if (!invalid.empty()) {
    std::string list;
    for (auto& id : invalid) list += (list.empty() ? "" : ", ") + id;
    throw AwsError("InvalidSubnet", "Some input subnets in :[" + list + "] are invalid.");
  }
  if (zones.size() < kMinZones)
    throw AwsError("DBSubnetGroupDoesNotCoverEnoughAZs",
                   "The DB subnet group doesn't meet Availability Zone (AZ) coverage "
                   "requirement. Current AZ coverage: " +
                       *zones.begin() + ". Add subnets to cover at least 2 AZs.");
  return subnets;
}

// Instances whose DB subnet group this is.
std::vector<std::pair<std::string, const json*>> users_of(Call& call, const std::string& name) {
  std::vector<std::pair<std::string, const json*>> out;
  for (auto& [id, inst] : call.env.store.list(call.scope(), kInstance))
    if ((*inst)["_SubnetGroup"] == name) out.emplace_back(id, inst);
  return out;
}

}  // namespace

json subnet_group_view(const json& group, bool embedded) {
  json v = group;
  if (embedded) {
    v.erase("DBSubnetGroupArn");
    v.erase("SupportedNetworkTypes");
  }
  return v;
}

json create_db_subnet_group(Call& call) {
  const json& in = call.input;
  std::string name = check_group_name(in["DBSubnetGroupName"]);
  if (call.env.store.get(call.scope(), kSubnetGroup, name))
    throw AwsError("DBSubnetGroupAlreadyExists",
                   "The DB subnet group '" + name + "' already exists.");
  std::string vpc_id;
  json subnets = subnets_member(call, in["SubnetIds"], vpc_id);
  json tags = in.value("Tags", json::array());
  validate_tags(tags);
  json tag_list = json::array();
  merge_tags(tag_list, tags);
  json group = {{"DBSubnetGroupName", name},
                {"DBSubnetGroupDescription", in["DBSubnetGroupDescription"]},
                {"VpcId", vpc_id},
                {"SubnetGroupStatus", "Complete"},
                {"Subnets", subnets},
                {"DBSubnetGroupArn", arn(call, "subgrp", name)},
                {"SupportedNetworkTypes", json::array({"IPV4"})},
                {"_TagList", tag_list}};
  call.env.store.put(call.scope(), kSubnetGroup, name, group);
  return {{"DBSubnetGroup", subnet_group_view(group, false)}};
}

json describe_db_subnet_groups(Call& call) {
  const json& in = call.input;  // Filters: "This parameter isn't currently supported."
  std::vector<std::pair<std::string, const json*>> groups;
  if (in.contains("DBSubnetGroupName")) {
    std::string name = lower(in["DBSubnetGroupName"].get<std::string>());
    const json* g = call.env.store.get(call.scope(), kSubnetGroup, name);
    if (!g) subnet_group_not_found(in["DBSubnetGroupName"]);
    groups.emplace_back(name, g);
  } else {
    groups = call.env.store.list(call.scope(), kSubnetGroup);
    std::sort(groups.begin(), groups.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
  }
  json out = json::object();
  auto items = page(
      in, std::move(groups), [](const auto& g) { return g.first; }, out);
  out["DBSubnetGroups"] = json::array();
  for (auto& [name, g] : items) out["DBSubnetGroups"].push_back(subnet_group_view(*g, false));
  return out;
}

json modify_db_subnet_group(Call& call) {
  const json& in = call.input;
  std::string name = lower(in["DBSubnetGroupName"].get<std::string>());
  if (!call.env.store.get(call.scope(), kSubnetGroup, name))
    subnet_group_not_found(in["DBSubnetGroupName"]);
  std::string vpc_id;
  json subnets = subnets_member(call, in["SubnetIds"], vpc_id);
  std::set<std::string> keep;
  for (auto& s : subnets) keep.insert(s["SubnetIdentifier"].get<std::string>());
  const json* current = call.env.store.get(call.scope(), kSubnetGroup, name);
  auto users = users_of(call, name);
  if (!users.empty() && vpc_id != (*current)["VpcId"])
    throw AwsError(
        "InvalidDBSubnetGroupStateFault",
        "The DB subnet group " + name + " is in use and cannot be moved to a different VPC.");
  // A subnet that hosts an instance (or its standby) cannot leave the group.
  std::vector<std::string> busy;
  for (auto& [id, inst] : users)
    for (const char* site : {"_Primary", "_Standby"})
      if (inst->contains(site) && !keep.count((*inst)[site]["SubnetId"].get<std::string>()))
        busy.push_back((*inst)[site]["SubnetId"].get<std::string>());
  if (!busy.empty()) {
    std::string list;
    for (auto& s : busy) list += (list.empty() ? "" : ", ") + s;
    throw AwsError("SubnetAlreadyInUse",
                   "Some of the subnets to be deleted are currently in use: " + list);
  }
  json* group = call.env.store.get_mut(call.scope(), kSubnetGroup, name);
  (*group)["Subnets"] = subnets;
  (*group)["VpcId"] = vpc_id;
  if (in.contains("DBSubnetGroupDescription"))
    (*group)["DBSubnetGroupDescription"] = in["DBSubnetGroupDescription"];
  return {{"DBSubnetGroup", subnet_group_view(*group, false)}};
}

json delete_db_subnet_group(Call& call) {
  std::string requested = call.input["DBSubnetGroupName"];
  std::string name = lower(requested);
  if (!call.env.store.get(call.scope(), kSubnetGroup, name)) subnet_group_not_found(requested);
  auto users = users_of(call, name);
  if (!users.empty())
    throw AwsError("InvalidDBSubnetGroupStateFault",
                   "Cannot delete the subnet group '" + name +
                       "' because at least one database instance: " + users.front().first +
                       " is still using it.");
  call.env.store.erase(call.scope(), kSubnetGroup, name);
  return json::object();
}

}  // namespace zonesim::rds
