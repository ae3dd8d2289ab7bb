#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR MIT
"""Security cases of the CGI/FastCGI gateway, black-box: what a hostile
script, FastCGI app or client can make the daemon do. Scripts are Python
(the interpreter running this suite); the FastCGI app is a tiny one here,
so that it can send exactly the bytes a case needs. Each test starts its
own daemon; tests/daemon/run runs this file in both balancing modes."""

import os
import select
import socket
import socketserver
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Daemon, Failure, expect, run_all, site, test, wait_until  # noqa: E402
from http_response import read_to_close, split_responses  # noqa: E402

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
    """Everything the server sends on c until it closes the connection."""
    return read_to_close(c.sock, timeout)


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
            resps, rest = split_responses(data, ["GET"])
            expect(resps and resps[0].framing == "chunked" and not rest,
                   "one chunked response: %r" % data[:300])
            plain = resps[0].body
            expect(plain == b"x" * 65534 + b"y" * 65536,
                   "body: %d bytes, want %d" % (len(plain), 65534 + 65536))
        r = d.get("/index.html")
        expect(r.status == 200, "daemon still serves: %d" % r.status)


# ---- 2: hidden names ----

@test
def cgi_neither_runs_nor_redirects_to_dotfiles():
    """A dot-named script is not run, and a script's local redirect
    (Location: /path, RFC 3875 6.2.2) to a dotfile is answered 404 like
    the client's own request would be, not served from the docroot."""
    d = gw_daemon()
    d.write("www/.htpasswd", "user:SECRET-HASH\n")
    script(d, ".hidden.py", "out(b'Content-Type: text/plain\\r\\n\\r\\nran\\n')\n")
    for name, where in (("to-dot.py", "/.htpasswd"), ("to-dot-enc.py", "/%2ehtpasswd"),
                        ("to-dot-up.py", "/cgi-bin/../.htpasswd")):
        script(d, name, "out(b'Location: %s\\r\\n\\r\\n')\n" % where)
    with d.running():
        for path in ("/cgi-bin/.hidden.py", "/cgi-bin/.hidden.py/x", "/cgi-bin/to-dot.py",
                     "/cgi-bin/to-dot-enc.py", "/cgi-bin/to-dot-up.py"):
            r = d.get(path)
            expect(r.status == 404 and b"ran" not in r.body and b"SECRET" not in r.body,
                   "%s: %d %r, want 404" % (path, r.status, r.body[:80]))
        r = d.get("/index.html")
        expect(r.status == 200, "daemon still serves: %d" % r.status)


# ---- 3: which file a Match rule runs ----

