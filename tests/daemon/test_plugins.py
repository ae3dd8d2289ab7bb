#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR MIT
"""End-to-end tests of khttpdd's core features and plugins: virtual hosts,
error pages, the file cache, reload, drain, -t, logger, dirlisting, auth,
mandril, khttpctl. Each test starts its own daemon (temp config, free port)."""

import base64
import json
import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (KHTTPDD, Daemon, Failure, expect, read_to_eof, run_all, run_ids,  # noqa: E402
                     site, test, wait_until)

from htpasswd import hashed  # noqa: E402


def two_sites(d, extra_a="", extra_b=""):
    d.write("a/index.html", "site A\n")
    d.write("b/index.html", "site B\n")
    d.write("conf/sites/a", site("a.test www.a.test", d.path("a"), extra_a))
    d.write("conf/sites/b", site("b.test", d.path("b"), extra_b))


# ---- core ----

@test
def vhosts_route_by_host():
    d = Daemon()
    two_sites(d)
    with d.running():
        for host, want in (("a.test", b"site A\n"), ("WWW.A.TEST:80", b"site A\n"),
                           ("b.test", b"site B\n"), ("b.test:8080", b"site B\n"),
                           ("unknown.test", b"site A\n")):
            r = d.get("/", host=host)
            expect(r.status == 200 and r.body == want,
                   "Host %s: %d %r, want %r" % (host, r.status, r.body, want))
        # absolute-form overrides Host
        with d.connect() as c:
            c.send(b"GET http://b.test/ HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n")
            r = c.read_response()
        expect(r.body == b"site B\n", "absolute-form: %r" % r.body)


@test
def error_pages_per_vhost():
    d = Daemon()
    two_sites(d, extra_a="[ERROR_PAGES]\n    404 /errors/404.html\n")
    d.write("a/errors/404.html", "<p>A has no such page</p>\n")
    with d.running():
        r = d.get("/missing", host="a.test")
        expect(r.status == 404, "status %d" % r.status)
        expect(r.body == b"<p>A has no such page</p>\n", "A's page: %r" % r.body)
        expect(r.header("Content-Type").startswith("text/html"), "type")
        r = d.get("/missing", host="b.test")
        expect(r.status == 404 and b"A has no" not in r.body, "B uses the default page")
        r = d.get("/missing", host="a.test", method="HEAD")
        expect(r.status == 404 and r.header("Content-Length") == "26" and not r.body, "HEAD error page length")


@test
def file_cache_notices_changes():
    # FileCacheValid 0: every hit looks at the file (the default trusts 1 s)
    d = Daemon(server_extra="    FileCacheEntries 4\n    FileCacheValid 0\n")
    two_sites(d)
    f = d.write("a/f.txt", "first\n")
    with d.running():
        with d.connect() as c:
            c.send_request("/f.txt")
            r1 = c.read_response()
            expect(r1.body == b"first\n", "first: %r" % r1.body)
            # same size, new content and mtime: in-place rewrite
            with open(f, "w") as fh:
                fh.write("again\n")
            os.utime(f, (time.time() + 5, time.time() + 5))
            c.send_request("/f.txt")
            r2 = c.read_response()
            expect(r2.body == b"again\n", "after rewrite: %r" % r2.body)
            expect(r2.header("ETag") != r1.header("ETag"), "ETag must change")
            # replaced by rename
            tmp = d.write("a/f.tmp", "renamed over\n")
            os.rename(tmp, f)
            c.send_request("/f.txt")
            r3 = c.read_response()
            expect(r3.body == b"renamed over\n", "after rename: %r" % r3.body)
            os.unlink(f)
            c.send_request("/f.txt")
            expect(c.read_response().status == 404, "deleted file must be 404")
            # more files than cache entries: all still right
            for i in range(10):
                d.write("a/n%d.txt" % i, "n%d\n" % i)
            for rnd in range(2):
                for i in range(10):
                    c.send_request("/n%d.txt" % i)
                    r = c.read_response()
                    expect(r.body == b"n%d\n" % i, "n%d: %r" % (i, r.body))


@test
def file_cache_valid_bounds_staleness():
    """Within FileCacheValid seconds a hit costs no system call; a file
    rewritten in place (small: served from the cache's copy) or replaced is
    served new once that much time has passed."""
    valid = 2
    d = Daemon(server_extra="    FileCacheValid %d\n" % valid)
    two_sites(d)
    f = d.write("a/v.txt", "version 1\n")
    with d.running():
        def body():
            return d.get("/v.txt", host="a.test").body
        expect(body() == b"version 1\n", "first: %r" % body())
        for new in ("version two\n", "v3\n"):
            with open(f, "w") as fh:
                fh.write(new)
            changed = time.time()
            # the bound, plus a second for the integer clock and a busy host
            expect(wait_until(lambda: body() == new.encode(), valid + 1.5),
                   "%r still not served %.1f s after the change (FileCacheValid %d)" %
                   (new, time.time() - changed, valid))
        os.unlink(f)
        expect(wait_until(lambda: d.get("/v.txt", host="a.test").status == 404, valid + 1.5),
               "deleted file still served")


