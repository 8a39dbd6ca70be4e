"""Full articles for teaser feeds (issue 4): full_content = never | auto | always."""
import os

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
