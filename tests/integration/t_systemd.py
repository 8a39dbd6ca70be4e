"""systemd integration (issue 5, "Operating it"): this file plays systemd's side of the
notify protocol (sd_notify(3): datagrams of NAME=VALUE lines on the AF_UNIX socket named
by $NOTIFY_SOCKET, a leading '@' meaning the abstract namespace), and checks the unit
files with systemd-analyze where it exists. Owned by the systemd/ops engineer.

Tests that need a tool this machine lacks print "SKIP <reason>" and return; the harness
then counts them as passed, so read the output for SKIP lines."""
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Route, simple_atom, test  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
UNIT = os.path.join(ROOT, "systemd", "feedsd.service")
TEMPLATE = os.path.join(ROOT, "systemd", "feedsd@.service")


def skip(reason):
    print("     SKIP %s" % reason, flush=True)


class Listener:
    """systemd's end of NOTIFY_SOCKET: a datagram socket whose messages a thread collects
    as (time.monotonic() on arrival, text)."""

    def __init__(self, path=None, abstract=None):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        if abstract:
            self.sock.bind("\0" + abstract)     # Python spells the abstract namespace \0
            self.address = "@" + abstract
        else:
            self.sock.bind(path)
            self.address = path
        self.sock.settimeout(0.1)
        self.msgs = []
        self.cond = threading.Condition()
        self.running = True
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _loop(self):
        while self.running:
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                return
            with self.cond:
                self.msgs.append((time.monotonic(), data.decode("utf-8", "replace")))
                self.cond.notify_all()

    def env(self, **extra):
        env = dict(os.environ, NOTIFY_SOCKET=self.address)
        for k in ("WATCHDOG_USEC", "WATCHDOG_PID", "JOURNAL_STREAM"):
            env.pop(k, None)
        env.update(extra)
        return env

    def wait(self, pred, start=0, timeout=15.0):
        """Index of the first message at or after `start` for which pred(text) holds."""
        end = time.monotonic() + timeout
        with self.cond:
            while True:
                for i in range(start, len(self.msgs)):
                    if pred(self.msgs[i][1]):
                        return i
                left = end - time.monotonic()
                if left <= 0:
                    raise AssertionError("no matching notify message in %.0fs; got %r"
                                         % (timeout, [m for _, m in self.msgs]))
                self.cond.wait(left)

    def wait_line(self, line, start=0, timeout=15.0):
        return self.wait(lambda m: line in m.split("\n"), start, timeout)

    def count(self):
        with self.cond:
            return len(self.msgs)

    def since(self, start):
        with self.cond:
            return list(self.msgs[start:])

    def close(self):
        self.running = False
        self.sock.close()
        self.thread.join(timeout=2)


def fields(msg):
    return dict(l.split("=", 1) for l in msg.split("\n") if "=" in l)


def start(server, work, listener, nfeeds=1, env=None, wrap=None):
    """Starts the daemon with `nfeeds` working feeds, systemd-style; returns the process."""
    urls = []
    for i in range(nfeeds):
        server.routes["/f%d.xml" % i] = Route(simple_atom(1, prefix="feed%d" % i), etag='"1"')
        urls.append(server.url("/f%d.xml" % i))
    work.write_config(urls, "backlog = all")
    env = env or listener.env()
    if not wrap:
        return work.start_daemon(env=env)
    # `sh -c '... exec feedsd'` keeps the shell's pid, so $$ names the daemon's pid.
    work.errlog = open(os.path.join(work.dir, "daemon.log"), "w+")
    cmd = ["sh", "-c", wrap + ' exec "$0" run -c "$1"', work.feedsd, work.conf]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=work.errlog, env=env)


def stop(p, listener, sig=signal.SIGTERM):
    """Sends `sig` and checks systemd hears STOPPING=1 and the daemon exits 0."""
    n = listener.count()
    p.send_signal(sig)
    listener.wait_line("STOPPING=1", n)
    assert p.wait(timeout=15) == 0, "exit status %r" % p.returncode


def with_daemon(server, work, body, abstract=False, nfeeds=1, env_extra=None, wrap=None):
    listener = (Listener(abstract="feedsd-test-%d-%d" % (os.getpid(), time.monotonic_ns()))
                if abstract else Listener(path=os.path.join(work.dir, "notify.sock")))
    p = None
    try:
        p = start(server, work, listener, nfeeds, listener.env(**(env_extra or {})), wrap)
        body(p, listener)
    finally:
        if p and p.poll() is None:
            p.kill()
            p.wait()
        listener.close()


