#!/usr/bin/env python3
"""The HTML evidence report (--format html), rendered in headless Chromium:
it loads without console errors or blocked requests, it is self-contained
(nothing fetched), the summary chart is drawn (its bars are in the DOM and
their colour is on screen), it says what the Markdown report says, and text
from scanned files (a file name with markup in it) is escaped, not run.

usage: test_html.py KEYSIFT_BINARY REPO_ROOT
"""
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

KS, ROOT = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
failures = 0


def check(name, ok, detail=""):
    global failures
    print(("ok   " if ok else "FAIL ") + name + ("" if ok else "\n     " + str(detail)[:2000]))
    failures += not ok


def chromium():
    for c in ("chromium", "chromium-browser", "google-chrome"):
        p = shutil.which(c)
        if p:
            return p
    return None


def browse(exe, tmp, page, *args):
    profile = tempfile.mkdtemp(dir=tmp)
    cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--enable-logging=stderr", "--v=0", "--user-data-dir=" + profile, "--window-size=1280,1600"]
    r = subprocess.run(cmd + list(args) + ["file://" + page], capture_output=True, timeout=120,
                       stdin=subprocess.DEVNULL)
    return r.returncode, r.stdout.decode(errors="replace"), r.stderr.decode(errors="replace")


def png_pixels(path):
    """RGB(A) rows of a PNG (8-bit, colour types 2 and 6), unfiltered."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, w = 8, b"", 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and ctype in (2, 6)
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    stride = w * bpp
    rows, prev, i = [], bytearray(stride), 0
    while i < len(raw):
        ft, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b, c = prev[x], prev[x - bpp] if x >= bpp else 0
            if ft == 1:
                line[x] = (line[x] + a) & 255
            elif ft == 2:
                line[x] = (line[x] + b) & 255
            elif ft == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif ft == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return rows, bpp


def main():
    exe = chromium()
    check("Chromium is installed (scripts/install-deps installs it)", exe is not None)
    if not exe:
        return
    tmp = tempfile.mkdtemp(prefix="keysift-html-")
    try:
        # A file whose name is markup, holding a secret: the name reaches the report.
        evil = os.path.join(tmp, "src")
        os.makedirs(evil)
        with open(os.path.join(evil, "<img src=x onerror=alert(1)>.env"), "w") as f:
            f.write("AWS_ACCESS_KEY_ID=AKIAKPO4DRVAUKVWZZUT\n")
        page = os.path.join(tmp, "evidence.html")
        args = ["--support-until", "2040-12-31", os.path.join(ROOT, "corpus", "keys"),
                os.path.join(ROOT, "corpus", "config"), evil]
        r = subprocess.run([KS, "scan", "-q", "--format", "html", "-o", page] + args, capture_output=True)
        check("the report is written (exit 1: findings)", r.returncode == 1 and os.path.getsize(page) > 0,
              r.stderr)
        html = open(page, encoding="utf-8").read()
        external = re.findall(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//|<link\b|@import|url\(""", html)
        check("self-contained: no stylesheet, script, image or font is fetched", not external, external)
        check("no script at all", "<script" not in html.lower())

        rc, dom, err = browse(exe, tmp, page, "--dump-dom")
        check("Chromium loads the page", rc == 0 and "<html" in dom, err[-1500:])
        bad = [l for l in err.splitlines() if re.search(r"CONSOLE|Uncaught|Refused|net::ERR", l)]
        check("no console error, no blocked or failed request", not bad, bad)
        bars = re.findall(r'<rect class="bar" data-severity="(\w+)"', dom)
        check("the summary chart has a bar per severity", bars == ["critical", "high", "medium", "low"], bars)
        doc = json.loads(subprocess.run([KS, "scan", "-q", "--format", "json", "--support-until", "2040-12-31"]
                                        + args, capture_output=True).stdout)
        rows = re.findall(r"<tr>\s*<td>(critical|high|medium|low)</td>", dom)
        check("one row per finding in the remediation table (%d)" % len(doc["findings"]),
              len(rows) == len(doc["findings"]), (len(rows), len(doc["findings"])))
        check("the verdict, the inventory and the support period are on the page",
              'id="verdict"' in dom and "Keys and certificates" in dom and "2040-12-31" in dom)
        check("markup in a scanned file name is text, not an element",
              "&lt;img src=x onerror=alert(1)&gt;.env" in dom and "<img" not in dom.lower(),
              re.findall(r".{40}onerror.{40}", dom)[:2])

        png = os.path.join(tmp, "shot.png")
        rc, out, err = browse(exe, tmp, page, "--screenshot=" + png)
        check("Chromium renders a screenshot", rc == 0 and os.path.exists(png), err[-800:])
        if os.path.exists(png):
            pix, bpp = png_pixels(png)
            crit = bytes.fromhex("a40e26")
            found = any(crit in bytes(b for j, b in enumerate(row) if bpp == 3 or j % 4 != 3)
                        for row in pix[:400])
            check("the chart is drawn: the critical bar's colour is on screen", found)
            nonwhite = sum(1 for row in pix[::8] for j in range(0, len(row), bpp * 8)
                           if row[j:j + 3] != b"\xff\xff\xff")
            check("the page is not blank", nonwhite > 500, nonwhite)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


main()
print("html: %s" % ("all checks passed" if not failures else "%d failure(s)" % failures))
sys.exit(1 if failures else 0)
