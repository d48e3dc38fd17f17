#include "emulator/core/json.hpp"

#include <cstdint>
#include <cstring>

namespace zonesim {

namespace {
// The binary subtype that marks a borrowed reference (nothing else in zonesim stores binary
// values: JSON documents from clients cannot hold them).
constexpr std::uint64_t kBorrowedSubtype = 0x7a0b;
}  // namespace

json borrow(const json& stored) {
  std::vector<std::uint8_t> bytes(sizeof(const json*));
  const json* p = &stored;
  std::memcpy(bytes.data(), &p, sizeof p);
  return json::binary(std::move(bytes), kBorrowedSubtype);
}

const json* borrowed(const json& v) {
  if (!v.is_binary()) return nullptr;
  const json::binary_t& b = v.get_binary();
  if (!b.has_subtype() || b.subtype() != kBorrowedSubtype || b.size() != sizeof(const json*))
    return nullptr;
  const json* p = nullptr;
  std::memcpy(&p, b.data(), sizeof p);
  return p;
}

json resolve_borrowed(const json& v) {
  if (v.is_array()) {
    json out = json::array();
    for (auto& e : v) out.push_back(resolve_borrowed(e));
    return out;
  }
  if (!v.is_object()) return v;
  json out = json::object();
  auto base = v.find("_base");
  if (const json* doc = base != v.end() ? borrowed(*base) : nullptr) {
    for (auto& [k, val] : doc->items())
      if (k.empty() || k[0] != '_') out[k] = resolve_borrowed(val);
    for (auto& [k, val] : v.items()) {
      if (k == "_base") continue;
      if (val.is_null())
        out.erase(k);
      else
        out[k] = resolve_borrowed(val);
    }
    return out;
  }
  for (auto& [k, val] : v.items()) out[k] = resolve_borrowed(val);
  return out;
}

}  // namespace zonesim
