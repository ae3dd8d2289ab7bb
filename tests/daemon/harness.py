# SPDX-License-Identifier: GPL-2.0 OR MIT
"""Start khttpdd on 127.0.0.1 with a temporary config and a free port; tiny
HTTP helpers; a test registry that prints "ok"/"not ok" and the tally."""

import contextlib
import os
import pwd
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import traceback

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("KHTTPD_BUILD", os.path.join(TOP, "userspace", "build"))
KHTTPDD = os.path.join(BUILD, "khttpdd")
KHTTPCTL = os.path.join(BUILD, "khttpctl")
sys.path.insert(0, os.path.join(TOP, "tests", "lib"))
from ports import free_port  # noqa: E402
from wait import wait_until  # noqa: E402,F401  (the suites import it from here)
from http_response import Incomplete, Stream  # noqa: E402

# khttpdd started as root drops to [SERVER] User, by default this one.
RUN_USER = "nobody"

# KHTTPD_TEST_TLS=DIR (made by tests/lib/mkcerts.sh): every daemon listens
# with TLS (DIR's default certificate) and every Conn speaks TLS to it.
TLS_DIR = os.environ.get("KHTTPD_TEST_TLS")


def tls_client(cadir=None):
    """A client context verifying against the test CA (no name check: the
    tests connect to 127.0.0.1 with whatever Host they test)."""
    ctx = ssl.create_default_context(cafile=os.path.join(cadir or TLS_DIR, "ca.pem"))
    ctx.check_hostname = False
    return ctx


def run_ids():
    """(uid, gid) khttpdd runs as: RUN_USER and its group when we are root."""
    if os.geteuid():
        return os.geteuid(), os.getegid()
    pw = pwd.getpwnam(RUN_USER)
    return pw.pw_uid, pw.pw_gid


SANITIZER_MARKS = (b"ERROR: AddressSanitizer", b"runtime error:", b"ERROR: LeakSanitizer")


class Failure(Exception):
    pass


def expect(cond, msg):
    if not cond:
        raise Failure(msg)


class Daemon:
    """A khttpdd with its own directory: conf/khttpd.conf, conf/sites/*."""

    def __init__(self, server_extra="", plugins=(), main_sections="", sites=None,
                 workers=2):
        self.dir = tempfile.mkdtemp(prefix="khttpdd-test-")
        # mkdtemp's 0700 would shut out the User the daemon drops to
        os.chmod(self.dir, 0o755)
        self.port = free_port()
        self.conf = os.path.join(self.dir, "conf")
        self.sock = os.path.join(self.dir, "ctl.sock")
        os.makedirs(os.path.join(self.conf, "sites"))
        self.write_conf(server_extra, plugins, main_sections, workers)
        for name, text in (sites or {}).items():
            self.write(os.path.join("conf", "sites", name), text)
        self.proc = None
        self.tls = bool(TLS_DIR)    # the test's own config may say otherwise
        self.preexec = None         # e.g. lower a limit in the child
        self.stderr_path = os.path.join(self.dir, "stderr.log")

    def write_conf(self, server_extra="", plugins=(), main_sections="", workers=2):
        # tests/daemon/run runs the security suites in each balancing mode.
        balance = os.environ.get("KHTTPD_TEST_BALANCE")
        if balance and "Balance" not in server_extra:
            server_extra = "    Balance %s\n%s" % (balance, server_extra)
        text = ("[SERVER]\n    Listen 127.0.0.1:%d%s\n    Workers %d\n"
                "    HeaderTimeout 3\n    KeepAliveTimeout 5\n"
                "    ControlSocket %s\n%s\n" % (self.port, " tls" if TLS_DIR else "",
                                                workers, self.sock, server_extra))
        if TLS_DIR:
            # DrainTimeout: sigterm_drains' 256 MiB leave slower through
            # userspace TLS than by sendfile on a loaded host
            if "DrainTimeout" not in server_extra:
                text = text.replace("[SERVER]\n", "[SERVER]\n    DrainTimeout 60\n", 1)
            text += ("[TLS]\n    Certificate %s/default.pem\n"
                     "    CertificateKey %s/default.key\n" % (TLS_DIR, TLS_DIR))
        if plugins:
            text += "[PLUGINS]\n" + "".join("    Load %s\n" % p for p in plugins)
        text += main_sections
        self.write(os.path.join("conf", "khttpd.conf"), text)

    def path(self, *parts):
        return os.path.join(self.dir, *parts)

    def writable_dir(self, rel, user=RUN_USER):
        """A directory the daemon's User (and its CGI scripts) may write in:
        what an operator gives it for logs that get rotated, for instance."""
        p = self.path(rel)
        os.makedirs(p, exist_ok=True)
        pw = pwd.getpwnam(user)
        os.chown(p, pw.pw_uid, pw.pw_gid)
        return p

    def write(self, rel, text, mode=0o644):
        p = self.path(rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(text.encode() if isinstance(text, str) else text)
        os.chmod(p, mode)
        return p

    def start(self, *args):
        self.stderr = open(self.stderr_path, "ab")
        self.proc = subprocess.Popen([KHTTPDD, "-f", "-c", self.conf] + list(args),
                                     stdout=self.stderr, stderr=self.stderr,
                                     preexec_fn=self.preexec)
        deadline = time.time() + 10
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise Failure("khttpdd exited %d: %s" % (self.proc.returncode,
                                                         self.log()[-500:]))
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                if os.path.exists(self.sock):
                    return self
            except OSError:
                pass
            time.sleep(0.05)
        raise Failure("khttpdd did not start listening")

    @contextlib.contextmanager
    def running(self, *args):
        """Start; on success stop (checking exit and sanitizers); always clean up."""
        ok = False
        try:
            self.start(*args)
            yield self
            ok = True
        finally:
            try:
                if ok:
                    self.stop()
            finally:
                self.cleanup()

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, timeout=15):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise Failure("khttpdd did not stop on SIGTERM")
        if self.proc:
            self.stderr.close()
        log = self.log().encode()
        for mark in SANITIZER_MARKS:
            if mark in log:
                raise Failure("sanitizer report in khttpdd's stderr:\n" + self.log()[-3000:])
        if self.proc and self.proc.returncode not in (0, None):
            raise Failure("khttpdd exited with %d: %s" % (self.proc.returncode,
                                                          self.log()[-1000:]))

    def log(self):
        try:
            with open(self.stderr_path, "rb") as f:
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    def cleanup(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)

    def ctl(self, *args):
        r = subprocess.run([KHTTPCTL, "-s", self.sock] + list(args),
                           capture_output=True, timeout=10)
        expect(r.returncode == 0, "khttpctl %s: exit %d %r" % (args, r.returncode, r.stderr))
        return r.stdout.decode()

    def connect(self, timeout=5.0):
        return Conn(("127.0.0.1", self.port), timeout,
                    tls_client() if self.tls else None)

    def get(self, path, headers=(), method="GET", host="localhost"):
        with self.connect() as c:
            c.send_request(path, headers, method, host, close=True)
            return c.read_response(head_only=(method == "HEAD"))


