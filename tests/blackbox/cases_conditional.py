# SPDX-License-Identifier: GPL-2.0 OR MIT
"""Conditional requests (RFC 9110 13) and byte ranges (RFC 9110 14)."""

import time

from registry import (FIXTURE_DATE, FIXTURE_MTIME, SPARSE, SPARSE_SIZE, case, check_common,
                      check_ok, expect, expect_eq, http_date, test)

FILE = "/bin/pattern-64k.bin"
SIZE = 65536


def etag_of(ctx, path=FILE):
    etag = ctx.get(path).header("etag")
    expect(etag and etag.startswith('"'), "no strong ETag on %s: %r" % (path, etag))
    return etag


def get_with(ctx, *fields, path=FILE, method="GET"):
    return ctx.get(path, method=method, fields=fields)


def check_304(resp, etag):
    expect_eq(resp.status, 304, "status")
    check_common(resp)
    expect_eq(resp.body_len, 0, "304 body bytes")
    expect_eq(resp.header("etag"), etag, "304 ETag")
    expect_eq(resp.header("last-modified"), FIXTURE_DATE, "304 Last-Modified")
    expect(resp.header("content-length") is None, "304 carries Content-Length")


@test
def inm_exact_etag_304(ctx):
    etag = etag_of(ctx)
    check_304(get_with(ctx, ("If-None-Match", etag)), etag)


@test
def inm_on_head_304(ctx):
    etag = etag_of(ctx)
    check_304(get_with(ctx, ("If-None-Match", etag), method="HEAD"), etag)


@test
def inm_weak_form_304(ctx):
    # If-None-Match uses the weak comparison: W/"x" matches "x".
    etag = etag_of(ctx)
    check_304(get_with(ctx, ("If-None-Match", "W/" + etag)), etag)


@test
def inm_list_304(ctx):
    etag = etag_of(ctx)
    with case("one list field"):
        check_304(get_with(ctx, ("If-None-Match", '"nope-1", %s , "nope-2"' % etag)), etag)
    with case("list split over two field lines (RFC 9110 5.3)"):
        check_304(get_with(ctx, ("If-None-Match", '"nope-1"'), ("If-None-Match", etag)), etag)


@test
def inm_star_304(ctx):
    check_304(get_with(ctx, ("If-None-Match", "*")), etag_of(ctx))


@test
def inm_mismatch_200(ctx):
    check_ok(get_with(ctx, ("If-None-Match", '"0-0-0", W/"1-2-3"')), FILE, ctx)


@test
def ims_equal_304(ctx):
    check_304(get_with(ctx, ("If-Modified-Since", FIXTURE_DATE)), etag_of(ctx))


@test
def ims_later_304(ctx):
    check_304(get_with(ctx, ("If-Modified-Since", http_date(FIXTURE_MTIME + 86400))),
              etag_of(ctx))


@test
def ims_obsolete_date_forms_304(ctx):
    # RFC 9110 5.6.7: recipients MUST accept the RFC 850 and asctime forms.
    etag = etag_of(ctx)
    for date in ("Tuesday, 02-Jan-24 03:04:05 GMT", "Tue Jan  2 03:04:05 2024"):
        with case(date):
            check_304(get_with(ctx, ("If-Modified-Since", date)), etag)


@test
def ims_earlier_200(ctx):
    check_ok(get_with(ctx, ("If-Modified-Since", http_date(FIXTURE_MTIME - 1))), FILE, ctx)


@test
def ims_invalid_date_ignored(ctx):
    for value in ("yesterday", "Tue, 02 Jan 2024 03:04:05", "Tue, 32 Jan 2024 03:04:05 GMT", ""):
        with case("If-Modified-Since: %r" % value):
            check_ok(get_with(ctx, ("If-Modified-Since", value)), FILE, ctx)