@test
def fastcgi_match_runs_only_the_file_it_selected():
    """"Match \\.php(/|$) fastcgi": the script is the leading part of the
    path that the rule selects, never an earlier file on the path: an
    uploaded a.jpg is not run for /up/a.jpg/x.php (404), while
    /up/real.php/extra still runs real.php with PATH_INFO /extra."""
    def variables(env):
        return b"Content-Type: text/plain\r\n\r\n" + b"".join(
            b"%s=%s\n" % (k, env.get(k, b"")) for k in
            (b"SCRIPT_NAME", b"PATH_INFO", b"SCRIPT_FILENAME"))
    app = FcgiApp(variables)
    try:
        d = Daemon(plugins=("fastcgi",))
        d.write("www/up/a.jpg", "<?php system($_GET['c']); ?>\n")
        d.write("www/up/real.php", "")
        d.write("conf/sites/default", site("localhost", d.path("www"),
                "[FASTCGI]\n    Server 127.0.0.1:%d\n"
                "[HANDLERS]\n    Match \\.php(/|$) fastcgi\n" % app.port))
        with d.running():
            for path in ("/up/a.jpg/x.php", "/up/a.jpg/x.php/y", "/up/a.jpg/.php"):
                r = d.get(path)
                expect(r.status == 404, "%s: %d %r, want 404" % (path, r.status, r.body))
            expect(not app.scripts, "the app ran %r" % app.scripts)
            r = d.get("/up/real.php/extra")
            expect(r.status == 200 and b"SCRIPT_NAME=/up/real.php\n" in r.body
                   and b"PATH_INFO=/extra\n" in r.body, "real.php: %d %r" % (r.status, r.body))
            expect(len(app.scripts) == 1 and app.scripts[0].endswith("/up/real.php"),
                   "SCRIPT_FILENAME %r" % app.scripts)
    finally:
        app.close()


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
    gets its response to the client: the script answers only once the
    test has half-closed (a gate file, awaited with a deadline)."""
    d = gw_daemon()
    gate = os.path.join(d.writable_dir("state"), "half-closed")
    script(d, "late.py", "body = sys.stdin.buffer.read()\nend = time.time() + 20\n"
           "while not os.path.exists(%r) and time.time() < end:\n    time.sleep(0.02)\n"
           "out(b'Content-Type: text/plain\\r\\n\\r\\nlate answer ' + body + b'\\n')\n"
           % gate)
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
                open(gate, "w").close()
                data = read_all(c)
                os.unlink(gate)
            resps, rest = split_responses(data, ["GET"])
            expect(resps and resps[0].status == 200 and not rest,
                   "%r: %r" % (req[:20], data[:200]))
            expect(resps[0].body == b"late answer " + echoed + b"\n",
                   "%r: body %r" % (req[:20], resps[0].body[:200]))
        # a half-close before the body is complete is a client gone
        with d.connect() as c:
            c.send(b"POST /cgi-bin/late.py HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\nshort")
            c.sock.shutdown(socket.SHUT_WR)
            expect(c.closed_within(5), "an incomplete body then a half-close: not closed")
        r = d.get("/index.html")
        expect(r.status == 200, "daemon still serves: %d" % r.status)

# ---- 5: response splitting: the script's framing is enforced ----

# What a hostile script appends where no body may be, or past its length:
# on a pipelined connection it would be read as the next response.
FAKE = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Fake: 1\r\n\r\nfake!"
STATIC = b"static page\n"


def fcgi_pairs(data):
    """The FastCGI name-value pairs of a PARAMS stream, as a dict."""
    env, i = {}, 0

    def length():
        nonlocal i
        if data[i] < 128:
            i += 1
            return data[i - 1]
        i += 4
        return struct.unpack(">I", data[i - 4:i])[0] & 0x7FFFFFFF
    while i < len(data):
        nl = length()
        vl = length()
        env[data[i:i + nl]] = data[i + nl:i + nl + vl]
        i += nl + vl
    return env


class FcgiApp:
    """A FastCGI responder on 127.0.0.1: a request for .../NAME gets
    replies[NAME] as its STDOUT, exactly, then END_REQUEST (replies may
    instead be a function of the request's variables); a reply may be a
    tuple (STDOUT, STDERR, appStatus). requests lists the NAMEs asked
    for, scripts their SCRIPT_FILENAMEs, in order."""

    def __init__(self, replies):
        self.replies, self.requests, self.scripts = replies, [], []
        app = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self):
                try:
                    app.serve(self.request)
                except OSError:
                    pass    # the daemon dropped the connection: its right

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def conf(self):
        return "[FASTCGI]\n    Server 127.0.0.1:%d\n    Prefix /app/\n" % self.port

    @staticmethod
    def record(typ, content):
        return (struct.pack(">BBHHBB", 1, typ, 1, len(content), 0, 0) + content)

    def serve(self, sock):
        sock.settimeout(20)
        f = sock.makefile("rb")
        params = b""
        while True:
            hdr = f.read(8)
            if len(hdr) < 8:
                return
            _, typ, _, clen, plen, _ = struct.unpack(">BBHHBB", hdr)
            content = f.read(clen)
            f.read(plen)
            if typ == 4:        # PARAMS
                params += content
            elif typ == 5 and not content:      # the end of STDIN: answer
                env = fcgi_pairs(params)
                name = env.get(b"SCRIPT_NAME", b"").rsplit(b"/", 1)[-1]
                params = b""
                self.requests.append(name.decode())
                self.scripts.append(env.get(b"SCRIPT_FILENAME", b"").decode())
                out = (self.replies(env) if callable(self.replies)
                       else self.replies[name.decode()])
                out, err, status = out if isinstance(out, tuple) else (out, b"", 0)
                msg = b"".join(self.record(7, err[i:i + 32768])
                               for i in range(0, len(err), 32768))
                msg += b"".join(self.record(6, out[i:i + 32768])
                                for i in range(0, len(out), 32768))
                sock.sendall(msg + self.record(6, b"") +
                             self.record(3, struct.pack(">IB3x", status, 0)))

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def pipelined(d, method, path):
    """method path, then GET /index.html, in one write: the responses (the
    connection must end within the deadline) and what follows them."""
    with d.connect() as c:
        c.send(("%s %s HTTP/1.1\r\nHost: x\r\n\r\n"
                "GET /index.html HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                % (method, path)).encode())
        data = read_all(c)
    return data, split_responses(data, (method, "GET"))


def expect_cut(d, method, path, status, body, keeps_alive):
    """The first response is status with exactly body (no framing of its
    own where none may be), nothing the script wrote beyond it reaches the
    client, and the second response is the real one when the connection
    was kept (keeps_alive: it must be)."""
    data, (resps, rest) = pipelined(d, method, path)
    expect(b"fake" not in data, "%s %s: the script's extra bytes reached the "
           "client: %r" % (method, path, data))
    expect(resps and resps[0].status == status, "%s %s: %r" % (method, path, data[:300]))
    headers, got = resps[0].fields(), resps[0].body
    if status in (204, 304):
        expect("transfer-encoding" not in headers and "content-length" not in headers,
               "%s %s: a %d with body framing: %r" % (method, path, status, data[:300]))
    expect(got == body, "%s %s: body %r, want %r" % (method, path, got, body))
    expect(rest == b"", "%s %s: bytes after the responses: %r" % (method, path, rest))
    if keeps_alive:
        expect(len(resps) == 2, "%s %s: the connection was not kept: %r" %
               (method, path, data[:300]))
    if len(resps) == 2:
        expect(resps[1].status == 200 and resps[1].body == STATIC,
               "%s %s: the second response is not the real one: %r" %
               (method, path, data))


# The outputs of the cases below, as a script writes them (CGI) or as an
# app's STDOUT (FastCGI): (name, method, output, status, body the client
# gets, whether the connection must be kept).
SPLITTING = (
    ("nocontent", "GET", b"Status: 204 No Content\r\n\r\n", 204, b"", True),
    ("nocontent_extra", "GET", b"Status: 204 No Content\r\n\r\n" + FAKE, 204, b"", False),
    ("notmodified_extra", "GET", b"Status: 304 Not Modified\r\n\r\n" + FAKE, 304, b"", False),
    ("length_extra", "GET", b"Content-Type: text/plain\r\nContent-Length: 5\r\n\r\n"
     b"hello" + FAKE, 200, b"hello", False),
    ("length_exact", "GET", b"Content-Type: text/plain\r\nContent-Length: 5\r\n\r\n"
     b"hello", 200, b"hello", True),
    ("head_body", "HEAD", b"Content-Type: text/plain\r\n\r\n" + FAKE, 200, b"", True),
)


@test
def cgi_output_beyond_its_framing_never_reaches_the_client():
    """A script's bytes after a 204/304 head, past its Content-Length or in
    answer to HEAD are dropped; when it wrote them where no body may be the
    connection closes (before: they were the pipelined request's response).
    A clean Status 204 goes out without chunked framing, connection kept."""
    d = gw_daemon()
    for name, _, output, _, _, _ in SPLITTING:
        script(d, name + ".py", "out(%r)\n" % output)
    with d.running():
        for name, method, _, status, body, keeps in SPLITTING:
            expect_cut(d, method, "/cgi-bin/%s.py" % name, status, body, keeps)


@test
def fastcgi_output_beyond_its_framing_never_reaches_the_client():
    """The same cases with the bytes in an app's STDOUT records."""
    app = FcgiApp({name: output for name, _, output, _, _, _ in SPLITTING})
    try:
        d = gw_daemon(host_extra=app.conf())
        for name, _, _, _, _, _ in SPLITTING:
            d.write("www/app/" + name, "")
        with d.running():
            for name, method, _, status, body, keeps in SPLITTING:
                expect_cut(d, method, "/app/" + name, status, body, keeps)
    finally:
        app.close()


# An nph- script writes its own status line and head: they go out as
# written, its body held to them; the connection closes after it.
NPH_SPLITTING = (
    ("nph-nocontent.py", "GET", b"HTTP/1.1 204 No Content\r\n\r\n" + FAKE, 204, b""),
    ("nph-notmodified.py", "GET", b"HTTP/1.1 304 Not Modified\r\n\r\n" + FAKE, 304, b""),
    ("nph-length.py", "GET", b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello" + FAKE,
     200, b"hello"),
    ("nph-head.py", "HEAD", b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello" + FAKE,
     200, b""),
)


@test
def nph_output_beyond_its_own_head_never_reaches_the_client():
    """An nph- script's bytes after its own 204/304 head, past its own
    Content-Length or for HEAD are cut (before: they went out raw and were
    the pipelined request's response); a head the daemon cannot bound
    (its own chunked framing, or no HTTP status line) is 502."""
    d = gw_daemon()
    for name, _, output, _, _ in NPH_SPLITTING:
        script(d, name, "out(%r)\n" % output)
    script(d, "nph-chunked.py", "out(%r)\n" % (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: "
                                               b"chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n" + FAKE))
    script(d, "nph-garbage.py", "out(%r)\n" % (b"Status: 200\r\n\r\n" + FAKE))
    with d.running():
        for name, method, _, status, body in NPH_SPLITTING:
            expect_cut(d, method, "/cgi-bin/" + name, status, body, False)
        for name in ("nph-chunked.py", "nph-garbage.py"):
            data, (resps, _) = pipelined(d, "GET", "/cgi-bin/" + name)
            expect(b"fake" not in data and resps and resps[0].status == 502,
                   "GET /cgi-bin/%s: %r" % (name, data[:300]))


# nph- heads whose body needs no cut: (name, method, output, status, body,
# whether the connection is kept). Only a cut, a body that ends at the
# close, a short one or the script's own "close" ends it.
NPH_CLEAN = (
    ("nph-exact.py", "GET", b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", 200,
     b"hello", True),
    ("nph-exact.py", "HEAD", None, 200, b"", True),
    ("nph-empty.py", "GET", b"HTTP/1.1 204 No Content\r\n\r\n", 204, b"", True),
    ("nph-close.py", "GET", b"HTTP/1.1 200 OK\r\nConnection: close\r\n"
     b"Content-Length: 5\r\n\r\nhello", 200, b"hello", False),
    ("nph-tillclose.py", "GET", b"HTTP/1.1 200 OK\r\n\r\nhello", 200, b"hello", False),
)
NPH_SHORT = b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nhello"


@test
def nph_output_within_its_framing_keeps_the_connection():
    """An nph- script's connection closes only when something of its output
    had to be cut, its body ends at the close or short of its length, or
    its own head says close (before: always, so a keep-alive client paid
    a new connection after every nph response, however well framed)."""
    d = gw_daemon()
    for name, _, output, _, _, _ in NPH_CLEAN:
        if output is not None:
            script(d, name, "out(%r)\n" % output)
    script(d, "nph-short.py", "out(%r)\n" % NPH_SHORT)
    with d.running():
        # short of its length: what it wrote, then the close
        data, (resps, rest) = pipelined(d, "GET", "/cgi-bin/nph-short.py")
        expect(not resps and rest == NPH_SHORT, "GET nph-short.py: %r" % data[:300])
        for name, method, _, status, body, keeps in NPH_CLEAN:
            data, (resps, rest) = pipelined(d, method, "/cgi-bin/" + name)
            expect(resps and resps[0].status == status and resps[0].body == body,
                   "%s %s: %r" % (method, name, data[:300]))
            expect((len(resps) == 2) == keeps and rest == b"",
                   "%s %s: connection %s, want %s: %r" % (
                       method, name, "kept" if len(resps) == 2 else "closed",
                       "kept" if keeps else "closed", data[:300]))
            if keeps:
                expect(resps[1].status == 200 and resps[1].body == STATIC,
                       "%s %s: the second response: %r" % (method, name, data))


def expect_short_closes(d, path):
    """The backend ends before its Content-Length: the client gets what
    there was, then the connection closes (never waits, never reused)."""
    start = time.monotonic()
    data, (resps, rest) = pipelined(d, "GET", path)
    expect(time.monotonic() - start < 5, "%s: the client waited" % path)
    expect(not resps and rest.startswith(b"HTTP/1.1 200 ") and
           b"\r\nContent-Length: 100\r\n" in rest and rest.endswith(b"\r\n\r\nshort"),
           "%s: %r" % (path, data[:300]))


@test
def a_content_length_too_long_for_the_body_closes_the_connection():
    """A script (or app) that declares more than it writes: the connection
    closes after what it wrote, the pipelined request is not answered on it."""
    short = b"Content-Type: text/plain\r\nContent-Length: 100\r\n\r\nshort"
    app = FcgiApp({"short": short})
    try:
        d = gw_daemon(host_extra=app.conf())
        script(d, "short.py", "out(%r)\n" % short)
        d.write("www/app/short", "")
        with d.running():
            expect_short_closes(d, "/cgi-bin/short.py")
            expect_short_closes(d, "/app/short")
    finally:
        app.close()


# ---- 6b: output that ends badly, input nobody reads ----

@test
def no_output_at_all_is_a_502():
    """A script that exits without a byte (with status 0 or 3), or an app
    whose STDOUT is empty: 502, and the connection in a defined state (the
    request pipelined behind answered, or closed)."""
    app = FcgiApp({"empty": b"", "failed": (b"", b"", 3)})
    try:
        d = gw_daemon(host_extra=app.conf())
        script(d, "silent.py", "pass\n")
        script(d, "silent3.py", "sys.exit(3)\n")
        for name in ("empty", "failed"):
            d.write("www/app/" + name, "")
        with d.running():
            for path in ("/cgi-bin/silent.py", "/cgi-bin/silent3.py", "/app/empty",
                         "/app/failed"):
                data, (resps, rest) = pipelined(d, "GET", path)
                expect(resps and resps[0].status == 502 and rest == b"" and
                       (len(resps) == 1 or resps[1].body == STATIC),
                       "%s: %r" % (path, data[:300]))
    finally:
        app.close()


@test
def a_failure_after_the_head_cuts_the_response():
    """An app that sends its head and part of a body, then ends with
    appStatus 1: the client must not get a whole response (no last chunk,
    before: it did), and the connection closes. A CGI script has no such
    signal (RFC 3875 gives its exit status no meaning, and a script may
    close stdout and linger): the end of its stdout ends the response,
    whether it then exits 1 or is killed, and the connection goes on."""
    head = b"Content-Type: text/plain\r\n\r\npartial"
    app = FcgiApp({"failing": (head, b"", 1)})
    try:
        d = gw_daemon(host_extra=app.conf())
        script(d, "failing.py", "out(%r)\nsys.exit(1)\n" % head)
        script(d, "killed.py", "out(%r)\nos.kill(os.getpid(), 9)\n" % head)
        d.write("www/app/failing", "")
        with d.running():
            data, (resps, rest) = pipelined(d, "GET", "/app/failing")
            expect(not resps and rest.startswith(b"HTTP/1.1 200 ") and b"partial" in rest,
                   "/app/failing: a whole response for a failed app: %r" % data[:300])
            for path in ("/cgi-bin/failing.py", "/cgi-bin/killed.py"):
                data, (resps, rest) = pipelined(d, "GET", path)
                expect(len(resps) == 2 and resps[0].body == b"partial" and
                       resps[1].body == STATIC and rest == b"", "%s: %r" % (path, data[:300]))
    finally:
        app.close()


@test
def a_script_ignoring_a_large_body_answers_and_the_connection_is_defined():
    """A script that answers without reading its 32 MiB request body: the
    client gets the answer, its upload neither hangs nor is taken for the
    next request, and the connection is then usable or closed, within a
    deadline."""
    d = gw_daemon(server_extra="    RequestMax 67108864\n")
    script(d, "ignores.py", "out(b'Content-Type: text/plain\\r\\n\\r\\nnot read')\n")
    body = b"GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n" * ((32 << 20) // 36)
    with d.running():
        for framing in ("length", "chunked"):
            c = d.connect(timeout=20)
            if framing == "length":
                req = (b"POST /cgi-bin/ignores.py HTTP/1.1\r\nHost: x\r\n"
                       b"Content-Length: %d\r\n\r\n" % len(body)) + body
            else:
                req = (b"POST /cgi-bin/ignores.py HTTP/1.1\r\nHost: x\r\n"
                       b"Transfer-Encoding: chunked\r\n\r\n" +
                       b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + 65536]), body[i:i + 65536])
                                for i in range(0, len(body), 65536)) + b"0\r\n\r\n")
            req += b"GET /index.html HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
            sent = []

            def upload():
                try:
                    c.sock.sendall(req)
                    sent.append("all")
                except OSError as e:
                    sent.append(repr(e))    # the server closed: its right
            t = threading.Thread(target=upload, daemon=True)
            t.start()
            data = read_all(c, timeout=30)
            t.join(30)
            c.sock.close()
            resps, rest = split_responses(data, ["POST", "GET"])
            expect(sent and resps and resps[0].status in (200, 413) and rest == b"",
                   "%s: %r after %r" % (framing, data[:300], sent))
            expect(resps[0].status == 413 or resps[0].body == b"not read",
                   "%s: the script's answer: %r" % (framing, resps[0].body[:100]))
            expect(len(resps) == 1 or (resps[1].status == 200 and resps[1].body == STATIC),
                   "%s: the body was read as requests: %r" % (framing, data[:600]))
        expect(d.get("/index.html").status == 200, "the daemon still serves")


