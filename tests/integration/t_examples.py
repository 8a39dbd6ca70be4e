"""The shipped configurations work as written: every examples/*.conf, and every `conf` block
of docs/summaries.md (the summary configurations the guide tells people to copy).

Each one runs twice with `feedsd run --once`, in a temporary copy where only what cannot
work offline is changed: feed URLs point at the local feed server, openai_url at a local
OpenAI-compatible server (llm_server.py), paths at the temporary folder, and programs a
`command` names (llm, ollama) are small fakes first on PATH. The first run subscribes
(backlog), the second finds two new posts per feed, which must carry the summary of the
configured backend: the model's answer for openai, the program's output for command."""
import os
import re
import shlex
import stat
import subprocess

from harness import Route, front_matter_dict, parse_front_matter, simple_atom, test
from llm_server import LLMServer, user_message

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLES = os.path.join(ROOT, "examples")
GUIDE = os.path.join(ROOT, "docs", "summaries.md")

# What the fake model answers: shaped like the Chinese example, with the post's title.
ANSWER = "**摘要**：\n关于「{}」的摘要。\n\n**要点总结**：\n1. **第一点**：说明。\n2. **第二点**：说明。"

# A fake `llm` / `ollama`: records its arguments, one per line, and answers with the
# title from the environment, proving that the post arrives on stdin.
FAKE = """#!/bin/sh
printf '%s\\n' "$@" > "{log}.$$"
words=$(wc -w | tr -d ' ')
printf 'Summary by %s of %s (%s words)\\n' "$(basename "$0")" "$FEEDSD_TITLE" "$words"
"""

PATH_KEYS = ("prompt_file", "system_prompt_file", "openai_api_key_file")


def summary_of(text):
    _, body = parse_front_matter(text)
    return body[len("## Summary\n"):body.index("## Full Content\n")].strip()


def guide_blocks():
    with open(GUIDE, encoding="utf-8") as f:
        return re.findall(r"^```conf\n(.*?)^```$", f.read(), flags=re.S | re.M)


class Plan:
    """A configuration rewritten for the test, and what it promises."""

    def __init__(self):
        self.lines = []
        self.feeds = []          # original URLs, in order
        self.backend = {}        # original URL -> summarizer of that feed (None: global)
        self.keys = {}           # global key -> value as written


def localize(text, base, work, feed_url, llm, keyfile):
    """Rewrites a configuration for offline use; relative paths are resolved against base
    (the folder of the original file), as feedsd would."""
    plan = Plan()
    section = None
    for raw in text.splitlines():
        line = raw.strip()
        m = re.match(r"^\[feed\s+\"?([^\]\"]+)\"?\s*\]$", line)
        if m:
            section = m.group(1)
            plan.feeds.append(section)
            plan.backend[section] = None
            plan.lines.append("[feed %s]" % feed_url(section))
            continue
        m = re.match(r"^([a-z_]+)\s*=\s*(.*)$", line)
        if not m:
            plan.lines.append(raw)
            continue
        key, value = m.group(1), m.group(2)
        if key != "command":     # commands are kept verbatim, '#' included
            value = re.sub(r"\s+#.*$", "", value).strip()
        if section is not None:
            if key == "summarizer":
                plan.backend[section] = value
            plan.lines.append(raw)
            continue
        plan.keys[key] = value
        if key in ("database", "output", "feeds"):
            continue             # replaced below; a subscription file would add real URLs
        if key == "feed":
            plan.feeds.append(value)
            plan.backend[value] = None
            plan.lines.append("feed = %s" % feed_url(value))
        elif key == "openai_url":
            plan.lines.append("openai_url = %s" % llm.base)
        elif key == "openai_api_key_file":
            plan.lines.append("openai_api_key_file = %s" % keyfile)
        elif key in PATH_KEYS and not value.startswith("/"):
            plan.lines.append("%s = %s" % (key, os.path.join(base, value)))
        else:
            plan.lines.append(raw)
    head = ["database = %s" % work.db, "output = %s" % work.out, "timezone = UTC"]
    head += local_server_keys(work)
    if not plan.feeds:           # a snippet: the guide leaves the feeds to the reader
        url = "https://example.com/feed.xml"
        plan.feeds.append(url)
        plan.backend[url] = None
        plan.lines.append("feed = %s" % feed_url(url))
    # Global keys must come before the first section: prepend the paths.
    plan.lines = head + plan.lines
    return plan


