"""HTTPS (issue 20): the ca_file key trusts a private CA (global and per feed) besides the
system's CAs and only for its feeds, a bad one is a configuration error, the CA certificates
are read once per run instead of at each connection, a second poll of an origin resumes
its TLS session, and an origin keeps its one connection through a poll.

The CA and the server's certificate are made by each test with Debian's openssl, for
127.0.0.1 only; the server is harness.FeedServer over Python's ssl module, which records
whether each handshake resumed a session (SSLSocket.session_reused)."""
import collections
import os
import re
import shutil
import ssl
import subprocess

from harness import FeedServer, Route, simple_atom, test, wait_for, without_leak_check


def openssl(*args):
    subprocess.run(["openssl"] + list(args), check=True, capture_output=True)


def make_ca(folder, name="feedsd test CA"):
    """A test CA and a certificate it signed for IP 127.0.0.1: (ca.pem, cert.pem, key.pem)."""
    ca_key, ca = os.path.join(folder, "ca.key"), os.path.join(folder, "ca.pem")
    key, csr = os.path.join(folder, "server.key"), os.path.join(folder, "server.csr")
    cert, ext = os.path.join(folder, "server.pem"), os.path.join(folder, "server.ext")
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-keyout", ca_key, "-out", ca, "-days", "2", "-subj", "/CN=" + name)
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", key, "-out", csr, "-subj", "/CN=127.0.0.1")
    with open(ext, "w") as f:
        f.write("subjectAltName = IP:127.0.0.1\n")
    openssl("x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial",
            "-out", cert, "-days", "2", "-extfile", ext)
    return ca, cert, key


def server_context(cert, key):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    return ctx


def tls_server(work):
    ca, cert, key = make_ca(work.dir)
    return FeedServer(tls=server_context(cert, key)), ca


def ca_in(work, name):
    """make_ca in a folder of its own: (ca.pem, server context)."""
    folder = os.path.join(work.dir, name)
    os.makedirs(folder)
    ca, cert, key = make_ca(folder, "feedsd test CA " + name)
    return ca, server_context(cert, key)


def skip(reason):
    print("     SKIP %s" % reason, flush=True)


# libcurl's CA folder on Debian; its CA file (curl-config --ca) is ca-certificates.crt in it.
SYSTEM_CERTS = "/etc/ssl/certs"


def system_cas(work, ca):
    """A folder to stand for /etc/ssl/certs with ca as the one system CA, as
    update-ca-certificates(8) leaves it: the joined file, and a link named by the subject
    hash (openssl rehash) where OpenSSL looks a certificate up."""
    folder = os.path.join(work.dir, "system-certs")
    os.makedirs(folder)
    shutil.copy(ca, os.path.join(folder, "feedsd-test-public.pem"))
    shutil.copy(ca, os.path.join(folder, "ca-certificates.crt"))
    openssl("rehash", folder)
    return folder


def namespace_cannot():
    """Why the system's CAs cannot be replaced here, or None."""
    if os.geteuid() != 0 or not shutil.which("unshare"):
        return "needs root and unshare (a mount namespace)"
    if not os.path.isdir(SYSTEM_CERTS):
        return "%s is missing (the ca-certificates package)" % SYSTEM_CERTS
    # In a chroot whose root is not a mount point the namespace's mounts cannot be made
    # private (and a bind mount there could reach the host's).
    r = subprocess.run(["unshare", "--mount", "--propagation", "private", "true"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        return "no private mount namespace here: " + r.stderr.strip()
    return None


def run_with_system_cas(work, folder, env=None, strace_log=None):
    """`feedsd run --once` on an empty database, in a mount namespace of its own where
    folder is /etc/ssl/certs (libcurl's CA folder, and the folder of its CA file), under
    strace when strace_log is given."""
    for path in (work.db, work.db + "-wal", work.db + "-shm"):
        if os.path.exists(path):
            os.remove(path)
    shutil.rmtree(work.out, ignore_errors=True)
    cmd = [work.feedsd, "run", "--once", "-c", work.conf]
    if strace_log:
        cmd = ["strace", "-f", "-o", strace_log, "-e", "trace=openat"] + cmd
    script = 'mount --bind "$1" "$2" && shift 2 && exec "$@"'
    return subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", script,
                           "sh", folder, SYSTEM_CERTS] + cmd, capture_output=True, text=True,
                          timeout=120, env=dict(os.environ, **(env or {})))


