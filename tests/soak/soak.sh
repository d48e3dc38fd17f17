#!/usr/bin/env bash
# Soak: runs a long drill (default: week-of-zone-outages.yaml, seven simulated days) and samples
# the process's resident memory every INTERVAL seconds. A one-off measurement for
# docs/RELIABILITY.md, not part of the test suite (it takes minutes).
# Usage: tests/soak/soak.sh ZONESIM_BINARY [FIXTURE] [INTERVAL_SECONDS]
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
zonesim=${1:?usage: soak.sh ZONESIM [FIXTURE] [INTERVAL]}
fixture=${2:-$here/week-of-zone-outages.yaml}
interval=${3:-10}
out=$(mktemp -d)
"$zonesim" drill run "$fixture" --json "$out/result.json" >"$out/drill.out" 2>&1 &
pid=$!
t0=$(date +%s)
echo "wall_s,rss_kib"
while kill -0 $pid 2>/dev/null; do
  rss=$(awk '/^VmRSS/ {print $2}' /proc/$pid/status 2>/dev/null) || break
  [[ -n $rss ]] && echo "$(( $(date +%s) - t0 )),$rss"
  sleep "$interval"
done
wait $pid
rc=$?
cat "$out/drill.out" >&2
echo "drill exit $rc; result: $out/result.json" >&2
exit $rc
