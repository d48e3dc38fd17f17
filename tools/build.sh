#!/usr/bin/env bash
# Configures and builds zonesim into build/ (and, with --asan, an ASan+UBSan build in build-asan/).
set -euo pipefail
cd "$(dirname "$0")/.."
asan=0
[[ ${1:-} == --asan ]] && asan=1
if ((asan)); then
  cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DZONESIM_SANITIZE=ON >/dev/null
  ninja -C build-asan
  extra=(-DZONESIM_ASAN_BUILD_DIR="$PWD/build-asan")
else
  extra=()
fi
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "${extra[@]}" >/dev/null
ninja -C build
