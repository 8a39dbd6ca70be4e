"""Test harness for feedsd's integration tests: a scriptable HTTP server on 127.0.0.1
(an ephemeral port), temporary work folders, and helpers to run the real feedsd binary.

Nothing here talks to the internet: every feed URL points at the local server."""
import gzip
import http.server
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
import traceback


class Route:
    """What the server answers for one path. Tests mutate these fields between runs."""

    def __init__(self, body=b"", status=200, content_type="application/xml; charset=utf-8",
                 etag=None, last_modified=None, delay=0.0, gzip_body=False, headers=None,
                 chunk_delay=0.0, chunk_size=512, endless=None, declared_length=None, auth=None,
                 not_modified_headers=None):
        self.body = body if isinstance(body, bytes) else body.encode("utf-8")
        self.status = status
        self.content_type = content_type
        self.etag = etag
        self.last_modified = last_modified
        self.delay = delay
        self.gzip_body = gzip_body
        self.headers = headers or {}
        self.chunk_delay = chunk_delay
        self.chunk_size = chunk_size          # bytes written per chunk_delay
        # endless: bytes repeated after body until the client hangs up (or 1 GiB), sent
        # with Transfer-Encoding: chunked, or under declared_length when that is given.
        self.endless = endless if endless is None or isinstance(endless, bytes) else endless.encode()
        self.declared_length = declared_length
        # auth: the Authorization header this route requires (anything else gets 401).
        self.auth = auth
        # not_modified_headers: more header lines of a 304 (RFC 9110 15.4.5: it may carry
        # new validators).
        self.not_modified_headers = not_modified_headers or {}


