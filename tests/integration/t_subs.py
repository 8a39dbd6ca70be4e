"""Subscription commands (issue 5, "Operating it"): add/remove/list, feed discovery on local
HTML pages, OPML import/export round trip on a nested real-world-style OPML file, the daemon
picking up `feedsd add`, status --json and the `feedsd check` health check."""
import json
import os
import re
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Route, free_port_url, simple_atom, rss_feed, rss_item, test, wait_for  # noqa: E402


def fd(work, *args, conf=True, stdin=None):
    cmd = [work.feedsd] + list(args) + (["-c", work.conf] if conf else [])
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60, input=stdin)


def listed(work, *extra):
    r = fd(work, "list", "--json", *extra)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def page(links, body=""):
    heads = "".join('<link rel="alternate" type="%s" title="%s" href="%s">' % l for l in links)
    return ("<!DOCTYPE html><html><head><meta charset=utf-8><title>A blog</title>%s</head>"
            "<body><p>Hello</p>%s</body></html>" % (heads, body))


# What `import` says about the feeds it did not fetch (issue 14 D).
NOT_FETCHED = (" (not fetched yet: checked at the first poll; 'feedsd status' shows how it"
               " went, 'feedsd add URL' checks one now)")

RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


@test
def add_list_remove_cli_feed(server, work):
    server.routes["/a.xml"] = Route(simple_atom(2, title="Feed A"))
    work.write_config([])
    url = server.url("/a.xml")
    r = fd(work, "add", url, "--interval", "30m")
    assert r.returncode == 0, r.stderr
    assert r.stdout == "subscribed to %s (Feed A)\n" % url, r.stdout
    assert len(server.requests_for("/a.xml")) == 1
    assert "feedsd/" in server.requests_for("/a.xml")[0].get("user-agent", "")
    assert work.sql("select origin, interval, active from feeds") == "cli|1800|1"
    # Idempotent, also under another spelling of the same URL (trailing slash).
    r = fd(work, "add", url + "/")
    assert r.returncode == 0 and r.stdout == "already subscribed to %s (Feed A)\n" % url, r
    subs = listed(work)
    assert subs == [{"url": url, "title": "Feed A", "origin": "cli", "entries": 0,
                     "site_link": "http://example.org/", "category": None}], subs
    r = fd(work, "list")
    assert r.returncode == 0 and url in r.stdout and "Feed A" in r.stdout, r
    assert r.stdout.endswith("1 subscription\n"), r.stdout
    r = fd(work, "remove", url)
    assert r.returncode == 0 and r.stdout == "unsubscribed from %s (Feed A)\n" % url, r
    assert listed(work) == []
    r = fd(work, "remove", url)
    assert r.returncode == 1 and "not subscribed" in r.stderr, r
    # --title wins over the feed's own title; a re-add re-activates the row.
    r = fd(work, "add", "--title", "Mine & \"yours\"", url)
    assert r.returncode == 0 and r.stdout == 'subscribed to %s (Mine & "yours")\n' % url, r
    assert listed(work)[0]["title"] == 'Mine & "yours"'
    assert work.sql("select count(*) from feeds") == "1"


@test
def config_feeds_are_removed_in_the_config(server, work):
    server.routes["/c.xml"] = Route(simple_atom(1, title="Conf"))
    url = server.url("/c.xml")
    work.write_config([url])
    # Before any daemon ran: the configuration alone says it is subscribed.
    r = fd(work, "add", url)
    assert r.returncode == 0 and r.stdout.startswith("already subscribed to " + url), r
    assert server.requests_for("/c.xml") == []
    r = fd(work, "remove", url)
    assert r.returncode == 1, r
    assert r.stderr.strip() == "feedsd: %s comes from %s: remove it there" % (url, work.conf), r
    assert work.run_once().returncode == 0
    assert listed(work)[0]["origin"] == "config"
    r = fd(work, "remove", url)
    assert r.returncode == 1 and "comes from" in r.stderr, r
    assert listed(work)[0]["url"] == url


@test
def add_refuses_what_is_not_a_feed(server, work):
    work.write_config([])
    r = fd(work, "add", "ftp://example.org/feed")
    assert r.returncode == 2 and "http" in r.stderr, r
    r = fd(work, "add", server.url("/missing.xml"))
    assert r.returncode == 1 and "HTTP 404" in r.stderr, r
    server.routes["/plain.html"] = Route(page([]), content_type="text/html")
    r = fd(work, "add", server.url("/plain.html"))
    assert r.returncode == 1 and "advertises no feed" in r.stderr, r
    r = fd(work, "add", free_port_url())
    assert r.returncode == 1, r
    assert listed(work) == []
    r = fd(work, "add")
    assert r.returncode == 2, r


