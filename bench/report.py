#!/usr/bin/env python3
"""Turn scripts/bench's raw lines into results.csv, results.md and PNG plots.

usage: report.py OUTDIR
       report.py --update-doc Documentation/benchmarks.md OUTDIR

OUTDIR/raw.txt holds the KBENCH* lines of one run (guest console and host).
Each figure is the median of the rounds with [min-max]; a ratio compares a
server with the best userspace peer (nginx in either sendfile configuration,
or lighttpd) of the same cell and environment, never across environments;
a share compares it with the reference responder (bench/ceiling.c).
Exit status 3 when a server of ours (khttpd.ko, khttpdd) had errors in any
cell: the run failed, though every file is still written.
"""
import csv
import os
import re
import shlex
import statistics
import subprocess
import sys

SERVERS = ["khttpd.ko", "khttpdd", "nginx-sf-on", "nginx-sf-off", "lighttpd", "ceiling"]
PEERS = ["nginx-sf-on", "nginx-sf-off", "lighttpd"]
OURS = ["khttpd.ko", "khttpdd"]     # any error of theirs fails the run
CEILING = "ceiling"                 # bench/ceiling.c, the reference responder
SPREAD_MAX = 0.15                   # bench/measure.sh repeats cells above it
LABELS = {"khttpd.ko": "khttpd.ko", "khttpdd": "khttpdd",
          "nginx-sf-on": "nginx sendfile on", "nginx-sf-off": "nginx sendfile off",
          "lighttpd": "lighttpd", "ceiling": "reference responder"}
SIZES = {"1k": 1024, "64k": 65536, "1m": 1 << 20, "100m": 100 << 20}
SIZE_LABELS = {"1k": "1 KiB", "64k": "64 KiB", "1m": "1 MiB", "100m": "100 MiB"}
MODE_LABELS = {"ka": "keep-alive", "close": "close"}
ENV_TITLES = {"guest": "In the QEMU guest (loopback, software emulation)",
              "host": "On the host (loopback)"}
USER_HZ = 100  # /proc/PID/stat ticks on Linux/x86
DOC_BEGIN = "<!-- bench-results:begin (scripts/bench --update-doc) -->"
DOC_END = "<!-- bench-results:end -->"


def metric(size, conc):
    """What a cell is ranked by: requests/s, or MiB/s where a round completes
    too few responses to count them (any 100 MiB cell, 1000 connections
    sharing 1 MiB responses): a server may finish almost none in a round
    while the bytes it sent still count."""
    return "mibps" if size == "100m" or (size == "1m" and conc >= 1000) else "rps"


def plot_metric(size):
    """One unit per plot panel: MiB/s for the 100 MiB file, else requests/s."""
    return "mibps" if size == "100m" else "rps"


def parse(path):
    runs, notes, syscalls, meta, kstat, mem, noisy = [], [], [], {}, [], [], []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.strip()
            tag, _, rest = line.partition(" ")
            if tag == "KBENCH-KSTAT":
                kstat.append(rest)
                continue
            try:
                fields = dict(w.split("=", 1) for w in shlex.split(rest) if "=" in w)
            except ValueError:
                fields = {}
            if tag == "KBENCH":
                runs.append(fields)
            elif tag in ("KBENCH-SKIP", "KBENCH-MISSING", "KBENCH-ERROR"):
                notes.append("%s: %s" % (tag[7:].lower(), rest))
            elif tag == "KBENCH-SYSCALLS":
                syscalls.append(fields)
            elif tag == "KBENCH-MEM":
                mem.append(fields)
            elif tag == "KBENCH-NOISY":
                noisy.append(fields)
            elif tag in ("KBENCH-META", "KBENCH-INFO"):
                env = fields.pop("env", None)
                for k, v in fields.items():
                    meta[(env + "." + k) if env else k] = v
    return runs, notes, syscalls, meta, kstat, mem, noisy


