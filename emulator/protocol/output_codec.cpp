// Output serialization for every protocol family, by shape: the handler's document is written
// straight into the response body (XML for ec2/query, JSON for json), with no intermediate tree.
// An answer is written once per request, so this is on every call's path (docs/BENCHMARKS.md).
//
// Strict, like the parsers: a member the output shape lacks, or a value of the wrong type, is a
// bug in a handler and throws std::logic_error (a 500), never a silent drop. Members whose name
// starts with '_' are the emulator's own bookkeeping and are never written.
#include <array>
#include <charconv>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "emulator/protocol/codec.hpp"
#include "emulator/protocol/scalar.hpp"

namespace zonesim::protocol {

namespace {

[[noreturn]] void mismatch(const Shape& shape, const json& v) {
  throw std::logic_error("serializer: value " +
                         v.dump(-1, ' ', false, json::error_handler_t::replace) +
                         " does not fit shape " + shape.name);
}

const std::string& wire_name(const MemberRef& m) {
  return m.location_name.empty() ? m.name : m.location_name;
}

// The length of the valid UTF-8 sequence starting at s[i] (1-4), or 0 if it is not one.
std::size_t utf8_sequence(std::string_view s, std::size_t i) {
  auto c = static_cast<unsigned char>(s[i]);
  std::size_t len = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
  if (len == 0 || i + len > s.size()) return 0;
  return valid_utf8(s.substr(i, len)) ? len : 0;
}

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

void append_int(std::string& out, std::int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

// As nlohmann::json writes a double (shortest round trip; an integral value keeps ".0").
void append_double(std::string& out, double v) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  std::string_view text(buf, static_cast<std::size_t>(r.ptr - buf));
  out += text;
  if (text.find_first_of(".eEn") == std::string_view::npos) out += ".0";
}

void append_number(std::string& out, const json& v) {
  if (v.is_number_integer())
    append_int(out, v.get<std::int64_t>());
  else
    append_double(out, v.get<double>());
}

// Calls fn(member, value) for each member of a structure document that is written: not the
// emulator's own '_' members, not nulls. A member the shape lacks is a handler bug. An object
// that borrows a stored document ("_base", emulator/core/json.hpp) is written as that document
// with the object's members in place of its own, in key order, without copying it.
template <class Fn>
void for_each_member(const Shape& shape, const json& v, Fn fn) {
  if (!v.is_object()) mismatch(shape, v);
  auto write = [&](const std::string& key, const json& val) {
    if (!key.empty() && key[0] == '_') return;
    const MemberRef* m = shape.find_member(key);
    if (!m)
      throw std::logic_error("serializer: unknown member '" + key + "' in shape " + shape.name);
    if (!val.is_null()) fn(*m, val);
  };
  auto base_member = v.find("_base");
  const json* base = base_member != v.end() ? borrowed(*base_member) : nullptr;
  if (!base) {
    for (auto it = v.begin(); it != v.end(); ++it) write(it.key(), it.value());
    return;
  }
  if (!base->is_object()) mismatch(shape, *base);
  // Both are in key order: a merge, the object's member winning (a null one leaves it out).
  auto o = v.begin(), b = base->begin();
  while (o != v.end() || b != base->end()) {
    if (b == base->end() || (o != v.end() && o.key() <= b.key())) {
      if (b != base->end() && o.key() == b.key()) ++b;
      write(o.key(), o.value());
      ++o;
    } else {
      write(b.key(), b.value());
      ++b;
    }
  }
}

// Booleans and numbers read the same in JSON and XML. False for any other shape, or for a value
// that does not fit the shape.
bool append_plain_scalar(std::string& out, const Shape& shape, const json& v) {
  switch (shape.type) {
    case ShapeType::boolean:
      if (!v.is_boolean()) return false;
      out += v.get<bool>() ? "true" : "false";
      return true;
    case ShapeType::integer:
    case ShapeType::long_:
      if (!v.is_number_integer()) return false;
      append_number(out, v);
      return true;
    case ShapeType::double_:
    case ShapeType::float_:
      if (!v.is_number()) return false;
      append_number(out, v);
      return true;
    default:
      return false;
  }
}

// ---- JSON ----------------------------------------------------------------------------------

// Which bytes go out as they are, one table lookup per byte (the answers' strings are mostly
// such runs).
template <class Pred>
constexpr std::array<bool, 256> byte_table(Pred pred) {
  std::array<bool, 256> t{};
  for (int c = 0; c < 256; ++c)
    t[static_cast<std::size_t>(c)] = pred(static_cast<unsigned char>(c));
  return t;
}
constexpr auto kPlainJson =
    byte_table([](unsigned char c) { return c >= 0x20 && c < 0x80 && c != '"' && c != '\\'; });
constexpr auto kPlainXml = byte_table([](unsigned char c) {
  return (c >= 0x20 && c < 0x80 && c != '&' && c != '<' && c != '>' && c != '"') || c == '\t' ||
         c == '\n';
});
constexpr bool plain_json(unsigned char c) {
  return kPlainJson[c];
}
constexpr bool plain_xml(unsigned char c) {
  return kPlainXml[c];
}

// Appends the valid UTF-8 sequence at s[i] (or U+FFFD for an invalid byte); returns its length.
std::size_t append_utf8(std::string& out, std::string_view s, std::size_t i) {
  std::size_t len = utf8_sequence(s, i);
  if (len == 0) {
    out += kReplacement;
    return 1;
  }
  out.append(s.data() + i, len);
  return len;
}

// Copies s into out: runs of plain characters at once, valid UTF-8 as is, an invalid byte as
// U+FFFD, and every other ASCII character through special(out, c).
template <class Plain, class Special>
void escape_into(std::string& out, std::string_view s, Plain plain, Special special) {
  std::size_t i = 0;
  while (i < s.size()) {
    std::size_t run = i;
    while (run < s.size() && plain(static_cast<unsigned char>(s[run]))) ++run;
    out.append(s.data() + i, run - i);
    if (run == s.size()) break;
    i = run;
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      i += append_utf8(out, s, i);
    } else {
      special(out, c);
      ++i;
    }
  }
}

void json_string(std::string& out, std::string_view s) {
  out += '"';
  escape_into(
      out, s, [](unsigned char c) { return plain_json(c); },
      [](std::string& o, unsigned char c) {
        static constexpr char kHex[] = "0123456789abcdef";
        switch (c) {
          case '"':
            o += "\\\"";
            break;
          case '\\':
            o += "\\\\";
            break;
          case '\b':
            o += "\\b";
            break;
          case '\f':
            o += "\\f";
            break;
          case '\n':
            o += "\\n";
            break;
          case '\r':
            o += "\\r";
            break;
          case '\t':
            o += "\\t";
            break;
          default:
            o += "\\u00";
            o += kHex[c >> 4];
            o += kHex[c & 0xF];
        }
      });
  out += '"';
}

void json_out(std::string& out, const Shape& shape, const json& v) {
  bool first = true;
  auto separate = [&] {  // a comma before every element but the first
    if (!first) out += ',';
    first = false;
  };
  switch (shape.type) {
    case ShapeType::structure: {
      if (!v.is_object()) mismatch(shape, v);
      out += '{';
      for_each_member(shape, v, [&](const MemberRef& m, const json& val) {
        separate();
        out += m.json_key;
        json_out(out, *m.shape, val);
      });
      out += '}';
      return;
    }
    case ShapeType::list: {
      if (!v.is_array()) mismatch(shape, v);
      out += '[';
      for (auto& e : v) {
        separate();
        json_out(out, *shape.member.shape, e);
      }
      out += ']';
      return;
    }
    case ShapeType::map: {
      if (!v.is_object()) mismatch(shape, v);
      out += '{';
      for (auto& [k, val] : v.items()) {
        separate();
        json_string(out, k);
        out += ':';
        json_out(out, *shape.value.shape, val);
      }
      out += '}';
      return;
    }
    case ShapeType::timestamp:  // epoch seconds; zonesim keeps milliseconds
      if (v.is_number_integer())
        return append_double(out, static_cast<double>(v.get<std::int64_t>()) / 1000.0);
      if (v.is_number()) return append_number(out, v);
      break;
    case ShapeType::boolean:
    case ShapeType::integer:
    case ShapeType::long_:
    case ShapeType::double_:
    case ShapeType::float_:
      if (append_plain_scalar(out, shape, v)) return;
      break;
    default:
      if (v.is_string()) return json_string(out, v.get_ref<const std::string&>());
      break;
  }
  mismatch(shape, v);
}

// ---- XML -----------------------------------------------------------------------------------

// Character data. A carriage return is written as a reference (a parser would turn a raw one
// into a line feed); other control characters cannot appear in XML 1.0 at all, not even as
// references, and become U+FFFD, as does invalid UTF-8 (input validation keeps both out of
// stored values; this is the last line).
void xml_text(std::string& out, std::string_view s) {
  escape_into(
      out, s, [](unsigned char c) { return plain_xml(c); },
      [](std::string& o, unsigned char c) {
        switch (c) {
          case '&':
            o += "&amp;";
            break;
          case '<':
            o += "&lt;";
            break;
          case '>':
            o += "&gt;";
            break;
          case '"':
            o += "&quot;";
            break;
          case '\r':
            o += "&#13;";
            break;
          default:
            o += kReplacement;  // other control characters
        }
      });
}

}  // namespace

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  xml_text(out, text);
  return out;
}

