"""Operating feedsd (issue 5): the metrics endpoint and retention; issue 14, item 7: the
deep database check, the API key file's permissions, the entry cap of a document, and
metrics scrapes past idle connections."""
import os
import re
import socket
import sqlite3
import subprocess
import time
import urllib.error
import urllib.request

from harness import Route, simple_atom, test, wait_for


def fd(work, *args):
    return subprocess.run([work.feedsd] + list(args) + ["-c", work.conf], capture_output=True,
                          text=True, timeout=60)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@test
def metrics_endpoint_speaks_prometheus_text(server, work):
    server.routes["/a.xml"] = Route(simple_atom(3), etag='"x"')
    port = free_port()
    work.write_config([server.url("/a.xml")], "backlog = all\nmetrics = 127.0.0.1:%d" % port)
    p = work.start_daemon()
    try:
        assert wait_for(lambda: len([f for f in work.files() if f.endswith(".md")]) == 3, 15), work.daemon_log()
        with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=5) as r:
            assert r.status == 200
            assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4")
            text = r.read().decode()
        lines = dict(l.rsplit(" ", 1) for l in text.splitlines() if l and not l.startswith("#"))
        assert lines['feedsd_fetches_total{result="ok"}'] == "1", text
        assert lines["feedsd_files_written_total"] == "3", text
        assert lines['feedsd_feeds{state="ok"}'] == "1", text
        assert float(lines["feedsd_fetch_duration_seconds_sum"]) > 0, text
        assert "# TYPE feedsd_summary_queue_depth gauge" in text
        try:
            urllib.request.urlopen("http://127.0.0.1:%d/" % port, timeout=5)
            assert False, "expected 404"
        except urllib.error.HTTPError as e:
            assert e.code == 404
        # A client that connects and says nothing does not hold the loop up.
        idle = socket.create_connection(("127.0.0.1", port))
        with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=5) as r:
            assert r.status == 200
        idle.close()
    finally:
        p.terminate()
        p.wait(timeout=15)


@test
def retention_prunes_rows_but_keys_keep_posts_from_coming_back(server, work):
    server.routes["/a.xml"] = Route(simple_atom(3))
    work.write_config([server.url("/a.xml")], "backlog = all\nretention = 30d")
    assert work.run_once().returncode == 0
    assert work.sql("select count(*) from entries") == "3"
    # Age two entries past the retention period.
    work.sql("update entries set first_seen = first_seen - 40*86400 where title != 'Post number 2'")
    server.routes["/a.xml"] = Route(simple_atom(3) + " ")   # the same posts again
    files_before = sorted(work.files())
    assert work.run_once().returncode == 0
    assert work.sql("select count(*) from entries") == "1"
    assert work.sql("select count(*) from entry_keys") != "1"
    assert sorted(work.files()) == files_before              # nothing came back as new


@test
def check_deep_finds_damage_the_normal_check_does_not_read(server, work):
    """Issue 14, item 7a: `feedsd check` reads the feeds table; damage in a page it never
    visits (here the posts' stored content) passed as healthy. --deep reads every page."""
    server.routes["/a.xml"] = Route(simple_atom(30, words=400))
    work.write_config([server.url("/a.xml")], "backlog = all")
    assert work.run_once().returncode == 0
    r = fd(work, "check", "--deep")
    assert r.returncode == 0, r
    assert re.fullmatch(r"ok: 1 feed, last fetch \S+ ago, database intact \(PRAGMA quick_check\)\n",
                        r.stdout), r.stdout
    # Damage one leaf page of entry_content on purpose (the WAL is checkpointed first, so
    # the page lives in the main file).
    con = sqlite3.connect(work.db)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page_size = con.execute("PRAGMA page_size").fetchone()[0]
    pages = [p for (p,) in con.execute("SELECT pageno FROM dbstat WHERE name = 'entry_content'"
                                       " AND pagetype = 'leaf' ORDER BY pageno")]
    con.close()
    assert len(pages) >= 3, pages
    with open(work.db, "r+b") as f:
        f.seek((pages[1] - 1) * page_size)
        f.write(b"\xff" * 16)              # the b-tree page header: no valid page type
    con = sqlite3.connect(work.db)
    try:                                    # really damaged: SQLite says so, or stops
        verdict = con.execute("PRAGMA quick_check").fetchone()[0]
    except sqlite3.DatabaseError as e:
        verdict = str(e)
    con.close()
    assert verdict != "ok", verdict
    # The normal check does not see it: this is what --deep is for.
    r = fd(work, "check")
    assert r.returncode == 0 and r.stdout.startswith("ok: 1 feed"), r
    r = fd(work, "check", "--deep")
    assert r.returncode == 1 and r.stdout == "", r
    lines = r.stderr.splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("database %s is damaged: " % work.db), lines
    assert "found by PRAGMA quick_check" in lines[0] and ".recover" in lines[0], lines
    print("    " + lines[0])