@test
def a_stderr_flood_neither_blocks_nor_fills_the_log():
    """A script or app writing 16 MiB to stderr before its answer: the
    answer arrives. The app's STDERR reaches the log line by line up to a
    bound (before: all 16 MiB); a script's stderr is the daemon's own,
    wherever the operator sent it."""
    flood = b"e" * 1023 + b"\n"
    app = FcgiApp({"noisy": (b"Content-Type: text/plain\r\n\r\nquiet answer",
                             flood * 16384, 0)})
    try:
        d = gw_daemon(host_extra=app.conf())
        script(d, "noisy.py", "for _ in range(16384):\n    os.write(2, %r)\n"
               "out(b'Content-Type: text/plain\\r\\n\\r\\nquiet answer')\n" % flood)
        d.write("www/app/noisy", "")
        with d.running():
            for path in ("/app/noisy", "/cgi-bin/noisy.py"):
                before = len(d.log())
                c = d.connect(timeout=30)
                c.send_request(path, close=True)
                r = c.read_response()
                c.sock.close()
                expect(r.status == 200 and r.body == b"quiet answer",
                       "%s: %d %r" % (path, r.status, r.body[:100]))
                grew = len(d.log()) - before
                expect(path != "/app/noisy" or (grew < 64 << 10 and
                                                "stderr beyond 32 lines dropped" in d.log()),
                       "%s: 16 MiB of STDERR put %d bytes in the log" % (path, grew))
    finally:
        app.close()


