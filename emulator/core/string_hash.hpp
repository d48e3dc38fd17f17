#pragma once
// A hash for std::string keys that also finds them by std::string_view (with std::equal_to<>):
// lookups on hot paths build no key string.
#include <cstddef>
#include <functional>
#include <string_view>

namespace zonesim {

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept {
    return std::hash<std::string_view>{}(s);
  }
};

}  // namespace zonesim