def summarize(runs):
    """(env, server, size, mode, conc) -> summary over the rounds."""
    cells = {}
    for r in runs:
        key = (r["env"], r["server"], r["size"], r["mode"], int(r["conc"]))
        cells.setdefault(key, []).append(r)
    out = {}
    for key, rounds in cells.items():
        rps, mibps, p50, p99, cpu, mem, slab = [], [], [], [], [], [], []
        errors = requests = nbytes = 0
        for r in rounds:
            secs = int(r["duration_us"]) / 1e6
            n = int(r["requests"])
            rps.append(n / secs)
            mibps.append(int(r["bytes"]) / secs / (1 << 20))
            if n:
                p50.append(int(r["p50_us"]) / 1000)
                p99.append(int(r["p99_us"]) / 1000)
                cpu.append(int(r["cpu_ticks"]) * (1e6 / USER_HZ) / n)
            mem.append(int(r["mem_kb"]))
            slab.append(int(r["slab_delta_kb"]))
            errors += int(r["errors"])
            requests += n
            nbytes += int(r["bytes"])
        med = statistics.median
        ranked = mibps if metric(key[2], key[4]) == "mibps" else rps
        out[key] = {
            "spread": (max(ranked) - min(ranked)) / med(ranked) if med(ranked) > 0 else None,
            "rounds": len(rounds),
            "rps": (med(rps), min(rps), max(rps)),
            "mibps": (med(mibps), min(mibps), max(mibps)),
            "p50_ms": med(p50) if p50 else None,
            "p99_ms": med(p99) if p99 else None,
            "p99_max_ms": max(p99) if p99 else None,
            "errors": errors,
            "cpu_us_per_req": med(cpu) if cpu else None,
            "mem_kb": max(mem),
            "slab_delta_kb": med(slab),
            "bytes_per_resp": nbytes / requests if requests else None,
        }
    return out


def best_peers(summary):
    """(env, size, mode, conc) -> (peer, value) with the highest median."""
    best = {}
    for (env, server, size, mode, conc), s in summary.items():
        if server not in PEERS:
            continue
        v = s[metric(size, conc)][0]
        cell = (env, size, mode, conc)
        if cell not in best or v > best[cell][1]:
            best[cell] = (server, v)
    return best


def ratio(summary, best, env, server, size, mode, conc):
    s = summary.get((env, server, size, mode, conc))
    b = best.get((env, size, mode, conc))
    if not s or not b or b[1] <= 0:
        return None
    return s[metric(size, conc)][0] / b[1]


def num(v):
    if v is None:
        return "-"
    if v >= 100:
        return "{:,.0f}".format(v).replace(",", " ")
    return "%.3g" % v


def cells_of(summary, env):
    keys = {(k[2], k[3], k[4]) for k in summary if k[0] == env}
    return sorted(keys, key=lambda c: (list(SIZES).index(c[0]), c[1] != "ka", c[2]))


def servers_of(summary, env):
    present = {k[1] for k in summary if k[0] == env}
    return [s for s in SERVERS if s in present]


def ratio_table(summary, best, env):
    servers = servers_of(summary, env)
    shown = [s for s in servers if not s.startswith("nginx")]
    has_nginx = any(s.startswith("nginx") for s in servers)
    head = ["file", "connection", "c"] + [LABELS[s] for s in shown if s != "lighttpd"]
    if has_nginx:
        head.append("nginx (better config)")
    if "lighttpd" in shown:
        head.append("lighttpd")
    order = [s for s in shown if s != "lighttpd"] + (["nginx"] if has_nginx else []) + \
        (["lighttpd"] if "lighttpd" in shown else [])
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for size, mode, conc in cells_of(summary, env):
        row = [SIZE_LABELS[size], MODE_LABELS[mode],
               str(conc) + (" (MiB/s)" if metric(size, conc) == "mibps" else "")]
        for s in order:
            if s == "nginx":
                cand = [(summary[(env, n, size, mode, conc)][metric(size, conc)][0], n)
                        for n in ("nginx-sf-on", "nginx-sf-off")
                        if (env, n, size, mode, conc) in summary]
                s = max(cand)[1] if cand else None
            k = (env, s, size, mode, conc)
            if s is None or k not in summary:
                row.append("-")
                continue
            m = summary[k][metric(size, conc)]
            r = ratio(summary, best, env, s, size, mode, conc)
            cell = "%s [%s–%s] **×%.2f**" % (num(m[0]), num(m[1]), num(m[2]), r) \
                if r is not None else "%s [%s–%s]" % (num(m[0]), num(m[1]), num(m[2]))
            if s.startswith("nginx"):
                cell += " (sendfile %s)" % s[len("nginx-sf-"):]
            if summary[k]["errors"]:
                cell += " (%d errors)" % summary[k]["errors"]
            row.append(cell)
        lines.append("| " + " | ".join(row) + " |")
    return lines


