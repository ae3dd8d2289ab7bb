# SPDX-License-Identifier: GPL-2.0 OR MIT
"""Connections: persistence, pipelining, slow clients, timeouts, many
clients at once."""

import hashlib
import threading
import time

from registry import case, check_common, check_ok, expect, expect_eq, test


def still_open(ctx, conn):
    """The connection still serves a request."""
    conn.send(ctx.req("GET", "/notes.txt"))
    check_ok(conn.read_response(), "/notes.txt", ctx)


def closes_after(conn, resp):
    expect("close" in resp.tokens("connection"), "response lacks Connection: close")
    closed, extra, _ = conn.wait_close(5)
    expect(not extra, "bytes after the last response: %r" % extra[:80])
    expect(closed, "connection still open 5 s after Connection: close")


@test
def keepalive_default_1_1(ctx):
    with ctx.connect() as c:
        for path in ("/notes.txt", "/style.css", "/index.html", "/bin/one.bin", "/notes.txt"):
            c.send(ctx.req("GET", path))
            resp = c.read_response()
            check_ok(resp, path, ctx)
            expect("close" not in resp.tokens("connection"), "1.1 response says close")
        still_open(ctx, c)


@test
def connection_close_honoured(ctx):
    with ctx.connect() as c:
        c.send(ctx.req("GET", "/notes.txt", fields=(("Connection", "close"),)))
        resp = c.read_response()
        check_ok(resp, "/notes.txt", ctx)
        closes_after(c, resp)


@test
def connection_close_among_tokens(ctx):
    with ctx.connect() as c:
        c.send(ctx.req("GET", "/notes.txt", fields=(("Connection", "x-foo, Close"),)))
        resp = c.read_response()
        check_ok(resp, "/notes.txt", ctx)
        closes_after(c, resp)


@test
def http_1_0_closes_by_default(ctx):
    # The second request must not be answered.
    with ctx.connect() as c:
        c.send(ctx.req("GET", "/notes.txt", version="HTTP/1.0") * 2)
        resp = c.read_response()
        check_ok(resp, "/notes.txt", ctx)
        closes_after(c, resp)


@test
def http_1_0_keepalive(ctx):
    with ctx.connect() as c:
        for value in ("keep-alive", "Keep-Alive"):
            c.send(ctx.req("GET", "/notes.txt", version="HTTP/1.0",
                           fields=(("Connection", value),)))
            resp = c.read_response()
            check_ok(resp, "/notes.txt", ctx)
            expect_eq(resp.tokens("connection"), ["keep-alive"], "Connection")
        still_open(ctx, c)


@test
def refusals_keep_connection(ctx):
    # 404/403/301 come from lookup, not the parser: no reason to close.
    with ctx.connect() as c:
        for path, status in (("/missing-file", 404), ("/perm/exec.sh", 403),
                             ("/dir-with-index", 301), ("/dir-no-index/", 403)):
            c.send(ctx.req("GET", path))
            resp = c.read_response()
            expect_eq(resp.status, status, "status for %s" % path)
            expect("close" not in resp.tokens("connection"), "%d closes" % status)
        still_open(ctx, c)


def pipeline(ctx, reqs, last_close=False):
    """Send all requests in one write; check each answer in order."""
    raw = b""
    for i, (method, path, _) in enumerate(reqs):
        fields = (("Connection", "close"),) if last_close and i == len(reqs) - 1 else ()
        raw += ctx.req(method, path, fields=fields)
    with ctx.connect() as c:
        c.send(raw)
        for method, path, status in reqs:
            resp = c.read_response(method)
            expect_eq(resp.status, status, "%s %s status" % (method, path))
            check_common(resp)
            if status == 200 and method == "GET":
                check_ok(resp, path, ctx)
            if method == "HEAD" and status == 200:
                expect_eq(resp.header("content-length"), str(len(ctx.content(path))),
                          "HEAD Content-Length")
        if last_close:
            closes_after(c, resp)
        else:
            still_open(ctx, c)


@test
def pipeline_mixed(ctx):
    pipeline(ctx, [("GET", "/notes.txt", 200), ("HEAD", "/index.html", 200),
                   ("GET", "/missing-file", 404), ("GET", "/bin/allbytes-1k.bin", 200),
                   ("HEAD", "/style.css", 200), ("GET", "/dir-with-index", 301),
                   ("GET", "/bin/pattern-64k.bin", 200), ("GET", "/bin/empty.bin", 200),
                   # error and redirect bodies must not follow a HEAD either
                   ("HEAD", "/missing-file", 404), ("HEAD", "/dir-with-index", 301),
                   ("HEAD", "/perm/exec.sh", 403), ("GET", "/notes.txt", 200)])


@test
def pipeline_ten_gets(ctx):
    files = ["/notes.txt", "/bin/one.bin", "/app.js", "/bin/pattern-64k.bin", "/data.json"]
    pipeline(ctx, [("GET", files[i % len(files)], 200) for i in range(10)])


