#!/usr/bin/env bash
# A short fuzz run (ctest fuzz.*): replays the target's regression inputs, then fuzzes for SECONDS
# starting from the seed corpus. New inputs go to a scratch directory, never into the repository.
# Exit 77 (ctest: skipped) when the fuzz build does not exist (tools/build.sh --fuzz makes it);
# libFuzzer's own default error exit code is also 77, hence -error_exitcode=1.
#   tests/fuzz/run.sh BINARY CORPUS_DIR REGRESSION_DIR SECONDS
set -euo pipefail
bin=$1 corpus=$2 regressions=$3 seconds=$4
if [[ ! -x $bin ]]; then
  echo "SKIPPED: $bin does not exist (build it: tools/build.sh --fuzz)"
  exit 77
fi
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
if [[ -d $regressions ]] && compgen -G "$regressions/*" >/dev/null; then
  echo "replaying $(ls "$regressions" | wc -l) regression inputs"
  "$bin" -error_exitcode=1 -timeout_exitcode=1 -runs=1 "$regressions"/*
fi
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
status=0
"$bin" -error_exitcode=1 -timeout_exitcode=1 -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
  -print_final_stats=1 "$scratch" "$corpus" >"$scratch.log" 2>&1 || status=$?
grep -v '^#[0-9]*	\(NEW\|REDUCE\|pulse\)' "$scratch.log" | tail -n 60
rm -f "$scratch.log"
exit "$status"
