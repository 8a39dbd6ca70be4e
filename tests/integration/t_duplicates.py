"""One post carried by several feeds (issue 18, item 3): a blog's Atom and JSON feeds, an
aggregator and its source. The post gets one file, whose extra.feeds lists every feed
that carried it; `duplicates = keep` gives a feed its own files again."""
import os
import random
import signal
import time

from harness import (Route, atom_entry, atom_feed, esc, front_matter_dict, rss_feed, rss_item,
                     simple_atom, test, wait_for)

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(os.path.dirname(HERE), "data", "feeds")


def md_files(work):
    return sorted(f for f in work.files() if f.endswith(".md"))


def corpus_route(name, content_type):
    with open(os.path.join(CORPUS, name), "rb") as f:
        return Route(f.read(), content_type=content_type)


def by_title(work):
    """title -> list of (path, front matter) of the output files."""
    res = {}
    for f in md_files(work):
        fm = front_matter_dict(work.read(f))
        res.setdefault(fm["title"], []).append((f, fm))
    return res


@test
def corpus_atom_and_json_feed_of_one_blog_give_one_file_per_post(server, work):
    # Daring Fireball's Atom and JSON feeds of the test corpus: the same 48 posts, with
    # other ids, and for link posts other links (the linked article in the Atom feed, the
    # permalink in the JSON Feed). With Hugo's bundle layout they gave 96 files.
    server.routes["/df.xml"] = corpus_route("daringfireball-atom.xml", "application/atom+xml")
    server.routes["/df.json"] = corpus_route("daringfireball-jsonfeed-1.0.json", "application/feed+json")
    atom, jsonf = server.url("/df.xml"), server.url("/df.json")
    work.write_config([atom, jsonf], "backlog = all\nfilename = {year}/{month}/{slug}/index.md\n")
    r = work.run_once()
    assert r.returncode == 0, r.stderr
    files = md_files(work)
    assert len(files) == 48, len(files)
    assert all(f.endswith("/index.md") for f in files), files[:3]
    for f in files:
        fm = front_matter_dict(work.read(f))
        assert fm["extra"]["feeds"] == [atom, jsonf], (f, fm["extra"].get("feeds"))
    assert work.sql("SELECT count(*) FROM entries WHERE dup_of IS NOT NULL") == "48"
    # duplicates = keep for one of the feeds: each feed writes its own files again
    work2_conf = open(work.conf).read().replace(work.db, work.db + "2").replace(work.out, work.out + "2")
    work2_conf = work2_conf.replace("feed = %s\n" % jsonf, "") + "[feed %s]\nduplicates = keep\n" % jsonf
    with open(work.conf, "w") as f:
        f.write(work2_conf)
    work.out += "2"
    work.db += "2"
    r = work.run_once()
    assert r.returncode == 0, r.stderr
    files = md_files(work)
    assert len(files) == 96, len(files)
    assert not [f for f in files if "feeds" in front_matter_dict(work.read(f))["extra"]]


def two_feeds(server, a_entries, b_items):
    server.routes["/a.xml"] = Route(atom_feed(a_entries, title="Feed A"))
    server.routes["/b.xml"] = Route(rss_feed(b_items, title="Feed B"))
    return server.url("/a.xml"), server.url("/b.xml")


HTML = "<p>%s is a post with enough words to be a post of its own, about %s.</p>"


@test
def each_matching_rule_finds_the_post_in_the_other_feed(server, work):
    a = [
        # 1: the same link, the other feed's with a tracking parameter and no "www."
        atom_entry("urn:a:1", "Same link", "https://www.example.org/same-link/",
                   "2026-03-01T10:00:00Z", esc(HTML % ("One", "links"))),
        # 2: the same tag: id, other links
        atom_entry("tag:example.org,2026:post-2", "Same id", "https://example.org/2/",
                   "2026-03-02T10:00:00Z", esc(HTML % ("Two", "ids"))),
        # 3: a link post: the feeds disagree on the link; title and text agree
        atom_entry("urn:a:3", "A linked article", "https://elsewhere.example.net/article",
                   "2026-03-03T10:00:00Z", esc(HTML % ("Three", "linking"))),
        # 4: the same title and text ten days apart: another post
        atom_entry("urn:a:4", "Weekly notes", "https://example.org/notes-1/",
                   "2026-03-04T10:00:00Z", esc(HTML % ("Notes", "the week"))),
        # 5: an id like "5" in both feeds names nothing across feeds
        atom_entry("5", "Only in A", "https://example.org/a-5/", "2026-03-05T10:00:00Z",
                   esc(HTML % ("Five", "feed A"))),
    ]
    b = [
        rss_item("b-1", "Same link (B)", "https://www.example.org/same-link/?utm_source=rss",
                 "Sun, 01 Mar 2026 11:00:00 GMT", esc(HTML % ("Uno", "links in B"))),
        rss_item("tag:example.org,2026:post-2", "Same id (B)", "https://b.example.com/2",
                 "Mon, 02 Mar 2026 11:00:00 GMT", esc(HTML % ("Dos", "ids in B"))),
        rss_item("b-3", "A  linked ARTICLE", "https://example.org/linked/a-linked-article",
                 "Tue, 03 Mar 2026 12:00:00 GMT", esc(HTML % ("Three", "linking"))),
        rss_item("b-4", "Weekly notes", "https://example.org/notes-2/",
                 "Sat, 14 Mar 2026 10:00:00 GMT", esc(HTML % ("Notes", "the week"))),
        rss_item("5", "Only in B", "https://example.org/b-5/", "Thu, 05 Mar 2026 11:00:00 GMT",
                 esc(HTML % ("Cinco", "feed B"))),
    ]
    ua, ub = two_feeds(server, a, b)
    work.write_config([ua, ub], "backlog = all\n")
    r = work.run_once()
    assert r.returncode == 0, r.stderr
    got = by_title(work)
    for title in ("Same link", "Same id", "A linked article"):
        assert len(got[title]) == 1, (title, got)
        assert got[title][0][1]["extra"]["feeds"] == [ua, ub], got[title]
    assert not [t for t in got if t.endswith("(B)") or t == "A  linked ARTICLE"], sorted(got)
    assert len(got["Weekly notes"]) == 2, got["Weekly notes"]
    assert len(got["Only in A"]) == 1 and len(got["Only in B"]) == 1, sorted(got)
    for title in ("Weekly notes", "Only in A", "Only in B"):
        for _, fm in got[title]:
            assert "feeds" not in fm["extra"], fm    # one feed: the file as before
    assert len(md_files(work)) == 7, md_files(work)
    # a second run changes nothing
    before = work.snapshot()
    assert work.run_once().returncode == 0
    assert work.snapshot() == before


