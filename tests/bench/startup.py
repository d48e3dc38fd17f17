import subprocess, time, socket, statistics, re
times=[]; rss=[]
body=b"Action=GetCallerIdentity&Version=2011-06-15"
req=(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
     b"Authorization: AWS4-HMAC-SHA256 Credential=test/20260101/eu-central-1/sts/aws4_request, SignedHeaders=host, Signature=0\r\n"
     b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body)
for i in range(20):
    t0=time.perf_counter()
    p=subprocess.Popen(["build/zonesim","serve","--port","0","--log-level","warn"],stdout=subprocess.PIPE,stderr=subprocess.DEVNULL)
    line=p.stdout.readline().decode()
    port=int(re.search(r":(\d+) ",line).group(1))
    s=socket.create_connection(("127.0.0.1",port),timeout=1)
    s.sendall(req); data=b""
    while True:
        c=s.recv(65536)
        if not c: break
        data+=c
    t1=time.perf_counter()
    assert b"<Account>123456789012</Account>" in data, data
    time.sleep(0.2)
    rss.append(int(re.search(r"VmRSS:\s+(\d+)",open(f"/proc/{p.pid}/status").read()).group(1)))
    p.terminate(); p.wait()
    times.append((t1-t0)*1000)
print(f"startup to first GetCallerIdentity: median {statistics.median(times):.1f} ms, min {min(times):.1f}, max {max(times):.1f}; idle RSS median {statistics.median(rss)/1024:.1f} MiB")
