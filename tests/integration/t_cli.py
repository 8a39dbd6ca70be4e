"""What a first-time user reads (issue 14): every command's --help and usage errors, one
duration format and correct plurals wherever a person reads them, the header rows of
`list` and `status`, and the reason for each feed's next poll."""
import json
import os
import re
import subprocess

from harness import (FeedServer, Route, command_synopsis, free_port_url, listed_commands,
                     simple_atom, test)

# duration_format (common/util.h): the two largest units, the second in two digits.
DUR = r"-?\d+(?:d(?:\d\dh)?|h(?:\d\dm)?|m(?:\d\ds)?|s)"


def fd(work, *args, conf=True, stdin=None):
    cmd = [work.feedsd] + list(args) + (["-c", work.conf] if conf else [])
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60, input=stdin)


def bare(work, *args):
    """feedsd ARGS in the work folder, without a configuration from the environment."""
    env = dict(os.environ)
    env.pop("FEEDSD_CONFIG", None)
    env.pop("STATE_DIRECTORY", None)
    return subprocess.run([work.feedsd] + list(args), capture_output=True, text=True,
                          timeout=30, cwd=work.dir, env=env)


@test
def every_command_takes_help_and_reports_usage_errors(server, work):
    top = bare(work, "--help")
    assert top.returncode == 0 and not top.stderr, top
    # What feedsd is, and where the reference is.
    for needed in ("RSS, Atom and JSON Feed", "feedsd(1)", "feedsd.conf(5)", "--help", "--"):
        assert needed in top.stdout, (needed, top.stdout)
    for other in (("-h",), ("help",)):
        assert bare(work, *other).stdout == top.stdout
    # Without a command, or with an unknown one: the same list on stderr, status 2.
    r = bare(work)
    assert r.returncode == 2 and r.stdout == "" and r.stderr == top.stdout, r
    r = bare(work, "stauts")
    assert r.returncode == 2 and r.stderr.startswith("feedsd: unknown command 'stauts'\n"), r
    cmds = listed_commands(work.feedsd)
    for name in ("run", "status", "add", "remove", "list", "import", "export", "check",
                 "resummarize", "parse", "parse-date", "html2md"):
        assert name in cmds, (name, cmds)
    for name, summary in cmds.items():
        assert len(summary) > 10, (name, summary)
        h = bare(work, name, "--help")
        assert h.returncode == 0 and h.stderr == "", (name, h)
        synopsis, opts = command_synopsis(work.feedsd, name)
        assert h.stdout.startswith(synopsis + "\n"), (name, h.stdout)
        # One line per option of the synopsis, and one for --help itself.
        for o in opts + ["--help"]:
            label = (r"(-\w, )?%s" % re.escape(o) if o.startswith("--")
                     else r"%s, --[a-z-]+" % re.escape(o))
            assert re.search(r"^  %s( [A-Z][A-Za-z.|-]*)?  +\S" % label, h.stdout, re.M), \
                (name, o, h.stdout)
        for same in ((name, "-h"), ("help", name)):
            r = bare(work, *same)
            assert r.returncode == 0 and r.stdout == h.stdout and not r.stderr, (same, r)
        # A usage error: which option, then the usage, on stderr; status 2.
        r = bare(work, name, "--no-such-option")
        assert r.returncode == 2 and r.stdout == "", (name, r)
        lines = r.stderr.splitlines()
        assert lines[0].startswith("feedsd %s: unknown option '--no-such-option'" % name), (name, r.stderr)
        assert lines[1] == synopsis, (name, r.stderr)
        valued = [o for o in opts if re.search(r"\[%s [A-Z]" % re.escape(o), synopsis)]
        if valued:
            r = bare(work, name, valued[0])
            assert r.returncode == 2 and r.stdout == "", (name, r)
            assert re.match(r"feedsd %s: --[a-z-]+ needs a value \([A-Z]" % re.escape(name),
                            r.stderr), (name, r)
        # "--" ends the options: what follows is no option, --help included.
        r = bare(work, name, "--", "--help")
        assert r.returncode != 0 and not r.stdout.startswith("usage:"), (name, r)
        if re.fullmatch(r"usage: feedsd %s( \[-[^]]+\])*" % re.escape(name), synopsis):
            # no arguments at all
            assert r.returncode == 2 and "unexpected argument '--help'" in r.stderr, (name, r)
    # Nothing above created a database or an output folder.
    assert sorted(os.listdir(work.dir)) == [], os.listdir(work.dir)


