"""The start's look for unfinished files (daemon/claim.c): a killed feedsd can leave a
".<name>.tmp-<pid>" file in the output folder, and a start lists the folder to remove
such files only when a process may have died with some: a writer recorded in the
database that no longer runs (or may not), or a folder not swept during this boot.
After clean exits a start does not read the folder at all.

Run alone: python3 tests/integration/t_sweep.py --feedsd build/feedsd [-k NAME]"""
import os
import re
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Route, simple_atom, test, wait_for  # noqa: E402

BOOT_ID = "/proc/sys/kernel/random/boot_id"


def md_files(work):
    return [f for f in work.files() if f.endswith(".md") and not os.path.basename(f).startswith(".")]


def folder_key(work):
    """The output folder as the database names it: its device and inode."""
    st = os.stat(work.out)
    return "%d:%d" % (st.st_dev, st.st_ino)


def start_time(pid):
    """Field 22 of /proc/PID/stat (proc(5)): after the command's closing parenthesis."""
    with open("/proc/%d/stat" % pid) as f:
        return int(f.read().rsplit(")", 1)[1].split()[19])


def boot_id():
    """This boot's id as the daemon records it (common/proc.h): 32 lower-case hex digits."""
    with open(BOOT_ID) as f:
        return f.read().strip().replace("-", "").lower()


def dead_pid():
    """The pid of a process that has exited (and was reaped)."""
    p = subprocess.Popen(["true"])
    p.wait()
    return p.pid


def leftover(work, pid, name="post", sub=""):
    """A temporary file as output_write_atomic names it, of process pid."""
    folder = os.path.join(work.out, sub)
    os.makedirs(folder, exist_ok=True)
    rel = os.path.join(sub, ".%s.md.tmp-%d" % (name, pid))
    with open(os.path.join(work.out, rel), "w") as f:
        f.write("half a post")
    return rel


def add_writer(work, pid, boot, started):
    work.sql("insert into output_writers (folder, pid, boot_id, started) values ('%s', %d, '%s', %d)"
             % (folder_key(work), pid, boot, started))


def writers(work):
    return sorted(int(p) for p in work.sql("select pid from output_writers").split())


def feeds(server, work, n=3, entries=4, extra="backlog = all"):
    return harness.numbered_feeds(server, work, n, entries, "s", extra)


def run_once(work, *args, env=None):
    r = work.run_once("-v", *args, env=env)
    assert r.returncode == 0, r.stderr[-3000:]
    return r


def swept(r):
    """What the debug line of a start says of the output folder: 'listed: why' or 'not
    listed: why'."""
    m = re.search(r"output folder [^:]*: ((?:not )?listed: [^\n]*)", r.stderr)
    assert m, r.stderr[-3000:]
    return m.group(1)


def env_with(**kw):
    return dict(os.environ, **kw)


@test
def a_start_after_clean_exits_does_not_list_the_output_folder(server, work):
    if not shutil.which("strace"):
        raise AssertionError("strace is not installed (scripts/deps.sh test installs it)")
    feeds(server, work)
    first = run_once(work)
    assert len(md_files(work)) == 12, work.files()
    # A second, warm run (every feed 304) under strace: the output folder is never opened
    # as a folder nor read (getdents64), although it holds 12 files that a listing would show.
    log = os.path.join(work.dir, "strace.log")
    env = harness.without_leak_check()
    cmd = ["strace", "-f", "-y", "-o", log, "-e", "trace=openat,getdents64",
           work.feedsd, "run", "--once", "-v", "-c", work.conf]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env)
    assert r.returncode == 0, r.stderr[-3000:]
    assert all(len(server.requests_for("/s%d.xml" % i)) == 2 for i in range(3))
    with open(log) as f:
        trace = f.read()
    out = os.path.realpath(work.out)
    reads = [l for l in trace.splitlines() if "getdents64(" in l and ("<%s>" % out) in l]
    opens = [l for l in trace.splitlines()
             if "openat(" in l and "O_DIRECTORY" in l and ("<%s>" % out) in l.split("=")[-1]]
    assert not reads and not opens, (reads + opens)[:5]
    assert "getdents64(" in trace or "openat(" in trace      # strace saw the process
    assert len(md_files(work)) == 12
    assert swept(first).startswith("listed: not swept yet during this boot"), swept(first)
    assert swept(r).startswith("not listed"), swept(r)
    assert writers(work) == [], writers(work)       # clean exits forget their rows


