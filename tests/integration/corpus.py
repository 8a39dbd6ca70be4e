#!/usr/bin/env python3
"""tests/integration/corpus.py: runs `feedsd parse FILE` on every document of the feed
corpus (tests/data/feeds) and checks the output against the shape docs/cli.md gives and against facts
counted independently from the raw document (number of items, which items have a
title / link / body / date). Owned by the feed-parser engineer.

usage: corpus.py --feedsd PATH [--verbose]
Test data: $FEEDSD_TESTDATA, else tests/data/feeds of this repository.
Prints `corpus: N passed, M failed` and exits non-zero if anything failed.
"""
import argparse
import json
import os
import re
import subprocess
import sys
from pathlib import Path

# Documents that are not feeds: feedsd must refuse them with one line on stderr.
NOT_FEEDS = {
    "marketwatch-html-not-a-feed.xml",
    "simonw-substack-cloudflare-challenge.html",
    "scriptingnews-rss-as-json-not-jsonfeed.json",
}

# Format implied by the corpus naming convention (<site>-<format>[-<edge>].<ext>).
NAME_FORMATS = [
    ("rss090", "rss090"), ("rss091", "rss091"), ("rss092", "rss092"),
    ("rss1-rdf", "rss10"), ("rss2", "rss20"), ("jsonfeed", "jsonfeed"), ("atom", "atom10"),
]

