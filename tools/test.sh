#!/usr/bin/env bash
# The test command (README, .ci/run): installs what is missing, makes the normal build and the
# sanitizer build (ASan+UBSan, with clang, carrying the libFuzzer targets too), and runs every test
# with ctest: unit, protocol, service, end-to-end with the AWS CLI and with real Terraform, the
# sanitizer build's tests, and short fuzz runs (ctest -L fuzz) that replay the regression inputs
# and fuzz a few seconds per target (ZONESIM_SKIP_FUZZ=1 leaves the fuzz targets out; their tests
# are then skipped). Ends with ctest's summary.
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
