"""The reference documentation against the code: every key of daemon/config_keys.c's tables
(global_keys[], feed_keys[]) must be documented in docs/configuration.md and in
docs/feedsd.conf.5, and every subcommand that `feedsd --help` lists, with each option of
its `feedsd NAME --help` synopsis, must be in docs/feedsd.1 and in docs/cli.md, the command-line contract; `feedsd --version`
keeps its documented shape. Owner: documentation."""
import os
import re
import subprocess

from harness import command_synopsis, listed_commands, test

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


def read(rel):
    with open(os.path.join(ROOT, rel), encoding="utf-8") as f:
        return f.read()


def config_tables():
    """{"global_keys": [...], "feed_keys": [...]} from the C source: each table is the text
    between `static const struct config_key NAME[] = {` and the `};` that closes it, and
    each entry starts with {"name", config_set_..."""
    src = read("daemon/config_keys.c")
    tables = {}
    for name in ("global_keys", "feed_keys"):
        m = re.search(r"static const struct config_key %s\[\]\s*=\s*\{(.*?)\n\};" % name, src,
                      re.S)
        assert m, "daemon/config_keys.c: table %s[] not found" % name
        tables[name] = re.findall(r'\{\s*"([a-z0-9_]+)"\s*,\s*config_set_\w+', m.group(1))
    # A regex that silently matched nothing would make every check below pass.
    assert len(tables["global_keys"]) >= 40, tables["global_keys"]
    assert len(tables["feed_keys"]) >= 4, tables["feed_keys"]
    return tables


def roff_plain(text):
    """Roff source with the escapes that may sit inside a key or option undone."""
    return text.replace("\\-", "-").replace("\\&", "").replace("\\(em", "-")


def split_md(md):
    """(text before the per-feed section, the per-feed section)."""
    m = re.search(r"^## Per-feed sections\s*$(.*?)(?=^## |\Z)", md, re.M | re.S)
    assert m, "docs/configuration.md: no '## Per-feed sections' section"
    return md[:m.start()] + md[m.end():], m.group(1)


def split_man(man):
    """(the man page without its PER-FEED SECTIONS section, that section)."""
    m = re.search(r"^\.SH PER-FEED SECTIONS\s*$(.*?)(?=^\.SH )", man, re.M | re.S)
    assert m, "docs/feedsd.conf.5: no .SH PER-FEED SECTIONS"
    return man[:m.start()] + man[m.end():], m.group(1)


def md_has_key(text, key):
    """A table row that starts with the key: | `key` | ..."""
    return re.search(r"^\|\s*`%s`\s*\|" % re.escape(key), text, re.M) is not None


def man_has_key(text, key):
    """A tagged paragraph for the key: .TP (or .TQ), then .B/.BI/.BR key ..."""
    return re.search(r"^\.T[PQ][^\n]*\n\.B[IR]?\s+%s(\s|$)" % re.escape(key), text, re.M) is not None


def missing_keys(tables, md, man):
    md_global, md_feed = split_md(md)
    man_global, man_feed = split_man(roff_plain(man))
    missing = []
    for key in tables["global_keys"]:
        if not md_has_key(md_global, key):
            missing.append("docs/configuration.md: global key %s" % key)
        if not man_has_key(man_global, key):
            missing.append("docs/feedsd.conf.5: global key %s" % key)
    for key in tables["feed_keys"]:
        if not md_has_key(md_feed, key):
            missing.append("docs/configuration.md: per-feed key %s" % key)
        if not man_has_key(man_feed, key):
            missing.append("docs/feedsd.conf.5: per-feed key %s" % key)
    return missing


def help_commands(feedsd):
    """[(name, [options])]: every command `feedsd --help` lists, with the options of the
    synopsis that `feedsd NAME --help` prints."""
    return [(name, command_synopsis(feedsd, name)[1]) for name in listed_commands(feedsd)]


def missing_commands(cmds, man):
    man = roff_plain(man)
    missing = []
    for name, opts in cmds:
        # The synopsis: .SY feedsd / .B name / ... / .YS
        syn = re.search(r"^\.SY feedsd\s*\n\.B\s+%s\s*\n(.*?)^\.YS" % re.escape(name), man,
                        re.M | re.S)
        if not syn:
            missing.append("docs/feedsd.1: no synopsis for %s" % name)
        else:
            for o in opts:
                if not re.search(r"(?<![\w-])%s(?![\w-])" % re.escape(o), syn.group(1)):
                    missing.append("docs/feedsd.1: option %s of %s missing in its synopsis"
                                   % (o, name))
        # The description: a tagged paragraph under COMMANDS.
        if not re.search(r"^\.TP\s*\n\.B[R]?\s+%s(\s|$)" % re.escape(name), man, re.M):
            missing.append("docs/feedsd.1: no .TP entry for command %s" % name)
    return missing


