"""The request header lines on the wire (issue 20): feedsd hands libcurl its User-Agent
as a header line instead of CURLOPT_USERAGENT where no proxy may carry the request
(fetch/fetch.c, ua_as_header), and its other lines from strings it already holds. Each
test checks the exact lines a server received, repeats included (the server's raw
list): one User-Agent with feedsd's value or the feed's own, the Accept, the validators,
on the first request, a conditional one, a redirect's next hop, the page fetches, the
model server's POST and through a proxy."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import FeedServer, Route, simple_atom, test, wait_for  # noqa: E402
from llm_server import LLMServer  # noqa: E402

ACCEPT = ("application/atom+xml, application/rss+xml, application/feed+json, "
          "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.8")
PROXY_VARS = ("http_proxy", "https_proxy", "all_proxy", "no_proxy", "HTTP_PROXY",
              "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")


def env_without_proxy(**extra):
    env = {k: v for k, v in os.environ.items() if k not in PROXY_VARS}
    env.update(extra)
    return env


def user_agent(work):
    version = subprocess.run([work.feedsd, "--version"], capture_output=True, text=True,
                             check=True).stdout.split("\n")[0].split()[1]
    return "feedsd/%s (+https://github.com/feedsd/feedsd)" % version


def lines(raw, path):
    """The header lines of every request for path: sorted [(name lower-cased, value)]."""
    return [sorted((k.lower(), v) for k, v in h) for p, h in raw if p == path]


def feed_lines(server, ua, host=None, extra=()):
    """What a feed's GET sends: Host, the User-Agent, the Accept-Encoding libcurl offers
    (checked apart: it is libcurl's list), the Accept and extra."""
    return sorted([("host", host or "127.0.0.1:%d" % server.port), ("user-agent", ua),
                   ("accept", ACCEPT)] + list(extra))


def without_encoding(got):
    enc = [v for k, v in got if k == "accept-encoding"]
    assert len(enc) == 1 and "gzip" in enc[0], got
    return [(k, v) for k, v in got if k != "accept-encoding"]


@test
def a_feed_request_sends_each_line_once(server, work):
    ua = user_agent(work)
    lm = "Mon, 01 Jan 2024 00:00:00 GMT"
    server.routes["/a.xml"] = Route(simple_atom(1), etag='"v1"', last_modified=lm)
    server.routes["/old.xml"] = Route(b"", status=301,
                                      headers={"Location": server.url("/new.xml")})
    server.routes["/new.xml"] = Route(simple_atom(1, prefix="moved"))
    work.write_config([server.url("/a.xml"), server.url("/old.xml")])
    for rnd in (1, 2):
        r = work.run_once(env=env_without_proxy())
        assert r.returncode == 0, r.stderr
        work.sql("UPDATE feed_polls SET next_poll = 0")
    first, second = lines(server.raw_requests, "/a.xml")
    assert without_encoding(first) == feed_lines(server, ua), first
    # The conditional GET (RFC 9110 13.1): the validators as the server sent them.
    assert without_encoding(second) == feed_lines(
        server, ua, extra=[("if-none-match", '"v1"'), ("if-modified-since", lm)]), second
    # Both hops of a redirect: the same lines.
    for path in ("/old.xml", "/new.xml"):
        got = lines(server.raw_requests, path)
        assert got, server.raw_requests
        assert without_encoding(got[0]) == feed_lines(server, ua), (path, got)


@test
def a_feed_user_agent_or_header_replaces_feedsd_s_once(server, work):
    server.routes["/own.xml"] = Route(simple_atom(1, prefix="own"))
    server.routes["/hdr.xml"] = Route(simple_atom(1, prefix="hdr"))
    work.write_config([])
    with open(work.conf, "a") as f:
        f.write("[feed %s]\nuser_agent = OwnReader/3.1\n" % server.url("/own.xml"))
        f.write("[feed %s]\nheader = User-Agent: HeaderReader/1.0\n" % server.url("/hdr.xml"))
    r = work.run_once(env=env_without_proxy())
    assert r.returncode == 0, r.stderr
    got = lines(server.raw_requests, "/own.xml")
    assert len(got) == 1 and without_encoding(got[0]) == feed_lines(server, "OwnReader/3.1"), got
    got = lines(server.raw_requests, "/hdr.xml")
    assert len(got) == 1 and without_encoding(got[0]) == feed_lines(server, "HeaderReader/1.0"), got


@test
def through_a_proxy_the_user_agent_is_sent_once(server, work):
    ua = user_agent(work)
    proxy = FeedServer()
    try:
        far = "http://feeds.example.test/far.xml"
        proxy.routes[far] = Route(simple_atom(1, prefix="far"))
        proxy_url = "http://127.0.0.1:%d" % proxy.port
        work.write_config([far])
        r = work.run_once(env=env_without_proxy(http_proxy=proxy_url))
        assert r.returncode == 0, r.stderr
        work.write_config([far], "proxy = %s" % proxy_url)
        work.sql("UPDATE feed_polls SET next_poll = 0")
        r = work.run_once(env=env_without_proxy())
        assert r.returncode == 0, r.stderr
        got = lines(proxy.raw_requests, far)
        assert len(got) == 2, proxy.raw_requests
        for g in got:
            assert [v for k, v in g if k == "user-agent"] == [ua], g
            assert [v for k, v in g if k == "accept"] == [ACCEPT], g
        # An https feed goes through a tunnel: the proxy gets a CONNECT with the
        # User-Agent (libcurl's, from CURLOPT_USERAGENT), here refused.
        tunnelled = "https://feeds.example.test:8443/far.xml"
        for env, extra in ((env_without_proxy(https_proxy=proxy_url), ""),
                           (env_without_proxy(), "proxy = %s" % proxy_url)):
            work.write_config([tunnelled], extra)
            r = work.run_once(env=env)
            assert r.returncode != 0 and tunnelled in r.stderr, r.stderr
        got = lines(proxy.raw_requests, "feeds.example.test:8443")
        assert len(got) == 2, proxy.raw_requests
        for g in got:
            assert [v for k, v in g if k == "user-agent"] == [ua], g
    finally:
        proxy.close()


@test
def page_and_model_requests_send_each_line_once(server, work):
    ua = user_agent(work)
    llm = LLMServer()
    try:
        page = server.url("/article.html")
        server.routes["/article.html"] = Route(
            "<html><head><title>A</title></head><body><article><h1>A</h1>" +
            "<p>%s</p></article></body></html>" % ("Words of the article. " * 40),
            content_type="text/html; charset=utf-8")
        feed = ('<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>T</title>'
                '<id>urn:t</id><updated>2024-01-01T00:00:00Z</updated><entry><id>urn:e1</id>'
                '<title>E</title><link href="%s"/><updated>2024-01-01T00:00:00Z</updated>'
                '<summary>short</summary></entry></feed>' % page)
        server.routes["/f.xml"] = Route(feed)
        work.write_config([], "backlog = all\nsummarizer = openai\nopenai_url = %s\n"
                              "openai_model = test-model\nsummary_min_length = 0\n"
                              "summarize_backlog = yes" % llm.base)
        with open(work.conf, "a") as f:
            f.write("[feed %s]\nfull_content = always\n" % server.url("/f.xml"))
        r = work.run_once(env=env_without_proxy())
        assert r.returncode == 0, r.stderr
        got = lines(server.raw_requests, "/article.html")
        assert len(got) == 1, server.raw_requests
        names = [k for k, _ in got[0]]
        assert len(names) == len(set(names)), got
        assert [v for k, v in got[0] if k == "user-agent"] == [ua], got
        assert wait_for(lambda: llm.requests, timeout=5), "no model request"
        for req in llm.requests:
            raw = without_encoding(sorted((k.lower(), v) for k, v in req["raw_headers"]))
            assert [(k, v) for k, v in raw if k not in ("host", "content-length")] == [
                ("accept", "application/json"), ("content-type", "application/json"),
                ("user-agent", ua)], raw
    finally:
        llm.close()
