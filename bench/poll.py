"""bench/poll.py: the polling benchmark (`make bench`). Owner: bench. Read bench/README.md.

Measures `feedsd run --once` against N synthetic feeds (bench/gen.py) served from
127.0.0.1 by a separate server process (bench/serve.py), for each N in --sizes:

  cold, backlog default   empty database and output; the first-subscription policy gives
                          files to the newest 5 entries of each feed, the rest are stored
  warm                    the same folder again: every feed answers 304 Not Modified
  cold, backlog = all     empty again; every entry is summarized and written
  warm after all          the same folder again (a second warm sample)

For each run it prints wall time, user and system CPU time of feedsd (wait4 on the child,
through the small launcher bench/measure.c: feedsd's own usage plus any children it
reaped), peak RSS (ru_maxrss), entries in the
database, files in the output folder, and what the server answered. It asserts nothing
about time; it prints the issue's targets next to the figures, writes JSON to
bench/results/ and exits non-zero only when feedsd failed or its results are not what
the input implies (wrong entry or file counts, warm runs that did not get 304).
"""
import argparse
import json
import os
import platform
import resource
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gen  # noqa: E402  (bench/gen.py, beside this file)

# The targets stated in the issue; shown for context, never asserted.
TARGET_WARM_MS = 0.3      # CPU per feed, every feed 304
TARGET_COLD_MS = 8.0      # CPU per feed, first poll
TARGET_RSS_MB = 50.0      # peak resident memory
DEFAULT_BACKLOG = 5       # feedsd's default first-subscription policy (daemon/config.h)

# (name, backlog setting or None for the daemon default, runs in the previous run's folder)
SCENARIOS = [
    ("cold, backlog default", None, False),
    ("warm (all 304)", None, True),
    ("cold, backlog = all", "all", False),
    ("warm after all", "all", True),
]


# ---------------------------------------------------------------- the server process

