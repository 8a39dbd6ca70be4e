"""Core integration tests (issue 2): polling, storing, files, restarts, signals."""
import os
import random
import re
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (Route, atom_entry, atom_feed, esc, free_port_url, front_matter_dict,  # noqa: E402
                     parse_front_matter, rss_feed, rss_item, simple_atom, test, wait_for)


def md_files(work):
    return [f for f in work.files() if f.endswith(".md")]


@test
def first_run_writes_one_correct_file_per_entry(server, work):
    server.routes["/a.xml"] = Route(simple_atom(3), etag='"v1"')
    work.write_config([server.url("/a.xml")], "backlog = all")
    r = work.run_once()
    assert r.returncode == 0, r.stderr
    files = md_files(work)
    assert len(files) == 3, files
    assert sorted(files) == ["2026-01-01-post-number-0.md", "2026-01-02-post-number-1.md",
                             "2026-01-03-post-number-2.md"], files
    text = work.read("2026-01-02-post-number-1.md")
    fm = front_matter_dict(text)
    assert fm["title"] == "Post number 1", fm
    assert fm["date"] == "2026-01-02", fm
    assert fm["extra"]["source"] == "http://example.org/2026/01/post-1/", fm
    assert fm["extra"]["original_title"] == "Post number 1", fm
    _, body = parse_front_matter(text)
    assert body.startswith("## Summary\n"), body[:100]
    summary = body[len("## Summary\n"):body.index("## Full Content\n")]
    assert "Sentence number" in summary, summary
    full = body[body.index("## Full Content\n"):]
    assert full.startswith("## Full Content\nTitle: Post number 1\n\nURL Source: "
                           "http://example.org/2026/01/post-1/\n\nMarkdown Content:\n"), full[:200]
    assert "Another remark follows here with words." in full
    assert not [f for f in work.files() if not f.endswith(".md")], work.files()


@test
def second_run_writes_nothing_and_sends_validators(server, work):
    server.routes["/a.xml"] = Route(simple_atom(3), etag='W/"abc:1"',
                                    last_modified="Tue, 10 Jun 2025 04:00:00 GMT")
    work.write_config([server.url("/a.xml")], "backlog = all")
    assert work.run_once().returncode == 0
    before = work.snapshot()
    time.sleep(0.05)
    r = work.run_once()
    assert r.returncode == 0, r.stderr
    assert work.snapshot() == before
    reqs = server.requests_for("/a.xml")
    assert len(reqs) == 2
    # Validators go back verbatim (design notes: readers that reformat them get criticised).
    assert reqs[1].get("if-none-match") == 'W/"abc:1"', reqs[1]
    assert reqs[1].get("if-modified-since") == "Tue, 10 Jun 2025 04:00:00 GMT", reqs[1]
    assert "feedsd/" in reqs[0].get("user-agent", ""), reqs[0]
    assert work.sql("select last_status from feed_polls") == "304"


@test
def a_304_with_a_new_etag_stores_it(server, work):
    # RFC 9110 15.4.5: a 304 may carry validators other than those sent; the next request
    # sends the new ones. The usual 304 (the same validators) writes only the feed's poll
    # state, this one its validators too.
    lm = "Tue, 10 Jun 2025 04:00:00 GMT"
    server.routes["/a.xml"] = Route(simple_atom(2), last_modified=lm)
    work.write_config([server.url("/a.xml")], "backlog = all")
    assert work.run_once().returncode == 0
    assert work.sql("select etag, last_modified from feeds") == "|" + lm
    server.routes["/a.xml"].not_modified_headers = {"ETag": '"v2"'}
    work.sql("update feed_polls set next_poll = 0")
    before = work.snapshot()
    assert work.run_once().returncode == 0
    assert work.snapshot() == before
    assert work.sql("select etag, last_modified from feeds") == '"v2"|' + lm
    assert work.sql("select last_status, fail_count from feed_polls") == "304|0"
    work.sql("update feed_polls set next_poll = 0")
    assert work.run_once().returncode == 0
    reqs = server.requests_for("/a.xml")
    assert len(reqs) == 3, reqs
    assert reqs[1].get("if-none-match") is None and reqs[1].get("if-modified-since") == lm
    assert reqs[2].get("if-none-match") == '"v2"', reqs[2]
    assert reqs[2].get("if-modified-since") == lm, reqs[2]


