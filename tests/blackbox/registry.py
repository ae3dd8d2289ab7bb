# SPDX-License-Identifier: GPL-2.0 OR MIT
"""Test registry, the context handed to each test, and shared checks."""

import calendar
import contextlib
import email.utils
import hashlib
import os
import re
import ssl
import time

from httpclient import Closed, Conn, ProtocolError, Timeout, request

TESTS = []

# The fixture's constants, as written by mkdocroot.sh.
FIXTURE_MTIME = calendar.timegm((2024, 1, 2, 3, 4, 5))
FIXTURE_DATE = "Tue, 02 Jan 2024 03:04:05 GMT"
OUTSIDE_MARKER = b"KHTTPD-OUTSIDE-SECRET-5b1e9c07"
HIDDEN_MARKER = b"KHTTPD-HIDDEN-DOTFILE-3f9a61d2"
PASSWD_MARKER = b"root:x:0:0:"
SPARSE = "/big/sparse-100m.bin"
SPARSE_SIZE = 104857600

IMF_FIXDATE = re.compile(
    r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-3][0-9] "
    r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-9]{4} "
    r"[0-2][0-9]:[0-5][0-9]:[0-6][0-9] GMT")


def register(name, fn):
    """Add fn to the suite under name."""
    if any(t.__name__ == name for t in TESTS):
        raise ValueError("two tests named %s" % name)
    fn.__name__ = name
    TESTS.append(fn)
    return fn


def test(fn):
    """Decorator: register fn under its own name."""
    return register(fn.__name__, fn)


class Failure(Exception):
    """A test's expectation did not hold."""


def expect(cond, why):
    if not cond:
        raise Failure(why)


def expect_eq(got, want, what):
    if got != want:
        raise Failure("%s: got %r, want %r" % (what, got, want))


@contextlib.contextmanager
def case(label):
    """Name the input in a failure from a loop over several inputs."""
    try:
        yield
    except Failure as e:
        raise Failure("%s: %s" % (label, e)) from None
    except (Timeout, Closed, ProtocolError, OSError) as e:
        raise Failure("%s: %s: %s" % (label, type(e).__name__, e)) from None


def http_date(t):
    return email.utils.formatdate(t, usegmt=True)


class Context:
    """What every test gets: where the server is and what it serves."""

    def __init__(self, args, fixture):
        self.host = args.host
        self.port = args.port
        self.server = args.server
        self.header_timeout = args.header_timeout
        self.keepalive_timeout = args.keepalive_timeout
        self.keepalive_max = args.keepalive_max
        self.io_timeout = args.io_timeout
        self.verbose = args.verbose
        self.fixture = fixture          # docroot built by mkdocroot.sh
        self.hostname = "%s:%d" % (self.host, self.port)
        # --tls CAFILE: every connection speaks TLS, verified against it
        self.tls = None
        self.tls_name = getattr(args, "tls_name", None)
        if getattr(args, "tls", None):
            self.tls = ssl.create_default_context(cafile=args.tls)
            self.tls.check_hostname = bool(self.tls_name)

    def connect(self, timeout=None, rcvbuf=None):
        return Conn(self.host, self.port, timeout or self.io_timeout, rcvbuf,
                    self.tls, self.tls_name)

    def req(self, method, target, **kw):
        kw.setdefault("host", self.hostname)
        return request(method, target, **kw)

    def exchange(self, raw, method="GET", sink=None):
        """Send raw bytes on a new connection, return the one response."""
        with self.connect() as c:
            c.send(raw)
            return c.read_response(method, sink=sink)

    def get(self, target, method="GET", fields=(), version="HTTP/1.1"):
        return self.exchange(self.req(method, target, fields=fields, version=version),
                             method)

    def content(self, path):
        """Expected bytes of a fixture file (URL path, already decoded)."""
        with open(os.path.join(self.fixture, path.lstrip("/")), "rb") as f:
            return f.read()

    def sha256(self, path):
        h = hashlib.sha256()
        with open(os.path.join(self.fixture, path.lstrip("/")), "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
        return h.hexdigest()


def check_common(resp):
    """What every response must carry (contract "Messages"). The exact
    status-line version and the Server field have tests of their own so
    that they do not mask everything else."""
    expect(resp.version in ("HTTP/1.0", "HTTP/1.1"), "status line version %s" % resp.version)
    date = resp.header("date")
    expect(date is not None, "no Date field")
    expect(IMF_FIXDATE.fullmatch(date), "Date %r is not an IMF-fixdate" % date)
    try:
        parsed = time.strptime(date, "%a, %d %b %Y %H:%M:%S GMT")
    except ValueError:
        raise Failure("Date %r is not a valid date" % date) from None
    # strptime does not check the day name against the date.
    expect(time.strftime("%a", time.gmtime(calendar.timegm(parsed))) == date[:3],
           "Date %r has the wrong day name" % date)
    skew = abs(calendar.timegm(parsed) - time.time())
    expect(skew < 300, "Date %r is %d s away from the client clock" % (date, skew))
    if resp.status not in (204, 304):
        expect(resp.header("content-length") is not None or resp.chunked,
               "%d without Content-Length" % resp.status)


def check_ok(resp, path, ctx):
    """A complete 200 for fixture file path with the exact bytes."""
    expect_eq(resp.status, 200, "status for %s" % path)
    check_common(resp)
    want = ctx.content(path)
    expect_eq(resp.header("content-length"), str(len(want)), "Content-Length of %s" % path)
    expect(resp.body == want, "body of %s differs from the fixture (%d bytes, want %d)"
           % (path, len(resp.body), len(want)))


def check_no_leak(resp):
    blob = resp.raw_head + (resp.body or b"")
    expect(OUTSIDE_MARKER not in blob, "response leaks the file outside the docroot")
    expect(PASSWD_MARKER not in blob, "response leaks /etc/passwd")


def check_error_page(resp, status):
    """Contract "Limits": errors carry a tiny HTML body."""
    expect_eq(resp.status, status, "status")
    check_common(resp)
    ctype = resp.header("content-type") or ""
    expect(ctype.split(";")[0].strip().lower() == "text/html",
           "error Content-Type %r is not text/html" % ctype)


def check_error(conn, resp, status, closes=True):
    """An error response, and for parser errors Connection: close followed
    by the server closing."""
    check_error_page(resp, status)
    if closes:
        expect("close" in resp.tokens("connection"),
               "error response without Connection: close")
        closed, extra, _ = conn.wait_close(5)
        expect(not extra, "bytes after the error response: %r" % extra[:80])
        expect(closed, "connection still open 5 s after the error response")


def bad_request(ctx, raw, status=400):
    """Send raw bytes, expect a parser error status and a close."""
    with ctx.connect() as c:
        c.send(raw)
        resp = c.read_response()
        check_no_leak(resp)
        check_error(c, resp, status)
