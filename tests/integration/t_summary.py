"""Summary backends and their queue (issue 3): a local OpenAI-compatible server and small
command scripts stand in for the models."""
import os
import signal
import stat
import subprocess
import time

from harness import (FeedServer, Route, atom_entry, atom_feed, esc, front_matter_dict,
                     parse_front_matter, simple_atom, test, wait_for)
from llm_server import LLMServer, user_message


def md_files(work):
    return sorted(f for f in work.files() if f.endswith(".md"))


def summary_of(text):
    _, body = parse_front_matter(text)
    return body[len("## Summary\n"):body.index("## Full Content\n")].strip()


def llm_config(llm, extra=""):
    return ("summarizer = openai\nopenai_url = %s\nopenai_model = test-model\n"
            "summary_min_length = 0\nsummarize_backlog = yes\nbackup_unused = 0\n" % llm.base
            ).replace("backup_unused = 0\n", "") + extra


def with_llm(fn):
    """Runs a test with an LLMServer as third argument, closing it afterwards."""
    def wrapper(server, work):
        llm = LLMServer()
        try:
            fn(server, work, llm)
        finally:
            llm.close()
    wrapper.__name__ = fn.__name__
    return wrapper


@test
@with_llm
def openai_summary_lands_in_the_file(server, work, llm):
    server.routes["/a.xml"] = Route(simple_atom(2))
    work.write_config([server.url("/a.xml")], "backlog = all\n" + llm_config(
        llm, "openai_api_key_env = FEEDSD_TEST_KEY\nsummary_language = Chinese\n"))
    env = dict(os.environ, FEEDSD_TEST_KEY="sk-secret-123")
    r = work.run_once("-v", env=env)
    assert r.returncode == 0, r.stderr
    files = md_files(work)
    assert len(files) == 2
    text = work.read(files[0])
    assert summary_of(text) == "Model summary of: Post number 0", summary_of(text)
    fm = front_matter_dict(text)
    assert fm["extra"]["summarized_by"] == "openai/test-model", fm
    assert "summary_fallback" not in fm["extra"]
    # Requests run two at a time, so take the one for post 0 whatever its arrival.
    req = [q for q in llm.requests if "Title: Post number 0\n" in user_message(q["body"])][0]
    assert req["path"] == "/v1/chat/completions"
    assert req["body"]["model"] == "test-model"
    assert req["body"]["stream"] is False
    assert req["headers"].get("authorization") == "Bearer sk-secret-123"
    system = [m for m in req["body"]["messages"] if m["role"] == "system"][0]["content"]
    assert "Chinese" in system, system
    assert "Sentence number 0 of post 0" in user_message(req["body"])
    assert "sk-secret-123" not in r.stderr
    assert len(llm.requests) == 2


@test
@with_llm
def input_is_cut_at_a_paragraph_boundary(server, work, llm):
    server.routes["/a.xml"] = Route(simple_atom(1, words=2000))
    work.write_config([server.url("/a.xml")], "backlog = all\nmax_input = 1000\n" + llm_config(
        llm, 'prompt = "{content}"\n'))
    assert work.run_once().returncode == 0
    sent = user_message(llm.requests[0]["body"])
    assert 500 <= len(sent) <= 1000, len(sent)
    assert sent.endswith("words."), sent[-80:]


@test
@with_llm
def failures_are_retried_then_succeed(server, work, llm):
    llm.script = [{"status": 500}, {"raw": b"{not json"}]
    server.routes["/a.xml"] = Route(simple_atom(1))
    work.write_config([server.url("/a.xml")], "backlog = all\nsummary_retry = 1s\n" + llm_config(llm))
    t0 = time.time()
    r = work.run_once()
    assert r.returncode == 0, r.stderr
    assert len(llm.requests) == 3, len(llm.requests)
    # Backoff: 1 s, then 2 s (with +-10% jitter).
    gaps = [llm.requests[i + 1]["t_start"] - llm.requests[i]["t_end"] for i in range(2)]
    assert gaps[0] >= 0.8 and gaps[1] >= 1.6, gaps
    assert summary_of(work.read(md_files(work)[0])) == "Model summary of: Post number 0"
    assert "malformed JSON" in r.stderr and "500" in r.stderr, r.stderr


