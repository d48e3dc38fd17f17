#!/usr/bin/env bash
# The benchmark tools still work (not a timing test): the load generator's signed EC2, ELBv2,
# ECS and CreateTags/DeleteTags requests all answer 2xx from a fresh zonesim, and the fixed-body
# server answers. Usage: smoke.sh ZONESIM LOADGEN FIXED_SERVER
set -euo pipefail
zonesim=$1 loadgen=$2 fixed=$3
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$work"' EXIT
start() {  # start NAME CMD...: waits for the printed endpoint, sets $endpoint. Not run in $(...):
  local name=$1; shift  # the server's pid must reach the trap that stops it
  "$@" >"$work/$name.out" 2>"$work/$name.err" &
  pids+=($!)
  for _ in $(seq 1 100); do grep -q 'http://' "$work/$name.out" && break; sleep 0.05; done
  endpoint=$(grep -o 'http://[0-9.]*:[0-9]*' "$work/$name.out" | head -n1)
}
check() {  # check ENDPOINT REQUEST...: at least one answer, no errors
  local args=() r
  for s in "${@:2}"; do args+=(--request "$s"); done
  r=$("$loadgen" --endpoint "$1" --concurrency 2 --duration 0.3 --warmup 0.1 "${args[@]}")
  python3 -c 'import json,sys; r=json.loads(sys.argv[1]); sys.exit(0 if r["requests"] > 0 and r["errors"] == 0 else 1)' "$r" \
    || { echo "FAIL: ${2%%|*}: $r"; exit 1; }
}
start zonesim "$zonesim" serve --port 0 --log-level warn
z=$endpoint
ids=$(python3 "$(dirname "$0")/setup_resources.py" "$z")
field() { python3 -c 'import json,sys,urllib.parse; print(urllib.parse.quote(json.loads(sys.argv[1])[sys.argv[2]], safe=""))' "$ids" "$1"; }
vpc=$(field vpc)
check "$z" 'ec2||Action=DescribeVpcs&Version=2016-11-15'
check "$z" "elasticloadbalancing||Action=DescribeTargetHealth&Version=2015-12-01&TargetGroupArn=$(field target_group)"
check "$z" 'ecs|AmazonEC2ContainerServiceV20141113.DescribeServices|{"cluster":"bench","services":["bench-svc"]}'
check "$z" "ec2||Action=CreateTags&Version=2016-11-15&ResourceId.1=$vpc&Tag.1.Key=b&Tag.1.Value=x" \
           "ec2||Action=DeleteTags&Version=2016-11-15&ResourceId.1=$vpc&Tag.1.Key=b"
# A request zonesim must reject shows that errors are counted.
if (check "$z" 'ec2||Action=DescribeVpcs&Version=2016-11-15&VpcId.1=vpc-0000000000000000f' >/dev/null); then
  echo "FAIL: an error answer was not counted"; exit 1
fi
start fixed "$fixed" 0
f=$endpoint
check "$f" 'ec2||Action=DescribeVpcs&Version=2016-11-15'
echo "bench tools: ok"
