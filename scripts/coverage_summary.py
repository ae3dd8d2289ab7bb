#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR MIT
"""The summary scripts/coverage prints: gcovr's JSON summary as one line
per file with its line and branch coverage, grouped by area (the shared
HTTP code, then each folder of the daemon), each area with its total, and
the total over all; or, with --area NAME (the module's report from the
debug kernel), every file in that one area.
Usage: coverage_summary.py [--area NAME] SUMMARY.json"""

import json
import sys

# lib/ and include/ are one thing: the HTTP code the module and daemon share.
SHARED = "shared (lib/, include/)"
# kmod/ files in the userspace report come from tests/kunit-host only.
KMOD_PURE = "kmod/ pure logic (tests/kunit-host)"


def area(filename):
    """The area a source file belongs to: SHARED, or its first two folders
    (userspace/core, userspace/gateway, ...)."""
    parts = filename.split("/")
    if parts[0] in ("lib", "include"):
        return SHARED
    if parts[0] == "kmod":
        return KMOD_PURE
    return "/".join(parts[:2]) if len(parts) > 2 else parts[0]


def percent(covered, total):
    return "%5.1f%%" % (100.0 * covered / total) if total else "   - "


def row(name, lc, lt, bc, bt):
    return "%-44s %6d/%-6d %s %6d/%-6d %s" % (name, lc, lt, percent(lc, lt),
                                              bc, bt, percent(bc, bt))


def summarize(files, one_area=None):
    """The lines to print for gcovr's per-file entries, all of them in
    one_area if it is given."""
    groups = {}
    for f in files:
        groups.setdefault(one_area or area(f["filename"]), []).append(f)
    out = ["%-44s %-20s %s" % ("file", "lines", "branches")]
    total = [0, 0, 0, 0]
    for name in sorted(groups, key=lambda a: (a != SHARED, a)):
        sums = [0, 0, 0, 0]
        out.append("")
        for f in sorted(groups[name], key=lambda f: f["filename"]):
            v = (f["line_covered"], f["line_total"], f["branch_covered"], f["branch_total"])
            sums = [s + x for s, x in zip(sums, v)]
            out.append(row("  " + f["filename"], *v))
        out.append(row("= " + name, *sums))
        total = [t + s for t, s in zip(total, sums)]
    if not one_area:
        out.append("")
        out.append(row("= all", *total))
    return out


def main():
    args = sys.argv[1:]
    one_area = None
    if args[:1] == ["--area"]:
        one_area, args = args[1], args[2:]
    with open(args[0]) as f:
        files = json.load(f)["files"]
    print("\n".join(summarize(files, one_area)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
