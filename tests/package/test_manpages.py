# SPDX-License-Identifier: GPL-2.0 OR MIT
"""The man pages in man/: lint clean (mandoc -T lint and groff -ww), and
their lists of keys, options, commands, parameters, sysctls and files
equal to what the code knows, so that neither can change alone:
khttpd.conf(5) against the config parser itself (each section's "unknown
key ... (known: ...)" error, and every documented key accepted),
khttpdd(8) against its getopt string, khttpctl(8) against its command
table, khttpd(4) against kmod/main.c, kmod/sysctl.c and kmod/stats.c."""

import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "daemon"))
from harness import KHTTPDD, TOP, expect, run_all, test  # noqa: E402

MAN = os.path.join(TOP, "man")
PAGES = ("khttpdd.8", "khttpctl.8", "khttpd.conf.5", "khttpd.4")


def read(*parts):
    with open(os.path.join(TOP, *parts)) as f:
        return f.read()


def entries(page):
    """{(.SH or .SS heading): [first word of each .TP/.TQ tag line]}."""
    out, heading, tag_next = {}, None, False
    for line in read("man", page).splitlines():
        m = re.match(r"\.S[HS] (.*)", line)
        if m:
            heading = m.group(1).strip('"')
            out.setdefault(heading, [])
            continue
        if line in (".TP", ".TQ"):
            tag_next = True
            continue
        if tag_next:
            tag_next = False
            words = re.sub(r"^\.[BIR]+ ", "", line).replace("\\-", "-").split()
            if words:
                out.setdefault(heading, []).append(words[0].strip('"'))
    return out


def parser_error(main, site=None):
    """khttpdd -t's message for a config made of these texts."""
    with tempfile.TemporaryDirectory() as d:
        os.makedirs(os.path.join(d, "sites"))
        with open(os.path.join(d, "khttpd.conf"), "w") as f:
            f.write(main)
        if site is not None:
            with open(os.path.join(d, "sites", "default"), "w") as f:
                f.write("[HOST]\n    DocumentRoot %s\n%s" % (d, site))
        r = subprocess.run([KHTTPDD, "-t", "-c", d], capture_output=True, timeout=10)
        return r.stderr.decode()


def plugins():
    return re.findall(r"X\((\w+)\)", read("userspace", "plugins", "registry.c"))


def section_config(section, line):
    """(main, site) texts with line in section, its plugin loaded."""
    load = "[PLUGINS]\n    Load %s\n" % section.lower() if section.lower() in plugins() else ""
    if section in ("HOST", "HANDLERS", "ERROR_PAGES"):
        return load, "[%s]\n    %s\n" % (section, line)
    return "%s[%s]\n    %s\n" % (load, section, line), None


def known_keys(section):
    err = parser_error(*section_config(section, "NoSuchKey 1"))
    m = re.search(r"unknown key 'NoSuchKey'.*\(((?:known: )?[^()]*)\)\s*$", err)
    expect(m, "[%s]: no list of known keys in %r" % (section, err))
    return {k.strip() for k in m.group(1).replace("known: ", "").split(",")}


@test
def pages_lint_clean():
    for page in PAGES:
        path = os.path.join(MAN, page)
        r = subprocess.run(["mandoc", "-T", "lint", "-W", "all", path],
                           capture_output=True, timeout=30)
        out = (r.stdout + r.stderr).decode()
        expect(r.returncode == 0 and not out.strip(), "mandoc -T lint %s: %s" % (page, out))
        r = subprocess.run(["groff", "-man", "-ww", "-z", path], capture_output=True,
                           timeout=30)
        out = (r.stdout + r.stderr).decode()
        expect(r.returncode == 0 and not out.strip(), "groff -ww %s: %s" % (page, out))