# ---- 7: a chunked request body is spooled for the backend, within limits ----

def chunked_post(c, path, chunks):
    """POST path with these chunks (a chunked body), then read everything:
    (status, head, body) of the answer; the server must end the connection."""
    c.send(("POST %s HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
            "Connection: close\r\n\r\n" % path).encode())
    try:
        for chunk in chunks:
            c.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        c.send(b"0\r\n\r\n")
    except OSError:
        pass    # the server answered early and closed: read its answer
    data = read_all(c)
    resps, _ = split_responses(data, ["POST"])
    expect(resps, "%s: no response: %r" % (path, data[:200]))
    return resps[0].status, data.partition(b"\r\n\r\n")[0], resps[0].body


def ran_script(d):
    """A script that notes that it ran, reads its body and says so; the
    path of the note."""
    note = os.path.join(d.writable_dir("state"), "ran")
    script(d, "ran.py", "open(%r, 'a').write('x')\nsys.stdin.buffer.read()\n"
           "out(b'Content-Type: text/plain\\r\\n\\r\\nran')\n" % note)
    return note


@test
def a_chunked_body_beyond_request_max_is_refused_before_the_backend_runs():
    """RequestMax bounds the decoded body a chunked upload spools: beyond
    it 413 and a close, and neither the script nor the FastCGI app ever
    sees the request (before: spooled without limit, then run)."""
    app = FcgiApp({"ran": b"Content-Type: text/plain\r\n\r\nran"})
    try:
        d = gw_daemon(server_extra="    RequestMax 32768\n", host_extra=app.conf())
        note = ran_script(d)
        d.write("www/app/ran", "")
        with d.running():
            # within the limit both run: their silence below means something
            for path in ("/cgi-bin/ran.py", "/app/ran"):
                with d.connect() as c:
                    status, _, body = chunked_post(c, path, [b"a" * 10000] * 3)
                expect(status == 200 and body == b"ran",
                       "%s within RequestMax: %d %r" % (path, status, body[:100]))
            expect(os.path.exists(note) and app.requests == ["ran"],
                   "the script and the app ran: %r" % app.requests)
            os.unlink(note)
            for path in ("/cgi-bin/ran.py", "/app/ran"):
                with d.connect() as c:
                    status, head, _ = chunked_post(c, path, [b"b" * 4096] * 40)
                expect(status == 413 and b"Connection: close" in head,
                       "%s: 160 KiB chunked over RequestMax 32 KiB: %r" % (path, head))
            expect(not os.path.exists(note), "the script ran for a refused body")
            expect(app.requests == ["ran"], "the app got a refused body: %r" % app.requests)
    finally:
        app.close()