def md_files(work):
    return sorted(f for f in work.files() if f.endswith(".md"))


def two_polls(work, tls, ca_file, retry_after, between=None):
    """The daemon polls tls's /feed.xml twice, trusting ca_file, until the second poll's two
    posts are written. Connection: close makes each poll open a new connection, so each
    makes a handshake; the first poll is told to come back in retry_after seconds
    (Retry-After); between() runs once the first poll has been served."""
    tls.routes["/feed.xml"] = Route(b"busy", status=503,
                                    headers={"Retry-After": str(retry_after),
                                             "Connection": "close"})
    work.write_config([tls.url("/feed.xml")], "ca_file = %s\nbacklog = all" % ca_file)
    p = work.start_daemon()
    try:
        assert wait_for(lambda: len(tls.requests_for("/feed.xml")) >= 1), work.daemon_log()
        if between:
            between()
        tls.routes["/feed.xml"] = Route(simple_atom(2), headers={"Connection": "close"})
        assert wait_for(lambda: len(md_files(work)) == 2, timeout=30), work.daemon_log()
    finally:
        p.terminate()
        p.wait(timeout=30)


@test
def second_poll_resumes_the_tls_session(server, work):
    tls, ca = tls_server(work)
    try:
        two_polls(work, tls, ca, 1)
        assert len(tls.handshakes) == 2, tls.handshakes
        assert tls.handshakes[0] is False, tls.handshakes
        assert tls.handshakes[1] is True, tls.handshakes
    finally:
        tls.close()


@test
def each_origin_keeps_one_connection_through_a_poll(server, work):
    # Six origins whose feeds come in turns (per_host 1, 300 ms apart): between turns every
    # connection is idle and only the last transfer of a turn is running. libcurl sizes
    # its pool by the transfers it holds (curl 7.88: the easy handles added; 8.x: those
    # not done) and closed the oldest idle connections, so a later turn made new
    # connections (full or resumed handshakes); feedsd sizes the pool by `concurrency`.
    ca, cert, key = make_ca(work.dir)
    servers = [FeedServer(tls=server_context(cert, key)) for _ in range(6)]
    try:
        urls = []
        for i, s in enumerate(servers):
            for j in range(3):
                path = "/feed%d.xml" % j
                s.routes[path] = Route(simple_atom(1, prefix="o%dj%d" % (i, j)))
                urls.append(s.url(path))
        work.write_config(urls, "ca_file = %s\nper_host = 1\nhost_delay = 300ms\n"
                                "backlog = all" % ca)
        r = work.run_once()
        assert r.returncode == 0, r.stderr
        assert len(md_files(work)) == 18, work.files()
        for s in servers:
            assert len(s.requests) == 3, s.requests
            assert s.handshakes == [False], [s.handshakes for s in servers]
    finally:
        for s in servers:
            s.close()


@test
def ca_file_per_feed_trusts_a_private_ca(server, work):
    tls, ca = tls_server(work)
    try:
        tls.routes["/feed.xml"] = Route(simple_atom(2))
        url = tls.url("/feed.xml")
        # Without the CA, the certificate is refused: said with the feed, nothing written.
        work.write_config([url], "backlog = all")
        r = work.run_once()
        assert r.returncode != 0
        assert url in r.stderr and "certificate" in r.stderr, r.stderr
        assert md_files(work) == []
        assert isinstance(tls.handshakes[-1], str), tls.handshakes
        # The feed's own section names the CA: the same feed is read.
        work.write_config([], "backlog = all")
        with open(work.conf, "a") as f:
            f.write("[feed %s]\nca_file = %s\n" % (url, ca))
        r = work.run_once()
        assert r.returncode == 0, r.stderr
        assert len(md_files(work)) == 2, work.files()
        assert tls.handshakes[-1] is False, tls.handshakes
    finally:
        tls.close()


