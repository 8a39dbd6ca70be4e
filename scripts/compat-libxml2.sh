#!/bin/sh
# scripts/compat-libxml2.sh PREFIX [--prove]: builds feedsd against the libxml2 installed
# in PREFIX (PREFIX/lib/pkgconfig/libxml-2.0.pc, as libxml2's own `make install` or
# `cmake --install` leaves it) and runs the unit, integration, corpus and round-trip tests
# with it, in build-libxml2-VERSION/.
#
#   1. The build must print no warning (-Wall -Wextra, as `make`).
#   2. The tests must pass with the accelerators as that version gets them
#      (feeds/xml_compat.h: off where they are not proven).
#   3. Where the library is a drop-in for the system's (same soname), the system build
#      (build/feedsd) run on it must switch the accelerators off at run time: they are
#      used only with the very libxml2 version they were built with.
#   4. --prove: also builds with the accelerators allowed on any version (ACCEL=unproven)
#      and runs the property tests of each accelerator alone (FEEDSD_ACCEL=NAME): the unit
#      tests and, in their repeatable runs, the fuzz targets fuzz_parse, fuzz_xml_cdata and
#      fuzz_html_runs. It prints "holds" or "fails" per accelerator; a version on which one
#      holds can be added to its line in feeds/xml_compat.h. The verdicts are information:
#      they do not change the exit status.
#
# It does not build libxml2 itself: install the version to check into a prefix of its
# own first (from a release of https://gitlab.gnome.org/GNOME/libxml2, by its README).
# Exit status: 0 when every step passed, 1 otherwise; the failing step is named.
set -u
cd "$(dirname "$0")/.."
usage() { echo "usage: scripts/compat-libxml2.sh PREFIX [--prove]" >&2; exit 2; }
[ $# -ge 1 ] || usage
prefix=$(cd "$1" 2>/dev/null && pwd) || { echo "compat: no folder $1" >&2; exit 2; }
prove=0
verdicts=""
[ "${2:-}" = --prove ] && prove=1
[ $# -le 2 ] || usage
pc="$prefix/lib/pkgconfig"
[ -f "$pc/libxml-2.0.pc" ] || { echo "compat: $pc/libxml-2.0.pc not found" >&2; exit 2; }
PKG_CONFIG_PATH="$pc${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
export PKG_CONFIG_PATH
version=$(pkg-config --modversion libxml-2.0)
libdir=$(pkg-config --variable=libdir libxml-2.0)
rpath="-Wl,-rpath,$libdir"
build="build-libxml2-$version"
status=0
step() { echo; echo "== compat libxml2 $version: $*"; }
fail() { echo "!! compat libxml2 $version: $*"; status=1; }

step "build ($build)"
log="$build/build.log"
mkdir -p "$build"
if ! make --no-print-directory -j2 BUILD="$build" LDFLAGS="$rpath" "$build/feedsd" >"$log" 2>&1; then
    tail -20 "$log"
    fail "build failed"
    exit 1
fi
n=$(grep -c 'warning:' "$log")
[ "$n" -eq 0 ] || { grep 'warning:' "$log"; fail "$n compiler warnings"; }
"$build/feedsd" --version | sed 's/^/   /'
loaded=$("$build/feedsd" --version | sed -n 's/^libxml2 \([0-9.]*\).*/\1/p')
[ "$loaded" = "$version" ] || fail "feedsd loads libxml2 $loaded, not $version"

step "unit, integration, corpus and round-trip tests"
make --no-print-directory BUILD="$build" LDFLAGS="$rpath" unit integration corpus ||
    fail "tests failed"

# The run-time check: the system build on this library, where it can load it.
if [ -x build/feedsd ] && [ -e "$libdir/libxml2.so.2" ] &&
   ldd build/feedsd | grep -q 'libxml2\.so\.2 '; then
    step "build/feedsd (built with the system's libxml2) loading $version"
    out=$(LD_LIBRARY_PATH="$libdir" build/feedsd --version)
    echo "$out" | sed 's/^/   /'
    echo "$out" | grep -q "^libxml2 $version (built with" || fail "did not load $version"
    echo "$out" | grep -q 'on$' && fail "an accelerator stayed on with another libxml2"
fi

if [ $prove = 1 ]; then
    step "proof build: accelerators on regardless of version (ACCEL=unproven)"
    pbuild="$build-unproven"
    mkdir -p "$pbuild"
    if make --no-print-directory -j2 BUILD="$pbuild" ACCEL=unproven LDFLAGS="$rpath" \
            "$pbuild/feedsd" >"$pbuild/build.log" 2>&1; then
        for a in xml_cdata html_runs; do
            step "proof of $a alone (FEEDSD_ACCEL=$a)"
            ok=holds
            FEEDSD_ACCEL=$a make --no-print-directory BUILD="$pbuild" ACCEL=unproven \
                LDFLAGS="$rpath" unit || ok=fails
            FEEDSD_ACCEL=$a FUZZ_BUILD="$pbuild-fuzz" FUZZ_LDFLAGS="$rpath" FUZZ_REPEATABLE=1 \
                FUZZ_CFLAGS="-DFEEDSD_ACCEL_UNPROVEN -Wno-deprecated-declarations" \
                sh fuzz/run.sh fuzz_parse fuzz_xml_cdata fuzz_html_runs || ok=fails
            verdicts="$verdicts
   $a: $ok on libxml2 $version"
        done
    else
        tail -20 "$pbuild/build.log"
        fail "proof build failed"
    fi
fi

echo
[ $prove = 1 ] && echo "proof (the accelerators' property tests; their verdict does not change the exit status):$verdicts"
if [ $status = 0 ]; then
    echo "compat libxml2 $version: passed"
else
    echo "compat libxml2 $version: FAILED"
fi
exit $status