@test
def server_without_validators_same_body_writes_nothing(server, work):
    server.routes["/a.xml"] = Route(simple_atom(4))
    work.write_config([server.url("/a.xml")], "backlog = all")
    assert work.run_once().returncode == 0
    before = work.snapshot()
    assert work.run_once().returncode == 0
    assert work.snapshot() == before
    assert work.sql("select count(*) from entries") == "4"


@test
def a_new_entry_yields_exactly_one_new_file(server, work):
    server.routes["/a.xml"] = Route(simple_atom(3), etag='"1"')
    work.write_config([server.url("/a.xml")], "backlog = all")
    assert work.run_once().returncode == 0
    before = work.snapshot()
    server.routes["/a.xml"] = Route(simple_atom(4), etag='"2"')
    assert work.run_once().returncode == 0
    after = work.snapshot()
    new = set(after) - set(before)
    assert new == {"2026-01-04-post-number-3.md"}, new
    for p in before:
        assert after[p] == before[p], p


@test
def ids_that_lose_a_fragment_yield_no_new_file(server, work):
    # simonwillison.net dropped "#atom-everything" from every id and link in 2026.
    server.routes["/a.xml"] = Route(simple_atom(5, id_suffix="#atom-everything"), etag='"1"')
    work.write_config([server.url("/a.xml")], "backlog = all")
    assert work.run_once().returncode == 0
    before = work.snapshot()
    assert len(before) == 5
    server.routes["/a.xml"] = Route(simple_atom(6), etag='"2"')
    r = work.run_once()
    assert r.returncode == 0, r.stderr
    after = work.snapshot()
    assert set(after) - set(before) == {"2026-01-06-post-number-5.md"}, sorted(after)
    # The tracking fragment never reaches the reader's link.
    assert front_matter_dict(after["2026-01-01-post-number-0.md"][1])["extra"]["source"] == \
        "http://example.org/2026/01/post-0/"
    assert "URL Source: http://example.org/2026/01/post-0/\n" in after["2026-01-01-post-number-0.md"][1]
    assert work.sql("select count(*) from entries") == "6"


@test
def an_edited_entry_rewrites_its_own_file(server, work):
    server.routes["/a.xml"] = Route(simple_atom(3), etag='"1"')
    work.write_config([server.url("/a.xml")], "backlog = all")
    assert work.run_once().returncode == 0
    before = work.snapshot()
    doc = simple_atom(3).replace("Another remark follows here with words.</p>"
                                 .replace("<", "&lt;").replace(">", "&gt;"),
                                 "An edited remark replaces the old one.</p>"
                                 .replace("<", "&lt;").replace(">", "&gt;"), 1)
    # Also change the title: the file keeps its name (the same entry maps to the same file).
    doc = doc.replace("<title>Post number 0</title>", "<title>Post number zero, edited</title>")
    server.routes["/a.xml"] = Route(doc, etag='"2"')
    assert work.run_once().returncode == 0
    after = work.snapshot()
    assert set(after) == set(before), sorted(after)
    changed = [p for p in after if after[p][1] != before[p][1]]
    assert changed == ["2026-01-01-post-number-0.md"], changed
    text = after["2026-01-01-post-number-0.md"][1]
    assert "An edited remark replaces the old one." in text
    assert front_matter_dict(text)["title"] == "Post number zero, edited"