@test
def ca_file_that_is_not_a_pem_certificate_is_a_configuration_error(server, work):
    ca, _cert, key = make_ca(work.dir)
    missing = os.path.join(work.dir, "nowhere.pem")
    # A FIFO that nothing writes to: reading it would hold the start up for ever.
    fifo = os.path.join(work.dir, "ca.fifo")
    os.mkfifo(fifo)
    for value, why in ((missing, "cannot read"), (key, "no PEM certificate"),
                       (fifo, "not a regular file")):
        for section in ("", "[feed %s]\n" % server.url("/feed.xml")):
            work.write_config([] if section else [server.url("/feed.xml")])
            with open(work.conf, "a") as f:
                f.write("%sca_file = %s\n" % (section, value))
            for cmd in (["check"], ["run", "--once"]):
                r = subprocess.run([work.feedsd] + cmd + ["-c", work.conf], capture_output=True,
                                   text=True, timeout=20)
                assert r.returncode == 2, (cmd, r.returncode, r.stderr)
                assert "ca_file" in r.stderr and why in r.stderr, r.stderr
                assert work.conf in r.stderr, r.stderr
    assert not os.path.exists(work.db)
    # The same file with the CA is accepted.
    work.write_config([server.url("/feed.xml")], "ca_file = %s" % ca)
    server.routes["/feed.xml"] = Route(simple_atom(1))
    r = work.run_once()
    assert r.returncode == 0, r.stderr


def ca_opens(work, folder, ca, env):
    """Runs run_with_system_cas under strace; returns (the run, the number of openat(2)
    calls that opened CA material, by path: the ca_file, or a file of the system's CAs)."""
    log = os.path.join(work.dir, "strace.log")
    env = without_leak_check(dict(os.environ, **env))
    r = run_with_system_cas(work, folder, env, log)
    opened = collections.Counter()
    with open(log) as f:
        for line in f:
            m = re.search(r'openat\(\w+, "([^"]*)".* = (-?\d+)', line)
            if m and int(m.group(2)) >= 0 and (m.group(1) == ca
                                              or m.group(1).startswith(SYSTEM_CERTS + "/")):
                opened[m.group(1)] += 1
    return r, opened


@test
def ca_certificates_are_read_once_not_at_each_connection(server, work):
    # libcurl fills a store of the trusted CAs for each new TLS connection: from Debian's
    # CA file that is 236 M instructions a connection, from a ca_file 1.5 M. feedsd keeps
    # one store per set of CAs for the process (fetch/fetch_trust.c): the CA files are
    # opened as often for four origins of each kind as for one. FEEDSD_CA_STORE=libcurl
    # (libcurl's own way) opens them for each connection, which the count tells.
    why = namespace_cannot()
    if why:
        return skip(why)
    if not shutil.which("strace"):
        raise AssertionError("strace is not installed (scripts/deps.sh test installs it)")
    public_ca, public = ca_in(work, "public")
    private_ca, private = ca_in(work, "private")
    folder = system_cas(work, public_ca)
    servers = [FeedServer(tls=ctx) for ctx in [public] * 4 + [private] * 4]
    try:
        for i, s in enumerate(servers):
            s.routes["/feed.xml"] = Route(simple_atom(1, prefix="origin%d" % i))
        counts = {}
        for mode in ("shared", "libcurl"):
            for n in (1, 4):
                # n feeds on servers of the system's CA and n on servers of the private
                # CA, with the private CA as the global ca_file (read once by the
                # configuration); then the n of the system's CA alone.
                for kind, feeds, extra in (
                        ("ca_file", servers[:n] + servers[4:4 + n], "ca_file = %s\n" % private_ca),
                        ("system", servers[:n], "")):
                    work.write_config([s.url("/feed.xml") for s in feeds], extra + "backlog = all")
                    r, opens = ca_opens(work, folder, private_ca, {"FEEDSD_CA_STORE": mode})
                    assert r.returncode == 0, (mode, kind, n, r.stderr)
                    assert len(md_files(work)) == len(feeds), (mode, kind, n, work.files())
                    counts[mode, kind, n] = opens
        total = {k: sum(v.values()) for k, v in counts.items()}
        for kind in ("ca_file", "system"):
            assert total["shared", kind, 1] == total["shared", kind, 4], counts
            assert total["libcurl", kind, 4] >= total["libcurl", kind, 1] + 3, counts
    finally:
        for s in servers:
            s.close()