# ---------------------------------------------------------------- the notify protocol

def check_ready_status_stopping(server, work, abstract):
    def body(p, ln):
        ready = ln.wait_line("READY=1")
        # STATUS= says what the daemon does, with the configured feed count.
        st = ln.wait(lambda m: "STATUS" in fields(m))
        assert re.search(r"\b2 feeds\b", fields(ln.msgs[st][1])["STATUS"]), ln.msgs[st]
        # READY=1 only once the work can start: the database exists by then.
        assert ready <= st and os.path.exists(work.db), (ready, st)
        stop(p, ln)
    with_daemon(server, work, body, abstract=abstract, nfeeds=2)


@test
def notify_ready_status_stopping_on_path_socket(server, work):
    check_ready_status_stopping(server, work, abstract=False)


@test
def notify_ready_status_stopping_on_abstract_socket(server, work):
    check_ready_status_stopping(server, work, abstract=True)


@test
def database_upgrade_extends_the_start_timeout(server, work):
    """A database of schema 5 (the posts' HTML in entries.content) is upgraded at start:
    systemd hears EXTEND_TIMEOUT_USEC with a STATUS before READY=1, the HTML is in
    entry_content afterwards, and the daemon goes on."""
    import sqlite3
    server.routes["/f0.xml"] = Route(simple_atom(3, prefix="up"), etag='"1"')
    work.write_config([server.url("/f0.xml")], "backlog = all")
    r = work.run_once()
    assert r.returncode == 0, r.stderr
    con = sqlite3.connect(work.db)
    want = con.execute("SELECT e.key, c.content FROM entries e JOIN entry_content c"
                       " ON c.entry_id = e.id ORDER BY e.key").fetchall()
    assert len(want) == 3, want
    polls = "SELECT last_fetch, last_status, next_poll, schedule_reason FROM feed_polls"
    want_polls = con.execute(polls).fetchall()
    # schema 5: the poll state back in the feeds row (migration 13 undone) ...
    con.executescript("DROP TRIGGER feeds_poll_row;"
                      "ALTER TABLE feeds ADD COLUMN last_fetch INTEGER NOT NULL DEFAULT 0;"
                      "ALTER TABLE feeds ADD COLUMN last_status INTEGER NOT NULL DEFAULT 0;"
                      "ALTER TABLE feeds ADD COLUMN last_error TEXT;"
                      "ALTER TABLE feeds ADD COLUMN fail_count INTEGER NOT NULL DEFAULT 0;"
                      "ALTER TABLE feeds ADD COLUMN next_poll INTEGER NOT NULL DEFAULT 0;"
                      "ALTER TABLE feeds ADD COLUMN schedule_reason TEXT;"
                      "UPDATE feeds SET (last_fetch, last_status, last_error, fail_count,"
                      " next_poll, schedule_reason) = (SELECT last_fetch, last_status,"
                      " last_error, fail_count, next_poll, schedule_reason FROM feed_polls p"
                      " WHERE p.feed_id = feeds.id);"
                      "DROP TABLE feed_polls;")
    # ... without migration 8's cross-feed keys, and the HTML back in entries
    con.executescript("DROP TABLE post_keys; DROP INDEX entries_dup_of;"
                      "ALTER TABLE entries DROP COLUMN dup_of;"
                      "ALTER TABLE entries ADD COLUMN content TEXT;"
                      "UPDATE entries SET content = (SELECT c.content FROM entry_content c"
                      " WHERE c.entry_id = entries.id);"
                      "DROP TABLE entry_content;"
                      # and without migration 7's columns
                      "DROP INDEX entries_written_date; DROP TABLE digest_days;"
                      "ALTER TABLE entries DROP COLUMN categories;"
                      "ALTER TABLE entries DROP COLUMN enclosures;"
                      # and without migration 9's
                      "ALTER TABLE entries DROP COLUMN page_meta;"
                      # and without migration 11's column, 12's table and 13's tables
                      "ALTER TABLE feeds DROP COLUMN category; DROP TABLE filter_drops;"
                      "DROP TABLE output_writers; DROP TABLE output_clean;"
                      "PRAGMA user_version = 5;")
    con.close()
    listener = Listener(path=os.path.join(work.dir, "notify.sock"))
    p = None
    try:
        p = work.start_daemon(env=listener.env())
        ext = listener.wait(lambda m: "EXTEND_TIMEOUT_USEC" in fields(m))
        f = fields(listener.msgs[ext][1])
        assert int(f["EXTEND_TIMEOUT_USEC"]) >= 60 * 1000000, f
        assert "upgrading the database" in f.get("STATUS", ""), f
        ready = listener.wait_line("READY=1")
        assert ext < ready, (ext, ready)
        con = sqlite3.connect(work.db)
        got = con.execute("SELECT e.key, c.content FROM entries e JOIN entry_content c"
                          " ON c.entry_id = e.id ORDER BY e.key").fetchall()
        version = con.execute("PRAGMA user_version").fetchone()[0]
        got_polls = con.execute(polls).fetchall()
        con.close()
        assert got == want and version >= 6, (version, got)
        assert got_polls == want_polls, (got_polls, want_polls)
        stop(p, listener)
    finally:
        if p and p.poll() is None:
            p.kill()
            p.wait()
        listener.close()


