# SPDX-License-Identifier: GPL-2.0 OR MIT
"""The differential test of issue 12: one normaliser (lib/http_path.c)
decides what a request names, so for every hostile spelling the name static
serving opens, the names mandril's DenyURI, auth's Location and the proxy's
Match judge, the cache key and the path the proxy forwards are one and the
same, or every one of them refuses the request alike.

One daemon serves the whole corpus. Each name gets a file whose body is the
name itself (so a 200 shows what was opened) and three virtual hosts of its
own: m<i> denies exactly that name with mandril, a<i> protects it with auth,
p<i> proxies exactly that name to a backend that echoes the path it got.
A rule aimed at one name only fires when the check saw that very name."""

import json
import os
import re
import shutil
import subprocess
import tempfile
from urllib.parse import quote, unquote

from harness import KHTTPCTL, Backend, Client, Daemon, wait_until
from htpasswd import hashed  # tests/lib: harness put it on the path

# (what is sent, the name it must mean, whether the proxy forwards it).
# A None name: refused (400) by the parser, for every host. Forwarding
# False: the proxy refuses (400) a separator it cannot forward unambiguously
# (%2F, a backslash), while the static path and the checks agree on the
# decoded name. Targets with {host} are sent in absolute form.
CORPUS = [
    ("/a/%2e%2e/b", "/b", True),                 # encoded dot-segment
    ("/a/../b", "/b", True),                     # literal dot-segment
    ("/a/./b/../../b", "/b", True),
    ("/d/e/%2E%2e/%2e%2E/b", "/b", True),        # mixed-case encoded dots
    ("/a/.%2E/b", "/b", True),                   # half-encoded dots
    ("/a/%2E/c/.", "/a/c/", True),               # single dots: a directory
    ("//b", "/b", True),                         # double slashes
    ("/d//e", "/d/e", True),
    ("/%61dmin", "/admin", True),                # needless encoding
    ("/%4Di%58ed", "/MiXed", True),              # mixed-case escapes, case kept
    ("/f/%252e%252e/b", "/f/%2e%2e/b", True),    # double encoding: decoded once
    ("/f/%252E%252e/b", "/f/%2E%2e/b", True),
    ("/k%25%30%30", "/k%00", True),              # an encoded '%', then "00"
    ("/%c0%ae%c0%ae/b", "/\xc0\xae\xc0\xae/b", True),  # overlong UTF-8 dots
    ("/%c0%af", "/\xc0\xaf", True),              # overlong UTF-8 slash
    ("/%e0%80%ae", "/\xe0\x80\xae", True),
    ("/caf%c3%a9/%7e%20x", "/caf\xc3\xa9/~ x", True),
    ("/x%3Fy?q=/../z", "/x?y", True),            # encoded '?'; query as sent
    ("/x%23y", "/x#y", True),                    # encoded '#'
    ("/g;b/..;/c", "/g;b/..;/c", True),          # ';' is no separator
    ("/b.", "/b.", True),                        # trailing dots are names
    ("/t/...", "/t/...", True),
    ("/t/%2e%2e%2e", "/t/...", True),
    ("/t/.../../u", "/t/u", True),
    ("/t/u%2e%2e", "/t/u..", True),
    ("http://{host}/a/%2e%2e/b", "/b", True),    # absolute form
    ("http://{host}", "/", True),                # empty path: the root index
    ("/h%2fi", "/h/i", False),                   # encoded slash
    ("/h%2F..%2Fi", "/i", False),
    ("/j%5ck", "/j\\k", False),                  # encoded backslash
    ("/j\\k", "/j\\k", False),                   # backslash
    ("/j%5C..%5Ck", "/j\\..\\k", False),
    ("/a%00b", None, None),                      # NUL
    ("/i%00.html", None, None),
    ("/a%0d%0aX-Injected:%201", None, None),     # CR LF
    ("/a%7f", None, None),                       # DEL
    ("/a%09b", None, None),                      # TAB
    ("/.%2e/b", None, None),                     # climbing above the root
    ("/../../b", None, None),
    ("/a/..%2f..%2f..%2fetc", None, None),
    ("/a/%2e%2e/%2E%2E/b", None, None),
    ("http://{host}/../b", None, None),
    ("/%u002e%u002e/b", None, None),             # IIS-style escapes
    ("/a%zz", None, None),                       # broken escapes
    ("/a%2", None, None),
    ("/a%", None, None),
    ("/x#frag", None, None),                     # a fragment is never sent
]

# A protected name and every generated spelling of it below.
PROTECTED = "/adm/key.txt"