@test
def pipeline_last_says_close(ctx):
    pipeline(ctx, [("GET", "/notes.txt", 200), ("HEAD", "/bin/pattern-1m.bin", 200),
                   ("GET", "/style.css", 200)], last_close=True)


@test
def pipeline_stops_after_close(ctx):
    # Nothing is answered after the request that said close.
    raw = (ctx.req("GET", "/notes.txt") +
           ctx.req("GET", "/style.css", fields=(("Connection", "close"),)) +
           ctx.req("GET", "/app.js"))
    with ctx.connect() as c:
        c.send(raw)
        check_ok(c.read_response(), "/notes.txt", ctx)
        resp = c.read_response()
        check_ok(resp, "/style.css", ctx)
        closes_after(c, resp)


@test
def pipeline_fifty_heads(ctx):
    # More requests than fit one read: the server must carry the rest over.
    paths = ["/notes.txt", "/bin/pattern-1m.bin", "/index.html", "/bin/empty.bin"]
    pipeline(ctx, [("HEAD", paths[i % len(paths)], 200) for i in range(50)])


@test
def pipeline_split_mid_request(ctx):
    raw = b"".join(ctx.req("GET", p) for p in ("/notes.txt", "/style.css", "/app.js"))
    with ctx.connect() as c:
        cut = len(raw) // 2
        c.send(raw[:cut])
        check_ok(c.read_response(), "/notes.txt", ctx)
        time.sleep(0.2)
        c.send(raw[cut:])
        check_ok(c.read_response(), "/style.css", ctx)
        check_ok(c.read_response(), "/app.js", ctx)


@test
def request_byte_by_byte(ctx):
    raw = ctx.req("GET", "/notes.txt", fields=(("User-Agent", "khttpd-blackbox"),))
    with ctx.connect() as c:
        expect(c.send_slowly(raw, 1, 0.005), "server closed during a slow request")
        check_ok(c.read_response(), "/notes.txt", ctx)


def slack(timeout):
    return max(2.0, timeout * 0.5)


@test
def header_timeout_408(ctx):
    t = ctx.header_timeout
    with ctx.connect(timeout=t + slack(t)) as c:
        start = time.monotonic()
        c.send(b"GET /notes.txt HTTP/1.1\r\nHost: x\r\n")
        resp = c.read_response()
        waited = time.monotonic() - start
        expect_eq(resp.status, 408, "status")
        check_common(resp)
        expect(waited >= t * 0.5, "408 after %.1f s, header_timeout is %g s" % (waited, t))
        closes_after(c, resp)


@test
def header_timeout_counts_whole_head(ctx):
    # A client dripping one byte a second never stalls, yet must not hold
    # the connection past header_timeout (slowloris). The contract says
    # "stalls"; this holds it to the whole head, as the safe reading.
    t = ctx.header_timeout
    raw = b"GET /notes.txt HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 1000
    with ctx.connect(timeout=t + slack(t)) as c:
        start = time.monotonic()
        for i in range(len(raw)):
            if not c.send(raw[i:i + 1]) or c.wait_data(min(1.0, t / 3)):
                break
            if time.monotonic() - start > t + slack(t):
                break
        resp = c.read_response()
        waited = time.monotonic() - start
    expect_eq(resp.status, 408, "status")
    expect(waited < t + slack(t), "408 only after %.1f s" % waited)


@test
def keepalive_idle_closed_silently(ctx):
    t = ctx.keepalive_timeout
    with ctx.connect() as c:
        c.send(ctx.req("GET", "/notes.txt"))
        check_ok(c.read_response(), "/notes.txt", ctx)
        closed, extra, waited = c.wait_close(t + slack(t))
    expect(closed, "idle connection still open after %.1f s (keepalive_timeout %g s)"
           % (waited, t))
    expect(not extra, "bytes sent on an idle connection: %r" % extra[:80])
    expect(waited >= t * 0.5, "closed after %.1f s, keepalive_timeout is %g s" % (waited, t))


@test
def silent_fresh_connection_closed(ctx):
    # A connection that never sends a byte must not be held forever; the
    # contract does not say which timeout applies, so allow the longer.
    t = max(ctx.header_timeout, ctx.keepalive_timeout)
    with ctx.connect() as c:
        closed, extra, waited = c.wait_close(t + slack(t))
    expect(closed, "silent connection still open after %.1f s" % waited)
    expect(not extra or extra.startswith(b"HTTP/1.1 408 "),
           "unexpected bytes on a silent connection: %r" % extra[:80])


