// Serializer round trip: what we serialize, a client parses back to the same value.
// Input:  "<service> <Operation>\n<JSON>"   e.g. "ec2 CreateVpc\n{\"Vpc\":{\"VpcId\":\"vpc-1\"}}"
// The JSON is first shaped to the operation's output shape by the JSON input parser (so only
// values the shape allows get through), serialized as the service does (EC2 XML, query XML or
// JSON), parsed back by the output shape, and compared.
#include <pugixml.hpp>

#include "emulator/protocol/codec.hpp"
#include "emulator/protocol/scalar.hpp"
#include "tests/fuzz/fuzz_support.hpp"

namespace {

using namespace zonesim;
using protocol::MemberRef;
using protocol::Shape;
using protocol::ShapeType;

// A client's reading of XML by shape (what botocore's parsers do).
class XmlReader {
 public:
  explicit XmlReader(bool ec2) : ec2_(ec2) {}

  json structure(pugi::xml_node node, const Shape& shape) {
    json out = json::object();
    for (const MemberRef& m : shape.members) {
      std::string name = m.location_name.empty() ? m.name : m.location_name;
      if (m.shape->type == ShapeType::list && m.shape->flattened) {
        json arr = json::array();
        for (pugi::xml_node c : node.children(name.c_str()))
          arr.push_back(value(c, *m.shape->member.shape));
        if (!arr.empty()) out[m.name] = arr;
        continue;
      }
      pugi::xml_node c = node.child(name.c_str());
      if (c) out[m.name] = value(c, *m.shape);
    }
    return out;
  }

  json value(pugi::xml_node node, const Shape& shape) {
    switch (shape.type) {
      case ShapeType::structure:
        return structure(node, shape);
      case ShapeType::list: {
        std::string item = shape.member.location_name.empty() ? (ec2_ ? "item" : "member")
                                                              : shape.member.location_name;
        json arr = json::array();
        for (pugi::xml_node c : node.children(item.c_str()))
          arr.push_back(value(c, *shape.member.shape));
        return arr;
      }
      case ShapeType::map: {
        std::string kname = shape.key.location_name.empty() ? "key" : shape.key.location_name;
        std::string vname = shape.value.location_name.empty() ? "value" : shape.value.location_name;
        json obj = json::object();
        for (pugi::xml_node e : node.children("entry"))
          obj[e.child(kname.c_str()).text().get()] =
              value(e.child(vname.c_str()), *shape.value.shape);
        return obj;
      }
      default: {
        auto r = protocol::scalar_from_string(shape, node.text().get());
        if (!r.ok)
          fuzz::die("serialized scalar does not parse back: " + r.error, node.text().get());
        return r.value;
      }
    }
  }

 private:
  bool ec2_;
};

// Whether every string (and map key) in v can be written in XML 1.0 at all.
bool xml_writable(const json& v) {
  if (v.is_string()) return fuzz::xml_chars_ok(v.get_ref<const std::string&>());
  if (v.is_object()) {
    for (auto& [k, e] : v.items())
      if (!fuzz::xml_chars_ok(k) || !xml_writable(e)) return false;
  }
  if (v.is_array()) {
    for (auto& e : v)
      if (!xml_writable(e)) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto nl = in.find('\n');
  if (nl == std::string_view::npos) return 0;
  std::string_view head = in.substr(0, nl), body = in.substr(nl + 1);
  auto sp = head.find(' ');
  if (sp == std::string_view::npos) return 0;
  const auto* model = protocol::ServiceModel::get(head.substr(0, sp));
  if (!model) return 0;
  const protocol::Operation* op = model->operation(head.substr(sp + 1));
  if (!op || !op->output) return 0;
  protocol::Operation as_input = *op;  // the output shape, read as if it were an input
  as_input.input = op->output;
  json shaped;
  try {
    shaped = protocol::parse_json_input(*model, as_input, body);
  } catch (const AwsError&) {
    return 0;  // not a value of the output shape
  }
  // Control characters cannot be written in XML; the query services refuse them on input
  // (scalar_from_string), so no XML answer carries one.
  if (model->protocol() != protocol::Protocol::json && !xml_writable(shaped)) return 0;
  protocol::Encoded enc;
  try {
    enc = protocol::serialize_output(*model, *op, shaped, "req-1");
  } catch (const std::exception& e) {
    fuzz::die(std::string("serializer rejected a value of its own shape: ") + e.what(), in);
  }
  json back;
  if (model->protocol() == protocol::Protocol::json) {
    try {
      back = protocol::parse_json_input(*model, as_input, enc.body);
    } catch (const AwsError& e) {
      fuzz::die("serialized JSON does not parse back: " + e.message(), enc.body);
    }
  } else {
    if (!fuzz::xml_chars_ok(enc.body)) fuzz::die("control character in XML", enc.body);
    pugi::xml_document doc;
    if (!doc.load_buffer(enc.body.data(), enc.body.size(),
                         pugi::parse_default | pugi::parse_ws_pcdata))
      fuzz::die("serialized XML does not parse", enc.body);
    pugi::xml_node root = doc.document_element();
    bool ec2 = model->protocol() == protocol::Protocol::ec2;
    pugi::xml_node members =
        ec2 ? root
            : root.child(
                  (op->result_wrapper.empty() ? op->name + "Result" : op->result_wrapper).c_str());
    back = XmlReader(ec2).structure(members, *op->output);
  }
  if (back != shaped)
    fuzz::die("round trip changed the value:\n  in:  " + shaped.dump() + "\n  out: " + back.dump(),
              enc.body);
  return 0;
}
