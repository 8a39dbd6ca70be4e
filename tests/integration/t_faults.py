"""Faults (issue 6, "Faults and hostile input"): feedsd killed at random instants while
it polls, summarizes and writes; a full disk under the output folder (new files and
rewrites) and under the database; a read-only output folder; the output folder deleted
under a running daemon; the database locked by another process. Each test checks that
the error is clear and that nothing is lost or written twice.

The disk and read-only tests need mount(2) (root in a sandbox that allows tmpfs, loop or
bind mounts); without it they print SKIP and pass. Hostile feeds are in t_hostile.py.
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
    """200 feeds x 3 entries (~5 KB each), a slow model and summary_max_wait 0: each post
    first gets a file with the fallback summary, rewritten when the model answers. The
    daemon is killed 15 times at random instants during polls, file writes and rewrites;
    a last `run --once` with a fast model must leave exactly one complete file per entry,
    each with the model's summary."""
    nfeeds, nentries = 200, 3
    total = nfeeds * nentries
    urls = []
    for i in range(nfeeds):
        path = "/f%d.xml" % i
        # ~9 KB per feed in 256-byte chunks 10 ms apart: a poll of the 200 feeds takes
        # several seconds at 8 at a time however fast the disk, so kills land in transfers
        # and parses as well as in commits and file writes (~5 KB files: a kill now and
        # then leaves a temporary file for the next start to sweep).
        server.routes[path] = Route(simple_atom(nentries, prefix="feed%d" % i, title="Feed %d" % i,
                                                words=400), chunk_delay=0.01, chunk_size=256)
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
        partial = mid_summary = complete = mid_write = 0
        for round_ in range(15):
            p = work.start_daemon()
            time.sleep(rng.uniform(0.2, 2.0))
            p.kill()
            p.wait()
            mid_write += bool(temp_files(work))     # swept by the next start
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
        print("    crash: of 15 kills, %d left part of the files, %d all of them, %d a temporary "
              "file; %d landed between fallback and model summaries; %d model requests"
              % (partial, complete, mid_write, mid_summary, len(llm.requests)), flush=True)
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


# ---------------------------------------------------------------- small and read-only disks

def run_quiet(*cmd):
    return subprocess.run(list(cmd), capture_output=True, text=True)


def unmount(path):
    if run_quiet("umount", path).returncode != 0:
        run_quiet("umount", "-l", path)


def mount_small_fs(work, mnt, kib):
    """A file system of about kib KiB at mnt: tmpfs, else an ext4 loop file. Returns the
    mechanism's name, or None when this sandbox allows neither (the caller skips).
    RLIMIT_FSIZE (prlimit --fsize) is no substitute: it limits the database file as well,
    and its SIGXFSZ kills feedsd instead of failing the write."""
    os.makedirs(mnt, exist_ok=True)
    if run_quiet("mount", "-t", "tmpfs", "-o", "size=%dk,mode=0755" % kib, "tmpfs", mnt).returncode == 0:
        return "tmpfs"
    img = os.path.join(work.dir, "disk.img")
    if (run_quiet("dd", "if=/dev/zero", "of=" + img, "bs=1024", "count=%d" % max(kib, 1024)).returncode == 0
            and run_quiet("mkfs.ext4", "-q", "-F", "-m", "0", img).returncode == 0
            and run_quiet("mount", "-o", "loop", img, mnt).returncode == 0):
        return "ext4 loop file"
    return None


def fill(path, leave):
    """Fills the file system of path with one file, then gives `leave` bytes back."""
    with open(path, "wb", buffering=0) as f:
        try:
            while True:
                f.write(b"\0" * 4096)
                f.flush()
        except OSError:
            pass
    with open(path, "r+b") as f:
        size = os.fstat(f.fileno()).st_size
        f.truncate(max(0, size - leave))


def first_line_with(text, word):
    return [l for l in text.splitlines() if word in l][0]


def unwritten(work):
    return db_rows(work, "select path from entries where stage < 2")