@test
def docs_name_every_config_key(server, work):
    tables = config_tables()
    md, man = read("docs/configuration.md"), read("docs/feedsd.conf.5")
    missing = missing_keys(tables, md, man)
    assert not missing, "\n".join(missing)
    # The check itself must be able to fail: without one key's row and tagged
    # paragraph, that key is reported.
    key = tables["global_keys"][-1]
    md_cut = re.sub(r"^\|\s*`%s`\s*\|.*\n" % key, "", md, flags=re.M)
    man_cut = re.sub(r"^(\.T[PQ][^\n]*\n)\.B[IR]?\s+%s(\s[^\n]*)?\n" % key, r"\1.B other\n",
                     man, flags=re.M)
    cut = missing_keys(tables, md_cut, man_cut)
    assert "docs/configuration.md: global key %s" % key in cut, cut
    assert "docs/feedsd.conf.5: global key %s" % key in cut, cut


@test
def docs_name_every_subcommand_and_option(server, work):
    cmds = help_commands(work.feedsd)
    man = read("docs/feedsd.1")
    missing = missing_commands(cmds, man)
    assert not missing, "\n".join(missing)
    names = [n for n, _ in cmds]
    for needed in ("run", "status", "add", "remove", "list", "import", "export", "check",
                   "resummarize"):
        assert needed in names, names
    # status --json in particular.
    assert "--json" in dict(cmds)["status"], cmds


@test
def cli_contract_names_every_command(server, work):
    """docs/cli.md, the command-line contract, has a section or a row for every command."""
    cli = read("docs/cli.md")
    names = [n for n, _ in help_commands(work.feedsd)] + ["--version"]
    missing = [n for n in names
               if not re.search(r"^#+ `feedsd %s\b|^\| `feedsd %s\b" % (re.escape(n), re.escape(n)),
                                cli, re.M)]
    assert not missing, "docs/cli.md does not describe: %s" % ", ".join(missing)


@test
def version_names_libraries_and_accelerators(server, work):
    """`feedsd --version`: the version first, then each library as loaded, then each
    libxml2 accelerator on, or off with the reason (docs/cli.md, feedsd(1))."""
    def version(env_accel):
        env = dict(os.environ)
        env.pop("FEEDSD_ACCEL", None)
        if env_accel is not None:
            env["FEEDSD_ACCEL"] = env_accel
        r = subprocess.run([work.feedsd, "--version"], capture_output=True, text=True,
                           timeout=10, env=env)
        assert r.returncode == 0 and not r.stderr, r
        return r.stdout.splitlines()

    lines = version(None)
    assert re.fullmatch(r"feedsd \d+\.\d+\.\d+", lines[0]), lines
    for lib in ("libxml2", "libcurl", "sqlite", "libev", "jansson"):
        assert any(re.match(r"%s \d+\.\d+(\.\d+)?( |$)" % lib, l) for l in lines), (lib, lines)
    accel = dict(re.fullmatch(r"accelerator (\w+): (.*)", l).groups()
                 for l in lines if l.startswith("accelerator "))
    assert set(accel) == {"xml_cdata", "html_runs"}, lines
    for state in accel.values():
        assert state == "on" or re.fullmatch(r"off \(.+\)", state), lines
    # Debian 12 and 13 both ship libxml2 2.9.14, where both are proven.
    if any(l == "libxml2 2.9.14" for l in lines):
        assert accel == {"xml_cdata": "on", "html_runs": "on"}, lines
    # FEEDSD_ACCEL narrows them: none, or the ones named.
    off = dict(re.fullmatch(r"accelerator (\w+): (.*)", l).groups()
               for l in version("none") if l.startswith("accelerator "))
    for name, state in accel.items():
        if state == "on":
            assert off[name] == "off (off by FEEDSD_ACCEL)", off
    one = dict(re.fullmatch(r"accelerator (\w+): (.*)", l).groups()
               for l in version("html_runs") if l.startswith("accelerator "))
    assert one["html_runs"] == accel["html_runs"], one
    if accel["xml_cdata"] == "on":
        assert one["xml_cdata"] == "off (off by FEEDSD_ACCEL)", one
    # The last line: whether HTTPS connections share feedsd's CA stores (fetch_trust.c);
    # on Debian 12's and 13's libcurl (OpenSSL) they do, unless FEEDSD_CA_STORE=libcurl.
    assert re.fullmatch(r"CA store: (shared, kept in memory|libcurl's, read at each "
                        r"connection \(.+\))", lines[-1]), lines
    curl = next(l for l in lines if l.startswith("libcurl "))
    if re.match(r"libcurl (7\.88|8\.14)\.\d+ \(OpenSSL/3", curl):
        assert lines[-1] == "CA store: shared, kept in memory", lines
    env = dict(os.environ, FEEDSD_CA_STORE="libcurl")
    r = subprocess.run([work.feedsd, "--version"], capture_output=True, text=True, timeout=10,
                       env=env)
    assert r.stdout.splitlines()[-1] == \
        "CA store: libcurl's, read at each connection (FEEDSD_CA_STORE=libcurl)", r.stdout
