#!/bin/sh
# tests/unit/test_child.c: a summarizer that ignores SIGTERM (and so does the sleep it
# execs, since ignored signals survive exec): only SIGKILL stops it.
trap '' TERM
exec sleep 30