@test
def conf_sections_are_the_parsers():
    doc = {h.strip("[]") for h in entries("khttpd.conf.5") if h.startswith("[")}
    main = re.search(r"in the main file \(([^)]*)\)", parser_error("[NOPE]\n"))
    site = re.search(r"in a site file \(([^)]*)\)", parser_error("", "[NOPE]\n"))
    expect(main and site, "no section lists in the parser's errors")
    code = set()
    for m in (main, site):
        code |= {s for s in re.split(r", | or ", m.group(1)) if s != "a plugin"}
    code |= {p.upper() for p in plugins()}
    expect(doc == code, "sections: only in khttpd.conf(5) %s, only in the parser %s"
           % (sorted(doc - code), sorted(code - doc)))


@test
def conf_keys_are_the_parsers():
    doc = entries("khttpd.conf.5")
    for heading, keys in doc.items():
        if not heading.startswith("[") or heading == "[ERROR_PAGES]":
            continue
        section = heading.strip("[]")
        code = known_keys(section)
        expect(set(keys) == code, "[%s]: only in khttpd.conf(5) %s, only in the parser %s"
               % (section, sorted(set(keys) - code), sorted(code - set(keys))))
        for k in keys:
            err = parser_error(*section_config(section, "%s x" % k))
            expect("unknown key" not in err, "[%s] %s: the parser refuses the key: %s"
                   % (section, k, err))


@test
def khttpdd_options_are_its_getopt():
    m = re.search(r'getopt_long\(argc, argv, "([^"]+)"', read("userspace", "core", "main.c"))
    expect(m, "no getopt string in core/main.c")
    code = set(m.group(1).replace(":", ""))
    doc = {w[1] for w in entries("khttpdd.8")["OPTIONS"] if re.match(r"-\w", w)}
    expect(doc == code, "options: khttpdd(8) %s, getopt %s" % (sorted(doc), sorted(code)))


@test
def khttpctl_commands_are_its_table():
    src = read("userspace", "tools", "khttpctl.c")
    table = re.search(r"commands\[\] = \{([^}]*)\}", src)
    expect(table, "no commands[] in khttpctl.c")
    code = set(re.findall(r'"([\w-]+)"', table.group(1)))
    # "cache stats" on the command line is the table's "cache-stats"
    lines = [l for l in read("man", "khttpctl.8").split(".SH COMMANDS")[1]
             .split(".SH")[0].splitlines() if l.startswith(".B ")]
    doc = {"-".join(l[3:].split()) for l in lines}
    expect(doc == code, "commands: only in khttpctl(8) %s, only in khttpctl.c %s"
           % (sorted(doc - code), sorted(code - doc)))


@test
def module_page_is_the_modules():
    doc = entries("khttpd.4")
    params = set(re.findall(r"module_param(?:_named|_string)?\((\w+),",
                            read("kmod", "main.c")))
    documented = {w.split("=")[0] for w in doc["PARAMETERS"]}
    expect(params and documented == params, "parameters: only in khttpd(4) %s, only in main.c %s"
           % (sorted(documented - params), sorted(params - documented)))
    src = read("kmod", "sysctl.c")
    table = src.split("khttpd_table[] = {")[1].split("};")[0]
    sysctls = set(re.findall(r"KHTTPD_(?:INT|TIMEOUT|STRING)\((\w+)", table) +
                  re.findall(r'\.procname = "(\w+)"', table))
    expect(sysctls and set(doc["SYSCTLS"]) == sysctls,
           "sysctls: only in khttpd(4) %s, only in sysctl.c %s"
           % (sorted(set(doc["SYSCTLS"]) - sysctls), sorted(sysctls - set(doc["SYSCTLS"]))))
    procs = {"/proc/net/khttpd/" + n
             for n in re.findall(r'proc_create_single\("(\w+)"', read("kmod", "stats.c"))}
    documented = {f for f in doc["FILES"] if f.startswith("/proc/")}
    expect(procs and documented == procs, "proc files: khttpd(4) %s, stats.c %s"
           % (sorted(documented), sorted(procs)))


if __name__ == "__main__":
    sys.exit(run_all(sys.argv))
