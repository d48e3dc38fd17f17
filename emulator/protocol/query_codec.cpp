// Input parsing for the ec2 and query protocols: form parameters -> structured value, by shape.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>

#include "emulator/protocol/codec.hpp"
#include "emulator/protocol/scalar.hpp"

namespace zonesim::protocol {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Form keys split on '.' into a tree: "Filter.1.Value.2" -> Filter / 1 / Value / 2.
struct Node {
  std::optional<std::string> value;
  std::map<std::string, Node, std::less<>> children;
};

constexpr std::size_t kMaxListIndex = 1'000'000;  // indexes above this are rejected

class QueryParser {
 public:
  QueryParser(const ServiceModel& model) : model_(model), style_(validation_style(model)) {}

  json parse(const Operation& op, const FormParams& params) {
    Node root;
    for (auto& [k, v] : params) {
      if (k == "Action" || k == "Version") continue;
      Node* n = &root;
      std::size_t start = 0;
      while (true) {
        std::size_t dot = k.find('.', start);
        std::string_view part = std::string_view(k).substr(
            start, dot == std::string::npos ? std::string::npos : dot - start);
        n = &n->children[std::string(part)];
        if (dot == std::string::npos) break;
        start = dot + 1;
      }
      n->value = v;  // a repeated key keeps its last value
    }
    if (!op.input) {
      return json::object();
    }
    return parse_structure(root, *op.input, "");
  }

 private:
  bool ec2() const { return model_.protocol() == Protocol::ec2; }

  std::string wire_name(const MemberRef& m) const {
    if (ec2()) {
      if (!m.query_name.empty()) return m.query_name;
      if (!m.location_name.empty()) {
        std::string s = m.location_name;
        s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
        return s;
      }
      return m.name;
    }
    return m.location_name.empty() ? m.name : m.location_name;
  }

  std::string display(const std::string& path, const std::string& wire) const {
    return path.empty() ? wire : path + "." + wire;
  }

  [[noreturn]] void missing(const std::string& name) const {
    if (style_.coral_messages)
      throw AwsError(style_.missing, "1 validation error detected: Value null at '" +
                                         lower_first(name) +
                                         "' failed to satisfy constraint: Member must not be null");
    throw AwsError(style_.missing, "The request must contain the parameter " + name);
  }

  [[noreturn]] void invalid(const std::string& name, const std::string& value,
                            const std::string& why) const {
    if (style_.coral_messages)
      throw AwsError(style_.invalid, "1 validation error detected: Value '" + value + "' at '" +
                                         lower_first(name) +
                                         "' failed to satisfy constraint: " + why);
    throw AwsError(style_.invalid,
                   "Value (" + value + ") for parameter " + name + " is invalid. " + why);
  }

  json parse_structure(const Node& node, const Shape& shape, const std::string& path) {
    json out = json::object();
    std::size_t used = 0;
    for (const MemberRef& m : shape.members) {
      std::string wire = wire_name(m);
      auto it = node.children.find(wire);
      if (it == node.children.end()) {
        if (m.required) missing(display(path, wire));
        continue;
      }
      ++used;
      out[m.name] = parse_value(it->second, *m.shape, display(path, wire), m);
    }
    if (!style_.unknown_param.empty() && used != node.children.size()) {
      for (auto& entry : node.children) {
        const std::string& k = entry.first;
        bool known = std::any_of(shape.members.begin(), shape.members.end(),
                                 [&](const MemberRef& m) { return wire_name(m) == k; });
        if (!known)
          throw AwsError(style_.unknown_param,
                         "The parameter " + display(path, k) + " is not recognized");
      }
    }
    if (node.value && !node.value->empty() && node.children.empty() && !path.empty())
      invalid(path, *node.value, "Expected a structure.");
    return out;
  }

  // Items of a list node, ordered by their 1-based index.
  std::vector<const Node*> indexed(const Node& node, const std::string& path) {
    std::vector<std::pair<std::size_t, const Node*>> items;
    for (auto& [k, child] : node.children) {
      std::size_t idx = 0;
      auto r = std::from_chars(k.data(), k.data() + k.size(), idx);
      if (r.ec != std::errc() || r.ptr != k.data() + k.size() || idx == 0 || idx > kMaxListIndex)
        invalid(display(path, k), k,
                "Expected a list index from 1 to " + std::to_string(kMaxListIndex) + ".");
      items.emplace_back(idx, &child);
    }
    std::sort(items.begin(), items.end(), [](auto& a, auto& b) { return a.first < b.first; });
    std::vector<const Node*> out;
    out.reserve(items.size());
    for (auto& [i, n] : items) out.push_back(n);
    return out;
  }

