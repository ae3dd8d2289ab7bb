#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR MIT
"""CGI and FastCGI plugins of khttpdd, standalone (no module): scripts,
meta-variables, streamed bodies both ways, keep-alive sequences mixing
static and dynamic, redirects, nph, timeouts, process-group kill on client
disconnect, FastCGI against our own app (tests/bridge/fcgi_app) and
Debian's php-fpm and php-cgi. Each test starts its own daemon."""

import hashlib
import http.client
import http.server
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "daemon"))
from harness import Daemon, Failure, expect, run_all, site, test, wait_until  # noqa: E402
from http_response import read_to_close, split_responses  # noqa: E402

FCGI_APP = os.environ.get("FCGI_APP", os.path.join(HERE, "build", "fcgi_app"))
PHP_FPM = shutil.which("php-fpm8.2") or "/usr/sbin/php-fpm8.2"
PHP_CGI = shutil.which("php-cgi") or "/usr/bin/php-cgi"

SH_ENV = "#!/bin/sh\necho 'Content-Type: text/plain'\necho\nenv\n"
SH_ECHO = ("#!/bin/sh\necho 'Status: 201 Created'\n"
           "echo 'Content-Type: application/octet-stream'\necho\ncat\n")


def cgi_daemon(cgi_extra="", fcgi=None, workers=2, plugins=("cgi", "fastcgi")):
    # a chunked upload is spooled within RequestMax: the 6 MiB ones below
    d = Daemon(plugins=plugins, workers=workers,
               server_extra="    RequestMax 8388608\n")
    d.write("www/index.html", "static page\n")
    extra = "[CGI]\n    Prefix /cgi-bin/\n" + cgi_extra
    if fcgi:
        extra += "[FASTCGI]\n" + fcgi
    d.write("conf/sites/default", site("localhost", d.path("www"), extra))
    os.chmod(d.dir, 0o755)
    return d


def script(d, name, text, mode=0o755):
    return d.write("www/cgi-bin/" + name, text, mode)


def request(d, method, path, body=None, headers=None, conn=None):
    c = conn or http.client.HTTPConnection("127.0.0.1", d.port, timeout=20)
    c.request(method, path, body=body, headers=headers or {})
    r = c.getresponse()
    data = r.read()
    if not conn:
        c.close()
    return r, data


def post_chunked(d, path, blob, host="localhost"):
    """POST blob with Transfer-Encoding: chunked, in 70000-byte chunks."""
    c = http.client.HTTPConnection("127.0.0.1", d.port, timeout=20)
    c.request("POST", path, headers={"Host": host},
              body=(blob[i:i + 70000] for i in range(0, len(blob), 70000)),
              encode_chunked=True)
    r = c.getresponse()
    body = r.read()
    c.close()
    return r, body


