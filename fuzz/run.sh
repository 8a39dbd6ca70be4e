#!/bin/sh
# fuzz/run.sh: runs every libFuzzer target (or the ones named) for FUZZ_SECONDS each
# (default 60), one after another, with its dictionary and seeds:
#   fuzz/seeds/<target>/ (small, checked in; regenerate with fuzz/make_seeds.py), and for
#   fuzz_parse and fuzz_xml_cdata the feed corpus tests/data/feeds (FUZZ_FEEDS overrides)
#   and the documents of tests/data/parse.
# New inputs go to fuzz/corpus-<target>/ (git-ignored, kept between runs so that fuzzing
# accumulates); crashes to $FUZZ_BUILD/crashes/<target>/. Exit status 1 when any target
# found a crash: add the reproducer under tests/regressions/<target>/ and fix the bug.
# FUZZ_KEEP_GOING=1 runs in libFuzzer's fork mode and keeps going after a crash (to
# collect several findings in one long run). FUZZ_PARSE_MAX_LEN: fuzz_parse input cap
# (default 16384; larger inputs make every run slower, 70 runs/s at 64 KiB).
#   FUZZ_SECONDS=300 fuzz/run.sh fuzz_date
# FUZZ_REPEATABLE=1 (what `make test` runs): a fixed number of runs per target (the table
# below, about 10 s each here), seed 1 and a fresh empty corpus, so that a commit gets
# about the same inputs on every machine. A time budget does not: a faster machine runs
# more inputs and can meet a finding that a slower one never reaches (CI did, 2026-11-29).
# Only about: coverage feedback still differs a little between runs (libxml2 seeds its
# hash tables from the clock, cmp tracing sees addresses), so long local runs
# (`make fuzz`) before a change lands remain the real defence.
set -u
cd "$(dirname "$0")/.."
OUT=${FUZZ_BUILD:-build-fuzz}
SECS=${FUZZ_SECONDS:-60}
FEEDS=${FUZZ_FEEDS:-tests/data/feeds}
[ -d "$FEEDS" ] || { echo "fuzz/run.sh: no feed corpus at $FEEDS" >&2; exit 2; }
targets="$*"
[ -n "$targets" ] || targets=$(for f in fuzz/fuzz_*.c; do basename "$f" .c; done)
sh fuzz/build.sh $targets || exit 2

# Runs per target in the repeatable mode: about 10 s each on a 2-CPU machine.
repeat_runs() {
    case $1 in
        fuzz_parse) echo 2000 ;;
        fuzz_html2md) echo 15000 ;;
        fuzz_html_runs) echo 15000 ;;
        fuzz_xml_cdata) echo 12000 ;;
        *) echo 300000 ;;
    esac
}

status=0
scratch=""
if [ "${FUZZ_REPEATABLE:-0}" = 1 ]; then
    scratch=$(mktemp -d) || exit 2
    trap 'rm -rf "$scratch"' EXIT
fi
for t in $targets; do
    corpus="fuzz/corpus-$t"
    budget="-max_total_time=$SECS"
    label="${SECS}s"
    if [ -n "$scratch" ]; then
        corpus="$scratch/$t"
        budget="-runs=$(repeat_runs "$t") -seed=1"
        label="$(repeat_runs "$t") runs, seed 1"
    fi
    mkdir -p "$corpus" "$OUT/crashes/$t"
    seeds=""
    [ -d "fuzz/seeds/$t" ] && seeds="fuzz/seeds/$t"
    [ "$t" = fuzz_html_runs ] && seeds="fuzz/seeds/fuzz_html2md"   # the same documents
    [ -d "tests/regressions/$t" ] && seeds="$seeds tests/regressions/$t"
    maxlen=4096
    if [ "$t" = fuzz_parse ] || [ "$t" = fuzz_xml_cdata ]; then
        seeds="$seeds $FEEDS"
        # the small documents of each element class the parser reads (issue 17)
        [ -d tests/data/parse ] && seeds="$seeds tests/data/parse"
        maxlen=${FUZZ_PARSE_MAX_LEN:-16384}
    fi
    keep=""
    [ "${FUZZ_KEEP_GOING:-0}" = 1 ] && keep="-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1"
    dict=""
    [ -f "fuzz/$t.dict" ] && dict="-dict=fuzz/$t.dict"
    [ "$t" = fuzz_xml_cdata ] && dict="-dict=fuzz/fuzz_parse.dict"   # the same vocabulary
    # FUZZ_SEED fixes libFuzzer's seed in the timed mode; unset, libFuzzer picks one.
    seed=""
    [ -z "$scratch" ] && [ -n "${FUZZ_SEED:-}" ] && seed="-seed=$FUZZ_SEED"
    echo "== $t: $label"
    # shellcheck disable=SC2086
    if ! ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} "$OUT/$t" $budget \
            -max_len="$maxlen" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
            -artifact_prefix="$OUT/crashes/$t/" $keep $dict $seed "$corpus" $seeds \
            2> "$OUT/$t.log"; then
        echo "!! $t failed: see $OUT/$t.log and $OUT/crashes/$t/"
        grep -E "ERROR|SUMMARY|fuzz_" "$OUT/$t.log" | head -5
        status=1
    else
        grep -E "^stat::(number_of_executed_units|new_units_added)" "$OUT/$t.log" | tr '\n' ' '
        echo
    fi
done
exit $status