@test
def notify_sigint_stops_like_sigterm(server, work):
    def body(p, ln):
        ln.wait_line("READY=1")
        stop(p, ln, signal.SIGINT)
    with_daemon(server, work, body)


def pings(msgs):
    return [t for t, m in msgs if "WATCHDOG=1" in m.split("\n")]


@test
def watchdog_pings_at_half_the_timeout(server, work):
    # WATCHDOG_USEC=400000: systemd wants a ping every 0.4 s; feedsd sends one every 0.2 s.
    def body(p, ln):
        ready = ln.wait_line("READY=1")
        t0 = ln.msgs[ready][0]
        time.sleep(2.0)
        got = [t for t in pings(ln.since(0)) if t >= t0]
        assert len(got) >= 3, "only %d pings in 2 s" % len(got)
        assert len(got) <= 40, "%d pings in 2 s: not paced by WATCHDOG_USEC" % len(got)
        # Never a gap that would trip systemd (0.4 s), with slack for a loaded machine.
        gaps = [b - a for a, b in zip(got, got[1:])]
        assert max(gaps) < 1.0, gaps
        stop(p, ln)
    with_daemon(server, work, body, env_extra={"WATCHDOG_USEC": "400000"})


@test
def watchdog_pings_when_watchdog_pid_is_ours(server, work):
    def body(p, ln):
        ln.wait_line("READY=1")
        n = ln.count()
        ln.wait_line("WATCHDOG=1", n, timeout=5)
        stop(p, ln)
    with_daemon(server, work, body, env_extra={"WATCHDOG_USEC": "400000"},
                wrap="WATCHDOG_PID=$$ && export WATCHDOG_PID &&")


@test
def no_watchdog_pings_for_another_pid(server, work):
    # sd_watchdog_enabled(3): WATCHDOG_PID naming another process means the pings are not
    # ours to send (a parent passed its environment on).
    def body(p, ln):
        ready = ln.wait_line("READY=1")
        time.sleep(1.5)
        assert not pings(ln.since(ready)), ln.since(0)
        stop(p, ln)
    with_daemon(server, work, body,
                env_extra={"WATCHDOG_USEC": "200000", "WATCHDOG_PID": str(os.getpid())})


@test
def no_watchdog_pings_without_watchdog_usec(server, work):
    def body(p, ln):
        ready = ln.wait_line("READY=1")
        time.sleep(1.0)
        assert not pings(ln.since(ready)), ln.since(0)
        stop(p, ln)
    with_daemon(server, work, body)


@test
def sighup_reloading_then_ready_with_new_configuration(server, work):
    def body(p, ln):
        ln.wait_line("READY=1")
        ln.wait(lambda m: re.search(r"\b1 feeds?\b", fields(m).get("STATUS", "")))
        # A second feed appears in the configuration, then systemctl reload.
        server.routes["/new.xml"] = Route(simple_atom(1, prefix="new"))
        with open(work.conf, "a") as f:
            f.write("feed = %s\n" % server.url("/new.xml"))
        n = ln.count()
        before = time.clock_gettime(time.CLOCK_MONOTONIC)
        p.send_signal(signal.SIGHUP)
        rel = ln.wait_line("RELOADING=1", n)
        after = time.clock_gettime(time.CLOCK_MONOTONIC)
        # systemd (>= 253) matches the reload by MONOTONIC_USEC=, in the same datagram.
        f = fields(ln.msgs[rel][1])
        assert "MONOTONIC_USEC" in f, ln.msgs[rel]
        usec = int(f["MONOTONIC_USEC"])
        assert before * 1e6 - 1e6 <= usec <= after * 1e6 + 1e6, (before, usec, after)
        ready = ln.wait_line("READY=1", rel + 1)
        st = ln.wait(lambda m: re.search(r"\b2 feeds\b", fields(m).get("STATUS", "")), rel + 1)
        assert ready <= st
        assert wait_requests(server, "/new.xml"), "the reloaded feed is never polled"
        stop(p, ln)
    with_daemon(server, work, body)


