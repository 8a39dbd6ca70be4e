"""Politeness and resilience (issue 5): redirects, 410, Retry-After per origin, spacing,
private addresses, and the schedule's lower bounds."""
import email.utils
import os
import re
import signal
import subprocess
import time

from harness import FeedServer, Route, atom_entry, atom_feed, rss_feed, rss_item, simple_atom, test, wait_for


def md_files(work):
    return sorted(f for f in work.files() if f.endswith(".md"))


def status(work):
    r = subprocess.run([work.feedsd, "status", "-c", work.conf], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return r.stdout


# A feed's row with its poll state (feed_polls: last_fetch, last_status, last_error,
# fail_count, next_poll, schedule_reason).
POLLS = "feeds join feed_polls on feed_id = id"


def feed_row(work, col, url=None):
    where = " where url = '%s'" % url if url else ""
    return work.sql("select %s from feeds%s" % (col, where))


@test
def permanent_redirects_are_adopted_after_three_polls(server, work):
    server.routes["/new.xml"] = Route(simple_atom(2))
    server.routes["/old.xml"] = Route(b"", status=301, headers={"Location": server.url("/new.xml")})
    server.routes["/tmp.xml"] = Route(b"", status=302, headers={"Location": server.url("/new.xml")})
    # Both subscriptions reach the same posts; each keeps its own files (duplicates = keep),
    # so that a duplicate within one feed would show.
    work.write_config([server.url("/old.xml"), server.url("/tmp.xml")],
                      "backlog = all\nduplicates = keep")
    for i in range(2):
        assert work.run_once().returncode == 0
        assert feed_row(work, "fetch_url", server.url("/old.xml")) == ""
    assert feed_row(work, "redirect_count", server.url("/old.xml")) == "2"
    assert "seen on 2 polls" in status(work)
    r = work.run_once("-v")
    assert r.returncode == 0
    assert "moved permanently" in r.stderr, r.stderr
    assert feed_row(work, "fetch_url", server.url("/old.xml")) == server.url("/new.xml")
    assert "\n  moved to %s (permanent redirect, adopted)\n" % server.url("/new.xml") in status(work)
    n_old = len(server.requests_for("/old.xml"))
    assert work.run_once().returncode == 0
    assert len(server.requests_for("/old.xml")) == n_old     # the old URL is no longer asked
    # A temporary redirect is followed but never adopted.
    assert feed_row(work, "fetch_url", server.url("/tmp.xml")) == ""
    assert feed_row(work, "redirect_count", server.url("/tmp.xml")) == "0"
    # Same entries through both subscriptions, and no duplicate within one feed.
    assert len(md_files(work)) == 4


@test
def gone_feeds_are_disabled(server, work):
    server.routes["/gone.xml"] = Route(b"gone", status=410)
    server.routes["/ok.xml"] = Route(simple_atom(1))
    work.write_config([server.url("/gone.xml"), server.url("/ok.xml")], "backlog = all")
    r = work.run_once()
    assert r.returncode == 1 and "410 Gone" in r.stderr, r.stderr
    st = status(work)
    assert "disabled (HTTP 410 Gone)" in st, st
    r = work.run_once()
    assert r.returncode == 0, r.stderr
    assert len(server.requests_for("/gone.xml")) == 1
    # `feedsd add` resumes it (here: the CLI origin clears the flag).
    work.sql("update feeds set disabled = NULL")
    assert work.run_once().returncode == 1
    assert len(server.requests_for("/gone.xml")) == 2


@test
def retry_after_delays_only_its_origin(server, work):
    other = FeedServer()
    try:
        when = email.utils.formatdate(time.time() + 40, usegmt=True)
        server.routes["/limited.xml"] = Route(b"slow down", status=429, headers={"Retry-After": "40"})
        server.routes["/same-origin.xml"] = Route(simple_atom(1, prefix="same"))
        server.routes["/busy.xml"] = Route(b"busy", status=503, headers={"Retry-After": when})
        other.routes["/elsewhere.xml"] = Route(simple_atom(1, prefix="else"))
        work.write_config([server.url("/limited.xml"), server.url("/same-origin.xml"),
                           other.url("/elsewhere.xml")], "backlog = all\nper_host = 1")
        p = work.start_daemon()
        try:
            assert wait_for(lambda: len(other.requests_for("/elsewhere.xml")) == 1, 10)
            assert wait_for(lambda: len(server.requests_for("/limited.xml")) == 1, 10)
            time.sleep(2)
            # The limited origin waits; the other origin was served at once.
            assert len(server.requests_for("/same-origin.xml")) == 0 or \
                server.requests[0][0] == "/same-origin.xml", server.requests
        finally:
            p.send_signal(signal.SIGTERM)
            p.wait(timeout=15)
        row = work.sql("select fail_count, last_status, next_poll - last_fetch, schedule_reason "
                       "from %s where url = '%s'" % (POLLS, server.url("/limited.xml"))).split("|")
        assert row[0] == "0" and row[1] == "429", row           # no defect of the feed
        assert 38 <= int(row[2]) <= 41, row
        assert row[3] == "Retry-After 40s", row
        # The HTTP-date form, on a 503.
        when = email.utils.formatdate(time.time() + 40, usegmt=True)
        server.routes["/busy.xml"] = Route(b"busy", status=503, headers={"Retry-After": when})
        work.write_config([server.url("/busy.xml")], "backlog = all")
        r = work.run_once()
        row = work.sql("select fail_count, next_poll - last_fetch from %s where url = '%s'"
                       % (POLLS, server.url("/busy.xml"))).split("|")
        assert row[0] == "0" and 35 <= int(row[1]) <= 41, row
    finally:
        other.close()


@test
def spacing_between_requests_to_one_origin(server, work):
    urls = []
    for i in range(4):
        server.routes["/s%d.xml" % i] = Route(simple_atom(1, prefix="s%d" % i))
        urls.append(server.url("/s%d.xml" % i))
    work.write_config(urls, "backlog = all")
    with open(work.conf, "a") as f:
        f.write("host_delay = 300ms\n")
    t0 = time.time()
    assert work.run_once().returncode == 0
    assert time.time() - t0 >= 0.85    # three gaps of 300 ms at least
    assert server.max_active == 1


@test
def private_addresses_are_refused_by_default(server, work):
    server.routes["/a.xml"] = Route(simple_atom(1))
    work.write_config([server.url("/a.xml")], "backlog = all")
    with open(work.conf) as f:
        text = f.read().replace("allow_private = yes\n", "")
    with open(work.conf, "w") as f:
        f.write(text)
    r = work.run_once()
    assert r.returncode == 1
    assert "refused: the address is private" in r.stderr, r.stderr
    assert server.requests == []     # not even a connection reached the server
    with open(work.conf, "a") as f:
        f.write("allow_private = yes\n")
    assert work.run_once().returncode == 0
    assert len(md_files(work)) == 1


@test
def slow_stalled_and_mislabelled_responses(server, work):
    server.routes["/stall.xml"] = Route(simple_atom(30, words=400), chunk_delay=1.0)
    server.routes["/html-labelled.xml"] = Route(simple_atom(1, prefix="lbl"), content_type="text/html")
    work.write_config([server.url("/stall.xml"), server.url("/html-labelled.xml")], "backlog = all")
    with open(work.conf, "a") as f:
        f.write("timeout = 2s\n")
    t0 = time.time()
    r = work.run_once()
    assert r.returncode == 1
    assert time.time() - t0 < 15
    assert "/stall.xml" in r.stderr and "timed out" in r.stderr.lower(), r.stderr
    assert [f for f in md_files(work) if "lbl" in f], md_files(work)


@test
def feed_hints_are_lower_bounds_of_the_interval(server, work):
    items = [rss_item("g%d" % i, "Item %d" % i, "http://example.org/%d" % i,
                      email.utils.formatdate(time.time() - i * 7200, usegmt=True), "x") for i in range(6)]
    ttl = rss_feed(items).replace("<description>d</description>", "<description>d</description><ttl>180</ttl>")
    allowed = (time.gmtime(time.time() + 3600 * 5).tm_hour)
    hours = "".join("<hour>%d</hour>" % h for h in range(24) if h != allowed)
    skip = rss_feed(items).replace("<description>d</description>",
                                   "<description>d</description><skipHours>%s</skipHours>" % hours)
    server.routes["/ttl.xml"] = Route(ttl)
    server.routes["/cc.xml"] = Route(simple_atom(1, prefix="cc"), headers={"Cache-Control": "public, max-age=7200"})
    server.routes["/skip.xml"] = Route(skip)
    server.routes["/adaptive.xml"] = Route(rss_feed(items))
    work.write_config([server.url(p) for p in ("/ttl.xml", "/cc.xml", "/skip.xml")], "backlog = all")
    with open(work.conf, "a") as f:
        f.write("[feed %s]\ninterval = 6h\n" % server.url("/adaptive.xml"))
    assert work.run_once().returncode == 0

    def row(path):
        return work.sql("select next_poll - last_fetch, schedule_reason from %s where url = '%s'"
                        % (POLLS, server.url(path))).split("|")
    r = row("/ttl.xml")
    assert 3 * 3600 - 5 <= int(r[0]) <= 3 * 3600 + 5 and r[1] == "ttl 3h", r
    r = row("/cc.xml")
    assert 7200 - 5 <= int(r[0]) <= 7200 + 5 and r[1] == "Cache-Control max-age 2h", r
    r = row("/skip.xml")
    nxt = int(work.sql("select next_poll from %s where url = '%s'" % (POLLS, server.url("/skip.xml"))))
    assert time.gmtime(nxt).tm_hour == allowed and "skipHours" in r[1], (r, allowed)
    assert re.fullmatch(r"interval (\d+m(\d\ds)?|1h(\d\dm)?), skipHours", r[1]), r   # the whole reason
    r = row("/adaptive.xml")
    assert r[1].startswith("interval 6h") or r[1].startswith("interval 5h"), r   # adaptive is off
    # Adaptive on: entries every 2 h -> polled every hour (half the median gap).
    with open(work.conf) as f:
        text = f.read()
    with open(work.conf, "w") as f:
        f.write(text.replace("backlog = all\n", "backlog = all\nadaptive = yes\nmin_interval = 15m\n"))
    work.sql("update feed_polls set next_poll = 0")
    server.routes["/adaptive.xml"] = Route(rss_feed(items) + " ")
    assert work.run_once().returncode == 0
    r = row("/adaptive.xml")
    assert 3600 * 0.9 <= int(r[0]) <= 3600 * 1.1 and r[1].startswith("adaptive interval"), r
    assert "ttl 3h" in subprocess.run([work.feedsd, "status", "-c", work.conf],
                                      capture_output=True, text=True).stdout


@test
def redirect_chains_of_308_are_adopted_and_mixed_chains_are_not(server, work):
    server.routes["/final.xml"] = Route(simple_atom(1))
    server.routes["/p1.xml"] = Route(b"", status=308, headers={"Location": server.url("/p2.xml")})
    server.routes["/p2.xml"] = Route(b"", status=301, headers={"Location": server.url("/final.xml")})
    server.routes["/m1.xml"] = Route(b"", status=301, headers={"Location": server.url("/m2.xml")})
    server.routes["/m2.xml"] = Route(b"", status=307, headers={"Location": server.url("/final.xml")})
    work.write_config([server.url("/p1.xml"), server.url("/m1.xml")], "backlog = all")
    for _ in range(3):
        assert work.run_once().returncode == 0
    # An all-permanent chain moves the feed to the chain's end.
    assert feed_row(work, "fetch_url", server.url("/p1.xml")) == server.url("/final.xml")
    # A chain with a temporary hop does not move it.
    assert feed_row(work, "fetch_url", server.url("/m1.xml")) == ""
