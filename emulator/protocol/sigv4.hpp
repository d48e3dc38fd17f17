#pragma once
// SigV4 Authorization header parsing (verification of signatures is a later, optional mode).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace zonesim::protocol {

struct Credential {
  std::string access_key;
  std::string date;  // YYYYMMDD
  std::string region;
  std::string service;  // signing name: ec2, elasticloadbalancing, ecs, rds, iam, logs, sts
  std::vector<std::string> signed_headers;
  std::string signature;
};

// Parses "AWS4-HMAC-SHA256 Credential=AKID/20260101/eu-central-1/ec2/aws4_request,
// SignedHeaders=host;x-amz-date, Signature=abcd". nullopt when the header is not of that form.
std::optional<Credential> parse_authorization(std::string_view header);

// The access key's account: a 12-digit key is the account id; anything else is `fallback`.
std::string account_for_key(std::string_view access_key, const std::string& fallback);

}  // namespace zonesim::protocol
