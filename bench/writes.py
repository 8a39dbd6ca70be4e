#!/usr/bin/env python3
"""bench/writes.py: what a cold poll writes, file by file, and whether two builds write
the same posts (issue 20). Owner: bench.

  python3 bench/writes.py --feedsd build/feedsd                           # 300 feeds
  python3 bench/writes.py --feedsd build/feedsd --baseline OLD/feedsd --rounds 3

The first --feeds feeds of bench/gen_mixed.py (seed 1; the corpus of bench/peers.py) are
served by bench/serve.py on 127.0.0.1. Each round runs `feedsd run --once` (and the
baseline's, alternating which goes first) on an empty database and output folder under
`strace -f -y`, and adds up the bytes of every write(2) and pwrite64(2) by file: the
database (`db`), its write-ahead log (`wal`), its rollback journal (`journal`: a
database that `feedsd run` creates is filled through one until its first poll is stored,
storage/db_journal.c), the posts (`out`), anything else by name; with the counts of
fdatasync/fsync/syncfs, the final database size and the bytes written to the database
and its WAL and journal per byte of database. strace slows the run, so its CPU time is not reported: the bytes
and calls are what this measures (bench/peers.py measures time). With --baseline, every
round also compares the two output folders file by file and says whether they are
byte-identical. Writes bench/results/writes-YYYYmmdd-HHMMSS.json.
"""
import argparse
import collections
import filecmp
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gen_mixed  # noqa: E402
import poll  # noqa: E402  (Server, write_config, git_describe, mount_of)

CALL = re.compile(r"^\d+\s+(\w+)\((\d+)<([^>]*)>.*= (-?\d+)")
SYNCS = ("fdatasync", "fsync", "syncfs")


def classify(path, work):
    if path.endswith(".db-wal"):
        return "wal"
    if path.endswith(".db-journal"):
        return "journal"
    if path.endswith(".db"):
        return "db"
    if path.startswith(os.path.join(work, "out") + "/"):
        return "out"
    return os.path.relpath(path, work) if path.startswith(work) else path


def traced_run(binary, urls, work):
    os.makedirs(work)
    conf = poll.write_config(work, urls, None, 16, 0, "")
    trace = os.path.join(work, "strace.out")
    r = subprocess.run(["strace", "-f", "-y", "-o", trace, "-e",
                        "trace=write,pwrite64,fdatasync,fsync,syncfs", binary, "run", "--once",
                        "-c", conf], capture_output=True, text=True)
    written, calls, syncs = collections.Counter(), collections.Counter(), collections.Counter()
    with open(trace) as f:
        for line in f:
            m = CALL.match(line)
            if not m:
                continue
            name, path, ret = m.group(1), m.group(3), int(m.group(4))
            if name in SYNCS:
                syncs[name] += 1
            elif ret > 0:
                key = classify(path, work)
                written[key] += ret
                calls[key] += 1
    os.unlink(trace)
    db = os.path.join(work, "feedsd.db")
    db_bytes = sum(os.path.getsize(db + s) for s in ("", "-wal") if os.path.exists(db + s))
    return {"exit": r.returncode, "stderr": r.stderr[-500:], "written": dict(written),
            "calls": dict(calls), "syncs": dict(syncs), "db_bytes": db_bytes,
            "entries": poll.count_entries(db),
            "db_writes_per_db_byte": (written["db"] + written["wal"] + written["journal"]) / db_bytes
            if db_bytes else 0}


def same_tree(a, b):
    """'' when the two folders hold the same files with the same bytes, else the first
    difference."""
    for root, dirs, files in os.walk(a):
        rel = os.path.relpath(root, a)
        other = os.path.join(b, rel)
        if not os.path.isdir(other):
            return "%s: missing" % rel
        if sorted(os.listdir(root)) != sorted(os.listdir(other)):
            return "%s: different names" % rel
        for n in files:
            if not filecmp.cmp(os.path.join(root, n), os.path.join(other, n), shallow=False):
                return "%s: different bytes" % os.path.join(rel, n)
    return ""


def show(name, r):
    w = r["written"]
    print("  %-8s exit %d, entries %s, database %.1f MB; written: wal %.1f MB, journal %.1f MB, "
          "db %.1f MB, out %.1f MB, other %.1f MB; (wal+journal+db)/database %.2f; write calls %d; "
          "syncs %s"
          % (name, r["exit"], r["entries"], r["db_bytes"] / 1e6, w.get("wal", 0) / 1e6,
             w.get("journal", 0) / 1e6, w.get("db", 0) / 1e6, w.get("out", 0) / 1e6,
             sum(v for k, v in w.items() if k not in ("wal", "journal", "db", "out")) / 1e6,
             r["db_writes_per_db_byte"], sum(r["calls"].values()),
             ", ".join("%s %d" % kv for kv in sorted(r["syncs"].items()))), flush=True)


def main(argv):
    ap = argparse.ArgumentParser(description="bytes written by a cold poll (bench/writes.py)")
    ap.add_argument("--feedsd", required=True)
    ap.add_argument("--baseline", default=None, help="another build: alternated, outputs compared")
    ap.add_argument("--feeds", type=int, default=300)
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workdir", default=None)
    ap.add_argument("--results", default=os.path.join(HERE, "results"))
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args(argv)
    if not shutil.which("strace"):
        sys.exit("strace is needed (Debian package strace)")
    builds = [("feedsd", os.path.abspath(args.feedsd))]
    if args.baseline:
        builds.append(("baseline", os.path.abspath(args.baseline)))
    base = tempfile.mkdtemp(prefix="feedsd-writes-", dir=args.workdir)
    feeddir = os.path.join(base, "www", "feeds")
    manifest = gen_mixed.generate(feeddir, args.feeds, args.seed)
    srv = poll.Server(feeddir, 2)
    urls = [srv.url(p) for p in sorted(manifest["files"])[:args.feeds]]
    print("bytes written by a cold poll of %d feeds: %s (git %s), work in %s (%s)"
          % (len(urls), args.feedsd, poll.git_describe(), base, poll.mount_of(base)[1]),
          flush=True)
    runs, failed = [], False
    try:
        for rnd in range(1, args.rounds + 1):
            print("round %d of %d" % (rnd, args.rounds))
            order = builds if rnd % 2 else builds[::-1]
            got = {}
            for name, binary in order:
                work = os.path.join(base, "r%d-%s" % (rnd, name))
                r = traced_run(binary, urls, work)
                r.update(build=name, round=rnd)
                show(name, r)
                failed |= r["exit"] != 0
                got[name] = work
                runs.append(r)
            if len(got) == 2:
                diff = same_tree(os.path.join(got["feedsd"], "out"), os.path.join(got["baseline"], "out"))
                print("  outputs: %s" % (diff or "byte-identical"))
                failed |= bool(diff)
                runs[-1]["outputs_differ"] = diff
    finally:
        srv.close()
    return poll.save_results(args, base, "writes", {
                   "feedsd": args.feedsd, "baseline": args.baseline, "feeds": len(urls),
                   "runs": runs}, failed)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
