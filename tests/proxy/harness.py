# SPDX-License-Identifier: GPL-2.0 OR MIT
"""Shared pieces of the proxy and cache end-to-end suites: a tiny HTTP/1.1
backend with request logging, a khttpdd launcher, raw-socket clients and
the pass/fail tally. Python 3 standard library only.

SAN=1 (an argument of the suite, or the environment) runs them on the
ASan/UBSan build (userspace/build-san, built first): a sanitizer report in
a daemon's log then fails the group that stopped it."""

import atexit
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(TOP, "tests", "lib"))
from ports import free_port  # noqa: E402,F401  (the suites import these from here)
from wait import wait_until  # noqa: E402,F401
from http_response import Stream  # noqa: E402

_BIN_DIR = tempfile.mkdtemp(prefix="khttpd-bin-")
atexit.register(shutil.rmtree, _BIN_DIR, True)


def _snapshot(path):
    """A private copy of a binary: a rebuild of userspace/build during the
    run (make in another shell) must not swap it under the suite."""
    copy = os.path.join(_BIN_DIR, os.path.basename(path))
    shutil.copy2(path, copy)
    return copy


SAN = os.environ.get("SAN") == "1" or "SAN=1" in sys.argv[1:]
GROUPS = [a for a in sys.argv[1:] if a != "SAN=1"]   # the groups to run; none: all
SANITIZER_MARKS = ("ERROR: AddressSanitizer", "runtime error:", "ERROR: LeakSanitizer")
if SAN:
    subprocess.run(["make", "-s", "-C", os.path.join(TOP, "userspace"), "SAN=1"], check=True,
                   stdout=subprocess.DEVNULL)
    os.environ.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0:exitcode=23")
    os.environ.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
_BUILD = os.path.join(TOP, "userspace", "build-san" if SAN else "build")
DAEMON = _snapshot(os.environ.get("KHTTPDD", os.path.join(_BUILD, "khttpdd")))
KHTTPCTL = _snapshot(os.environ.get("KHTTPCTL", os.path.join(_BUILD, "khttpctl")))


def wanted(group):
    """Whether the command line asks for this group (by name, or none)."""
    return not GROUPS or group in GROUPS


def pattern_bytes(n, seed=0):
    """n deterministic bytes (so both ends can hash without storing)."""
    block = hashlib.sha256(str(seed).encode()).digest() * 2048  # 64 KiB
    out = bytearray()
    while len(out) < n:
        out += block[: n - len(out)]
    return bytes(out)


class Tally:
    def __init__(self, suite):
        self.suite = suite
        self.passed = 0
        self.failed = 0

    def check(self, cond, what, detail=""):
        if cond:
            self.passed += 1
            print("ok   %s" % what)
        else:
            self.failed += 1
            print("FAIL %s %s" % (what, detail))
        sys.stdout.flush()
        return cond

    def done(self):
        print(self.suite)
        print("%d passed, %d failed" % (self.passed, self.failed))
        return 1 if self.failed else 0


# ---------------------------------------------------------------- backend

# Bodyless responses (RFC 9112 6.3), and backends that send bytes after one.
BODYLESS = {
    "/s204": b"HTTP/1.1 204 No Content\r\nX-Said: 204\r\n\r\n",
    "/s304": b"HTTP/1.1 304 Not Modified\r\nETag: \"v1\"\r\n\r\n",
    "/s204-cl": b"HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\nhello",
    "/s204-te": b"HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\n\r\n"
                b"5\r\nhello\r\n0\r\n\r\n",
    "/s304-te": b"HTTP/1.1 304 Not Modified\r\nETag: \"v1\"\r\n"
                b"Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
}


