# SPDX-License-Identifier: GPL-2.0 OR MIT
"""Ports for test servers that no concurrent suite or client can take.

bind() to port 0 hands out a port from the ephemeral range, the range every
client connection's source port also comes from: between picking such a port
and the server binding it, a client of another suite running at the same
time can take it, and a test then talks to the wrong server. These ports
come from below the ephemeral range, and a lock file that this process holds
until it exits keeps concurrent suites (and this process) from picking the
same one twice.

As a program it prints N distinct ports (default 1), for shell scripts; the
locks end with it, and the range alone then keeps clients off them."""

import fcntl
import os
import random
import socket
import sys

LOCK_DIR = "/tmp/khttpd-test-ports"
LOWEST = 10000
_held = []


def _ephemeral_low():
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_port(lowest=LOWEST, highest=None):
    """A port in [lowest, highest] (default: up to the ephemeral range);
    below 1024 for a test that needs a privileged one."""
    os.makedirs(LOCK_DIR, mode=0o1777, exist_ok=True)
    if highest is None:
        highest = min(_ephemeral_low(), 32768) - 1
    for _ in range(1000):
        port = random.randint(lowest, highest)
        fd = os.open(os.path.join(LOCK_DIR, str(port)), os.O_CREAT | os.O_RDWR, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            with socket.socket() as s:
                s.bind(("127.0.0.1", port))
        except OSError:
            os.close(fd)
            continue
        _held.append(fd)
        return port
    raise RuntimeError("no free port below the ephemeral range")


if __name__ == "__main__":
    print(" ".join(str(free_port()) for _ in range(int(sys.argv[1]) if sys.argv[1:] else 1)))
