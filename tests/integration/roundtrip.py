#!/usr/bin/env python3
"""tests/integration/roundtrip.py: the round-trip property of issue 4 over the whole feed
corpus (owner: html2md engineer).

For every entry of every feed in the test data, the entry's HTML (`content`, else
`summary`, as `feedsd parse` prints it) is converted with `feedsd html2md --base-url LINK`,
the markdown is rendered back to HTML with cmark-gfm, and the two HTML documents are
compared on what a reader gets from them:

  (a) the visible text, whitespace-normalised;
  (b) the ordered list of link targets, image sources (with their alt text) and embeds;
  (c) no raw HTML in the markdown (cmark-gfm's safe mode would print a placeholder).

Both sides go through the same extractor (Python's html.parser), with these rules:

  Visible text. Text nodes, with character references decoded. Not visible: what a
  browser does not render (script, style, template, head, title), what it renders only
  with scripting off (noscript), form controls (button, select, option, datalist,
  textarea, input), graphics (svg, canvas, map/area), the fallback content of embedded
  media (iframe, video, audio, object, embed), and any element with the `hidden`
  attribute or an inline style display:none / visibility:hidden. Block elements, <br>
  and table cells separate words; every run of white space (U+00A0 included: feeds use
  &nbsp; as padding) is one space. <q> shows typographic quotes, as browsers do.

  Images. An image is a record (source, alt text); its alt text is not part of the
  visible text, except for an image that cannot be shown (no usable source): a browser
  shows the alt text of a broken image in its place, and so does html2md. Markdown code
  cannot hold an image, so an image inside pre/code (WordPress emoji in listings) is
  read as its alt text too. The source is
  the one a reader loads: src, else the lazy-loading attributes (data-src, data-lazy-src,
  data-original), else the first srcset candidate, skipping unusable values.

  Expected differences (rules, not per-entry exceptions):
  - URLs that a reader must not follow are dropped: any scheme outside the allow-list
    below (javascript:, vbscript:, data:, file: ...). A link with such a target keeps
    its text.
  - Tracking pixels are dropped: images declared 1 pixel (or 0) wide or high, and
    images from the known open-counting services listed in TRACKERS.
  - A link with no visible content (no text, no image) shows nothing to click on in a
    browser, so it is not a link target a reader can follow; html2md drops it.
  - An embed (iframe, video, audio, object, embed) is shown by html2md as a link to its
    source labelled with its title attribute or its element name: the original side is
    read the same way (a text-mode rendering of an embed), so the embed's source is in
    the link list and its label in the text.
  - Links nested inside links are text in HTML (the inner <a> closes the outer in a
    browser); only the outer is counted, as html2md does.
  - GFM's autolink extension turns an e-mail address in text into a mailto: link and no
    markdown escape can prevent it (cmark-gfm consolidates the text before it looks): a
    mailto: link on the markdown side whose text is exactly its address, where the
    original shows that address as plain text, is not counted.

  Markup cut off at the end of the document ("... with <a href=") is dropped, as the
  HTML tokenizer does at end of file (html.parser would show it as text).

  URLs are compared resolved against the entry link (urljoin, RFC 3986 section 5) and
  canonicalised on both sides (scheme and host lower-cased, percent-encoding made
  uniform), since a markdown renderer percent-encodes what HTML leaves raw.

cmark-gfm runs in its default safe mode with the GitHub extensions that affect rendering
of what html2md writes: table, strikethrough, autolink, tagfilter, tasklist (tagfilter
and tasklist change nothing unless html2md leaks raw HTML or "[ ]" item starts, which
the comparison would then catch).

usage: roundtrip.py --feedsd PATH [--cmark PATH] [--verbose] [-k SUBSTRING] [--jobs N]
Test data: $FEEDSD_TESTDATA, else tests/data/feeds of this repository.
Prints `roundtrip: N passed, M failed` as the last line; exits non-zero when any entry
fails (THRESHOLD below is the pass rate required).
"""
import argparse
import concurrent.futures
import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, unquote, urljoin, urlsplit, urlunsplit

# Required pass rate. Every corpus entry passes today, so any failure is a regression.
THRESHOLD = 1.0

SAFE_SCHEMES = {
    "http", "https", "mailto", "ftp", "ftps", "tel", "sms", "magnet", "xmpp", "irc",
    "ircs", "gemini", "gopher", "news", "nntp", "geo", "matrix",
}

