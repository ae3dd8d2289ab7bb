# SPDX-License-Identifier: GPL-2.0 OR MIT
"""khttpdd.service and khttpd-module.service as make install writes them:
systemd-analyze verify clean, an exposure of at most 3.0 with the
sandboxing the design asks for, a daemon that keeps to the unit's terms
(every system call it and its CGI scripts make is inside the unit's
SystemCallFilter; started as the unit starts it, a non-root User with
ambient capabilities, it binds a low port and keeps only CAP_NET_ADMIN),
and the Type=notify protocol: READY=1 once the port accepts, RELOADING=1
and READY=1 around a SIGHUP, STOPPING=1 when the SIGTERM drain starts."""

import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "daemon"))
from harness import (KHTTPDD, TOP, Daemon, expect, free_port, run_all, site,  # noqa: E402
                     test, wait_until)

MAX_EXPOSURE = 3.0
CAP_NET_ADMIN = 12
_tree = []


def installed():
    """A make install with every path under one temporary directory (no
    DESTDIR, so the units name binaries that exist)."""
    if not _tree:
        d = tempfile.mkdtemp(prefix="khttpd-install-")
        r = subprocess.run(["make", "-s", "-C", TOP, "install", "PREFIX=%s/usr" % d,
                            "SYSCONFDIR=%s/etc" % d, "UNITDIR=%s/units" % d,
                            "DKMSDIR=%s/src" % d, "LOGDIR=%s/log" % d],
                           capture_output=True, timeout=300)
        expect(r.returncode == 0, "make install: %r" % r.stderr[-500:])
        _tree.append(d)
    return _tree[0]


def unit(name):
    return os.path.join(installed(), "units", name)


def unit_setting(name, key):
    """The values of key= in a unit, in order."""
    with open(unit(name)) as f:
        return [l.split("=", 1)[1].strip() for l in f if l.startswith(key + "=")]


@test
def units_verify_clean():
    env = dict(os.environ, MANPATH="%s/usr/share/man:/usr/share/man" % installed())
    r = subprocess.run(["systemd-analyze", "verify", unit("khttpdd.service"),
                        unit("khttpd-module.service")], capture_output=True, env=env,
                       timeout=60)
    out = (r.stdout + r.stderr).decode().strip()
    expect(r.returncode == 0 and not out, "systemd-analyze verify: %d %s" % (r.returncode, out))


@test
def exposure_at_most_3():
    r = subprocess.run(["systemd-analyze", "security", "--offline=true",
                        unit("khttpdd.service")], capture_output=True, timeout=60)
    m = re.search(rb"Overall exposure level for khttpdd.service: ([0-9.]+)", r.stdout)
    expect(m, "no exposure figure: %r" % r.stdout[-300:])
    print("# systemd-analyze security khttpdd.service: %s" % m.group(1).decode())
    expect(float(m.group(1)) <= MAX_EXPOSURE, "exposure %s > %s" % (m.group(1), MAX_EXPOSURE))
    r = subprocess.run(["systemd-analyze", "security", "--offline=true", "--json=short",
                        unit("khttpdd.service")], capture_output=True, timeout=60)
    checks = {c["name"]: c for c in json.loads(r.stdout)}
    for name in ("ProtectSystem=", "ProtectHome=", "PrivateTmp=", "NoNewPrivileges=",
                 "SystemCallFilter=~@mount", "RestrictAddressFamilies=~AF_PACKET",
                 "CapabilityBoundingSet=~CAP_SYS_ADMIN", "CapabilityBoundingSet=~CAP_SET(UID|GID|PCAP)",
                 "User=/DynamicUser="):
        expect(name in checks and checks[name]["exposure"] in (None, 0, 0.0),
               "%s not in force: %r" % (name, checks.get(name)))
    families = " ".join(unit_setting("khttpdd.service", "RestrictAddressFamilies")).split()
    expect("AF_NETLINK" in families, "the bridge needs AF_NETLINK: %r" % families)


def filter_set(expr):
    """systemd-analyze syscall-filter's expansion of a group or a name."""
    if not expr.startswith("@"):
        return {expr}
    r = subprocess.run(["systemd-analyze", "syscall-filter", expr], capture_output=True,
                       timeout=30)
    names = set()
    for line in r.stdout.decode().splitlines()[1:]:
        w = line.strip().split()
        if not w or w[0].startswith("#"):
            continue
        names |= filter_set(w[0])
    return names


def unit_syscalls():
    """What the unit's SystemCallFilter= lines let through, in order."""
    allowed = set()
    for v in unit_setting("khttpdd.service", "SystemCallFilter"):
        deny = v.startswith("~")
        names = set().union(*(filter_set(e) for e in v.lstrip("~").split()))
        allowed = allowed - names if deny else allowed | names
    return allowed


