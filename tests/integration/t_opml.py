"""OPML round trips (issue 19, item 4): the exports of Miniflux, FreshRSS and newsboat
(tests/data/opml/, written after their formats) import with their folders and titles,
`export` -> `import` into an empty database gives the same subscriptions, and the daemon
follows such a file given with `feeds =`. Owner: subscriptions engineer."""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import front_matter_dict, simple_atom, Route, test  # noqa: E402

DATA = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data",
                                     "opml"))

# What each file holds: path on the server -> (title, category).
EXPECTED = {
    "miniflux.opml": {
        "/kernel.xml": ("Kernel & Friends", "All"),
        "/compiler.xml": ("Compiler Notes", "Dev Tools"),
        "/shell.xml?format=atom&full=1": ('Shell "Tips"', "Dev Tools"),
        "/journal.xml": ("Le Journal à la une", "Nouvelles"),
    },
    "freshrss.opml": {
        "/weather.xml": ("Weather Station", "Uncategorized"),
        "/physics.xml": ("Physics Today-ish", "Science"),
        "/lab.xml": ("Lab Notes", "Science"),
        "/tokyo.xml": ("東京の天気", "日本語ニュース"),
    },
    "newsboat.opml": {
        "/alpha.xml": ("Alpha Blog", None),
        "/beta.rss": ("Beta <News>", None),
        "/gamma.atom": (None, None),
    },
}


def fd(work, *args):
    return subprocess.run([work.feedsd] + list(args) + ["-c", work.conf], capture_output=True,
                          text=True, timeout=60)


def local_copy(work, server, name):
    """The file with its feeds moved to the test's server."""
    with open(os.path.join(DATA, name), encoding="utf-8") as f:
        text = f.read()
    path = os.path.join(work.dir, name)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text.replace("http://feeds.test", server.url("")))
    return path


def subscriptions(work, database):
    r = fd(work, "list", "--json", "--database", database)
    assert r.returncode == 0, r.stderr
    return {s["url"]: (s["title"], s["category"]) for s in json.loads(r.stdout)}


@test
def exports_of_other_readers_import_and_round_trip(server, work):
    work.write_config([])
    for name, want in EXPECTED.items():
        path = local_copy(work, server, name)
        first = os.path.join(work.dir, name + ".db")
        r = fd(work, "import", "--database", first, path)
        assert r.returncode == 0, (name, r.stderr)
        assert r.stdout.startswith("imported %d feeds, 0 already subscribed" % len(want)), r.stdout
        got = subscriptions(work, first)
        assert got == {server.url(p): v for p, v in want.items()}, (name, got)

        # export, then import into an empty database: the same subscriptions.
        r = fd(work, "export", "--database", first)
        assert r.returncode == 0, r.stderr
        exported = os.path.join(work.dir, name + ".export.opml")
        with open(exported, "w", encoding="utf-8") as f:
            f.write(r.stdout)
        second = os.path.join(work.dir, name + ".again.db")
        r = fd(work, "import", "--database", second, exported)
        assert r.returncode == 0, (name, r.stderr)
        assert subscriptions(work, second) == got, (name, subscriptions(work, second))
        # And once more: the export of the copy is the same document but for its date.
        again = fd(work, "export", "--database", second).stdout
        strip = lambda s: "\n".join(l for l in s.splitlines() if "<dateCreated>" not in l)  # noqa: E731
        assert strip(again) == strip(open(exported, encoding="utf-8").read()), name
    assert server.requests == []     # import does not fetch


@test
def the_daemon_follows_a_readers_export_with_its_folders(server, work):
    for p, (title, _) in EXPECTED["freshrss.opml"].items():
        server.routes[p] = Route(simple_atom(1, prefix=p.strip("/").split(".")[0],
                                             title="Own " + p))
    path = local_copy(work, server, "freshrss.opml")
    work.write_config([], "backlog = all\nfeeds = %s\nfilename = {category}/{feed}/{slug}.md"
                      % path)
    r = work.run_once()
    assert r.returncode == 0, r.stderr
    files = sorted(work.files())
    tokyo = files[0]   # a category and a feed without Latin letters: hashed names
    assert tokyo.startswith("category-") and "/feed-" in tokyo and \
        tokyo.endswith("/tokyo-number-0.md"), files
    assert files[1:] == ["science/lab-notes/lab-number-0.md",
                         "science/physics-today-ish/physics-number-0.md",
                         "uncategorized/weather-station/weather-number-0.md"], files
    fm = front_matter_dict(work.read("science/lab-notes/lab-number-0.md"))
    assert fm["extra"]["feed"] == "Lab Notes" and fm["extra"]["feed_category"] == "Science", fm
    fm = front_matter_dict(work.read(tokyo))
    assert fm["extra"]["feed"] == "東京の天気" and fm["extra"]["feed_category"] == "日本語ニュース"
    st = json.loads(fd(work, "status", "--json").stdout)
    assert sorted(f["category"] for f in st["feeds"]) == ["Science", "Science", "Uncategorized",
                                                          "日本語ニュース"], st
