#!/usr/bin/env python3
"""keysift installed the way people install tools: the man page, the shell
completions (all written at build time from the option table in
scanner/cli/options.c), --version, and the .deb that cpack builds.

usage: test_install.py MODE KEYSIFT_BINARY BUILD_DIR SOURCE_DIR

MODE: man | bash | zsh | fish | version | package. Each mode is one ctest
test; each checks real behaviour with the real tools (mandoc, man, bash,
zsh, fish, cpack, dpkg).
"""
import gzip
import os
import re
import shutil
import subprocess
import sys
import tempfile

MODE, KS, BUILD, SRC = sys.argv[1], os.path.abspath(sys.argv[2]), sys.argv[3], sys.argv[4]
DOC = os.path.join(BUILD, "doc")
failures = []


def check(name, cond, detail=""):
    if not cond:
        failures.append("%s %s" % (name, detail))
        print("FAIL", name, detail)
    else:
        print("ok  ", name)


def run(cmd, env=None, timeout=300, **kw):
    e = dict(os.environ)
    e.update(env or {})
    p = subprocess.run(cmd, capture_output=True, env=e, timeout=timeout, **kw)
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


def help_options(keysift=KS):
    """The long options `keysift --help` prints, and the values it lists
    for each option that takes one of a fixed set (`METAVAR: a, b, c`)."""
    rc, out, _ = run([keysift, "--help"])
    assert rc == 0, "keysift --help failed"
    opts = set(re.findall(r"^  (?:-\w, )?--([a-z][a-z-]*)", out, re.M))
    values = {}
    lines = out.splitlines()
    for i, line in enumerate(lines):
        m = re.match(r"^ {24}([A-Z]+): (.*)$", line)
        if m:
            for j in range(i - 1, -1, -1):
                o = re.match(r"^  (?:-\w, )?--([a-z-]+) " + m.group(1) + r"\b", lines[j])
                if o:
                    values[o.group(1)] = m.group(2).split(", ")
                    break
    return opts, values


# ---- man -------------------------------------------------------------------

def test_man():
    page = os.path.join(DOC, "keysift.1")
    rc, out, err = run(["mandoc", "-Tlint", page])
    check("man.mandoc-lint", rc == 0 and not out.strip() and not err.strip(), out + err)
    rc, out, err = run(["man", "--warnings", "-l", page], env={"MANWIDTH": "100"})
    check("man.groff-warnings", rc == 0 and not err.strip(), err)
    with gzip.open(os.path.join(DOC, "keysift.1.gz"), "rb") as f, open(page, "rb") as g:
        check("man.gz-is-the-page", f.read() == g.read())
    text = re.sub(r".\x08", "", out)
    opts, values = help_options()
    check("man.options-from-help", len(opts) > 20, sorted(opts))
    for o in sorted(opts):
        check("man.has --%s" % o, re.search(r"^ {7}(-\w, )?--%s\b" % o, text, re.M) is not None)
    man_opts = set(re.findall(r"^ {7}(?:-\w, )?--([a-z][a-z-]*)", text, re.M))
    check("man.no-option-help-lacks", man_opts <= opts, sorted(man_opts - opts))
    for section in ("SYNOPSIS", "COMMANDS", "OPTIONS", "EXIT STATUS", "ENVIRONMENT", "EXAMPLES"):
        check("man.section " + section, re.search("^" + section + "$", text, re.M) is not None)
    for cmd in ("scan", "diff", "baseline create", "hook install", "rules list", "rules test"):
        check("man.command " + cmd, re.search(r"^   %s$" % cmd, text, re.M) is not None)
    flat = " ".join(text.split())
    for o, vals in values.items():
        for v in vals:
            check("man.--%s value %s" % (o, v), re.search(r"Values:[^.]*\b%s\b" % re.escape(v), flat)
                  is not None)


# ---- bash ------------------------------------------------------------------

def bash_complete(script, words, cwd=None):
    """What _keysift offers for `words` (the last one being completed)."""
    prog = ('source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); '
            'COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; _keysift; '
            'printf "%s\\n" "${COMPREPLY[@]}"')
    rc, out, err = run(["bash", "--norc", "--noprofile", "-c", prog, "bash", script] + words,
                       cwd=cwd)
    assert rc == 0, "bash completion failed: %s" % err
    return [w for w in out.splitlines() if w]


