#!/usr/bin/env python3
"""bench/https.py: feedsd's warm poll over HTTPS beside `curl -Z` on the same URLs, and
feedsd's peak memory over HTTPS beside plain HTTP (issue 20). Owner: bench. Read
bench/README-https.md.

  python3 bench/https.py --feedsd build/feedsd                 # 1000 feeds, 20 origins, 3 rounds
  python3 bench/https.py --feedsd build/feedsd --feeds 200 --rounds 1

The corpus is bench/gen_mixed.py's (feed i the same as in peers.py). nginx serves it on
127.0.0.1 only, from --origins ports with TLS 1.3 and HTTP/2 (`listen ... ssl http2`) and
one plain HTTP port: an origin is scheme, host and port, so the ports are the origins and
no name needs /etc/hosts. The CA and the server certificate (for IP 127.0.0.1) are made
with openssl in the work folder and given to feedsd with `ca_file` and to curl with
`--cacert`; with --system-cas the CA is instead one of the system's CAs for every run (a
copy of /etc/ssl/certs with it added, mounted over /etc/ssl/certs in a mount namespace of
the run: root and unshare(1)), and neither is given a CA.

Each round, in an order that rotates from round to round:
  feedsd-https   `feedsd run --once` over HTTPS, every feed answering 304 (a database
                 made by one cold run before the rounds)
  curl-Z         `curl -Z -K urls.conf`: the same URLs with each feed's ETag from that
                 database as If-None-Match (every answer 304), bodies to /dev/null
  feedsd-http    `feedsd run --once` over plain HTTP, every feed 304 (its own database)
Each run is measured by bench/measure.c (user+sys CPU, peak RSS) through peers.py's
run_measured; nginx's log counts the answers, the connections and the TLS handshakes
(resumed or full) of each run. Nothing is asserted about time: the script prints per-round
figures and the medians of the ratios, writes bench/results/https-YYYYmmdd-HHMMSS.json and
exits 1 when a run failed or an answer was not the expected 304.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gen_mixed  # noqa: E402
import nginx  # noqa: E402  (bench/nginx.py: nginx on 127.0.0.1)
import peers  # noqa: E402  (run_measured, clean_env, ensure)
import poll  # noqa: E402  (write_config, build_measure, git_describe)


def openssl(*args):
    subprocess.run(["openssl"] + list(args), check=True, capture_output=True)


def make_certs(d):
    """A CA and a server certificate it signed for IP 127.0.0.1 (P-256, as most sites)."""
    ca_key, ca = os.path.join(d, "ca.key"), os.path.join(d, "ca.pem")
    key, csr, crt = (os.path.join(d, n) for n in ("server.key", "server.csr", "server.pem"))
    ext = os.path.join(d, "server.ext")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    openssl("req", "-x509", *ec, "-keyout", ca_key, "-out", ca, "-days", "7",
            "-subj", "/CN=feedsd bench CA")
    openssl("req", *ec, "-keyout", key, "-out", csr, "-subj", "/CN=127.0.0.1")
    with open(ext, "w") as f:
        f.write("subjectAltName = IP:127.0.0.1\n")
    openssl("x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial",
            "-out", crt, "-days", "7", "-extfile", ext)
    return ca, crt, key


class NginxTLS(nginx.Server):
    """nginx with `origins` HTTPS ports (TLS 1.3, HTTP/2) and one HTTP port on 127.0.0.1,
    static files with ETag (bench/nginx.py, as peers.py), a log line per answer with its
    connection's number and whether its TLS session was resumed."""

    def __init__(self, binary, docroot, rundir, workers, origins, crt, key):
        self.ports = [nginx.free_port() for _ in range(origins)]
        self.http_port = nginx.free_port()
        listens = ["127.0.0.1:%d ssl http2" % p for p in self.ports]
        listens.append("127.0.0.1:%d" % self.http_port)
        super().__init__(binary, docroot, rundir, workers, "https.py",
                         "$status $body_bytes_sent $server_port $connection $ssl_session_reused",
                         listens, self.http_port, tls=(crt, key))

    def https_url(self, i, path):
        return "https://127.0.0.1:%d%s" % (self.ports[i % len(self.ports)], path)

    def http_url(self, path):
        return "http://127.0.0.1:%d%s" % (self.http_port, path)

    def counts(self):
        """Answers since mark(): by status, connections, and TLS connections resumed."""
        lines = self.log_lines()     # $status $body_bytes_sent $server_port $connection ...
        c = super().counts(lines)
        c["connections"] = len({f[3] for f in lines})
        c["resumed"] = len({f[3] for f in lines if f[4] == b"r"})
        return c


