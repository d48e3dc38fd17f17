#pragma once
// Shared pieces of the IAM handlers: store layout, AWS's validation rules and messages, policy
// document checks, tags and Marker paging.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "services/iam/managed_policies.hpp"
#include "services/service.hpp"

namespace zonesim::iam {

// Store kinds in the account's global scope. Ids are the lower-cased names: IAM names are unique
// regardless of case.
inline constexpr std::string_view kRoleKind = "iam-role";
inline constexpr std::string_view kPolicyKind = "iam-policy";

// Quotas (AWS defaults; see "IAM and AWS STS quotas").
inline constexpr std::size_t kTrustPolicyMaxChars = 2048;          // ACLSizePerRole
inline constexpr std::size_t kRoleInlinePoliciesMaxChars = 10240;  // all inline policies of a role
inline constexpr std::size_t kManagedPolicyMaxChars = 6144;        // PolicySize
inline constexpr std::size_t kManagedPoliciesPerRole = 10;         // PoliciesPerRole
inline constexpr std::size_t kPolicyVersionsMax = 5;
inline constexpr std::size_t kTagsMax = 50;
inline constexpr std::int64_t kDefaultMaxItems = 100;

std::string lower(std::string_view s);
// Percent-encoding of everything but RFC 3986 unreserved characters, as IAM returns documents.
std::string url_encode(std::string_view s);
std::string base64_encode(std::string_view s);
bool base64_decode(std::string_view s, std::string& out);
std::size_t utf8_length(std::string_view s);

// Errors with IAM's codes and statuses.
[[noreturn]] void throw_no_such_entity(const std::string& message);
[[noreturn]] void throw_invalid_input(const std::string& message);
[[noreturn]] void throw_limit_exceeded(const std::string& message);
[[noreturn]] void throw_delete_conflict(const std::string& message);
[[noreturn]] void throw_malformed_policy(const std::string& message);
// "1 validation error detected: Value 'v' at 'member' failed to satisfy constraint: <why>".
[[noreturn]] void throw_validation(std::string_view member, std::string_view value,
                                   const std::string& why);

// Constraint checks of the model's shapes (the protocol layer checks types and enums only).
void check_length(std::string_view member, std::string_view value, std::size_t min,
                  std::size_t max);
void check_entity_name(std::string_view member, std::string_view value, std::size_t max);
void check_role_path(std::string_view member, std::string_view value);
void check_policy_path(std::string_view member, std::string_view value);
void check_path_prefix(std::string_view member, std::string_view value);
void check_description(std::string_view member, std::string_view value);
void check_range(std::string_view member, std::int64_t value, std::int64_t min, std::int64_t max);
// The input's optional string member, or `fallback`.
std::string opt_string(const json& input, const char* member, std::string fallback = "");

// Policy documents: JSON grammar checks with IAM's MalformedPolicyDocument messages.
enum class DocumentKind { identity, trust };
void check_policy_document(std::string_view member, const std::string& document, DocumentKind kind);
// Characters that count against IAM's size quotas (whitespace does not).
std::size_t policy_size(std::string_view document);

// Tags: validates a Tags input list and merges it into `existing` (keys match regardless of case).
json merge_tags(const json& existing, const json& tags);
json remove_tags(const json& existing, const json& keys);

// Marker paging over a listing already in order; `keys` are unique and ascending.
struct Page {
  std::size_t begin = 0, end = 0;
  bool truncated = false;
  std::string marker;  // set when truncated
};
Page paginate(const std::vector<std::string>& keys, const json& input);
// Keys for a listing whose order is positional (tags, attachments, versions).
std::vector<std::string> index_keys(std::size_t n);
// Sets IsTruncated and (when truncated) Marker on a response.
void set_paging(json& out, const Page& p);

// Arns.
std::string role_arn(const std::string& account, const std::string& path, const std::string& name);
std::string policy_arn(const std::string& account, const std::string& path,
                       const std::string& name);
// An id such as "AROA" + 17 characters, from the seeded RNG.
std::string unique_id(Call& call, std::string_view prefix);

// Managed policy lookup by ARN: an AWS-managed catalogue entry or this account's own policy.
struct PolicyRef {
  const ManagedPolicyData* aws = nullptr;
  std::string local_id;  // store id of a customer managed policy
  std::string arn;
  bool found() const { return aws != nullptr || !local_id.empty(); }
};
// Throws InvalidInput for a malformed ARN; returns !found() for a well-formed unknown one.
PolicyRef find_policy(Call& call, const std::string& arn);
// How many roles of the account attach each policy ARN / use it as a permissions boundary.
struct Usage {
  std::int64_t attachments = 0, boundaries = 0;
};
std::map<std::string, Usage> policy_usage(Call& call);

void register_role_operations(Registry& r);
void register_policy_operations(Registry& r);

}  // namespace zonesim::iam
