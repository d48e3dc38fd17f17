#!/usr/bin/env python3
"""Prints SigV4 test vectors signed by botocore (the AWS CLI's signer) as C++ initializers.

The vectors in tests/unit/sigv4_test.cpp were made with this script; rerun it to regenerate them
(`python3 tests/unit/sigv4_vectors.py`). The signing time is fixed: 2026-01-01T00:00:00Z.
"""
import datetime
import json
from urllib.parse import urlsplit

import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

NOW = datetime.datetime(2026, 1, 1, 0, 0, 0, tzinfo=datetime.timezone.utc)
botocore.auth.get_current_datetime = lambda: NOW.replace(tzinfo=None)
CREDS = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
HOST = "http://127.0.0.1:4566"


def c_str(s):
    return json.dumps(s)  # JSON string escapes are valid C++ for these ASCII strings


def emit(name, service, method, url, headers, body, presign=False, expires=300):
    req = AWSRequest(method=method, url=url, headers=headers, data=body)
    if presign:
        botocore.auth.SigV4QueryAuth(CREDS, service, "eu-central-1", expires=expires).add_auth(req)
    else:
        botocore.auth.SigV4Auth(CREDS, service, "eu-central-1").add_auth(req)
    p = req.prepare()
    parts = urlsplit(p.url)
    target = parts.path + ("?" + parts.query if parts.query else "")
    hdrs = {k.lower(): (v.decode() if isinstance(v, bytes) else v) for k, v in p.headers.items()}
    hdrs["host"] = parts.netloc
    b = p.body or b""
    if isinstance(b, str):
        b = b.encode()
    print("    {%s, %s, %s, {" % (c_str(name), c_str(method), c_str(target)))
    for k, v in hdrs.items():
        print("        {%s, %s}," % (c_str(k), c_str(v)))
    print("     }, %s}," % c_str(b.decode()))


form = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
emit("ec2_form_post", "ec2", "POST", HOST + "/", form,
     "Action=DescribeVpcs&Version=2016-11-15&Filter.1.Name=tag%3AName&Filter.1.Value.1=a+b%2Fc")
emit("sts_form_post", "sts", "POST", HOST + "/", form, "Action=GetCallerIdentity&Version=2011-06-15")
emit("ecs_json", "ecs", "POST", HOST + "/",
     {"Content-Type": "application/x-amz-json-1.1",
      "X-Amz-Target": "AmazonEC2ContainerServiceV20141113.ListClusters"}, "{}")
emit("ec2_get_query", "ec2", "GET",
     HOST + "/?Version=2016-11-15&Action=DescribeVpcs&Filter.1.Name=tag%3AName"
     "&Filter.1.Value.1=caf%C3%A9%20%2A~x&Filter.1.Value.2=", {}, None)
emit("spaces_in_header", "sts", "POST", HOST + "/",
     dict(form, **{"X-Amz-Meta-Note": "  a   lot    of  space  "}),
     "Action=GetCallerIdentity&Version=2011-06-15")
emit("dot_segments", "ec2", "GET", HOST + "/a/./b/../c//?Action=DescribeVpcs&Version=2016-11-15",
     {}, None)
emit("presigned_sts", "sts", "GET", HOST + "/?Action=GetCallerIdentity&Version=2011-06-15", {},
     None, presign=True, expires=300)
