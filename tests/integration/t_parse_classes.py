"""What `feedsd parse` reads, class by class (issue 17): the small documents under
tests/data/parse/, one per case, named CLASS-CASE.xml. Each begins with a comment that
says what the parse must give, one line per field:

    expect: entries.0.title = "Example Atom"
    expect: subtitle = null
    base: http://example.org/feed.xml        (optional: passed as --base-url)

A path is the JSON keys of the output (docs/cli.md) joined by dots, list indexes as
numbers; the value is JSON. Every document must parse (exit status 0)."""
import glob
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import test  # noqa: E402

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "parse")
LINE = re.compile(r"^\s*(expect|base):\s*(.*?)\s*$")


def expectations(path):
    """(base URL or None, [(path, value)]) from the document's leading comment."""
    with open(path, "rb") as f:
        head = f.read(4096).decode("utf-8", "replace")
    m = re.search(r"<!--(.*?)-->", head, re.S)
    assert m, "%s: no leading comment with expect: lines" % path
    base, want = None, []
    for line in m.group(1).splitlines():
        lm = LINE.match(line)
        if not lm:
            continue
        if lm.group(1) == "base":
            base = lm.group(2)
        else:
            key, _, value = lm.group(2).partition(" = ")
            want.append((key.strip(), json.loads(value)))
    assert want, "%s: no expect: line" % path
    return base, want


def lookup(doc, key):
    for part in key.split("."):
        doc = doc[int(part)] if isinstance(doc, list) else doc[part]
    return doc


def check_class(work, cls):
    paths = sorted(glob.glob(os.path.join(DATA, cls + "-*.xml")))
    assert paths, "no documents for " + cls
    bad = []
    for path in paths:
        base, want = expectations(path)
        cmd = [work.feedsd, "parse"] + (["--base-url", base] if base else []) + [path]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            bad.append("%s: exit %d: %s" % (os.path.basename(path), r.returncode, r.stderr.strip()))
            continue
        got = json.loads(r.stdout)
        for key, value in want:
            try:
                have = lookup(got, key)
            except (KeyError, IndexError) as e:
                have = "<absent: %r>" % e
            if have != value:
                bad.append("%s: %s is %r, expected %r" % (os.path.basename(path), key, have, value))
    assert not bad, "\n".join(bad)


def register(cls):
    def fn(server, work):
        check_class(work, cls)
    fn.__name__ = "parse_class_" + cls.replace("-", "_")
    test(fn)


for _cls in ("base64", "dublin-core", "authors", "content-elements", "namespaces", "cdf",
             "xml-base", "atom-links", "repeated-dates", "itunes", "media-rss", "categories",
             "dtd-entities", "text-constructs", "other"):
    register(_cls)