def test_bash(script=None):
    script = script or os.path.join(DOC, "keysift.bash")
    rc, out, err = run(["bash", "-n", script])
    check("bash.syntax", rc == 0, err)
    if shutil.which("shellcheck"):
        rc, out, err = run(["shellcheck", "-s", "bash", script])
        check("bash.shellcheck", rc == 0, out)
    opts, values = help_options()
    got = bash_complete(script, ["keysift", ""])
    check("bash.commands", {"scan", "diff", "baseline", "hook", "rules"} <= set(got), got)
    check("bash.diff --format", sorted(bash_complete(script, ["keysift", "diff", "--format", ""]))
          == ["json", "text"])
    check("bash.scan --for", bash_complete(script, ["keysift", "scan", "--for"]) == ["--format"])
    fmts = bash_complete(script, ["keysift", "scan", "--format", ""])
    check("bash.scan --format values", sorted(fmts) == sorted(values["format"]), fmts)
    with tempfile.TemporaryDirectory(prefix="ks-inst-") as tmp:
        for v in fmts:  # every value offered is one the program takes
            rc, _, err = run([KS, "scan", "-q", "--format", v, tmp])
            check("bash.format %s accepted" % v, rc == 0, err)
    check("bash.scan --format j", bash_complete(script, ["keysift", "scan", "--format", "j"])
          == ["json", "jsonl"])
    check("bash.rules list --format",
          sorted(bash_complete(script, ["keysift", "rules", "list", "--format", ""]))
          == ["json", "jsonl", "text"])
    check("bash.--fail-on h", bash_complete(script, ["keysift", "scan", "--fail-on", "h"])
          == ["high"])
    check("bash.--color", sorted(bash_complete(script, ["keysift", "scan", "--color", ""]))
          == sorted(values["color"]))
    check("bash.rules subcommands", sorted(bash_complete(script, ["keysift", "rules", ""]))
          == ["list", "test"])
    check("bash.hook --f", bash_complete(script, ["keysift", "hook", "install", "--f"])
          == ["--force"])
    check("bash.--format=", bash_complete(script, ["keysift", "scan", "--format", "=", "sa"])
          == ["sarif"])
    # every option of --help is offered by some command
    offered = set()
    for words in (["scan"], ["diff"], ["baseline", "create"], ["hook", "install"], ["rules", "list"],
                  ["rules", "test"]):
        offered |= {w[2:] for w in bash_complete(script, ["keysift"] + words + ["--"])}
    check("bash.every option offered", opts <= offered, sorted(opts - offered))
    check("bash.no unknown option", offered <= opts, sorted(offered - opts))
    with tempfile.TemporaryDirectory(prefix="ks-inst-") as tmp:
        os.mkdir(os.path.join(tmp, "src"))
        open(os.path.join(tmp, "report.sarif"), "w").close()
        check("bash.-o FILE", bash_complete(script, ["keysift", "scan", "-o", "rep"], cwd=tmp)
              == ["report.sarif"])
        check("bash.operands: files", sorted(bash_complete(script, ["keysift", "scan", ""],
                                                           cwd=tmp)) == ["report.sarif", "src"])
        check("bash.hook: directories",
              bash_complete(script, ["keysift", "hook", "install", ""], cwd=tmp) == ["src"])
        check("bash.--cache-dir: directories",
              bash_complete(script, ["keysift", "scan", "--cache-dir", ""], cwd=tmp) == ["src"])
        check("bash.--threads: nothing",
              bash_complete(script, ["keysift", "scan", "--threads", ""], cwd=tmp) == [])


# ---- zsh -------------------------------------------------------------------

