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
PACKAGES = ["systemd", "systemd-sysv", "dbus", "libxml2", "libcurl4", "libev4",
            "libsqlite3-0", "libjansson4", "ca-certificates"]
RECIPE_VERSION = 1


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


def recipe(suite, mirror):
    return {"version": RECIPE_VERSION, "suite": suite, "mirror": mirror,
            "packages": PACKAGES}


def ensure_root(path, suite=None, log=print):
    """Builds the root at `path` unless one from the same recipe is there. Returns the
    seconds the build took (0 when cached). One build at a time per clone (a lock file)."""
    suite = suite or os.environ.get("FEEDSD_SYSTEMD_SUITE") or \
        os_release().get("VERSION_CODENAME") or "bookworm"
    mirror = choose_mirror(suite)
    want = recipe(suite, mirror)
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
        cmd = ["debootstrap", "--variant=minbase", "--include=" + ",".join(PACKAGES),
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