@test
def human_output_has_one_duration_format_and_plurals(server, work):
    server.routes["/one.xml"] = Route(simple_atom(1, title="One"))
    missing = server.url("/missing.xml")
    work.write_config([server.url("/one.xml"), missing], "backlog = all")
    r = work.run_once("-v")
    assert r.returncode == 1, r
    # "1 entry", not "1 entries".
    assert re.search(r"/one\.xml: 1 entry, 1 new, 0 updated\n", r.stderr), r.stderr
    # A one-shot run retries nothing itself: no "retry in 877s" promise, the daemon's time
    # in the one format.
    line = [l for l in r.stderr.splitlines() if missing in l and "[warning]" in l]
    assert len(line) == 1, r.stderr
    assert re.search(r": HTTP status 404 \(failure 1; next poll by the daemon in %s\)$" % DUR,
                     line[0]), line
    assert "retry in" not in r.stderr, r.stderr
    # check: "failed once", not "failed 1 times"; "1 feed" is not "1 feeds".
    c = fd(work, "check", "--max-failures", "0")
    assert c.returncode == 1, c
    assert c.stderr.startswith("%s: failed once in a row: HTTP status 404\n" % missing), c.stderr
    server.routes["/missing.xml"] = Route(simple_atom(2, prefix="back"))
    assert work.run_once().returncode == 0
    c = fd(work, "check")
    assert c.returncode == 0 and re.fullmatch(r"ok: 2 feeds, last fetch %s ago\n" % DUR, c.stdout), c
    # Configuration errors name durations the same way.
    with open(work.conf, "a") as f:
        f.write("max_interval = 30s\n")
    r = work.run_once()
    assert r.returncode == 2, r
    assert r.stderr.endswith(": max_interval: 30s is out of range (1m to 30d)\n"), r.stderr


@test
def status_and_list_have_header_rows_and_the_reason_for_each_next_poll(server, work):
    server.routes["/ok.xml"] = Route(simple_atom(1, title="Fine"),
                                     headers={"Cache-Control": "max-age=7200"})
    server.routes["/gone.xml"] = Route(b"", status=410)
    other = FeedServer()      # a 429 pauses its whole origin: keep it off the others'
    try:
        other.routes["/limited.xml"] = Route(b"", status=429, headers={"Retry-After": "120"})
        urls = {"ok": server.url("/ok.xml"), "missing": server.url("/missing.xml"),
                "gone": server.url("/gone.xml"), "limited": other.url("/limited.xml")}
        work.write_config(list(urls.values()))
        assert work.run_once().returncode == 1
    finally:
        other.close()
    urls["new"] = free_port_url("/new.xml")
    assert fd(work, "add", "--no-fetch", urls["new"]).returncode == 0
    want = {"ok": "Cache-Control max-age 2h", "missing": r"backoff %s after 1 failure" % DUR,
            "limited": "Retry-After 2m", "gone": r"disabled \(HTTP 410 Gone\)",
            "new": "first poll"}
    # --json: the reason beside the time it explains.
    r = fd(work, "status", "--json")
    assert r.returncode == 0, r
    feeds = {f["url"]: f for f in json.loads(r.stdout)["feeds"]}
    for name, url in urls.items():
        f = feeds[url]
        assert list(f)[list(f).index("next_poll") + 1] == "next_poll_reason", f
        assert re.fullmatch(want[name], f["next_poll_reason"]), (name, f)
    assert feeds[urls["new"]]["next_poll"] is None
    # The table: a header row, one row per feed with the same reason, problems under it.
    r = fd(work, "status")
    assert r.returncode == 0, r
    lines = r.stdout.splitlines()
    assert re.split(r"  +", lines[0]) == ["FEED", "ENTRIES", "LAST FETCH", "HTTP", "NEXT POLL",
                                          "WHY", "CATEGORY", "TITLE"], lines[0]
    rows = {}
    for l in lines[1:-1]:
        if not l.startswith("  "):
            cells = re.split(r"  +", l.strip())
            rows[cells[0]] = cells
    assert set(rows) == set(urls.values()), r.stdout
    for name, url in urls.items():
        _, entries, last, http, nxt, why, category, title = rows[url]
        assert category == "-", rows[url]
        assert re.fullmatch(want[name], why), (name, rows[url])
        assert re.fullmatch(r"never|%s ago" % DUR, last) and re.fullmatch(r"-|\d{3}", http), rows[url]
        assert re.fullmatch(r"in %s|never|soon" % DUR, nxt), rows[url]
    assert rows[urls["ok"]][1:4] == ["1", rows[urls["ok"]][2], "200"] and rows[urls["ok"]][7] == "Fine"
    assert rows[urls["gone"]][4] == "never" and rows[urls["new"]][4] == "soon"
    assert rows[urls["new"]][2] == "never" and rows[urls["new"]][3] == "-"
    assert "  last error: HTTP status 404 (failed once in a row)" in lines, r.stdout
    assert lines[-1] == "5 feeds, 3 failing, 1 entry", lines[-1]
    # No duration in bare seconds anywhere a person reads one.
    assert not re.search(r"\b\d{3,}s\b", r.stdout), r.stdout
    # list: a header row too.
    r = fd(work, "list")
    assert r.returncode == 0, r
    lines = r.stdout.splitlines()
    assert re.split(r"  +", lines[0]) == ["ORIGIN", "ENTRIES", "URL", "CATEGORY", "TITLE"], lines[0]
    assert any(re.fullmatch(r"config +1  %s +- +Fine" % re.escape(urls["ok"]), l) for l in lines), lines
    assert lines[-1] == "5 subscriptions", lines