@test
def concurrent_clients(ctx):
    clients, rounds = 50, 3
    paths = ["/notes.txt", "/bin/pattern-64k.bin", "/index.html", "/bin/allbytes-1k.bin"]
    barrier = threading.Barrier(clients)
    errors = []

    def client(n):
        try:
            with ctx.connect(timeout=max(ctx.io_timeout, 30)) as c:
                barrier.wait(30)
                for r in range(rounds):
                    path = paths[(n + r) % len(paths)]
                    c.send(ctx.req("GET", path))
                    check_ok(c.read_response(), path, ctx)
        except Exception as e:          # collected and reported below
            barrier.abort()             # nobody waits for a dead client
            errors.append("client %d: %s: %s" % (n, type(e).__name__, e))

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # A client that failed breaks the barrier for the others: report the
    # first real cause, not the BrokenBarrierErrors it caused.
    real = [e for e in errors if "BrokenBarrierError" not in e] or errors
    expect(not errors, "%d of %d clients failed; first: %s"
           % (len(errors), clients, real[0] if real else ""))


@test
def pipeline_big_bodies_unread(ctx):
    # Five 1 MiB answers queued behind a client that reads only after
    # sending everything: the server must wait for the window, not drop.
    path = "/bin/pattern-1m.bin"
    want = ctx.sha256(path)
    with ctx.connect(timeout=max(ctx.io_timeout, 60)) as c:
        c.send(b"".join(ctx.req("GET", path) for _ in range(5)))
        time.sleep(0.5)
        for i in range(5):
            with case("response %d" % (i + 1)):
                h = hashlib.sha256()
                resp = c.read_response(sink=h.update)
                expect_eq(resp.status, 200, "status")
                expect_eq(h.hexdigest(), want, "SHA-256")


@test
def slow_reader_gets_every_byte(ctx):
    path = "/bin/pattern-1m.bin"
    h = hashlib.sha256()

    def slow_sink(piece):
        h.update(piece)
        time.sleep(0.002)

    with ctx.connect(timeout=max(ctx.io_timeout, 60), rcvbuf=4096) as c:
        c.send(ctx.req("GET", path))
        resp = c.read_response(sink=slow_sink)
    expect_eq(resp.status, 200, "status")
    expect_eq(h.hexdigest(), ctx.sha256(path), "SHA-256")


@test
def client_reset_mid_body_then_served(ctx):
    # Clients that vanish during big sends must cost the server nothing.
    for _ in range(3):
        c = ctx.connect()
        c.send(ctx.req("GET", "/big/sparse-100m.bin"))
        c.skip(1 << 20)
        c.abort()
    check_ok(ctx.get("/notes.txt"), "/notes.txt", ctx)


@test
def concurrent_big_downloads(ctx):
    path, clients = "/bin/pattern-1m.bin", 8
    want = ctx.sha256(path)
    errors = []

    def client(n):
        try:
            h = hashlib.sha256()
            with ctx.connect(timeout=max(ctx.io_timeout, 60)) as c:
                c.send(ctx.req("GET", path))
                resp = c.read_response(sink=h.update)
            expect_eq(resp.status, 200, "status")
            expect_eq(h.hexdigest(), want, "SHA-256")
        except Exception as e:          # collected and reported below
            errors.append("client %d: %s: %s" % (n, type(e).__name__, e))

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    expect(not errors, "%d of %d failed; first: %s" % (len(errors), clients,
                                                       errors[0] if errors else ""))


@test
def many_short_connections(ctx):
    # Connection set-up and tear-down must not leak: 200 in a row.
    for i in range(200):
        with case("connection %d" % (i + 1)):
            with ctx.connect() as c:
                c.send(ctx.req("GET", "/bin/one.bin", fields=(("Connection", "close"),)))
                check_ok(c.read_response(), "/bin/one.bin", ctx)


@test
def keepalive_max_requests(ctx):
    # Contract "Persistence": the keepalive_max-th response says close and
    # the server closes; nothing after it is answered.
    n, batch = ctx.keepalive_max, 100
    with ctx.connect(timeout=max(ctx.io_timeout, 30)) as c:
        done = 0
        while done < n:
            count = min(batch, n - done)
            last = done + count == n
            c.send(ctx.req("HEAD", "/bin/one.bin") * (count + (1 if last else 0)))
            for _ in range(count):
                done += 1
                with case("response %d" % done):
                    resp = c.read_response("HEAD")
                    expect_eq(resp.status, 200, "status")
                    says_close = "close" in resp.tokens("connection")
                    expect_eq(says_close, done == n, "Connection: close")
        closes_after(c, resp)


@test
def close_with_unread_input_delivers_body(ctx):
    # RFC 9112 9.6: closing with unread input makes the kernel send a
    # reset that can destroy the response in flight; the server has to
    # half-close and drain first.
    path = "/bin/pattern-1m.bin"
    h = hashlib.sha256()
    with ctx.connect(timeout=max(ctx.io_timeout, 60)) as c:
        c.send(ctx.req("GET", path, fields=(("Connection", "close"),)) +
               ctx.req("GET", "/notes.txt") * 20)
        time.sleep(0.5)
        resp = c.read_response(sink=h.update)
    expect_eq(resp.status, 200, "status")
    expect_eq(h.hexdigest(), ctx.sha256(path), "SHA-256")
