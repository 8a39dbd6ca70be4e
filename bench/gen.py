"""bench/gen.py: synthetic feeds for the polling benchmark (bench/poll.py). Owner: bench.

Writes N feed documents of about 200 KB each (40 entries of about 5 KB of HTML) to a
folder, plus manifest.json with the HTTP validators the server (bench/serve.py) sends.
Everything is derived from one seed, so two runs with the same arguments produce
byte-identical feeds and the figures of two benchmark runs are comparable.

Feed i is the same document whatever N is: the 100-feed set is a prefix of the 1000-feed
set. Half of the feeds are RSS 2.0 with the HTML in <content:encoded> CDATA sections, the
other half Atom 1.0 with escaped HTML in <content type="html">, chosen per feed from the
seed. Every entry has a unique id, title, link and date, so every entry is stored once and
gets its own output file (no slug or path collisions between feeds).

Usage on its own (poll.py imports it): python3 bench/gen.py OUTDIR [--count N] [--seed S]
"""
import argparse
import email.utils
import hashlib
import json
import os
import random
import sys
from datetime import datetime, timedelta, timezone

ENTRIES_PER_FEED = 40
ENTRY_HTML_BYTES = 4750          # stop adding paragraphs past this: entries average ~5 KB
PARAGRAPH_POOL = 1500            # distinct paragraphs that entries draw from

# Words from which the paragraphs are made. Non-ASCII words are on purpose: the parser,
# the summarizer's sentence splitter and the markdown writer must all carry UTF-8.
WORDS = ("the of and to in is that for it as with was on be by this are from at or "
         "feed parser entry daemon storage schedule network latency cache header value "
         "summary markdown output folder sentence paragraph article reader server client "
         "library protocol request response version release update digest archive "
         "café naïve résumé façade coöperate jalapeño über Zürich São Paulo Ærøskøbing "
         "déjà vu crème brûlée smörgåsbord piñata").split()
CHINESE = ["这是一个用于性能测试的中文句子。", "订阅源的解析速度非常重要。",
           "每篇文章都会生成一个摘要。", "数据库只保存每个条目一次。",
           "服务器返回了未修改的状态。", "我们需要测量内存和处理器时间。"]
TOPICS = ["databases", "compilers", "networking", "typography", "gardening", "astronomy",
          "cooking", "music", "cycling", "photography", "history", "linguistics"]


def _sentence(rng):
    n = rng.randint(8, 22)
    words = [rng.choice(WORDS) for _ in range(n)]
    words[0] = words[0].capitalize()
    return " ".join(words) + rng.choice([".", ".", ".", "?", "!"])


def _paragraph(rng, k):
    """One block of HTML, about 400-700 bytes, of a kind picked by k."""
    kind = k % 8
    if kind == 6:
        items = "".join("<li>%s</li>" % _sentence(rng) for _ in range(rng.randint(3, 5)))
        return "<ul>%s</ul>\n" % items
    if kind == 7:
        return ("<blockquote><p>%s %s</p></blockquote>\n<pre><code>for (int i = 0; i &lt; n; i++)\n"
                "    total += item[i].size;  /* %d */\n</code></pre>\n"
                % (_sentence(rng), rng.choice(CHINESE), k))
    parts = []
    for s in range(rng.randint(3, 6)):
        text = _sentence(rng)
        r = rng.random()
        if r < 0.25:
            word = rng.choice(TOPICS)
            text += ' See <a href="https://example.com/%s/%d">more about %s</a>.' % (word, k * 10 + s, word)
        elif r < 0.4:
            text = "<strong>%s</strong> <em>%s</em>" % (text, rng.choice(WORDS))
        elif r < 0.5:
            text += " " + rng.choice(CHINESE)
        parts.append(text)
    return "<p>%s</p>\n" % " ".join(parts)


class Generator:
    def __init__(self, seed=1):
        self.seed = seed
        rng = random.Random("pool-%d" % seed)
        self.pool = [_paragraph(rng, k) for k in range(PARAGRAPH_POOL)]

    def paragraphs(self, rng, head, target):
        """head, then paragraphs drawn from the pool until about target bytes of UTF-8."""
        parts = [head]
        size = len(head.encode("utf-8"))
        while size < target:
            p = rng.choice(self.pool)
            parts.append(p)
            size += len(p.encode("utf-8"))
        return parts

    def entry_html(self, rng, fi, ei, link):
        """About ENTRY_HTML_BYTES of HTML: a unique opening paragraph, then pool paragraphs."""
        head = ('<p>Entry %d of feed %d opens with a sentence about %s, the café where it was '
                'written, and a <a href="%s#notes">link to its notes</a>. %s</p>\n'
                '<h2>Section %d.%d</h2>\n'
                % (ei, fi, rng.choice(TOPICS), link, rng.choice(CHINESE), fi, ei))
        parts = self.paragraphs(rng, head, ENTRY_HTML_BYTES)
        if ei % 5 == 0:
            parts.append('<p><img src="/img/%d-%d.png" alt="figure %d"></p>\n' % (fi, ei, ei))
        return "".join(parts)

    def feed(self, fi):
        """(document bytes, format, content type, Last-Modified) for feed number fi."""
        rng = random.Random("feed-%d-%d" % (self.seed, fi))
        fmt = "rss" if rng.random() < 0.5 else "atom"
        site = "https://blog%d.example.net" % fi
        # Dates step back from a fixed point: newest entry first, as most feeds order them.
        newest = datetime(2026, 1, 15, 12, 0, tzinfo=timezone.utc) - timedelta(minutes=7 * fi)
        entries = []
        for ei in range(ENTRIES_PER_FEED):
            when = newest - timedelta(hours=13 * ei, minutes=rng.randint(0, 59))
            slug = "post-%d-%d-%s" % (fi, ei, rng.choice(TOPICS))
            link = "%s/%d/%02d/%s/" % (site, when.year, when.month, slug)
            title = "Feed %d, post %d: %s for the naïve reader at the café" % (
                fi, ei, rng.choice(TOPICS))
            if ei % 7 == 3:
                title += " — 关于%s" % rng.choice(["数据库", "编译器", "网络"])
            entries.append((ei, title, link, when, self.entry_html(rng, fi, ei, link)))
        if fmt == "rss":
            doc = _rss(fi, site, entries)
            ctype = "application/rss+xml; charset=utf-8"
        else:
            doc = _atom(fi, site, entries)
            ctype = "application/atom+xml; charset=utf-8"
        lastmod = email.utils.format_datetime(newest, usegmt=True)
        return doc.encode("utf-8"), fmt, ctype, lastmod