@test
def ca_file_is_trusted_besides_the_system_cas_and_only_for_its_feeds(server, work):
    # The system's CAs are the test's own, in a mount namespace, so that a server it signed
    # stands for a public one. The same answers with the stores feedsd keeps and with
    # libcurl's own way.
    why = namespace_cannot()
    if why:
        return skip(why)
    public_ca, public = ca_in(work, "public")
    private_ca, private = ca_in(work, "private")
    other_ca, _ = ca_in(work, "other")
    folder = system_cas(work, public_ca)
    # (server's CA, the feed's ca_file or None, whether the poll succeeds)
    cases = [(public, None, True),               # a system CA
             (private, private_ca, True),        # its ca_file
             (public, private_ca, True),         # besides the system's
             (private, None, False),             # another feed's ca_file is not this one's
             (private, other_ca, False)]         # nor another CA's
    servers = [FeedServer(tls=ctx) for ctx, _, _ in cases]
    try:
        work.write_config([], "backlog = all")
        with open(work.conf, "a") as f:
            for i, (s, (_, ca, _)) in enumerate(zip(servers, cases)):
                s.routes["/feed.xml"] = Route(simple_atom(1, prefix="case%d" % i))
                f.write("[feed %s]\n" % s.url("/feed.xml"))
                if ca:
                    f.write("ca_file = %s\n" % ca)
        for mode in ("shared", "libcurl"):
            served = [len(s.requests_for("/feed.xml")) for s in servers]
            r = run_with_system_cas(work, folder, {"FEEDSD_CA_STORE": mode})
            assert r.returncode == 1, (mode, r.returncode, r.stderr)
            for s, (_, ca, ok), before in zip(servers, cases, served):
                url = s.url("/feed.xml")
                got = len(s.requests_for("/feed.xml")) - before
                if ok:
                    assert got == 1 and url not in r.stderr, (mode, url, ca, r.stderr)
                else:
                    assert got == 0, (mode, url, ca, r.stderr)
                    assert re.search(re.escape(url) + ".*certificate", r.stderr), \
                        (mode, url, ca, r.stderr)
            assert len(md_files(work)) == 3, (mode, work.files())
    finally:
        for s in servers:
            s.close()


@test
def a_renewed_ca_in_the_same_ca_file_is_used_without_a_restart(server, work):
    # The daemon keeps a store per ca_file (fetch/fetch_trust.c) and makes it again when
    # the file changes: a CA renewed in place is used by the next connection.
    old_ca, ctx = ca_in(work, "old")
    new_dir = os.path.join(work.dir, "new")
    os.makedirs(new_dir)
    new_ca, new_cert, new_key = make_ca(new_dir, "feedsd test CA new")
    ca_file = os.path.join(work.dir, "intranet-ca.pem")
    shutil.copy(old_ca, ca_file)
    ctx.num_tickets = 0   # no session to resume: the second connection checks the certificate
    tls = FeedServer(tls=ctx)

    def renew():
        """The server's certificate is now the new CA's, and so is the file."""
        ctx.load_cert_chain(new_cert, new_key)
        with open(new_ca) as src, open(ca_file + ".tmp", "w") as dst:
            dst.write(src.read())
        os.rename(ca_file + ".tmp", ca_file)

    try:
        # The first poll is told to come back in 2 s, on a new connection.
        two_polls(work, tls, ca_file, 2, between=renew)
        assert "certificate" not in work.daemon_log(), work.daemon_log()
        assert tls.handshakes[-1] is False, tls.handshakes
    finally:
        tls.close()


@test
def a_reused_handle_does_not_keep_the_ca_file_of_the_transfer_before(server, work):
    # One transfer at a time: the second feed's transfer takes the easy handle the first
    # left (fetch/fetch_easy.c). Two origins with certificates of the same private CA; only
    # the first feed names it. With FEEDSD_CA_STORE=libcurl the CA goes in CURLOPT_CAINFO,
    # an option that a handle kept as it was would carry to the second feed.
    ca, cert, key = make_ca(work.dir)
    first, second = FeedServer(tls=server_context(cert, key)), FeedServer(tls=server_context(cert, key))
    try:
        first.routes["/feed.xml"] = Route(simple_atom(1, prefix="first"))
        second.routes["/feed.xml"] = Route(simple_atom(1, prefix="second"))
        work.write_config([], "concurrency = 1\nbacklog = all")
        with open(work.conf, "a") as f:
            f.write("[feed %s]\nca_file = %s\n" % (first.url("/feed.xml"), ca))
            f.write("[feed %s]\ntitle = Second\n" % second.url("/feed.xml"))
        for store in ("", "libcurl"):
            env = dict(os.environ, FEEDSD_CA_STORE=store)
            r = work.run_once(env=env)
            assert r.returncode != 0, (store, r.stderr)
            assert second.url("/feed.xml") in r.stderr and "certificate" in r.stderr, r.stderr
            assert first.url("/feed.xml") not in r.stderr, r.stderr
            assert len(first.requests) == 1 and second.requests == [], (store, first.requests)
            assert isinstance(second.handshakes[-1], str), second.handshakes
            first.requests.clear()
            # The second feed's failure makes its next poll wait: due again for the next
            # round.
            work.sql("UPDATE feed_polls SET next_poll = 0")
    finally:
        first.close()
        second.close()


