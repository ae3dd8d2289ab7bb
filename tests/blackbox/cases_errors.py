# SPDX-License-Identifier: GPL-2.0 OR MIT
"""Malformed or refused requests: each gets its status, Connection: close,
and the connection closed (a parser error leaves no state to trust)."""

from registry import (bad_request, check_common, check_error, check_ok, expect, expect_eq,
                      register, test)

H = b"Host: x\r\n"


def head(*lines):
    return b"".join(l + b"\r\n" for l in lines) + b"\r\n"


# name -> (raw request, status). Grouped: request line, versions, fields,
# framing, limits, methods.
BAD = {
    "request_line_missing_version": (b"GET /notes.txt\r\n" + H + b"\r\n", 400),
    "request_line_http_0_9": (b"GET /\r\n\r\n", 400),
    "request_line_two_spaces": (head(b"GET  /notes.txt HTTP/1.1", H[:-2]), 400),
    "request_line_trailing_space": (head(b"GET /notes.txt HTTP/1.1 ", H[:-2]), 400),
    "request_line_tab_separator": (head(b"GET\t/notes.txt HTTP/1.1", H[:-2]), 400),
    "request_line_garbage": (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", 400),
    "leading_space_before_request_line": (head(b" GET /notes.txt HTTP/1.1", H[:-2]), 400),
    "method_not_a_token": (head(b"GE(T /notes.txt HTTP/1.1", H[:-2]), 400),
    "version_lowercase": (head(b"GET /notes.txt http/1.1", H[:-2]), 400),
    "version_malformed": (head(b"GET /notes.txt HTTP/11", H[:-2]), 400),
    "version_http_2_0": (head(b"GET /notes.txt HTTP/2.0", H[:-2]), 505),
    "version_http_3_0": (head(b"GET /notes.txt HTTP/3.0", H[:-2]), 505),
    # RFC 9112 2.3 says a 1.x server SHOULD treat HTTP/1.2 as 1.1; the
    # project answers 505 to anything but 1.0 and 1.1 (reported).
    "version_http_1_2": (head(b"GET /notes.txt HTTP/1.2", H[:-2]), 505),
    "bare_lf_line_end": (b"GET /notes.txt HTTP/1.1\nHost: x\n\n", 400),
    "bare_lf_in_fields": (b"GET /notes.txt HTTP/1.1\r\nHost: x\nX-A: b\r\n\r\n", 400),
    "bare_cr_in_request_line": (b"GET /notes.txt\rHTTP/1.1\r\nHost: x\r\n\r\n", 400),
    "bare_cr_in_field_value": (b"GET /notes.txt HTTP/1.1\r\nHost: x\r\nX-A: b\rc\r\n\r\n", 400),
    "obs_fold": (head(b"GET /notes.txt HTTP/1.1", b"Host: x", b"X-A: b", b" c"), 400),
    "obs_fold_tab": (head(b"GET /notes.txt HTTP/1.1", b"Host: x", b"X-A: b", b"\tc"), 400),
    "space_before_colon": (head(b"GET /notes.txt HTTP/1.1", b"Host : x"), 400),
    "space_before_colon_other_field": (head(b"GET /notes.txt HTTP/1.1", b"Host: x",
                                            b"X-A : b"), 400),
    "field_without_colon": (head(b"GET /notes.txt HTTP/1.1", b"Host: x", b"X-A b"), 400),
    "field_empty_name": (head(b"GET /notes.txt HTTP/1.1", b"Host: x", b": b"), 400),
    "field_name_not_token": (head(b"GET /notes.txt HTTP/1.1", b"Host: x", b"X(A): b"), 400),
    "control_char_in_value": (head(b"GET /notes.txt HTTP/1.1", b"Host: x", b"X-A: a\x01b"), 400),
    "nul_in_value": (head(b"GET /notes.txt HTTP/1.1", b"Host: x", b"X-A: a\x00b"), 400),
    "missing_host_1_1": (head(b"GET /notes.txt HTTP/1.1"), 400),
    "two_hosts": (head(b"GET /notes.txt HTTP/1.1", b"Host: x", b"Host: y"), 400),
    "two_identical_hosts": (head(b"GET /notes.txt HTTP/1.1", b"Host: x", b"Host: x"), 400),
    "host_invalid": (head(b"GET /notes.txt HTTP/1.1", b"Host: a b"), 400),
    "cl_and_te": (head(b"POST /notes.txt HTTP/1.1", b"Host: x", b"Content-Length: 5",
                       b"Transfer-Encoding: chunked") + b"0\r\n\r\n", 400),
    "duplicate_content_length": (head(b"POST /notes.txt HTTP/1.1", b"Host: x",
                                      b"Content-Length: 3", b"Content-Length: 3") + b"abc", 400),
    "content_length_list": (head(b"POST /notes.txt HTTP/1.1", b"Host: x",
                                 b"Content-Length: 3, 3") + b"abc", 400),
    "content_length_not_a_number": (head(b"POST /notes.txt HTTP/1.1", b"Host: x",
                                         b"Content-Length: abc"), 400),
    "content_length_negative": (head(b"POST /notes.txt HTTP/1.1", b"Host: x",
                                     b"Content-Length: -1"), 400),
    "content_length_plus_sign": (head(b"POST /notes.txt HTTP/1.1", b"Host: x",
                                      b"Content-Length: +3") + b"abc", 400),
    "content_length_overflow": (head(b"POST /notes.txt HTTP/1.1", b"Host: x",
                                     b"Content-Length: 99999999999999999999999"), 400),
    # RFC 9112 6.3: chunked not last -> 400; a coding we cannot decode
    # in front of chunked -> 501 (RFC 9112 6.1).
    "te_not_chunked_last": (head(b"POST /notes.txt HTTP/1.1", b"Host: x",
                                 b"Transfer-Encoding: gzip"), 400),
    "te_unknown_coding": (head(b"POST /notes.txt HTTP/1.1", b"Host: x",
                               b"Transfer-Encoding: x-khttpd-unknown, chunked") + b"0\r\n\r\n",
                          501),
    "te_in_http_1_0": (head(b"POST /notes.txt HTTP/1.0", b"Host: x",
                            b"Transfer-Encoding: chunked") + b"0\r\n\r\n", 400),
    "unknown_method": (head(b"FOO /notes.txt HTTP/1.1", b"Host: x"), 501),
    "lowercase_method_is_unknown": (head(b"get /notes.txt HTTP/1.1", b"Host: x"), 501),
    "expect_unknown_417": (head(b"GET /notes.txt HTTP/1.1", b"Host: x",
                                b"Expect: something-else"), 417),
}


def make_bad(raw, status):
    return lambda ctx: bad_request(ctx, raw, status)


for _name, (_raw, _status) in BAD.items():
    register("error_" + _name, make_bad(_raw, _status))


def check_405(ctx, raw):
    with ctx.connect() as c:
        c.send(raw)
        resp = c.read_response()
        # RFC 9110 15.5.6: a 405 MUST carry Allow.
        expect(resp.header("allow") is not None, "405 without Allow")
        check_error(c, resp, 405)


@test
def trace_405_with_allow(ctx):
    check_405(ctx, head(b"TRACE /notes.txt HTTP/1.1", b"Host: x"))


@test
def connect_405_with_allow(ctx):
    check_405(ctx, head(b"CONNECT example.com:443 HTTP/1.1", b"Host: example.com:443"))


# Limits (contract "Limits", include/khttpd/http_parser.h): the request
# line may be 8192 bytes with its CRLF, the head 16384 bytes with the final
# CRLF, and there may be 100 fields. Tested at the exact boundaries.
LINE_MAX, HEAD_MAX, FIELDS_MAX = 8192, 16384, 100


def line_of(size):
    """Request line for /notes.txt of exactly size bytes, CRLF included."""
    fixed = len(b"GET /notes.txt? HTTP/1.1\r\n")
    return b"GET /notes.txt?" + b"q" * (size - fixed) + b" HTTP/1.1"


def head_of(size):
    """Request head of exactly size bytes, final CRLF included."""
    fixed = len(head(b"GET /notes.txt HTTP/1.1", b"Host: x", b"X-Fill: "))
    return head(b"GET /notes.txt HTTP/1.1", b"Host: x", b"X-Fill: " + b"v" * (size - fixed))


def fields_head(n):
    """Request head with exactly n fields, Host included."""
    return head(b"GET /notes.txt HTTP/1.1", b"Host: x", *[b"X-F%d: v" % i for i in range(n - 1)])


@test
def request_line_at_limit_ok(ctx):
    raw = head(line_of(LINE_MAX), b"Host: x")
    expect_eq(raw.index(b"\r\n") + 2, LINE_MAX, "request line length (suite)")
    check_ok(ctx.exchange(raw), "/notes.txt", ctx)


@test
def request_line_over_limit_414(ctx):
    bad_request(ctx, head(line_of(LINE_MAX + 1), b"Host: x"), 414)


@test
def request_line_far_over_limit_414(ctx):
    # Without a CRLF in sight: the server must not wait for one.
    with ctx.connect() as c:
        c.send(b"GET /" + b"a" * (LINE_MAX + 100))
        check_error(c, c.read_response(), 414)


@test
def head_at_limit_ok(ctx):
    raw = head_of(HEAD_MAX)
    expect_eq(len(raw), HEAD_MAX, "head length (suite)")
    check_ok(ctx.exchange(raw), "/notes.txt", ctx)


@test
def head_over_limit_431(ctx):
    bad_request(ctx, head_of(HEAD_MAX + 1), 431)


@test
def head_far_over_limit_431(ctx):
    # Many fields, no end of head in sight: refused without waiting.
    fields = [b"X-Fill-%d: %s" % (i, b"v" * 1000) for i in range(17)]
    with ctx.connect() as c:
        c.send(b"GET /notes.txt HTTP/1.1\r\nHost: x\r\n" +
               b"".join(f + b"\r\n" for f in fields))
        check_error(c, c.read_response(), 431)


@test
def fields_at_limit_ok(ctx):
    check_ok(ctx.exchange(fields_head(FIELDS_MAX)), "/notes.txt", ctx)


@test
def fields_over_limit_431(ctx):
    bad_request(ctx, fields_head(FIELDS_MAX + 1), 431)


@test
def http_1_0_without_host_ok(ctx):
    check_ok(ctx.exchange(head(b"GET /notes.txt HTTP/1.0")), "/notes.txt", ctx)


@test
def expect_100_continue_on_get(ctx):
    # No body to wait for: the final response comes (a 100 first is allowed
    # by RFC 9110 10.1.1 but needless).
    resp = ctx.exchange(head(b"GET /notes.txt HTTP/1.1", b"Host: x",
                             b"Expect: 100-continue"))
    check_ok(resp, "/notes.txt", ctx)


@test
def parse_error_drops_pipelined_request(ctx):
    # The request behind a malformed one must not be answered.
    raw = head(b"GET /notes.txt HTTP/1.1", b"Host : x") + head(b"GET /notes.txt HTTP/1.1",
                                                              b"Host: x")
    bad_request(ctx, raw, 400)


def post_static(ctx, raw, method="POST"):
    """Non-static methods on a static file. Module and daemon differ by
    design (contract "Methods"): the module hands them to the daemon and
    says 503 + Retry-After while none is registered; the daemon has no
    handler for a static file and says 405 + Allow: GET, HEAD."""
    with ctx.connect() as c:
        c.send(raw)
        resp = c.read_response(method)
        check_common(resp)
        if ctx.server == "module":
            expect_eq(resp.status, 503, "status")
            expect(resp.header("retry-after") is not None, "503 without Retry-After")
        else:
            expect_eq(resp.status, 405, "status")
            allow = sorted(t.upper() for t in resp.tokens("allow"))
            expect_eq(allow, ["GET", "HEAD"], "Allow")
        # The body was framed by Content-Length, so either the connection
        # goes on with the next request or the server says close and closes.
        c.send(head(b"GET /notes.txt HTTP/1.1", b"Host: x"))
        if "close" in resp.tokens("connection"):
            closed, _, _ = c.wait_close(5)
            expect(closed, "said close but did not close")
        else:
            check_ok(c.read_response(), "/notes.txt", ctx)


@test
def post_to_static_file(ctx):
    post_static(ctx, head(b"POST /notes.txt HTTP/1.1", b"Host: x",
                          b"Content-Length: 5", b"Content-Type: text/plain") + b"hello")


@test
def delete_static_file(ctx):
    post_static(ctx, head(b"DELETE /notes.txt HTTP/1.1", b"Host: x"), "DELETE")


@test
def post_chunked_body_to_static_file(ctx):
    post_static(ctx, head(b"POST /notes.txt HTTP/1.1", b"Host: x",
                          b"Transfer-Encoding: chunked") + b"5\r\nhello\r\n0\r\n\r\n")


# Valid requests a strict parser must not refuse.
VALID = {
    "host_with_port": head(b"GET /notes.txt HTTP/1.1", b"Host: example.com:8080"),
    "host_ipv6_literal": head(b"GET /notes.txt HTTP/1.1", b"Host: [::1]:8080"),
    "host_ipv4": head(b"GET /notes.txt HTTP/1.1", b"Host: 127.0.0.1"),
    "field_name_any_case": head(b"GET /notes.txt HTTP/1.1", b"hOsT: x", b"x-ANY-case: v"),
    "field_value_ows_trimmed": head(b"GET /notes.txt HTTP/1.1", b"Host: \t x \t "),
    "field_value_inner_tab_and_space": head(b"GET /notes.txt HTTP/1.1", b"Host: x",
                                            b"X-A: a\tb c"),
    "field_value_obs_text": head(b"GET /notes.txt HTTP/1.1", b"Host: x", b"X-A: caf\xc3\xa9"),
    "field_value_empty": head(b"GET /notes.txt HTTP/1.1", b"Host: x", b"X-Empty:"),
    "field_name_token_chars": head(b"GET /notes.txt HTTP/1.1", b"Host: x",
                                   b"X!#$%&'*+-.^_`|~09: v"),
    "content_length_zero_get": head(b"GET /notes.txt HTTP/1.1", b"Host: x",
                                    b"Content-Length: 0"),
    # RFC 9112 2.2: a server SHOULD ignore an empty line before a request.
    "leading_empty_line": b"\r\n" + head(b"GET /notes.txt HTTP/1.1", b"Host: x"),
    # RFC 9110 7.8: a server may ignore Upgrade; it must still answer.
    "upgrade_h2c_ignored": head(b"GET /notes.txt HTTP/1.1", b"Host: x",
                                b"Connection: Upgrade, HTTP2-Settings", b"Upgrade: h2c",
                                b"HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA"),
}


def make_valid(raw):
    return lambda ctx: check_ok(ctx.exchange(raw), "/notes.txt", ctx)


for _name, _raw in VALID.items():
    register("valid_" + _name, make_valid(_raw))