def read_to_eof(sock):
    """Everything the server sends until it closes."""
    data = bytearray()
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return bytes(data)
        data += chunk


def site(names, docroot, extra=""):
    return "[HOST]\n    ServerName %s\n    DocumentRoot %s\n%s" % (names, docroot, extra)


class Conn:
    def __init__(self, addr, timeout, tls=None, server_name=None):
        self.sock = socket.create_connection(addr, timeout)
        if tls:
            self.sock = tls.wrap_socket(self.sock, server_hostname=server_name)
        self.stream = Stream(lambda: self.sock.recv(1 << 20))

    @property
    def buf(self):
        """What was received and not yet read as a response."""
        return self.stream.buf

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.sock.close()

    def send(self, data):
        self.sock.sendall(data)

    def send_request(self, path, headers=(), method="GET", host="localhost", close=False):
        lines = ["%s %s HTTP/1.1" % (method, path), "Host: %s" % host]
        lines += list(headers)
        if close:
            lines.append("Connection: close")
        self.send(("\r\n".join(lines) + "\r\n\r\n").encode())

    def _fill(self):
        try:
            self.stream.fill()
        except Incomplete as e:
            raise Failure("connection closed by the server: %s" % e)

    def read_response(self, head_only=False):
        """The next response (tests/lib/http_response.py frames its body);
        a cut or malformed one fails the test."""
        try:
            return self.stream.read_response("HEAD" if head_only else "GET")
        except Incomplete as e:
            raise Failure("connection closed by the server: %s" % e)
        except ValueError as e:
            raise Failure("malformed response: %s" % e)

    def closed_within(self, seconds):
        self.sock.settimeout(seconds)
        try:
            return self.sock.recv(1) == b""
        except socket.timeout:
            return False
        except ConnectionResetError:
            return True


TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


def run_all(argv):
    only = argv[1] if len(argv) > 1 else None
    passed = failed = 0
    for fn in TESTS:
        if only and only not in fn.__name__:
            continue
        try:
            fn()
            print("ok - %s" % fn.__name__)
            passed += 1
        except Exception as e:
            why = str(e) if isinstance(e, Failure) else "%s: %s" % (type(e).__name__, e)
            print("not ok - %s: %s" % (fn.__name__, why.replace("\n", "\n# ")))
            if not isinstance(e, Failure):
                traceback.print_exc(file=sys.stdout)
            failed += 1
        sys.stdout.flush()
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0
