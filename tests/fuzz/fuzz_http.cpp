// Raw bytes -> the server's HTTP parser (Beast, with the server's limits) -> App::handle.
// Whatever arrives, the answer is a parse error status (4xx) or an application answer that keeps
// the invariants of fuzz_support.hpp.
#include "emulator/http/parse.hpp"
#include "tests/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace zonesim;
  static http::Limits limits = [] {
    http::Limits l;
    l.max_body_bytes = 64 * 1024;  // the fuzzer's inputs are small; exercise the 413 path too
    l.max_header_bytes = 8 * 1024;
    l.max_target_bytes = 2 * 1024;
    return l;
  }();
  std::string_view raw(reinterpret_cast<const char*>(data), size);
  auto parsed = http::parse_request(raw, limits);
  if (!parsed.request) {
    if (parsed.status == 0 && !raw.empty()) fuzz::die("bytes but neither request nor status", raw);
    if (parsed.status != 0 && (parsed.status < 400 || parsed.status > 499))
      fuzz::die("parse error status", raw);
    return 0;
  }
  auto app = fuzz::make_app();
  fuzz::check_response(app->handle(*parsed.request), raw);
  return 0;
}