@test
def not_modified_leaves_everything_untouched(server, work):
    server.routes["/a.xml"] = Route(simple_atom(2), etag='"same"')
    work.write_config([server.url("/a.xml")], "backlog = all")
    assert work.run_once().returncode == 0
    before = work.snapshot()
    rows = work.sql("select id, key, content_hash, stage, path from entries order by id")
    r = work.run_once()
    assert r.returncode == 0
    assert work.snapshot() == before
    assert work.sql("select id, key, content_hash, stage, path from entries order by id") == rows
    assert server.requests_for("/a.xml")[-1].get("if-none-match") == '"same"'


@test
def first_subscription_backlog_policy(server, work):
    server.routes["/big.xml"] = Route(simple_atom(12))
    server.routes["/all.xml"] = Route(simple_atom(8, prefix="other"))
    work.write_config([server.url("/big.xml")])
    with open(work.conf, "a") as f:
        f.write("[feed %s]\nbacklog = all\n" % server.url("/all.xml"))
    r = work.run_once()
    assert r.returncode == 0, r.stderr
    files = md_files(work)
    big = [f for f in files if "post-number" in f]
    other = [f for f in files if "other-number" in f]
    # Default: only the newest 5 get files; the rest are stored as seen.
    assert sorted(big) == ["2026-01-%02d-post-number-%d.md" % (i + 1, i) for i in range(7, 12)], big
    assert len(other) == 8, other
    assert work.sql("select count(*) from entries") == "20"
    # A later new entry of the big feed gets its file.
    server.routes["/big.xml"] = Route(simple_atom(13))
    assert work.run_once().returncode == 0
    assert "2026-01-13-post-number-12.md" in md_files(work)


@test
def held_back_entries_keep_no_html_and_their_edits_are_seen(server, work):
    # Issue 20: only the entries that get a file keep their HTML in the database; the
    # ones the first-subscription backlog holds back keep their identity and hash.
    feed = simple_atom(8)
    server.routes["/b.xml"] = Route(feed)
    work.write_config([server.url("/b.xml")])
    assert work.run_once().returncode == 0
    assert len(md_files(work)) == 5
    assert work.sql("select count(*) from entries") == "8"
    assert work.sql("select count(*) from entry_content") == "5"
    assert work.sql("select count(*) from entries e join entry_content c on c.entry_id = e.id"
                    " where e.stage = 3") == "0"
    held = work.sql("select content_hash from entries where title = 'Post number 0'")
    before = work.snapshot()
    # An edit of a held-back entry is recorded (new hash) and gets neither a file nor
    # HTML; an edit of an entry with a file rewrites that file.
    edited = feed.replace("of post 0 talks", "of post 0 now talks").replace(
        "of post 7 talks", "of post 7 really talks")
    assert edited.count("now talks") and edited.count("really talks")
    server.routes["/b.xml"] = Route(edited)
    assert work.run_once().returncode == 0
    assert work.sql("select content_hash from entries where title = 'Post number 0'") != held
    assert work.sql("select stage from entries where title = 'Post number 0'") == "3"
    assert work.sql("select count(*) from entry_content") == "5"
    after = work.snapshot()
    assert sorted(after) == sorted(before)
    changed = [p for p in after if after[p][1] != before[p][1]]
    assert changed == ["2026-01-08-post-number-7.md"], changed
    assert "really talks" in after[changed[0]][1]


@test
def repeated_guids_in_one_feed_are_kept_apart(server, work):
    items = [rss_item("same-guid", "First story", "http://example.org/1", "Mon, 05 Jan 2026 10:00:00 GMT", "One."),
             rss_item("same-guid", "Second story", "http://example.org/2", "Tue, 06 Jan 2026 10:00:00 GMT", "Two."),
             rss_item("same-guid", "Second story", "http://example.org/2", "Tue, 06 Jan 2026 10:00:00 GMT", "Two.")]
    server.routes["/r.xml"] = Route(rss_feed(items))
    work.write_config([server.url("/r.xml")], "backlog = all")
    assert work.run_once().returncode == 0
    assert sorted(md_files(work)) == ["2026-01-05-first-story.md", "2026-01-06-second-story.md"], md_files(work)
    server.routes["/r.xml"] = Route(rss_feed(items) + " ")
    assert work.run_once().returncode == 0
    assert len(md_files(work)) == 2


