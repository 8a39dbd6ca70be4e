#!/bin/sh
# scripts/layers.sh: the pipeline's layers, lowest first (docs/architecture.md), and the
# check that each calls only the layers below it.
#   scripts/layers.sh list            prints the layers (the Makefile, lint.sh and
#                                     fuzz/build.sh read them from here)
#   scripts/layers.sh check BUILD     checks BUILD/lib<layer>.a (what `make` runs)
# Each folder is a static library. Linking the archives in layer order does not by itself
# stop a call upward (an object that another layer already pulled in satisfies it), so the
# check links each layer's archive whole (--whole-archive) with only the layers below it
# and the system libraries into a throw-away program with an empty main(): a reference to
# a higher layer is then an undefined symbol, named here with the layer that defines it.
# It also refuses an #include of a higher layer's header (a struct or an inline function
# from above is a dependency the linker cannot see). Environment: CC, LDFLAGS, LIBS (the
# flags and libraries the program is linked with). Exit status 1 on a call upward.
set -u
LAYERS="common feeds fetch storage markdown summary output daemon cli"
cd "$(dirname "$0")/.."
case ${1:-} in
    list) echo "$LAYERS"; exit 0 ;;
    check) [ $# = 2 ] || { echo "usage: scripts/layers.sh check BUILD" >&2; exit 2; } ;;
    *) echo "usage: scripts/layers.sh list | check BUILD" >&2; exit 2 ;;
esac
build=$2
CC=${CC:-cc}
out="$build/layers"
mkdir -p "$out"
echo 'int main(void) { return 0; }' > "$out/main.c"
# shellcheck disable=SC2086
$CC -c -o "$out/main.o" "$out/main.c" || exit 2
status=0

# The index of a layer, for "above".
index() { i=0; for l in $LAYERS; do [ "$l" = "$1" ] && { echo $i; return; }; i=$((i + 1)); done; echo -1; }

below=""            # the archives of the layers below, highest first
for layer in $LAYERS; do
    lib="$build/lib$layer.a"
    [ -f "$lib" ] || { echo "layers: $lib is missing" >&2; exit 2; }
    # shellcheck disable=SC2086
    if ! $CC ${LDFLAGS:-} -o "$out/$layer" "$out/main.o" -Wl,--whole-archive "$lib" \
            -Wl,--no-whole-archive $below ${LIBS:-} 2> "$out/$layer.log"; then
        syms=$(sed -n "s/.*undefined reference to \`\([^']*\)'.*/\1/p" "$out/$layer.log" | sort -u)
        [ -n "$syms" ] || { cat "$out/$layer.log"; status=1; }
        for s in $syms; do
            where=""
            for up in $LAYERS; do
                if nm -g --defined-only "$build/lib$up.a" 2>/dev/null | grep -q " $s\$"; then
                    where="$up/"
                    break
                fi
            done
            # The first place that calls it: "FILE:LINE: undefined reference" (with -g),
            # else the object named on the line before.
            user=$(grep -m1 "undefined reference to \`$s'" "$out/$layer.log" |
                   sed -n 's|^\([^ ]*:[0-9]*\): undefined.*|\1|p' | sed "s|^$PWD/||")
            # A call made in a lower layer's object (pulled in by this one) is that
            # layer's to report, in its own pass.
            case $user in
                "$layer"/*|"") ;;
                *) continue ;;
            esac
            echo "layers: $layer/ calls $s of ${where:-no layer (undefined)}${user:+ at $user}"
        done
        status=1
    fi
    rm -f "$out/$layer"
    below="$lib $below"
done

# Headers: a file includes only its own layer and the ones below.
for layer in $LAYERS; do
    li=$(index "$layer")
    for f in "$layer"/*.c "$layer"/*.h; do
        [ -f "$f" ] || continue
        for inc in $(sed -n 's|^#include "\([a-z_]*\)/.*|\1|p' "$f" | sort -u); do
            ii=$(index "$inc")
            if [ "$ii" -gt "$li" ]; then
                echo "layers: $f includes a header of $inc/, a higher layer"
                status=1
            fi
        done
    done
done
if [ $status = 0 ]; then
    echo "layers: each of $LAYERS calls only the layers below it"
else
    echo "layers: a layer may call and include only the layers below it, in this order: $LAYERS"
fi
exit $status
