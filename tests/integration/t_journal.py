"""The journal of a new database (storage/db_journal.c): a database that `feedsd run`
creates is filled through SQLite's rollback journal until its first polls are stored,
then turns to WAL mode for good; a reader meanwhile neither waits for the daemon nor
ends that first load while a group of polls is open.

Run alone: python3 tests/integration/t_journal.py --feedsd build/feedsd [-k NAME]"""
import os
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Route, simple_atom, test, wait_for  # noqa: E402


def md_files(work):
    return [f for f in work.files() if f.endswith(".md")]


def header_mode(work):
    """The database file's own word (its header's bytes 18 and 19, sqlite.org/fileformat
    2.html): 'wal', 'rollback', or None before SQLite wrote a header."""
    with open(work.db, "rb") as f:
        head = f.read(20)
    if len(head) < 20:
        return None
    return {(1, 1): "rollback", (2, 2): "wal"}.get((head[18], head[19]), repr(head[18:20]))


def feeds(server, work, n=3, entries=4, extra="backlog = all"):
    return harness.numbered_feeds(server, work, n, entries, "j", extra)


def traced_once(work, *args):
    """run --once under strace: the result and the paths of the files it wrote to."""
    if not shutil.which("strace"):
        raise AssertionError("strace is not installed (scripts/deps.sh test installs it)")
    log = os.path.join(work.dir, "strace.log")
    cmd = ["strace", "-f", "-y", "-o", log, "-e", "trace=write,pwrite64",
           work.feedsd, "run", "--once", "-c", work.conf] + list(args)
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120,
                       env=harness.without_leak_check())
    written = {}
    with open(log) as f:
        for line in f:
            # 1234  pwrite64(5</tmp/x/feedsd.db-journal>, "..."..., 4096, 0) = 4096
            if "(" not in line or "<" not in line or line.rstrip().endswith("?"):
                continue
            path = line.split("<", 1)[1].split(">", 1)[0]
            ret = line.rsplit("=", 1)[1].strip().split()[0]
            if ret.lstrip("-").isdigit() and int(ret) > 0:
                written[path] = written.get(path, 0) + int(ret)
    os.unlink(log)
    return r, written


@test
def a_new_database_is_filled_through_a_rollback_journal_then_turns_to_wal(server, work):
    feeds(server, work)
    r, written = traced_once(work, "-v")
    assert r.returncode == 0, r.stderr
    assert len(md_files(work)) == 12, work.files()
    # the first load went through the rollback journal, not the WAL
    assert written.get(work.db + "-journal", 0) > 0, written
    assert written.get(work.db + "-wal", 0) == 0, written
    assert "in WAL mode from now on" in r.stderr, r.stderr
    # and the database is a WAL database from now on, with no journal file left
    assert header_mode(work) == "wal", header_mode(work)
    assert work.sql("pragma journal_mode") == "wal"
    assert not os.path.exists(work.db + "-journal")
    assert work.sql("pragma integrity_check") == "ok"
    # a second run (every feed 304) writes through the WAL, and nothing twice
    r, written = traced_once(work)
    assert r.returncode == 0, r.stderr
    assert written.get(work.db + "-journal", 0) == 0, written
    assert written.get(work.db + "-wal", 0) > 0, written
    assert len(md_files(work)) == 12, work.files()
    assert work.sql("select count(*) from entries") == "12"


@test
def a_database_made_by_feedsd_add_is_in_wal_mode_from_the_start(server, work):
    # Only `feedsd run` fills a database it creates through the rollback journal: the
    # database of an `add` has its feeds' rows only, and the run after it is a WAL run.
    urls = feeds(server, work)
    work.write_config([], "backlog = all")
    r = subprocess.run([work.feedsd, "add", "-c", work.conf, urls[0]], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert header_mode(work) == "wal", header_mode(work)
    r, written = traced_once(work)
    assert r.returncode == 0, r.stderr
    assert written.get(work.db + "-journal", 0) == 0, written
    assert len(md_files(work)) == 4, work.files()


@test
def the_daemon_turns_its_new_database_to_wal_after_its_first_polls(server, work):
    feeds(server, work)
    p = work.start_daemon("-v")
    try:
        assert wait_for(lambda: len(md_files(work)) == 12, 30), work.daemon_log()
        assert wait_for(lambda: header_mode(work) == "wal", 20), (header_mode(work),
                                                                   work.daemon_log())
        assert "in WAL mode from now on" in work.daemon_log()
        assert not os.path.exists(work.db + "-journal")
    finally:
        p.send_signal(signal.SIGTERM)
        p.wait(timeout=15)
    assert p.returncode == 0, work.daemon_log()
    assert work.sql("pragma integrity_check") == "ok"


@test
def a_reader_during_the_first_load_does_not_wait_and_does_not_end_it(server, work):
    # A group of polls stays open 3 s while a slow feed still comes in: `feedsd status`
    # reads beside it at once, and cannot turn the database to WAL meanwhile (that would
    # wait for the group), so the first load goes on in its journal; the daemon turns the
    # database to WAL once the polls are stored.
    p = harness.daemon_with_a_slow_feed(server, work, "-v")
    try:
        assert wait_for(lambda: "fast.xml: 2 entries" in work.daemon_log(), 30), \
            work.daemon_log()
        t0 = time.time()
        r = subprocess.run([work.feedsd, "status", "-c", work.conf], capture_output=True,
                           text=True, timeout=60)
        assert r.returncode == 0, r.stderr
        assert time.time() - t0 < 2, time.time() - t0
        assert "fast.xml" in r.stdout, r.stdout
        assert header_mode(work) == "rollback", header_mode(work)
        assert wait_for(lambda: len(md_files(work)) == 4, 60), work.daemon_log()
        assert wait_for(lambda: header_mode(work) == "wal", 20), work.daemon_log()
    finally:
        p.send_signal(signal.SIGTERM)
        p.wait(timeout=15)
    assert p.returncode == 0, work.daemon_log()


@test
def kill_9_during_the_first_load_plays_its_journal_back(server, work):
    # Killed while a group of the first load is open, the daemon leaves a hot journal:
    # the next start rolls the group back, polls those feeds again and writes each post
    # once; the database ends in WAL mode.
    feeds(server, work, n=4)
    p = work.start_daemon(env=dict(os.environ, FEEDSD_BATCH_WAIT="60"))
    try:
        assert wait_for(lambda: work.daemon_log().count("entries, ") >= 4, 30), \
            work.daemon_log()
        time.sleep(0.3)
        assert md_files(work) == [], md_files(work)
        assert os.path.getsize(work.db + "-journal") > 0
        p.send_signal(signal.SIGKILL)
        p.wait(timeout=10)
    finally:
        if p.poll() is None:
            p.kill()
    r = work.run_once()
    assert r.returncode == 0, r.stderr
    assert len(md_files(work)) == 16, work.files()
    assert len(work.files()) == 16, work.files()
    assert work.sql("select count(distinct path) from entries") == "16"
    assert work.sql("pragma integrity_check") == "ok"
    assert header_mode(work) == "wal", header_mode(work)
    assert not os.path.exists(work.db + "-journal")


if __name__ == "__main__":
    sys.exit(harness.main(sys.argv[1:]))
