#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR MIT
"""HTTPS in khttpdd (Documentation/tls.md), on the host (no kTLS there:
userspace TLS): certificates by SNI, protocols and ciphers, hostile or
stalled handshakes, the handshake cap, reload of certificates under load,
bad certificate configs, a large download, and what CGI and a proxied
backend learn about the client's TLS. Needs KHTTPD_TLS_CERTS (a directory
made by tests/lib/mkcerts.sh); tests/tls/run sets it."""

import hashlib
import json
import os
import pwd
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "daemon"))
sys.dont_write_bytecode = True
from harness import (KHTTPDD, Conn, Daemon, Failure, expect, free_port,  # noqa: E402
                     read_to_eof, run_all, site, test, tls_client as harness_client,
                     wait_until)
from http_response import get_digest  # noqa: E402

CERTS = os.environ.get("KHTTPD_TLS_CERTS")


def tls_client():
    return harness_client(CERTS)


def cert(name):
    return "    Certificate %s/%s.pem\n    CertificateKey %s/%s.key\n" % (CERTS, name, CERTS, name)


def tls_daemon(tls_extra="", sites=None, server_extra="", plugins=(), main_sections=""):
    """A daemon with a plain listener (d.port) and a TLS one (d.tls_port),
    the default certificate, and sites a.test and b.test with their own."""
    d = Daemon(plugins=plugins)
    d.tls = False                   # d.get() and d.connect(): the plain port
    d.tls_port = free_port()
    d.write_conf(server_extra="    Listen 127.0.0.1:%d tls\n%s" % (d.tls_port, server_extra),
                 plugins=plugins,
                 main_sections="[TLS]\n" + cert("default") + tls_extra + main_sections)
    for name in ("a", "b"):
        d.write("%s/index.html" % name, "site %s\n" % name)
        d.write("conf/sites/%s" % name, site("%s.test" % name, d.path(name),
                                              "[TLS]\n" + cert(name)))
    d.write("default/index.html", "default site\n")
    d.write("conf/sites/default", site("localhost", d.path("default")))
    for name, text in (sites or {}).items():
        d.write("conf/sites/" + name, text)
    return d


def tls_conn(d, name=None, ctx=None, timeout=5.0):
    return Conn(("127.0.0.1", d.tls_port), timeout, ctx or tls_client(), name)


def https_get(d, path, host="localhost", name=None, ctx=None, headers=()):
    with tls_conn(d, name, ctx) as c:
        c.send_request(path, headers, "GET", host, close=True)
        return c.read_response()


def raw_get(d, path, ctx=None, tls=True, headers=""):
    """(head, body) of a Connection: close GET, read to EOF: CGI output
    may be chunked or end at the close."""
    if tls:
        s = tls_conn(d, None, ctx).sock
    else:
        s = socket.create_connection(("127.0.0.1", d.port), 5)
    s.sendall(("GET %s HTTP/1.1\r\nHost: localhost\r\n%sConnection: close\r\n\r\n"
               % (path, headers)).encode())
    buf = read_to_eof(s)
    s.close()
    head, _, body = buf.partition(b"\r\n\r\n")
    return head.decode("latin-1"), body.decode("latin-1")


def peer_cn(sock):
    der = sock.getpeercert(binary_form=True)
    out = subprocess.run(["openssl", "x509", "-inform", "DER", "-noout", "-subject"],
                         input=der, capture_output=True, timeout=10).stdout.decode()
    return out.strip().rsplit("=", 1)[-1].strip()


def stats(d):
    return json.loads(d.ctl("--json", "stats"))["tls"]