@test
def kill_9_while_the_daemon_may_have_temporary_files_sweeps_at_the_next_start(server, work):
    # A clean run first: the folder is clean for this boot, so only the killed daemon's
    # row can make the next start look.
    feeds(server, work)
    run_once(work)
    assert len(md_files(work)) == 12
    for i in range(3):
        server.routes["/s%d.xml" % i] = Route(simple_atom(6, prefix="s%d" % i, title="Feed %d" % i),
                                              etag='"v2"')
    total = 18
    work.sql("update feed_polls set next_poll = 0")      # due again now

    def named():
        r = subprocess.run(["sqlite3", work.db, "select count(*) from entries where path is not"
                            " null and stage = 1"], capture_output=True, text=True)
        return r.stdout.strip() == "6"

    # FEEDSD_WRITE_WAIT holds the new posts' files back: the daemon is between its
    # commit and its files, as when a kill lands mid-write.
    p = work.start_daemon(env=env_with(FEEDSD_WRITE_WAIT="60"))
    try:
        assert wait_for(named, 30), work.daemon_log()
        # its row was committed before its first file (the output folder's probe)
        assert writers(work) == [p.pid], (writers(work), p.pid)
        # what a write cut off by the kill leaves: the daemon's own temporary file
        tmp = leftover(work, p.pid, "2026-01-05-cut-off")
        p.send_signal(signal.SIGKILL)
        p.wait(timeout=10)
    finally:
        if p.poll() is None:
            p.kill()
    assert os.path.exists(os.path.join(work.out, tmp))
    r = run_once(work)
    assert swept(r) == "listed: a writer of it did not exit cleanly", swept(r)
    assert "removed unfinished file %s/%s" % (work.out, tmp) in r.stderr, r.stderr[-3000:]
    assert not os.path.exists(os.path.join(work.out, tmp))
    assert len(md_files(work)) == total and len(work.files()) == total, work.files()
    assert writers(work) == [], writers(work)
    # and the start after that clean run does not look again
    r = run_once(work)
    assert swept(r).startswith("not listed"), swept(r)


@test
def a_dead_writers_files_are_swept_and_a_running_ones_kept(server, work):
    feeds(server, work, n=1, entries=2)
    run_once(work)
    boot = boot_id()
    sleeper = subprocess.Popen(["sleep", "120"])
    try:
        gone = dead_pid()
        add_writer(work, gone, boot, 12345)
        add_writer(work, sleeper.pid, boot, start_time(sleeper.pid))
        dead_files = [leftover(work, gone, "a"), leftover(work, gone, "c", sub="2026/feed")]
        live_file = leftover(work, sleeper.pid, "b")
        r = run_once(work)
        assert swept(r) == "listed: a writer of it did not exit cleanly", swept(r)
        for f in dead_files:
            assert not os.path.exists(os.path.join(work.out, f)), f
            assert "removed unfinished file" in r.stderr
        assert os.path.exists(os.path.join(work.out, live_file))
        # the dead writer is forgotten, the running one kept
        assert writers(work) == [sleeper.pid], writers(work)

        # The running writer alone does not make a start look: its files are its own.
        gone2 = dead_pid()
        unrecorded = leftover(work, gone2, "d")
        r = run_once(work)
        assert swept(r).startswith("not listed"), swept(r)
        assert os.path.exists(os.path.join(work.out, live_file))
        assert os.path.exists(os.path.join(work.out, unrecorded))
        os.unlink(os.path.join(work.out, unrecorded))

        # A row of the sleeper's pid with another start time is a process that ended (the
        # pid was reused): swept, the row forgotten; the file of the running pid stays.
        add_writer(work, sleeper.pid, boot, start_time(sleeper.pid) + 1)
        r = run_once(work)
        assert swept(r) == "listed: a writer of it did not exit cleanly", swept(r)
        assert writers(work) == [sleeper.pid], writers(work)
        assert work.sql("select started from output_writers") == str(start_time(sleeper.pid))
        assert os.path.exists(os.path.join(work.out, live_file))

        # The writer ends without forgetting its row (killed): the next start sweeps.
        sleeper.kill()
        sleeper.wait()
        r = run_once(work)
        assert swept(r) == "listed: a writer of it did not exit cleanly", swept(r)
        assert not os.path.exists(os.path.join(work.out, live_file))
        assert writers(work) == [], writers(work)
        assert sorted(work.files()) == sorted(md_files(work)), work.files()
    finally:
        if sleeper.poll() is None:
            sleeper.kill()
            sleeper.wait()