def feedsd_folder(args, base, name, urls, ca, binary=None):
    work = os.path.join(base, name)
    os.makedirs(work)
    conf = poll.write_config(work, urls, None, args.per_host, 0, "")
    if ca:
        with open(conf, "a") as f:
            f.write("ca_file = %s\n" % ca)
    return work, [binary or args.feedsd, "run", "--once", "-c", conf]


def feedsd_request_headers(feedsd):
    """The Accept and User-Agent lines feedsd sends with a feed's GET, read from the source
    that makes them (fetch/fetch.c's accept_header, daemon/daemon.c's default user agent
    with `feedsd --version`'s version), so that the curl-Z-same row cannot drift from them."""
    import re
    repo = os.path.dirname(HERE)
    src = open(os.path.join(repo, "fetch", "fetch.c")).read()
    m = re.search(r"accept_header\[\] = ((?:\s*\"[^\"]*\")+);", src)
    accept = "".join(re.findall(r'"([^"]*)"', m.group(1)))
    ua_fmt = re.search(r'"(feedsd/%s[^"]*)"', open(os.path.join(repo, "daemon", "daemon.c")).read())
    version = subprocess.run([feedsd, "--version"], capture_output=True, text=True).stdout.split()[1]
    return accept, "User-Agent: " + ua_fmt.group(1).replace("%s", version)


def curl_config(work, db, ca, same=None):
    """curl -K lines: each URL with its ETag from feedsd's database, to /dev/null. With same
    (feedsd_request_headers), also feedsd's Accept and User-Agent lines and, as feedsd sends
    it beside the ETag (RFC 9110 8.8.1: both validators), If-Modified-Since."""
    import sqlite3
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    rows = con.execute("SELECT url, etag, last_modified FROM feeds ORDER BY id").fetchall()
    con.close()
    path = os.path.join(work, "urls-same.conf" if same else "urls.conf")
    with open(path, "w") as f:
        f.write('parallel\nsilent\n')
        for i, (url, etag, lm) in enumerate(rows):
            if i:
                f.write("next\n")
            # `next` resets the options of a transfer, `compressed` among them: each URL
            # asks for it, as feedsd asks for every encoding libcurl decodes on each GET.
            f.write('url = "%s"\noutput = "/dev/null"\ncompressed\n' % url)
            if ca:
                f.write('cacert = "%s"\n' % ca)
            lines = list(same) if same else []
            if etag:
                lines.append("If-None-Match: %s" % etag)
            if same and lm:
                lines.append("If-Modified-Since: %s" % lm)
            for h in lines:
                f.write('header = "%s"\n' % h.replace('"', '\\"'))
    return path, len(rows)


SYSTEM_CERTS = "/etc/ssl/certs"


def system_certs(base, ca):
    """A copy of /etc/ssl/certs with ca added as update-ca-certificates(8) would add it:
    in the joined file ca-certificates.crt, and linked by its subject hash."""
    folder = os.path.join(base, "system-certs")
    shutil.copytree(SYSTEM_CERTS, folder, symlinks=True)
    shutil.copy(ca, os.path.join(folder, "feedsd-bench-ca.pem"))
    with open(ca) as src, open(os.path.join(folder, "ca-certificates.crt"), "a") as dst:
        dst.write(src.read())
    openssl("rehash", folder)
    os.chmod(folder, 0o755)
    return folder


def with_system_certs(folder, cmd):
    """cmd in a mount namespace of its own where folder is /etc/ssl/certs."""
    script = 'mount --bind "$1" "$2" && shift 2 && exec "$@"'
    return ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh", folder,
            SYSTEM_CERTS] + cmd


