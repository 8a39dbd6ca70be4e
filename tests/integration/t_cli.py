"""What a first-time user reads (issue 14): every command's --help and usage errors, one
duration format and correct plurals wherever a person reads them, the header rows of
`list` and `status`, and the reason for each feed's next poll."""
import json
import os
import re
import subprocess

from harness import Route, free_port_url, simple_atom, test

# duration_format (common/util.h): the two largest units, the second in two digits.
DUR = r"-?\d+(?:d(?:\d\dh)?|h(?:\d\dm)?|m(?:\d\ds)?|s)"


def fd(work, *args, conf=True, stdin=None):
    cmd = [work.feedsd] + list(args) + (["-c", work.conf] if conf else [])
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60, input=stdin)


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
