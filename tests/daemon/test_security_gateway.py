#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR MIT
"""Security cases of the CGI/FastCGI gateway, black-box: what a hostile
script, FastCGI app or client can make the daemon do. Scripts are Python
(the interpreter running this suite); the FastCGI app is a tiny one here,
so that it can send exactly the bytes a case needs. Each test starts its
own daemon; tests/daemon/run runs this file in both balancing modes."""

import os
import socket
import socketserver
import struct
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Daemon, Failure, expect, run_all, site, test, wait_until  # noqa: E402

# Debian's python3 (scripts/deps installs it): the one running this suite
# may live where the daemon's User cannot reach (a 0700 home).
PY = "#!/usr/bin/python3\nimport os, sys, time\n"


def gw_daemon(cgi_extra="", host_extra="", server_extra="", main_sections=""):
    d = Daemon(plugins=("cgi", "fastcgi"), server_extra=server_extra,
               main_sections=main_sections)
    d.write("www/index.html", "static page\n")
    d.write("conf/sites/default", site("localhost", d.path("www"),
            "[CGI]\n    Prefix /cgi-bin/\n" + cgi_extra + host_extra))
    return d


def script(d, name, body):
    """A Python CGI script: body runs with os, sys, time imported; out(b)
    writes raw bytes to stdout in one write."""
    return d.write("www/cgi-bin/" + name,
                   PY + "def out(b):\n    os.write(1, b)\n" + body, 0o755)


def read_all(c, timeout=10):
    """Everything the server sends until it closes the connection."""
    c.sock.settimeout(timeout)
    data = b""
    while True:
        try:
            chunk = c.sock.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        data += chunk
    return data


# ---- 1: the response buffer ----

