// The ec2/query form parser and the query services' handlers. Each input line is one call:
//   <signing-name> <form body>      e.g. "ec2 Action=CreateVpc&Version=2016-11-15&CidrBlock=..."
// run in order on one fresh App (so a fuzzed Describe can see what a fuzzed Create made).
// The first line's form is also parsed directly against every query-protocol model's operation
// named by Action, which reaches the parser even where the handler rejects the call.
#include "emulator/protocol/codec.hpp"
#include "tests/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace zonesim;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto calls = fuzz::lines(in, 32);
  std::unique_ptr<App> app;
  for (std::string_view line : calls) {
    auto sp = line.find(' ');
    if (sp == std::string_view::npos || sp > 32) continue;
    std::string_view signing = line.substr(0, sp), body = line.substr(sp + 1);
    if (line.data() == in.data()) {  // first line: the parser alone, every query model
      try {
        auto params = protocol::parse_form(body);
        std::string action;
        for (auto& [k, v] : params)
          if (k == "Action") action = v;
        for (const char* svc : {"ec2", "elbv2", "rds", "iam", "sts"}) {
          const auto* model = protocol::ServiceModel::get(svc);
          if (const auto* op = model->operation(action)) {
            try {
              protocol::parse_query_input(*model, *op, params);
            } catch (const AwsError& e) {
              if (e.http_status() < 400 || e.http_status() > 499) fuzz::die(e.code(), line);
            }
          }
        }
      } catch (const AwsError& e) {
        if (e.code() != "MalformedQueryString") fuzz::die("parse_form: " + e.code(), line);
      }
    }
    if (!app) app = fuzz::make_app();
    http::Request r;
    r.headers = {{"authorization", fuzz::auth_header(signing)},
                 {"content-type", "application/x-www-form-urlencoded; charset=utf-8"}};
    r.body = std::string(body);
    fuzz::check_response(app->handle(r), line);
  }
  return 0;
}
