"""Hostile feeds (issue 6): each test serves one hostile document next to a normal feed,
runs `feedsd run --once`, and checks that the outcome is bounded (time, files, memory
through the size cap) and logged, and that the normal feed is unaffected:
  - exit status 0 or 1 (1 exactly when the hostile feed is expected to fail), and then a
    stderr line that names the hostile feed;
  - the normal feed's two posts are written;
  - nothing is written outside the output folder, every written file's front matter
    parses, and the database passes PRAGMA integrity_check.
Owner: fuzzing/hardening engineer."""
import os
import sqlite3
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Route, front_matter_dict, rss_feed, rss_item, simple_atom, test  # noqa: E402

PASSWD_MARK = b"root:x:0:0"     # the first line of /etc/passwd on every Linux system


def md_files(work):
    return [f for f in work.files() if f.endswith(".md")]


def rss_doc(items_xml, title="Hostile", prolog='<?xml version="1.0" encoding="utf-8"?>\n'):
    """Bytes of an RSS 2.0 document; items_xml is bytes or str of <item> elements."""
    if isinstance(items_xml, str):
        items_xml = items_xml.encode("utf-8")
    if isinstance(title, str):
        title = title.encode("utf-8")
    if isinstance(prolog, str):
        prolog = prolog.encode("utf-8")
    return (prolog + b'<rss version="2.0"><channel><title>' + title +
            b"</title><link>http://evil.example/</link><description>d</description>" +
            items_xml + b"</channel></rss>")


def item(guid, title, date="Wed, 07 Jan 2026 08:00:00 +0000", body="Plain body text."):
    t = title if isinstance(title, bytes) else title.encode("utf-8")
    return (b"<item><guid>" + guid.encode() + b"</guid><title>" + t + b"</title><link>"
            b"http://evil.example/" + guid.encode() + b"</link><pubDate>" + date.encode() +
            b"</pubDate><description>" + body.encode() + b"</description></item>")


def check_invariants(work):
    """Nothing outside out/, every file parses, the database is intact. Returns the
    front matter of every .md file by path."""
    allowed = {"feedsd.conf", "feedsd.db", "feedsd.db-wal", "feedsd.db-shm", "out",
               "daemon.log", "feedsd.db-journal"}
    stray = [n for n in os.listdir(work.dir) if n not in allowed]
    assert not stray, "files outside the output folder: %r" % stray
    out_real = os.path.realpath(work.out)
    fms = {}
    for rel in work.files():
        path = os.path.join(work.out, rel)
        assert os.path.realpath(path).startswith(out_real + os.sep), rel
        assert not os.path.islink(path), rel
        assert rel.endswith(".md"), "unexpected file %r" % rel
        for comp in rel.split(os.sep):
            assert comp and not comp.startswith(".") and len(comp.encode()) <= 255, rel
        with open(path, "rb") as f:
            raw = f.read()
        assert PASSWD_MARK not in raw, "/etc/passwd leaked into %s" % rel
        fms[rel] = front_matter_dict(raw.decode("utf-8"))
    with open(work.db, "rb") as f:
        assert PASSWD_MARK not in f.read(), "/etc/passwd leaked into the database"
    con = sqlite3.connect(work.db)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        con.close()
    return fms


def run_case(server, work, route, fails, extra="", limit=20.0, name="/evil.xml"):
    """Serves route at name next to a normal feed, runs once, checks the common promises.
    Returns (result, front matter by path of the hostile feed's files)."""
    server.routes["/ok.xml"] = Route(simple_atom(2, prefix="normal"))
    server.routes[name] = route
    evil = server.url(name)
    work.write_config([evil, server.url("/ok.xml")], "backlog = all\n" + extra)
    t0 = time.time()
    r = work.run_once(timeout=limit + 30)
    took = time.time() - t0
    assert took < limit, "took %.1fs" % took
    assert r.returncode in (0, 1), (r.returncode, r.stderr[-2000:])
    assert "AddressSanitizer" not in r.stderr and "runtime error" not in r.stderr, r.stderr[-3000:]
    if fails:
        assert r.returncode == 1, (r.returncode, r.stderr[-2000:])
        assert any(evil in l for l in r.stderr.splitlines()), r.stderr[-2000:]
    else:
        assert r.returncode == 0, r.stderr[-2000:]
    fms = check_invariants(work)
    normal = [p for p, fm in fms.items() if fm["title"].startswith("Normal number")]
    assert len(normal) == 2, sorted(fms)
    return r, {p: fm for p, fm in fms.items() if p not in normal}


