#!/usr/bin/env python3
"""bench/summary.py: what summaries cost feedsd. Owner: bench (summaries).

(a) builtin overhead: `feedsd run --once` over every document of the feed corpus
    that `feedsd parse` accepts, served from 127.0.0.1 by bench/serve.py, with
    `backlog = all`, once with `summarizer = builtin` and once with `summarizer = none`.
    Each variant runs --repeat times in fresh folders and keeps its minimum CPU; the
    difference divided by the posts written is the built-in summarizer's CPU per post.
(b) model throughput: 1000 new posts (bench/gen.py, 25 feeds x 40 entries) summarized by
    `summarizer = openai` against a fast local OpenAI-compatible server
    (tests/integration/llm_server.py, run in its own process so that its CPU is not
    feedsd's), with summarize_backlog = yes, summary_min_length = 0, summary_rate = 0 and
    summary_concurrency = 4: once with instant answers (feedsd's own cost) and once with
    answers taking --delay seconds (so that the concurrency limit is reached); the same
    posts with `none` and `builtin` for reference.
    Checks (not timings): one request per post, never more than 4 in flight at the
    server, every file carrying the model's summary.

CPU is feedsd's own, from wait4(2) through bench/measure.c (see bench/README.md).
Usage: python3 bench/summary.py --feedsd build/feedsd [--repeat 3] [--concurrency 4]
Prints a table; exits 1 when a check fails. Nothing about timings is asserted."""
import argparse
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
import gen  # noqa: E402
from poll import Server, build_measure, run_feedsd, scan_output  # noqa: E402

CONTENT_TYPES = {".xml": "application/xml", ".json": "application/feed+json",
                 ".html": "text/html", ".rss": "application/rss+xml", ".atom": "application/atom+xml"}
LAST_MODIFIED = "Sun, 29 Nov 2026 00:00:00 GMT"


def testdata_dir():
    env = os.environ.get("FEEDSD_TESTDATA")
    return env or os.path.join(ROOT, "tests", "data", "feeds")


# ---------------------------------------------------------------- the corpus, served

def corpus_feeds(feedsd, src, dst):
    """Links every corpus document that `feedsd parse` accepts into dst, with a
    bench/serve.py manifest; returns (paths, entries they hold)."""
    os.makedirs(dst, exist_ok=True)
    files, entries = {}, 0
    for name in sorted(os.listdir(src)):
        path = os.path.join(src, name)
        if not os.path.isfile(path) or name.endswith(".md"):
            continue
        r = subprocess.run([feedsd, "parse", path], capture_output=True, timeout=60)
        if r.returncode != 0:
            continue
        try:
            n = len(json.loads(r.stdout).get("entries", []))
        except ValueError:
            continue
        entries += n
        os.symlink(path, os.path.join(dst, name))
        with open(path, "rb") as f:
            digest = hashlib.sha1(f.read()).hexdigest()[:20]
        files["/corpus/" + name] = {"file": name, "etag": '"%s"' % digest, "size": os.path.getsize(path),
                                    "content_type": CONTENT_TYPES.get(os.path.splitext(name)[1], "application/xml"),
                                    "last_modified": LAST_MODIFIED}
    with open(os.path.join(dst, "manifest.json"), "w") as f:
        json.dump({"files": files}, f)
    return sorted(files), entries


# ---------------------------------------------------------------- the model, served

