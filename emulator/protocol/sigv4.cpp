#include "emulator/protocol/sigv4.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "emulator/protocol/codec.hpp"

namespace zonesim::protocol {

namespace {
std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
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

bool is_account_id(std::string_view s) {
  return s.size() == 12 &&
         std::all_of(s.begin(), s.end(), [](unsigned char ch) { return std::isdigit(ch); });
}

// "AKID/20260101/eu-central-1/ec2/aws4_request" into c; false when it is not of that form.
bool parse_scope(std::string_view value, Credential& c) {
  auto scope = split(value, '/');
  if (scope.size() != 5 || scope[4] != "aws4_request" || scope[0].empty() || scope[3].empty())
    return false;
  // The region and signing name become parts of ARNs, scopes and answers: only what AWS uses
  // (lower-case letters, digits, '-'); the key is printable ASCII.
  auto name_ok = [](const std::string& s) {
    return std::all_of(s.begin(), s.end(), [](unsigned char ch) {
      return std::islower(ch) || std::isdigit(ch) || ch == '-';
    });
  };
  auto key_ok = std::all_of(scope[0].begin(), scope[0].end(),
                            [](unsigned char ch) { return ch > 0x20 && ch < 0x7f; });
  if (!key_ok || !name_ok(scope[2]) || !name_ok(scope[3])) return false;
  c.access_key = scope[0], c.date = scope[1], c.region = scope[2], c.service = scope[3];
  return true;
}

std::string hex(const unsigned char* p, std::size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(n * 2, '0');
  for (std::size_t i = 0; i < n; ++i) {
    out[2 * i] = kDigits[p[i] >> 4];
    out[2 * i + 1] = kDigits[p[i] & 0xf];
  }
  return out;
}

// A header value as SigV4 canonicalizes it: outer whitespace trimmed, inner runs of spaces as one.
std::string canonical_value(std::string_view v) {
  v = trim(v);
  std::string out;
  out.reserve(v.size());
  bool space = false;
  for (char ch : v) {
    if (ch == ' ' || ch == '\t') {
      space = true;
      continue;
    }
    if (space && !out.empty()) out.push_back(' ');
    space = false;
    out.push_back(ch);
  }
  return out;
}

// RFC 3986 dot-segment removal with empty segments dropped, as the SDKs normalize a path before
// signing it (every service but S3): "//a/./b/../c/" -> "/a/c/".
std::string normalize_path(std::string_view path) {
  if (path.empty()) return "/";
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t slash = path.find('/', start);
    std::string_view seg = path.substr(
        start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (seg == "..") {
      if (!out.empty()) out.pop_back();
    } else if (!seg.empty() && seg != ".") {
      out.push_back(seg);
    }
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  std::string result = path.front() == '/' ? "/" : "";
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (i) result += '/';
    result += out[i];
  }
  if (path.back() == '/' && !out.empty()) result += '/';
  return result.empty() ? "/" : result;
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
      if (!parse_scope(value, c)) return std::nullopt;
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

std::optional<Credential> parse_presigned(
    const std::vector<std::pair<std::string, std::string>>& query) {
  Credential c;
  c.presigned = true;
  bool have_credential = false;
  for (auto& [k, v] : query) {
    if (k == "X-Amz-Credential") {
      if (!parse_scope(v, c)) return std::nullopt;
      have_credential = true;
    } else if (k == "X-Amz-Algorithm") {
      if (v != "AWS4-HMAC-SHA256") return std::nullopt;
    } else if (k == "X-Amz-SignedHeaders") {
      c.signed_headers = split(v, ';');
    } else if (k == "X-Amz-Signature") {
      c.signature = v;
    } else if (k == "X-Amz-Date") {
      c.amz_date = v;
    } else if (k == "X-Amz-Expires") {
      auto r = std::from_chars(v.data(), v.data() + v.size(), c.expires);
      if (r.ec != std::errc() || r.ptr != v.data() + v.size() || c.expires < 0) return std::nullopt;
    }
  }
  if (!have_credential) return std::nullopt;
  return c;
}

std::string account_for_key(std::string_view access_key, const std::string& fallback) {
  return is_account_id(access_key) ? std::string(access_key) : fallback;
}

KeyPairs parse_credentials(std::string_view text, const std::string& source) {
  KeyPairs out;
  struct Section {
    std::string name;
    int line = 0;
    std::string key, secret, account;
  };
  std::optional<Section> cur;
  auto finish = [&] {
    if (!cur) return;
    auto where = source + ":" + std::to_string(cur->line) + ": profile [" + cur->name + "]";
    if (cur->key.empty() && cur->secret.empty()) return;  // a profile without keys (e.g. region)
    if (cur->key.empty()) throw std::runtime_error(where + " has no aws_access_key_id");
    if (cur->secret.empty()) throw std::runtime_error(where + " has no aws_secret_access_key");
    auto [it, fresh] = out.emplace(cur->key, KeyPair{cur->secret, cur->account});
    if (!fresh)
      throw std::runtime_error(where + ": access key " + cur->key + " is configured twice");
  };
  int line_no = 0;
  for (const std::string& raw : split(text, '\n')) {
    ++line_no;
    std::string_view line = trim(raw);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    if (line.front() == '[') {
      if (line.back() != ']')
        throw std::runtime_error(source + ":" + std::to_string(line_no) + ": unclosed [section");
      finish();
      cur = Section{std::string(trim(line.substr(1, line.size() - 2))), line_no, {}, {}, {}};
      continue;
    }
    auto eq = line.find('=');
    if (eq == std::string_view::npos)
      throw std::runtime_error(source + ":" + std::to_string(line_no) +
                               ": expected 'name = value'");
    if (!cur)
      throw std::runtime_error(source + ":" + std::to_string(line_no) +
                               ": setting outside a [profile] section");
    std::string_view key = trim(line.substr(0, eq)), value = trim(line.substr(eq + 1));
    if (key == "aws_access_key_id") {
      cur->key = value;
    } else if (key == "aws_secret_access_key") {
      cur->secret = value;
    } else if (key == "aws_account_id") {
      if (!is_account_id(value))
        throw std::runtime_error(source + ":" + std::to_string(line_no) +
                                 ": aws_account_id must be 12 digits");
      cur->account = value;
    }  // other settings (region, output, aws_session_token, ...) are not ours to judge
  }
  finish();
  if (out.empty()) throw std::runtime_error(source + ": no key pairs");
  return out;
}

KeyPairs load_credentials_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read credentials file " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_credentials(ss.str(), path);
}

std::string sha256_hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (EVP_Digest(data.data(), data.size(), md, &n, EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("SHA-256 failed");
  return hex(md, n);
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
            reinterpret_cast<const unsigned char*>(data.data()), data.size(), md, &n))
    throw std::runtime_error("HMAC-SHA256 failed");
  return std::string(reinterpret_cast<const char*>(md), n);
}

std::string uri_encode(std::string_view s, bool keep_slash) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char ch : s) {
    if (std::isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '~' ||
        (keep_slash && ch == '/')) {
      out.push_back(static_cast<char>(ch));
    } else {
      out.push_back('%');
      out.push_back(kDigits[ch >> 4]);
      out.push_back(kDigits[ch & 0xf]);
    }
  }
  return out;
}

