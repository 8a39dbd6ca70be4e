"""Categories (issue 19, item 1): a feed's folder from a [feed] section's `category`, an OPML
subscription file's folders or `feedsd add --category`, shown by list and status, and used by
the daemon in `{category}` of `filename` and in the front matter's `extra.feed_category`.
Owner: subscriptions engineer."""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import front_matter_dict, simple_atom, Route, test  # noqa: E402


def fd(work, *args):
    return subprocess.run([work.feedsd] + list(args) + ["-c", work.conf], capture_output=True,
                          text=True, timeout=60)


def by_feed(work):
    """{feed title: [(relative path, front matter)]} of every output file."""
    out = {}
    for rel in work.files():
        fm = front_matter_dict(work.read(rel))
        out.setdefault(fm["extra"]["feed"], []).append((rel, fm))
    return out


@test
def category_names_folders_and_front_matter(server, work):
    server.routes["/lwn.xml"] = Route(simple_atom(2, prefix="kernel", title="LWN"))
    server.routes["/go.xml"] = Route(simple_atom(1, prefix="gopher", title="Go Blog"))
    server.routes["/plain.xml"] = Route(simple_atom(1, prefix="plain", title="Plain"))
    server.routes["/zh.xml"] = Route(simple_atom(1, prefix="zh", title="Zh"))
    # A subscription file's folders are the categories of its feeds.
    opml = os.path.join(work.dir, "subs.opml")
    with open(opml, "w", encoding="utf-8") as f:
        f.write('<?xml version="1.0"?>\n<opml version="2.0"><head><title>s</title></head><body>'
                '<outline text="Dev"><outline text="Go Blog" xmlUrl="%s"/></outline>'
                '</body></opml>\n' % server.url("/go.xml"))
    work.write_config([server.url("/plain.xml")],
                      "backlog = all\nfilename = {category}/{slug}.md\nfeeds = %s" % opml)
    with open(work.conf, "a") as f:
        f.write("[feed %s]\ncategory = \" Tech / Linux \"\n" % server.url("/lwn.xml"))
        f.write("[feed %s]\ncategory = 新闻\n" % server.url("/zh.xml"))
    r = work.run_once()
    assert r.returncode == 0, r.stderr
    files = by_feed(work)
    assert sorted(p for p, _ in files["LWN"]) == ["tech/linux/kernel-number-0.md",
                                                   "tech/linux/kernel-number-1.md"], files
    assert [p for p, _ in files["Go Blog"]] == ["dev/gopher-number-0.md"], files
    # Without a category the level vanishes; a name without Latin letters is hashed.
    assert [p for p, _ in files["Plain"]] == ["plain-number-0.md"], files
    zh = files["Zh"][0][0]
    assert zh.startswith("category-") and zh.endswith("/zh-number-0.md") and len(zh.split("/")[0]) == 17, zh
    for p, fm in files["LWN"]:
        assert fm["extra"]["feed_category"] == "Tech/Linux", fm
    assert files["Go Blog"][0][1]["extra"]["feed_category"] == "Dev"
    assert files["Zh"][0][1]["extra"]["feed_category"] == "新闻"
    assert "feed_category" not in files["Plain"][0][1]["extra"], files["Plain"]
    # The key sits after feed: (docs/output-format.md).
    text = work.read("tech/linux/kernel-number-0.md")
    assert "\n  feed: LWN\n  feed_category: Tech/Linux\n" in text, text

    # list and status, as text and JSON.
    lst = {s["url"]: s["category"] for s in json.loads(fd(work, "list", "--json").stdout)}
    assert lst == {server.url("/lwn.xml"): "Tech/Linux", server.url("/go.xml"): "Dev",
                   server.url("/plain.xml"): None, server.url("/zh.xml"): "新闻"}, lst
    st = {f["url"]: f["category"] for f in json.loads(fd(work, "status", "--json").stdout)["feeds"]}
    assert st == lst, st
    text = fd(work, "list").stdout
    assert any(l.split()[2:4] == [server.url("/lwn.xml"), "Tech/Linux"] for l in text.splitlines()), text
    text = fd(work, "status").stdout
    assert any(l.startswith(server.url("/go.xml")) and "  Dev  " in l for l in text.splitlines()), text

    # A category moved in the configuration follows at the next run: new posts go there.
    server.routes["/lwn.xml"] = Route(simple_atom(3, prefix="kernel", title="LWN"))
    with open(work.conf, encoding="utf-8") as f:
        conf = f.read()
    with open(work.conf, "w", encoding="utf-8") as f:
        f.write(conf.replace('" Tech / Linux "', "Kernel"))
    r = work.run_once()
    assert r.returncode == 0, r.stderr
    assert "kernel/kernel-number-2.md" in work.files(), work.files()


@test
def add_takes_a_category_and_bad_ones_are_refused(server, work):
    server.routes["/a.xml"] = Route(simple_atom(1, title="A"))
    work.write_config([])
    r = fd(work, "add", "--category", "Home/ Blogs ", server.url("/a.xml"))
    assert r.returncode == 0, r.stderr
    got = json.loads(fd(work, "list", "--json").stdout)
    assert [(s["url"], s["category"]) for s in got] == [(server.url("/a.xml"), "Home/Blogs")], got
    # A category that is only separators or blanks is an error of its line.
    work.write_config([])
    with open(work.conf, "a") as f:
        f.write("[feed %s]\ncategory = \" / \"\n" % server.url("/b.xml"))
    r = fd(work, "list")
    assert r.returncode == 2, r
    assert "feedsd.conf:9: category: expected a category name or a path such as Tech/Linux" \
        in r.stderr, r.stderr
    work.write_config([], "filename = {categroy}/{slug}.md")
    r = fd(work, "list")
    assert r.returncode == 2 and "unknown placeholder {categroy}" in r.stderr, r.stderr
