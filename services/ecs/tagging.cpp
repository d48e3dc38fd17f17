// ECS tagging: TagResource, UntagResource, ListTagsForResource for clusters, services, tasks and
// task definitions.
#include <algorithm>

#include "services/ecs/common.hpp"

namespace zonesim::ecs {

namespace {

// The document holding a resource's tags and the member they live in.
struct Tagged {
  json* doc;
  const char* member;  // "tags", or "_tags" for task definitions (returned beside them)
};

Tagged find_tagged(Call& c, const std::string& arn) {
  const std::string prefix = ecs_arn(c.scope(), "");
  if (arn.rfind(prefix, 0) != 0) throw invalid_parameter("Invalid resource ARN: " + arn);
  const std::string res = arn.substr(prefix.size());
  auto& st = c.env.store;
  if (res.rfind("cluster/", 0) == 0) {
    json* doc = st.get_mut(c.scope(), kClusterKind, res.substr(8));
    if (!doc) throw cluster_not_found();
    return {doc, "tags"};
  }
  json* doc = nullptr;
  const char* member = "tags";
  if (res.rfind("service/", 0) == 0) {
    if (res.find('/', 8) == std::string::npos)
      throw invalid_parameter(
          "Long arn format must be used for tagging operations. The service ARN must be "
          "migrated to the long ARN format.");
    doc = st.get_mut(c.scope(), kServiceKind, arn);
  } else if (res.rfind("task/", 0) == 0) {
    doc = st.get_mut(c.scope(), kTaskKind, arn);
  } else if (res.rfind("task-definition/", 0) == 0) {
    doc = st.get_mut(c.scope(), kTaskDefinitionKind, res.substr(16));
    member = "_tags";
  } else {
    throw invalid_parameter("Invalid resource ARN: " + arn);
  }
  if (!doc) throw AwsError("ResourceNotFoundException", "The specified resource wasn't found.");
  return {doc, member};
}

json tag_resource(Call& c) {
  Tagged t = find_tagged(c, c.input["resourceArn"].get<std::string>());
  validate_tags(c.input["tags"]);
  json merged = merge_tags(t.doc->value(t.member, json::array()), c.input["tags"]);
  validate_tags(merged);
  (*t.doc)[t.member] = merged;
  return json::object();
}

json untag_resource(Call& c) {
  Tagged t = find_tagged(c, c.input["resourceArn"].get<std::string>());
  json tags = t.doc->value(t.member, json::array());
  const json& keys = c.input["tagKeys"];
  json kept = json::array();
  for (auto& tag : tags)
    if (std::find(keys.begin(), keys.end(), tag.value("key", "")) == keys.end())
      kept.push_back(tag);
  (*t.doc)[t.member] = kept;
  return json::object();
}

json list_tags_for_resource(Call& c) {
  Tagged t = find_tagged(c, c.input["resourceArn"].get<std::string>());
  return {{"tags", t.doc->value(t.member, json::array())}};
}

}  // namespace

void register_tagging(Registry& r) {
  r.add("ecs", "TagResource", tag_resource);
  r.add("ecs", "UntagResource", untag_resource);
  r.add("ecs", "ListTagsForResource", list_tags_for_resource);
}

}  // namespace zonesim::ecs
