"""Security defects of issue 14, found by an adversarial test on 127.0.0.1: each test
runs the real binary against a local server and checks the defect is gone.
  - credentials in a feed URL go to the HTTP request only, never to files, logs or
    command output;
  - a file feedsd did not write is never written over;
  - only http(s) item links reach a file's front matter;
  - a symlinked folder inside the output folder is not followed.
Owner: hardening engineer."""
import base64
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Route, esc, front_matter_dict, test, wait_for  # noqa: E402

SECRET = "S3CRET"


def fd(work, *args, conf=True):
    cmd = [work.feedsd] + list(args) + (["-c", work.conf] if conf else [])
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60)


def tree_bytes(top):
    """(relative path, bytes) of every file under top, symlinks not followed."""
    for root, _, names in os.walk(top):
        for n in names:
            p = os.path.join(root, n)
            if not os.path.islink(p):
                with open(p, "rb") as f:
                    yield os.path.relpath(p, top), f.read()


# ---------------------------------------------------------------- 1: userinfo

def private_feed(link_base=""):
    """An Atom feed whose links are all relative, so that they resolve against the
    feed's own URL (no xml:base, no rel="self")."""
    body = esc('<p>Read <a href="../about.html">about us</a> and <a href="more/2.html">'
               'the next one</a>.</p><p><img src="pics/cat.png" alt="a cat"> '
               'and <img src="/abs/dog.png" alt="a dog"></p>')
    entries = "".join(
        '<entry><id>urn:x:%d</id><title>Private post %d</title>'
        '<link rel="alternate" href="%sposts/%d.html"/>'
        '<updated>2026-01-0%dT10:00:00Z</updated><content type="html">%s</content></entry>'
        % (i, i, link_base, i, i + 1, body) for i in range(2))
    return ('<?xml version="1.0" encoding="utf-8"?>\n'
            '<feed xmlns="http://www.w3.org/2005/Atom"><title>Private</title>'
            '<link rel="alternate" href="./"/><id>urn:x:feed</id>'
            '<updated>2026-01-01T00:00:00Z</updated>%s</feed>' % entries)


@test
def credentials_in_feed_url_reach_the_request_only(server, work):
    auth = "Basic " + base64.b64encode(("bob:" + SECRET).encode()).decode()
    server.routes["/private/feed.xml"] = Route(private_feed(), auth=auth)
    server.routes["/private/other.xml"] = Route(private_feed(), auth=auth)
    # A feed whose fetch fails: its error line, status and check name the URL.
    server.routes["/private/gone.xml"] = Route(b"nope", status=404)
    with_creds = "http://bob:%s@127.0.0.1:%d" % (SECRET, server.port)
    plain = "http://127.0.0.1:%d" % server.port
    # The two feeds carry the same posts: each keeps its own files (duplicates = keep), so
    # that both feeds' files show what their credentials did.
    work.write_config([with_creds + "/private/feed.xml", with_creds + "/private/gone.xml"],
                      "backlog = all\nduplicates = keep")
    outputs = {}
    r = fd(work, "add", with_creds + "/private/other.xml")
    assert r.returncode == 0, r.stderr
    outputs["add"] = r.stdout + r.stderr
    r = work.run_once("-v")
    assert r.returncode == 1, r.stderr[-2000:]     # gone.xml fails
    outputs["run --once -v"] = r.stdout + r.stderr
    assert plain + "/private/gone.xml: HTTP status 404" in r.stderr, r.stderr[-2000:]

    # The server was asked with the credentials, and only they opened the feed.
    got = server.requests_for("/private/feed.xml")
    assert got and all(h.get("authorization") == auth for h in got), got
    assert server.requests_for("/private/other.xml")
    # The database keeps the URL as given: it is needed for the next fetch.
    assert SECRET in work.sql("select group_concat(url) from feeds")

    for args in (["status"], ["status", "--json"], ["list"], ["list", "--json"], ["export"],
                 ["check", "--max-failures", "0"]):
        r = fd(work, *args)
        outputs[" ".join(args)] = r.stdout + r.stderr
    # A subscription is removed by the URL that `list` shows, too.
    r = fd(work, "remove", plain + "/private/other.xml")
    assert r.returncode == 0, r.stderr
    assert r.stdout == "unsubscribed from %s/private/other.xml (Private)\n" % plain, r.stdout
    assert work.sql("select active from feeds where url like '%other.xml'") == "0"
    assert plain + "/private/gone.xml" in outputs["status"], outputs["status"]
    assert plain + "/private/gone.xml" in outputs["check --max-failures 0"]
    assert sorted(f["url"] for f in json.loads(outputs["list --json"])) == \
        [plain + "/private/feed.xml", plain + "/private/gone.xml", plain + "/private/other.xml"], \
        outputs["list --json"]
    leaks = [name for name, text in outputs.items() if SECRET in text]
    assert not leaks, {name: outputs[name] for name in leaks}

    # Every file of the output folder, and the links in them, without the password.
    files = dict(tree_bytes(work.out))
    assert len(files) == 4, sorted(files)
    leaks = [p for p, raw in files.items() if SECRET.encode() in raw]
    assert not leaks, leaks
    texts = [raw.decode() for raw in files.values()]
    for t in texts:
        fm = front_matter_dict(t)
        assert fm["extra"]["source"].startswith(plain + "/private/posts/"), fm
        assert "URL Source: " + plain + "/private/posts/" in t, t
        assert "](%s/private/pics/cat.png)" % plain in t or \
            "](%s/private/posts/pics/cat.png)" % plain in t, t
        assert "](%s/abs/dog.png)" % plain in t, t


