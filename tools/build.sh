#!/usr/bin/env bash
# Configures and builds zonesim into build/ (RelWithDebInfo). With --asan also the sanitizer
# build in build-asan/ (ASan+UBSan, -O0); with --fuzz that same build is made with clang and also
# carries libFuzzer's coverage instrumentation and the libFuzzer targets (docs/RELIABILITY.md,
# "Fuzzing"): one compile serves both the asan.* and the fuzz.* tests.
set -euo pipefail
cd "$(dirname "$0")/.."
asan=0 fuzz=0
for arg in "$@"; do
  case $arg in
    --asan) asan=1 ;;
    --fuzz) asan=1 fuzz=1 ;;
    *) echo "usage: tools/build.sh [--asan] [--fuzz]" >&2; exit 2 ;;
  esac
done
extra=()
if ((asan)); then
  # -O0 and line tables only (file:line in reports): code generation is most of a compile, and
  # -O1 doubles it (this build is compiled in every CI run; longer fuzzing wants a -O1 build).
  sanitize=(-DZONESIM_SANITIZE=ON -DCMAKE_BUILD_TYPE=Sanitize)
  if ((fuzz)) && ! command -v clang++ >/dev/null 2>&1; then
    echo "build: clang++ is not installed: the sanitizer build is made without the fuzz targets"
    fuzz=0
  fi
  if ((fuzz)); then
    CC=clang CXX=clang++ cmake -S . -B build-asan -G Ninja "${sanitize[@]}" -DZONESIM_FUZZ=ON \
      "-DCMAKE_CXX_FLAGS=-O0 -gline-tables-only" >/dev/null
  else
    cmake -S . -B build-asan -G Ninja "${sanitize[@]}" -DZONESIM_FUZZ=OFF "-DCMAKE_CXX_FLAGS=-O0 -g1" >/dev/null
  fi
  ninja -C build-asan
  extra+=(-DZONESIM_ASAN_BUILD_DIR="$PWD/build-asan" -DZONESIM_FUZZ_BUILD_DIR="$PWD/build-asan")
fi
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "${extra[@]}" >/dev/null
ninja -C build
