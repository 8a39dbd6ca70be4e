#!/bin/sh
# tests/unit/test_child.c: a summarizer that fails: reads its input, complains on stderr,
# exits 3.
cat >/dev/null
echo "model unavailable: $FEEDSD_TITLE" >&2
exit 3
