# SPDX-License-Identifier: GPL-2.0 OR MIT
"""Serving files: types, HEAD, validators, directories, names, big files."""

import hashlib
import re

from registry import (FIXTURE_DATE, FIXTURE_MTIME, SPARSE, SPARSE_SIZE, case, check_common,
                      check_error_page, check_ok, expect, expect_eq, register, test)

# Contract "Representation": type from the extension, text types with
# charset=utf-8, unknown -> application/octet-stream. .js follows RFC 9239
# (text/javascript); application/json and image/svg+xml are not text/*.
FILE_TYPES = {
    "/index.html": "text/html; charset=utf-8",
    "/style.css": "text/css; charset=utf-8",
    "/app.js": "text/javascript; charset=utf-8",
    "/data.json": "application/json",
    "/notes.txt": "text/plain; charset=utf-8",
    "/SHOUT.TXT": "text/plain; charset=utf-8",
    "/image.svg": "image/svg+xml",
    "/blob.qqq": "application/octet-stream",
    "/README": "application/octet-stream",
    "/bin/empty.bin": "application/octet-stream",
    "/bin/one.bin": "application/octet-stream",
    "/bin/allbytes-1k.bin": "application/octet-stream",
    "/bin/pattern-64k.bin": "application/octet-stream",
    "/bin/pattern-1m.bin": "application/octet-stream",
}


def media_type(value):
    """Content-Type normalised for comparison: case and spaces."""
    return "; ".join(p.strip().lower() for p in (value or "").split(";"))


def check_type(resp, path):
    expect_eq(media_type(resp.header("content-type")), FILE_TYPES[path],
              "Content-Type of %s" % path)


def make_get(path):
    def get(ctx):
        resp = ctx.get(path)
        check_ok(resp, path, ctx)
        check_type(resp, path)
        expect_eq(resp.header("accept-ranges"), "bytes", "Accept-Ranges")
        expect_eq(resp.header("last-modified"), FIXTURE_DATE, "Last-Modified")
    return get


def fields_but_date(resp):
    return sorted((n, v) for n, v in resp.fields if n != "date")


def make_head(path):
    def head(ctx):
        # HEAD then GET on one connection: a HEAD that leaks a body breaks
        # the framing of the GET response behind it.
        with ctx.connect() as c:
            c.send(ctx.req("HEAD", path))
            h = c.read_response("HEAD")
            c.send(ctx.req("GET", path))
            g = c.read_response("GET")
        expect_eq(h.status, 200, "HEAD status")
        check_common(h)
        check_ok(g, path, ctx)
        expect_eq(fields_but_date(h), fields_but_date(g), "HEAD fields vs GET fields")
    return head


for _path in FILE_TYPES:
    _slug = re.sub(r"[^a-z0-9]+", "_", _path.lower()).strip("_")
    register("get_" + _slug, make_get(_path))
    register("head_" + _slug, make_head(_path))


@test
def server_field_on_every_response(ctx):
    etag = ctx.get("/notes.txt").header("etag")
    for target, fields, status in (
            ("/notes.txt", (), 200), ("/missing-file", (), 404), ("/perm/exec.sh", (), 403),
            ("/dir-with-index", (), 301), ("/notes.txt", (("If-None-Match", etag),), 304),
            ("/notes.txt", (("Range", "bytes=0-1"),), 206),
            ("/notes.txt", (("Range", "bytes=999-"),), 416),
            ("/a/../../x", (), 400)):
        with case("%s %s" % (target, fields)):
            resp = ctx.get(target, fields=fields)
            expect_eq(resp.status, status, "status")
            check_common(resp)
            expect_eq(resp.header("server"), "khttpd", "Server on a %d" % status)


@test
def status_line_always_1_1(ctx):
    # Contract and RFC 9110 2.5: the highest version we conform to.
    for raw in (ctx.req("GET", "/notes.txt", version="HTTP/1.0"),
                ctx.req("GET", "/missing-file", version="HTTP/1.0"),
                b"GET /notes.txt HTTP/1.0\r\nHost : x\r\n\r\n",
                b"GET /notes.txt HTTP/2.0\r\nHost: x\r\n\r\n"):
        with case(raw.split(b"\r\n")[0].decode()):
            expect_eq(ctx.exchange(raw).version, "HTTP/1.1", "status line version")


