#!/usr/bin/env bash
# Disk full: zonesim's state file may not grow past a small limit (ulimit -f, which needs no root;
# zonesim ignores SIGXFSZ so a refused write is an error, not death). Writes past the limit answer
# 503 ServiceUnavailable and apply nothing; the server stays up; after a restart with room again,
# the state holds exactly the calls that were answered 200, SQLite's integrity check passes, and
# writes work again.
# Usage: disk_full_test.sh ZONESIM_BINARY
set -uo pipefail
zonesim=${1:?usage: disk_full_test.sh ZONESIM}
command -v sqlite3 >/dev/null || { echo "FAIL: sqlite3 is required"; exit 1; }
work=$(mktemp -d)
zpid=
trap '[[ -n $zpid ]] && kill $zpid 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; tail -n 5 "$work"/*.err 2>/dev/null; exit 1; }

start() {  # start NAME [ULIMIT_KB]
  (
    [[ -n ${2:-} ]] && ulimit -f "$2"
    exec "$zonesim" serve --port 0 --clock manual --state "$work/state.db" --log-level warn
  ) >"$work/$1.out" 2>"$work/$1.err" &
  zpid=$!
  for _ in $(seq 1 200); do grep -q 'listening on' "$work/$1.out" 2>/dev/null && break; sleep 0.02; done
  endpoint=$(grep -o 'http://[0-9.]*:[0-9]*' "$work/$1.out" | head -n 1)
  [[ -n $endpoint ]] || fail "zonesim did not start: $(cat "$work/$1.err")"
}
logs() {  # logs OPERATION JSON_BODY -> prints "STATUS BODY"
  curl -s -o "$work/body" -w '%{http_code}' "$endpoint/" \
    -H 'Authorization: AWS4-HMAC-SHA256 Credential=test/20260101/eu-central-1/logs/aws4_request, SignedHeaders=host, Signature=0' \
    -H 'Content-Type: application/x-amz-json-1.1' -H "X-Amz-Target: Logs_20140328.$1" --data "$2"
  echo " $(cat "$work/body")"
}

# 1. 256 KiB for the state file (and its WAL): a few dozen calls.
start limited 256
answered=() refused=0 first_refusal=
for i in $(seq 1 3000); do
  out=$(logs CreateLogGroup "{\"logGroupName\":\"group-$i\"}")
  case $out in
    200*) answered+=("group-$i") ;;
    503*)
      refused=$((refused + 1))
      [[ -z $first_refusal ]] && first_refusal=$out
      ((refused >= 5)) && break ;;
    *) fail "call $i answered neither 200 nor 503: $out" ;;
  esac
done
((refused > 0)) || fail "3000 calls fit in 256 KiB: the limit did not bite"
[[ $first_refusal == *'"__type":"ServiceUnavailable"'* ]] || fail "disk full answered: $first_refusal"
echo "ok   ${#answered[@]} calls answered 200, then 503 ServiceUnavailable: ${first_refusal:0:160}"
kill -0 $zpid 2>/dev/null || fail "zonesim died at the limit"
echo "ok   zonesim still up at the limit"
grep -q 'not saved' "$work/limited.err" && echo "ok   the refusal is logged" || fail "no log line for the refusal"
{ kill -9 $zpid; wait $zpid; } 2>/dev/null
zpid=

# 2. Room again: restart on the same file.
check=$(sqlite3 "$work/state.db" 'PRAGMA integrity_check;' 2>&1)
[[ $check == ok ]] || fail "integrity_check: $check"
echo "ok   integrity_check: ok"
start roomy
listed=$(python3 - "$endpoint" <<'PY'
import json, sys, urllib.request
names, token = [], None
while True:
    body = {"limit": 50}
    if token: body["nextToken"] = token
    req = urllib.request.Request(sys.argv[1] + "/", data=json.dumps(body).encode(), headers={
        "Authorization": "AWS4-HMAC-SHA256 Credential=test/20260101/eu-central-1/logs/aws4_request, SignedHeaders=host, Signature=0",
        "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "Logs_20140328.DescribeLogGroups"})
    page = json.load(urllib.request.urlopen(req))
    names += [g["logGroupName"] for g in page["logGroups"]]
    token = page.get("nextToken")
    if not token: break
print("\n".join(sorted(names)))
PY
)
expected=$(printf '%s\n' "${answered[@]}" | sort)
[[ $listed == "$expected" ]] || fail "after restart the state differs from what was answered:
$(diff <(echo "$expected") <(echo "$listed") | head)"
echo "ok   the state holds exactly the ${#answered[@]} answered log groups"
out=$(logs CreateLogGroup '{"logGroupName":"after-restart"}')
[[ $out == 200* ]] || fail "write after restart: $out"
echo "ok   writes work again"
echo "PASS"
