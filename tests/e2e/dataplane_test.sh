#!/usr/bin/env bash
# The ALB data plane against a real zonesim (manual clock): the seed stack from its snapshot,
# curl by Host header alternates between the tasks of both zones, ab (the seed's load test) has no
# failed request and the metrics count what ab sent, --bind-listeners serves the listener on its
# own port, and a zone powered off shows failures only in the detection window.
# Usage: dataplane_test.sh ZONESIM_BINARY
set -euo pipefail
zonesim=${1:?usage: dataplane_test.sh ZONESIM_BINARY}
src=$(cd "$(dirname "$0")/../.." && pwd)
if ! command -v ab >/dev/null 2>&1; then
  echo "SKIPPED: ab (apache2-utils) is not installed; tools/install-deps.sh installs it" >&2
  exit 77
fi
for tool in curl python3; do
  command -v $tool >/dev/null 2>&1 || { echo "SKIPPED: $tool is not installed" >&2; exit 77; }
done

tmp=$(mktemp -d)
pid=""
cleanup() {
  [[ -n $pid ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  echo "--- zonesim output:" >&2
  cat "$tmp/out" "$tmp/err" >&2 || true
  exit 1
}

"$zonesim" serve --port 0 --clock manual --bind-listeners --log-level warn >"$tmp/out" 2>"$tmp/err" &
pid=$!
for _ in $(seq 100); do
  grep -q "listening on" "$tmp/out" 2>/dev/null && break
  sleep 0.05
done
ep=$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$tmp/out" | head -1)
[[ -n $ep ]] || fail "no endpoint printed"
export ZONESIM_ENDPOINT=$ep

json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

curl -sf -X POST --data-binary @"$src/fixtures/snapshots/seed-stack.json" "$ep/_zonesim/state" \
  >/dev/null || fail "state import"
"$zonesim" clock advance 3m >/dev/null
listener=$(curl -sf "$ep/_zonesim/listeners")
dns=$(echo "$listener" | json 'd["listeners"][0]["dns_name"]')
local_port=$(echo "$listener" | json 'd["listeners"][0]["local_port"]')
[[ $dns == resilience-platform-alb-*.eu-central-1.elb.amazonaws.com ]] || fail "dns name $dns"
grep -q "ALB listener resilience-platform-alb HTTP:80 ($dns) -> http://127.0.0.1:$local_port/" \
  "$tmp/out" || fail "the bound listener port was not printed"

# curl by Host header: 200 from both zones, alternating tasks.
zones=()
tasks=()
for _ in 1 2 3 4; do
  body=$(curl -sf -H "Host: $dns" "$ep/") || fail "curl -H 'Host: $dns' $ep/"
  zones+=("$(echo "$body" | json 'd["zone"]')")
  tasks+=("$(echo "$body" | json 'd["task"]')")
done
[[ ${zones[0]} != "${zones[1]}" && ${zones[0]} == "${zones[2]}" && ${zones[1]} == "${zones[3]}" ]] ||
  fail "zones do not alternate: ${zones[*]}"
[[ ${tasks[0]} != "${tasks[1]}" ]] || fail "one task answered twice in a row"
echo "curl: 200 from ${zones[*]}"
# The same listener by path prefix and on its own port.
curl -sf "$ep/_zonesim/alb/resilience-platform-alb/x" | grep -q '"path":"/x"' || fail "path prefix"
curl -sf "http://127.0.0.1:$local_port/y" | grep -q '"path":"/y"' || fail "bound listener port"
# Not a load balancer's host: the AWS API answers, as before.
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Host: other.elb.amazonaws.com" "$ep/")
[[ $code == 403 ]] || fail "unknown host answered $code, want the API's 403"

# The seed's load test, scaled down: no failure, and the metrics count every request.
ab -q -n 2000 -c 50 -H "Host: $dns" "$ep/" >"$tmp/ab" 2>&1 || fail "ab: $(cat "$tmp/ab")"
grep -q "^Complete requests: *2000" "$tmp/ab" || fail "ab: $(cat "$tmp/ab")"
grep -q "^Failed requests: *0" "$tmp/ab" || fail "ab failures: $(cat "$tmp/ab")"
grep -q "Non-2xx" "$tmp/ab" && fail "ab non-2xx: $(cat "$tmp/ab")"
metrics=$(curl -sf "$ep/_zonesim/metrics?load_balancer=resilience-platform-alb")
sent=$((4 + 1 + 1 + 2000))  # curl x4, prefix, bound port, ab
[[ $(echo "$metrics" | json 'd["totals"]["RequestCount"]') == "$sent" ]] ||
  fail "RequestCount != $sent: $metrics"
[[ $(echo "$metrics" | json 'd["totals"]["HTTPCode_Target_2XX_Count"]') == "$sent" ]] ||
  fail "HTTPCode_Target_2XX_Count != $sent: $metrics"
echo "ab: 2000 requests, 0 failed; RequestCount $sent"

# Power off eu-central-1a; ab batches 10 sim seconds apart. Failures (connections to the dead
# node reset until its DNS TTL ends, 504s from the live node to the dead task until health
# checks mark it unhealthy, 500s from the live task while its database fails over) only in that
# window; none before, none after.
"$zonesim" zone fail eu-central-1a --kind power >/dev/null
failures=()
for _ in $(seq 15); do
  # -r: a connection to the dead node is reset; count it instead of stopping.
  ab -q -r -n 200 -c 10 -H "Host: $dns" "$ep/" >"$tmp/ab" 2>&1 || fail "ab: $(cat "$tmp/ab")"
  # Resets (ab: Receive) and the load balancer's 5xx (Non-2xx); ab's Length count only echoes
  # those (a reset or an error page has another length than the first answer).
  reset=$(sed -n 's/.*Receive: *\([0-9]*\).*/\1/p' "$tmp/ab")
  non2xx=$(sed -n 's/^Non-2xx responses: *\([0-9]*\).*/\1/p' "$tmp/ab")
  failures+=($((${reset:-0} + ${non2xx:-0})))
  "$zonesim" clock advance 10s >/dev/null
done
echo "resets + 5xx per 200-request batch, 10 s apart after the power loss: ${failures[*]}"
((failures[0] > 0)) || fail "no failure right after the power loss"
for i in 12 13 14; do
  ((failures[i] == 0)) || fail "failures $((i * 10)) s after the power loss: ${failures[*]}"
done
metrics=$(curl -sf "$ep/_zonesim/metrics?load_balancer=resilience-platform-alb")
healthy=$(echo "$metrics" | json 'd["target_groups"][0]["HealthyHostCount"].get("eu-central-1a", 0)')
[[ $healthy == 0 ]] || fail "HealthyHostCount in eu-central-1a: $healthy"
echo "PASS"
