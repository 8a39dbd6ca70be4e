#!/usr/bin/env python3
"""bench/peers.py: feedsd side by side with sfeed and newsboat, in one run, on one corpus
(issue 6, "Performance, side by side"). Owner: bench. Read bench/README-peers.md.

  python3 bench/peers.py --feedsd build/feedsd                     # N=1000, a few minutes
  python3 bench/peers.py --feedsd build/feedsd --sizes 1000,10000  # longer
  python3 bench/peers.py --feedsd build/feedsd --sizes 10000 --only feedsd

For each N in --sizes, against N mixed feeds (bench/gen_mixed.py: RSS 2.0, Atom, RSS 1.0;
20-60 entries of 1-8 KB HTML) served by nginx on 127.0.0.1 (bench/serve.py when nginx is
missing and cannot be installed), one tool after the other, never two at once:

  feedsd          `feedsd run --once`, cold (empty database) then warm (every feed 304)
  sfeed           `sfeed_update sfeedrc`, cold then warm (plain fetch: every feed 200)
  sfeed-etag      the same with the ETag/If-Modified-Since fetch() of sfeed's README
  newsboat        `newsboat -u urls -c cache.db -x reload`, cold then warm

Then the large-feed parse comparison (--only parse): one ~50 MB feed of 20000 entries,
RSS 2.0 with CDATA and Atom with escaped HTML (bench/parse.py's generator):
`feedsd parse FILE >/dev/null` vs `sfeed <FILE >/dev/null` vs `xmllint --sax --noout FILE`.

Every command runs under bench/measure.c (wait4 rusage: user+sys CPU of the command and
all the descendants it reaped, exact ru_maxrss of the largest single process) while a
sampler thread adds up the RSS of every process of the command's session (the peak of the
whole process tree: sfeed_update runs up to 8 shell pipelines at once). Items stored are
counted from each tool's own output (feedsd's entries table, sfeed's TSV files, newsboat's
rss_item table) and compared with the corpus; what the server answered (200/304) is counted
from its log. Nothing about time is asserted: the script prints a table and ratios and
writes bench/results/peers-YYYYmmdd-HHMMSS.json; it exits 1 when a run failed or stored
the wrong number of items.
"""
import argparse
import json
import os
import platform
import shutil
import statistics
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gen_mixed  # noqa: E402
import nginx  # noqa: E402  (bench/nginx.py: nginx on 127.0.0.1)
import parse as parsebench  # noqa: E402  (bench/parse.py: the large-feed generator)
import poll  # noqa: E402  (bench/poll.py: feedsd config, measure.c, counting helpers)
import serve  # noqa: E402  (bench/serve.py: proc_cpu)

TOOLS = ("feedsd", "sfeed", "sfeed-etag", "newsboat", "parse")
# Benchmark-only dependencies (Debian packages), installed when missing and root.
PACKAGES = {"nginx": "nginx-light", "sfeed_update": "sfeed", "newsboat": "newsboat",
            "xmllint": "libxml2-utils", "curl": "curl"}


# ---------------------------------------------------------------- packages

def ensure(binary, args, why):
    """Path of binary; installs its Debian package when missing, root and allowed."""
    path = shutil.which(binary) or (os.path.exists("/usr/sbin/" + binary) and "/usr/sbin/" + binary)
    if path:
        return path
    pkg = PACKAGES[binary]
    if args.no_install or os.geteuid() != 0 or not shutil.which("apt-get"):
        print("note: %s (Debian package %s) is not installed and %s: %s skipped"
              % (binary, pkg, "--no-install was given" if args.no_install else
                 "this is not root" if os.geteuid() else "there is no apt-get", why))
        return None
    print("installing %s (benchmark-only dependency) with apt-get ..." % pkg, flush=True)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    cmd = ["apt-get", "install", "-y", "-qq", pkg]
    if subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL).returncode != 0:
        subprocess.run(["apt-get", "update", "-qq"], env=env, stdout=subprocess.DEVNULL)
        subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL)
    path = shutil.which(binary) or (os.path.exists("/usr/sbin/" + binary) and "/usr/sbin/" + binary)
    if not path:
        print("note: installing %s failed: %s skipped" % (pkg, why))
    return path or None


