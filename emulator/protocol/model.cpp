#include "emulator/protocol/model.hpp"

#include <algorithm>
#include <mutex>
#include <nlohmann/json.hpp>
#include <span>
#include <stdexcept>

namespace zonesim::protocol {

std::span<const std::pair<std::string_view, std::string_view>> embedded_models();

namespace {
using ojson = nlohmann::ordered_json;

ShapeType parse_type(const std::string& t) {
  static const std::map<std::string, ShapeType> kTypes = {{"structure", ShapeType::structure},
                                                          {"list", ShapeType::list},
                                                          {"map", ShapeType::map},
                                                          {"string", ShapeType::string},
                                                          {"integer", ShapeType::integer},
                                                          {"long", ShapeType::long_},
                                                          {"boolean", ShapeType::boolean},
                                                          {"timestamp", ShapeType::timestamp},
                                                          {"double", ShapeType::double_},
                                                          {"float", ShapeType::float_},
                                                          {"blob", ShapeType::blob}};
  auto it = kTypes.find(t);
  if (it == kTypes.end()) throw std::logic_error("unsupported shape type " + t);
  return it->second;
}

std::string str_or(const ojson& j, const char* key, std::string def = {}) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : def;
}
}  // namespace

const MemberRef* Shape::find_member(std::string_view n) const {
  auto it = member_index.find(n);
  return it == member_index.end() ? nullptr : &members[it->second];
}

ServiceModel::ServiceModel(std::string name, std::string_view json_text) : name_(std::move(name)) {
  ojson doc = ojson::parse(json_text);
  const ojson& meta = doc.at("metadata");
  std::string proto = str_or(meta, "protocol");
  protocol_ = proto == "ec2" ? Protocol::ec2 : proto == "query" ? Protocol::query : Protocol::json;
  api_version_ = str_or(meta, "apiVersion");
  xml_namespace_ = str_or(meta, "xmlNamespace");
  target_prefix_ = str_or(meta, "targetPrefix");
  json_version_ = str_or(meta, "jsonVersion", "1.1");
  signing_name_ = str_or(meta, "signingName", str_or(meta, "endpointPrefix"));
  service_id_ = str_or(meta, "serviceId");
  const ojson& shapes = doc.at("shapes");
  for (auto& [op_name, op] : doc.at("operations").items()) {
    Operation o;
    o.name = op_name;
    if (op.contains("input")) o.input = compile(op["input"].at("shape"), &shapes);
    if (op.contains("output")) {
      o.output = compile(op["output"].at("shape"), &shapes);
      o.result_wrapper = str_or(op["output"], "resultWrapper");
    }
    if (op.contains("errors"))
      for (auto& e : op["errors"]) compile(e.at("shape"), &shapes);
    operations_.emplace(op_name, std::move(o));
  }
  for (auto& u : doc.at("unservedOperations")) unserved_.push_back(u.get<std::string>());
}

const Shape* ServiceModel::compile(const std::string& shape_name, const void* shapes_json) {
  if (auto it = shapes_.find(shape_name); it != shapes_.end()) return it->second.get();
  const ojson& all = *static_cast<const ojson*>(shapes_json);
  const ojson& j = all.at(shape_name);
  auto owned = std::make_unique<Shape>();
  Shape* s = owned.get();
  shapes_.emplace(shape_name, std::move(owned));  // before recursing: shapes can be recursive
  s->name = shape_name;
  s->type = parse_type(j.at("type"));
  s->flattened = j.value("flattened", false);
  s->timestamp_format = str_or(j, "timestampFormat");
  if (j.contains("enum"))
    for (auto& e : j["enum"]) s->enum_values.push_back(e.get<std::string>());
  if (j.contains("min") && j["min"].is_number()) s->min = j["min"].get<double>();
  if (j.contains("max") && j["max"].is_number()) s->max = j["max"].get<double>();
  auto ref = [&](const ojson& r, const std::string& member_name) {
    MemberRef m;
    m.name = member_name;
    m.location_name = str_or(r, "locationName");
    m.query_name = str_or(r, "queryName");
    m.xml_attribute = r.value("xmlAttribute", false);
    m.location = str_or(r, "location");
    m.shape = compile(r.at("shape"), shapes_json);
    // Model names are identifiers: nothing in them needs escaping.
    const std::string& wire = m.location_name.empty() ? m.name : m.location_name;
    if (wire.find_first_of("\"\\") != std::string::npos || wire.empty())
      throw std::logic_error("member name needs escaping: " + wire);
    m.json_key = "\"" + wire + "\":";
    return m;
  };
  if (s->type == ShapeType::structure) {
    std::vector<std::string> required;
    if (j.contains("required"))
      for (auto& r : j["required"]) required.push_back(r.get<std::string>());
    for (auto& [mname, mref] : j.at("members").items()) {
      MemberRef m = ref(mref, mname);
      m.required = std::find(required.begin(), required.end(), mname) != required.end();
      s->member_index.emplace(mname, s->members.size());
      s->members.push_back(std::move(m));
    }
    if (j.value("exception", false)) {
      s->exception = true;
      s->error_code = shape_name;
      if (j.contains("error")) {
        const ojson& e = j["error"];
        s->error_code = str_or(e, "code", shape_name);
        s->error_status = e.value("httpStatusCode", 400);
        s->error_sender = e.value("senderFault", true);
      }
    }
  } else if (s->type == ShapeType::list) {
    s->member = ref(j.at("member"), "member");
  } else if (s->type == ShapeType::map) {
    s->key = ref(j.at("key"), "key");
    s->value = ref(j.at("value"), "value");
  }
  return s;
}

const Operation* ServiceModel::operation(std::string_view name) const {
  auto it = operations_.find(std::string(name));
  return it == operations_.end() ? nullptr : &it->second;
}

bool ServiceModel::is_unserved(std::string_view name) const {
  return std::binary_search(unserved_.begin(), unserved_.end(), name);
}

const ServiceModel* ServiceModel::get(std::string_view service) {
  static std::mutex mu;
  static std::map<std::string, std::unique_ptr<ServiceModel>, std::less<>> cache;
  std::lock_guard lock(mu);
  if (auto it = cache.find(service); it != cache.end()) return it->second.get();
  for (auto& [n, text] : embedded_models()) {
    if (n == service) {
      auto m = std::make_unique<ServiceModel>(std::string(n), text);
      const ServiceModel* p = m.get();
      cache.emplace(std::string(n), std::move(m));
      return p;
    }
  }
  return nullptr;
}

std::vector<std::string> ServiceModel::names() {
  std::vector<std::string> out;
  for (auto& [n, text] : embedded_models()) out.emplace_back(n);
  return out;
}

}  // namespace zonesim::protocol