@test
def ipv6_listener():
    try:
        socket.socket(socket.AF_INET6).bind(("::1", 0))
    except OSError as e:
        raise Failure("no IPv6 loopback on this machine: %s" % e)
    d = Daemon()
    two_sites(d)
    p6 = d.port + 1 if d.port < 65000 else d.port - 1
    d.write_conf(server_extra="    Listen [::1]:%d\n" % p6)
    with d.running():
        with socket.create_connection(("::1", p6), 5) as s:
            s.sendall(b"GET / HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n")
            data = read_to_eof(s)
        expect(data.startswith(b"HTTP/1.1 200 ") and data.endswith(b"site A\n"),
               "IPv6: %r" % data[:60])


@test
def config_test_flag():
    d = Daemon()
    two_sites(d)
    r = subprocess.run([KHTTPDD, "-t", "-c", d.conf], capture_output=True, timeout=10)
    expect(r.returncode == 0 and b"configuration OK" in r.stdout,
           "-t on a good config: %d %r %r" % (r.returncode, r.stdout, r.stderr))
    d.write("conf/sites/b", site("b.test", d.path("b"), "    Bogus 1\n"))
    r = subprocess.run([KHTTPDD, "-t", "-c", d.conf], capture_output=True, timeout=10)
    want = "%s:4: unknown key 'Bogus' in [HOST]" % d.path("conf", "sites", "b")
    expect(r.returncode == 1 and want in r.stderr.decode(),
           "-t on a bad line: %d %r" % (r.returncode, r.stderr))
    d.cleanup()


@test
def access_control_after_an_answering_plugin_is_refused():
    """auth or mandril Loaded after a plugin that may answer (cache,
    proxy_reverse, cgi) would be bypassed by its answers: -t and a real
    start refuse the config at the Load line."""
    for plugins, late, first in ((("cache", "auth"), "auth", "cache"),
                                 (("logger", "proxy_reverse", "mandril"), "mandril",
                                  "proxy_reverse"),
                                 (("mandril", "cgi", "auth"), "auth", "cgi")):
        d = Daemon(plugins=plugins)
        d.write("www/index.html", "x\n")    # valid but for the order
        d.write("conf/sites/default", site("localhost", d.path("www")))
        conf = d.path("conf", "khttpd.conf")
        with open(conf) as f:
            line = f.read().splitlines().index("    Load %s" % late) + 1
        want = "%s:%d: plugin %s must be loaded before %s" % (conf, line, late, first)
        try:
            for args in (["-t"], ["-f"]):
                r = subprocess.run([KHTTPDD] + args + ["-c", d.conf], capture_output=True,
                                   timeout=10)
                expect(r.returncode == 1 and want in r.stderr.decode(),
                       "%s %r: %d %r, want %r" % (args[0], plugins, r.returncode,
                                                  r.stderr[-300:], want))
        finally:
            d.cleanup()


@test
def example_config_is_valid():
    # userspace/conf with its /srv and /var/log paths moved into a temp dir
    d = Daemon()
    src = os.path.join(os.path.dirname(KHTTPDD), "..", "conf")
    for rel in ("khttpd.conf", "sites/default", "sites/example.org"):
        with open(os.path.join(src, rel)) as f:
            text = f.read()
        text = text.replace("/srv/khttpd", d.path("srv")).replace(
            "/var/log/khttpd", d.path("log")).replace(
            "/run/khttpd/khttpd.sock", d.sock).replace("Listen 8080", "Listen 127.0.0.1:%d" % d.port)
        d.write(os.path.join("conf", rel), text)
    d.tls = False                   # the example listens in the clear
    os.makedirs(d.path("log"))
    d.write("srv/www/index.html", "default\n")
    d.write("srv/example.org/index.html", "example\n")
    d.write("srv/htpasswd", "staff:%s\n" % hashed("pw"))
    r = subprocess.run([KHTTPDD, "-t", "-c", d.conf], capture_output=True, timeout=10)
    expect(r.returncode == 0, "-t on the example: %r" % r.stderr)
    with d.running():
        expect(d.get("/", host="www.example.org").body == b"example\n", "example vhost")
        expect(d.get("/staff/", host="example.org").status == 401, "auth in the example")
        expect(d.get("/index.html.bak").status == 403, "mandril in the example")
        expect(d.get("/.git/config").status == 404, "dotfiles in the example")


@test
def reload_keeps_connections():
    d = Daemon()
    two_sites(d)
    d.write("c/index.html", "site C\n")
    with d.running():
        with d.connect() as c:
            c.send_request("/", host="c.test")
            r = c.read_response()
            expect(r.body == b"site A\n", "before reload c.test is the default: %r" % r.body)
            d.write("conf/sites/c", site("c.test", d.path("c")))
            d.signal(signal.SIGHUP)
            deadline = time.time() + 5
            while "c.test" not in d.ctl("vhosts") and time.time() < deadline:
                time.sleep(0.05)
            c.send_request("/", host="c.test")
            r = c.read_response()
            expect(r.body == b"site C\n", "same connection after reload: %r" % r.body)
            # a broken config is refused; the running one stays
            d.write("conf/sites/c", "[HOST]\n    ServerName c.test\n    DocumentRoot /nonexistent\n")
            d.signal(signal.SIGHUP)
            deadline = time.time() + 5
            while "reload failed" not in d.log() and time.time() < deadline:
                time.sleep(0.05)
            expect("sites/c:3: DocumentRoot /nonexistent" in d.log(),
                   "reload error names file:line: %r" % d.log()[-300:])
            c.send_request("/", host="c.test")
            expect(c.read_response().body == b"site C\n", "old config still serves")


