#include <algorithm>
#include <cctype>
#include <cstring>

#include "emulator/protocol/scalar.hpp"
#include "services/iam/iam_internal.hpp"

namespace zonesim::iam {

namespace {

bool is_name_char(unsigned char c) {
  return std::isalnum(c) || c == '_' || c == '+' || c == '=' || c == ',' || c == '.' || c == '@' ||
         c == '-';
}

// Code points of a UTF-8 string (the protocol layer has already rejected invalid UTF-8).
std::vector<char32_t> code_points(std::string_view s) {
  std::vector<char32_t> out;
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : 4;
    char32_t cp = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
    for (std::size_t k = 1; k < len && i + k < s.size(); ++k)
      cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    out.push_back(cp);
    i += len;
  }
  return out;
}

// Tag keys and values: [\p{L}\p{Z}\p{N}_.:/=+\-@]. Non-ASCII code points are taken as letters.
bool is_tag_char(char32_t c) {
  if (c >= 0x80) return true;
  auto b = static_cast<unsigned char>(c);
  return std::isalnum(b) || b == ' ' || b == '_' || b == '.' || b == ':' || b == '/' || b == '=' ||
         b == '+' || b == '-' || b == '@';
}

const char* kB64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

}  // namespace

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string url_encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size() * 3);
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string base64_encode(std::string_view s) {
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : s) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kB64[(acc >> bits) & 63]);
    }
  }
  if (bits > 0) out.push_back(kB64[(acc << (6 - bits)) & 63]);
  while (out.size() % 4) out.push_back('=');
  return out;
}

bool base64_decode(std::string_view s, std::string& out) {
  out.clear();
  std::uint32_t acc = 0;
  int bits = 0;
  std::size_t pad = 0;
  for (char ch : s) {
    if (ch == '=') {
      ++pad;
      continue;
    }
    if (pad) return false;
    const char* p = std::strchr(kB64, ch);
    if (!p || ch == '\0') return false;
    acc = (acc << 6) | static_cast<std::uint32_t>(p - kB64);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return s.size() % 4 == 0 && pad <= 2;
}

std::size_t utf8_length(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

void throw_no_such_entity(const std::string& message) {
  throw AwsError("NoSuchEntity", message, 404);
}
void throw_invalid_input(const std::string& message) {
  throw AwsError("InvalidInput", message, 400);
}
void throw_limit_exceeded(const std::string& message) {
  throw AwsError("LimitExceeded", message, 409);
}
void throw_delete_conflict(const std::string& message) {
  throw AwsError("DeleteConflict", message, 409);
}
void throw_malformed_policy(const std::string& message) {
  throw AwsError("MalformedPolicyDocument", message, 400);
}

void throw_validation(std::string_view member, std::string_view value, const std::string& why) {
  throw AwsError("ValidationError", "1 validation error detected: Value '" + std::string(value) +
                                        "' at '" + protocol::lower_first(std::string(member)) +
                                        "' failed to satisfy constraint: " + why);
}

void check_length(std::string_view member, std::string_view value, std::size_t min,
                  std::size_t max) {
  std::size_t n = utf8_length(value);
  if (n < min)
    throw_validation(member, value,
                     "Member must have length greater than or equal to " + std::to_string(min));
  if (n > max)
    throw_validation(member, value,
                     "Member must have length less than or equal to " + std::to_string(max));
}

void check_entity_name(std::string_view member, std::string_view value, std::size_t max) {
  check_length(member, value, 1, max);
  if (!std::all_of(value.begin(), value.end(),
                   [](char c) { return is_name_char(static_cast<unsigned char>(c)); }))
    throw_validation(member, value, "Member must satisfy regular expression pattern: [\\w+=,.@-]+");
}

void check_role_path(std::string_view member, std::string_view value) {
  check_length(member, value, 1, 512);
  bool ok = value == "/" || (value.size() >= 3 && value.front() == '/' && value.back() == '/' &&
                             std::all_of(value.begin(), value.end(),
                                         [](char c) { return c >= 0x21 && c <= 0x7E; }));
  if (!ok)
    throw_validation(member, value,
                     "Member must satisfy regular expression pattern: "
                     "(\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)");
}

void check_policy_path(std::string_view member, std::string_view value) {
  check_length(member, value, 1, 512);
  // ((/[A-Za-z0-9\.,\+@=_-]+)*)/ : slash-separated non-empty segments, ending in a slash.
  bool ok = value.front() == '/' && value.back() == '/' && value.find("//") == std::string::npos &&
            std::all_of(value.begin(), value.end(), [](char c) {
              auto u = static_cast<unsigned char>(c);
              return std::isalnum(u) || c == '/' || c == '.' || c == ',' || c == '+' || c == '@' ||
                     c == '=' || c == '_' || c == '-';
            });
  if (!ok)
    throw_validation(member, value,
                     "Member must satisfy regular expression pattern: "
                     "((/[A-Za-z0-9\\.,\\+@=_-]+)*)/");
}

void check_path_prefix(std::string_view member, std::string_view value) {
  check_length(member, value, 1, 512);
  bool ok = value.front() == '/' && std::all_of(value.begin(), value.end(), [](char ch) {
              auto c = static_cast<unsigned char>(ch);
              return c >= 0x21 && c <= 0x7F;
            });
  if (!ok)
    throw_validation(member, value,
                     "Member must satisfy regular expression pattern: \\u002F[\\u0021-\\u007F]*");
}

void check_description(std::string_view member, std::string_view value) {
  check_length(member, value, 0, 1000);
  for (char32_t c : code_points(value)) {
    bool ok =
        c == 0x09 || c == 0x0A || c == 0x0D || (c >= 0x20 && c <= 0x7E) || (c >= 0xA1 && c <= 0xFF);
    if (!ok)
      throw_validation(member, value,
                       "Member must satisfy regular expression pattern: "
                       "[\\u0009\\u000A\\u000D\\u0020-\\u007E\\u00A1-\\u00FF]*");
  }
}

void check_range(std::string_view member, std::int64_t value, std::int64_t min, std::int64_t max) {
  if (value < min)
    throw_validation(member, std::to_string(value),
                     "Member must have value greater than or equal to " + std::to_string(min));
  if (value > max)
    throw_validation(member, std::to_string(value),
                     "Member must have value less than or equal to " + std::to_string(max));
}

std::string opt_string(const json& input, const char* member, std::string fallback) {
  auto it = input.find(member);
  return it == input.end() ? fallback : it->get<std::string>();
}

std::size_t policy_size(std::string_view document) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < document.size(); ++i) {
    auto c = static_cast<unsigned char>(document[i]);
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') continue;
    n += (c & 0xC0) != 0x80;
  }
  return n;
}