@test
def another_boot_or_an_unknown_one_sweeps(server, work):
    feeds(server, work, n=1, entries=2)
    ids = os.path.join(work.dir, "boot_id")

    def boot(value):
        with open(ids, "w") as f:
            f.write(value + "\n")
        return env_with(FEEDSD_BOOT_ID_FILE=ids)

    env_a = boot("11111111-2222-4333-8444-555555555555")
    r = run_once(work, env=env_a)
    assert swept(r).startswith("listed: not swept yet"), swept(r)
    # A file no recorded writer accounts for (as after a power loss took back the last
    # commits): the same boot does not look for it...
    tmp = leftover(work, dead_pid())
    r = run_once(work, env=env_a)
    assert swept(r).startswith("not listed"), swept(r)
    assert os.path.exists(os.path.join(work.out, tmp))
    # ...a new boot does.
    env_b = boot("66666666-7777-4888-8999-aaaaaaaaaaaa")
    r = run_once(work, env=env_b)
    assert swept(r) == "listed: not swept yet during this boot", swept(r)
    assert not os.path.exists(os.path.join(work.out, tmp))
    r = run_once(work, env=env_b)
    assert swept(r).startswith("not listed"), swept(r)

    # Without a boot id (systemd's ProcSubset=pid hides /proc/sys), every start looks.
    no_id = env_with(FEEDSD_BOOT_ID_FILE=os.path.join(work.dir, "missing"))
    for _ in range(2):
        tmp = leftover(work, dead_pid())
        r = run_once(work, env=no_id)
        assert swept(r) == "listed: this boot's id cannot be read", swept(r)
        assert not os.path.exists(os.path.join(work.out, tmp))
    # Where /proc/sys is hidden, FEEDSD_BOOT_ID gives the id (the systemd units set it
    # from %b: 32 hex digits); it names the same boot as the kernel's UUID form.
    given_b = env_with(FEEDSD_BOOT_ID_FILE=os.path.join(work.dir, "missing"),
                       FEEDSD_BOOT_ID="66666666777748888999AAAAAAAAAAAA")
    tmp = leftover(work, dead_pid())
    r = run_once(work, env=given_b)
    assert swept(r).startswith("not listed"), swept(r)   # env_b's boot, swept clean above
    assert os.path.exists(os.path.join(work.out, tmp))
    os.unlink(os.path.join(work.out, tmp))
    given_c = env_with(FEEDSD_BOOT_ID_FILE=os.path.join(work.dir, "missing"),
                       FEEDSD_BOOT_ID="not a boot id")
    r = run_once(work, env=given_c)
    assert swept(r) == "listed: this boot's id cannot be read", swept(r)
    # Such a process killed leaves a row without a boot id: the next start looks.
    p = work.start_daemon(env=no_id)
    try:
        assert wait_for(lambda: writers(work) == [p.pid], 30), (writers(work), work.daemon_log())
        tmp = leftover(work, p.pid)
        p.send_signal(signal.SIGKILL)
        p.wait(timeout=10)
    finally:
        if p.poll() is None:
            p.kill()
    assert work.sql("select boot_id from output_writers") == ""
    r = run_once(work, env=env_b)
    assert swept(r) == "listed: a writer of it did not exit cleanly", swept(r)
    assert not os.path.exists(os.path.join(work.out, tmp))
    assert writers(work) == []

    # A database that does not show the folder clean (its row lost): the start looks.
    work.sql("delete from output_clean")
    tmp = leftover(work, dead_pid())
    r = run_once(work, env=env_b)
    assert swept(r) == "listed: not swept yet during this boot", swept(r)
    assert not os.path.exists(os.path.join(work.out, tmp))


@test
def a_reload_to_another_folder_records_it_and_a_stop_forgets_both(server, work):
    urls = feeds(server, work, n=1, entries=2)
    p = work.start_daemon()
    try:
        assert wait_for(lambda: len(md_files(work)) == 2, 30), work.daemon_log()
        first = folder_key(work)
        assert work.sql("select folder, pid from output_writers") == "%s|%d" % (first, p.pid)
        other = os.path.join(work.dir, "other")
        work.write_config(urls, "backlog = all\noutput = %s" % other)
        r = subprocess.run([work.feedsd, "reload", str(p.pid)], capture_output=True, text=True,
                           timeout=30)
        assert r.returncode == 0, r.stderr
        st = os.stat(other)
        rows = work.sql("select folder, pid from output_writers order by folder").splitlines()
        assert sorted(rows) == sorted(["%s|%d" % (first, p.pid),
                                       "%d:%d|%d" % (st.st_dev, st.st_ino, p.pid)]), rows
        p.send_signal(signal.SIGTERM)
        assert p.wait(timeout=15) == 0
    finally:
        if p.poll() is None:
            p.kill()
    assert writers(work) == [], writers(work)


if __name__ == "__main__":
    sys.exit(harness.main(sys.argv[1:]))
