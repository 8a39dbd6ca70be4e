"""Private feeds (issue 19, item 3): a [feed] section's username + password_file, header,
header_file and header_env lines, cookie_file, user_agent and proxy. Each test runs the
real binary against local servers and checks what the server received, and that no
secret reached a log line, a command's output, the database or an output file.
Owner: subscriptions engineer."""
import base64
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import FeedServer, Route, simple_atom, test  # noqa: E402

PASSWORD = "pw-Secret-0417"
TOKEN = "tok-Secret-5521"
ENV_TOKEN = "env-Secret-9933"
COOKIE = "cookie-Secret-7710"
SECRETS = (PASSWORD, TOKEN, ENV_TOKEN, COOKIE)
PROXY_VARS = ("http_proxy", "https_proxy", "all_proxy", "no_proxy", "HTTP_PROXY",
              "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")


def fd(work, *args):
    return subprocess.run([work.feedsd] + list(args) + ["-c", work.conf], capture_output=True,
                          text=True, timeout=60)


def env_without_proxy(**extra):
    env = {k: v for k, v in os.environ.items() if k not in PROXY_VARS}
    env.update(extra)
    return env


def secret_file(work, name, text, mode=0o600):
    path = os.path.join(work.dir, name)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)
    return path


def add_sections(work, text):
    with open(work.conf, "a") as f:
        f.write(text)


def leaks_in(text):
    return [s for s in SECRETS if s in text]


def private_setup(server, work):
    """A private feed with every key, and a public feed beside it. Returns their URLs."""
    auth = "Basic " + base64.b64encode(("alice:" + PASSWORD).encode()).decode()
    server.routes["/private.xml"] = Route(simple_atom(2, prefix="secret", title="Private"),
                                          auth=auth)
    server.routes["/public.xml"] = Route(simple_atom(2, prefix="open", title="Public"))
    secret_file(work, "password", PASSWORD + "\n")
    secret_file(work, "token", TOKEN + "\n")
    # Netscape cookie file (curl's format): domain, subdomains, path, secure, expiry,
    # name, value, separated by tabs.
    secret_file(work, "cookies.txt", "# Netscape HTTP Cookie File\n"
                "127.0.0.1\tFALSE\t/\tFALSE\t0\tsession\t%s\n" % COOKIE)
    private, public = server.url("/private.xml"), server.url("/public.xml")
    work.write_config([public], "backlog = all")
    add_sections(work, "[feed %s]\nusername = alice\npassword_file = password\n"
                       "header = X-Api-Version: 2\nheader_file = X-Token: token\n"
                       "header_env = X-Env-Token: FEEDSD_TEST_TOKEN\n"
                       "cookie_file = cookies.txt\nuser_agent = PrivateReader/2.0\n" % private)
    return private, public, auth


@test
def private_feed_sends_credentials_headers_and_cookies(server, work):
    private, public, auth = private_setup(server, work)
    r = work.run_once("-v", env=env_without_proxy(FEEDSD_TEST_TOKEN=ENV_TOKEN))
    assert r.returncode == 0, r.stderr[-3000:]
    outputs = {"run --once -v": r.stdout + r.stderr}

    got = server.requests_for("/private.xml")
    assert len(got) == 1, got
    h = got[0]
    assert h.get("authorization") == auth, h
    assert h.get("x-api-version") == "2", h
    assert h.get("x-token") == TOKEN, h
    assert h.get("x-env-token") == ENV_TOKEN, h
    assert h.get("cookie") == "session=" + COOKIE, h
    assert h.get("user-agent") == "PrivateReader/2.0", h
    # The feed without a section gets none of it, and the global user agent.
    pub = server.requests_for("/public.xml")
    assert len(pub) == 1, pub
    for name in ("authorization", "x-api-version", "x-token", "x-env-token", "cookie"):
        assert name not in pub[0], pub[0]
    assert pub[0].get("user-agent", "").startswith("feedsd/"), pub[0]
    assert len(work.files()) == 4, work.files()

    for args in (["status"], ["status", "--json"], ["list"], ["list", "--json"], ["export"],
                 ["check"]):
        r = fd(work, *args)
        assert r.returncode == 0, (args, r.stderr)
        outputs[" ".join(args)] = r.stdout + r.stderr
    assert private in outputs["list"] and public in outputs["list"], outputs["list"]
    outputs["database dump"] = subprocess.run(["sqlite3", work.db, ".dump"], capture_output=True,
                                              text=True, check=True).stdout
    found = {name: leaks_in(text) for name, text in outputs.items() if leaks_in(text)}
    assert not found, found
    with open(work.db, "rb") as f:
        raw = f.read()
    assert not [s for s in SECRETS if s.encode() in raw], "a secret is in the database file"
    for rel in work.files():
        assert not leaks_in(work.read(rel)), rel


