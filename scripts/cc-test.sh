#!/bin/sh
# Builds and runs one cmocka test from an explicit list of sources, with the project's
# flags, without building the whole tree (handy while other modules are mid-edit).
#   scripts/cc-test.sh tests/unit/test_date.c feeds/date.c common/util.c
# SAN=1 adds ASan+UBSan. The binary goes to /tmp/feedsd-test-<name>.
set -e
t="$1"; shift
name=$(basename "$t" .c)
san=""
[ "${SAN:-0}" = 1 ] && san="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
cc -std=c17 -D_GNU_SOURCE -Wall -Wextra -O1 -g $san -I. \
   -DFEEDSD_VERSION='"0.1.0"' \
   $(pkg-config --cflags libxml-2.0 libcurl sqlite3 jansson libxxhash cmocka) \
   -o /tmp/feedsd-test-$name "$t" "$@" \
   $(pkg-config --libs libxml-2.0 libcurl sqlite3 jansson libxxhash cmocka) -lev -lm
exec /tmp/feedsd-test-$name
