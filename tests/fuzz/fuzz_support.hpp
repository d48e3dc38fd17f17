#pragma once
// Shared by the libFuzzer targets: a fresh in-process zonesim and the invariants every answer
// must keep (never a 500, a body that parses as what its content type says).
#include <pugixml.hpp>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/app/app.hpp"
#include "emulator/protocol/scalar.hpp"

namespace zonesim::fuzz {

inline std::unique_ptr<App> make_app() {
  Config c;
  c.seed = 1;
  c.clock_mode = "manual";
  return std::make_unique<App>(c, "", 1767225600000);  // 2026-01-01T00:00:00Z
}

[[noreturn]] inline void die(const std::string& what, std::string_view detail) {
  std::fprintf(stderr, "FUZZ INVARIANT BROKEN: %s\n%.*s\n", what.c_str(),
               static_cast<int>(detail.size() > 4000 ? 4000 : detail.size()), detail.data());
  std::abort();
}

// XML 1.0 allows tab, LF, CR and everything from 0x20 (control characters cannot even be
// escaped): a client's XML parser rejects a body with any other byte below 0x20.
inline bool xml_chars_ok(std::string_view s) {
  for (unsigned char c : s)
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') return false;
  return true;
}

// The answer to any request: a server error (other than 501 for an unserved operation) is a
// bug, and the body must be what the content type says.
inline void check_response(const http::Response& r, std::string_view request) {
  if (r.status >= 500 && r.status != 501)
    die("status " + std::to_string(r.status) + ": " + r.body, request);
  if (r.status < 200 || r.status > 599) die("status out of range", request);
  if (!protocol::valid_utf8(r.body)) die("response is not UTF-8: " + r.body, request);
  if (r.content_type.find("xml") != std::string::npos) {
    pugi::xml_document doc;
    if (!doc.load_buffer(r.body.data(), r.body.size()) || !xml_chars_ok(r.body))
      die("response is not well-formed XML: " + r.body, request);
  } else if (r.content_type.find("json") != std::string::npos) {
    if (!nlohmann::json::accept(r.body)) die("response is not JSON: " + r.body, request);
  }
}

// Lines of the input (the stateful targets run one request per line on one App).
inline std::vector<std::string_view> lines(std::string_view in, std::size_t max_lines = 64) {
  std::vector<std::string_view> out;
  while (!in.empty() && out.size() < max_lines) {
    auto nl = in.find('\n');
    out.push_back(in.substr(0, nl));
    if (nl == std::string_view::npos) break;
    in.remove_prefix(nl + 1);
  }
  return out;
}

inline std::string auth_header(std::string_view signing_name) {
  return "AWS4-HMAC-SHA256 Credential=test/20260101/eu-central-1/" + std::string(signing_name) +
         "/aws4_request, SignedHeaders=host;x-amz-date, Signature=0";
}

}  // namespace zonesim::fuzz