@test
def cgi_head_then_64k_does_not_overrun_the_output_buffer():
    """The head arrives in two reads, the second carrying 64 KiB of body:
    the output buffer must grow for the head, the rest of the head's read
    and the chunk framing (heap-buffer-overflow under ASan before)."""
    d = gw_daemon()
    script(d, "big.py", "out(b'Content-Type: text/plain\\r\\n')\ntime.sleep(0.3)\n"
           "out(b'\\r\\n' + b'x' * 65534)\nout(b'y' * 65536)\n")
    with d.running():
        for _ in range(3):
            with d.connect() as c:
                c.send(b"GET /cgi-bin/big.py HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                data = read_all(c)
            head, _, body = data.partition(b"\r\n\r\n")
            expect(b"Transfer-Encoding: chunked" in head, "chunked: %r" % head)
            plain = dechunk(body)
            expect(plain == b"x" * 65534 + b"y" * 65536,
                   "body: %d bytes, want %d" % (len(plain or b""), 65534 + 65536))
        r = d.get("/index.html")
        expect(r.status == 200, "daemon still serves: %d" % r.status)


def dechunk(body):
    """The data of a complete chunked body, or None when it is not one."""
    out = b""
    while True:
        line, sep, body = body.partition(b"\r\n")
        if not sep:
            return None
        n = int(line, 16)
        if n == 0:
            return out if body == b"\r\n" else None
        out += body[:n]
        if body[n:n + 2] != b"\r\n":
            return None
        body = body[n + 2:]


# ---- the number of scripts ----

def script_children(d):
    """Pids of the daemon's children (its CGI scripts), zombies included."""
    pids = []
    for tid in os.listdir("/proc/%d/task" % d.proc.pid):
        with open("/proc/%d/task/%s/children" % (d.proc.pid, tid)) as f:
            pids += [int(x) for x in f.read().split()]
    return pids


def gated_script(d):
    """slow.py?NAME: says it started, then answers once the test opens its
    gate (file go.NAME; at most 20 s). Returns the helpers (started, go)."""
    gate = d.writable_dir("gate")
    script(d, "slow.py",
           "name = os.environ['QUERY_STRING']\n"
           "open('%s/started.' + name, 'w').close()\n"
           "for _ in range(1000):\n"
           "    if os.path.exists('%s/go.' + name):\n"
           "        break\n"
           "    time.sleep(0.02)\n"
           "body = b'done ' + name.encode()\n"
           "out(b'Content-Type: text/plain\\r\\nContent-Length: %%d\\r\\n\\r\\n' %% len(body)"
           " + body)\n"
           % (gate, gate))

    def started(name):
        return os.path.exists(os.path.join(gate, "started." + name))

    def go(name):
        open(os.path.join(gate, "go." + name), "w").close()
    return started, go


def read_answer(c, what):
    """The next response on c; a Failure naming what when none comes."""
    c.sock.settimeout(10)
    try:
        return c.read_response()
    except (socket.timeout, Failure) as e:
        raise Failure("%s: no answer (%s)" % (what, e))


@test
def cgi_max_processes_answers_503_and_forks_nothing():
    """[CGI] MaxProcesses 2 with two scripts running: a third request is
    503 with Retry-After and forks nothing; a request with a body gets its
    503 on a connection that then closes (the body is never parsed as a
    request); once a script is gone a new one runs."""
    d = gw_daemon(main_sections="[CGI]\n    MaxProcesses 2\n")
    started, go = gated_script(d)
    with d.running():
        a, b = d.connect(), d.connect()
        try:
            for c, name in ((a, "a"), (b, "b")):
                c.send(b"GET /cgi-bin/slow.py?%s HTTP/1.1\r\nHost: x\r\n\r\n" % name.encode())
            expect(wait_until(lambda: started("a") and started("b"), 10),
                   "the two scripts did not start")
            with d.connect() as c:
                c.send(b"GET /cgi-bin/slow.py?c HTTP/1.1\r\nHost: x\r\n\r\n")
                r = read_answer(c, "a third script while two run")
                expect(r.status == 503 and r.header("Retry-After") is not None,
                       "third script: %d, Retry-After %r" % (r.status, r.header("Retry-After")))
                kids = script_children(d)
                expect(len(kids) == 2, "the daemon's children: %s, want the 2 scripts" % kids)
                # the connection stays usable: no body to settle
                c.send_request("/index.html")
                r = read_answer(c, "static after the 503")
                expect(r.status == 200 and r.body == b"static page\n",
                       "static after the 503: %d %r" % (r.status, r.body))
            with d.connect() as c:
                smuggled = b"GET /cgi-bin/nosuch HTTP/1.1\r\nHost: x\r\n\r\n"
                c.send(b"POST /cgi-bin/slow.py?p HTTP/1.1\r\nHost: x\r\n"
                       b"Content-Length: %d\r\n\r\n%s" % (len(smuggled), smuggled))
                r = read_answer(c, "a POST while two run")
                expect(r.status == 503, "POST while two run: %d" % r.status)
                rest = read_all(c, 5)
                expect(rest == b"", "after the POST's 503, the body answered as a request: %r"
                       % rest[:200])
            expect(not started("c") and not started("p"), "a refused script ran")
            go("a")
            r = read_answer(a, "script a")
            expect(r.status == 200 and r.body == b"done a", "script a: %d %r" % (r.status, r.body))
            go("e")

            def runs():
                r = d.get("/cgi-bin/slow.py?e")
                expect(r.status in (200, 503), "after a finished: %d" % r.status)
                return r.status == 200 and r.body == b"done e"
            # its slot comes back once the daemon reaped a: poll, bounded
            expect(wait_until(runs, 10), "no new script runs after one finished")
            go("b")
            r = read_answer(b, "script b")
            expect(r.status == 200 and r.body == b"done b", "script b: %d %r" % (r.status, r.body))
        finally:
            a.sock.close()
            b.sock.close()


# ---- a client that half-closes ----

@test
def cgi_answers_a_client_that_half_closes():
    """shutdown(SHUT_WR) after a full request (GET, a Content-Length body,
    a chunked body) is no disconnect: the script that answers late still
    gets its response to the client."""
    d = gw_daemon()
    script(d, "late.py", "body = sys.stdin.buffer.read()\ntime.sleep(0.5)\n"
           "out(b'Content-Type: text/plain\\r\\n\\r\\nlate answer ' + body + b'\\n')\n")
    reqs = (
        (b"GET /cgi-bin/late.py HTTP/1.1\r\nHost: x\r\n\r\n", b""),
        (b"POST /cgi-bin/late.py HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
         b"hello"),
        (b"POST /cgi-bin/late.py HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
         b"3\r\nabc\r\n0\r\n\r\n", b"abc"),
    )
    with d.running():
        for req, echoed in reqs:
            with d.connect() as c:
                c.send(req)
                c.sock.shutdown(socket.SHUT_WR)
                data = read_all(c)
            head, _, body = data.partition(b"\r\n\r\n")
            expect(head.startswith(b"HTTP/1.1 200"), "%r: head %r" % (req[:20], head[:80]))
            expect(dechunk(body) == b"late answer " + echoed + b"\n",
                   "%r: body %r" % (req[:20], body[:200]))
        # a half-close before the body is complete is a client gone
        with d.connect() as c:
            c.send(b"POST /cgi-bin/late.py HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\nshort")
            c.sock.shutdown(socket.SHUT_WR)
            expect(c.closed_within(5), "an incomplete body then a half-close: not closed")
        r = d.get("/index.html")
        expect(r.status == 200, "daemon still serves: %d" % r.status)


if __name__ == "__main__":
    sys.exit(run_all(sys.argv))