class ModelServer:
    """tests/integration/llm_server.py in a child process: its CPU is not feedsd's, and
    its threads do not compete with this driver's GIL. Commands on stdin, JSON answers
    on stdout."""

    CHILD = r"""
import json, os, resource, sys
sys.path.insert(0, sys.argv[1])
from llm_server import LLMServer
s = LLMServer()
s.default = {"delay": float(sys.argv[2])}
print(json.dumps({"port": s.port}), flush=True)
for line in sys.stdin:
    if line.strip() == "reset":
        with s.lock:
            s.requests.clear(); s.max_active = 0
    ru = resource.getrusage(resource.RUSAGE_SELF)
    with s.lock:
        titles = [r["body"].get("messages", [{}])[-1].get("content", "").split("\n")
                  for r in s.requests]
        print(json.dumps({"requests": len(s.requests), "max_active": s.max_active,
                          "active": s.active, "cpu_s": ru.ru_utime + ru.ru_stime,
                          "models": sorted({r["body"].get("model") for r in s.requests}),
                          "distinct": len({tuple(t) for t in titles})}), flush=True)
"""

    def __init__(self, delay=0.0):
        self.proc = subprocess.Popen([sys.executable, "-c", self.CHILD, os.path.join(ROOT, "tests", "integration"),
                                      str(delay)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.port = json.loads(self.proc.stdout.readline())["port"]
        self.base = "http://127.0.0.1:%d/v1" % self.port

    def ask(self, cmd="stats"):
        self.proc.stdin.write(cmd + "\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=10)


# ---------------------------------------------------------------- one run

def local_keys(feedsd, base):
    """allow_private / host_delay for builds that know them (loopback feeds, one host)."""
    keys = []
    for line in ("allow_private = yes", "host_delay = 0"):
        probe = os.path.join(base, "probe.conf")
        with open(probe, "w") as f:
            f.write(line + "\n")
        r = subprocess.run([feedsd, "run", "--once", "-c", probe], capture_output=True, text=True)
        if "unknown key" not in r.stderr:
            keys.append(line)
    return keys


def one_run(args, work, urls, extra):
    os.makedirs(work)
    conf = os.path.join(work, "feedsd.conf")
    lines = ["database = %s" % os.path.join(work, "feedsd.db"), "output = %s" % os.path.join(work, "out"),
             "timezone = UTC", "backlog = all", "per_host = 16"] + args.local_keys + extra
    with open(conf, "w") as f:
        f.write("\n".join(lines + ["feed = %s" % u for u in urls]) + "\n")
    r = run_feedsd(args.feedsd, args.measure, conf, work, "run", args.timeout)
    r["files"] = scan_output(os.path.join(work, "out"))[0]
    con = sqlite3.connect(os.path.join(work, "feedsd.db"))
    try:
        r["by"] = dict(con.execute("SELECT coalesce(sum_by, '?'), count(*) FROM entries"
                                   " WHERE path IS NOT NULL GROUP BY 1").fetchall())
    finally:
        con.close()
    return r


def best_of(args, base, tag, urls, extra, repeat):
    """Minimum-CPU run of `repeat` (fresh folders each time)."""
    runs = []
    for i in range(repeat):
        work = os.path.join(base, "%s-%d" % (tag, i))
        runs.append(one_run(args, work, urls, extra))
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    best = min(runs, key=lambda r: r["cpu_s"])
    best["samples_cpu"] = [round(r["cpu_s"], 3) for r in runs]
    return best


# ---------------------------------------------------------------- main

def openai_run(args, work, urls, model, n):
    """n new posts through the model server; checks one request per post, the in-flight
    limit at the server, and the model's summary in every file."""
    extra = ["summarizer = openai", "openai_url = %s" % model.base, "openai_model = bench",
             "summarize_backlog = yes", "summary_min_length = 0", "summary_rate = 0",
             "summary_concurrency = %d" % args.concurrency]
    o = one_run(args, work, urls, extra)
    st = o["server"] = model.ask()
    problems = []
    if o["files"] != n or o["by"] != {"openai/bench": n}:
        problems.append("files %d, by %s" % (o["files"], o["by"]))
    if st["requests"] != n or st["distinct"] != n:
        problems.append("%d requests (%d distinct) for %d posts" % (st["requests"], st["distinct"], n))
    if st["max_active"] > args.concurrency:
        problems.append("%d in flight > %d" % (st["max_active"], args.concurrency))
    if o["exit"] != 0:
        problems.append("exit %d" % o["exit"])
    o["check"] = "; ".join(problems)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return o


def row(name, r, inflight="-"):
    posts = r["files"]
    per = r["cpu_s"] * 1000.0 / posts if posts else float("nan")
    return "| %-38s | %5d | %6.2f | %6.2f | %11.3f | %9s | %s |" % (
        name, posts, r["wall_s"], r["cpu_s"], per, inflight, r.get("check") or "ok")


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--feedsd", required=True)
    ap.add_argument("--repeat", type=int, default=3, help="runs per variant; the minimum CPU is kept")
    ap.add_argument("--concurrency", type=int, default=4, help="summary_concurrency for (b)")
    ap.add_argument("--feeds", type=int, default=25, help="synthetic feeds of 40 entries for (b)")
    ap.add_argument("--delay", type=float, default=0.05,
                    help="seconds the model takes per answer in the second openai run (default 0.05),"
                         " so that the concurrency limit is reached")
    ap.add_argument("--timeout", type=float, default=900)
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args(argv)
    args.feedsd = os.path.abspath(args.feedsd)
    base = tempfile.mkdtemp(prefix="feedsd-sumbench-")
    args.measure = build_measure(base)
    args.local_keys = local_keys(args.feedsd, base)
    failures = []
    out = []

    # (a) the corpus
    paths, entries = corpus_feeds(args.feedsd, testdata_dir(), os.path.join(base, "corpus"))
    server = Server(os.path.join(base, "corpus"), min(4, os.cpu_count() or 1))
    try:
        urls = [server.url(p) for p in paths]
        res = {}
        for s in ("none", "builtin"):
            res[s] = best_of(args, base, "corpus-" + s, urls, ["summarizer = %s" % s], args.repeat)
    finally:
        server.close()
    for s, r in res.items():
        if r["files"] == 0 or set(r["by"]) - {s} or r["timed_out"]:
            r["check"] = "unexpected: files %d by %s" % (r["files"], r["by"])
            failures.append("corpus " + s)
    # (b) 1000 new posts through a model
    feeddir = os.path.join(base, "gen")
    manifest = gen.generate(feeddir, args.feeds)
    server = Server(feeddir, min(4, os.cpu_count() or 1))
    orun = {}
    try:
        urls = [server.url(p) for p in sorted(manifest["files"])]
        n = args.feeds * manifest["entries_per_feed"]
        gres = {}
        for s in ("none", "builtin"):
            gres[s] = best_of(args, base, "gen-" + s, urls, ["summarizer = %s" % s], 1)
        for delay in (0.0, args.delay):
            model = ModelServer(delay)
            try:
                o = openai_run(args, os.path.join(base, "gen-openai-%g" % delay), urls, model, n)
            finally:
                model.close()
            orun[delay] = o
            if o["check"]:
                failures.append("openai, delay %g" % delay)
    finally:
        server.close()

    print("feedsd summary benchmark: %s, %d CPUs, load %.2f, --repeat %d (minimum CPU kept)"
          % (args.feedsd, os.cpu_count() or 0, os.getloadavg()[0], args.repeat))
    print()
    print("| run                                    | posts | wall s |  CPU s | CPU/post ms | in flight | check |")
    print("|----------------------------------------|------:|-------:|-------:|------------:|----------:|-------|")
    print(row("(a) corpus, summarizer = none", res["none"]))
    print(row("(a) corpus, summarizer = builtin", res["builtin"]))
    print(row("(b) %d posts, none" % n, gres["none"]))
    print(row("(b) %d posts, builtin" % n, gres["builtin"]))
    for delay, o in orun.items():
        print(row("(b) %d posts, openai, %g s/answer" % (n, delay), o, "max %d" % o["server"]["max_active"]))
    print()
    diff = (res["builtin"]["cpu_s"] - res["none"]["cpu_s"]) * 1000.0 / res["builtin"]["files"]
    print("(a) %d corpus documents, %d entries; builtin - none: %.3f ms CPU per post "
          "(CPU samples none %s, builtin %s)" % (len(paths), entries, diff,
                                                res["none"]["samples_cpu"], res["builtin"]["samples_cpu"]))
    for delay, o in orun.items():
        st = o["server"]
        d2 = (o["cpu_s"] - gres["none"]["cpu_s"]) * 1000.0 / n
        print("(b) openai at %g s/answer, summary_concurrency = %d: openai - none = %.3f ms of feedsd CPU "
              "per post; %.0f posts/s; the server saw %d requests, at most %d in flight, used %.2f s CPU"
              % (delay, args.concurrency, d2, n / o["wall_s"], st["requests"], st["max_active"], st["cpu_s"]))
    if args.keep:
        print("work folders kept in", base)
    else:
        shutil.rmtree(base, ignore_errors=True)
    if failures:
        print("checks failed:", ", ".join(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