class App:
    """Our FastCGI app or php-fpm on a unix socket in a temp dir."""

    def __init__(self, kind="own"):
        self.dir = tempfile.mkdtemp(prefix="khttpd-fcgi-")
        os.chmod(self.dir, 0o755)
        self.sock = os.path.join(self.dir, "app.sock")
        if kind == "own":
            self.proc = subprocess.Popen([FCGI_APP, "unix:" + self.sock],
                                         stdout=subprocess.PIPE)
            expect(self.proc.stdout.readline() == b"ready\n", "fcgi_app did not start")
            # khttpdd connects as its User: like php-fpm's listen.mode below
            os.chmod(self.sock, 0o666)
        else:
            conf = os.path.join(self.dir, "fpm.conf")
            with open(conf, "w") as f:
                f.write("[global]\npid = %s/fpm.pid\nerror_log = %s/fpm.log\n"
                        "daemonize = no\n[www]\nuser = nobody\ngroup = nogroup\n"
                        "listen = %s\nlisten.mode = 0666\npm = static\n"
                        "pm.max_children = 3\ncatch_workers_output = yes\n"
                        % (self.dir, self.dir, self.sock))
            self.proc = subprocess.Popen([PHP_FPM, "-y", conf, "-R", "-F"],
                                         stdout=subprocess.DEVNULL,
                                         stderr=subprocess.DEVNULL)
            deadline = time.time() + 10
            while not os.path.exists(self.sock) and time.time() < deadline:
                time.sleep(0.05)
            expect(os.path.exists(self.sock), "php-fpm did not start")

    def close(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def read_pids(path):
    """The pids a test script wrote, [] until its whole line is there."""
    try:
        with open(path) as f:
            text = f.read()
    except FileNotFoundError:
        return []
    return [int(x) for x in text.split()] if text.endswith("\n") else []


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie is as good as gone
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(")")[1].split()[0] != "Z"
    except OSError:
        return False


# ---- CGI ----

@test
def cgi_meta_variables():
    d = cgi_daemon()
    script(d, "env.sh", SH_ENV)
    with d.running():
        r, body = request(d, "GET", "/cgi-bin/env.sh/extra/path?a=1&b=2",
                          headers={"X-Custom": "v", "Proxy": "http://evil/"})
        expect(r.status == 200, "status %d" % r.status)
        env = dict(l.split("=", 1) for l in body.decode().splitlines() if "=" in l)
        want = {"GATEWAY_INTERFACE": "CGI/1.1", "REQUEST_METHOD": "GET",
                "SCRIPT_NAME": "/cgi-bin/env.sh", "PATH_INFO": "/extra/path",
                "QUERY_STRING": "a=1&b=2", "SERVER_PROTOCOL": "HTTP/1.1",
                "SERVER_PORT": str(d.port), "REMOTE_ADDR": "127.0.0.1",
                "HTTP_X_CUSTOM": "v", "SERVER_SOFTWARE": "khttpd",
                "SCRIPT_FILENAME": os.path.realpath(d.path("www/cgi-bin/env.sh")),
                "PATH_TRANSLATED": os.path.realpath(d.path("www")) + "/extra/path"}
        for k, v in want.items():
            expect(env.get(k) == v, "%s=%r, want %r" % (k, env.get(k), v))
        expect("HTTP_PROXY" not in env, "httpoxy: HTTP_PROXY passed")
        expect(r.getheader("Transfer-Encoding") == "chunked", "no length: chunked")


@test
def cgi_bodies_streamed_both_ways():
    d = cgi_daemon()
    script(d, "echo.sh", SH_ECHO)
    blob = os.urandom(6 << 20)
    with d.running():
        r, body = request(d, "POST", "/cgi-bin/echo.sh", blob,
                          {"Content-Type": "application/octet-stream"})
        expect(r.status == 201, "status %d" % r.status)
        expect(hashlib.sha256(body).digest() == hashlib.sha256(blob).digest(),
               "Content-Length body: %d bytes back of %d" % (len(body), len(blob)))
        # chunked request body, decoded on the way to the script
        r, body = post_chunked(d, "/cgi-bin/echo.sh", blob)
        expect(body == blob, "chunked body: %d bytes back" % len(body))


@test
def cgi_keepalive_mixes_static_and_scripts():
    d = cgi_daemon()
    script(d, "echo.sh", SH_ECHO)
    script(d, "env.sh", SH_ENV)
    with d.running():
        c = http.client.HTTPConnection("127.0.0.1", d.port, timeout=10)
        for i in range(3):
            r, body = request(d, "GET", "/index.html", conn=c)
            expect(body == b"static page\n", "static %d: %r" % (i, body))
            r, body = request(d, "POST", "/cgi-bin/echo.sh", b"x" * (1000 * i + 1), conn=c)
            expect(r.status == 201 and body == b"x" * (1000 * i + 1), "echo %d" % i)
            r, body = request(d, "GET", "/cgi-bin/env.sh?n=%d" % i, conn=c)
            expect(b"QUERY_STRING=n=%d\n" % i in body, "env %d" % i)
        c.close()
        # pipelined: a script request and a static one in one write
        with d.connect() as s:
            s.send(b"POST /cgi-bin/echo.sh HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
                   b"GET /index.html HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            data = read_to_close(s.sock)
        resps, rest = split_responses(data, ["POST", "GET"])
        expect([(r.status, r.body) for r in resps] == [(201, b"abc"), (200, b"static page\n")]
               and rest == b"", "pipelined: %r" % data[-200:])


@test
def cgi_status_redirects_and_nph():
    d = cgi_daemon()
    script(d, "gone.sh", "#!/bin/sh\nprintf 'Status: 410 Gone\\r\\nContent-Type: text/plain\\r\\n\\r\\nbye\\n'\n")
    script(d, "away.sh", "#!/bin/sh\nprintf 'Location: http://example.org/x\\n\\n'\n")
    script(d, "local.sh", "#!/bin/sh\nprintf 'Location: /index.html\\n\\n'\n")
    script(d, "chain.sh", "#!/bin/sh\nprintf 'Location: /cgi-bin/env.sh?from=chain\\n\\n'\n")
    script(d, "env.sh", SH_ENV)
    script(d, "nph-raw.sh", "#!/bin/sh\nprintf 'HTTP/1.1 299 Raw\\r\\nContent-Length: 4\\r\\n\\r\\nraw!'\n")
    script(d, "bad.sh", "#!/bin/sh\necho 'this is not a header'\necho\n")
    script(d, "plain.txt", "#!/bin/sh\necho hi\n", mode=0o644)
    with d.running():
        r, body = request(d, "GET", "/cgi-bin/gone.sh")
        expect(r.status == 410 and body == b"bye\n", "Status: %d %r" % (r.status, body))
        r, body = request(d, "GET", "/cgi-bin/away.sh")
        expect(r.status == 302 and r.getheader("Location") == "http://example.org/x",
               "client redirect: %d %s" % (r.status, r.getheader("Location")))
        r, body = request(d, "POST", "/cgi-bin/local.sh", b"ignored")
        expect(r.status == 200 and body == b"static page\n", "local redirect: %d %r" % (r.status, body))
        r, body = request(d, "POST", "/cgi-bin/chain.sh", b"zz")
        expect(b"QUERY_STRING=from=chain" in body and b"REQUEST_METHOD=GET" in body
               and b"CONTENT_LENGTH" not in body, "local redirect to a script: %r" % body[:300])
        r, body = request(d, "GET", "/cgi-bin/nph-raw.sh")
        expect(r.status == 299 and body == b"raw!", "nph: %d %r" % (r.status, body))
        r, body = request(d, "GET", "/cgi-bin/bad.sh")
        expect(r.status == 502, "malformed head: %d" % r.status)
        r, body = request(d, "GET", "/cgi-bin/plain.txt")
        expect(r.status == 403, "not executable: %d" % r.status)
        r, body = request(d, "GET", "/cgi-bin/missing.sh")
        expect(r.status == 404, "missing: %d" % r.status)
        r, body = request(d, "HEAD", "/cgi-bin/gone.sh")
        expect(r.status == 410 and body == b"", "HEAD: %d %r" % (r.status, body))


@test
def cgi_timeout_and_disconnect_kill_the_group():
    d = cgi_daemon("    Timeout 1\n")
    pidfile = os.path.join(d.writable_dir("scratch"), "pids")
    # the script and a child of it, both must die
    script(d, "hang.sh", "#!/bin/sh\nsleep 60 &\necho $$ $! > %s.$QUERY_STRING\nwait\n" % pidfile)
    with d.running():
        t0 = time.time()
        r, body = request(d, "GET", "/cgi-bin/hang.sh?t")
        expect(r.status == 504 and time.time() - t0 < 5, "timeout: %d" % r.status)
        pids = [int(x) for x in open(pidfile + ".t").read().split()]
        expect(wait_until(lambda: not any(pid_alive(p) for p in pids), 5),
               "timeout left %s alive" % pids)
    # A disconnect the daemon can see kills the group: a reset (SO_LINGER
    # 0) while the script is silent, or a close that makes the script's
    # output fail. A plain close while it is silent looks like a half-close
    # (the response may still be read) until the Timeout.
    d = cgi_daemon("    Timeout 30\n")
    pidfile = os.path.join(d.writable_dir("scratch"), "pids")
    script(d, "hang.sh", "#!/bin/sh\nsleep 60 &\necho $$ $! > %s.$QUERY_STRING\nwait\n" % pidfile)
    script(d, "tick.sh", "#!/bin/sh\nsleep 60 &\necho $$ $! > %s.$QUERY_STRING\n"
           "echo 'Content-Type: text/plain'\necho\n"
           "while :; do echo tick; sleep 0.1; done\n" % pidfile)
    with d.running():
        for target, reset in (("hang.sh?rst", True), ("tick.sh?fin", False)):
            name = target.split("?")[1]
            with d.connect() as c:
                c.send(b"GET /cgi-bin/%s HTTP/1.1\r\nHost: x\r\n\r\n" % target.encode())
                # both pids written: the script and its child are running
                expect(wait_until(lambda: len(read_pids(pidfile + "." + name)) == 2, 10),
                       "%s: the script did not start" % target)
                if reset:
                    c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                      struct.pack("ii", 1, 0))
            pids = read_pids(pidfile + "." + name)
            expect(wait_until(lambda: not any(pid_alive(p) for p in pids), 5),
                   "%s: disconnect left %s alive" % (target, pids))
        r, body = request(d, "GET", "/index.html")
        expect(r.status == 200, "daemon still serves")


@test
def cgi_runs_as_configured_user():
    if os.geteuid() != 0:
        raise Failure("needs root to test User (run the suite as root)")
    d = cgi_daemon("    User nobody\n")
    script(d, "id.sh", "#!/bin/sh\necho 'Content-Type: text/plain'\necho\nid -u\n")
    with d.running():
        r, body = request(d, "GET", "/cgi-bin/id.sh")
        import pwd
        expect(body.strip() == str(pwd.getpwnam("nobody").pw_uid).encode(),
               "uid %r" % body)


@test
def cgi_php_cgi_interpreter():
    d = cgi_daemon("    Interpreter .php %s\n" % PHP_CGI)
    d.write("www/hello.php", "<?php echo 'php-cgi ', $_SERVER['REQUEST_METHOD'], ' ', "
            "strlen(file_get_contents('php://input')), ' ', $_GET['q'] ?? '-';\n")
    with d.running():
        r, body = request(d, "POST", "/hello.php?q=yes", b"a" * 1234,
                          {"Content-Type": "application/octet-stream"})
        expect(r.status == 200 and body == b"php-cgi POST 1234 yes", "php-cgi: %d %r" % (r.status, body))


# ---- FastCGI ----

@test
def fastcgi_own_app_streams_and_pools():
    app = App()
    try:
        d = cgi_daemon(fcgi="    Server unix:%s\n    Prefix /app/\n" % app.sock, workers=1)
        d.write("www/app/echo", "")
        d.write("www/app/big", "")
        d.write("www/app/env", "")
        blob = os.urandom(5 << 20)
        with d.running():
            c = http.client.HTTPConnection("127.0.0.1", d.port, timeout=20)
            r, body = request(d, "POST", "/app/echo", blob, conn=c)
            expect(r.status == 200 and r.getheader("X-Body-Length") == str(len(blob))
                   and hashlib.sha256(body).digest() == hashlib.sha256(blob).digest(),
                   "echo: %d, %d bytes" % (r.status, len(body)))
            r, body = request(d, "GET", "/app/big?24", conn=c)
            expect(len(body) == 24 << 20 and body.count(b"x") == len(body), "big: %d" % len(body))
            r, body = request(d, "GET", "/index.html", conn=c)
            expect(body == b"static page\n", "static between")
            r, body = request(d, "GET", "/app/env/more?z=1", conn=c)
            expect(b"PATH_INFO=/more\n" in body and b"QUERY_STRING=z=1\n" in body,
                   "env: %r" % body[:200])
            # three requests so far went to the app: one pooled connection
            expect(r.getheader("X-Conn-Requests") == "3",
                   "keep-conn pool: X-Conn-Requests %s" % r.getheader("X-Conn-Requests"))
            c.close()
    finally:
        app.close()


@test
def fastcgi_failures():
    app = App()
    try:
        d = cgi_daemon(fcgi="    Server unix:%s\n    Prefix /app/\n    Timeout 1\n" % app.sock)
        for n in ("stderr", "slow", "overloaded", "bad", "hangup", "echo"):
            d.write("www/app/" + n, "")
        with d.running():
            r, body = request(d, "GET", "/app/stderr")
            expect(r.status == 200 and body == b"ok\n", "stderr page: %r" % body)
            expect(wait_until(lambda: "app warns: disk on fire" in d.log(), 5),
                   "STDERR record not logged")
            r, body = request(d, "GET", "/app/slow")
            expect(r.status == 504, "slow: %d" % r.status)
            r, body = request(d, "GET", "/app/overloaded")
            expect(r.status == 503, "overloaded: %d" % r.status)
            r, body = request(d, "GET", "/app/bad")
            expect(r.status == 502, "bad record: %d" % r.status)
            r, _ = request(d, "GET", "/app/echo")
            expect(r.status == 200, "app fine after failures: %d" % r.status)
            # the app hangs up after the head: the response is cut short
            # (no last chunk) and the connection closed
            with d.connect() as c:
                c.send(b"GET /app/hangup HTTP/1.1\r\nHost: x\r\n\r\n")
                data = read_to_close(c.sock, 3)
            resps, rest = split_responses(data, ["GET"])
            expect(not resps and b"partial" in rest, "hangup: %r" % data)
        app.close()
        app = None
        d = cgi_daemon(fcgi="    Server unix:/nonexistent/app.sock\n    Prefix /app/\n")
        d.write("www/app/echo", "")
        with d.running():
            r, body = request(d, "GET", "/app/echo")
            expect(r.status == 502, "app down: %d" % r.status)
    finally:
        if app:
            app.close()


@test
def fastcgi_php_fpm():
    app = App("php-fpm")
    try:
        d = cgi_daemon(fcgi="    Server unix:%s\n    Extension .php\n" % app.sock)
        d.write("www/t.php", "<?php header('X-Php: yes'); echo $_SERVER['REQUEST_METHOD'], ' ', "
                "$_GET['x'] ?? '-', ' ', hash('sha256', file_get_contents('php://input'));\n")
        d.write("www/big.php", "<?php for ($i = 0; $i < 300000; $i++) echo str_pad($i, 15), \"\\n\";\n")
        d.write("www/redir.php", "<?php header('Location: /index.html'); ?>\n")
        blob = os.urandom(3 << 20)
        with d.running():
            c = http.client.HTTPConnection("127.0.0.1", d.port, timeout=20)
            r, body = request(d, "GET", "/t.php?x=42", conn=c)
            expect(r.status == 200 and r.getheader("X-Php") == "yes" and body.startswith(b"GET 42 "),
                   "php GET: %d %r" % (r.status, body))
            r, body = request(d, "POST", "/t.php", blob,
                              {"Content-Type": "application/octet-stream"}, conn=c)
            expect(body == b"POST - " + hashlib.sha256(blob).hexdigest().encode(),
                   "php POST body: %r" % body)
            r, body = request(d, "GET", "/big.php", conn=c)
            expect(len(body) == 300000 * 16, "php big: %d" % len(body))
            r, body = request(d, "GET", "/redir.php", conn=c)
            expect(r.status == 302 and r.getheader("Location") == "/index.html",
                   "php Location: %d %s" % (r.status, r.getheader("Location")))
            c.close()
    finally:
        app.close()


@test
def chunked_bodies_get_content_length():
    """A chunked body is spooled (memory, then a temp file) so that the
    backend gets CONTENT_LENGTH: our app, php-fpm and a CGI script."""
    app, fpm = App(), App("php-fpm")
    try:
        d = cgi_daemon(fcgi="    Server unix:%s\n    Prefix /app/\n" % app.sock)
        d.write("www/app/env", "")
        d.write("www/app/echo", "")
        script(d, "env.sh", SH_ENV)
        d.write("conf/sites/php", site("php.test", d.path("www"),
                "[FASTCGI]\n    Server unix:%s\n    Extension .php\n" % fpm.sock))
        d.write("www/t.php", "<?php echo $_SERVER['CONTENT_LENGTH'] ?? '-', ' ', "
                "hash('sha256', file_get_contents('php://input'));\n")
        small, big = os.urandom(100000), os.urandom(3 << 20)   # memory, temp file

        with d.running():
            r, body = post_chunked(d, "/app/env", small)
            expect(r.status == 200 and b"CONTENT_LENGTH=100000\n" in body,
                   "fastcgi env: %d %r" % (r.status, body[:300]))
            r, body = post_chunked(d, "/app/echo", big)
            expect(r.getheader("X-Body-Length") == str(len(big)) and body == big,
                   "fastcgi echo of a spooled file: %s, %d bytes" %
                   (r.getheader("X-Body-Length"), len(body)))
            for blob in (small, big):
                r, body = post_chunked(d, "/t.php", blob, host="php.test")
                want = ("%d %s" % (len(blob), hashlib.sha256(blob).hexdigest())).encode()
                expect(r.status == 200 and body == want,
                       "php-fpm sees the chunked body: %d %r" % (r.status, body[:200]))
            r, body = post_chunked(d, "/cgi-bin/env.sh", small)
            expect(b"CONTENT_LENGTH=100000\n" in body, "cgi env: %r" % body[:300])
    finally:
        app.close()
        fpm.close()


# ---- a vhost's Match rules ----

class Backend(http.server.BaseHTTPRequestHandler):
    """An HTTP backend for proxy_reverse that names the path it got."""
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        body = ("backend saw %s\n" % self.path).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Backend", "python")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@test
def match_rules_route_to_cgi_fastcgi_and_proxy():
    app = App()
    backend = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Backend)
    threading.Thread(target=backend.serve_forever, daemon=True).start()
    try:
        d = Daemon(plugins=("cgi", "fastcgi", "proxy_reverse"), workers=1)
        d.write("www/index.html", "static page\n")
        d.write("www/run/env.sh", SH_ENV, 0o755)
        d.write("www/run/echo.sh", SH_ECHO, 0o755)
        d.write("www/fcgi/env", "")
        d.write("www/fcgi/echo", "")
        # no [CGI] section and no Prefix/Extension anywhere: only the
        # [HANDLERS] rules send requests to the three plugins
        d.write("conf/sites/default", site("localhost", d.path("www"),
                "[FASTCGI]\n    Server unix:%s\n"
                "[PROXY_REVERSE]\n    ServerList 127.0.0.1:%d\n    Match ^/elsewhere/\n"
                "[HANDLERS]\n    Match ^/run/ cgi\n    Match ^/fcgi/ fastcgi\n"
                "    Match ^/api/ proxy_reverse\n"
                % (app.sock, backend.server_address[1])))
        os.chmod(d.dir, 0o755)
        blob = os.urandom(1 << 20)
        with d.running():
            c = http.client.HTTPConnection("127.0.0.1", d.port, timeout=20)
            r, body = request(d, "GET", "/run/env.sh/x?q=1", conn=c)
            env = dict(l.split("=", 1) for l in body.decode().splitlines() if "=" in l)
            expect(r.status == 200 and env.get("SCRIPT_NAME") == "/run/env.sh"
                   and env.get("PATH_INFO") == "/x" and env.get("QUERY_STRING") == "q=1",
                   "cgi by Match: %d %r" % (r.status, body[:300]))
            r, body = request(d, "POST", "/run/echo.sh", blob,
                              {"Content-Type": "application/octet-stream"}, conn=c)
            expect(r.status == 201 and body == blob,
                   "cgi POST by Match: %d, %d bytes" % (r.status, len(body)))
            r, body = request(d, "GET", "/fcgi/env/more?z=1", conn=c)
            expect(r.status == 200 and b"SCRIPT_NAME=/fcgi/env\n" in body
                   and b"PATH_INFO=/more\n" in body,
                   "fastcgi by Match: %d %r" % (r.status, body[:300]))
            r, body = request(d, "POST", "/fcgi/echo", blob, conn=c)
            expect(r.status == 200 and r.getheader("X-Body-Length") == str(len(blob))
                   and body == blob, "fastcgi POST by Match: %d, %d bytes" % (r.status, len(body)))
            r, body = request(d, "GET", "/api/thing?a=b", conn=c)
            expect(r.status == 200 and r.getheader("X-Backend") == "python"
                   and body == b"backend saw /api/thing?a=b\n",
                   "proxy by Match: %d %r" % (r.status, body))
            r, body = request(d, "GET", "/index.html", conn=c)
            expect(r.status == 200 and body == b"static page\n", "static: %d" % r.status)
            r, body = request(d, "GET", "/run/missing.sh", conn=c)
            expect(r.status == 404, "no script under a Match rule: %d" % r.status)
            c.close()
    finally:
        backend.shutdown()
        backend.server_close()
        app.close()


if __name__ == "__main__":
    sys.exit(run_all(sys.argv))
