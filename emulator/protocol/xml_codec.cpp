// Output and error serialization for the ec2 and query protocols (XML), by shape.
#include <pugixml.hpp>
#include <sstream>
#include <stdexcept>

#include "emulator/protocol/codec.hpp"
#include "emulator/protocol/scalar.hpp"

namespace zonesim::protocol {

namespace {

std::string scalar_text(const Shape& shape, const json& v) {
  switch (shape.type) {
    case ShapeType::boolean:
      if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
      break;
    case ShapeType::integer:
    case ShapeType::long_:
      if (v.is_number_integer()) return std::to_string(v.get<std::int64_t>());
      break;
    case ShapeType::double_:
    case ShapeType::float_:
      if (v.is_number()) return v.dump();
      break;
    case ShapeType::timestamp:
      if (v.is_number()) return iso8601(v.get<std::int64_t>());
      if (v.is_string()) return v.get<std::string>();
      break;
    default:
      if (v.is_string()) return v.get<std::string>();
      break;
  }
  throw std::logic_error("serializer: value " + v.dump() + " does not fit shape " + shape.name);
}

class XmlWriter {
 public:
  explicit XmlWriter(bool ec2) : ec2_(ec2) {}

  void structure_members(pugi::xml_node node, const Shape& shape, const json& v) {
    if (!v.is_object())
      throw std::logic_error("serializer: expected an object for shape " + shape.name);
    for (auto& [key, val] : v.items()) {
      if (!key.empty() && key[0] == '_') continue;
      const MemberRef* m = shape.find_member(key);
      if (!m)
        throw std::logic_error("serializer: unknown member '" + key + "' in shape " + shape.name);
      if (val.is_null()) continue;
      std::string name = m->location_name.empty() ? m->name : m->location_name;
      if (m->shape->type == ShapeType::list && m->shape->flattened) {
        for (auto& item : val) value(node, name, *m->shape->member.shape, item);
      } else {
        value(node, name, *m->shape, val);
      }
    }
  }

  void value(pugi::xml_node parent, const std::string& name, const Shape& shape, const json& v) {
    pugi::xml_node node = parent.append_child(name.c_str());
    switch (shape.type) {
      case ShapeType::structure:
        structure_members(node, shape, v);
        return;
      case ShapeType::list: {
        if (!v.is_array())
          throw std::logic_error("serializer: expected an array for shape " + shape.name);
        std::string item = shape.member.location_name.empty() ? (ec2_ ? "item" : "member")
                                                              : shape.member.location_name;
        for (auto& e : v) value(node, item, *shape.member.shape, e);
        return;
      }
      case ShapeType::map: {
        if (!v.is_object())
          throw std::logic_error("serializer: expected an object for shape " + shape.name);
        std::string kname = shape.key.location_name.empty() ? "key" : shape.key.location_name;
        std::string vname = shape.value.location_name.empty() ? "value" : shape.value.location_name;
        for (auto& [k, val] : v.items()) {
          pugi::xml_node entry = shape.flattened ? node : node.append_child("entry");
          entry.append_child(kname.c_str()).text().set(k.c_str());
          value(entry, vname, *shape.value.shape, val);
        }
        return;
      }
      default:
        node.text().set(scalar_text(shape, v).c_str());
    }
  }

 private:
  bool ec2_;
};

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

json json_value(const Shape& shape, const json& v) {
  switch (shape.type) {
    case ShapeType::structure: {
      if (!v.is_object())
        throw std::logic_error("serializer: expected an object for shape " + shape.name);
      json out = json::object();
      for (auto& [key, val] : v.items()) {
        if (!key.empty() && key[0] == '_') continue;
        const MemberRef* m = shape.find_member(key);
        if (!m)
          throw std::logic_error("serializer: unknown member '" + key + "' in shape " + shape.name);
        if (val.is_null()) continue;
        out[m->location_name.empty() ? m->name : m->location_name] = json_value(*m->shape, val);
      }
      return out;
    }
    case ShapeType::list: {
      if (!v.is_array())
        throw std::logic_error("serializer: expected an array for shape " + shape.name);
      json out = json::array();
      for (auto& e : v) out.push_back(json_value(*shape.member.shape, e));
      return out;
    }
    case ShapeType::map: {
      if (!v.is_object())
        throw std::logic_error("serializer: expected an object for shape " + shape.name);
      json out = json::object();
      for (auto& [k, val] : v.items()) out[k] = json_value(*shape.value.shape, val);
      return out;
    }
    case ShapeType::timestamp:
      if (v.is_number_integer()) return static_cast<double>(v.get<std::int64_t>()) / 1000.0;
      if (v.is_number()) return v;
      break;
    case ShapeType::boolean:
      if (v.is_boolean()) return v;
      break;
    case ShapeType::integer:
    case ShapeType::long_:
      if (v.is_number_integer()) return v;
      break;
    case ShapeType::double_:
    case ShapeType::float_:
      if (v.is_number()) return v;
      break;
    default:
      if (v.is_string()) return v;
      break;
  }
  throw std::logic_error("serializer: value " + v.dump() + " does not fit shape " + shape.name);
}

}  // namespace

Encoded serialize_output(const ServiceModel& model, const Operation& op, const json& output,
                         const std::string& request_id) {
  Encoded e;
  if (model.protocol() == Protocol::json) {
    e.content_type = "application/x-amz-json-" + model.json_version();
    e.body = op.output ? json_value(*op.output, output.is_null() ? json::object() : output).dump()
                       : std::string("{}");
    return e;
  }
  e.content_type = "text/xml";
  pugi::xml_document doc;
  pugi::xml_node root = doc.append_child((op.name + "Response").c_str());
  std::string ns = model.xml_namespace();
  if (model.protocol() == Protocol::ec2 && !ns.empty() && ns.back() != '/')
    ns += '/';  // as AWS sends it
  root.append_attribute("xmlns").set_value(ns.c_str());
  XmlWriter w(model.protocol() == Protocol::ec2);
  if (model.protocol() == Protocol::ec2) {
    root.append_child("requestId").text().set(request_id.c_str());
    if (op.output && !output.is_null())
      w.structure_members(root, *op.output, output);
    else
      root.append_child("return").text().set("true");
  } else {
    if (op.output) {
      pugi::xml_node result = root.append_child(
          (op.result_wrapper.empty() ? op.name + "Result" : op.result_wrapper).c_str());
      w.structure_members(result, *op.output, output.is_null() ? json::object() : output);
    }
    root.append_child("ResponseMetadata").append_child("RequestId").text().set(request_id.c_str());
  }
  e.body = render(doc);
  return e;
}

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
