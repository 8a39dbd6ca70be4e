"""bench/nginx.py: nginx on 127.0.0.1 as the benchmarks' web server, the part that
bench/peers.py (HTTP) and bench/https.py (HTTPS and HTTP/2) share: the configuration,
the start, the mark in the access log and the stop. Owner: bench. Each script's subclass
adds its ports, its URLs and how it reads its log line (bench/README-peers.md,
bench/README-https.md).
"""
import os
import signal
import socket
import subprocess
import time


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


# Static files from DOCROOT/feeds/: nginx sends ETag and Last-Modified (the file's mtime,
# which gen_mixed sets to the feed's date) and answers If-None-Match and If-Modified-Since
# with 304 itself. `if_modified_since before` gives RFC 9110 section 13.1.3's comparison
# (not modified when Last-Modified <= the date sent); nginx's default ("exact") would
# answer 200 to curl -z, which sends its own file's mtime.
CONF = """# written by bench/%(writer)s
worker_processes %(workers)d;
daemon off;
pid %(rundir)s/nginx.pid;
error_log %(rundir)s/error.log warn;
events { worker_connections 4096; }
http {
    default_type application/xml;
    log_format bench '%(log_format)s';
    access_log %(log)s bench;
    client_body_temp_path %(rundir)s/tmp;
    sendfile on;
%(nopush)s    keepalive_timeout 65;
    keepalive_requests 100000;
    etag on;
    if_modified_since before;
    gzip off;
%(tls)s    server {
%(listen)s        root %(docroot)s;
        location /feeds/ { }
    }
}
"""

TLS = """    ssl_certificate %s;
    ssl_certificate_key %s;
    ssl_protocols TLSv1.3;
    ssl_session_timeout 1h;
"""


class Server:
    """nginx started from RUNDIR/nginx.conf, listening on `listens` (each an nginx
    `listen` argument); it is up once `port` takes a connection. `tls` is (certificate,
    key) for the `ssl` listens; `tcp_nopush` is peers.py's setting, which https.py's
    configuration never had."""

    def __init__(self, binary, docroot, rundir, workers, writer, log_format, listens, port,
                 tls=None, tcp_nopush=False):
        os.makedirs(os.path.join(rundir, "tmp"), exist_ok=True)
        self.log = os.path.join(rundir, "access.log")
        conf = os.path.join(rundir, "nginx.conf")
        with open(conf, "w") as f:
            f.write(CONF % {
                "writer": writer, "workers": workers, "rundir": rundir, "log": self.log,
                "log_format": log_format, "docroot": docroot,
                "nopush": "    tcp_nopush on;\n" if tcp_nopush else "",
                "tls": TLS % tls if tls else "",
                "listen": "".join("        listen %s;\n" % a for a in listens)})
        stderr = os.path.join(rundir, "nginx.stderr")
        self.errlog = open(stderr, "wb")
        self.proc = subprocess.Popen([binary, "-p", rundir, "-c", conf], stdout=self.errlog,
                                     stderr=self.errlog, start_new_session=True)
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.05)
        if self.proc.poll() is not None:
            with open(stderr, "rb") as f:
                raise RuntimeError("nginx did not start: %s" % f.read().decode(errors="replace")[-500:])
        self.offset = 0

    def mark(self):
        time.sleep(0.2)                   # the log line is written after the response
        self.offset = os.path.getsize(self.log) if os.path.exists(self.log) else 0

    def log_lines(self):
        """The access log's lines since mark(), each split in its fields."""
        time.sleep(0.3)
        with open(self.log, "rb") as f:
            f.seek(self.offset)
            return [line.split() for line in f]

    def counts(self, lines=None):
        """Answers logged since mark() (or in `lines`): requests, 200s, 304s, others, body
        bytes, from each line's first two fields ($status $body_bytes_sent)."""
        c = {"requests": 0, "ok": 0, "not_modified": 0, "other": 0, "bytes": 0}
        for fields in self.log_lines() if lines is None else lines:
            c["requests"] += 1
            c["bytes"] += int(fields[1])
            c[{b"200": "ok", b"304": "not_modified"}.get(fields[0], "other")] += 1
        return c

    def close(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)      # graceful stop (nginx(8))
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.errlog.close()
