"""Filters (issue 19, item 2): global and per-feed include / exclude rules on title, content,
author, categories and link. A dropped entry is stored (it never comes back as new) but
gets no file and no summary request; `status` counts what each rule dropped; `feedsd
test-rules` shows which entries a rule set keeps. Owner: subscriptions engineer."""
import json
import os
import stat
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Route, esc, front_matter_dict, test  # noqa: E402

POSTS = [
    # id, title, author, categories, content
    ("rust", "Rust 1.80 released", "Ferris", ["Rust", "Release"], "<p>LazyCell is stable.</p>"),
    ("ad", "SPONSORED: the best VPN", "Marketing", [], "<p>Buy it now.</p>"),
    ("coin", "Weekly links", "Editor", ["Links"], "<p>Why <b>Crypto</b>currency fails.</p>"),
    ("spam", "Totally normal post", "Spam Bot", ["Misc"], "<p>Nothing to see.</p>"),
    ("go", "Go 1.23 is out", "Gopher", ["Go"], "<p>Iterators arrive.</p>"),
]


def atom(posts, title="Mixed"):
    entries = "".join(
        '<entry><id>urn:%s</id><title>%s</title><author><name>%s</name></author>%s'
        '<link rel="alternate" href="http://example.org/%s"/>'
        '<updated>2026-02-%02dT10:00:00Z</updated><content type="html">%s</content></entry>'
        % (pid, esc(t), esc(a), "".join('<category term="%s"/>' % c for c in cats), pid, i + 1,
           esc(html))
        for i, (pid, t, a, cats, html) in enumerate(posts))
    return ('<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
            '<title>%s</title><id>urn:feed</id><updated>2026-02-01T00:00:00Z</updated>%s</feed>'
            % (title, entries))


def fd(work, *args):
    return subprocess.run([work.feedsd] + list(args) + ["-c", work.conf], capture_output=True,
                          text=True, timeout=60)


RULES = ("[feed %s]\n"
         "exclude = author, categories: ^Spam\n"
         "exclude = content: (?i)crypto|nft\n")


@test
def dropped_entries_get_no_file_and_no_summary(server, work):
    server.routes["/mixed.xml"] = Route(atom(POSTS))
    server.routes["/other.xml"] = Route(atom(POSTS[:2], title="Other"))
    calls = os.path.join(work.dir, "calls.log")
    sh = os.path.join(work.dir, "sum.sh")
    with open(sh, "w") as f:
        f.write('#!/bin/sh\necho "$FEEDSD_TITLE" >> "%s"\necho "A summary."\n' % calls)
    os.chmod(sh, os.stat(sh).st_mode | stat.S_IEXEC)
    work.write_config([server.url("/other.xml")],
                      "backlog = all\nsummarizer = command\nsummary_min_length = 0\n"
                      "summarize_backlog = yes\ncommand = %s\n"
                      "exclude = title: (?i)^sponsored\n"
                      # the two feeds carry the same posts on purpose: one file each, so
                      # that each feed's rules show in its own files
                      "duplicates = keep\n" % sh)
    with open(work.conf, "a") as f:
        f.write(RULES % server.url("/mixed.xml"))
    r = work.run_once("-v")
    assert r.returncode == 0, r.stderr
    titles = sorted(front_matter_dict(work.read(p))["title"] for p in work.files())
    # The global rule drops the ad in both feeds; the section's rules only in its feed.
    assert titles == ["Go 1.23 is out", "Rust 1.80 released", "Rust 1.80 released"], titles
    assert "%s: 5 entries, 2 new, 0 updated, 3 filtered out" % server.url("/mixed.xml") \
        in r.stderr, r.stderr
    with open(calls) as f:
        summarized = sorted(f.read().split("\n")[:-1])
    assert summarized == titles, summarized
    # Stored as seen (stage 3), so they never come back as new.
    assert work.sql("select count(*) from entries where stage = 3") == "4"

    # status counts what each rule dropped, per feed.
    st = {f["url"]: f for f in json.loads(fd(work, "status", "--json").stdout)["feeds"]}
    assert st[server.url("/mixed.xml")]["filtered"] == [
        {"rule": "exclude author,categories: ^Spam", "entries": 1},
        {"rule": "exclude content: (?i)crypto|nft", "entries": 1},
        {"rule": "exclude title: (?i)^sponsored", "entries": 1}], st
    assert st[server.url("/other.xml")]["filtered"] == [
        {"rule": "exclude title: (?i)^sponsored", "entries": 1}], st
    text = fd(work, "status").stdout
    assert "  filtered out: 1 entry by exclude content: (?i)crypto|nft" in text.splitlines(), text

    # The next poll of the same document: nothing new, nothing counted twice.
    r = work.run_once()
    assert r.returncode == 0, r.stderr
    assert len(work.files()) == 3, work.files()
    st = {f["url"]: f for f in json.loads(fd(work, "status", "--json").stdout)["feeds"]}
    assert sum(d["entries"] for d in st[server.url("/mixed.xml")]["filtered"]) == 3, st


