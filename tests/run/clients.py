# SPDX-License-Identifier: GPL-2.0 OR MIT
"""N clients at once against make run's forwarded port (tests/run/run).

Every client connects at the same moment (a barrier), asks for one of the
given paths and must get 200 and exactly the bytes of the file under the
docroot (PATH) or a body holding TEXT (PATH~TEXT: a dynamic answer), all
within the deadline. Through QEMU's user-mode forwarding 200
such clients took 88 s to be connected; the point is that they no longer
wait. One "ok"/"not ok" line per check, then the tally."""

import argparse
import socket
import threading
import time


def fetch(port, path, deadline):
    """The status and body of GET path, or raise."""
    left = deadline - time.monotonic()
    s = socket.create_connection(("127.0.0.1", port), timeout=max(left, 0.1))
    connected = time.monotonic()
    with s:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while True:
            s.settimeout(max(deadline - time.monotonic(), 0.1))
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    return status, body, connected


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--clients", type=int, default=200)
    ap.add_argument("--deadline", type=float, default=60)
    ap.add_argument("--docroot", required=True)
    ap.add_argument("paths", nargs="+")
    a = ap.parse_args()
    want = {}
    for p in a.paths:
        path, sep, text = p.partition("~")
        want[p] = (path, (lambda b, t=text.encode(): t in b) if sep else
                   (lambda b, f=open(a.docroot + path, "rb").read(): b == f))
    barrier = threading.Barrier(a.clients)
    results = [None] * a.clients
    start = [0.0]

    def client(i):
        path, good = want[a.paths[i % len(a.paths)]]
        try:
            barrier.wait(timeout=30)
            start[0] = start[0] or time.monotonic()
            status, body, connected = fetch(a.port, path, time.monotonic() + a.deadline)
            results[i] = (status == 200 and good(body),
                          f"{path}: {status}, {len(body)} bytes", connected)
        except Exception as e:  # a refused, reset or timed-out client counts
            results[i] = (False, f"{path}: {type(e).__name__}: {e}", None)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(a.clients)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(a.deadline + 40)
    took = time.monotonic() - t0
    bad = [r[1] for r in results if not r or not r[0]]
    conn = [r[2] - start[0] for r in results if r and r[2]]
    p = f = 0
    name = f"{a.clients} concurrent clients each got 200 and the right body"
    if bad:
        print(f"not ok - {name}: {len(bad)} did not, e.g. {bad[:3]}")
        f += 1
    else:
        print(f"ok - {name} ({took:.1f} s)")
        p += 1
    slowest = max(conn) if conn else float("inf")
    name = "every client was connected within 5 s of the start"
    if slowest <= 5:
        print(f"ok - {name} (slowest {slowest:.2f} s)")
        p += 1
    else:
        print(f"not ok - {name}: slowest {slowest:.2f} s")
        f += 1
    print(f"{p} passed, {f} failed")
    return 1 if f else 0


if __name__ == "__main__":
    raise SystemExit(main())