@test
def sni_selects_the_vhost_certificate():
    d = tls_daemon()
    with d.running():
        for name, want in (("a.test", "a.test"), ("b.test", "b.test"),
                           ("unknown.test", "localhost"), (None, "localhost")):
            with tls_conn(d, name) as c:
                got = peer_cn(c.sock)
                expect(got == want, "SNI %s: certificate of %s, want %s" % (name, got, want))
                expect(c.sock.selected_alpn_protocol() is None, "no ALPN offered, none chosen")
                c.send_request("/", (), "GET", name or "localhost", close=True)
                r = c.read_response()
                expect(r.status == 200, "SNI %s: %d" % (name, r.status))
        # a full client check: the name verified against the CA
        ctx = ssl.create_default_context(cafile=os.path.join(CERTS, "ca.pem"))
        with tls_conn(d, "b.test", ctx) as c:
            c.send_request("/", (), "GET", "b.test", close=True)
            expect(c.read_response().body == b"site b\n", "b.test over verified TLS")


def refused(d, ctx, what, alert):
    """A handshake with ctx fails with the server's alert."""
    try:
        tls_conn(d, None, ctx).sock.close()
    except ssl.SSLError as e:
        expect(alert in str(e), "%s: %s, want %s" % (what, e, alert))
        return
    raise Failure("%s accepted" % what)


@test
def protocols_ciphers_alpn():
    d = tls_daemon()
    with d.running():
        for v in (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3):
            ctx = tls_client()
            ctx.minimum_version = ctx.maximum_version = v
            ctx.set_alpn_protocols(["h2", "http/1.1"])
            with tls_conn(d, None, ctx) as c:
                expect(c.sock.version() == v.name.replace("_", "."),
                       "%s: got %s" % (v.name, c.sock.version()))
                expect(c.sock.selected_alpn_protocol() == "http/1.1",
                       "ALPN: %r" % c.sock.selected_alpn_protocol())
                name, _, _ = c.sock.cipher()
                expect("GCM" in name or "CHACHA20" in name, "AEAD cipher: %s" % name)
        for v in (ssl.TLSVersion.TLSv1, ssl.TLSVersion.TLSv1_1):
            ctx = tls_client()
            ctx.set_ciphers("ALL:@SECLEVEL=0")     # let this client really offer it
            ctx.minimum_version = ctx.maximum_version = v
            # the server's alert, not the client refusing to offer it
            refused(d, ctx, v.name, "alert protocol version")
        for ciphers in ("ECDHE-ECDSA-AES128-SHA", "AES128-GCM-SHA256",
                        "ECDHE-ECDSA-AES256-SHA384"):
            ctx = tls_client()
            ctx.maximum_version = ssl.TLSVersion.TLSv1_2
            ctx.set_ciphers(ciphers)
            refused(d, ctx, "TLS 1.2 " + ciphers, "handshake failure")
        ctx = tls_client()
        ctx.set_alpn_protocols(["h2"])
        refused(d, ctx, "ALPN h2 only", "no application protocol")


@test
def session_resumption():
    d = tls_daemon()
    with d.running():
        for v in (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3):
            ctx = tls_client()
            ctx.maximum_version = v
            with tls_conn(d, None, ctx) as c:
                c.send_request("/", (), "GET", "localhost")
                c.read_response()           # TLS 1.3 tickets come after the handshake
                session = c.sock.session
            s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", d.tls_port), 5),
                                session=session)
            try:
                expect(s.session_reused, "%s: session not resumed" % v.name)
            finally:
                s.close()


def closed_within(sock, seconds):
    """True when the server closes sock (EOF or reset) within seconds."""
    deadline = time.monotonic() + seconds
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        sock.settimeout(left)
        try:
            if sock.recv(4096) == b"":
                return True
        except socket.timeout:
            return False
        except ConnectionResetError:
            return True


