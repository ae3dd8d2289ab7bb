#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR MIT
"""The privilege drop (Documentation/security.md): khttpdd started as root
binds, opens its logs and control socket, then runs every thread as
[SERVER] User/Group with only the bridge's CAP_NET_ADMIN (none with
"Bridge off"); what that user cannot read is not served; CGI scripts run
with no capability at all; a bad User or Group is a file:line error. Each
test starts its own daemon; tests/daemon/run runs this file in both
balancing modes. Must run as root (as CI does)."""

import grp
import http.client
import os
import pwd
import signal
import socket
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (KHTTPDD, RUN_USER, Daemon, Failure, expect, run_all,  # noqa: E402
                     site, test, wait_until)
from ports import free_port  # noqa: E402  (harness put tests/lib on the path)

CAP_NET_ADMIN = 1 << 12


def status_fields(text):
    """/proc/.../status as {name: value}."""
    out = {}
    for line in text.splitlines():
        k, _, v = line.partition(":")
        out[k] = v.strip()
    return out


def ids(line):
    return [int(x) for x in line.split()]


def nobody():
    pw = pwd.getpwnam(RUN_USER)
    return pw.pw_uid, pw.pw_gid


def thread_statuses(pid):
    base = "/proc/%d/task" % pid
    out = {}
    for tid in os.listdir(base):
        with open(os.path.join(base, tid, "status")) as f:
            out[int(tid)] = status_fields(f.read())
    return out


def expect_dropped(st, who, caps, bounding):
    uid, gid = nobody()
    expect(ids(st["Uid"]) == [uid] * 4, "%s: Uid %s, want %d x4" % (who, st["Uid"], uid))
    expect(ids(st["Gid"]) == [gid] * 4, "%s: Gid %s, want %d x4" % (who, st["Gid"], gid))
    groups = ids(st["Groups"])
    expect(0 not in groups and set(groups) <= {gid} | set(
        g.gr_gid for g in grp.getgrall() if RUN_USER in g.gr_mem),
        "%s: supplementary groups %s are not the User's" % (who, groups))
    for name, want in (("CapEff", caps), ("CapPrm", caps), ("CapInh", 0),
                       ("CapAmb", 0), ("CapBnd", bounding)):
        got = int(st[name], 16)
        expect(got == want, "%s: %s %#x, want %#x" % (who, name, got, want))
    expect(st["NoNewPrivs"] == "1", "%s: NoNewPrivs %s" % (who, st["NoNewPrivs"]))


def check_every_thread(d, caps, min_threads):
    # master + workers + the bridge and the log writer when they run; the
    # harness sees the daemon ready (port, control socket) before the
    # threads are all started: the drop happens between the two
    expect(wait_until(lambda: len(os.listdir("/proc/%d/task" % d.proc.pid)) >= min_threads,
                      10), "fewer than %d threads" % min_threads)
    ts = thread_statuses(d.proc.pid)
    for tid, st in ts.items():
        expect_dropped(st, "thread %d (%s)" % (tid, st["Name"]), caps, caps)


def logger_daemon(workers=3, server_extra=""):
    """A daemon with a log writer thread too, serving d/www."""
    d = Daemon(server_extra=server_extra, workers=workers)
    d.write_conf(server_extra=server_extra, workers=workers, plugins=("logger",),
                 main_sections="[LOGGER]\n    AccessLog %s\n" % d.path("access.log"))
    d.write("www/index.html", "hello\n")
    d.write("conf/sites/default", site("localhost", d.path("www")))
    return d


@test
def every_thread_is_the_user_with_only_cap_net_admin():
    # The bridge is on by default: its netlink commands need CAP_NET_ADMIN.
    d = logger_daemon()
    with d.running():
        expect(d.get("/").status == 200, "serves")
        check_every_thread(d, CAP_NET_ADMIN, 1 + 3 + 2)
        st = os.stat(d.path("access.log"))
        expect((st.st_uid, st.st_gid) == nobody(),
               "the log created at start belongs to the User: %d:%d" %
               (st.st_uid, st.st_gid))


@test
def bridge_off_keeps_no_capability():
    d = logger_daemon(server_extra="    Bridge off\n")
    with d.running():
        expect(d.get("/").status == 200, "serves")
        check_every_thread(d, 0, 1 + 3 + 1)
        expect("running no" in d.ctl("bridge"), "Bridge off: no bridge thread")


@test
def privileged_port_bound_before_the_drop():
    port = free_port(600, 1000)
    d = logger_daemon(workers=2, server_extra="    Listen 127.0.0.1:%d\n" % port)
    with d.running():
        with socket.create_connection(("127.0.0.1", port), 5) as s:
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            expect(s.recv(64).startswith(b"HTTP/1.1 200"), "port %d answers" % port)
        check_every_thread(d, CAP_NET_ADMIN, 1 + 2 + 2)


@test
def what_the_user_cannot_read_is_not_served():
    # PermRequired 0: the mode check would let a root-only file through, so
    # only the daemon's identity keeps it in.
    d = Daemon(server_extra="    PermRequired 0\n")
    d.write("www/public.txt", "public\n", 0o644)
    d.write("www/secret.txt", "secret\n", 0o600)
    d.write("www/private/inside.txt", "inside\n", 0o644)
    os.chmod(d.path("www", "private"), 0o700)
    d.write("conf/sites/default", site("localhost", d.path("www")))
    with d.running():
        r = d.get("/public.txt")
        expect(r.status == 200 and r.body == b"public\n", "world-readable: %d" % r.status)
        for path in ("/secret.txt", "/private/inside.txt", "/private/"):
            r = d.get(path)
            expect(r.status in (403, 404) and b"secret" not in r.body and
                   b"inside" not in r.body, "%s: %d %r" % (path, r.status, r.body[:60]))
        # one connection, refused then served: the early answer left it usable
        with d.connect() as c:
            c.send_request("/secret.txt")
            expect(c.read_response().status in (403, 404), "refused on keep-alive")
            c.send_request("/public.txt", close=True)
            expect(c.read_response().body == b"public\n", "then served")