@test
def include_rules_keep_only_what_matches(server, work):
    server.routes["/mixed.xml"] = Route(atom(POSTS))
    work.write_config([], "backlog = all")
    with open(work.conf, "a") as f:
        f.write("[feed %s]\ninclude = categories: ^(Rust|Go)$\ninclude = link: /spam$\n"
                % server.url("/mixed.xml"))
    r = work.run_once()
    assert r.returncode == 0, r.stderr
    titles = sorted(front_matter_dict(work.read(p))["title"] for p in work.files())
    assert titles == ["Go 1.23 is out", "Rust 1.80 released", "Totally normal post"], titles
    st = json.loads(fd(work, "status", "--json").stdout)["feeds"][0]
    assert st["filtered"] == [{"rule": "include: no include rule matched", "entries": 2}], st


@test
def test_rules_shows_what_a_rule_set_keeps(server, work):
    server.routes["/mixed.xml"] = Route(atom(POSTS))
    work.write_config([], "exclude = title: (?i)^sponsored")
    with open(work.conf, "a") as f:
        f.write(RULES % server.url("/mixed.xml"))
    r = fd(work, "test-rules", server.url("/mixed.xml"))
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].split() == ["RESULT", "RULE", "TITLE"], lines
    want = [("keep", "-", "Rust 1.80 released"),
            ("drop", "exclude title: (?i)^sponsored", "SPONSORED: the best VPN"),
            ("drop", "exclude content: (?i)crypto|nft", "Weekly links"),
            ("drop", "exclude author,categories: ^Spam", "Totally normal post"),
            ("keep", "-", "Go 1.23 is out")]
    for line, (res, rule, title) in zip(lines[1:], want):
        assert line.startswith(res + "  ") and rule in line and line.endswith(title), (line, rule)
    assert lines[-1] == "5 entries: 2 kept, 3 dropped", lines
    assert work.files() == [] and not os.path.exists(work.db)   # nothing stored

    # A saved document with --feed: the same; without it, the global rules only.
    path = os.path.join(work.dir, "saved.xml")
    with open(path, "w") as f:
        f.write(atom(POSTS))
    r = fd(work, "test-rules", "--json", "--feed", server.url("/mixed.xml"), path)
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert (doc["kept"], doc["dropped"]) == (2, 3), doc
    assert [e["kept"] for e in doc["entries"]] == [True, False, False, False, True], doc
    r = fd(work, "test-rules", "--json", path)
    assert (json.loads(r.stdout)["kept"], json.loads(r.stdout)["dropped"]) == (4, 1), r.stdout


@test
def bad_rules_are_configuration_errors(server, work):
    cases = [
        ("exclude = title: (unclosed", "exclude: bad regular expression \"(unclosed\": "),
        ("exclude = body: x", "exclude: expected \"FIELDS: REGEX\" with FIELDS from title, "
                              "content, author, categories, link, any"),
        ("include = no colon here", "include: expected \"FIELDS: REGEX\""),
        ("exclude = title:   ", "exclude: "),
        ("exlude = title: x", "exlude: unknown key; did you mean exclude?"),
    ]
    for line, want in cases:
        work.write_config([], line)
        r = fd(work, "list")
        assert r.returncode == 2, (line, r)
        assert "feedsd.conf:8: " + want in r.stderr, (line, r.stderr)


@test
def a_spooled_document_is_filtered_the_same(server, work):
    # A body over FEEDSD_SPOOL_MEM is stored from a file in two passes (ingest.c): the
    # rules see each entry of the second pass whole.
    server.routes["/mixed.xml"] = Route(atom(POSTS))
    work.write_config([], "backlog = all\nexclude = title: (?i)^sponsored")
    with open(work.conf, "a") as f:
        f.write(RULES % server.url("/mixed.xml"))
    r = work.run_once("-v", env=dict(os.environ, FEEDSD_SPOOL_MEM="1K"))
    assert r.returncode == 0, r.stderr
    assert "spool file" in r.stderr, r.stderr
    titles = sorted(front_matter_dict(work.read(p))["title"] for p in work.files())
    assert titles == ["Go 1.23 is out", "Rust 1.80 released"], titles
    st = json.loads(fd(work, "status", "--json").stdout)["feeds"][0]
    assert sum(d["entries"] for d in st["filtered"]) == 3, st
