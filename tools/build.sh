#!/usr/bin/env bash
# Configures and builds zonesim into build/; with --asan also an ASan+UBSan build in build-asan/;
# with --fuzz also the libFuzzer targets (clang, ASan+UBSan, -O1) in build-fuzz/
# (docs/RELIABILITY.md, "Fuzzing").
set -euo pipefail
cd "$(dirname "$0")/.."
asan=0 fuzz=0
for arg in "$@"; do
  case $arg in
    --asan) asan=1 ;;
    --fuzz) fuzz=1 ;;
    *) echo "usage: tools/build.sh [--asan] [--fuzz]" >&2; exit 2 ;;
  esac
done
extra=()
if ((asan)); then
  cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DZONESIM_SANITIZE=ON >/dev/null
  ninja -C build-asan
  extra+=(-DZONESIM_ASAN_BUILD_DIR="$PWD/build-asan")
fi
if ((fuzz)); then
  CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=Fuzz \
    "-DCMAKE_CXX_FLAGS=-O1 -gline-tables-only" -DZONESIM_FUZZ=ON -DZONESIM_TESTS=OFF >/dev/null
  ninja -C build-fuzz
fi
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "${extra[@]}" >/dev/null
ninja -C build