std::string canonical_request(const http::Request& req, const Credential& c,
                              std::string_view payload_hash) {
  std::string_view target = req.target;
  auto q = target.find('?');
  std::string_view path = target.substr(0, q);
  std::string_view query = q == std::string_view::npos ? std::string_view() : target.substr(q + 1);

  std::string out = req.method;
  out += '\n';
  // The path as sent is already percent-encoded; SigV4 (every service but S3) encodes it again.
  out += uri_encode(normalize_path(path), true);
  out += '\n';

  std::vector<std::pair<std::string, std::string>> params;
  for (auto& [k, v] : parse_form(query)) {
    if (c.presigned && k == "X-Amz-Signature") continue;
    params.emplace_back(uri_encode(k, false), uri_encode(v, false));
  }
  std::sort(params.begin(), params.end());
  for (std::size_t i = 0; i < params.size(); ++i) {
    if (i) out += '&';
    out += params[i].first;
    out += '=';
    out += params[i].second;
  }
  out += '\n';

  std::string signed_list;
  for (const std::string& name : c.signed_headers) {
    std::string value;
    bool first = true;
    for (auto& [k, v] : req.headers) {
      if (k != name) continue;
      if (!first) value += ',';
      value += canonical_value(v);
      first = false;
    }
    out += name;
    out += ':';
    out += value;
    out += '\n';
    if (!signed_list.empty()) signed_list += ';';
    signed_list += name;
  }
  out += '\n';
  out += signed_list;
  out += '\n';
  out += payload_hash;
  return out;
}