def drip(d, head, piece):
    """head, then piece every 0.25 s for up to 8 s or until the server
    answers: (all it sent until it closed, seconds taken)."""
    with d.connect() as c:
        start = time.monotonic()
        c.send(head)
        while time.monotonic() - start < 8:
            try:
                c.send(piece)
            except OSError:
                break
            if select.select([c.sock], [], [], 0.25)[0]:
                break
        return read_all(c), time.monotonic() - start


@test
def a_chunked_body_must_arrive_within_body_timeout_in_all():
    """BodyTimeout bounds the whole spooled body, not each read: a client
    that stalls mid-body gets 408 (not the backend's 504: it is the client
    that is slow), one that drips a byte at a time is cut at the same
    deadline; both connections close, the script never runs."""
    d = gw_daemon(server_extra="    BodyTimeout 2\n", cgi_extra="    Timeout 4\n")
    note = ran_script(d)
    head = (b"POST /cgi-bin/ran.py HTTP/1.1\r\nHost: x\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n")
    with d.running():
        with d.connect() as c:
            start = time.monotonic()
            c.send(head + b"5\r\nab")
            data = read_all(c)
            took = time.monotonic() - start
        expect(data.startswith(b"HTTP/1.1 408 ") and b"Connection: close" in data,
               "a stalled body: %r" % data[:200])
        expect(took < 3.5, "a stalled body answered after %.1f s (BodyTimeout 2)" % took)

        data, took = drip(d, head, b"1\r\nx\r\n")
        expect(data.startswith(b"HTTP/1.1 408 ") and b"Connection: close" in data,
               "a dripping body: %r" % data[:200])
        expect(took < 3.5, "a dripping body cut after %.1f s (BodyTimeout 2)" % took)
        expect(not os.path.exists(note), "the script ran for a body that never came")