@test
def disk_full_writes_the_missing_files_once_space_returns(server, work):
    mnt = os.path.join(work.dir, "disk")
    how = mount_small_fs(work, mnt, 256)
    if not how:
        print("    SKIP disk full: neither a tmpfs nor a loop mount is allowed here", flush=True)
        return
    print("    disk full: output on a 256 KiB %s" % how, flush=True)
    try:
        work.out = os.path.join(mnt, "out")
        server.routes["/a.xml"] = Route(simple_atom(10, words=400), etag='"1"')
        work.write_config([server.url("/a.xml")], "backlog = all")
        # Room for a few of the ten ~5 KB files, not for all of them.
        filler = os.path.join(mnt, "filler")
        os.makedirs(work.out)
        fill(filler, 12 * 1024)
        r = work.run_once()
        assert r.returncode == 1, (r.returncode, r.stderr)
        assert "No space left on device" in r.stderr, r.stderr
        print("    disk full: " + first_line_with(r.stderr, "No space"), flush=True)
        missing = [p for (p,) in unwritten(work)]
        assert missing, "every file fit: the disk was not full"
        # Each failure names its file (the temporary name embeds the post's file name).
        for p in missing:
            assert p is not None and os.path.basename(p) in r.stderr, (p, r.stderr)
        # The database says exactly what is on disk; nothing half-written is left.
        done = check_files_match_db(work)
        print("    disk full: %d written, %d refused" % (len(done), len(missing)), flush=True)
        before = work.snapshot()

        os.unlink(filler)
        r = work.run_once()
        assert r.returncode == 0, r.stderr
        check_files_match_db(work, total=10)
        after = work.snapshot()
        # The files written before are untouched; the missing ones appear once each.
        assert all(after[p] == before[p] for p in before), "a written file was rewritten"
        assert sorted(set(after) - set(before)) == sorted(missing), sorted(set(after) - set(before))
        # The second run got 304 (the entries were stored by the first): the files came
        # from the database, not from a second download.
        assert len(server.requests_for("/a.xml")) == 2
    finally:
        unmount(mnt)


@test
def disk_full_during_rewrites_keeps_the_old_files_whole(server, work):
    """Edited posts rewrite their files; with the disk full the new text cannot be
    written, and each old file must stay complete (the rename never happens) until space
    returns."""
    mnt = os.path.join(work.dir, "disk")
    how = mount_small_fs(work, mnt, 256)
    if not how:
        print("    SKIP disk full: neither a tmpfs nor a loop mount is allowed here", flush=True)
        return
    try:
        work.out = os.path.join(mnt, "out")
        server.routes["/a.xml"] = Route(simple_atom(4, words=400), etag='"1"')
        work.write_config([server.url("/a.xml")], "backlog = all")
        assert work.run_once().returncode == 0
        before = work.snapshot()
        assert len(before) == 4
        edited = simple_atom(4, words=400).replace("Another remark", "A revised remark")
        server.routes["/a.xml"] = Route(edited, etag='"2"')
        filler = os.path.join(mnt, "filler")
        fill(filler, 0)
        r = work.run_once()
        assert r.returncode == 1, (r.returncode, r.stderr)
        assert "No space left on device" in r.stderr, r.stderr
        assert work.snapshot() == before, "an old file changed while the disk was full"
        assert not temp_files(work), temp_files(work)
        assert len(unwritten(work)) == 4, unwritten(work)
        assert work.sql("pragma integrity_check") == "ok"
        os.unlink(filler)
        r = work.run_once()
        assert r.returncode == 0, r.stderr
        texts = check_files_match_db(work, total=4)
        assert set(texts) == set(before)
        assert all("A revised remark" in t for t in texts.values())
    finally:
        unmount(mnt)


