#!/usr/bin/env python3
"""The HTTP server's limits against a real zonesim process (docs/RELIABILITY.md, "Limits"):
oversized request line / header / body get 414 / 431 / 413, slow clients (slowloris) cannot hold
the server, a client that never completes its request is cut off at the request timeout, idle
keep-alive connections are closed, and the connection cap recovers once slow clients are cut.
Every check asserts on an answer arriving (with generous bounds), never on a measured time.
    limits_test.py ZONESIM_BINARY
"""
import re
import socket
import subprocess
import sys
import threading
import time

AUTH = ("AWS4-HMAC-SHA256 Credential=test/20260101/eu-central-1/sts/aws4_request, "
        "SignedHeaders=host;x-amz-date, Signature=0")
BODY = "Action=GetCallerIdentity&Version=2011-06-15"
REQUEST = ("POST / HTTP/1.1\r\nHost: x\r\nAuthorization: " + AUTH +
           "\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: " +
           str(len(BODY)) + "\r\n\r\n" + BODY).encode()
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures.append(what)


def start(*args):
    p = subprocess.Popen([sys.argv[1], "serve", "--port", "0", "--clock", "manual",
                          "--log-level", "warn", *args],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    for line in p.stdout:
        m = re.search(r"http://127\.0\.0\.1:(\d+)", line)
        if m:
            threading.Thread(target=lambda: [None for _ in p.stdout], daemon=True).start()
            return p, int(m.group(1))
    raise SystemExit("zonesim did not print its endpoint")


def connect(port, timeout=20):
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    return s


def read_status(s):
    """The status of the response on s, or None when the server closed without one."""
    data = b""
    try:
        while b"\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                return None
            data += chunk
    except (ConnectionResetError, socket.timeout):
        return None
    return int(data.split(b" ", 2)[1])


def normal_request(port, timeout=20):
    try:
        s = connect(port, timeout)
        s.sendall(REQUEST)
        status = read_status(s)
        s.close()
        return status
    except OSError:
        return None


def closed_by_server(s, within):
    """True when the server closes s (EOF or reset) within `within` seconds."""
    s.settimeout(within)
    try:
        while True:
            if not s.recv(4096):
                return True
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


def sizes(port):
    big_header = b"POST / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (70 * 1024) + b"\r\n\r\n"
    long_target = b"GET /" + b"a" * (17 * 1024) + b" HTTP/1.1\r\nHost: x\r\n\r\n"
    big_body = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 16777217\r\n\r\n"
    for name, raw, want in [("header over 64 KiB", big_header, 431),
                            ("request target over 16 KiB", long_target, 414),
                            ("body over 16 MiB (Content-Length)", big_body, 413),
                            ("garbage", b"hello\r\n\r\n", 400)]:
        s = connect(port)
        try:
            s.sendall(raw)
        except OSError:
            pass
        status = read_status(s)
        s.close()
        check(status == want, f"{name}: {status} (want {want})")
        check(normal_request(port) == 200, f"still serving after {name}")


def slowloris(port, n):
    """n clients trickle a header byte every second; a normal client is still answered."""
    stop = threading.Event()
    socks = []
    for _ in range(n):
        s = connect(port)
        s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\n")
        socks.append(s)

    def trickle():
        while not stop.is_set():
            for s in socks:
                try:
                    s.sendall(b"X")
                except OSError:
                    pass
            stop.wait(1)

    t = threading.Thread(target=trickle, daemon=True)
    t.start()
    time.sleep(2)
    check(normal_request(port) == 200, f"answered while {n} slowloris clients trickle")
    return socks, stop


def main():
    # Default limits: sizes, slowloris below the connection cap.
    p, port = start()
    try:
        check(normal_request(port) == 200, "a normal request")
        sizes(port)
        socks, stop = slowloris(port, 200)
        stop.set()
        for s in socks:
            s.close()
    finally:
        p.terminate()
        p.wait(10)

    # Small limits: the request timeout cuts a slow client, idle keep-alive connections close,
    # and a cap filled by slow clients frees up when they are cut.
    p, port = start("--request-timeout", "2", "--idle-timeout", "1", "--max-connections", "8")
    try:
        s = connect(port)
        s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\n")
        stop = threading.Event()

        def trickle():
            while not stop.is_set():
                try:
                    s.sendall(b"X")
                except OSError:
                    return
                stop.wait(0.5)

        threading.Thread(target=trickle, daemon=True).start()
        check(closed_by_server(s, 30), "a client trickling one request forever is cut off")
        stop.set()
        s.close()

        s = connect(port)
        s.sendall(REQUEST)
        check(read_status(s) == 200, "keep-alive: first request answered")
        check(closed_by_server(s, 30), "an idle keep-alive connection is closed")
        s.close()

        socks, stop = [], threading.Event()
        for _ in range(8):
            c = connect(port)
            c.sendall(b"POST / HTTP/1.1\r\n")
            socks.append(c)
        time.sleep(0.5)
        deadline = time.monotonic() + 60
        status = None
        while status != 200 and time.monotonic() < deadline:
            status = normal_request(port, 10)
            if status != 200:
                time.sleep(0.5)
        check(status == 200, "a full connection cap frees up once the slow clients are cut")
        for c in socks:
            c.close()
    finally:
        p.terminate()
        p.wait(10)
    if failures:
        print(f"{len(failures)} failed")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
