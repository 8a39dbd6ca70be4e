#!/usr/bin/env python3
"""bench/parse.py: parse and html2md throughput, side by side with libxml2's own speed
(owner: html2md engineer; see bench/README-parse.md).

  python3 bench/parse.py --feedsd build/feedsd [--entries 20000] [--mb 50] [--repeat 3]

Six measurements, each against `xmllint --sax --noout` (libxml2-utils: libxml2's parser
with empty SAX callbacks, i.e. the floor for anything built on libxml2) on the same file:
  rss-cdata    `feedsd parse FILE`  on a generated RSS 2.0 feed, HTML in CDATA
  atom-escaped `feedsd parse FILE`  on a generated Atom 1.0 feed, HTML escaped
  parse-count  `feedsd parse --count FILE` on both: the same parse without the JSON
  corpus-html  `feedsd html2md FILE` on every entry body of the test corpus, concatenated
  gen-html     `feedsd html2md FILE` on the generated entries' HTML, concatenated
For the two HTML rows the reference is `xmllint --html --noout`: xmllint 2.9.14's --sax
always uses the XML parser (--html is ignored there; it stops at the first HTML-only
construct), and html2md builds libxml2's HTML tree too, so HTML parser + tree is the floor.
CPU time is user + system of the child alone (os.wait4 rusage), the minimum of --repeat
runs; MB/s is input bytes over that CPU time. feedsd's output goes to /dev/null, but it is
produced: `parse` includes building entries and serialising JSON (feeds/feed.c), `html2md`
includes writing markdown, while xmllint builds nothing. The ratio is feedsd CPU time
over xmllint CPU time.
"""
import argparse
import html
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WORDS = ("the of and to in is that for it as with was on be by this are from or at an "
         "feed parser entry markdown daemon server request latency throughput cache café "
         "naïve résumé Zürich 数据 解析 atom rss channel item summary content link date "
         "author title category enclosure library benchmark kernel socket buffer").split()


def sentence(rng):
    n = rng.randint(6, 18)
    w = [rng.choice(WORDS) for _ in range(n)]
    w[0] = w[0].capitalize()
    if rng.random() < 0.3:
        k = rng.randrange(n)
        w[k] = '<a href="https://example.org/%s/%d">%s</a>' % (w[k], rng.randrange(10**6), w[k])
    if rng.random() < 0.2:
        k = rng.randrange(n)
        w[k] = "<em>%s</em>" % w[k]
    if rng.random() < 0.15:
        k = rng.randrange(n)
        w[k] = "<strong>%s:</strong>" % w[k]
    if rng.random() < 0.1:
        k = rng.randrange(n)
        w[k] = "<code>%s()</code>" % w[k]
    return " ".join(w) + rng.choice([".", ".", ",", "?", "!"])


def entry_html(rng, target):
    """About `target` bytes of typical post HTML: paragraphs, a list, a quote, code."""
    parts = []
    size = 0
    while size < target:
        r = rng.random()
        if r < 0.7:
            p = "<p>" + " ".join(sentence(rng) for _ in range(rng.randint(2, 5))) + "</p>"
        elif r < 0.8:
            p = "<ul>" + "".join("<li>%s</li>" % sentence(rng) for _ in range(3)) + "</ul>"
        elif r < 0.88:
            p = "<blockquote><p>%s</p></blockquote>" % sentence(rng)
        elif r < 0.95:
            p = "<pre><code>for (i = 0; i &lt; n; i++)\n    sum += a[i];\n</code></pre>"
        else:
            p = '<p><img src="/img/%d.png" alt="figure %d"></p>' % (rng.randrange(999), size)
        parts.append(p)
        size += len(p)
    return "\n".join(parts)


def generate(dirpath, entries, mb, seed):
    rng = random.Random(seed)
    per_entry = max(200, mb * 1_000_000 // entries - 400)
    bodies = [entry_html(rng, per_entry) for _ in range(min(entries, 2000))]
    rss = Path(dirpath, "big-rss-cdata.xml")
    atom = Path(dirpath, "big-atom-escaped.xml")
    genhtml = Path(dirpath, "gen-entries.html")
    with open(rss, "w", encoding="utf-8") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
                'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
                "<title>Big</title><link>https://example.org/</link>"
                "<description>bench</description>\n")
        for i in range(entries):
            f.write("<item><title>Entry %d</title><link>https://example.org/p/%d</link>"
                    "<guid>https://example.org/p/%d</guid>"
                    "<pubDate>Mon, 02 Mar 2026 10:%02d:00 +0000</pubDate>"
                    "<content:encoded><![CDATA[%s]]></content:encoded></item>\n"
                    % (i, i, i, i % 60, bodies[i % len(bodies)]))
        f.write("</channel></rss>\n")
    with open(atom, "w", encoding="utf-8") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
                "<title>Big</title><id>urn:bench</id><updated>2026-03-02T10:00:00Z</updated>\n")
        for i in range(entries):
            f.write('<entry><title>Entry %d</title><link href="https://example.org/a/%d"/>'
                    "<id>https://example.org/a/%d</id><updated>2026-03-02T10:%02d:00Z</updated>"
                    '<content type="html">%s</content></entry>\n'
                    % (i, i, i, i % 60, html.escape(bodies[i % len(bodies)], quote=False)))
        f.write("</feed>\n")
    with open(genhtml, "w", encoding="utf-8") as f:
        f.write("<html><body>\n")
        for b in bodies:
            f.write("<article>%s</article>\n" % b)
        f.write("</body></html>\n")
    return rss, atom, genhtml


