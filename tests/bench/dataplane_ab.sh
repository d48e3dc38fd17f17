#!/usr/bin/env bash
# Requests per second through the ALB data plane next to the control API and an AWS API call, with
# ab at c=1 and c=100, with and without keep-alive (README "Sending traffic through the ALB").
# A fresh zonesim on a free port (manual clock, or CLOCK=realtime), the seed stack from its
# snapshot, health checks passed. Reported, never asserted.
# Usage: tests/bench/dataplane_ab.sh [ZONESIM_BINARY] [REQUESTS]
set -uo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
zonesim=${1:-$here/build/zonesim}
n=${2:-20000}
command -v ab >/dev/null || { echo "ab (apache2-utils) not installed: nothing measured"; exit 0; }
work=$(mktemp -d)
"$zonesim" serve --port 0 --clock "${CLOCK:-manual}" --log-level warn >"$work/out" 2>&1 &
pid=$!
trap 'kill $pid; rm -rf "$work"' EXIT
for _ in $(seq 100); do grep -q "listening on" "$work/out" && break; sleep 0.05; done
ep=$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$work/out" | head -1)
export ZONESIM_ENDPOINT=$ep
curl -sf -X POST --data-binary @"$here/fixtures/snapshots/seed-stack.json" "$ep/_zonesim/state" >/dev/null
"$zonesim" clock advance 3m >/dev/null
dns=$(curl -s "$ep/_zonesim/listeners" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["listeners"][0]["dns_name"])')
printf 'Action=GetCallerIdentity&Version=2011-06-15' >"$work/sts"
sts_auth="AWS4-HMAC-SHA256 Credential=test/20260101/eu-central-1/sts/aws4_request, SignedHeaders=host, Signature=0"
run() {
  local label=$1
  shift
  printf '%-34s %s\n' "$label" "$(ab -q "$@" 2>&1 | sed -n 's/^Requests per second: *\([0-9.]*\).*/\1 req\/s/p;s/^Failed requests: *\([0-9]*\)/failed \1,/p' | tr '\n' ' ')"
}
for c in 1 100; do
  for k in "" -k; do
    run "alb c=$c $k" -n "$n" -c $c $k -H "Host: $dns" "$ep/"
    run "control /_zonesim/health c=$c $k" -n "$n" -c $c $k "$ep/_zonesim/health"
    run "sts GetCallerIdentity c=$c $k" -n "$n" -c $c $k -p "$work/sts" \
      -T application/x-www-form-urlencoded -H "Authorization: $sts_auth" "$ep/"
  done
done
echo "data-plane metrics totals: $(curl -s "$ep/_zonesim/metrics?load_balancer=resilience-platform-alb" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["totals"])')"
echo "load: $(uptime)"
