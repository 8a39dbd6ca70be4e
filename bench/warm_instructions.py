#!/usr/bin/env python3
"""bench/warm_instructions.py: the instructions and system calls of one warm HTTPS poll,
per feedsd binary.

  python3 bench/warm_instructions.py --feedsd OLD/feedsd --feedsd build/feedsd
                                     [--feeds 1000] [--origins 20] [--runs 1] [--strace] [--curl]

The setting of bench/https.py (bench/README-https.md): its corpus (bench/gen_mixed.py,
seed 1), nginx on 127.0.0.1 with --origins HTTPS ports (TLS 1.3, HTTP/2, a test CA given
to feedsd by `ca_file`) and the same configuration. One cold `feedsd run --once` with each
binary makes its own database (two builds may differ in schema, and a database upgraded by
the newer one is refused by the older); then each binary's warm run (every feed answers
304) on its database goes under `valgrind --tool=callgrind` (and, with --strace, once more
under `strace -c -f`), --runs times, alternating. Prints each run's instructions (the
whole process, user space) and, with --strace, the calls of fcntl, pread64, pwrite64 and
the total. With --curl, each run also counts `curl -Z` on the same URLs with the stored
ETags (bench/https.py's curl-Z row, every answer 304) and prints each binary's
instructions as a multiple of curl's (user space only: https.py's CPU ratio also counts
system time). Instructions do not depend on the machine's load: two builds compare on a
shared machine where CPU times vary by a third between runs. The callgrind files stay in
the work folder with --keep (`callgrind_annotate --inclusive=yes FILE`). Nothing is
asserted; a run that fails is marked."""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gen_mixed  # noqa: E402
import https  # noqa: E402  (make_certs, NginxTLS, feedsd_folder)
import peers  # noqa: E402  (ensure, clean_env)
import poll  # noqa: E402  (git_describe)

STRACE_CALLS = ("fcntl", "pread64", "pwrite64", "total")


def strace_counts(path):
    """The call counts of strace -c's table, by name (and 'total')."""
    counts = {}
    with open(path) as f:
        for line in f:
            cols = line.split()
            if len(cols) >= 5 and cols[-1] in STRACE_CALLS and cols[3].isdigit():
                counts[cols[-1]] = int(cols[3])
    return counts


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--feedsd", action="append", required=True, help="a binary (repeatable)")
    ap.add_argument("--feeds", type=int, default=1000)
    ap.add_argument("--origins", type=int, default=20)
    ap.add_argument("--per-host", type=int, default=16)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--strace", action="store_true")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--curl", action="store_true", help="count curl -Z's instructions too")
    args = ap.parse_args(argv)
    args.no_install = True
    ngx = peers.ensure("nginx", args, "the HTTPS server")
    if not ngx or not shutil.which("valgrind") or not shutil.which("openssl"):
        sys.exit("nginx, valgrind and openssl are needed")
    binaries = [os.path.abspath(b) for b in args.feedsd]
    base = tempfile.mkdtemp(prefix="feedsd-warmins-")
    www = os.path.join(base, "www")
    feeddir = os.path.join(www, "feeds")
    manifest = gen_mixed.generate(feeddir, args.feeds, 1)
    paths = sorted(manifest["files"])[:args.feeds]
    tls = os.path.join(base, "tls")
    os.makedirs(tls)
    ca, crt, key = https.make_certs(tls)
    for p in (base, www, feeddir, tls, crt, key):   # nginx's workers read them
        os.chmod(p, 0o644 if p in (crt, key) else 0o755)
    server = https.NginxTLS(ngx, www, os.path.join(base, "nginx"), 2, args.origins, crt, key)
    failed = False
    print("warm HTTPS poll under callgrind: %d feeds on %d origins (git %s), work in %s"
          % (len(paths), args.origins, poll.git_describe(), base), flush=True)
    try:
        urls = [server.https_url(i, p) for i, p in enumerate(paths)]
        folders = []
        for k, b in enumerate(binaries):
            args.feedsd = b
            work, cmd = https.feedsd_folder(args, base, "feedsd-%d" % k, urls, ca)
            env = peers.clean_env(work)
            r = subprocess.run(cmd, cwd=work, env=env, capture_output=True)
            print("cold run (%s): exit %d" % (b, r.returncode), flush=True)
            failed |= r.returncode != 0
            folders.append((work, cmd, env))
        work, cmd, env = folders[0]
        first = None
        curl_cmd = None
        if args.curl:
            w_curl = os.path.join(base, "curl")
            os.makedirs(w_curl)
            conf, _ = https.curl_config(w_curl, os.path.join(work, "feedsd.db"), ca)
            curl_cmd = [shutil.which("curl") or "curl", "-K", conf]
        for run in range(args.runs):
            curl_ir = 0
            if curl_cmd:
                out = os.path.join(base, "callgrind.curl.%d" % run)
                r = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out]
                                   + curl_cmd, cwd=work, env=env, capture_output=True, text=True)
                m = re.findall(r"Collected : (\d+)", r.stderr)
                curl_ir = int(m[-1]) if m else 0
                failed |= r.returncode != 0 or not curl_ir
                print("  %-40s run %d: exit %d, %.1f M instructions" % (
                    "curl -Z", run + 1, r.returncode, curl_ir / 1e6), flush=True)
            for k, b in enumerate(binaries):
                work, cmd, env = folders[k]
                out = os.path.join(base, "callgrind.%d.%d" % (k, run))
                r = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out,
                                    b] + cmd[1:], cwd=work, env=env, capture_output=True,
                                   text=True)
                m = re.findall(r"Collected : (\d+)", r.stderr)
                ir = int(m[-1]) if m else 0
                first = first or ir
                line = "  %-40s run %d: exit %d, %.1f M instructions (%.3fx the first)" % (
                    b, run + 1, r.returncode, ir / 1e6, ir / first if first else 0)
                if curl_ir:
                    line += ", %.3fx curl -Z" % (ir / curl_ir)
                failed |= r.returncode != 0 or not ir
                if args.strace:
                    sout = out + ".strace"
                    r = subprocess.run(["strace", "-c", "-f", "-o", sout, b] + cmd[1:], cwd=work,
                                       env=env, capture_output=True)
                    c = strace_counts(sout)
                    line += ", syscalls " + ", ".join("%s %d" % (n, c.get(n, 0))
                                                      for n in STRACE_CALLS)
                    failed |= r.returncode != 0
                print(line + ("" if r.returncode == 0 else "  FAILED"), flush=True)
    finally:
        server.close()
        if args.keep:
            print("kept: %s" % base)
        else:
            shutil.rmtree(base, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
