#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR MIT
"""A short khttpdd session under valgrind (memcheck, leak check): every
plugin loaded, static files, a listing, auth, a denied URI, errors,
pipelining, a reload, a log reopen, khttpctl, then SIGTERM. Fails on any
memcheck error or definite/indirect leak."""

import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import KHTTPDD, Daemon, Failure, expect, run_all, site, test  # noqa: E402

from htpasswd import hashed  # noqa: E402


@test
def valgrind_short_session():
    d = Daemon(plugins=("mandril", "auth", "dirlisting", "logger"),
               main_sections="[MANDRIL]\n    DenyURI \\.bak$\n[DIRLISTING]\n    Json on\n")
    d.write("a/index.html", "A\n")
    d.write("a/list/x.txt", "x")
    d.write("a/private/s.txt", "s")
    d.write("htpasswd", "u:%s\n" % hashed("p", "sha256"))
    d.write("conf/sites/a", site("a.test", d.path("a"),
                                 "[AUTH]\n    Location /private\n    Users %s\n"
                                 "[LOGGER]\n    AccessLog %s\n    ErrorLog %s\n" %
                                 (d.path("htpasswd"), d.path("access.log"),
                                  d.path("error.log"))))
    vlog = d.path("valgrind.log")
    # --vgdb=no: no pipes in /tmp that the dropped User could not unlink
    cmd = ["valgrind", "--quiet", "--vgdb=no", "--leak-check=full", "--show-leak-kinds=definite,indirect",
           "--errors-for-leak-kinds=definite,indirect", "--error-exitcode=33",
           "--log-file=" + vlog, KHTTPDD, "-f", "-c", d.conf]
    d.proc = subprocess.Popen(cmd, stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    try:
        deadline = time.time() + 60
        while not os.path.exists(d.sock) and time.time() < deadline:
            time.sleep(0.2)
        time.sleep(1)
        expect(d.get("/", host="a.test").status == 200, "index")
        r = d.get("/list/", host="a.test")
        expect(r.status == 200, "listing: %d %r" % (r.status, r.body[:200]))
        expect(d.get("/list/?format=json", host="a.test").status == 200, "json listing")
        expect(d.get("/private/s.txt", host="a.test").status == 401, "auth 401")
        expect(d.get("/x.bak", host="a.test").status == 403, "mandril 403")
        expect(d.get("/nope", host="a.test").status == 404, "404")
        with d.connect(timeout=30) as c:
            c.send(b"GET / HTTP/1.1\r\nHost: a.test\r\n\r\n" * 3 +
                   b"GET /list HTTP/1.1\r\nHost: a.test\r\nRange: bytes=0-0\r\n\r\n")
            for _ in range(4):
                c.read_response()
            c.send(b"GET /\x7f HTTP/1.1\r\n\r\n")
            expect(c.read_response().status == 400, "bad request")
        d.signal(signal.SIGHUP)
        time.sleep(2)
        d.signal(signal.SIGUSR1)
        time.sleep(1)
        expect(d.get("/", host="a.test").status == 200, "after reload")
        d.ctl("stats")
        d.ctl("--json", "vhosts")
        d.signal(signal.SIGTERM)
        rc = d.proc.wait(120)
        with open(vlog) as f:
            report = f.read()
        # "==pid==" lines are errors and leaks; "--pid--" ones are notes
        # (valgrind does not know openat2: the daemon falls back to its walk)
        errors = [l for l in report.splitlines() if l.startswith("==")]
        expect(rc == 0 and not errors,
               "valgrind exit %d, report:\n%s" % (rc, "\n".join(errors)[-4000:]))
    finally:
        d.cleanup()


if __name__ == "__main__":
    sys.exit(run_all(sys.argv))