# ---------------------------------------------------------------- 2: files feedsd did not write

def titled_feed(posts):
    """An Atom feed of (id, title, html) posts, one day apart."""
    return ('<?xml version="1.0" encoding="utf-8"?>\n'
            '<feed xmlns="http://www.w3.org/2005/Atom"><title>Site</title>'
            '<link rel="alternate" href="http://example.org/"/><id>urn:site</id>'
            '<updated>2026-01-01T00:00:00Z</updated>%s</feed>' % "".join(
                '<entry><id>urn:%s</id><title>%s</title>'
                '<link rel="alternate" href="http://example.org/%s"/>'
                '<updated>2026-01-%02dT10:00:00Z</updated><content type="html">%s</content>'
                '</entry>' % (pid, title, pid, i + 1, esc(html))
                for i, (pid, title, html) in enumerate(posts)))


@test
def files_feedsd_did_not_write_are_never_replaced(server, work):
    hand = "# About me\n\nWritten by hand: feedsd must never replace this.\n"
    os.makedirs(work.out)
    with open(os.path.join(work.out, "about.md"), "w") as f:
        f.write(hand)
    posts = [("about", "About", "<p>First version of the about post.</p>"),
             ("other", "Other", "<p>First version of the other post.</p>")]
    server.routes["/site.xml"] = Route(titled_feed(posts))
    work.write_config([server.url("/site.xml")], "backlog = all\nfilename = {slug}.md")
    r = work.run_once()
    assert r.returncode == 0, r.stderr
    assert work.read("about.md") == hand
    files = work.files()
    assert len(files) == 3 and "other.md" in files, files
    mine = [p for p in files if p.startswith("about-")]
    assert len(mine) == 1 and len(mine[0]) == len("about-123456.md"), files
    mine = mine[0]
    assert "First version of the about post." in work.read(mine)
    assert work.sql("select path from entries where key like '%about%'") == mine

    # Changed posts are rewritten in place, the hand-written file still untouched.
    posts = [(pid, t, html.replace("First", "Second")) for pid, t, html in posts]
    server.routes["/site.xml"] = Route(titled_feed(posts))
    r = work.run_once()
    assert r.returncode == 0, r.stderr
    assert work.files() == files, work.files()
    assert "Second version of the about post." in work.read(mine)
    assert "Second version of the other post." in work.read("other.md")
    assert work.read("about.md") == hand

    # A file feedsd wrote and the user deleted is feedsd's to write again.
    os.unlink(os.path.join(work.out, mine))
    os.unlink(os.path.join(work.out, "other.md"))
    posts = [(pid, t, html.replace("Second", "Third")) for pid, t, html in posts]
    server.routes["/site.xml"] = Route(titled_feed(posts))
    r = work.run_once()
    assert r.returncode == 0, r.stderr
    assert work.files() == files, work.files()
    assert "Third version of the about post." in work.read(mine)
    assert "Third version of the other post." in work.read("other.md")
    assert work.read("about.md") == hand


# ---------------------------------------------------------------- 3: non-web item links

NON_WEB_LINKS = ["javascript:alert(1)", "JaVaScRiPt:alert(document.domain)", " javascript:alert(2)",
                 "java\tscript:alert(3)", "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
                 "file:///etc/passwd", "vbscript:msgbox(1)", "mailto:someone@example.org",
                 "ftp://example.org/file"]


def rss_links(links, extra_items=""):
    items = "".join(
        '<item><guid isPermaLink="false">g%d</guid><title>Linked %d</title><link>%s</link>'
        '<pubDate>Wed, %02d Jan 2026 08:00:00 +0000</pubDate><description>Body %d.</description>'
        '</item>' % (i, i, esc(link), i + 1, i) for i, link in enumerate(links))
    return ('<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
            '<title>Links</title><link>http://example.org/</link><description>d</description>'
            '%s%s</channel></rss>' % (items, extra_items))