@test
def a_secret_that_cannot_be_read_fails_only_its_feed(server, work):
    private, public, auth = private_setup(server, work)
    os.unlink(os.path.join(work.dir, "password"))
    r = work.run_once(env=env_without_proxy(FEEDSD_TEST_TOKEN=ENV_TOKEN))
    assert r.returncode == 1, r.stderr
    want = "%s: cannot read password_file %s: No such file or directory" % (
        private, os.path.join(work.dir, "password"))
    assert want in r.stderr, r.stderr
    assert not server.requests_for("/private.xml")
    assert len(server.requests_for("/public.xml")) == 1
    assert len(work.files()) == 2, work.files()
    st = fd(work, "status")
    assert "cannot read password_file" in st.stdout, st.stdout

    # The variable of a header_env line: named, and the feed fails the same way.
    secret_file(work, "password", PASSWORD + "\n")
    r = work.run_once(env=env_without_proxy())
    assert r.returncode == 1, r.stderr
    assert "%s: the environment variable FEEDSD_TEST_TOKEN (header_env X-Env-Token) is not set" \
        % private in r.stderr, r.stderr
    assert not server.requests_for("/private.xml")

    # Secrets are read at each poll: once the file and variable are there, no reload.
    r = work.run_once(env=env_without_proxy(FEEDSD_TEST_TOKEN=ENV_TOKEN))
    assert r.returncode == 0, r.stderr
    got = server.requests_for("/private.xml")
    assert len(got) == 1 and got[0].get("authorization") == auth, got
    assert len(work.files()) == 4, work.files()
    assert not leaks_in(r.stderr), r.stderr


@test
def secrets_in_the_configuration_file_are_refused(server, work):
    url = server.url("/private.xml")
    cases = [
        ("password = %s" % PASSWORD,
         "password: the password does not go into the configuration: name a file with "
         "password_file"),
        ("header = Authorization: Bearer %s" % TOKEN,
         "header: the value of Authorization is a secret and does not go into the "
         "configuration: use header_file or header_env"),
        ("header = cookie: session=%s" % COOKIE,
         "header: the value of Cookie is a secret"),
        ("proxy = http://bob:%s@127.0.0.1:3128" % PASSWORD,
         "proxy: the proxy's user and password do not go into the configuration"),
        ("pasword_file = pw", "pasword_file: unknown key; did you mean password_file?"),
        ("header_fille = X-Token: token", "header_fille: unknown key; did you mean header_file?"),
        ("username = al:ice", "username: a user name cannot be empty or contain ':'"),
        ("header = X Token: 1", "header: expected \"Name: value\""),
        ("header_env = X-Token: NOT-A-NAME",
         "header_env: expected the name of an environment variable"),
        ("proxy = ftp://127.0.0.1:21", "proxy: expected none or a proxy URL"),
    ]
    for line, want in cases:
        work.write_config([])
        add_sections(work, "[feed %s]\n%s\n" % (url, line))
        r = fd(work, "list")
        assert r.returncode != 0, (line, r.stdout)
        assert "feedsd.conf:9: " + want in r.stderr, (line, r.stderr)
        assert not leaks_in(r.stderr), (line, r.stderr)
    # At the top level, proxy is a global key; the private-feed keys are per-feed.
    work.write_config([], "username = alice")
    r = fd(work, "list")
    assert "username: a per-feed key: it goes in a [feed URL] section" in r.stderr, r.stderr


