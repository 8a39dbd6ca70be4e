#!/bin/sh
# Installs the Debian packages that building and testing feedsd needs, if any is missing.
# As root it runs apt-get; otherwise sudo when available; otherwise it prints the command.
PKGS="build-essential pkg-config libxml2-dev libcurl4-openssl-dev libev-dev libsqlite3-dev \
libjansson-dev libcmocka-dev python3 cmark-gfm libxml2-utils sqlite3 clang libclang-rt-14-dev \
cppcheck clang-tidy strace e2fsprogs"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "feedsd: installing build dependencies:$missing" >&2
if [ "$(id -u)" = 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
else
    echo "feedsd: missing packages; run as root: apt-get update && apt-get install -y$missing" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q >/dev/null && $SUDO apt-get install -y -q $missing >/dev/null || {
    echo "feedsd: apt-get failed; run: apt-get update && apt-get install -y$missing" >&2
    exit 1
}
