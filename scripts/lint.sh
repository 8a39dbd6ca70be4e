#!/bin/sh
# scripts/lint.sh: static analysis with the checked-in configuration. cppcheck (warning,
# performance and portability classes; inline suppressions allowed with a reason) and
# clang-tidy (.clang-tidy: bug finders, clang-analyzer, misc, a CERT subset) over every
# source of the program, with the same flags as the build. Exit status 1 on any finding.
#   scripts/lint.sh [FILE.c...]        (default: every layer of scripts/layers.sh)
# CPPCHECK=0 or TIDY=0 skips one of the two. Owner: fuzzing/hardening engineer.
# First, without a switch: the tree stands alone. A user's clone has nothing beside it, so
# no tracked file may point at a folder outside the repository (the test corpus lives in
# tests/data/feeds, the contracts in docs/).
set -u
cd "$(dirname "$0")/.."
PKGS="libxml-2.0 libcurl sqlite3 jansson libxxhash"
files="$*"
[ -n "$files" ] || files=$(for l in $(sh scripts/layers.sh list); do ls "$l"/*.c; done)
status=0

echo "== stands alone"
outside='[.][.]/shared|/work/[s]hared'
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    hits=$(git grep -n -I -E "$outside" -- . 2>/dev/null)
else
    hits=$(grep -rn -I -E "$outside" --exclude-dir='build*' --exclude-dir=.git . 2>/dev/null)
fi
if [ -n "$hits" ]; then
    echo "$hits"
    echo "   ^ these files point outside the repository: copy what they need into it"
    status=1
fi

if [ "${CPPCHECK:-1}" = 1 ]; then
    echo "== cppcheck"
    # unmatchedSuppression: a suppression for a file not in this run is not an error.
    # normalCheckLevelMaxBranches: cppcheck 2.17 (Debian 13) says once per file that it
    # limited its analysis; information, not a finding.
    # shellcheck disable=SC2086
    cppcheck --enable=warning,performance,portability --error-exitcode=1 --inline-suppr \
        --std=c11 -D_GNU_SOURCE -DFEEDSD_VERSION='"lint"' -I. -q \
        --suppress=unmatchedSuppression --suppress=missingIncludeSystem \
        --suppress=normalCheckLevelMaxBranches $files || status=1
fi

if [ "${TIDY:-1}" = 1 ]; then
    echo "== clang-tidy"
    headers="^($(sh scripts/layers.sh list | tr ' ' '|'))/"
    flags="-std=c17 -D_GNU_SOURCE -I. $(pkg-config --cflags $PKGS) -DFEEDSD_VERSION=\"lint\""
    for f in $files; do
        # shellcheck disable=SC2086
        clang-tidy -quiet -header-filter="$headers" "$f" -- $flags 2>/dev/null || { echo "   ^ $f"; status=1; }
    done
fi
[ $status = 0 ] && echo "lint: clean"
exit $status
