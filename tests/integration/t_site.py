"""The output folder as a site's content (issue 18): page bundles that never lose a post to
a collision, categories and enclosures in the front matter, taxonomy tags for Hugo and
Zola, a full timestamp in `date`, and a real Hugo build (Debian's hugo, installed by
scripts/deps.sh test) of what feedsd wrote: no warning, one page per file."""
import os
import re
import shutil
import subprocess
import tempfile

import yaml

import harness
from harness import test

HUGO_CONFIG = """baseURL = "http://example.org/"
title = "feeds"
disableKinds = ["RSS", "sitemap", "robotsTXT", "404"]
[taxonomies]
tag = "tags"
"""
# The smallest templates that render every kind of page, so that Hugo has nothing to
# warn about but the content.
HUGO_LAYOUTS = {
    "_default/single.html": "{{ .Title }} {{ .Date }}{{ range .Params.tags }} {{ . }}{{ end }}\n",
    "_default/list.html": "{{ .Title }}{{ range .Pages }} {{ .RelPermalink }}{{ end }}\n",
}


def podcast_feed(items, title="Pod Site"):
    """RSS 2.0 with categories and enclosures: items are (guid, title, date, categories,
    [(url, type, length)], text)."""
    out = []
    for guid, t, date, cats, encl, text in items:
        out.append("<item><guid>%s</guid><title>%s</title><link>http://example.org/p/%s</link>"
                   "<pubDate>%s</pubDate>%s%s<description>%s</description></item>"
                   % (guid, t, guid, date, "".join("<category>%s</category>" % c for c in cats),
                      "".join('<enclosure url="%s" type="%s" length="%s"/>' % e for e in encl),
                      harness.esc("<p>%s</p>" % text)))
    return harness.rss_feed(out, title=title)


ITEMS = [
    ("e1", "Same Title", "Mon, 02 Dec 2024 10:00:00 GMT", ["Go", "Audio Shows"],
     [("http://media.example.org/ep1.mp3", "audio/mpeg", "123456")],
     "The first episode talks about building tools in Go for a long while."),
    ("e2", "Same Title", "Mon, 02 Dec 2024 09:00:00 GMT", ["Go"], [],
     "A second post of the same title, the same month, with other words in it."),
    ("e3", "Same Title", "Tue, 03 Dec 2024 08:00:00 GMT", [], [],
     "A third post of the same title makes the collision suffix come twice."),
    ("e4", "Other Post", "Wed, 04 Dec 2024 08:00:00 GMT", ["yes", "Go"],
     [("http://media.example.org/ep 4 (final).mp3", "audio/mpeg", "99"),
      ("http://media.example.org/ep4.ogg", "audio/ogg", "")],
     "Another post with two enclosures and a category that YAML would read as true."),
    ("e5", "Same Title", "Mon, 06 Jan 2025 08:00:00 GMT", [], [],
     "The same title in another month takes the name without a suffix."),
]


def md_files(work):
    return [p for p in work.files() if p.endswith(".md")]


