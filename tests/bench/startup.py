#!/usr/bin/env python3
"""Startup time and idle memory (docs/BENCHMARKS.md): from exec to the first successful STS
GetCallerIdentity, and the resident set size once idle, for zonesim and, in the same run
(interleaved), for moto_server when it is installed (its absence is reported).

Usage: startup.py [ZONESIM_BINARY] [RUNS]     (defaults: build/zonesim, 20; moto: 5 runs)
"""
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BODY = b"Action=GetCallerIdentity&Version=2011-06-15"
REQUEST = (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
           b"Authorization: AWS4-HMAC-SHA256 Credential=test/20260101/eu-central-1/sts/aws4_request,"
           b" SignedHeaders=host, Signature=0\r\n"
           b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(BODY) + BODY)


def call(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(REQUEST)
    data = b""
    while True:
        c = s.recv(65536)
        if not c:
            break
        data += c
    s.close()
    return data


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1)) / 1024


def zonesim_once(binary):
    t0 = time.perf_counter()
    p = subprocess.Popen([binary, "serve", "--port", "0", "--log-level", "warn"],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    port = int(re.search(rb":(\d+) ", p.stdout.readline()).group(1))
    data = call(port)
    t1 = time.perf_counter()
    assert b"<Account>123456789012</Account>" in data, data
    time.sleep(0.3)
    rss = rss_mib(p.pid)
    p.terminate()
    p.wait()
    return (t1 - t0) * 1000, rss


def moto_once():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    t0 = time.perf_counter()
    p = subprocess.Popen(["moto_server", "-H", "127.0.0.1", "-p", str(port)],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while True:
        try:
            data = call(port)
            break
        except OSError:
            time.sleep(0.005)
    t1 = time.perf_counter()
    assert b"<Account>123456789012</Account>" in data, data
    time.sleep(0.3)
    rss = rss_mib(p.pid)
    p.terminate()
    p.wait()
    return (t1 - t0) * 1000, rss


def true_once():
    t0 = time.perf_counter()
    subprocess.run(["true"], check=True)
    return (time.perf_counter() - t0) * 1000, 0


def report(name, runs):
    times = [t for t, _ in runs]
    rss = [r for _, r in runs]
    print(f"{name}: startup to first GetCallerIdentity: median {statistics.median(times):.1f} ms "
          f"(min {min(times):.1f}, max {max(times):.1f}, {len(times)} runs); "
          f"idle RSS median {statistics.median(rss):.1f} MiB")
    return statistics.median(times), statistics.median(rss)


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build", "zonesim")
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    have_moto = shutil.which("moto_server") is not None
    z, m, t = [], [], []
    for i in range(n):
        t.append(true_once())
        z.append(zonesim_once(binary))
        if have_moto and i < 5:
            m.append(moto_once())
    print(f"the machine's floor: spawning /bin/true and waiting for it takes median "
          f"{statistics.median(x for x, _ in t):.1f} ms (min {min(x for x, _ in t):.1f})")
    zt, zr = report("zonesim", z)
    if have_moto:
        mt, mr = report("moto", m)
        print(f"moto / zonesim: startup {mt / zt:.0f}×, idle RSS {mr / zr:.1f}×")
    else:
        print("moto_server is not installed: no moto comparison")


if __name__ == "__main__":
    main()