@test
def add_discovers_the_feed_of_a_page(server, work):
    server.routes["/feed.atom"] = Route(simple_atom(2, title="Posts"))
    server.routes["/feed.rss"] = Route(rss_feed([rss_item("g", "t", "http://e/", "", "d")]))
    server.routes["/comments.atom"] = Route(simple_atom(1, title="Comments"))
    server.routes["/blog/"] = Route(page([
        ("application/atom+xml", "Blog &raquo; Comments Feed", "/comments.atom"),
        ("application/rss+xml", "Blog RSS", "../feed.rss"),
        ("application/atom+xml", "Blog Atom", "/feed.atom")]), content_type="text/html")
    work.write_config([])
    r = fd(work, "add", server.url("/blog/"))
    assert r.returncode == 0, r.stderr
    feed = server.url("/feed.atom")
    assert r.stdout == "found %s (atom) on %s\nsubscribed to %s (Posts)\n" % (
        feed, server.url("/blog/"), feed), r.stdout
    assert [s["url"] for s in listed(work)] == [feed]
    assert server.requests_for("/comments.atom") == [] and server.requests_for("/feed.rss") == []
    r = fd(work, "add", server.url("/blog/"))
    assert r.returncode == 0 and r.stdout == "already subscribed to %s (Posts)\n" % feed, r


@test
def add_lists_equally_good_feeds(server, work):
    server.routes["/one.atom"] = Route(simple_atom(1, title="One"))
    server.routes["/two.atom"] = Route(simple_atom(1, title="Two"))
    server.routes["/p"] = Route(page([
        ("application/rss+xml", "Legacy", "/legacy.rss"),
        ("application/atom+xml", "Articles", "/one.atom"),
        ("application/atom+xml", "Links", "/two.atom")]), content_type="text/html; charset=utf-8")
    work.write_config([])
    r = fd(work, "add", server.url("/p"))
    assert r.returncode == 1, r
    assert "choose one" in r.stderr, r.stderr
    assert r.stdout.splitlines() == ["%s\tatom\tArticles" % server.url("/one.atom"),
                                     "%s\tatom\tLinks" % server.url("/two.atom")], r.stdout
    assert listed(work) == []
    r = fd(work, "add", server.url("/two.atom"))
    assert r.returncode == 0, r.stderr
    # One of the choices is taken now: adding the page again is a no-op.
    r = fd(work, "add", server.url("/p"))
    assert r.returncode == 0 and r.stdout.startswith("already subscribed to"), r


@test
def add_follows_a_body_link_when_nothing_is_advertised(server, work):
    server.routes["/feed/"] = Route(rss_feed([rss_item("g1", "t", "http://e/1", "", "d")],
                                             title="Guessed"))
    server.routes["/home"] = Route(page([], '<a href="/rss">broken</a> <a href="/feed/">RSS</a>'),
                                   content_type="text/html")
    work.write_config([])
    r = fd(work, "add", server.url("/home"))
    assert r.returncode == 0, r.stderr
    assert r.stdout.endswith("subscribed to %s (Guessed)\n" % server.url("/feed/")), r.stdout


NESTED_OPML = """<?xml version="1.0" encoding="UTF-8"?>
<!-- as Feedly/NetNewsWire export them: folders, nested folders, both title and text -->
<opml version="1.0">
  <head><title>My subscriptions in Reader &amp; co</title></head>
  <body>
    <outline text="Tech" title="Tech">
      <outline type="rss" text="Simon Willison&apos;s Weblog" title="Simon Willison&apos;s Weblog"
               xmlUrl="{u}/simon.atom" htmlUrl="https://simonwillison.net/"/>
      <outline type="rss" text="Ars &amp; Technica" xmlUrl="{u}/ars.rss"/>
      <outline text="Languages">
        <outline type="rss" text="The &quot;Rust&quot; Blog" xmlUrl="{u}/rust.xml?lang=en&amp;x=1"/>
        <outline type="rss" text="Go &lt;dev&gt;" title="Go &lt;dev&gt;" xmlUrl="{u}/go.atom"/>
        <outline text="Deeper">
          <outline type="rss" text="Zig" xmlUrl="{u}/zig.xml"/>
        </outline>
      </outline>
    </outline>
    <outline text="News">
      <outline type="rss" text="BBC — World" xmlUrl="{u}/bbc.xml"/>
      <outline type="rss" title="Le Monde à la une" text="ignored" xmlUrl="{u}/lemonde.xml"/>
    </outline>
    <outline type="rss" text="Top level 'single' quotes" xmlUrl="{u}/top.xml"/>
    <outline type="rss" xmlUrl="{u}/untitled.xml"/>
    <outline type="rss" text="Unicode ✓ 日本" xmlUrl="{u}/uni.xml"/>
    <outline type="rss" text="Duplicate" xmlUrl="{u}/zig.xml"/>
  </body>
</opml>
"""