@test
def database_on_a_full_disk_fails_the_poll_and_recovers(server, work):
    """The database's own file system fills up while a poll stores 60 posts: the poll
    fails as a whole (its ETag with it), the database stays sound, and the next run after
    space returns stores and writes everything."""
    mnt = os.path.join(work.dir, "disk")
    how = mount_small_fs(work, mnt, 4096)
    if not how:
        print("    SKIP database disk full: neither a tmpfs nor a loop mount is allowed here", flush=True)
        return
    try:
        work.db = os.path.join(mnt, "feedsd.db")
        server.routes["/a.xml"] = Route(simple_atom(2, words=400), etag='"1"')
        work.write_config([server.url("/a.xml")], "backlog = all")
        assert work.run_once().returncode == 0
        server.routes["/a.xml"] = Route(simple_atom(60, words=400), etag='"2"')
        filler = os.path.join(mnt, "filler")
        fill(filler, 48 * 1024)     # room to open the database, not for 60 posts
        r = work.run_once()
        assert r.returncode == 1, (r.returncode, r.stderr)
        line = [l for l in r.stderr.splitlines() if "/a.xml" in l and "disk is full" in l]
        assert line, r.stderr
        print("    database full: " + line[0], flush=True)
        assert db_rows(work, "select count(*) from entries") == [(2,)]
        check_files_match_db(work, total=2)
        os.unlink(filler)
        r = work.run_once()
        assert r.returncode == 0, r.stderr
        # The failed poll's ETag was not kept: the whole feed came again.
        assert server.requests_for("/a.xml")[-1].get("if-none-match") == '"1"'
        check_files_match_db(work, total=60)
    finally:
        unmount(mnt)


def mount_thin_fs(work, mnt):
    """An ext4 file system of 64 MiB at mnt whose blocks live in a sparse file on a small
    tmpfs: like thin-provisioned storage, it accepts writes into the page cache and fails
    them at write-back (EIO) once the tmpfs is full. Returns (tmpfs folder, image), or
    None when this sandbox cannot mount."""
    backing = os.path.join(work.dir, "backing")
    os.makedirs(backing, exist_ok=True)
    os.makedirs(mnt, exist_ok=True)
    if run_quiet("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", backing).returncode != 0:
        return None
    img = os.path.join(backing, "disk.img")
    with open(img, "wb") as f:
        f.truncate(64 << 20)
    if (run_quiet("mkfs.ext4", "-q", "-F", "-m", "0", "-E",
                  "nodiscard,lazy_itable_init=1,lazy_journal_init=1", img).returncode == 0
            and run_quiet("mount", "-o", "loop", img, mnt).returncode == 0):
        return backing, img
    unmount(backing)
    return None


def strace_flushes(work, out):
    """Runs `feedsd run --once` under strace; returns (the run, syncfs calls, fdatasyncs
    of files under out, and every syncfs and rename under out in the order made)."""
    log = os.path.join(work.dir, "strace.log")
    env = harness.without_leak_check()
    r = subprocess.run(["strace", "-f", "-y", "-o", log, "-e",
                        "trace=syncfs,fdatasync,fsync,rename,renameat,renameat2",
                        work.feedsd, "run", "--once", "-c", work.conf],
                       capture_output=True, text=True, timeout=120, env=env)
    with open(log) as f:
        calls = [l for l in f if "(" in l and "resumed" not in l]
    syncfs = [l for l in calls if "syncfs(" in l]
    datasyncs = [l for l in calls if "fdatasync(" in l and out in l]
    order = [l for l in calls if "syncfs(" in l or ("rename" in l and out in l)]
    return r, syncfs, datasyncs, order


@test
def a_batch_of_posts_is_flushed_once_and_a_single_post_alone(server, work):
    """Durability costs one syncfs(2) for a batch of files, not an fdatasync each, and
    comes before the renames; a single new post keeps the flushes of its own file (it
    should not wait for other programs' unwritten data). Seen through strace, since a
    power cut cannot be staged."""
    if shutil.which("strace") is None:
        print("    SKIP flush batching: strace is not installed", flush=True)
        return
    server.routes["/a.xml"] = Route(simple_atom(10, words=100), etag='"1"')
    work.write_config([server.url("/a.xml")], "backlog = all")
    os.makedirs(work.out)
    r, syncfs, datasyncs, order = strace_flushes(work, work.out)
    if r.returncode != 0 and not syncfs and not datasyncs:
        print("    SKIP flush batching: strace cannot trace here", flush=True)
        return
    assert r.returncode == 0, r.stderr
    check_files_match_db(work, total=10)
    assert len(syncfs) == 1 and not datasyncs, (syncfs, datasyncs)
    # Every file's data is on the disk before it takes its name: a power cut leaves no
    # torn file at a post's name.
    assert "syncfs(" in order[0] and len(order) == 11, order
    print("    10 posts: %d syncfs, %d fdatasync in the output folder" % (len(syncfs), len(datasyncs)),
          flush=True)
    server.routes["/a.xml"] = Route(simple_atom(11, words=100), etag='"2"')
    r, syncfs, datasyncs, order = strace_flushes(work, work.out)
    assert r.returncode == 0, r.stderr
    check_files_match_db(work, total=11)
    assert not syncfs and len(datasyncs) == 1, (syncfs, datasyncs)