# Responses that break off or break their framing: the backend sends the
# bytes and closes (the body is cacheable, so a cache that kept a cut body
# shows); and interim or oversized heads.
CUT = {
    "/cut-length": b"HTTP/1.1 200 OK\r\nCache-Control: max-age=60\r\n"
                   b"Content-Length: 100\r\n\r\nshort",
    "/cut-chunked": b"HTTP/1.1 200 OK\r\nCache-Control: max-age=60\r\n"
                    b"Transfer-Encoding: chunked\r\n\r\n5\r\nshort\r\n",
    "/cut-chunk": b"HTTP/1.1 200 OK\r\nCache-Control: max-age=60\r\n"
                  b"Transfer-Encoding: chunked\r\n\r\n40\r\nshort",
    "/bad-chunk-size": b"HTTP/1.1 200 OK\r\nCache-Control: max-age=60\r\n"
                       b"Transfer-Encoding: chunked\r\n\r\n5\r\nshort\r\nzz\r\nx\r\n0\r\n\r\n",
    "/bad-chunk-end": b"HTTP/1.1 200 OK\r\nCache-Control: max-age=60\r\n"
                      b"Transfer-Encoding: chunked\r\n\r\n5\r\nshortXX0\r\n\r\n",
    "/cut-head": b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Half",
    "/s101": b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: upgrade\r\n\r\n",
}
INTERIM = (b"HTTP/1.1 100 Continue\r\n\r\n"
           b"HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\n")


