#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR MIT
"""End-to-end tests of the metrics plugin: off unless loaded, loopback or
[METRICS] Allow only, never for a relayed request; its page passes
`promtool check metrics` (Debian's prometheus package, scripts/deps) even
with hostile label values from the config; its counters move by exactly
what the requests did; khttpctl stats --json carries the same figures."""

import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import KHTTPDD, Daemon, Failure, expect, run_all, site, test  # noqa: E402

# A ServerName and a backend host as hostile as a config line can be: quote,
# backslash, label syntax, a byte that is no UTF-8.
EVIL_NAME = b'evil"}\\x{a="1"}\xff.test'
EVIL_HOST = b'b"a\\d}'


def promtool(text):
    r = subprocess.run(["promtool", "check", "metrics"], input=text,
                       capture_output=True, timeout=30)
    out = (r.stdout + r.stderr).decode(errors="replace")
    expect(r.returncode == 0 and not out.strip(), "promtool check metrics: %s" % out)


LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|\})')


def parse(text):
    """{(name, ((label, value), ...)): value} of an exposition; a line this
    strict reader cannot take fails the test, so does a duplicate sample."""
    samples = {}
    for line in text.decode("utf-8").split("\n"):
        if not line or line.startswith("# HELP ") or line.startswith("# TYPE "):
            continue
        m = re.match(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(\{)?", line)
        expect(m, "bad line %r" % line)
        name, pos, labels = m.group(1), m.end(), []
        if m.group(2):
            while True:
                lm = LABEL.match(line, pos)
                expect(lm, "bad labels in %r at %d" % (line, pos))
                value = re.sub(r"\\(.)", lambda e: {"n": "\n"}.get(e.group(1), e.group(1)),
                               lm.group(2))
                labels.append((lm.group(1), value))
                pos = lm.end()
                if lm.group(3) == "}":
                    break
        rest = line[pos:]
        expect(re.fullmatch(r" \d+", rest), "bad value in %r" % line)
        key = (name, tuple(labels))
        expect(key not in samples, "duplicate sample %r" % (key,))
        samples[key] = int(rest)
    return samples


def scrape(c, path="/metrics", headers=()):
    c.send_request(path, headers)
    r = c.read_response()
    expect(r.status == 200, "scrape %s: %d %r" % (path, r.status, r.body[:200]))
    expect(r.header("Content-Type") == "text/plain; version=0.0.4; charset=utf-8",
           "type %r" % r.header("Content-Type"))
    return r.body


def proxied_daemon():
    """metrics, cache (html only) and proxy_reverse for /api/ to a backend
    that refuses and one whose name does not resolve, under EVIL_NAME."""
    d = Daemon(plugins=("cache", "proxy_reverse", "metrics"),
               main_sections="[CACHE]\n    Extensions html\n")
    d.write("www/index.html", "cached page\n")
    d.write("www/file.txt", "x" * 20000)   # over FDCACHE_INLINE_MAX: sendfile
    d.write("conf/sites/a", b"[HOST]\n    ServerName " + EVIL_NAME + b"\n    DocumentRoot " +
            d.path("www").encode() + b"\n[PROXY_REVERSE]\n    ServerList [" + EVIL_HOST +
            b"]:80 127.0.0.1:1\n    Match ^/api/\n")
    return d


def class_count(s, cls):
    return s[("khttpd_daemon_responses_total", (("class", cls),))]


@test
def metrics_off_unless_loaded():
    d = Daemon()
    d.write("conf/sites/a", site("localhost", d.path("www")))
    os.makedirs(d.path("www"))
    with d.running():
        r = d.get("/metrics")
        expect(r.status == 404, "without Load metrics: %d %r" % (r.status, r.body[:100]))


@test
def metrics_pass_promtool_and_move_exactly():
    d = proxied_daemon()
    with d.running():
        # one keep-alive connection: each response is counted before the
        # worker reads the next request, so the figures are exact
        with d.connect() as c:
            s0 = parse(scrape(c))
            c.send_request("/missing")
            expect(c.read_response().status == 404, "404")
            c.send_request("/file.txt")
            r = c.read_response()
            expect(r.status == 200 and len(r.body) == 20000, "file.txt %d" % r.status)
            for _ in range(2):      # a miss that stores it, then a hit
                c.send_request("/index.html")
                r = c.read_response()
                expect(r.status == 200 and r.body == b"cached page\n", "index %d" % r.status)
            c.send_request("/api/x")
            expect(c.read_response().status == 502, "proxy to dead backends: 502")
            text = scrape(c)
        promtool(text)
        s1 = parse(text)
        # three 200s and the first scrape's own 200; the 404 once; the 502 once
        for cls, want in (("2xx", 4), ("3xx", 0), ("4xx", 1), ("5xx", 1)):
            got = class_count(s1, cls) - class_count(s0, cls)
            expect(got == want, "%s moved by %d, want %d" % (cls, got, want))
        req = s1[("khttpd_daemon_requests_total", ())] - s0[("khttpd_daemon_requests_total", ())]
        expect(req == 6, "requests moved by %d, want 6" % req)
        zc = ("khttpd_daemon_sent_bytes_total", (("path", "zerocopy"),))
        cp = ("khttpd_daemon_sent_bytes_total", (("path", "copied"),))
        # file.txt went by sendfile; the miss of index.html (12 bytes) left
        # with its head from the open-file cache, as did the error pages
        expect(s1[zc] - s0[zc] == 20000, "zero-copy bytes moved by %d" % (s1[zc] - s0[zc]))
        expect(s1[cp] - s0[cp] >= 12, "copied bytes moved by %d" % (s1[cp] - s0[cp]))
        for name, want in (("khttpd_cache_hits_total", 1), ("khttpd_cache_misses_total", 1),
                           ("khttpd_cache_inserts_total", 1)):
            got = s1[(name, ())] - s0[(name, ())]
            expect(got == want, "%s moved by %d, want %d" % (name, got, want))
        expect(s1[("khttpd_cache_entries", ())] == 1, "cache entries")
        expect(s1[("khttpd_daemon_connections", ())] == 1, "open connections")
        # the hostile names came through intact (the byte that is no UTF-8
        # as U+FFFD), as labels of distinct samples
        scope = EVIL_NAME.decode("utf-8", errors="replace")
        up = {dict(k[1])["backend"]: v for k, v in s1.items()
              if k[0] == "khttpd_proxy_backend_up"}
        expect(up == {EVIL_HOST.decode() + ":80": 0, "127.0.0.1:1": 0}, "backends %r" % up)
        picks = {dict(k[1])["backend"]: (dict(k[1])["scope"], v) for k, v in s1.items()
                 if k[0] == "khttpd_proxy_backend_picks_total"}
        expect(picks.get("127.0.0.1:1") == (scope, 1), "picks %r" % picks)
        # khttpctl stats --json: the same figures by the same names
        m = json.loads(d.ctl("--json", "stats"))["metrics"]
        for cls in ("4xx", "5xx"):
            got = [e["value"] for e in m["khttpd_daemon_responses_total"] if e["class"] == cls]
            expect(got == [class_count(s1, cls)], "json %s %r" % (cls, got))
        expect(m["khttpd_cache_hits_total"] == 1 and m["khttpd_cache_misses_total"] == 1,
               "json cache %r" % m)
        expect(sorted((e["scope"], e["backend"], e["value"])
                      for e in m["khttpd_proxy_backend_picks_total"]) ==
               sorted((sc, b, v) for b, (sc, v) in picks.items()),
               "json picks %r" % m["khttpd_proxy_backend_picks_total"])
        expect(m["khttpd_bridge_registered"] == s1[("khttpd_bridge_registered", ())],
               "bridge registered")


@test
def khttpctl_proxy_json_survives_hostile_names():
    """The same names in khttpctl proxy --json: valid JSON, names intact."""
    d = proxied_daemon()
    with d.running():
        try:
            out = d.ctl("--json", "proxy")
            entries = json.loads(out)["entries"]
        except ValueError as e:     # undecodable bytes, or no JSON
            raise Failure("khttpctl proxy --json is no JSON: %s" % e)
        # strbuf_json: a byte that is no UTF-8 as the code point of its value
        scope = EVIL_NAME.decode("latin-1")
        got = [(e["scope"], [b["server"] for b in e["backends"]]) for e in entries]
        expect(got == [(scope, [EVIL_HOST.decode() + ":80", "127.0.0.1:1"])], "entries %r" % got)


@test
def metrics_only_for_allowed_clients():
    # default Allow is loopback: the relayed request and a POST are refused
    d = Daemon(plugins=("metrics",))
    d.write("conf/sites/a", site("localhost", d.path("www")))
    os.makedirs(d.path("www"))
    with d.running():
        for hdr in ("X-Forwarded-For: 203.0.113.9", "Forwarded: for=203.0.113.9",
                    "X-Real-IP: 203.0.113.9"):
            r = d.get("/metrics", headers=(hdr,))
            expect(r.status == 403, "%s: %d" % (hdr, r.status))
        r = d.get("/metrics", method="POST", headers=("Content-Length: 0",))
        expect(r.status == 405 and r.header("Allow") == "GET, HEAD", "POST: %d" % r.status)
        r = d.get("/metrics", method="HEAD")
        expect(r.status == 200 and int(r.header("Content-Length")) > 0, "HEAD %d" % r.status)
    # an Allow without loopback shuts 127.0.0.1 out; Path moves the page
    d = Daemon(plugins=("metrics",),
               main_sections="[METRICS]\n    Path /internal/prom\n    Allow 10.0.0.0/8 ::1\n")
    d.write("conf/sites/a", site("localhost", d.path("www")))
    os.makedirs(d.path("www"))
    with d.running():
        r = d.get("/internal/prom")
        expect(r.status == 403, "not in Allow: %d" % r.status)
        r = d.get("/metrics")
        expect(r.status == 404, "old path: %d" % r.status)
    d = Daemon(plugins=("metrics",), main_sections="[METRICS]\n    Path /internal/prom\n"
               "    Allow 127.0.0.1/32\n")
    d.write("conf/sites/a", site("localhost", d.path("www")))
    os.makedirs(d.path("www"))
    with d.running():
        with d.connect() as c:
            promtool(scrape(c, "/internal/prom"))
            # the normaliser decides what a request names
            scrape(c, "/internal/x/../%70rom")


@test
def metrics_config_errors_name_the_line():
    d = Daemon(plugins=("metrics",))
    for sec, want in (
            ("[METRICS]\n    Path metrics\n", "Path: want a normalised path"),
            ("[METRICS]\n    Path /a/../metrics\n", "Path: want a normalised path"),
            ("[METRICS]\n    Path /m%65trics\n", "Path: want a normalised path"),
            ("[METRICS]\n    Allow 10.0.0.0/99\n", "Allow: '10.0.0.0/99' is not"),
            ("[METRICS]\n    Port 1\n", "unknown key 'Port' in [METRICS]")):
        d.write_conf(plugins=("metrics",), main_sections=sec)
        r = subprocess.run([KHTTPDD, "-t", "-c", d.conf], capture_output=True, timeout=10)
        err = r.stderr.decode()
        expect(r.returncode != 0 and "khttpd.conf:" in err and want in err,
               "%r: %r" % (sec, err))
    d.write_conf(plugins=("metrics",))
    os.makedirs(d.path("www"))
    d.write("conf/sites/a", site("localhost", d.path("www"), "[METRICS]\n    Path /m\n"))
    r = subprocess.run([KHTTPDD, "-t", "-c", d.conf], capture_output=True, timeout=10)
    err = r.stderr.decode()
    expect(r.returncode != 0 and "sites/a:" in err and "main file" in err, "site: %r" % err)


if __name__ == "__main__":
    sys.exit(run_all(sys.argv))
