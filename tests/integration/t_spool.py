"""Large feeds (issue 6, memory that does not grow with the body): a body over 1 MiB is
spooled by the fetcher to an unlinked file beside the database and parsed from there in
pieces. What is stored must be exactly what `feedsd parse` (the whole document in memory)
gives for the same bytes, and the whole-document rules (a Latin-1 byte late in an
undeclared document, a broken document) must still hold."""
import json
import os
import sqlite3
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Route, test  # noqa: E402

WORDS = ("caf\u00e9 na\u00efve r\u00e9sum\u00e9 \u6570\u636e \u89e3\u6790 \U0001F600 feed parser "
         "entry daemon server cache socket buffer").split()


def big_rss(n, special=None, special_text=b"", declaration=b'<?xml version="1.0" encoding="UTF-8"?>\n'):
    """An RSS 2.0 document of n items, ~1.3 KB each, with non-ASCII text and relative URLs;
    item `special` gets special_text (bytes) in its description."""
    parts = [declaration, b'<rss version="2.0"><channel><title>Big</title>'
             b'<link>http://example.org/</link>\n']
    for k in range(n):
        words = " ".join(WORDS[(k + j) % len(WORDS)] for j in range(120))
        item = ('<item><title>Entry %d %s</title><link>http://example.org/p/%d</link>'
                '<guid>urn:big:%d</guid><pubDate>Mon, 02 Mar 2026 10:%02d:00 +0000</pubDate>'
                '<description><![CDATA[<p>%s <a href="/rel/%d">link</a> <img src="img/%d.png"></p>]]>'
                % (k, WORDS[k % len(WORDS)], k, k, k % 60, words, k, k)).encode("utf-8")
        if k == special:
            item += special_text
        parts.append(item + b"</description></item>\n")
    parts.append(b"</channel></rss>\n")
    return b"".join(parts)


def parsed(work, body, base):
    path = os.path.join(work.dir, "doc.xml")
    with open(path, "wb") as f:
        f.write(body)
    r = subprocess.run([work.feedsd, "parse", "--base-url", base, path], capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def stored(work):
    con = sqlite3.connect(work.db)
    try:
        return con.execute("SELECT guid, title, link, c.content, e.stage FROM entries e"
                           " LEFT JOIN entry_content c ON c.entry_id = e.id ORDER BY id").fetchall()
    finally:
        con.close()


# Every entry gets a file, so that every entry's HTML is stored and compared: the entries
# a first subscription's backlog holds back keep no HTML in the database (issue 20).
ALL = "backlog = all"
SEEN = 3        # the stage of an entry held back by the backlog


def check_same_as_parse(work, body, url):
    want = parsed(work, body, url)
    got = stored(work)
    assert len(got) == len(want["entries"]), (len(got), len(want["entries"]))
    for row, e in zip(got, want["entries"]):
        # the database keeps the content, else the summary (RSS description), of every
        # entry that gets a file, and no HTML of an entry held back
        html = None if row[4] == SEEN else e.get("content") or e.get("summary")
        want_row = (e.get("id"), e.get("title"), e.get("link"), html)
        assert row[:4] == want_row, (row[:3], want_row[:3], row[4])


def spool_files_left(work):
    return [f for f in os.listdir(work.dir) if f.startswith("feedsd-body-")]


@test
def large_feed_is_spooled_and_stored_like_parse(server, work):
    body = big_rss(1600)
    assert len(body) > 1536 * 1024, len(body)   # over the 1 MiB kept in memory
    server.routes["/big.xml"] = Route(body)
    url = server.url("/big.xml")
    work.write_config([url])
    r = work.run_once("-v")
    assert r.returncode == 0, r.stderr
    assert "parsing the %d-byte body from its spool file" % len(body) in r.stderr, r.stderr[-2000:]
    check_same_as_parse(work, body, url)
    md = [f for f in work.files() if f.endswith(".md")]
    assert len(md) == 5, (len(md), md[:10])
    assert not spool_files_left(work)
    # the same bytes again, without validators: recognised from the spooled body's hash
    r = work.run_once("-v")
    assert r.returncode == 0, r.stderr
    assert "body unchanged" in r.stderr, r.stderr[-2000:]


@test
def large_feed_gzip_and_chunked_is_spooled(server, work):
    body = big_rss(1200)
    server.routes["/big.xml"] = Route(body, gzip_body=True)
    url = server.url("/big.xml")
    work.write_config([url], ALL)
    r = work.run_once("-v")
    assert r.returncode == 0, r.stderr
    assert "from its spool file" in r.stderr, r.stderr[-2000:]
    check_same_as_parse(work, body, url)


@test
def large_spooled_feed_with_a_late_latin1_byte_is_read_whole(server, work):
    # no declaration, valid UTF-8 for 1.9 MB, then one Latin-1 byte: the whole document
    # is windows-1252 by the rule feed_parse applies, so the early text changes too
    body = big_rss(1500, special=1400, special_text=b" caf\xe9 ", declaration=b"")
    server.routes["/big.xml"] = Route(body, content_type="application/xml")
    url = server.url("/big.xml")
    work.write_config([url], ALL)
    r = work.run_once()
    assert r.returncode == 0, r.stderr
    check_same_as_parse(work, body, url)
    rows = stored(work)
    assert len(rows) == 1500


@test
def large_spooled_broken_feed_is_recovered_like_parse(server, work):
    body = big_rss(1500, special=1450, special_text=b" AT&T <b>unclosed ")
    server.routes["/big.xml"] = Route(body)
    url = server.url("/big.xml")
    work.write_config([url], ALL)
    r = work.run_once()
    assert r.returncode == 0, r.stderr
    check_same_as_parse(work, body, url)
    assert len(stored(work)) >= 1450


def tricky_rss(n, edit=False):
    """A large RSS document whose identities need the whole document: a GUID repeated
    far apart with different text, an item listed twice, items with neither guid nor
    link, two items sharing a link (the alias is dropped from both), dates out of order
    (the newest 5 of a first fetch are spread through it), enclosures. edit: the second
    version (one item's text changed, one new item first, the last one gone)."""
    items = []
    for k in range(n):
        if edit and k == n - 1:
            continue
        guid = "<guid>urn:t:%d</guid>" % k
        link = "<link>http://example.org/t/%d</link>" % k
        text = " ".join(WORDS[(k * 7 + j) % len(WORDS)] for j in range(150))
        if k in (10, n - 100):
            guid = "<guid>urn:t:shared</guid>"
        if k in (20, n - 80):
            guid, link, text = "<guid>urn:t:twice</guid>", "<link>http://example.org/twice</link>", "same"
        if k in (30, n - 60):
            guid, link = "", ""
        if k in (40, n - 40):
            link = "<link>http://example.org/shared-link</link>"
        if edit and k == 100:
            text += " (edited)"
        title = "T %d %s" % (k, WORDS[k % len(WORDS)]) if k not in (20, n - 80) else "Twice"
        day = 1 + (k * 37) % 28
        enc = ('<enclosure url="http://example.org/a/%d.mp3" type="audio/mpeg" length="%d"/>' % (k, k)
               if k % 50 == 0 else "")
        if k in (20, n - 80):
            day, enc, k_link = 5, "", 20
        else:
            k_link = k
        items.append("<item><title>%s</title>%s%s<pubDate>%02d Mar 2026 %02d:00:00 +0000</pubDate>"
                     "%s<description><![CDATA[<p>%s <a href=\"/r/%d\">r</a></p>]]></description></item>\n"
                     % (title, guid, link, day, k_link % 24, enc, text, k_link))
    if edit:
        items.insert(0, "<item><title>New first</title><guid>urn:t:new</guid>"
                        "<pubDate>30 Mar 2026 12:00:00 +0000</pubDate>"
                        "<description>brand new</description></item>\n")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>T</title>'
            '<link>http://example.org/</link>\n' + "".join(items) + "</channel></rss>\n").encode()