@test
def api_key_file_readable_by_others_is_warned(server, work):
    """Issue 14, item 7b: an API key file that other users can read gets a warning at
    start naming the file and the fix; the usual modes (0600, 0640 for our own group) do
    not."""
    server.routes["/a.xml"] = Route(simple_atom(0))
    key = os.path.join(work.dir, "openai.key")
    with open(key, "w") as f:
        f.write("sk-test\n")
    work.write_config([server.url("/a.xml")],
                      "summarizer = openai\nopenai_model = m\nopenai_url = http://127.0.0.1:9/v1\n"
                      "openai_api_key_file = %s" % key)

    def warnings():
        r = work.run_once()
        assert r.returncode == 0, r
        return [l for l in r.stderr.splitlines() if "openai_api_key_file" in l]

    os.chmod(key, 0o644)
    w = warnings()
    assert len(w) == 1, w
    assert re.search(r"\[warning\]: openai_api_key_file %s can be read by every user \(mode 0644\):"
                     r" run 'chmod 600 %s'$" % (re.escape(key), re.escape(key)), w[0]), w
    os.chmod(key, 0o600)
    assert warnings() == []
    os.chmod(key, 0o640)              # its group is ours: how a key is shared with a service
    assert warnings() == []
    if os.geteuid() == 0:
        os.chown(key, -1, 65534)      # a group feedsd is not in: other users
        w = warnings()
        assert len(w) == 1 and "can be read by other users of its group (mode 0640)" in w[0], w


def many_items(n, extra=""):
    items = "".join("<item><guid>g%d</guid><title>t%d</title></item>" % (i, i) for i in range(n))
    return ("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Big</title>"
            "<link>http://example.org/</link>%s%s</channel></rss>" % (items, extra))


@test
def entry_cap_is_logged_once_per_feed(server, work):
    """Issue 14, item 7c: feedsd keeps the first 100000 entries of a document; a feed over
    that is said once (not once per dropped entry), with its URL. Both ways of storing a
    body: spooled to a file (it is 5 MB) and in memory."""
    server.routes["/big.xml"] = Route(many_items(100003))
    server.routes["/small.xml"] = Route(simple_atom(2))
    work.write_config([server.url("/big.xml"), server.url("/small.xml")])
    for spool_mem in (None, "0"):
        env = dict(os.environ)
        if spool_mem is not None:
            env["FEEDSD_SPOOL_MEM"] = spool_mem
            server.routes["/big.xml"] = Route(many_items(100003, "<!-- changed -->"))
        r = work.run_once(env=env)
        assert r.returncode == 0, r
        lines = [l for l in r.stderr.splitlines() if "entries" in l]
        assert len(lines) == 1, r.stderr
        assert lines[0].endswith("[warning]: %s: the document has more than 100000 entries: "
                                 "the first 100000 are kept, 3 were dropped"
                                 % server.url("/big.xml")), lines
    assert work.sql("select count(*) from entries e join feeds f on f.id = e.feed_id"
                    " where f.url like '%/big.xml'") == "100000"


@test
def metrics_scrape_succeeds_past_idle_connections(server, work):
    """Issue 14, item 7d: eight connections that said nothing locked every scrape out for
    their timeout. Now a connection is closed after a few idle seconds, there are more
    slots, and a new connection takes the slot of the one idle longest."""
    server.routes["/a.xml"] = Route(simple_atom(1))
    port = free_port()
    url = "http://127.0.0.1:%d/metrics" % port
    work.write_config([server.url("/a.xml")], "metrics = 127.0.0.1:%d" % port)
    p = work.start_daemon()
    idle = []
    try:
        def up():
            try:
                with urllib.request.urlopen(url, timeout=2) as r:
                    return r.status == 200
            except OSError:
                return False
        assert wait_for(up, 15), work.daemon_log()
        idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(70)]
        time.sleep(0.3)
        for _ in range(3):
            t0 = time.time()
            with urllib.request.urlopen(url, timeout=5) as r:
                assert r.status == 200
                assert "feedsd_feeds{" in r.read().decode()
            assert time.time() - t0 < 2, time.time() - t0
        # A connection that stays silent is closed after its idle seconds.
        s = idle[-1]
        s.settimeout(10)
        t0 = time.time()
        try:
            assert s.recv(1) == b""
        except ConnectionResetError:
            pass
        assert time.time() - t0 < 8, time.time() - t0
    finally:
        for s in idle:
            s.close()
        p.terminate()
        p.wait(timeout=15)