@test
def daemon_and_scripts_keep_to_the_syscall_filter():
    allowed = unit_syscalls()
    expect("epoll_wait" in allowed and "reboot" not in allowed,
           "filter expansion: %d names" % len(allowed))
    d = Daemon(plugins=("cgi", "logger"), main_sections="[CGI]\n    Prefix /cgi-bin/\n"
               "[LOGGER]\n    AccessLog %s\n" % os.path.join(tempfile.gettempdir(), "x"))
    d.write("conf/khttpd.conf", open(os.path.join(d.conf, "khttpd.conf")).read()
            .replace(tempfile.gettempdir() + "/x", d.path("log", "access.log")))
    os.makedirs(d.path("log"))
    os.chmod(d.path("log"), 0o777)
    d.write("www/index.html", "static\n")
    d.write("www/cgi-bin/env.sh", "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\n'\n"
            "echo script\n", 0o755)
    d.write("conf/sites/default", site("localhost", d.path("www")))
    trace = d.path("log", "strace.out")
    try:
        # Started as the unit starts it (see as_the_unit_starts_it below);
        # strace -f: the daemon, its threads and its CGI children; -c: names
        spawn(d, as_the_unit() + ["strace", "-f", "-qq", "-c", "-U", "name", "-o", trace])
        expect(wait_port(d), "khttpdd under strace did not start: %s" % d.log()[-300:])
        expect(d.get("/").body == b"static\n", "static")
        c = http.client.HTTPConnection("127.0.0.1", d.port, timeout=10)
        c.request("GET", "/cgi-bin/env.sh")
        r = c.getresponse()
        body = r.read()     # chunked: the script sends no Content-Length
        c.close()
        expect(body == b"script\n", "cgi: %d %r" % (r.status, body[:200]))
        # signals go to the daemon, strace's child, not to strace
        with open("/proc/%d/task/%d/children" % (d.proc.pid, d.proc.pid)) as f:
            daemon = int(f.read().split()[0])
        os.kill(daemon, signal.SIGHUP)
        expect(wait_for_log(d, "reloaded"), "reload: %s" % d.log()[-300:])
        os.kill(daemon, signal.SIGTERM)
        expect(d.proc.wait(30) == 0, "exit %r: %s" % (d.proc.returncode, d.log()[-300:]))
        with open(trace) as f:
            used = {l.split()[0] for l in f if re.match(r"^\s*\w+\s*$", l)}
        used -= {"syscall", "total"}    # strace -c's header and total lines
        expect(len(used) > 20, "strace counted %d names: %r" % (len(used), sorted(used)))
        outside = sorted(used - allowed)
        expect(not outside, "system calls outside SystemCallFilter: %s" % outside)
    finally:
        d.cleanup()


def as_the_unit():
    """setpriv's command line for the unit's User and AmbientCapabilities
    (nobody stands in for the khttpd user)."""
    expect(os.geteuid() == 0 and shutil.which("setpriv"), "needs root and setpriv")
    caps = ",".join("+" + c.lower().replace("cap_", "")
                    for c in " ".join(unit_setting("khttpdd.service",
                                                   "AmbientCapabilities")).split())
    return ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
            "--inh-caps=" + caps, "--ambient-caps=" + caps]


def spawn(d, prefix, env=None):
    """khttpdd -f on d's config behind a wrapper (strace, setpriv)."""
    d.stderr = open(d.stderr_path, "ab")
    d.proc = subprocess.Popen(prefix + [KHTTPDD, "-f", "-c", d.conf], stdout=d.stderr,
                              stderr=d.stderr, env=env)


def wait_port(d, timeout=15):
    def up():
        try:
            socket.create_connection(("127.0.0.1", d.port), 0.2).close()
            return True
        except OSError:
            return False
    return wait_until(lambda: up() or d.proc.poll() is not None, timeout) and up()


def wait_for_log(d, text, timeout=10):
    return wait_until(lambda: text in d.log(), timeout)


def cap_eff(pid):
    with open("/proc/%d/status" % pid) as f:
        return int(re.search(r"CapEff:\s*([0-9a-f]+)", f.read()).group(1), 16)


@test
def as_the_unit_starts_it_low_port_then_only_cap_net_admin():
    """User=nobody with AmbientCapabilities, as khttpdd.service does: the
    daemon keeps its identity, binds a port below 1024 and then holds
    CAP_NET_ADMIN alone."""
    d = Daemon()
    d.port = free_port(lowest=900, highest=1023)
    d.write_conf()
    os.makedirs(d.path("www"))
    d.write("www/index.html", "low\n")
    d.write("conf/sites/default", site("localhost", d.path("www")))
    try:
        spawn(d, as_the_unit())
        expect(wait_port(d), "did not start: %s" % d.log()[-300:])
        expect(d.get("/").body == b"low\n", "served on port %d" % d.port)
        eff = cap_eff(d.proc.pid)
        expect(eff == 1 << CAP_NET_ADMIN, "CapEff %#x, want CAP_NET_ADMIN alone" % eff)
        d.signal(signal.SIGTERM)
        expect(d.proc.wait(30) == 0, "exit %r" % d.proc.returncode)
    finally:
        d.cleanup()


@test
def notify_ready_reloading_stopping():
    d = Daemon()
    os.makedirs(d.path("www"))
    d.write("conf/sites/default", site("localhost", d.path("www")))
    path = d.path("notify")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    os.chmod(path, 0o666)   # as /run/systemd/notify: the daemon's User sends
    s.settimeout(15)
    try:
        spawn(d, [], env=dict(os.environ, NOTIFY_SOCKET=path))
        expect(s.recv(256) == b"READY=1", "first message READY=1")
        # ready means serving: the port accepts now, without waiting
        socket.create_connection(("127.0.0.1", d.port), 2).close()
        d.signal(signal.SIGHUP)
        expect(s.recv(256) == b"RELOADING=1", "RELOADING=1 on SIGHUP")
        expect(s.recv(256) == b"READY=1", "READY=1 after the reload")
        d.signal(signal.SIGTERM)
        expect(s.recv(256) == b"STOPPING=1", "STOPPING=1 on SIGTERM")
        expect(d.proc.wait(30) == 0, "exit %r" % d.proc.returncode)
    finally:
        s.close()
        d.cleanup()


if __name__ == "__main__":
    try:
        sys.exit(run_all(sys.argv))
    finally:
        for t in _tree:
            shutil.rmtree(t, ignore_errors=True)
