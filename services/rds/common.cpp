#include "services/rds/common.hpp"

#include <algorithm>
#include <cctype>

namespace zonesim::rds {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string account_of(const std::string& scope) {
  return scope.substr(0, scope.find('/'));
}
std::string region_of(const std::string& scope) {
  return scope.substr(scope.find('/') + 1);
}

std::string arn(const std::string& scope, const std::string& type, const std::string& id) {
  return "arn:aws:rds:" + region_of(scope) + ":" + account_of(scope) + ":" + type + ":" + id;
}
std::string arn(const Call& call, const std::string& type, const std::string& id) {
  return arn(call.scope(), type, id);
}

void instance_not_found(const std::string& id) {
  throw AwsError("DBInstanceNotFound", "DBInstance " + id + " not found.", 404);
}
void subnet_group_not_found(const std::string& name) {
  throw AwsError("DBSubnetGroupNotFoundFault", "DBSubnetGroup '" + name + "' not found.", 404);
}
void snapshot_not_found(const std::string& id) {
  throw AwsError("DBSnapshotNotFound", "DBSnapshot " + id + " not found.", 404);
}
void invalid_value(const std::string& message) {
  throw AwsError("InvalidParameterValue", message);
}
void invalid_combination(const std::string& message) {
  throw AwsError("InvalidParameterCombination", message);
}

std::string id_from_name_or_arn(const std::string& value, const std::string& type) {
  std::string marker = ":" + type + ":";
  if (value.rfind("arn:", 0) == 0) {
    auto pos = value.find(marker);
    if (pos != std::string::npos) return lower(value.substr(pos + marker.size()));
  }
  return lower(value);
}

bool valid_identifier(std::string_view s, std::size_t max_len) {
  if (s.empty() || s.size() > max_len) return false;
  if (!std::isalpha(static_cast<unsigned char>(s[0]))) return false;
  if (s.back() == '-') return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (!std::isalnum(c) && c != '-') return false;
    if (c == '-' && i + 1 < s.size() && s[i + 1] == '-') return false;
  }
  return true;
}

int max_records(const json& input, int max_allowed) {
  if (!input.contains("MaxRecords")) return kDefaultMaxRecords;
  auto v = input["MaxRecords"].get<std::int64_t>();
  if (v < kMinMaxRecords || v > max_allowed)
    invalid_value("Invalid value " + std::to_string(v) + " for MaxRecords. Must be between " +
                  std::to_string(kMinMaxRecords) + " and " + std::to_string(max_allowed));
  return static_cast<int>(v);
}

const std::vector<std::string>* Filters::find(const std::string& name) const {
  for (auto& [n, v] : list)
    if (n == name) return &v;
  return nullptr;
}

Filters parse_filters(const json& input, const std::vector<std::string>& allowed) {
  Filters f;
  if (!input.contains("Filters")) return f;
  for (auto& filter : input["Filters"]) {
    std::string name = filter["Name"].get<std::string>();
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end())
      invalid_value("Unrecognized filter name: " + name);
    std::vector<std::string> values = filter["Values"].get<std::vector<std::string>>();
    if (values.empty()) invalid_value("The list of filter values for " + name + " is empty.");
    f.list.emplace_back(name, std::move(values));
  }
  return f;
}

namespace {
constexpr std::size_t kMaxTags = 50;
constexpr std::size_t kMaxTagKey = 128;
constexpr std::size_t kMaxTagValue = 256;
}  // namespace

void validate_tags(const json& tags) {
  for (auto& t : tags) {
    std::string key = t.value("Key", "");
    std::string value = t.value("Value", "");
    if (key.empty()) invalid_value("Tag keys must not be empty.");
    if (key.size() > kMaxTagKey)
      invalid_value("Tag key " + key + " exceeds the maximum length of 128 characters.");
    if (value.size() > kMaxTagValue)
      invalid_value("Tag value for key " + key + " exceeds the maximum length of 256 characters.");
    if (lower(key).rfind("aws:", 0) == 0)
      invalid_value("Tag keys that begin with aws: are reserved for AWS use.");
  }
}

void merge_tags(json& tag_list, const json& tags) {
  for (auto& t : tags) {
    std::string key = t.value("Key", "");
    json tag = {{"Key", key}, {"Value", t.value("Value", "")}};
    auto it = std::find_if(tag_list.begin(), tag_list.end(),
                           [&](const json& e) { return e.value("Key", "") == key; });
    if (it != tag_list.end())
      *it = tag;
    else
      tag_list.push_back(tag);
  }
  if (tag_list.size() > kMaxTags)
    throw AwsError(
        "TagQuotaPerResourceExceeded",
        "The resource has reached the maximum number of tags: " + std::to_string(kMaxTags) + ".");
}

namespace {
json& account_settings(Env& env, const std::string& scope) {
  if (json* s = env.store.get_mut(scope, kAccountSettings, "settings")) return *s;
  // AWS gives each account a fixed 12-character label per region: every endpoint shares it.
  json doc = {{"_EndpointLabel", env.rng.chars(12, "abcdefghijklmnopqrstuvwxyz0123456789")},
              {"_DefaultKmsKeyId", env.rng.uuid()}};
  return env.store.put(scope, kAccountSettings, "settings", std::move(doc));
}
}  // namespace

std::string endpoint_label(Env& env, const std::string& scope) {
  return account_settings(env, scope)["_EndpointLabel"].get<std::string>();
}

std::string default_kms_key_arn(Env& env, const std::string& scope) {
  return "arn:aws:kms:" + region_of(scope) + ":" + account_of(scope) + ":key/" +
         account_settings(env, scope)["_DefaultKmsKeyId"].get<std::string>();
}

}  // namespace zonesim::rds
