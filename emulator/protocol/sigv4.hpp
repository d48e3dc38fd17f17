#pragma once
// AWS Signature Version 4: parsing the credentials of a request (Authorization header or presigned
// query string), the account an access key belongs to, and — with `serve --auth verify` — checking
// the signature against configured key pairs, exactly as AWS's SigV4 spec computes it.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "emulator/http/message.hpp"

namespace zonesim::protocol {

struct Credential {
  std::string access_key;
  std::string date;  // YYYYMMDD
  std::string region;
  std::string service;  // signing name: ec2, elasticloadbalancing, ecs, rds, iam, logs, sts
  std::vector<std::string> signed_headers;
  std::string signature;
  // Presigned query authentication (X-Amz-* in the URL) instead of an Authorization header.
  bool presigned = false;
  std::string amz_date;      // presigned: X-Amz-Date (header auth reads the x-amz-date header)
  std::int64_t expires = 0;  // presigned: X-Amz-Expires, seconds
};

// Parses "AWS4-HMAC-SHA256 Credential=AKID/20260101/eu-central-1/ec2/aws4_request,
// SignedHeaders=host;x-amz-date, Signature=abcd". nullopt when the header is not of that form.
std::optional<Credential> parse_authorization(std::string_view header);

// Presigned-URL credentials from a decoded query string; nullopt when there is no
// X-Amz-Credential, or when it or the other X-Amz-* parameters are malformed.
std::optional<Credential> parse_presigned(
    const std::vector<std::pair<std::string, std::string>>& query);

// The access key's account: a 12-digit key is the account id; anything else is `fallback`.
std::string account_for_key(std::string_view access_key, const std::string& fallback);

// ---- verification (serve --auth verify) ----

struct KeyPair {
  std::string secret;
  std::string account;  // empty: account_for_key decides
};
using KeyPairs = std::map<std::string, KeyPair, std::less<>>;

// The AWS shared-credentials INI format: [profile] sections with aws_access_key_id,
// aws_secret_access_key and (optional) aws_account_id. Throws std::runtime_error naming the file
// and line of the first problem.
KeyPairs load_credentials_file(const std::string& path);
KeyPairs parse_credentials(std::string_view text, const std::string& source);

std::string sha256_hex(std::string_view data);
std::string hmac_sha256(std::string_view key, std::string_view data);  // raw 32 bytes
// RFC 3986 percent-encoding as SigV4 wants it: unreserved characters kept, everything else %XX
// (upper case); '/' kept when keep_slash.
std::string uri_encode(std::string_view s, bool keep_slash);

// The SigV4 canonical request of `req` for credential `c` (signed headers, canonical query
// without X-Amz-Signature when presigned), with `payload_hash` as its last line.
std::string canonical_request(const http::Request& req, const Credential& c,
                              std::string_view payload_hash);
std::string string_to_sign(const Credential& c, std::string_view amz_date,
                           std::string_view canonical);
// Hex signature of string_to_sign with the key derived from secret, date, region, service.
std::string sign(std::string_view secret, const Credential& c, std::string_view string_to_sign);

// "20260101T000000Z" <-> ms since the epoch.
std::optional<std::int64_t> parse_amz_date(std::string_view s);
std::string format_amz_date(std::int64_t ms);

enum class Verdict {
  ok,
  missing_date,         // header auth without X-Amz-Date
  bad_date,             // X-Amz-Date not in the basic ISO 8601 form
  scope_date_mismatch,  // credential scope date != the request's date
  expired,              // older than the allowed skew (or a presigned URL past X-Amz-Expires)
  not_yet_current,      // later than the allowed skew
  mismatch,             // the signature is wrong (secret, canonical request, payload hash)
};
struct Verification {
  Verdict verdict = Verdict::ok;
  std::string message;  // AWS's wording for the verdict
};

// Checks `req` signed with `c` against `secret`. now_ms is the wall clock; max_skew_ms the
// allowed difference between the request's date and now.
Verification verify(const http::Request& req, const Credential& c, std::string_view secret,
                    std::int64_t now_ms, std::int64_t max_skew_ms);

}  // namespace zonesim::protocol
