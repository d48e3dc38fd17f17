#include "emulator/protocol/scalar.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>

#include "emulator/protocol/codec.hpp"

namespace zonesim::protocol {

namespace {
ScalarResult fail(std::string why) {
  return ScalarResult{false, nullptr, std::move(why)};
}

ScalarResult check_enum(const Shape& shape, const std::string& s) {
  if (!valid_utf8(s)) return fail("Member must contain valid UTF-8.");
  if (!shape.enum_values.empty() && !s.empty() &&
      std::find(shape.enum_values.begin(), shape.enum_values.end(), s) == shape.enum_values.end()) {
    std::string set;
    for (auto& e : shape.enum_values) set += (set.empty() ? "" : ", ") + e;
    return fail("Member must satisfy enum value set: [" + set + "]");
  }
  return ScalarResult{true, s, {}};
}
}  // namespace

std::string lower_first(std::string s) {
  if (!s.empty()) s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
  return s;
}

bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  const std::size_t n = s.size();
  while (i < n) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = 0;
    unsigned cp = 0;
    if ((c & 0xE0) == 0xC0) {
      len = 2, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4, cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > n) return false;
    for (std::size_t k = 1; k < len; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
        (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += len;
  }
  return true;
}

ScalarResult scalar_from_string(const Shape& shape, const std::string& text) {
  switch (shape.type) {
    case ShapeType::string:
    case ShapeType::blob:
      // The query services answer in XML, where these characters cannot be written at all (not
      // even as references): a value holding one could never be read back by a client.
      for (unsigned char c : text)
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
          return fail("Member must not contain control characters.");
      return check_enum(shape, text);
    case ShapeType::integer:
    case ShapeType::long_: {
      std::int64_t v = 0;
      auto r = std::from_chars(text.data(), text.data() + text.size(), v);
      if (r.ec != std::errc() || r.ptr != text.data() + text.size())
        return fail(shape.type == ShapeType::integer ? "Expected: 'Integer'."
                                                     : "Expected: 'Long'.");
      if (shape.type == ShapeType::integer && (v > std::numeric_limits<std::int32_t>::max() ||
                                               v < std::numeric_limits<std::int32_t>::min()))
        return fail("Expected: 'Integer'.");
      return ScalarResult{true, v, {}};
    }
    case ShapeType::boolean: {
      std::string l = text;
      std::transform(l.begin(), l.end(), l.begin(),
                     [](unsigned char c) { return std::tolower(c); });
      if (l == "true") return ScalarResult{true, true, {}};
      if (l == "false") return ScalarResult{true, false, {}};
      return fail("Expected: 'Boolean'.");
    }
    case ShapeType::double_:
    case ShapeType::float_: {
      double v = 0;
      auto r = std::from_chars(text.data(), text.data() + text.size(), v);
      if (r.ec != std::errc() || r.ptr != text.data() + text.size() || !std::isfinite(v))
        return fail("Expected: 'Double'.");
      return ScalarResult{true, v, {}};
    }
    case ShapeType::timestamp: {
      auto ms = parse_iso8601(text);
      if (!ms) return fail("Expected: 'Timestamp'.");
      return ScalarResult{true, *ms, {}};
    }
    default:
      return fail("Unexpected value.");
  }
}

ScalarResult scalar_from_json(const Shape& shape, const json& value) {
  switch (shape.type) {
    case ShapeType::string:
    case ShapeType::blob:
      if (!value.is_string()) return fail("Expected a string.");
      return check_enum(shape, value.get_ref<const std::string&>());
    case ShapeType::integer:
    case ShapeType::long_: {
      if (!value.is_number_integer()) return fail("Expected an integer.");
      if (value.is_number_unsigned() &&
          value.get<std::uint64_t>() > std::uint64_t(std::numeric_limits<std::int64_t>::max()))
        return fail("Expected an integer.");
      std::int64_t v = value.get<std::int64_t>();
      if (shape.type == ShapeType::integer && (v > std::numeric_limits<std::int32_t>::max() ||
                                               v < std::numeric_limits<std::int32_t>::min()))
        return fail("Expected an integer.");
      return ScalarResult{true, v, {}};
    }
    case ShapeType::boolean:
      if (!value.is_boolean()) return fail("Expected a boolean.");
      return ScalarResult{true, value, {}};
    case ShapeType::double_:
    case ShapeType::float_:
      if (!value.is_number()) return fail("Expected a number.");
      return ScalarResult{true, value.get<double>(), {}};
    case ShapeType::timestamp:
      if (value.is_number()) {
        double s = value.get<double>();
        if (!std::isfinite(s) || s < 0 || s > 1e11) return fail("Expected a timestamp.");
        return ScalarResult{true, static_cast<std::int64_t>(std::llround(s * 1000.0)), {}};
      }
      if (value.is_string()) {
        auto ms = parse_iso8601(value.get_ref<const std::string&>());
        if (ms) return ScalarResult{true, *ms, {}};
      }
      return fail("Expected a timestamp.");
    default:
      return fail("Unexpected value.");
  }
}

}  // namespace zonesim::protocol
