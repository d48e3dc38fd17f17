#!/usr/bin/env bash
# The test command (README, .ci/run): installs what is missing, builds the normal and the
# ASan+UBSan builds, and runs every test with ctest (unit, protocol, service, end-to-end with the
# AWS CLI and with real Terraform, and the sanitizer build's tests). Ends with ctest's summary.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
tools/build.sh --asan
cd build
ctest -j3 --output-on-failure --timeout 1200 "$@"