namespace {

class XmlOut {
 public:
  XmlOut(std::string& out, bool ec2) : out_(out), ec2_(ec2) {}

  void structure_members(const Shape& shape, const json& v) {
    for_each_member(shape, v, [&](const MemberRef& m, const json& val) {
      const std::string& name = wire_name(m);
      if (m.shape->type == ShapeType::list && m.shape->flattened) {
        if (!val.is_array()) mismatch(*m.shape, val);
        for (auto& item : val) element(name, *m.shape->member.shape, item);
      } else {
        element(name, *m.shape, val);
      }
    });
  }

  void element(std::string_view name, const Shape& shape, const json& v) {
    const std::size_t start = out_.size();
    open(name);
    const std::size_t content = out_.size();
    switch (shape.type) {
      case ShapeType::structure:
        structure_members(shape, v);
        break;
      case ShapeType::list: {
        if (!v.is_array()) mismatch(shape, v);
        std::string_view item_name = shape.member.location_name;
        if (item_name.empty()) item_name = ec2_ ? "item" : "member";
        for (auto& e : v) element(item_name, *shape.member.shape, e);
        break;
      }
      case ShapeType::map: {
        if (!v.is_object()) mismatch(shape, v);
        std::string_view kname = shape.key.location_name, vname = shape.value.location_name;
        if (kname.empty()) kname = "key";
        if (vname.empty()) vname = "value";
        for (auto& [k, val] : v.items()) {
          if (!shape.flattened) open("entry");
          open(kname);
          xml_text(out_, k);
          close(kname);
          element(vname, *shape.value.shape, val);
          if (!shape.flattened) close("entry");
        }
        break;
      }
      default:
        scalar(shape, v);
        return close(name);
    }
    if (out_.size() == content) {  // no content: <name/>, as XML writers print an empty element
      out_.resize(start);
      out_ += '<';
      out_ += name;
      out_ += "/>";
      return;
    }
    close(name);
  }