@test
def a_content_length_body_must_arrive_within_body_timeout_in_all():
    """A Content-Length upload streamed to a script is bounded by
    BodyTimeout for the whole body too: a client that drips a byte at a
    time gets 408 and a close at the deadline (before: every byte
    restarted the script's silence timer, so the drip held the script and
    its MaxProcesses slot without end, and with MaxProcesses drips every
    other script request was 503); the slot comes back for the next one."""
    d = gw_daemon(server_extra="    BodyTimeout 2\n", cgi_extra="    Timeout 4\n",
                  main_sections="[CGI]\n    MaxProcesses 1\n")
    script(d, "read.py", "body = sys.stdin.buffer.read()\n"
           "out(b'Content-Type: text/plain\\r\\n\\r\\nread %d' % len(body))\n")
    with d.running():
        data, took = drip(d, b"POST /cgi-bin/read.py HTTP/1.1\r\nHost: x\r\n"
                          b"Content-Length: 100\r\n\r\n", b"x")
        expect(data.startswith(b"HTTP/1.1 408 ") and b"Connection: close" in data,
               "a dripping Content-Length body: %r" % data[:200])
        expect(took < 3.5, "a dripping body cut after %.1f s (BodyTimeout 2)" % took)

        def runs():
            r = d.get("/cgi-bin/read.py")
            expect(r.status in (200, 503), "after the drip: %d" % r.status)
            return r.status == 200
        # the slot comes back once the killed script is reaped: poll, bounded
        expect(wait_until(runs, 5), "the drip's script kept its MaxProcesses slot")



