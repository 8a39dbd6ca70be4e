"""Group commit (issue 20, daemon/batch.c): the results of polls that end close together
are stored in one transaction, each feed's in a savepoint; a post's file is written only
after the transaction holding its entry committed. FEEDSD_BATCH_WAIT (feedsd(1)) keeps a
group open long enough for a test to act while it is."""
import os
import re
import signal
import subprocess
import time

from harness import Route, daemon_with_a_slow_feed, numbered_feeds, simple_atom, test, wait_for


def md_files(work):
    return [f for f in work.files() if f.endswith(".md")]


def fd(work, *args):
    return subprocess.run([work.feedsd] + list(args) + ["-c", work.conf], capture_output=True,
                          text=True, timeout=60)


def stored_lines(log):
    """The feeds whose document was stored, from the daemon's log (ingest.c's line)."""
    return re.findall(r"(\S+): \d+ entr(?:y|ies), \d+ new", log)


@test
def a_feed_that_fails_in_the_database_is_rolled_back_alone(server, work):
    # Three feeds in one group; the second holds an entry that the database refuses (a
    # trigger the test adds: an error in the middle of storing a feed, after some of its
    # entries went in). That feed is rolled back alone: the others of the group commit.
    names = ("a", "b", "c")
    for n in names:
        server.routes["/%s.xml" % n] = Route(b"", status=500)
    work.write_config([server.url("/%s.xml" % n) for n in names], "backlog = all")
    r = work.run_once()
    assert r.returncode == 1    # the feeds and the schema exist; nothing stored yet
    work.sql("CREATE TRIGGER poison BEFORE INSERT ON entries WHEN NEW.title = 'poison'"
             " BEGIN SELECT RAISE(ABORT, 'poisoned entry'); END;")
    for n in names:
        server.routes["/%s.xml" % n] = Route(simple_atom(3, prefix=n, title="Feed " + n))
    # b: its first entry stores, the second is refused, the third never comes
    server.routes["/b.xml"] = Route(simple_atom(3, prefix="b", title="Feed b")
                                    .replace("<title>B number 1</title>", "<title>poison</title>"))
    assert "<title>poison</title>" in server.routes["/b.xml"].body.decode()
    env = dict(os.environ, FEEDSD_BATCH_WAIT="10")
    r = work.run_once("-v", env=env)
    assert r.returncode == 1, r.stderr
    assert "stored the results of 3 polls in one transaction" in r.stderr, r.stderr
    assert re.search(r"/b\.xml: database: poisoned entry", r.stderr), r.stderr
    by_feed = dict(l.split("|") for l in work.sql(
        "select f.url, count(e.id) from feeds f left join entries e on e.feed_id = f.id"
        " group by f.id").splitlines())
    assert by_feed == {server.url("/a.xml"): "3", server.url("/b.xml"): "0",
                       server.url("/c.xml"): "3"}, by_feed
    assert work.sql("select count(*) from entry_keys k join feeds f on f.id = k.feed_id"
                    " where f.url like '%/b.xml'") == "0"
    files = md_files(work)
    assert len(files) == 6 and not [f for f in files if "Feed b" in work.read(f)], files
    # b's failure is recorded (in the same group) and its next poll stores it
    assert "poisoned entry" in work.sql("select last_error from feeds join feed_polls"
                                        " on feed_id = id where url like '%/b.xml'")
    work.sql("DROP TRIGGER poison")
    r = work.run_once()
    assert r.returncode == 0, r.stderr
    assert len(md_files(work)) == 9
    assert work.sql("select count(distinct path) from entries") == "9"


