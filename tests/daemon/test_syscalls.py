#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR MIT
"""System calls per request of khttpdd's static path, counted with strace:
a count is deterministic where a time is not, so it can fail a test. The
targets (issue 17, Documentation/benchmarks.md) are at most 3 calls per
1 KiB keep-alive request and 8 per one-connection-per-request request, in
both balancing modes. The keep-alive run is one connection: its accept and
close may cost what a close request may (8 calls) on top of the requests.

The workers' 1 s timer is not request work: each tick is one epoll_wait and
one 8-byte read of the timerfd, both taken out of the count (if a tick and a
request ever share an epoll_wait, that removes one call too many: at most
one per tick, a few in a thousand requests)."""

import os
import re
import signal
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import TOP, Daemon, expect, run_all, site, test, wait_until  # noqa: E402

FIXED = os.path.join(TOP, "bench", "fixed_requests.py")
REQUESTS = 500
TARGET = {"ka": 3.0, "close": 8.0}

# "1234  name(args) = result", "1234  <... name resumed>...) = result"
CALL = re.compile(r"^\d+\s+(?:<\.\.\. (\w+) resumed>|(\w+)\()")


def tasks(pid):
    return os.listdir("/proc/%d/task" % pid)


def traced(pid):
    """Every thread of pid has a tracer."""
    for tid in tasks(pid):
        with open("/proc/%d/task/%s/status" % (pid, tid)) as f:
            if "\nTracerPid:\t0\n" in f.read():
                return False
    return True


def timerfds(pid):
    """The fd numbers of pid's timerfds (the workers' ticks)."""
    fds = set()
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            if os.readlink("/proc/%d/fd/%s" % (pid, fd)) == "anon_inode:[timerfd]":
                fds.add(int(fd))
        except OSError:
            pass
    return fds


def count_calls(trace, ticks_fds):
    """(calls per name, ticks) of the finished calls in an strace -f log."""
    calls, ticks = {}, 0
    tick = re.compile(r"^\d+\s+read\((%s), .*, 8\)\s+= 8$" %
                      "|".join(str(fd) for fd in sorted(ticks_fds)))
    for line in trace.splitlines():
        m = CALL.match(line)
        if not m or "<unfinished ...>" in line or " = " not in line:
            continue
        if ticks_fds and tick.match(line):
            ticks += 1
            continue
        name = m.group(1) or m.group(2)
        calls[name] = calls.get(name, 0) + 1
    return calls, ticks


def per_request(balance, mode):
    # FileCacheValid: the cached file's revalidation (4 calls per file every
    # FileCacheValid seconds, not per request) stays out of a run this short
    d = Daemon(server_extra="    Balance %s\n    Bridge off\n    KeepAliveMax 1000000\n"
               "    FileCacheValid 3600\n" % balance)
    d.write("conf/sites/www", site("127.0.0.1 localhost", d.path("www")))
    d.write("www/1k.bin", os.urandom(1024))
    d.tls = False
    with d.running():
        # warm: the open-file cache holds the file, every worker has run
        for _ in range(3):
            subprocess.run([sys.executable, FIXED, str(d.port), "/1k.bin", "4", mode],
                           check=True, capture_output=True, timeout=30)
        out = d.path("strace.txt")
        st = subprocess.Popen(["strace", "-f", "-qq", "-o", out, "-p", str(d.proc.pid)],
                              stderr=subprocess.PIPE)
        try:
            expect(wait_until(lambda: traced(d.proc.pid), 10),
                   "strace did not attach to every thread")
            r = subprocess.run([sys.executable, FIXED, str(d.port), "/1k.bin",
                                str(REQUESTS), mode], capture_output=True, timeout=120)
            expect(r.returncode == 0, "fixed_requests %s: %s" % (mode, r.stderr[-300:]))
            fds = timerfds(d.proc.pid)
        finally:
            st.send_signal(signal.SIGINT)
            st.wait(30)
        with open(out) as f:
            calls, ticks = count_calls(f.read(), fds)
    total = sum(calls.values()) - ticks     # the epoll_wait each tick woke
    top = ", ".join("%s %d" % kv for kv in sorted(calls.items(), key=lambda kv: -kv[1])[:6])
    return total, top, ticks


def check(balance, mode):
    total, top, ticks = per_request(balance, mode)
    limit = TARGET[mode] * REQUESTS + (TARGET["close"] if mode == "ka" else 0)
    print("# Balance %s, %s: %d calls for %d requests, %.3f each (%s; %d timer ticks left out)" %
          (balance, mode, total, REQUESTS, total / REQUESTS, top, ticks))
    expect(total <= limit, "Balance %s, %s: %d system calls for %d requests > %d (%s)" %
           (balance, mode, total, REQUESTS, limit, top))


@test
def syscalls_keepalive_leastconn():
    check("leastconn", "ka")


@test
def syscalls_close_leastconn():
    check("leastconn", "close")


@test
def syscalls_keepalive_reuseport():
    check("reuseport", "ka")


@test
def syscalls_close_reuseport():
    check("reuseport", "close")


if __name__ == "__main__":
    sys.exit(run_all(sys.argv))