@test
def sigterm_drains():
    d = Daemon()
    two_sites(d)
    size = 256 << 20    # sparse; far more than the socket buffers hold
    with open(d.path("a", "big.bin"), "wb") as f:
        f.truncate(size)
    os.chmod(d.path("a", "big.bin"), 0o644)
    d.start()
    try:
        idle = d.connect()
        idle.send_request("/", host="a.test")
        idle.read_response()
        busy = d.connect()
        busy.send_request("/big.bin", host="a.test")
        busy._fill()
        d.signal(signal.SIGTERM)
        expect(idle.closed_within(3), "an idle connection closes at once on SIGTERM")
        busy.sock.settimeout(10)
        try:
            r = busy.read_response()
        except Failure as e:
            raise Failure("%s after %d bytes; log: %s" % (e, len(busy.buf), d.log()))
        expect(len(r.body) == size, "in-flight response completed: %d" % len(r.body))
        expect(r.header("Connection") == "close" or busy.closed_within(3),
               "busy connection ends after its response")
        d.proc.wait(10)
        expect(d.proc.returncode == 0, "exit status %d" % d.proc.returncode)
        d.stop()
    finally:
        d.cleanup()


def keepalive_load(d, hosts, stop, ending, results):
    """Keep-alive GETs of / for each host in turn until stop is set: each
    completed answer goes into results as (host, body). A connection that
    fails is reopened; before ending is set (SIGTERM sent) the failure is
    noted as ("error", ...), after it closes and refusals are the drain.
    A response saying "Connection: close" (KeepAliveMax reached: a fast
    daemon gets there within the test) ends the connection, as for any
    client."""
    while not stop.is_set():
        try:
            with d.connect() as c:
                open_ = True
                while open_ and not stop.is_set():
                    for h in hosts:
                        c.send_request("/", host=h)
                        r = c.read_response()
                        results.append((h, r.body))
                        if (r.header("Connection") or "").lower() == "close":
                            open_ = False
                            break
        except (OSError, Failure) as e:
            if not ending.is_set():
                results.append(("error", str(e)))
            elif d.proc.poll() is not None:
                return


@test
def connection_after_reload_sees_the_new_config():
    """Once the daemon says "reloaded", a new connection is served by the
    new config, whichever worker accepts it (the worker reads its pipe,
    where the config waits, before it accepts)."""
    for balance in ("leastconn", "reuseport"):
        reload_then_connect(balance)


def reload_then_connect(balance):
    d = Daemon(server_extra="    Balance %s\n" % balance)
    two_sites(d)
    with d.running():
        for i in range(40):
            d.write("s%d/index.html" % i, "site %d\n" % i)
            d.write("conf/sites/s%d" % i, site("s%d.test" % i, d.path("s%d" % i)))
            d.signal(signal.SIGHUP)
            expect(wait_until(lambda: d.log().count("reloaded") == i + 1, 10),
                   "reload %d not logged" % i)
            body = d.get("/", host="s%d.test" % i).body
            expect(body == b"site %d\n" % i, "Balance %s, reload %d: a new connection got %r" %
                   (balance, i, body))


@test
def reload_racing_sigterm_under_load():
    """SIGHUP then SIGTERM with 0 to 50 ms between them, while clients
    keep four connections busy: every answer completed is the right
    site's, and the daemon drains and exits cleanly (and, under ASan,
    without a report) each time."""
    for gap in (0, 0.001, 0.005, 0.02, 0.05):
        d = Daemon()
        two_sites(d)
        d.start()
        try:
            stop, ending, results = threading.Event(), threading.Event(), []
            ts = [threading.Thread(target=keepalive_load,
                                   args=(d, ("a.test", "b.test"), stop, ending, results))
                  for _ in range(4)]
            for t in ts:
                t.start()
            expect(wait_until(lambda: len(results) >= 100, 20), "gap %s: no load: %r" %
                   (gap, results[-3:]))
            d.signal(signal.SIGHUP)
            time.sleep(gap)     # the race itself: not a wait for anything
            ending.set()
            d.signal(signal.SIGTERM)
            try:
                rc = d.proc.wait(20)
            except subprocess.TimeoutExpired:
                rc = None
            stop.set()
            for t in ts:
                t.join(20)
            expect(rc == 0, "gap %s: exit %s: %s" % (gap, rc, d.log()[-500:]))
            wrong = [x for x in results if x[1] != {"a.test": b"site A\n",
                                                    "b.test": b"site B\n"}.get(x[0])]
            expect(not wrong, "gap %s: wrong or failed answers: %r" % (gap, wrong[:3]))
            d.stop()
        finally:
            d.cleanup()