@test
def opml_import_export_round_trip(server, work):
    base = server.url("")
    opml = os.path.join(work.dir, "subs.opml")
    with open(opml, "w", encoding="utf-8") as f:
        f.write(NESTED_OPML.replace("{u}", base))
    work.write_config([])
    r = fd(work, "import", opml)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "imported 10 feeds, 0 already subscribed%s\n" % NOT_FETCHED, r.stdout
    r = fd(work, "import", opml)
    assert r.stdout == "imported 0 feeds, 10 already subscribed\n", r.stdout
    first = {s["url"]: s["title"] for s in listed(work)}
    # The folders around each feed are its category, nested ones as a path (issue 19).
    cats = {s["url"]: s["category"] for s in listed(work)}
    assert cats[base + "/simon.atom"] == "Tech" and cats[base + "/ars.rss"] == "Tech", cats
    assert cats[base + "/go.atom"] == "Tech/Languages", cats
    assert cats[base + "/zig.xml"] == "Tech/Languages/Deeper", cats
    assert cats[base + "/bbc.xml"] == "News" and cats[base + "/top.xml"] is None, cats
    assert first[base + "/ars.rss"] == "Ars & Technica"
    assert first[base + "/rust.xml?lang=en&x=1"] == 'The "Rust" Blog'
    assert first[base + "/simon.atom"] == "Simon Willison's Weblog"
    assert first[base + "/go.atom"] == "Go <dev>"
    assert first[base + "/lemonde.xml"] == "Le Monde à la une"
    assert first[base + "/untitled.xml"] is None
    assert all(s["origin"] == "cli" for s in listed(work))
    assert server.requests == []     # import does not fetch: the daemon will
    r = fd(work, "export")
    assert r.returncode == 0, r.stderr
    root = ET.fromstring(r.stdout.encode("utf-8"))
    assert root.tag == "opml" and root.get("version") == "2.0"
    outs = root.findall(".//outline[@xmlUrl]")
    assert len(outs) == 10 and all(o.get("type") == "rss" and o.get("text") for o in outs)
    # Feeds without a category at the top, then the folders, nested, without a type.
    top = root.findall("./body/outline")
    assert [o.get("text") for o in top if o.get("xmlUrl") is None] == ["News", "Tech"], top
    assert all(o.get("type") == "rss" for o in top if o.get("xmlUrl")), top
    deeper = root.findall("./body/outline[@text='Tech']/outline[@text='Languages']"
                          "/outline[@text='Deeper']/outline")
    assert [o.get("xmlUrl") for o in deeper] == [base + "/zig.xml"], r.stdout
    exported = os.path.join(work.dir, "export.opml")
    with open(exported, "w", encoding="utf-8") as f:
        f.write(r.stdout)
    fresh = os.path.join(work.dir, "fresh", "again.db")
    r = fd(work, "import", "--database", fresh, exported)
    assert r.returncode == 0 and r.stdout == "imported 10 feeds, 0 already subscribed%s\n" % NOT_FETCHED, r
    second = {s["url"]: s["title"] for s in listed(work, "--database", fresh)}
    assert second == first, (first, second)
    again = {s["url"]: s["category"] for s in listed(work, "--database", fresh)}
    assert again == cats, (cats, again)
    # The exports of both databases are the same document (but for the date).
    strip = lambda s: re.sub(r"<dateCreated>.*</dateCreated>", "", s)  # noqa: E731
    assert strip(fd(work, "export", "--database", fresh).stdout) == strip(
        fd(work, "export").stdout)
    # A plain URL list from standard input.
    r = fd(work, "import", "-", stdin="# mine\n%s/extra.xml\nnot-a-url\n" % base)
    assert r.returncode == 1, r
    assert r.stdout == "imported 1 feed, 0 already subscribed, 1 skipped (not http/https)%s\n" % NOT_FETCHED, r


