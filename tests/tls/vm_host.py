#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR MIT
"""Host side of tests/tls/vm-run: through the forwarded ports, download the
guest's big file over TLS 1.3 from the kTLS daemon and from the KTLS off
one, byte-exact (the file is sparse with the marks at known blocks), and
keep-alive requests over TLS 1.2 (kTLS in both directions with OpenSSL
3.0). Prints ok/not ok and the tally."""

import argparse
import hashlib
import os
import socket
import ssl
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "lib"))
sys.dont_write_bytecode = True
from http_response import Incomplete, get_digest  # noqa: E402

passed = failed = 0


def result(ok, what):
    global passed, failed
    if ok:
        passed += 1
        print("ok - " + what)
    else:
        failed += 1
        print("not ok - " + what)
    sys.stdout.flush()


def client(cafile, version):
    ctx = ssl.create_default_context(cafile=cafile)
    ctx.check_hostname = False
    ctx.minimum_version = ctx.maximum_version = version
    return ctx


def expected(size, marks, blocks):
    h = hashlib.sha256()
    zero = bytes(1 << 20)
    pos = 0
    spots = sorted(zip(blocks, (marks[i * 4096:(i + 1) * 4096] for i in range(len(blocks)))))
    for b, data in spots + [(size // 4096, b"")]:
        off = b * 4096
        while pos < off:
            n = min(len(zero), off - pos)
            h.update(zero[:n])
            pos += n
        h.update(data)
        pos += len(data)
    return h.hexdigest()


def download(port, ctx, want, size, timeout):
    s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), 30))
    s.settimeout(timeout)
    version = s.version()
    t0 = time.monotonic()
    try:
        r, digest, got = get_digest(s, "/big.bin")
        ok = r.status == 200 and got == size and digest == want
    except (Incomplete, ValueError, OSError) as e:
        ok, got, version = False, 0, "%s (%s)" % (version, e)
    s.close()
    took = time.monotonic() - t0
    return ok, "%s, %d of %d bytes in %.0f s (%.1f MB/s)" % (version, got, size, took,
                                                            got / max(took, 0.001) / 1e6)


def keepalive(port, ctx, n):
    s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), 30))
    s.settimeout(60)
    f = s.makefile("rb")
    good = 0
    for i in range(n):
        last = i == n - 1
        s.sendall(b"GET /index.html HTTP/1.1\r\nHost: localhost\r\n%s\r\n"
                  % (b"Connection: close\r\n" if last else b""))
        status = f.readline()
        length = 0
        while True:
            line = f.readline()
            if line in (b"\r\n", b""):
                break
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        body = f.read(length)
        good += b" 200 " in status and body == b"kTLS index\n"
    s.close()
    return good == n


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--ktls-port", type=int, required=True)
    p.add_argument("--user-port", type=int, required=True)
    p.add_argument("--dir", required=True, help="certs/, marks.bin and env of the run")
    a = p.parse_args()
    env = dict(line.strip().split("=", 1) for line in open(os.path.join(a.dir, "env"))
               if "=" in line)
    size = int(env["BIG_MIB"]) << 20
    blocks = [int(b) for b in env["MARKS"].strip('"').split()]
    with open(os.path.join(a.dir, "marks.bin"), "rb") as f:
        want = expected(size, f.read(), blocks)
    ca = os.path.join(a.dir, "certs", "ca.pem")
    timeout = 900
    for port, what in ((a.ktls_port, "kTLS on"), (a.user_port, "KTLS off")):
        try:
            ok, how = download(port, client(ca, ssl.TLSVersion.TLSv1_3), want, size, timeout)
        except (OSError, ssl.SSLError) as e:
            ok, how = False, "%s: %s" % (type(e).__name__, e)
        result(ok, "%s: the big file byte-exact (%s)" % (what, how))
        try:
            ok = keepalive(port, client(ca, ssl.TLSVersion.TLSv1_2), 20)
        except (OSError, ssl.SSLError) as e:
            ok = False
            print("# %s: %s" % (type(e).__name__, e))
        result(ok, "%s: 20 keep-alive requests over TLS 1.2" % what)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