@test
def proxy_key_and_proxy_environment(server, work):
    proxy = FeedServer()
    try:
        # Through an HTTP proxy the request line holds the whole URL (RFC 9112 3.2.2), so
        # the proxy's route is the absolute URL; the feed's host is never resolved here.
        far = "http://feeds.example.test/far.xml"
        proxy.routes[far] = Route(simple_atom(1, prefix="far", title="Far"))
        server.routes["/near.xml"] = Route(simple_atom(1, prefix="near", title="Near"))
        proxy_url = "http://127.0.0.1:%d" % proxy.port

        work.write_config([far], "proxy = %s" % proxy_url)
        r = work.run_once(env=env_without_proxy())
        assert r.returncode == 0, r.stderr
        assert len(proxy.requests_for(far)) == 1, proxy.requests
        assert len(work.files()) == 1, work.files()

        # Without the key, libcurl's environment variables name the proxy.
        proxy.routes[far] = Route(simple_atom(2, prefix="far", title="Far"))
        work.write_config([far])
        r = work.run_once(env=env_without_proxy(http_proxy=proxy_url))
        assert r.returncode == 0, r.stderr
        assert len(proxy.requests_for(far)) == 2, proxy.requests

        # proxy = none in a section: that feed goes direct, whatever the environment says;
        # the other still goes through the proxy.
        work.write_config([far])
        add_sections(work, "[feed %s]\nproxy = none\n" % server.url("/near.xml"))
        r = work.run_once(env=env_without_proxy(http_proxy=proxy_url))
        assert r.returncode == 0, r.stderr
        assert len(server.requests_for("/near.xml")) == 1
        assert len(proxy.requests_for(far)) == 3, proxy.requests
        assert not [p for p, _ in proxy.requests if "near" in p], proxy.requests
    finally:
        proxy.close()


@test
def credentials_do_not_follow_a_redirect_to_another_host(server, work):
    auth = "Basic " + base64.b64encode(("alice:" + PASSWORD).encode()).decode()
    server.routes["/moved.xml"] = Route(b"", status=302, auth=auth,
                                        headers={"Location": "http://localhost:%d/target.xml"
                                                 % server.port})
    server.routes["/target.xml"] = Route(simple_atom(1, prefix="target", title="Target"))
    secret_file(work, "password", PASSWORD + "\n")
    work.write_config([])
    add_sections(work, "[feed %s]\nusername = alice\npassword_file = password\n"
                 % server.url("/moved.xml"))
    r = work.run_once(env=env_without_proxy())
    assert r.returncode == 0, r.stderr
    first = server.requests_for("/moved.xml")
    assert len(first) == 1 and first[0].get("authorization") == auth, first
    then = server.requests_for("/target.xml")
    assert len(then) == 1 and "authorization" not in then[0], then
    assert then[0].get("host", "").startswith("localhost:"), then


@test
def secret_files_readable_by_others_are_warned(server, work):
    private, public, auth = private_setup(server, work)
    pw = os.path.join(work.dir, "password")
    os.chmod(pw, 0o644)
    r = work.run_once(env=env_without_proxy(FEEDSD_TEST_TOKEN=ENV_TOKEN))
    assert r.returncode == 0, r.stderr
    want = "%s: password_file %s can be read by every user (mode 0644): run 'chmod 600 %s'" % (
        private, pw, pw)
    assert want in r.stderr, r.stderr
    # The others are 0600: nothing said about them; and the feed is polled all the same.
    assert "cookie_file" not in r.stderr and "header_file" not in r.stderr, r.stderr
    assert server.requests_for("/private.xml")[0].get("authorization") == auth
    assert not leaks_in(r.stderr), r.stderr
    os.chmod(pw, 0o600)
    r = work.run_once(env=env_without_proxy(FEEDSD_TEST_TOKEN=ENV_TOKEN))
    assert r.returncode == 0 and "can be read" not in r.stderr, r.stderr