def test_zsh():
    script = os.path.join(DOC, "_keysift")
    if not shutil.which("zsh"):
        print("SKIP zsh is not installed (apt install zsh)")
        sys.exit(77)
    rc, out, err = run(["zsh", "-n", script])
    check("zsh.syntax", rc == 0, err)
    check("zsh.compdef", open(script).readline().strip() == "#compdef keysift")
    # The completion system's functions stubbed to print what they are
    # given: the script's dispatch and its _arguments specs, run by zsh.
    stub = ('_arguments() { print -rl -- "ARGS" "$@" }; _describe() { print -rl -- "DESCRIBE" '
            '"${(@P)4}" }; compadd() { print -rl -- "COMPADD" "$@" }; '
            'source "$1"; shift; words=("$@"); CURRENT=$#; _keysift')

    def zsh(words):
        rc, out, err = run(["zsh", "-f", "-c", stub, "zsh", script] + words)
        assert rc == 0, err
        return out.splitlines()

    out = zsh(["keysift", ""])
    check("zsh.commands", out[0] == "DESCRIBE" and any(l.startswith("scan:") for l in out), out)
    out = zsh(["keysift", "rules", ""])
    check("zsh.rules subcommands", out == ["COMPADD", "--", "list", "test"], out)
    opts, values = help_options()
    out = zsh(["keysift", "scan", "--for"])
    fmt = [l for l in out if l.startswith("--format=")]
    check("zsh.scan --format spec", out[0] == "ARGS" and len(fmt) == 1 and
          fmt[0].endswith(":FMT:(%s)" % " ".join(values["format"])), fmt)
    out = zsh(["keysift", "rules", "list", "--format", ""])
    fmt = [l for l in out if l.startswith("--format=")]
    check("zsh.rules list --format spec", len(fmt) == 1 and fmt[0].endswith(":FMT:(text json jsonl)"),
          fmt)
    check("zsh.diff command", any(l.startswith("diff:") for l in zsh(["keysift", ""])))
    out = zsh(["keysift", "diff", "--format", ""])
    fmt = [l for l in out if l.startswith("--format=")]
    check("zsh.diff --format spec", len(fmt) == 1 and fmt[0].endswith(":FMT:(text json)"), fmt)
    out = zsh(["keysift", "scan", ""])
    specs = set(re.findall(r"--([a-z][a-z-]*)", "\n".join(l.split("[")[0] for l in out)))
    check("zsh.scan options", {"format", "fail-on", "git", "output", "threads"} <= specs,
          sorted(specs))


# ---- fish ------------------------------------------------------------------

def test_fish():
    script = os.path.join(DOC, "keysift.fish")
    if not shutil.which("fish"):
        print("SKIP fish is not installed (apt install fish)")
        sys.exit(77)
    rc, out, err = run(["fish", "-n", script])
    check("fish.syntax", rc == 0, err)

    def fish(line):
        rc, out, err = run(["fish", "--no-config", "-c",
                            'source $argv[1]; complete -C $argv[2]', script, line])
        assert rc == 0, err
        return [l.split("\t")[0] for l in out.splitlines()]

    opts, values = help_options()
    check("fish.commands", {"scan", "diff", "baseline", "hook", "rules"} <= set(fish("keysift ")))
    got = fish("keysift diff --format ")
    check("fish.diff --format values", sorted(got) == ["json", "text"], got)
    check("fish.scan --for", fish("keysift scan --for") == ["--format"], fish("keysift scan --for"))
    got = fish("keysift scan --format ")
    check("fish.scan --format values", sorted(got) == sorted(values["format"]), got)
    got = fish("keysift rules list --format ")
    check("fish.rules list --format values", sorted(got) == ["json", "jsonl", "text"], got)
    check("fish.--fail-on c", fish("keysift scan --fail-on c") == ["critical"])
    check("fish.rules subcommands", sorted(fish("keysift rules ")) == ["list", "test"],
          fish("keysift rules "))


# ---- --version -------------------------------------------------------------

def upstream_version(lib_path):
    """The upstream version of the Debian package that holds lib_path."""
    for p in (lib_path, os.path.realpath(lib_path), re.sub(r"^/lib/", "/usr/lib/", lib_path)):
        rc, out, _ = run(["dpkg", "-S", p])
        if rc == 0:
            pkg = out.split(":")[0]
            rc, ver, _ = run(["dpkg-query", "-W", "-f", "${Version}", pkg])
            ver = ver.split(":", 1)[-1]  # epoch
            return re.sub(r"(\+[a-z]+)?-[^-]*$", "", ver)  # Debian revision, +ds/+dfsg
    return None


