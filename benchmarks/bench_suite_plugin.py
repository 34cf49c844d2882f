"""pytest plugin used only by benchmarks/suite_speed.py (loaded through PYTEST_ADDOPTS="-p bench_suite_plugin").

- B24_BENCH_MAX_EXAMPLES=N: every Hypothesis property and every schemathesis operation of the suites generates up
  to N examples (overrides the `ci` profile and schemathesis.toml's max-examples for this run only).
- B24_BENCH_COUNT_FILE=path: writes {"cases": generated Hypothesis test cases (all phases, all tests),
  "tests": pytest items run, "by_test": {...}} at the end of the session.
"""
from __future__ import annotations

import json
import os
import re

import pytest

_COUNTS: dict[str, int] = {}
_TESTS = [0]
_LINE = re.compile(r"(\d+) passing, (\d+) failing, and (\d+) invalid")


def _max_examples() -> int | None:
    value = os.environ.get("B24_BENCH_MAX_EXAMPLES")
    return int(value) if value else None


@pytest.hookimpl(trylast=True)
def pytest_configure(config):
    n = _max_examples()
    if n is None:
        return
    from hypothesis import settings

    name = config.getoption("hypothesis_profile", None) or "default"
    settings.register_profile(name, parent=settings.get_profile(name), max_examples=n)
    settings.load_profile(name)
    try:
        import schemathesis.config as sconfig

        original = sconfig.SchemathesisConfig.from_path.__func__

        def from_path(cls, path, *args, **kwargs):
            cfg = original(cls, path, *args, **kwargs)
            cfg.projects.default.generation.max_examples = n
            return cfg

        sconfig.SchemathesisConfig.from_path = classmethod(from_path)
    except Exception:  # noqa: BLE001 - a benchmark helper must never break the run
        pass


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    yield
    if call.when == "call":
        _TESTS[0] += 1
        stats = getattr(item, "hypothesis_statistics", None)
        if stats:
            total = sum(int(a) + int(b) for a, b, _ in _LINE.findall(stats))
            _COUNTS[item.nodeid] = _COUNTS.get(item.nodeid, 0) + total


def pytest_sessionfinish(session, exitstatus):
    path = os.environ.get("B24_BENCH_COUNT_FILE")
    if path:
        with open(path, "w") as fh:
            json.dump({"cases": sum(_COUNTS.values()), "tests": _TESTS[0], "by_test": _COUNTS}, fh, indent=1)