@test
@with_llm
def rate_limited_answers_honour_retry_after(server, work, llm):
    # One attempt only: a 429 is the server's word on timing, not a failed attempt.
    llm.script = [{"status": 429, "retry_after": 2}]
    server.routes["/a.xml"] = Route(simple_atom(1))
    work.write_config([server.url("/a.xml")], "backlog = all\nsummary_attempts = 1\n" + llm_config(llm))
    r = work.run_once()
    assert r.returncode == 0, r.stderr
    assert len(llm.requests) == 2
    gap = llm.requests[1]["t_start"] - llm.requests[0]["t_end"]
    assert gap >= 1.9, gap
    assert summary_of(work.read(md_files(work)[0])) == "Model summary of: Post number 0"


@test
@with_llm
def persistent_failure_falls_back_to_builtin(server, work, llm):
    llm.default = {"status": 500}
    server.routes["/a.xml"] = Route(simple_atom(1))
    work.write_config([server.url("/a.xml")], "backlog = all\nsummary_attempts = 2\nsummary_retry = 1s\n"
                      + llm_config(llm))
    r = work.run_once()
    assert r.returncode == 0, r.stderr
    assert len(llm.requests) == 2
    text = work.read(md_files(work)[0])
    fm = front_matter_dict(text)
    assert fm["extra"]["summarized_by"] == "builtin" and fm["extra"]["summary_fallback"] == "true", fm
    s = summary_of(text)
    assert "Sentence number" in s and "scripted failure" not in s, s
    assert "giving up after 2 attempts" in r.stderr, r.stderr


@test
@with_llm
def a_hanging_model_never_delays_polling(server, work, llm):
    llm.default = {"hang": True, "hang_for": 60}
    server.routes["/a.xml"] = Route(simple_atom(1))
    server.routes["/b.xml"] = Route(simple_atom(1, prefix="bee"))
    work.write_config([server.url("/a.xml")], "backlog = all\nsummary_max_wait = 0\nsummary_timeout = 1h\n"
                      + llm_config(llm))
    p = work.start_daemon()
    try:
        # max_wait 0: the file appears at once with the fallback summary.
        assert wait_for(lambda: len(md_files(work)) == 1, 15), work.daemon_log()
        fm = front_matter_dict(work.read(md_files(work)[0]))
        assert fm["extra"]["summary_fallback"] == "true", fm
        assert wait_for(lambda: len(llm.requests) == 1, 10)
        # While the model hangs, a feed added by reload is polled and written.
        work.write_config([server.url("/a.xml"), server.url("/b.xml")],
                          "backlog = all\nsummary_max_wait = 0\nsummary_timeout = 1h\n" + llm_config(llm))
        p.send_signal(signal.SIGHUP)
        assert wait_for(lambda: len(md_files(work)) == 2, 15), work.daemon_log()
    finally:
        p.send_signal(signal.SIGTERM)
        p.wait(timeout=15)


@test
@with_llm
def the_real_summary_replaces_the_provisional_one(server, work, llm):
    llm.default = {"delay": 1.5}
    server.routes["/a.xml"] = Route(simple_atom(1))
    work.write_config([server.url("/a.xml")], "backlog = all\nsummary_max_wait = 0\n" + llm_config(llm))
    r = work.run_once()
    assert r.returncode == 0, r.stderr
    files = md_files(work)
    assert len(files) == 1
    text = work.read(files[0])
    assert summary_of(text) == "Model summary of: Post number 0"
    assert "summary_fallback" not in front_matter_dict(text)["extra"]


@test
@with_llm
def concurrency_and_rate_limits_hold(server, work, llm):
    llm.default = {"delay": 0.4}
    server.routes["/a.xml"] = Route(simple_atom(8))
    work.write_config([server.url("/a.xml")], "backlog = all\nsummary_concurrency = 2\nsummary_rate = 0\n"
                      + llm_config(llm))
    assert work.run_once().returncode == 0
    assert llm.max_active == 2, llm.max_active
    assert len(md_files(work)) == 8
    # Rate: 3 per minute. In 4 s of running only 3 requests may start.
    llm2 = LLMServer()
    try:
        server.routes["/b.xml"] = Route(simple_atom(6, prefix="rate"))
        work.write_config([server.url("/b.xml")], "backlog = all\nsummary_rate = 3\n" + llm_config(llm2))
        p = work.start_daemon()
        try:
            assert wait_for(lambda: len(llm2.requests) >= 3, 10)
            time.sleep(3)
            assert len(llm2.requests) == 3, len(llm2.requests)
        finally:
            p.send_signal(signal.SIGTERM)
            p.wait(timeout=15)
    finally:
        llm2.close()