_LOCAL_KEYS = {}


def local_server_keys(work):
    """Keys that let feedsd poll feeds on 127.0.0.1 quickly, for the builds that have them
    (a build without a key rejects it as unknown; one with it refuses loopback feeds
    without it)."""
    if work.feedsd not in _LOCAL_KEYS:
        keys = []
        for line in ("allow_private = yes", "host_delay = 0"):
            probe = os.path.join(work.dir, "probe.conf")
            with open(probe, "w") as f:
                f.write(line + "\n")
            r = subprocess.run([work.feedsd, "run", "--once", "-c", probe],
                               capture_output=True, text=True, timeout=30)
            if "unknown key" not in r.stderr:
                keys.append(line)
            os.unlink(probe)
        _LOCAL_KEYS[work.feedsd] = keys
    return _LOCAL_KEYS[work.feedsd]


def fakes_on_path(work):
    bindir = os.path.join(work.dir, "bin")
    os.makedirs(bindir, exist_ok=True)
    log = os.path.join(work.dir, "argv")
    for name in ("llm", "ollama"):
        path = os.path.join(bindir, name)
        with open(path, "w") as f:
            f.write(FAKE.replace("{log}", log))
        os.chmod(path, os.stat(path).st_mode | stat.S_IEXEC)
    return bindir, log


def recorded_argvs(work):
    res = []
    for n in sorted(os.listdir(work.dir)):
        if n.startswith("argv."):
            with open(os.path.join(work.dir, n)) as f:
                res.append(f.read().split("\n")[:-1])
    return res


def run_config(server, work, text, base, name):
    llm = LLMServer()
    llm.answer = lambda body: ANSWER.format(_title(body))
    try:
        _run(server, work, text, base, name, llm)
    finally:
        llm.close()


def _title(body):
    # Every prompt feedsd ships or documents names the title somewhere in the user
    # message; the post's text always says which post it is.
    m = re.search(r"Sentence number \d+ of (\w+) (\d+)", user_message(body))
    return "%s number %s" % (m.group(1).title(), m.group(2)) if m else "?"


def _run(server, work, text, base, name, llm):
    keyfile = os.path.join(work.dir, "api.key")
    with open(keyfile, "w") as f:
        f.write("sk-from-file\n")
    routes = {}

    def feed_url(url):
        if url not in routes:
            routes[url] = "/ex%d.xml" % len(routes)
        return server.url(routes[url])

    plan = localize(text, base, work, feed_url, llm, keyfile)
    with open(work.conf, "w", encoding="utf-8") as f:
        f.write("\n".join(plan.lines) + "\n")
    bindir, argv_log = fakes_on_path(work)
    env = dict(os.environ, PATH=bindir + os.pathsep + os.environ.get("PATH", ""))
    keyenv = plan.keys.get("openai_api_key_env")
    if keyenv:
        env[keyenv] = "sk-from-env"
    prefixes = {url: "feed%d" % i for i, url in enumerate(plan.feeds)}

    def serve(n):
        for url, prefix in prefixes.items():
            server.routes[routes[url]] = Route(simple_atom(n, prefix=prefix, words=400))

    # First run: subscription. Second run: two new posts per feed.
    for n in (4, 6):
        serve(n)
        before = set(f for f in work.files() if f.endswith(".md"))
        r = work.run_once(env=env, timeout=120)
        assert "feedsd.conf:" not in r.stderr, (name, r.stderr)
        assert r.returncode == 0, (name, r.returncode, r.stderr)
        new = sorted(set(f for f in work.files() if f.endswith(".md")) - before)
        assert new, (name, "no new files", r.stderr)
    # The second run's files: exactly the new posts, each with its feed's backend.
    assert len(new) == 2 * len(plan.feeds), (name, new)
    model = plan.keys.get("openai_model")
    for url, prefix in prefixes.items():
        mine = [f for f in new if ("-%s-number-" % prefix) in f]
        assert len(mine) == 2, (name, prefix, new)
        backend = plan.backend[url] or plan.keys.get("summarizer", "builtin")
        for f in mine:
            text_ = work.read(f)
            fm = front_matter_dict(text_)
            s = summary_of(text_)
            by = fm["extra"].get("summarized_by")
            assert "summary_fallback" not in fm["extra"], (name, f, fm)
            title = fm["extra"]["original_title"]
            if backend == "openai":
                assert by == "openai/" + model, (name, f, by)
                assert s == ANSWER.format(title), (name, f, s)
            elif backend == "command":
                prog = os.path.basename(shlex.split(plan.keys["command"])[0])
                assert by == "command/" + prog, (name, f, by)
                assert re.fullmatch(r"Summary by (llm|ollama) of (Title: )?%s \(\d{3,} words\)"
                                    % re.escape(title), s), (name, f, s)
            elif backend == "builtin":
                assert by == "builtin" and "Sentence number" in s, (name, f, by, s)
            else:
                assert backend == "none" and s == "", (name, f, s)
    _check_requests(plan, llm, base, name)
    _check_argv(plan, work, name)


