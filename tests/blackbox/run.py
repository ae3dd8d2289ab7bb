#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR MIT
"""khttpd black-box HTTP/1.1 suite (RFC 9110, RFC 9112, Documentation/http.md).

The server under test serves a docroot built by mkdocroot.sh; this script
builds its own copy of that deterministic fixture to know the expected
bytes (or takes one with --fixture). Prints "ok - name" / "not ok - name:
why" per test and finally "N passed, N failed"; exits 1 on any failure.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True     # keep the source tree clean

from httpclient import Closed, ProtocolError, Timeout  # noqa: E402
from registry import TESTS, Context, Failure  # noqa: E402
import cases_files  # noqa: E402,F401  (registers tests, in this order)
import cases_targets  # noqa: E402,F401
import cases_conditional  # noqa: E402,F401
import cases_errors  # noqa: E402,F401
import cases_connections  # noqa: E402,F401


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--server", choices=("module", "daemon"), default="daemon",
                   help="which khttpd answers: 'module' is khttpd.ko with no "
                        "daemon registered (non-static methods get 503), 'daemon' "
                        "is khttpdd or the module with its daemon (405)")
    p.add_argument("--only", metavar="REGEX", help="run tests whose name matches")
    p.add_argument("--list", action="store_true", help="list test names and exit")
    p.add_argument("--fixture", metavar="DIR",
                   help="docroot built by mkdocroot.sh (default: build a temporary one)")
    p.add_argument("--header-timeout", type=float, default=3.0,
                   help="the server's header_timeout in seconds (default 3)")
    p.add_argument("--keepalive-timeout", type=float, default=5.0,
                   help="the server's keepalive_timeout in seconds (default 5)")
    p.add_argument("--keepalive-max", type=int, default=1000,
                   help="the server's requests-per-connection cap (default 1000)")
    p.add_argument("--io-timeout", type=float, default=10.0,
                   help="longest wait for any one response (default 10)")
    p.add_argument("--tls", metavar="CAFILE",
                   help="speak TLS, verifying the server against CAFILE")
    p.add_argument("--tls-name", metavar="NAME",
                   help="the SNI name to send and verify (default: none)")
    p.add_argument("--verbose", "-v", action="store_true", help="tracebacks on failure")
    return p.parse_args()


def build_fixture(tmp):
    root = os.path.join(tmp, "root")
    subprocess.run(["sh", os.path.join(HERE, "mkdocroot.sh"), root], check=True)
    return root


def run_one(fn, ctx):
    """Returns None on success, else why it failed."""
    try:
        fn(ctx)
        return None
    except Exception as e:
        if isinstance(e, Failure):
            why = str(e)
        elif isinstance(e, (Timeout, Closed, ProtocolError, OSError)):
            why = "%s: %s" % (type(e).__name__, e)
        else:
            why = "suite error %s: %s" % (type(e).__name__, e)
        if ctx.verbose:
            print("".join("# " + l + "\n" for l in traceback.format_exc().splitlines()))
        return why.replace("\n", " ")


def server_answers(ctx):
    """None when the server serves a plain GET within 5 s, else why not."""
    try:
        with ctx.connect(timeout=5) as c:
            c.send(ctx.req("GET", "/notes.txt"))
            status = c.read_response().status
        return None if status == 200 else "GET /notes.txt answered %d" % status
    except (Timeout, Closed, ProtocolError, OSError) as e:
        return "%s: %s" % (type(e).__name__, e)


def main():
    args = parse_args()
    tests = [t for t in TESTS if not args.only or re.search(args.only, t.__name__)]
    if args.list:
        print("\n".join(t.__name__ for t in tests))
        return 0
    if not tests:
        print("no test matches %r" % args.only)
        print("0 passed, 1 failed")
        return 1
    tmp = None
    if args.fixture:
        fixture = os.path.abspath(args.fixture)
    else:
        tmp = tempfile.mkdtemp(prefix="khttpd-blackbox-")
        os.chmod(tmp, 0o755)    # reachable by the User khttpdd drops to
        fixture = build_fixture(tmp)
    ctx = Context(args, fixture)
    passed = failed = 0
    start = time.monotonic()
    # A dead or wedged server would otherwise cost every test its full
    # timeout: check before the first test and after each failure, and
    # count what could not run as failed.
    dead = server_answers(ctx)
    if dead:
        print("not ok - server_answers: %s:%d: %s" % (args.host, args.port, dead))
        failed += 1
    try:
        for fn in tests:
            if dead:
                failed += 1
                print("not ok - %s: not run, the server stopped answering" % fn.__name__)
                continue
            t0 = time.monotonic()
            why = run_one(fn, ctx)
            took = " (%.1f s)" % (time.monotonic() - t0) if args.verbose else ""
            if why is None:
                passed += 1
                print("ok - %s%s" % (fn.__name__, took))
            else:
                failed += 1
                print("not ok - %s: %s%s" % (fn.__name__, why, took))
                dead = server_answers(ctx)
                if dead:
                    print("not ok - server_answers: after %s: %s" % (fn.__name__, dead))
                    failed += 1
            sys.stdout.flush()
    finally:
        if tmp:
            shutil.rmtree(tmp)
    print("# %d tests against %s:%d (%s) in %.1f s"
          % (len(tests), args.host, args.port, args.server, time.monotonic() - start))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