@test
def a_script_that_lingers_after_its_response_gives_its_slot_back():
    """[CGI] MaxProcesses 1: a script that closes stdout after its response
    and sleeps, or sleeps after a local redirect, no longer holds its
    slot until it exits (before: every other script was 503 meanwhile);
    it is killed, with its process group, within a bound of its response."""
    d = gw_daemon(main_sections="[CGI]\n    MaxProcesses 1\n")
    script(d, "linger.py", "out(b'Content-Type: text/plain\\r\\nContent-Length: 4\\r\\n"
           "\\r\\ndone')\nos.close(1)\ntime.sleep(60)\n")
    script(d, "linger-redirect.py", "out(b'Location: /index.html\\r\\n\\r\\n')\n"
           "os.close(1)\ntime.sleep(60)\n")
    script(d, "quick.py", "out(b'Content-Type: text/plain\\r\\n\\r\\nquick')\n")
    with d.running():
        for path, want in (("/cgi-bin/linger.py", b"done"),
                           ("/cgi-bin/linger-redirect.py", b"static page\n")):
            with d.connect() as c:
                c.send_request(path)
                r = read_answer(c, path)
                expect(r.status == 200 and r.body == want, "%s: %d %r" % (path, r.status, r.body))
                c.send_request("/cgi-bin/quick.py", close=True)
                quick = read_answer(c, "/cgi-bin/quick.py")
            expect(quick.status == 200 and quick.body == b"quick",
                   "a script after %s, which lingers: %d %r" % (path, quick.status, quick.body))
            expect(wait_until(lambda: not script_children(d), 8),
                   "%s still runs 8 s after its response: %s" % (path, script_children(d)))



