# SPDX-License-Identifier: GPL-2.0 OR MIT
"""Raw-socket HTTP/1.1 client for the black-box suite.

Deliberately not http.client: the tests send exact (often malformed) bytes
and must see exactly what the server answers, including malformed framing,
early closes and responses that never come. Every read has a deadline, so a
hung server fails a test instead of hanging the suite.
"""

import re
import socket
import ssl
import struct
import time

STATUS_LINE = re.compile(rb"HTTP/(\d)\.(\d) (\d{3}) ([\t\x20-\x7e\x80-\xff]*)")
FIELD_LINE = re.compile(rb"([!#$%&'*+\-.^_`|~0-9A-Za-z]+):[ \t]*(.*?)[ \t]*")
HEAD_MAX = 65536


class ProtocolError(Exception):
    """The server's bytes are not a valid HTTP/1.1 response."""


class Timeout(Exception):
    """Nothing (or not enough) arrived before the deadline."""


class Closed(Exception):
    """The server closed the connection in the middle of a response."""


class Response:
    def __init__(self, version, status, reason, fields, raw_head):
        self.version = version          # "HTTP/1.1"
        self.status = status            # int
        self.reason = reason            # str
        self.fields = fields            # [(lower-case name, value str)]
        self.raw_head = raw_head        # bytes, final CRLF included
        self.body = b""                 # None when streamed to a sink
        self.body_len = 0
        self.chunked = False
        self.interim = []               # 1xx responses before this one

    def header(self, name):
        """The value of a field that must appear at most once, or None."""
        values = self.headers(name)
        if len(values) > 1:
            raise ProtocolError("field %s appears %d times" % (name, len(values)))
        return values[0] if values else None

    def headers(self, name):
        name = name.lower()
        return [v for n, v in self.fields if n == name]

    def tokens(self, name):
        """Comma-separated tokens of all fields called name, lower-cased."""
        return [t.strip().lower() for v in self.headers(name)
                for t in v.split(",") if t.strip()]

    def __repr__(self):
        return "<%d %s, %d body bytes>" % (self.status, self.reason, self.body_len)