class Server:
    def __init__(self, feeddir, workers):
        cmd = [sys.executable, os.path.join(HERE, "serve.py"), feeddir, "--workers", str(workers)]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline().split()
        if len(line) != 2 or line[0] != "PORT":
            self.close()
            raise RuntimeError("bench/serve.py did not start (printed %r)" % line)
        self.port = int(line[1])
        self.workers = workers

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def stats(self):
        with urllib.request.urlopen(self.url("/__stats"), timeout=10) as r:
            return json.load(r)

    def close(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


# ---------------------------------------------------------------- one feedsd run

def write_config(work, urls, backlog, per_host, concurrency, summarizer):
    lines = ["# written by bench/poll.py",
             "database = %s" % os.path.join(work, "feedsd.db"),
             "output = %s" % os.path.join(work, "out"),
             "timezone = UTC",
             # the server is on 127.0.0.1 (refused by default) and hosts every feed
             # (the default 1 s spacing per origin would measure waiting, not work)
             "allow_private = yes", "host_delay = 0"]
    if per_host:
        lines.append("per_host = %d" % per_host)
    if concurrency:
        lines.append("concurrency = %d" % concurrency)
    if backlog is not None:
        lines.append("backlog = %s" % backlog)
    if summarizer:
        lines.append("summarizer = %s" % summarizer)
    lines += ["feed = %s" % u for u in urls]
    conf = os.path.join(work, "feedsd.conf")
    with open(conf, "w") as f:
        f.write("\n".join(lines) + "\n")
    return conf


def count_entries(db):
    if not os.path.exists(db):
        return None
    try:
        con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
        try:
            return con.execute("SELECT count(*) FROM entries").fetchone()[0]
        finally:
            con.close()
    except sqlite3.Error:
        return None


def scan_output(out):
    """(markdown files, other files, total bytes) under out/."""
    md = other = size = 0
    for root, _, names in os.walk(out):
        for n in names:
            p = os.path.join(root, n)
            if n.endswith(".md"):
                md += 1
            else:
                other += 1
            try:
                size += os.lstat(p).st_size
            except OSError:
                pass
    return md, other, size


def build_measure(base):
    """Compiles bench/measure.c into base; None when no C compiler works (see run_feedsd)."""
    exe = os.path.join(base, "measure")
    cc = os.environ.get("CC", "cc")
    try:
        r = subprocess.run([cc, "-O2", "-Wall", "-Wextra", "-o", exe, os.path.join(HERE, "measure.c")],
                           capture_output=True, text=True)
    except OSError:
        return None
    return exe if r.returncode == 0 else None


def _launch_direct(cmd, fo, fe, timeout):
    """Fallback without bench/measure.c: wait4 from here. Peak RSS is then an upper bound
    (execve keeps this Python process's high-water RSS in the child's ru_maxrss)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=fo, stderr=fe, stdin=subprocess.DEVNULL)
    killed = []
    timer = threading.Timer(timeout, lambda: (killed.append(1), proc.kill()))
    timer.start()
    # wait4(2) rather than RUSAGE_CHILDREN deltas: only this child, nothing else reaped here.
    _, status, ru = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    timer.cancel()
    code = os.waitstatus_to_exitcode(status)
    return {"exit": code if code >= 0 else -1, "signal": -code if code < 0 else 0,
            "wall_s": wall, "user_s": ru.ru_utime, "sys_s": ru.ru_stime,
            "maxrss_kb": ru.ru_maxrss, "minflt": ru.ru_minflt, "majflt": ru.ru_majflt,
            "inblock": ru.ru_inblock, "oublock": ru.ru_oublock, "nvcsw": ru.ru_nvcsw,
            "nivcsw": ru.ru_nivcsw, "rss_exact": False, "timed_out": bool(killed)}


def _launch_measured(measure, cmd, fo, fe, timeout, work):
    report = os.path.join(work, "rusage.txt")
    if os.path.exists(report):
        os.unlink(report)
    # Own session, so that a timeout can kill feedsd and the launcher together.
    proc = subprocess.Popen([measure, report] + cmd, stdout=fo, stderr=fe,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        return {"exit": -1, "signal": signal.SIGKILL, "wall_s": float(timeout), "user_s": 0.0,
                "sys_s": 0.0, "maxrss_kb": 0, "rss_exact": False, "timed_out": True}
    if proc.returncode != 0 or not os.path.exists(report):
        return None        # the launcher itself failed: run_feedsd falls back
    with open(report) as f:
        kv = dict(item.split("=", 1) for item in f.read().split())
    v = {k: int(x) for k, x in kv.items()}
    return {"exit": v["exit"], "signal": v["signal"], "wall_s": v["wall_ns"] / 1e9,
            "user_s": v["utime_us"] / 1e6, "sys_s": v["stime_us"] / 1e6,
            "maxrss_kb": v["maxrss_kb"], "minflt": v["minflt"], "majflt": v["majflt"],
            "inblock": v["inblock"], "oublock": v["oublock"], "nvcsw": v["nvcsw"],
            "nivcsw": v["nivcsw"], "rss_exact": True, "timed_out": False}


def run_feedsd(feedsd, measure, conf, work, label, timeout):
    """Runs feedsd run --once; returns wall, CPU and peak RSS of the child and its output."""
    tag = label.split(",")[0].split()[0]
    err_path = os.path.join(work, "%s.stderr" % tag)
    cmd = [feedsd, "run", "--once", "-c", conf]
    with open(os.path.join(work, "%s.stdout" % tag), "wb") as fo, open(err_path, "wb") as fe:
        res = _launch_measured(measure, cmd, fo, fe, timeout, work) if measure else None
        if res is None:
            fe.seek(0)
            fe.truncate()
            res = _launch_direct(cmd, fo, fe, timeout)
    with open(err_path, "rb") as f:
        stderr = f.read().decode("utf-8", "replace")
    res.update(command=" ".join(cmd), cpu_s=res["user_s"] + res["sys_s"], max_rss_mb=res["maxrss_kb"] / 1024.0,
               stderr_lines=stderr.count("\n"), stderr_head=stderr[:2000], stderr_path=err_path)
    return res


def measure(args, server, urls, work, name, backlog, files_before):
    n = len(urls)
    conf = write_config(work, urls, backlog, args.per_host, args.concurrency, args.summarizer)
    s0 = server.stats()
    load = os.getloadavg()[0]
    r = run_feedsd(args.feedsd, args.measure, conf, work, name, args.timeout)
    s1 = server.stats()
    r.update(name=name, feeds=n, backlog=backlog or "default", load_before=load)
    r["http"] = {k: s1[k] - s0[k] for k in ("requests", "ok", "not_modified", "not_found", "bytes")}
    r["server_cpu_s"] = round(s1["cpu_s"] - s0["cpu_s"], 3)
    r["entries"] = count_entries(os.path.join(work, "feedsd.db"))
    md, other, size = scan_output(os.path.join(work, "out"))
    r.update(files=md, files_new=md - files_before, other_files=other, output_bytes=size)
    r["cpu_per_feed_ms"] = r["cpu_s"] * 1000.0 / n
    r["check"] = check(r, n, args.entries_per_feed, backlog, name.startswith("warm"))
    return r


def check(r, n, per_feed, backlog, warm):
    """What the input implies, compared with what feedsd did: '' when it matches."""
    problems = []
    if r["timed_out"]:
        problems.append("timed out")
    elif r["signal"]:
        problems.append("killed by signal %d" % r["signal"])
    elif r["exit"] != 0:
        problems.append("exit %d" % r["exit"])
    if warm:
        if r["http"]["not_modified"] != n:
            problems.append("%d of %d feeds got 304" % (r["http"]["not_modified"], n))
        if r["files_new"]:
            problems.append("%d new files" % r["files_new"])
    else:
        if r["http"]["ok"] != n:
            problems.append("%d of %d feeds fetched" % (r["http"]["ok"], n))
        want_files = n * (per_feed if backlog == "all" else min(DEFAULT_BACKLOG, per_feed))
        if r["files"] != want_files:
            problems.append("files %d, expected %d" % (r["files"], want_files))
    if r["entries"] != n * per_feed:
        problems.append("entries %s, expected %d" % (r["entries"], n * per_feed))
    if r["other_files"]:
        problems.append("%d non-.md files left in output" % r["other_files"])
    return "; ".join(problems)


def median_run(samples):
    """One record whose figures are the medians of the repeats (the samples are kept)."""
    if len(samples) == 1:
        return dict(samples[0])
    res = dict(samples[0])
    for k in ("wall_s", "user_s", "sys_s", "cpu_s", "max_rss_mb", "cpu_per_feed_ms", "server_cpu_s"):
        res[k] = statistics.median(s[k] for s in samples)
    res["check"] = "; ".join(sorted({s["check"] for s in samples if s["check"]}))
    res["samples"] = samples
    return res


# ---------------------------------------------------------------- output

# (header, width, alignment, formatter); width 0 = last column, as wide as it needs.
COLUMNS = [
    ("feeds", 5, ">", lambda r: "%d" % r["feeds"]),
    ("run", 21, "<", lambda r: r["name"]),
    ("exit", 4, ">", lambda r: "T/O" if r["timed_out"] else "S%d" % r["signal"] if r["signal"] else "%d" % r["exit"]),
    ("wall s", 7, ">", lambda r: "%.2f" % r["wall_s"]),
    ("user s", 7, ">", lambda r: "%.2f" % r["user_s"]),
    ("sys s", 6, ">", lambda r: "%.2f" % r["sys_s"]),
    ("CPU/wall", 8, ">", lambda r: "%.0f%%" % (100.0 * r["cpu_s"] / r["wall_s"]) if r["wall_s"] else "-"),
    ("CPU/feed ms", 11, ">", lambda r: "%.3f" % r["cpu_per_feed_ms"]),
    ("target", 6, ">", lambda r: "< %g" % (TARGET_WARM_MS if r["name"].startswith("warm") else TARGET_COLD_MS)),
    ("peak RSS MB", 11, ">", lambda r: "%.1f" % r["max_rss_mb"]),
    ("entries", 7, ">", lambda r: "-" if r["entries"] is None else "%d" % r["entries"]),
    ("files", 6, ">", lambda r: "%d" % r["files"]),
    ("new", 6, ">", lambda r: "%d" % r["files_new"]),
    ("200/304", 9, ">", lambda r: "%d/%d" % (r["http"]["ok"], r["http"]["not_modified"])),
    ("srv CPU s", 9, ">", lambda r: "%.2f" % r["server_cpu_s"]),
    ("check", 0, "<", lambda r: r["check"] or "ok"),
]


def print_table(inputs, runs):
    print("%5s  %11s  %16s  %s" % ("feeds", "KB per feed", "entries per feed", "formats"))
    for i in inputs:
        print("%5d  %11.1f  %16d  %d RSS 2.0 + %d Atom 1.0" % (i["feeds"], i["kb_per_feed"],
                                                               i["entries_per_feed"], i["rss20"], i["atom10"]))
    print()
    cell = lambda text, w, a: format(text, "%s%d" % (a, w)) if w else text
    head = "  ".join(cell(name, w, a) for name, w, a, _ in COLUMNS)
    print(head)
    print("-" * len(head))
    for r in runs:
        print("  ".join(cell(f(r), w, a) for _, w, a, f in COLUMNS))
    print("(CPU = user + sys of feedsd from wait4; peak RSS = ru_maxrss, target < %g MB; "
          "srv CPU = the server's, not counted)" % TARGET_RSS_MB)


def print_derived(runs):
    """Ratios that survive a noisy machine better than absolute times."""
    by = {}
    for r in runs:
        by[(r["feeds"], r["name"])] = r
    lines = []
    for n in sorted({r["feeds"] for r in runs}):
        cold = by.get((n, SCENARIOS[0][0]))
        warm = by.get((n, SCENARIOS[1][0]))
        cold_all = by.get((n, SCENARIOS[2][0]))
        if cold and warm and cold["cpu_s"]:
            lines.append("N=%d: warm/cold CPU = %.3f; warm = %.1f%% of the warm target, cold = %.0f%% "
                         "of the cold target" % (n, warm["cpu_s"] / cold["cpu_s"],
                                                 100 * warm["cpu_per_feed_ms"] / TARGET_WARM_MS,
                                                 100 * cold["cpu_per_feed_ms"] / TARGET_COLD_MS))
        if cold and cold_all and cold_all["files"] > cold["files"]:
            extra = cold_all["files"] - cold["files"]
            per_file = (cold_all["cpu_s"] - cold["cpu_s"]) * 1000.0 / extra
            lines.append("N=%d: summarizing and writing one more file costs %.3f ms CPU "
                         "((cold all - cold default) / %d extra files)" % (n, per_file, extra))
        if cold_all and cold_all["entries"]:
            lines.append("N=%d: cold all = %.3f ms CPU per entry, %.1f MB/s of feed XML per CPU second"
                         % (n, cold_all["cpu_s"] * 1000.0 / cold_all["entries"],
                            cold_all["http"]["bytes"] / 1e6 / cold_all["cpu_s"] if cold_all["cpu_s"] else 0))
    # Between two sizes the fixed start-up cost (libraries, schema, config) cancels out.
    sizes = sorted({r["feeds"] for r in runs})
    if len(sizes) >= 2:
        lo, hi = sizes[0], sizes[-1]
        for name, _, _ in SCENARIOS:
            a, b = by.get((lo, name)), by.get((hi, name))
            if a and b:
                lines.append("marginal CPU per feed, N=%d to N=%d, %s: %.3f ms"
                             % (lo, hi, name, (b["cpu_s"] - a["cpu_s"]) * 1000.0 / (hi - lo)))
    peak = max((r["max_rss_mb"] for r in runs), default=0)
    lines.append("largest peak RSS: %.1f MB (target < %g MB)" % (peak, TARGET_RSS_MB))
    for l in lines:
        print("  " + l)


def mount_of(path):
    """(mount point, fs type) holding path, from /proc/mounts: fsync cost depends on it."""
    best = ("?", "?")
    try:
        path = os.path.realpath(path)
        with open("/proc/mounts") as f:
            for line in f:
                parts = line.split()
                mp = parts[1]
                if (path == mp or path.startswith(mp.rstrip("/") + "/")) and len(mp) >= len(best[0]):
                    best = (mp, parts[2])
    except OSError:
        pass
    return best


def package_versions(pkgs):
    """The installed Debian version of each package (None when it is not installed)."""
    versions = {}
    for pkg in pkgs:
        p = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", pkg], capture_output=True,
                           text=True)
        versions[pkg] = p.stdout if p.returncode == 0 else None
    return versions


def save_results(args, base, kind, doc, failed):
    """Writes doc, with the time and the git revision first, to args.results/KIND-DATE.json,
    says where, removes the work folder base unless args.keep; returns the exit status."""
    os.makedirs(args.results, exist_ok=True)
    out = os.path.join(args.results, "%s-%s.json" % (kind, time.strftime("%Y%m%d-%H%M%S")))
    with open(out, "w") as f:
        json.dump(dict({"when": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "git": git_describe()},
                       **doc), f, indent=1)
    print("\nresults: %s" % os.path.relpath(out))
    if args.keep:
        print("kept: %s" % base)
    else:
        shutil.rmtree(base, ignore_errors=True)
    return 1 if failed else 0


def git_describe():
    try:
        head = subprocess.run(["git", "-C", HERE, "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", HERE, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True).stdout.strip()
        return head + ("-dirty" if dirty else "")
    except OSError:
        return "?"


# ---------------------------------------------------------------- main

def main(argv):
    ap = argparse.ArgumentParser(description="feedsd polling benchmark (see bench/README.md)")
    ap.add_argument("--feedsd", required=True, help="the feedsd binary to measure")
    ap.add_argument("--sizes", default="100,1000", help="feed counts, comma-separated (default 100,1000)")
    ap.add_argument("--repeat", type=int, default=1, help="runs of each scenario; medians are shown")
    ap.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    ap.add_argument("--per-host", type=int, default=16,
                    help="per_host setting (default 16; 0 keeps the daemon's default of 1)")
    ap.add_argument("--concurrency", type=int, default=0,
                    help="concurrency setting (default 0: the daemon's default)")
    ap.add_argument("--summarizer", default="", help="builtin|none (default: the daemon's default)")
    ap.add_argument("--workers", type=int, default=min(4, os.cpu_count() or 1),
                    help="server worker processes (default min(4, CPUs))")
    ap.add_argument("--timeout", type=float, default=900, help="seconds before a run is killed")
    ap.add_argument("--workdir", default=None, help="where run folders go (default: $TMPDIR)")
    ap.add_argument("--results", default=os.path.join(HERE, "results"), help="JSON output folder")
    ap.add_argument("--keep", action="store_true", help="keep every run folder")
    args = ap.parse_args(argv)
    args.feedsd = os.path.abspath(args.feedsd)
    sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    if not sizes or sizes[0] < 1:
        ap.error("--sizes needs positive feed counts")
    if not os.access(args.feedsd, os.X_OK):
        ap.error("%s is not an executable (build it: make BUILD=...)" % args.feedsd)

    base = tempfile.mkdtemp(prefix="feedsd-bench-", dir=args.workdir)
    feeddir = os.path.join(base, "feeds")
    t0 = time.perf_counter()
    manifest = gen.generate(feeddir, max(sizes), args.seed)
    gen_s = time.perf_counter() - t0
    args.entries_per_feed = manifest["entries_per_feed"]
    paths = sorted(manifest["files"])
    args.measure = build_measure(base)
    server = Server(feeddir, args.workers)
    runs, kept, failed = [], [], False
    mp, fstype = mount_of(base)
    print("feedsd polling benchmark: %s (git %s), %d CPUs, load %.2f, work in %s (%s on %s)"
          % (args.feedsd, git_describe(), os.cpu_count() or 0, os.getloadavg()[0], base, fstype, mp))
    print("server: bench/serve.py, %d worker processes on 127.0.0.1:%d (its CPU is not in feedsd's)"
          % (server.workers, server.port))
    if not args.measure:
        print("note: bench/measure.c did not compile; peak RSS is an upper bound "
              "(it includes this script's own %.0f MB)" % (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))
    print("settings: concurrency = %s, per_host = %s, summarizer = %s, timezone = UTC"
          % (args.concurrency or "default (16)",
             "%d (raised from the default 1: every feed is on the same host)" % args.per_host
             if args.per_host else "default (1)", args.summarizer or "default (builtin)"))
    print("targets (from the issue): warm < %g ms CPU per feed, cold < %g ms CPU per feed, "
          "peak RSS < %g MB; measured figures only, nothing is asserted"
          % (TARGET_WARM_MS, TARGET_COLD_MS, TARGET_RSS_MB))
    inputs = []
    try:
        for n in sizes:
            sel = [manifest["files"][p] for p in paths[:n]]
            kb = sum(m["size"] for m in sel) / n / 1024.0
            nrss = sum(1 for m in sel if m["format"] == "rss")
            inputs.append({"feeds": n, "kb_per_feed": kb, "entries_per_feed": args.entries_per_feed,
                           "rss20": nrss, "atom10": n - nrss})
            print("input: %d feeds, %.1f KB per feed (%.1f MB), %d entries per feed of ~5 KB HTML, "
                  "%d RSS 2.0 + %d Atom 1.0 (seed %d, generated in %.1fs)"
                  % (n, kb, kb * n / 1024, args.entries_per_feed, nrss, n - nrss, args.seed, gen_s))
            urls = [server.url(p) for p in paths[:n]]
            samples = {}
            for rep in range(args.repeat):
                work = None
                for name, backlog, same in SCENARIOS:
                    if not same:
                        work = tempfile.mkdtemp(prefix="n%d-%s-" % (n, backlog or "default"), dir=base)
                        files_before = 0
                    else:
                        files_before = scan_output(os.path.join(work, "out"))[0]
                    r = measure(args, server, urls, work, name, backlog, files_before)
                    r["work"] = work
                    r["repeat"] = rep
                    print("  N=%d %-21s exit %d, wall %.2fs, CPU %.2fs, peak RSS %.1f MB%s"
                          % (n, name, r["exit"], r["wall_s"], r["cpu_s"], r["max_rss_mb"],
                             "" if args.repeat == 1 else " (repeat %d)" % (rep + 1)), flush=True)
                    samples.setdefault(name, []).append(r)
                    if r["check"]:
                        failed = True
                        kept.append(work)
                        sys.stdout.write("  %s, N=%d: %s\n    %s\n" % (name, n, r["check"], r["command"]))
                        for l in r["stderr_head"].splitlines()[:8]:
                            sys.stdout.write("    stderr: %s\n" % l)
                        sys.stdout.flush()
                    if r["timed_out"]:
                        break
            for name, _, _ in SCENARIOS:
                if name in samples:
                    runs.append(median_run(samples[name]))
    finally:
        server.close()

    print()
    if args.repeat > 1:
        print("(figures are medians of %d repeats; every sample is in the JSON file)" % args.repeat)
    print_table(inputs, runs)
    print()
    print_derived(runs)

    os.makedirs(args.results, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    out = os.path.join(args.results, "poll-%s.json" % stamp)
    with open(out, "w") as f:
        json.dump({"when": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "git": git_describe(),
                   "feedsd": args.feedsd, "host": {"cpus": os.cpu_count(), "uname": platform.uname()._asdict(),
                                                   "python": platform.python_version(),
                                                   "workdir_fs": fstype},
                   "rss_exact": bool(args.measure), "settings": {"per_host": args.per_host or "default", "concurrency": args.concurrency or "default",
                                "summarizer": args.summarizer or "default", "repeat": args.repeat,
                                "seed": args.seed, "server_workers": server.workers},
                   "targets": {"warm_cpu_per_feed_ms": TARGET_WARM_MS, "cold_cpu_per_feed_ms": TARGET_COLD_MS,
                               "peak_rss_mb": TARGET_RSS_MB},
                   "inputs": inputs, "generate_s": gen_s, "runs": runs}, f, indent=1)
    print("\nresults: %s" % os.path.relpath(out))

    if args.keep or kept:
        print("kept: %s" % base)
        if not args.keep:
            shutil.rmtree(feeddir, ignore_errors=True)   # regenerated from the seed at will
    else:
        shutil.rmtree(base, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
