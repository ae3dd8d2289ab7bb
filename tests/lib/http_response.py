# SPDX-License-Identifier: GPL-2.0 OR MIT
"""Reading HTTP/1.1 responses off a connection, for every test harness.

One reader, strict about framing, so that no suite can mistake a chunked
body for an empty one, a truncated body for a whole one or the bytes after
a bodyless response for the next response: the server under test is
hostile too. A body is framed as RFC 9112 section 6.3 says: none for HEAD,
1xx, 204 and 304; chunked when Transfer-Encoding ends in chunked; until
the connection closes for any other Transfer-Encoding or when there is no
Content-Length; else exactly Content-Length bytes. A response with both
fields, a Content-Length that is not one number, a bad chunk size or a
chunk not followed by CRLF is an error (ValueError), as is a status line
that is not HTTP's."""

import hashlib
import re

_STATUS = re.compile(rb"HTTP/1\.[01] ([0-9]{3})(?: (.*))?")
_CHUNK_SIZE = re.compile(rb"([0-9A-Fa-f]{1,16})(?:[ \t]*;.*)?")


class Incomplete(EOFError):
    """The bytes ended (the peer closed) before the response did."""


class Response:
    def __init__(self, status, reason, headers):
        self.status = status
        self.reason = reason
        self.headers = headers          # [(name, value)] in order
        self.body = b""
        self.trailers = []
        self.framing = None             # "none", "length", "chunked" or "close"

    def header(self, name):
        """The first value of field name (any case), or None."""
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def fields(self):
        """{lowercased name: value}, the last value of a repeated name."""
        return {k.lower(): v for k, v in self.headers}


def _framing(method, r):
    if method == "HEAD" or r.status < 200 or r.status in (204, 304):
        return "none", 0
    te = r.header("transfer-encoding")
    lengths = [v for k, v in r.headers if k.lower() == "content-length"]
    if te is not None and lengths:
        raise ValueError("both Transfer-Encoding and Content-Length: %r" % r.headers)
    if te is not None:
        last = te.split(",")[-1].strip().lower()
        return ("chunked", 0) if last == "chunked" else ("close", 0)
    if not lengths:
        return "close", 0
    values = {x.strip() for v in lengths for x in v.split(",")}
    if len(values) != 1 or not next(iter(values)).isdigit():
        raise ValueError("bad Content-Length: %r" % lengths)
    return "length", int(values.pop())


class Stream:
    """A byte stream from recv() (bytes; b"" at its end) and what has
    been received and not yet read (buf)."""

    def __init__(self, recv, data=b""):
        self.recv = recv
        self.buf = bytearray(data)

    def fill(self):
        data = self.recv()
        if not data:
            raise Incomplete("connection closed after %d unread bytes" % len(self.buf))
        self.buf += data

    def line(self, limit=1 << 16):
        while True:
            end = self.buf.find(b"\r\n")
            if end >= 0:
                out = bytes(self.buf[:end])
                del self.buf[:end + 2]
                return out
            if len(self.buf) > limit:
                raise ValueError("line longer than %d bytes" % limit)
            self.fill()

    def _body(self, n, put):
        while n:
            if not self.buf:
                self.fill()
            piece = bytes(self.buf[:n])
            del self.buf[:len(piece)]
            n -= len(piece)
            put(piece)

    def read_response(self, method="GET", sink=None):
        """The next response to a request of method; sink(bytes) gets the
        body in pieces instead of Response.body."""
        while b"\r\n\r\n" not in self.buf:
            self.fill()
        end = self.buf.index(b"\r\n\r\n")
        lines = bytes(self.buf[:end]).split(b"\r\n")
        m = _STATUS.fullmatch(lines[0])
        if not m:
            raise ValueError("not a status line: %r" % lines[0][:80])
        headers = []
        for line in lines[1:]:
            name, colon, value = line.partition(b":")
            if not colon or not name or name != name.strip():
                raise ValueError("not a header line: %r" % line[:80])
            headers.append((name.decode("latin-1"), value.strip(b" \t").decode("latin-1")))
        del self.buf[:end + 4]
        r = Response(int(m.group(1)), (m.group(2) or b"").decode("latin-1"), headers)
        r.framing, n = _framing(method, r)
        parts = []
        put = sink or parts.append
        if r.framing == "length":
            self._body(n, put)
        elif r.framing == "chunked":
            while True:
                size = _CHUNK_SIZE.fullmatch(self.line())
                if not size:
                    raise ValueError("bad chunk size line")
                n = int(size.group(1), 16)
                if n == 0:
                    break
                self._body(n, put)
                while len(self.buf) < 2:
                    self.fill()
                if self.buf[:2] != b"\r\n":
                    raise ValueError("chunk data not followed by CRLF")
                del self.buf[:2]
            while True:
                t = self.line()
                if t == b"":
                    break
                r.trailers.append(t.decode("latin-1"))
        elif r.framing == "close":
            while True:
                if self.buf:
                    put(bytes(self.buf))
                    del self.buf[:]
                try:
                    self.fill()
                except Incomplete:
                    break
        r.body = b"".join(parts)
        return r


def get_digest(sock, path, host="localhost"):
    """GET path on sock with Connection: close: (the Response, its body's
    SHA-256 hex digest, the body's length), never holding the body whole."""
    sock.sendall(b"GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n"
                 % (path.encode(), host.encode()))
    h, got = hashlib.sha256(), [0]

    def put(piece):
        h.update(piece)
        got[0] += len(piece)
    r = Stream(lambda: sock.recv(1 << 20)).read_response("GET", sink=put)
    return r, h.hexdigest(), got[0]


def read_to_close(sock, timeout=10):
    """Everything sock receives until the peer closes it (or resets it);
    socket.timeout when timeout seconds pass without a byte."""
    sock.settimeout(timeout)
    data = bytearray()
    while True:
        try:
            chunk = sock.recv(1 << 16)
        except ConnectionResetError:
            break
        if not chunk:
            break
        data += chunk
    return bytes(data)


def split_responses(data, methods):
    """data (all a connection sent) as the responses to requests of these
    methods, in order: (responses, the bytes after the last whole one). It
    stops at the first part that is not a whole, well-framed response."""
    s = Stream(lambda: b"", data)
    out = []
    for method in methods:
        before = bytes(s.buf)
        try:
            out.append(s.read_response(method))
        except (Incomplete, ValueError):
            s.buf = bytearray(before)
            break
    return out, bytes(s.buf)