@test
def run_once_polls_an_added_feed(server, work):
    server.routes["/a.xml"] = Route(simple_atom(3))
    work.write_config([], "backlog = all")
    r = work.run_once()
    assert r.returncode != 0 and "no feeds" in r.stderr, r
    assert fd(work, "add", server.url("/a.xml")).returncode == 0
    r = work.run_once()
    assert r.returncode == 0, r.stderr
    assert len(server.requests_for("/a.xml")) == 2
    assert len([f for f in work.files() if f.endswith(".md")]) == 3, work.files()
    assert listed(work)[0]["entries"] == 3


@test
def running_daemon_picks_up_add_on_sighup(server, work):
    server.routes["/live.xml"] = Route(simple_atom(2))
    work.write_config([], "backlog = all")
    proc = work.start_daemon()
    try:
        assert wait_for(lambda: "no feeds" in work.daemon_log(), 10), work.daemon_log()
        assert fd(work, "add", server.url("/live.xml")).returncode == 0
        assert len(server.requests_for("/live.xml")) == 1
        proc.send_signal(signal.SIGHUP)
        assert wait_for(lambda: re.search(r"reloaded .*: 1 feed\n", work.daemon_log()), 10), \
            work.daemon_log()
        assert wait_for(lambda: len([f for f in work.files() if f.endswith(".md")]) == 2, 20), \
            (work.files(), work.daemon_log())
        assert len(server.requests_for("/live.xml")) == 2
        # And a removal stops the polling at the next reload.
        assert fd(work, "remove", server.url("/live.xml")).returncode == 0
        proc.send_signal(signal.SIGHUP)
        assert wait_for(lambda: re.search(r"reloaded .*: 0 feeds", work.daemon_log()), 10), \
            work.daemon_log()
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
    assert proc.returncode == 0, work.daemon_log()


@test
def status_json_has_the_fields(server, work):
    server.routes["/a.xml"] = Route(simple_atom(2, title="JSON A"))
    bad = free_port_url("/down.xml")
    work.write_config([server.url("/a.xml"), bad])
    assert work.run_once().returncode == 1
    r = fd(work, "status", "--json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert set(doc) == {"feeds", "totals"}
    assert doc["totals"] == {"feeds": 2, "failing": 1, "entries": 2}, doc["totals"]
    feeds = {f["url"]: f for f in doc["feeds"]}
    ok, down = feeds[server.url("/a.xml")], feeds[bad]
    for f in (ok, down):
        assert {"url", "title", "origin", "last_fetch", "last_status", "entries", "next_poll",
                "last_error", "fail_count"} <= set(f), f
        assert RFC3339.match(f["last_fetch"]) and RFC3339.match(f["next_poll"]), f
    assert ok["title"] == "JSON A" and ok["last_status"] == 200 and ok["entries"] == 2
    assert ok["last_error"] is None and ok["fail_count"] == 0 and ok["origin"] == "config"
    assert down["last_error"] and down["fail_count"] == 1 and down["last_status"] == 0
    # The text output is unchanged by the new flag.
    t = fd(work, "status")
    assert t.stdout.rstrip().endswith("2 feeds, 1 failing, 2 entries"), t.stdout


@test
def check_reports_health_with_exit_codes(server, work):
    server.routes["/a.xml"] = Route(simple_atom(1))
    work.write_config([])
    r = fd(work, "check")
    assert r.returncode == 1 and "no database" in r.stderr, r
    assert fd(work, "add", server.url("/a.xml")).returncode == 0
    r = fd(work, "check")
    assert r.returncode == 1 and "no feed has been fetched" in r.stderr, r
    assert work.run_once().returncode == 0
    r = fd(work, "check")
    assert r.returncode == 0 and r.stdout.startswith("ok: 1 feed, "), r
    bad = free_port_url("/down.xml")
    r = fd(work, "add", "--no-fetch", bad)
    assert r.returncode == 0, r
    for i in range(6):
        assert work.run_once().returncode == 1
        r = fd(work, "check")
        # Five failures in a row are tolerated, the sixth is a problem.
        assert r.returncode == (0 if i < 5 else 1), (i, r)
    assert r.stderr.startswith("%s: failed 6 times in a row: " % bad), r.stderr
    assert fd(work, "check", "--max-failures", "6").returncode == 0
    time.sleep(2.1)
    r = fd(work, "check", "--max-failures", "10", "--max-age", "1s")
    assert r.returncode == 1 and "no fetch in the last 1s" in r.stderr, r
    assert fd(work, "check", "--max-age", "soon").returncode == 2
    assert fd(work, "check", "--bogus", "x").returncode == 2
    with open(work.conf, "a") as f:
        f.write("no_such_key = 1\n")
    assert fd(work, "check").returncode == 2