@test
def cgi_scripts_run_as_the_user_with_no_capability():
    d = Daemon(plugins=("cgi",), main_sections="[CGI]\n    Prefix /cgi-bin/\n")
    d.write("www/cgi-bin/status.sh",
            "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\n'\n"
            "cat /proc/$$/status\n", 0o755)
    d.write("conf/sites/default", site("localhost", d.path("www")))
    with d.running():
        c = http.client.HTTPConnection("127.0.0.1", d.port, timeout=10)
        c.request("GET", "/cgi-bin/status.sh")
        r = c.getresponse()
        body = r.read()     # chunked: the script sends no Content-Length
        c.close()
        expect(r.status == 200 and b"Uid:" in body, "script: %d %r" % (r.status, body[:300]))
        st = status_fields(body.decode())
        # the bounding set is the daemon's ({CAP_NET_ADMIN}): nothing can
        # raise it again with no_new_privs and a non-root uid
        expect_dropped(st, "CGI script", 0, CAP_NET_ADMIN)


@test
def control_socket_is_not_the_users():
    d = Daemon()
    d.write("www/index.html", "x\n")
    d.write("conf/sites/default", site("localhost", d.path("www")))
    with d.running():
        st = os.stat(d.sock)
        expect(st.st_uid == 0 and st.st_mode & 0o777 == 0o600,
               "control socket %d %o" % (st.st_uid, st.st_mode & 0o777))
        uid, gid = nobody()
        # as the User (what a CGI script runs as): no way to command the daemon
        child = os.fork()
        if child == 0:
            code = 1
            try:
                os.setgroups([])
                os.setgid(gid)
                os.setuid(uid)
                with socket.socket(socket.AF_UNIX) as s:
                    s.connect(d.sock)
                code = 0
            except PermissionError:
                code = 13
            finally:
                os._exit(code)
        _, status = os.waitpid(child, 0)
        expect(os.WEXITSTATUS(status) == 13, "the User connected to the control socket: %d" %
               os.WEXITSTATUS(status))
        expect("pid" in d.ctl("status"), "root still can")


@test
def reload_reads_as_the_user_and_identity_waits_for_restart():
    d = Daemon()
    d.write("www/index.html", "x\n")
    d.write("b/index.html", "site b\n")
    d.write("conf/sites/default", site("localhost", d.path("www")))
    with d.running():
        d.write("conf/sites/b", site("b.test", d.path("b")))
        d.write_conf(server_extra="    User daemon\n")
        d.signal(signal.SIGHUP)
        expect(wait_until(lambda: "reloaded" in d.log(), 10), "no reload: " + d.log()[-300:])
        expect(d.get("/", host="b.test").body == b"site b\n", "the new site is served")
        expect("User, Group and service switches" in d.log() and
               "take effect after a restart" in d.log(), "User change noted: " +
               d.log()[-300:])
        check_every_thread(d, CAP_NET_ADMIN, 1 + 2 + 1)     # still nobody
        # a config the User cannot read: the running one stays
        os.chmod(d.path("conf", "sites", "b"), 0o600)
        d.signal(signal.SIGHUP)
        expect(wait_until(lambda: "reload failed" in d.log(), 10), "unreadable: " +
               d.log()[-300:])
        expect("Permission denied" in d.log(), "the reason: " + d.log()[-300:])
        expect(d.get("/", host="b.test").body == b"site b\n", "old config kept")


@test
def bad_user_or_group_names_file_and_line():
    d = Daemon()
    d.write("www/index.html", "x\n")
    d.write("conf/sites/default", site("localhost", d.path("www")))
    conf = d.path("conf", "khttpd.conf")
    for extra, want in (("    User no-such-user-khttpd\n",
                         "User: no user named 'no-such-user-khttpd'"),
                        ("    Group no-such-group-khttpd\n",
                         "Group: no group named 'no-such-group-khttpd'"),
                        ("    User root\n", "User root: khttpdd does not serve as uid 0")):
        d.write_conf(server_extra=extra)
        with open(conf) as f:
            line = f.read().split("\n").index(extra.rstrip("\n")) + 1
        want = "%s:%d: %s" % (conf, line, want)
        for args in (["-t"], []):
            r = subprocess.run([KHTTPDD, "-f", "-c", d.conf] + args, capture_output=True,
                               timeout=10)
            err = r.stderr.decode()
            expect(r.returncode == 1 and want in err,
                   "%r %s: exit %d %r, want %r" % (extra, args, r.returncode, err, want))
    d.cleanup()


@test
def not_root_keeps_its_identity_and_refuses_another_user():
    uid, gid = nobody()
    d = Daemon(server_extra="    User daemon\n")
    d.write("www/index.html", "x\n")
    d.write("conf/sites/default", site("localhost", d.path("www")))
    d.preexec = lambda: (os.setgroups([]), os.setgid(gid), os.setuid(uid))
    try:
        d.start()
        raise AssertionError("started as %s with User daemon" % RUN_USER)
    except Failure as e:
        expect("cannot become uid %d" % pwd.getpwnam("daemon").pw_uid in str(e),
               "the reason: %s" % e)
    finally:
        d.cleanup()


if __name__ == "__main__":
    if os.geteuid() != 0:
        print("not ok - must run as root: the privilege drop is what is tested")
        print("0 passed, 1 failed")
        sys.exit(1)
    sys.exit(run_all(sys.argv))