void check_policy_document(std::string_view member, const std::string& document,
                           DocumentKind kind) {
  check_length(member, document, 1, 131072);
  for (char32_t c : code_points(document)) {
    if (!(c == 0x09 || c == 0x0A || c == 0x0D || (c >= 0x20 && c <= 0xFF)))
      throw_validation(member, document,
                       "Member must satisfy regular expression pattern: "
                       "[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+");
  }
  json doc = json::parse(document, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object())
    throw_malformed_policy(kind == DocumentKind::trust ? "This policy contains invalid Json"
                                                       : "Syntax errors in policy.");
  if (auto v = doc.find("Version"); v != doc.end()) {
    if (!v->is_string() || (*v != "2012-10-17" && *v != "2008-10-17"))
      throw_malformed_policy("The policy failed legacy parsing");
  }
  auto st = doc.find("Statement");
  if (st == doc.end()) throw_malformed_policy("Missing required field Statement");
  json statements = st->is_array() ? *st : json::array({*st});
  if (statements.empty()) throw_malformed_policy("Missing required field Statement");
  for (const json& s : statements) {
    if (!s.is_object()) throw_malformed_policy("Syntax errors in policy.");
    auto effect = s.find("Effect");
    if (effect == s.end()) throw_malformed_policy("Missing required field Effect");
    if (!effect->is_string() || (*effect != "Allow" && *effect != "Deny"))
      throw_malformed_policy("Syntax errors in policy.");
    if (!s.contains("Action") && !s.contains("NotAction"))
      throw_malformed_policy("Policy statement must contain actions.");
    bool principal = s.contains("Principal") || s.contains("NotPrincipal");
    bool resource = s.contains("Resource") || s.contains("NotResource");
    if (kind == DocumentKind::identity) {
      if (principal) throw_malformed_policy("Policy document should not specify a principal.");
      if (!resource) throw_malformed_policy("Policy statement must contain resources.");
    } else {
      if (!principal) throw_malformed_policy("Missing required field Principal");
      if (s.contains("Resource")) throw_malformed_policy("Has prohibited field Resource");
      if (s.contains("NotResource")) throw_malformed_policy("Has prohibited field NotResource");
    }
  }
}

json merge_tags(const json& existing, const json& tags) {
  std::vector<std::string> seen;
  for (const json& t : tags) {
    const std::string& key = t.at("Key").get_ref<const std::string&>();
    const std::string& value = t.at("Value").get_ref<const std::string&>();
    check_length("tags.member.key", key, 1, 128);
    check_length("tags.member.value", value, 0, 256);
    for (char32_t c : code_points(key))
      if (!is_tag_char(c))
        throw_validation("tags.member.key", key,
                         "Member must satisfy regular expression pattern: "
                         "[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+");
    for (char32_t c : code_points(value))
      if (!is_tag_char(c))
        throw_validation("tags.member.value", value,
                         "Member must satisfy regular expression pattern: "
                         "[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*");
    std::string k = lower(key);
    if (std::find(seen.begin(), seen.end(), k) != seen.end())
      throw_invalid_input(
          "Duplicate tag keys found. Please note that Tag keys are case insensitive.");
    seen.push_back(k);
  }
  json out = existing.is_array() ? existing : json::array();
  for (const json& t : tags) {
    std::string k = lower(t.at("Key").get<std::string>());
    auto it = std::find_if(out.begin(), out.end(), [&](const json& e) {
      return lower(e.at("Key").get<std::string>()) == k;
    });
    json tag = {{"Key", t.at("Key")}, {"Value", t.at("Value")}};
    if (it != out.end())
      *it = std::move(tag);
    else
      out.push_back(std::move(tag));
  }
  if (out.size() > kTagsMax)
    throw_limit_exceeded("The number of tags has reached the maximum limit of " +
                         std::to_string(kTagsMax) + ".");
  return out;
}

