#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR MIT
"""Host side of the bridge tests in QEMU (tests/bridge/vm-run): khttpd.ko on
--port hands /cgi-bin/ and /app/ to khttpdd (its own port: --daemon-port).
Static answered by the kernel and scripts by the daemon on one keep-alive
connection, multi-MB bodies intact, kill -9 of the daemon under load (static
keeps working, dynamic gets 503 with Retry-After, the restarted daemon takes
over), and the handoff cost: requests/s through the bridge against the
daemon alone."""

import argparse
import hashlib
import http.client
import os
import socket
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "daemon"))
from harness import Failure, expect, run_all, test  # noqa: E402
from http_response import read_to_close, split_responses  # noqa: E402

args = None


def conn(port=None, timeout=30):
    return http.client.HTTPConnection("127.0.0.1", port or args.port, timeout=timeout)


def request(c, method, path, body=None, headers=None):
    c.request(method, path, body=body, headers=headers or {})
    r = c.getresponse()
    return r, r.read()


def fresh(method, path, body=None, headers=None, port=None):
    c = conn(port)
    try:
        return request(c, method, path, body, headers)
    finally:
        c.close()


@test
def keepalive_kernel_then_daemon():
    c = conn()
    r, body = request(c, "GET", "/index.html")
    expect(r.status == 200 and body == b"static from the kernel\n", "static: %d %r" % (r.status, body))
    r, body = request(c, "GET", "/index.html")
    expect(r.status == 200, "static again: %d" % r.status)
    # handed off with the connection: the daemon keeps it afterwards
    r, body = request(c, "GET", "/cgi-bin/env.sh?first")
    expect(r.status == 200 and b"QUERY_STRING=first" in body, "cgi: %d %r" % (r.status, body[:100]))
    r, body = request(c, "GET", "/index.html")
    expect(r.status == 200 and body == b"static from the kernel\n", "static after: %d" % r.status)
    r, body = request(c, "POST", "/app/echo", b"fastcgi body")
    expect(r.status == 200 and body == b"fastcgi body", "fastcgi: %d %r" % (r.status, body))
    r, body = request(c, "GET", "/cgi-bin/env.sh?third")
    expect(b"QUERY_STRING=third" in body, "cgi again")
    c.close()


@test
def big_bodies_arrive_intact():
    blob = os.urandom(8 << 20)
    want = hashlib.sha256(blob).hexdigest()
    r, body = fresh("POST", "/cgi-bin/echo.sh", blob, {"Content-Type": "application/octet-stream"})
    expect(r.status == 200 and hashlib.sha256(body).hexdigest() == want,
           "CGI 8 MiB: %d, %d bytes back" % (r.status, len(body)))
    c = conn()
    c.request("POST", "/cgi-bin/echo.sh",
              body=(blob[i:i + 100000] for i in range(0, len(blob), 100000)),
              encode_chunked=True)
    r = c.getresponse()
    body = r.read()
    c.close()
    expect(hashlib.sha256(body).hexdigest() == want, "chunked 8 MiB: %d bytes back" % len(body))
    r, body = fresh("POST", "/app/echo", blob[:3 << 20])
    expect(body == blob[:3 << 20], "FastCGI 3 MiB: %d bytes back" % len(body))
    # head and body in one segment: the body bytes stay in the socket
    with socket.create_connection(("127.0.0.1", args.port), 10) as s:
        s.sendall(b"POST /cgi-bin/echo.sh HTTP/1.0\r\nContent-Length: 11\r\n\r\nhello world")
        data = read_to_close(s, 30)
    resps, rest = split_responses(data, ["POST"])
    expect(resps and resps[0].body == b"hello world" and not rest, "one segment: %r" % data[-60:])


def rate(port, path, seconds):
    """Sequential requests on fresh connections: requests/s, mean ms."""
    n, t0 = 0, time.time()
    while time.time() - t0 < seconds:
        r, _ = fresh("GET", path, port=port)
        if r.status != 200:
            raise Failure("%s on port %d: %d" % (path, port, r.status))
        n += 1
    dt = time.time() - t0
    return n / dt, dt / n * 1000