@test
def dead_feed_does_not_stop_the_others(server, work):
    server.routes["/good.xml"] = Route(simple_atom(2))
    server.routes["/broken.xml"] = Route(b"<html><head><title>Just a moment...</title></head></html>",
                                         content_type="text/html")
    server.routes["/err.xml"] = Route(b"oops", status=500)
    dead = free_port_url("/feed.xml")
    work.write_config([dead, server.url("/broken.xml"), server.url("/good.xml"),
                       server.url("/err.xml")], "backlog = all")
    r = work.run_once()
    assert r.returncode == 1, (r.returncode, r.stderr)
    assert len(md_files(work)) == 2
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    assert len(lines) == 3, lines
    assert any(dead in l for l in lines) and any("/broken.xml" in l for l in lines) \
        and any("/err.xml" in l and "500" in l for l in lines), lines
    st = subprocess.run([work.feedsd, "status", "-c", work.conf], capture_output=True, text=True)
    assert st.returncode == 0, st.stderr
    assert "not a feed" in st.stdout.lower() or "html" in st.stdout.lower(), st.stdout
    # the good feed's row: 2 entries stored (status is a table since issue 14)
    assert re.search(r"^%s +2 " % re.escape(server.url("/good.xml")), st.stdout, re.M), st.stdout
    assert "4 feeds, 3 failing" in st.stdout, st.stdout


@test
def daemon_with_a_dead_feed_keeps_serving_the_others(server, work):
    server.routes["/good.xml"] = Route(simple_atom(2), etag='"1"')
    server.routes["/slow.xml"] = Route(simple_atom(2, prefix="slow"), delay=30)
    work.write_config([free_port_url("/x"), server.url("/slow.xml"), server.url("/good.xml")],
                      "backlog = all\ninterval = 60s")
    p = work.start_daemon()
    try:
        assert wait_for(lambda: len(md_files(work)) == 2, 20), work.daemon_log()
        # The good feed is served while the slow one hangs.
        assert not [f for f in md_files(work) if "slow" in f]
        server.routes["/good.xml"] = Route(simple_atom(3), etag='"2"')
        p.send_signal(signal.SIGTERM)
        t0 = time.time()
        p.wait(timeout=15)
        assert time.time() - t0 < 8
    finally:
        if p.poll() is None:
            p.kill()


@test
def kill_9_mid_poll_loses_and_duplicates_nothing(server, work):
    nfeeds, nentries = 30, 8
    urls = []
    for i in range(nfeeds):
        path = "/f%d.xml" % i
        # ~20 KB per feed sent in 512-byte chunks: a full poll takes about a second, so
        # the kills land in the middle of transfers, parses, commits and file writes.
        server.routes[path] = Route(simple_atom(nentries, prefix="feed%d" % i, title="Feed %d" % i,
                                                words=400), chunk_delay=0.004)
        urls.append(server.url(path))
    work.write_config(urls, "backlog = all\nconcurrency = 4\nper_host = 4")
    rng = random.Random(7)
    total = nfeeds * nentries
    partial = 0
    for round_ in range(8):
        p = work.start_daemon()
        time.sleep(rng.uniform(0.1, 1.0))
        p.kill()
        p.wait()
        n = len([f for f in work.files() if f.endswith(".md")])
        partial += 0 < n < total
        # Never a second file for an entry, even between restarts.
        assert n <= total, n
    assert partial >= 2, "the kills did not land mid-poll (%d partial rounds)" % partial
    r = work.run_once()
    assert r.returncode == 0, r.stderr
    files = work.files()
    assert all(f.endswith(".md") for f in files), [f for f in files if not f.endswith(".md")]
    assert len(files) == total, len(files)
    for f in files:
        text = work.read(f)
        assert text.endswith("\n") and "## Full Content\n" in text, f
    assert work.sql("select count(*) from entries where stage = 2") == str(total)
    assert work.sql("select count(distinct path) from entries") == str(total)
    assert work.sql("pragma integrity_check") == "ok"


