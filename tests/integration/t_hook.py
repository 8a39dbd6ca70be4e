"""on_write = COMMAND (issue 18, item 4): run after each batch of files is published, never
through a shell, with the batch's paths on standard input and in FEEDSD_NEW and
FEEDSD_REWRITTEN; a failure is logged and retried with backoff while the loop goes on."""
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

import harness
from harness import test

# Records each run (argv, stdin, the FEEDSD_ variables) as runs/N.json; fails while the
# file "fail" holds a count above 0 (and counts it down); sleeps as long as "sleep" says.
HOOK = r'''
import json, os, sys, time
state = sys.argv[1]
runs = os.path.join(state, "runs")
os.makedirs(runs, exist_ok=True)
n = len(os.listdir(runs))
rec = {"argv": sys.argv[2:], "stdin": sys.stdin.read(),
       "env": {k: v for k, v in os.environ.items() if k.startswith("FEEDSD_")},
       "t": time.time()}
with open(os.path.join(runs, "%03d.json" % n), "w") as f:
    json.dump(rec, f)
try:
    time.sleep(float(open(os.path.join(state, "sleep")).read()))
except OSError:
    pass
try:
    left = int(open(os.path.join(state, "fail")).read())
except OSError:
    left = 0
if left > 0:
    with open(os.path.join(state, "fail"), "w") as f:
        f.write(str(left - 1))
    sys.stderr.write("site rebuild failed: disk on fire\nsecond line\n")
    sys.exit(3)
'''


def setup_hook(work):
    state = os.path.join(work.dir, "hook state")
    os.makedirs(state)
    script = os.path.join(work.dir, "hook.py")
    with open(script, "w") as f:
        f.write(HOOK)
    # quoted as the configuration splits it: no shell sees "$HOME" or the space
    return state, "on_write = %s %s '%s' '$HOME' \"a b\"" % (sys.executable, script, state)


def runs(state):
    d = os.path.join(state, "runs")
    if not os.path.isdir(d):
        return []
    out = []
    for name in sorted(os.listdir(d)):
        with open(os.path.join(d, name)) as f:
            out.append(json.load(f))
    return out


def lines(s):
    return [l for l in s.split("\n") if l]


@test
def on_write_gets_new_and_rewritten_paths(server, work):
    """A first run hands its 3 new files over; a later run with one post changed and one
    added hands over exactly those two, told apart in FEEDSD_NEW and FEEDSD_REWRITTEN.
    The words reach the command as written ('$HOME' unexpanded, "a b" one word)."""
    state, line = setup_hook(work)
    server.routes["/a.xml"] = harness.Route(harness.simple_atom(3))
    work.write_config([server.url("/a.xml")], "backlog = all\n" + line)
    r = work.run_once()
    assert r.returncode == 0, r.stderr
    rs = runs(state)
    assert len(rs) == 1, rs
    files = sorted(p for p in work.files() if p.endswith(".md"))
    assert len(files) == 3, files
    assert rs[0]["argv"] == ["$HOME", "a b"], rs[0]
    assert sorted(lines(rs[0]["stdin"])) == files, rs[0]
    env = rs[0]["env"]
    assert env["FEEDSD_OUTPUT"] == os.path.realpath(work.out), env
    assert env["FEEDSD_COUNT"] == "3", env
    assert sorted(lines(env["FEEDSD_NEW"])) == files and env["FEEDSD_REWRITTEN"] == "", env

    doc = harness.simple_atom(4).replace("Sentence number 0 of post 1 ", "Changed text of post 1 ")
    assert doc != harness.simple_atom(4)
    server.routes["/a.xml"] = harness.Route(doc)
    r = work.run_once()
    assert r.returncode == 0, r.stderr
    rs = runs(state)
    assert len(rs) == 2, rs
    now = sorted(p for p in work.files() if p.endswith(".md"))
    added = sorted(set(now) - set(files))
    assert len(added) == 1, now
    env = rs[1]["env"]
    assert lines(env["FEEDSD_NEW"]) == added, env
    rewritten = lines(env["FEEDSD_REWRITTEN"])
    assert len(rewritten) == 1 and rewritten[0] in files, env
    assert "Changed text of post 1" in work.read(rewritten[0])
    assert sorted(lines(rs[1]["stdin"])) == sorted(added + rewritten), rs[1]
    # nothing changed: no batch, no run
    assert work.run_once().returncode == 0
    assert len(runs(state)) == 2