def corpus_html(feedsd, dirpath):
    """Every entry body of the test corpus, each in its own <article>, one document."""
    data = Path(os.environ.get("FEEDSD_TESTDATA") or
                Path(__file__).resolve().parents[1] / "tests" / "data" / "feeds")
    out = Path(dirpath, "corpus-entries.html")
    n = 0
    with open(out, "w", encoding="utf-8") as f:
        f.write("<html><body>\n")
        for path in sorted(data.iterdir()):
            if not path.is_file():
                continue
            p = subprocess.run([feedsd, "parse", str(path)], capture_output=True)
            if p.returncode != 0:
                continue
            for e in json.loads(p.stdout)["entries"]:
                body = e.get("content") or e.get("summary")
                if body:
                    # Each body closes what it opened: the HTML parser's depth limit (256)
                    # must not be reached by bodies that leave tags open.
                    f.write("<article>%s</article>\n" % body)
                    n += 1
        f.write("</body></html>\n")
    return out, n


def cpu_of(cmd, infile=None):
    """User + system CPU seconds of one child (wait4), its stdout discarded."""
    with open(os.devnull, "wb") as null:
        p = subprocess.Popen(cmd, stdout=null, stderr=subprocess.PIPE)
        err = p.stderr.read()
        _, status, ru = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        raise SystemExit("%s failed (%d): %s" % (" ".join(cmd), p.returncode,
                                                 err.decode(errors="replace")[:300]))
    return ru.ru_utime + ru.ru_stime, err


def best(cmd, repeat):
    times = []
    err = b""
    for _ in range(repeat):
        t, err = cpu_of(cmd)
        times.append(t)
    return min(times), err


def build_floor(dirpath):
    """bench/sax_floor.c compiled into dirpath, or None (no compiler or libxml2 headers)."""
    out = Path(dirpath, "sax_floor")
    src = Path(__file__).resolve().parent / "sax_floor.c"
    flags = subprocess.run(["pkg-config", "--cflags", "--libs", "libxml-2.0"],
                           capture_output=True, text=True)
    cc = os.environ.get("CC", "cc")
    p = subprocess.run([cc, "-O2", "-o", str(out), str(src)] + flags.stdout.split(),
                       capture_output=True, text=True)
    if flags.returncode != 0 or p.returncode != 0:
        print("note: bench/sax_floor.c not built (%s); no floor column"
              % (p.stderr.strip()[:200] or "pkg-config libxml-2.0 failed"))
        return None
    return str(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--feedsd", required=True)
    ap.add_argument("--xmllint", default="xmllint")
    ap.add_argument("--entries", type=int, default=20000)
    ap.add_argument("--mb", type=int, default=50, help="approximate size of each feed")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="feedsd-bench-parse-") as tmp:
        t0 = time.monotonic()
        rss, atom, genhtml = generate(tmp, args.entries, args.mb, args.seed)
        corpus, ncorpus = corpus_html(args.feedsd, tmp)
        floor = build_floor(tmp)
        print("generated in %.1f s (%s); corpus: %d entry bodies" %
              (time.monotonic() - t0, tmp, ncorpus))
        rows = [
            ("parse rss-cdata", rss, [args.feedsd, "parse", str(rss)],
             [args.xmllint, "--sax", "--noout", str(rss)]),
            ("parse atom-escaped", atom, [args.feedsd, "parse", str(atom)],
             [args.xmllint, "--sax", "--noout", str(atom)]),
            # the same parse without the JSON (`feedsd parse --count` prints the entry count)
            ("parse-count rss-cdata", rss, [args.feedsd, "parse", "--count", str(rss)],
             [args.xmllint, "--sax", "--noout", str(rss)]),
            ("parse-count atom-escaped", atom, [args.feedsd, "parse", "--count", str(atom)],
             [args.xmllint, "--sax", "--noout", str(atom)]),
            ("html2md corpus-html", corpus, [args.feedsd, "html2md", str(corpus)],
             [args.xmllint, "--html", "--noout", str(corpus)]),
            ("html2md gen-html", genhtml, [args.feedsd, "html2md", str(genhtml)],
             [args.xmllint, "--html", "--noout", str(genhtml)]),
        ]
        print()
        print("%-24s %7s %9s %11s %10s %12s %6s %8s %6s  %s" % (
            "run", "MB", "feedsd s", "feedsd MB/s", "xmllint s", "xmllint MB/s", "ratio",
            "floor s", "/floor", "reference"))
        for label, path, mine, ref in rows:
            mb = path.stat().st_size / 1e6
            t_mine, _ = best(mine, args.repeat)
            t_ref, err = best(ref, args.repeat)
            if b"Excessive depth" in err:
                print("warning: %s hit libxml2's depth limit; figures not comparable" % label)
            t_floor = None
            if floor and label.startswith("parse"):
                t_floor, _ = best([floor, str(path)], args.repeat)
            print("%-24s %7.1f %9.3f %11.1f %10.3f %12.1f %6.2f %8s %6s  %s" % (
                label, mb, t_mine, mb / t_mine if t_mine else 0, t_ref,
                mb / t_ref if t_ref else 0, t_mine / t_ref if t_ref else 0,
                "%.3f" % t_floor if t_floor is not None else "-",
                "%.2f" % (t_mine / t_floor) if t_floor else "-",
                " ".join(["xmllint"] + ref[1:-1])))
        print()
        print("CPU = user + sys of the child (wait4), best of %d; ratio = feedsd / xmllint. "
              "feedsd writes its output (JSON for parse, only the entry count for "
              "parse-count; markdown for html2md) to /dev/null; xmllint builds nothing with --sax "
              "--noout, and the HTML tree only with --html --noout (its error messages "
              "for unknown HTML5 tags go to a pipe). floor = bench/sax_floor.c: libxml2's "
              "push parser taking the text of every element and nothing else (xmllint's "
              "--sax --noout takes none); /floor = feedsd / floor."
              % args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
