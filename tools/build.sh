#!/usr/bin/env bash
# Configures and builds zonesim into build/ (RelWithDebInfo); with --asan also an ASan+UBSan build
# in build-asan/ (-O0, line tables) that build/'s ctest runs as the asan.* tests; --fuzz adds the
# libFuzzer targets (docs/RELIABILITY.md, "Fuzzing"): with --asan the sanitizer build is then made
# with clang and carries them (one compile for both), alone they get a build of their own
# (build-fuzz/, -O1). --main-only builds only build/ (still configured for the asan.* tests when --asan is
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
if ((fuzz)) && ! command -v clang++ >/dev/null 2>&1; then
  echo "build: clang++ is not installed: no libFuzzer targets (the fuzz.* tests say so)"
  fuzz=0
fi
if ((asan)); then
  extra+=(-DZONESIM_ASAN_BUILD_DIR="$PWD/build-asan")
  ((fuzz)) && extra+=(-DZONESIM_FUZZ_BUILD_DIR="$PWD/build-asan")
  if ((sanitizers)); then
    # -O0 with line tables (file:line is all a report needs): code generation and debug info are
    # most of a compile, and this build is compiled in every CI run. With --fuzz it is made with
    # clang and also carries libFuzzer's coverage instrumentation and the fuzz targets, so one
    # compile serves the asan.* and the fuzz.* tests.
    if ((fuzz)); then
      CC=clang CXX=clang++ cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Sanitize \
        "-DCMAKE_CXX_FLAGS=-O0 -gline-tables-only" -DZONESIM_SANITIZE=ON -DZONESIM_FUZZ=ON >/dev/null
    else
      cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Sanitize "-DCMAKE_CXX_FLAGS=-O0 -g1" \
        -DZONESIM_SANITIZE=ON -DZONESIM_FUZZ=OFF >/dev/null
    fi
    ninja -C build-asan
  fi
elif ((fuzz && sanitizers)); then
  CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=Fuzz \
    "-DCMAKE_CXX_FLAGS=-O1 -gline-tables-only" -DZONESIM_FUZZ=ON -DZONESIM_TESTS=OFF >/dev/null
  ninja -C build-fuzz
fi
if ((main)); then
  # Line tables only (-g1: backtraces and perf keep file:line; a TU compiles a fifth faster).
  # For inlined frames and locals in a debugger: -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g -DNDEBUG".
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 -g1 -DNDEBUG" "${extra[@]}" >/dev/null
  ninja -C build
fi
