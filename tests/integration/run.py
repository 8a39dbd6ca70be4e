#!/usr/bin/env python3
"""Integration tests: the real feedsd binary against real HTTP servers on 127.0.0.1, real
SQLite files, real output folders and child processes. Every tests/integration/t_*.py
module registers its tests with @harness.test.
Run: python3 tests/integration/run.py --feedsd build/feedsd [-k NAME]"""
import glob
import importlib
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
import harness  # noqa: E402

for path in sorted(glob.glob(os.path.join(here, "t_*.py"))):
    importlib.import_module(os.path.basename(path)[:-3])

if __name__ == "__main__":
    sys.exit(harness.main(sys.argv[1:]))
