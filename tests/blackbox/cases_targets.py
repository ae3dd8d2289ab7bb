# SPDX-License-Identifier: GPL-2.0 OR MIT
"""Request targets that must not be served: traversal, links out of the
docroot, mode rules, non-regular files, hidden names, bad encodings."""

from registry import (HIDDEN_MARKER, bad_request, case, check_error_page, check_no_leak,
                      check_ok, expect, test)

SECRET = "outside-secret.txt"

# Each tries to reach DIR/../outside-secret.txt. Whatever the server makes
# of them, the outcome is a refusal and never the file.
TRAVERSALS = [
    "/../" + SECRET,
    "/%2e%2e/" + SECRET,
    "/%2E%2E%2F" + SECRET,
    "/.%2e/" + SECRET,
    "/..%2f" + SECRET,
    "/a/../../" + SECRET,
    "/a/b/c/../../../../" + SECRET,
    "/a%2f..%2f..%2f" + SECRET,
    "/%252e%252e/" + SECRET,
    "/%252e%252e%252f" + SECRET,
    "/..\\" + SECRET,
    "/%5c..%5c" + SECRET,
    "/..%5c" + SECRET,
    "/%c0%ae%c0%ae/" + SECRET,
    "/%c0%ae%c0%ae%c0%af" + SECRET,
    "/%e0%80%ae%e0%80%ae/" + SECRET,
    "/link-dir-up/" + SECRET,
    "/link-outside.txt",
    "/link-etc-passwd",
]


@test
def traversal_attempts_refused(ctx):
    failures = []
    for target in TRAVERSALS:
        with case(target):
            resp = ctx.get(target)
            check_no_leak(resp)
        if resp.status not in (400, 403, 404):
            failures.append("%s -> %d" % (target, resp.status))
    expect(not failures, "; ".join(failures))


@test
def traversal_absolute_form_refused(ctx):
    for target in ("http://%s/../%s" % (ctx.hostname, SECRET),
                   "http://%s/%%2e%%2e/%s" % (ctx.hostname, SECRET)):
        with case(target):
            resp = ctx.get(target)
            check_no_leak(resp)
            expect(resp.status in (400, 403, 404), "status %d" % resp.status)


@test
def dotdot_above_root_is_400(ctx):
    # Contract: a path whose dot-segments would climb above "/" is 400.
    for target in ("/../" + SECRET, "/a/../../" + SECRET, "/%2e%2e/" + SECRET):
        with case(target):
            bad_request(ctx, ctx.req("GET", target))


def forbidden(ctx, target):
    resp = ctx.get(target)
    check_no_leak(resp)
    check_error_page(resp, 403)


@test
def symlink_out_of_docroot_403(ctx):
    forbidden(ctx, "/link-outside.txt")


@test
def symlink_to_etc_passwd_403(ctx):
    forbidden(ctx, "/link-etc-passwd")


@test
def symlinked_dir_out_of_docroot_403(ctx):
    forbidden(ctx, "/link-dir-up/" + SECRET)


@test
def not_world_readable_403(ctx):
    forbidden(ctx, "/perm/no-world-read.txt")


@test
def execute_bit_403(ctx):
    forbidden(ctx, "/perm/exec.sh")


@test
def sticky_bit_403(ctx):
    forbidden(ctx, "/perm/sticky.txt")


@test
def fifo_403(ctx):
    forbidden(ctx, "/fifo")


# World-readable dotfiles, however the target spells them: 404, as if
# they were not there (HEAD too), and never a byte of them.
HIDDEN = [
    "/.htpasswd", "/%2ehtpasswd", "/%2Eenv", "/.git/config", "/.git/HEAD",
    "/.git/", "/.git", "/a/.hidden.txt", "/a/b/../.hidden.txt",
    "/a%2f.hidden.txt", "/.well-known/.hidden.txt", "/.well-known%2f.hidden.txt",
    "/notes.txt/../.env",
]


@test
def hidden_names_404(ctx):
    for target in HIDDEN:
        for method in ("GET", "HEAD"):
            with case("%s %s" % (method, target)):
                resp = ctx.get(target, method=method)
                expect(HIDDEN_MARKER not in resp.raw_head + (resp.body or b""),
                       "response leaks a hidden file")
                expect(resp.status == 404, "status %d, want 404" % resp.status)
                if method == "GET":
                    check_error_page(resp, 404)


@test
def well_known_is_served(ctx):
    # RFC 8615: the top-level /.well-known is the one exception.
    resp = ctx.get("/.well-known/security.txt")
    check_ok(resp, "/.well-known/security.txt", ctx)


@test
def percent_nul_400(ctx):
    bad_request(ctx, ctx.req("GET", "/notes.txt%00.html"))


@test
def percent_control_char_400(ctx):
    for target in ("/notes%0a.txt", "/notes%0d%0a.txt", "/notes%01.txt", "/notes%7f.txt"):
        with case(target):
            bad_request(ctx, ctx.req("GET", target))


@test
def bad_percent_escape_400(ctx):
    for target in ("/notes%zz.txt", "/notes.txt%", "/notes.txt%4", "/%g0notes.txt"):
        with case(target):
            bad_request(ctx, ctx.req("GET", target))


@test
def raw_non_ascii_target_400(ctx):
    # RFC 9112 3.2: the target must be a valid URI; raw UTF-8 is not.
    raw = b"GET /\xc3\xbcber.txt HTTP/1.1\r\nHost: x\r\n\r\n"
    bad_request(ctx, raw)


@test
def raw_space_in_target_400(ctx):
    bad_request(ctx, b"GET /with space.txt HTTP/1.1\r\nHost: x\r\n\r\n")


@test
def asterisk_target_with_get_400(ctx):
    bad_request(ctx, ctx.req("GET", "*"))


@test
def relative_target_400(ctx):
    bad_request(ctx, ctx.req("GET", "notes.txt"))
