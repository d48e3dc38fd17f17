#!/usr/bin/env bash
# Configures and builds zonesim into build/ (RelWithDebInfo); with --asan also an ASan+UBSan build
# in build-asan/ (gcc, -O0, line tables) that build/'s ctest runs as the asan.* tests; with --fuzz
# also the libFuzzer targets (clang, ASan+UBSan, -O1) in build-fuzz/ (docs/RELIABILITY.md,
# "Fuzzing"). --main-only builds only build/ (still configured for the asan.* tests when --asan is
# given) and --sanitizers-only only the other two: tools/test.sh runs build/'s tests between the
# two, so they overlap with the sanitizer builds' compiles.
set -euo pipefail
cd "$(dirname "$0")/.."
asan=0 fuzz=0 main=1 sanitizers=1
for arg in "$@"; do
  case $arg in
    --asan) asan=1 ;;
    --fuzz) fuzz=1 ;;
    --main-only) sanitizers=0 ;;
    --sanitizers-only) main=0 ;;
    *) echo "usage: tools/build.sh [--asan] [--fuzz] [--main-only | --sanitizers-only]" >&2; exit 2 ;;
  esac
done
extra=()
if ((asan)); then
  extra+=(-DZONESIM_ASAN_BUILD_DIR="$PWD/build-asan")
  if ((sanitizers)); then
    # Line tables are all a sanitizer report needs (file:line); full debug info makes this build,
    # compiled in every CI run, a quarter slower.
    cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS_DEBUG=-O0 -g1" \
      -DZONESIM_SANITIZE=ON >/dev/null
    ninja -C build-asan
  fi
fi
if ((fuzz && sanitizers)); then
  CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=Fuzz \
    "-DCMAKE_CXX_FLAGS=-O1 -gline-tables-only" -DZONESIM_FUZZ=ON -DZONESIM_TESTS=OFF >/dev/null
  ninja -C build-fuzz
fi
if ((main)); then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "${extra[@]}" >/dev/null
  ninja -C build
fi