def test_version():
    rc, out, err = run([KS, "--version"])
    check("version.exit", rc == 0, err)
    lines = out.splitlines()
    proj = re.search(r"^CMAKE_PROJECT_VERSION:STATIC=(.*)$",
                     open(os.path.join(BUILD, "CMakeCache.txt")).read(), re.M).group(1)
    check("version.first line", lines and lines[0] == "keysift " + proj, lines[:1])
    fields = dict(l.split(None, 1) for l in lines[1:] if l.strip())
    check("version.fields", set(fields) == {"commit", "vectorscan", "pcre2", "libgit2", "openssl",
                                            "libarchive"}, sorted(fields))
    # The commit: the checkout's HEAD (the build records it on every build).
    rc, head, _ = run(["git", "-C", SRC, "rev-parse", "--short=12", "HEAD"])
    if rc == 0:
        check("version.commit is HEAD", re.fullmatch(re.escape(head.strip()) + "(-dirty)?",
                                                     fields.get("commit", "")) is not None,
              (fields.get("commit"), head.strip()))
    # Outside git the recorded commit is "unknown".
    with tempfile.TemporaryDirectory(prefix="ks-inst-") as tmp:
        hdr = os.path.join(tmp, "ks_git_commit.h")
        rc, out2, err = run(["cmake", "-DOUT=" + hdr, "-DSRC_DIR=" + tmp, "-P",
                             os.path.join(SRC, "cmake", "gitcommit.cmake")],
                            env={"GIT_CEILING_DIRECTORIES": os.path.dirname(tmp)})
        check("version.commit outside git", rc == 0 and
              '#define KS_GIT_COMMIT "unknown"' in open(hdr).read(), err)
    # Each library's version is the one of the library the binary runs with:
    # the upstream version of the Debian package that holds the loaded .so.
    rc, ldd, _ = run(["ldd", KS])
    loaded = dict(re.findall(r"^\s*(\S+) => (/\S+)", ldd, re.M))
    for name, soname in (("vectorscan", "libhs.so"), ("pcre2", "libpcre2-8.so"),
                         ("libgit2", "libgit2.so"), ("openssl", "libcrypto.so"),
                         ("libarchive", "libarchive.so")):
        path = next((p for s, p in loaded.items() if s.startswith(soname)), None)
        want = upstream_version(path) if path else None
        got = fields.get(name, "")
        check("version.%s" % name, want is not None and got.split()[0:1] == [want],
              (got, want, path))


# ---- the .deb --------------------------------------------------------------

def needed_packages(binary):
    """The Debian package of each shared library `binary` names (DT_NEEDED)."""
    rc, out, _ = run(["readelf", "-d", binary])
    needed = re.findall(r"\(NEEDED\)\s+Shared library: \[(.+?)\]", out)
    rc, ldd, _ = run(["ldd", binary])
    loaded = dict(re.findall(r"^\s*(\S+) => (/\S+)", ldd, re.M))
    pkgs = {}
    for so in needed:
        path = loaded.get(so)
        pkg = None
        for p in (path, re.sub(r"^/lib/", "/usr/lib/", path or ""), os.path.realpath(path or "")):
            rc, out, _ = run(["dpkg", "-S", p]) if p else (1, "", "")
            if rc == 0:
                pkg = out.split(":")[0].strip()
                break
        pkgs[so] = pkg
    return pkgs


