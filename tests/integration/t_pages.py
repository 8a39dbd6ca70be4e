"""Full articles for teaser feeds (issue 4): full_content = never | auto | always."""
import os
import subprocess

from harness import Route, atom_entry, atom_feed, esc, front_matter_dict, test

PAGES = os.path.join(os.environ.get("FEEDSD_TESTDATA") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "data", "feeds"), "pages")


def md_files(work):
    return sorted(f for f in work.files() if f.endswith(".md"))


def teaser_feed(server, paths, long_path=None):
    entries = []
    for i, p in enumerate(paths):
        entries.append(atom_entry("urn:t%d" % i, "Teaser %d" % i, server.url(p),
                                  "2026-03-%02dT10:00:00Z" % (i + 1), esc("<p>Short teaser. Read more...</p>")))
    if long_path:
        body = "".join("<p>A long paragraph %d with plenty of words to be worth reading on its own.</p>" % k
                       for k in range(12))
        entries.append(atom_entry("urn:long", "Long post", server.url(long_path), "2026-03-20T10:00:00Z", esc(body)))
    return atom_feed(entries)


@test
def auto_fetches_the_article_of_a_teaser(server, work):
    with open(os.path.join(PAGES, "daringfireball-1.source.html"), "rb") as f:
        page = f.read()
    server.routes["/article.html"] = Route(page, content_type="text/html; charset=utf-8")
    server.routes["/missing.html"] = Route(b"nope", status=404)
    server.routes["/long.html"] = Route(b"<html><body><p>never fetched</p></body></html>", content_type="text/html")
    server.routes["/f.xml"] = Route(teaser_feed(server, ["/article.html", "/missing.html"], "/long.html"))
    work.write_config([server.url("/f.xml")], "backlog = all\nfull_content = auto\n")
    r = work.run_once()
    assert r.returncode == 0, r.stderr
    files = md_files(work)
    assert len(files) == 3, files
    art = work.read([f for f in files if "teaser-0" in f][0])
    # Text from the page's article (the Daring Fireball post), not the teaser.
    assert "Short teaser" not in art.split("Markdown Content:")[1]
    assert len(art.split("Markdown Content:")[1]) > 1500, art
    # The page whose fetch failed still gets its file, from the feed's text.
    miss = work.read([f for f in files if "teaser-1" in f][0])
    assert "Short teaser. Read more..." in miss
    assert len(server.requests_for("/missing.html")) >= 1
    assert "no full article" in r.stderr, r.stderr
    # A post with enough text is not fetched with auto.
    assert server.requests_for("/long.html") == []
    # Politeness: the page fetches carry feedsd's User-Agent.
    assert "feedsd/" in server.requests_for("/article.html")[0].get("user-agent", "")


@test
def never_is_the_default_and_always_fetches(server, work):
    server.routes["/p.html"] = Route(b"<html><body><article>" + b"".join(
        b"<p>Paragraph number %d of the real article, with commas, words, and more words.</p>" % k
        for k in range(10)) + b"</article></body></html>", content_type="text/html")
    server.routes["/f.xml"] = Route(teaser_feed(server, ["/p.html"]))
    work.write_config([server.url("/f.xml")], "backlog = all\n")
    assert work.run_once().returncode == 0
    assert server.requests_for("/p.html") == []
    assert "Short teaser" in work.read(md_files(work)[0])
    # Per feed: always.
    server.routes["/g.xml"] = Route(teaser_feed(server, ["/p.html"]).replace("urn:t0", "urn:g0"))
    with open(work.conf, "a") as f:
        # the same post as /f.xml's: its own file (duplicates = keep), with the page
        f.write("[feed %s]\nfull_content = always\nduplicates = keep\n" % server.url("/g.xml"))
    assert work.run_once().returncode == 0
    assert len(server.requests_for("/p.html")) == 1
    texts = [work.read(f) for f in md_files(work)]
    assert any("Paragraph number 9 of the real article" in t for t in texts), texts


# ---- issue 21: the page's own metadata in the post, and `feedsd extract` ----------------

OWN_PAGES = os.path.join(os.path.dirname(PAGES), "..", "pages")


def own_page(name):
    with open(os.path.join(OWN_PAGES, name), "rb") as f:
        return f.read()


def full_content(text):
    return text.split("## Full Content\n", 1)[1]


