#!/usr/bin/env python3
"""bench/cold_instructions.py: the instructions of one cold poll, per feedsd binary.

  python3 bench/cold_instructions.py --feedsd OLD/feedsd --feedsd build/feedsd
                                     [--feeds 100] [--backlog default,all]

Generates --feeds synthetic feeds (bench/gen.py seed 1, 40 entries of about 5 KB each),
serves them from 127.0.0.1 (bench/serve.py) and runs `feedsd run --once` under
`valgrind --tool=callgrind` on an empty database and output folder, for each binary and
each backlog setting (`default`: the newest 5 entries of each feed get files; `all`:
every entry). Prints the instructions (user space, the whole process), the files written
and the ratio to the first binary. Instructions do not depend on the machine's load, so
two builds compare on a shared machine where CPU times vary by a third between runs.
A run whose file count differs from the first binary's is marked: compare only equal
work. Nothing is asserted."""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gen  # noqa: E402
import poll  # noqa: E402  (Server, write_config)


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--feedsd", action="append", required=True, help="a binary (repeatable)")
    ap.add_argument("--feeds", type=int, default=100)
    ap.add_argument("--backlog", default="default,all")
    args = ap.parse_args(argv)
    base = tempfile.mkdtemp(prefix="feedsd-coldins-")
    try:
        man = gen.generate(os.path.join(base, "feeds"), args.feeds, 1)
        server = poll.Server(os.path.join(base, "feeds"), 2)
        urls = [server.url(p) for p in sorted(man["files"])]
        try:
            print("| backlog | feedsd | instructions | files | / first |")
            print("|---|---|---:|---:|---:|")
            for backlog in args.backlog.split(","):
                first = None
                for i, b in enumerate(args.feedsd):
                    work = os.path.join(base, "%s-%d" % (backlog, i))
                    os.makedirs(work)
                    conf = poll.write_config(work, urls, None if backlog == "default" else backlog,
                                             16, 0, "")
                    r = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
                                        os.path.abspath(b), "run", "--once", "-c", conf],
                                       capture_output=True, text=True)
                    m = re.search(r"Collected\s*:\s*(\d+)", r.stderr)
                    ins = int(m.group(1)) if m else 0
                    files = sum(len(n) for _, _, n in os.walk(os.path.join(work, "out")))
                    first = first or (ins, files)
                    note = "" if files == first[1] else " (other work: %d files)" % files
                    print("| %s | %s | %d | %d | %.3f%s |" % (backlog, b, ins, files,
                                                              ins / first[0] if first[0] else 0, note),
                          flush=True)
                    shutil.rmtree(work, ignore_errors=True)
        finally:
            server.close()
    finally:
        shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
