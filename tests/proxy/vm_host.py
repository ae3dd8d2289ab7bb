#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR MIT
"""Host side of tests/proxy/vm-run: through khttpd.ko's forwarded port,
/api/ requests are handed to khttpdd and proxied to two backends in the
guest. Last line: "N passed, N failed"."""

import hashlib
import os
import sys
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Client, Tally  # noqa: E402

port = int(sys.argv[sys.argv.index("--port") + 1])
T = Tally("tests/proxy/vm_host")

c = Client(port)
names = []
for _ in range(10):
    r = c.request("GET", "/api/who.txt")
    names.append(r.body.decode().strip())
    via = r.header("via") or ""
T.check(names.count("backend 1") == 5 and names.count("backend 2") == 5,
        "10 handed-off requests, Round-Robin over two backends", names)
T.check("khttpd-" in via, "response came through proxy_reverse (Via)", via)
r = c.request("GET", "/index.html")
T.check(r.status == 200 and r.header("via") is None, "static file still from the kernel")
c.close()
body = urllib.request.urlopen("http://127.0.0.1:%d/api/big.bin" % port, timeout=60).read()
T.check(len(body) == 1 << 20, "1 MiB through module, bridge and proxy (%d bytes)" % len(body))
b2 = urllib.request.urlopen("http://127.0.0.1:%d/api/big.bin" % port, timeout=60).read()
T.check(hashlib.sha256(body).digest() == hashlib.sha256(b2).digest(),
        "both backends' copies identical byte for byte")
c = Client(port)
r = c.request("POST", "/api/who.txt", body=b"x" * 1000)
T.check(r.status == 405 and "khttpd-" in (r.header("via") or ""),
        "POST with a body handed off, proxied, backend's 405 relayed", r.status)
c.close()
sys.exit(T.done())
