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
        return con.execute("SELECT guid, title, link, content FROM entries ORDER BY id").fetchall()
    finally:
        con.close()


def check_same_as_parse(work, body, url):
    want = parsed(work, body, url)
    got = stored(work)
    assert len(got) == len(want["entries"]), (len(got), len(want["entries"]))
    for row, e in zip(got, want["entries"]):
        # the database keeps the content, else the summary (RSS description)
        want_row = (e.get("id"), e.get("title"), e.get("link"), e.get("content") or e.get("summary"))
        assert row == want_row, (row[:3], want_row[:3])


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
    assert len([f for f in work.files() if f.endswith(".md")]) == 5, work.files()
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
    work.write_config([url])
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
    work.write_config([url])
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
    work.write_config([url])
    r = work.run_once()
    assert r.returncode == 0, r.stderr
    check_same_as_parse(work, body, url)
    assert len(stored(work)) >= 1450