@test
def etag_is_strong_ino_mtime_size_hex(ctx):
    a = ctx.get("/notes.txt").header("etag") or ""
    m = re.fullmatch(r'"([0-9a-f]+)-([0-9a-f]+)-([0-9a-f]+)"', a)
    expect(m, "ETag %r is not \"<ino>-<mtime>-<size>\" in lower-case hex" % a)
    expect_eq(m.group(2), "%x" % FIXTURE_MTIME, "ETag mtime part")
    expect_eq(m.group(3), "%x" % len(ctx.content("/notes.txt")), "ETag size part")
    expect_eq(ctx.get("/notes.txt").header("etag"), a, "ETag of a second GET")
    expect(ctx.get("/style.css").header("etag") != a, "two files share an ETag")


@test
def root_serves_index_html(ctx):
    resp = ctx.get("/")
    check_ok(resp, "/index.html", ctx)
    expect_eq(media_type(resp.header("content-type")), "text/html; charset=utf-8",
              "Content-Type")


@test
def dir_with_slash_serves_its_index(ctx):
    check_ok(ctx.get("/dir-with-index/"), "/dir-with-index/index.html", ctx)
    check_ok(ctx.get("/sub%20dir/"), "/sub dir/index.html", ctx)


@test
def dir_without_index_is_403(ctx):
    resp = ctx.get("/dir-no-index/")
    check_error_page(resp, 403)
    expect(b"file.txt" not in resp.body, "403 body lists the directory")


def check_redirect(ctx, target, location):
    resp = ctx.get(target)
    expect_eq(resp.status, 301, "status for %s" % target)
    check_common(resp)
    expect_eq(resp.header("location"), location, "Location for %s" % target)


@test
def dir_without_slash_redirects(ctx):
    check_redirect(ctx, "/dir-with-index", "/dir-with-index/")
    check_redirect(ctx, "/dir-no-index", "/dir-no-index/")
    check_redirect(ctx, "/a/b", "/a/b/")


@test
def dir_redirect_keeps_query(ctx):
    check_redirect(ctx, "/dir-with-index?x=1&y=%20z", "/dir-with-index/?x=1&y=%20z")


@test
def dir_redirect_location_is_encoded(ctx):
    # RFC 9110 10.2.2: Location is a URI-reference, so the space of
    # "sub dir" must go out percent-encoded.
    check_redirect(ctx, "/sub%20dir", "/sub%20dir/")


@test
def dir_redirect_location_is_the_normalised_path(ctx):
    # The Location names what the checks saw, never the raw target: a
    # "//host" or "/\host" start would send a browser to another site.
    for target, location in (("//evil.example/../dir-with-index", "/dir-with-index/"),
                             ("//dir-with-index", "/dir-with-index/"),
                             ("/\\evil.example/../a/b", "/a/b/"),
                             ("/%5Cevil.example/../a/b", "/a/b/"),
                             ("/./a//c/../b", "/a/b/"),
                             ("/a%2Fb", "/a/b/"),
                             ("/sub%20dir?q=<x>|100%", "/sub%20dir/?q=%3Cx%3E%7C100%25"),
                             ("//evil.example/../a/b?r=//evil.example", "/a/b/?r=//evil.example")):
        with case(target):
            check_redirect(ctx, target, location)


@test
def missing_is_404(ctx):
    for path in ("/missing-file", "/a/b/missing", "/no/such/dir/", "/notes.txt/"):
        with case(path):
            check_error_page(ctx.get(path), 404)


@test
def names_needing_percent_encoding(ctx):
    for target, path in (("/with%20space.txt", "/with space.txt"),
                         ("/100%25.txt", "/100%.txt"),
                         ("/%C3%BCber.txt", "/\u00fcber.txt"),
                         ("/%c3%bcber.txt", "/\u00fcber.txt"),
                         ("/what%3F.txt", "/what?.txt"),
                         ("/hash%23tag.txt", "/hash#tag.txt"),
                         ("/n%6Ftes.txt", "/notes.txt")):
        with case(target):
            check_ok(ctx.get(target), path, ctx)


@test
def question_mark_starts_query(ctx):
    # "/what?.txt" asks for "/what" with query ".txt".
    expect_eq(ctx.get("/what?.txt").status, 404, "status")