@test
def vhost_removed_while_its_connections_live():
    """A reload that removes b.test while one of its connections is idle
    between requests, one is in the middle of a download and a script of
    it is running: the download and the script's answer complete intact,
    the idle connection's next request is the default site's, and
    b.test is gone from khttpctl."""
    d = Daemon(plugins=("cgi",))
    two_sites(d, extra_b="[CGI]\n    Prefix /cgi-bin/\n")
    size = 64 << 20
    with open(d.path("b", "big.bin"), "wb") as f:
        f.truncate(size)
    os.chmod(d.path("b", "big.bin"), 0o644)
    state = d.writable_dir("state")
    gate, started = os.path.join(state, "go"), os.path.join(state, "started")
    d.write("b/cgi-bin/wait.sh", "#!/bin/sh\n: > %s\nwhile [ ! -e %s ]; do sleep 0.05; done\n"
            "printf 'Content-Type: text/plain\\r\\n\\r\\nscript of b\\n'\n"
            % (started, gate), 0o755)
    with d.running():
        idle = d.connect()
        idle.send_request("/", host="b.test")
        expect(idle.read_response().body == b"site B\n", "b.test before the reload")
        busy = d.connect(timeout=20)
        busy.send_request("/big.bin", host="b.test")
        busy._fill()
        cgi = d.connect(timeout=20)
        cgi.send_request("/cgi-bin/wait.sh", host="b.test")
        expect(wait_until(lambda: os.path.exists(started), 10), "the script did not start")
        os.unlink(d.path("conf", "sites", "b"))
        d.signal(signal.SIGHUP)
        expect(wait_until(lambda: "b.test" not in d.ctl("vhosts"), 10),
               "b.test still listed after the reload: %s" % d.log()[-300:])
        with open(gate, "w"):
            pass
        r = cgi.read_response()
        expect(r.status == 200 and r.body == b"script of b\n",
               "the running script's answer: %d %r" % (r.status, r.body))
        r = busy.read_response()
        expect(r.status == 200 and len(r.body) == size and not r.body.strip(b"\0"),
               "the download in flight: %d bytes" % len(r.body))
        idle.send_request("/", host="b.test")
        r = idle.read_response()
        expect(r.status == 200 and r.body == b"site A\n",
               "b.test's idle connection after the reload: %d %r" % (r.status, r.body))
        for c in (idle, busy, cgi):
            c.sock.close()


@test
def slow_reader_times_out():
    d = Daemon(server_extra="    SendTimeout 1\n")
    two_sites(d)
    size = 256 << 20
    with open(d.path("a", "big.bin"), "wb") as f:
        f.truncate(size)
    os.chmod(d.path("a", "big.bin"), 0o644)
    with d.running():
        with d.connect(timeout=10) as c:
            c.send_request("/big.bin", host="a.test")
            time.sleep(4)           # never read: the server's send stalls
            got = 0
            try:
                while True:
                    data = c.sock.recv(1 << 20)
                    if not data:
                        break
                    got += len(data)
            except ConnectionResetError:
                pass
            expect(0 < got < size, "stalled send closed by SendTimeout: %d bytes" % got)
        expect(d.get("/", host="a.test").status == 200, "still serving")


@test
def leastconn_spreads_a_burst():
    d = Daemon(workers=2)
    two_sites(d)
    with d.running():
        conns = [d.connect() for _ in range(40)]   # faster than the workers adopt
        for c in conns:
            c.send_request("/", host="a.test")
        for c in conns:
            c.read_response()
        per = [w["connections"] for w in json.loads(d.ctl("--json", "workers"))]
        expect(sum(per) == 40 and max(per) - min(per) <= 2, "spread: %r" % per)
        for c in conns:
            c.sock.close()


@test
def soft_fd_limit_raised_to_hard():
    """A soft RLIMIT_NOFILE below the connections served (the guest's 1024
    against wrk's 1000 connections in make bench) must not shed them: the
    daemon raises it to the hard limit."""
    import resource
    d = Daemon(workers=1)
    two_sites(d)
    d.preexec = lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (40, 4096))
    with d.running():
        conns = [d.connect(timeout=5) for _ in range(120)]
        for c in conns:
            c.send_request("/", host="a.test")
        statuses = [c.read_response().status for c in conns]
        expect(statuses == [200] * len(conns),
               "of 120 connections under a soft limit of 40: %d answered 200" %
               statuses.count(200))
        expect("out of file descriptors" not in d.log(), "shed: %r" % d.log()[-300:])
        for c in conns:
            c.sock.close()