class Backend:
    """A threaded HTTP/1.1 server on 127.0.0.1 with keep-alive, chunked
    request bodies and a few behaviours chosen by path:
      /id            "<name>"
      /echo          request line and headers as received
      /upload        sha256 and length of the (decoded) body
      /big?N         N pattern bytes with Content-Length
      /chunked?N     N pattern bytes, chunked in 7919-byte chunks
      /close?N       N pattern bytes, no length: ends by closing
      /slow?S        answers after S seconds
      /drop          closes without answering
      /badframe      a response with Content-Length and chunked
      /cacheable     "Cache-Control: max-age=60", body "<name> <n>" (n counts)
      /private       the same with "Cache-Control: private, max-age=60"
      /public        the same with "Cache-Control: public, max-age=60"
      /vary          "Vary: Accept-Language", the body names the language
      /setcookie     the same as /cacheable with a Set-Cookie
      /varycookie    "Vary: Cookie", the body names the cookie
      /cchunk?N      N pattern bytes, chunked, "Cache-Control: max-age=60"
      /s204, /s304   a 204 or 304 head; /s204-cl, /s204-te and /s304-te
                     send body bytes after it anyway (BODYLESS)
      CUT's paths    those bytes, then it closes
      /interim       100 and 103 heads, then 200 "final"
      /head?N        200 "big head" with N bytes of X-Pad fields
      anything else  200 "<name> <path>"
    HEAD gets the head GET would get (/big, /chunked: its framing fields)
    and no body.
    Every parsed request line is logged in self.log; self.conns counts
    accepted connections."""

    def __init__(self, name, port=None):
        self.name = name
        self.port = port or free_port()
        self.log = []
        self.conns = 0
        self.lock = threading.Lock()
        self.sock = None
        self.running = False
        self.start()

    def start(self):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", self.port))
        self.sock.listen(128)
        self.running = True
        self.clients = []
        threading.Thread(target=self._accept, daemon=True).start()

    def stop(self):
        """Like a crash: the listener and every connection close."""
        self.running = False
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        with self.lock:
            for c in self.clients:
                try:
                    c.shutdown(socket.SHUT_RDWR)
                    c.close()
                except OSError:
                    pass
            self.clients = []

    def count(self, path_prefix):
        with self.lock:
            return sum(1 for line in self.log if line.split(" ")[1].startswith(path_prefix))

    def _accept(self):
        while self.running:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            with self.lock:
                self.conns += 1
                self.clients.append(c)
            threading.Thread(target=self._serve, args=(c,), daemon=True).start()

    def _serve(self, c):
        f = c.makefile("rb")
        try:
            while self.running:
                line = f.readline(65536)
                if not line:
                    return
                line = line.rstrip(b"\r\n").decode("latin-1")
                headers = []
                while True:
                    h = f.readline(65536)
                    if h in (b"\r\n", b"\n", b""):
                        break
                    k, _, v = h.decode("latin-1").partition(":")
                    headers.append((k.strip(), v.strip()))
                with self.lock:
                    self.log.append(line)
                hd = {k.lower(): v for k, v in headers}
                body = b""
                if hd.get("transfer-encoding", "").lower() == "chunked":
                    while True:
                        size = int(f.readline().split(b";")[0], 16)
                        if size == 0:
                            while f.readline() not in (b"\r\n", b""):
                                pass
                            break
                        body += f.read(size)
                        f.readline()
                elif "content-length" in hd:
                    body = f.read(int(hd["content-length"]))
                if not self._respond(c, line, headers, body):
                    return
                if hd.get("connection", "").lower() == "close":
                    return
        except (OSError, ValueError):
            return
        finally:
            try:
                c.close()
            except OSError:
                pass

    def _respond(self, c, line, headers, body):
        method, target = line.split(" ")[0], line.split(" ")[1]
        path, _, q = target.partition("?")
        n = int(q) if q.isdigit() else 0
        if path == "/drop":
            return False
        if path == "/slow":
            time.sleep(n)
        if path == "/badframe":
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n"
                      b"Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n")
            return True
        if path in BODYLESS:
            c.sendall(BODYLESS[path])
            return True
        if path in CUT:
            c.sendall(CUT[path])
            return False
        if path == "/interim":
            c.sendall(INTERIM + b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfinal")
            return True
        if path == "/head":
            pad = b"".join(b"X-Pad-%d: %s\r\n" % (i, b"p" * 990) for i in range(n // 1000))
            c.sendall(b"HTTP/1.1 200 OK\r\n" + pad + b"Content-Length: 8\r\n\r\nbig head")
            return True
        if path == "/cchunk":
            data = pattern_bytes(n, seed=n)
            c.sendall(b"HTTP/1.1 200 OK\r\nCache-Control: max-age=60\r\n"
                      b"Transfer-Encoding: chunked\r\n\r\n")
            for i in range(0, n, 7919):
                part = data[i:i + 7919]
                c.sendall(b"%x\r\n" % len(part) + part + b"\r\n")
            c.sendall(b"0\r\n\r\n")
            return True
        if path in ("/big", "/chunked", "/close"):
            data = pattern_bytes(n, seed=n)
            if method == "HEAD" and path != "/close":
                c.sendall(b"HTTP/1.1 200 OK\r\n%s\r\n\r\n" % (
                    b"Content-Length: %d" % n if path == "/big" else
                    b"Transfer-Encoding: chunked"))
                return True
            if path == "/big":
                c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % n)
                for i in range(0, n, 1 << 20):
                    c.sendall(data[i:i + (1 << 20)])
                return True
            if path == "/chunked":
                c.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
                for i in range(0, n, 7919):
                    part = data[i:i + 7919]
                    c.sendall(b"%x\r\n" % len(part) + part + b"\r\n")
                c.sendall(b"0\r\n\r\n")
                return True
            c.sendall(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n")
            c.sendall(data)
            return False
        if path in ("/cacheable", "/private", "/public", "/vary", "/setcookie",
                    "/varycookie"):
            hd = {k.lower(): v for k, v in headers}
            extra = {"/cacheable": "Cache-Control: max-age=60\r\n",
                     "/private": "Cache-Control: private, max-age=60\r\n",
                     "/public": "Cache-Control: public, max-age=60\r\n",
                     "/vary": "Cache-Control: max-age=60\r\nVary: Accept-Language\r\n",
                     "/setcookie": "Cache-Control: max-age=60\r\nSet-Cookie: s=1\r\n",
                     "/varycookie": "Cache-Control: max-age=60\r\nVary: Cookie\r\n"}[path]
            out = ("%s %d %s" % (self.name, self.count(path),
                                 hd.get("accept-language", hd.get("cookie", "")
                                        if path == "/varycookie" else ""))).encode()
            c.sendall(("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n%s"
                       "X-Backend: %s\r\nContent-Length: %d\r\n\r\n"
                       % (extra, self.name, len(out))).encode() + out)
            return True
        if path == "/id":
            out = self.name.encode()
        elif path == "/echo":
            out = ("%s\n" % line + "".join("%s: %s\n" % h for h in headers)).encode()
        elif path == "/upload":
            out = ("%s %d" % (hashlib.sha256(body).hexdigest(), len(body))).encode()
        else:
            out = ("%s %s" % (self.name, path)).encode()
        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                  b"Content-Length: %d\r\n\r\n" % len(out) + (b"" if method == "HEAD" else out))
        return True


class Blackhole:
    """A port whose listen queue is full: connects to it hang (SYNs are
    dropped), which is what a dead host behind a firewall looks like."""

    def __init__(self):
        self.port = free_port()
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", self.port))
        self.sock.listen(0)
        self.fillers = []
        for _ in range(4):
            s = socket.socket()
            s.setblocking(False)
            try:
                s.connect(("127.0.0.1", self.port))
            except BlockingIOError:
                pass
            self.fillers.append(s)
        time.sleep(0.2)

    def close(self):
        for s in self.fillers:
            s.close()
        self.sock.close()


# ---------------------------------------------------------------- daemon

class Daemon:
    """khttpdd in the foreground with a one-file config, listening on
    addr (an IPv4 address of this host; None: every address). sites, a
    dict of site file name -> text, makes the config a directory with
    those files in sites/ (-r still sets the default site's docroot).
    Config text may be bytes, to hold names in any encoding."""

    def __init__(self, conf, port=None, docroot=None, workers=2, extra_args=(),
                 addr="127.0.0.1", sites=None):
        self.port = port or free_port()
        self.dir = tempfile.mkdtemp(prefix="khttpd-test-")
        os.chmod(self.dir, 0o755)   # reachable by the User khttpdd drops to
        self.docroot = docroot or self.dir
        self.conf_path = os.path.join(self.dir, "khttpd.conf")
        self._write(self.conf_path, conf)
        if sites:
            os.mkdir(os.path.join(self.dir, "sites"), 0o755)
            for name, text in sites.items():
                self._write(os.path.join(self.dir, "sites", name), text)
        self.log_path = os.path.join(self.dir, "daemon.log")
        self.logf = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            [DAEMON, "-f", "-c", self.dir if sites else self.conf_path,
             "-p", "%s:%d" % (addr, self.port) if addr else str(self.port),
             "-r", self.docroot, "-w", str(workers)] + list(extra_args),
            stdout=self.logf, stderr=subprocess.STDOUT)
        deadline = time.time() + 5
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("khttpdd exited: " + self.log())
            try:
                socket.create_connection((addr or "127.0.0.1", self.port), 0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("khttpdd did not listen: " + self.log())

    def _write(self, path, text):
        if isinstance(text, str):
            text = text.encode()
        with open(path, "wb") as f:
            f.write(text.replace(b"@PORT@", b"%d" % self.port)
                    .replace(b"@DIR@", self.dir.encode()))

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def rss_kib(self):
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def stop(self):
        """SIGTERM; returns the exit status. A sanitizer report in the log
        raises (the group fails), whether or not the caller checks."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.logf.close()
        log = self.log()
        if not os.environ.get("KEEP_TEST_DIRS"):
            shutil.rmtree(self.dir, ignore_errors=True)
        if any(m in log for m in SANITIZER_MARKS):
            raise RuntimeError("sanitizer report from khttpdd:\n" + log[-3000:])
        return self.proc.returncode


# ---------------------------------------------------------------- client

class Client:
    """One keep-alive connection speaking raw HTTP/1.1, to addr."""

    def __init__(self, port, timeout=20, addr="127.0.0.1"):
        self.port = port
        self.addr = addr
        self.timeout = timeout
        self._connect()
        self.reconnects = 0
        self.peer_closes = False

    def _connect(self):
        self.sock = socket.create_connection((self.addr, self.port), self.timeout)
        sock = self.sock
        self.stream = Stream(lambda: sock.recv(1 << 20))

    @property
    def buf(self):
        """What was received and not yet read as a response."""
        return self.stream.buf

    def close(self):
        self.sock.close()

    def send(self, data):
        self.sock.sendall(data)

    def read_response(self, head_only=False, sink=None):
        """The next response (tests/lib/http_response.py frames it: a cut
        body raises EOFError, bad framing ValueError); sink(bytes) gets
        the body in pieces instead of keeping it."""
        r = self.stream.read_response("HEAD" if head_only else "GET", sink)
        self.peer_closes = (r.header("connection") or "").lower() == "close"
        return r

    def request(self, method, target, headers=(), body=None, head_only=False):
        """One request; after a "Connection: close" response it reconnects
        first, as a browser would (KeepAliveMax ends connections)."""
        if self.peer_closes:
            self.sock.close()
            self._connect()
            self.peer_closes = False
            self.reconnects += 1
        h = "%s %s HTTP/1.1\r\nHost: test\r\n" % (method, target)
        h += "".join("%s: %s\r\n" % kv for kv in headers)
        if body is not None and not any(k.lower() == "transfer-encoding" for k, _ in headers):
            h += "Content-Length: %d\r\n" % len(body)
        self.send(h.encode() + b"\r\n" + (body or b""))
        return self.read_response(head_only=head_only or method == "HEAD")


def get(port, target, headers=()):
    c = Client(port)
    try:
        return c.request("GET", target, headers)
    finally:
        c.close()
