#pragma once
// AWS service models (trimmed botocore service-2.json, embedded at build time), compiled into a
// graph of Shape objects that the parsers and serializers walk.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "emulator/core/string_hash.hpp"

namespace zonesim::protocol {

enum class Protocol { ec2, query, json };
enum class ShapeType {
  structure,
  list,
  map,
  string,
  integer,
  long_,
  boolean,
  timestamp,
  double_,
  float_,
  blob
};

struct Shape;

struct MemberRef {
  std::string name;  // the member's name in the model (the key handlers use)
  const Shape* shape = nullptr;
  std::string location_name;  // wire name override (XML element / query key)
  std::string query_name;     // ec2 input key override
  bool required = false;
  bool xml_attribute = false;
  std::string location;  // "header", "uri", ... (rare in the protocols we serve)
  std::string json_key;  // "wire name": as the JSON protocols write it, built once
};

struct Shape {
  std::string name;
  ShapeType type = ShapeType::string;
  std::vector<MemberRef> members;  // structure members in model order
  std::unordered_map<std::string, std::size_t, StringHash, std::equal_to<>> member_index;
  MemberRef member;      // list element
  MemberRef key, value;  // map entry
  bool flattened = false;
  std::vector<std::string> enum_values;
  std::optional<double> min, max;
  std::string timestamp_format;
  // Error shapes.
  bool exception = false;
  std::string error_code;
  int error_status = 400;
  bool error_sender = true;

  const MemberRef* find_member(std::string_view n) const;
};

struct Operation {
  std::string name;
  const Shape* input = nullptr;
  const Shape* output = nullptr;
  std::string result_wrapper;  // query protocol: <XResult>
};

class ServiceModel {
 public:
  // The model of a zonesim service name (ec2, elbv2, ecs, rds, iam, logs, sts); parsed on first
  // use. Returns nullptr for an unknown name.
  static const ServiceModel* get(std::string_view service);
  static std::vector<std::string> names();

  const std::string& name() const { return name_; }
  Protocol protocol() const { return protocol_; }
  const std::string& api_version() const { return api_version_; }
  const std::string& xml_namespace() const { return xml_namespace_; }
  const std::string& target_prefix() const { return target_prefix_; }
  const std::string& json_version() const { return json_version_; }
  const std::string& signing_name() const { return signing_name_; }
  const std::string& service_id() const { return service_id_; }

  const Operation* operation(std::string_view name) const;
  const std::map<std::string, Operation>& operations() const { return operations_; }
  bool is_unserved(std::string_view name) const;
  const std::vector<std::string>& unserved() const { return unserved_; }

  ServiceModel(std::string name, std::string_view json_text);

 private:
  const Shape* compile(const std::string& shape_name, const void* shapes_json);

  std::string name_;
  Protocol protocol_ = Protocol::json;
  std::string api_version_, xml_namespace_, target_prefix_, json_version_, signing_name_,
      service_id_;
  std::map<std::string, Operation> operations_;
  std::vector<std::string> unserved_;
  std::unordered_map<std::string, std::unique_ptr<Shape>> shapes_;
};

}  // namespace zonesim::protocol