DATE_RE = re.compile(r"^\d{4,}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
FEED_KEYS = {"format": (str,), "title": (str, type(None)), "link": (str, type(None)),
             "id": (str, type(None)), "subtitle": (str, type(None)),
             "language": (str, type(None)), "updated": (str, type(None)),
             "author": (str, type(None)), "icon": (str, type(None)), "entries": (list,)}
ENTRY_KEYS = {"id": (str, type(None)), "title": (str, type(None)), "link": (str, type(None)),
              "author": (str, type(None)), "published": (str, type(None)),
              "updated": (str, type(None)), "summary": (str, type(None)),
              "content": (str, type(None)), "categories": (list,), "enclosures": (list,)}
FORMATS = {"rss090", "rss091", "rss092", "rss093", "rss094", "rss20", "rss10", "atom03",
           "atom10", "jsonfeed", "unknown"}


def testdata_dir():
    env = os.environ.get("FEEDSD_TESTDATA")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[1] / "data" / "feeds"


def decode(raw):
    """The raw document as text, only well enough to find tags."""
    if raw.startswith(b"\xff\xfe") or (len(raw) > 1 and raw[1] == 0 and raw[0] != 0):
        return raw.decode("utf-16-le", "replace")
    if raw.startswith(b"\xfe\xff") or (len(raw) > 1 and raw[0] == 0 and raw[1] != 0):
        return raw.decode("utf-16-be", "replace")
    return raw.decode("utf-8", "replace")


TAG = r"(?:[\w.-]+:)?"


def nonempty(block, names):
    """True when block has one of the elements with non-blank text or CDATA."""
    for n in names:
        for m in re.finditer(r"<%s%s(?:\s[^>]*)?>(.*?)</%s%s\s*>" % (TAG, n, TAG, n), block, re.S):
            body = m.group(1)
            body = re.sub(r"<!\[CDATA\[(.*?)\]\]>", r"\1", body, flags=re.S)
            if re.sub(r"<[^>]*>", "", body).strip() or "<img" in body:
                return True
    return False


def xml_facts(text):
    """Independent facts about an RSS/Atom document, from regular expressions."""
    text = re.sub(r"<!--.*?-->", "", text, flags=re.S)
    # Item blocks: CDATA sections may contain anything, so hide them while splitting.
    cdata = []

    def hide(m):
        cdata.append(m.group(0))
        return "\0%d\0" % (len(cdata) - 1)
    hidden = re.sub(r"<!\[CDATA\[.*?\]\]>", hide, text, flags=re.S)
    blocks = []
    for m in re.finditer(r"<(%s(item|entry))(?:\s[^>]*)?>(.*?)</\1\s*>" % TAG, hidden, re.S):
        body = re.sub(r"\0(\d+)\0", lambda x: cdata[int(x.group(1))], m.group(3))
        blocks.append(body)
    facts = []
    for b in blocks:
        # nested <source>/<author> hold titles and links of other things
        own = re.sub(r"<(%s(source|author|media:group|group))\b.*?</\1>" % TAG, "", b, flags=re.S)
        facts.append({
            "title": nonempty(own, ["title"]),
            "link": nonempty(own, ["link"]) or bool(re.search(r"<%slink\b[^>]*href=[\"'][^\"']" % TAG, own)),
            "body": nonempty(own, ["description", "encoded", "summary", "content"]),
            "date": nonempty(own, ["pubDate", "date", "published", "updated", "issued", "modified"]),
            "enclosures": len(set(re.findall(
                r"<(?:enc:)?enclosure\b[^>]*?(?:url|rdf:resource)=[\"']([^\"']+)", own) + re.findall(
                r"<%slink\b(?=[^>]*rel=[\"']enclosure)[^>]*href=[\"']([^\"']+)" % TAG, own))),
            "categories": bool(re.search(r"<(?:(?:atom|a10):)?category\b[^>]*(?:term=[\"'][^\"']|>\s*[^<\s])|<dc:subject>\s*[^<\s]", own)),
        })
    return facts


def json_facts(doc):
    facts = []
    for it in doc.get("items", []):
        facts.append({
            "title": bool((it.get("title") or "").strip()),
            "link": bool(it.get("url") or it.get("external_url")),
            "body": bool(it.get("content_html") or it.get("content_text") or it.get("summary")),
            "date": bool(it.get("date_published") or it.get("date_modified")),
            "enclosures": len({a.get("url") for a in it.get("attachments", []) if a.get("url")}),
            "categories": bool(it.get("tags")),
        })
    return facts


def check_shape(out, problems):
    for k, types in FEED_KEYS.items():
        if k not in out or not isinstance(out[k], types):
            problems.append("feed key %r missing or of the wrong type" % k)
    if out.get("format") not in FORMATS:
        problems.append("unknown format %r" % out.get("format"))
    if out.get("updated") is not None and not DATE_RE.match(out["updated"]):
        problems.append("feed updated %r not in contract format" % out["updated"])
    for i, e in enumerate(out.get("entries") or []):
        for k, types in ENTRY_KEYS.items():
            if k not in e or not isinstance(e[k], types):
                problems.append("entry %d key %r missing or of the wrong type" % (i, k))
        for k in ("published", "updated"):
            if isinstance(e.get(k), str) and not DATE_RE.match(e[k]):
                problems.append("entry %d %s %r not in contract format" % (i, k, e[k]))
        for enc in e.get("enclosures") or []:
            if not isinstance(enc.get("url"), str) or not enc["url"]:
                problems.append("entry %d enclosure without url" % i)
            if not (enc.get("length") is None or isinstance(enc.get("length"), int)):
                problems.append("entry %d enclosure length not int/null" % i)
        for c in e.get("categories") or []:
            if not isinstance(c, str) or not c.strip():
                problems.append("entry %d has an empty category" % i)
        for k in ("title", "author"):
            if isinstance(e.get(k), str) and (e[k] != e[k].strip() or re.search(r"<[a-zA-Z/][^>]*>", e[k])):
                problems.append("entry %d %s is not trimmed plain text: %r" % (i, k, e[k][:60]))


def check_feed(feedsd, path, verbose):
    name = path.name
    raw = path.read_bytes()
    proc = subprocess.run([feedsd, "parse", str(path)], capture_output=True, timeout=60)
    stderr = proc.stderr.decode("utf-8", "replace")
    problems = []
    if name in NOT_FEEDS:
        lines = [l for l in stderr.splitlines() if l.strip()]
        if proc.returncode == 0:
            problems.append("exit 0 for a document that is not a feed")
        if len(lines) != 1:
            problems.append("expected one line on stderr, got %d" % len(lines))
        elif "not a feed" not in lines[0]:
            problems.append("stderr does not say 'not a feed': %r" % lines[0])
        if proc.stdout.strip():
            problems.append("printed output for a non-feed")
        cnt = subprocess.run([feedsd, "parse", "--count", str(path)], capture_output=True, timeout=60)
        if cnt.returncode != proc.returncode or cnt.stdout or cnt.stderr != proc.stderr:
            problems.append("parse --count differs from parse for a non-feed")
        return problems
    if proc.returncode != 0:
        return ["exit %d: %s" % (proc.returncode, stderr.strip()[:200])]
    try:
        out = json.loads(proc.stdout.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as e:
        return ["output is not valid UTF-8 JSON: %s" % e]
    check_shape(out, problems)

    # `parse --count` (an extension for bench/parse.py): the same parse, only the count
    cnt = subprocess.run([feedsd, "parse", "--count", str(path)], capture_output=True, timeout=60)
    if cnt.returncode != 0 or cnt.stdout != b"%d\n" % len(out.get("entries") or []):
        problems.append("parse --count: exit %d, printed %r for %d entries"
                        % (cnt.returncode, cnt.stdout[:40], len(out.get("entries") or [])))

    for token, fmt in NAME_FORMATS:
        if token in name:
            if out.get("format") != fmt:
                problems.append("format %r, file name says %r" % (out.get("format"), fmt))
            break

    if name.endswith(".json"):
        facts = json_facts(json.loads(raw.decode("utf-8")))
    else:
        facts = xml_facts(decode(raw))
    entries = out.get("entries") or []
    if len(entries) != len(facts):
        problems.append("%d entries, the document has %d items" % (len(entries), len(facts)))
    for i, (f, e) in enumerate(zip(facts, entries)):
        if f["title"] and not e.get("title"):
            problems.append("entry %d: document has a title, output has none" % i)
        if f["link"] and not e.get("link"):
            problems.append("entry %d: document has a link, output has none" % i)
        if f["body"] and not (e.get("summary") or e.get("content")):
            problems.append("entry %d: document has a body, output has none" % i)
        if f["date"] and not (e.get("published") or e.get("updated")):
            problems.append("entry %d: document has a date, output has none" % i)
        if len(e.get("enclosures") or []) < f["enclosures"]:
            problems.append("entry %d: document has %d enclosures, output %d"
                            % (i, f["enclosures"], len(e.get("enclosures") or [])))
        if f["categories"] and not e.get("categories"):
            problems.append("entry %d: document has categories, output has none" % i)
        if not (e.get("title") or e.get("link") or e.get("content") or e.get("summary")) and \
                (f["title"] or f["link"] or f["body"]):
            problems.append("entry %d is empty" % i)
    if verbose:
        print("  %s: %s, %d entries" % (name, out.get("format"), len(entries)))
    return problems


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--feedsd", required=True)
    ap.add_argument("--verbose", "-v", action="store_true")
    args = ap.parse_args()
    data = testdata_dir()
    if not data.is_dir():
        print("corpus: test data not found at %s (set FEEDSD_TESTDATA)" % data, file=sys.stderr)
        print("corpus: 0 passed, 1 failed")
        return 1
    files = sorted(p for p in data.iterdir() if p.is_file() and p.suffix != ".md")
    passed = failed = 0
    for p in files:
        try:
            problems = check_feed(args.feedsd, p, args.verbose)
        except subprocess.TimeoutExpired:
            problems = ["timed out"]
        if problems:
            failed += 1
            print("FAIL %s" % p.name)
            for msg in problems[:8]:
                print("    " + msg)
            if len(problems) > 8:
                print("    ... %d more" % (len(problems) - 8))
        else:
            passed += 1
    if passed + failed == 0:
        failed = 1
        print("no documents found in %s" % data)
    print("corpus: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