def _xesc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _rss(fi, site, entries):
    return rss20("Benchmark blog %d" % fi, site,
                 "Synthetic RSS feed %d for feedsd's benchmark" % fi, entries,
                 lambda ei, link: (False, "urn:feedsd-bench:feed-%d:entry-%d" % (fi, ei)),
                 "Author %d" % (fi % 17),
                 lambda ei: "Entry %d of feed %d, a short description." % (ei, fi))


def _atom(fi, site, entries):
    return atom("Benchmark journal %d" % fi, site, "feed.atom", entries,
                lambda ei: "tag:blog%d.example.net,2026:entry-%d" % (fi, ei),
                "Author %d" % (fi % 17))


def rss20(title, site, description, entries, guid, author, teaser):
    """An RSS 2.0 document, its entries' HTML in content:encoded CDATA sections (gen.py and
    gen_mixed.py). entries: (number, title, link, date, html), newest first; guid(number,
    link) gives an entry's (isPermaLink, guid), teaser(number) its <description>; author is
    every entry's dc:creator."""
    items = []
    for ei, etitle, link, when, html in entries:
        assert "]]>" not in html
        permalink, gid = guid(ei, link)
        items.append(
            "<item>\n<title>%s</title>\n<link>%s</link>\n"
            '<guid isPermaLink="%s">%s</guid>\n<pubDate>%s</pubDate>\n'
            "<dc:creator>%s</dc:creator>\n<category>bench</category>\n"
            "<description>%s</description>\n"
            "<content:encoded><![CDATA[%s]]></content:encoded>\n</item>\n"
            % (_xesc(etitle), _xesc(link), "true" if permalink else "false", _xesc(gid),
               email.utils.format_datetime(when), _xesc(author), _xesc(teaser(ei)), html))
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"'
            ' xmlns:dc="http://purl.org/dc/elements/1.1/">\n<channel>\n'
            "<title>%s</title>\n<link>%s/</link>\n<description>%s</description>\n"
            "<language>en</language>\n%s</channel>\n</rss>\n"
            % (_xesc(title), site, _xesc(description), "".join(items)))


def atom(title, site, self_name, entries, entry_id, author):
    """An Atom 1.0 document, its entries' HTML escaped in <content type="html"> (gen.py and
    gen_mixed.py). entries as rss20's; entry_id(number) gives an entry's <id>; author is
    every entry's; the self link is site/self_name."""
    items = []
    for ei, etitle, link, when, html in entries:
        stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
        items.append(
            "<entry>\n<id>%s</id>\n<title>%s</title>\n"
            '<link rel="alternate" type="text/html" href="%s"/>\n'
            "<published>%s</published>\n<updated>%s</updated>\n"
            "<author><name>%s</name></author>\n"
            '<content type="html">%s</content>\n</entry>\n'
            % (_xesc(entry_id(ei)), _xesc(etitle), _xesc(link), stamp, stamp, _xesc(author),
               _xesc(html)))
    updated = entries[0][3].strftime("%Y-%m-%dT%H:%M:%SZ")
    return ('<?xml version="1.0" encoding="utf-8"?>\n'
            '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">\n'
            "<title>%s</title>\n<id>%s/</id>\n"
            '<link rel="alternate" href="%s/"/>\n<link rel="self" href="%s/%s"/>\n'
            "<updated>%s</updated>\n%s</feed>\n"
            % (_xesc(title), site, site, site, self_name, updated, "".join(items)))


def generate(outdir, count, seed=1):
    """Writes feeds 0..count-1 and manifest.json into outdir; returns the manifest dict."""
    os.makedirs(outdir, exist_ok=True)
    gen = Generator(seed)
    files = {}
    for fi in range(count):
        body, fmt, ctype, lastmod = gen.feed(fi)
        path = "/feeds/%04d.xml" % fi
        with open(os.path.join(outdir, "%04d.xml" % fi), "wb") as f:
            f.write(body)
        files[path] = {"file": "%04d.xml" % fi, "format": fmt, "content_type": ctype,
                       "etag": '"%s"' % hashlib.sha1(body).hexdigest()[:20],
                       "last_modified": lastmod, "size": len(body)}
    manifest = {"seed": seed, "count": count, "entries_per_feed": ENTRIES_PER_FEED,
                "files": files}
    with open(os.path.join(outdir, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    return manifest


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("outdir")
    ap.add_argument("--count", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    m = generate(args.outdir, args.count, args.seed)
    sizes = [v["size"] for v in m["files"].values()]
    print("%d feeds, %.1f KB average, in %s" % (len(sizes), sum(sizes) / len(sizes) / 1024, args.outdir))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