@test
def inm_takes_precedence_over_ims(ctx):
    # RFC 9110 13.1.3: with If-None-Match, If-Modified-Since is ignored.
    later = http_date(FIXTURE_MTIME + 86400)
    with case("ETag differs, IMS later"):
        check_ok(get_with(ctx, ("If-None-Match", '"other"'), ("If-Modified-Since", later)),
                 FILE, ctx)
    etag = etag_of(ctx)
    with case("ETag matches, IMS earlier"):
        check_304(get_with(ctx, ("If-None-Match", etag),
                           ("If-Modified-Since", http_date(FIXTURE_MTIME - 86400))), etag)


@test
def iums_earlier_412(ctx):
    resp = get_with(ctx, ("If-Unmodified-Since", http_date(FIXTURE_MTIME - 1)))
    expect_eq(resp.status, 412, "status")
    check_common(resp)


@test
def iums_equal_or_later_200(ctx):
    check_ok(get_with(ctx, ("If-Unmodified-Since", FIXTURE_DATE)), FILE, ctx)
    check_ok(get_with(ctx, ("If-Unmodified-Since", http_date(int(time.time())))), FILE, ctx)


@test
def conditional_responses_keep_connection(ctx):
    etag = etag_of(ctx)
    with ctx.connect() as c:
        for fields, status in (((("If-None-Match", etag),), 304),
                               ((("If-Unmodified-Since", http_date(FIXTURE_MTIME - 1)),), 412),
                               ((("Range", "bytes=%d-" % SIZE),), 416)):
            with case("the %d exchange" % status):
                c.send(ctx.req("GET", FILE, fields=fields))
                resp = c.read_response()
                expect_eq(resp.status, status, "status")
                expect("close" not in resp.tokens("connection"), "says close")
        c.send(ctx.req("GET", FILE))
        check_ok(c.read_response(), FILE, ctx)


# --- ranges ---------------------------------------------------------------

def check_206(ctx, resp, path, first, last, size):
    expect_eq(resp.status, 206, "status")
    check_common(resp)
    # RFC 9110 15.3.7: a 206 carries the ETag a 200 would.
    expect(resp.header("etag"), "206 without ETag")
    expect_eq(resp.header("content-range"), "bytes %d-%d/%d" % (first, last, size),
              "Content-Range")
    expect_eq(resp.header("content-length"), str(last - first + 1), "Content-Length")
    if path == SPARSE:
        with open(ctx.fixture + path, "rb") as f:
            f.seek(first)
            want = f.read(last - first + 1)
    else:
        want = ctx.content(path)[first:last + 1]
    expect(resp.body == want, "range bytes differ from the fixture")


def ranged(ctx, spec, path=FILE, *more):
    return ctx.get(path, fields=(("Range", spec),) + more)


@test
def range_first_last(ctx):
    check_206(ctx, ranged(ctx, "bytes=100-199"), FILE, 100, 199, SIZE)
    check_206(ctx, ranged(ctx, "bytes=0-0"), FILE, 0, 0, SIZE)


@test
def range_open_ended(ctx):
    check_206(ctx, ranged(ctx, "bytes=65000-"), FILE, 65000, SIZE - 1, SIZE)


@test
def range_suffix(ctx):
    check_206(ctx, ranged(ctx, "bytes=-100"), FILE, SIZE - 100, SIZE - 1, SIZE)


@test
def range_suffix_longer_than_file(ctx):
    check_206(ctx, ranged(ctx, "bytes=-100000"), FILE, 0, SIZE - 1, SIZE)


@test
def range_last_beyond_size_clamped(ctx):
    check_206(ctx, ranged(ctx, "bytes=60000-99999999"), FILE, 60000, SIZE - 1, SIZE)


@test
def range_unit_case_insensitive(ctx):
    # RFC 9110 14.1: range unit names are case-insensitive.
    check_206(ctx, ranged(ctx, "Bytes=10-19"), FILE, 10, 19, SIZE)


def check_416(resp, size):
    expect_eq(resp.status, 416, "status")
    check_common(resp)
    expect_eq(resp.header("content-range"), "bytes */%d" % size, "Content-Range")