@test
def a_feed_added_later_is_listed_in_the_file_already_written(server, work):
    server.routes["/a.xml"] = Route(simple_atom(3, title="Feed A"))
    ua = server.url("/a.xml")
    work.write_config([ua], "backlog = all\n")
    assert work.run_once().returncode == 0
    files = md_files(work)
    assert len(files) == 3
    first = {f: work.read(f) for f in files}
    assert all("feeds" not in front_matter_dict(t)["extra"] for t in first.values())
    # The aggregator: other ids, the same links. A new process, as after a restart.
    b = [rss_item("agg-%d" % i, "Post number %d" % i, "http://example.org/2026/01/post-%d/" % i,
                  "Thu, 0%d Jan 2026 12:00:00 GMT" % (i + 1), esc("<p>Aggregated %d.</p>" % i))
         for i in range(3)]
    server.routes["/b.xml"] = Route(rss_feed(b, title="Aggregator"))
    ub = server.url("/b.xml")
    work.write_config([ua, ub], "backlog = all\n")
    r = work.run_once()
    assert r.returncode == 0, r.stderr
    assert md_files(work) == files, md_files(work)
    for f in files:
        fm = front_matter_dict(work.read(f))
        assert fm["extra"]["feeds"] == [ua, ub], fm
        assert fm["extra"]["feed"] == "Feed A", fm


@test
def kill_9_between_and_during_the_two_feeds_writes_no_second_file(server, work):
    # Feed B carries feed A's posts under other ids; both arrive slowly so that the kills
    # land between the feeds' commits, and between a commit and the rewrite of the file.
    n = 8
    server.routes["/a.xml"] = Route(simple_atom(n, title="Feed A", words=400), chunk_delay=0.004)
    b = [rss_item("b-%d" % i, "Post number %d" % i, "http://example.org/2026/01/post-%d/" % i,
                  "Thu, %02d Jan 2026 12:00:00 GMT" % (i + 1), esc("<p>Carried %d.</p>" % i) * 60)
         for i in range(n)]
    server.routes["/b.xml"] = Route(rss_feed(b, title="Feed B"), chunk_delay=0.004)
    ua, ub = server.url("/a.xml"), server.url("/b.xml")
    work.write_config([ua, ub], "backlog = all\nper_host = 2\n")
    rng = random.Random(18)
    for _ in range(8):
        p = work.start_daemon()
        time.sleep(rng.uniform(0.1, 1.2))
        p.kill()
        p.wait()
        assert len(md_files(work)) <= n, md_files(work)
    r = work.run_once()
    assert r.returncode == 0, r.stderr
    files = md_files(work)
    assert len(files) == n, files
    for f in files:
        fm = front_matter_dict(work.read(f))
        assert sorted(fm["extra"]["feeds"]) == sorted([ua, ub]), fm
    assert work.sql("SELECT count(*) FROM entries WHERE dup_of IS NOT NULL") == str(n)


@test
def the_daemon_rewrites_the_first_feeds_file_when_the_second_brings_the_post(server, work):
    # Within seconds of the second feed's poll, not at the next minute's housekeeping.
    server.routes["/a.xml"] = Route(simple_atom(2, title="Feed A"))
    ua = server.url("/a.xml")
    work.write_config([ua], "backlog = all\n")
    p = work.start_daemon()
    try:
        assert wait_for(lambda: len(md_files(work)) == 2, 20), work.daemon_log()
        t0 = time.time()
        path = [f for f in md_files(work) if "post-number-1" in f][0]
        b = [rss_item("b-1", "Post number 1", "http://example.org/2026/01/post-1/",
                      "Fri, 02 Jan 2026 12:00:00 GMT", esc("<p>Carried.</p>"))]
        server.routes["/b.xml"] = Route(rss_feed(b, title="Feed B"))
        ub = server.url("/b.xml")
        work.write_config([ua, ub], "backlog = all\n")
        p.send_signal(signal.SIGHUP)
        assert wait_for(lambda: "feeds" in front_matter_dict(work.read(path))["extra"], 40), \
            work.daemon_log()
        assert time.time() - t0 < 40
        assert front_matter_dict(work.read(path))["extra"]["feeds"] == [ua, ub]
        assert len(md_files(work)) == 2, md_files(work)
        assert "1 already written through another feed" in work.daemon_log(), work.daemon_log()
    finally:
        p.kill()
        p.wait()
