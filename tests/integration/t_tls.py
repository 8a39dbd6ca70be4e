"""HTTPS (issue 20): the ca_file key trusts a private CA (global and per feed), a bad one
is a configuration error, and a second poll of an origin resumes its TLS session.

The CA and the server's certificate are made by each test with Debian's openssl, for
127.0.0.1 only; the server is harness.FeedServer over Python's ssl module, which records
whether each handshake resumed a session (SSLSocket.session_reused)."""
import os
import ssl
import subprocess

from harness import FeedServer, Route, simple_atom, test, wait_for


def openssl(*args):
    subprocess.run(["openssl"] + list(args), check=True, capture_output=True)


def make_ca(folder):
    """A test CA and a certificate it signed for IP 127.0.0.1: (ca.pem, cert.pem, key.pem)."""
    ca_key, ca = os.path.join(folder, "ca.key"), os.path.join(folder, "ca.pem")
    key, csr = os.path.join(folder, "server.key"), os.path.join(folder, "server.csr")
    cert, ext = os.path.join(folder, "server.pem"), os.path.join(folder, "server.ext")
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-keyout", ca_key, "-out", ca, "-days", "2", "-subj", "/CN=feedsd test CA")
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", key, "-out", csr, "-subj", "/CN=127.0.0.1")
    with open(ext, "w") as f:
        f.write("subjectAltName = IP:127.0.0.1\n")
    openssl("x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial",
            "-out", cert, "-days", "2", "-extfile", ext)
    return ca, cert, key


def tls_server(work):
    ca, cert, key = make_ca(work.dir)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    return FeedServer(tls=ctx), ca


def md_files(work):
    return sorted(f for f in work.files() if f.endswith(".md"))


@test
def second_poll_resumes_the_tls_session(server, work):
    tls, ca = tls_server(work)
    try:
        # Connection: close makes each poll open a new connection, so each makes a
        # handshake; the first poll is told to come back in 1 s (Retry-After).
        tls.routes["/feed.xml"] = Route(b"busy", status=503,
                                        headers={"Retry-After": "1", "Connection": "close"})
        work.write_config([tls.url("/feed.xml")], "ca_file = %s\nbacklog = all" % ca)
        p = work.start_daemon()
        try:
            assert wait_for(lambda: len(tls.requests_for("/feed.xml")) >= 1), work.daemon_log()
            tls.routes["/feed.xml"] = Route(simple_atom(2), headers={"Connection": "close"})
            assert wait_for(lambda: len(md_files(work)) == 2, timeout=30), work.daemon_log()
        finally:
            p.terminate()
            p.wait(timeout=30)
        assert len(tls.handshakes) == 2, tls.handshakes
        assert tls.handshakes[0] is False, tls.handshakes
        assert tls.handshakes[1] is True, tls.handshakes
    finally:
        tls.close()


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