class Conn:
    """One TCP connection (TLS when given an ssl.SSLContext) with a
    receive buffer and response parsing."""

    def __init__(self, host, port, timeout=10.0, rcvbuf=None, tls=None,
                 server_name=None):
        self.timeout = timeout
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:                      # before connect: sets the window
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(timeout)
        self.sock.connect((host, port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if tls:
            self.sock = tls.wrap_socket(self.sock, server_hostname=server_name)
        self.buf = bytearray()
        self.eof = False

    def close(self):
        self.sock.close()

    def abort(self):
        """Close with a reset, as a client that dies mid-response."""
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send(self, data):
        """Send everything; returns False when the server already closed or
        reset (it may answer an error before reading the whole request)."""
        try:
            self.sock.sendall(data)
            return True
        except (BrokenPipeError, ConnectionResetError):
            return False

    def send_slowly(self, data, step=1, delay=0.002):
        for i in range(0, len(data), step):
            if not self.send(data[i:i + step]):
                return False
            time.sleep(delay)
        return True

    def _fill(self, deadline, what):
        """Receive more bytes; sets self.eof on orderly close or reset."""
        left = deadline - time.monotonic()
        if left <= 0:
            raise Timeout("no %s within %.1f s" % (what, self.timeout))
        self.sock.settimeout(left)
        try:
            data = self.sock.recv(262144)
        except socket.timeout:
            raise Timeout("no %s within %.1f s (have %d bytes: %r)"
                          % (what, self.timeout, len(self.buf), bytes(self.buf[:80])))
        except (ConnectionResetError, ssl.SSLEOFError):
            data = b""
        if not data:
            self.eof = True
        self.buf += data
        return len(data)

    def _read_head(self, deadline):
        while True:
            end = self.buf.find(b"\r\n\r\n")
            if end >= 0:
                head = bytes(self.buf[:end + 4])
                del self.buf[:end + 4]
                return head
            if len(self.buf) > HEAD_MAX:
                raise ProtocolError("response head longer than %d bytes" % HEAD_MAX)
            if self.eof:
                if self.buf:
                    raise Closed("closed inside a response head: %r" % bytes(self.buf[:200]))
                raise Closed("closed before a response")
            self._fill(deadline, "response head")

    @staticmethod
    def _parse_head(head):
        lines = head[:-4].split(b"\r\n")
        for line in lines:
            if b"\r" in line or b"\n" in line:
                raise ProtocolError("bare CR or LF in response head: %r" % line)
        m = STATUS_LINE.fullmatch(lines[0])
        if not m:
            raise ProtocolError("bad status line %r" % lines[0])
        fields = []
        for line in lines[1:]:
            f = FIELD_LINE.fullmatch(line)
            if not f:
                raise ProtocolError("bad header field line %r" % line)
            fields.append((f.group(1).decode().lower(), f.group(2).decode("latin-1")))
        return Response("HTTP/%s.%s" % (m.group(1).decode(), m.group(2).decode()),
                        int(m.group(3)), m.group(4).decode("latin-1"), fields, head)

    def _take(self, n, deadline, sink, resp):
        """Move n body bytes from the connection to the sink."""
        while n > 0:
            if not self.buf:
                if self.eof:
                    raise Closed("closed with %d body bytes missing (got %d)"
                                 % (n, resp.body_len))
                self._fill(deadline, "body bytes (%d missing)" % n)
                continue
            piece = bytes(self.buf[:n])
            del self.buf[:len(piece)]
            sink(piece)
            resp.body_len += len(piece)
            n -= len(piece)

    def _line(self, deadline):
        while True:
            end = self.buf.find(b"\r\n")
            if end >= 0:
                line = bytes(self.buf[:end])
                del self.buf[:end + 2]
                return line
            if self.eof:
                raise Closed("closed inside chunked framing")
            if len(self.buf) > 4096:
                raise ProtocolError("chunk framing line too long")
            self._fill(deadline, "chunk framing")

    def _read_chunked(self, deadline, sink, resp):
        while True:
            line = self._line(deadline)
            m = re.fullmatch(rb"([0-9A-Fa-f]+)(;.*)?", line)
            if not m:
                raise ProtocolError("bad chunk size line %r" % line)
            size = int(m.group(1), 16)
            if size == 0:
                while self._line(deadline):
                    pass                # trailer fields, ignored
                return
            self._take(size, deadline, sink, resp)
            if self._line(deadline) != b"":
                raise ProtocolError("chunk data not followed by CRLF")

    def read_response(self, method="GET", sink=None, timeout=None):
        """Read one final response (1xx are kept in .interim).

        The body is framed per RFC 9112 6.3: none for HEAD, 1xx, 204, 304;
        chunked; Content-Length; else until close. With a sink the body is
        passed to it in pieces and not stored (for big files).
        """
        deadline = time.monotonic() + (timeout or self.timeout)
        interim = []
        while True:
            resp = self._parse_head(self._read_head(deadline))
            if 100 <= resp.status < 200:
                interim.append(resp)
                continue
            break
        resp.interim = interim
        parts = []
        store = sink or parts.append
        te = resp.tokens("transfer-encoding")
        cl = resp.headers("content-length")
        if method == "HEAD" or resp.status in (204, 304):
            pass
        elif te:
            if te[-1] != "chunked":
                raise ProtocolError("Transfer-Encoding %r without chunked last" % te)
            if cl:
                raise ProtocolError("both Content-Length and Transfer-Encoding")
            resp.chunked = True
            self._read_chunked(deadline, store, resp)
        elif cl:
            if len(cl) != 1 or not re.fullmatch(r"[0-9]+", cl[0]):
                raise ProtocolError("bad Content-Length %r" % cl)
            self._take(int(cl[0]), deadline, store, resp)
        else:
            while not self.eof:
                self._fill(deadline, "body up to close")
            store(bytes(self.buf))
            resp.body_len += len(self.buf)
            self.buf.clear()
        resp.body = None if sink else b"".join(parts)
        return resp

    def wait_data(self, timeout):
        """True once bytes or a close arrived within timeout; the bytes
        stay buffered for read_response."""
        if self.buf or self.eof:
            return True
        try:
            self._fill(time.monotonic() + timeout, "data")
        except Timeout:
            return False
        return True

    def skip(self, nbytes):
        """Receive and discard about nbytes (fewer if the server closes)."""
        deadline = time.monotonic() + self.timeout
        got = len(self.buf)
        self.buf.clear()
        while got < nbytes and not self.eof:
            got += self._fill(deadline, "bytes to skip")
            self.buf.clear()
        return got

    def wait_close(self, timeout):
        """Wait up to timeout for the server to close. Returns (closed,
        unexpected bytes received meanwhile, seconds waited)."""
        start = time.monotonic()
        deadline = start + timeout
        while not self.eof:
            try:
                self._fill(deadline, "close")
            except Timeout:
                break
        extra = bytes(self.buf)
        self.buf.clear()
        return self.eof, extra, time.monotonic() - start


def request(method, target, host="localhost", version="HTTP/1.1", fields=(), body=b""):
    """Bytes of a well-formed request; fields are (name, value) pairs."""
    lines = ["%s %s %s" % (method, target, version)]
    if host is not None:
        lines.append("Host: %s" % host)
    lines += ["%s: %s" % f for f in fields]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