# ---------------------------------------------------------------- entity and DTD attacks

@test
def hostile_billion_laughs(server, work):
    lol = ['<!ENTITY lol "lol">']
    for i in range(1, 10):
        lol.append('<!ENTITY lol%d "%s">' % (i, ("&lol%s;" % (i - 1 if i > 1 else "")) * 10))
    doc = ('<?xml version="1.0"?>\n<!DOCTYPE rss [%s]>' % "".join(lol)).encode() + \
        rss_doc(item("1", "&lol9;"), prolog=b"")
    r, evil = run_case(server, work, Route(doc), fails=True, limit=15)
    assert "entit" in r.stderr, r.stderr
    assert not evil


@test
def hostile_quadratic_blowup(server, work):
    # One plain entity of 4000 bytes referenced 600 times (2.4 MB from a 7 KB document):
    # plain entities are expanded, but not past 1 MiB in all.
    big = "".join(chr(ord("a") + i % 26) for i in range(4000))
    doc = ('<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY big "%s">]>' % big).encode() + \
        rss_doc(item("1", "Blowup", body="&big;" * 600), prolog=b"")
    r, evil = run_case(server, work, Route(doc), fails=True, limit=15)
    assert "entities expand to more than 1 MiB" in r.stderr, r.stderr
    assert not evil


@test
def hostile_plain_entity_is_read(server, work):
    # The same entity referenced twice is a feed like any other.
    doc = b'<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY co "ACME &amp; Co.">]>' + \
        rss_doc(item("1", "News from &co;", body="&co; &co;"), prolog=b"")
    r, evil = run_case(server, work, Route(doc), fails=False)
    assert [fm["title"] for fm in evil.values()] == ["News from ACME & Co."], evil


@test
def hostile_xxe_file_entity(server, work):
    doc = (b'<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]>' +
           rss_doc(item("1", "&x;", body="&x;"), prolog=b""))
    r, evil = run_case(server, work, Route(doc), fails=True)
    assert not evil
    assert PASSWD_MARK.decode() not in r.stderr + r.stdout


@test
def hostile_xxe_parameter_entity_and_external_dtd(server, work):
    server.routes["/evil.dtd"] = Route(b'<!ENTITY x SYSTEM "file:///etc/passwd">',
                                       content_type="application/xml-dtd")
    dtd = server.url("/evil.dtd")
    # A parameter entity pulling the DTD in: refused like any declaration.
    doc = ('<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY %% p SYSTEM "%s"> %%p;]>' % dtd).encode() + \
        rss_doc(item("1", "&x;"), prolog=b"")
    run_case(server, work, Route(doc), fails=True)
    assert not server.requests_for("/evil.dtd"), "the external DTD was fetched"


@test
def hostile_external_dtd_is_never_loaded(server, work):
    server.routes["/evil.dtd"] = Route(b'<!ENTITY x SYSTEM "file:///etc/passwd">',
                                       content_type="application/xml-dtd")
    # An external subset alone declares nothing in the document: the feed is read (the
    # undefined &x; is dropped or kept literally), and the DTD is never requested.
    doc = ('<?xml version="1.0"?>\n<!DOCTYPE rss SYSTEM "%s">' % server.url("/evil.dtd")).encode() + \
        rss_doc(item("1", "Title with &x; ref") + item("2", "Second"), prolog=b"")
    r, evil = run_case(server, work, Route(doc), fails=False)
    assert not server.requests_for("/evil.dtd"), "the external DTD was fetched"
    assert len(evil) == 2, sorted(evil)


# ---------------------------------------------------------------- size and time bounds