@test
def kill_9_while_a_group_is_open_loses_and_writes_nothing_twice(server, work):
    nfeeds, nentries = 6, 4
    urls = []
    for i in range(nfeeds):
        path = "/g%d.xml" % i
        server.routes[path] = Route(simple_atom(nentries, prefix="g%d" % i, title="Feed %d" % i),
                                    etag='"v1"')
        urls.append(server.url(path))
    work.write_config(urls, "backlog = all")
    p = work.start_daemon(env=dict(os.environ, FEEDSD_BATCH_WAIT="60"))
    try:
        # every feed parsed and stored in its savepoint: the group is open, uncommitted
        assert wait_for(lambda: len(stored_lines(work.daemon_log())) == nfeeds, 30), \
            work.daemon_log()
        time.sleep(0.5)
        # nothing of the group is committed, so no file may exist yet
        assert md_files(work) == [], md_files(work)
        assert work.sql("select count(*) from entries") == "0"
        assert work.sql("select count(*) from feeds where etag is not null") == "0"
        p.send_signal(signal.SIGKILL)
        p.wait(timeout=10)
    finally:
        if p.poll() is None:
            p.kill()
    # the next start polls every feed again (no validators were stored) and writes each
    # post once
    r = work.run_once()
    assert r.returncode == 0, r.stderr
    files = md_files(work)
    assert len(files) == nfeeds * nentries, files
    assert len(work.files()) == len(files), work.files()    # no temporary file left
    assert work.sql("select count(*) from entries where stage = 2") == str(nfeeds * nentries)
    assert work.sql("select count(distinct path) from entries") == str(nfeeds * nentries)
    assert all(len(server.requests_for("/g%d.xml" % i)) == 2 for i in range(nfeeds))
    assert work.sql("pragma integrity_check") == "ok"


@test
def kill_9_while_a_group_is_open_keeps_each_feeds_poll_state_with_its_rows(server, work):
    # A second poll of six feeds, three unchanged (304) and three with a new post, in one
    # group that a kill -9 ends before its commit. The poll state of each (feed_polls) is
    # written in the group with the feed's other rows: none of it is kept, so the next
    # start polls every feed again and stores the new posts, each once.
    nfeeds = 6
    urls = []
    for i in range(nfeeds):
        path = "/p%d.xml" % i
        server.routes[path] = Route(simple_atom(2, prefix="p%d" % i, title="Feed %d" % i),
                                    etag='"v1"')
        urls.append(server.url(path))
    work.write_config(urls, "backlog = all")
    assert work.run_once().returncode == 0
    assert len(md_files(work)) == nfeeds * 2
    polls = "select feed_id, last_fetch, last_status, next_poll from feed_polls order by feed_id"
    work.sql("update feed_polls set next_poll = 0")
    first = work.sql(polls)
    changed = range(0, nfeeds, 2)
    for i in changed:
        server.routes["/p%d.xml" % i] = Route(simple_atom(3, prefix="p%d" % i,
                                                          title="Feed %d" % i), etag='"v2"')
    time.sleep(1.1)     # a later last_fetch, were one kept
    p = work.start_daemon(env=dict(os.environ, FEEDSD_BATCH_WAIT="60"))
    try:
        assert wait_for(lambda: len(stored_lines(work.daemon_log())) == len(changed) and
                        all(len(server.requests_for("/p%d.xml" % i)) == 2
                            for i in range(nfeeds)), 30), work.daemon_log()
        time.sleep(0.5)
        assert work.sql(polls) == first     # the group is open: nothing of it committed
        p.send_signal(signal.SIGKILL)
        p.wait(timeout=10)
    finally:
        if p.poll() is None:
            p.kill()
    assert work.sql(polls) == first, (work.sql(polls), first)
    assert work.sql("select count(*) from feeds where etag = '\"v1\"'") == str(nfeeds)
    assert work.sql("select count(*) from entries") == str(nfeeds * 2)
    r = work.run_once()
    assert r.returncode == 0, r.stderr
    assert all(len(server.requests_for("/p%d.xml" % i)) == 3 for i in range(nfeeds))
    files = md_files(work)
    assert len(files) == nfeeds * 2 + len(changed), files
    assert work.sql("select count(distinct path) from entries") == str(len(files))
    assert work.sql("select group_concat(last_status) from (select last_status from feed_polls"
                    " order by feed_id)") == \
        ",".join("200" if i in changed else "304" for i in range(nfeeds))
    assert work.sql("select count(*) from feed_polls where next_poll > last_fetch") == str(nfeeds)
    assert work.sql("pragma integrity_check") == "ok"


