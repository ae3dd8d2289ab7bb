#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR MIT
"""Security cases of CGI local redirects (RFC 3875 6.2.2, issue 12 item 9):
a script's "Location: /path" is a new internal request for /path that goes
through the whole request pipeline (auth, mandril, the cache, Match rules)
with the original request's fields, and the cache never keeps its answer
under the script's path. Each test starts its own daemon; tests/daemon/run
runs this file in both balancing modes."""

import base64
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Daemon, expect, run_all, site, test, wait_until  # noqa: E402

from htpasswd import hashed  # noqa: E402

# Debian's python3: the daemon's User can reach it (see test_security_gateway).
PY = "#!/usr/bin/python3\nimport os, sys\n"
ALICE = "Authorization: Basic " + base64.b64encode(b"alice:wonderland").decode()
SECRET = b"the secret\n"


def redirect_daemon(cache=False):
    """/private is behind auth, /denied behind mandril's DenyURI; scripts
    under /cgi-bin/. With cache, [CACHE] stores every file it may."""
    plugins = ("mandril", "auth") + (("cache",) if cache else ()) + ("cgi",)
    d = Daemon(plugins=plugins, main_sections="[MANDRIL]\n    DenyURI ^/denied/\n" +
               ("[CACHE]\n    AdminPath /khttpd/cache\n" if cache else ""))
    d.write("htpasswd", "alice:%s\n" % hashed("wonderland"))
    d.write("www/private/secret.txt", SECRET)
    d.write("www/denied/x.txt", "denied file\n")
    d.write("www/pub/a.txt", "file a\n")
    d.write("www/pub/b.txt", "file b\n")
    d.write("conf/sites/default", site("localhost", d.path("www"),
            "[CGI]\n    Prefix /cgi-bin/\n[AUTH]\n    Location /private\n"
            "    Users %s\n" % d.path("htpasswd")))
    redirector(d, "to-secret.py", "'/private/secret.txt'")
    redirector(d, "to-denied.py", "'/denied/x.txt'")
    redirector(d, "loop.py", "'/cgi-bin/loop.py'")
    redirector(d, "to-pub.py", "'/pub/' + os.environ['QUERY_STRING'] + '.txt'")
    redirector(d, "to-env.py", "'/cgi-bin/env.py?from=redirect'")
    d.write("www/cgi-bin/env.py", PY +
            "body = ''.join('%s=%s\\n' % (k, os.environ.get(k, '-')) for k in\n"
            "    ('REQUEST_METHOD', 'QUERY_STRING', 'CONTENT_LENGTH', 'REQUEST_URI'))\n"
            "sys.stdout.write('Content-Type: text/plain\\r\\nContent-Length: %d\\r\\n\\r\\n%s'"
            " % (len(body), body))\n", 0o755)
    return d


def redirector(d, name, target):
    """A script that answers a local redirect to the Python expression target."""
    d.write("www/cgi-bin/" + name, PY +
            "sys.stdout.write('Location: ' + %s + '\\r\\n\\r\\n')\n" % target, 0o755)


@test
def redirect_to_auth_location_asks_for_credentials():
    d = redirect_daemon()
    with d.running():
        r = d.get("/cgi-bin/to-secret.py")
        expect(r.status == 401 and SECRET not in r.body and r.header("WWW-Authenticate"),
               "anonymous: %d %r, want 401 with a challenge" % (r.status, r.body))
        r = d.get("/cgi-bin/to-secret.py", headers=(ALICE,))
        expect(r.status == 200 and r.body == SECRET,
               "authenticated: %d %r" % (r.status, r.body))
        bad = "Authorization: Basic " + base64.b64encode(b"alice:nope").decode()
        r = d.get("/cgi-bin/to-secret.py", headers=(bad,))
        expect(r.status == 401, "wrong password: %d" % r.status)


@test
def redirect_to_denied_uri_is_403():
    d = redirect_daemon()
    with d.running():
        r = d.get("/cgi-bin/to-denied.py")
        expect(r.status == 403 and b"denied file" not in r.body,
               "mandril DenyURI on the target: %d %r" % (r.status, r.body))


@test
def redirect_loop_is_500_and_connection_usable():
    d = redirect_daemon()
    with d.running():
        with d.connect(timeout=20) as c:
            c.send_request("/cgi-bin/loop.py")
            r = c.read_response()
            expect(r.status == 500, "redirect loop: %d, want 500" % r.status)
            c.send_request("/pub/a.txt", close=True)
            r = c.read_response()
            expect(r.status == 200 and r.body == b"file a\n",
                   "next request on the connection: %d %r" % (r.status, r.body))


