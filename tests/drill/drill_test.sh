#!/usr/bin/env bash
# Drill end-to-end checks (issue 5): every shipped fixture passes; golden timelines match
# (ZONESIM_UPDATE_GOLDEN=1 rewrites them); the same seed replays byte for byte and another seed
# keeps the verdicts; a broken stack fails with exit 1 naming the expectation and the measured
# value; a bad fixture exits 2 naming file, line and field; the HTML report renders in headless
# Chromium and its picture shows the fault and the recovery.
# Usage: drill_test.sh ZONESIM
set -uo pipefail
zonesim=${1:?usage: drill_test.sh ZONESIM}
here=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0
ok() { echo "ok   $1"; passed=$((passed + 1)); }
ko() { echo "FAIL $1: $2"; failed=$((failed + 1)); }

for f in "$here"/fixtures/*.yaml; do
  name=$(basename "$f" .yaml)
  if "$zonesim" drill run "$f" --timeline "$work/$name.jsonl" --json "$work/$name.json" >"$work/$name.out" 2>&1; then
    ok "drill $name passes ($(grep -o 'in [0-9.]* s wall' "$work/$name.out"))"
  else
    ko "drill $name" "$(cat "$work/$name.out")"
  fi
  golden="$here/fixtures/expected/$name.jsonl"
  if [[ -n ${ZONESIM_UPDATE_GOLDEN:-} ]]; then
    cp "$work/$name.jsonl" "$golden"
  elif cmp -s "$work/$name.jsonl" "$golden"; then
    ok "golden timeline $name"
  else
    ko "golden timeline $name" "differs from fixtures/expected/$name.jsonl (ZONESIM_UPDATE_GOLDEN=1 updates it)"
  fi
done

# Replay: same seed twice -> identical timeline; another seed -> other jitter, same verdicts.
f="$here/fixtures/az-power-loss-primary.yaml"
"$zonesim" drill run "$f" --seed 7 --timeline "$work/a.jsonl" >"$work/a.out" 2>&1; ra=$?
"$zonesim" drill run "$f" --seed 7 --timeline "$work/b.jsonl" >/dev/null 2>&1
"$zonesim" drill run "$f" --seed 8 --timeline "$work/c.jsonl" >"$work/c.out" 2>&1; rc=$?
cmp -s "$work/a.jsonl" "$work/b.jsonl" && ok "same seed, byte-identical timeline" || ko "replay" "seed 7 twice differs"
cmp -s "$work/a.jsonl" "$work/c.jsonl" && ko "other seed" "seed 8 gave the same timeline as seed 7" || ok "another seed changes the timeline"
[[ $ra == "$rc" && $(grep -c '^  PASS' "$work/a.out") == $(grep -c '^  PASS' "$work/c.out") ]] \
  && ok "another seed keeps the verdicts" || ko "verdicts" "seed 7 exit $ra, seed 8 exit $rc"

# A broken stack fails the drill with exit 1, naming the expectation and the measured value.
sed -e 's/^name: .*/name: broken-one-task/' -e 's/^state: /state: ..\/fixtures\//' "$f" >"$work/broken.yaml"
mkdir -p "$work/fixtures" && cp -r "$here/fixtures/snapshots" "$work/fixtures/"
sed -i 's|^state: ../fixtures/|state: fixtures/|' "$work/broken.yaml"
cat >>"$work/broken.yaml" <<'YAML'
setup:
  - {service: ecs, operation: UpdateService, input: {cluster: resilience-platform-cluster, service: resilience-platform-service, desiredCount: 1}}
  - {service: rds, operation: ModifyDBInstance, input: {DBInstanceIdentifier: resilience-platform-db, MultiAZ: false, ApplyImmediately: true}}
YAML
"$zonesim" drill run "$work/broken.yaml" --junit "$work/broken.xml" >"$work/broken.out" 2>&1
r=$?
if [[ $r == 1 ]] && grep -qE '^  FAIL  [a-z_ ]+ +measured [0-9.]+' "$work/broken.out"; then
  ok "broken stack fails with exit 1: $(grep -m1 '^  FAIL' "$work/broken.out" | sed 's/  */ /g')"
else
  ko "broken stack" "exit $r: $(cat "$work/broken.out")"
fi
grep -q '<failure message=' "$work/broken.xml" && ok "JUnit names the failed expectation" || ko "junit" "no <failure> in $work/broken.xml"

# A bad fixture exits 2 and names file, line and field.
printf 'name: bad\nduration: 10m\nfaults:\n  - {at: 1m, kind: meteor-strike}\n' >"$work/bad.yaml"
"$zonesim" drill run "$work/bad.yaml" >"$work/bad.out" 2>&1
r=$?
[[ $r == 2 ]] && grep -q 'bad.yaml:4: faults\[0\].kind' "$work/bad.out" && ok "bad fixture: exit 2, $(cat "$work/bad.out")" \
  || ko "bad fixture" "exit $r: $(cat "$work/bad.out")"