@test
def hostile_deep_nesting(server, work):
    depth = 100000
    doc = rss_doc(item("1", "Before the abyss") + b"<item><description>" + b"<a>" * depth +
                  b"x" + b"</a>" * depth + b"</description></item>" + item("2", "After"))
    r, evil = run_case(server, work, Route(doc), fails=False, limit=20)
    titles = {fm["title"] for fm in evil.values()}
    assert "Before the abyss" in titles, titles


@test
def hostile_body_larger_than_max_size(server, work):
    big = rss_doc(b"".join(item(str(i), "Entry %d" % i, body="x" * 2000) for i in range(1500)))
    assert len(big) > 2 * 1024 * 1024
    r, evil = run_case(server, work, Route(big), fails=True, extra="max_size = 1M")
    assert "larger than" in r.stderr, r.stderr
    assert not evil


@test
def hostile_endless_chunked_body(server, work):
    route = Route(rss_doc(b"", prolog=b"")[:-len(b"</channel></rss>")],
                  endless=item("x", "again and again").decode())
    r, evil = run_case(server, work, route, fails=True, extra="max_size = 2M", limit=20)
    assert "larger than" in r.stderr, r.stderr
    assert not evil


@test
def hostile_multi_gigabyte_content_length(server, work):
    route = Route(b"<rss>", endless=b"x" * 4096, declared_length=5 * 1024 ** 3)
    r, evil = run_case(server, work, route, fails=True, extra="max_size = 1M", limit=20)
    assert "larger than" in r.stderr, r.stderr
    assert not evil


@test
def hostile_trickling_server(server, work):
    # One byte a second: the 3 s transfer timeout ends it, not the 100 s the body needs.
    route = Route(rss_doc(item("1", "Slow")), chunk_size=1, chunk_delay=1.0)
    r, evil = run_case(server, work, route, fails=True, extra="timeout = 3s", limit=12)
    assert not evil


# ---------------------------------------------------------------- hostile text

@test
def hostile_invalid_utf8(server, work):
    doc = rss_doc(item("1", b"Caf\xe9 \xff\xfe \xc0\xaf \xed\xa0\x80 end") +
                  item("2", "Clean second"))
    r, evil = run_case(server, work, Route(doc), fails=False)
    titles = sorted(fm["title"] for fm in evil.values())
    assert len(titles) == 2, titles
    assert "Clean second" in titles, titles
    bad = [t for t in titles if t.startswith("Caf")]
    assert bad and bad[0].endswith(" end"), titles


@test
def hostile_nul_bytes(server, work):
    doc = rss_doc(item("1", b"Nul\x00 in title") + b"\x00\x00\x00" + item("2", "After the nuls"))
    r, evil = run_case(server, work, Route(doc), fails=False)
    titles = sorted(fm["title"] for fm in evil.values())
    assert titles == ["After the nuls", "Nul in title"], titles


@test
def hostile_path_traversal_titles(server, work):
    titles = ["../../etc/passwd", "..\\..\\windows\\win.ini", "/etc/shadow", "....//....//x",
              ".hidden", "..", "~root/.ssh/authorized_keys", "a/../../../b"]
    doc = rss_doc(b"".join(item(str(i), t.replace("&", "&amp;"),
                                date="Wed, %02d Jan 2026 08:00:00 +0000" % (i + 1))
                           for i, t in enumerate(titles)))
    r, evil = run_case(server, work, Route(doc), fails=False)
    assert len(evil) == len(titles), sorted(evil)
    assert sorted(fm["title"] for fm in evil.values()) == sorted(titles), evil
    for rel in evil:
        assert os.sep not in rel or rel.count(os.sep) == 0, rel   # default pattern: flat


@test
def hostile_absurdly_long_title(server, work):
    long_title = ("Very long title " * 6400)[:102400]
    doc = rss_doc(item("1", long_title) + item("2", "Short"))
    r, evil = run_case(server, work, Route(doc), fails=False)
    assert len(evil) == 2, sorted(evil)
    for rel, fm in evil.items():
        assert len(os.path.basename(rel).encode()) <= 255, rel
    longest = max(evil.values(), key=lambda fm: len(fm["title"]))
    assert longest["title"].startswith("Very long title"), longest["title"][:50]