@test
def sighup_reloads_the_subscriptions(server, work):
    server.routes["/a.xml"] = Route(simple_atom(1))
    server.routes["/b.xml"] = Route(simple_atom(1, prefix="bee"))
    work.write_config([server.url("/a.xml")], "backlog = all")
    p = work.start_daemon()
    try:
        assert wait_for(lambda: len(md_files(work)) == 1, 15), work.daemon_log()
        work.write_config([server.url("/a.xml"), server.url("/b.xml")], "backlog = all")
        p.send_signal(signal.SIGHUP)
        assert wait_for(lambda: len(md_files(work)) == 2, 15), work.daemon_log()
        assert p.poll() is None
        assert "reloaded" in work.daemon_log()
    finally:
        p.send_signal(signal.SIGTERM)
        p.wait(timeout=15)


@test
def systemd_notify_ready_and_stopping(server, work):
    server.routes["/a.xml"] = Route(simple_atom(1))
    work.write_config([server.url("/a.xml")], "backlog = all")
    sock_path = os.path.join(work.dir, "notify.sock")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(sock_path)
    s.settimeout(15)
    env = dict(os.environ, NOTIFY_SOCKET=sock_path)
    p = work.start_daemon(env=env)
    try:
        msgs = []
        while not any("READY=1" in m for m in msgs):
            msgs.append(s.recv(4096).decode())
        p.send_signal(signal.SIGTERM)
        while not any("STOPPING=1" in m for m in msgs):
            msgs.append(s.recv(4096).decode())
        assert p.wait(timeout=15) == 0
    finally:
        if p.poll() is None:
            p.kill()
        s.close()


@test
def compressed_redirected_feed(server, work):
    server.routes["/real.xml"] = Route(simple_atom(2), gzip_body=True)
    server.routes["/old.xml"] = Route(b"", status=301, headers={"Location": server.url("/real.xml")})
    work.write_config([server.url("/old.xml")], "backlog = all")
    r = work.run_once()
    assert r.returncode == 0, r.stderr
    assert len(md_files(work)) == 2
    assert "gzip" in server.requests_for("/real.xml")[0].get("accept-encoding", "")


@test
def oversized_response_is_an_error_for_that_feed_only(server, work):
    server.routes["/huge.xml"] = Route(b"<rss>" + b"x" * (3 * 1024 * 1024) + b"</rss>")
    server.routes["/ok.xml"] = Route(simple_atom(1))
    work.write_config([server.url("/huge.xml"), server.url("/ok.xml")], "backlog = all\nmax_size = 1M")
    r = work.run_once()
    assert r.returncode == 1
    assert "larger than" in r.stderr, r.stderr
    assert len(md_files(work)) == 1


@test
def feeds_file_and_command_line_overrides(server, work):
    server.routes["/a.xml"] = Route(simple_atom(2))
    server.routes["/b.xml"] = Route(rss_feed([rss_item("g1", "Hello RSS", "http://example.org/h",
                                                       "Wed, 07 Jan 2026 08:00:00 +0200", "Body text.")]))
    lst = os.path.join(work.dir, "feeds.txt")
    with open(lst, "w") as f:
        f.write("# my feeds\n\n%s\n%s\n" % (server.url("/a.xml"), server.url("/b.xml")))
    with open(os.path.join(work.dir, "only-private.conf"), "w") as f:
        f.write("allow_private = yes\nhost_delay = 0\n")
    out = os.path.join(work.dir, "elsewhere")
    db = os.path.join(work.dir, "other.db")
    r = subprocess.run([work.feedsd, "run", "--once", "-c", "only-private.conf", "--feeds", lst,
                        "--output", out, "--database", db], capture_output=True, text=True,
                       timeout=60, cwd=work.dir)
    assert r.returncode == 0, r.stderr
    names = sorted(os.listdir(out))
    assert "2026-01-07-hello-rss.md" in names and len(names) == 3, names