@test
def sighup_with_a_broken_configuration_still_answers_ready(server, work):
    # systemd waits for READY=1 after RELOADING=1 whatever happened; the daemon keeps the
    # configuration it runs with.
    def body(p, ln):
        ln.wait_line("READY=1")
        with open(work.conf, "a") as f:
            f.write("interval = soon\n")
        n = ln.count()
        p.send_signal(signal.SIGHUP)
        rel = ln.wait_line("RELOADING=1", n)
        ln.wait_line("READY=1", rel + 1)
        time.sleep(0.2)
        assert p.poll() is None, "daemon died on a bad reload"
        assert "interval" in work.daemon_log(), work.daemon_log()
        stop(p, ln)
    with_daemon(server, work, body)


# ---------------------------------------------------------------- feedsd reload (ExecReload=)

def reload_cmd(work, pid, timeout=70):
    return subprocess.run([work.feedsd, "reload", str(pid)], capture_output=True, text=True,
                          timeout=timeout)


@test
def reload_command_returns_once_the_daemon_has_reloaded(server, work):
    """Issue 15: ExecReload=/bin/kill failed where procps is missing, and a signal alone
    returns before the reload is done. `feedsd reload PID` returns 0 only once the daemon
    has read the new configuration, said READY=1 and logged it."""
    def body(p, ln):
        ln.wait_line("READY=1")
        server.routes["/new.xml"] = Route(simple_atom(1, prefix="new"))
        with open(work.conf, "a") as f:
            f.write("feed = %s\n" % server.url("/new.xml"))
        n = ln.count()
        r = reload_cmd(work, p.pid)
        assert r.returncode == 0 and r.stderr == "", (r.returncode, r.stderr)
        # Synchronous: the reload's log line and READY=1 came before the answer.
        assert "reloaded %s: 2 feeds" % work.conf in work.daemon_log(), work.daemon_log()
        rel = ln.wait_line("RELOADING=1", n, timeout=2)
        ln.wait_line("READY=1", rel + 1, timeout=2)
        assert wait_requests(server, "/new.xml"), "the reloaded feed is never polled"
        stop(p, ln)
    with_daemon(server, work, body)


@test
def reload_command_fails_when_the_daemon_keeps_its_configuration(server, work):
    def body(p, ln):
        ln.wait_line("READY=1")
        good = open(work.conf).read()
        with open(work.conf, "a") as f:
            f.write("interval = soon\n")
        r = reload_cmd(work, p.pid)
        assert r.returncode == 1, (r.returncode, r.stderr)
        assert r.stderr == "feedsd: reload: process %d reports that the reload failed; " \
                           "the reason is in its log\n" % p.pid, r.stderr
        assert "reload: %s:" % work.conf in work.daemon_log() and \
            "keeping the running configuration" in work.daemon_log(), work.daemon_log()
        # A new output folder the daemon cannot use is refused the same way, checked
        # as at start; the old one stays in use.
        blocker = os.path.join(work.dir, "a-file")
        open(blocker, "w").close()
        with open(work.conf, "w") as f:
            f.write(good + "output = %s\n" % blocker)
        r = reload_cmd(work, p.pid)
        assert r.returncode == 1, (r.returncode, r.stderr)
        assert "reload: output folder %s: %s is not a folder; keeping the running " \
            "configuration" % (blocker, blocker) in work.daemon_log(), work.daemon_log()
        with open(work.conf, "w") as f:
            f.write(good)
        r = reload_cmd(work, p.pid)
        assert r.returncode == 0, r.stderr
        assert p.poll() is None
        stop(p, ln)
    with_daemon(server, work, body)


