// Error serialization for every protocol family (outputs: output_codec.cpp).
#include <pugixml.hpp>
#include <sstream>
#include <stdexcept>

#include "emulator/protocol/codec.hpp"
#include "emulator/protocol/scalar.hpp"

namespace zonesim::protocol {

namespace {

std::string render(pugi::xml_document& doc) {
  std::ostringstream out;
  doc.save(out, "", pugi::format_raw | pugi::format_no_declaration);
  // pugixml writes a carriage return in text as is, and every XML parser turns it into a line
  // feed on reading: written as a reference it survives. (Raw output has no other \r.)
  std::string body = out.str(), escaped;
  escaped.reserve(body.size());
  for (char c : body) {
    if (c == '\r')
      escaped += "&#13;";
    else
      escaped += c;
  }
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + escaped;
}

}  // namespace

Encoded serialize_error(const ServiceModel& model, const AwsError& error_in,
                        const std::string& request_id) {
  // Messages echo the client's values: invalid UTF-8 in them becomes U+FFFD, so that the error
  // body stays readable (a JSON dump would throw; an XML parser would reject the body).
  AwsError error = error_in;
  if (!valid_utf8(error.message())) {
    std::string safe = json(error.message()).dump(-1, ' ', false, json::error_handler_t::replace);
    error = AwsError(error.code(), json::parse(safe).get<std::string>(), error.http_status(),
                     error.sender());
  }
  Encoded e;
  e.status = error.http_status();
  if (model.protocol() == Protocol::json) {
    e.content_type = "application/x-amz-json-" + model.json_version();
    e.body = json{{"__type", error.code()}, {"message", error.message()}}.dump();
    return e;
  }
  e.content_type = "text/xml";
  pugi::xml_document doc;
  if (model.protocol() == Protocol::ec2) {
    pugi::xml_node root = doc.append_child("Response");
    pugi::xml_node err = root.append_child("Errors").append_child("Error");
    err.append_child("Code").text().set(error.code().c_str());
    err.append_child("Message").text().set(error.message().c_str());
    root.append_child("RequestID").text().set(request_id.c_str());
  } else {
    pugi::xml_node root = doc.append_child("ErrorResponse");
    root.append_attribute("xmlns").set_value(model.xml_namespace().c_str());
    pugi::xml_node err = root.append_child("Error");
    err.append_child("Type").text().set(error.sender() ? "Sender" : "Receiver");
    err.append_child("Code").text().set(error.code().c_str());
    err.append_child("Message").text().set(error.message().c_str());
    root.append_child("RequestId").text().set(request_id.c_str());
  }
  e.body = render(doc);
  return e;
}

}  // namespace zonesim::protocol