# Open counters (substrings of image URLs, case-insensitive): FeedBurner, DoubleClick,
# analytics, WordPress stats, Medium, Substack, golem.de, Slashdot and e-mail trackers.
TRACKERS = (
    "feeds.feedburner.com/~r/", "feeds.feedburner.com/~ff/", "feedproxy.google.com/~r/",
    "doubleclick.net/", "google-analytics.com/", "googleadservices.com/",
    "medium.com/_/stat", "pixel.wp.com/", "stats.wordpress.com/",
    "eotrx.substackcdn.com/", "cpx.golem.de/", "rss.slashdot.org/~",
    "pixel.quantserve.com/", "sb.scorecardresearch.com/", "feedsportal.com/c/",
    "api.follow.it/track", "list-manage.com/track/",
)

NOT_RENDERED = {
    "script", "style", "template", "head", "title", "noscript",
    "button", "select", "option", "optgroup", "datalist", "textarea",
    "svg", "canvas", "map", "math", "frameset", "frame", "noframes", "noembed",
    "meter", "progress", "output", "rp",
}
EMBEDS = {"iframe", "video", "audio", "object", "embed"}
VOID = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
    "source", "track", "wbr", "keygen", "basefont", "bgsound", "frame", "isindex",
}
# Elements whose edges separate words (CSS display other than inline in the UA style
# sheet, plus table cells and list items).
BLOCKS = {
    "address", "article", "aside", "blockquote", "body", "caption", "center", "dd",
    "details", "dialog", "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure",
    "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr",
    "html", "legend", "li", "listing", "main", "menu", "nav", "ol", "p", "plaintext",
    "pre", "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr",
    "ul", "xmp",
}
CODE = {"pre", "listing", "xmp", "plaintext", "code", "kbd", "samp", "tt"}
IMG_SRC_ATTRS = ("src", "data-src", "data-lazy-src", "data-original")
WS = re.compile(r"\s+")


def clean_url(raw):
    """WHATWG URL parsing strips C0 controls and spaces at both ends and drops tab/LF/CR."""
    if raw is None:
        return ""
    raw = raw.strip("".join(chr(c) for c in range(0x21)))
    return re.sub(r"[\t\n\r]", "", raw)


def safe_url(base, raw):
    """Absolute URL a reader may follow, or None."""
    u = clean_url(raw)
    if not u:
        return None
    m = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*):", u)
    if m and m.group(1).lower() not in SAFE_SCHEMES:
        return None
    if base:
        try:
            u = urljoin(base, u)
        except ValueError:
            return None
    m = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*):", u)
    if m and m.group(1).lower() not in SAFE_SCHEMES:
        return None
    return u


def canon(u):
    """Uniform spelling of a URL, the same on both sides of the comparison."""
    try:
        p = urlsplit(u)
    except ValueError:
        return u
    safe = "!#$&'()*+,/:;=?@[]~-._"

    def q(s):
        return quote(unquote(s), safe=safe)
    netloc = unquote(p.netloc).lower()
    path = q(p.path)
    if p.scheme.lower() in ("http", "https") and netloc and not path:
        path = "/"
    return urlunsplit((p.scheme.lower(), netloc, path, q(p.query), q(p.fragment)))


def hidden(attrs):
    if "hidden" in attrs:
        return True
    style = re.sub(r"\s+", "", (attrs.get("style") or "").lower())
    return "display:none" in style or "visibility:hidden" in style


def tiny(v):
    m = re.match(r"\s*(\d+)(.?)", v or "")
    return bool(m) and int(m.group(1)) <= 1 and m.group(2) != "%"


def is_tracker(attrs):
    if tiny(attrs.get("width")) or tiny(attrs.get("height")):
        return True
    src = (attrs.get("src") or "").lower()
    return any(t in src for t in TRACKERS)


