#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR MIT
"""Security cases of khttpdd's core (issue 12): CL.0 smuggling past an early
answer, duplicate credential fields, Host with a trailing dot, dotfiles.
Raw sockets: each case asserts exactly which responses come back and
whether the connection closes."""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Daemon, expect, run_all, site, test  # noqa: E402

SMUGGLED = b"GET /secret.txt HTTP/1.1\r\nHost: a.test\r\n\r\n"


def denied_site(d):
    d.write("a/index.html", "site A\n")
    d.write("a/secret.txt", "smuggled\n")
    d.write("conf/sites/a", site("a.test", d.path("a")))


def denying_daemon():
    """mandril answers /deny with 403 before anyone reads the body."""
    d = Daemon(plugins=("mandril",), main_sections="[MANDRIL]\n    DenyURI ^/deny\n")
    denied_site(d)
    return d


DENIED_HEAD = (b"POST /deny HTTP/1.1\r\nHost: a.test\r\nContent-Length: %d\r\n\r\n"
               % len(SMUGGLED))
LAST_GET = b"GET / HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n"


def statuses(c, n):
    return [c.read_response() for _ in range(n)]


@test
def early_403_skips_body_one_write():
    d = denying_daemon()
    with d.running():
        with d.connect() as c:
            c.send(DENIED_HEAD + SMUGGLED + LAST_GET)
            r1, r2 = statuses(c, 2)
            expect(r1.status == 403, "first: %d" % r1.status)
            expect(r2.status == 200 and r2.body == b"site A\n",
                   "second must be the GET /, not the body: %d %r" % (r2.status, r2.body))
            expect(c.closed_within(3), "closes after Connection: close")


@test
def early_403_skips_body_split():
    d = denying_daemon()
    with d.running():
        with d.connect() as c:
            c.send(DENIED_HEAD)
            r1 = c.read_response()
            expect(r1.status == 403 and r1.header("Connection") != "close",
                   "403 first, connection kept: %d" % r1.status)
            c.send(SMUGGLED[:10])
            c.send(SMUGGLED[10:])
            c.send(LAST_GET)
            r2 = c.read_response()
            expect(r2.status == 200 and r2.body == b"site A\n",
                   "the body was parsed as a request: %d %r" % (r2.status, r2.body))
            expect(c.closed_within(3), "closes after Connection: close")


@test
def early_answer_chunked_body_closes():
    d = denying_daemon()
    with d.running():
        with d.connect() as c:
            c.send(b"POST /deny HTTP/1.1\r\nHost: a.test\r\nTransfer-Encoding: chunked\r\n\r\n"
                   b"%x\r\n" % len(SMUGGLED) + SMUGGLED + b"\r\n0\r\n\r\n")
            r1 = c.read_response()
            expect(r1.status == 403 and r1.header("Connection") == "close",
                   "403 and close: %d %r" % (r1.status, r1.headers))
            expect(c.closed_within(3) and not c.buf, "nothing after the 403: %r" % bytes(c.buf))


@test
def duplicate_authorization_is_400():
    d = Daemon()
    denied_site(d)
    with d.running():
        for fields in (b"Authorization: Basic YTpi\r\nAuthorization: Basic Yzpk\r\n",
                       b"Authorization: Basic YTpi\r\nAuthorization:\r\n",
                       b"Proxy-Authorization: x\r\nProxy-Authorization: y\r\n"):
            with d.connect() as c:
                c.send(b"GET / HTTP/1.1\r\nHost: a.test\r\n" + fields + b"\r\n")
                r = c.read_response()
                expect(r.status == 400 and c.closed_within(3),
                       "%r: %d, want 400 and close" % (fields, r.status))


@test
def host_trailing_dot_selects_its_vhost():
    d = Daemon()
    d.write("a/index.html", "site A\n")
    d.write("b/index.html", "site B\n")
    d.write("conf/sites/a", site("a.test", d.path("a")))
    d.write("conf/sites/b", site("b.test", d.path("b")))
    with d.running():
        for host in ("b.test.", "B.TEST.:80", "b.test"):
            r = d.get("/", host=host)
            expect(r.status == 200 and r.body == b"site B\n",
                   "Host %s: %d %r" % (host, r.status, r.body))


@test
def dotfiles_neither_served_nor_listed():
    """World-readable .htpasswd, .git/ and .env: 404 however the target
    spells them, absent from listings (HTML and JSON); only the top-level
    /.well-known (RFC 8615) is served and listed."""
    d = Daemon(plugins=("dirlisting",), main_sections="[DIRLISTING]\n    Json on\n")
    secret = "SECRET-7c41e0"
    for f in (".htpasswd", ".git/config", ".git/index.html", "list/.env",
              ".well-known/.env"):
        d.write("a/" + f, secret + "\n")
    d.write("a/list/seen.txt", "seen\n")
    d.write("a/.well-known/acme-challenge/t0k3n", "t0k3n\n")
    d.write("conf/sites/a", site("a.test", d.path("a")))
    with d.running():
        for path in ("/.htpasswd", "/%2ehtpasswd", "/.git/", "/.git", "/.git/config",
                     "/list/.env", "/list/%2Eenv", "/list/x/../.env", "/.well-known/.env",
                     "/.git/?format=json"):
            r = d.get(path, host="a.test")
            expect(r.status == 404 and secret.encode() not in r.body,
                   "%s: %d %r, want 404" % (path, r.status, r.body[:80]))
        r = d.get("/.well-known/acme-challenge/t0k3n", host="a.test")
        expect(r.status == 200 and r.body == b"t0k3n\n", "well-known: %d" % r.status)
        for path in ("/", "/list/", "/.well-known/"):
            html = d.get(path, host="a.test").body.decode()
            names = json.loads(d.get(path + "?format=json", host="a.test").body)["entries"]
            names = [e["name"] for e in names]
            hidden = [n for n in names if n.startswith(".") and
                      not (path == "/" and n == ".well-known")]
            expect(not hidden and all(".%s" % h not in html for h in ("htpasswd", "git", "env")),
                   "%s lists hidden names: %r" % (path, names))
            if path == "/":
                expect(".well-known" in names and 'href=".well-known/"' in html,
                       "/.well-known not listed: %r" % names)
            if path == "/list/":
                expect(names == ["seen.txt"], "/list/: %r" % names)


if __name__ == "__main__":
    sys.exit(run_all(sys.argv))