@test
def on_write_failure_in_once_is_the_exit_status(server, work):
    """--once retries nothing: a failed run is logged with the command's first line of
    stderr and makes the exit status 1; the files are written all the same."""
    state, line = setup_hook(work)
    with open(os.path.join(state, "fail"), "w") as f:
        f.write("1")
    server.routes["/a.xml"] = harness.Route(harness.simple_atom(2))
    work.write_config([server.url("/a.xml")], "backlog = all\n" + line)
    r = work.run_once()
    assert r.returncode == 1, r
    assert "on_write: the command failed (exit status 3: site rebuild failed: disk on fire)" \
        in r.stderr, r.stderr
    assert "second line" not in r.stderr, r.stderr
    assert len([p for p in work.files() if p.endswith(".md")]) == 2
    assert len(runs(state)) == 1


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@test
def on_write_is_retried_with_backoff_without_blocking_the_loop(server, work):
    """The daemon runs the command from its loop: while a run sleeps, the metrics endpoint
    (served by the same loop) answers at once. A run that fails is logged and run again
    after on_write_retry, then twice that, with the same paths, until it succeeds."""
    state, line = setup_hook(work)
    with open(os.path.join(state, "fail"), "w") as f:
        f.write("2")
    with open(os.path.join(state, "sleep"), "w") as f:
        f.write("2")
    port = free_port()
    server.routes["/a.xml"] = harness.Route(harness.simple_atom(3))
    work.write_config([server.url("/a.xml")],
                      "backlog = all\non_write_retry = 1s\nmetrics = 127.0.0.1:%d\n" % port + line)
    p = work.start_daemon()
    try:
        assert harness.wait_for(lambda: len(runs(state)) == 1, timeout=20), work.daemon_log()
        t0 = time.time()
        with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=5) as r:
            body = r.read().decode()
        assert time.time() - t0 < 1.0, "the loop waited for the command"
        assert "feedsd_files_written_total 3" in body, body
        assert harness.wait_for(lambda: "handed 3 files to the command" in work.daemon_log(),
                                timeout=40), work.daemon_log()
        log = work.daemon_log()
        assert "on_write: the command failed (exit status 3: site rebuild failed: disk on fire);" \
               " run again with 3 files in 1 s (failure 1)" in log, log
        assert "run again with 3 files in 2 s (failure 2)" in log, log
        rs = runs(state)
        assert len(rs) == 3, rs
        assert rs[0]["stdin"] == rs[1]["stdin"] == rs[2]["stdin"], rs
        # the waits grow: the second retry starts later after its failure than the first
        gap1 = rs[1]["t"] - rs[0]["t"]
        gap2 = rs[2]["t"] - rs[1]["t"]
        assert gap2 > gap1 + 0.5, (gap1, gap2)
        assert p.poll() is None
    finally:
        p.terminate()
        p.wait(timeout=20)


@test
def check_refuses_an_on_write_that_does_not_split(server, work):
    """An unterminated quote is the configuration's error, said by `feedsd check` (and at
    start), not at the first batch of files."""
    work.write_config([server.url("/a.xml")], "on_write = git -C '/srv/site commit")
    r = subprocess.run([work.feedsd, "check", "-c", work.conf], capture_output=True,
                               text=True, timeout=30)
    assert r.returncode == 2, r
    assert "on_write: unterminated single quote" in r.stderr, r.stderr