def db_state(work):
    con = sqlite3.connect(work.db)
    try:
        entries = con.execute(
            "SELECT key, guid, link, title, author, published, updated, c.content, content_hash,"
            " stage, backlog, path FROM entries e LEFT JOIN entry_content c"
            " ON c.entry_id = e.id ORDER BY key").fetchall()
        keys = con.execute("SELECT key, (SELECT e.key FROM entries e WHERE e.id = k.entry_id)"
                           " FROM entry_keys k ORDER BY key").fetchall()
        return entries, keys
    finally:
        con.close()


@test
def spooled_and_in_memory_store_the_same(server, work):
    # The same feed stored twice: all in memory (FEEDSD_SPOOL_MEM=0) and spooled (two
    # passes over the file); database rows, keys and files must be identical.
    from harness import Work
    other = Work(work.feedsd)
    try:
        url = server.url("/t.xml")
        server.routes["/t.xml"] = Route(tricky_rss(1500))
        assert len(server.routes["/t.xml"].body) > 1536 * 1024
        mem_env = dict(os.environ, FEEDSD_SPOOL_MEM="0")
        for w in (work, other):
            w.write_config([url])
        for version in (0, 1):
            if version:
                server.routes["/t.xml"] = Route(tricky_rss(1500, edit=True))
            r1 = work.run_once("-v", env=mem_env)
            r2 = other.run_once("-v")
            assert r1.returncode == 0 and r2.returncode == 0, (r1.stderr, r2.stderr)
            assert "spool file" not in r1.stderr and "spool file" in r2.stderr
            a, b = db_state(work), db_state(other)
            assert len(a[0]) > 1400, len(a[0])
            assert a[0] == b[0], [(x[:4], y[:4]) for x, y in zip(a[0], b[0]) if x != y][:3]
            assert a[1] == b[1], [(x, y) for x, y in zip(a[1], b[1]) if x != y][:3]
            fa = {p: work.read(p) for p in work.files()}
            fb = {p: other.read(p) for p in other.files()}
            assert fa == fb, sorted(set(fa) ^ set(fb))
            la = [l.split("]: ", 1)[-1] for l in r1.stderr.splitlines() if "entries," in l]
            lb = [l.split("]: ", 1)[-1] for l in r2.stderr.splitlines() if "entries," in l]
            assert la == lb and la, (la, lb)
        # the repeated guid, the item listed twice, the shared link were all exercised
        keys = [k for k, _ in a[1]]
        assert sum(k.startswith("id:urn:t:shared") for k in keys) == 2, keys[:5]
        assert sum(k.startswith("id:urn:t:twice") for k in keys) == 1
        assert sum(k.startswith("hash:") for k in keys) == 2
        assert not any(k == "url:http://example.org/shared-link" for k in keys)
        assert any("1 updated" in l for l in la), la
    finally:
        other.cleanup()
