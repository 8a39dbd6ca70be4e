"""bench/gen_mixed.py: a mixed synthetic corpus for the side-by-side benchmark
(bench/peers.py). Owner: bench.

bench/gen.py writes feeds that are all alike (40 entries of ~5 KB, RSS 2.0 or Atom); the
comparison with sfeed and newsboat asks for a corpus closer to the feeds people follow:

  - three formats, chosen per feed from the seed: RSS 2.0 (HTML in content:encoded CDATA,
    about 45%), Atom 1.0 (escaped HTML in <content type="html">, about 40%) and RSS 1.0 /
    RDF (escaped HTML in content:encoded, items outside <channel>, about 15%);
  - 20 to 60 entries per feed, 1 to 8 KB of HTML per entry, drawn per feed and per entry;
  - the same paragraphs as gen.py (links, lists, quotes, code, images, non-ASCII words and
    Chinese sentences), taken from gen.Generator's pool, and gen.py's RSS 2.0 and Atom
    writers (gen.rss20, gen.atom) with this corpus's own titles, ids and authors, so
    nothing here duplicates it.

Feed i is the same document for every N (the 1000-feed set is a prefix of the 10000-feed
set). Every file's mtime is set to the feed's Last-Modified, so a static-file server
(nginx) sends the same Last-Modified that the manifest records; manifest.json has the
format manifest bench/serve.py reads (plus the entry count of each feed), so either server
can serve the folder.

Usage on its own (peers.py imports it): python3 bench/gen_mixed.py OUTDIR [--count N] [--seed S]
"""
import argparse
import email.utils
import hashlib
import json
import os
import random
import sys
from datetime import datetime, timedelta, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gen  # noqa: E402  (bench/gen.py: word lists and the paragraph pool)

MIN_ENTRIES, MAX_ENTRIES = 20, 60
MIN_HTML, MAX_HTML = 1000, 8000          # bytes of HTML per entry (target, UTF-8)
FORMATS = (("rss20", 0.45), ("atom", 0.40), ("rss10", 0.15))
CTYPES = {"rss20": "application/rss+xml; charset=utf-8",
          "atom": "application/atom+xml; charset=utf-8",
          "rss10": "application/rdf+xml; charset=utf-8"}


def _pick_format(rng):
    r = rng.random()
    for name, share in FORMATS:
        if r < share:
            return name
        r -= share
    return FORMATS[-1][0]


class MixedGenerator(gen.Generator):
    def entry_html_sized(self, rng, fi, ei, link, target):
        """About `target` bytes: gen.py's unique opening, then pool paragraphs."""
        head = ('<p>Entry %d of feed %d is about %s; written at the café with a '
                '<a href="%s#notes">link to its notes</a>. %s</p>\n'
                % (ei, fi, rng.choice(gen.TOPICS), link, rng.choice(gen.CHINESE)))
        parts = self.paragraphs(rng, head, target)
        if ei % 4 == 0:
            parts.append('<p><img src="/img/%d-%d.jpg" alt="photo %d"></p>\n' % (fi, ei, ei))
        return "".join(parts)

    def feed(self, fi):
        """(document bytes, format, content type, Last-Modified, entries, mtime)."""
        rng = random.Random("mixed-%d-%d" % (self.seed, fi))
        fmt = _pick_format(rng)
        nentries = rng.randint(MIN_ENTRIES, MAX_ENTRIES)
        site = "https://site%d.example.org" % fi
        newest = datetime(2026, 1, 20, 9, 0, tzinfo=timezone.utc) - timedelta(minutes=11 * fi)
        entries = []
        for ei in range(nentries):
            when = newest - timedelta(hours=rng.randint(6, 60) * ei, minutes=rng.randint(0, 59))
            slug = "%s-%d-%d" % (rng.choice(gen.TOPICS), fi, ei)
            link = "%s/%d/%s.html" % (site, when.year, slug)
            title = "Notes on %s, part %d — feed %d (naïve café edition)" % (
                rng.choice(gen.TOPICS), ei, fi)
            if ei % 5 == 2:
                title += " 关于%s" % rng.choice(["数据库", "编译器", "网络", "排版"])
            target = rng.randint(MIN_HTML, MAX_HTML)
            entries.append((ei, title, link, when, self.entry_html_sized(rng, fi, ei, link, target)))
        doc = {"rss20": _rss20, "atom": _atom, "rss10": _rss10}[fmt](fi, site, entries)
        lastmod = email.utils.format_datetime(newest, usegmt=True)
        return doc.encode("utf-8"), fmt, CTYPES[fmt], lastmod, nentries, newest.timestamp()


