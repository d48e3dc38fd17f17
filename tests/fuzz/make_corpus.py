#!/usr/bin/env python3
"""Writes the fuzzers' seed corpora (tests/fuzz/corpus/<target>/) from the golden files, the
seed-stack snapshot (fixtures/snapshots/*.json: real calls with inputs and outputs) and the drill
fixtures. Query requests are serialized by botocore itself. Re-run after the inputs change:
    python3 tests/fuzz/make_corpus.py
"""
import glob
import hashlib
import json
import os
import shutil
import sys

import botocore.session
from botocore.serialize import create_serializer

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "tests", "fuzz", "corpus")
SIGNING = {"ec2": "ec2", "elbv2": "elasticloadbalancing", "rds": "rds", "iam": "iam", "sts": "sts",
           "ecs": "ecs", "logs": "logs"}
BOTO = {"elbv2": "elbv2"}


def write(target, data):
    if isinstance(data, str):
        data = data.encode()
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()[:16]), "wb") as f:
        f.write(data)


def millis_to_datetimes(shape, value):
    """Snapshot inputs hold timestamps as milliseconds; botocore wants datetimes."""
    import datetime
    if value is None:
        return None
    t = shape.type_name
    if t == "structure" and isinstance(value, dict):
        return {k: millis_to_datetimes(shape.members[k], v) for k, v in value.items()
                if k in shape.members}
    if t == "list" and isinstance(value, list):
        return [millis_to_datetimes(shape.member, v) for v in value]
    if t == "map" and isinstance(value, dict):
        return {k: millis_to_datetimes(shape.value, v) for k, v in value.items()}
    if t == "timestamp" and isinstance(value, (int, float)):
        return datetime.datetime.fromtimestamp(value / 1000, datetime.timezone.utc)
    return value


def http_raw(signing, headers, body, target="/"):
    lines = [f"POST {target} HTTP/1.1", "Host: 127.0.0.1:4566",
             f"Authorization: AWS4-HMAC-SHA256 Credential=test/20260101/eu-central-1/{signing}/"
             "aws4_request, SignedHeaders=host;x-amz-date, Signature=0"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    lines.append(f"Content-Length: {len(body.encode())}")
    return "\r\n".join(lines) + "\r\n\r\n" + body


def main():
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    session = botocore.session.get_session()
    query_lines, json_lines = {}, {}
    for snap in sorted(glob.glob(os.path.join(ROOT, "fixtures", "snapshots", "*.json"))):
        calls = json.load(open(snap))["calls"]
        for c in calls:
            svc, op = c["service"], c["operation"]
            model = session.get_service_model(BOTO.get(svc, svc))
            om = model.operation_model(op)
            if c.get("output") is not None:
                write("roundtrip", f"{svc} {op}\n" + json.dumps(c["output"]))
            if model.metadata["protocol"] == "json":
                line = f"{model.metadata['targetPrefix']}.{op} " + json.dumps(c["input"])
                json_lines.setdefault(svc, []).append(line)
                write("json", line)
                write("http", http_raw(SIGNING[svc], {
                    "Content-Type": "application/x-amz-json-1.1",
                    "X-Amz-Target": f"{model.metadata['targetPrefix']}.{op}"}, json.dumps(c["input"])))
            else:
                params = millis_to_datetimes(om.input_shape, c["input"]) if om.input_shape else {}
                req = create_serializer(model.metadata["protocol"]).serialize_to_request(params, om)
                body = req["body"]
                if isinstance(body, dict):
                    from urllib.parse import urlencode
                    body = urlencode(body)
                elif isinstance(body, bytes):
                    body = body.decode()
                line = f"{SIGNING[svc]} {body}"
                query_lines.setdefault(svc, []).append(line)
                write("query", line)
                write("http", http_raw(SIGNING[svc], {
                    "Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}, body))
    # Sequences: each service's calls in order, in chunks (a create, then what reads it).
    for svc, ls in query_lines.items():
        for i in range(0, len(ls), 12):
            write("query", "\n".join(ls[i:i + 12]))
    for svc, ls in json_lines.items():
        write("json", "\n".join(ls))
    # Golden requests (tests/golden/*.golden: ">>> service kind [target]" then the body).
    for g in sorted(glob.glob(os.path.join(ROOT, "tests", "golden", "*.golden"))):
        lines = open(g).read().split("\n")
        for i, l in enumerate(lines):
            if not l.startswith(">>> "):
                continue
            parts = l[4:].split()
            svc, kind, body = parts[0], parts[1], lines[i + 1]
            signing = SIGNING.get(svc, svc)
            if kind == "form":
                write("query", f"{signing} {body}")
                write("http", http_raw(signing, {
                    "Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}, body))
            elif kind == "json":
                write("json", f"{parts[2]} {body}")
                write("http", http_raw(signing, {"Content-Type": "application/x-amz-json-1.1",
                                                 "X-Amz-Target": parts[2]}, body))
    # Control API requests.
    for method, path, body in [("GET", "/_zonesim/health", ""), ("GET", "/_zonesim/clock", ""),
                               ("POST", "/_zonesim/clock/advance", '{"seconds": 60}'),
                               ("POST", "/_zonesim/zones/eu-central-1a/fail",
                                '{"kind": "network", "duration_seconds": 30}'),
                               ("POST", "/_zonesim/zones/eu-central-1a/restore", ""),
                               ("GET", "/_zonesim/timeline?since_ms=0&limit=5", ""),
                               ("POST", "/_zonesim/faults", '{"action": "stop-task", "task": "x"}'),
                               ("GET", "/_zonesim/state", ""), ("POST", "/_zonesim/reset", "")]:
        write("http", f"{method} {path} HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body)}\r\n\r\n{body}")
    write("http", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                  "5\r\nAc=1&\r\n0\r\n\r\n")
    # Authorization headers.
    for h in ["AWS4-HMAC-SHA256 Credential=test/20260101/eu-central-1/ec2/aws4_request, "
              "SignedHeaders=host;x-amz-date, Signature=abc",
              "AWS4-HMAC-SHA256 Credential=111122223333/20260101/us-east-1/sts/aws4_request,"
              "SignedHeaders=host,Signature=0",
              "AWS4-HMAC-SHA256 Credential=AKIA/2026/x/y/aws4_request"]:
        write("sigv4", h)
    for f in sorted(glob.glob(os.path.join(ROOT, "fixtures", "*.yaml"))):
        write("fixture", open(f).read())
    print("corpus:", {d: len(os.listdir(os.path.join(OUT, d))) for d in sorted(os.listdir(OUT))})


if __name__ == "__main__":
    sys.exit(main())