# ---------------------------------------------------------------- servers

class Nginx(nginx.Server):
    """nginx serving DOCROOT/feeds/ on one port (bench/nginx.py: static files, ETag and
    Last-Modified, 304 by nginx), a log line per answer with its status and size."""
    name = "nginx"

    def __init__(self, binary, docroot, rundir, workers):
        self.port = nginx.free_port()
        self.workers = workers
        super().__init__(binary, docroot, rundir, workers, "peers.py", "$status $body_bytes_sent",
                         ["127.0.0.1:%d" % self.port], self.port, tcp_nopush=True)

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def cpu(self):
        """CPU seconds of the nginx workers so far (proc(5) stat fields 14-15)."""
        total = 0.0
        for pid in session_pids(self.proc.pid):
            total += serve.proc_cpu(pid)
        return total


class PyServer:
    """Fallback: bench/serve.py (see bench/README.md), with the same interface."""
    name = "bench/serve.py"

    def __init__(self, feeddir, workers):
        self.srv = poll.Server(feeddir, workers)
        self.port = self.srv.port
        self.workers = workers
        self.base = None

    def url(self, path):
        return self.srv.url(path)

    def mark(self):
        self.base = self.srv.stats()

    def counts(self):
        s = self.srv.stats()
        c = {k: s[k] - self.base[k] for k in ("requests", "ok", "not_modified", "bytes")}
        c["requests"] -= 1                 # the stats request of mark()
        c["other"] = c["requests"] - c["ok"] - c["not_modified"]
        return c

    def cpu(self):
        return self.srv.stats()["cpu_s"]

    def close(self):
        self.srv.close()


# ---------------------------------------------------------------- measuring one command

def session_pids(sid):
    """Processes whose session id is sid (proc(5) stat field 6)."""
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open("/proc/%s/stat" % d) as f:
                    if int(f.read().rsplit(")", 1)[1].split()[3]) == sid:
                        out.append(int(d))
            except (OSError, IndexError, ValueError):
                pass
    return out