_xesc = gen._xesc


def _rss20(fi, site, entries):
    return gen.rss20("Weblog %d — Zürich" % fi, site, "Mixed benchmark feed %d" % fi, entries,
                     lambda ei, link: (True, link), "Écrivain %d" % (fi % 23),
                     lambda ei: "Post %d of feed %d: a short teaser, naïvely written." % (ei, fi))


def _atom(fi, site, entries):
    return gen.atom("Journal %d — São Paulo" % fi, site, "atom.xml", entries,
                    lambda ei: "tag:site%d.example.org,2026:%d" % (fi, ei), "Autor %d" % (fi % 23))


def _rss10(fi, site, entries):
    """RSS 1.0 (RDF Site Summary): items are siblings of <channel>, listed in its rdf:Seq."""
    seq = "".join('<rdf:li rdf:resource="%s"/>\n' % _xesc(link) for _, _, link, _, _ in entries)
    items = []
    for ei, title, link, when, html in entries:
        items.append(
            '<item rdf:about="%s">\n<title>%s</title>\n<link>%s</link>\n'
            "<dc:date>%s</dc:date>\n<dc:creator>Skribent %d</dc:creator>\n"
            "<description>%s</description>\n<content:encoded>%s</content:encoded>\n</item>\n"
            % (_xesc(link), _xesc(title), _xesc(link), when.strftime("%Y-%m-%dT%H:%M:%S+00:00"),
               fi % 23, _xesc("Item %d of feed %d, in brief." % (ei, fi)), _xesc(html)))
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
            ' xmlns="http://purl.org/rss/1.0/"'
            ' xmlns:dc="http://purl.org/dc/elements/1.1/"'
            ' xmlns:content="http://purl.org/rss/1.0/modules/content/">\n'
            '<channel rdf:about="%s/index.rdf">\n<title>Digest %d — Ærøskøbing</title>\n'
            "<link>%s/</link>\n<description>Mixed benchmark feed %d (RSS 1.0)</description>\n"
            "<items><rdf:Seq>\n%s</rdf:Seq></items>\n</channel>\n%s</rdf:RDF>\n"
            % (site, fi, site, fi, seq, "".join(items)))


def generate(outdir, count, seed=1):
    """Writes feeds 0..count-1 and manifest.json into outdir; returns the manifest.
    Files already present from an earlier call with the same seed are kept (the corpus
    for N=1000 is a prefix of the one for N=10000), checked by size and hash."""
    os.makedirs(outdir, exist_ok=True)
    mpath = os.path.join(outdir, "manifest.json")
    old = {}
    if os.path.exists(mpath):
        with open(mpath) as f:
            m = json.load(f)
        if m.get("seed") == seed and m.get("generator") == "gen_mixed":
            old = m["files"]
    g = MixedGenerator(seed)
    files = {}
    for fi in range(count):
        name = "%05d.xml" % fi
        path = "/feeds/" + name
        fpath = os.path.join(outdir, name)
        meta = old.get(path)
        if meta and os.path.exists(fpath) and os.path.getsize(fpath) == meta["size"]:
            files[path] = meta
            continue
        body, fmt, ctype, lastmod, nentries, mtime = g.feed(fi)
        with open(fpath, "wb") as f:
            f.write(body)
        os.utime(fpath, (mtime, mtime))
        files[path] = {"file": name, "format": fmt, "content_type": ctype, "entries": nentries,
                       "etag": '"%s"' % hashlib.sha1(body).hexdigest()[:20],
                       "last_modified": lastmod, "size": len(body)}
    manifest = {"generator": "gen_mixed", "seed": seed, "count": count, "files": files,
                # serve.py and poll.py read this key; here the count varies per feed
                "entries_per_feed": None}
    with open(mpath, "w") as f:
        json.dump(manifest, f, indent=0)
    return manifest


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("outdir")
    ap.add_argument("--count", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    m = generate(args.outdir, args.count, args.seed)
    fs = list(m["files"].values())
    by = {}
    for v in fs:
        by[v["format"]] = by.get(v["format"], 0) + 1
    print("%d feeds (%s), %d entries, %.1f KB average, in %s"
          % (len(fs), ", ".join("%d %s" % (n, k) for k, n in sorted(by.items())),
             sum(v["entries"] for v in fs), sum(v["size"] for v in fs) / len(fs) / 1024, args.outdir))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
