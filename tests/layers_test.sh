#!/bin/sh
# tests/layers_test.sh BUILD: shows that scripts/layers.sh, which `make` runs before it links
# feedsd, refuses a call and an #include up the layers (docs/architecture.md). A check that
# never fails proves nothing, so this runs it on a copy of the tree and of BUILD's archives:
#   1. as they are: it must pass;
#   2. with an object in feeds/ that calls a function of daemon/: it must fail and name it;
#   3. with a file of feeds/ that includes a header of daemon/: it must fail and name it.
# Environment: CC, LDFLAGS, LIBS as for scripts/layers.sh. Exit status 1 on a failed case.
set -u
[ $# = 1 ] || { echo "usage: tests/layers_test.sh BUILD" >&2; exit 2; }
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$1" && pwd)
CC=${CC:-cc}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
layers=$(sh "$root/scripts/layers.sh" list)

# The copy: scripts/layers.sh reads the source folders beside it, the archives from BUILD.
mkdir -p "$tmp/scripts" "$tmp/build"
cp "$root/scripts/layers.sh" "$tmp/scripts/"
for l in $layers; do
    cp -r "$root/$l" "$tmp/$l"
    cp "$build/lib$l.a" "$tmp/build/"
done
fail=0
check() {   # check NAME WANT_STATUS WANT_LINE
    out=$(cd "$tmp" && sh scripts/layers.sh check "$tmp/build" 2>&1)
    status=$?
    if [ "$status" != "$2" ] || ! printf '%s\n' "$out" | grep -qF -- "$3"; then
        echo "layers_test: $1: exit $status (want $2), output:" >&2
        printf '%s\n' "$out" >&2
        fail=1
    else
        echo "layers_test: $1: ok"
    fi
}

check "the tree as it is" 0 "calls only the layers below it"

# A function of daemon/ (the highest library layer but cli/), called from feeds/.
sym=$(nm -g --defined-only "$build/libdaemon.a" | awk '$2 == "T" { print $3; exit }')
[ -n "$sym" ] || { echo "layers_test: libdaemon.a defines no function" >&2; exit 1; }
cp "$tmp/build/libfeeds.a" "$tmp/libfeeds.a.orig"
(cd "$tmp" && printf 'void %s(void);\nvoid layers_probe(void) { %s(); }\n' "$sym" "$sym" \
    > feeds/layers_probe.c && $CC -g -c -o feeds/layers_probe.o feeds/layers_probe.c &&
    ar rcs build/libfeeds.a feeds/layers_probe.o) || exit 1
check "a call from feeds/ to daemon/" 1 "layers: feeds/ calls $sym of daemon/"
mv "$tmp/libfeeds.a.orig" "$tmp/build/libfeeds.a"
rm -f "$tmp/feeds/layers_probe.c" "$tmp/feeds/layers_probe.o"

# An #include of daemon/ in a file of feeds/.
f=$(ls "$tmp"/feeds/*.c | head -n 1)
echo '#include "daemon/config.h"' >> "$f"
check "an #include of daemon/ in feeds/" 1 "feeds/$(basename "$f") includes a header of daemon/"

exit $fail
