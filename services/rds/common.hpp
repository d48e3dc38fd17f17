#pragma once
// Shared pieces of the RDS service: store kinds, ARNs, AWS's not-found faults, paging, filters and
// tags. Everything here is used by more than one operation file.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "services/service.hpp"

namespace zonesim::rds {

// Store kinds (documents keyed by lower-case identifier, as RDS stores identifiers).
inline constexpr const char* kInstance = "db-instance";
inline constexpr const char* kSubnetGroup = "db-subnet-group";
inline constexpr const char* kSnapshot = "db-snapshot";
inline constexpr const char* kEvent = "event";
// Per account and region: the endpoint's DNS label and the aws/rds KMS key.
inline constexpr const char* kAccountSettings = "rds-account";

// Paging limits of every Describe call (AWS: default 100, 20..100).
inline constexpr int kDefaultMaxRecords = 100;
inline constexpr int kMinMaxRecords = 20;
inline constexpr int kMaxMaxRecords = 100;

std::string lower(std::string_view s);
std::string account_of(const std::string& scope);
std::string region_of(const std::string& scope);

std::string arn(const Call& call, const std::string& type, const std::string& id);
std::string arn(const std::string& scope, const std::string& type, const std::string& id);

[[noreturn]] void instance_not_found(const std::string& id);
[[noreturn]] void subnet_group_not_found(const std::string& name);
[[noreturn]] void snapshot_not_found(const std::string& id);
[[noreturn]] void invalid_value(const std::string& message);
[[noreturn]] void invalid_combination(const std::string& message);

// An identifier that may be given as an ARN of `type` (db, snapshot): the plain lower-case id.
std::string id_from_name_or_arn(const std::string& value, const std::string& type);

// AWS's rule for instance and snapshot identifiers: a letter first, then letters, digits and
// hyphens, no trailing hyphen, no "--", at most `max_len` characters.
bool valid_identifier(std::string_view s, std::size_t max_len);

// Items after `Marker`, at most `MaxRecords` of them; sets "Marker" on `out` when more remain.
// `items` must be sorted by `key_of` (the marker is the last key returned).
template <typename Item, typename KeyOf>
std::vector<Item> page(const json& input, std::vector<Item> items, KeyOf key_of, json& out,
                       int max_allowed = kMaxMaxRecords);
int max_records(const json& input, int max_allowed = kMaxMaxRecords);

// Filters as {name -> values}; unknown names are rejected as AWS does.
struct Filters {
  std::vector<std::pair<std::string, std::vector<std::string>>> list;
  const std::vector<std::string>* find(const std::string& name) const;
};
Filters parse_filters(const json& input, const std::vector<std::string>& allowed);

// Tags: validated (AWS limits) and merged (same key replaces the value in place).
void validate_tags(const json& tags);
void merge_tags(json& tag_list, const json& tags);

// Account-wide settings created on first use with the seeded RNG.
std::string endpoint_label(Env& env, const std::string& scope);
std::string default_kms_key_arn(Env& env, const std::string& scope);

// ---- implementation of the template ----
template <typename Item, typename KeyOf>
std::vector<Item> page(const json& input, std::vector<Item> items, KeyOf key_of, json& out,
                       int max_allowed) {
  int limit = max_records(input, max_allowed);
  std::string marker = input.value("Marker", "");
  std::vector<Item> result;
  bool more = false;
  for (auto& item : items) {
    if (!marker.empty() && !(marker < key_of(item))) continue;
    if (static_cast<int>(result.size()) == limit) {
      more = true;
      break;
    }
    result.push_back(item);
  }
  if (more) out["Marker"] = key_of(result.back());
  return result;
}

}  // namespace zonesim::rds