  json parse_value(const Node& node, const Shape& shape, const std::string& path,
                   const MemberRef& ref) {
    switch (shape.type) {
      case ShapeType::structure:
        return parse_structure(node, shape, path);
      case ShapeType::list: {
        json arr = json::array();
        if (node.value && !node.value->empty() && node.children.empty()) {
          // "VpcId=vpc-1" where the list is "VpcId.N": EC2 does not know such a parameter.
          if (!style_.unknown_param.empty())
            throw AwsError(style_.unknown_param, "The parameter " + path + " is not recognized");
          invalid(path, *node.value, "Expected a list.");
        }
        const Node* items = &node;
        std::string item_path = path;
        if (!ec2() && !shape.flattened) {
          std::string item_name =
              shape.member.location_name.empty() ? "member" : shape.member.location_name;
          auto it = node.children.find(item_name);
          if (it == node.children.end()) {
            if (!node.children.empty())
              invalid(path, node.children.begin()->first, "Expected '" + item_name + ".N'.");
            return arr;  // "Name=" is an empty list
          }
          items = &it->second;
          item_path = display(path, item_name);
        }
        for (const Node* n : indexed(*items, item_path))
          arr.push_back(parse_value(*n, *shape.member.shape, item_path, shape.member));
        return arr;
      }
      case ShapeType::map: {
        json obj = json::object();
        const Node* entries = &node;
        if (!shape.flattened) {
          auto it = node.children.find("entry");
          if (it == node.children.end()) return obj;
          entries = &it->second;
        }
        std::string kname = shape.key.location_name.empty() ? "key" : shape.key.location_name;
        std::string vname = shape.value.location_name.empty() ? "value" : shape.value.location_name;
        for (const Node* e : indexed(*entries, path)) {
          auto k = e->children.find(kname);
          auto v = e->children.find(vname);
          if (k == e->children.end() || !k->second.value) missing(display(path, kname));
          obj[*k->second.value] =
              v == e->children.end()
                  ? json("")
                  : parse_value(v->second, *shape.value.shape, path, shape.value);
        }
        return obj;
      }
      default: {
        if (!node.value) invalid(path, "", "Expected a value.");
        (void)ref;
        auto r = scalar_from_string(shape, *node.value);
        if (!r.ok) invalid(path, *node.value, r.error);
        return std::move(r.value);
      }
    }
  }

  const ServiceModel& model_;
  const ValidationStyle& style_;
};

}  // namespace

std::string percent_decode(std::string_view in, bool plus_as_space) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '+' && plus_as_space) {
      out.push_back(' ');
    } else if (c == '%') {
      int hi = i + 2 < in.size() ? hex_value(in[i + 1]) : -1;
      int lo = hi >= 0 ? hex_value(in[i + 2]) : -1;
      if (hi < 0 || lo < 0)
        throw AwsError("MalformedQueryString", "Invalid percent-encoding in the request");
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

FormParams parse_form(std::string_view body) {
  FormParams out;
  std::size_t start = 0;
  while (start <= body.size()) {
    std::size_t amp = body.find('&', start);
    std::string_view pair =
        body.substr(start, amp == std::string_view::npos ? std::string_view::npos : amp - start);
    if (!pair.empty()) {
      std::size_t eq = pair.find('=');
      std::string key = percent_decode(pair.substr(0, eq), true);
      std::string value =
          eq == std::string_view::npos ? std::string() : percent_decode(pair.substr(eq + 1), true);
      out.emplace_back(std::move(key), std::move(value));
    }
    if (amp == std::string_view::npos) break;
    start = amp + 1;
  }
  return out;
}

json parse_query_input(const ServiceModel& model, const Operation& op, const FormParams& params) {
  return QueryParser(model).parse(op, params);
}

}  // namespace zonesim::protocol