@test
def redirect_is_a_get_without_the_body():
    """POST with a body: the target runs as GET with the redirect's query,
    no CONTENT_LENGTH; the body is consumed, the pipelined request after it
    is answered. HEAD stays HEAD: no body in the answer."""
    d = redirect_daemon()
    with d.running():
        with d.connect(timeout=10) as c:
            c.send(b"POST /cgi-bin/to-env.py?orig=1 HTTP/1.1\r\nHost: localhost\r\n"
                   b"Content-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello"
                   b"GET /pub/b.txt HTTP/1.1\r\nHost: localhost\r\n\r\n")
            r = c.read_response()
            env = dict(l.split("=", 1) for l in r.body.decode().splitlines())
            expect(r.status == 200 and env.get("REQUEST_METHOD") == "GET" and
                   env.get("QUERY_STRING") == "from=redirect" and
                   env.get("CONTENT_LENGTH") == "-" and
                   env.get("REQUEST_URI") == "/cgi-bin/env.py?from=redirect",
                   "redirected request: %d %r" % (r.status, r.body))
            r = c.read_response()
            expect(r.status == 200 and r.body == b"file b\n",
                   "pipelined request after the body: %d %r" % (r.status, r.body))
            c.send_request("/cgi-bin/to-secret.py", (ALICE,), method="HEAD", close=True)
            r = c.read_response(head_only=True)
            expect(r.status == 200 and r.header("Content-Length") == str(len(SECRET)),
                   "HEAD through the redirect: %d %r" % (r.status, r.headers))
            expect(c.closed_within(5) and not c.buf,
                   "nothing after the HEAD answer: %r" % bytes(c.buf))


def cached_paths(d):
    r = d.get("/khttpd/cache/stats.json")
    expect(r.status == 200, "stats.json: %d" % r.status)
    return [e["path"] for e in json.loads(r.body)["top"]]


@test
def redirect_answer_not_cached_under_the_script():
    d = redirect_daemon(cache=True)
    with d.running():
        for _ in range(2):
            r = d.get("/cgi-bin/to-secret.py", headers=(ALICE,))
            expect(r.status == 200 and r.body == SECRET,
                   "authenticated: %d %r" % (r.status, r.body))
        r = d.get("/cgi-bin/to-secret.py")
        expect(r.status == 401 and SECRET not in r.body,
               "anonymous after an authenticated redirect: %d %r" % (r.status, r.body))
        # the cache key has no query: a second target must not come back as the first
        for q in ("a", "b", "a", "b"):
            r = d.get("/cgi-bin/to-pub.py?" + q)
            expect(r.status == 200 and r.body == ("file %s\n" % q).encode(),
                   "to-pub.py?%s: %d %r" % (q, r.status, r.body))
        paths = cached_paths(d)
        expect(not any(p.startswith("/cgi-bin/") for p in paths),
               "the cache keeps a redirect's answer under the script: %r" % paths)



@test
def access_log_shows_the_client_request_line_after_a_redirect():
    """After an internal redirect the access and error logs show the
    request line the client sent (before: the redirect target's, so a log
    could not tell which script answered, nor a POST from a GET)."""
    d = Daemon()
    d.write_conf(plugins=("logger", "cgi"),
                 main_sections="[LOGGER]\n    AccessLog %s\n    ErrorLog %s\n"
                 % (d.path("access.log"), d.path("error.log")))
    d.write("www/pub/a.txt", "file a\n")
    d.write("conf/sites/default", site("localhost", d.path("www"),
            "[CGI]\n    Prefix /cgi-bin/\n"))
    redirector(d, "to-pub.py", "'/pub/' + os.environ['QUERY_STRING'] + '.txt'")
    with d.running():
        r = d.get("/cgi-bin/to-pub.py?a")
        expect(r.status == 200 and r.body == b"file a\n", "redirect: %d %r" % (r.status, r.body))
        r = d.get("/cgi-bin/to-pub.py?nope", method="POST", headers=("Content-Length: 0",))
        expect(r.status == 404, "redirect to a missing file: %d" % r.status)
        access = wait_lines(d.path("access.log"), 2)
        error = wait_lines(d.path("error.log"), 1)
    # two connections, maybe two workers: matched by content, not order
    for lines, want in ((access, '"GET /cgi-bin/to-pub.py?a HTTP/1.1" 200 '),
                        (access, '"POST /cgi-bin/to-pub.py?nope HTTP/1.1" 404 '),
                        (error, '404 "POST /cgi-bin/to-pub.py?nope HTTP/1.1"')):
        expect(any(want in line for line in lines), "log %r, want %r in it" % (lines, want))


def wait_lines(path, n):
    """The first n lines of the log at path, once it has them (5 s at most)."""
    lines = []

    def enough():
        nonlocal lines
        try:
            with open(path) as f:
                lines = f.read().splitlines()
        except OSError:
            return False
        return len(lines) >= n
    expect(wait_until(enough, 5), "%s: %d lines, want %d: %r" % (path, len(lines), n, lines))
    return lines[:n]


if __name__ == "__main__":
    sys.exit(run_all(sys.argv))