def run_one(args, server, name, cmd, work, n, tag):
    if args.system_certs:
        cmd = with_system_certs(args.system_certs, cmd)
    server.mark()
    r = peers.run_measured(args.measure, cmd, work, tag, args.timeout, peers.clean_env(work))
    c = server.counts()
    r.update(name=name, tag=tag, http=c, cpu_per_feed_ms=r["cpu_s"] * 1000.0 / n)
    bad = []
    if r["exit"] != 0:
        bad.append("exit %d" % r["exit"])
    if tag != "cold" and c["not_modified"] != n:
        bad.append("%d of %d answered 304" % (c["not_modified"], n))
    if tag == "cold" and c["ok"] != n:
        bad.append("%d of %d answered 200" % (c["ok"], n))
    r["check"] = "; ".join(bad)
    print("  %-13s %-4s exit %d, wall %.2fs, CPU %.3fs (%.3f ms/feed, user %.2f sys %.2f), "
          "peak RSS %.1f MB (tree %.1f), 200/304 %d/%d, connections %d (TLS resumed %d)%s"
          % (name, tag, r["exit"], r["wall_s"], r["cpu_s"], r["cpu_per_feed_ms"], r["user_s"],
             r["sys_s"], r["max_rss_mb"], r["tree_rss_mb"], c["ok"], c["not_modified"],
             c["connections"], c["resumed"], ("; " + r["check"]) if r["check"] else ""),
          flush=True)
    return r


def median_ratio(rows, a, b, key):
    rs = []
    for rnd in sorted({r["round"] for r in rows}):
        x = [r[key] for r in rows if r["round"] == rnd and r["name"] == a]
        y = [r[key] for r in rows if r["round"] == rnd and r["name"] == b]
        if x and y and y[0]:
            rs.append(x[0] / y[0])
    return (statistics.median(rs), min(rs), max(rs)) if rs else None