class HttpBackend:
    """An HTTP/1.1 backend on 127.0.0.1: every request is answered 200
    "backend <path>", cacheable for a minute; paths lists what it got."""

    def __init__(self):
        self.paths = []
        app = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                line = self.rfile.readline(65536).decode("latin-1")
                while self.rfile.readline(65536) not in (b"\r\n", b"\n", b""):
                    pass
                path = line.split(" ")[1] if line.count(" ") >= 2 else "?"
                app.paths.append(path)
                body = ("backend %s" % path).encode()
                self.wfile.write(b"HTTP/1.1 200 OK\r\nCache-Control: max-age=60\r\n"
                                 b"Connection: close\r\nContent-Length: %d\r\n\r\n"
                                 % len(body) + body)

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@test
def hidden_names_are_refused_whichever_handler_takes_the_path():
    """One route decision refuses a hidden name (a dot segment but the
    top-level /.well-known) before any plugin or handler: static files,
    CGI, FastCGI, the proxy and the cache all answer 404 and no script,
    app or backend sees it (before: a proxied /.git/config reached the
    backend, and its answer was cached and served again)."""
    app = FcgiApp(lambda env: b"Content-Type: text/plain\r\n\r\nfcgi ran")
    backend = HttpBackend()
    try:
        d = Daemon(plugins=("cache", "cgi", "fastcgi", "proxy_reverse"),
                   main_sections="[CACHE]\n    TTL 60\n")
        d.write("www/.git/config", "SECRET\n")
        d.write("www/.git/x.php", "")
        d.write("www/.well-known/x.php", "")
        script(d, ".hidden.py", "out(b'Content-Type: text/plain\\r\\n\\r\\nran')\n")
        d.write("conf/sites/default", site("localhost", d.path("www"),
                "[CGI]\n    Prefix /cgi-bin/\n"
                "[FASTCGI]\n    Server 127.0.0.1:%d\n"
                "[HANDLERS]\n    Match \\.php(/|$) fastcgi\n" % app.port))
        d.write("conf/sites/proxied", site("p.test", d.path("www"),
                "[PROXY_REVERSE]\n    ServerList 127.0.0.1:%d\n    Match ^/\n"
                % backend.port))
        with d.running():
            for host, path in (("localhost", "/.git/config"), ("localhost", "/%2egit/config"),
                               ("localhost", "/cgi-bin/.hidden.py"),
                               ("localhost", "/cgi-bin/x/../.hidden.py/info"),
                               ("localhost", "/.git/x.php"), ("localhost", "/.well-known/.x.php"),
                               ("p.test", "/.git/config"), ("p.test", "/a/.env"),
                               ("p.test", "/.git/config"), ("p.test", "/%2Egit/HEAD")):
                for method in ("GET", "HEAD"):
                    r = d.get(path, host=host, method=method)
                    expect(r.status == 404 and b"SECRET" not in r.body and
                           b"ran" not in r.body and b"backend" not in r.body,
                           "%s %s on %s: %d %r, want 404" % (method, path, host, r.status,
                                                             r.body[:60]))
            expect(not app.requests, "the FastCGI app ran %r" % app.scripts)
            expect(not backend.paths, "the backend got %r" % backend.paths)
            # the handlers are live: what is not hidden reaches them
            r = d.get("/.well-known/x.php")
            expect(r.status == 200 and len(app.requests) == 1,
                   "/.well-known/x.php: %d %r" % (r.status, app.requests))
            r = d.get("/ok", host="p.test")
            expect(r.status == 200 and r.body == b"backend /ok", "proxied /ok: %d %r"
                   % (r.status, r.body))
    finally:
        app.close()
        backend.close()


if __name__ == "__main__":
    sys.exit(run_all(sys.argv))
