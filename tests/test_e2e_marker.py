"""The `e2e` marker is true: every module of tests/ that starts a separate process carries it (conftest.py
E2E_MODULES), so `-m "not e2e"` is the quick loop it says it is, and the list names only modules that exist."""
from __future__ import annotations

import re
from pathlib import Path

from conftest import E2E_MODULES

TESTS = Path(__file__).resolve().parent
# What starting a process looks like in these tests: the CLI or a portal served apart, pytest in a
# subprocess, or a helper that does one of them.
STARTS_A_PROCESS = re.compile(r"subprocess|run_serve|start_portal|start_recording_portal|runpytest_subprocess|_start\(")


def test_every_module_that_starts_a_process_is_end_to_end():
    starting = {path.name for path in TESTS.glob("test_*.py") if STARTS_A_PROCESS.search(path.read_text(encoding="utf-8"))}
    starting.discard(Path(__file__).name)  # names the patterns, starts nothing
    assert starting - E2E_MODULES == set()


def test_the_list_names_only_modules_that_exist():
    assert E2E_MODULES - {path.name for path in TESTS.glob("test_*.py")} == set()
