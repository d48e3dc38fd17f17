// The JSON protocol parser and the JSON services' handlers (ECS, CloudWatch Logs). Each input
// line is one call:  <X-Amz-Target> <JSON body>
//   e.g. "AmazonEC2ContainerServiceV20141113.CreateCluster {\"clusterName\":\"a\"}"
// run in order on one fresh App.
#include "tests/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace zonesim;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::unique_ptr<App> app;
  for (std::string_view line : fuzz::lines(in, 32)) {
    auto sp = line.find(' ');
    if (sp == std::string_view::npos || sp > 80) continue;
    std::string_view target = line.substr(0, sp), body = line.substr(sp + 1);
    std::string signing = target.rfind("Logs_", 0) == 0 ? "logs" : "ecs";
    if (!app) app = fuzz::make_app();
    http::Request r;
    r.headers = {{"authorization", fuzz::auth_header(signing)},
                 {"content-type", "application/x-amz-json-1.1"},
                 {"x-amz-target", std::string(target)}};
    r.body = std::string(body);
    fuzz::check_response(app->handle(r), line);
  }
  return 0;
}
