#!/bin/sh
# scripts/deps.sh [run|test]: installs the Debian packages (12 or 13) that feedsd needs, if
# any is missing.
#   run   building and running feedsd (what `make`, `make run` and `make install` need)
#   test  run, plus the tools of the test suite (what `make test` needs): cmocka, Python
#         with PyYAML, cmark-gfm, xmllint, the sqlite3 shell, clang with its sanitizer and
#         libFuzzer runtime, cppcheck, clang-tidy, strace, e2fsprogs, and for the container
#         test of the units (tests/systemd) systemd-nspawn (systemd-container) and
#         debootstrap, and hugo (the site builds of t_site.py)
# As root it runs apt-get; otherwise sudo when available; otherwise it prints the command.
# Package names are the ones both releases share: libclang-rt-dev follows the default
# clang (14 on Debian 12, 19 on Debian 13).
profile=${1:-test}
RUN="build-essential pkg-config libxml2-dev libcurl4-openssl-dev libev-dev libsqlite3-dev \
libjansson-dev libxxhash-dev libssl-dev ca-certificates"
TEST="libcmocka-dev python3 python3-yaml cmark-gfm libxml2-utils sqlite3 clang libclang-rt-dev \
cppcheck clang-tidy strace e2fsprogs systemd-container debootstrap hugo"
case $profile in
    run) PKGS=$RUN ;;
    test) PKGS="$RUN $TEST" ;;
    *) echo "usage: scripts/deps.sh [run|test]" >&2; exit 2 ;;
esac
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "feedsd: installing what $profile needs:$missing" >&2
if [ "$(id -u)" = 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
else
    echo "feedsd: missing packages; run as root: apt-get update && apt-get install -y$missing" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086
$SUDO apt-get update -q >/dev/null && $SUDO apt-get install -y -q $missing >/dev/null || {
    echo "feedsd: apt-get failed; run: apt-get update && apt-get install -y$missing" >&2
    exit 1
}
