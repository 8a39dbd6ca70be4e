"""bench/accel.py: what the libxml2 accelerators (feeds/xml_compat.h) are worth on a cold
poll, per feedsd binary, with the binaries' own libxml2.

  python3 bench/accel.py --feedsd build/feedsd [--feedsd OTHER/feedsd ...]
                         [--feeds 100] [--rounds 3] [--callgrind]

Generates --feeds synthetic feeds (bench/gen.py, 40 entries of about 5 KB HTML each, half
RSS 2.0 with CDATA, half Atom 1.0 with escaped HTML), serves them from 127.0.0.1
(bench/serve.py) and runs `feedsd run --once` on an empty database and output folder
(the default backlog: 5 files per feed) with FEEDSD_ACCEL unset (every accelerator the
binary allows), "none", and each accelerator alone. Settings and binaries alternate
within a round, so that the machine's load falls on all of them alike; the table shows
the median CPU time (user + system, wait4 of the child) of --rounds rounds and the ratio
to the same binary with none. --callgrind also counts instructions (valgrind), which do
not depend on the load. An accelerator a binary does not allow (`feedsd --version` says
why) is not run. The output folders of every setting of one binary are compared: the
accelerators must not change a byte.
"""
import argparse
import hashlib
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gen  # noqa: E402
import poll  # noqa: E402  (Server, write_config, build_measure, run_feedsd)

ACCELS = ("xml_cdata", "html_runs")


def version_info(feedsd):
    """(libxml2 version line, {accelerator: on}) from `feedsd --version`."""
    out = subprocess.run([feedsd, "--version"], capture_output=True, text=True,
                         env=dict(os.environ, FEEDSD_ACCEL=",".join(ACCELS))).stdout
    xml = next((l for l in out.splitlines() if l.startswith("libxml2 ")), "libxml2 ?")
    on = {a: bool(re.search(r"^accelerator %s: on$" % a, out, re.M)) for a in ACCELS}
    return xml, on


def folder_digest(out):
    h = hashlib.sha256()
    for root, dirs, names in os.walk(out):
        dirs.sort()
        for n in sorted(names):
            p = os.path.join(root, n)
            h.update(os.path.relpath(p, out).encode() + b"\0")
            with open(p, "rb") as f:
                h.update(f.read())
    return h.hexdigest()[:16]


def instructions(feedsd, conf, env):
    """Instructions of one cold poll under callgrind (user space, the whole process)."""
    r = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
                        feedsd, "run", "--once", "-c", conf],
                       capture_output=True, text=True, env=env)
    m = re.search(r"Collected\s*:\s*(\d+)", r.stderr)
    return int(m.group(1)) if m else None


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--feedsd", action="append", required=True, help="a binary (repeatable)")
    ap.add_argument("--feeds", type=int, default=100, help="feeds per cold poll (default 100)")
    ap.add_argument("--rounds", type=int, default=3, help="alternating rounds (default 3)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--callgrind", action="store_true", help="also count instructions")
    ap.add_argument("--workers", type=int, default=2, help="server processes")
    ap.add_argument("--timeout", type=float, default=900)
    args = ap.parse_args(argv)

    base = tempfile.mkdtemp(prefix="feedsd-accel-")
    try:
        manifest = gen.generate(os.path.join(base, "feeds"), args.feeds, args.seed)
        paths = sorted(manifest["files"])[:args.feeds]
        mb = sum(manifest["files"][p]["size"] for p in paths) / 1048576.0
        measure = poll.build_measure(base)
        server = poll.Server(os.path.join(base, "feeds"), args.workers)
        urls = [server.url(p) for p in paths]
        bins = []
        for b in args.feedsd:
            b = os.path.abspath(b)
            xml, on = version_info(b)
            settings = [None, "none"] + [a for a in ACCELS if on[a]]
            if not any(on.values()):
                settings = [None]   # nothing to switch: one row, libxml2 alone
            bins.append((b, xml, on, settings))
        print("cold poll of %d feeds (%.1f MB, %d entries each, backlog 5), %d rounds, load %.2f"
              % (args.feeds, mb, manifest["entries_per_feed"], args.rounds, os.getloadavg()[0]))
        cpu, ins, digest = {}, {}, {}
        for rnd in range(args.rounds):
            for b, xml, on, settings in bins:
                for s in (settings if rnd % 2 == 0 else list(reversed(settings))):
                    work = tempfile.mkdtemp(prefix="run-", dir=base)
                    conf = poll.write_config(work, urls, None, 16, 0, "")
                    env = dict(os.environ)
                    env.pop("FEEDSD_ACCEL", None)
                    if s is not None:
                        env["FEEDSD_ACCEL"] = "" if s == "none" else s
                    saved = os.environ.copy()
                    os.environ.clear()
                    os.environ.update(env)
                    try:
                        r = poll.run_feedsd(b, measure, conf, work, "cold", args.timeout)
                    finally:
                        os.environ.clear()
                        os.environ.update(saved)
                    if r["exit"] != 0:
                        print("feedsd failed (%s, FEEDSD_ACCEL=%s): exit %d\n%s"
                              % (b, s, r["exit"], r["stderr_head"]))
                        return 1
                    cpu.setdefault((b, s), []).append(r["cpu_s"])
                    digest.setdefault(b, {})[s] = folder_digest(os.path.join(work, "out"))
                    if args.callgrind and rnd == 0:
                        w2 = tempfile.mkdtemp(prefix="cg-", dir=base)
                        conf2 = poll.write_config(w2, urls, None, 16, 0, "")
                        ins[(b, s)] = instructions(b, conf2, env)
                        shutil.rmtree(w2, ignore_errors=True)
                    shutil.rmtree(work, ignore_errors=True)
        server.close()
        print("\n| binary | libxml2 | FEEDSD_ACCEL | CPU s (median) | / none | rounds%s |"
              % (" | instructions | / none" if args.callgrind else ""))
        print("|---|---|---|---:|---:|---|%s" % ("---:|---:|" if args.callgrind else ""))
        same = True
        for b, xml, on, settings in bins:
            ref = statistics.median(cpu[(b, "none")]) if (b, "none") in cpu else None
            iref = ins.get((b, "none"))
            for s in settings:
                med = statistics.median(cpu[(b, s)])
                row = "| %s | %s | %s | %.3f | %s | %s |" % (
                    os.path.relpath(b), xml.split(" ", 1)[1], "(unset)" if s is None else s or "none",
                    med, "%.3f" % (med / ref) if ref else "-",
                    ", ".join("%.2f" % c for c in cpu[(b, s)]))
                if args.callgrind:
                    i = ins.get((b, s))
                    row += " %s | %s |" % ("%.1f M" % (i / 1e6) if i else "-",
                                           "%.3f" % (i / iref) if i and iref else "-")
                print(row)
            d = set(digest[b].values())
            same &= len(d) == 1
            print("  output folders of %s: %s" % (os.path.relpath(b), "identical in every setting"
                                                 if len(d) == 1 else "DIFFER: %s" % digest[b]))
        return 0 if same else 1
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
