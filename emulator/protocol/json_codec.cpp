// Input parsing for the JSON 1.0/1.1 protocol: the body is checked against the input shape.
#include "emulator/protocol/codec.hpp"
#include "emulator/protocol/scalar.hpp"

namespace zonesim::protocol {

namespace {

constexpr int kMaxDepth = 64;

class JsonParser {
 public:
  explicit JsonParser(const ServiceModel& model) : style_(validation_style(model)) {}

  // The document is taken apart as it is checked: values move into the result. The path of
  // member names is kept as a stack and joined only for an error message.
  json structure(const Shape& shape, json& v, int depth) {
    if (!v.is_object()) serialization("Expected an object at '" + path() + "'");
    json out = json::object();
    for (auto& [key, val] : v.items()) {
      const MemberRef* m = shape.find_member(key);
      if (!m || val.is_null()) continue;  // unknown members are ignored, as AWS does
      path_.push_back(key);
      out[m->name] = value(*m->shape, val, depth + 1);
      path_.pop_back();
    }
    for (const MemberRef& m : shape.members) {
      if (m.required && !out.contains(m.name)) {
        path_.push_back(m.name);
        std::string p = path();
        path_.pop_back();
        throw AwsError(style_.missing,
                       "1 validation error detected: Value null at '" + lower_first(p) +
                           "' failed to satisfy constraint: Member must not be null");
      }
    }
    return out;
  }

  json value(const Shape& shape, json& v, int depth) {
    if (depth > kMaxDepth) serialization("The request is nested too deeply");
    switch (shape.type) {
      case ShapeType::structure:
        return structure(shape, v, depth);
      case ShapeType::list: {
        if (!v.is_array()) serialization("Expected a list at '" + path() + "'");
        json out = json::array();
        path_.push_back("member");
        for (auto& e : v) {
          if (e.is_null()) continue;
          out.push_back(value(*shape.member.shape, e, depth + 1));
        }
        path_.pop_back();
        return out;
      }
      case ShapeType::map: {
        if (!v.is_object()) serialization("Expected a map at '" + path() + "'");
        json out = json::object();
        for (auto& [k, e] : v.items()) {
          if (e.is_null()) continue;
          path_.push_back(k);
          out[k] = value(*shape.value.shape, e, depth + 1);
          path_.pop_back();
        }
        return out;
      }
      default: {
        auto r = scalar_from_json(shape, v);
        if (r.ok) return std::move(r.value);
        return scalar_error(v, r.error);
      }
    }
  }

 private:
  [[noreturn]] json scalar_error(const json& v, const std::string& error) {
    if (error.rfind("Member must", 0) == 0)
      throw AwsError(style_.invalid, "1 validation error detected: Value '" +
                                         (v.is_string() ? v.get<std::string>() : v.dump()) +
                                         "' at '" + lower_first(path()) +
                                         "' failed to satisfy constraint: " + error);
    serialization(error + " at '" + path() + "'");
  }
  std::string path() const {
    std::string p;
    for (auto& seg : path_) {
      if (!p.empty()) p += '.';
      p += seg;
    }
    return p;
  }
  [[noreturn]] static void serialization(const std::string& msg) {
    throw AwsError("SerializationException", msg);
  }
  const ValidationStyle& style_;
  std::vector<std::string_view> path_;
};

}  // namespace

json parse_json_input(const ServiceModel& model, const Operation& op, std::string_view body) {
  json doc;
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    doc = json::object();
  } else {
    doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded())
      throw AwsError(
          "SerializationException",
          "Start of structure or map found where not expected, or the body is not valid JSON");
  }
  if (!op.input) return json::object();
  return JsonParser(model).structure(*op.input, doc, 0);
}

}  // namespace zonesim::protocol
