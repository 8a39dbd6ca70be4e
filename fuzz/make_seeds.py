#!/usr/bin/env python3
"""fuzz/make_seeds.py: (re)creates the small checked-in seed corpora fuzz/seeds/<target>/
from tests/data/feeds (dates, titles and HTML fragments taken out of the real feeds) plus
hand-written hostile cases. The feed parser's seeds are the corpus documents themselves
(fuzz/run.sh points at that folder), so nothing large is copied here.
Usage: python3 fuzz/make_seeds.py [FEEDS_DIR]"""
import hashlib
import html
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
FEEDS = os.path.normpath(sys.argv[1] if len(sys.argv) > 1
                         else os.path.join(HERE, '..', 'tests', 'data', 'feeds'))


def put(target, data, limit):
    if isinstance(data, str):
        data = data.encode('utf-8', 'surrogatepass')
    d = os.path.join(HERE, 'seeds', target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()[:16]), 'wb') as f:
        f.write(data[:limit])


def texts(tag_re):
    out = []
    for name in sorted(os.listdir(FEEDS)):
        if not name.endswith(('.xml', '.rss', '.atom')):
            continue
        with open(os.path.join(FEEDS, name), 'rb') as f:
            doc = f.read().decode('utf-8', 'replace')
        out.extend(m.group(1) for m in re.finditer(tag_re, doc, re.S))
    return out


def main():
    # Dates: every distinct spelling found in the feeds (RFC 822 variants, W3C-DTF, ...).
    dates = sorted(set(d.strip() for d in texts(
        r'<(?:pubDate|lastBuildDate|updated|published|dc:date|issued|modified|created)>([^<]{1,80})<')))
    for d in dates[:200] + ['Mon, 31 Dec 99999 23:59:59 GMT', '99999-12-31T23:59:59Z',
                            '0000-00-00', 'Tue, 10 Jun 2003 04:00:00 +2400', '2003-13-45T25:61:61Z',
                            '1 Jan 70 00:00 EST', '20030610T0400Z', '2003-06-10T04:00:00.123456789-07:30']:
        put('fuzz_date', d, 200)

    # Titles for the YAML quoting: real ones and the ones that break naive writers.
    titles = sorted(set(html.unescape(t.strip()) for t in texts(r'<title>([^<]{1,200})</title>')))
    for t in titles[:120] + ['key: value', '- item', '# comment', '"quoted"', "'single'", 'yes',
                             'null', '~', '1e3', '0x1F', '2024-01-01', '---', '...', 'a #b', 'end:',
                             '&anchor', '*alias', '!tag', '%YAML', '@at', '`tick`', '|', '>',
                             'tab\there', 'line\nbreak', 'cr\rhere', 'nel\u0085x', 'ls\u2028x',
                             'bom\ufeffx', ' lead', 'trail ', '\x01\x7f\x9f', '../../etc/passwd']:
        put('fuzz_yaml', t, 400)

    # HTML fragments: descriptions and contents from the feeds, small ones only.
    frags = [html.unescape(c) if '&lt;' in c else c for c in texts(
        r'<(?:description|content:encoded|content|summary)[^>]*>(?:<!\[CDATA\[)?(.{20,3000}?)(?:\]\]>)?</(?:description|content:encoded|content|summary)>')]
    seen = set()
    for frag in frags:
        key = re.sub(r'[^<>a-z]', '', frag[:200])
        if key in seen:
            continue
        seen.add(key)
        put('fuzz_html2md', frag, 4096)
        if len(seen) >= 80:
            break
    for frag in ['<script>alert(1)</script><p>x</p>', '<a href="javascript:alert(1)">x</a>',
                 '<a href="java&#9;script:alert(1)">x</a>', '<a href=" JaVaScRiPt:x">y</a>',
                 '<img src="vbscript:x" alt=a>', '<pre><code>&lt;script&gt;</code></pre>',
                 '&lt;script&gt;alert(1)&lt;/script&gt;', '<svg><script>x</script></svg>',
                 '<table><tr><td>a|b</td></tr></table>', '<ul><li><ol><li>deep</li></ol></li></ul>',
                 '<p onclick="x">t</p><img src="https://t.example/pixel.gif" width="1" height="1">',
                 '<blockquote><h1># not</h1><p>1. x</p></blockquote>', '<code>``x`</code>']:
        put('fuzz_html2md', frag, 4096)

    # Subscription files.
    opml = os.path.join(HERE, '..', 'examples', 'feeds.opml')
    if os.path.exists(opml):
        with open(opml, 'rb') as f:
            put('fuzz_opml', f.read(), 8192)
    put('fuzz_opml', '# feeds\nhttps://a.example/feed  # comment\n\nhttps://b.example/rss\nhttps://a.example/feed\n', 8192)
    put('fuzz_opml', '<?xml version="1.0"?><opml version="2.0"><body><outline text="Folder">'
        '<outline type="rss" text="A" xmlUrl="https://a.example/feed"/></outline>'
        '<outline xmlUrl="https://a.example/feed" title="dup"/></body></opml>', 8192)

    # Configuration files.
    conf = os.path.join(HERE, '..', 'examples', 'feedsd.conf')
    if os.path.exists(conf):
        with open(conf, 'rb') as f:
            put('fuzz_config', f.read(), 16384)
    put('fuzz_config', 'database = "x.db"\noutput = out\ninterval = 1h30m\nmax_size = 16M\n'
        'timezone = Europe/Paris\nfilename = {year}/{date}-{slug}.md\n'
        '[feed https://a.example/feed]\ntitle = "A # b"\ninterval = 15m\nbacklog = all\n', 16384)


if __name__ == '__main__':
    main()