@test
@with_llm
def kill_9_with_summaries_pending_loses_and_repeats_nothing(server, work, llm):
    llm.default = {"delay": 0.7}
    server.routes["/a.xml"] = Route(simple_atom(6))
    work.write_config([server.url("/a.xml")], "backlog = all\nsummary_concurrency = 1\n" + llm_config(llm))
    p = work.start_daemon()
    assert wait_for(lambda: len(llm.done_requests()) >= 2, 20), work.daemon_log()
    time.sleep(0.2)
    p.kill()
    p.wait()
    done_before = {r["body"]["messages"][1]["content"].split("\n")[0] for r in llm.done_requests()}
    n_before = len(llm.requests)
    assert n_before < 6
    llm.default = {}
    r = work.run_once()
    assert r.returncode == 0, r.stderr
    files = md_files(work)
    assert len(files) == 6, files
    for f in files:
        assert summary_of(work.read(f)).startswith("Model summary of: "), f
    titles = llm.titles_requested()
    # Every post was asked for; only the one cut off by the kill was asked twice.
    assert sorted(set(titles)) == ["Post number %d" % i for i in range(6)], titles
    assert len(titles) <= 7, titles


@test
@with_llm
def unchanged_content_is_never_summarized_twice(server, work, llm):
    server.routes["/a.xml"] = Route(simple_atom(2), etag='"1"')
    work.write_config([server.url("/a.xml")], "backlog = all\n" + llm_config(llm))
    assert work.run_once().returncode == 0
    assert len(llm.requests) == 2
    # A title edit (content unchanged) rewrites the file but asks no model.
    doc = simple_atom(2).replace("<title>Post number 1</title>", "<title>Post number one</title>")
    server.routes["/a.xml"] = Route(doc, etag='"2"')
    assert work.run_once().returncode == 0
    assert len(llm.requests) == 2
    assert front_matter_dict(work.read("2026-01-02-post-number-1.md"))["title"] == "Post number one"
    # A changed content does.
    doc = doc.replace("Sentence number 0 of post 1", "Sentence number 0 of post one")
    server.routes["/a.xml"] = Route(doc, etag='"3"')
    assert work.run_once().returncode == 0
    assert len(llm.requests) == 3


@test
@with_llm
def think_blocks_are_stripped_and_a_title_is_taken(server, work, llm):
    llm.answer = lambda body: ("<think>Let me consider the post carefully...</think>\n\n"
                               "标题：文章的中文标题\n\n**摘要**：这是摘要。")
    server.routes["/a.xml"] = Route(simple_atom(1))
    work.write_config([server.url("/a.xml")], "backlog = all\n" + llm_config(llm))
    assert work.run_once().returncode == 0
    text = work.read(md_files(work)[0])
    fm = front_matter_dict(text)
    assert fm["title"] == "文章的中文标题", fm
    assert fm["extra"]["original_title"] == "Post number 0", fm
    assert summary_of(text) == "**摘要**：这是摘要。", summary_of(text)
    assert "Title: Post number 0\n" in text


@test
@with_llm
def backlog_and_short_posts_are_not_sent(server, work, llm):
    server.routes["/a.xml"] = Route(simple_atom(4))
    cfg = llm_config(llm).replace("summarize_backlog = yes\n", "").replace(
        "summary_min_length = 0\n", "summary_min_length = 150\n")
    work.write_config([server.url("/a.xml")], "backlog = 2\n" + cfg)
    assert work.run_once().returncode == 0
    assert len(md_files(work)) == 2
    assert len(llm.requests) == 0
    # A new post after the first fetch goes to the model; a short one does not.
    import re
    short = re.sub(r"(<link rel=\"alternate\" href=\"[^\"]*post-5/\"/>.*?<content type=\"html\">).*?(</content>)",
                   r"\1&lt;p&gt;Short.&lt;/p&gt;\2", simple_atom(6), flags=re.S)
    assert "Short." in short
    server.routes["/a.xml"] = Route(short)
    assert work.run_once().returncode == 0
    assert llm.titles_requested() == ["Post number 4"], llm.titles_requested()
    short_file = [f for f in md_files(work) if "number-5" in f][0]
    assert summary_of(work.read(short_file)) == "Short.", summary_of(work.read(short_file))


def script(work, name, body):
    path = os.path.join(work.dir, name)
    with open(path, "w") as f:
        f.write("#!/bin/sh\n" + body)
    os.chmod(path, os.stat(path).st_mode | stat.S_IEXEC)
    return path


