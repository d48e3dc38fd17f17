#include "emulator/protocol/sigv4.hpp"

#include <algorithm>
#include <cctype>

namespace zonesim::protocol {

namespace {
std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    std::size_t p = s.find(sep, start);
    out.emplace_back(
        s.substr(start, p == std::string_view::npos ? std::string_view::npos : p - start));
    if (p == std::string_view::npos) break;
    start = p + 1;
  }
  return out;
}
}  // namespace

std::optional<Credential> parse_authorization(std::string_view header) {
  constexpr std::string_view kAlgo = "AWS4-HMAC-SHA256";
  header = trim(header);
  if (header.substr(0, kAlgo.size()) != kAlgo) return std::nullopt;
  header.remove_prefix(kAlgo.size());
  Credential c;
  bool have_credential = false;
  for (const std::string& part : split(header, ',')) {
    std::string_view p = trim(part);
    std::size_t eq = p.find('=');
    if (eq == std::string_view::npos) return std::nullopt;
    std::string_view key = trim(p.substr(0, eq)), value = trim(p.substr(eq + 1));
    if (key == "Credential") {
      auto scope = split(value, '/');
      if (scope.size() != 5 || scope[4] != "aws4_request" || scope[0].empty() || scope[3].empty())
        return std::nullopt;
      // The region and signing name become parts of ARNs, scopes and answers: only what AWS
      // uses (lower-case letters, digits, '-'); the key is printable ASCII.
      auto name_ok = [](const std::string& s) {
        return std::all_of(s.begin(), s.end(), [](unsigned char ch) {
          return std::islower(ch) || std::isdigit(ch) || ch == '-';
        });
      };
      auto key_ok = std::all_of(scope[0].begin(), scope[0].end(),
                                [](unsigned char ch) { return ch > 0x20 && ch < 0x7f; });
      if (!key_ok || !name_ok(scope[2]) || !name_ok(scope[3])) return std::nullopt;
      c.access_key = scope[0], c.date = scope[1], c.region = scope[2], c.service = scope[3];
      have_credential = true;
    } else if (key == "SignedHeaders") {
      c.signed_headers = split(value, ';');
    } else if (key == "Signature") {
      c.signature = std::string(value);
    }
  }
  if (!have_credential) return std::nullopt;
  return c;
}

std::string account_for_key(std::string_view access_key, const std::string& fallback) {
  if (access_key.size() == 12 && std::all_of(access_key.begin(), access_key.end(),
                                             [](unsigned char ch) { return std::isdigit(ch); }))
    return std::string(access_key);
  return fallback;
}

}  // namespace zonesim::protocol
