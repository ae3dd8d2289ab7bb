#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR MIT
"""Security cases of the CGI/FastCGI gateway, black-box: what a hostile
script, FastCGI app or client can make the daemon do. Scripts are Python
(the interpreter running this suite); the FastCGI app is a tiny one here,
so that it can send exactly the bytes a case needs. Each test starts its
own daemon; tests/daemon/run runs this file in both balancing modes."""

import os
import shutil
import socket
import socketserver
import struct
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Daemon, expect, run_all, site, test, wait_until  # noqa: E402

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

def fcgi_record(rtype, rid, content):
    return struct.pack(">BBHHBx", 1, rtype, rid, len(content), 0) + content


def fcgi_params(blob):
    """FastCGI name-value pairs (lengths of 1 byte, or 4 with the top bit)."""
    out, i = {}, 0

    def length():
        nonlocal i
        if blob[i] < 128:
            i += 1
            return blob[i - 1]
        i += 4
        return struct.unpack(">I", blob[i - 4:i])[0] & 0x7fffffff
    while i < len(blob):
        nlen = length()
        vlen = length()
        out[blob[i:i + nlen].decode()] = blob[i + nlen:i + nlen + vlen].decode()
        i += nlen + vlen
    return out


class FcgiHandler(socketserver.BaseRequestHandler):
    """One FastCGI connection: each request (ended by its empty STDIN) is
    answered with the script variables it came with."""

    def handle(self):
        f = self.request.makefile("rb")
        params = b""
        while True:
            head = f.read(8)
            if len(head) < 8:
                return
            _, rtype, rid, clen, plen = struct.unpack(">BBHHBx", head)
            content = f.read(clen)
            f.read(plen)
            if rtype == 1:                      # BEGIN_REQUEST
                params = b""
            elif rtype == 4:                    # PARAMS
                params += content
            elif rtype == 5 and not clen:       # the end of STDIN
                env = fcgi_params(params)
                self.server.scripts.append(env.get("SCRIPT_FILENAME", ""))
                body = b"Content-Type: text/plain\r\n\r\n" + "".join(
                    "%s=%s\n" % (k, env.get(k, "")) for k in
                    ("SCRIPT_NAME", "PATH_INFO", "SCRIPT_FILENAME")).encode()
                self.request.sendall(fcgi_record(6, rid, body) + fcgi_record(6, rid, b"")
                                     + fcgi_record(3, rid, bytes(8)))


class FcgiApp(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    """The tiny FastCGI app on a unix socket the daemon's User can reach;
    .scripts holds the SCRIPT_FILENAME of every request it got."""
    daemon_threads = True

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="khttpd-fcgi-")
        os.chmod(self.dir, 0o755)
        self.path = os.path.join(self.dir, "app.sock")
        self.scripts = []
        super().__init__(self.path, FcgiHandler)
        os.chmod(self.path, 0o666)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def close(self):
        self.shutdown()
        self.server_close()
        shutil.rmtree(self.dir, ignore_errors=True)


@test
def fastcgi_match_runs_only_the_file_it_selected():
    """"Match \\.php(/|$) fastcgi": the script is the leading part of the
    path that the rule selects, never an earlier file on the path: an
    uploaded a.jpg is not run for /up/a.jpg/x.php (404), while
    /up/real.php/extra still runs real.php with PATH_INFO /extra."""
    app = FcgiApp()
    try:
        d = Daemon(plugins=("fastcgi",))
        d.write("www/up/a.jpg", "<?php system($_GET['c']); ?>\n")
        d.write("www/up/real.php", "")
        d.write("conf/sites/default", site("localhost", d.path("www"),
                "[FASTCGI]\n    Server unix:%s\n"
                "[HANDLERS]\n    Match \\.php(/|$) fastcgi\n" % app.path))
        with d.running():
            for path in ("/up/a.jpg/x.php", "/up/a.jpg/x.php/y", "/up/a.jpg/.php"):
                r = d.get(path)
                expect(r.status == 404, "%s: %d %r, want 404" % (path, r.status, r.body))
            expect(not app.scripts, "the app ran %r" % app.scripts)
            with d.connect() as c:      # a gateway body is chunked or to-close
                c.send_request("/up/real.php/extra", close=True)
                head, _, body = read_all(c).partition(b"\r\n\r\n")
            if b"Transfer-Encoding: chunked" in head:
                body = dechunk(body) or b""
            expect(head.startswith(b"HTTP/1.1 200 ") and b"SCRIPT_NAME=/up/real.php\n" in body
                   and b"PATH_INFO=/extra\n" in body, "real.php: %r %r" % (head, body))
            expect(len(app.scripts) == 1 and app.scripts[0].endswith("/up/real.php"),
                   "SCRIPT_FILENAME %r" % app.scripts)
    finally:
        app.close()


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


if __name__ == "__main__":
    sys.exit(run_all(sys.argv))