@test
def only_web_links_reach_the_front_matter(server, work):
    links = NON_WEB_LINKS + ["https://example.org/fine?x=1", "http://example.org/also-fine"]
    # Without title and text a post is named after its link: never a non-web one.
    nameless = ('<item><guid isPermaLink="false">nameless</guid><link>javascript:alert(4)</link>'
                '<pubDate>Thu, 29 Jan 2026 08:00:00 +0000</pubDate></item>'
                '<item><guid isPermaLink="false">nolink</guid><title>No link</title>'
                '<pubDate>Fri, 30 Jan 2026 08:00:00 +0000</pubDate><description>Body.</description>'
                '</item>')
    doc = rss_links(links, nameless)
    server.routes["/links.xml"] = Route(doc)
    work.write_config([server.url("/links.xml")], "backlog = all")
    r = work.run_once()
    assert r.returncode == 0, r.stderr

    # `feedsd parse` stays a faithful view of the document (docs/cli.md): its links are
    # what the feed says, whatever their scheme, resolved as the daemon resolves them.
    path = os.path.join(work.dir, "links.xml")
    with open(path, "w") as f:
        f.write(doc)
    r = fd(work, "parse", "--base-url", server.url("/links.xml"), path, conf=False)
    assert r.returncode == 0, r.stderr
    parsed = [e["link"] for e in json.loads(r.stdout)["entries"]]
    assert parsed[0] == "javascript:alert(1)" and parsed[5] == "file:///etc/passwd", parsed

    by_title = {}
    for rel in work.files():
        text = work.read(rel)
        by_title[front_matter_dict(text)["title"]] = text
    assert len(by_title) == len(links) + 2, sorted(by_title)
    web = 0
    for i, link in enumerate(parsed[:len(links)]):
        text = by_title["Linked %d" % i]
        fm = front_matter_dict(text)
        if link.startswith(("http://", "https://")):
            web += 1
            assert fm["extra"]["source"] == link, (link, fm)
            assert "\nURL Source: %s\n\n" % link in text, text
        else:
            # Exactly what a post without a URL gets: no key, an empty URL Source:.
            assert "source" not in fm["extra"], (link, fm)
            assert "\nURL Source: \n\nMarkdown Content:\n" in text, (link, text)
            for bad in ("javascript:", "JaVaScRiPt:", "data:", "file:", "vbscript:", "mailto:",
                        "ftp:"):
                assert bad not in text, (link, text)
    # The two web links, and "java<TAB>script:": the parser folds the white space of a
    # <link> to one space, and "java script:" has no scheme (in a browser too): it is a
    # relative reference, resolved against the feed's URL.
    assert web == 3, parsed
    nolink = by_title["No link"]
    assert "source" not in front_matter_dict(nolink)["extra"]
    assert "\nURL Source: \n\nMarkdown Content:\n" in nolink
    assert "Untitled" in by_title, sorted(by_title)
    assert "javascript" not in by_title["Untitled"]


# ---------------------------------------------------------------- 4: schemes behind references

# Each is a javascript:, vbscript: or data: URL once its character references are decoded
# (as a markdown renderer decodes a link destination) and tab and newline dropped.
HIDDEN_SCHEMES = [
    "javascript&colon;alert(1)", "JAVASCRIPT&colon;alert(1)", "javascript&#58;alert(1)",
    "javascript&#x3A;alert(1)", "javascript&amp;colon;alert(1)", "javascript&amp;#58;alert(1)",
    "javascript&amp;#x3a;alert(1)", "java&Tab;script&colon;alert(1)",
    "java&NewLine;script&colon;alert(1)", "java&amp;Tab;script&amp;colon;alert(1)",
    "&#106;avascript&colon;alert(1)", "&amp;#106;avascript&amp;colon;alert(1)",
    "&NewLine;javascript&colon;alert(1)", "java\tscript:alert(1)", "java\nscript:alert(1)",
    "vbscript&colon;msgbox(1)", "data&colon;text/html,%3Cscript%3Ealert(1)%3C/script%3E",
]


def rendered_urls(markdown):
    """href and src values of the HTML that cmark-gfm makes of markdown, with no safe mode
    (renderers such as Zola's do not filter URLs), as a browser reads them."""
    import html.parser

    r = subprocess.run(["cmark-gfm", "--unsafe", "-e", "table", "-e", "strikethrough",
                        "-e", "autolink"], input=markdown, capture_output=True, text=True,
                       timeout=30)
    assert r.returncode == 0, r.stderr
    urls = []

    class P(html.parser.HTMLParser):
        def handle_starttag(self, tag, attrs):
            urls.extend(v for k, v in attrs if k in ("href", "src") and v is not None)

    P(convert_charrefs=True).feed(r.stdout)
    # WHATWG URL: leading/trailing C0 controls and spaces go, tab and newline anywhere.
    return ["".join(c for c in u.strip("".join(map(chr, range(33)))) if c not in "\t\n\r")
            for u in urls]