@test
def reload_command_errors(server, work):
    r = subprocess.run([work.feedsd, "reload"], capture_output=True, text=True, timeout=10)
    assert r.returncode == 2 and r.stderr.startswith("feedsd reload: missing PID\n"
                                                     "usage: feedsd reload PID\n"), r
    r = subprocess.run([work.feedsd, "reload", "12x"], capture_output=True, text=True, timeout=10)
    assert r.returncode == 2 and "not a process id: '12x'" in r.stderr, r
    r = subprocess.run([work.feedsd, "reload", "--help"], capture_output=True, text=True,
                       timeout=10)
    assert r.returncode == 0 and "ExecReload=" in r.stdout, r
    # A process that is gone: said at once, at priority err under the journal.
    dead = subprocess.Popen(["true"])
    dead.wait()
    r = subprocess.run([work.feedsd, "reload", str(dead.pid)], capture_output=True, text=True,
                       timeout=10, env=dict(os.environ, JOURNAL_STREAM="8:1234"))
    assert r.returncode == 1, r
    assert r.stderr == "<3>reload: cannot signal process %d: No such process\n" % dead.pid, r


# ---------------------------------------------------------------- start-up errors

def run_fails(work, *args, env=None):
    r = subprocess.run([work.feedsd, "run", "-c", work.conf] + list(args), capture_output=True,
                       text=True, timeout=30, env=env or os.environ.copy())
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert r.stderr.count("\n") == 1, "not one line: %r" % r.stderr
    return r.stderr


@test
def fatal_errors_are_logged_at_priority_err_under_the_journal(server, work):
    """Issue 15: a plain "feedsd: ..." line was logged at info, so `journalctl -p err`
    missed why the service did not start."""
    journal = dict(os.environ, JOURNAL_STREAM="8:1234")
    work.write_config([server.url("/a.xml")], "interval = soon")
    err = run_fails(work, env=journal)
    assert err.startswith("<3>%s:" % work.conf) and "interval" in err, err
    # On a terminal the same line as always.
    assert run_fails(work).startswith("feedsd: %s:" % work.conf)
    work.write_config([server.url("/a.xml")])
    with open(work.conf, "a") as f:
        f.write("metrics = 999.999.999.999:1\n")
    assert run_fails(work, env=journal).startswith("<3>")


@test
def output_folder_problems_are_found_at_start_and_name_the_folder(server, work):
    """Issue 15: 'cannot create DB or OUT: reason' blamed both; a folder that could not be
    written was found only post by post (exit 1, one line each)."""
    server.routes["/a.xml"] = Route(simple_atom(2))
    blocker = os.path.join(work.dir, "a-file")
    open(blocker, "w").close()
    # Not a folder.
    work.write_config([server.url("/a.xml")])
    err = run_fails(work, "--output", blocker)
    assert err == "feedsd: output folder %s: %s is not a folder\n" % (blocker, blocker), err
    err = run_fails(work, "--once", "--output", blocker + "/posts")
    assert err == "feedsd: output folder %s/posts: %s is not a folder\n" \
        % (blocker, blocker), err
    # The database's folder is checked apart, and named as the database's.
    err = run_fails(work, "--once", "--database", blocker + "/db/feedsd.db")
    assert err == "feedsd: database %s/db/feedsd.db: %s is not a folder\n" \
        % (blocker, blocker), err
    assert not server.requests_for("/a.xml")
    assert not os.path.exists(work.db), "the database was made before the output check"
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        return skip("permission check needs root and setpriv")
    # A folder of another user: the owner is named, since a service's user is dynamic.
    os.makedirs(work.out)
    os.chmod(work.dir, 0o777)
    cmd = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--",
           work.feedsd, "run", "--once", "-c", work.conf]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert r.stderr == "feedsd: output folder %s: cannot create files in it: Permission " \
                       "denied (owned by uid 0, mode 755; feedsd runs as uid 65534)\n" \
        % work.out, r.stderr
    # The probe left nothing behind where it could.
    assert os.listdir(work.out) == []


def wait_requests(server, path, timeout=20.0):
    end = time.time() + timeout
    while time.time() < end:
        if server.requests_for(path):
            return True
        time.sleep(0.05)
    return False


# ---------------------------------------------------------------- the unit files

def analyze(*args):
    exe = shutil.which("systemd-analyze")
    if not exe:
        return None
    return subprocess.run([exe] + list(args), capture_output=True, text=True, timeout=120)