@test
def posts_of_feeds_polled_together_are_flushed_together(server, work):
    """Eight feeds with two new posts each, polled at once: their posts are written
    together (the daemon waits a quarter second for feeds that finish close together),
    so the flushes number fewer than the feeds, where writing feed by feed costs two
    fdatasyncs each (a batch below four files flushes file by file). Every post is
    written once."""
    if shutil.which("strace") is None:
        print("    SKIP flush coalescing: strace is not installed", flush=True)
        return
    urls = []
    for k in range(8):
        server.routes["/f%d.xml" % k] = Route(simple_atom(2, prefix="feed%d" % k, words=60),
                                               etag='"%d"' % k)
        urls.append(server.url("/f%d.xml" % k))
    work.write_config(urls, "backlog = all")
    os.makedirs(work.out)
    r, syncfs, datasyncs, order = strace_flushes(work, work.out)
    if r.returncode != 0 and not syncfs and not datasyncs:
        print("    SKIP flush coalescing: strace cannot trace here", flush=True)
        return
    assert r.returncode == 0, r.stderr
    check_files_match_db(work, total=16)
    flushes = len(syncfs) + len(datasyncs)
    assert syncfs and flushes < 8, (syncfs, datasyncs)
    # Still every file's data on the disk before its name
    assert "syncfs(" in order[0], order
    print("    16 posts of 8 feeds: %d syncfs, %d fdatasync in the output folder"
          % (len(syncfs), len(datasyncs)), flush=True)


@test
def write_back_error_marks_nothing_and_the_files_come_back(server, work):
    """The output's storage fails when the batch is flushed (thin provisioning run out):
    syncfs reports EIO, no post of the batch is marked written, and after the storage is
    repaired (more space, e2fsck) the next run writes each of them once."""
    mnt = os.path.join(work.dir, "disk")
    thin = mount_thin_fs(work, mnt)
    if not thin:
        print("    SKIP write-back error: this sandbox cannot mount a tmpfs and a loop file", flush=True)
        return
    backing, img = thin
    try:
        work.out = os.path.join(mnt, "out")
        os.makedirs(work.out)
        os.sync()
        fill(os.path.join(backing, "filler"), 0)
        server.routes["/a.xml"] = Route(simple_atom(10, words=400), etag='"1"')
        work.write_config([server.url("/a.xml")], "backlog = all")
        r = work.run_once()
        assert r.returncode == 1, (r.returncode, r.stderr)
        # The loop device reports the failed writes as EIO or ENOSPC, depending on where
        # they failed; when ext4's journal met the failure first, the file system has
        # remounted itself read-only (errors=remount-ro) and syncfs says EROFS (seen
        # with the machine loaded by a second test run).
        line = first_line_with(r.stderr, "cannot flush the file system of")
        assert any(e in line for e in ("Input/output error", "No space left on device",
                                       "Read-only file system")), line
        assert "10 posts not written" in line, line
        print("    write-back error: " + line, flush=True)
        assert db_rows(work, "select count(*) from entries where stage = 2") == [(0,)]
        assert len(unwritten(work)) == 10
        # Nothing took a post's name: a name only ever holds text that reached the disk.
        assert md_files(work) == [], md_files(work)

        # The repair an administrator would make: room for the image, then a check.
        unmount(mnt)
        os.unlink(os.path.join(backing, "filler"))
        assert run_quiet("mount", "-o", "remount,size=96m", backing).returncode == 0
        fsck = run_quiet("e2fsck", "-fy", img)
        assert fsck.returncode in (0, 1), (fsck.returncode, fsck.stdout)
        assert run_quiet("mount", "-o", "loop", img, mnt).returncode == 0
        os.makedirs(work.out, exist_ok=True)
        r = work.run_once()
        assert r.returncode == 0, r.stderr
        check_files_match_db(work, total=10)
        # The files came from the database: the second run got 304.
        assert len(server.requests_for("/a.xml")) == 2
    finally:
        unmount(mnt)
        unmount(backing)