def detail_table(summary, env, only_conc=None):
    head = ["file", "connection", "c", "server", "req/s", "MiB/s", "p50 ms", "p99 ms",
            "errors", "server CPU µs/req", "memory KiB", "slab Δ KiB", "bytes/response"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for size, mode, conc in cells_of(summary, env):
        if only_conc is not None and conc != only_conc:
            continue
        for s in servers_of(summary, env):
            d = summary.get((env, s, size, mode, conc))
            if not d:
                continue
            lines.append("| " + " | ".join([
                SIZE_LABELS[size], MODE_LABELS[mode], str(conc), LABELS[s],
                num(d["rps"][0]), num(d["mibps"][0]), num(d["p50_ms"]), num(d["p99_ms"]),
                str(d["errors"]), num(d["cpu_us_per_req"]),
                num(d["mem_kb"]) + (" (module)" if s == "khttpd.ko" else " (RSS)"),
                num(d["slab_delta_kb"]), num(d["bytes_per_resp"])]) + " |")
    return lines


def share(summary, env, server, size, mode, conc):
    """server's figure as a fraction of the reference responder's."""
    s = summary.get((env, server, size, mode, conc))
    c = summary.get((env, CEILING, size, mode, conc))
    m = metric(size, conc)
    if not s or not c or c[m][0] <= 0:
        return None
    return s[m][0] / c[m][0]


def cpu_ratio(summary, env, server, size, mode, conc):
    """server's CPU per request over the lowest of the peers' in the cell."""
    s = summary.get((env, server, size, mode, conc))
    peers = [summary[(env, p, size, mode, conc)]["cpu_us_per_req"] for p in PEERS
             if (env, p, size, mode, conc) in summary]
    peers = [v for v in peers if v]
    if not s or not s["cpu_us_per_req"] or not peers:
        return None
    return s["cpu_us_per_req"] / min(peers)


def ceiling_table(summary, env, noisy):
    """Per cell: each server's share of the ceiling and its CPU per request
    relative to the best peer's, then the cell's worst spread of rounds."""
    servers = [s for s in servers_of(summary, env) if s != CEILING]
    head = ["file", "connection", "c", "ceiling"] + [LABELS[s] for s in servers] + \
        ["worst spread (rounds)"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    still = {(n["size"], n["mode"], int(n["conc"])) for n in noisy if n.get("env") == env}
    for size, mode, conc in cells_of(summary, env):
        c = summary.get((env, CEILING, size, mode, conc))
        row = [SIZE_LABELS[size], MODE_LABELS[mode], str(conc),
               num(c[metric(size, conc)][0]) + (" MiB/s" if metric(size, conc) == "mibps"
                                                  else " req/s") if c else "-"]
        spreads, rounds = [], 0
        for s in servers_of(summary, env):
            d = summary.get((env, s, size, mode, conc))
            if d:
                rounds = max(rounds, d["rounds"])
                if d["spread"] is not None:
                    spreads.append(d["spread"])
            if s == CEILING:
                continue
            sh, cr = share(summary, env, s, size, mode, conc), cpu_ratio(summary, env, s, size, mode, conc)
            row.append(("%.0f %%" % (100 * sh) if sh is not None else "-") +
                       (", CPU ×%.2f" % cr if cr is not None else ""))
        worst = max(spreads) if spreads else None
        row.append(("-" if worst is None else "%.0f %%" % (100 * worst)) + " (%d)" % rounds +
                   (" **still noisy**" if (size, mode, conc) in still else ""))
        lines.append("| " + " | ".join(row) + " |")
    return lines


def memory_table(mem):
    if not mem:
        return []
    lines = ["| environment | server | idle | 1000 keep-alive connections | slab Δ per connection | module state per connection |",
             "|---|---|---|---|---|---|"]
    for m in sorted(mem, key=lambda m: (m["env"], SERVERS.index(m["server"])
                                        if m["server"] in SERVERS else 99)):
        unit = "KiB (module)" if m["server"] == "khttpd.ko" else "KiB RSS"
        per = int(m["slab_delta_kb"]) * 1024 / int(m["conns"])
        lines.append("| %s | %s | %s %s | %s %s | %.0f B | %s |" % (
            m["env"], LABELS.get(m["server"], m["server"]), num(int(m["idle_kb"])), unit,
            num(int(m["busy_kb"])), unit, per,
            "%s B" % m["conn_size"] if "conn_size" in m else "-"))
    return lines


def error_cells(summary):
    """The cells where a server of ours had errors: each fails the run."""
    return ["%s %s: %s %s c=%d: %d errors" % (env, LABELS[server], SIZE_LABELS[size],
                                               MODE_LABELS[mode], conc, d["errors"])
            for (env, server, size, mode, conc), d in sorted(summary.items())
            if server in OURS and d["errors"]]


TARGETS = [
    # (env, server, size, mode, conc, minimum ratio)
    ("guest", "khttpd.ko", "1k", "ka", 64, 2.0),
    ("guest", "khttpd.ko", "1k", "close", 64, 1.5),
    ("guest", "khttpd.ko", "1m", "ka", 64, 1.0),
    ("guest", "khttpd.ko", "1m", "close", 64, 1.0),
    ("host", "khttpdd", "1k", "ka", 64, 1.1),
    ("host", "khttpdd", "1k", "close", 64, 1.1),
]


def target_table(summary, best):
    lines = ["| target | best peer | measured | verdict |", "|---|---|---|---|"]
    for env, server, size, mode, conc, want in TARGETS:
        name = "%s %s: %s %s c=%d ≥ %.1f×" % (env, server, SIZE_LABELS[size],
                                             MODE_LABELS[mode], conc, want)
        b = best.get((env, size, mode, conc))
        r = ratio(summary, best, env, server, size, mode, conc)
        if r is None:
            lines.append("| %s | %s | not measured | - |" % (
                name, LABELS[b[0]] if b else "-"))
            continue
        lines.append("| %s | %s | ×%.2f | %s |" % (
            name, LABELS[b[0]], r, "met" if r >= want else "**missed**"))
    return lines


def top_syscalls(outdir, server, mode, n=5):
    path = os.path.join(outdir, "strace-%s-%s.txt" % (server, mode))
    rows = []
    try:
        with open(path) as f:
            for line in f:
                w = line.split()
                if len(w) >= 5 and re.match(r"^[\d.]+$", w[0]) and w[-1] != "total":
                    rows.append((int(w[3]), w[-1]))
    except OSError:
        return "-"
    rows.sort(reverse=True)
    return ", ".join("%s %d" % (name, calls) for calls, name in rows[:n])


def syscall_table(syscalls, outdir):
    if not syscalls:
        return []
    lines = ["| server | connection | syscalls/request | response bytes (head + body) | most frequent (calls for %s requests) |"
             % syscalls[0]["requests"], "|---|---|---|---|---|"]
    order = {s: i for i, s in enumerate(SERVERS)}
    for s in sorted(syscalls, key=lambda s: (order.get(s["server"], 99), s["mode"] != "ka")):
        per = int(s["calls"]) / int(s["requests"])
        wire = "%d + %d" % (int(s["head_bytes"]), int(s["body_bytes"])) if "head_bytes" in s else "-"
        lines.append("| %s | %s | %.2f | %s | %s |" % (
            LABELS[s["server"]], MODE_LABELS[s["mode"]], per, wire,
            top_syscalls(outdir, s["server"], s["mode"])))
    return lines


def write_csv(path, summary, best):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["env", "server", "size", "mode", "conc", "rounds",
                    "rps_median", "rps_min", "rps_max", "mibps_median", "mibps_min", "mibps_max",
                    "p50_ms", "p99_ms", "p99_max_ms", "errors", "cpu_us_per_req", "mem_kb",
                    "slab_delta_kb", "bytes_per_response", "best_peer", "ratio_to_best_peer"])
        for env in ("guest", "host"):
            for size, mode, conc in cells_of(summary, env):
                for s in servers_of(summary, env):
                    d = summary.get((env, s, size, mode, conc))
                    if not d:
                        continue
                    b = best.get((env, size, mode, conc))
                    r = ratio(summary, best, env, s, size, mode, conc)
                    w.writerow([env, s, size, mode, conc, d["rounds"]] +
                               ["%.1f" % v for v in d["rps"]] + ["%.2f" % v for v in d["mibps"]] +
                               ["" if d[k] is None else "%.3f" % d[k]
                                for k in ("p50_ms", "p99_ms", "p99_max_ms")] +
                               [d["errors"],
                                "" if d["cpu_us_per_req"] is None else "%.1f" % d["cpu_us_per_req"],
                                d["mem_kb"], d["slab_delta_kb"],
                                "" if d["bytes_per_resp"] is None else "%.0f" % d["bytes_per_resp"],
                                b[0] if b else "", "" if r is None else "%.3f" % r])


def plot(outdir, summary, env, meta):
    servers = servers_of(summary, env)
    cells = cells_of(summary, env)
    panels = []
    for size in SIZES:
        for mode in MODE_LABELS:
            concs = sorted({c for s, m, c in cells if s == size and m == mode})
            if concs:
                panels.append((size, mode, concs))
    if not panels:
        return None
    data = os.path.join(outdir, "plot-%s.dat" % env)
    with open(data, "w") as f:
        for size, mode, concs in panels:
            f.write("conc " + " ".join('"%s"' % LABELS[s] for s in servers) + "\n")
            for c in concs:
                vals = []
                for s in servers:
                    d = summary.get((env, s, size, mode, c))
                    v = d[plot_metric(size)][0] if d else 0
                    vals.append("%.3f" % v if v > 0 else "NaN")
                f.write("%d %s\n" % (c, " ".join(vals)))
            f.write("\n\n")
    png = os.path.join(outdir, "%s.png" % env)
    params = os.path.join(outdir, "plot-%s.gp" % env)
    with open(params, "w") as f:
        f.write('datafile = "%s"\noutfile = "%s"\n' % (data, png))
        f.write('envtitle = "%s — %s"\n' % (ENV_TITLES[env], meta.get("date", "")))
        f.write("nrows = %d\nncols = %d\nnpanels = %d\n" % (
            (len(panels) + 1) // 2, len(servers) + 1, len(panels)))
        f.write("array titles[%d]\narray ylabels[%d]\n" % (len(panels), len(panels)))
        for i, (size, mode, _) in enumerate(panels, 1):
            f.write('titles[%d] = "%s, %s"\n' % (i, SIZE_LABELS[size], MODE_LABELS[mode]))
            f.write('ylabels[%d] = "%s"\n' % (i, "MiB/s" if plot_metric(size) == "mibps" else "requests/s"))
    here = os.path.dirname(os.path.abspath(__file__))
    subprocess.run(["gnuplot", "-e", "params='%s'" % params, os.path.join(here, "plot.gp")],
                   check=True)
    return png


def report(outdir):
    """Write the files; returns (the summary for the doc, the failures)."""
    runs, notes, syscalls, meta, kstat, mem, noisy = parse(os.path.join(outdir, "raw.txt"))
    summary = summarize(runs)
    best = best_peers(summary)
    write_csv(os.path.join(outdir, "results.csv"), summary, best)
    pngs = [p for p in (plot(outdir, summary, env, meta) for env in ("guest", "host")) if p]

    md = ["# khttpd benchmark, %s" % meta.get("date", "?"), "",
          "- command: `%s`" % meta.get("command", "?"),
          "- machine: %s" % meta.get("machine", "?"),
          "- guest: %s" % meta.get("guest", "?"),
          "- matrix: %s" % meta.get("matrix", "?"),
          "- tools: %s" % meta.get("tools", "?"),
          ]
    for env in ("guest", "host"):
        if env + ".measure_seconds" in meta:
            md.append("- %s run: %s s of measurement; the host's load average "
                      "(1, 5, 15 min) was %s before and %s after" % (
                          env, meta[env + ".measure_seconds"],
                          meta.get(env + ".host_loadavg_before", "?"),
                          meta.get(env + ".host_loadavg_after", "?")))
    md.append("")
    if notes:
        md += ["Not measured or failed:", ""] + ["- " + n for n in notes] + [""]
    failures = error_cells(summary)
    if failures:
        md += ["**The run failed**: servers of ours had errors:", ""] + \
            ["- " + f for f in failures] + [""]
    md += ["## Targets", "", "Ratios to the best userspace peer of the same cell "
           "and environment (requests/s).", ""] + target_table(summary, best) + [""]
    for env in ("guest", "host"):
        if not any(k[0] == env for k in summary):
            continue
        md += ["## %s" % ENV_TITLES[env], "",
               "Requests/s (MiB/s where the concurrency says so): median [min–max] of the rounds; "
               "**×** = ratio to the best userspace peer (nginx in its better "
               "sendfile setting, or lighttpd) in that cell.", ""]
        md += ratio_table(summary, best, env) + [""]
        if any(k[0] == env and k[1] == CEILING for k in summary):
            md += ["Share of the reference responder (bench/ceiling.c: a fixed response "
                   "of the same size from memory, no parsing, no file) and server CPU "
                   "per request as a ratio to the lowest of the peers'; worst spread = "
                   "the largest (max − min) / median of any server's rounds, with the "
                   "rounds run (cells at %d %% or more get more rounds)." %
                   (100 * SPREAD_MAX), ""]
            md += ceiling_table(summary, env, noisy) + [""]
    if mem:
        md += ["## Memory", "", "Idle, and in the middle of 2 s of 1000 keep-alive "
               "connections on the 1 KiB file (summed VmRSS; the module's size from "
               "/proc/modules); slab Δ covers both ends' sockets.", ""]
        md += memory_table(mem) + [""]
    if syscalls:
        md += ["## System calls per request (host, 1 KiB file, `strace -c -f`)", ""]
        md += syscall_table(syscalls, outdir) + [""]
    summary_md = list(md)
    for env in ("guest", "host"):
        if any(k[0] == env for k in summary):
            md += ["## Details: %s" % ENV_TITLES[env], ""] + detail_table(summary, env) + [""]
            summary_md += ["### Details at c=64: %s" % ENV_TITLES[env], ""] + \
                detail_table(summary, env, 64) + [""]
    if kstat:
        md += ["## khttpd.ko counters after the guest run", "", "```"] + kstat + ["```", ""]
    md += ["Plots: " + ", ".join(os.path.basename(p) for p in pngs), ""]
    with open(os.path.join(outdir, "results.md"), "w") as f:
        f.write("\n".join(md))
    return summary_md, failures


def update_doc(doc, summary_md):
    with open(doc) as f:
        text = f.read()
    if DOC_BEGIN not in text or DOC_END not in text:
        sys.exit("report: %s has no %s ... %s block" % (doc, DOC_BEGIN, DOC_END))
    head, _, rest = text.partition(DOC_BEGIN)
    _, _, tail = rest.partition(DOC_END)
    body = "\n".join(line.replace("# khttpd benchmark", "## Latest results", 1)
                     if line.startswith("# khttpd benchmark") else
                     ("#" + line if line.startswith("##") else line)
                     for line in summary_md)
    with open(doc, "w") as f:
        f.write(head + DOC_BEGIN + "\n" + body + "\n" + DOC_END + tail)


def main():
    args = sys.argv[1:]
    if len(args) == 1:
        summary_md, failures = report(args[0])
    elif len(args) == 3 and args[0] == "--update-doc":
        summary_md, failures = report(args[2])
        update_doc(args[1], summary_md)
    else:
        sys.exit(__doc__.strip().split("\n\n")[1])
    for f in failures:
        print("report: errors from a server of ours: " + f, file=sys.stderr)
    sys.exit(3 if failures else 0)


if __name__ == "__main__":
    main()