@test
def kill_9_after_a_group_named_its_posts_before_their_files(server, work):
    # The group stores each new post's summary and file name with its rows; the files
    # are written only after it committed (FEEDSD_WRITE_WAIT holds them back here). A
    # kill in between: the names are in the database and no file exists; the next start
    # writes each post once, under the name the group gave it.
    nfeeds, nentries = 3, 4
    urls = []
    for i in range(nfeeds):
        path = "/n%d.xml" % i
        server.routes[path] = Route(simple_atom(nentries, prefix="n%d" % i, title="Feed %d" % i),
                                    etag='"v1"')
        urls.append(server.url(path))
    work.write_config(urls, "backlog = all")
    total = nfeeds * nentries
    def named_and_summarized():
        # what is committed (the sqlite3 command reads nothing else); the schema may not
        # exist yet
        r = subprocess.run(["sqlite3", work.db, "select count(*) from entries where path is"
                            " not null and summary is not null and stage = 1"],
                           capture_output=True, text=True)
        return r.stdout.strip() == str(total)

    p = work.start_daemon(env=dict(os.environ, FEEDSD_WRITE_WAIT="60"))
    try:
        assert wait_for(named_and_summarized, 30), work.daemon_log()
        time.sleep(0.5)
        assert md_files(work) == [], md_files(work)
        named = work.sql("select path from entries order by path").splitlines()
        p.send_signal(signal.SIGKILL)
        p.wait(timeout=10)
    finally:
        if p.poll() is None:
            p.kill()
    r = work.run_once()
    assert r.returncode == 0, r.stderr
    assert sorted(md_files(work)) == named, (md_files(work), named)
    assert len(work.files()) == total, work.files()     # no temporary file left
    assert work.sql("select count(*) from entries where stage = 2") == str(total)
    # the feeds were stored with their validators: the second start only wrote the files
    assert all(len(server.requests_for("/n%d.xml" % i)) == 2 for i in range(nfeeds))
    assert work.sql("select count(*) from feeds where etag is not null") == str(nfeeds)
    assert work.sql("pragma integrity_check") == "ok"


@test
def commands_work_while_a_group_holds_the_write_lock(server, work):
    # A group stays open 3 s while a slow feed is still being fetched: `feedsd status`
    # and `list` read beside it, and `feedsd add` waits for the commit (the busy timeout)
    # instead of failing. The posts then follow the commit.
    server.routes["/new.xml"] = Route(simple_atom(1, prefix="new"))
    p = daemon_with_a_slow_feed(server, work)
    try:
        assert wait_for(lambda: stored_lines(work.daemon_log())
                        and server.requests_for("/slow.xml"), 30), work.daemon_log()
        for cmd in (("status",), ("list",)):
            t0 = time.time()
            r = fd(work, *cmd)
            assert r.returncode == 0, (cmd, r.stderr)
            assert time.time() - t0 < 2, cmd     # readers do not wait for the group
            assert "fast.xml" in r.stdout, r.stdout
        r = fd(work, "add", server.url("/new.xml"))
        assert r.returncode == 0, r.stderr
        assert server.url("/new.xml") in work.sql("select url from feeds")
        assert wait_for(lambda: len(md_files(work)) == 4, 60), work.daemon_log()
    finally:
        p.send_signal(signal.SIGTERM)
        p.wait(timeout=15)


@test
def a_once_run_writes_when_no_transfer_is_left_instead_of_waiting(server, work):
    # The posts of feeds that finish close together are written together, after a
    # coalescing wait (FEEDSD_WRITE_WAIT, 60 s here). A --once run with no transfer left
    # has no other feed to wait for: it writes and ends at once, cold and warm.
    numbered_feeds(server, work, n=3, entries=2, prefix="w")
    env = dict(os.environ, FEEDSD_WRITE_WAIT="60")
    for run in ("cold", "warm"):
        r = work.run_once(timeout=30, env=env)
        assert r.returncode == 0, (run, r.stderr)
        assert len(md_files(work)) == 6, (run, work.files())
    assert all(len(server.requests_for("/w%d.xml" % i)) == 2 for i in range(3))