 private:
  void open(std::string_view name) {
    out_ += '<';
    out_ += name;
    out_ += '>';
  }
  void close(std::string_view name) {
    out_ += "</";
    out_ += name;
    out_ += '>';
  }

  void scalar(const Shape& shape, const json& v) {
    switch (shape.type) {
      case ShapeType::boolean:
      case ShapeType::integer:
      case ShapeType::long_:
      case ShapeType::double_:
      case ShapeType::float_:
        if (append_plain_scalar(out_, shape, v)) return;
        break;
      case ShapeType::timestamp:
        if (v.is_number()) {
          out_ += iso8601(v.get<std::int64_t>());
          return;
        }
        if (v.is_string()) return xml_text(out_, v.get_ref<const std::string&>());
        break;
      default:
        if (v.is_string()) return xml_text(out_, v.get_ref<const std::string&>());
        break;
    }
    mismatch(shape, v);
  }

  std::string& out_;
  bool ec2_;
};

}  // namespace

Encoded serialize_output(const ServiceModel& model, const Operation& op, const json& output,
                         const std::string& request_id) {
  static const json kEmpty = json::object();
  const json& doc = output.is_null() ? kEmpty : output;
  Encoded e;
  e.body.reserve(4096);  // most answers fit: one allocation
  if (model.protocol() == Protocol::json) {
    e.content_type = "application/x-amz-json-" + model.json_version();
    if (op.output)
      json_out(e.body, *op.output, doc);
    else
      e.body = "{}";
    return e;
  }
  e.content_type = "text/xml";
  std::string& out = e.body;
  const bool ec2 = model.protocol() == Protocol::ec2;
  out += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<";
  out += op.name;
  out += "Response xmlns=\"";
  xml_text(out, model.xml_namespace());
  if (ec2 && !model.xml_namespace().empty() && model.xml_namespace().back() != '/')
    out += '/';  // as AWS sends it
  out += "\">";
  XmlOut w(out, ec2);
  if (ec2) {
    out += "<requestId>";
    xml_text(out, request_id);
    out += "</requestId>";
    if (op.output && !output.is_null())
      w.structure_members(*op.output, output);
    else
      out += "<return>true</return>";
  } else {
    if (op.output) {
      const std::string wrapper =
          op.result_wrapper.empty() ? op.name + "Result" : op.result_wrapper;
      w.element(wrapper, *op.output, doc);
    }
    out += "<ResponseMetadata><RequestId>";
    xml_text(out, request_id);
    out += "</RequestId></ResponseMetadata>";
  }
  out += "</";
  out += op.name;
  out += "Response>";
  return e;
}

}  // namespace zonesim::protocol