json remove_tags(const json& existing, const json& keys) {
  json out = json::array();
  if (!existing.is_array()) return out;
  for (const json& t : existing) {
    std::string k = lower(t.at("Key").get<std::string>());
    bool drop = std::any_of(keys.begin(), keys.end(),
                            [&](const json& key) { return lower(key.get<std::string>()) == k; });
    if (!drop) out.push_back(t);
  }
  return out;
}

Page paginate(const std::vector<std::string>& keys, const json& input) {
  std::int64_t max_items = input.value("MaxItems", kDefaultMaxItems);
  check_range("maxItems", max_items, 1, 1000);
  Page p;
  if (auto m = input.find("Marker"); m != input.end()) {
    const std::string& marker = m->get_ref<const std::string&>();
    check_length("marker", marker, 1, 320);
    std::string key;
    if (!base64_decode(marker, key)) throw_invalid_input("Invalid Marker.");
    p.begin =
        static_cast<std::size_t>(std::lower_bound(keys.begin(), keys.end(), key) - keys.begin());
  }
  p.end = std::min(keys.size(), p.begin + static_cast<std::size_t>(max_items));
  p.truncated = p.end < keys.size();
  if (p.truncated) p.marker = base64_encode(keys[p.end]);
  return p;
}

std::vector<std::string> index_keys(std::size_t n) {
  std::vector<std::string> keys;
  keys.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    std::string k = std::to_string(i);
    keys.push_back(std::string(20 - k.size(), '0') + k);
  }
  return keys;
}

void set_paging(json& out, const Page& p) {
  out["IsTruncated"] = p.truncated;
  if (p.truncated) out["Marker"] = p.marker;
}

std::string role_arn(const std::string& account, const std::string& path, const std::string& name) {
  return "arn:aws:iam::" + account + ":role" + path + name;
}

std::string policy_arn(const std::string& account, const std::string& path,
                       const std::string& name) {
  return "arn:aws:iam::" + account + ":policy" + path + name;
}

std::string unique_id(Call& call, std::string_view prefix) {
  // IAM unique ids: a 4-letter type prefix and 17 base32 characters.
  return std::string(prefix) + call.env.rng.chars(17, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567");
}

PolicyRef find_policy(Call& call, const std::string& arn) {
  check_length("policyArn", arn, 20, 2048);
  // arn:aws:iam::<account|aws>:policy<path><name>
  constexpr std::string_view kPrefix = "arn:aws:iam::";
  PolicyRef ref;
  ref.arn = arn;
  auto invalid = [&] { throw_invalid_input("ARN " + arn + " is not valid."); };
  if (arn.rfind(kPrefix, 0) != 0) invalid();
  std::size_t colon = arn.find(':', kPrefix.size());
  if (colon == std::string::npos) invalid();
  std::string account = arn.substr(kPrefix.size(), colon - kPrefix.size());
  std::string resource = arn.substr(colon + 1);
  if (resource.rfind("policy/", 0) != 0 || resource.back() == '/') invalid();
  std::string path_and_name = resource.substr(6);
  std::string name = path_and_name.substr(path_and_name.rfind('/') + 1);
  if (account == "aws") {
    ref.aws = find_aws_managed_policy(arn);
    return ref;
  }
  if (account != call.account) return ref;
  if (const json* p = call.env.store.get(call.global_scope(), kPolicyKind, lower(name))) {
    if (lower(p->at("Arn").get<std::string>()) == lower(arn)) ref.local_id = lower(name);
  }
  return ref;
}

std::map<std::string, Usage> policy_usage(Call& call) {
  std::map<std::string, Usage> out;
  for (auto& [id, role] : call.env.store.list(call.global_scope(), kRoleKind)) {
    for (const json& arn : role->value("_attached", json::array()))
      ++out[arn.get<std::string>()].attachments;
    if (auto b = role->find("PermissionsBoundary"); b != role->end())
      ++out[b->at("PermissionsBoundaryArn").get<std::string>()].boundaries;
  }
  return out;
}

const ManagedPolicyData* find_aws_managed_policy(std::string_view arn) {
  for (const ManagedPolicyData& p : managed_policy_catalogue())
    if (aws_managed_policy_arn(p) == arn) return &p;
  return nullptr;
}

}  // namespace zonesim::iam
