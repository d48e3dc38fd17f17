// The drill fixture loader (YAML text): a fixture loads or fails with FixtureError naming the
// file and line; nothing else may escape.
#include "emulator/drill/fixture.hpp"
#include "tests/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace zonesim;
  std::string text(reinterpret_cast<const char*>(data), size);
  try {
    auto f = drill::load_fixture_text(text, "fuzz.yaml");
    if (f.duration <= 0 || f.warmup < 0 || f.warmup + f.duration > drill::kMaxDrillMs)
      fuzz::die("loaded fixture out of bounds", text);
  } catch (const drill::FixtureError& e) {
    if (std::string_view(e.what()).rfind("fuzz.yaml", 0) != 0)
      fuzz::die(std::string("error does not name the file: ") + e.what(), text);
  }
  return 0;
}
