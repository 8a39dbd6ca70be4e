"""bench/serve.py: the HTTP server that bench/poll.py points feedsd at. Owner: bench.

Runs in its own process tree so that its CPU time is never counted in feedsd's figures
(poll.py measures feedsd with wait4, which only sees feedsd and feedsd's own children),
and so that the Python GIL of the benchmark driver cannot slow it down. The parent binds
one socket on 127.0.0.1 (ephemeral port), forks WORKERS processes that each run a
ThreadingHTTPServer on that shared socket (the kernel spreads the connections), prints
"PORT <n>" on standard output and waits for SIGTERM.

It serves the files listed in a bench/gen.py manifest.json with their ETag and
Last-Modified, and answers conditional requests as RFC 9110 section 13.1 says: when
If-None-Match is present it alone decides (a weak comparison, section 13.1.2), otherwise
If-Modified-Since is compared with Last-Modified (section 13.1.3); a match is 304 Not
Modified with the validators and no body (section 15.4.5).

GET /__stats returns JSON counters summed over the workers (requests, 200s, 304s, 404s,
body bytes) and the CPU seconds the workers used so far, so that poll.py can check that
a warm run really got 304s and can show that the server was not the bottleneck.

Usage: python3 bench/serve.py FEEDDIR [--workers N]
"""
import argparse
import email.utils
import http.server
import json
import os
import signal
import socket
import sys
import threading
from multiprocessing import RawArray

# Per-worker counter slots in shared memory (fork keeps the mapping), summed by /__stats.
C_REQ, C_200, C_304, C_404, C_BYTES = range(5)
NCOUNT = 5


def _etag_list(header):
    """The entity tags of an If-None-Match value, without W/ (weak comparison)."""
    tags = []
    for part in header.split(","):
        part = part.strip()
        if part.startswith("W/"):
            part = part[2:]
        if part:
            tags.append(part)
    return tags


def _not_modified(headers, meta):
    inm = headers.get("If-None-Match")
    if inm is not None:
        tags = _etag_list(inm)
        etag = meta["etag"][2:] if meta["etag"].startswith("W/") else meta["etag"]
        return "*" in tags or etag in tags
    ims = headers.get("If-Modified-Since")
    if ims is not None:
        try:
            since = email.utils.parsedate_to_datetime(ims)
            modified = email.utils.parsedate_to_datetime(meta["last_modified"])
            return modified <= since
        except (TypeError, ValueError):
            return False      # an invalid date is ignored (RFC 9110 section 13.1.3)
    return False


def proc_cpu(pid):
    """User+system CPU seconds of a process, from /proc/PID/stat (proc(5) fields 14, 15);
    0 once it is gone. bench/peers.py counts nginx's workers with it too."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def make_handler(feeddir, files, counters, slot, pids):
    base = slot * NCOUNT
    lock = threading.Lock()

    def count(i, n=1):
        with lock:
            counters[base + i] += n

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"      # keep-alive, as feedsd's curl expects

        def log_message(self, *args):
            pass

        def _empty(self, status, meta=None):
            self.send_response(status)
            if meta:
                self.send_header("ETag", meta["etag"])
                self.send_header("Last-Modified", meta["last_modified"])
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_GET(self):
            count(C_REQ)
            if self.path == "/__stats":
                return self._stats()
            meta = files.get(self.path.split("?", 1)[0])
            if meta is None:
                count(C_404)
                return self._empty(404)
            if _not_modified(self.headers, meta):
                count(C_304)
                return self._empty(304, meta)
            with open(os.path.join(feeddir, meta["file"]), "rb") as f:
                body = f.read()
            self.send_response(200)
            self.send_header("Content-Type", meta["content_type"])
            self.send_header("ETag", meta["etag"])
            self.send_header("Last-Modified", meta["last_modified"])
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            count(C_200)
            count(C_BYTES, len(body))

        def _stats(self):
            totals = [0] * NCOUNT
            for i in range(len(counters)):
                totals[i % NCOUNT] += counters[i]
            res = dict(zip(["requests", "ok", "not_modified", "not_found", "bytes"], totals))
            res["requests"] -= 1          # this request itself
            res["workers"] = len(pids)
            res["cpu_s"] = round(sum(proc_cpu(p) for p in pids if p), 3)
            body = json.dumps(res).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


def worker(sock, feeddir, files, counters, slot, pids):
    handler = make_handler(feeddir, files, counters, slot, pids)
    httpd = http.server.ThreadingHTTPServer(sock.getsockname(), handler, bind_and_activate=False)
    httpd.socket.close()
    httpd.socket = sock                   # the parent's listening socket, shared by all workers
    httpd.daemon_threads = True
    signal.signal(signal.SIGTERM, lambda *a: os._exit(0))
    httpd.serve_forever(poll_interval=3600)   # only SIGTERM ends a worker


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("feeddir")
    ap.add_argument("--workers", type=int, default=min(4, os.cpu_count() or 1))
    args = ap.parse_args(argv)
    with open(os.path.join(args.feeddir, "manifest.json")) as f:
        files = json.load(f)["files"]

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(1024)                     # a burst of connections must not be refused
    counters = RawArray("q", NCOUNT * args.workers)
    pids = RawArray("i", args.workers)
    for slot in range(args.workers):
        pid = os.fork()
        if pid == 0:
            try:
                worker(sock, args.feeddir, files, counters, slot, pids)
            finally:
                os._exit(0)
        pids[slot] = pid

    def stop(*_):
        for p in pids:
            try:
                os.kill(p, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for p in pids:
            try:
                os.waitpid(p, 0)
            except ChildProcessError:
                pass
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print("PORT %d" % sock.getsockname()[1], flush=True)
    while True:
        signal.pause()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