def two_polls_of_origins(work, origins, feeds_each, *extra):
    """feedsd run --once twice over `origins` (servers with .url and .reset()), feeds_each
    feeds on each, listed in turn (o0 f0, o1 f0, ..., o0 f1, ...) so that the first starts
    spread over the origins, with concurrency 4 and per_host 4. The first poll stores each
    feed's ETag, so that the second one's requests are conditional. The servers' counts
    are reset between the polls: what they hold after this is the second poll's; the
    first poll's (joined, max_in_flight) of each origin is returned."""
    urls = [o.url("/feed%d.xml" % j) for j in range(feeds_each) for o in origins]
    work.write_config(urls, "\n".join(("concurrency = 4", "per_host = 4", "host_delay = 0")
                                      + extra))
    first = []
    for poll in (1, 2):
        r = work.run_once()
        assert r.returncode == 0, r.stderr
        if poll == 1:
            first = [(o.joined, o.max_in_flight) for o in origins]
            for o in origins:
                o.reset()
            work.sql("UPDATE feed_polls SET next_poll = 0")     # all due again
    return first


@test
def an_http2_origin_starts_per_host_conditional_requests_in_one_turn(server, work):
    # Four HTTP/2 origins, six feeds each, answered 150 ms after they arrive. The first
    # poll's requests carry no validators: one request a turn, so each origin has about
    # one in flight at a time. In the second, conditional, poll, once an origin has
    # answered over HTTP/2 the slots that free up go to it until per_host of its requests
    # have started, as streams of its one connection. Of the 20 requests after each
    # origin's first, those that arrived while another of their origin was in flight, in
    # 10 runs: 10-14 in the second poll and 0-2 in the first. The build before (one
    # request a turn) had 2-3 in the second poll; turns for every request, 11 in the
    # first.
    from h2_server import H2Origin
    ca, cert, key = make_ca(work.dir)
    origins = [H2Origin(server_context(cert, key), simple_atom(1).encode(), delay=0.15)
               for _ in range(4)]
    try:
        first = two_polls_of_origins(work, origins, 6, "ca_file = %s" % ca)
        assert sum(j for j, _ in first) <= 5, first
        assert all(len(o.requests) == 6 for o in origins), [len(o.requests) for o in origins]
        assert [o.connections for o in origins] == [2, 2, 2, 2], [o.connections for o in origins]
        joined, most = [o.joined for o in origins], [o.max_in_flight for o in origins]
        assert sum(joined) >= 7, (joined, most)
        assert all(m <= 4 for m in most), most      # never more than per_host
    finally:
        for o in origins:
            o.close()


def counted_server():
    """harness.FeedServer (HTTP/1.1) with the counts of h2_server.InFlight."""
    from h2_server import InFlight

    class CountedServer(InFlight):
        def __init__(self):
            super().__init__()
            self.server = FeedServer()
            handler = self.server.httpd.RequestHandlerClass
            answer = handler.answer

            def counted(h):
                self.arrive()
                try:
                    answer(h)
                finally:
                    self.leave()
            handler.answer = counted

        def url(self, path):
            return self.server.url(path)

    return CountedServer()


@test
def an_http1_origin_starts_one_request_a_turn(server, work):
    # The same over HTTP/1.1 (answered 304 the second time), where each request in flight
    # at once is a connection of its own: turns stay one request long, so the four slots
    # stay spread over the four origins instead of one origin opening four connections.
    servers = [counted_server() for _ in range(4)]
    try:
        for s in servers:
            for j in range(6):
                s.server.routes["/feed%d.xml" % j] = Route(simple_atom(1), delay=0.15,
                                                           etag='"v1"')
        two_polls_of_origins(work, servers, 6)
        assert all(len(s.server.requests) == 12 for s in servers), \
            [len(s.server.requests) for s in servers]
        most = [s.max_in_flight for s in servers]
        assert max(most) <= 2, most
    finally:
        for s in servers:
            s.server.close()