class Reader(HTMLParser):
    """What a reader gets from an HTML document: text and an ordered list of targets."""

    def __init__(self, base):
        super().__init__(convert_charrefs=True)
        self.base = base
        self.text = []
        self.targets = []     # ("a", url) / ("img", url, alt) / ("embed", url)
        self.stack = []       # open elements: [tag, skipping, extra]
        self.skip = 0         # >0: inside something not rendered
        self.links = []       # open links: [index in targets or None, ntext, nimg, start]
        self.link_text = {}   # index in targets -> the link's text

    # -- helpers --------------------------------------------------------------------
    def sep(self):
        self.text.append(" ")

    def put(self, s):
        if self.skip:
            return
        self.text.append(s)
        if s.strip():
            for lk in self.links:
                lk[1] += 1

    def img(self, attrs):
        if is_tracker(attrs):
            return
        url = None
        for name in IMG_SRC_ATTRS:
            url = safe_url(self.base, attrs.get(name))
            if url:
                break
        if not url and attrs.get("srcset"):
            first = re.split(r"[\s,]", attrs["srcset"].strip(), maxsplit=1)[0]
            url = safe_url(self.base, first)
        alt = WS.sub(" ", (attrs.get("alt") or "").replace("\xa0", " ")).strip()
        if any(e[0] in CODE for e in self.stack):
            url = None
        if url:
            self.targets.append(("img", canon(url), alt))
            for lk in self.links:
                lk[2] += 1
        elif alt:
            self.put(alt)

    def close_link(self, extra):
        idx, ntext, nimg, start = self.links.pop()
        if idx is not None and not ntext and not nimg:
            self.targets[idx] = None
        elif idx is not None:
            self.link_text[idx] = WS.sub(" ", "".join(self.text[start:])).strip()

    def close_embed(self, extra):
        url, label = extra
        if url:
            self.targets.append(("a", canon(url)))
            self.put(" " + label + " ")

    # -- parser callbacks ----------------------------------------------------------
    def handle_starttag(self, tag, attrs_list):
        attrs = {k: (v if v is not None else "") for k, v in reversed(attrs_list)}
        if tag in VOID:
            self.void(tag, attrs)
            return
        if tag == "a" and any(e[0] == "a" for e in self.stack):
            self.pop_to("a")  # HTML: an <a> start tag closes the open <a>
        entry = [tag, 0, None]
        self.stack.append(entry)
        if self.skip or tag in NOT_RENDERED or hidden(attrs):
            entry[1] = 1
            self.skip += 1
            return
        if tag in BLOCKS:
            self.sep()
        if tag == "a":
            url = safe_url(self.base, attrs.get("href")) if "href" in attrs else None
            idx = None
            if url:
                self.targets.append(("a", canon(url)))
                idx = len(self.targets) - 1
            self.links.append([idx, 0, 0, len(self.text)])
            entry[2] = "link"
        elif tag in EMBEDS:
            src = attrs.get("src") or attrs.get("data")
            entry[2] = ["embed", src, (attrs.get("title") or "").strip() or tag]
            self.skip += 1
            entry[1] = 2  # skipping the fallback content, but sources are read
        elif tag == "q":
            self.put("\u201c")

    def void(self, tag, attrs):
        if self.skip:
            if tag == "source":  # <video><source src=...>: the embed's source
                for e in reversed(self.stack):
                    if isinstance(e[2], list) and e[2][0] == "embed":
                        if not e[2][1]:
                            e[2][1] = attrs.get("src")
                        break
            return
        if hidden(attrs) or tag in NOT_RENDERED:
            return
        if tag in ("br", "hr"):
            self.sep()
        elif tag == "img":
            self.img(attrs)
        elif tag == "embed":
            url = safe_url(self.base, attrs.get("src"))
            if url:
                self.targets.append(("a", canon(url)))
                self.put(" " + ((attrs.get("title") or "").strip() or "embed") + " ")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.handle_endtag(tag)

    def pop_one(self):
        tag, skipping, extra = self.stack.pop()
        if skipping:
            self.skip -= 1
            if skipping == 2:  # an embed: its fallback is over
                url = safe_url(self.base, extra[1])
                if url:
                    self.targets.append(("a", canon(url)))
                    self.put(" " + extra[2] + " ")
            return
        if tag in BLOCKS:
            self.sep()
        if extra == "link":
            self.close_link(extra)
        elif tag == "q":
            self.put("\u201d")

    def pop_to(self, tag):
        while self.stack:
            top = self.stack[-1][0]
            self.pop_one()
            if top == tag:
                return

    def handle_endtag(self, tag):
        if tag in VOID:
            if tag == "br":  # </br> is a line break in browsers
                self.sep()
            return
        if any(e[0] == tag for e in self.stack):
            self.pop_to(tag)
        elif tag == "p":  # a stray </p> makes an empty paragraph
            self.sep()

    def handle_data(self, data):
        self.put(data)

    def result(self):
        while self.stack:
            self.pop_one()
        text = WS.sub(" ", "".join(self.text)).strip()
        keep = [i for i, t in enumerate(self.targets) if t is not None]
        return (text, [self.targets[i] for i in keep],
                [self.link_text.get(i, "") for i in keep])


def read(html, base):
    r = Reader(base)
    # HTML tokenizer, end of file inside a tag: the tag is not emitted.
    html = re.sub(r"<[A-Za-z][^<>]*\Z", "", html)
    r.feed(html)
    r.close()
    return r.result()


