"""The output as a feed and as daily digests (issue 18, item 5): output_feed = PATH keeps an
Atom file of the newest posts with their summaries (validated with xmllint against
tests/data/schemas/atom-output.rng), digest = daily one markdown file per day; both are
made from the database, so they come back when deleted and are right after a crash."""
import os
import re
import subprocess
import xml.etree.ElementTree as ET

import harness
from harness import test

HERE = os.path.dirname(os.path.abspath(__file__))
RNG = os.path.join(HERE, "..", "data", "schemas", "atom-output.rng")
A = "{http://www.w3.org/2005/Atom}"


def summary_of(text):
    return text.split("\n## Summary\n", 1)[1].split("## Full Content\n", 1)[0].strip()


def check_atom(path):
    r = subprocess.run(["xmllint", "--noout", "--relaxng", RNG, path], capture_output=True,
                       text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    root = ET.parse(path).getroot()
    for e in root.findall(A + "entry"):
        # RFC 4287 4.1.2: an entry without content has an alternate link
        assert any(l.get("rel") == "alternate" for l in e.findall(A + "link")), ET.tostring(e)
    return root


@test
def output_feed_lists_the_newest_posts_with_summaries(server, work):
    """The newest output_feed_size posts, newest first, each with its file's summary and a
    link to the file that resolves from the feed's folder (here outside the output folder);
    rewritten with the next batch; deleted, it is made again at the next start from the
    database alone."""
    server.routes["/a.xml"] = harness.Route(harness.simple_atom(5))
    feed = os.path.join(work.dir, "public", "feed.xml")
    work.write_config([server.url("/a.xml")],
                      "backlog = all\noutput_feed = %s\noutput_feed_size = 3" % feed)
    r = work.run_once()
    assert r.returncode == 0, r.stderr
    root = check_atom(feed)
    entries = root.findall(A + "entry")
    assert [e.find(A + "title").text for e in entries] == \
        ["Post number 4", "Post number 3", "Post number 2"], ET.tostring(root)
    for e in entries:
        rel = [l.get("href") for l in e.findall(A + "link") if l.get("type") == "text/markdown"]
        assert len(rel) == 1, ET.tostring(e)
        target = os.path.normpath(os.path.join(os.path.dirname(feed), rel[0]))
        assert target.startswith(work.out + "/") and os.path.exists(target), (rel, target)
        with open(target) as f:
            text = f.read()
        assert e.find(A + "summary").text == summary_of(text), (e.find(A + "summary").text, text)
        assert re.fullmatch(r"urn:feedsd:entry:[0-9a-f]{16}", e.find(A + "id").text)
    first = open(feed).read()

    server.routes["/a.xml"] = harness.Route(harness.simple_atom(6))
    assert work.run_once().returncode == 0
    root = check_atom(feed)
    assert [e.find(A + "title").text for e in root.findall(A + "entry")] == \
        ["Post number 5", "Post number 4", "Post number 3"]
    assert not [n for n in os.listdir(os.path.dirname(feed)) if n != "feed.xml"], \
        os.listdir(os.path.dirname(feed))
    second = open(feed).read()
    assert second != first

    os.unlink(feed)
    assert work.run_once().returncode == 0   # nothing new: only the database
    assert open(feed).read() == second


def two_day_feed():
    items = [harness.rss_item("g%d" % i, "Item %d" % i, "http://example.org/i%d" % i, date,
                              harness.esc("<p>Text of item %d, with enough words to summarize"
                                          " it well.</p>" % i))
             for i, date in enumerate(["Mon, 02 Dec 2024 09:00:00 GMT",
                                       "Mon, 02 Dec 2024 23:30:00 GMT",
                                       "Tue, 03 Dec 2024 01:00:00 GMT"])]
    return harness.rss_feed(items, title="Daily Source")


@test
def digest_daily_lists_each_days_posts(server, work):
    """One file per day (in timezone: 23:30 UTC is the next day in Europe/Paris), the day's
    posts in order with their summaries and links to their files; a deleted digest comes
    back from the database, and a day left marked by a crash (the post marked written, its
    digest not yet rewritten) is rewritten at the next start."""
    server.routes["/d.xml"] = harness.Route(two_day_feed())
    work.write_config([server.url("/d.xml")],
                      "backlog = all\ndigest = daily\ntimezone = Europe/Paris")
    r = work.run_once()
    assert r.returncode == 0, r.stderr
    digests = sorted(p for p in work.files() if p.startswith("digest/"))
    assert digests == ["digest/2024-12-02.md", "digest/2024-12-03.md"], work.files()
    d2 = work.read("digest/2024-12-02.md")
    d3 = work.read("digest/2024-12-03.md")
    fm = harness.front_matter_dict(d2)
    assert fm["title"] == "Posts of 2024-12-02" and fm["date"] == "2024-12-02", fm
    assert fm["extra"]["posts"] == "1", fm
    links3 = re.findall(r"^## \[(.*?)\]\((.*?)\)$", d3, re.M)
    assert [t for t, _ in links3] == ["Item 1", "Item 2"], d3
    for _, link in links3:
        target = os.path.normpath(os.path.join(work.out, "digest", link))
        assert os.path.exists(target), link
        assert summary_of(open(target).read()) in d3
    assert "Daily Source, 00:30 · [source](http://example.org/i1)" in d3, d3
    assert work.sql("SELECT count(*) FROM digest_days") == "0"

    os.unlink(os.path.join(work.out, "digest", "2024-12-02.md"))
    with open(os.path.join(work.out, "digest", "2024-12-03.md"), "w") as f:
        f.write(d3.split("## [Item 2]")[0])   # as a crash before its rewrite left it
    work.sql("INSERT INTO digest_days (day) VALUES ('2024-12-03')")
    assert work.run_once().returncode == 0
    assert work.read("digest/2024-12-02.md") == d2
    assert work.read("digest/2024-12-03.md") == d3
    assert work.sql("SELECT count(*) FROM digest_days") == "0"


@test
def check_refuses_bad_view_keys(server, work):
    """digest and output_feed_size take only their values; `feedsd check` says which."""
    for line, want in (("digest = weekly", "digest"), ("output_feed_size = 0", "output_feed_size")):
        work.write_config([server.url("/x.xml")], line)
        r = subprocess.run([work.feedsd, "check", "-c", work.conf], capture_output=True,
                           text=True, timeout=30)
        assert r.returncode == 2, (line, r)
        assert want in r.stderr, (line, r.stderr)