@test
def handoff_cost():
    """Fresh connections to our FastCGI app (no fork in the way): through the
    module and the bridge vs straight to the daemon's own port, alternating
    so that drift in the emulator hits both alike."""
    path = "/app/echo"
    fresh("GET", path)
    fresh("GET", path, port=args.daemon_port)
    br = dd = 0.0
    nb = nd = 0
    for _ in range(4):
        r, ms = rate(args.port, path, 2)
        br += ms
        nb += 1
        r, ms = rate(args.daemon_port, path, 2)
        dd += ms
        nd += 1
    br, dd = br / nb, dd / nd
    st_rate, st_ms = rate(args.port, "/index.html", 2)
    print("# fresh connection + FastCGI request: via khttpd.ko and the bridge %.2f ms "
          "(%.0f req/s), to khttpdd directly %.2f ms (%.0f req/s): the handoff costs "
          "%.2f ms; static from the kernel %.2f ms (%.0f req/s)"
          % (br, 1000 / br, dd, 1000 / dd, br - dd, st_ms, st_rate))
    expect(br > 0 and dd > 0, "no requests")


@test
def kill9_under_load_then_restart():
    stop = threading.Event()
    static_bad = []
    dyn = {"ok": 0, "503": 0, "other": []}

    def static_load():
        while not stop.is_set():
            try:
                r, body = fresh("GET", "/index.html")
                if r.status != 200:
                    static_bad.append(r.status)
            except OSError as e:
                static_bad.append(repr(e))

    def dynamic_load():
        while not stop.is_set():
            try:
                r, body = fresh("GET", "/cgi-bin/env.sh")
                if r.status == 200:
                    dyn["ok"] += 1
                elif r.status == 503:
                    dyn["503"] += 1
                else:
                    dyn["other"].append(r.status)
            except (OSError, http.client.HTTPException):
                pass    # a connection the killed daemon held

    threads = [threading.Thread(target=static_load) for _ in range(2)]
    threads += [threading.Thread(target=dynamic_load) for _ in range(2)]
    for t in threads:
        t.start()
    time.sleep(2)
    try:
        fresh("GET", "/cgi-bin/kill-daemon.sh")
    except (OSError, http.client.HTTPException):
        pass    # the daemon died while answering
    # the module drops the daemon at once (NETLINK_URELEASE): 503 + Retry-After
    seen_503 = None
    deadline = time.time() + 3
    while time.time() < deadline and not seen_503:
        r, body = fresh("GET", "/cgi-bin/env.sh?probe")
        if r.status == 503:
            seen_503 = r
    expect(seen_503 is not None, "no 503 within 3 s of the kill")
    expect(seen_503.getheader("Retry-After"), "503 without Retry-After")
    r, body = fresh("GET", "/index.html")
    expect(r.status == 200, "static while the daemon is dead: %d" % r.status)
    # the supervisor restarts it after 3 s; it registers again by itself
    deadline = time.time() + 20
    back = False
    while time.time() < deadline and not back:
        r, body = fresh("GET", "/cgi-bin/env.sh?back")
        back = r.status == 200 and b"QUERY_STRING=back" in body
        time.sleep(0.2)
    time.sleep(1)
    stop.set()
    for t in threads:
        t.join()
    expect(back, "the restarted daemon did not take over")
    expect(not static_bad, "static failures during the kill: %r" % static_bad[:5])
    expect(not dyn["other"], "dynamic statuses other than 200/503: %r" % dyn["other"][:5])
    print("# under load: dynamic %d ok, %d 503" % (dyn["ok"], dyn["503"]))


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--daemon-port", type=int, required=True)
    args, rest = p.parse_known_args()
    sys.exit(run_all([sys.argv[0]] + rest))