def drop_autolinked_emails(orig, md, md_texts, text_orig):
    """GFM autolinks e-mail addresses in text (see the module comment): walking both
    lists in step, a markdown-side mailto: link that does not match the original's next
    target, whose text is its address and whose address the original shows as text, is
    one the renderer made."""
    out, i = [], 0
    for t, label in zip(md, md_texts):
        if i < len(orig) and orig[i] == t:
            out.append(t)
            i += 1
            continue
        if t[0] == "a" and t[1].startswith("mailto:"):
            addr = unquote(t[1][7:])
            if label == addr and addr in text_orig:
                continue
        out.append(t)
    return out


def compare(html, link, feedsd, cmark):
    cmd = [feedsd, "html2md"] + (["--base-url", link] if link else [])
    p = subprocess.run(cmd, input=html.encode(), capture_output=True, timeout=60)
    if p.returncode != 0:
        return ["html2md exited %d: %s" % (p.returncode, p.stderr.decode(errors="replace"))], ""
    md = p.stdout.decode()
    r = subprocess.run([cmark, "-e", "table", "-e", "strikethrough", "-e", "autolink",
                        "-e", "tagfilter", "-e", "tasklist"],
                       input=p.stdout, capture_output=True, timeout=60)
    back = r.stdout.decode()
    problems = []
    if "raw HTML omitted" in back:
        problems.append("raw HTML in the markdown")
    t1, l1, _ = read(html, link)
    t2, l2, x2 = read(back, None)
    l2 = drop_autolinked_emails(l1, l2, x2, t1)
    if t1 != t2:
        problems.append("text differs:\n" + diff_text(t1, t2))
    if l1 != l2:
        problems.append("targets differ:\n" + diff_list(l1, l2))
    return problems, md


def diff_text(a, b):
    i = 0
    while i < min(len(a), len(b)) and a[i] == b[i]:
        i += 1
    j = 0
    while j < min(len(a), len(b)) - i and a[-1 - j] == b[-1 - j]:
        j += 1
    return ("    original: ...%r...\n    markdown: ...%r..." %
            (a[max(0, i - 40):len(a) - j + 40], b[max(0, i - 40):len(b) - j + 40]))


def diff_list(a, b):
    out = []
    for k in range(max(len(a), len(b))):
        x = a[k] if k < len(a) else None
        y = b[k] if k < len(b) else None
        if x != y:
            out.append("    #%d original: %r\n    #%d markdown: %r" % (k, x, k, y))
        if len(out) >= 3:
            break
    return "\n".join(out)


def data_dir():
    env = os.environ.get("FEEDSD_TESTDATA")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[1] / "data" / "feeds"


def entries(feedsd, data, filt):
    for path in sorted(data.iterdir()):
        if not path.is_file() or path.suffix not in (".xml", ".json", ".html"):
            continue
        if filt and filt not in path.name:
            continue
        p = subprocess.run([feedsd, "parse", str(path)], capture_output=True, timeout=60)
        if p.returncode != 0:
            continue  # not a feed: corpus.py checks the refusal
        doc = json.loads(p.stdout)
        for i, e in enumerate(doc["entries"]):
            html = e.get("content") or e.get("summary")
            if html and html.strip():
                yield "%s#%d" % (path.name, i), html, e.get("link")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--feedsd", required=True)
    ap.add_argument("--cmark", default="cmark-gfm")
    ap.add_argument("--verbose", "-v", action="store_true")
    ap.add_argument("--show-markdown", action="store_true")
    ap.add_argument("-k", default=None, help="only feeds whose file name contains this")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 4)
    args = ap.parse_args()
    data = data_dir()
    if not data.is_dir():
        print("roundtrip: test data not found at %s (set FEEDSD_TESTDATA)" % data,
              file=sys.stderr)
        return 2
    work = list(entries(args.feedsd, data, args.k))
    passed = failed = 0
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        futs = [pool.submit(compare, html, link, args.feedsd, args.cmark)
                for _, html, link in work]
        for (name, _, _), fut in zip(work, futs):
            problems, md = fut.result()
            if problems:
                failed += 1
                print("FAIL %s" % name)
                if args.verbose:
                    for pr in problems:
                        print("  " + pr)
                    if args.show_markdown:
                        print("  markdown:\n" + md)
            else:
                passed += 1
    total = passed + failed
    print("roundtrip: %d passed, %d failed" % (passed, failed))
    return 0 if total and passed >= THRESHOLD * total else 1


if __name__ == "__main__":
    sys.exit(main())
