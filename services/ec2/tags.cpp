#include "services/ec2/tags.hpp"

#include "services/ec2/describe.hpp"

namespace zonesim::ec2 {

namespace {

constexpr std::size_t kMaxTagsPerResource = 50;
constexpr std::size_t kMaxKeyLength = 128;
constexpr std::size_t kMaxValueLength = 256;

void validate_key(const std::string& key) {
  if (key.empty()) invalid_parameter("Tag key cannot be empty");
  if (key.size() > kMaxKeyLength)
    invalid_parameter("Tag key exceeds the maximum length of " + std::to_string(kMaxKeyLength) +
                      " characters");
  if (key.rfind("aws:", 0) == 0)
    invalid_parameter("Value ( " + key +
                      " ) for parameter key is invalid. Tag keys starting with 'aws:' are "
                      "reserved for internal use");
}

json validated(const json& tags) {
  json out = json::array();
  for (auto& t : tags) {
    std::string key = t.value("Key", "");
    std::string value = t.value("Value", "");
    validate_key(key);
    if (value.size() > kMaxValueLength)
      invalid_parameter("Tag value exceeds the maximum length of " +
                        std::to_string(kMaxValueLength) + " characters");
    out.push_back({{"Key", key}, {"Value", value}});
  }
  return out;
}

json create_tags(Call& call) {
  const json tags = validated(call.input["Tags"]);
  // Resolve every resource first: a bad one fails the whole request.
  std::vector<std::pair<const Kind*, std::string>> targets;
  for (auto& r : call.input["Resources"]) {
    std::string id = r.get<std::string>();
    const Kind* k = kind_of_id(id);
    if (!k) throw AwsError("InvalidID", "The ID '" + id + "' is not valid");
    require(call, *k, id);
    targets.emplace_back(k, id);
  }
  for (auto& [k, id] : targets)
    merge_tags(*call.env.store.get_mut(call.scope(), k->kind, id), k->tags_member, tags);
  return json();
}

json delete_tags(Call& call) {
  const json* tags = call.input.contains("Tags") ? &call.input["Tags"] : nullptr;
  if (tags)
    for (auto& t : *tags) validate_key(t.value("Key", ""));
  std::vector<std::pair<const Kind*, std::string>> targets;
  for (auto& r : call.input["Resources"]) {
    std::string id = r.get<std::string>();
    const Kind* k = kind_of_id(id);
    if (!k) throw AwsError("InvalidID", "The ID '" + id + "' is not valid");
    require(call, *k, id);
    targets.emplace_back(k, id);
  }
  for (auto& [k, id] : targets) {
    json& doc = *call.env.store.get_mut(call.scope(), k->kind, id);
    json& have = doc[k->tags_member];
    if (!have.is_array()) have = json::array();
    json kept = json::array();
    for (auto& t : have) {
      bool drop = !tags || tags->empty();
      if (tags)
        for (auto& d : *tags)
          // A key alone deletes whatever the value; a key with a value (even "") only that pair.
          if (d.value("Key", "") == t.value("Key", "") &&
              (!d.contains("Value") || d["Value"] == t.value("Value", "")))
            drop = true;
      if (!drop) kept.push_back(t);
    }
    have = std::move(kept);
  }
  return json();
}

json describe_tags(Call& call) {
  // One entry per (resource, tag); "_tags" carries the resource's tags for tag:<key> filters.
  static const Filters kFilters = Filters("_tags")
                                      .add("key", "Key")
                                      .add("value", "Value")
                                      .add("resource-id", "ResourceId")
                                      .add("resource-type", "ResourceType");
  const json no_filters = json::array();
  const json& fs = call.input.contains("Filters") ? call.input["Filters"] : no_filters;
  kFilters.validate(fs);
  std::vector<json> entries;
  for (const Kind* k : taggable_kinds())
    for (auto& [id, doc] : call.env.store.list(call.scope(), k->kind)) {
      auto it = doc->find(k->tags_member);
      if (it == doc->end() || !it->is_array()) continue;
      for (auto& t : *it)
        entries.push_back({{"Key", t.value("Key", "")},
                           {"Value", t.value("Value", "")},
                           {"ResourceId", id},
                           {"ResourceType", k->resource_type},
                           {"_tags", *it}});
    }
  std::vector<const json*> matched;
  for (auto& e : entries)
    if (kFilters.match(e, fs)) matched.push_back(&e);
  return listing_output("Tags", paginate(call.input, std::move(matched), 5, 1000));
}

}  // namespace

json tags_from_specifications(const json& input, std::string_view resource_type) {
  json out = json::array();
  if (!input.contains("TagSpecifications")) return out;
  bool seen = false;
  for (auto& spec : input["TagSpecifications"]) {
    std::string type = spec.value("ResourceType", "");
    if (type != resource_type)
      invalid_parameter("'" + type + "' is not a valid taggable resource type for this operation.");
    if (seen)
      invalid_parameter(
          "The same resource type may not be specified more than once in tag "
          "specifications");
    seen = true;
    json doc = {{"Tags", json::array()}};
    merge_tags(doc, "Tags", validated(spec.value("Tags", json::array())));
    out = doc["Tags"];
  }
  return out;
}

void merge_tags(json& doc, const char* tags_member, const json& tags) {
  json& have = doc[tags_member];
  if (!have.is_array()) have = json::array();
  for (auto& t : tags) {
    bool found = false;
    for (auto& h : have)
      if (h.value("Key", "") == t["Key"]) {
        h["Value"] = t["Value"];
        found = true;
      }
    if (!found) have.push_back(t);
  }
  if (have.size() > kMaxTagsPerResource)
    throw AwsError("TagLimitExceeded", "The maximum number of tags per resource (" +
                                           std::to_string(kMaxTagsPerResource) +
                                           ") has been exceeded");
}

void register_tags(Registry& r) {
  add(r, "CreateTags", create_tags);
  add(r, "DeleteTags", delete_tags);
  add(r, "DescribeTags", describe_tags);
}

}  // namespace zonesim::ec2
