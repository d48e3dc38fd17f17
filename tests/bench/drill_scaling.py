#!/usr/bin/env python3
"""Drill speed as the stack grows (docs/BENCHMARKS.md, "Drill speed").

Builds scaled copies of the seed stack on a `zonesim serve --clock manual`: it imports
fixtures/snapshots/seed-stack.json, scales it through the AWS API with botocore and exports the
state, so that each case is an ordinary snapshot the drill replays (2 tasks in 1 group is the
seed snapshot itself: that row is tests/bench/fixtures/drill-24h.yaml at the default duration):

  tasks axis          the seed service at 2, 20, 200 tasks (UpdateService desiredCount), one
                      target group;
  target-group axis   1, 10, 100 target groups: each extra group is a copy of the seed's (same
                      health check), with a listener rule (path /svc-N/*) forwarding to it and a
                      Fargate service of 2 tasks of the seed's task definition registered in it
                      (so 100 groups hold 200 tasks).

Every case has the shape of tests/bench/fixtures/drill-24h.yaml: 5 minutes of warm-up, then the
duration (default 24 h) at 100 requests/s and 2 writes/s through the seed ALB's path "/" (the
listener's default action: the seed's target group) with a power loss of eu-central-1a for 1/24
of the duration at 1/4 of it and a partition of eu-central-1b for 1/48 of it at 3/4 (at 24 h:
one hour at 06:00, 30 minutes at 18:00). Each drill runs `--runs` times, interleaved; the table
gives the median of zonesim's own `wall_seconds` (replay, warm-up, drill, evaluation), the
timeline events (state changes) and wall per 1,000 of them, and the simulation events the clock
ran (health checks, lifecycle steps, ...) when the binary reports them.

Usage: tests/bench/drill_scaling.py [--zonesim build/zonesim] [--duration 24h] [--runs 3]
                                    [--cases 2x1,20x1,200x1,2x10,2x100] [--keep DIR]
                                    [--json out.json]
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile

import botocore.session

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SNAPSHOT = os.path.join(ROOT, "fixtures", "snapshots", "seed-stack.json")
REGION = "eu-central-1"
CLUSTER = "resilience-platform-cluster"
SERVICE = "resilience-platform-service"
TARGET_GROUP = "resilience-platform-tg"
LOAD_BALANCER = "resilience-platform-alb"


def seconds(text):
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    return int(float(text[:-1]) * units[text[-1]]) if text[-1] in units else int(text)


class Server:
    """A `zonesim serve --clock manual` on a free port, for building the snapshots."""

    def __init__(self, zonesim):
        self.zonesim = zonesim
        self.proc = subprocess.Popen([zonesim, "serve", "--port", "0", "--clock", "manual",
                                      "--log-level", "warn"], stdout=subprocess.PIPE)
        line = self.proc.stdout.readline().decode()
        self.endpoint = "http://127.0.0.1:%s" % re.search(r":(\d+) ", line).group(1)
        session = botocore.session.get_session()
        self.clients = {}
        for name in ("ec2", "elbv2", "ecs"):
            self.clients[name] = session.create_client(
                name, region_name=REGION, endpoint_url=self.endpoint,
                aws_access_key_id="test", aws_secret_access_key="test")

    def cli(self, *args):
        subprocess.run([self.zonesim, *args, "--endpoint", self.endpoint], check=True,
                       stdout=subprocess.DEVNULL)

    def close(self):
        self.proc.terminate()
        self.proc.wait()


def build_snapshot(server, tasks, groups, out):
    """The seed stack with its service at `tasks` tasks and `groups` target groups in all."""
    server.cli("state", "import", SNAPSHOT)
    elbv2, ecs = server.clients["elbv2"], server.clients["ecs"]
    if tasks != 2:
        ecs.update_service(cluster=CLUSTER, service=SERVICE, desiredCount=tasks)
    seed_tg = elbv2.describe_target_groups(Names=[TARGET_GROUP])["TargetGroups"][0]
    lb = elbv2.describe_load_balancers(Names=[LOAD_BALANCER])["LoadBalancers"][0]
    listener = elbv2.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"][0]
    service = ecs.describe_services(cluster=CLUSTER, services=[SERVICE])["services"][0]
    copied = ("Protocol", "Port", "VpcId", "TargetType", "HealthCheckProtocol", "HealthCheckPort",
              "HealthCheckEnabled", "HealthCheckPath", "HealthCheckIntervalSeconds",
              "HealthCheckTimeoutSeconds", "HealthyThresholdCount", "UnhealthyThresholdCount",
              "Matcher")
    for n in range(1, groups):
        tg = elbv2.create_target_group(Name=f"rp-tg-{n}",
                                       **{k: seed_tg[k] for k in copied if k in seed_tg})
        tg_arn = tg["TargetGroups"][0]["TargetGroupArn"]
        elbv2.create_rule(ListenerArn=listener["ListenerArn"], Priority=n,
                          Conditions=[{"Field": "path-pattern", "Values": [f"/svc-{n}/*"]}],
                          Actions=[{"Type": "forward", "TargetGroupArn": tg_arn}])
        ecs.create_service(cluster=CLUSTER, serviceName=f"rp-svc-{n}",
                           taskDefinition=service["taskDefinition"], desiredCount=2,
                           launchType="FARGATE",
                           networkConfiguration=service["networkConfiguration"],
                           healthCheckGracePeriodSeconds=60,
                           loadBalancers=[{"targetGroupArn": tg_arn, "containerName": "app",
                                           "containerPort": 80}])
    server.cli("state", "export", "-o", out)


def fixture(name, snapshot, tasks, groups, duration_s):
    """One case, in the shape of tests/bench/fixtures/drill-24h.yaml (JSON is YAML)."""
    return {
        "name": name,
        "description": f"the seed stack at {tasks} tasks in {groups} target groups "
                       "(tests/bench/drill_scaling.py)",
        "seed": 1,
        "state": snapshot,
        "warmup": "5m",
        "duration": f"{duration_s}s",
        "traffic": {"requests_per_second": 100, "load_balancer": LOAD_BALANCER, "path": "/",
                    "writes_per_second": 2, "database": "resilience-platform-db"},
        "faults": [{"at": f"{duration_s // 4}s", "kind": "zone-power", "zone": f"{REGION}a",
                    "duration": f"{max(1, duration_s // 24)}s"},
                   {"at": f"{duration_s * 3 // 4}s", "kind": "zone-network",
                    "zone": f"{REGION}b", "duration": f"{max(1, duration_s // 48)}s"}],
        "expectations": [{"type": "writes_lost", "max": 0},
                         {"type": "availability", "min": 95},
                         {"type": "no_request_to_stopped_task"}],
    }


def run(zonesim, path, work, name):
    out = os.path.join(work, name + ".result.json")
    timeline = os.path.join(work, name + ".jsonl")
    p = subprocess.run([zonesim, "drill", "run", path, "--json", out, "--timeline", timeline],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if p.returncode not in (0, 1):
        sys.exit(f"drill {name} could not run (exit {p.returncode}):\n{p.stdout}")
    with open(out) as f:
        result = json.load(f)
    with open(timeline) as f:
        events = sum(1 for line in f if line.strip())
    return result["wall_seconds"], events, result.get("simulation_events"), result["passed"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--zonesim", default=os.path.join(ROOT, "build", "zonesim"))
    ap.add_argument("--duration", default="24h")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--cases", default="2x1,20x1,200x1,2x10,2x100",
                    help="TASKSxGROUPS, comma-separated (tasks of the seed service)")
    ap.add_argument("--keep", help="write the snapshots, fixtures and results here")
    ap.add_argument("--json", help="write the measurements here")
    a = ap.parse_args()
    duration_s = seconds(a.duration)
    cases = [tuple(int(x) for x in c.split("x")) for c in a.cases.split(",")]
    work = a.keep or tempfile.mkdtemp(prefix="drill-scaling-")
    os.makedirs(work, exist_ok=True)

    server = None
    fixtures = []
    try:
        for tasks, groups in cases:
            name = f"scale-{tasks}t-{groups}g"
            snapshot = SNAPSHOT
            if (tasks, groups) != (2, 1):
                server = server or Server(a.zonesim)
                snapshot = os.path.join(work, name + ".state.json")
                build_snapshot(server, tasks, groups, snapshot)
            path = os.path.join(work, name + ".yaml")
            with open(path, "w") as f:
                json.dump(fixture(name, snapshot, tasks, groups, duration_s), f, indent=1)
            fixtures.append((tasks, groups, name, path))
    finally:
        if server:
            server.close()

    walls = {name: [] for _, _, name, _ in fixtures}
    info = {}
    for _ in range(a.runs):  # interleaved: a load change on the machine hits every case alike
        for tasks, groups, name, path in fixtures:
            wall, events, sim_events, passed = run(a.zonesim, path, work, name)
            walls[name].append(wall)
            info[name] = (events, sim_events, passed)

    def total_tasks(tasks, groups):
        return tasks + 2 * (groups - 1)

    with open("/proc/loadavg") as f:
        load = " ".join(f.read().split()[:3])
    print(f"## drill scaling: {a.duration} simulated after a 5 min warm-up, 100 req/s + 2 writes/s,"
          f" zone power loss + partition; median of {a.runs} runs; {a.zonesim}; "
          f"{os.cpu_count()} cores, load average {load} at the end")
    print("| tasks (in all) | target groups | timeline events | simulation events | wall s "
          "(median) | wall ms per 1,000 timeline events | wall ms per 1,000 simulation events | "
          "expectations |")
    print("|---:|---:|---:|---:|---:|---:|---:|---|")
    rows = []
    slower = []  # cases whose wall grew faster than their events, against the first case
    first = None
    for tasks, groups, name, _ in fixtures:
        events, sim_events, passed = info[name]
        wall = statistics.median(walls[name])
        per = 1e6 * wall / events if events else float("nan")
        per_sim = 1e6 * wall / sim_events if sim_events else None
        first = first or (per, per_sim)
        # The work is the clock's events (health checks, lifecycle steps, reconciles) and the
        # traffic; timeline events (state changes) are a few of them, shown for scale only.
        if per_sim and first[1] and per_sim > first[1] * 1.1:  # 10 %: run-to-run noise
            slower.append(name)
        print(f"| {total_tasks(tasks, groups)} | {groups} | {events} | "
              f"{sim_events if sim_events is not None else 'n/a'} | {wall:.2f} | {per:.1f} | "
              f"{'%.2f' % per_sim if per_sim is not None else 'n/a'} | "
              f"{'pass' if passed else 'FAIL'} |")
        rows.append({"tasks": total_tasks(tasks, groups), "service_tasks": tasks,
                     "target_groups": groups, "timeline_events": events,
                     "simulation_events": sim_events, "wall_seconds": walls[name],
                     "passed": passed})
    print("wall grew no faster than the simulation events in every case (per event within 10 % "
          "of the first case or below)"
          if not slower else "wall grew faster than the simulation events in: " + ", ".join(slower))
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"duration": a.duration, "runs": a.runs, "cases": rows}, f, indent=1)
    if not a.keep:
        print(f"(fixtures and results in {work})")


if __name__ == "__main__":
    main()