def spellings(name):
    """Ways to write name that must all mean it: each byte encoded (upper
    and lower case hex), everything encoded, doubled slashes, and literal,
    encoded and half-encoded dot-segments at every separator."""
    out = []
    for i, ch in enumerate(name):
        if ch != "/":
            for fmt in ("%%%02X", "%%%02x"):
                out.append(name[:i] + fmt % ord(ch) + name[i + 1:])
    out.append("/".join("".join("%%%02x" % ord(c) for c in part)
                        for part in name.split("/")))
    cuts = [i for i, ch in enumerate(name) if ch == "/"]
    for i in cuts:
        for extra in ("//", "/./", "/%2e/", "/%2E/", "/x/../", "/x/%2e%2e/",
                      "/x/.%2e/", "/x/%2E./", "/x/y/../%2e%2e/", "/%2e/x/%2e%2E/"):
            out.append(name[:i] + extra + name[i + 1:])
    return out


def cases():
    return CORPUS + [(s, PROTECTED, True) for s in spellings(PROTECTED)]


def ere(name):
    """An anchored POSIX extended regex matching exactly name."""
    return "^" + re.sub(r"([\\.\[\](){}*+?|^$])", r"\\\1", name) + "$"


def hidden(name):
    """Whether the daemon hides name (lib/http_path.c khttp_path_hidden:
    a segment starting with '.', except the top-level /.well-known): then
    it is 404 to everyone, before any plugin or handler sees it."""
    segs = name.split("/")[1:]
    if segs and segs[0] == ".well-known":
        segs = segs[1:]
    return any(seg.startswith(".") for seg in segs)


def canonical(name):
    """The plain spelling of a name: a request for it names it."""
    return quote(name.encode("latin-1"), safe="/!$&'()*+,=:@~")


