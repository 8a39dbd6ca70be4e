#!/usr/bin/env python3
"""Word-level precision, recall and F1 of feedsd's reader mode on a folder of pairs:
NAME.html (a web page) and NAME.expected.txt (its article: a first line "Title: TITLE",
a blank line, then the article's text). tests/data/pages/ is such a folder.

  python3 bench/extract.py --feedsd build/feedsd [DIR]             # feedsd extract FILE
  python3 bench/extract.py --feedsd build/feedsd --daemon [DIR]    # through the daemon
  python3 bench/extract.py --feedsd build/feedsd --cpu PAGE.html   # one page's CPU

Pairs may also be NAME.source.html and NAME.readability-expected.html (a page and the HTML
Readability.js extracts from it; their titles with --titles DIR, DIR/NAME/expected-metadata.json's
"title" as in Readability's test-pages folder). See bench/README-extract.md.

The first runs `feedsd extract --base-url URL FILE` on each page and reports the CPU time
of each run (user + system of the child, process start included). --daemon serves the
pages on 127.0.0.1, gives them to `feedsd run --once` as the links of a teaser feed with
full_content = always, and reads the "## Full Content" of the files it writes: the path
the posts take (and one that also works with feedsd versions without `extract`).

Words are the runs of letters and digits, lower-cased, of the text with markdown's link
targets and syntax removed; precision = common / words found, recall = common / words
expected (multisets). A page with no article found scores 0. Titles are compared whole,
white space squashed."""
import argparse
import glob
import html
import http.server
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
from collections import Counter


# A markdown link or image: its text (escaped brackets allowed: "[\[41\]](url)", a
# footnote mark) and its target (one level of parentheses allowed: ".../Gecko_(engine)",
# and a quoted title): the target's words are not the article's.
LINK = re.compile(r'!?\[((?:\\.|[^\[\]\\])*)\]\((?:[^()\s]|\([^()\s]*\))*(?:\s+"(?:\\.|[^"\\])*")?\)')


def words(text):
    while True:                                                   # links and images: their text
        inner = LINK.sub(r"\1", text)
        if inner == text:
            break
        text = inner
    text = re.sub(r"<[^>]+>", " ", text)                          # autolinks, stray tags
    text = re.sub(r"\\(.)", r"\1", text)                          # escapes
    return Counter(w.lower() for w in re.findall(r"[^\W_]+", text))


def score(got, want):
    common = sum((got & want).values())
    p = common / sum(got.values()) if got else 0.0
    r = common / sum(want.values()) if want else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def html_text(text):
    """The words of an HTML document: its text and its images' alt text."""
    text = re.sub(r"(?s)<(script|style)[^>]*>.*?</\1>", " ", text)
    text = re.sub(r"<img[^>]*?\salt=\"([^\"]*)\"[^>]*>", r" \1 ", text)   # images: their alt text
    return html.unescape(re.sub(r"<[^>]+>", " ", text))


def md_words(md, cmark):
    """The words of markdown as a reader sees them: rendered by cmark-gfm (a link's text, not its
    target or title; a URL with parentheses is one target) and read like the expected HTML. Without
    cmark-gfm, words() strips the markdown syntax with regular expressions, which miscounts link
    titles and targets holding ')' as words of the article."""
    if not cmark:
        return words(md)
    r = subprocess.run([cmark, "-e", "table", "-e", "strikethrough", "-e", "autolink"],
                       input=md, capture_output=True, text=True, timeout=60, check=True)
    return words(html_text(r.stdout))


