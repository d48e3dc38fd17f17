#!/usr/bin/env python3
"""Round trip through botocore: every response in tests/golden/*.golden is parsed by the installed
botocore's own parser for that operation's output shape, and every value zonesim wrote must come
out of it (a misnamed element or a wrong type would be silently dropped or fail to parse).
Error responses must parse to the same error code.  Usage: botocore_golden.py GOLDEN_DIR"""
import json, pathlib, sys
import xml.etree.ElementTree as ET
from urllib.parse import parse_qs

import botocore.session
from botocore import parsers

SIGNING = {"elasticloadbalancing": "elbv2"}
session = botocore.session.get_session()
models = {}


def model(service):
    if service not in models:
        models[service] = session.get_service_model(service)
    return models[service]


def xml_leaves(body):
    root = ET.fromstring(body)
    n = 0
    for el in root.iter():
        tag = el.tag.split("}")[-1]
        if len(el) == 0 and tag not in ("requestId", "RequestId", "return") and el.text not in (None, ""):
            n += 1
    return n


def value_leaves(v):
    if isinstance(v, dict):
        return sum(value_leaves(x) for k, x in v.items() if k != "ResponseMetadata")
    if isinstance(v, list):
        return sum(value_leaves(x) for x in v)
    return 0 if v in ("",) else 1


def json_leaves(v):
    if isinstance(v, dict):
        return sum(json_leaves(x) for x in v.values())
    if isinstance(v, list):
        return sum(json_leaves(x) for x in v)
    return 0 if v == "" else 1


def exchanges(path):
    cur, out, part = None, [], None
    for line in path.read_text().splitlines():
        if line.startswith(">>> "):
            w = line[4:].split()
            cur = {"signing": w[0], "kind": w[1], "target": w[2] if w[1] == "json" else None,
                   "req": [], "resp": []}
            out.append(cur)
            part = "req"
        elif line.startswith("<<< ") and cur:
            w = line[4:].split()
            cur["status"], cur["ctype"] = int(w[0]), (w[1] if len(w) > 1 else "")
            part = "resp"
        elif cur:
            cur[part].append(line)
    return out


def main():
    failures = checked = 0
    for path in sorted(pathlib.Path(sys.argv[1]).glob("*.golden")):
        for i, ex in enumerate(exchanges(path)):
            service = SIGNING.get(ex["signing"], ex["signing"])
            req = "\n".join(ex["req"])
            op = ex["target"].split(".", 1)[1] if ex["kind"] == "json" else parse_qs(req).get("Action", [""])[0]
            m = model(service)
            if op not in m.operation_names:
                continue  # deliberately invalid actions have no shape to parse against
            opm = m.operation_model(op)
            body = "\n".join(ex["resp"]).encode()
            parser = parsers.create_parser(m.metadata["protocol"])
            resp = {"body": body, "headers": {"content-type": ex["ctype"]}, "status_code": ex["status"]}
            where = f"{path.name}#{i + 1} {service}:{op}"
            checked += 1
            try:
                parsed = parser.parse(resp, opm.output_shape)
            except Exception as e:  # noqa: BLE001 - any parser failure is a finding
                print(f"FAIL {where}: botocore could not parse: {e}")
                failures += 1
                continue
            if ex["status"] >= 300:
                code = parsed.get("Error", {}).get("Code")
                want = (json.loads(body)["__type"] if ex["kind"] == "json"
                        else ET.fromstring(body).find(".//{*}Code").text if ET.fromstring(body).find(".//{*}Code") is not None
                        else ET.fromstring(body).find(".//Code").text)
                if code != want:
                    print(f"FAIL {where}: error code parsed as {code!r}, sent {want!r}")
                    failures += 1
                continue
            sent = json_leaves(json.loads(body)) if ex["kind"] == "json" else xml_leaves(body)
            got = value_leaves(parsed)
            if sent != got:
                print(f"FAIL {where}: sent {sent} values, botocore understood {got}: {json.dumps(parsed, default=str)[:400]}")
                failures += 1
    print(f"botocore round trip: {checked - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