@test
def bad_configuration_is_a_clear_error(server, work):
    with open(work.conf, "w") as f:
        f.write("database = %s\ninterval = soon\n" % work.db)
    r = subprocess.run([work.feedsd, "run", "--once", "-c", work.conf], capture_output=True, text=True)
    assert r.returncode != 0
    assert "feedsd.conf:2" in r.stderr and "interval" in r.stderr, r.stderr
    with open(work.conf, "w") as f:
        f.write("colour = blue\n")
    r = subprocess.run([work.feedsd, "run", "--once", "-c", work.conf], capture_output=True, text=True)
    assert r.returncode != 0 and "feedsd.conf:1" in r.stderr and "colour" in r.stderr, r.stderr


@test
def hostile_titles_stay_inside_the_output_folder(server, work):
    entries = [atom_entry("urn:1", "../../etc/passwd", "http://example.org/1", "2026-02-01T00:00:00Z", "x"),
               atom_entry("urn:2", ".hidden: yes # no", "http://example.org/2", "2026-02-02T00:00:00Z", "y"),
               atom_entry("urn:3", "中文标题", "http://example.org/3", "2026-02-03T00:00:00Z", "z"),
               atom_entry("urn:4", "Same", "http://example.org/4", "2026-02-04T00:00:00Z", "a"),
               atom_entry("urn:5", "Same", "http://example.org/5", "2026-02-04T00:00:00Z", "b")]
    server.routes["/h.xml"] = Route(atom_feed(entries))
    work.write_config([server.url("/h.xml")], "backlog = all")
    assert work.run_once().returncode == 0
    files = md_files(work)
    assert len(files) == 5, files
    for f in files:
        assert not f.startswith(".") and "/" not in f and ".." not in f, f
    titles = sorted(front_matter_dict(work.read(f))["title"] for f in files)
    assert titles == sorted(["../../etc/passwd", ".hidden: yes # no", "中文标题", "Same", "Same"]), titles


@test
def per_host_and_global_limits_hold(server, work):
    urls = []
    for i in range(8):
        path = "/slow%d.xml" % i
        server.routes[path] = Route(simple_atom(1, prefix="p%d" % i), delay=0.15)
        urls.append(server.url(path))
    work.write_config(urls, "backlog = all\nper_host = 1\nconcurrency = 8")
    r = work.run_once()
    assert r.returncode == 0, r.stderr
    assert len(md_files(work)) == 8
    assert server.max_active == 1, server.max_active
    # With two per host, two at a time (and no more).
    work2_conf = work.conf
    with open(work2_conf) as f:
        text = f.read().replace("per_host = 1", "per_host = 2")
    with open(work2_conf, "w") as f:
        f.write(text)
    server.max_active = 0
    for i in range(8):
        server.routes["/slow%d.xml" % i].body = simple_atom(2, prefix="p%d" % i).encode()
    assert work.run_once().returncode == 0
    assert server.max_active == 2, server.max_active


@test
def journald_priority_prefixes_under_systemd(server, work):
    server.routes["/a.xml"] = Route(simple_atom(1))
    work.write_config([server.url("/a.xml"), free_port_url("/gone")], "backlog = all")
    env = dict(os.environ, JOURNAL_STREAM="8:1234")
    r = work.run_once("-v", env=env)
    lines = [l for l in r.stderr.splitlines() if l]
    assert lines and all(l[0] == "<" and l[1].isdigit() and l[2] == ">" for l in lines), lines
    assert any(l.startswith("<4>") and "/gone" in l for l in lines), lines   # LOG_WARNING
    assert any(l.startswith("<6>") for l in lines), lines                    # LOG_INFO with -v
