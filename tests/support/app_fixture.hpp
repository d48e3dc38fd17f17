#pragma once
// An in-process zonesim for tests: requests go through the whole pipeline (routing, parsing,
// handler, serialization, commit) without sockets.
#include <gtest/gtest.h>
#include <pugixml.hpp>

#include <memory>
#include <string>

#include "emulator/app/app.hpp"
#include "emulator/protocol/codec.hpp"

namespace zonesim::testing {

// 2026-01-01T00:00:00Z: a fixed epoch so timestamps are stable.
constexpr sim::Millis kTestEpoch = 1767225600000;

class AppTest : public ::testing::Test {
 protected:
  void SetUp() override { reset(); }

  void reset(const std::string& state = "", std::uint64_t seed = 1) {
    Config c;
    c.seed = seed;
    c.clock_mode = "manual";
    app_ = std::make_unique<App>(c, state, kTestEpoch);
  }

  static std::string auth(const std::string& signing_name, const std::string& key = "test",
                          const std::string& region = "eu-central-1") {
    return "AWS4-HMAC-SHA256 Credential=" + key + "/20260101/" + region + "/" + signing_name +
           "/aws4_request, SignedHeaders=host;x-amz-date, Signature=0";
  }

  // A form-encoded query/ec2 request; `params` is already encoded ("Action=X&A=b").
  http::Response query(const std::string& signing_name, const std::string& params,
                       const std::string& key = "test") {
    http::Request r;
    r.headers = {{"authorization", auth(signing_name, key)},
                 {"content-type", "application/x-www-form-urlencoded; charset=utf-8"}};
    r.body = params;
    return app_->handle(r);
  }

  // A JSON 1.1 request: target like "AmazonEC2ContainerServiceV20141113.CreateCluster".
  http::Response json_call(const std::string& signing_name, const std::string& target,
                           const std::string& body, const std::string& key = "test") {
    http::Request r;
    r.headers = {{"authorization", auth(signing_name, key)},
                 {"content-type", "application/x-amz-json-1.1"},
                 {"x-amz-target", target}};
    r.body = body;
    return app_->handle(r);
  }

  // Parse an XML response body.
  static pugi::xml_node xml(const http::Response& r, pugi::xml_document& doc) {
    EXPECT_TRUE(doc.load_string(r.body.c_str())) << r.body;
    return doc.document_element();
  }
  // Text of the first element matching an XPath (e.g. "//vpcId").
  static std::string xpath(const http::Response& r, const std::string& path) {
    pugi::xml_document doc;
    doc.load_string(r.body.c_str());
    return doc.select_node(path.c_str()).node().text().as_string();
  }
  static std::string error_code(const http::Response& r) {
    if (r.content_type.rfind("application/x-amz-json", 0) == 0)
      return json::parse(r.body).value("__type", "");
    return xpath(r, "//Error/Code");
  }

  std::unique_ptr<App> app_;
};

}  // namespace zonesim::testing
