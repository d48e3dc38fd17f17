#!/usr/bin/env python3
"""API throughput of zonesim against moto_server and against a fixed-body Beast server, in one
run on one machine (docs/BENCHMARKS.md).

Starts zonesim (default log level, its log to a file, as a user runs it), moto_server when it is
installed (its absence is reported), and zonesim_fixed_server; creates the same resources on
zonesim and moto with botocore (setup_resources.py); then, for each call and concurrency, runs
zonesim_loadgen against each server back to back, so each ratio compares neighbouring
measurements. --baseline BINARY adds another zonesim build (e.g. before an optimisation) to
the same rotation.

Usage: api_bench.py [--build DIR] [--duration S] [--concurrency 1,16,64] [--baseline BINARY]
                    [--json OUT]
"""
import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start_printing_endpoint(cmd, log):
    """Starts a server that prints 'listening on http://...' and returns (process, endpoint)."""
    out = open(log, "w")
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=out, text=True)
    line = p.stdout.readline()
    m = re.search(r"http://[0-9.]+:\d+", line)
    if not m:
        p.kill()
        sys.exit(f"{cmd[0]} did not start: {line!r} (log: {log})")
    return p, m.group(0)


def start_moto(log):
    port = free_port()
    env = dict(os.environ, MOTO_IAM_LOAD_MANAGED_POLICIES="false")
    p = subprocess.Popen(["moto_server", "-H", "127.0.0.1", "-p", str(port)],
                         stdout=open(log, "w"), stderr=subprocess.STDOUT, env=env)
    endpoint = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(endpoint + "/moto-api/", timeout=1)
            return p, endpoint
        except Exception:
            time.sleep(0.1)
    p.kill()
    sys.exit(f"moto_server did not start (log: {log})")


def setup(endpoint):
    out = subprocess.run([sys.executable, os.path.join(HERE, "setup_resources.py"), endpoint],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def calls(ids):
    """(name, read?, [request specs]) for one server's resources."""
    tg = urllib.parse.quote(ids["target_group"], safe="")
    vpc = ids["vpc"]
    ecs = json.dumps({"cluster": ids["cluster"], "services": [ids["service"]]})
    return [
        ("EC2 DescribeVpcs", True, ["ec2||Action=DescribeVpcs&Version=2016-11-15"]),
        ("ELBv2 DescribeTargetHealth", True,
         [f"elasticloadbalancing||Action=DescribeTargetHealth&Version=2015-12-01&TargetGroupArn={tg}"]),
        ("ECS DescribeServices", True,
         [f"ecs|AmazonEC2ContainerServiceV20141113.DescribeServices|{ecs}"]),
        ("EC2 CreateTags/DeleteTags", False,
         [f"ec2||Action=CreateTags&Version=2016-11-15&ResourceId.1={vpc}&Tag.1.Key=bench&Tag.1.Value=x",
          f"ec2||Action=DeleteTags&Version=2016-11-15&ResourceId.1={vpc}&Tag.1.Key=bench"]),
    ]


def load(loadgen, endpoint, specs, concurrency, duration):
    cmd = [loadgen, "--endpoint", endpoint, "--concurrency", str(concurrency),
           "--duration", str(duration), "--warmup", "0.5"]
    for s in specs:
        cmd += ["--request", s]
    r = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
    if r["errors"]:
        print(f"  WARNING: {r['errors']} errors against {endpoint}: {r['first_error']}",
              file=sys.stderr)
    return r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--duration", type=float, default=3)
    ap.add_argument("--concurrency", default="1,16,64")
    ap.add_argument("--zonesim", help="the zonesim binary (default: BUILD/zonesim)")
    ap.add_argument("--baseline", help="another zonesim binary to measure in the same rotation")
    ap.add_argument("--json", help="write the raw results here")
    a = ap.parse_args()
    loadgen = os.path.join(a.build, "bench", "zonesim_loadgen")
    fixed = os.path.join(a.build, "bench", "zonesim_fixed_server")
    work = tempfile.mkdtemp(prefix="zonesim-bench-")
    procs = []
    try:
        servers = {}  # name -> (endpoint, ids)
        p, ep = start_printing_endpoint(
            [a.zonesim or os.path.join(a.build, "zonesim"), "serve", "--port", "0"], f"{work}/zonesim.log")
        procs.append(p)
        servers["zonesim"] = (ep, setup(ep))
        if a.baseline:
            p, ep = start_printing_endpoint([a.baseline, "serve", "--port", "0"],
                                            f"{work}/baseline.log")
            procs.append(p)
            servers["baseline"] = (ep, setup(ep))
        if shutil.which("moto_server"):
            p, ep = start_moto(f"{work}/moto.log")
            procs.append(p)
            servers["moto"] = (ep, setup(ep))
        else:
            print("moto_server is not installed: no moto comparison (pip install 'moto[server]')")
        p, ep = start_printing_endpoint([fixed, "0"], f"{work}/fixed.log")
        procs.append(p)
        servers["fixed"] = (ep, None)

        results = []
        levels = [int(c) for c in a.concurrency.split(",")]
        zonesim_calls = calls(servers["zonesim"][1])
        for i, (name, read, _) in enumerate(zonesim_calls):
            for c in levels:
                row = {"call": name, "read": read, "concurrency": c}
                for server, (ep, ids) in servers.items():
                    specs = calls(ids)[i][2] if ids else zonesim_calls[i][2]
                    row[server] = load(loadgen, ep, specs, c, a.duration)
                results.append(row)
                print(json.dumps({k: (v if not isinstance(v, dict) else
                                      {"rps": v["rps"], "p99_ms": v["p99_ms"]})
                                  for k, v in row.items()}), file=sys.stderr)
        if a.json:
            with open(a.json, "w") as f:
                json.dump(results, f, indent=1)
        print_table(results, "moto" in servers, "baseline" in servers)
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait()
        shutil.rmtree(work, ignore_errors=True)


def print_table(results, moto, baseline):
    head = ["call", "conc.", "zonesim req/s", "zonesim p99 ms"]
    if baseline:
        head += ["baseline req/s", "baseline p99 ms", "zonesim / baseline"]
    if moto:
        head += ["moto req/s", "moto p99 ms", "zonesim / moto"]
    head += ["fixed-body server req/s", "zonesim / fixed"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * 2 + "---:|" * (len(head) - 2))
    for r in results:
        z = r["zonesim"]
        cells = [r["call"], str(r["concurrency"]), f"{z['rps']:.0f}", f"{z['p99_ms']:.2f}"]
        if baseline:
            b = r["baseline"]
            cells += [f"{b['rps']:.0f}", f"{b['p99_ms']:.2f}", f"{z['rps'] / max(b['rps'], 1e-9):.2f}×"]
        if moto:
            m = r["moto"]
            cells += [f"{m['rps']:.0f}", f"{m['p99_ms']:.1f}", f"{z['rps'] / max(m['rps'], 1e-9):.0f}×"]
        f = r["fixed"]
        cells += [f"{f['rps']:.0f}", f"{100 * z['rps'] / max(f['rps'], 1e-9):.0f} %"]
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