UNRESERVED = set(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
PCHAR = UNRESERVED | set(b"!$&'()*+,;=:@/")


def wire_ambiguity(path):
    """What would make a backend that routes on the raw path see another
    name than one that decodes it: a dot-segment, an empty segment, an
    escape of an unreserved byte or of '/' or '\\', a byte no path holds
    literally. None when there is none."""
    segs = path.split("/")[1:]
    for i, seg in enumerate(segs):
        if seg in (".", "..") or (not seg and i < len(segs) - 1):
            return "segment %r" % seg
    raw = path.encode("latin-1")
    i = 0
    while i < len(raw):
        if raw[i] == ord("%"):
            b = int(raw[i + 1:i + 3], 16)
            if b in UNRESERVED or b in b"/\\":
                return "escape %r" % raw[i:i + 3]
            i += 3
        elif raw[i] not in PCHAR:
            return "literal %r" % raw[i:i + 1]
        else:
            i += 1
    return None


def make_docroot(root, names):
    """A file per name holding the name (a directory's index for names
    ending in '/')."""
    for name in names:
        path = root.encode() + name.encode("latin-1")
        if name.endswith("/"):
            path += b"index.html"
        os.makedirs(os.path.dirname(path), 0o755, exist_ok=True)
        with open(path, "wb") as f:
            f.write(name.encode("latin-1"))
        os.chmod(path, 0o644)


def site(host, root, section=""):
    return ("[HOST]\n    ServerName %s\n    DocumentRoot %s\n%s" % (host, root, section)
            ).encode("latin-1")


def ask(port, target, host, headers=()):
    """One request on a fresh connection; None when the server answers
    nothing (it closes)."""
    c = Client(port)
    try:
        c.send(("GET %s HTTP/1.1\r\nHost: %s\r\n%s\r\n" % (
            target.replace("{host}", host), host,
            "".join("%s: %s\r\n" % h for h in headers))).encode("latin-1"))
        return c.read_response()
    except (EOFError, OSError):
        return None
    finally:
        c.close()


def status(r):
    return r.status if r else None


def check(T):
    all_cases = cases()
    names = sorted({n for _, n, _ in all_cases if n and n != "/"})
    root = tempfile.mkdtemp(prefix="khttpd-diff-")
    os.chmod(root, 0o755)
    make_docroot(root, names + ["/"])
    users = os.path.join(root, ".users")
    with open(users, "w") as f:
        f.write("u:%s\n" % hashed("p", "sha256"))
    os.chmod(users, 0o644)
    creds = [("Authorization", "Basic dTpw")]   # u:p
    be = Backend("D")
    sites = {"default": site("s.test", root)}
    for i, n in enumerate(names):
        sites["m%d" % i] = site("m%d.test" % i, root,
                                "[MANDRIL]\n    DenyURI %s\n" % ere(n))
        sites["a%d" % i] = site("a%d.test" % i, root,
                                "[AUTH]\n    Location %s\n    Realm n%d\n    Users %s\n"
                                % (n, i, users))
        sites["p%d" % i] = site("p%d.test" % i, root,
                                "[PROXY_REVERSE]\n    ServerList 127.0.0.1:%d\n"
                                "    Match %s\n" % (be.port, ere(n)))
    ctl = os.path.join(root, ".ctl.sock")
    d = Daemon("[SERVER]\n    ControlSocket %s\n[PLUGINS]\n    Load mandril\n"
               "    Load auth\n    Load proxy_reverse\n    Load cache\n[CACHE]\n" % ctl,
               docroot=root, sites=sites)

    def cache_keys():
        out = subprocess.run([KHTTPCTL, "-s", ctl, "--json", "cache-stats"],
                             capture_output=True).stdout.decode("latin-1")
        s = json.loads(out)
        return s["entries"], sorted(t["path"] for t in s["top"])

    def cache_clear():
        subprocess.run([KHTTPCTL, "-s", ctl, "cache-clear"], capture_output=True, check=True)

    for sent, name, forwards in all_cases:
        cache_clear()
        before = len(be.log)
        if name is None:
            rs = [ask(d.port, sent, h) for h in ("s.test", "m0.test", "a0.test", "p0.test")]
            st = [status(r) for r in rs]
            T.check(st == [400] * 4 and len(be.log) == before and cache_keys() == (0, []),
                    "%s: refused with 400 by static, mandril, auth and the proxy alike"
                    % sent, (st, be.log[before:], cache_keys()))
            continue
        body = name.encode("latin-1")
        i = names.index(name) if name in names else None
        served = 404 if hidden(name) else 200
        rs = ask(d.port, sent, "s.test")
        T.check(status(rs) == served and (served != 200 or rs.body == body),
                "%s: static serving opens %r (%d)" % (sent, name, served),
                rs and (rs.status, rs.body))
        if served == 404:
            T.check(cache_keys() == (0, []), "%s: a hidden name is never cached" % sent,
                    cache_keys())
        elif not name.endswith("/"):
            stored = wait_until(lambda: cache_keys() == (1, [name]), 10)
            hit = ask(d.port, canonical(name), "s.test")
            T.check(stored and status(hit) == 200 and hit.body == body and
                    hit.header("x-cache") == "HIT",
                    "%s: the cache keys on %r (%s hits it)" % (sent, name, canonical(name)),
                    (cache_keys(), hit and (hit.status, hit.header("x-cache"))))
        if i is None:
            continue
        if served == 404:
            # refused by the one route decision, before any plugin
            before = len(be.log)
            st = [status(ask(d.port, sent, h % i)) for h in ("m%d.test", "a%d.test", "p%d.test")]
            T.check(st == [404] * 3 and len(be.log) == before,
                    "%s: hidden %r is 404 before mandril, auth and the proxy" % (sent, name),
                    (st, be.log[before:]))
            continue
        rm = ask(d.port, sent, "m%d.test" % i)
        T.check(status(rm) == 403, "%s: mandril's DenyURI sees %r" % (sent, name),
                rm and (rm.status, rm.body[:80]))
        ra, ra_ok = ask(d.port, sent, "a%d.test" % i), ask(d.port, sent, "a%d.test" % i, creds)
        T.check(status(ra) == 401 and 'realm="n%d"' % i in (ra.header("www-authenticate") or "")
                and status(ra_ok) == served and (served != 200 or ra_ok.body == body),
                "%s: auth's Location sees %r" % (sent, name),
                (status(ra), ra and ra.header("www-authenticate"), status(ra_ok)))
        before = len(be.log)
        rp = ask(d.port, sent, "p%d.test" % i)
        got = be.log[before:]
        if not forwards:
            T.check(status(rp) == 400 and not got,
                    "%s: the proxy refuses what it cannot forward unambiguously" % sent,
                    (status(rp), got))
            continue
        fwd = got[0].split(" ")[1] if len(got) == 1 else ""
        path, _, query = fwd.partition("?")
        T.check(status(rp) == 200 and rp.body == b"D " + path.encode("latin-1") and
                unquote(path, "latin-1") == name and wire_ambiguity(path) is None and
                query == sent.partition("?")[2],
                "%s: the proxy's Match sees and the backend gets %r" % (sent, name),
                (status(rp), got, wire_ambiguity(path)))
    T.check(d.stop() == 0, "differential: the daemon exits cleanly")
    be.stop()
    shutil.rmtree(root, ignore_errors=True)