@test
def out_of_fds_sheds_without_spinning():
    import resource
    d = Daemon(workers=1)
    two_sites(d)
    d.preexec = lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (48, 48))
    with d.running():
        conns = []
        for _ in range(60):
            try:
                conns.append(d.connect(timeout=2))
            except OSError:
                break
        expect(wait_until(lambda: "out of file descriptors" in d.log(), 10),
               "out of fds not logged: %r" % d.log()[-300:])

        def cpu():
            with open("/proc/%d/stat" % d.proc.pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return int(fields[11]) + int(fields[12])   # utime + stime, ticks
        # a measurement over a window, not a wait: a daemon spinning on
        # accept's EMFILE burns the window's ~200 ticks, an idle one none
        before = cpu()
        time.sleep(2)
        spent = cpu() - before
        expect(spent < 20, "daemon busy while out of fds: %d ticks in 2 s" % spent)
        expect(d.log().count("out of file descriptors") == 1,
               "logged once: %r" % d.log()[-300:])
        for c in conns:
            c.sock.close()

        def serves():
            try:
                return d.get("/", host="a.test").status == 200
            except (OSError, Failure):
                return False
        expect(wait_until(serves, 10), "does not serve again")


@test
def reuseport_balance():
    d = Daemon(server_extra="    Balance reuseport\n", workers=2)
    two_sites(d)
    with d.running():
        conns = [d.connect() for _ in range(8)]
        for c in conns:
            c.send_request("/", host="b.test")
            expect(c.read_response().body == b"site B\n", "reuseport serves")
        workers = json.loads(d.ctl("--json", "workers"))
        expect(sum(w["connections"] for w in workers) == 8, "counted: %r" % workers)
        expect(json.loads(d.ctl("--json", "config"))["balance"] == "reuseport", "balance")
        for c in conns:
            c.sock.close()


@test
def static_post_is_405():
    d = Daemon()
    two_sites(d)
    with d.running():
        r = d.get("/index.html", host="a.test", method="POST")
        expect(r.status == 405 and r.header("Allow") == "GET, HEAD", "POST: %d" % r.status)
        with d.connect() as c:
            # the unread body is skipped: the next request is the GET
            c.send(b"PUT /x HTTP/1.1\r\nHost: a.test\r\nContent-Length: 3\r\n\r\nabc"
                   b"GET / HTTP/1.1\r\nHost: a.test\r\n\r\n")
            r = c.read_response()
            expect(r.status == 405 and r.header("Connection") != "close",
                   "unread body: 405, connection kept: %d %r" % (r.status, r.headers))
            r = c.read_response()
            expect(r.status == 200 and r.body == b"site A\n", "then the GET: %d" % r.status)


@test
def mutated_requests_survive():
    # Deterministic mutations of valid requests, sent whole or byte-split,
    # with every plugin loaded: the daemon answers or closes, never dies
    # (and under SAN=1 never trips a sanitizer).
    import random
    d = Daemon(plugins=("mandril", "auth", "dirlisting", "logger"),
               main_sections="[MANDRIL]\n    DenyURI \\.bak$\n[LOGGER]\n    AccessLog %s\n")
    d.write_conf(plugins=("mandril", "auth", "dirlisting", "logger"),
                 main_sections="[MANDRIL]\n    DenyURI \\.bak$\n[LOGGER]\n    AccessLog %s\n"
                 % d.path("access.log"))
    two_sites(d, extra_a="[AUTH]\n    Location /p\n    Users %s\n" % d.path("htpasswd"))
    d.write("htpasswd", "u:%s\n" % hashed("p", "sha256"))
    d.write("a/d/f.txt", "f")
    seeds = [b"GET / HTTP/1.1\r\nHost: a.test\r\n\r\n",
             b"GET /d/ HTTP/1.1\r\nHost: a.test\r\nRange: bytes=0-3\r\n\r\n",
             b"HEAD /p/x HTTP/1.1\r\nHost: a.test\r\nAuthorization: Basic dTpw\r\n\r\n",
             b"POST /x.bak HTTP/1.1\r\nHost: b.test\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
             b"GET /d?format=json HTTP/1.0\r\nConnection: keep-alive\r\nIf-None-Match: *\r\n\r\n"]
    rnd = random.Random(4)
    with d.running():
        for i in range(2000):
            data = bytearray(rnd.choice(seeds) * rnd.randint(1, 3))
            for _ in range(rnd.randint(1, 6)):
                op = rnd.randint(0, 3)
                pos = rnd.randrange(len(data))
                if op == 0:
                    data[pos] = rnd.randrange(256)
                elif op == 1:
                    del data[pos:pos + rnd.randint(1, 8)]
                elif op == 2:
                    data[pos:pos] = bytes(rnd.choice(b"\r\n :%/.\x00\xff") for _ in range(rnd.randint(1, 4)))
                else:
                    data[pos:pos] = data[:rnd.randint(0, 40)]
            try:
                with d.connect(timeout=2) as c:
                    if i % 5 == 0:
                        for k in range(0, len(data), 7):
                            c.send(bytes(data[k:k + 7]))
                    else:
                        c.send(bytes(data))
                    c.sock.shutdown(socket.SHUT_WR)
                    while c.sock.recv(65536):
                        pass
            except (socket.timeout, ConnectionResetError, BrokenPipeError):
                pass
            expect(d.proc.poll() is None, "daemon died at case %d: %r" % (i, bytes(data)))
        expect(d.get("/", host="a.test").status == 200, "still serving")


# ---- logger ----

CLF_TIME = r"\[\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\]"


def wait_lines(path, n, timeout=5):
    deadline = time.time() + timeout
    lines = []
    while time.time() < deadline:
        if os.path.exists(path):
            with open(path, "rb") as f:
                lines = f.read().decode(errors="replace").splitlines()
            if len(lines) >= n:
                return lines
        time.sleep(0.05)
    raise Failure("%s: %d lines, want %d: %r" % (path, len(lines), n, lines))


@test
def logger_formats():
    d = Daemon(plugins=("logger",))
    d.write("a/index.html", "site A\n")
    d.write("b/index.html", "site B\n")
    d.write("conf/sites/a", site("a.test", d.path("a"),
                                 "[LOGGER]\n    AccessLog %s\n    ErrorLog %s\n" %
                                 (d.path("a.access"), d.path("a.error"))))
    d.write("conf/sites/b", site("b.test", d.path("b"),
                                 "[LOGGER]\n    AccessLog %s\n    Format common\n" %
                                 d.path("b.access")))
    with d.running():
        d.get("/", host="a.test", headers=("Referer: http://ref/x", 'User-Agent: t "q" \\z'))
        d.get("/nope", host="a.test")
        d.get("/", host="b.test", method="HEAD")
        with d.connect() as c:     # a bad request still gets a log line
            c.send(b"GET /\x01 HTTP/1.1\r\nHost: a.test\r\n\r\n")
            c.read_response()
        with d.connect() as c:     # empty lines before a request (RFC 9112 2.2)
            c.send(b"\r\n\r\nGET /after-crlf HTTP/1.1\r\nHost: a.test\r\n\r\n")
            c.read_response()
        a = wait_lines(d.path("a.access"), 4)
        b = wait_lines(d.path("b.access"), 1)
        e = wait_lines(d.path("a.error"), 1)
    # Each request came on its own connection, maybe to another worker:
    # the lines are matched by content, not by their order in the file.
    def line_of(lines, target):
        found = [l for l in lines if ('"%s HTTP/1.1"' % target) in l]
        expect(len(found) == 1, "one line for %s: %r" % (target, lines))
        return found[0]
    pat = (r'^127\.0\.0\.1 - - %s "GET / HTTP/1\.1" 200 7 "http://ref/x" '
           r'"t \\"q\\" \\\\z"$' % CLF_TIME)
    line = line_of(a, "GET /")
    expect(re.match(pat, line), "combined line: %r" % line)
    pat = r'^127\.0\.0\.1 - - %s "GET /nope HTTP/1\.1" 404 \d+ "-" "-"$' % CLF_TIME
    line = line_of(a, "GET /nope")
    expect(re.match(pat, line), "404 line: %r" % line)
    pat = r'^127\.0\.0\.1 - - %s "HEAD / HTTP/1\.1" 200 -$' % CLF_TIME
    expect(re.match(pat, b[0]), "common HEAD line: %r" % b[0])
    pat = r'^%s \[error\] \[client 127\.0\.0\.1\] 404 "GET /nope HTTP/1\.1": ' % CLF_TIME
    expect(re.match(pat, e[0]), "error line: %r" % e[0])
    line = line_of(a, "GET /after-crlf")
    expect(' 404 ' in line, "request after CRLF logged with its line: %r" % line)
    # the unparsable request went to the default vhost's (a) logs, escaped
    bad = [l for l in a if "\\x01" in l]
    expect(bad and ' 400 ' in bad[0], "bad request logged escaped: %r" % a)


@test
def logger_reopens_on_sigusr1():
    d = Daemon(plugins=("logger",),
               main_sections="[LOGGER]\n    AccessLog %s\n")
    # the daemon reopens as its User: the log directory is that user's
    logs = d.writable_dir("logs")
    log = os.path.join(logs, "access.log")
    d.write_conf(plugins=("logger",), main_sections="[LOGGER]\n    AccessLog %s\n" % log)
    two_sites(d)
    with d.running():
        d.get("/", host="a.test")
        wait_lines(log, 1)
        st = os.stat(log)
        expect((st.st_uid, st.st_gid) == run_ids(),
               "created at start for the User: %d:%d" % (st.st_uid, st.st_gid))
        os.rename(log, log + ".1")
        d.get("/one-more", host="a.test")        # still goes to the renamed file
        wait_lines(log + ".1", 2)
        d.signal(signal.SIGUSR1)
        expect(wait_until(lambda: os.path.exists(log), 5), "SIGUSR1 made no new file")
        d.get("/after-rotate", host="a.test")
        lines = wait_lines(log, 1)
        expect("/after-rotate" in lines[0], "new file gets new lines: %r" % lines)


# ---- dirlisting ----

HOSTILE = ['<img src=x onerror=alert(1)>.txt', 'a&b "c" \'d\'.txt', 'sp ace%20.txt',
           'new\nline.txt', 'zz-last', 'ümlaut.txt']


@test
def dirlisting_escapes_and_sorts():
    d = Daemon(plugins=("dirlisting",),
               main_sections="[DIRLISTING]\n    Json on\n")
    two_sites(d)
    for n in HOSTILE:
        if n == "zz-last":
            os.makedirs(d.path("a", "list", n))
        else:
            d.write(os.path.join("a", "list", n), "x" * 5)
    d.write("a/list/.hidden", "h")
    with d.running():
        r = d.get("/list/", host="a.test")
        expect(r.status == 200 and r.header("Content-Type") == "text/html; charset=utf-8",
               "listing: %d %s" % (r.status, r.header("Content-Type")))
        body = r.body.decode()
        expect("<img" not in body, "raw <img in the listing")
        expect("&lt;img src=x onerror=alert(1)&gt;.txt" in body, "escaped text")
        expect('href="%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E.txt"' in body,
               "encoded href")
        expect("a&amp;b &quot;c&quot; &#39;d&#39;.txt" in body, "quotes escaped")
        expect("new\nline" not in body and "new&#9226;line.txt" in body, "newline escaped")
        expect('href="sp%20ace%2520.txt"' in body, "percent encoded")
        expect('href="zz-last/">zz-last/<' in body, "directory with slash")
        expect(".hidden" not in body, "dot files hidden")
        names = [urllib.parse.unquote_to_bytes(n)
                 for n in re.findall(r'<a href="([^"]+)">', body)]
        expect(names[0] == b"../" and names[1:] == sorted(names[1:]), "sorted: %r" % names)
        expect(re.search(r">5</td><td>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC<", body),
               "size and date")
        r = d.get("/list/?format=json", host="a.test")
        expect(r.header("Content-Type") == "application/json", "json type")
        doc = json.loads(r.body)
        got = [e["name"] for e in doc["entries"]]
        expect(got == sorted(HOSTILE, key=lambda s: s.encode()), "json names: %r" % got)
        expect(all(e["size"] == 5 for e in doc["entries"] if e["type"] == "file"), "sizes")
        r = d.get("/list", host="a.test")
        expect(r.status == 301 and r.header("Location") == "/list/", "redirect first")


@test
def dirlisting_off_is_403():
    d = Daemon(plugins=("dirlisting",))
    two_sites(d, extra_b="[DIRLISTING]\n    Listing off\n")
    d.write("a/list/f.txt", "f")
    d.write("b/list/f.txt", "f")
    with d.running():
        expect(d.get("/list/", host="a.test").status == 200, "a lists")
        expect(d.get("/list/", host="b.test").status == 403, "b refuses")
        expect(d.get("/list/?format=json", host="a.test").header("Content-Type")
               .startswith("text/html"), "JSON only when enabled")


# ---- auth ----

def basic(user, pw):
    return "Authorization: Basic " + base64.b64encode(("%s:%s" % (user, pw)).encode()).decode()


@test
def auth_basic():
    d = Daemon(plugins=("auth", "logger"))
    two_sites(d, extra_a="[AUTH]\n    Location /private\n    Realm Staff only\n"
                         "    Users %s\n[LOGGER]\n    AccessLog %s\n" %
                         (d.path("htpasswd"), d.path("access.log")))
    d.write("htpasswd", "# users\nalice:%s\nbob:%s\n" % (
        hashed("wonderland"),
        hashed("builder", "bcrypt", rounds=16)))
    d.write("a/private/secret.txt", "secret\n")
    d.write("a/privateer.txt", "public\n")
    with d.running():
        r = d.get("/private/secret.txt", host="a.test")
        expect(r.status == 401, "no credentials: %d" % r.status)
        expect(r.header("WWW-Authenticate") == 'Basic realm="Staff only", charset="UTF-8"',
               "challenge: %r" % r.header("WWW-Authenticate"))
        for hdr, want in ((basic("alice", "wonderland"), 200), (basic("bob", "builder"), 200),
                          (basic("alice", "wrong"), 401), (basic("mallory", "wonderland"), 401),
                          (basic("alice", ""), 401), ("Authorization: Basic !!!", 401),
                          ("Authorization: Bearer abc", 401)):
            r = d.get("/private/secret.txt", host="a.test", headers=(hdr,))
            expect(r.status == want, "%s: %d, want %d" % (hdr, r.status, want))
            if want == 200:
                expect(r.body == b"secret\n", "body")
            else:
                expect(r.header("WWW-Authenticate"), "401 without challenge")
        expect(d.get("/private", host="a.test").status == 401, "the location itself")
        expect(d.get("/privateer.txt", host="a.test").status == 200, "prefix is per segment")
        expect(d.get("/private/secret.txt", host="b.test").status == 404, "other vhost")
        lines = wait_lines(d.path("access.log"), 1)
        expect(any(l.startswith("127.0.0.1 - alice [") for l in lines),
               "user in the access log: %r" % lines[:3])


@test
def auth_rejects_weak_hashes():
    d = Daemon(plugins=("auth",))
    two_sites(d, extra_a="[AUTH]\n    Location /\n    Users %s\n" % d.path("htpasswd"))
    d.write("htpasswd", "carol:plaintext\n")
    r = subprocess.run([KHTTPDD, "-t", "-c", d.conf], capture_output=True, timeout=10)
    expect(r.returncode == 1 and b"htpasswd:1: user 'carol': unsupported hash" in r.stderr,
           "plain password refused: %r" % r.stderr)
    d.cleanup()


# ---- mandril ----

@test
def mandril_blocks_cidr_at_accept():
    d = Daemon(plugins=("mandril",),
               main_sections="[MANDRIL]\n    Allow 10.0.0.0/8\n    Deny 127.0.0.0/8\n")
    two_sites(d)
    with d.running():
        if d.tls:
            # before the handshake no byte of HTTP can reach a TLS client:
            # it is closed unanswered
            try:
                r = d.get("/", host="a.test")
            except (ssl.SSLError, ConnectionError, Failure):
                r = None
            expect(r is None, "denied TLS client answered %s" % (r and r.status))
        else:
            r = d.get("/", host="a.test")
            expect(r.status == 403, "denied client: %d" % r.status)
            expect(r.header("Connection") == "close", "then closed")
    d = Daemon(plugins=("mandril",),
               main_sections="[MANDRIL]\n    Allow 127.0.0.1/32\n    Deny all\n")
    two_sites(d)
    with d.running():
        expect(d.get("/", host="a.test").status == 200, "allowed client")


@test
def mandril_blocks_uri_and_vhost_cidr():
    d = Daemon(plugins=("mandril",),
               main_sections="[MANDRIL]\n    DenyURI \\.(bak|swp)$\n")
    two_sites(d, extra_b="[MANDRIL]\n    Deny ::ffff:127.0.0.0/104\n    DenyURI ^/admin\n")
    d.write("a/x.bak", "b")
    d.write("a/x.txt", "t")
    d.write("a/admin/i.txt", "i")
    with d.running():
        expect(d.get("/x.bak", host="a.test").status == 403, "DenyURI")
        expect(d.get("/x%2ebak", host="a.test").status == 403, "DenyURI sees the decoded path")
        expect(d.get("/x.txt", host="a.test").status == 200, "other URIs")
        expect(d.get("/admin/i.txt", host="a.test").status == 200, "site rule only in b")
        expect(d.get("/x.txt", host="b.test").status == 403, "b denies by CIDR")


# ---- khttpctl ----

@test
def khttpctl_matches_reality():
    d = Daemon(plugins=("logger", "dirlisting"))
    two_sites(d)
    with d.running():
        st = os.stat(d.sock)
        expect(st.st_mode & 0o777 == 0o600, "socket mode %o" % (st.st_mode & 0o777))
        for _ in range(3):
            d.get("/", host="a.test")
        miss_len = len(d.get("/missing", host="b.test").body)
        idle = [d.connect() for _ in range(3)]
        for c in idle:
            c.send_request("/", host="b.test")
            c.read_response()
        stats = json.loads(d.ctl("--json", "stats"))
        expect(stats["requests"] == 7, "requests %r" % stats)
        expect(stats["status"] == {"200": 6, "404": 1}, "statuses %r" % stats["status"])
        expect(stats["bytes"] == 6 * 7 + miss_len, "bytes %r" % stats)
        workers = json.loads(d.ctl("--json", "workers"))
        expect(len(workers) == 2, "workers %r" % workers)
        expect(sum(w["connections"] for w in workers) == 3, "open connections %r" % workers)
        status = json.loads(d.ctl("--json", "status"))
        expect(status["connections"] == 3 and status["workers"] == 2 and
               status["pid"] == d.proc.pid, "status %r" % status)
        vh = json.loads(d.ctl("--json", "vhosts"))
        expect([v["names"] for v in vh] == [["a.test", "www.a.test"], ["b.test"]] and
               vh[0]["docroot"] == d.path("a"), "vhosts %r" % vh)
        pl = {p["name"]: p["loaded"] for p in json.loads(d.ctl("--json", "plugins"))}
        expect(pl["logger"] and pl["dirlisting"] and not pl["auth"] and
               [n for n, on in pl.items() if on] == ["logger", "dirlisting"],
               "plugins %r" % pl)
        cfg = json.loads(d.ctl("--json", "config"))
        expect(cfg["listen"] == ["127.0.0.1:%d" % d.port] and cfg["header_timeout"] == 3,
               "config %r" % cfg)
        up = json.loads(d.ctl("--json", "uptime"))["uptime"]
        expect(0 <= up < 60, "uptime %r" % up)
        text = d.ctl("workers")
        expect(re.search(r"^worker 0 connections \d+ requests \d+$", text, re.M), text)
        for c in idle:
            c.sock.close()


@test
def khttpctl_bridge():
    """The bridge's state in both forms. Without khttpd.ko (the host) the
    thread runs unregistered and says why; with it, the module's version,
    counters and a recent heartbeat."""
    d = Daemon()
    d.write("conf/sites/default", site("localhost", d.path("www")))
    os.makedirs(d.path("www"))
    with d.running():
        deadline = time.time() + 5
        while True:     # the first registration attempt runs at start
            st = json.loads(d.ctl("--json", "bridge"))
            if st["registered"] or st["error"] or time.time() > deadline:
                break
            time.sleep(0.05)
        text = d.ctl("bridge")
    lines = dict(l.split(" ", 1) for l in text.splitlines())
    expect(st["running"] is True and lines["running"] == "yes", "running: %r %r" % (st, text))
    keys = ["running", "registered", "module_version", "error", "handoffs", "claimed",
            "declined", "expired", "last_heartbeat", "heartbeat_age"]
    expect(list(st) == keys and list(lines) == keys, "fields: %r / %r" % (list(st), list(lines)))
    if not st["registered"]:
        loaded = os.path.exists("/sys/module/khttpd")
        expect(st["error"] == ("another daemon is registered" if loaded else "module not loaded"),
               "unregistered: %r" % st)
        expect(lines["registered"] == "no" and lines["error"] == st["error"] and
               st["last_heartbeat"] is None and lines["last_heartbeat"] == "-" and
               st["claimed"] is None and lines["claimed"] == "-",
               "unregistered fields: %r / %r" % (st, text))
    else:
        expect(st["module_version"] >= 1 and st["error"] is None and
               st["claimed"] is not None and lines["registered"] == "yes",
               "registered: %r / %r" % (st, text))


if __name__ == "__main__":
    sys.exit(run_all(sys.argv))