@test
def command_backend_success_failure_timeout_and_huge_output(server, work):
    ok = script(work, "ok.sh", 'printf "From %s: %s words" "$FEEDSD_TITLE" "$(wc -w | tr -d " ")"\n')
    server.routes["/a.xml"] = Route(simple_atom(1))
    base = "backlog = all\nsummarizer = command\nsummary_min_length = 0\nsummarize_backlog = yes\n"
    # The title of a post is never an argument: a hostile one stays in the environment.
    work.write_config([server.url("/a.xml")], base + 'command = "%s" --flag "two words"\n' % ok)
    r = work.run_once()
    assert r.returncode == 0, r.stderr
    s = summary_of(work.read(md_files(work)[0]))
    assert s.startswith("From Post number 0: ") and int(s.split(": ")[1].split()[0]) > 10, s
    assert front_matter_dict(work.read(md_files(work)[0]))["extra"]["summarized_by"] == "command/ok.sh"

    for name, body, extra, expect in [
        ("fail.sh", 'echo "model exploded" >&2\nexit 3\n', "", "exited with status 3: model exploded"),
        ("slow.sh", "sleep 30\n", "summary_timeout = 1s\n", "timed out"),
        ("huge.sh", "yes summary | head -c 6000000\n", "", "more than"),
    ]:
        work2_out = os.path.join(work.dir, "out-" + name)
        path = script(work, name, body)
        with open(work.conf, "w") as f:
            f.write("database = %s/db-%s\noutput = %s\ntimezone = UTC\nallow_private = yes\n"
                    "%s%scommand = %s\n"
                    "summary_attempts = 1\nfeed = %s\n" % (work.dir, name, work2_out, base, extra,
                                                            path, server.url("/a.xml")))
        t0 = time.time()
        r = subprocess.run([work.feedsd, "run", "--once", "-c", work.conf], capture_output=True,
                           text=True, timeout=60)
        assert r.returncode == 0, (name, r.stderr)
        assert expect in r.stderr, (name, r.stderr)
        assert time.time() - t0 < 20, name
        files = os.listdir(work2_out)
        assert len(files) == 1
        with open(os.path.join(work2_out, files[0])) as f:
            fm = front_matter_dict(f.read())
        assert fm["extra"]["summary_fallback"] == "true", (name, fm)