@test
def read_only_output_folder_is_a_clear_error_and_loses_nothing(server, work):
    """Issue 15: an output folder feedsd cannot write in is found at start, before any
    feed is fetched: one line naming the folder and exit 2 (a set-up error, as the man
    page says), not one line per post and exit 1."""
    os.makedirs(work.out)
    if run_quiet("mount", "--bind", "-o", "ro", work.out, work.out).returncode != 0 or \
            not os.statvfs(work.out).f_flag & os.ST_RDONLY:
        # chmod 0555 means nothing to root, which these tests run as.
        unmount(work.out)
        print("    SKIP read-only folder: no read-only bind mount here", flush=True)
        return
    try:
        server.routes["/a.xml"] = Route(simple_atom(3))
        work.write_config([server.url("/a.xml")], "backlog = all")
        r = work.run_once()
        assert r.returncode == 2, (r.returncode, r.stderr)
        assert r.stderr == "feedsd: output folder %s: cannot create files in it: " \
                           "Read-only file system\n" % work.out, r.stderr
        print("    read-only: " + r.stderr.strip(), flush=True)
        assert not server.requests_for("/a.xml"), "fetched before the folder was checked"
        assert work.files() == []
        # The daemon likewise, before READY=1.
        p = work.start_daemon()
        assert p.wait(timeout=30) == 2, work.daemon_log()
        assert work.daemon_log().count("output folder") == 1, work.daemon_log()
    finally:
        unmount(work.out)
    r = work.run_once()
    assert r.returncode == 0, r.stderr
    check_files_match_db(work, total=3)


# ---------------------------------------------------------------- output folder deleted

@test
def output_folder_deleted_under_a_running_daemon(server, work):
    server.routes["/a.xml"] = Route(simple_atom(2))
    server.routes["/b.xml"] = Route(simple_atom(1, prefix="bee"))
    server.routes["/c.xml"] = Route(simple_atom(1, prefix="sea"))
    extra = "backlog = all\ninterval = 60s"
    work.write_config([server.url("/a.xml")], extra)
    p = work.start_daemon()
    try:
        assert wait_for(lambda: len(md_files(work)) == 2, 15), work.daemon_log()
        shutil.rmtree(work.out)
        # A reload brings a new feed: its file goes into a recreated folder.
        work.write_config([server.url("/a.xml"), server.url("/b.xml")], extra)
        p.send_signal(signal.SIGHUP)
        assert wait_for(lambda: any("bee" in f for f in md_files(work)), 15), work.daemon_log()
        assert p.poll() is None
        assert [f for f in md_files(work) if "bee" in f] == ["2026-01-01-bee-number-0.md"]
        assert "output folder %s was missing: created it again" % work.out in work.daemon_log(), \
            work.daemon_log()
        # Worse: a plain file where the folder was. A clear error, the daemon lives on.
        shutil.rmtree(work.out)
        with open(work.out, "w") as f:
            f.write("not a folder\n")
        work.write_config([server.url("/a.xml"), server.url("/b.xml"), server.url("/c.xml")], extra)
        p.send_signal(signal.SIGHUP)
        assert wait_for(lambda: "cannot create folder %s: Not a directory" % work.out
                        in work.daemon_log(), 15), work.daemon_log()
        time.sleep(0.3)
        assert p.poll() is None, work.daemon_log()
    finally:
        p.send_signal(signal.SIGTERM)
        rc = p.wait(timeout=15)
    assert rc == 0, (rc, work.daemon_log()[-3000:])
    # The post that could not be written is not lost: the next start writes it.
    os.unlink(work.out)
    r = work.run_once()
    assert r.returncode == 0, r.stderr
    assert "2026-01-01-sea-number-0.md" in md_files(work), md_files(work)
    # Only what was written since the deletions is there; no entry has two files.
    assert len(db_rows(work, "select id from entries where stage = 2")) == 4
    assert not temp_files(work)


# ---------------------------------------------------------------- database locked