@test
def html2md_never_renders_a_hidden_script_scheme(server, work):
    doc = "".join('<p><a href="%s">link %d</a> <img src="%s" alt="image %d"></p>'
                  % (h.replace('"', "&quot;"), i, h.replace('"', "&quot;"), i)
                  for i, h in enumerate(HIDDEN_SCHEMES))
    doc += '<p><a href="https://example.org/fine">fine</a></p>'
    for base in ([], ["--base-url", "https://example.org/post/"]):
        r = subprocess.run([work.feedsd, "html2md"] + base, input=doc, capture_output=True,
                           text=True, timeout=30)
        assert r.returncode == 0, r.stderr
        urls = rendered_urls(r.stdout)
        bad = [u for u in urls if u.lower().startswith(("javascript:", "vbscript:", "data:"))]
        assert not bad, (base, bad, r.stdout)
        assert urls == ["https://example.org/fine"], (base, urls, r.stdout)
        for i in range(len(HIDDEN_SCHEMES)):     # the text stays
            assert "link %d" % i in r.stdout and "image %d" % i in r.stdout, r.stdout


# ---------------------------------------------------------------- 6: symlinked folders

def dated_feed(days):
    """An Atom feed "Site" with one post per date (YYYY-MM-DD) in days."""
    return ('<?xml version="1.0" encoding="utf-8"?>\n'
            '<feed xmlns="http://www.w3.org/2005/Atom"><title>Site</title>'
            '<link rel="alternate" href="http://example.org/"/><id>urn:site</id>'
            '<updated>2026-01-01T00:00:00Z</updated>%s</feed>' % "".join(
                '<entry><id>urn:%s</id><title>Post of %s</title>'
                '<link rel="alternate" href="http://example.org/%s"/>'
                '<updated>%sT10:00:00Z</updated><content type="html">Text of %s.</content>'
                '</entry>' % (d, d, d, d, d) for d in days))


@test
def symlinked_folders_below_the_output_folder_are_not_followed(server, work):
    # The output folder itself may be a link (users do that on purpose); below it, the
    # year 2026 is a link to a folder elsewhere, and so is 2025/site.
    real_out = os.path.join(work.dir, "real-out")
    elsewhere = os.path.join(work.dir, "elsewhere")
    os.makedirs(os.path.join(real_out, "2025"))
    os.makedirs(elsewhere)
    os.symlink(real_out, work.out)
    os.symlink(elsewhere, os.path.join(real_out, "2026"))
    os.symlink(elsewhere, os.path.join(real_out, "2025", "site"))
    days = ["2024-03-01", "2025-03-01", "2026-01-05", "2026-01-06"]
    server.routes["/site.xml"] = Route(dated_feed(days))
    feed = server.url("/site.xml")
    work.write_config([feed], "backlog = all\nfilename = {year}/{feed}/{slug}.md")

    r = work.run_once()
    assert r.returncode == 1, r.stderr                  # three files could not be written
    assert os.listdir(elsewhere) == [], os.listdir(elsewhere)
    assert work.read("2024/site/post-of-2024-03-01.md").startswith("---\n")
    errors = [l for l in r.stderr.splitlines() if "symbolic link" in l]
    assert len(errors) == 3 and all(feed in l for l in errors), r.stderr
    assert any("/2026" in l for l in errors) and any("2025/site" in l for l in errors), errors
    assert work.sql("select count(*) from entries where stage = 2") == "1"

    # A daemon logs the same and keeps running.
    proc = work.start_daemon()
    try:
        assert wait_for(lambda: work.daemon_log().count("symbolic link") >= 3, timeout=30), \
            work.daemon_log()
        time.sleep(0.5)
        assert proc.poll() is None, work.daemon_log()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert os.listdir(elsewhere) == []

    # Links gone: the next run writes each post once, in real folders.
    os.unlink(os.path.join(real_out, "2026"))
    os.unlink(os.path.join(real_out, "2025", "site"))
    r = work.run_once()
    assert r.returncode == 0, r.stderr
    assert os.listdir(elsewhere) == []
    want = ["2024/site/post-of-2024-03-01.md", "2025/site/post-of-2025-03-01.md",
            "2026/site/post-of-2026-01-05.md", "2026/site/post-of-2026-01-06.md"]
    assert work.files() == want, work.files()
    for rel in want:
        assert not os.path.islink(os.path.join(real_out, os.path.dirname(rel)))
        assert "Text of %s." % rel[-13:-3] in work.read(rel)
    assert work.sql("select count(*) from entries where stage = 2") == "4"
    r = work.run_once()
    assert r.returncode == 0 and work.files() == want, (r.stderr, work.files())
