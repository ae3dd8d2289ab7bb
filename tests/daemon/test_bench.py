#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR MIT
"""The parts of make bench that decide something, tested without a bench
run: bench/report.py fails the run (exit 3) when khttpd.ko or khttpdd had
errors in any cell, and not for a peer's; the reference responder
(bench/ceiling.c) answers with exactly the size of its port, keeps or
closes the connection as asked, and answers pipelined requests."""

import os
import socket
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import TOP, expect, run_all, test, wait_until  # noqa: E402
from ports import free_port  # noqa: E402

REPORT = os.path.join(TOP, "bench", "report.py")
FIXED = os.path.join(TOP, "bench", "fixed_requests.py")


def raw_line(server, size, mode, conc, errors, requests=1000):
    return ("KBENCH env=host server=%s size=%s mode=%s conc=%d round=1 requests=%d "
            "bytes=%d duration_us=1000000 errors=%d errors_crwst=0/0/0/0/%d p50_us=100 "
            "p99_us=900 cpu_ticks=5 mem_kb=3000 slab_delta_kb=10\n" %
            (server, size, mode, conc, requests, requests * 1300, errors, errors))


def run_report(lines):
    with tempfile.TemporaryDirectory() as out:
        with open(os.path.join(out, "raw.txt"), "w") as f:
            f.writelines(lines)
        r = subprocess.run([sys.executable, REPORT, out], capture_output=True, timeout=60)
        with open(os.path.join(out, "results.md")) as f:
            md = f.read()
    return r.returncode, r.stderr.decode(), md


@test
def report_fails_on_errors_of_ours():
    clean = [raw_line(s, "1k", "ka", 64, 0) for s in ("khttpdd", "lighttpd", "ceiling")]
    rc, err, md = run_report(clean + [raw_line("nginx-sf-on", "1k", "ka", 64, 7)])
    expect(rc == 0, "a peer's errors fail the run: rc %d %s" % (rc, err))
    expect("reference responder" in md and "%" in md, "no share of the ceiling:\n" + md)
    rc, err, md = run_report(clean + [raw_line("khttpdd", "1m", "ka", 1000, 4141)])
    expect(rc == 3, "khttpdd's errors do not fail the run: rc %d" % rc)
    expect("khttpdd: 1 MiB keep-alive c=1000: 4141 errors" in err and
           "The run failed" in md, "the failing cell is not named: %r" % err)


def responses(sock, want):
    """Read want responses; (body lengths, whether each said close)."""
    buf, out = b"", []
    while len(out) < want:
        while b"\r\n\r\n" not in buf:
            chunk = sock.recv(65536)
            expect(chunk, "closed before a head")
            buf += chunk
        head, _, buf = buf.partition(b"\r\n\r\n")
        length = int([h.split(b":")[1] for h in head.split(b"\r\n")
                      if h.lower().startswith(b"content-length:")][0])
        while len(buf) < length:
            chunk = sock.recv(1 << 20)
            expect(chunk, "closed inside a body")
            buf += chunk
        out.append((length, b"connection: close" in head.lower()))
        buf = buf[length:]
    return out


def listening(port):
    try:
        socket.create_connection(("127.0.0.1", port), 1).close()
        return True
    except OSError:
        return False


@test
def ceiling_answers_its_size():
    with tempfile.TemporaryDirectory() as d:
        exe = os.path.join(d, "ceiling")
        subprocess.run(["cc", "-O2", "-Wall", "-Wextra", "-Werror", "-pthread", "-o", exe,
                        os.path.join(TOP, "bench", "ceiling.c")], check=True, timeout=120)
        sizes = {free_port(): 1024, free_port(): 1 << 20}
        p = subprocess.Popen([exe, "2"] + ["%d:%d" % kv for kv in sizes.items()])
        try:
            for port, size in sizes.items():
                expect(wait_until(lambda: listening(port), 10),
                       "ceiling not listening on %d" % port)
                for mode in ("ka", "close"):
                    r = subprocess.run([sys.executable, FIXED, str(port), "/x", "20", mode],
                                       capture_output=True, timeout=60)
                    expect(r.returncode == 0, "%d %s: %s" % (port, mode, r.stderr[-300:]))
                    expect(b"body_bytes=%d" % size in r.stdout, "%d %s: %r" % (port, mode, r.stdout))
            # three pipelined requests in one write, the head split oddly
            port = next(iter(sizes))
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n" * 2 + b"GET / HTTP/1.1\r\nHost: x\r\n\r")
            s.sendall(b"\n")
            expect(responses(s, 3) == [(1024, False)] * 3, "pipelined")
            s.sendall(b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n")
            expect(responses(s, 1) == [(1024, True)], "close")
            expect(s.recv(1) == b"", "not closed after Connection: close")
            s.close()
        finally:
            p.kill()
            p.wait()


if __name__ == "__main__":
    sys.exit(run_all(sys.argv))