def tree_rss_kb(sid):
    total = 0
    for pid in session_pids(sid):
        try:
            with open("/proc/%d/statm" % pid) as f:
                total += int(f.read().split()[1]) * (os.sysconf("SC_PAGE_SIZE") // 1024)
        except (OSError, IndexError, ValueError):
            pass
    return total


def self_io():
    """proc(5) /proc/self/io: a reaped child's I/O is added to its parent's, so the
    difference around a run is the I/O of the whole tree (write_bytes: what it sent
    towards the disk; wchar: what it passed to write calls)."""
    with open("/proc/self/io") as f:
        return {k: int(v) for k, v in (line.split(": ") for line in f)}


def run_measured(measure, cmd, work, tag, timeout, env=None, stdin_path=None, stdout_path=None):
    """Runs cmd under measure.c in its own session; returns its rusage and the sampled
    peak RSS of its whole process tree (every 0.05 s; the launcher's ~1 MB included)."""
    report = os.path.join(work, "%s.rusage" % tag)
    out = stdout_path or os.path.join(work, "%s.stdout" % tag)
    err = os.path.join(work, "%s.stderr" % tag)
    with open(out, "wb") as fo, open(err, "wb") as fe, \
            open(stdin_path or os.devnull, "rb") as fi:
        io0 = self_io()
        proc = subprocess.Popen([measure, report] + cmd, stdin=fi, stdout=fo, stderr=fe,
                                env=env, cwd=work, start_new_session=True)
        peak = [0]
        done = threading.Event()

        def sample():
            wait = 0.01
            while not done.wait(wait):
                peak[0] = max(peak[0], tree_rss_kb(proc.pid))
                wait = 0.05
        t = threading.Thread(target=sample, daemon=True)
        t.start()
        timed_out = False
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        done.set()
        t.join()
        io1 = self_io()
    res = {"command": " ".join(cmd), "timed_out": timed_out, "tree_rss_mb": peak[0] / 1024.0,
           "stderr_path": err, "write_mb": (io1["write_bytes"] - io0["write_bytes"]) / 1e6,
           "wchar_mb": (io1["wchar"] - io0["wchar"]) / 1e6}
    if timed_out or not os.path.exists(report):
        res.update(exit=-1, signal=9 if timed_out else 0, wall_s=float(timeout) if timed_out else 0.0,
                   user_s=0.0, sys_s=0.0, cpu_s=0.0, max_rss_mb=0.0)
        return res
    with open(report) as f:
        v = {k: int(x) for k, x in (item.split("=", 1) for item in f.read().split())}
    res.update(exit=v["exit"], signal=v["signal"], wall_s=v["wall_ns"] / 1e9,
               user_s=v["utime_us"] / 1e6, sys_s=v["stime_us"] / 1e6,
               cpu_s=(v["utime_us"] + v["stime_us"]) / 1e6, max_rss_mb=v["maxrss_kb"] / 1024.0)
    # a run shorter than the sampling interval may be missed; the tree holds at least the
    # largest process
    res["tree_rss_mb"] = max(res["tree_rss_mb"], res["max_rss_mb"])
    with open(err, "rb") as f:
        res["stderr_head"] = f.read(1500).decode("utf-8", "replace")
    return res


def clean_env(home):
    """The environment of every tool: no proxy (everything is on 127.0.0.1), its own HOME."""
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env.update(HOME=home, LC_ALL="C.UTF-8", no_proxy="127.0.0.1,localhost")
    return env


# ---------------------------------------------------------------- the tools

def du(path):
    total = 0
    for root, _, names in os.walk(path):
        for n in names:
            try:
                total += os.lstat(os.path.join(root, n)).st_size
            except OSError:
                pass
    return total


class Feedsd:
    name = "feedsd"
    phases = ("cold", "warm")

    def __init__(self, args, urls, binary=None, name="feedsd"):
        self.args, self.urls, self.name = args, urls, name
        self.binary = binary or args.feedsd

    def setup(self, work):
        self.conf = poll.write_config(work, self.urls, None, self.args.per_host, 0, "")

    def command(self, work, phase):
        return [self.binary, "run", "--once", "-c", self.conf]

    def items(self, work):
        db = os.path.join(work, "feedsd.db")
        n = poll.count_entries(db)
        extra = {"db_mb": sum(os.path.getsize(db + s) for s in ("", "-wal")
                              if os.path.exists(db + s)) / 1e6}
        md, _, size = poll.scan_output(os.path.join(work, "out"))
        extra.update(files=md, output_mb=size / 1e6)
        if n is not None:
            con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
            try:
                extra["feeds_with_items"] = con.execute(
                    "SELECT count(DISTINCT feed_id) FROM entries").fetchone()[0]
            except sqlite3.Error:
                pass
            con.close()
        return n, extra


class Sfeed:
    """sfeed_update with an sfeedrc listing the feeds (sfeedrc(5)); the ETag variant
    overrides fetch() exactly as sfeed's README ("Caching, incremental data updates and
    bandwidth-saving") shows, with its ETag folder under the temporary $HOME."""
    ETAG_FETCH = r'''
# fetch(name, url, feedfile): from sfeed's README, "Caching, incremental data updates"
fetch() {
	etag="$HOME/.sfeed/etags/$(basename "$3")"
	curl \
		-L --max-redirs 0 -H "User-Agent:" -f -s -m 15 \
		--compressed \
		--etag-save "${etag}" --etag-compare "${etag}" \
		-z "${etag}" \
		"$2" 2>/dev/null
}
'''

    def __init__(self, args, urls, etag):
        self.args, self.urls, self.etag = args, urls, etag
        self.name = "sfeed-etag" if etag else "sfeed"
        self.phases = ("cold", "warm")

    def setup(self, work):
        self.rc = os.path.join(work, "sfeedrc")
        lines = ["# written by bench/peers.py", 'sfeedpath="%s/feeds"' % work]
        if self.args.sfeed_jobs:
            lines.append("maxjobs=%d" % self.args.sfeed_jobs)
        if self.etag:
            os.makedirs(os.path.join(work, ".sfeed", "etags"), exist_ok=True)
            lines.append(self.ETAG_FETCH)
        lines.append("feeds() {")
        lines += ['\tfeed "f%05d" "%s"' % (i, u) for i, u in enumerate(self.urls)]
        lines.append("}")
        with open(self.rc, "w") as f:
            f.write("\n".join(lines) + "\n")

    def command(self, work, phase):
        return ["sfeed_update", self.rc]

    def items(self, work):
        d = os.path.join(work, "feeds")
        if not os.path.isdir(d):
            return None, {}
        n = nonempty = 0
        for name in os.listdir(d):
            with open(os.path.join(d, name), "rb") as f:
                k = sum(1 for _ in f)
            n += k
            nonempty += k > 0
        return n, {"feeds_with_items": nonempty, "tsv_mb": du(d) / 1e6}


class Newsboat:
    """newsboat 2.21 stores a feed's ETag and Last-Modified only when the feed's row
    already exists (its first reload inserts the row after recording the validators, so
    they are lost): its second reload fetches everything again (200) and only the third
    sends If-None-Match/If-Modified-Since. "second" is that run; "warm" (all 304) is the
    third, the steady state that the other tools' warm runs are compared with."""
    name = "newsboat"
    phases = ("cold", "second", "warm")

    def __init__(self, args, urls):
        self.args, self.urls = args, urls

    def setup(self, work):
        with open(os.path.join(work, "urls"), "w") as f:
            f.write("".join(u + "\n" for u in self.urls))
        with open(os.path.join(work, "config"), "w") as f:
            f.write("# written by bench/peers.py\nreload-threads %d\n" % self.args.newsboat_threads)

    def command(self, work, phase):
        return ["newsboat", "-u", os.path.join(work, "urls"), "-c", os.path.join(work, "cache.db"),
                "-C", os.path.join(work, "config"), "-x", "reload"]

    def items(self, work):
        db = os.path.join(work, "cache.db")
        if not os.path.exists(db):
            return None, {}
        con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
        try:
            n, feeds = con.execute("SELECT count(*), count(DISTINCT feedurl) FROM rss_item").fetchone()
        finally:
            con.close()
        return n, {"feeds_with_items": feeds, "db_mb": os.path.getsize(db) / 1e6}


def run_tool(tool, args, server, n, expected, base):
    """The tool's phases (cold, then warm) in one fresh folder; returns the run records."""
    work = tempfile.mkdtemp(prefix="n%d-%s-" % (n, tool.name), dir=base)
    tool.setup(work)
    env = clean_env(work)
    rows = []
    for phase in tool.phases:
        server.mark()
        cpu0 = server.cpu()
        load = os.getloadavg()[0]
        r = run_measured(args.measure, tool.command(work, phase), work, phase, args.timeout, env)
        c = server.counts()
        r.update(tool=tool.name, phase=phase, feeds=n, http=c, load_before=load,
                 server_cpu_s=round(server.cpu() - cpu0, 3), work=work)
        r["items"], extra = tool.items(work)
        r.update(extra)
        r["cpu_per_feed_ms"] = r["cpu_s"] * 1000.0 / n
        r["check"] = check(r, n, expected, tool.name)
        rows.append(r)
        print("  N=%d %-10s %-4s exit %d, wall %.2fs, CPU %.2fs (sys %.2f), written %.0f MB, "
              "peak RSS %.1f MB (tree %.1f), items %s, 200/304 %d/%d%s"
              % (n, tool.name, phase, r["exit"], r["wall_s"], r["cpu_s"], r["sys_s"], r["write_mb"],
                 r["max_rss_mb"], r["tree_rss_mb"], r["items"], c["ok"], c["not_modified"],
                 ("; " + r["check"]) if r["check"] else ""),
              flush=True)
        if r["check"] and r.get("stderr_head"):
            for line in r["stderr_head"].splitlines()[:6]:
                print("    stderr: %s" % line)
        if r["timed_out"]:
            break
    return rows


def check(r, n, expected, tool):
    """How the run differs from what the corpus implies ('' when it matches)."""
    p = []
    if r["timed_out"]:
        p.append("timed out")
    elif r["signal"]:
        p.append("signal %d" % r["signal"])
    elif r["exit"] != 0:
        p.append("exit %d" % r["exit"])
    if r["items"] != expected:
        p.append("items %s, expected %d" % (r["items"], expected))
    c = r["http"]
    if r["phase"] in ("cold", "second") and c["ok"] != n:
        p.append("%d of %d fetched" % (c["ok"], n))
    # plain sfeed_update has no validators: every warm fetch is a full 200, as expected
    if r["phase"] == "warm" and tool != "sfeed" and c["not_modified"] != n:
        p.append("%d of %d got 304" % (c["not_modified"], n))
    if r["phase"] == "warm" and tool == "sfeed" and c["ok"] != n:
        p.append("%d of %d fetched" % (c["ok"], n))
    return "; ".join(p)


# ---------------------------------------------------------------- large-feed parse

def parse_compare(args, base, have_sfeed, xmllint):
    d = os.path.join(base, "parse")
    os.makedirs(d, exist_ok=True)
    t0 = time.monotonic()
    rss, atom, _ = parsebench.generate(d, args.parse_entries, args.parse_mb, args.seed)
    print("parse corpus: %d entries per file, generated in %.1f s" % (args.parse_entries, time.monotonic() - t0))
    rows = []
    for label, path in (("rss-cdata", rss), ("atom-escaped", atom)):
        path = str(path)
        mb = os.path.getsize(path) / 1e6
        # `parse` prints every entry as JSON (as sfeed prints TSV); `parse --count` only
        # parses, streaming, as xmllint does (bench/parse.py measures that one closer).
        cmds = [("feedsd parse", [args.feedsd, "parse", path], None),
                ("feedsd parse --count", [args.feedsd, "parse", "--count", path], None)]
        if have_sfeed:
            cmds.append(("sfeed <FILE", ["sfeed"], path))
        if xmllint:
            cmds.append(("xmllint --sax --noout", [xmllint, "--sax", "--noout", path], None))
        counts = parse_counts(args, path, have_sfeed)
        for name, cmd, stdin in cmds:
            best = None
            for i in range(args.parse_repeat):
                r = run_measured(args.measure, cmd, d, "parse", args.timeout, clean_env(d),
                                 stdin_path=stdin, stdout_path=os.devnull)
                if r["exit"] != 0:
                    print("  %s on %s failed: exit %d %s" % (name, label, r["exit"], r.get("stderr_head", "")[:300]))
                if best is None or r["cpu_s"] < best["cpu_s"]:
                    best = r
            best.update(file=label, tool=name, mb=mb, mb_per_cpu_s=mb / best["cpu_s"] if best["cpu_s"] else 0,
                        items=counts.get(name))
            rows.append(best)
            print("  parse %-12s %-22s CPU %.3fs, %.1f MB/s, peak RSS %.1f MB, items %s"
                  % (label, name, best["cpu_s"], best["mb_per_cpu_s"], best["max_rss_mb"], best["items"]),
                  flush=True)
    return rows


def parse_counts(args, path, have_sfeed):
    """Entries each tool finds in the file (unmeasured runs): the comparison is honest only
    when every tool reads every entry."""
    out = {}
    p = subprocess.run([args.feedsd, "parse", path], capture_output=True)
    if p.returncode == 0:
        out["feedsd parse"] = len(json.loads(p.stdout).get("entries", []))
    p = subprocess.run([args.feedsd, "parse", "--count", path], capture_output=True, text=True)
    if p.returncode == 0 and p.stdout.strip().isdigit():
        out["feedsd parse --count"] = int(p.stdout)
    if have_sfeed:
        with open(path, "rb") as f:
            p = subprocess.run(["sfeed"], stdin=f, capture_output=True)
        out["sfeed <FILE"] = p.stdout.count(b"\n")
    return out


# ---------------------------------------------------------------- output

def ratio(a, b):
    """a/b with three significant digits (warm ratios are far below 0.01)."""
    return "%.3g" % (a / b) if b else "-"


def print_poll_table(rows):
    head = ("%6s  %-10s  %-6s  %4s  %8s  %7s  %6s  %7s  %8s  %7s  %7s  %7s  %9s  %s"
            % ("feeds", "tool", "run", "exit", "wall s", "user s", "sys s", "CPU s", "CPU/feed",
               "RSS MB", "tree MB", "items", "200/304", "check"))
    print(head)
    print("-" * len(head))
    for r in rows:
        print("%6d  %-10s  %-6s  %4s  %8.2f  %7.2f  %6.2f  %7.2f  %6.3fms  %7.1f  %7.1f  %7s  %9s  %s"
              % (r["feeds"], r["tool"], r["phase"], "T/O" if r["timed_out"] else r["exit"], r["wall_s"],
                 r["user_s"], r["sys_s"], r["cpu_s"], r["cpu_per_feed_ms"], r["max_rss_mb"],
                 r["tree_rss_mb"], r["items"], "%d/%d" % (r["http"]["ok"], r["http"]["not_modified"]),
                 r["check"] or "ok"))
    print("(CPU = user+sys of the command and every descendant it reaped (wait4); RSS MB = "
          "ru_maxrss, the largest single process; tree MB = sampled peak of the sum over the "
          "whole process tree; items = stored by the tool, from its own files)")


def print_ratios(rows):
    """feedsd against each peer, per round when there are several rounds (feedsd's run of
    a round against the peer's run of the same round), then the median of those ratios."""
    by = {(r["feeds"], r["tool"], r["phase"], r.get("round", 1)): r for r in rows}
    rounds = sorted({r.get("round", 1) for r in rows})
    lines = []
    for n in sorted({r["feeds"] for r in rows}):
        for phase in ("cold", "warm"):
            for peer in ("sfeed", "sfeed-etag", "newsboat", "feedsd-base"):
                cpu = []
                for rnd in rounds:
                    me, p = by.get((n, "feedsd", phase, rnd)), by.get((n, peer, phase, rnd))
                    if not me or not p or p["timed_out"] or not p["cpu_s"]:
                        continue
                    cpu.append(me["cpu_s"] / p["cpu_s"])
                    lines.append("N=%d %-4s feedsd/%-10s %sCPU %s  wall %s  peak RSS %s  tree RSS %s  "
                                 "(peer uses %sx feedsd's CPU)"
                                 % (n, phase, peer, "round %d: " % rnd if len(rounds) > 1 else "",
                                    ratio(me["cpu_s"], p["cpu_s"]),
                                    ratio(me["wall_s"], p["wall_s"]), ratio(me["max_rss_mb"], p["max_rss_mb"]),
                                    ratio(me["tree_rss_mb"], p["tree_rss_mb"]),
                                    "%.1f" % (p["cpu_s"] / me["cpu_s"]) if me["cpu_s"] else "-"))
                if len(cpu) > 1:
                    lines.append("N=%d %-4s feedsd/%-10s CPU median of %d rounds %.3g (range %.3g-%.3g)"
                                 % (n, phase, peer, len(cpu), statistics.median(cpu), min(cpu), max(cpu)))
    for l in lines:
        print("  " + l)


def print_parse_table(rows):
    head = "%-13s  %6s  %-22s  %7s  %8s  %7s  %6s  %7s" % (
        "file", "MB", "command", "CPU s", "MB/s", "RSS MB", "items", "vs xml")
    print(head)
    print("-" * len(head))
    ref = {r["file"]: r for r in rows if r["tool"].startswith("xmllint")}
    for r in rows:
        x = ref.get(r["file"])
        print("%-13s  %6.1f  %-22s  %7.3f  %8.1f  %7.1f  %6s  %7s"
              % (r["file"], r["mb"], r["tool"], r["cpu_s"], r["mb_per_cpu_s"], r["max_rss_mb"],
                 "-" if r["items"] is None else r["items"],
                 ratio(r["cpu_s"], x["cpu_s"]) if x else "-"))
    print("(CPU = user+sys, best of %d; MB/s = input MB per CPU second; vs xml = CPU / xmllint's "
          "CPU on the same file; output to /dev/null)" % ROWS_REPEAT[0])


ROWS_REPEAT = [3]


# ---------------------------------------------------------------- main

def main(argv):
    ap = argparse.ArgumentParser(description="feedsd vs sfeed and newsboat (bench/README-peers.md)")
    ap.add_argument("--feedsd", required=True, help="the feedsd binary to measure")
    ap.add_argument("--baseline", default=None, help="another feedsd binary, run as a peer (feedsd-base)")
    ap.add_argument("--sizes", default="1000", help="feed counts, comma-separated (default 1000)")
    ap.add_argument("--only", default=",".join(TOOLS),
                    help="comma-separated subset of %s (default: all)" % ",".join(TOOLS))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--server", choices=("auto", "nginx", "python"), default="auto",
                    help="auto: nginx, installed if missing and root, else bench/serve.py")
    ap.add_argument("--server-workers", type=int, default=2)
    ap.add_argument("--no-install", action="store_true", help="never run apt-get")
    ap.add_argument("--per-host", type=int, default=16, help="feedsd per_host (default 16)")
    ap.add_argument("--sfeed-jobs", type=int, default=0, help="sfeed_update maxjobs (default: its own, 8)")
    ap.add_argument("--newsboat-threads", type=int, default=8, help="newsboat reload-threads (default 8)")
    ap.add_argument("--rounds", type=int, default=1,
                    help="run every tool this many times, alternating (ratios per round and median)")
    ap.add_argument("--parse-entries", type=int, default=20000)
    ap.add_argument("--parse-mb", type=int, default=50)
    ap.add_argument("--parse-repeat", type=int, default=3)
    ap.add_argument("--timeout", type=float, default=3600, help="seconds before one run is killed")
    ap.add_argument("--workdir", default=None, help="where run folders go (default: $TMPDIR)")
    ap.add_argument("--results", default=os.path.join(HERE, "results"))
    ap.add_argument("--keep", action="store_true", help="keep the work folder")
    args = ap.parse_args(argv)
    args.feedsd = os.path.abspath(args.feedsd)
    ROWS_REPEAT[0] = args.parse_repeat
    only = [t.strip() for t in args.only.split(",") if t.strip()]
    bad = [t for t in only if t not in TOOLS]
    if bad:
        ap.error("unknown --only %s (choose from %s)" % (",".join(bad), ",".join(TOOLS)))
    sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    if not os.access(args.feedsd, os.X_OK):
        ap.error("%s is not an executable (build it: make BUILD=...)" % args.feedsd)

    base = tempfile.mkdtemp(prefix="feedsd-peers-", dir=args.workdir)
    os.chmod(base, 0o755)            # nginx workers run as an unprivileged user
    args.measure = poll.build_measure(base)
    if not args.measure:
        sys.exit("bench/measure.c did not compile (cc): it is needed to measure process trees")
    have = {"sfeed": bool("sfeed" in only or "sfeed-etag" in only or "parse" in only)
            and bool(ensure("sfeed_update", args, "the sfeed rows")),
            "newsboat": "newsboat" in only and bool(ensure("newsboat", args, "the newsboat rows"))}
    if "sfeed-etag" in only and have["sfeed"]:
        ensure("curl", args, "sfeed")
    xmllint = ensure("xmllint", args, "the xmllint reference") if "parse" in only else None

    poll_tools = [t for t in only if t != "parse"]
    rows, parse_rows, failed = [], [], False
    server = None
    server_used = [None]
    print("feedsd side by side: %s (git %s), %d CPUs, load %.2f, work in %s (%s)"
          % (args.feedsd, poll.git_describe(), os.cpu_count() or 0, os.getloadavg()[0], base,
             poll.mount_of(base)[1]))
    try:
        if poll_tools and sizes:
            www = os.path.join(base, "www")
            feeddir = os.path.join(www, "feeds")
            t0 = time.perf_counter()
            manifest = gen_mixed.generate(feeddir, max(sizes), args.seed)
            print("corpus: %d feeds generated in %.1f s" % (max(sizes), time.perf_counter() - t0))
            for p in (www, feeddir):
                os.chmod(p, 0o755)
            ngx = ensure("nginx", args, "falling back to bench/serve.py") \
                if args.server in ("auto", "nginx") else None
            if ngx:
                server = Nginx(ngx, www, os.path.join(base, "nginx"), args.server_workers)
                print("server: nginx (%s), %d workers on 127.0.0.1:%d, static files, ETag + "
                      "Last-Modified, 304 by nginx" % (ngx, args.server_workers, server.port))
            else:
                if args.server == "nginx":
                    sys.exit("nginx is not available")
                server = PyServer(feeddir, args.server_workers)
                print("server: bench/serve.py (%s), %d workers on 127.0.0.1:%d"
                      % ("--server python" if args.server == "python" else "nginx not available",
                         args.server_workers, server.port))
            server_used[0] = server.name
            paths = sorted(manifest["files"])
            for n in sizes:
                sel = [manifest["files"][p] for p in paths[:n]]
                expected = sum(m["entries"] for m in sel)
                fmts = {}
                for m in sel:
                    fmts[m["format"]] = fmts.get(m["format"], 0) + 1
                print("input N=%d: %d entries, %.1f KB per feed (%.1f MB), %s"
                      % (n, expected, sum(m["size"] for m in sel) / n / 1024,
                         sum(m["size"] for m in sel) / 1e6,
                         ", ".join("%d %s" % (v, k) for k, v in sorted(fmts.items()))), flush=True)
                urls = [server.url(p) for p in paths[:n]]
                tools = []
                for t in poll_tools:
                    if t == "feedsd":
                        tools.append(Feedsd(args, urls))
                        if args.baseline:     # another build, as a peer: before and after
                            tools.append(Feedsd(args, urls, os.path.abspath(args.baseline), "feedsd-base"))
                    elif t in ("sfeed", "sfeed-etag") and have["sfeed"]:
                        tools.append(Sfeed(args, urls, t == "sfeed-etag"))
                    elif t == "newsboat" and have["newsboat"]:
                        tools.append(Newsboat(args, urls))
                # One after the other (2 CPUs are shared). With --rounds, every round
                # runs each tool once, starting one tool later each time, so that a
                # drifting machine weighs on all tools alike.
                for rnd in range(args.rounds):
                    k = rnd % len(tools) if tools else 0
                    if args.rounds > 1:
                        print("round %d of %d" % (rnd + 1, args.rounds), flush=True)
                    for tool in tools[k:] + tools[:k]:
                        rr = run_tool(tool, args, server, n, expected, base)
                        for r in rr:
                            r["expected_items"] = expected
                            r["round"] = rnd + 1
                            failed |= bool(r["check"])
                        rows += rr
                    # Run folders stay until the end: deleting thousands of files just
                    # before the next tool's cold run slows its file creation (see
                    # bench/README-peers.md, "File system state").
        if server:
            server.close()
            server = None
        if "parse" in only:
            parse_rows = parse_compare(args, base, have["sfeed"], xmllint)
    finally:
        if server:
            server.close()

    print()
    if rows:
        print_poll_table(rows)
        print()
        print_ratios(rows)
        print()
    if parse_rows:
        print_parse_table(parse_rows)
    versions = poll.package_versions(("sfeed", "newsboat", "nginx-light", "libxml2-utils", "curl"))
    return poll.save_results(args, base, "peers", {
                   "feedsd": args.feedsd, "host": {"cpus": os.cpu_count(),
                                                   "uname": platform.uname()._asdict()},
                   "versions": versions, "server": server_used[0],
                   "settings": {k: getattr(args, k) for k in
                                ("sizes", "only", "seed", "rounds", "per_host", "sfeed_jobs",
                                 "newsboat_threads",
                                 "parse_entries", "parse_mb", "parse_repeat", "server_workers")},
                   "poll": rows, "parse": parse_rows}, failed)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
