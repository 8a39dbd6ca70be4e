#!/usr/bin/env python3
"""bench/filters.py: what include / exclude rules cost per entry (issue 19; see
bench/README-filters.md).

  python3 bench/filters.py --feedsd build/feedsd [--entries 20000] [--repeat 3]

Writes one Atom document of --entries entries (about 2 KB of HTML each, three categories,
an author), then times `feedsd test-rules FILE` (parse, then every entry through the rules)
under four configurations: no rules, title rules only, content rules (the entry's HTML made
text first), and every field. CPU time is user + system of the child alone (os.wait4), the
minimum of --repeat runs; the cost of the rules is the difference to "no rules", per entry.
Output: a table, and bench/results/filters-YYYYmmdd-HHMMSS.json.
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

WORDS = ("the of and to in is that for it as with was on be by this are from or at an feed "
         "rust go zig kernel release sponsored crypto security patch compiler café naïve "
         "数据 解析 benchmark socket buffer latency cache").split()

CONFIGS = {
    "no rules": [],
    "title": ["exclude = title: (?i)^sponsored", "exclude = title: (?i)\\b(crypto|nft)\\b"],
    "content": ["exclude = content: (?i)\\bcrypto(currency)?\\b",
                "exclude = content: giveaway|promo code"],
    "every field": ["exclude = title: (?i)^sponsored", "exclude = content: (?i)\\bcrypto\\b",
                    "exclude = author: ^Marketing$", "exclude = link: /ads/",
                    "include = categories, title: (?i)^(rust|go|zig|kernel|security)"],
}


def document(n, rng):
    out = ['<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
           '<title>Bench</title><id>urn:bench</id><updated>2026-01-01T00:00:00Z</updated>']
    for i in range(n):
        paras = "".join("<p>%s.</p>" % " ".join(rng.choice(WORDS) for _ in range(30))
                        for _ in range(10))
        cats = "".join('<category term="%s"/>' % rng.choice(WORDS) for _ in range(3))
        title = " ".join(rng.choice(WORDS) for _ in range(6)).capitalize()
        out.append('<entry><id>urn:e:%d</id><title>%s</title><author><name>%s</name></author>%s'
                   '<link rel="alternate" href="https://example.org/%d"/>'
                   '<updated>2026-01-01T00:00:00Z</updated><content type="html">%s</content>'
                   '</entry>' % (i, html.escape(title), rng.choice(["Ann", "Marketing", "Bo"]),
                                 cats, i, html.escape(paras)))
    out.append("</feed>\n")
    return "".join(out)


def cpu_of(cmd):
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, ru = os.wait4(p.pid, 0)
    err = p.stderr.read().decode()
    p.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit("failed: %s\n%s" % (" ".join(cmd), err))
    return ru.ru_utime + ru.ru_stime, time.monotonic() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--feedsd", required=True)
    ap.add_argument("--entries", type=int, default=20000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=19)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    with tempfile.TemporaryDirectory(prefix="feedsd-bench-filters-") as tmp:
        doc = os.path.join(tmp, "feed.xml")
        with open(doc, "w", encoding="utf-8") as f:
            f.write(document(a.entries, rng))
        size = os.path.getsize(doc)
        rows = {}
        for name, rules in CONFIGS.items():
            conf = os.path.join(tmp, "c.conf")
            with open(conf, "w") as f:
                f.write("\n".join(rules) + "\n")
            runs = [cpu_of([a.feedsd, "test-rules", "-c", conf, doc]) for _ in range(a.repeat)]
            rows[name] = min(r[0] for r in runs)
    base = rows["no rules"]
    print("%d entries, %.1f MB document; CPU seconds (min of %d)" % (a.entries, size / 1e6,
                                                                      a.repeat))
    print("%-12s %8s %14s" % ("rules", "cpu s", "per entry µs"))
    for name, cpu in rows.items():
        print("%-12s %8.3f %14s" % (name, cpu, "-" if name == "no rules"
                                    else "%.1f" % ((cpu - base) / a.entries * 1e6)))
    res = Path(__file__).resolve().parent / "results"
    res.mkdir(exist_ok=True)
    out = res / time.strftime("filters-%Y%m%d-%H%M%S.json")
    out.write_text(json.dumps({"entries": a.entries, "bytes": size, "repeat": a.repeat,
                               "cpu": rows}, indent=2) + "\n")
    print("wrote", out)


if __name__ == "__main__":
    main()
