// AddTagsToResource, RemoveTagsFromResource, ListTagsForResource: by the resource's ARN.
#include <algorithm>

#include "services/rds/catalog.hpp"
#include "services/rds/common.hpp"
#include "services/rds/handlers.hpp"

namespace zonesim::rds {

namespace {

struct Resource {
  std::string type, id;
};

Resource parse_resource(const Call& call, const std::string& name) {
  // arn:aws:rds:<region>:<account>:<type>:<id>
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (int i = 0; i < 6; ++i) {
    std::size_t colon = name.find(':', start);
    if (colon == std::string::npos) break;
    parts.push_back(name.substr(start, colon - start));
    start = colon + 1;
  }
  if (parts.size() != 6 || parts[0] != "arn" || parts[2] != "rds" || parts[3] != call.region ||
      parts[4] != call.account || start >= name.size())
    invalid_value("The specified resource name does not match an RDS resource in this region.");
  return {parts[5], name.substr(start)};
}

bool default_group_exists(const std::string& type, const std::string& name) {
  for (auto& v : catalog::versions())
    if (name ==
        (type == "pg" ? catalog::default_parameter_group(v) : catalog::default_option_group(v)))
      return true;
  return false;
}

// The tag list of the named resource (nullptr for the read-only default groups).
json* tag_list(Call& call, const std::string& resource_name, bool for_update) {
  Resource r = parse_resource(call, resource_name);
  const std::string scope = call.scope();
  // Reads must not journal documents: only an update takes them for writing.
  auto find = [&](const char* kind) -> json* {
    if (for_update) return call.env.store.get_mut(scope, kind, lower(r.id));
    return const_cast<json*>(call.env.store.get(scope, kind, lower(r.id)));
  };
  if (r.type == "db") {
    json* inst = find(kInstance);
    if (!inst) instance_not_found(r.id);
    return &(*inst)["TagList"];
  }
  if (r.type == "subgrp") {
    json* g = find(kSubnetGroup);
    if (!g) subnet_group_not_found(r.id);
    return &(*g)["_TagList"];
  }
  if (r.type == "snapshot") {
    json* s = find(kSnapshot);
    if (!s) snapshot_not_found(r.id);
    return &(*s)["TagList"];
  }
  if (r.type == "pg" || r.type == "og") {
    if (!default_group_exists(r.type, r.id)) {
      if (r.type == "pg")
        throw AwsError("DBParameterGroupNotFound", "DBParameterGroup not found: " + r.id, 404);
      throw AwsError("OptionGroupNotFoundFault",
                     "Specified OptionGroupName: " + r.id + " not found.", 404);
    }
    if (for_update) invalid_value("Default groups can't be tagged: " + r.id);
    return nullptr;
  }
  invalid_value("The specified resource name does not match an RDS resource in this region.");
}

}  // namespace

json add_tags_to_resource(Call& call) {
  const json& tags = call.input["Tags"];
  validate_tags(tags);
  json* list = tag_list(call, call.input["ResourceName"], true);
  merge_tags(*list, tags);
  return json::object();
}

json remove_tags_from_resource(Call& call) {
  json* list = tag_list(call, call.input["ResourceName"], true);
  for (auto& key : call.input["TagKeys"]) {
    auto it = std::remove_if(list->begin(), list->end(),
                             [&](const json& t) { return t.value("Key", "") == key; });
    list->erase(it, list->end());
  }
  return json::object();
}

json list_tags_for_resource(Call& call) {
  // Filters: "This parameter isn't currently supported."
  const json* list = tag_list(call, call.input["ResourceName"], false);
  return {{"TagList", list ? *list : json::array()}};
}

}  // namespace zonesim::rds