@test
def garbage_and_stalled_handshakes():
    d = tls_daemon(tls_extra="    HandshakeTimeout 2\n")
    with d.running():
        garbage = [b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
                   b"\x16\x03\x01\x00\x05\x01\x00\x00\x01\x00",   # ClientHello cut short
                   b"\x16\x03\x01\xff\xff" + os.urandom(2000),
                   os.urandom(5000)]
        for g in garbage:
            s = socket.create_connection(("127.0.0.1", d.tls_port), 5)
            s.sendall(g)
            # a malformed record is refused at once, an incomplete one at the timeout
            expect(closed_within(s, 5), "not closed after %r" % g[:12])
            s.close()
        s = socket.create_connection(("127.0.0.1", d.tls_port), 5)
        s.sendall(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03")   # a ClientHello's start
        t0 = time.monotonic()
        expect(closed_within(s, 6), "stalled handshake not closed within 6 s")
        took = time.monotonic() - t0
        expect(took >= 1.0, "closed after %.1f s, before HandshakeTimeout 2" % took)
        s.close()
        st = stats(d)
        expect(st["handshake_failed"] >= 3, "handshake failures counted: %r" % st)
        expect(https_get(d, "/").status == 200, "still serving")


@test
def handshake_flood_does_not_starve_plain_clients():
    d = tls_daemon(tls_extra="    HandshakeMax 8\n    HandshakeTimeout 3\n")
    with d.running():
        flood = []
        try:
            for _ in range(200):
                s = socket.create_connection(("127.0.0.1", d.tls_port), 5)
                s.sendall(b"\x16\x03\x01\x02\x00\x01")     # and then nothing
                flood.append(s)
            t0 = time.monotonic()
            for _ in range(20):
                r = d.get("/")
                expect(r.status == 200, "plain client during the flood: %d" % r.status)
            took = time.monotonic() - t0
            expect(took < 2.0, "20 plain requests took %.1f s during the flood" % took)
            expect(wait_until(lambda: stats(d)["handshake_refused"] >= 150, 5),
                   "over HandshakeMax refused: %r" % stats(d))
        finally:
            for s in flood:
                s.close()
        # once the stalled ones are gone, TLS clients are served again
        expect(wait_until(lambda: https_get(d, "/").status == 200, 10), "TLS after the flood")


def client_loop(d, stop, errors, counts, name):
    """Requests until stop is set, new connections and keep-alive ones."""
    while not stop.is_set():
        try:
            with tls_conn(d, name, timeout=10) as c:
                for i in range(5):
                    last = i == 4 or stop.is_set()
                    c.send_request("/index.html", (), "GET", name or "localhost", close=last)
                    r = c.read_response()
                    if r.status != 200:
                        errors.append("status %d" % r.status)
                    counts[0] += 1
                    if last:
                        break
        except Exception as e:          # every failure counts
            errors.append("%s: %s" % (type(e).__name__, e))


@test
def reload_certificates_under_load():
    d = tls_daemon()
    live = d.path("live")
    os.makedirs(live)
    for f in ("pem", "key"):
        shutil.copy(os.path.join(CERTS, "a.%s" % f), os.path.join(live, "cert.%s" % f))
    for f in ("live/cert.pem", "live/cert.key"):
        os.chmod(d.path(f), 0o644)
    d.write("conf/sites/a", site("a.test", d.path("a"),
                                 "[TLS]\n    Certificate %s/cert.pem\n"
                                 "    CertificateKey %s/cert.key\n" % (live, live)))
    with d.running():
        old = tls_conn(d, "a.test")
        old.send_request("/", (), "GET", "a.test")
        expect(old.read_response().status == 200, "before the reload")
        stop, errors, counts = threading.Event(), [], [0]
        threads = [threading.Thread(target=client_loop, args=(d, stop, errors, counts, n))
                   for n in ("a.test", None, "b.test")]
        for t in threads:
            t.start()
        try:
            for i in range(4):         # b, a, b, a: a.test ends with its own
                src = "b" if i % 2 == 0 else "a"
                for f in ("pem", "key"):
                    shutil.copy(os.path.join(CERTS, "%s.%s" % (src, f)),
                                os.path.join(live, "new.%s" % f))
                    os.rename(os.path.join(live, "new.%s" % f),
                              os.path.join(live, "cert.%s" % f))
                n = d.log().count("reloaded")
                d.signal(1)
                expect(wait_until(lambda: d.log().count("reloaded") > n, 10), "reload %d" % i)
                want = "%s.test" % src
                expect(wait_until(lambda: peer_cn(tls_conn(d, "a.test").sock) == want, 5),
                       "after reload %d: a.test has %s's certificate" % (i, want))
            # a bad new certificate: the key of another
            shutil.copy(os.path.join(CERTS, "other.key"), os.path.join(live, "cert.key"))
            n = d.log().count("reload failed")
            d.signal(1)
            expect(wait_until(lambda: d.log().count("reload failed") > n, 10),
                   "bad certificate not refused: %s" % d.log()[-300:])
            expect("does not match" in d.log(), "why: %s" % d.log()[-300:])
        finally:
            stop.set()
            for t in threads:
                t.join(30)
        expect(not errors, "%d failed of %d requests during reloads: %s"
               % (len(errors), counts[0], errors[:3]))
        expect(counts[0] > 30, "only %d requests" % counts[0])
        expect(peer_cn(tls_conn(d, "a.test").sock) == "a.test", "the old certificate stays")
        old.send_request("/", (), "GET", "a.test", close=True)
        expect(old.read_response().status == 200, "the connection from before the reloads")
        old.sock.close()
        expect("PRIVATE KEY" not in d.log(), "key material in the log")


def config_error(conf_tls, site_tls="", as_user=None):
    """khttpdd -t on a config with these [TLS] lines: (exit code, stderr
    with the main file's first [TLS] key's line number as {line})."""
    d = Daemon()
    try:
        d.write_conf(server_extra="    Listen 127.0.0.1:%d tls\n" % free_port(),
                     main_sections="[TLS]\n" + conf_tls if conf_tls else "")
        d.write("www/index.html", "x\n")
        d.write("conf/sites/default", site("localhost", d.path("www"), site_tls))
        pre = None
        if as_user:
            pw = pwd.getpwnam(as_user)

            def pre():
                os.setgid(pw.pw_gid)
                os.setuid(pw.pw_uid)
        r = subprocess.run([KHTTPDD, "-t", "-c", d.conf], capture_output=True, timeout=10,
                           preexec_fn=pre)
        with open(d.path("conf", "khttpd.conf")) as f:
            lines = f.read().splitlines()
        first = lines.index("[TLS]") + 2 if "[TLS]" in lines else 0
        return r.returncode, r.stderr.decode().replace(":%d:" % first, ":{line}:") \
            .replace(":%d:" % (first + 1), ":{line+1}:")
    finally:
        d.cleanup()


@test
def bad_certificate_configs_fail_with_file_line():
    c = CERTS
    cases = [
        ("    Certificate %s/missing.pem\n    CertificateKey %s/a.key\n" % (c, c),
         ":{line}: Certificate %s/missing.pem: No such file or directory" % c),
        ("    Certificate %s/a.pem\n    CertificateKey %s/other.key\n" % (c, c),
         ":{line+1}: CertificateKey %s/other.key does not match Certificate %s/a.pem"
         % (c, c)),
        ("    Certificate %s/expired.pem\n    CertificateKey %s/expired.key\n" % (c, c),
         ":{line}: Certificate %s/expired.pem expired" % c),
        ("    Certificate %s/ca.srl\n    CertificateKey %s/a.key\n" % (c, c),
         ":{line}: Certificate %s/ca.srl: not a PEM certificate chain" % c),
        ("    Certificate %s/a.pem\n    CertificateKey %s/a.pem\n" % (c, c),
         ":{line+1}: CertificateKey %s/a.pem: not a PEM private key" % c),
        ("    Certificate %s/a.pem\n" % c,
         ":{line}: Certificate %s/a.pem: no CertificateKey" % c),
        ("    HandshakeTimeout 0\n", ":{line}: HandshakeTimeout: '0' is not a number"),
        ("    Bogus 1\n", ":{line}: unknown key 'Bogus' in [TLS]"),
        ("", ": a TLS listener needs a certificate"),
    ]
    for tls, want in cases:
        rc, err = config_error(tls)
        expect(rc == 1 and want in err, "%r: exit %d, %r (want %r)" % (tls, rc, err, want))
        expect("BEGIN" not in err, "key material in %r" % err)
    # a key only root may read, tested as the user the daemon would be
    private = os.path.join(os.path.dirname(c), "private-%d.key" % os.getpid())
    shutil.copy(os.path.join(c, "a.key"), private)
    os.chmod(private, 0o600)
    try:
        rc, err = config_error("    Certificate %s/a.pem\n    CertificateKey %s\n"
                                  % (c, private), as_user="nobody")
        expect(rc == 1 and ("CertificateKey %s: Permission denied" % private) in err,
               "unreadable key: %d %r" % (rc, err))
    finally:
        os.unlink(private)
    # a site's certificate names the site file
    rc, err = config_error("", "[TLS]\n    Certificate %s/a.pem\n    CertificateKey %s/b.key\n"
                              % (c, c))
    expect(rc == 1 and "sites/default:6: CertificateKey" in err and "does not match" in err,
           "site file:line: %r" % err)


@test
def large_download_byte_exact():
    d = tls_daemon()
    size = 256 << 20
    with open(d.path("default", "big.bin"), "wb") as f:
        block = hashlib.sha256(b"khttpd").digest() * 32768      # 1 MiB
        for i in range(size >> 20):
            f.write(block[i % 251:] + block[:i % 251])
    want = hashlib.sha256()
    with open(d.path("default", "big.bin"), "rb") as f:
        for part in iter(lambda: f.read(1 << 20), b""):
            want.update(part)
    want = want.hexdigest()
    with d.running():
        s = tls_conn(d, timeout=120).sock
        r, digest, got = get_digest(s, "/big.bin")
        s.close()
        expect(r.status == 200, "status: %d" % r.status)
        expect(got == size, "got %d of %d bytes" % (got, size))
        expect(digest == want, "content differs")
        st = stats(d)
        expect(st["bytes_user"] >= size and st["conns_user"] >= 1,
               "userspace TLS counted: %r" % st)
        expect("kTLS is off" in d.log(), "the log says why kTLS is off: %s" % d.log()[-300:])


@test
def pipelined_requests_behind_a_blocked_write():
    """Requests that arrived in one TLS record wait decrypted inside OpenSSL
    while a response blocks: epoll never reports them, the worker must."""
    d = tls_daemon()
    d.write("default/mid.bin", bytes(range(256)) * 4096)       # 1 MiB
    with d.running():
        with tls_conn(d, timeout=30) as c:
            n = 24
            reqs = b"".join(b"GET /mid.bin HTTP/1.1\r\nHost: localhost\r\n%s\r\n"
                            % (b"Connection: close\r\n" if i == n - 1 else b"")
                            for i in range(n))
            expect(len(reqs) < 16384, "one record")
            c.send(reqs)
            got = 0
            for i in range(n):
                r = c.read_response()
                expect(r.status == 200 and len(r.body) == 1 << 20,
                       "response %d: %d, %d bytes" % (i, r.status, len(r.body)))
                got += 1
            expect(got == n, "%d of %d responses" % (got, n))


@test
def logger_tls_fields():
    d = tls_daemon(plugins=("logger",))
    log = os.path.join(d.writable_dir("log"), "access.log")
    d.write("conf/sites/default", site("localhost", d.path("default"),
                                       "[LOGGER]\n    AccessLog %s\n    TLSFields on\n" % log))
    with d.running():
        ctx = tls_client()
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        ctx.set_ciphers("ECDHE-ECDSA-AES128-GCM-SHA256")
        expect(https_get(d, "/", ctx=ctx).status == 200, "over TLS")
        expect(d.get("/").status == 200, "in the clear")
        expect(wait_until(lambda: os.path.exists(log) and
                          len(open(log).read().splitlines()) >= 2, 5), "two access lines")
        lines = open(log).read().splitlines()
        expect(lines[0].endswith('" TLSv1.2 ECDHE-ECDSA-AES128-GCM-SHA256'), "TLS line: %r" % lines[0])
        expect(lines[1].endswith('" - -'), "plain line: %r" % lines[1])


@test
def hsts_and_redirect_to_https():
    d = tls_daemon(tls_extra="    HSTS 31536000\n    RedirectHTTP on\n")
    with d.running():
        r = https_get(d, "/")
        expect(r.status == 200 and r.header("Strict-Transport-Security") == "max-age=31536000",
               "HSTS over TLS: %r" % r.headers)
        r = https_get(d, "/nope")
        expect(r.status == 404 and r.header("Strict-Transport-Security"), "HSTS on errors")
        r = d.get("/a%20b/c?x=1&y=%22")
        expect(r.status == 301, "plain: %d" % r.status)
        expect(r.header("Location") == "https://localhost:%d/a%%20b/c?x=1&y=%%22" % d.tls_port,
               "Location: %r" % r.header("Location"))
        expect(not r.header("Strict-Transport-Security"), "no HSTS in the clear (RFC 6797 7.2)")
        with d.connect() as c:      # HTTP/1.0 without Host: nothing to name
            c.send(b"GET / HTTP/1.0\r\n\r\n")
            expect(c.read_response().status == 400, "no Host")


@test
def cgi_env_and_forwarded_proto():
    d = tls_daemon(plugins=("cgi", "proxy_reverse"))
    d.write("default/cgi-bin/env.cgi",
            "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\n'\n"
            "echo \"HTTPS=$HTTPS\"\necho \"SSL_PROTOCOL=$SSL_PROTOCOL\"\n"
            "echo \"SSL_CIPHER=$SSL_CIPHER\"\necho \"SCHEME=$REQUEST_SCHEME\"\n", mode=0o755)
    backend = socket.socket()
    backend.bind(("127.0.0.1", 0))
    backend.listen(8)
    heads = []

    def serve():
        while True:
            try:
                s, _ = backend.accept()
            except OSError:
                return
            buf = b""
            while b"\r\n\r\n" not in buf:
                data = s.recv(4096)
                if not data:
                    break
                buf += data
            heads.append(buf.decode("latin-1"))
            s.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n")
            s.close()
    threading.Thread(target=serve, daemon=True).start()
    d.write("conf/sites/default", site("localhost", d.path("default"),
                                       "[CGI]\n    Prefix /cgi-bin/\n"
                                       "[PROXY_REVERSE]\n    ServerList 127.0.0.1:%d\n"
                                       "    Match ^/api/\n" % backend.getsockname()[1]))
    try:
        with d.running():
            ctx = tls_client()
            ctx.maximum_version = ssl.TLSVersion.TLSv1_2
            ctx.set_ciphers("ECDHE-ECDSA-CHACHA20-POLY1305")
            head, body = raw_get(d, "/cgi-bin/env.cgi", ctx)
            expect(" 200 " in head and "HTTPS=on\n" in body and "SSL_PROTOCOL=TLSv1.2\n" in body
                   and "SSL_CIPHER=ECDHE-ECDSA-CHACHA20-POLY1305\n" in body
                   and "SCHEME=https\n" in body, "CGI over TLS: %r %r" % (head, body))
            head, body = raw_get(d, "/cgi-bin/env.cgi", tls=False)
            expect("HTTPS=\n" in body and "SSL_CIPHER=\n" in body,
                   "CGI in the clear: %r" % body)
            r = https_get(d, "/api/x", headers=("X-Forwarded-Proto: http",))
            expect(r.status == 200 and heads, "proxied: %d" % r.status)
            expect("\r\nX-Forwarded-Proto: https\r\n" in heads[-1]
                   and "proto=https" in heads[-1], "backend head: %r" % heads[-1])
            d.get("/api/y")
            expect("\r\nX-Forwarded-Proto: http\r\n" in heads[-1], "plain: %r" % heads[-1])
    finally:
        backend.close()


if __name__ == "__main__":
    expect(CERTS and os.path.isfile(os.path.join(CERTS, "ca.pem")),
           "KHTTPD_TLS_CERTS must name a directory made by tests/lib/mkcerts.sh")
    sys.exit(run_all(sys.argv))
