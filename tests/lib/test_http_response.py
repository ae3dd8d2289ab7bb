#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR MIT
"""Tests of the shared response reader (tests/lib/http_response.py): every
suite judges the servers through it, so a reader that took a chunked body
for an empty one, or a cut body for a whole one, would pass broken servers.
Last line: "N passed, N failed"."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from http_response import Incomplete, Stream, split_responses  # noqa: E402

OK = b"HTTP/1.1 200 OK\r\n"
CASES = [
    # (name, method, bytes, body or the exception, the bytes left after it)
    ("Content-Length", "GET", OK + b"Content-Length: 5\r\n\r\nhelloX", b"hello", b"X"),
    ("chunked", "GET", OK + b"Transfer-Encoding: chunked\r\n\r\n"
     b"5;x=1\r\nhello\r\n1\r\n!\r\n0\r\nT: 1\r\n\r\nX", b"hello!", b"X"),
    ("chunked last of two codings", "GET", OK + b"Transfer-Encoding: gzip, chunked\r\n\r\n"
     b"2\r\nab\r\n0\r\n\r\n", b"ab", b""),
    ("until close", "GET", OK + b"Connection: close\r\n\r\nall of it", b"all of it", b""),
    ("not chunked: until close", "GET", OK + b"Transfer-Encoding: gzip\r\n\r\nzz", b"zz", b""),
    ("HEAD: no body", "HEAD", OK + b"Content-Length: 5\r\n\r\nX", b"", b"X"),
    ("204: no body", "GET", b"HTTP/1.1 204 No Content\r\n\r\nX", b"", b"X"),
    ("304: no body", "GET", b"HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\nX",
     b"", b"X"),
    ("100: no body", "GET", b"HTTP/1.1 100 Continue\r\n\r\nX", b"", b"X"),
    ("Content-Length cut short", "GET", OK + b"Content-Length: 9\r\n\r\nhello", Incomplete,
     None),
    ("chunked cut short", "GET", OK + b"Transfer-Encoding: chunked\r\n\r\n5\r\nhel",
     Incomplete, None),
    ("chunked without its last chunk", "GET", OK + b"Transfer-Encoding: chunked\r\n\r\n"
     b"5\r\nhello\r\n", Incomplete, None),
    ("chunk without CRLF", "GET", OK + b"Transfer-Encoding: chunked\r\n\r\n"
     b"3\r\nabcXX0\r\n\r\n", ValueError, None),
    ("chunk size not hex", "GET", OK + b"Transfer-Encoding: chunked\r\n\r\n"
     b"0x3\r\nabc\r\n0\r\n\r\n", ValueError, None),
    ("chunk size signed", "GET", OK + b"Transfer-Encoding: chunked\r\n\r\n"
     b"+3\r\nabc\r\n0\r\n\r\n", ValueError, None),
    ("both framings", "GET", OK + b"Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
     b"3\r\nabc\r\n0\r\n\r\n", ValueError, None),
    ("two lengths", "GET", OK + b"Content-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
     ValueError, None),
    ("signed length", "GET", OK + b"Content-Length: +3\r\n\r\nabc", ValueError, None),
    ("not a status line", "GET", b"hello\r\n\r\n", ValueError, None),
    ("not a header line", "GET", OK + b"X-A 1\r\n\r\n", ValueError, None),
]


def main():
    passed = failed = 0
    for name, method, data, want, rest in CASES:
        s = Stream(lambda: b"", data)
        try:
            got = s.read_response(method).body
            left = bytes(s.buf)
        except (Incomplete, ValueError) as e:
            got, left = type(e), None
        ok = got == want and left == rest
        print("%s %s%s" % ("ok  " if ok else "FAIL", name, "" if ok else " %r %r" % (got, left)))
        passed, failed = passed + ok, failed + (not ok)
    # a split: the whole responses, then what is left from the first bad one
    resps, rest = split_responses(OK + b"Content-Length: 1\r\n\r\na" + OK +
                                  b"Transfer-Encoding: chunked\r\n\r\n1\r\nb", ["GET", "GET"])
    ok = [r.body for r in resps] == [b"a"] and rest.startswith(b"HTTP/1.1 200") and \
        rest.endswith(b"1\r\nb")
    print("%s split_responses stops at a cut response" % ("ok  " if ok else "FAIL"))
    passed, failed = passed + ok, failed + (not ok)
    print("tests/lib/http_response")
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
