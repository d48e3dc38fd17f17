#!/usr/bin/env python3
"""zonesim's resident memory idle and holding 10,000 resources (docs/BENCHMARKS.md): 4,000
security groups with one ingress rule each (8,000 resources: AWS gives each rule its own sgr- id)
and 2,000 ip targets registered in 4 target groups, all created through the API like any client
(in memory, the default; --state FILE measures a file-backed server).

Usage: memory.py [ZONESIM_BINARY] [--state FILE]
"""
import http.client
import os
import re
import subprocess
import sys
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GROUPS, GROUPS_OF_TARGETS, TARGETS_PER_GROUP = 4000, 4, 500


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1)) / 1024


class Client:
    def __init__(self, port):
        self.conn = http.client.HTTPConnection("127.0.0.1", port)
        self.calls = 0

    def query(self, service, params):
        body = urllib.parse.urlencode(params)
        self.conn.request("POST", "/", body, {
            "Content-Type": "application/x-www-form-urlencoded",
            "Authorization": f"AWS4-HMAC-SHA256 Credential=test/20260101/eu-central-1/{service}/"
                             "aws4_request, SignedHeaders=host, Signature=0"})
        r = self.conn.getresponse()
        data = r.read().decode()
        if r.status != 200:
            sys.exit(f"{params['Action']} failed: {r.status} {data}")
        self.calls += 1
        return data


def main():
    args = sys.argv[1:]
    binary = args[0] if args and not args[0].startswith("--") else os.path.join(ROOT, "build",
                                                                                 "zonesim")
    cmd = [binary, "serve", "--port", "0", "--log-level", "warn"]
    if "--state" in args:
        cmd += ["--state", args[args.index("--state") + 1]]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        port = int(re.search(rb":(\d+) ", p.stdout.readline()).group(1))
        c = Client(port)
        c.query("sts", {"Action": "GetCallerIdentity", "Version": "2011-06-15"})
        time.sleep(0.5)
        idle = rss_mib(p.pid)

        t0 = time.perf_counter()
        ec2 = {"Version": "2016-11-15"}
        vpc = re.search(r"<vpcId>(.*?)</vpcId>", c.query(
            "ec2", {**ec2, "Action": "CreateVpc", "CidrBlock": "10.0.0.0/16"})).group(1)
        c.query("ec2", {**ec2, "Action": "CreateSubnet", "VpcId": vpc, "CidrBlock": "10.0.0.0/20",
                        "AvailabilityZone": "eu-central-1a"})
        for i in range(GROUPS):
            if i % 1000 == 0:
                print(f"  {i} groups after {time.perf_counter() - t0:.1f} s", file=sys.stderr)
            gid = re.search(r"<groupId>(.*?)</groupId>", c.query("ec2", {
                **ec2, "Action": "CreateSecurityGroup", "GroupName": f"group-{i}",
                "GroupDescription": "bench", "VpcId": vpc})).group(1)
            c.query("ec2", {**ec2, "Action": "AuthorizeSecurityGroupIngress", "GroupId": gid,
                            "IpPermissions.1.IpProtocol": "tcp",
                            "IpPermissions.1.FromPort": str(1000 + i % 60000),
                            "IpPermissions.1.ToPort": str(1000 + i % 60000),
                            "IpPermissions.1.IpRanges.1.CidrIp": f"10.{i // 256 % 256}.{i % 256}.0/24"})
        elb = {"Version": "2015-12-01"}
        for g in range(GROUPS_OF_TARGETS):
            tg = re.search(r"<TargetGroupArn>(.*?)</TargetGroupArn>", c.query(
                "elasticloadbalancing", {**elb, "Action": "CreateTargetGroup", "Name": f"tg-{g}",
                                         "Protocol": "HTTP", "Port": "80", "VpcId": vpc,
                                         "TargetType": "ip"})).group(1)
            for batch in range(0, TARGETS_PER_GROUP, 50):
                params = {**elb, "Action": "RegisterTargets", "TargetGroupArn": tg}
                for k in range(50):
                    n = batch + k
                    params[f"Targets.member.{k + 1}.Id"] = f"10.0.{g * 2 + n // 250}.{n % 250 + 4}"
                    params[f"Targets.member.{k + 1}.Port"] = "80"
                c.query("elasticloadbalancing", params)
        elapsed = time.perf_counter() - t0
        c.query("ec2", {**ec2, "Action": "DescribeSecurityGroups", "MaxResults": "5"})
        time.sleep(0.5)
        full = rss_mib(p.pid)
        resources = 2 * GROUPS + GROUPS_OF_TARGETS * TARGETS_PER_GROUP
        print(f"zonesim idle RSS {idle:.1f} MiB; holding {resources} resources "
              f"({GROUPS} security groups + {GROUPS} rules + "
              f"{GROUPS_OF_TARGETS * TARGETS_PER_GROUP} targets) {full:.1f} MiB "
              f"(created by {c.calls} calls in {elapsed:.1f} s)")
    finally:
        p.terminate()
        p.wait()


if __name__ == "__main__":
    main()