def _check_requests(plan, llm, base, name):
    uses_openai = any((plan.backend[u] or plan.keys.get("summarizer")) == "openai" for u in plan.feeds)
    if not uses_openai:
        assert not llm.requests, name
        return
    assert llm.requests, name
    expect_auth = ("Bearer sk-from-env" if "openai_api_key_env" in plan.keys else
                   "Bearer sk-from-file" if "openai_api_key_file" in plan.keys else None)
    lang = plan.keys.get("summary_language")
    prompt_text = None
    if "prompt_file" in plan.keys:
        with open(os.path.join(base, plan.keys["prompt_file"]), encoding="utf-8") as f:
            prompt_text = f.read()
    for req in llm.requests:
        body = req["body"]
        assert req["path"] == "/v1/chat/completions", (name, req["path"])
        assert body["model"] == plan.keys["openai_model"], (name, body["model"])
        assert req["headers"].get("authorization") == expect_auth, (name, req["headers"])
        user = user_message(body)
        assert "Sentence number 0 of feed" in user, (name, user[:200])
        system = [m["content"] for m in body["messages"] if m["role"] == "system"][0]
        if lang:
            assert lang in system or lang in user, (name, system)
        if prompt_text:
            # The template's own text surrounds the post; no placeholder is left over.
            first = prompt_text.strip().splitlines()[0]
            assert user.startswith(first), (name, user[:200])
            assert not re.search(r"\{(title|url|content|language|feed)\}", user + system), name
        if "max_tokens" in plan.keys:
            assert body.get("max_tokens") == int(plan.keys["max_tokens"]), (name, body)


def _check_argv(plan, work, name):
    argvs = recorded_argvs(work)
    cmd = plan.keys.get("command")
    if plan.keys.get("summarizer") != "command":
        assert not argvs, (name, argvs)
        return
    words = shlex.split(cmd)
    assert argvs, name
    if os.path.basename(words[0]) in ("llm", "ollama"):
        # Split like a POSIX shell: the quoted prompt is one argument.
        assert all(a == words[1:] for a in argvs), (name, argvs[0], words)


def _register(name, make):
    def fn(server, work):
        text, base = make()
        run_config(server, work, text, base, name)
    fn.__name__ = name
    test(fn)


for _path in sorted(os.listdir(EXAMPLES)):
    if _path.endswith(".conf"):
        def _make(p=os.path.join(EXAMPLES, _path)):
            with open(p, encoding="utf-8") as f:
                return f.read(), EXAMPLES
        _register("example_" + re.sub(r"\W", "_", _path[:-5]), _make)

for _i, _block in enumerate(guide_blocks()):
    # Snippets name prompt files as examples/feedsd-ollama.conf does: relative to examples/.
    _register("guide_summaries_block_%d" % (_i + 1), lambda b=_block: (b, EXAMPLES))


@test
def guide_has_the_promised_configurations(server, work):
    blocks = guide_blocks()
    joined = "\n".join(blocks)
    for needle in ("http://localhost:11434/v1", "http://localhost:8080/v1",
                   "https://api.openai.com/v1", "openai_api_key_env = OPENAI_API_KEY",
                   'command = llm -m gpt-4o-mini -s "Summarize this post in three sentences."',
                   "command = ollama run llama3.2", "summary_language = Chinese",
                   "prompt_file = prompts/zh-summary.txt"):
        assert needle in joined, needle
    with open(os.path.join(EXAMPLES, "prompts", "zh-summary.txt"), encoding="utf-8") as f:
        prompt = f.read()
    for needle in ("**摘要**：", "**要点总结**：", "{title}", "{content}"):
        assert needle in prompt, needle