def main(argv):
    ap = argparse.ArgumentParser(description="feedsd over HTTPS vs curl -Z (bench/README-https.md)")
    ap.add_argument("--feedsd", required=True)
    ap.add_argument("--baseline", default=None,
                    help="another feedsd binary (with ca_file) run warm over HTTPS in each round "
                         "on a database and output folder of its own, made by its own cold run "
                         "(its schema may be older): before and after a change")
    ap.add_argument("--feeds", type=int, default=1000)
    ap.add_argument("--origins", type=int, default=20, help="HTTPS ports (origins), default 20")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--per-host", type=int, default=16)
    ap.add_argument("--server-workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=1800)
    ap.add_argument("--no-install", action="store_true")
    ap.add_argument("--workdir", default=None)
    ap.add_argument("--results", default=os.path.join(HERE, "results"))
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--same-headers", action="store_true",
                    help="one more row, curl-Z-same: curl -Z sending feedsd's request headers "
                         "(Accept, User-Agent, If-Modified-Since beside If-None-Match)")
    ap.add_argument("--system-cas", action="store_true",
                    help="the test CA is one of the system's CAs (a mount namespace per run; "
                         "root): no ca_file, no --cacert")
    args = ap.parse_args(argv)
    args.feedsd = os.path.abspath(args.feedsd)
    ngx = peers.ensure("nginx", args, "the HTTPS server")
    curl = peers.ensure("curl", args, "the curl -Z row")
    if not ngx or not curl or not shutil.which("openssl"):
        sys.exit("nginx, curl and openssl are needed")
    base = tempfile.mkdtemp(prefix="feedsd-https-", dir=args.workdir)
    os.chmod(base, 0o755)
    args.measure = poll.build_measure(base)
    if not args.measure:
        sys.exit("bench/measure.c did not compile (cc)")
    www = os.path.join(base, "www")
    feeddir = os.path.join(www, "feeds")
    manifest = gen_mixed.generate(feeddir, args.feeds, args.seed)
    for p in (www, feeddir):
        os.chmod(p, 0o755)
    paths = sorted(manifest["files"])[:args.feeds]
    n = len(paths)
    tls_dir = os.path.join(base, "tls")
    os.makedirs(tls_dir)
    ca, crt, key = make_certs(tls_dir)
    for p in (tls_dir, crt, key):
        os.chmod(p, 0o755 if p == tls_dir else 0o644)
    args.system_certs = system_certs(base, ca) if args.system_cas else None
    if args.system_cas:
        ca = None
    server = NginxTLS(ngx, www, os.path.join(base, "nginx"), args.server_workers, args.origins,
                      crt, key)
    print("feedsd over HTTPS: %s (git %s), %d feeds (%.1f MB) on %d HTTPS origins and one HTTP "
          "port of nginx on 127.0.0.1, the CA %s, %d CPUs, load %.2f, work in %s (%s)"
          % (args.feedsd, poll.git_describe(), n, sum(manifest["files"][p]["size"] for p in paths) / 1e6,
             args.origins, "among the system's" if args.system_cas else "as ca_file and --cacert",
             os.cpu_count() or 0, os.getloadavg()[0], base, poll.mount_of(base)[1]),
          flush=True)
    rows, failed = [], False
    try:
        https_urls = [server.https_url(i, p) for i, p in enumerate(paths)]
        http_urls = [server.http_url(p) for p in paths]
        w_tls, cmd_tls = feedsd_folder(args, base, "feedsd-https", https_urls, ca)
        w_http, cmd_http = feedsd_folder(args, base, "feedsd-http", http_urls, None)
        cold = [("feedsd-https", cmd_tls, w_tls), ("feedsd-http", cmd_http, w_http)]
        if args.baseline:
            w_base, cmd_base = feedsd_folder(args, base, "baseline-https", https_urls, ca,
                                             os.path.abspath(args.baseline))
            cold.append(("baseline-https", cmd_base, w_base))
        w_curl = os.path.join(base, "curl")
        os.makedirs(w_curl)
        print("cold runs (databases for the warm rounds):")
        for name, cmd, w in cold:
            r = run_one(args, server, name, cmd, w, n, "cold")
            r["round"] = 0
            failed |= bool(r["check"])
            rows.append(r)
        conf, nconf = curl_config(w_curl, os.path.join(w_tls, "feedsd.db"), ca)
        cmd_curl = [curl, "-K", conf]
        tools = [("feedsd-https", cmd_tls, w_tls), ("curl-Z", cmd_curl, w_curl),
                 ("feedsd-http", cmd_http, w_http)]
        if args.same_headers:
            conf_same, _ = curl_config(w_curl, os.path.join(w_tls, "feedsd.db"), ca,
                                       feedsd_request_headers(args.feedsd))
            tools.append(("curl-Z-same", [curl, "-K", conf_same], w_curl))
        if args.baseline:
            tools.append(("baseline-https", cmd_base, w_base))
        for rnd in range(1, args.rounds + 1):
            print("round %d of %d" % (rnd, args.rounds), flush=True)
            k = (rnd - 1) % len(tools)
            for name, cmd, w in tools[k:] + tools[:k]:
                r = run_one(args, server, name, cmd, w, n, "warm")
                r["round"] = rnd
                failed |= bool(r["check"])
                rows.append(r)
    finally:
        server.close()
    warm = [r for r in rows if r["round"] > 0]
    print("\nmedians over %d rounds (min-max), warm, %d feeds:" % (args.rounds, n))
    for a, b, key, what in (("feedsd-https", "curl-Z", "cpu_s", "CPU, feedsd / curl -Z (HTTPS)"),
                            ("feedsd-https", "curl-Z", "wall_s", "wall, feedsd / curl -Z (HTTPS)"),
                            ("feedsd-https", "curl-Z-same", "cpu_s",
                             "CPU, feedsd / curl -Z, same headers"),
                            ("feedsd-https", "feedsd-http", "cpu_s", "CPU, feedsd HTTPS / HTTP"),
                            ("feedsd-https", "baseline-https", "cpu_s", "CPU, feedsd / baseline (HTTPS)"),
                            ("feedsd-https", "baseline-https", "max_rss_mb", "peak RSS, feedsd / baseline")):
        m = median_ratio(warm, a, b, key)
        if m:
            print("  %-34s %.2f (%.2f-%.2f)" % (what, *m))
    for name in ("feedsd-https", "curl-Z", "curl-Z-same", "feedsd-http", "baseline-https"):
        xs = [r for r in warm if r["name"] == name]
        if xs:
            print("  %-13s CPU %.3f ms/feed, peak RSS %.1f MB, connections %d, TLS resumed %d"
                  % (name, statistics.median(r["cpu_per_feed_ms"] for r in xs),
                     statistics.median(r["max_rss_mb"] for r in xs),
                     statistics.median(r["http"]["connections"] for r in xs),
                     statistics.median(r["http"]["resumed"] for r in xs)))
    versions = poll.package_versions(("nginx-light", "curl", "libcurl4", "openssl"))
    return poll.save_results(args, base, "https", {
                   "feedsd": args.feedsd, "baseline": args.baseline, "versions": versions, "curl_urls": nconf,
                   "settings": {k: getattr(args, k) for k in
                                ("feeds", "origins", "rounds", "per_host", "server_workers", "seed",
                                 "system_cas", "same_headers")},
                   "runs": rows}, failed)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
