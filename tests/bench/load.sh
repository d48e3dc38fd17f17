#!/usr/bin/env bash
# Load and leaks: TOTAL (default one million) mixed requests at concurrency 64 (wrk) against
# `zonesim serve --auth verify`, every request SigV4-signed by botocore (EC2, STS, IAM, ELBv2,
# ECS and Logs reads, and an EC2 write that fails validation), sampling the server's RSS every 5 s.
# Prints the error count (any answer but 200, or the expected 400 of the invalid write),
# requests/s, and RSS over the run. A one-off measurement for docs/RELIABILITY.md, not a test.
# Usage: tests/bench/load.sh ZONESIM_BINARY [TOTAL] [CONNECTIONS]
set -uo pipefail
zonesim=${1:?usage: load.sh ZONESIM [TOTAL] [CONNECTIONS]}
total=${2:-1000000}
conns=${3:-64}
threads=2
work=$(mktemp -d)
zpid=
trap '[[ -n $zpid ]] && kill $zpid 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
printf '[load]\naws_access_key_id = AKIALOAD00000000000\naws_secret_access_key = load/secret\n' \
  >"$work/credentials"
"$zonesim" serve --port 0 --state "$work/state.db" --auth verify --credentials "$work/credentials" \
  --log-level warn >"$work/out" 2>"$work/err" &
zpid=$!
for _ in $(seq 1 100); do grep -q 'listening on' "$work/out" && break; sleep 0.05; done
endpoint=$(grep -o 'http://[0-9.]*:[0-9]*' "$work/out" | head -n 1)
rss() { awk '/^VmRSS/ {print $2}' "/proc/$zpid/status"; }

# The requests, dated 4.5 minutes ahead: ECS and Logs accept 5 minutes of skew either way, so the
# signatures stay valid for about 9.5 minutes of run.
python3 - "$endpoint" >"$work/requests.lua" <<'PY'
import sys
from urllib.parse import urlsplit
import datetime
import botocore.auth
ahead = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None) + datetime.timedelta(seconds=270)
botocore.auth.get_current_datetime = lambda: ahead
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
creds = Credentials("AKIALOAD00000000000", "load/secret")
host = sys.argv[1]
form = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
def js(target): return {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": target}
calls = [
    ("sts", form, "Action=GetCallerIdentity&Version=2011-06-15"),
    ("ec2", form, "Action=DescribeVpcs&Version=2016-11-15"),
    ("ec2", form, "Action=DescribeSecurityGroups&Version=2016-11-15"),
    ("ec2", form, "Action=CreateVpc&CidrBlock=10.0.0.0%2F33&Version=2016-11-15"),
    ("iam", form, "Action=ListRoles&Version=2010-05-08"),
    ("elasticloadbalancing", form, "Action=DescribeLoadBalancers&Version=2015-12-01"),
    ("ecs", js("AmazonEC2ContainerServiceV20141113.ListClusters"), "{}"),
    ("logs", js("Logs_20140328.DescribeLogGroups"), "{}"),
]
print("requests = {}")
for i, (svc, headers, body) in enumerate(calls):
    r = AWSRequest(method="POST", url=host + "/", headers=dict(headers), data=body)
    botocore.auth.SigV4Auth(creds, svc, "eu-central-1").add_auth(r)
    p = r.prepare()
    h = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in p.headers.items()}
    h["Host"] = urlsplit(host).netloc
    lua_h = ", ".join('["%s"] = "%s"' % (k, v.replace('"', '\\"')) for k, v in h.items())
    print('requests[%d] = {body = "%s", headers = {%s}}' % (i + 1, body, lua_h))
PY

cat >"$work/mix.lua" <<LUA
dofile("$work/requests.lua")
local per_thread = math.ceil($total / $threads)
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args)
  i = 0; n = 0; errors = 0; first_error = ""
  for _, r in ipairs(requests) do r.raw = wrk.format("POST", "/", r.headers, r.body) end
end
function request()
  i = i % #requests + 1
  return requests[i].raw
end
function response(status, headers, body)
  n = n + 1
  -- 200, or the invalid CreateVpc's 400 InvalidVpc.Range / InvalidParameterValue
  local fine = status == 200 or (status == 400 and (body:find("InvalidVpc.Range", 1, true)
                                                    or body:find("InvalidParameterValue", 1, true)))
  if not fine then
    errors = errors + 1
    if first_error == "" then first_error = status .. " " .. body:sub(1, 300) end
  end
  if n >= per_thread then wrk.thread:stop() end
end
function done(summary, latency, reqs)
  local e, total, first = 0, 0, ""
  for _, t in ipairs(threads) do
    e = e + t:get("errors"); total = total + t:get("n")
    if first == "" then first = t:get("first_error") end
  end
  io.write(string.format("responses %d, errors %d; socket errors: connect %d read %d write %d timeout %d\n",
    total, e, summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout))
  if first ~= "" then io.write("first error: " .. first .. "\n") end
  io.write(string.format("latency p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
LUA

# Warm up (the first calls compile each service's model), then measure.
wrk -t1 -c1 -d2s -s "$work/mix.lua" "$endpoint/" | grep -E 'responses|first error'
echo "RSS after warm-up: $(rss) KiB"
(while kill -0 $zpid 2>/dev/null; do rss; sleep 5; done) >"$work/rss.log" &
sampler=$!
wrk -t$threads -c"$conns" -d540s --timeout 10s -s "$work/mix.lua" "$endpoint/"
kill $sampler 2>/dev/null
echo "RSS samples (KiB, every 5 s): $(tr '\n' ' ' <"$work/rss.log")"
echo "RSS at end: $(rss) KiB"
echo "state file: $(du -k "$work/state.db" | cut -f1) KiB, WAL: $(du -k "$work/state.db-wal" 2>/dev/null | cut -f1) KiB"
echo "server error lines: $(grep -ciE 'error|critical' "$work/err")"
kill -0 $zpid && echo "server alive"