def test_package():
    tmp = tempfile.mkdtemp(prefix="ks-deb-")
    try:
        rc, out, err = run(["cpack", "--config", os.path.join(BUILD, "CPackConfig.cmake"),
                            "-B", os.path.join(tmp, "out")], timeout=600)
        debs = [f for f in os.listdir(os.path.join(tmp, "out")) if f.endswith(".deb")] \
            if rc == 0 else []
        check("deb.cpack", rc == 0 and len(debs) == 1, out[-2000:] + err[-2000:])
        if not debs:
            return
        deb = os.path.join(tmp, "out", debs[0])
        rc, ctrl, _ = run(["dpkg-deb", "-f", deb])
        fields = dict(re.findall(r"^(\S+): (.*)$", ctrl, re.M))
        check("deb.package name", fields.get("Package") == "keysift", ctrl)
        depends = {d.strip().split()[0] for d in fields.get("Depends", "").split(",") if d.strip()}
        for so, pkg in needed_packages(KS).items():
            check("deb.depends on %s (%s)" % (pkg, so), pkg is not None and pkg in depends,
                  sorted(depends))
        root = os.path.join(tmp, "root")
        rc, out, err = run(["dpkg", "-x", deb, root])
        check("deb.dpkg -x", rc == 0, err)
        for path in ("usr/bin/keysift", "usr/share/man/man1/keysift.1.gz",
                     "usr/share/bash-completion/completions/keysift",
                     "usr/share/zsh/vendor-completions/_keysift",
                     "usr/share/fish/vendor_completions.d/keysift.fish",
                     "usr/share/doc/keysift/README.md", "usr/share/doc/keysift/copyright"):
            check("deb.has /" + path, os.path.isfile(os.path.join(root, path)))
        ks = os.path.join(root, "usr/bin/keysift")
        rc, out, err = run([ks, "--version"])
        check("deb.keysift --version", rc == 0 and out.startswith("keysift ") and
              "vectorscan" in out, out + err)
        # A real scan with the installed binary: a private key made now.
        src = os.path.join(tmp, "src")
        os.mkdir(src)
        key = os.path.join(src, "deploy.pem")
        rc, _, err = run(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt",
                          "ec_paramgen_curve:P-256", "-out", key])
        check("deb.openssl genpkey", rc == 0, err)
        body = "".join(l for l in open(key).read().splitlines() if not l.startswith("-----"))
        # The build's compiled-rule cache, when ctest gives one: the packaged binary is the
        # build's, stripped, so the cache key (ruleset and Vectorscan version) is the same and
        # a sanitizer build does not compile the whole ruleset again.
        cache = os.environ.get("KEYSIFT_CACHE_DIR") or os.path.join(tmp, "cache")
        rc, out, err = run([ks, "scan", "--format", "json", src],
                           env={"KEYSIFT_CACHE_DIR": cache}, timeout=900)
        check("deb.scan finds the key", rc == 1 and '"privkey.' in out, (rc, err[-500:]))
        check("deb.scan redacts", body[10:40] not in out)
        # The installed manual.
        man = os.path.join(root, "usr/share/man/man1/keysift.1.gz")
        rc, out, err = run(["man", "--warnings", "-l", man], env={"MANWIDTH": "100"})
        check("deb.man -l", rc == 0 and "keysift scan" in out and not err.strip(), err)
        # The installed bash completion.
        got = bash_complete(os.path.join(root, "usr/share/bash-completion/completions/keysift"),
                            ["keysift", "scan", "--fail-on", "cr"])
        check("deb.bash completion", got == ["critical"], got)
        # dpkg --root: installed into an empty system, as a package dpkg knows.
        droot = os.path.join(tmp, "droot")
        for d in ("var/lib/dpkg/info", "var/lib/dpkg/updates", "var/lib/dpkg/triggers",
                  "var/log"):
            os.makedirs(os.path.join(droot, d))
        open(os.path.join(droot, "var/lib/dpkg/status"), "w").close()
        rc, out, err = run(["dpkg", "--root=" + droot, "--force-depends", "--force-not-root",
                            "--log=/dev/null", "-i", deb])
        check("deb.dpkg --root -i", rc == 0, out + err)
        rc, out, err = run(["dpkg", "--root=" + droot, "-s", "keysift"])
        check("deb.dpkg --root -s", rc == 0 and "Status: install ok installed" in out, out + err)
        rc, out, err = run([os.path.join(droot, "usr/bin/keysift"), "--version"])
        check("deb.dpkg --root keysift runs", rc == 0 and out.startswith("keysift "), err)
        rc, out, err = run(["dpkg", "--root=" + droot, "--force-not-root", "--log=/dev/null",
                            "-r", "keysift"])
        check("deb.dpkg --root -r", rc == 0 and
              not os.path.exists(os.path.join(droot, "usr/bin/keysift")), out + err)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


{"man": test_man, "bash": test_bash, "zsh": test_zsh, "fish": test_fish,
 "version": test_version, "package": test_package}[MODE]()
if failures:
    print("%d failure(s)" % len(failures))
    sys.exit(1)
print("all passed")