def hugo_build(work, section="feeds"):
    """Copies the output folder into a fresh Hugo site as content/SECTION, builds it and
    returns (the build's output, the pages Hugo made of that folder, the site folder)."""
    assert shutil.which("hugo"), "hugo is missing: scripts/deps.sh test installs it"
    site = tempfile.mkdtemp(prefix="site-", dir=work.dir)
    with open(os.path.join(site, "hugo.toml"), "w") as f:
        f.write(HUGO_CONFIG)
    for rel, text in HUGO_LAYOUTS.items():
        path = os.path.join(site, "layouts", rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
    shutil.copytree(work.out, os.path.join(site, "content", section))
    r = subprocess.run(["hugo", "--printPathWarnings", "-s", site], capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    lst = subprocess.run(["hugo", "list", "all", "-s", site], capture_output=True, text=True,
                         timeout=120, check=True)
    pages = [line.split(",", 1)[0] for line in lst.stdout.splitlines()[1:]]
    return r.stdout + r.stderr, [p for p in pages if p.startswith("content/%s/" % section)], site


def assert_quiet(log):
    bad = [l for l in log.splitlines() if re.search(r"\b(WARN|ERROR)\b", l)]
    assert not bad, log


@test
def hugo_builds_one_page_per_file_with_bundles(server, work):
    """filename = {year}/{month}/{slug}/index.md: three posts titled alike in one month
    are three bundles (same-title, same-title-HASH, same-title-HASH), never a second
    file inside the first bundle, which Hugo takes for a resource of that page (the old
    binary: 3 pages from 5 files). Hugo builds without a warning, one page per file, and
    a tag page per category with tags = hugo."""
    server.routes["/pod.xml"] = harness.Route(podcast_feed(ITEMS))
    work.write_config([server.url("/pod.xml")],
                      "filename = {year}/{month}/{slug}/index.md\ntags = hugo\nbacklog = all")
    r = work.run_once()
    assert r.returncode == 0, r.stderr
    files = md_files(work)
    assert len(files) == len(ITEMS), files
    assert all(f.endswith("/index.md") for f in files), files
    bundles = sorted(os.path.dirname(f) for f in files)
    assert len(set(bundles)) == len(files), files
    # no bundle is inside another one
    for b in bundles:
        assert not any(o != b and o.startswith(b + "/") for o in bundles), bundles
    dec = sorted(b for b in bundles if b.startswith("2024/12/"))
    assert dec[0] == "2024/12/other-post" and dec[1] == "2024/12/same-title", dec
    assert all(re.fullmatch(r"2024/12/same-title-[0-9a-f]{6}", d) for d in dec[2:]), dec
    assert "2025/01/same-title" in bundles, bundles

    log, pages, site = hugo_build(work)
    assert_quiet(log)
    assert sorted(pages) == sorted("content/feeds/" + f for f in files), (pages, files)
    print("    hugo: %d pages from %d files" % (len(pages), len(files)))
    for tag in ("go", "audio-shows", "yes"):
        assert os.path.exists(os.path.join(site, "public", "tags", tag, "index.html")), tag
    with open(os.path.join(site, "public", "tags", "go", "index.html")) as f:
        go = f.read()
    assert go.count("/feeds/") == 3, go


@test
def hugo_builds_the_default_layout_without_tags(server, work):
    """The default settings (flat {date}-{slug}.md, no tags): one page per file, no
    taxonomy page, no warning; a collision is a second file beside the first."""
    server.routes["/pod.xml"] = harness.Route(podcast_feed(ITEMS))
    work.write_config([server.url("/pod.xml")], "backlog = all")
    r = work.run_once()
    assert r.returncode == 0, r.stderr
    files = md_files(work)
    assert len(files) == len(ITEMS) and all("/" not in f for f in files), files
    for f in files:
        fm = harness.front_matter_dict(work.read(f))
        assert "tags" not in fm and "taxonomies" not in fm, fm
        assert re.fullmatch(r"\d{4}-\d\d-\d\d", fm["date"]), fm
    log, pages, site = hugo_build(work)
    assert_quiet(log)
    assert len(pages) == len(files), (pages, files)
    assert not os.path.exists(os.path.join(site, "public", "tags", "go")), "tags without tags ="


def post_by_guid(work, guid):
    for f in md_files(work):
        text = work.read(f)
        if "\n  id: %s\n" % guid in text:
            return f, text
    raise AssertionError("no file for %s: %s" % (guid, md_files(work)))


def yaml_front_matter(text):
    return yaml.safe_load(text.split("\n---\n", 1)[0][4:])


@test
def front_matter_has_categories_and_enclosures(server, work):
    """extra.categories (a list of strings, "yes" stays a string) and extra.enclosures
    (url, type, length), both only when the post has some; the Full Content part ends with
    a link per enclosure, its URL percent-encoded where markdown would cut it."""
    server.routes["/pod.xml"] = harness.Route(podcast_feed(ITEMS))
    work.write_config([server.url("/pod.xml")], "backlog = all")
    assert work.run_once().returncode == 0
    _, text = post_by_guid(work, "e4")
    fm = yaml_front_matter(text)
    assert fm["extra"]["categories"] == ["yes", "Go"], fm
    assert fm["extra"]["enclosures"] == [
        {"url": "http://media.example.org/ep 4 (final).mp3", "type": "audio/mpeg", "length": 99},
        {"url": "http://media.example.org/ep4.ogg", "type": "audio/ogg"},
    ], fm
    assert "tags" not in fm and "taxonomies" not in fm, fm
    assert text.endswith(
        "\n\nEnclosures:\n\n"
        "- [ep 4 (final).mp3](http://media.example.org/ep%204%20%28final%29.mp3)"
        " (audio/mpeg, 99 bytes)\n"
        "- [ep4.ogg](http://media.example.org/ep4.ogg) (audio/ogg)\n\n"), text
    # the harness's reader agrees with PyYAML
    assert harness.front_matter_dict(text)["extra"]["categories"] == ["yes", "Go"]
    # a post without them has neither key, and ends as the layout says
    _, plain = post_by_guid(work, "e3")
    assert "categories:" not in plain and "enclosures:" not in plain, plain
    assert "Enclosures:" not in plain and plain.endswith("come twice.\n\n"), plain
    _, text = post_by_guid(work, "e1")
    assert yaml_front_matter(text)["extra"]["categories"] == ["Go", "Audio Shows"]


@test
def tags_zola_and_full_dates(server, work):
    """tags = zola writes the categories under taxonomies.tags (Zola's front matter);
    date_format = time makes `date` the full local time with its offset, so two posts of
    one day keep their order."""
    server.routes["/pod.xml"] = harness.Route(podcast_feed(ITEMS))
    work.write_config([server.url("/pod.xml")],
                      "backlog = all\ntags = zola\ndate_format = time\ntimezone = Asia/Shanghai")
    assert work.run_once().returncode == 0
    _, text = post_by_guid(work, "e1")
    assert "\ndate: 2024-12-02T18:00:00+08:00\ntaxonomies:\n  tags:\n    - Go\n" \
           "    - Audio Shows\nextra:\n" in text, text
    fm = yaml_front_matter(text)
    assert fm["taxonomies"] == {"tags": ["Go", "Audio Shows"]}, fm
    _, text2 = post_by_guid(work, "e2")
    fm2 = yaml_front_matter(text2)
    assert "taxonomies" in fm2 and fm2["date"] < fm["date"], (fm2, fm)
    _, text3 = post_by_guid(work, "e3")
    assert "taxonomies" not in yaml_front_matter(text3), text3


@test
def check_refuses_bad_output_keys(server, work):
    """tags and date_format take only their values; `feedsd check` says which."""
    for line, want in (("tags = jekyll", "tags"), ("date_format = seconds", "date_format")):
        work.write_config([server.url("/x.xml")], line)
        r = subprocess.run([work.feedsd, "check", "-c", work.conf], capture_output=True,
                           text=True, timeout=30)
        assert r.returncode == 2, (line, r)
        assert want in r.stderr, (line, r.stderr)