@test
@with_llm
def resummarize_redoes_fallen_back_posts(server, work, llm):
    llm.default = {"status": 500}
    server.routes["/a.xml"] = Route(simple_atom(2))
    work.write_config([server.url("/a.xml")], "backlog = all\nsummary_attempts = 1\n" + llm_config(llm))
    assert work.run_once().returncode == 0
    assert all(front_matter_dict(work.read(f))["extra"].get("summary_fallback") == "true"
               for f in md_files(work))
    llm.default = {}
    r = subprocess.run([work.feedsd, "resummarize", "-c", work.conf, "--fallback"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "2 " in r.stdout, r.stdout
    r = work.run_once()
    assert r.returncode == 0, r.stderr
    for f in md_files(work):
        text = work.read(f)
        assert summary_of(text).startswith("Model summary of: "), text
        assert "summary_fallback" not in front_matter_dict(text)["extra"]
    assert len(md_files(work)) == 2


@test
@with_llm
def a_failing_backend_opens_its_circuit(server, work, llm):
    # Five failures in a row pause the backend for summary_circuit; posts wait, and the
    # fallback comes only after summary_attempts (here many), so the pause is visible.
    llm.default = {"status": 500}
    server.routes["/a.xml"] = Route(simple_atom(8))
    work.write_config([server.url("/a.xml")], "backlog = all\nsummary_attempts = 50\nsummary_retry = 1s\n"
                      "summary_circuit = 1h\nsummary_concurrency = 1\n" + llm_config(llm))
    p = work.start_daemon()
    try:
        assert wait_for(lambda: len(llm.requests) >= 5, 20), work.daemon_log()
        time.sleep(4)
        # No sixth request while the circuit is open (retries would have come every 1-2 s).
        assert len(llm.requests) == 5, len(llm.requests)
        assert "failed 5 times in a row; pausing it for 1h" in work.daemon_log(), work.daemon_log()
    finally:
        p.send_signal(signal.SIGTERM)
        p.wait(timeout=15)


@test
def builtin_summary_skips_title_ads_labels_and_reads_digests(server, work):
    # Issue 18: the built-in summary repeated a title the feed copies into the content,
    # ended on an ad line, gave "Comments" for a link-only item, summarized a newsletter
    # from another item than the one its title names, and ran CJK lines together.
    posts = [
        ("Refactor the parser", "<h1>Refactor the parser</h1><p>This change avoids the limits "
         "of the old parser with namespaces.</p>"),
        ("Episode 310", "<p>Marco reviews the new keyboard and its switches.</p>"
         "<p>Use code ATP for 10% off your first order.</p>"
         "<p>Get $20 off any suitcase with code ATP.</p>"),
        ("A link", '<a href="https://news.example.org/item?id=1">Comments</a>'),
        ("Gemini streams video", "<p>In this newsletter:</p><ul><li>Gemini streams video</li>"
         "<li>Canvas makes requests</li></ul><h3>Gemini streams video - 2024-12-11</h3>"
         "<p>Google released a model that watches a camera and talks back.</p>"
         "<h3>Canvas makes requests - 2024-12-10</h3><p>Canvas requests run Python, and Canvas "
         "requests fetch APIs for Canvas requests.</p><p>Canvas requests leak data through "
         "Canvas requests.</p>"),
        ("收三盒泰山", "<p>半天了也没有上传成功，一会儿让朋友帮忙上传</p><p>原盒品相号19.1/枚，江浙沪包邮</p>"),
    ]
    entries = [atom_entry("urn:s:%d" % i, esc(t), "http://example.org/s/%d/" % i,
                          "2026-01-%02dT10:00:00Z" % (i + 1), esc(html)) for i, (t, html) in enumerate(posts)]
    server.routes["/s.xml"] = Route(atom_feed(entries))
    work.write_config([server.url("/s.xml")], "backlog = all\nsummarizer = builtin\n")
    r = work.run_once()
    assert r.returncode == 0, r.stderr
    got = {}
    for f in md_files(work):
        text = work.read(f)
        got[front_matter_dict(text)["title"]] = summary_of(text)
    assert len(got) == 5, got
    assert got["Refactor the parser"] == "This change avoids the limits of the old parser with namespaces.", got
    assert got["Episode 310"] == "Marco reviews the new keyboard and its switches.", got
    assert got["A link"] == "", got
    assert got["Gemini streams video"] == "Google released a model that watches a camera and talks back.", got
    assert got["收三盒泰山"] == "半天了也没有上传成功，一会儿让朋友帮忙上传。原盒品相号19.1/枚，江浙沪包邮。", got



@test
@with_llm
def no_model_request_starts_from_an_open_group(server, work, llm):
    # The posts a poll stores are queued for the model in the poll's own transaction,
    # which stays open a while (the group, FEEDSD_BATCH_WAIT). A request started from its
    # rows before the commit would be for posts that a lost group takes back, and whose
    # ids go to other posts: the queue waits for the commit. Here a retry of a.xml's post
    # comes due while b.xml's group is open:
    #   0 s a.xml stored, its group open; 2 s committed, its request fails (500);
    #   3 s b.xml stored (its answer took 3 s), its group open until 5 s;
    #   about 4.3 s the retry of a.xml's post is due (summary_retry 2s, +-10%).
    # b.xml from a server of its own: a second transfer to one origin waits for the
    # first one's answer (the fetcher waits to learn whether it can share the connection)
    other = FeedServer()
    server.routes["/a.xml"] = Route(simple_atom(1, prefix="a"))
    other.routes["/b.xml"] = Route(simple_atom(2, prefix="b"), delay=3.0)
    work.write_config([server.url("/a.xml"), other.url("/b.xml")],
                      "backlog = all\nsummary_retry = 2s\n" + llm_config(llm))
    llm.script = [{"status": 500}]
    llm.default = {"delay": 2}

    def committed(feed):
        return work.sql("select count(*) from entries e join feeds f on f.id = e.feed_id"
                        " where f.url like '%%/%s.xml'" % feed)

    def asked(title):
        return [r for r in list(llm.requests) if "Title: %s\n" % title in user_message(r["body"])]

    p = work.start_daemon(env=dict(os.environ, FEEDSD_BATCH_WAIT="2"))
    try:
        assert wait_for(lambda: asked("B number 0"), 30), (work.daemon_log(), llm.titles_requested())
        # b.xml's posts were asked for only once its group had committed
        assert committed("b") == "2", (work.daemon_log(), llm.titles_requested())
        # the failure and the retry
        assert wait_for(lambda: len(asked("A number 0")) == 2, 30), llm.titles_requested()
        assert wait_for(lambda: len(md_files(work)) == 3, 30), work.daemon_log()
        assert wait_for(lambda: sorted(summary_of(work.read(f)) for f in md_files(work)) == [
            "Model summary of: A number 0", "Model summary of: B number 0",
            "Model summary of: B number 1"], 30), work.daemon_log()
    finally:
        p.send_signal(signal.SIGTERM)
        p.wait(timeout=15)
        other.close()