def unit_copy(src, name, feedsd):
    """The unit as installed but running this build: verify checks that ExecStart exists."""
    d = tempfile.mkdtemp(prefix="feedsd-unit-")
    with open(src) as f:
        text = f.read()
    assert "ExecStart=/usr/local/bin/feedsd " in text, "ExecStart moved: update this test"
    path = os.path.join(d, name)
    with open(path, "w") as f:
        f.write(text.replace("=/usr/local/bin/feedsd ", "=%s " % feedsd))
    return d, path


@test
def unit_files_pass_systemd_analyze_verify(server, work):
    if analyze("--version") is None:
        return skip("systemd-analyze not installed")
    # The template is checked as an instance: verify resolves %i only then.
    for src, name in ((UNIT, "feedsd.service"), (TEMPLATE, "feedsd@test.service")):
        d, path = unit_copy(src, name, work.feedsd)
        try:
            # --man=no: the man pages need not be installed on a build machine.
            r = analyze("verify", "--man=no", path)
            out = r.stdout + r.stderr
            assert r.returncode == 0, out
            # Unknown or misspelt keys are warnings with exit status 0: none allowed.
            mine = [l for l in out.splitlines() if name in l or "feedsd" in l]
            assert not mine, out
        finally:
            shutil.rmtree(d, ignore_errors=True)


@test
def unit_security_exposure_stays_low(server, work):
    r = analyze("security", "--offline=yes", UNIT)
    if r is None:
        return skip("systemd-analyze not installed")
    if r.returncode != 0 and "offline" in r.stderr:
        return skip("systemd-analyze security --offline needs systemd 252")
    for path in (UNIT, TEMPLATE):
        r = analyze("security", "--offline=yes", path)
        m = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", r.stdout)
        assert m, r.stdout + r.stderr
        # 1.1 with systemd 252; what is left is the network and world-readable files.
        # A lost sandboxing line pushes it over 2.
        assert float(m.group(1)) <= 2.0, r.stdout


SANDBOX_EXEMPT = ("Description=", "ExecStart=", "StateDirectory=", "WorkingDirectory=",
                  "AssertPathExists=", "User=")


def service_lines(path):
    with open(path) as f:
        return [l.strip() for l in f if l.strip() and not l.startswith("#")
                and not l.startswith(SANDBOX_EXEMPT)]


@test
def template_unit_has_the_same_sandbox(server, work):
    with open(TEMPLATE) as f:
        t = f.read()
    assert "ExecStart=/usr/local/bin/feedsd run -c /etc/feedsd/%i.conf\n" in t
    # Issue 15: a dynamic user is named after the unit's prefix unless User= names it
    # (every instance was "feedsd"), and a dynamic state folder cannot lie inside
    # feedsd.service's /var/lib/feedsd (238/STATE_DIRECTORY). tests/systemd runs them.
    assert "\nUser=feedsd-%i\n" in t and "\nStateDirectory=feedsd-%i\n" in t
    assert "\nWorkingDirectory=/var/lib/feedsd-%i\n" in t
    assert service_lines(UNIT) == service_lines(TEMPLATE), \
        set(service_lines(UNIT)) ^ set(service_lines(TEMPLATE))


def syscall_group(name, cache={}):
    """systemd-analyze syscall-filter NAME, with nested @groups expanded."""
    if name not in cache:
        out = analyze("syscall-filter", name).stdout
        res = set()
        for line in out.splitlines()[1:]:
            l = line.strip()
            if l.startswith("@"):
                res |= syscall_group(l)
            elif l and not l.startswith("#"):
                res.add(l)
        cache[name] = res
    return cache[name]


def unit_syscall_allow_list(path):
    allow, deny = set(), set()
    with open(path) as f:
        for line in f:
            if line.startswith("SystemCallFilter="):
                v = line.split("=", 1)[1].strip()
                target = allow
                if v.startswith("~"):
                    target, v = deny, v[1:]
                for item in v.split():
                    target |= syscall_group(item) if item.startswith("@") else {item}
    assert allow, "no allow list in %s" % path
    return allow - deny