@test
def query_is_ignored(ctx):
    for target in ("/notes.txt?x=1&y=2", "/notes.txt?", "/notes.txt?/../../etc/passwd"):
        with case(target):
            check_ok(ctx.get(target), "/notes.txt", ctx)


@test
def dot_segments_inside_docroot(ctx):
    for target in ("/./notes.txt", "/a/b/../b/c/deep.txt", "/a/./b/c/deep.txt",
                   "/a/b/c/%2e%2e/c/deep.txt", "/a/b/c/./../../b/c/deep.txt"):
        path = "/notes.txt" if "notes" in target else "/a/b/c/deep.txt"
        with case(target):
            check_ok(ctx.get(target), path, ctx)


@test
def double_slashes_collapse(ctx):
    for target, path in (("//notes.txt", "/notes.txt"), ("/a//b///c/deep.txt", "/a/b/c/deep.txt")):
        with case(target):
            check_ok(ctx.get(target), path, ctx)


@test
def absolute_form_target(ctx):
    for host in (ctx.hostname, "other.example"):
        with case("Host: " + host):
            raw = ctx.req("GET", "http://%s/notes.txt" % ctx.hostname, host=host)
            check_ok(ctx.exchange(raw), "/notes.txt", ctx)


@test
def symlink_inside_docroot_served(ctx):
    check_ok(ctx.get("/link-inside.txt"), "/notes.txt", ctx)
    check_ok(ctx.get("/link-dir-inside/c/deep.txt"), "/a/b/c/deep.txt", ctx)


def sha256_of_get(ctx, conn, path):
    h = hashlib.sha256()
    conn.send(ctx.req("GET", path))
    resp = conn.read_response(sink=h.update, timeout=max(ctx.io_timeout, 120))
    return resp, h.hexdigest()


@test
def big_1m_sha256_then_keepalive(ctx):
    with ctx.connect() as c:
        resp, digest = sha256_of_get(ctx, c, "/bin/pattern-1m.bin")
        expect_eq(resp.status, 200, "status")
        expect_eq(resp.header("content-length"), "1048576", "Content-Length")
        expect_eq(digest, ctx.sha256("/bin/pattern-1m.bin"), "SHA-256")
        # The connection must still be framed right after a big body.
        c.send(ctx.req("GET", "/notes.txt"))
        check_ok(c.read_response(), "/notes.txt", ctx)


@test
def big_sparse_100m_sha256(ctx):
    with ctx.connect() as c:
        resp, digest = sha256_of_get(ctx, c, SPARSE)
    expect_eq(resp.status, 200, "status")
    expect_eq(resp.header("content-length"), str(SPARSE_SIZE), "Content-Length")
    expect_eq(resp.body_len, SPARSE_SIZE, "bytes received")
    expect_eq(digest, ctx.sha256(SPARSE), "SHA-256")


@test
def head_sparse_100m(ctx):
    resp = ctx.get(SPARSE, method="HEAD")
    expect_eq(resp.status, 200, "status")
    expect_eq(resp.header("content-length"), str(SPARSE_SIZE), "Content-Length")
    expect_eq(resp.body_len, 0, "HEAD body bytes")


@test
def encoded_slashes_are_separators(ctx):
    # Contract: the path is percent-decoded before lookup.
    check_ok(ctx.get("/a%2fb%2Fc%2fdeep.txt"), "/a/b/c/deep.txt", ctx)


@test
def index_with_query(ctx):
    check_ok(ctx.get("/?x=1"), "/index.html", ctx)
    check_ok(ctx.get("/dir-with-index/?x=1"), "/dir-with-index/index.html", ctx)


@test
def many_dot_segments_normalised(ctx):
    check_ok(ctx.get("/a" + "/b/.." * 500 + "/b/./c/deep.txt"), "/a/b/c/deep.txt", ctx)


@test
def overlong_names_are_404(ctx):
    # ENAMETOOLONG and friends are still "missing", never a 5xx.
    for target in ("/" + "n" * 300, "/" + "d/" * 2000 + "x", "/a/" + "n" * 256 + "/x"):
        with case(target[:20] + "..."):
            check_error_page(ctx.get(target), 404)