@test
def the_pages_title_and_metadata_go_into_the_post(server, work):
    server.routes["/cinema.html"] = Route(own_page("meta-jsonld.html"), content_type="text/html; charset=utf-8")
    plain = (b"<html><body><div><p>A page that says nothing about itself, only its text, "
             b"which is long enough, with commas, to be an article.</p></div></body></html>")
    server.routes["/plain.html"] = Route(plain, content_type="text/html")
    server.routes["/f.xml"] = Route(teaser_feed(server, ["/cinema.html", "/plain.html"]))
    work.write_config([server.url("/f.xml")], "backlog = all\nfull_content = always\n")
    r = work.run_once()
    assert r.returncode == 0, r.stderr
    files = md_files(work)
    cinema = work.read([f for f in files if "teaser-0" in f][0])
    fm = front_matter_dict(cinema)
    # The feed's title names the post; the page's own title heads its Full Content.
    assert fm["title"] == "Teaser 0", fm
    assert full_content(cinema).startswith("Title: The cinema that its town bought\n\nURL Source: %s\n"
                                           % server.url("/cinema.html")), cinema
    lines, _ = __import__("harness").parse_front_matter(cinema)
    page = lines[lines.index("  page:") + 1:]
    page = dict(l.strip().split(": ", 1) for l in page if l.startswith("    "))
    assert page == {"byline": "Maria Lindqvist, Tom Okafor",
                    "excerpt": "Eight hundred residents saved the last cinema in town.",
                    "site_name": "The Valley Courier",
                    "published": "\"2026-03-14T09:30:00+01:00\"",
                    "image": server.url("/media/cinema.jpg")}, page
    assert "shareholders get no dividend" in cinema.lower()
    # A page that says nothing: the layout of before (the feed's title, no extra.page).
    other = work.read([f for f in files if "teaser-1" in f][0])
    assert "  page:" not in other, other
    assert full_content(other).startswith("Title: Teaser 1\n\nURL Source: "), other
    assert "says nothing about itself" in other


@test
def extract_prints_the_reader_layout(server, work):
    page = os.path.join(OWN_PAGES, "hint-site-header.html")
    r = subprocess.run([work.feedsd, "extract", "--base-url", "https://travel.example/night-train", page],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0 and not r.stderr, r
    assert r.stdout.startswith("Title: The night train\n\nURL Source: https://travel.example/night-train\n\n"
                               "Markdown Content:\n"), r.stdout
    assert "boiled egg and two bread rolls" in r.stdout
    assert "Written in a shed" not in r.stdout
    assert r.stdout.endswith(".\n\n"), r.stdout[-40:]
    # From standard input, without a base URL: an empty URL Source.
    with open(page, "rb") as f:
        r2 = subprocess.run([work.feedsd, "extract", "-"], stdin=f, capture_output=True, timeout=30)
    assert r2.returncode == 0 and b"\n\nURL Source: \n\n" in r2.stdout, r2
    # No article: exit 1, one line.
    empty = os.path.join(work.dir, "empty.html")
    with open(empty, "w") as f:
        f.write("<html><body><nav><a href='/'>Home</a></nav><p>Short.</p></body></html>")
    r3 = subprocess.run([work.feedsd, "extract", empty], capture_output=True, text=True, timeout=30)
    assert r3.returncode == 1 and r3.stdout == "", r3
    assert r3.stderr.count("\n") == 1 and "no article found" in r3.stderr, r3.stderr
    r4 = subprocess.run([work.feedsd, "extract", os.path.join(work.dir, "missing.html")],
                        capture_output=True, text=True, timeout=30)
    assert r4.returncode == 1 and r4.stderr.count("\n") == 1 and "cannot read" in r4.stderr, r4
    h = subprocess.run([work.feedsd, "extract", "--help"], capture_output=True, text=True, timeout=30)
    assert h.returncode == 0 and h.stdout.startswith("usage: feedsd extract"), h
    assert subprocess.run([work.feedsd, "extract"], capture_output=True, timeout=30).returncode == 2


@test
def extract_fetches_a_url_through_the_fetcher(server, work):
    server.routes["/post"] = Route(own_page("meta-title-site.html"), content_type="text/html; charset=utf-8")
    server.routes["/moved"] = Route(b"", status=301, headers={"Location": server.url("/post")})
    server.routes["/gone"] = Route(b"no", status=404, content_type="text/plain")
    work.write_config([], "user_agent = extract-test/1\n")
    r = subprocess.run([work.feedsd, "extract", "-c", work.conf, server.url("/moved")],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    # The page's title, the address it was had from after the redirect.
    assert r.stdout.startswith("Title: Ten years of the repair café\n\nURL Source: %s\n" % server.url("/post")), r.stdout
    assert "seven" not in r.stdout and "Jo Harding" not in r.stdout
    assert server.requests_for("/post")[0].get("user-agent") == "extract-test/1"
    r = subprocess.run([work.feedsd, "extract", "-c", work.conf, server.url("/gone")],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and "404" in r.stderr, r
    # Without allow_private, 127.0.0.1 is refused as the daemon refuses it.
    n = len(server.requests_for("/post"))
    env = dict(os.environ)
    env.pop("FEEDSD_CONFIG", None)
    r = subprocess.run([work.feedsd, "extract", server.url("/post")], capture_output=True, text=True,
                       timeout=30, env=env)
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and "private" in r.stderr, r
    assert len(server.requests_for("/post")) == n
