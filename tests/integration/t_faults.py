"""Faults (issue 6, "Faults and hostile input"): feedsd killed at random instants while
it polls, summarizes and writes; a full disk; a read-only output folder; the output folder
deleted under a running daemon; the database locked by another process. Each test checks
that the error is clear and that nothing is lost or written twice.

The disk and read-only tests need mount(2) (root in a sandbox that allows tmpfs and bind
mounts); without it they print SKIP and pass. Hostile feeds are in t_hostile.py.
Run alone: python3 tests/integration/t_faults.py --feedsd build/feedsd [-k NAME]
Owner: fault-tests engineer."""
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Route, front_matter_dict, parse_front_matter, simple_atom, test, wait_for  # noqa: E402
from llm_server import LLMServer  # noqa: E402


def md_files(work):
    return sorted(f for f in work.files() if f.endswith(".md"))


def temp_files(work):
    """Anything under out/ that is not a finished post: output_write_file's
    ".<name>.tmp-<pid>" names, or anything else a crash could leave."""
    return [f for f in work.files() if not f.endswith(".md") or os.path.basename(f).startswith(".")]


def summary_of(text):
    _, body = parse_front_matter(text)
    return body[len("## Summary\n"):body.index("## Full Content\n")].strip()


def db_rows(work, query, args=()):
    """Rows from the database through Python's sqlite3 (a normal reader: it waits for
    feedsd's locks like any other process would)."""
    con = sqlite3.connect(work.db, timeout=30)
    try:
        return con.execute(query, args).fetchall()
    finally:
        con.close()


def check_files_match_db(work, total=None):
    """The invariant every test ends on: one complete file per written entry, at the path
    the database claimed for it, naming the entry's own link; no stray or temporary file;
    a sound database. Returns {path: text}."""
    assert not temp_files(work), temp_files(work)
    rows = db_rows(work, "select path, link, stage from entries")
    written = {p: link for p, link, stage in rows if stage == 2}
    files = md_files(work)
    if total is not None:
        assert len(rows) == total, (len(rows), total)
        assert len(written) == total, (len(written), total)
    assert None not in written, "an entry marked written has no path"
    assert set(files) == set(written), (sorted(set(files) ^ set(written))[:10])
    paths = [p for p, _, _ in rows if p is not None]
    assert len(paths) == len(set(paths)), "two entries share a path"
    texts = {}
    for f in files:
        text = work.read(f)
        assert text.endswith("\n") and "## Full Content\n" in text, "incomplete file %s" % f
        fm = front_matter_dict(text)
        assert fm["extra"].get("source") == written[f], (f, fm["extra"].get("source"), written[f])
        texts[f] = text
    assert work.sql("pragma integrity_check") == "ok"
    return texts


# ---------------------------------------------------------------- crash consistency

@test
def sigkill_at_random_points_loses_and_duplicates_nothing(server, work):
    """200 feeds x 3 entries, a slow model and summary_max_wait 0: each post first gets
    a file with the fallback summary, rewritten when the model answers. The daemon is
    killed 15 times at random instants during polls, file writes and rewrites; a last
    `run --once` with a fast model must leave exactly one complete file per entry, each
    with the model's summary."""
    nfeeds, nentries = 200, 3
    total = nfeeds * nentries
    urls = []
    for i in range(nfeeds):
        path = "/f%d.xml" % i
        # ~2 KB per feed in 256-byte chunks 10 ms apart: a poll of the 200 feeds takes at
        # least 2 s at 8 at a time however fast the disk, so kills land in transfers and
        # parses as well as in commits and file writes.
        server.routes[path] = Route(simple_atom(nentries, prefix="feed%d" % i, title="Feed %d" % i,
                                                words=60), chunk_delay=0.01, chunk_size=256)
        urls.append(server.url(path))
    llm = LLMServer()
    rng = random.Random(20260106)
    try:
        # Each request answers after 50-200 ms: four in flight give ~30 answers a second,
        # so most rewrites are still to come when the daemon is killed.
        llm.script = [{"delay": rng.uniform(0.05, 0.2)} for _ in range(20000)]

        def config(concurrency):
            work.write_config(urls, "backlog = all\nconcurrency = 8\nper_host = 8\n"
                              "summarizer = openai\nopenai_url = %s\nopenai_model = test-model\n"
                              "summary_min_length = 0\nsummarize_backlog = yes\n"
                              "summary_max_wait = 0\nsummary_rate = 0\nsummary_concurrency = %d\n"
                              % (llm.base, concurrency))
        config(4)
        partial = mid_summary = complete = 0
        for round_ in range(15):
            p = work.start_daemon()
            time.sleep(rng.uniform(0.2, 2.0))
            p.kill()
            p.wait()
            files = md_files(work)
            # Between any two restarts: never more files than entries, and every file on
            # disk is at a path the database claimed (a file is never written first).
            assert len(files) <= total, len(files)
            claimed = {r[0] for r in db_rows(work, "select path from entries where path is not null")}
            stray = set(files) - claimed
            assert not stray, sorted(stray)[:5]
            partial += 0 < len(files) < total
            fallback = sum("summary_fallback: true" in work.read(f) for f in files)
            # Files with the fallback next to files the model's answer already rewrote.
            mid_summary += 0 < fallback < len(files)
            complete += len(files) == total
        print("    crash: of 15 kills, %d left part of the files, %d all of them; %d landed "
              "between fallback and model summaries; %d model requests"
              % (partial, complete, mid_summary, len(llm.requests)), flush=True)
        assert partial >= 2, "the kills did not land mid-poll (%d partial rounds)" % partial
        assert mid_summary >= 2, "the kills did not land mid-summaries (%d rounds)" % mid_summary
        assert len(llm.requests) > 0

        # The last run: a fast model, so every pending summary arrives.
        llm.script = []
        llm.default = {}
        config(16)
        t0 = time.time()
        r = work.run_once(timeout=150)
        assert r.returncode == 0, r.stderr[-3000:]
        print("    crash: final run --once %.1fs" % (time.time() - t0), flush=True)
        texts = check_files_match_db(work, total)
        titles = dict(db_rows(work, "select path, title from entries"))
        for f, text in texts.items():
            fm = front_matter_dict(text)
            assert fm["extra"].get("summarized_by") == "openai/test-model", (f, fm["extra"])
            assert "summary_fallback" not in fm["extra"], (f, fm["extra"])
            assert summary_of(text) == "Model summary of: " + titles[f], (f, summary_of(text))
        assert db_rows(work, "select count(*) from entries where sum_pending = 1") == [(0,)]
    finally:
        llm.close()


if __name__ == "__main__":
    sys.exit(harness.main(sys.argv[1:]))