class FeedServer:
    """A threaded HTTP/1.1 server with a route table and a request log. With tls (an
    ssl.SSLContext for the server side) it speaks HTTPS and records each TLS handshake in
    handshakes: True when the client resumed a session, False for a full handshake, or the
    error text of a handshake that failed."""

    def __init__(self, tls=None):
        self.routes = {}
        self.tls = tls
        self.handshakes = []
        self.requests = []          # (path, headers dict) in arrival order
        self.raw_requests = []      # (path, [(name, value)] as sent, repeats kept)
        self.lock = threading.Lock()
        self.active = 0
        self.max_active = 0
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                with server.lock:
                    server.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
                    server.raw_requests.append((self.path, list(self.headers.items())))
                    server.active += 1
                    server.max_active = max(server.max_active, server.active)
                try:
                    self.answer()
                finally:
                    with server.lock:
                        server.active -= 1

            def do_CONNECT(self):
                # Recorded, then refused: what a proxy's tunnel request carried.
                with server.lock:
                    server.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
                    server.raw_requests.append((self.path, list(self.headers.items())))
                self.send_response(403)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def answer(self):
                route = server.routes.get(self.path)
                if route is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if route.delay:
                    time.sleep(route.delay)
                if route.auth is not None and self.headers.get("Authorization") != route.auth:
                    self.send_response(401)
                    self.send_header("WWW-Authenticate", 'Basic realm="feedsd-test"')
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                inm = self.headers.get("If-None-Match")
                ims = self.headers.get("If-Modified-Since")
                if route.status == 200 and ((route.etag and inm == route.etag) or
                                            (not route.etag and route.last_modified and
                                             ims == route.last_modified)):
                    self.send_response(304)
                    if route.etag:
                        self.send_header("ETag", route.etag)
                    for k, v in route.not_modified_headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body = route.body
                self.send_response(route.status)
                self.send_header("Content-Type", route.content_type)
                if route.etag:
                    self.send_header("ETag", route.etag)
                if route.last_modified:
                    self.send_header("Last-Modified", route.last_modified)
                for k, v in route.headers.items():
                    self.send_header(k, v)
                if route.gzip_body and "gzip" in (self.headers.get("Accept-Encoding") or ""):
                    body = gzip.compress(body)
                    self.send_header("Content-Encoding", "gzip")
                if route.endless is not None:
                    self.send_endless(route, body)
                    return
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if route.chunk_delay:
                    step = max(1, route.chunk_size)
                    for i in range(0, len(body), step):
                        self.wfile.write(body[i:i + step])
                        self.wfile.flush()
                        time.sleep(route.chunk_delay)
                else:
                    self.wfile.write(body)

            def send_endless(self, route, body):
                chunked = route.declared_length is None
                if chunked:
                    self.send_header("Transfer-Encoding", "chunked")
                else:
                    self.send_header("Content-Length", str(route.declared_length))
                self.end_headers()
                self.close_connection = True
                piece = route.endless * max(1, 65536 // max(1, len(route.endless)))
                limit = 1 << 30
                try:
                    for data in [body] + [piece] * (limit // len(piece)):
                        if not data:
                            continue
                        if chunked:
                            data = b"%x\r\n%s\r\n" % (len(data), data)
                        self.wfile.write(data)
                        if route.chunk_delay:
                            time.sleep(route.chunk_delay)
                except OSError:
                    pass    # the client gave up: what an endless body is for

        class Server(http.server.ThreadingHTTPServer):
            def handle_error(self, request, client_address):
                pass    # clients that hang up early (killed feedsd, size caps) are expected

            def finish_request(self, request, client_address):
                if server.tls is not None:
                    # The handshake in the connection's own thread, so a slow or failing
                    # client holds up no other.
                    try:
                        request = server.tls.wrap_socket(request, server_side=True)
                    except (OSError, ValueError) as e:
                        with server.lock:
                            server.handshakes.append(str(e))
                        return
                    with server.lock:
                        server.handshakes.append(request.session_reused)
                super().finish_request(request, client_address)

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path):
        return "%s://127.0.0.1:%d%s" % ("https" if self.tls else "http", self.port, path)

    def requests_for(self, path):
        with self.lock:
            return [h for p, h in self.requests if p == path]

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def free_port_url(path="/feed"):
    """A URL on which nothing listens (connection refused)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return "http://127.0.0.1:%d%s" % (port, path)


# ---------------------------------------------------------------- feed documents

def atom_entry(eid, title, link, updated, content, published=None):
    pub = "<published>%s</published>" % published if published else ""
    return ("<entry><id>%s</id><title>%s</title><link rel=\"alternate\" href=\"%s\"/>"
            "<updated>%s</updated>%s<content type=\"html\">%s</content></entry>"
            % (eid, title, link, updated, pub, content))


def atom_feed(entries, title="Test Feed", link="http://example.org/"):
    return ("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
            "<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>%s</title>"
            "<link rel=\"alternate\" href=\"%s\"/><id>%s</id><updated>2026-01-01T00:00:00Z</updated>"
            "%s</feed>" % (title, link, link, "".join(entries)))


def rss_item(guid, title, link, date, desc):
    return ("<item><guid>%s</guid><title>%s</title><link>%s</link><pubDate>%s</pubDate>"
            "<description>%s</description></item>" % (guid, title, link, date, desc))


def rss_feed(items, title="RSS Test"):
    return ("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\"><channel>"
            "<title>%s</title><link>http://example.org/</link><description>d</description>%s"
            "</channel></rss>" % (title, "".join(items)))


def esc(html):
    return html.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def simple_atom(n, prefix="post", id_suffix="", start_day=1, title="Test Feed", words=40):
    """An Atom feed of n entries with distinct titles, dates and several sentences each."""
    entries = []
    for i in range(n):
        day = start_day + i
        link = "http://example.org/2026/%02d/%s-%d/" % (1 + (day - 1) // 28, prefix, i)
        body = "".join("<p>Sentence number %d of %s %d talks about topic %d in detail. "
                       "Another remark follows here with words.</p>" % (k, prefix, i, k * i)
                       for k in range(max(1, words // 20)))
        # Like simonwillison.net until 2026, the suffix is on both the id and the link.
        entries.append(atom_entry(link + id_suffix, "%s number %d" % (prefix.title(), i), link + id_suffix,
                                  "2026-%02d-%02dT10:00:00Z" % (1 + (day - 1) // 28, 1 + (day - 1) % 28),
                                  esc(body)))
    return atom_feed(entries, title=title)


def numbered_feeds(server, work, n=3, entries=4, prefix="s", extra="backlog = all"):
    """n Atom feeds of `entries` posts each at /PREFIX0.xml ... with an ETag, in the
    configuration with extra; their URLs."""
    urls = []
    for i in range(n):
        path = "/%s%d.xml" % (prefix, i)
        server.routes[path] = Route(simple_atom(entries, prefix="%s%d" % (prefix, i),
                                                title="Feed %d" % i), etag='"v1"')
        urls.append(server.url(path))
    work.write_config(urls, extra)
    return urls


def without_leak_check(env=None):
    """A copy of env (the environment by default) whose ASAN_OPTIONS switch LeakSanitizer
    off, for runs under strace: LeakSanitizer cannot run under ptrace (the sanitizer build
    of make test); every other test of that build checks for leaks."""
    env = dict(os.environ if env is None else env)
    env["ASAN_OPTIONS"] = (env.get("ASAN_OPTIONS", "") + ":detect_leaks=0").lstrip(":")
    return env


def daemon_with_a_slow_feed(server, work, *args):
    """The daemon on a fast and a slow feed (/fast.xml, /slow.xml; 2 posts each), its
    groups held open 3 s (FEEDSD_BATCH_WAIT): the fast feed's results wait in an open
    group while the slow one still comes in. The process; args go to `feedsd run`."""
    server.routes["/fast.xml"] = Route(simple_atom(2, prefix="fast"))
    server.routes["/slow.xml"] = Route(simple_atom(2, prefix="slow", words=2000),
                                       chunk_delay=0.05, chunk_size=1024)
    work.write_config([server.url("/fast.xml"), server.url("/slow.xml")], "backlog = all")
    return work.start_daemon(*args, env=dict(os.environ, FEEDSD_BATCH_WAIT="3"))


# ---------------------------------------------------------------- running feedsd

def listed_commands(feedsd):
    """{name: what it does} for every command that `feedsd --help` lists: the lines
    "  NAME   SUMMARY" of its "commands:" block."""
    r = subprocess.run([feedsd, "--help"], capture_output=True, text=True, timeout=10)
    assert r.returncode == 0 and not r.stderr, r
    block = r.stdout.split("\ncommands:\n", 1)
    assert len(block) == 2, r.stdout
    cmds = {}
    for line in block[1].split("\n\n", 1)[0].splitlines():
        m = re.match(r"  ([a-z][a-z0-9-]*) +(\S.*)$", line)
        assert m, "not a command line in feedsd --help: %r" % line
        cmds[m.group(1)] = m.group(2)
    # A parse that silently found nothing would make every check on it pass.
    assert len(cmds) >= 12, r.stdout
    return cmds


def command_synopsis(feedsd, name):
    """(the synopsis line of `feedsd NAME --help`, the options it names)."""
    r = subprocess.run([feedsd, name, "--help"], capture_output=True, text=True, timeout=10)
    assert r.returncode == 0 and not r.stderr, (name, r)
    first = r.stdout.split("\n", 1)[0]
    assert first.startswith("usage: feedsd %s" % name), (name, first)
    return first, re.findall(r"(?<![\w-])(--?[a-z][a-z0-9-]*)", first[len("usage: feedsd %s" % name):])


class Work:
    """A temporary folder with a config, database and output folder."""

    def __init__(self, feedsd):
        self.feedsd = feedsd
        self.dir = tempfile.mkdtemp(prefix="feedsd-it-")
        self.db = os.path.join(self.dir, "feedsd.db")
        self.out = os.path.join(self.dir, "out")
        self.conf = os.path.join(self.dir, "feedsd.conf")

    def write_config(self, feeds, extra=""):
        # Test feeds live on 127.0.0.1, which feedsd refuses by default, and one host
        # serves them all, which its politeness spacing would slow down.
        lines = ["database = %s" % self.db, "output = %s" % self.out, "timezone = UTC",
                 "interval = 1h", "timeout = 10s", "allow_private = yes", "host_delay = 0"]
        lines += [l for l in extra.strip().splitlines() if l.strip()]
        lines += ["feed = %s" % u for u in feeds]
        with open(self.conf, "w") as f:
            f.write("\n".join(lines) + "\n")

    def run_once(self, *args, timeout=120, env=None):
        cmd = [self.feedsd, "run", "--once", "-c", self.conf] + list(args)
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                              env=env or os.environ.copy())

    def start_daemon(self, *args, env=None):
        cmd = [self.feedsd, "run", "-c", self.conf] + list(args)
        self.errlog = open(os.path.join(self.dir, "daemon.log"), "w+")
        return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=self.errlog,
                                env=env or os.environ.copy())

    def daemon_log(self):
        with open(os.path.join(self.dir, "daemon.log")) as f:
            return f.read()

    def files(self):
        """Relative paths of every file under out/ (temporary files included)."""
        res = []
        for root, _, names in os.walk(self.out):
            for n in names:
                res.append(os.path.relpath(os.path.join(root, n), self.out))
        return sorted(res)

    def read(self, rel):
        with open(os.path.join(self.out, rel), encoding="utf-8") as f:
            return f.read()

    def snapshot(self):
        """path -> (mtime_ns, content) for every output file."""
        return {p: (os.stat(os.path.join(self.out, p)).st_mtime_ns, self.read(p))
                for p in self.files()}

    def sql(self, query):
        return subprocess.run(["sqlite3", self.db, query], capture_output=True, text=True,
                              check=True).stdout.strip()

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def wait_for(pred, timeout=20.0, step=0.05):
    end = time.time() + timeout
    while time.time() < end:
        if pred():
            return True
        time.sleep(step)
    return pred()


def parse_front_matter(text):
    """Splits a feedsd output file into (front matter lines, body). Asserts the layout."""
    assert text.startswith("---\n"), "file does not start with front matter"
    end = text.index("\n---\n", 4)
    return text[4:end].split("\n"), text[end + 5:]


def yaml_value(raw):
    """Decodes a YAML scalar as feedsd writes it (plain or double-quoted)."""
    raw = raw.strip()
    if raw.startswith('"'):
        import json
        # feedsd's double-quoted escapes are JSON's plus YAML's \xNN (YAML 1.2 section
        # 5.7), which JSON spells \u00NN.
        raw = re.sub(r'\\(x([0-9A-Fa-f]{2})|.)',
                     lambda m: "\\u00" + m.group(2) if m.group(2) else m.group(0), raw)
        return json.loads(raw)
    if raw.startswith("'"):
        return raw[1:-1].replace("''", "'")
    return raw


def front_matter_dict(text):
    lines, _ = parse_front_matter(text)
    top, extra, in_extra = {}, {}, False
    last = None   # the list that "  - item" lines below a key with no value go to
    for l in lines:
        if l == "extra:":
            in_extra = True
            continue
        item = re.match(r"^\s*- (?:([A-Za-z_]+): )?(.*)$", l)
        if item and last is not None:
            # a list of scalars, or of mappings ("- url: U" then "  type: T" lines)
            last.append({item.group(1): yaml_value(item.group(2))} if item.group(1)
                        else yaml_value(item.group(2)))
            continue
        sub = re.match(r"^\s{6,}([A-Za-z_]+): (.*)$", l)
        if sub and last and isinstance(last[-1], dict):
            last[-1][sub.group(1)] = yaml_value(sub.group(2))
            continue
        m = re.match(r"^(\s*)([A-Za-z_]+):\s?(.*)$", l)
        assert m, "bad front matter line: %r" % l
        value = yaml_value(m.group(3)) if m.group(3) else []
        last = value if isinstance(value, list) else None
        if m.group(1):
            extra[m.group(2)] = value
        else:
            in_extra = False
            top[m.group(2)] = value
    top["extra"] = extra
    return top


# ---------------------------------------------------------------- runner

TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


def main(argv):
    import argparse
    ap = argparse.ArgumentParser()
    ap.add_argument("--feedsd", required=True)
    ap.add_argument("-k", default="", help="run only tests whose name contains this")
    args = ap.parse_args(argv)
    feedsd = os.path.abspath(args.feedsd)
    passed = failed = 0
    for fn in TESTS:
        if args.k and args.k not in fn.__name__:
            continue
        server = FeedServer()
        work = Work(feedsd)
        t0 = time.time()
        try:
            fn(server, work)
            passed += 1
            print("ok   %s (%.1fs)" % (fn.__name__, time.time() - t0), flush=True)
            work.cleanup()
        except Exception:
            failed += 1
            print("FAIL %s (work dir kept: %s)" % (fn.__name__, work.dir), flush=True)
            traceback.print_exc()
        finally:
            server.close()
    print("integration: %d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 and passed > 0 else 1
