#!/usr/bin/env bash
# The test command (README, .ci/run): installs what is missing, builds the normal and the
# ASan+UBSan builds, and runs every test with ctest (unit, protocol, service, end-to-end with the
# AWS CLI and with real Terraform, and the sanitizer build's tests), and the libFuzzer build whose
# short fuzz runs (ctest -L fuzz) replay the regression inputs and fuzz a few seconds per target
# (ZONESIM_SKIP_FUZZ=1 leaves that build out; its tests are then skipped).
#
# Order, for the wall time: the normal build first; its tests (most of their time is Terraform
# waiting out the provider's own sleeps) run in the background while the sanitizer builds
# compile; then the sanitizer and fuzz tests. Each ctest run prints its summary; the last line is
# the total, "N passed, N failed". Extra arguments go to both ctest runs.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
san=(--asan)
[[ ${ZONESIM_SKIP_FUZZ:-0} == 1 ]] || san+=(--fuzz)
tools/build.sh "${san[@]}" --main-only

log=$(mktemp)
trap 'rm -f "$log"' EXIT
(
  cd build
  rc=0
  ctest -j2 --output-on-failure --timeout 1200 -E '^(asan|fuzz)\.' "$@" >"$log" 2>&1 || rc=$?
  exit $rc
) &
main_tests=$!
echo "== the normal build's tests run in the background while the sanitizer builds compile"
build_rc=0
tools/build.sh "${san[@]}" --sanitizers-only || build_rc=$?

main_rc=0
wait $main_tests || main_rc=$?
echo "== the normal build's tests"
cat "$log"
san_log=$(mktemp)
san_rc=0
if ((build_rc == 0)); then
  echo "== the sanitizer and fuzz builds' tests"
  (cd build && ctest -j2 --output-on-failure --timeout 1200 -R '^(asan|fuzz)\.' "$@") 2>&1 |
    tee "$san_log" || san_rc=$?
else
  echo "FAILED: the sanitizer builds did not build (exit $build_rc)"
fi

# The total over both runs, from ctest's own summary lines.
total() {  # total FILE -> "passed failed"
  sed -nE 's/.* ([0-9]+) tests failed out of ([0-9]+)$/\1 \2/p' "$1" | tail -n 1
}
read -r f1 n1 < <(total "$log"; echo "0 0")
read -r f2 n2 < <(total "$san_log"; echo "0 0")
rm -f "$san_log"
# A run that failed without a summary (a crash, a timeout of ctest itself) counts as a failure.
((main_rc != 0 && f1 == 0)) && f1=1
((san_rc != 0 && f2 == 0)) && f2=1
failed=$((f1 + f2 + (build_rc != 0)))
echo "$((n1 + n2 - f1 - f2)) passed, $failed failed"
((main_rc == 0 && san_rc == 0 && build_rc == 0))