@test
def daemon_syscalls_fit_the_unit_filter(server, work):
    # The service kills nothing on a filtered call (SystemCallErrorNumber=EPERM) but the
    # call fails: trace a poll, a reload and a stop and check every call is allowed.
    if analyze("--version") is None or not shutil.which("strace"):
        return skip("needs systemd-analyze and strace")
    with open(work.feedsd, "rb") as f:
        if b"__asan_init" in f.read():
            return skip("sanitizer build: the service never runs one")
    allowed = unit_syscall_allow_list(UNIT)
    server.routes["/a.xml"] = Route(simple_atom(3), etag='"1"', gzip_body=True)
    # The command summarizer too: its children run under the same filter.
    work.write_config([server.url("/a.xml")], "backlog = all\nsummarizer = command\n"
                      "command = /bin/cat\nsummary_min_length = 0\nsummary_max_wait = 1h\n"
                      "summarize_backlog = yes")
    trace = os.path.join(work.dir, "trace")
    feedsd = work.feedsd
    if os.geteuid() == 0:
        # As in the service, not root: SQLite calls fchown(2) on its journal only as root.
        if not shutil.which("setpriv"):
            return skip("running as root without setpriv")
        # A copy the other user can reach: a clone under /root (mode 0700) is not
        # searchable by it, and strace stats the program as that user.
        feedsd = os.path.join(work.dir, "feedsd")
        shutil.copy2(work.feedsd, feedsd)
    cmd = ["strace", "-f", "-qq", "-o", trace, feedsd, "run", "-c", work.conf]
    if os.geteuid() == 0:
        for root, dirs, files in os.walk(work.dir):
            for n in [root] + [os.path.join(root, x) for x in dirs + files]:
                os.chown(n, 65534, 65534)
        os.chmod(work.dir, 0o755)
        cmd = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"] + cmd
    ln = Listener(path=os.path.join(work.dir, "notify.sock"))
    os.chmod(ln.address, 0o777)
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         env=ln.env(WATCHDOG_USEC="200000"))
    pid = None
    try:
        ln.wait_line("READY=1", timeout=30)
        ok = wait_requests(server, "/a.xml")
        # Files appear once `cat` has returned each summary.
        end = time.time() + 20
        while time.time() < end and len([f for f in os.listdir(work.out)
                                         if f.endswith(".md")]) < 3:
            time.sleep(0.05)
        n = ln.count()
        # The unit's ExecReload= runs under the same filter: `feedsd reload` is traced
        # too, as the same user (its answer comes back only to the same user).
        pid = daemon_pid(p.pid)
        rcmd = ["strace", "-f", "-qq", "-o", trace + ".reload", feedsd, "reload", str(pid)]
        if cmd[0] == "setpriv":
            rcmd = cmd[:cmd.index("--") + 1] + rcmd
        rr = subprocess.run(rcmd, capture_output=True, text=True, timeout=60)
        assert rr.returncode == 0, rr.stderr
        ln.wait_line("READY=1", n + 1)
        os.kill(pid, signal.SIGTERM)
        p.wait(timeout=30)
    finally:
        # strace killed with SIGKILL detaches its tracee, which would run on.
        for victim in (pid, p.pid if p.poll() is None else None):
            if victim:
                try:
                    os.kill(victim, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        p.wait()
        ln.close()
    err = p.stderr.read().decode(errors="replace")
    if "ptrace" in err and "Operation not permitted" in err:
        return skip("ptrace is not permitted here")
    assert ok, "feed never fetched: " + err
    used = set()
    for path in (trace, trace + ".reload"):
        with open(path) as f:
            for line in f:
                m = re.match(r"^\s*(?:\d+\s+)?([a-z_0-9]+)\(", line)
                if m:
                    used.add(m.group(1))
    # The trace is real: HTTP, the loop, notify, a summarizer child, and the reload's
    # question and answer.
    assert {"sendto", "epoll_wait", "setpgid", "wait4", "rt_sigqueueinfo",
            "rt_sigtimedwait"} <= used, sorted(used)
    files = [f for f in os.listdir(work.out) if f.endswith(".md")]
    assert len(files) == 3, files
    denied = sorted(used - allowed)
    assert not denied, "system calls the unit's SystemCallFilter= refuses: %s" % denied
    # Calls this short trace may not reach: a batch of four or more files is flushed with
    # syncfs (daemon/pipeline.c).
    assert "syncfs" in allowed, "the unit's SystemCallFilter= refuses syncfs"


def daemon_pid(strace_pid, timeout=5.0):
    """The traced child of strace (its only child)."""
    end = time.time() + timeout
    while time.time() < end:
        try:
            with open("/proc/%d/task/%d/children" % (strace_pid, strace_pid)) as f:
                kids = f.read().split()
            if kids:
                return int(kids[0])
        except OSError:
            pass
        time.sleep(0.05)
    raise AssertionError("strace has no child")