class Locker:
    """Another process's write lock on the database: BEGIN EXCLUSIVE held for `hold`
    seconds in a thread (Python's sqlite3 is a separate connection with its own locks,
    exactly like a second process)."""

    def __init__(self, path, hold):
        self.con = sqlite3.connect(path, isolation_level=None, timeout=30, check_same_thread=False)
        self.con.execute("BEGIN EXCLUSIVE")
        self.since = time.time()
        self.thread = threading.Thread(target=self.release_after, args=(hold,), daemon=True)
        self.thread.start()

    def release_after(self, hold):
        time.sleep(hold)
        self.con.execute("COMMIT")
        self.con.close()
        self.released = time.time()

    def join(self):
        self.thread.join()


@test
def database_locked_briefly_feedsd_waits_and_succeeds(server, work):
    server.routes["/a.xml"] = Route(simple_atom(2), etag='"1"')
    work.write_config([server.url("/a.xml")], "backlog = all")
    assert work.run_once().returncode == 0
    server.routes["/a.xml"] = Route(simple_atom(4), etag='"2"')
    lock = Locker(work.db, 3.0)
    t0 = time.time()
    r = work.run_once()
    took = time.time() - t0
    lock.join()
    assert r.returncode == 0, r.stderr
    # It waited for the lock (busy timeout 10 s) instead of failing.
    assert took >= 2.5, took
    assert "locked" not in r.stderr, r.stderr
    check_files_match_db(work, total=4)


@test
def database_locked_too_long_is_a_clear_error_and_loses_nothing(server, work):
    """A lock held past feedsd's 10 s busy timeout while a poll's answer arrives: the poll
    fails with a clear error and the daemon lives on; its ETag was not stored with the
    failed transaction, so a later poll gets the entries again (a stored ETag would make
    the server answer 304 and the posts would be lost for good)."""
    server.routes["/a.xml"] = Route(simple_atom(1), etag='"a1"')
    server.routes["/b.xml"] = Route(simple_atom(3, prefix="bee"), etag='"b1"')
    server.routes["/c.xml"] = Route(simple_atom(1, prefix="sea"))
    work.write_config([server.url("/a.xml")], "backlog = all\ninterval = 60s")
    assert work.run_once().returncode == 0
    # The daemon starts with b.xml new; its answer comes 1.5 s later, into the lock.
    server.routes["/b.xml"].delay = 1.5
    work.write_config([server.url("/a.xml"), server.url("/b.xml")], "backlog = all\ninterval = 60s")
    lock = None
    p = work.start_daemon()
    try:
        # The start line comes after the daemon's own start-up writes.
        assert wait_for(lambda: "feeds, database" in work.daemon_log(), 10), work.daemon_log()
        lock = Locker(work.db, 12.0)
        assert wait_for(lambda: len(server.requests_for("/b.xml")) == 1, 10)
        # The poll's failure names the feed and the cause (db.c also logs the bare
        # SQLite message on the line before).
        def failure_lines():
            return [l for l in work.daemon_log().splitlines()
                    if "/b.xml" in l and "database is locked" in l]
        assert wait_for(failure_lines, 20), work.daemon_log()
        print("    locked: " + failure_lines()[0], flush=True)
        lock.join()
        assert p.poll() is None, work.daemon_log()
        assert not [f for f in md_files(work) if "bee" in f]
        # The failed transaction took the ETag with it.
        assert db_rows(work, "select etag from feeds where url = ?", (server.url("/b.xml"),)) == [(None,)]
        # Once the lock is gone the daemon works on: a feed added by reload is written.
        work.write_config([server.url("/a.xml"), server.url("/b.xml"), server.url("/c.xml")],
                          "backlog = all\ninterval = 60s")
        p.send_signal(signal.SIGHUP)
        assert wait_for(lambda: any("sea" in f for f in md_files(work)), 15), work.daemon_log()
    finally:
        if lock:
            lock.join()
        p.send_signal(signal.SIGTERM)
        rc = p.wait(timeout=15)
    assert rc == 0, (rc, work.daemon_log()[-3000:])
    # A later poll stores and writes the three posts (the daemon's own retry comes after
    # its backoff of at least 54 s, too long for this test: run --once polls at once).
    r = work.run_once()
    assert r.returncode == 0, r.stderr
    assert "if-none-match" not in server.requests_for("/b.xml")[-1]
    assert len([f for f in md_files(work) if "bee" in f]) == 3, md_files(work)
    check_files_match_db(work, total=5)


if __name__ == "__main__":
    sys.exit(harness.main(sys.argv[1:]))
