#!/usr/bin/env bash
# The test command (README, .ci/run): installs what is missing, builds the normal and the
# ASan+UBSan builds, and runs every test with ctest (unit, protocol, service, end-to-end with the
# AWS CLI and with real Terraform, and the sanitizer build's tests), and the libFuzzer build whose
# short fuzz runs (ctest -L fuzz) replay the regression inputs and fuzz a few seconds per target
# (ZONESIM_SKIP_FUZZ=1 leaves that build out; its tests are then skipped). Ends with ctest's summary.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
if [[ ${ZONESIM_SKIP_FUZZ:-0} == 1 ]]; then
  tools/build.sh --asan
else
  tools/build.sh --asan --fuzz
fi
cd build
ctest -j3 --output-on-failure --timeout 1200 "$@"