def read_expected(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    if path.endswith(".html"):
        return None, html_text(text)
    title = ""
    if text.startswith("Title: "):
        first, _, text = text.partition("\n")
        title = first[len("Title: "):].strip()
    return title, text


def expected_title(meta_dir, name):
    """The "title" of META_DIR/NAME/expected-metadata.json (Readability's test pages), or None."""
    try:
        with open(os.path.join(meta_dir, name, "expected-metadata.json"), encoding="utf-8") as f:
            title = json.load(f).get("title")
    except (OSError, ValueError):
        return None
    return title if isinstance(title, str) else None


def split_reader(out):
    """(title, markdown) of the reader-mode layout (Title:, URL Source:, Markdown Content:)."""
    m = re.search(r"^Title: (.*)$", out, re.M)
    title = m.group(1).strip() if m else ""
    md = out.split("Markdown Content:\n", 1)[1] if "Markdown Content:\n" in out else ""
    return title, md


def run_extract(feedsd, pages):
    results = {}
    for name, path in pages:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        r = subprocess.run([feedsd, "extract", "--base-url", "http://bench.invalid/%s" % name, path],
                           capture_output=True, text=True, timeout=60)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        results[name] = split_reader(r.stdout) + (cpu,) if r.returncode == 0 else ("", "", cpu)
    return results


def run_daemon(feedsd, pages):
    routes = {}
    for name, path in pages:
        with open(path, "rb") as f:
            routes["/%s.html" % name] = (f.read(), "text/html; charset=utf-8")

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_GET(self):
            body, ctype = routes.get(self.path, (b"", None))
            self.send_response(200 if ctype else 404)
            self.send_header("Content-Type", ctype or "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    base = "http://127.0.0.1:%d" % srv.server_address[1]
    entries = "".join(
        "<entry><id>urn:bench:%s</id><title>%s</title><link href=\"%s/%s.html\"/>"
        "<updated>2026-01-01T00:00:00Z</updated><summary>Teaser.</summary></entry>"
        % (html.escape(n), html.escape(n), base, html.escape(n)) for n, _ in pages)
    routes["/feed.xml"] = (("<?xml version=\"1.0\"?><feed xmlns=\"http://www.w3.org/2005/Atom\">"
                            "<title>bench</title><id>urn:bench</id><updated>2026-01-01T00:00:00Z</updated>"
                            + entries + "</feed>").encode(), "application/atom+xml")
    work = tempfile.mkdtemp(prefix="feedsd-bench-extract-")
    try:
        conf = os.path.join(work, "feedsd.conf")
        with open(conf, "w") as f:
            f.write("database = %s/db\noutput = %s/out\nallow_private = yes\nhost_delay = 0\n"
                    "backlog = all\nfull_content = always\nfilename = {id}-{slug}.md\n"
                    "feed = %s/feed.xml\n" % (work, work, base))
        subprocess.run([feedsd, "run", "--once", "-c", conf], capture_output=True, timeout=600)
        results = {}
        for path in glob.glob(os.path.join(work, "out", "*.md")):
            with open(path, encoding="utf-8") as f:
                text = f.read()
            name = re.search(r"^  original_title: (.*)$", text, re.M).group(1).strip().strip('"')
            full = text.split("## Full Content\n", 1)[1]
            title, md = split_reader(full)
            if "Teaser." == md.strip():
                md = ""
            results[name] = (title, md, 0.0)
        return results
    finally:
        srv.shutdown()
        shutil.rmtree(work, ignore_errors=True)


def cpu_of(binaries, page, runs=20):
    """Median and minimum CPU (user + system) of `feedsd extract PAGE` and of an empty page,
    for each binary; with two binaries their runs alternate, so that the load of a shared
    machine falls on both alike."""
    def cpu_once(feedsd, path):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run([feedsd, "extract", path], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       timeout=60)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    with tempfile.NamedTemporaryFile("w", suffix=".html", delete=False) as f:
        f.write("<html><body><p>x</p></body></html>")
    samples = {(b, p): [] for b in binaries for p in (f.name, page)}
    try:
        for _ in range(runs):
            for path in (f.name, page):
                for b in binaries:
                    samples[(b, path)].append(cpu_once(b, path))
    finally:
        os.unlink(f.name)
    for b in binaries:
        base = sorted(samples[(b, f.name)])[runs // 2]
        total = sorted(samples[(b, page)])[runs // 2]
        least = min(samples[(b, page)])
        print("%s: %s: %d bytes, extract %.1f ms CPU (median of %d runs, process start of %.1f ms "
              "taken off); with the process start: median %.1f ms, minimum %.1f ms"
              % (b, page, os.path.getsize(page), 1000 * max(0.0, total - base), runs, 1000 * base,
                 1000 * total, 1000 * least))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--feedsd", required=True)
    ap.add_argument("--daemon", action="store_true", help="through feedsd run --once")
    ap.add_argument("dir", nargs="?", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                           "..", "tests", "data", "pages"))
    ap.add_argument("--cpu", metavar="PAGE", help="the CPU time of extracting PAGE, in-process")
    ap.add_argument("--against", metavar="FEEDSD",
                    help="with --cpu: another binary, its runs alternated with --feedsd's")
    ap.add_argument("--runs", type=int, default=20, help="with --cpu: runs of each (default 20)")
    ap.add_argument("--scorer", choices=("cmark", "regex"), default="cmark",
                    help="read the markdown through cmark-gfm (default) or regular expressions")
    ap.add_argument("--titles", metavar="DIR",
                    help="the expected titles of source/expected pairs: DIR/NAME/expected-metadata.json")
    args = ap.parse_args()
    if args.cpu:
        binaries = [os.path.abspath(args.feedsd)] + ([os.path.abspath(args.against)] if args.against else [])
        return cpu_of(binaries, args.cpu, max(1, args.runs))
    cmark = shutil.which("cmark-gfm") if args.scorer == "cmark" else None
    if args.scorer == "cmark" and not cmark:
        sys.exit("cmark-gfm is not installed (apt-get install cmark-gfm), or pass --scorer regex")
    pages = []
    for p in sorted(glob.glob(os.path.join(args.dir, "*.html"))):
        if os.path.exists(p[:-5] + ".expected.txt"):
            pages.append((os.path.basename(p)[:-5], p, p[:-5] + ".expected.txt"))
        elif p.endswith(".source.html") and os.path.exists(p[:-12] + ".readability-expected.html"):
            pages.append((os.path.basename(p)[:-12], p, p[:-12] + ".readability-expected.html"))
    if not pages:
        sys.exit("no NAME.html + NAME.expected.txt pairs in %s" % args.dir)
    results = (run_daemon if args.daemon else run_extract)(os.path.abspath(args.feedsd),
                                                            [(n, p) for n, p, _ in pages])
    f1s, titles, good, cpus = [], 0, 0, []
    print("%-28s %6s %6s %6s %5s %8s" % ("page", "P", "R", "F1", "title", "cpu ms"))
    titled = 0
    for name, path, expected in pages:
        want_title, want_text = read_expected(expected)
        if want_title is None and args.titles:
            want_title = expected_title(args.titles, name)
        title, md, cpu = results.get(name, ("", "", 0.0))
        p, r, f = score(md_words(md, cmark), words(want_text))
        ok_title = want_title is not None and " ".join(title.split()) == " ".join(want_title.split())
        titled += want_title is not None
        f1s.append(f)
        titles += ok_title
        good += f >= 0.9
        cpus.append(cpu)
        shown = "-" if want_title is None else "ok" if ok_title else "NO"
        print("%-28s %6.3f %6.3f %6.3f %5s %8.1f" % (name[:28], p, r, f, shown, cpu * 1000))
    n = len(pages)
    print("pages %d: mean F1 %.3f, %d with F1 >= 0.9, titles right %d/%d" % (n, sum(f1s) / n, good, titles, titled))
    if not args.daemon:
        print("cpu per page (process included): mean %.1f ms, max %.1f ms" % (1000 * sum(cpus) / n, 1000 * max(cpus)))


if __name__ == "__main__":
    main()