@test
def a_reused_handle_carries_nothing_over(server, work):
    # One transfer at a time, so each feed's transfer takes the easy handle the one before
    # it used (fetch/fetch_easy.c keeps idle handles and resets them): the plain feeds
    # polled after a private one must get none of its credentials, headers, cookies, user
    # agent or proxy.
    auth = "Basic " + base64.b64encode(("alice:" + PASSWORD).encode()).decode()
    proxy = FeedServer()
    try:
        far = "http://feeds.example.test/far.xml"
        proxy.routes[far] = Route(simple_atom(1, prefix="far", title="Far"))
        server.routes["/private.xml"] = Route(simple_atom(1, prefix="secret", title="P"),
                                              auth=auth)
        server.routes["/cookie.xml"] = Route(simple_atom(1, prefix="cookie", title="C"))
        plain = ["/plain%d.xml" % i for i in range(6)]
        for i, p in enumerate(plain):
            server.routes[p] = Route(simple_atom(1, prefix="plain%d" % i, title="Plain"))
        secret_file(work, "password", PASSWORD + "\n")
        secret_file(work, "cookies.txt", "# Netscape HTTP Cookie File\n"
                    "127.0.0.1\tFALSE\t/\tFALSE\t0\tsession\t%s\n" % COOKIE)
        # Sections in this order, so that each private feed is followed by plain ones.
        work.write_config([], "concurrency = 1\nbacklog = all")
        add_sections(work, "[feed %s]\nusername = alice\npassword_file = password\n"
                           "header = X-Api-Version: 2\nuser_agent = PrivateReader/2.0\n"
                     % server.url("/private.xml"))
        add_sections(work, "[feed %s]\ntitle = Plain 0\n" % server.url(plain[0]))
        add_sections(work, "[feed %s]\ntitle = Plain 1\n" % server.url(plain[1]))
        add_sections(work, "[feed %s]\nproxy = http://127.0.0.1:%d\n" % (far, proxy.port))
        add_sections(work, "[feed %s]\ntitle = Plain 2\n" % server.url(plain[2]))
        add_sections(work, "[feed %s]\ntitle = Plain 3\n" % server.url(plain[3]))
        add_sections(work, "[feed %s]\ncookie_file = cookies.txt\n" % server.url("/cookie.xml"))
        add_sections(work, "[feed %s]\ntitle = Plain 4\n" % server.url(plain[4]))
        add_sections(work, "[feed %s]\ntitle = Plain 5\n" % server.url(plain[5]))
        for rnd in (1, 2):
            r = work.run_once(env=env_without_proxy())
            assert r.returncode == 0, r.stderr
            got = server.requests_for("/private.xml")
            assert len(got) == rnd and got[-1].get("authorization") == auth, got
            assert got[-1].get("user-agent") == "PrivateReader/2.0", got
            got = server.requests_for("/cookie.xml")
            assert len(got) == rnd and got[-1].get("cookie") == "session=" + COOKIE, got
            assert len(proxy.requests_for(far)) == rnd, proxy.requests
            for p in plain:
                got = server.requests_for(p)
                assert len(got) == rnd, (p, server.requests)
                h = got[-1]
                for name in ("authorization", "x-api-version", "cookie"):
                    assert name not in h, (p, h)
                assert h.get("user-agent", "").startswith("feedsd/"), (p, h)
            assert not [q for q, _ in proxy.requests if "plain" in q], proxy.requests
            # What makes this test mean something: each private feed came right before
            # a plain one, on the handle it left.
            order = [q for q, _ in server.requests][-8:]
            assert order == ["/private.xml"] + plain[:4] + ["/cookie.xml"] + plain[4:], order
    finally:
        proxy.close()
