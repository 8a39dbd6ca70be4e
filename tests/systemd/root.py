"""The Debian root the container test boots (tests/systemd/run.py): built once with
debootstrap and kept in build/systemd-root; rebuilt when its recipe (suite, mirror,
packages) changes. Each test run boots an overlay of it, so the root itself stays as
debootstrap left it."""
import fcntl
import glob
import json
import os
import re
import shutil
import subprocess
import time

# What the container needs: systemd as PID 1 (with dbus for systemctl's bus calls) and
# feedsd's run-time libraries, not the -dev packages. Nothing else: the test proves that
# the units need nothing a minimal Debian lacks (procps, for one, is not here).
SYSTEM = ["systemd", "systemd-sysv", "dbus", "ca-certificates"]
# The libraries feedsd links by name (Makefile) and their packages on Debian 12. Debian
# 13 renamed some in the 64-bit time_t transition (libcurl4t64, libev4t64): the names
# are taken from the host's dpkg for the libraries the binary loads, these are the
# fallback.
LIBRARIES = {"libxml2.so.2": "libxml2", "libcurl.so.4": "libcurl4", "libev.so.4": "libev4",
             "libsqlite3.so.0": "libsqlite3-0", "libjansson.so.4": "libjansson4",
             "libxxhash.so.0": "libxxhash0"}
RENAMED_T64 = {"libcurl4": "libcurl4t64", "libev4": "libev4t64"}
BEFORE_T64 = ("buster", "bullseye", "bookworm")
RECIPE_VERSION = 1


def library_packages(binary):
    """The packages of the libraries `binary` loads, as the host's dpkg names them (the
    root is of the host's release), else the Debian 12 names."""
    found = {}
    try:
        out = subprocess.run(["ldd", binary], capture_output=True, text=True, timeout=30).stdout
        for line in out.splitlines():
            m = re.match(r"\s*(\S+) => (/\S+)", line)
            if m and m.group(1) in LIBRARIES:
                r = subprocess.run(["dpkg", "-S", os.path.realpath(m.group(2))],
                                   capture_output=True, text=True, timeout=30)
                if r.returncode == 0 and ":" in r.stdout:
                    found[m.group(1)] = r.stdout.split(":", 1)[0].strip()
    except (OSError, subprocess.SubprocessError):
        pass
    return [found.get(so, pkg) for so, pkg in LIBRARIES.items()]


def os_release():
    out = {}
    try:
        with open("/etc/os-release") as f:
            for line in f:
                k, _, v = line.strip().partition("=")
                out[k] = v.strip('"')
    except OSError:
        pass
    return out


def apt_sources():
    """(uri, suites) of every 'deb' source apt uses, one-line and deb822 formats."""
    res = []
    for path in ["/etc/apt/sources.list"] + sorted(glob.glob("/etc/apt/sources.list.d/*.list")):
        try:
            with open(path) as f:
                for line in f:
                    line = re.sub(r"\[[^]]*\]", " ", line.split("#", 1)[0]).split()
                    if len(line) >= 3 and line[0] == "deb":
                        res.append((line[1], [line[2]]))
        except OSError:
            pass
    for path in sorted(glob.glob("/etc/apt/sources.list.d/*.sources")):
        try:
            with open(path) as f:
                text = f.read()
        except OSError:
            continue
        for stanza in re.split(r"\n\s*\n", text):
            fields = {}
            for line in stanza.splitlines():
                if line.startswith("#") or ":" not in line or line[:1].isspace():
                    continue
                k, _, v = line.partition(":")
                fields[k.strip().lower()] = v.split()
            if "deb" in fields.get("types", []) and fields.get("enabled", ["yes"])[0] != "no":
                for uri in fields.get("uris", []):
                    res.append((uri, fields.get("suites", [])))
    return res


def choose_mirror(suite):
    """The mirror apt already uses for `suite` (FEEDSD_SYSTEMD_MIRROR overrides)."""
    if os.environ.get("FEEDSD_SYSTEMD_MIRROR"):
        return os.environ["FEEDSD_SYSTEMD_MIRROR"]
    for uri, suites in apt_sources():
        if suite in suites and "security" not in uri:
            return uri
    for uri, suites in apt_sources():
        if "debian" in uri and "security" not in uri:
            return uri
    return "http://deb.debian.org/debian"


def ensure_root(path, binary, log=print):
    """Builds the root at `path` for `binary` unless one from the same recipe is there.
    Returns the seconds the build took (0 when cached). One build at a time per clone (a
    lock file). The suite is the host's (FEEDSD_SYSTEMD_SUITE overrides)."""
    host = os_release().get("VERSION_CODENAME") or "bookworm"
    suite = os.environ.get("FEEDSD_SYSTEMD_SUITE") or host
    mirror = choose_mirror(suite)
    if suite == host:
        libs = library_packages(binary)
    else:   # another release than the host's (FEEDSD_SYSTEMD_SUITE): its names
        libs = [p if suite in BEFORE_T64 else RENAMED_T64.get(p, p) for p in LIBRARIES.values()]
    packages = SYSTEM + libs
    want = {"version": RECIPE_VERSION, "suite": suite, "mirror": mirror,
            "packages": sorted(packages)}
    stamp = os.path.join(path, ".feedsd-root.json")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            with open(stamp) as f:
                if json.load(f) == want:
                    return 0.0
        except (OSError, ValueError):
            pass
        t0 = time.monotonic()
        log("building the container root %s (debootstrap %s from %s)" % (path, suite, mirror))
        tmp = path + ".new"
        shutil.rmtree(tmp, ignore_errors=True)
        cmd = ["debootstrap", "--variant=minbase", "--include=" + ",".join(sorted(packages)),
               suite, tmp, mirror]
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if r.returncode != 0:
            shutil.rmtree(tmp, ignore_errors=True)
            raise RuntimeError("debootstrap failed:\n" + r.stdout[-4000:])
        # The downloaded packages are not needed once installed (about 100 MB).
        for deb in glob.glob(os.path.join(tmp, "var/cache/apt/archives/*.deb")):
            os.unlink(deb)
        with open(os.path.join(tmp, ".feedsd-root.json"), "w") as f:
            json.dump(want, f)
        shutil.rmtree(path, ignore_errors=True)
        os.rename(tmp, path)
        return time.monotonic() - t0
