#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR MIT
"""scan.py HOST:PORT: grade a TLS server with Debian's sslscan (an external
scanner, so the judgement is not ours alone). Prints sslscan's report and
one "scan:" line per finding; fails on a protocol below TLS 1.2, a cipher
that is not AEAD (AES-GCM, CHACHA20-POLY1305) or not forward secret
(ECDHE in TLS 1.2; every TLS 1.3 suite is), a cipher sslscan rates weak,
insecure renegotiation, compression, Heartbleed, or an expired or weak
certificate. Bounded: sslscan gets 120 s."""

import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET


def findings(root):
    out = []
    for p in root.iter("protocol"):
        v = (p.get("type"), p.get("version"))
        if p.get("enabled") == "1" and (v[0] == "ssl" or v[1] in ("1.0", "1.1")):
            out.append("protocol %s %s enabled" % v)
    for c in root.iter("cipher"):
        name, ver = c.get("cipher"), c.get("sslversion")
        if "GCM" not in name and "CHACHA20-POLY1305" not in name.replace("_", "-"):
            out.append("%s %s: not AEAD" % (ver, name))
        if ver != "TLSv1.3" and not name.startswith("ECDHE-"):
            out.append("%s %s: not forward secret" % (ver, name))
        if c.get("strength") not in ("strong", "acceptable"):
            out.append("%s %s: rated %s" % (ver, name, c.get("strength")))
    for r in root.iter("renegotiation"):
        if r.get("supported") == "1" and r.get("secure") != "1":
            out.append("insecure renegotiation")
    for c in root.iter("compression"):
        if c.get("supported") == "1":
            out.append("TLS compression")
    for h in root.iter("heartbleed"):
        if h.get("vulnerable") == "1":
            out.append("Heartbleed (%s)" % h.get("sslversion"))
    for e in root.iter("expired"):
        if e.text != "false":
            out.append("certificate expired")
    for pk in root.iter("pk"):
        if pk.get("error") != "false" or int(pk.get("bits") or 0) < 112:
            out.append("certificate key: %r" % pk.attrib)
    return out


def main():
    target = sys.argv[1]
    with tempfile.NamedTemporaryFile(suffix=".xml") as x:
        r = subprocess.run(["sslscan", "--no-colour", "--xml=" + x.name, target],
                           capture_output=True, timeout=120)
        print(r.stdout.decode(errors="replace"))
        if r.returncode:
            print("scan: sslscan exit %d: %s" % (r.returncode, r.stderr.decode()[-300:]))
            return 1
        root = ET.parse(x.name).getroot()
    ciphers = ["%s %s" % (c.get("sslversion"), c.get("cipher")) for c in root.iter("cipher")]
    protos = ["%s%s" % (p.get("type").upper(), p.get("version"))
              for p in root.iter("protocol") if p.get("enabled") == "1"]
    bad = findings(root)
    for f in bad:
        print("scan: " + f)
    if not ciphers:
        print("scan: no cipher accepted (nothing was graded)")
        bad.append("nothing graded")
    print("scan summary: protocols %s; %d ciphers (%s); %d findings"
          % (" ".join(protos), len(ciphers), ", ".join(ciphers), len(bad)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