# The HTML report renders in headless Chromium and shows the fault and the recovery.
"$zonesim" drill run "$f" --report "$work/report.html" >/dev/null 2>&1
chromium=$(command -v chromium || command -v chromium-browser || true)
if [[ -z $chromium ]]; then
  ko "html report" "chromium is not installed (tools/install-deps.sh installs it)"
else
  common=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking
          --disable-component-update --disable-sync --user-data-dir="$work/chrome")
  timeout 60 "$chromium" "${common[@]}" --dump-dom "file://$work/report.html" >"$work/dom.html" 2>/dev/null
  timeout 60 "$chromium" "${common[@]}" --window-size=1200,900 --screenshot="$work/report.png" "file://$work/report.html" >/dev/null 2>&1
  faults=$(grep -o "class=\"fault\"" "$work/dom.html" | wc -l)
  healthy=$(grep -o 'fill="#2e9d4b"' "$work/dom.html" | wc -l)
  down=$(grep -o 'fill="#d23c3c"' "$work/dom.html" | wc -l)
  if [[ -s $work/report.png && $faults -ge 1 && $healthy -ge 3 && $down -ge 1 ]] && grep -q '<polyline' "$work/dom.html"; then
    ok "html report renders: $faults fault marker(s), $healthy healthy/running bars, $down down/unhealthy bars, success-rate line, $(stat -c %s "$work/report.png") byte screenshot"
    [[ -n ${ZONESIM_KEEP_REPORT:-} ]] && cp "$work/report.png" "$work/report.html" "$ZONESIM_KEEP_REPORT"/
  else
    ko "html report" "faults=$faults healthy=$healthy down=$down png=$(stat -c %s "$work/report.png" 2>/dev/null)"
  fi
fi
# --endpoint: the same drill on a running server (realtime clock, the seed stack imported), the
# workshop flow; the timeline is printed as it happens and the server keeps what happened.
"$zonesim" serve --port 0 >"$work/serve.out" 2>"$work/serve.err" &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 50); do grep -q 'http://' "$work/serve.out" && break; sleep 0.1; done
endpoint=$(grep -o 'http://[0-9.]*:[0-9]*' "$work/serve.out" | head -n 1)
"$zonesim" state import "$here/fixtures/snapshots/seed-stack.json" --endpoint "$endpoint" >/dev/null 2>&1
"$zonesim" drill run "$f" --endpoint "$endpoint" --events --json "$work/remote.json" >"$work/remote.out" 2>&1
r=$?
if [[ $r == 0 ]] && grep -q '^  PASS  availability' "$work/remote.out" && grep -q 'zone  eu-central-1a  up -> power' "$work/remote.out" \
   && [[ $(jq '.expectations | length' "$work/remote.json") -ge 3 ]]; then
  ok "drill --endpoint passes on a running server, events printed: $(grep -c '^  20' "$work/remote.out")"
else
  ko "drill --endpoint" "exit $r: $(tail -20 "$work/remote.out")"
fi
curl -s "$endpoint/_zonesim/timeline" | grep -q '"to":"power"' && ok "the server keeps the drill's timeline" \
  || ko "server timeline" "no zone power event on $endpoint"
c1=$(curl -s "$endpoint/_zonesim/clock" | jq .now_ms); sleep 0.3; c2=$(curl -s "$endpoint/_zonesim/clock" | jq .now_ms)
((c2 > c1)) && ok "the realtime clock runs again after the drill ($c1 -> $c2)" || ko "clock" "$c1 -> $c2"
sed -e 's/^name: .*/name: wrong-lb/' -e 's/load_balancer: [a-z-]*/load_balancer: no-such-alb/' "$f" >"$work/wrong.yaml"
"$zonesim" drill run "$work/wrong.yaml" --endpoint "$endpoint" >"$work/wrong.out" 2>&1
r=$?
[[ $r == 2 ]] && grep -q 'traffic.load_balancer' "$work/wrong.out" && ok "--endpoint with a name the server lacks: exit 2, $(head -c 160 "$work/wrong.out")" \
  || ko "--endpoint bad name" "exit $r: $(cat "$work/wrong.out")"
curl -s "$endpoint/_zonesim/drills" | grep -q NoDrill && ok "no drill left holding the server" || ko "drill left" "$(curl -s "$endpoint/_zonesim/drills")"
"$zonesim" drill run "$f" --endpoint "$endpoint" --seed 3 >/dev/null 2>&1
[[ $? == 2 ]] && ok "--seed with --endpoint is refused" || ko "--seed --endpoint" "accepted"
kill $server 2>/dev/null

echo "$passed passed, $failed failed"
((failed == 0))
