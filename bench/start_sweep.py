#!/usr/bin/env python3
"""bench/start_sweep.py: what a warm `feedsd run --once` pays at start for the look through
the output folder for temporary files a killed run left (daemon/claim.c), per binary.

  python3 bench/start_sweep.py --feedsd build/feedsd --baseline OLD/feedsd
                               [--feeds 20] [--files 5000] [--runs 30]

bench/gen.py's corpus (seed 1), served over plain HTTP by bench/serve.py on 127.0.0.1 with
ETags (every warm answer a 304). Each binary has its own database and output folder, made
by its own cold run (a binary of an older schema works too); the output folder is then
filled up to --files files (empty, flat, named like posts), as a folder of years of posts.
Then one warm run of each under `strace -c -f` (its getdents64, fcntl, pwrite64 and total
calls), and --runs warm runs of each, alternating, timed by getrusage (user + system CPU of
the child). Prints the medians (min-max) and the ratio. Nothing is asserted; the CPU times
are only worth reading on a quiet machine (the load average is printed first)."""
import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gen  # noqa: E402
import poll  # noqa: E402  (Server, write_config)

CALLS = ("getdents64", "fcntl", "pwrite64", "total")


def run(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("%s failed (%d): %s" % (" ".join(cmd), r.returncode, r.stderr[-2000:]))


def cpu_ms(cmd):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    run(cmd)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return 1000 * (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)


def strace_counts(cmd, log):
    run(["strace", "-c", "-f", "-o", log] + cmd)
    counts = dict.fromkeys(CALLS, 0)
    with open(log) as f:
        for line in f:
            fields = line.split()
            if fields and fields[-1] in counts:
                # "% time, seconds, usecs/call, calls, [errors,] syscall": the integers
                # are usecs/call, calls and the errors
                nums = [x for x in fields[:-1] if re.fullmatch(r"\d+", x)]
                counts[fields[-1]] = int(nums[1])
    return counts


def fill(out, files):
    have = sum(len(names) for _, _, names in os.walk(out))
    for i in range(max(0, files - have)):
        open(os.path.join(out, "2025-01-01-earlier-post-%d.md" % i), "w").close()
    return max(have, files)


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--feedsd", required=True)
    ap.add_argument("--baseline", default=None)
    ap.add_argument("--feeds", type=int, default=20)
    ap.add_argument("--files", type=int, default=5000)
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args(argv)
    if not shutil.which("strace"):
        sys.exit("strace is needed")
    base = tempfile.mkdtemp(prefix="feedsd-start-sweep-")
    bins = [("feedsd", os.path.abspath(args.feedsd))]
    if args.baseline:
        bins.append(("baseline", os.path.abspath(args.baseline)))
    print("start sweep: %d feeds, output folders of %d files, %d runs each, load %.2f, git %s"
          % (args.feeds, args.files, args.runs, os.getloadavg()[0], poll.git_describe()),
          flush=True)
    server = None
    try:
        feeddir = os.path.join(base, "feeds")
        manifest = gen.generate(feeddir, args.feeds, 1)
        server = poll.Server(feeddir, 1)
        urls = [server.url("/" + p) for p in sorted(manifest["files"])[:args.feeds]]
        cmds = {}
        for name, binary in bins:
            work = os.path.join(base, name)
            os.makedirs(work)
            conf = poll.write_config(work, urls, None, 0, 0, "")
            cmds[name] = [binary, "run", "--once", "-c", conf]
            run(cmds[name])     # cold: the database and the posts
            n = fill(os.path.join(work, "out"), args.files)
            run(cmds[name])     # warm once: a start after a clean exit
            c = strace_counts(cmds[name], os.path.join(work, "strace.txt"))
            print("  %-8s %d files; strace -c -f of a warm run: %s" % (
                name, n, ", ".join("%s %d" % (k, c[k]) for k in CALLS)), flush=True)
        times = {name: [] for name, _ in bins}
        for r in range(args.runs):
            order = bins if r % 2 == 0 else bins[::-1]
            for name, _ in order:
                times[name].append(cpu_ms(cmds[name]))
        for name, _ in bins:
            t = times[name]
            print("  %-8s warm CPU (user+sys) median %.2f ms (%.2f-%.2f)"
                  % (name, statistics.median(t), min(t), max(t)))
        if args.baseline:
            ratios = [a / b for a, b in zip(times["feedsd"], times["baseline"]) if b > 0]
            print("  feedsd / baseline: %.3f (median of the per-round ratios, %.3f-%.3f)"
                  % (statistics.median(ratios), min(ratios), max(ratios)))
    finally:
        if server:
            server.close()
        if args.keep:
            print("work folder kept: %s" % base)
        else:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1:])