@test
def import_says_what_it_did_not_check(server, work):
    """`add` fetches its URL; `import` does not (neither do newsboat's and rss2email's):
    it says so, and the daemon's first poll reports the feed that is missing."""
    server.routes["/ok.xml"] = Route(simple_atom(1))
    work.write_config([])
    lst = "%s\n%s\n" % (server.url("/ok.xml"), server.url("/missing.xml"))
    r = fd(work, "import", "-", stdin=lst)
    assert r.returncode == 0, r
    assert r.stdout.startswith("imported 2 feeds, 0 already subscribed (not fetched yet: "), r
    assert "'feedsd add URL' checks one now" in r.stdout, r
    assert server.requests == [], server.requests        # nothing was fetched
    # Importing nothing new has nothing to say about fetching.
    r = fd(work, "import", "-", stdin=lst)
    assert r.stdout == "imported 0 feeds, 2 already subscribed\n", r
    # The first poll checks them: the missing one is a failing feed in status.
    assert work.run_once().returncode == 1
    feeds = {f["url"]: f for f in json.loads(fd(work, "status", "--json").stdout)["feeds"]}
    assert feeds[server.url("/missing.xml")]["last_error"] == "HTTP status 404", feeds


@test
def a_first_run_without_feeds_creates_nothing_and_paths_read_well(server, work):
    """The first-time user's run (issue 14 E): no feeds is said before anything is made;
    paths in log lines are normalized; a mistyped key gets the nearest known one."""
    env = dict(os.environ)
    env.pop("FEEDSD_CONFIG", None)
    env.pop("STATE_DIRECTORY", None)

    def feedsd(*args):
        return subprocess.run([work.feedsd] + list(args), capture_output=True, text=True,
                              timeout=60, cwd=work.dir, env=env)

    os.mkdir(os.path.join(work.dir, "examples"))
    conf = os.path.join("examples", "feedsd.conf")
    with open(os.path.join(work.dir, conf), "w") as f:
        f.write("database = ../var/feedsd.db\noutput = ../out\nallow_private = yes\n"
                "host_delay = 0\n")
    # Neither the defaults nor a configuration without feeds make a database or a folder.
    for args in ((), ("-c", conf)):
        r = feedsd("run", "--once", *args)
        assert r.returncode == 2 and r.stderr.startswith("feedsd: no feeds: "), r
        assert sorted(os.listdir(work.dir)) == ["examples"], os.listdir(work.dir)
    # A path of the configuration, relative to its folder, is logged resolved.
    server.routes["/a.xml"] = Route(simple_atom(1))
    with open(os.path.join(work.dir, conf), "a") as f:
        f.write("feed = %s\n" % server.url("/a.xml"))
    r = feedsd("run", "--once", "-v", "-c", conf)
    assert r.returncode == 0, r
    assert re.search(r"feedsd \S+: 1 feed, database var/feedsd\.db, output out\n", r.stderr), r.stderr
    assert "/../" not in r.stderr and "examples/.." not in r.stderr, r.stderr
    assert sorted(os.listdir(work.dir)) == ["examples", "out", "var"], os.listdir(work.dir)
    # The daemon waits without feeds: it makes its database (for 'feedsd add') but no
    # output folder until it has a feed.
    other = os.path.join(work.dir, "other")
    os.mkdir(other)
    with open(os.path.join(other, "c.conf"), "w") as f:
        f.write("database = db/feedsd.db\noutput = posts\n")
    p = subprocess.Popen([work.feedsd, "run", "-c", os.path.join(other, "c.conf")],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = p.stderr.readline()
        assert "no feeds: " in line and "waiting for one" in line, line
    finally:
        p.terminate()
        p.wait(timeout=15)
    assert sorted(os.listdir(other)) == ["c.conf", "db"], os.listdir(other)
    # A mistyped key: the nearest known one is suggested.
    with open(os.path.join(work.dir, conf), "a") as f:
        f.write("intervall = 2h\n")
    r = feedsd("run", "--once", "-c", conf)
    assert r.returncode == 2, r
    assert r.stderr == "feedsd: examples/feedsd.conf:6: intervall: unknown key; did you mean " \
                       "interval?\n", r.stderr