@test
def range_unsatisfiable_416(ctx):
    check_416(ranged(ctx, "bytes=%d-" % SIZE), SIZE)
    check_416(ranged(ctx, "bytes=%d-%d" % (SIZE + 10, SIZE + 20)), SIZE)


@test
def range_zero_suffix_416(ctx):
    # RFC 9110 14.1.1: a suffix-length of 0 is not satisfiable.
    check_416(ranged(ctx, "bytes=-0"), SIZE)


@test
def range_on_empty_file_416(ctx):
    check_416(ranged(ctx, "bytes=0-0", "/bin/empty.bin"), 0)


TEN = "/bin/ten.bin"


@test
def range_last_byte_boundaries(ctx):
    # On a 10-byte file the last byte is 9: a last of 9, 10 or more all
    # end there; a Content-Length one too big leaves the client waiting.
    for spec, first, last in (("bytes=5-9", 5, 9), ("bytes=5-10", 5, 9), ("bytes=0-10", 0, 9),
                              ("bytes=9-9", 9, 9), ("bytes=9-10", 9, 9), ("bytes=0-", 0, 9),
                              ("bytes=-10", 0, 9), ("bytes=-11", 0, 9), ("bytes=-9", 1, 9)):
        with case("Range: %s" % spec):
            check_206(ctx, ranged(ctx, spec, TEN), TEN, first, last, 10)
    for spec in ("bytes=10-", "bytes=10-10"):
        with case("Range: %s" % spec):
            check_416(ranged(ctx, spec, TEN), 10)


@test
def range_multiple_gives_200(ctx):
    resp = ranged(ctx, "bytes=0-9,20-29")
    check_ok(resp, FILE, ctx)
    expect(resp.header("content-range") is None, "200 with Content-Range")


@test
def range_malformed_ignored(ctx):
    for spec in ("bytes=abc", "bytes=", "bytes=1-2-3", "bytes 0-9", "bits=0-9", "bytes=--5",
                 "bytes=0x10-0x20"):
        with case("Range: %s" % spec):
            check_ok(ranged(ctx, spec), FILE, ctx)


@test
def if_range_etag_match_206(ctx):
    etag = etag_of(ctx)
    check_206(ctx, ranged(ctx, "bytes=0-99", FILE, ("If-Range", etag)), FILE, 0, 99, SIZE)


@test
def if_range_etag_mismatch_200(ctx):
    check_ok(ranged(ctx, "bytes=0-99", FILE, ("If-Range", '"0-0-0"')), FILE, ctx)


@test
def if_range_weak_etag_200(ctx):
    # If-Range uses the strong comparison: a weak tag never matches.
    etag = etag_of(ctx)
    check_ok(ranged(ctx, "bytes=0-99", FILE, ("If-Range", "W/" + etag)), FILE, ctx)


@test
def if_range_date_match_206(ctx):
    check_206(ctx, ranged(ctx, "bytes=0-99", FILE, ("If-Range", FIXTURE_DATE)),
              FILE, 0, 99, SIZE)


@test
def if_range_date_mismatch_200(ctx):
    check_ok(ranged(ctx, "bytes=0-99", FILE, ("If-Range", http_date(FIXTURE_MTIME + 60))),
             FILE, ctx)


@test
def range_on_sparse_file_end(ctx):
    check_206(ctx, ranged(ctx, "bytes=-64", SPARSE), SPARSE, SPARSE_SIZE - 64,
              SPARSE_SIZE - 1, SPARSE_SIZE)
    check_206(ctx, ranged(ctx, "bytes=52428790-52428830", SPARSE), SPARSE, 52428790,
              52428830, SPARSE_SIZE)
    check_416(ranged(ctx, "bytes=%d-" % SPARSE_SIZE, SPARSE), SPARSE_SIZE)


@test
def range_on_1k_all_bytes(ctx):
    check_206(ctx, ranged(ctx, "bytes=250-521", "/bin/allbytes-1k.bin"),
              "/bin/allbytes-1k.bin", 250, 521, 1024)