@test
def hostile_control_characters_in_titles(server, work):
    nasty = [b"Bell\x07 and \x1b[31mred\x1b[0m", b"Back\x08space\x7f del",
             "C1 \u0085 next \u2028 line \u2029 para".encode(), b"Tab\tand\rreturn",
             b"Form\x0cfeed\x0bvtab"]
    doc = rss_doc(b"".join(item(str(i), t) for i, t in enumerate(nasty)))
    r, evil = run_case(server, work, Route(doc), fails=False)
    assert len(evil) == len(nasty), sorted(evil)
    for rel in evil:
        with open(os.path.join(work.out, rel), encoding="utf-8") as f:
            text = f.read()
        fm_text = text[:text.index("\n---\n", 4)]
        bad = [c for c in fm_text if (ord(c) < 0x20 and c != "\n") or c in "\x7f\u0085\u2028\u2029"]
        assert not bad, (rel, bad)
    for fm in evil.values():
        assert "\x1b" not in fm["title"] and "\x07" not in fm["title"], fm["title"]


@test
def hostile_yaml_breaking_titles(server, work):
    titles = ["key: value", '"quoted', "'single", "- item", "# comment", "| block", "> folded",
              "&anchor", "*alias", "!tag", "%YAML 1.2", "@at", "`tick`", "---", "...",
              "yes", "null", "~", "1e3", "0x1F", "2024-01-01", "a #b", "end:", "{flow: map}",
              "[flow, seq]", "title: x\nfoo: bar", "back\\slash"]
    doc = rss_doc(b"".join(item(str(i), t.replace("&", "&amp;"),
                                date="Wed, %02d Jan 2026 08:00:00 +0000" % (1 + i % 28))
                           for i, t in enumerate(titles)))
    r, evil = run_case(server, work, Route(doc), fails=False)
    got = sorted(fm["title"] for fm in evil.values())
    want = sorted(" ".join(t.split()) for t in titles)   # line breaks fold to spaces
    assert got == want, (got, want)


@test
def hostile_dates_in_year_99999(server, work):
    doc = rss_doc(item("1", "Far future", date="Mon, 01 Jan 99999 00:00:00 GMT") +
                  item("2", "Overflow", date="Fri, 31 Dec 9999999999999 23:59:59 +2400") +
                  item("3", "Negative", date="0000-00-00T00:00:00Z"))
    r, evil = run_case(server, work, Route(doc), fails=False)
    assert len(evil) == 3, sorted(evil)
    for fm in evil.values():
        assert len(fm["date"]) <= 16 and fm["date"][:1].isdigit(), fm["date"]


@test
def hostile_thousands_of_entries_with_one_guid(server, work):
    # design-notes: one GUID reused for different items is disambiguated within a fetch;
    # an item repeated word for word is stored once. 2000 different items and 1000 copies
    # of one more, all under one GUID: 2001 posts, and the next poll adds none.
    # Two findings keep the numbers at that (reported to the lead): repeated copies cost
    # quadratic time in identity_compute (5000 copies: 7 s at -O2), and ingest blocks the
    # event loop meanwhile, so under ASan the normal feed's transfer timed out at the
    # default 10 s; this test gives transfers 60 s and checks correctness and a bound.
    distinct = [item("same-guid", "Copy %d" % i,
                     date="Wed, 07 Jan 2026 %02d:%02d:00 +0000" % (i // 60 % 24, i % 60))
                for i in range(2000)]
    twin = item("same-guid", "The twin", body="Repeated word for word.")
    doc = rss_doc(b"".join(distinct) + twin * 1000)
    r, evil = run_case(server, work, Route(doc), fails=False, limit=45, extra="timeout = 60s")
    assert len(evil) == 2001, len(evil)
    assert sum(1 for fm in evil.values() if fm["title"] == "The twin") == 1
    before = set(work.files())
    r = work.run_once(timeout=60)
    assert r.returncode == 0, r.stderr[-2000:]
    assert set(work.files()) == before
    check_invariants(work)
