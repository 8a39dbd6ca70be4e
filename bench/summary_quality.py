#!/usr/bin/env python3
"""bench/summary_quality.py: how good the built-in summaries of the test corpus are.

Every document of tests/data/feeds that `feedsd parse` accepts is served from 127.0.0.1
by bench/serve.py (bench/summary.py's corpus set-up); `feedsd run --once` with
`backlog = all` and `summarizer = builtin` writes a file per entry, and each built-in
summary (entries.summary with sum_by = 'builtin') is checked for the faults of issue 18:

  title    the summary starts with the post's title (compared without markdown escapes,
           case and white space), and not as the subject of a sentence that goes on
           ("Standard Ebooks takes ebooks from...", "Title, esta quarta-feira")
  boiler   one of its sentences is a boilerplate line: an ad ("use code X", "% off your
           first", "sponsored by", "advertisement"), a share or follow prompt ("share
           this", "share on", "follow us", "subscribe"), or a bare "Comments" / "N comments"
  short    it has under 20 characters (empty summaries included)
  empty    it is empty (part of short)
  cjk-run  it holds CJK text and does not end as a sentence ends (。！？, an ellipsis):
           its last sentence was cut at a line break, and so, joined without spaces as
           CJK sentences are, were the ones before it

The lists here are the benchmark's own: they describe what a reader calls a bad summary,
independently of the summarizer's tables. Prints the counts and, with --show, the
offending summaries. No timing; nothing asserted (exit 0 unless feedsd fails to run).

Usage: python3 bench/summary_quality.py --feedsd build/feedsd [--show title,boiler,short]
"""
import argparse
import os
import re
import shutil
import sqlite3
import sys
import tempfile
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from poll import Server, run_feedsd  # noqa: E402
from summary import corpus_feeds, testdata_dir  # noqa: E402

BOILER = [re.compile(p, re.I) for p in (
    r"\buse (promo )?code\b", r"\bwith code [A-Z0-9]", r"% off (your first|for the life)",
    r"\bsponsored by\b", r"^sponsor(ed)?\b", r"\badvertisement\b",
    r"\bshare (this|on)\b", r"\bfollow us\b", r"\bsubscribe (to|now|here)\b", r"^subscribe\b",
    r"^\[?\d* ?comments?\]?$", r"^comments?( \(\d+\))?$", r"\bcontinue reading\b", r"\bread more\b",
)]
CJK_END = "。！？｡…!?.」』）)"


def unescape(md):
    return re.sub(r"\\(.)", r"\1", md)


def norm(s):
    return " ".join(unicodedata.normalize("NFKC", unescape(s)).casefold().split())


def has_cjk(s):
    return any("\u3040" <= c <= "\u30ff" or "\u3400" <= c <= "\u9fff" or "\uac00" <= c <= "\ud7af" for c in s)


def sentences(s):
    """Rough sentences of a summary (the benchmark's own split)."""
    return [p.strip() for p in re.split(r"(?<=[.!?])\s+|(?<=[。！？])", s) if p.strip()]


def judge(title, summary):
    faults = set()
    plain = unescape(summary or "")
    t = norm(title or "")
    n = norm(plain)
    if t and len(t) >= 8 and n.startswith(t) and not re.match(r"[a-z,;]", n[len(t):].lstrip()):
        faults.add("title")
    if any(b.search(x) for x in sentences(plain) for b in BOILER):
        faults.add("boiler")
    if len(plain.strip()) < 20:
        faults.add("short")
    if not plain.strip():
        faults.add("empty")
    if has_cjk(plain) and plain.strip() and plain.strip()[-1] not in CJK_END:
        faults.add("cjk-run")
    return faults


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--feedsd", required=True)
    ap.add_argument("--show", default="", help="comma-separated faults whose summaries to print")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--timeout", type=float, default=900)
    args = ap.parse_args(argv)
    feedsd = os.path.abspath(args.feedsd)
    base = tempfile.mkdtemp(prefix="feedsd-sumquality-")
    try:
        paths, entries = corpus_feeds(feedsd, testdata_dir(), os.path.join(base, "corpus"))
        server = Server(os.path.join(base, "corpus"), 2)
        work = os.path.join(base, "run")
        os.makedirs(work)
        conf = os.path.join(work, "feedsd.conf")
        lines = ["database = %s" % os.path.join(work, "feedsd.db"), "output = %s" % os.path.join(work, "out"),
                 "timezone = UTC", "backlog = all", "per_host = 16", "allow_private = yes", "host_delay = 0",
                 "summarizer = builtin"]
        try:
            with open(conf, "w") as f:
                f.write("\n".join(lines + ["feed = %s" % server.url(p) for p in paths]) + "\n")
            r = run_feedsd(feedsd, None, conf, work, "run", args.timeout)
        finally:
            server.close()
        con = sqlite3.connect(os.path.join(work, "feedsd.db"))
        rows = con.execute("SELECT f.url, e.title, e.summary FROM entries e JOIN feeds f ON f.id = e.feed_id"
                           " WHERE e.sum_by = 'builtin' ORDER BY e.id").fetchall()
        con.close()
        counts = {k: 0 for k in ("title", "boiler", "short", "empty", "cjk-run")}
        cjk = 0
        show = set(x for x in args.show.split(",") if x)
        for url, title, summary in rows:
            faults = judge(title, summary)
            cjk += has_cjk(summary or "")
            for k in faults:
                counts[k] += 1
            if faults & show:
                print("[%s] %s\n  title:   %s\n  summary: %s\n" % (",".join(sorted(faults)), url.rsplit("/", 1)[-1],
                                                                  title, (summary or "")))
        bad = sum(1 for _, t, s in rows if judge(t, s) - {"empty"})
        print("feedsd summary quality: %s; %d corpus documents, %d entries, %d built-in summaries (exit %s)"
              % (feedsd, len(paths), entries, len(rows), r.get("exit")))
        print("| fault | summaries |")
        print("|---|---:|")
        print("| starts with the title | %d |" % counts["title"])
        print("| holds a boilerplate line | %d |" % counts["boiler"])
        print("| under 20 characters | %d |" % counts["short"])
        print("| of which empty | %d |" % counts["empty"])
        print("| CJK without a final sentence end (of %d CJK) | %d |" % (cjk, counts["cjk-run"]))
        print("| any fault | %d |" % bad)
        return 0 if rows else 1
    finally:
        if args.keep:
            print("kept %s" % base)
        else:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