std::string string_to_sign(const Credential& c, std::string_view amz_date,
                           std::string_view canonical) {
  std::string out = "AWS4-HMAC-SHA256\n";
  out += amz_date;
  out += '\n';
  out += c.date + "/" + c.region + "/" + c.service + "/aws4_request\n";
  out += sha256_hex(canonical);
  return out;
}

std::string sign(std::string_view secret, const Credential& c, std::string_view sts) {
  std::string key = hmac_sha256("AWS4" + std::string(secret), c.date);
  key = hmac_sha256(key, c.region);
  key = hmac_sha256(key, c.service);
  key = hmac_sha256(key, "aws4_request");
  std::string mac = hmac_sha256(key, sts);
  return hex(reinterpret_cast<const unsigned char*>(mac.data()), mac.size());
}

std::optional<std::int64_t> parse_amz_date(std::string_view s) {
  if (s.size() != 16 || s[8] != 'T' || s[15] != 'Z') return std::nullopt;
  for (std::size_t i : {0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 14})
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return std::nullopt;
  std::string iso = std::string(s.substr(0, 4)) + "-" + std::string(s.substr(4, 2)) + "-" +
                    std::string(s.substr(6, 2)) + "T" + std::string(s.substr(9, 2)) + ":" +
                    std::string(s.substr(11, 2)) + ":" + std::string(s.substr(13, 2)) + "Z";
  return parse_iso8601(iso);
}

std::string format_amz_date(std::int64_t ms) {
  std::string iso = iso8601(ms);  // 2026-01-01T00:00:00.000Z
  std::string out;
  for (char ch : iso.substr(0, 19))
    if (ch != '-' && ch != ':') out.push_back(ch);
  return out + "Z";
}

Verification verify(const http::Request& req, const Credential& c, std::string_view secret,
                    std::int64_t now_ms, std::int64_t max_skew_ms) {
  std::string amz_date = c.presigned ? c.amz_date : std::string(req.header("x-amz-date"));
  if (amz_date.empty())
    return {Verdict::missing_date,
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."};
  auto t = parse_amz_date(amz_date);
  if (!t)
    return {Verdict::bad_date,
            "Invalid X-Amz-Date '" + amz_date +
                "': it must be in the ISO 8601 basic format YYYYMMDD'T'HHMMSS'Z'"};
  if (amz_date.substr(0, 8) != c.date)
    return {Verdict::scope_date_mismatch,
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from "
            "HTTP: '" +
                c.date + "' != '" + amz_date.substr(0, 8) + "', from '" + amz_date + "'."};

  // The signature first: a wrong secret says so even when the clock is also off.
  std::string payload_hash;
  std::string_view declared = req.header("x-amz-content-sha256");
  std::string actual = sha256_hex(req.body);
  if (!declared.empty()) {
    payload_hash = declared;
    if (declared != "UNSIGNED-PAYLOAD" && declared != actual)
      return {Verdict::mismatch,
              "The provided 'x-amz-content-sha256' header does not match what was computed."};
  } else {
    payload_hash = actual;
  }
  std::string expected =
      sign(secret, c, string_to_sign(c, amz_date, canonical_request(req, c, payload_hash)));
  if (expected.size() != c.signature.size() ||
      CRYPTO_memcmp(expected.data(), c.signature.data(), expected.size()) != 0)
    return {Verdict::mismatch,
            "The request signature we calculated does not match the signature you provided. Check "
            "your AWS Secret Access Key and signing method. Consult the service documentation for "
            "details."};

  std::string minutes = std::to_string(max_skew_ms / 60000);
  if (c.presigned) {
    if (now_ms > *t + c.expires * 1000)
      return {Verdict::expired, "Request has expired: X-Amz-Date " + amz_date + " + " +
                                    std::to_string(c.expires) + " s is earlier than " +
                                    format_amz_date(now_ms) + "."};
  } else if (*t < now_ms - max_skew_ms) {
    return {Verdict::expired, "Signature expired: " + amz_date + " is now earlier than " +
                                  format_amz_date(now_ms - max_skew_ms) + " (" +
                                  format_amz_date(now_ms) + " - " + minutes + " min.)"};
  }
  if (*t > now_ms + max_skew_ms)
    return {Verdict::not_yet_current, "Signature not yet current: " + amz_date +
                                          " is still later than " +
                                          format_amz_date(now_ms + max_skew_ms) + " (" +
                                          format_amz_date(now_ms) + " + " + minutes + " min.)"};
  return {};
}

}  // namespace zonesim::protocol
