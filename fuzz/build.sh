#!/bin/sh
# fuzz/build.sh: builds the libFuzzer targets fuzz/fuzz_*.c with clang, ASan and UBSan
# into $FUZZ_BUILD (default build-fuzz/). The program's sources (every .c of the layers that
# scripts/layers.sh lists except cli/main.c, as in the Makefile) are compiled with
# -fsanitize=fuzzer-no-link so that libFuzzer's coverage reaches into them.
#   fuzz/build.sh [TARGET...]     e.g. fuzz/build.sh fuzz_date
# FUZZ_CFLAGS and FUZZ_LDFLAGS add flags (scripts/compat-libxml2.sh: another libxml2).
set -eu
cd "$(dirname "$0")/.."
CLANG=${CLANG:-clang}
OUT=${FUZZ_BUILD:-build-fuzz}
PKGS="libxml-2.0 libcurl sqlite3 jansson libxxhash"
SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
CFLAGS="-std=c17 -D_GNU_SOURCE -O1 -g -Wall -Wextra $SAN -I. \
 $(pkg-config --cflags $PKGS) -DFEEDSD_VERSION=\"0.1.0-fuzz\" ${FUZZ_CFLAGS:-}"
LIBS="$(pkg-config --libs $PKGS) -lev -lm ${FUZZ_LDFLAGS:-}"

targets="$*"
[ -n "$targets" ] || targets=$(for f in fuzz/fuzz_*.c; do basename "$f" .c; done)

layers=$(sh scripts/layers.sh list)
mkdir -p "$OUT/obj"
objs=""
for src in $(for l in $layers; do ls "$l"/*.c; done); do
    [ "$src" = cli/main.c ] && continue
    obj="$OUT/obj/$(echo "$src" | tr / _ | sed 's/\.c$/.o/')"
    objs="$objs $obj"
    # Rebuild when the source or any header is newer than the object.
    if [ ! -e "$obj" ] || [ -n "$(find "$src" $layers -name '*.h' -newer "$obj" 2>/dev/null | head -1)" ] \
       || [ "$src" -nt "$obj" ]; then
        echo "  CC $src"
        # shellcheck disable=SC2086
        $CLANG $CFLAGS -fsanitize=fuzzer-no-link -c "$src" -o "$obj"
    fi
done
rm -f "$OUT/libfeedsd-fuzz.a"
# shellcheck disable=SC2086
ar rcs "$OUT/libfeedsd-fuzz.a" $objs

for t in $targets; do
    echo "  LD $OUT/$t"
    # shellcheck disable=SC2086
    $CLANG $CFLAGS -fsanitize=fuzzer -o "$OUT/$t" "fuzz/$t.c" "$OUT/libfeedsd-fuzz.a" $LIBS
done
